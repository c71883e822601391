"""The task seam: what differs between classification and character-level language modelling, and
nothing else. `train.loop.fit` is one loop for both; a `Task` gives it

- `loss(output, targets)` -> (summed loss, count): a batch's mean is sum / count, and a split's score
  is every batch's sum divided once by every batch's count ("summed once, divided once");
- `scores(model, split, batch_size)` -> the split's scores (classification: acc, macro_f1, loss; LM:
  nll in nats/char, bpc, ppl, nll_per_name, n_chars);
- `monitor`: the key of the dev score in fit's per-epoch row that selects the epoch and early-stops
  ('dev_acc' for classifiers, 'dev_nll' (nats/char) for language models) and `higher_is_better`;
- `counts(model)`: whether the model is fitted by counting (the n-gram LM) instead of gradient descent.

"Per character" counts the stop token as one character, as makemore does, so nats/char here are
comparable with its published test losses."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import torch
import torch.nn.functional as F
from torch import nn

from seqarena.data.batching import PAD_ID, Split
from seqarena.train.metrics import accuracy, macro_f1


@runtime_checkable
class CountModel(Protocol):
    """A model fitted by counting (the n-gram baseline), not by gradient descent."""

    def fit_counts(self, tokens: torch.Tensor, targets: torch.Tensor, lengths: torch.Tensor) -> None: ...


@dataclass(frozen=True)
class Task:
    name: str  # "classify" or "lm": the models registry's task name too
    loss: Callable[[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]
    scores: Callable[[nn.Module, Split, int], dict]
    monitor: str  # the history key of the monitored dev score
    higher_is_better: bool
    dev_keys: tuple[str, ...]  # the scores of the dev split written into each epoch's row, as dev_<key>
    test_keys: tuple[str, ...]  # likewise for test, as test_<key>
    train_acc: bool = False  # the row also counts training accuracy (argmax of the outputs)

    def counts(self, model: nn.Module) -> bool:
        return isinstance(model, CountModel)

    def better(self, score: float, best: float | None, ties: str = "first") -> bool:
        """Is `score` an improvement on `best` (None: nothing yet)? ties 'last' takes an equal score."""
        if best is None:
            return not math.isnan(score)
        if ties == "last" and score == best:
            return True
        return score > best if self.higher_is_better else score < best


def class_loss(logits: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    return F.cross_entropy(logits, labels, reduction="sum"), torch.tensor(len(labels), device=labels.device)


def masked_nll(logits: torch.Tensor, targets: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(sum of -log p over real target positions, their count). logits (B, T, V); targets (B, >= T),
    0 at padding (0 is never a real target, so ignore_index masks exactly the padding)."""
    B, T, V = logits.shape
    y = targets[:, :T]
    total = F.cross_entropy(logits.reshape(B * T, V).float(), y.reshape(-1), ignore_index=PAD_ID, reduction="sum")
    return total, (y != PAD_ID).sum()


@torch.no_grad()
def predict_logits(model: nn.Module, split: Split, batch_size: int = 256) -> torch.Tensor:
    """(N, C) logits in the split's row order (batches are length-bucketed internally)."""
    model.eval()
    out = None
    for idx, (x, lengths, _) in split.batches(batch_size):
        logits = model(x, lengths)
        if out is None:
            out = torch.empty(len(split), logits.shape[-1], device=logits.device)
        out[idx.to(logits.device)] = logits.float()
    return out if out is not None else torch.empty(0, 0)


def class_scores(model: nn.Module, split: Split, batch_size: int = 256) -> dict:
    """Accuracy, macro-F1 and mean cross-entropy on a split (model in eval mode, no dropout)."""
    logits = predict_logits(model, split, batch_size)
    gold = split.labels
    pred = logits.argmax(-1)
    return {"loss": float(F.cross_entropy(logits, gold)), "acc": accuracy(pred, gold),
            "macro_f1": macro_f1(pred.cpu(), gold.cpu(), logits.shape[-1])}


@torch.no_grad()
def lm_scores(model: nn.Module, split: Split, batch_size: int = 1024) -> dict:
    """NLL in nats per character (summed over every character of the split, divided once), bits per
    character, perplexity, and NLL per name."""
    model.eval()
    total, count = 0.0, 0
    for _, (x, lengths, y) in split.batches(batch_size):
        s, c = masked_nll(model(x, lengths), y)
        total += float(s)
        count += int(c)
    if count == 0:
        nan = float("nan")
        return {"nll": nan, "bpc": nan, "ppl": nan, "nll_per_name": nan, "n_chars": 0}
    nll = total / count
    return {"nll": nll, "bpc": nll / math.log(2), "ppl": math.exp(nll), "nll_per_name": total / len(split),
            "n_chars": count}


@torch.no_grad()
def nll_per_row(model: nn.Module, split: Split, batch_size: int = 1024) -> torch.Tensor:
    """(N,) float64: each row's NLL in nats summed over its characters (the stop token included), in the
    split's row order; their sum over the split's character count is lm_scores' 'nll'."""
    model.eval()
    out = torch.zeros(len(split), dtype=torch.float64)
    for idx, (x, lengths, y) in split.batches(batch_size):
        logits = model(x, lengths)
        B, T, V = logits.shape
        nll = F.cross_entropy(logits.reshape(B * T, V).float(), y[:, :T].reshape(-1), ignore_index=PAD_ID,
                              reduction="none").reshape(B, T)
        out[idx.cpu()] = nll.sum(1).double().cpu()
    return out


@torch.no_grad()
def nll_by_position(model: nn.Module, split: Split, batch_size: int = 1024, max_pos: int = 32) -> list[dict]:
    """Mean NLL (nats) of the target at each character position 0.. of a name (the stop token
    included), summed over the split and divided once per position; positions past `max_pos` pooled
    into the last one. Where in a name a model loses its memory shows as a rising curve."""
    model.eval()
    total = torch.zeros(max_pos + 1, dtype=torch.float64)
    count = torch.zeros(max_pos + 1, dtype=torch.long)
    for _, (x, lengths, y) in split.batches(batch_size):
        logits = model(x, lengths)
        B, T, V = logits.shape
        y = y[:, :T]
        nll = F.cross_entropy(logits.reshape(B * T, V).float(), y.reshape(-1), ignore_index=PAD_ID,
                              reduction="none").reshape(B, T)
        pos = torch.arange(T, device=y.device).clamp(max=max_pos).expand(B, T)
        real = y != PAD_ID
        total.index_add_(0, pos[real].cpu(), nll[real].double().cpu())
        count.index_add_(0, pos[real].cpu(), torch.ones(int(real.sum()), dtype=torch.long))
    return [{"position": p, "nll": float(total[p] / count[p]), "n": int(count[p])}
            for p in range(max_pos + 1) if count[p] > 0]


CLASSIFY = Task("classify", class_loss, class_scores, monitor="dev_acc", higher_is_better=True,
                dev_keys=("acc", "loss", "macro_f1"), test_keys=("acc", "macro_f1"), train_acc=True)
LM = Task("lm", masked_nll, lm_scores, monitor="dev_nll", higher_is_better=False,
          dev_keys=("nll",), test_keys=("nll",))
TASKS: dict[str, Task] = {t.name: t for t in (CLASSIFY, LM)}
