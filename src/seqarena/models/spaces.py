"""Default search spaces of every model (classifiers, torch and sparse, and the language models), for
`seqarena tune`, and their checks.

A space maps a key to a distribution. A key is a builder hyperparameter (`d_model`) or
`train.<TrainConfig field>` (`train.lr`); `KEY#TAG` is a second distribution of the same field, used
only where its `only_if` holds (Adadelta's lr is a scale near 1, Adam's a step near 1e-3, so each
optimizer has its own range). Distributions:

- `{"kind": "log", "low": a, "high": b}`: log-uniform over [a, b] (a > 0);
- `{"kind": "float", "low": a, "high": b}`: uniform over [a, b];
- `{"kind": "int", "low": a, "high": b}`: integers a..b, both included (`"log": true` for a log scale);
- `{"kind": "choice", "values": [...]}`: one of the values (lists, e.g. kernel widths, allowed).

Any of them may carry `"only_if": {"train.optimizer": ["adam", "adamw"]}`: sampled only when another
key of the space (a choice) took one of those values. Every value a space can produce is checked
against the rule of its hyperparameter (`models.hparams.RULES`) or TrainConfig's own checks, so a
space cannot propose what a model would refuse. The ranges are the usual ones of the literature for
small text classifiers (Zhang & Wallace 2017 for TextCNN; Melis et al. 2018 for the recurrent
models' dropout and widths; Popel & Bojar 2018 for the Transformer's warm-up)."""

from __future__ import annotations

import math
from dataclasses import fields
from typing import Any

from seqarena.config import TrainConfig
from seqarena.errors import FieldError
from seqarena.models.hparams import RULES

KINDS = ("log", "float", "int", "choice")
DIST_KEYS = {"log": {"low", "high"}, "float": {"low", "high"}, "int": {"low", "high", "log"},
             "choice": {"values"}}
TRAIN = "train."

# the optimizers a tuner chooses among, each with the lr range that fits its update rule
_OPT = {"train.optimizer": {"kind": "choice", "values": ["adam", "adamw", "adadelta"]},
        "train.lr": {"kind": "log", "low": 1e-4, "high": 3e-3, "only_if": {"train.optimizer": ["adam", "adamw"]}},
        "train.lr#adadelta": {"kind": "log", "low": 0.1, "high": 2.0, "only_if": {"train.optimizer": ["adadelta"]}},
        "train.weight_decay": {"kind": "choice", "values": [0.0, 1e-5, 1e-4, 1e-3]},
        "train.batch_size": {"kind": "choice", "values": [16, 32, 50, 64, 128]},
        "train.epochs": {"kind": "int", "low": 5, "high": 25}}
_EMBED = {"d_embed": {"kind": "choice", "values": [64, 128, 300]}}
_DROPOUT = {"dropout": {"kind": "float", "low": 0.0, "high": 0.6}}
_RECURRENT = {**_EMBED, "d_hidden": {"kind": "choice", "values": [64, 128, 256]},
              "n_layers": {"kind": "int", "low": 1, "high": 2}, **_DROPOUT, **_OPT,
              "train.grad_clip": {"kind": "choice", "values": [None, 1.0, 5.0]}}

SEARCH_SPACES: dict[str, dict[str, dict]] = {
    "rnn": _RECURRENT,
    "gru": _RECURRENT,
    "lstm": _RECURRENT,
    "bilstm": {**_RECURRENT, "d_hidden": {"kind": "choice", "values": [32, 64, 128]}},
    "textcnn": {**_EMBED, "n_filters": {"kind": "choice", "values": [64, 100, 200]},
                "kernel_sizes": {"kind": "choice", "values": [[3, 4, 5], [2, 3, 4], [3, 5, 7]]},
                **_DROPOUT, **_OPT},
    "cnn_rnn": {**_EMBED, "n_filters": {"kind": "choice", "values": [64, 128]},
                "kernel_size": {"kind": "int", "low": 2, "high": 5},
                "d_hidden": {"kind": "choice", "values": [64, 128, 256]}, **_DROPOUT, **_OPT},
    "transformer": {"d_model": {"kind": "choice", "values": [64, 128, 256, 300]},
                    "n_heads": {"kind": "choice", "values": [2, 4]},
                    "n_layers": {"kind": "int", "low": 1, "high": 4},
                    "d_ff": {"kind": "choice", "values": [128, 256, 600]},
                    "dropout": {"kind": "float", "low": 0.0, "high": 0.5},
                    **_OPT,
                    "train.warmup_steps": {"kind": "choice", "values": [0, 100, 400, 1000]},
                    "train.lr_schedule": {"kind": "choice", "values": ["constant", "linear"]},
                    "train.grad_clip": {"kind": "choice", "values": [None, 1.0, 5.0]}},
    # the sparse baselines: the regularisation C on a log scale, the n-gram range, NB-SVM's beta
    "tfidf_lr": {"C": {"kind": "log", "low": 0.01, "high": 100.0}, "ngram_max": {"kind": "int", "low": 1, "high": 3},
                 "min_df": {"kind": "int", "low": 1, "high": 3}},
    "nbsvm": {"C": {"kind": "log", "low": 0.01, "high": 10.0}, "ngram_max": {"kind": "int", "low": 1, "high": 3},
              "beta": {"kind": "float", "low": 0.0, "high": 1.0}},
}


