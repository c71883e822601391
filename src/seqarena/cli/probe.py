"""`seqarena probe`: train every classifier on synthetic probes, accuracy against difficulty."""

from __future__ import annotations

import signal
from dataclasses import replace
from pathlib import Path
from typing import Optional

import typer

from seqarena.analysis.common import envelope, write_json
from seqarena.analysis.probes import (
    QUICK,
    ProbeSettings,
    add_hardness,
    measured_table,
    plan,
    run_probes,
    summarize,
)
from seqarena.checks import MAX_DIFFICULTY, MAX_EPOCHS, MAX_SEEDS, MAX_TEXTS, MAX_THREADS, check_tokens
from seqarena.cli.analysis_io import emit, parse_ints, parse_models, table
from seqarena.cli.common import check_min, err_console, parse_list, progress_bar
from seqarena.data.probes import PROBES, make_probe
from seqarena.errors import InputError
from seqarena.fsutil import check_output_dir
from seqarena.models import list_models
from seqarena.runtime import resolve_device, set_threads


def probe(
    models: Optional[str] = typer.Option(None, "--models", help="Comma-separated registry names [default: all classifiers]."),
    tasks: str = typer.Option(",".join(PROBES), "--tasks", help=f"Comma-separated probes: {', '.join(PROBES)}."),
    difficulties: Optional[str] = typer.Option(
        None, "--difficulties", help="Override every chosen probe's sweep, e.g. '10,500' (one task at a time)."),
    epochs: Optional[int] = typer.Option(None, "--epochs", help="Epochs per cell [default: 5; --quick: 3]."),
    n_train: Optional[int] = typer.Option(None, "--n-train", help="Training texts per cell [default: 2000; --quick: 256]."),
    seeds: int = typer.Option(1, "--seeds", help="Repeats with seeds 0..N-1 (accuracy is averaged)."),
    quick: bool = typer.Option(False, "--quick", help="Two small difficulties per probe, tiny data: for tests and CI."),
    device: str = typer.Option("auto", "--device", help="auto, cpu, cuda, cuda:N, mps."),
    threads: Optional[int] = typer.Option(None, "--threads", help="Torch threads [default: torch's]."),
    as_json: bool = typer.Option(False, "--json", help="Print probes.json's content on stdout, nothing else."),
    out: Optional[Path] = typer.Option(None, "--out", help="Directory to write probes.json into."),
) -> None:
    """Each probe isolates one row of the seed's table (n-grams, long context, order, counting) and has
    a difficulty knob; every model is trained on every probe at every difficulty with the same budget.
    Every probe's easiest difficulty runs first; Ctrl-C or SIGTERM stops the sweep and prints (and,
    with --out, has already saved) the cells that finished.

    Example: `seqarena probe --quick --out runs/latest`"""
    names = parse_models(models, list_models("classify"))
    probes = parse_list(tasks, "--tasks", list(PROBES))
    check_min("--epochs", epochs, 1, MAX_EPOCHS)
    check_min("--n-train", n_train, 2, MAX_TEXTS)
    check_min("--seeds", seeds, 1, MAX_SEEDS)
    if out is not None:
        check_output_dir(out, "--out")
    if difficulties is not None and len(probes) != 1:
        raise InputError("--difficulties: needs exactly one --tasks entry (the knobs differ per probe)")
    settings = QUICK if quick else ProbeSettings()
    settings = replace(settings, seeds=seeds, **({"epochs": epochs} if epochs else {}),
                       **({"n_train": n_train} if n_train else {}))
    sweeps = {p: (PROBES[p].quick if quick else PROBES[p].sweep) for p in probes}
    if difficulties is not None:
        sweeps = {probes[0]: tuple(parse_ints(difficulties, "--difficulties", maximum=MAX_DIFFICULTY))}
        for d in sweeps[probes[0]]:
            make_probe(probes[0], d, 2, 2)  # validates the value (InputError names the rule)
    hardest = max(d for sweep in sweeps.values() for d in sweep)
    # texts are at most about 2 x difficulty + 40 tokens long (longrange, count), held as int64
    check_tokens("--n-train/--difficulties", settings.n_train + settings.n_test, 2 * hardest + 64)
    check_min("--threads", threads, 1, MAX_THREADS)
    torch_dev = resolve_device(device)
    set_threads(threads)
    cells = plan(names, sweeps, seeds)
    rows: list[dict] = []

    def document() -> dict:
        done = add_hardness([dict(r) for r in rows])
        summary = summarize(done)
        return envelope("probes", torch_dev, {"models": names, "sweeps": sweeps, **settings.__dict__, "quick": quick,
                                          "cells_planned": len(cells)},
                        done, summary=summary, table=measured_table(summary, names))

    finished = True
    previous = signal.signal(signal.SIGTERM, _stop)  # `kill PID` stops the sweep like Ctrl-C does
    try:
        with progress_bar() as bar:
            task = bar.add_task("probes", total=len(cells))
            for row in run_probes(cells, settings, torch_dev,
                                  on_cell=lambda c: bar.update(task, description=f"{c.probe}={c.difficulty} {c.model}")):
                rows.append(row)
                if out is not None:  # a long sweep stopped early keeps every finished cell
                    write_json(out, document())
                bar.advance(task)
    except KeyboardInterrupt:
        finished = False
    finally:
        signal.signal(signal.SIGTERM, previous)
    if not rows:
        raise KeyboardInterrupt
    if not finished:
        err_console.print(f"stopped: {len(rows)} of {len(cells)} cells finished; the tables show those")
    doc = document()
    rows, measured = doc["rows"], doc["table"]
    curve = table(
        f"test accuracy against difficulty ({settings.epochs} epochs, {settings.n_train} train texts, chance 0.5)",
        ["probe", "knob"] + names,
        [[p, f"{PROBES[p].knob}={d}"] + [_acc(rows, p, d, m) for m in names] for p in sweeps for d in sorted(sweeps[p])],
        right=set(names),
    )
    seed = table("the seed's table, measured (accuracy at the hardest difficulty)", ["dimension"] + names,
                 [[r["dimension"]] + [r.get(m, "-") for m in names] for r in measured])
    emit(doc, as_json, out, [curve, seed])


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _acc(rows: list[dict], probe: str, d: int, model: str) -> str:
    accs = [r["test_acc"] for r in rows if r["probe"] == probe and r["difficulty"] == d and r["model"] == model]
    return f"{sum(accs) / len(accs):.2f}" if accs else "-"
