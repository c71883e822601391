"""Training and evaluation of character-level language models: teacher forcing over whole padded
batches, a masked loss summed over every character and divided once, AdamW, early stopping on val.

"Per character" counts the stop token as one character, as makemore does, so nats/char here are
comparable with its published test losses."""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import torch
import torch.nn.functional as F
from torch import nn

from seqarena.checks import MAX_BATCH, MAX_EPOCHS, check_float, check_int
from seqarena.config import check_positive
from seqarena.data.batching import PAD_ID, Split
from seqarena.runtime import Stopwatch, seed_everything
from seqarena.train.optim import FusedAdam


@dataclass(frozen=True)
class LMTrainConfig:
    """How a language model is trained. The learning rate decays on a cosine from `lr` to lr/10 over
    the planned steps (epochs x batches per epoch)."""

    epochs: int = 20
    batch_size: int = 64  # names per batch; >= the corpus size gives whole-corpus batches
    lr: float = 3e-3
    weight_decay: float = 0.01  # AdamW's decoupled decay
    grad_clip: float | None = 1.0  # max global gradient norm
    patience: int | None = 4  # stop after this many epochs without a better val NLL (needs val)
    max_time_s: float | None = None  # stop once optimisation has taken this long
    eval_batch_size: int = 1024

    def __post_init__(self) -> None:
        check_positive("epochs", self.epochs, MAX_EPOCHS)
        check_positive("batch_size", self.batch_size, MAX_BATCH)
        check_positive("eval_batch_size", self.eval_batch_size, MAX_BATCH)
        check_float("--lr", self.lr, 0.0, lo_open=True)
        check_float("--weight-decay", self.weight_decay, 0.0)
        if self.grad_clip is not None:
            check_float("--grad-clip", self.grad_clip, 0.0, lo_open=True)
        if self.patience is not None:
            check_int("--patience", self.patience, 1)
        if self.max_time_s is not None:
            check_float("--max-time", self.max_time_s, 0.0, lo_open=True)


def default_epochs(n_train: int, batch_size: int, epochs: int = 20, min_steps: int = 500) -> int:
    """`epochs`, or more on tiny corpora so that at least `min_steps` optimiser steps run
    (seed-cities: 15 names in one batch -> 500 epochs)."""
    return max(epochs, math.ceil(min_steps / math.ceil(n_train / batch_size)))


@runtime_checkable
class CountModel(Protocol):
    """A model fitted by counting (the n-gram baseline), not by gradient descent."""

    def fit_counts(self, tokens: torch.Tensor, targets: torch.Tensor, lengths: torch.Tensor) -> None: ...


