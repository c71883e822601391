"""Probe labels are correct by construction: each label rule, recomputed here from the tokens alone,
holds on every generated example; labels are balanced; bad knobs are rejected."""

import numpy as np
import pytest

from seqarena.data.probes import (
    A_HIGH,
    A_LOW,
    B_HIGH,
    B_LOW,
        NOISE_LOW,
    PROBES,
    VOCAB_SIZE,
    make_probe,
)
from seqarena.errors import InputError


def is_a(t):
    return A_LOW <= t < A_HIGH


def is_b(t):
    return B_LOW <= t < B_HIGH


def rule(name: str, d: int, seq: list[int]) -> int:
    """The definition of each probe's label, from the real tokens only."""
    a = [i for i, t in enumerate(seq) if is_a(t)]
    b = [i for i, t in enumerate(seq) if is_b(t)]
    if name == "ngram":
        assert len(a) == len(b) == 1 and a[0] < b[0]
        return int(b[0] - a[0] == 1)
    if name == "longrange":
        assert len(a) == len(b) == 1 and abs(a[0] - b[0]) == d and 5 <= min(a + b)
        assert len(seq) - 1 - max(a + b) == d  # the later signal is d tokens before the end
        return int(a[0] < b[0])
    if name == "order":
        assert len(a) == len(b) == 1 and abs(a[0] - b[0]) == d
        return int(a[0] < b[0])
    if name == "count":
        assert len(a) + len(b) == d
        return int(len(a) > len(b))
    raise AssertionError(name)


def test_probe_registry_has_the_four_claims():
    assert set(PROBES) == {"ngram", "longrange", "order", "count"}
    for p in PROBES.values():  # difficulty sweeps ascend, and longrange reaches 500 as the issue asks
        assert list(p.sweep) == sorted(p.sweep) and list(p.quick) == sorted(p.quick)
    assert max(PROBES["longrange"].sweep) == 500


@pytest.mark.parametrize("name", list(PROBES))
def test_labels_hold_by_construction(name):
    p = PROBES[name]
    for d in sorted(set(p.quick) | {min(p.sweep), max(p.sweep)}):
        train, test = make_probe(name, d, 300, 50, seed=3)
        for split in (train, test):
            toks, lens, labels = split.tokens.numpy(), split.lengths.numpy(), split.labels.numpy()
            assert toks.min() >= 0 and toks.max() < VOCAB_SIZE
            for row, L, y in zip(toks, lens, labels):
                assert (row[L:] == 0).all() and (row[:L] != 0).all()  # right padding only
                real = row[:L]  # every other token is noise
                assert ((real >= NOISE_LOW) | ((real >= A_LOW) & (real < B_HIGH))).all()
                assert rule(name, d, row[:L].tolist()) == y
        assert 0.35 < train.labels.float().mean() < 0.65


@pytest.mark.parametrize("name", list(PROBES))
def test_deterministic_in_seed(name):
    d = PROBES[name].quick[0]
    a, _ = make_probe(name, d, 40, 10, seed=1)
    b, _ = make_probe(name, d, 40, 10, seed=1)
    c, _ = make_probe(name, d, 40, 10, seed=2)
    assert np.array_equal(a.tokens.numpy(), b.tokens.numpy())
    assert not np.array_equal(a.tokens.numpy(), c.tokens.numpy())


def test_ngram_classes_share_their_unigrams():
    """Only adjacency separates the classes: A and B tokens are equally frequent in both."""
    train, _ = make_probe("ngram", 40, 2000, 2, seed=0)
    toks, y = train.tokens.numpy(), train.labels.numpy()
    for label in (0, 1):
        rows = toks[y == label]
        assert ((rows >= A_LOW) & (rows < A_HIGH)).sum(1).tolist() == [1] * len(rows)
        assert ((rows >= B_LOW) & (rows < B_HIGH)).sum(1).tolist() == [1] * len(rows)


@pytest.mark.parametrize("name,bad", [("count", 4), ("count", 0), ("longrange", 0), ("ngram", 2), ("nope", 5)])
def test_bad_knobs_are_input_errors(name, bad):
    with pytest.raises(InputError):
        make_probe(name, bad, 4, 4)
