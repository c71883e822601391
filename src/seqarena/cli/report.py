"""`seqarena report` (HTML report + Markdown twin of a run directory) and `seqarena recommend`
(choose a model among measured results under constraints)."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from seqarena.cli.common import err_console, out_console
from seqarena.errors import InputError
from seqarena.fsutil import check_output_dir, check_output_file
from seqarena.report import Constraints, load_run, recommend, write_report
from seqarena.report.i18n import LANGS, check_lang, language, tr
from seqarena.report.recommend import metric_label
from seqarena.report.tables import datasets, fmt_int, fmt_mean
from seqarena.run.stats import sign

RANK_METRICS = {"accuracy": None, "macro_f1": "macro_f1"}  # None: test accuracy, else dev accuracy
RUN_DIR_HELP = "Run directory written by `seqarena compare --out DIR` (results.json / results.sqlite)."


def report(
    run_dir: Path = typer.Argument(..., help=RUN_DIR_HELP, show_default=False, metavar="RUN_DIR"),
    out: Optional[Path] = typer.Option(
        None,
        "--out",
        help="HTML file to write [default: RUN_DIR/report.html]; the Markdown twin goes beside "
        "it with the suffix .md, its images in <name>_files/.",
    ),
    lang: str = typer.Option("en", "--lang", help=f"Language of the report: {', '.join(LANGS)} (es: Spanish)."),
) -> None:
    """Write a self-contained HTML report of a run directory (plots embedded, opens offline) and its
    Markdown twin; print the HTML file's path.

    Example: `seqarena report runs/latest --lang es`"""
    check_lang(lang)
    if out is not None and (out.suffix.lower() not in (".html", ".htm") or out.is_dir()):
        raise InputError(f"--out: '{out}' must be a file name ending in .html (the Markdown twin takes .md)")
    if out is not None or run_dir.is_dir():  # what write_report writes, checked before it reads anything
        html = out if out is not None else run_dir / "report.html"
        flag = "--out" if out is not None else "RUN_DIR"
        check_output_file(html, flag)
        check_output_file(html.with_suffix(".md"), f"{flag} (the Markdown twin)")
        check_output_dir(html.parent / f"{html.stem}_files", f"{flag} (the Markdown twin's images)")
    html_path, md_path = write_report(run_dir, out, lang)
    print(html_path)
    err_console.print(f"Markdown twin: {md_path}", markup=False, highlight=False, soft_wrap=True)


def recommend_command(
    run_dir: Path = typer.Argument(..., help=RUN_DIR_HELP, show_default=False, metavar="RUN_DIR"),
    max_latency_ms: Optional[float] = typer.Option(
        None, "--max-latency-ms", help="Batch-1 latency limit (ms)."
    ),
    max_params: Optional[int] = typer.Option(None, "--max-params", help="Parameter count limit."),
    max_train_time_s: Optional[float] = typer.Option(
        None, "--max-train-time-s", help="Training time limit (s)."
    ),
    min_accuracy: Optional[float] = typer.Option(
        None, "--min-accuracy", help="Accuracy floor, a fraction in [0, 1]."
    ),
    dataset: Optional[str] = typer.Option(
        None, "--dataset", help="Dataset to choose for, when the run has several."
    ),
    as_json: bool = typer.Option(
        False, "--json", help="Print the recommendation as JSON on stdout, nothing else."
    ),
    metric: str = typer.Option(
        "accuracy", "--metric", help="Ranking metric: accuracy or macro_f1 (imbalanced classes); --min-accuracy applies to it."
    ),
    lang: str = typer.Option("en", "--lang", help=f"Language of the table and the paragraph: {', '.join(LANGS)}."),
) -> None:
    """Choose a model among measured results under constraints: the most accurate one that meets them.
    Shows every measured model, the Pareto front (accuracy, latency, parameters, training time) and why.
    Exit code 1 when no model meets the constraints.

    Example: `seqarena recommend runs/reviews --max-latency-ms 5 --metric macro_f1`"""
    if metric not in RANK_METRICS:
        raise InputError(f"--metric: unknown '{metric}'; choose from {list(RANK_METRICS)}")
    check_lang(lang)
    for flag, v in (
        ("--max-latency-ms", max_latency_ms),
        ("--max-params", max_params),
        ("--max-train-time-s", max_train_time_s),
    ):
        if v is not None and not (v >= 0 and math.isfinite(v)):
            raise InputError(f"{flag} must be a finite number >= 0 (got {v})")
    if min_accuracy is not None and not 0.0 <= min_accuracy <= 1.0:
        raise InputError(f"--min-accuracy must be a fraction in [0, 1] (got {min_accuracy})")
    run = load_run(run_dir)
    if not run.rows:
        raise InputError(f"{run_dir}: no measured results (results.json / results.sqlite) to choose from")
    names = datasets(run.rows)
    if dataset is None and len(names) > 1:
        raise InputError(f"--dataset: the run holds several datasets; choose from {names}")
    if dataset is not None and dataset not in names:
        raise InputError(f"--dataset: '{dataset}' is not in this run; choose from {names}")
    ds = dataset if dataset is not None else names[0]
    rows = [r for r in run.rows if r.get("dataset") == ds]
    if min_accuracy is not None and any(r.get("task") == "lm" for r in rows):
        raise InputError(f"--min-accuracy: the rows of '{ds}' are language models, ranked by test nats/char "
                         "(lowest first), which have no accuracy")
    col = RANK_METRICS[metric]
    if col == "macro_f1" and not any(r.get(col) is not None for r in rows):
        raise InputError(f"--metric macro_f1: the rows of '{ds}' in {run_dir} have no macro-F1")
    with language(lang):
        rec = recommend(rows, Constraints(max_latency_ms, max_params, max_train_time_s, min_accuracy),
                        None if metric == "accuracy" else col)
        if as_json:
            print(json.dumps({"dataset": ds, **rec.to_dict()}, indent=1, ensure_ascii=False))
        else:
            out_console.print(_table(rec, ds))
            out_console.print(rec.reason, markup=False, highlight=False)
    if rec.chosen is None:
        if not as_json:
            print("seqarena: no measured model meets the constraints", file=sys.stderr)
        raise typer.Exit(1)


def _table(rec, ds) -> Table:
    front = {c.model for c in rec.front}
    t = Table(title=tr("Measured models on {dataset} ({metric}; ★ = Pareto front, → = recommended)",
                       dataset=ds, metric=rec.metric))
    score = metric_label(rec.metric) if rec.metric in ("macro_f1", "test_nll") else tr("accuracy")
    for label in ("model", score, "latency ms", "params", "train time s", "constraints"):
        t.add_column(tr(label), justify="left" if label in ("model", "constraints") else "right")
    for c in sorted(rec.candidates, key=lambda c: -sign(rec.metric) * (c.accuracy or 0.0)):
        mark = ("→ " if rec.chosen is not None and c.model == rec.chosen.model else "  ") + c.model
        mark += " ★" if c.model in front else ""
        why = ", ".join(rec.rejected.get(c.model, [])) or tr("met")
        t.add_row(
            mark,
            fmt_mean(c.accuracy, c.accuracy_std, 3),
            fmt_mean(c.latency_ms, None, 2),
            fmt_int(c.params),
            fmt_mean(c.train_time_s, None, 1),
            why,
        )
    return t