def masked_nll(logits: torch.Tensor, targets: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(sum of -log p over real target positions, their count). logits (B, T, V); targets (B, >= T),
    0 at padding (0 is never a real target, so ignore_index masks exactly the padding)."""
    B, T, V = logits.shape
    y = targets[:, :T]
    total = F.cross_entropy(
        logits.reshape(B * T, V).float(), y.reshape(-1), ignore_index=PAD_ID, reduction="sum"
    )
    return total, (y != PAD_ID).sum()


@torch.no_grad()
def evaluate_lm(model: nn.Module, split: Split, batch_size: int = 1024) -> dict:
    """NLL in nats per character (summed over every character of the split, divided once), bits per
    character, perplexity, and NLL per name."""
    model.eval()
    total, count = 0.0, 0
    for _, (x, lengths, y) in split.batches(batch_size):
        s, c = masked_nll(model(x, lengths), y)
        total += float(s)
        count += int(c)
    if count == 0:
        return {
            "nll": float("nan"),
            "bpc": float("nan"),
            "ppl": float("nan"),
            "nll_per_name": float("nan"),
            "n_chars": 0,
        }
    nll = total / count
    return {
        "nll": nll,
        "bpc": nll / math.log(2),
        "ppl": math.exp(nll),
        "nll_per_name": total / len(split),
        "n_chars": count,
    }


@dataclass
class LMFitResult:
    history: list[dict] = field(default_factory=list)  # one row per epoch
    train_time_s: float = 0.0  # optimisation (or counting) only
    eval_time_s: float = 0.0
    selected_epoch: int = 0  # the epoch whose weights the model holds (best monitored NLL)
    monitor: str = "val"  # "val", or "train" when there is no val split
    steps: int = 0
    stopped_early: bool = False
    stop_reason: str = "epochs"


def fit_lm(
    model: nn.Module,
    train: Split,
    val: Split | None = None,
    cfg: LMTrainConfig = LMTrainConfig(),
    device: torch.device = torch.device("cpu"),
    seed: int = 0,
    on_epoch: Callable[[dict], None] | None = None,
) -> LMFitResult:
    """Train in place; keep the weights of the epoch with the best val NLL (train NLL without val)."""
    g = seed_everything(seed)
    model.to(device)
    train = train.to(device)
    val = val.to(device) if val is not None and len(val) else None
    monitor = "val" if val is not None else "train"
    res = LMFitResult(monitor=monitor)
    train_clock, eval_clock = Stopwatch(device), Stopwatch(device)
    if isinstance(model, CountModel):
        with train_clock.time():
            for _, (x, lengths, y) in train.batches(cfg.eval_batch_size):
                model.fit_counts(x, y, lengths)
        with eval_clock.time():
            row = {"epoch": 1, "train_nll": evaluate_lm(model, train, cfg.eval_batch_size)["nll"]}
            if val is not None:
                row["val_nll"] = evaluate_lm(model, val, cfg.eval_batch_size)["nll"]
        row["train_time_s"] = train_clock.seconds
        res.history, res.selected_epoch = [row], 1
        res.train_time_s, res.eval_time_s = train_clock.seconds, eval_clock.seconds
        return res

    opt = FusedAdam(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay, decoupled=True)  # AdamW
    planned = cfg.epochs * math.ceil(len(train) / cfg.batch_size)
    best, best_state, since = math.inf, None, 0
    for epoch in range(1, cfg.epochs + 1):
        model.train()
        loss_sum, n_chars = torch.zeros((), device=device), 0
        t_epoch = time.perf_counter()
        with train_clock.time():
            for _, (x, lengths, y) in train.batches(cfg.batch_size, shuffle=True, generator=g):
                for group in opt.param_groups:  # cosine from lr to lr/10 over the planned steps
                    group["lr"] = cfg.lr * (
                        0.1 + 0.45 * (1 + math.cos(math.pi * min(res.steps / planned, 1.0)))
                    )
                s, c = masked_nll(model(x, lengths), y)
                opt.zero_grad(set_to_none=True)
                (s / c).backward()
                if cfg.grad_clip:
                    nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
                opt.step()
                res.steps += 1
                loss_sum += s.detach()
                n_chars += int(c)
                if (
                    cfg.max_time_s is not None
                    and train_clock.seconds + time.perf_counter() - t_epoch > cfg.max_time_s
                ):
                    res.stop_reason = "time"
                    break
        row = {"epoch": epoch, "train_loss": float(loss_sum) / max(n_chars, 1), "steps": res.steps}
        with eval_clock.time():
            score = evaluate_lm(model, val if val is not None else train, cfg.eval_batch_size)["nll"]
        row[f"{monitor}_nll"] = score
        row["train_time_s"] = train_clock.seconds
        res.history.append(row)
        if on_epoch is not None:
            on_epoch(row)
        if score < best:
            best, best_state, since, res.selected_epoch = score, copy.deepcopy(model.state_dict()), 0, epoch
        else:
            since += 1
        if res.stop_reason == "time":
            break
        if val is not None and cfg.patience is not None and since >= cfg.patience:
            res.stopped_early, res.stop_reason = True, "patience"
            break
    if best_state is not None:
        model.load_state_dict(best_state)
    res.train_time_s, res.eval_time_s = train_clock.seconds, eval_clock.seconds
    model.eval()
    return res
