"""`seqarena predict`: label texts with a checkpoint written by `seqarena train` (torch classifiers and
sparse baselines): texts as arguments or a file (csv/tsv/jsonl with --text-column, plain text one a
line), printed as a table or JSON, or streamed to --output F.csv|F.jsonl."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer
from rich.table import Table

from seqarena.cli.common import check_min, err_console, out_console, warnings_as_lines
from seqarena.data.unlabelled import TEXT_FORMATS, iter_texts, text_format
from seqarena.deploy.batch import check_output, rows_of, write_predictions
from seqarena.deploy.predictor import load_predictor
from seqarena.errors import InputError
from seqarena.runtime import resolve_device, set_threads


def predict(
    checkpoint: Path = typer.Argument(..., help="A checkpoint written by `seqarena train`."),
    texts: Optional[List[str]] = typer.Argument(None, help="Texts to classify (or use --file)."),
    file: Optional[Path] = typer.Option(None, "--file", help="Texts to classify: csv/tsv/jsonl (with --text-column) "
                                        "or plain text, one text a line."),
    fmt: Optional[str] = typer.Option(None, "--format", help=f"Format of --file: {', '.join(TEXT_FORMATS)} "
                                      "[default: from the extension; plain lines otherwise]."),
    text_column: Optional[str] = typer.Option(None, "--text-column", help="csv/tsv column or jsonl key of the text "
                                              "[default: the one the model was trained with; text]."),
    output: Optional[Path] = typer.Option(None, "--output", help="Write the predictions to F.csv or F.jsonl "
                                          "(streamed; one row per text: label, probability, every class's)."),
    k: Optional[int] = typer.Option(None, "--top-k", help="Also give the K most probable classes of each text."),
    batch_size: int = typer.Option(256, "--batch-size", help="Texts per forward pass (length-bucketed)."),
    threads: Optional[int] = typer.Option(None, "--threads", help="Torch threads [default: torch's]."),
    device: str = typer.Option("auto", "--device", help="auto (CUDA when present, else CPU), cpu, cuda, cuda:N, mps "
                               "(torch models; the sparse baselines run on the CPU)."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list on stdout, nothing else."),
) -> None:
    """Print or write each text's predicted label and class probabilities.

    The checkpoint is read with torch.load(weights_only=True): a file carrying pickled objects is
    refused, never executed.

    Example: `seqarena predict model.pt --file new.csv --text-column sentence --output preds.csv --top-k 2`"""
    if bool(texts) == (file is not None):
        raise InputError("give texts as arguments or --file FILE, not both or neither")
    check_min("--top-k", k)
    check_min("--batch-size", batch_size)
    check_min("--threads", threads)
    if output is not None:
        check_output(output, [file] if file is not None else [])
    if file is None and (fmt or text_column):
        raise InputError(f"{'--format' if fmt else '--text-column'}: goes with --file")
    set_threads(threads)
    pred = load_predictor(checkpoint, device=resolve_device(device))
    pred.batch_size = batch_size
    if k is not None and k > len(pred.labels):
        raise InputError(f"--top-k {k}: the model has {len(pred.labels)} classes")
    if file is not None:
        f = text_format(file, fmt)
        col = text_column or (pred.ckpt.get("reader") or {}).get("text_column") or "text"
        items = iter_texts(file, f, col)
    else:
        for i, t in enumerate(texts, start=1):
            if not t.strip():
                raise InputError(f"text {i}: empty text")
        items = iter(list(enumerate(texts, start=1)))
    with warnings_as_lines():
        if output is not None:
            stats = write_predictions(pred, items, output, k)
            err_console.print(f"{stats['n']:,} predictions written to {output} ({stats['texts_per_s']:,.0f} texts/s)",
                              soft_wrap=True, highlight=False)
            return
        rows = rows_of(pred, list(items), k)
    if as_json:
        print(json.dumps([{kk: v for kk, v in r.items() if kk != "line"} for r in rows], indent=1,
                         ensure_ascii=False))
        return
    t = Table(title=f"{checkpoint.name}: {pred.name} trained on {pred.ckpt.get('dataset', '?')}")
    t.add_column("text", overflow="fold", max_width=80)
    t.add_column("label")
    for n in pred.labels:
        t.add_column(f"p({n})", justify="right")
    if k:
        t.add_column(f"top {k}")
    for r in rows:
        extra = [", ".join(f"{lab} {p:.3f}" for lab, p in r["top_k"])] if k else []
        t.add_row(r["text"], r["label"], *(f"{r['probs'][n]:.3f}" for n in pred.labels), *extra)
    out_console.print(t)
