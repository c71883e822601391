"""`seqarena predict`: label texts with a checkpoint written by `seqarena train`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import torch
import typer
from rich.table import Table

from seqarena.cli.common import out_console, warnings_as_lines
from seqarena.data import Split, pad_sequences
from seqarena.data.text import read_lines
from seqarena.data.tokenize import get_tokenizer
from seqarena.data.vocab import Vocab
from seqarena.errors import InputError
from seqarena.runtime import resolve_device
from seqarena.train.checkpoint import load_checkpoint, model_from_checkpoint
from seqarena.train.loop import predict_logits


def classify_texts(ckpt: dict, texts: list[str], device: torch.device, where: str) -> list[dict]:
    """For each text: its label and the probability of every class, from a loaded checkpoint."""
    if not ckpt.get("vocab") or not ckpt.get("tokenizer"):
        raise InputError(f"{where}: the checkpoint has no vocabulary (trained on token ids, not text); "
                         "predict needs a model trained on text")
    vocab = Vocab.from_list(ckpt["vocab"])
    tok = get_tokenizer(ckpt["tokenizer"])
    labels = list(ckpt["label_names"])
    tokens, lengths = pad_sequences([vocab.encode(tok(t)) for t in texts])
    split = Split(tokens, lengths, torch.zeros(len(texts), dtype=torch.long))
    model = model_from_checkpoint(ckpt).to(device)
    probs = torch.softmax(predict_logits(model, split.to(device)), dim=-1).cpu()  # (N, C)
    return [{"text": t, "label": labels[int(p.argmax())], "probs": {n: float(p[i]) for i, n in enumerate(labels)}}
            for t, p in zip(texts, probs)]


def predict(
    checkpoint: Path = typer.Argument(..., help="A checkpoint written by `seqarena train`."),
    texts: Optional[List[str]] = typer.Argument(None, help="Texts to classify (or use --file)."),
    file: Optional[Path] = typer.Option(None, "--file", help="A file with one text per line."),
    device: str = typer.Option("auto", "--device", help="auto (CUDA when present, else CPU), cpu, cuda, cuda:N, mps."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list on stdout, nothing else."),
) -> None:
    """Print each text's predicted label and class probabilities.

    The checkpoint is read with torch.load(weights_only=True): a file carrying pickled objects is
    refused, never executed."""
    if bool(texts) == (file is not None):
        raise InputError("give texts as arguments or --file FILE (one text per line), not both or neither")
    ckpt = load_checkpoint(checkpoint, task="classify")
    with warnings_as_lines():
        items = [line for _, line in read_lines(file)] if file is not None else list(texts)
    for i, t in enumerate(items, start=1):
        if not t.strip():
            raise InputError(f"text {i}: empty text")
    rows = classify_texts(ckpt, items, resolve_device(device), str(checkpoint))
    if as_json:
        print(json.dumps(rows, indent=1))
        return
    names = list(ckpt["label_names"])
    t = Table(title=f"{checkpoint.name}: {ckpt['model_config']['name']} trained on {ckpt.get('dataset', '?')}")
    t.add_column("text", overflow="fold", max_width=80)
    t.add_column("label")
    for n in names:
        t.add_column(f"p({n})", justify="right")
    for r in rows:
        t.add_row(r["text"], r["label"], *(f"{r['probs'][n]:.3f}" for n in names))
    out_console.print(t)
