"""`seqarena gradients`: gradient norm against position (vanishing gradients), and a hidden-size sweep."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from seqarena.analysis.common import envelope
from seqarena.analysis.gradients import GRAD_MODELS, GradSettings, gradient_flow, hidden_sweep, summarize
from seqarena.checks import MAX_EPOCHS, MAX_SEQ_LEN, MAX_TEXTS, MAX_THREADS, MAX_WIDTH, check_tokens
from seqarena.cli.analysis_io import emit, parse_ints, parse_models, table
from seqarena.cli.common import check_min, progress_bar
from seqarena.fsutil import check_output_dir
from seqarena.runtime import resolve_device, set_threads


def gradients(
    models: Optional[str] = typer.Option(None, "--models", help=f"Comma-separated registry names [default: {','.join(GRAD_MODELS)}]."),
    seq_len: int = typer.Option(256, "--seq-len", help="Length T of the long-range probe texts the gradients are taken on."),
    epochs: int = typer.Option(3, "--epochs", help="Epochs of brief training before the second measurement."),
    n_train: int = typer.Option(1000, "--n-train", help="Training texts for the brief training."),
    hiddens: str = typer.Option("2,16,128,1024", "--hiddens", help="Hidden sizes of the char-RNN sweep ('' to skip it)."),
    sweep_steps: int = typer.Option(300, "--sweep-steps", help="Adam steps per hidden size (batch 64)."),
    data_dir: Optional[Path] = typer.Option(
        None, "--data-dir", help="Data directory [default: $SEQARENA_DATA, else ../shared/data beside the project]."),
    device: str = typer.Option("auto", "--device", help="auto, cpu, cuda, cuda:N, mps."),
    threads: Optional[int] = typer.Option(None, "--threads", help="Torch threads [default: torch's]."),
    as_json: bool = typer.Option(False, "--json", help="Print gradients.json's content on stdout, nothing else."),
    out: Optional[Path] = typer.Option(None, "--out", help="Directory to write gradients.json into."),
) -> None:
    """||dLoss/d embedding_t|| against position t, at init and after brief training (seed 004's vanishing
    gradient, measured), then loss and time of a tiny char RNN against its hidden size.

    Example: `seqarena gradients --out runs/latest`"""
    names = parse_models(models, list(GRAD_MODELS))
    check_min("--seq-len", seq_len, 18, MAX_SEQ_LEN)  # room for the probe's two signals (see longrange_batch)
    check_min("--epochs", epochs, 1, MAX_EPOCHS)
    check_min("--n-train", n_train, 2, MAX_TEXTS)
    check_tokens("--n-train/--seq-len", n_train + GradSettings().batch, 2 * seq_len)
    check_min("--sweep-steps", sweep_steps, 1, 10_000_000)
    check_min("--threads", threads, 1, MAX_THREADS)
    Hs = parse_ints(hiddens, "--hiddens", maximum=MAX_WIDTH) if hiddens.strip() else []
    if out is not None:
        check_output_dir(out, "--out")
    torch_dev = resolve_device(device)
    set_threads(threads)
    settings = GradSettings(seq_len=seq_len, n_train=n_train, epochs=epochs)
    ddir = data_dir
    with progress_bar() as bar:
        task = bar.add_task("gradient flow", total=2 * len(names) + len(Hs))
        rows = gradient_flow(names, settings, torch_dev, on_step=lambda m, p: bar.update(
            task, advance=1, description=f"{m} {p}"))
        sweep = hidden_sweep(Hs, sweep_steps, 64, ddir, torch_dev, on_step=lambda h: bar.update(
            task, advance=1, description=f"char RNN H={h}"))
    summary = summarize(rows)
    doc = envelope("gradients", torch_dev, {"models": names, **settings.__dict__, "hiddens": Hs,
                                      "sweep_steps": sweep_steps, "sweep_batch": 64}, rows,
                   summary=summary, hidden_sweep=sweep)
    picks = sorted({0, seq_len // 4, seq_len // 2, 3 * seq_len // 4, seq_len - 1})
    flow = table(
        f"||dLoss/d emb_t|| relative to its max over t (T = {seq_len}; the label's two tokens sit at t = 5..15 "
        f"and {(seq_len - 16) // 2} later)",
        ["model", "phase"] + [f"t={t}" for t in picks] + ["first/last", "t >= 1%", "train acc"],
        [[s["model"], s["phase"]] + [_rel(rows, s["model"], s["phase"], t) for t in picks]
         + [f"{s['first_over_last']:.2e}", f"{s['frac_positions_above_1pct']:.0%}", _acc(rows, s)] for s in summary],
        right={f"t={t}" for t in picks} | {"first/last", "t >= 1%", "train acc"},
    )
    tables = [flow]
    if sweep:
        tables.append(table(
            f"char RNN next-character loss against hidden size ({sweep_steps} steps, batch 64; {sweep[0]['corpus']})",
            ["hidden", "params", "train loss", "val loss", "time s", "ms/step"],
            [[str(r["hidden"]), f"{r['params']:,}", f"{r['final_train_loss']:.3f}", f"{r['val_loss']:.3f}",
              f"{r['train_time_s']:.1f}", f"{r['ms_per_step']:.1f}"] for r in sweep],
            right={"hidden", "params", "train loss", "val loss", "time s", "ms/step"},
        ))
    emit(doc, as_json, out, tables)


def _rel(rows: list[dict], model: str, phase: str, t: int) -> str:
    r = next(r for r in rows if r["model"] == model and r["phase"] == phase and r["position"] == t)
    return f"{r['grad_norm_rel']:.1e}"


def _acc(rows: list[dict], s: dict) -> str:
    acc = next(r["train_acc"] for r in rows if r["model"] == s["model"] and r["phase"] == s["phase"])
    return "-" if acc is None else f"{acc:.2f}"
