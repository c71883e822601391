"""Classification metrics computed from predictions, with no extra dependencies."""

from __future__ import annotations

import torch


def accuracy(pred: torch.Tensor, gold: torch.Tensor) -> float:
    return float((pred == gold).float().mean()) if len(gold) else float("nan")


def macro_f1(pred: torch.Tensor, gold: torch.Tensor, num_classes: int) -> float:
    """Unweighted mean over classes of F1; a class absent from both gold and pred is skipped."""
    f1s = []
    for c in range(num_classes):
        tp = int(((pred == c) & (gold == c)).sum())
        fp = int(((pred == c) & (gold != c)).sum())
        fn = int(((pred != c) & (gold == c)).sum())
        if tp + fp + fn == 0:
            continue
        f1s.append(2 * tp / (2 * tp + fp + fn))
    return sum(f1s) / len(f1s) if f1s else float("nan")


def per_class(pred: torch.Tensor | list[int], gold: torch.Tensor | list[int], label_names: list[str]) -> dict:
    """Per-class precision, recall, F1 and support, and the confusion matrix (rows: gold, columns:
    predicted), by scikit-learn over every class of `label_names` (a class never predicted has
    precision 0)."""
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    y_pred = torch.as_tensor(pred).cpu().numpy()
    y_true = torch.as_tensor(gold).cpu().numpy()
    labels = list(range(len(label_names)))
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    return {
        "per_class": [{"label": n, "precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]),
                       "support": int(s[i])} for i, n in enumerate(label_names)],
        "confusion": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
    }
