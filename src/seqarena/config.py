"""Frozen configuration dataclasses shared by every layer, and their stable hashes."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from seqarena.checks import MAX_BATCH, MAX_EPOCHS, check_float, check_int
from seqarena.errors import FieldError, InputError

OPTIMIZERS = ("adam", "adamw", "adadelta", "sgd")
# linear: from lr down to 0 over all the steps of `epochs` (fastText); cosine: from lr down to lr/10
# (the character language models' schedule)
LR_SCHEDULES = ("constant", "linear", "cosine")


@dataclass(frozen=True)
class TrainConfig:
    """How a model is trained, by `train.loop.fit`, for either task; the defaults are the classification
    seed's (Adam 1e-3, batch 64, 10 epochs). The language models' recipe is `LM_RECIPE`."""

    epochs: int = 10
    batch_size: int = 64
    optimizer: str = "adam"  # one of OPTIMIZERS
    lr: float = 1e-3  # Adadelta's lr is its scale (Kim: 1.0)
    lr_schedule: str = "constant"  # one of LR_SCHEDULES; applied per step by train.loop.fit
    warmup_steps: int = 0  # the lr rises linearly from 0 over these first steps, then follows lr_schedule
    weight_decay: float = 0.0
    rho: float = 0.95  # Adadelta's decay (Kim 2014)
    # Kim's max-norm s (3) on each class's output weight vector, in Kim's convention (dropout without
    # rescaling): with inverted dropout p before the head the stored rows are kept <= s (1 - p);
    # see train.loop.head_norm_limit
    max_norm: float | None = None
    grad_clip: float | None = None  # max global grad norm
    patience: int | None = None  # early stop after this many epochs without dev improvement
    eval_batch_size: int = 256  # length-bucketed like training: measured faster than one 1024 batch
    # redraw every embedding table U(-a, a) before training (Kim 2014's CNN-rand: 0.25), pad row zero;
    # None keeps the model's own init (N(0, 1)). Read by run.cells.run_cell
    embed_init: float | None = None
    # the epoch kept when dev accuracy equals the best so far: "first", or "last" as Kim's code (`>=`)
    dev_ties: str = "first"
    max_time_s: float | None = None  # stop once optimisation has taken this long (seconds)

    def __post_init__(self) -> None:
        check_positive("epochs", self.epochs, MAX_EPOCHS)
        check_positive("batch_size", self.batch_size, MAX_BATCH)
        check_positive("eval_batch_size", self.eval_batch_size, MAX_BATCH)
        if self.optimizer not in OPTIMIZERS:
            raise FieldError("optimizer", f"unknown '{self.optimizer}'; choose from {list(OPTIMIZERS)}")
        check_float("lr", self.lr, 0.0, lo_open=True)
        check_float("weight_decay", self.weight_decay, 0.0)
        check_float("rho", self.rho, 0.0, 1.0, hi_open=True)
        for name in ("max_norm", "grad_clip", "embed_init", "max_time_s"):
            if getattr(self, name) is not None:
                check_float(name, getattr(self, name), 0.0, lo_open=True)
        if self.patience is not None:
            check_int("patience", self.patience, 1)
        check_int("warmup_steps", self.warmup_steps, 0, 10**7)
        if self.lr_schedule not in LR_SCHEDULES:
            raise FieldError("lr_schedule", f"unknown '{self.lr_schedule}'; choose from {list(LR_SCHEDULES)}")
        if self.dev_ties not in ("first", "last"):
            raise FieldError("dev_ties", f"unknown '{self.dev_ties}'; choose from ['first', 'last']")


# fields added after results were stored: left out of `config_hash` while at their default, so the
# cells of older runs keep their hashes (and stay resumable)
HASH_OMIT_AT_DEFAULT = {"TrainConfig": {"max_time_s": None, "warmup_steps": 0}}

# the character language models' recipe (what `names train` used before the one loop): AdamW 3e-3,
# decoupled decay 0.01, cosine to lr/10, clip 1, patience 4 on dev nats/char, big evaluation batches
LM_RECIPE = {"epochs": 20, "batch_size": 64, "optimizer": "adamw", "lr": 3e-3, "weight_decay": 0.01,
             "lr_schedule": "cosine", "grad_clip": 1.0, "patience": 4, "eval_batch_size": 1024}


def check_positive(name: str, value: int, maximum: int | None = None) -> None:
    """An integer >= 1 (and <= maximum); the error names the flag (--batch-size for batch_size)."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise FieldError(f"--{name.replace('_', '-')}", f"must be an integer >= 1 (got {value!r})")
    check_int(f"--{name.replace('_', '-')}", value, 1, maximum)


def with_overrides(cfg: Any, overrides: dict[str, Any], where: str = "train") -> Any:
    """dataclasses.replace with a clear error naming unknown fields."""
    known = {f.name for f in fields(cfg)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise InputError(f"{where}: unknown field(s) {unknown}; choose from {sorted(known)}")
    return replace(cfg, **overrides)


@dataclass(frozen=True)
class ModelConfig:
    """A registry name plus the overrides passed to its builder (sorted, hashable)."""

    name: str
    overrides: tuple[tuple[str, Any], ...] = field(default_factory=tuple)

    @staticmethod
    def of(name: str, **overrides: Any) -> "ModelConfig":
        return ModelConfig(name, tuple(sorted((k, _freeze(v)) for k, v in overrides.items())))

    def kwargs(self) -> dict[str, Any]:
        return dict(self.overrides)


def _freeze(v: Any) -> Any:
    return tuple(v) if isinstance(v, list) else v


def config_hash(*parts: Any) -> str:
    """A short stable hash of dataclasses / dicts, for result ids."""
    def norm(p: Any) -> Any:
        if hasattr(p, "__dataclass_fields__"):
            omit = HASH_OMIT_AT_DEFAULT.get(type(p).__name__, {})
            d = {k: v for k, v in asdict(p).items() if k not in omit or v != omit[k]}
            return {"__type__": type(p).__name__, **d}
        return p

    text = json.dumps([norm(p) for p in parts], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]
