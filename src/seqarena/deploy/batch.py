"""Predictions for many texts, streamed: texts are read in chunks, each chunk is scored in
length-bucketed batches (`Predictor.predict_proba`), and its rows are written before the next chunk is
read. The output (csv or jsonl: the label, its probability, every class's probability, optionally the
top k) goes to a temporary file beside the target, renamed over it only when complete, so an
existing file is never left half-written."""

from __future__ import annotations

import csv
import json
import os
import time
from itertools import islice
from pathlib import Path
from typing import IO, Iterable, Iterator

import numpy as np

from seqarena.deploy.predictor import Predictor
from seqarena.errors import InputError
from seqarena.fsutil import atomic_path

OUTPUT_FORMATS = {".csv": "csv", ".jsonl": "jsonl"}


def check_output(path: Path, inputs: list[Path] = ()) -> str:
    """The output's format (from its extension); InputError when it cannot be written (a directory, no
    writable parent) or is one of the inputs, checked before any work."""
    fmt = OUTPUT_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(f"--output: {path}: the extension must be .csv or .jsonl")
    if path.is_dir():
        raise InputError(f"--output: {path} is a directory")
    if any(path.exists() and p.exists() and path.resolve() == p.resolve() for p in inputs):
        raise InputError(f"--output: {path} is the input file; write the predictions elsewhere")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"--output: {path}: the directory {parent} does not exist")
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise InputError(f"--output: {path}: not writable")
    return fmt


def top_k(probs: np.ndarray, labels: list[str], k: int) -> list[list[tuple[str, float]]]:
    """Per row, the k most probable (label, probability), most probable first."""
    idx = np.argsort(-probs, axis=1, kind="stable")[:, :k]
    return [[(labels[j], float(p[j])) for j in row] for row, p in zip(idx, probs)]


def rows_of(pred: Predictor, items: list[tuple[int, str]], k: int | None) -> list[dict]:
    """One dict per text: line, text, label, probability, probs {class: p}, and top_k when k is given."""
    probs = pred.predict_proba([t for _, t in items])
    best = probs.argmax(1)
    tops = top_k(probs, pred.labels, k) if k else None
    out = []
    for n, ((line, text), p, b) in enumerate(zip(items, probs, best)):
        r = {"line": line, "text": text, "label": pred.labels[b], "probability": float(p[b]),
             "probs": {c: float(v) for c, v in zip(pred.labels, p)}}
        if tops is not None:
            r["top_k"] = tops[n]
        out.append(r)
    return out


def chunks(items: Iterable[tuple[int, str]], size: int) -> Iterator[list[tuple[int, str]]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def write_predictions(pred: Predictor, items: Iterable[tuple[int, str]], path: Path, k: int | None = None,
                      chunk: int = 8192) -> dict:
    """Stream predictions of `items` into `path` (csv or jsonl); return {'n', 'seconds', 'texts_per_s'}."""
    fmt = check_output(path)
    n, t0 = 0, time.perf_counter()
    try:  # the one write-then-rename: a failed or interrupted run leaves no partial file at `path`
        with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as f:
            writer = _csv_writer(f, pred.labels, k) if fmt == "csv" else None
            for part in chunks(items, chunk):
                for r in rows_of(pred, part, k):
                    if writer is not None:
                        writer.writerow(_csv_row(r, pred.labels, k))
                    else:
                        r.pop("text")
                        f.write(json.dumps(r, ensure_ascii=False) + "\n")
                n += len(part)
    except OSError as e:
        raise InputError(f"--output: cannot write {path} ({e.strerror or e})") from None
    s = time.perf_counter() - t0
    return {"n": n, "seconds": s, "texts_per_s": n / s if s > 0 else float("nan")}


def _csv_writer(f: IO[str], labels: list[str], k: int | None):
    w = csv.writer(f)
    head = ["line", "label", "probability", *(f"p_{c}" for c in labels)]
    if k:
        head += [x for i in range(1, k + 1) for x in (f"label_{i}", f"p_{i}")]
    w.writerow(head)
    return w


def _csv_row(r: dict, labels: list[str], k: int | None) -> list:
    row = [r["line"], r["label"], f"{r['probability']:.6f}", *(f"{r['probs'][c]:.6f}" for c in labels)]
    if k:
        row += [x for lab, p in r["top_k"] for x in (lab, f"{p:.6f}")]
    return row
