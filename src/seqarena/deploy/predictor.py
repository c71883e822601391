"""One interface over every checkpoint `seqarena train` writes: `load_predictor(path)` gives a
`Predictor` whose `predict_proba(texts)` returns (N, C) class probabilities, for torch classifiers
(tokenised with the checkpoint's tokenizer and vocabulary, length-bucketed batches) and the sparse
baselines (their vectoriser and linear model rebuilt from arrays) alike."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from seqarena.data.batching import pad_sequences
from seqarena.data.tokenize import get_tokenizer
from seqarena.data.vocab import Vocab
from seqarena.errors import InputError
from seqarena.train.checkpoint import (is_sparse_checkpoint, load_checkpoint, model_from_checkpoint,
                                       sparse_from_checkpoint)


@dataclass
class Predictor:
    """A loaded classifier. `labels` in class-id order; `kind` 'torch' or 'sparse'."""

    name: str
    labels: list[str]
    kind: str
    vocab_size: int
    ckpt: dict
    model: Any
    vocab: Vocab | None = None
    tokenizer: Any = None
    batch_size: int = 256
    device: torch.device = torch.device("cpu")

    def encode(self, texts: list[str]) -> list[list[int]]:
        """Token ids of each text (torch models): the checkpoint's tokenizer, then its vocabulary."""
        return [self.vocab.encode(self.tokenizer(t)) for t in texts]

    @torch.no_grad()
    def predict_proba(self, texts: list[str]) -> np.ndarray:
        """(N, C) float64 probabilities, rows in the order of `texts`."""
        if not texts:
            return np.zeros((0, len(self.labels)))
        if self.kind == "sparse":
            from seqarena.models.sparse import sparse_proba

            return sparse_proba(self.model, texts)
        ids = self.encode(texts)
        order = np.argsort([len(s) for s in ids], kind="stable")  # length-bucketed: little padding
        out = np.empty((len(texts), len(self.labels)))
        for a in range(0, len(order), self.batch_size):
            idx = order[a:a + self.batch_size]
            tokens, lengths = pad_sequences([ids[i] for i in idx])
            logits = self.model(tokens.to(self.device), lengths.to(self.device))  # (B, C)
            out[idx] = torch.softmax(logits.float(), dim=-1).double().cpu().numpy()
        return out

    def metadata(self) -> dict:
        from seqarena import __version__

        return {"model": self.name, "kind": self.kind, "labels": self.labels, "num_classes": len(self.labels),
                "vocab_size": self.vocab_size, "tokenizer": self.ckpt.get("tokenizer"),
                "dataset": self.ckpt.get("dataset"), "trained_with": self.ckpt.get("seqarena_version"),
                "seqarena_version": __version__}


def load_predictor(path: Path | str, threads: int | None = None,
                   device: torch.device | None = None) -> Predictor:
    """A checkpoint of a classifier trained on text, ready to predict; InputError for anything else
    (another task, token-id data, a file that is not a seqarena checkpoint or carries pickled objects)."""
    ckpt = load_checkpoint(path, task="classify")
    labels = ckpt.get("label_names")
    cfg = ckpt["model_config"]
    if not isinstance(labels, list) or not labels or not all(isinstance(x, str) for x in labels):
        raise InputError(f"{path}: the checkpoint has no label names")
    if is_sparse_checkpoint(ckpt):
        clf = sparse_from_checkpoint(ckpt)
        if len(clf.classifier.classes_) != len(labels):
            raise InputError(f"{path}: {len(clf.classifier.classes_)} classes in the model, {len(labels)} label names")
        return Predictor(cfg["name"], labels, "sparse", int(cfg.get("vocab_size") or 0), ckpt, clf)
    if not ckpt.get("vocab") or not ckpt.get("tokenizer"):
        raise InputError(f"{path}: the checkpoint has no vocabulary (trained on token ids, not text); "
                         "it needs a model trained on text")
    try:
        model = model_from_checkpoint(ckpt)
    except (RuntimeError, KeyError, TypeError) as e:  # weights that do not fit the configuration
        raise InputError(f"{path}: the weights do not fit the model's configuration ({type(e).__name__})") from None
    if cfg.get("num_classes") != len(labels):
        raise InputError(f"{path}: {cfg.get('num_classes')} classes in the model, {len(labels)} label names")
    if threads is not None:
        torch.set_num_threads(threads)
    vocab = Vocab.from_list(ckpt["vocab"])
    device = device or torch.device("cpu")
    return Predictor(cfg["name"], labels, "torch", len(vocab), ckpt, model.to(device), vocab,
                     get_tokenizer(ckpt["tokenizer"]), device=device)
