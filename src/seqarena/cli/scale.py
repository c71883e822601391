"""`seqarena scale`: time and memory against sequence length and batch size, with growth exponents."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import torch
import typer

from seqarena.analysis.common import envelope
from seqarena.analysis.scaling import ScaleSettings, fit_exponents, plan, run_scaling
from seqarena.checks import MAX_BATCH, MAX_SEQ_LEN, MAX_THREADS
from seqarena.cli.analysis_io import emit, parse_ints, parse_models, table
from seqarena.cli.common import check_min, check_number, progress_bar
from seqarena.fsutil import check_output_dir
from seqarena.runtime import resolve_device, set_threads

DEFAULT_MODELS = ["rnn", "gru", "lstm", "textcnn", "cnn_rnn", "transformer", "bow"]


def scale(
    models: Optional[str] = typer.Option(None, "--models", help=f"Comma-separated registry names [default: {','.join(DEFAULT_MODELS)}]."),
    lengths: str = typer.Option("16,32,64,128,256,512,1024,2048", "--lengths", help="Sequence lengths T."),
    batch_sizes: str = typer.Option("1,256", "--batch-sizes", help="Batch sizes (1: latency; 256: throughput)."),
    device: str = typer.Option("all", "--device", help="all (CPU, and CUDA when present), cpu, cuda, cuda:N, mps."),
    threads: Optional[int] = typer.Option(None, "--threads", help="Torch threads on CPU [default: torch's]."),
    repeats: int = typer.Option(3, "--repeats", help="Timed runs per figure (median), after one warm-up."),
    max_step_s: float = typer.Option(5.0, "--max-step-s", help="Stop growing T for a model once one training step takes longer."),
    as_json: bool = typer.Option(False, "--json", help="Print scaling.json's content on stdout, nothing else."),
    out: Optional[Path] = typer.Option(None, "--out", help="Directory to write scaling.json into."),
) -> None:
    """Training-step time, forward time (latency at batch 1, throughput at batch 256) and peak memory
    against T and batch size, per model; the growth exponent is the log-log slope against T.

    Example: `seqarena scale --lengths 16,64,256 --batch-sizes 1,64 --out runs/latest`"""
    names = parse_models(models, DEFAULT_MODELS)
    Ts = parse_ints(lengths, "--lengths", maximum=MAX_SEQ_LEN)
    Bs = parse_ints(batch_sizes, "--batch-sizes", maximum=MAX_BATCH)
    check_min("--repeats", repeats, 1, 10_000)
    check_min("--threads", threads, 1, MAX_THREADS)
    check_number("--max-step-s", max_step_s, 0.0, lo_open=True)
    if out is not None:
        check_output_dir(out, "--out")
    if device == "all":
        devices = [torch.device("cpu")] + ([torch.device("cuda")] if torch.cuda.is_available() else [])
    else:
        devices = [resolve_device(device)]
    set_threads(threads)
    settings = ScaleSettings(repeats=repeats, max_step_s=max_step_s)
    total = len(plan(names, Ts, Bs)) * len(devices)
    with progress_bar() as bar:
        task = bar.add_task("scaling", total=total)

        def on_row(r: dict) -> None:
            bar.update(task, advance=1, description=f"{r['model']} B={r['batch_size']} T={r['seq_len']} {r['device']}")

        rows = run_scaling(names, Ts, Bs, devices, settings, on_row=on_row)
    fits = fit_exponents(rows)
    doc = envelope("scaling", devices[-1], {"models": names, "lengths": Ts, "batch_sizes": Bs,
                                            "devices": [str(d) for d in devices], "repeats": repeats,
                                            "max_step_s": max_step_s, "threads": torch.get_num_threads()},
                   rows, fits=fits)
    tables = []
    for torch_dev in devices:
        for B in Bs:
            mine = [r for r in rows if r["device"] == str(torch_dev) and r["batch_size"] == B]
            tables.append(table(
                f"{torch_dev}, batch {B}: train step ms / forward ms / peak MiB (T across)",
                ["model"] + [str(t) for t in sorted(Ts)] + ["exp. step", "exp. fwd", "exp. mem"],
                [[m] + [_cell(mine, m, t) for t in sorted(Ts)] + _exps(fits, m, str(torch_dev), B) for m in names],
                right=set(map(str, Ts)) | {"exp. step", "exp. fwd", "exp. mem"},
            ))
    emit(doc, as_json, out, tables)


def _cell(rows: list[dict], model: str, T: int) -> str:
    r = next((r for r in rows if r["model"] == model and r["seq_len"] == T), None)
    if r is None or r["status"] != "ok":
        return "skip"
    return f"{r['train_step_ms']:.1f} / {r['forward_ms']:.1f} / {r['peak_mem_bytes'] / 2**20:.1f}"


def _exps(fits: list[dict], model: str, device: str, B: int) -> list[str]:
    by = {f["metric"]: f for f in fits if (f["model"], f["device"], f["batch_size"]) == (model, device, B)}
    return [f"{by[m]['exponent']:.2f}" if m in by and by[m]["exponent"] == by[m]["exponent"] else "-"
            for m in ("train_step_ms", "forward_ms", "peak_mem_bytes")]
