"""`seqarena evaluate`: score a checkpoint on a labelled file (or a named dataset's test split):
accuracy, macro-F1, per-class precision/recall/F1 and the confusion matrix, as tables or JSON, and
optionally a small HTML page with the confusion heatmap."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer
from rich.table import Table

from seqarena.cli.common import check_min, err_console, out_console, warnings_as_lines
from seqarena.cli.data import DATA_DIR_HELP
from seqarena.data.text import FORMATS, infer_format, iter_examples
from seqarena.deploy.predictor import load_predictor
from seqarena.deploy.scoring import evaluate_texts, gold_ids
from seqarena.errors import InputError
from seqarena.fsutil import atomic_write
from seqarena.runtime import set_threads


def evaluate(
    checkpoint: Path = typer.Argument(..., help="A checkpoint written by `seqarena train`."),
    test_files: Optional[List[Path]] = typer.Option(None, "--test", help="Labelled file(s) to score on."),
    dataset: Optional[str] = typer.Option(None, "--dataset", help="Or a named dataset's test split (sst2)."),
    fmt: Optional[str] = typer.Option(None, "--format", help=f"Format of --test: {', '.join(FORMATS)} "
                                      "[default: the checkpoint's training files', else from the extension]."),
    text_column: Optional[str] = typer.Option(None, "--text-column", help="csv/tsv column or jsonl key of the text "
                                              "[default: the one the model was trained with; text]."),
    label_column: Optional[str] = typer.Option(None, "--label-column", help="csv/tsv column or jsonl key of the "
                                               "label [default: as trained; label]."),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help=DATA_DIR_HELP),
    threads: Optional[int] = typer.Option(None, "--threads", help="Torch threads [default: torch's]."),
    out: Optional[Path] = typer.Option(None, "--out", help="Directory for evaluation.json and evaluation.html "
                                       "(confusion heatmap)."),
    as_json: bool = typer.Option(False, "--json", help="Print the scores as JSON on stdout, nothing else."),
) -> None:
    """Score a checkpoint on labelled data the model never trained on.

    Example: `seqarena evaluate model.pt --test test.csv --text-column sentence --label-column category`"""
    check_min("--threads", threads)
    if (dataset is None) == (not test_files):
        raise InputError("give --test FILE (labelled) or --dataset NAME (its test split), not both or neither")
    if out is not None and out.exists() and not out.is_dir():
        raise InputError(f"--out: {out} exists and is not a directory")
    set_threads(threads)
    pred = load_predictor(checkpoint)
    with warnings_as_lines():
        if dataset is not None:
            texts, gold, where = _dataset_test(dataset, data_dir, pred.labels)
        else:
            reader = pred.ckpt.get("reader") or {}
            f = fmt
            if f is None:  # the extension's format, else the training files' one
                try:
                    f = infer_format(test_files)
                except InputError:
                    if not reader.get("format"):
                        raise
                    f = reader["format"]
            if f not in FORMATS:
                raise InputError(f"--format: unknown format '{f}'; choose from {FORMATS}")
            examples = iter_examples(test_files, f, text_column or reader.get("text_column", "text"),
                                     label_column or reader.get("label_column", "label"))
            texts, gold = gold_ids(examples, pred.labels)
            where = ", ".join(map(str, test_files))
    res = {"checkpoint": str(checkpoint), "data": where, **evaluate_texts(pred, texts, gold)}
    if out is not None:
        _write(out, res)
    if as_json:
        print(json.dumps(res, indent=1))
        return
    for t in tables(res):
        out_console.print(t)
    out_console.print(f"{res['model']} on {where}: accuracy {res['accuracy']:.4f}, macro-F1 {res['macro_f1']:.4f} "
                      f"({res['n']:,} texts)", soft_wrap=True, highlight=False)
    if out is not None:
        err_console.print(f"written to {out}/evaluation.json and {out}/evaluation.html", soft_wrap=True)


def _dataset_test(name: str, data_dir: Path | None, labels: list[str]) -> tuple[list[str], list[int], str]:
    from seqarena.data import DATASETS, load_dataset

    if name not in DATASETS:
        raise InputError(f"--dataset: unknown dataset '{name}'; choose from {sorted(DATASETS)}")
    data = load_dataset(name, data_dir)
    if data.test is None or not data.texts.get("test"):
        raise InputError(f"--dataset: '{name}' has no test split of texts (k-fold data); give --test FILE")
    names = [data.label_names[i] for i in data.test.labels.tolist()]
    unknown = sorted(set(names) - set(labels))
    if unknown:
        raise InputError(f"--dataset: labels {unknown} of '{name}' are not classes of this model ({labels})")
    index = {n: i for i, n in enumerate(labels)}
    return list(data.texts["test"]), [index[n] for n in names], f"{name} (test)"


def tables(res: dict) -> list[Table]:
    t = Table(title=f"{res['model']}: per class ({res['n']:,} texts)")
    for c in ("class", "precision", "recall", "F1", "support"):
        t.add_column(c, justify="left" if c == "class" else "right")
    for r in res["per_class"]:
        t.add_row(r["label"], f"{r['precision']:.3f}", f"{r['recall']:.3f}", f"{r['f1']:.3f}", f"{r['support']:,}")
    m = Table(title="confusion matrix (rows: true class, columns: predicted)")
    m.add_column("true \\ predicted")
    for n in res["labels"]:
        m.add_column(n, justify="right")
    for n, row in zip(res["labels"], res["confusion"]):
        m.add_row(n, *(f"{v:,}" for v in row))
    return [t, m]


def _write(out: Path, res: dict) -> None:
    """evaluation.json and a self-contained evaluation.html (tables + confusion heatmap)."""
    from seqarena.report.document import Section
    from seqarena.report.html import render_html
    from seqarena.report.plots import confusion_heatmap
    from seqarena.report.tables import Table as DocTable

    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InputError(f"--out: cannot create {out} ({e.strerror or e})") from None
    per = DocTable(["class", "precision", "recall", "F1", "support"],
                   [[r["label"], f"{r['precision']:.3f}", f"{r['recall']:.3f}", f"{r['f1']:.3f}", str(r["support"])]
                    for r in res["per_class"]], caption="per-class scores")
    fig = confusion_heatmap(res["labels"], res["confusion"], res["model"], res["data"])
    summary = (f"`{res['checkpoint']}` on {res['data']}: accuracy {res['accuracy']:.4f}, macro-F1 "
               f"{res['macro_f1']:.4f} over {res['n']:,} texts.")
    page = render_html([Section("scores", "Scores", [summary, per]), Section("confusion", "Confusion matrix", [fig])],
                       f"seqarena evaluate: {res['model']}")
    for name, text in (("evaluation.json", json.dumps(res, indent=1)), ("evaluation.html", page)):
        try:
            atomic_write(out / name, text)
        except OSError as e:
            raise InputError(f"--out: cannot write {out / name} ({e.strerror or e})") from None
