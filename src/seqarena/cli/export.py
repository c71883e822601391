"""`seqarena export`: a torch classifier checkpoint as ONNX (vocabulary and labels beside it as JSON),
checked against PyTorch, with onnxruntime's and PyTorch's speed measured side by side."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Optional

import typer

from seqarena.cli.common import check_min, err_console, out_console
from seqarena.errors import InputError
from seqarena.fsutil import atomic_path
from seqarena.runtime import set_threads

EXPORT_FORMATS = ("onnx",)


def export(
    checkpoint: Path = typer.Argument(..., help="A torch classifier checkpoint written by `seqarena train`."),
    fmt: str = typer.Option("onnx", "--format", help="Export format: onnx."),
    out: Optional[Path] = typer.Option(None, "--out", help="Output file [default: the checkpoint's name with .onnx]; "
                                       "the vocabulary and labels go beside it as <name>.onnx.json."),
    threads: Optional[int] = typer.Option(None, "--threads", help="Threads for both runtimes [default: torch's]."),
    bench: bool = typer.Option(True, "--bench/--no-bench", help="Measure onnxruntime against PyTorch."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON on stdout, nothing else."),
) -> None:
    """Export a classifier to ONNX: dynamic batch and length axes, the padding mask inside the graph.
    Prints the largest logit difference against PyTorch on a padded batch of mixed lengths, then batch-1
    latency and batch-256 throughput of onnxruntime and PyTorch, measured side by side.

    Needs the optional extra: pip install 'seqarena[export]'."""
    from seqarena.deploy.onnx import export_model, parity, require_onnx, session, sidecar, speed
    from seqarena.deploy.predictor import load_predictor

    if fmt not in EXPORT_FORMATS:
        raise InputError(f"--format: unknown export format '{fmt}'; choose from {list(EXPORT_FORMATS)}")
    check_min("--threads", threads)
    out = out or checkpoint.with_suffix(".onnx")
    if out.suffix.lower() != ".onnx" or out.is_dir():
        raise InputError(f"--out: {out} must be a file name ending in .onnx")
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir() or not os.access(parent, os.W_OK):
        raise InputError(f"--out: cannot write {out} ({parent} is not a writable directory)")
    require_onnx()
    set_threads(threads)
    pred = load_predictor(checkpoint)
    if pred.kind != "torch":
        raise InputError(f"{checkpoint}: {pred.name} is a sparse baseline (scikit-learn); ONNX export covers the "
                         "torch classifiers; use its checkpoint with `seqarena predict` or `seqarena serve`")
    meta_path = out.with_name(out.name + ".json")  # model.onnx.json: never the name of a file of the user's
    with atomic_path(out) as tmp, atomic_path(meta_path) as tmp_meta:  # both renamed only when parity holds
        export_model(pred.model, tmp)
        tmp_meta.write_text(json.dumps(sidecar(pred.ckpt), ensure_ascii=False), encoding="utf-8")
        sess = session(tmp, threads)
        diff = parity(pred.model, sess)
        if not diff <= 1e-4:
            raise InputError(f"{checkpoint}: the ONNX graph differs from PyTorch by {diff:.2e} (> 1e-4); not written")
    res = {"checkpoint": str(checkpoint), "model": pred.name, "onnx": str(out), "metadata": str(meta_path),
           "bytes": out.stat().st_size, "max_abs_logit_diff": diff}
    if bench:
        res.update(speed(pred.model, session(out, threads)))
    if as_json:
        print(json.dumps(res, indent=1))
        return
    out_console.print(f"{pred.name}: {out} ({res['bytes'] / 1e6:.1f} MB) and {meta_path}; onnxruntime vs PyTorch "
                      f"max |logit diff| {diff:.1e} on a padded batch of mixed lengths", soft_wrap=True, highlight=False)
    if bench:
        lat_r = res["torch_latency_ms"] / res["onnx_latency_ms"]
        tp_r = res["onnx_throughput"] / res["torch_throughput"]
        out_console.print(
            f"batch 1 latency (median): onnxruntime {res['onnx_latency_ms']:.3f} ms, PyTorch {res['torch_latency_ms']:.3f} ms "
            f"({lat_r:.2f}x); batch 256 throughput: onnxruntime {res['onnx_throughput']:,.0f} texts/s, PyTorch "
            f"{res['torch_throughput']:,.0f} texts/s ({tp_r:.2f}x); {res['threads']} thread(s), side by side",
            soft_wrap=True, highlight=False)
    err_console.print(f"exported to {out}", soft_wrap=True)
