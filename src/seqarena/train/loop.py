"""The one training loop, for every task: one visible loop, no framework (after nanoGPT's train.py).
What differs between classification and language modelling is a `train.task.Task`."""

from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass, field
from typing import Callable

import torch
from torch import nn

from seqarena.config import TrainConfig
from seqarena.data.batching import Split
from seqarena.runtime import Stopwatch, seed_everything
from seqarena.train.optim import SGD, FusedAdam, LazyAdadelta, use_sparse_embeddings
from seqarena.train.task import CLASSIFY, Task, class_scores, predict_logits

evaluate = class_scores  # a classifier's accuracy, macro-F1 and loss on a split
__all__ = ["FitResult", "evaluate", "fit", "predict_logits", "lr_at", "make_optimizer"]


@dataclass
class FitResult:
    """What training produced. `history` has one dict per epoch; `selected_epoch` is the epoch whose
    weights the model holds at the end (the best monitored dev score when a dev split was given, else
    the last epoch), for either task."""

    history: list[dict] = field(default_factory=list)
    train_time_s: float = 0.0  # optimisation (or counting) only: forward, backward, step
    eval_time_s: float = 0.0  # per-epoch evaluation, measured apart
    selected_epoch: int = 0
    stopped_early: bool = False
    steps: int = 0  # optimiser steps taken
    stop_reason: str = "epochs"  # "epochs", "patience" (no better dev score) or "time" (max_time_s)


def lazy_adadelta_applies(cfg: TrainConfig) -> bool:
    """Adadelta without weight decay or gradient clipping: the embedding rows can be updated lazily."""
    return cfg.optimizer == "adadelta" and not cfg.weight_decay and not cfg.grad_clip


def sparse_rows_apply(cfg: TrainConfig) -> bool:
    """Optimizers for which a row without gradient needs no update (or a lazy exact one): embedding
    tables can give sparse row gradients. SGD without momentum or weight decay leaves such a row alone."""
    return lazy_adadelta_applies(cfg) or cfg.optimizer == "sgd" and not cfg.weight_decay and not cfg.grad_clip


def make_optimizer(params, cfg: TrainConfig):
    """torch.optim's update rules; Adam, AdamW and Adadelta through train.optim (same arithmetic,
    without the torch._dynamo import of torch.optim.Optimizer)."""
    # fused Adam/AdamW: one kernel for all parameters (3-4x cheaper steps than the loop on CPU)
    if cfg.optimizer in ("adam", "adamw"):
        return FusedAdam(params, lr=cfg.lr, weight_decay=cfg.weight_decay, decoupled=cfg.optimizer == "adamw")
    if lazy_adadelta_applies(cfg):  # same weights as torch's Adadelta, sparse rows for embeddings
        return LazyAdadelta(params, lr=cfg.lr, rho=cfg.rho, eps=1e-6)
    if cfg.optimizer == "adadelta":
        return torch.optim.Adadelta(params, lr=cfg.lr, rho=cfg.rho, eps=1e-6, weight_decay=cfg.weight_decay)
    return SGD(params, lr=cfg.lr, weight_decay=cfg.weight_decay)


def lr_at(cfg: TrainConfig, step: int, total: int) -> float:
    """The learning rate of optimisation step `step` (0-based) of `total`: constant, or decayed linearly
    from lr to 0 over the whole run (fastText: lr * (1 - progress)), or on a cosine from lr to lr/10; times
    a linear warm-up from 0 over the first `cfg.warmup_steps` steps."""
    if cfg.lr_schedule == "linear":
        lr = cfg.lr * (1.0 - step / total)
    elif cfg.lr_schedule == "cosine":
        lr = cfg.lr * (0.1 + 0.45 * (1 + math.cos(math.pi * min(step / total, 1.0))))
    else:
        lr = cfg.lr
    if step < cfg.warmup_steps:
        lr *= (step + 1) / cfg.warmup_steps
    return lr


def fit(
    model: nn.Module,
    train: Split,
    test: Split | None = None,
    dev: Split | None = None,
    cfg: TrainConfig = TrainConfig(),
    device: torch.device = torch.device("cpu"),
    seed: int = 0,
    on_epoch: Callable[[dict], None] | None = None,
    task: Task = CLASSIFY,
) -> FitResult:
    """Train `model` in place for `task`. Each epoch: one shuffled, length-bucketed pass over `train`,
    then evaluation on dev and test (timed apart from training), then `on_epoch(row)` with the epoch's
    history row (dev scores as `dev_<key>`, the monitored one `task.monitor`); an exception it raises
    (a tuner's prune) propagates. With `dev`, the weights of the best `task.monitor` epoch are
    restored at the end and `cfg.patience` may stop early; without, the last epoch is kept.
    `cfg.max_time_s` stops optimisation after that many seconds. A count model is fitted in one
    counting pass (one epoch row)."""
    # Adadelta or SGD without decay or clipping: embeddings give sparse row gradients (LazyAdadelta,
    # SGD's row update), for the duration of this call only
    switched = use_sparse_embeddings(model) if sparse_rows_apply(cfg) else []
    try:
        return _fit(model, train, test, dev, cfg, device, seed, on_epoch, task)
    finally:
        for m in switched:
            m.sparse = False


