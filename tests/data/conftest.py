"""Fixtures for data tests: the shared data directory (skip when absent) and a local HTTP mirror."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

import pytest

from seqarena.data.sources import candidate_dirs


def find_shared_data() -> Path | None:
    """$SEQARENA_DATA, else shared/data beside the repository root (../shared/data) or a parent of it."""
    for d in candidate_dirs():
        if (d / "classification").is_dir():
            return d
    return None


@pytest.fixture(scope="session")
def shared_data() -> Path:
    d = find_shared_data()
    if d is None:
        pytest.skip("shared data not found: set SEQARENA_DATA or place it at ../shared/data")
    return d


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep test output clean
        pass


@pytest.fixture
def serve():
    """serve(directory) -> 'http://127.0.0.1:PORT': a loopback HTTP server in a thread, stopped after the test."""
    servers = []

    def start(directory: Path) -> str:
        handler = functools.partial(_Quiet, directory=str(directory))
        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)
        return f"http://127.0.0.1:{srv.server_address[1]}"

    yield start
    for srv in servers:
        srv.shutdown()
        srv.server_close()
