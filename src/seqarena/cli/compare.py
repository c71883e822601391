"""`seqarena compare`: train several models under one protocol and print one table."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from seqarena.cli.common import check_min, err_console, out_console, parse_list, progress_bar
from seqarena.config import ModelConfig, TrainConfig
from seqarena.data import DATASETS
from seqarena.models import list_models
from seqarena.report import write_report
from seqarena.run import Cell, ResultsStore, run_cells
from seqarena.run.stats import aggregate
from seqarena.runtime import available_cores, resolve_device

SEED_MODELS = "gru,bilstm,textcnn,cnn_rnn,transformer,bow"


def compare(
    models: str = typer.Option(SEED_MODELS, "--models", help="Comma-separated registry names."),
    dataset: str = typer.Option("seed-bigram", "--dataset", help="Dataset name (see `seqarena data list`)."),
    epochs: int = typer.Option(10, "--epochs", help="Training epochs per model."),
    seeds: int = typer.Option(1, "--seeds", help="Repeats with seeds 0..N-1; the table shows mean ± std."),
    device: str = typer.Option("auto", "--device", help="auto (CUDA when present, else CPU), cpu, cuda, cuda:N, mps."),
    threads: Optional[int] = typer.Option(None, "--threads", help="Torch threads per worker [default: cores / jobs]."),
    jobs: Optional[int] = typer.Option(
        None, "--jobs", help="Models trained in parallel worker processes [default: one per core on CPU, 1 on GPU]."),
    out: Optional[Path] = typer.Option(None, "--out", help="Directory for results.json and results.sqlite."),
    as_json: bool = typer.Option(False, "--json", help="Print the table as a JSON list of rows on stdout, nothing else."),
) -> None:
    """Train each model on the same data with the same protocol and print one comparison table.

    With no arguments: seed 000's experiment (synthetic signal-bigram task, Adam 1e-3, batch 64,
    10 epochs) for gru, bilstm, textcnn, cnn_rnn, transformer and bow."""
    names = parse_list(models, "--models", list_models("classify"))
    if dataset not in DATASETS:
        parse_list(dataset, "--dataset", sorted(DATASETS))
    check_min("--epochs", epochs)
    check_min("--seeds", seeds)
    check_min("--jobs", jobs)
    check_min("--threads", threads)
    dev = resolve_device(device)
    cfg = TrainConfig(epochs=epochs)
    cells = [Cell(dataset, ModelConfig.of(n), cfg, seed=s) for s in range(seeds) for n in names]
    if jobs is None:  # on CPU one worker per core; a GPU is shared better by one process
        jobs = 1 if dev.type != "cpu" else max(1, min(available_cores(), len(cells)))

    with progress_bar() as bar:
        task = bar.add_task(f"compare on {dataset}", total=len(cells) * epochs)

        def on_event(e) -> None:
            if e.kind == "epoch":
                bar.advance(task)
            else:  # a cell finished (early stopping may have skipped epochs)
                bar.update(task, description=f"{cells[e.index].model.name} done")

        rows = run_cells(cells, jobs=jobs, threads=threads, device=str(dev), on_event=on_event)
        bar.update(task, completed=len(cells) * epochs)

    table = aggregate(rows)
    if out is not None:
        save_results(out, rows, table)
        err_console.print(f"report written to {write_report(out)[0]}", highlight=False, soft_wrap=True)
    if as_json:
        print(json.dumps(table, indent=1, default=_json_default))
        return
    out_console.print(render_table(table, seeds > 1, title=f"{dataset}: {epochs} epochs, {seeds} seed(s), device {dev}"))
    if out is not None:
        err_console.print(f"results written to {out}/results.json and {out}/results.sqlite")


def save_results(out: Path, rows: list[dict], table: list[dict]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    store = ResultsStore(out / "results.sqlite")
    for r in rows:
        store.put(r)
    store.close()
    tmp = out / "results.json.tmp"  # write then rename: an interrupted write never truncates old results
    tmp.write_text(json.dumps({"summary": table, "rows": rows}, indent=1, default=_json_default))
    tmp.replace(out / "results.json")


def render_table(table: list[dict], with_std: bool, title: str) -> Table:
    t = Table(title=title)
    cols = [("model", "model"), ("family", "family"), ("params", "params")]
    metrics = [("train acc", "train_acc", 3), ("test acc", "test_acc", 3), ("macro-F1", "macro_f1", 3),
               ("train time s", "train_time_s", 1), ("latency ms (b=1)", "latency_ms", 2),
               ("seq/s (b=256)", "throughput", 0)]
    for label, _ in cols:
        t.add_column(label, justify="left" if label != "params" else "right")
    for label, _, _ in metrics:
        t.add_column(label, justify="right")
    for r in table:
        cells = [str(r["model"]), str(r["family"]), f"{r['params']:,}"]
        for _, key, digits in metrics:
            cells.append(fmt(r.get(key), r.get(f"{key}_std") if with_std else None, digits))
        t.add_row(*cells)
    return t


def fmt(mean: float | None, std: float | None, digits: int) -> str:
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return "-"
    s = f"{mean:,.{digits}f}"
    return s + (f" ± {std:,.{digits}f}" if std is not None and not math.isnan(std) else "")


def _json_default(o):
    if isinstance(o, float) and math.isnan(o):
        return None
    return str(o)
