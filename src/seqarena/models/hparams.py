"""The rules every hyperparameter value must meet, one table for all models (torch and sparse).

`create_model`, `create_sparse_model`, the spec loader, `names` flags and checkpoint loading all call
`check_hparams`, so a value is refused by the same rule wherever it enters, before anything is built:
`n_filters = -5` in a spec fails when the spec is read, naming its file and line. `check_size` counts
a model built on the meta device (no memory) and refuses one with more than `MAX_PARAMS` parameters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from seqarena.checks import MAX_KERNEL, MAX_LAYERS, MAX_PARAMS, MAX_WIDTH, check_float, check_int
from seqarena.errors import FieldError


def _ints(lo: int, hi: int) -> Callable[[str, Any], None]:
    return lambda k, v: check_int(k, v, lo, hi)


def _fraction(k: str, v: Any) -> None:  # a probability that leaves something: [0, 1)
    check_float(k, v, 0.0, 1.0, hi_open=True)


def _positive(k: str, v: Any) -> None:
    check_float(k, v, 0.0, lo_open=True)


def _bool(k: str, v: Any) -> None:
    if not isinstance(v, bool):
        raise FieldError(k, f"must be true or false (got {v!r})")


def _kernel_sizes(k: str, v: Any) -> None:
    if not isinstance(v, (tuple, list)) or not v:
        raise FieldError(k, f"must be a non-empty list of integers like [3, 4, 5] (got {v!r})")
    for x in v:
        check_int(k, x, 1, MAX_KERNEL)


# name -> check(name, value); every builder argument of every registry entry must have one (tested)
RULES: dict[str, Callable[[str, Any], None]] = {
    **{k: _ints(1, MAX_WIDTH) for k in ("d_embed", "d_hidden", "d_model", "d_ff", "n_filters", "n_heads")},
    "n_layers": _ints(1, MAX_LAYERS),
    "kernel_size": _ints(1, MAX_KERNEL),
    "kernel_sizes": _kernel_sizes,
    "dropout": _fraction,
    "edge_pad": _bool,
    "one_hot": _bool,
    "order": _ints(1, 6),  # n-gram LM: V**order table entries, checked again by the model
    "n": _ints(1, 6),  # bow: word n-grams up to n (fastText's wordNgrams)
    "n_buckets": _ints(1, 2**24),  # bow: hashed n-gram rows (16 M rows of d_embed floats at most)
    # sparse baselines
    "ngram_max": _ints(1, 10),
    "min_df": _ints(1, 2**31 - 1),
    "C": _positive,
    "alpha": _positive,
    "beta": lambda k, v: check_float(k, v, 0.0, 1.0),
}

MAX_CAUSAL_LAYERS = 24  # causal_cnn dilates by 2**layer: 24 layers see 2**24 tokens back


def check_hparams(name: str, hparams: dict[str, Any]) -> None:
    """Raise FieldError(key, what) for the first value that breaks its rule or a rule across keys."""
    for k, v in hparams.items():
        rule = RULES.get(k)
        if rule is None:
            raise FieldError(k, f"has no validation rule (model '{name}'); add one to models.hparams.RULES")
        rule(k, v)
    if "d_model" in hparams and "n_heads" in hparams and hparams["d_model"] % hparams["n_heads"]:
        raise FieldError("n_heads", f"must divide d_model = {hparams['d_model']} (got {hparams['n_heads']})")
    if name == "causal_cnn" and hparams.get("n_layers", 0) > MAX_CAUSAL_LAYERS:
        raise FieldError("n_layers", f"must be <= {MAX_CAUSAL_LAYERS} for causal_cnn (dilation 2**layer; "
                                     f"got {hparams['n_layers']})")


def check_size(name: str, model: Any) -> int:
    """Refuse a model (built on the meta device: shapes only) with more than MAX_PARAMS parameters
    and buffers; returns the count."""
    n = sum(t.numel() for t in model.parameters()) + sum(t.numel() for t in model.buffers())
    if n > MAX_PARAMS:
        raise FieldError(f"model '{name}'", f"would have {n:,} parameters; the limit is {MAX_PARAMS:,} "
                                            "(lower the widths or the vocabulary)")
    return n