def head_norm_limit(model: nn.Module, max_norm: float | None) -> float | None:
    """The bound on each row of `model.head.weight` that `max_norm` means. `max_norm` is Kim's s, which
    bounds the weights as Hinton et al. (2012) and Kim's code train them: dropout drops without
    rescaling and the test pass scales the weights by 1 - p. PyTorch's dropout is inverted (it scales
    the kept inputs by 1 / (1 - p) during training and leaves test alone), so the stored weight is
    (1 - p) times Kim's and the same constraint is a norm of s (1 - p) on it: 1.5 for Kim's s = 3 with
    dropout 0.5. Bounding the stored weight by s itself would allow twice Kim's norm. Every classifier
    computes `head(drop(features))`; p is `model.drop.p` (0 without such a layer)."""
    if max_norm is None:
        return None
    drop = getattr(model, "drop", None)
    p = float(drop.p) if isinstance(drop, nn.Dropout) else 0.0
    return max_norm * (1.0 - p)


def _fit(model: nn.Module, train: Split, test: Split | None, dev: Split | None, cfg: TrainConfig,
         device: torch.device, seed: int, on_epoch: Callable[[dict], None] | None, task: Task) -> FitResult:
    g = seed_everything(seed)
    model.to(device)
    train, test, dev = (s.to(device) if s is not None and len(s) else None for s in (train, test, dev))
    train_clock, eval_clock = Stopwatch(device), Stopwatch(device)
    result = FitResult()
    best, best_state, best_epoch, since_best = None, None, 0, 0
    counting = task.counts(model)
    if not counting:
        opt = make_optimizer(model.parameters(), cfg)
    norm_limit = head_norm_limit(model, cfg.max_norm)
    total_steps = cfg.epochs * -(-len(train) // cfg.batch_size)

    for epoch in range(1, 2 if counting else cfg.epochs + 1):
        model.train()
        loss_sum, count = torch.zeros((), device=device), torch.zeros((), device=device, dtype=torch.long)
        correct = torch.zeros((), device=device, dtype=torch.long)
        t_epoch = time.perf_counter()
        with train_clock.time():
            for _, (x, lengths, y) in train.batches(cfg.eval_batch_size if counting else cfg.batch_size,
                                                    shuffle=not counting, generator=g):
                if counting:  # the n-gram LM: counts, no gradient
                    model.fit_counts(x, y, lengths)
                    continue
                out = model(x, lengths)  # (B, C) logits, or (B, T, V) next-character logits
                s, c = task.loss(out, y)
                opt.zero_grad(set_to_none=True)
                (s / c).backward()
                if cfg.grad_clip:
                    nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
                opt.param_groups[0]["lr"] = lr_at(cfg, result.steps, total_steps)
                opt.step()
                result.steps += 1
                if norm_limit is not None:
                    with torch.no_grad():  # Kim 2014: rescale each class's weight vector to norm <= s
                        model.head.weight.copy_(torch.renorm(model.head.weight, 2, 0, norm_limit))
                loss_sum += s.detach()
                count += c
                if task.train_acc:
                    correct += (out.argmax(-1) == y).sum()
                if cfg.max_time_s is not None and train_clock.seconds + time.perf_counter() - t_epoch > cfg.max_time_s:
                    result.stop_reason = "time"
                    break
        row = {"epoch": epoch}
        with eval_clock.time():
            if counting:  # its training loss is the train split's score
                row["train_loss"] = task.scores(model, train, cfg.eval_batch_size)[task.test_keys[0]]
            else:
                row["train_loss"] = float(loss_sum) / max(int(count), 1)
            if task.train_acc:
                row["train_acc"] = int(correct) / len(train)
            for name, split in (("dev", dev), ("test", test)):
                if split is not None:
                    sc = task.scores(model, split, cfg.eval_batch_size)
                    row.update({f"{name}_{k}": sc[k] for k in (task.dev_keys if name == "dev" else task.test_keys)})
        row["steps"], row["train_time_s"] = result.steps, train_clock.seconds
        result.history.append(row)
        result.selected_epoch = epoch
        if on_epoch is not None:
            on_epoch(row)
        if dev is not None:
            if task.better(row[task.monitor], best, cfg.dev_ties):
                best, best_epoch, since_best = row[task.monitor], epoch, 0
                best_state = copy.deepcopy(model.state_dict())
            else:
                since_best += 1
                if cfg.patience is not None and since_best >= cfg.patience and result.stop_reason != "time":
                    result.stopped_early, result.stop_reason = True, "patience"
        if result.stop_reason != "epochs":
            break
    if best_state is not None:
        model.load_state_dict(best_state)
        result.selected_epoch = best_epoch
    result.train_time_s = train_clock.seconds
    result.eval_time_s = eval_clock.seconds
    model.eval()
    return result
