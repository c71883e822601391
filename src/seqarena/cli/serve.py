"""`seqarena serve`: a checkpoint over HTTP (FastAPI + uvicorn, optional extra `serve`)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from seqarena.cli.common import check_min, err_console
from seqarena.errors import InputError
from seqarena.runtime import set_threads

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def serve(
    checkpoint: Path = typer.Argument(..., help="A checkpoint written by `seqarena train` (torch or sparse)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind: loopback unless you say otherwise."),
    port: int = typer.Option(8000, "--port", help="TCP port."),
    threads: Optional[int] = typer.Option(None, "--threads", help="Torch threads for the model [default: torch's]."),
    max_chars: int = typer.Option(100_000, "--max-chars", help="Longest text accepted (characters); longer: 413."),
    max_texts: int = typer.Option(1000, "--max-texts", help="Most texts in one request; more: 413."),
) -> None:
    """Serve a checkpoint: POST /predict {"text": "..."} or {"texts": [...]} (optionally "top_k"),
    GET /health, GET /metadata. Bad requests get a 4xx JSON error; the server keeps running.

    Needs the optional extra: pip install 'seqarena[serve]'."""
    from seqarena.deploy.predictor import load_predictor
    from seqarena.deploy.serve import create_app, require_serve

    if not 0 < port < 65536:
        raise InputError(f"--port must be in 1..65535 (got {port})")
    check_min("--threads", threads)
    check_min("--max-chars", max_chars)
    check_min("--max-texts", max_texts)
    _, uvicorn = require_serve()
    _check_bind(host, port)
    set_threads(threads)
    pred = load_predictor(checkpoint)
    app = create_app(pred, max_bytes=max(2_000_000, 8 * max_chars), max_texts=max_texts, max_chars=max_chars)
    if host not in LOOPBACK:
        err_console.print(f"seqarena: warning: --host {host}: reachable from other machines; there is no "
                          "authentication", soft_wrap=True, highlight=False, markup=False)
    shown = f"[{host}]" if ":" in host else host
    err_console.print(f"serving {pred.name} ({len(pred.labels)} classes) on http://{shown}:{port}: POST /predict, "
                      "GET /health, GET /metadata; Ctrl-C stops", soft_wrap=True, highlight=False, markup=False)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


def _check_bind(host: str, port: int) -> None:
    """One line, exit 2, when the address cannot be bound (in use, not an address of this machine)."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        with socket.socket(infos[0][0], socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(infos[0][4])
    except OSError as e:
        raise InputError(f"--host {host} --port {port}: cannot listen there ({e.strerror or e})") from None