# the character-level language models (task 'lm', `seqarena tune --preset names`): the ranges hold the
# names preset's and config.LM_RECIPE's values (AdamW 1e-2, weight decay 0.01, batch 64, cosine, clip 1,
# 8 epochs) so that trial 0 is the preset; the objective is dev nats/char (lower is better)
_LM_OPT = {"train.optimizer": {"kind": "choice", "values": ["adam", "adamw"]},
           "train.lr": {"kind": "log", "low": 1e-3, "high": 3e-2},
           "train.weight_decay": {"kind": "choice", "values": [0.0, 1e-4, 1e-2, 0.1]},
           "train.batch_size": {"kind": "choice", "values": [32, 64, 128]},
           "train.lr_schedule": {"kind": "choice", "values": ["constant", "cosine"]},
           "train.epochs": {"kind": "int", "low": 4, "high": 20}}
_LM_RECURRENT = {"d_embed": {"kind": "choice", "values": [32, 64, 128]},
                 "d_hidden": {"kind": "choice", "values": [64, 128, 256, 512]},
                 "n_layers": {"kind": "int", "low": 1, "high": 2},
                 "dropout": {"kind": "float", "low": 0.0, "high": 0.5}, **_LM_OPT}
LM_SEARCH_SPACES: dict[str, dict[str, dict]] = {
    "rnn": _LM_RECURRENT,
    "gru": _LM_RECURRENT,
    "lstm": _LM_RECURRENT,
    "transformer": {"d_model": {"kind": "choice", "values": [64, 128, 256]},
                    "n_heads": {"kind": "choice", "values": [2, 4]},
                    "n_layers": {"kind": "int", "low": 1, "high": 4},
                    "d_ff": {"kind": "choice", "values": [128, 256, 512]},
                    "dropout": {"kind": "float", "low": 0.0, "high": 0.3}, **_LM_OPT,
                    "train.warmup_steps": {"kind": "choice", "values": [0, 100, 400]}},
    "causal_cnn": {"d_hidden": {"kind": "choice", "values": [32, 64, 128, 256]},
                   "n_layers": {"kind": "int", "low": 2, "high": 6},
                   "kernel_size": {"kind": "int", "low": 2, "high": 5},
                   "dropout": {"kind": "float", "low": 0.0, "high": 0.5}, **_LM_OPT},
    # counted, not trained: the order is all there is (an order whose V**order table is too large for
    # the corpus's alphabet is an invalid point, pruned before any work)
    "ngram": {"order": {"kind": "int", "low": 1, "high": 6}},
}


def field_of(key: str) -> str:
    """'train.lr#adadelta' -> 'train.lr': the field a key sets."""
    return key.split("#", 1)[0]


def check_space(model: str, space: dict[str, Any], hparams: dict[str, Any], torch_model: bool = True) -> None:
    """Raise FieldError(key, what) for the first entry of `space` that is malformed, names no
    hyperparameter of `model` (`hparams`: the builder's defaults) or TrainConfig field, or can produce a
    value its rule refuses. An empty space is refused."""
    if not space:
        raise FieldError("space", f"is empty: give model '{model}' at least one hyperparameter to tune")
    train_fields = {f.name for f in fields(TrainConfig)} if torch_model else set()
    for key, dist in space.items():
        name = field_of(key)
        if name.startswith(TRAIN):
            if name[len(TRAIN):] not in train_fields:
                what = (f"unknown training field; choose from {sorted(train_fields)}" if torch_model
                        else f"'{model}' reads no training field (it is fitted in one call)")
                raise FieldError(key, what)
        elif name not in hparams:
            raise FieldError(key, f"unknown hyperparameter of '{model}'; choose from {sorted(hparams)} "
                                  "or train.<field>")
        _check_dist(key, dist)
        cond = dist.get("only_if", {})
        if not isinstance(cond, dict) or not cond:
            if "only_if" in dist:
                raise FieldError(key, "only_if must be a table like {\"train.optimizer\" = [\"adam\"]}")
        for other, allowed in cond.items():
            od = space.get(other)
            if od is None or od.get("kind") != "choice":
                raise FieldError(key, f"only_if names '{other}', which is no choice of this space")
            if not isinstance(allowed, list) or not allowed or any(a not in od["values"] for a in allowed):
                raise FieldError(key, f"only_if: {other} must be a list of its values {od['values']} (got {allowed!r})")
        for v in candidates(dist):
            _check_value(key, name, v, hparams)


