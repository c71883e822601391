"""The training loop for classifiers: one visible loop, no framework (after nanoGPT's train.py)."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from seqarena.config import TrainConfig
from seqarena.data.batching import Split
from seqarena.runtime import Stopwatch, seed_everything
from seqarena.train.metrics import accuracy, macro_f1
from seqarena.train.optim import SGD, FusedAdam, LazyAdadelta, use_sparse_embeddings


@dataclass
class FitResult:
    """What training produced. `history` has one dict per epoch; `selected_epoch` is the epoch whose
    weights the model holds at the end (best dev accuracy when a dev split was given, else the last)."""

    history: list[dict] = field(default_factory=list)
    train_time_s: float = 0.0  # optimisation only: forward, backward, step
    eval_time_s: float = 0.0  # per-epoch evaluation, measured apart
    selected_epoch: int = 0
    stopped_early: bool = False


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
    from lr to 0 over the whole run (fastText: lr * (1 - progress)); times a linear warm-up from 0 over
    the first `cfg.warmup_steps` steps."""
    lr = cfg.lr * (1.0 - step / total) if cfg.lr_schedule == "linear" else cfg.lr
    if step < cfg.warmup_steps:
        lr *= (step + 1) / cfg.warmup_steps
    return lr


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


def evaluate(model: nn.Module, split: Split, batch_size: int = 256) -> dict:
    """Accuracy, macro-F1 and mean cross-entropy on a split (model in eval mode, no dropout)."""
    logits = predict_logits(model, split, batch_size)
    gold = split.labels
    pred = logits.argmax(-1)
    return {
        "loss": float(F.cross_entropy(logits, gold)),
        "acc": accuracy(pred, gold),
        "macro_f1": macro_f1(pred.cpu(), gold.cpu(), logits.shape[-1]),
    }


def fit(
    model: nn.Module,
    train: Split,
    test: Split | None = None,
    dev: Split | None = None,
    cfg: TrainConfig = TrainConfig(),
    device: torch.device = torch.device("cpu"),
    seed: int = 0,
    on_epoch: Callable[[dict], None] | None = None,
) -> FitResult:
    """Train `model` in place. Each epoch: one shuffled, length-bucketed pass over `train`, then
    evaluation on dev and test (timed apart from training). With `dev`, the weights of the best dev
    epoch are restored at the end and `cfg.patience` may stop training early."""
    # Adadelta or SGD without decay or clipping: embeddings give sparse row gradients (LazyAdadelta,
    # SGD's row update), for the duration of this call only
    switched = use_sparse_embeddings(model) if sparse_rows_apply(cfg) else []
    try:
        return _fit(model, train, test, dev, cfg, device, seed, on_epoch)
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
         device: torch.device, seed: int, on_epoch: Callable[[dict], None] | None) -> FitResult:
    g = seed_everything(seed)
    model.to(device)
    train, test, dev = (s.to(device) if s is not None else None for s in (train, test, dev))
    opt = make_optimizer(model.parameters(), cfg)
    train_clock, eval_clock = Stopwatch(device), Stopwatch(device)
    result = FitResult()
    best_dev, best_state, since_best = -1.0, None, 0
    norm_limit = head_norm_limit(model, cfg.max_norm)
    step, total_steps = 0, cfg.epochs * -(-len(train) // cfg.batch_size)

    for epoch in range(1, cfg.epochs + 1):
        model.train()
        loss_sum = torch.zeros((), device=device)
        correct = torch.zeros((), device=device, dtype=torch.long)
        with train_clock.time():
            for _, (x, lengths, y) in train.batches(cfg.batch_size, shuffle=True, generator=g):
                logits = model(x, lengths)  # (B, C)
                loss = F.cross_entropy(logits, y)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                if cfg.grad_clip:
                    nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
                opt.param_groups[0]["lr"] = lr_at(cfg, step, total_steps)
                opt.step()
                step += 1
                if norm_limit is not None:
                    with torch.no_grad():  # Kim 2014: rescale each class's weight vector to norm <= s
                        model.head.weight.copy_(torch.renorm(model.head.weight, 2, 0, norm_limit))
                loss_sum += loss.detach() * len(y)
                correct += (logits.argmax(-1) == y).sum()
        row = {"epoch": epoch, "train_loss": float(loss_sum) / len(train), "train_acc": int(correct) / len(train)}
        with eval_clock.time():
            if dev is not None:
                d = evaluate(model, dev, cfg.eval_batch_size)
                row.update(dev_acc=d["acc"], dev_loss=d["loss"], dev_macro_f1=d["macro_f1"])
            if test is not None:
                t = evaluate(model, test, cfg.eval_batch_size)
                row.update(test_acc=t["acc"], test_macro_f1=t["macro_f1"])
        row["train_time_s"] = train_clock.seconds
        result.history.append(row)
        result.selected_epoch = epoch
        if on_epoch is not None:
            on_epoch(row)
        if dev is not None:
            better = row["dev_acc"] >= best_dev if cfg.dev_ties == "last" else row["dev_acc"] > best_dev
            if better:
                best_dev, since_best = row["dev_acc"], 0
                best_state = copy.deepcopy(model.state_dict())
                best_epoch = epoch
            else:
                since_best += 1
                if cfg.patience is not None and since_best >= cfg.patience:
                    result.stopped_early = True
                    break
    if best_state is not None:
        model.load_state_dict(best_state)
        result.selected_epoch = best_epoch
    result.train_time_s = train_clock.seconds
    result.eval_time_s = eval_clock.seconds
    model.eval()
    return result
