"""Range checks (NaN and infinity never pass) and the one rule table for every hyperparameter."""

from __future__ import annotations

import math

import pytest

from seqarena.checks import MAX_PARAMS, check_float, check_int
from seqarena.errors import FieldError, InputError
from seqarena.models import MODELS, create_model, meta_model, model_hparams
from seqarena.models.hparams import RULES, check_hparams
from seqarena.models.sparse import SPARSE_MODELS, create_sparse_model, sparse_hparams


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_nan_and_infinity_never_pass_a_float_check(value):
    for kw in ({}, {"lo": 0.0}, {"lo": 0.0, "lo_open": True}, {"lo": 0.0, "hi": 1.0}):
        with pytest.raises(FieldError, match="finite"):
            check_float("lr", value, **kw)


def test_bounds_and_types():
    assert check_float("x", 1, 0.0) == 1.0
    assert check_int("n", 3, 1, 3) == 3
    for bad, match in [(True, "integer"), (2.0, "integer"), ("3", "integer"), (0, ">= 1"), (4, "<= 3")]:
        with pytest.raises(FieldError, match=match):
            check_int("n", bad, 1, 3)
    with pytest.raises(FieldError, match=r"must be in \[0.0, 1.0\) \(got 1.0\)"):
        check_float("dropout", 1.0, 0.0, 1.0, hi_open=True)
    with pytest.raises(FieldError, match=r"must be > 0.0"):
        check_float("lr", 0.0, 0.0, lo_open=True)
    e = FieldError("lr", "must be > 0")
    assert isinstance(e, InputError) and (e.field, e.what, str(e)) == ("lr", "must be > 0", "lr must be > 0")


def test_every_hyperparameter_of_every_model_has_a_rule_its_default_meets():
    seen = 0
    for name, entry in MODELS.items():
        for task in entry.builders:
            hp = model_hparams(name, task)
            assert set(hp) <= set(RULES), (name, task, set(hp) - set(RULES))
            check_hparams(name, hp)
            seen += len(hp)
    for name in SPARSE_MODELS:
        assert set(sparse_hparams(name)) <= set(RULES)
        check_hparams(name, sparse_hparams(name))
    assert seen > 40  # the registry was really walked


@pytest.mark.parametrize("name, task, bad", [
    ("textcnn", "classify", {"n_filters": -5}), ("textcnn", "classify", {"kernel_sizes": ()}),
    ("textcnn", "classify", {"dropout": math.nan}), ("gru", "classify", {"d_hidden": 0}),
    ("gru", "lm", {"n_layers": 0}), ("gru", "lm", {"dropout": 1.5}), ("transformer", "lm", {"d_model": 30}),
    ("transformer", "classify", {"n_heads": 0}), ("causal_cnn", "lm", {"n_layers": 40}),
    ("ngram", "lm", {"order": 0}), ("bow", "classify", {"d_embed": 10**6}), ("lstm", "lm", {"one_hot": 1}),
])
def test_create_model_refuses_what_the_rules_refuse(name, task, bad):
    with pytest.raises(FieldError):
        create_model(name, task, 30, 2 if task == "classify" else None, **bad)


def test_sparse_baselines_apply_the_same_rules():
    for bad in ({"C": -1.0}, {"beta": 1.5}, {"alpha": math.nan}, {"ngram_max": 0}, {"min_df": 0}):
        with pytest.raises(FieldError):
            create_sparse_model("nbsvm", **bad)


def test_a_model_too_big_is_refused_before_any_memory_is_allocated():
    with pytest.raises(FieldError, match=f"the limit is {MAX_PARAMS:,}"):
        create_model("bow", "classify", 10_000_000, 2, d_embed=4096)  # 41 G parameters
    m = meta_model("textcnn", "classify", 50, 3, n_filters=7)
    assert all(p.device.type == "meta" for p in m.parameters())
    real = create_model("textcnn", "classify", 50, 3, n_filters=7)
    assert {k: tuple(v.shape) for k, v in m.state_dict().items()} == {
        k: tuple(v.shape) for k, v in real.state_dict().items()}
