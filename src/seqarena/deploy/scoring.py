"""Scores of a checkpoint on labelled texts: accuracy, macro-F1, per-class precision/recall/F1 and
the confusion matrix (scikit-learn, through `train.metrics.per_class`)."""

from __future__ import annotations

from typing import Iterable

import numpy as np
import torch

from seqarena.data.text import Example
from seqarena.deploy.predictor import Predictor
from seqarena.errors import InputError
from seqarena.train.metrics import accuracy, macro_f1, per_class


def gold_ids(examples: Iterable[Example], labels: list[str]) -> tuple[list[str], list[int]]:
    """(texts, class ids) of labelled examples; a label the model does not know is an InputError
    naming its file and line."""
    index = {n: i for i, n in enumerate(labels)}
    texts, gold = [], []
    for e in examples:
        i = index.get(e.label)
        if i is None:
            raise InputError(f"{e.where}: label '{e.label}' is not a class of this model; its classes are {labels}")
        texts.append(e.text)
        gold.append(i)
    if not texts:
        raise InputError("no labelled examples to evaluate on")
    return texts, gold


def evaluate_texts(pred: Predictor, texts: list[str], gold: list[int]) -> dict:
    """{'n', 'accuracy', 'macro_f1', 'per_class', 'confusion', 'labels', 'model'}."""
    probs = pred.predict_proba(texts)
    y_pred = torch.from_numpy(np.asarray(probs.argmax(1), dtype=np.int64))
    y_true = torch.tensor(gold, dtype=torch.long)
    scores = per_class(y_pred, y_true, pred.labels)
    return {"model": pred.name, "kind": pred.kind, "n": len(gold), "accuracy": accuracy(y_pred, y_true),
            "macro_f1": macro_f1(y_pred, y_true, len(pred.labels)), "labels": pred.labels, **scores}