def _check_dist(key: str, dist: Any) -> None:
    if not isinstance(dist, dict) or dist.get("kind") not in KINDS:
        raise FieldError(key, f"must be a table with kind one of {list(KINDS)} (got {dist!r})")
    kind = dist["kind"]
    extra = set(dist) - DIST_KEYS[kind] - {"kind", "only_if"}
    missing = {"values"} - set(dist) if kind == "choice" else {"low", "high"} - set(dist)
    if extra or missing:
        raise FieldError(key, f"kind '{kind}' takes {sorted(DIST_KEYS[kind])} (missing {sorted(missing)}, "
                              f"unknown {sorted(extra)})")
    if kind == "choice":
        if not isinstance(dist["values"], list) or not dist["values"]:
            raise FieldError(key, f"values must be a non-empty list (got {dist['values']!r})")
        return
    lo, hi = dist["low"], dist["high"]
    number = int if kind == "int" else (int, float)
    if not all(isinstance(x, number) and not isinstance(x, bool) and math.isfinite(x) for x in (lo, hi)):
        raise FieldError(key, f"low and high must be finite {'integers' if kind == 'int' else 'numbers'} "
                              f"(got {lo!r}, {hi!r})")
    if not lo < hi:
        raise FieldError(key, f"low must be below high (got {lo!r}, {hi!r})")
    if (kind == "log" or dist.get("log")) and lo <= 0:
        raise FieldError(key, f"a log scale needs low > 0 (got {lo!r})")
    if "log" in dist and not isinstance(dist["log"], bool):
        raise FieldError(key, f"log must be true or false (got {dist['log']!r})")


def candidates(dist: dict) -> list[Any]:
    """The values whose validity stands for the whole distribution: every choice, or both ends (every
    rule is a range, so the ends of a range decide it)."""
    return list(dist["values"]) if dist["kind"] == "choice" else [dist["low"], dist["high"]]


def _check_value(key: str, name: str, v: Any, hparams: dict[str, Any]) -> None:
    if name.startswith(TRAIN):
        f = name[len(TRAIN):]
        try:
            TrainConfig(**{f: float(v) if f in _FLOAT_FIELDS and type(v) is int else v})
        except (FieldError, TypeError) as e:
            raise FieldError(key, f"value {v!r}: {getattr(e, 'what', e)}") from None
        return
    default = hparams[name]
    if isinstance(default, tuple):
        v = tuple(v) if isinstance(v, list) else v
    try:
        RULES[name](name, v)
    except FieldError as e:
        raise FieldError(key, f"value {v!r}: {e.what}") from None
    if isinstance(default, bool) != isinstance(v, bool) or isinstance(default, int) and not isinstance(default, bool) \
            and not isinstance(v, int):
        raise FieldError(key, f"value {v!r}: must be {type(default).__name__} like {default!r}")


_FLOAT_FIELDS = {f.name for f in fields(TrainConfig) if "float" in str(f.type)}


def coerce(key: str, v: Any, hparams: dict[str, Any]) -> Any:
    """A sampled value as the field takes it: lists as tuples for tuple hyperparameters, ints as
    floats for float fields."""
    name = field_of(key)
    if name.startswith(TRAIN):
        return float(v) if name[len(TRAIN):] in _FLOAT_FIELDS and type(v) is int else v
    default = hparams.get(name)
    if isinstance(default, tuple) and isinstance(v, list):
        return tuple(v)
    if isinstance(default, float) and type(v) is int:
        return float(v)
    return v


def describe(dist: dict) -> str:
    """One line: 'log-uniform 0.0001 .. 0.003', 'one of [64, 128]', 'integer 1 .. 4', with its condition."""
    kind = dist["kind"]
    if kind == "choice":
        text = f"one of {dist['values']}"
    elif kind == "int":
        text = f"integer {dist['low']} .. {dist['high']}" + (" (log scale)" if dist.get("log") else "")
    else:
        text = f"{'log-uniform' if kind == 'log' else 'uniform'} {dist['low']:g} .. {dist['high']:g}"
    cond = dist.get("only_if")
    if cond:
        text += " when " + ", ".join(f"{k} in {v}" for k, v in cond.items())
    return text
