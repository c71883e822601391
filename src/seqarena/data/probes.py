"""Synthetic probe tasks, each isolating one claim of seed 000's comparison table, each with one
difficulty knob (larger = harder). Labels are balanced and true by construction.

Token ids: 0 is padding; signal sets A = [2, 6) and B = [6, 10); noise = [16, VOCAB_SIZE).

- ngram     (n-grams):        label 1 iff an A token is *immediately* followed by a B token; label 0
                              texts hold the same two tokens, A before B, two or more apart. Unigram
                              counts are identical in both classes, so only a local bigram decides.
                              Knob `max_len`: texts are max_len/2 .. max_len tokens of noise.
- longrange (long context):   5-15 noise tokens (so no text edge marks a signal), an A and a B token
                              D positions apart, then D more noise tokens; label 1 iff A comes first. Both are always
                              present (a bag or a k-gram detector sees nothing), and the last signal
                              is D tokens from the end, so any model must carry one bit across >= D
                              tokens. Knob `distance` D; texts are 2D + 6 .. 2D + 16 long.
- order     (order):          one A and one B token, `gap` positions apart, in noise; label 1 iff the
                              A token comes first. Both are always present, so presence says nothing.
- count     (counting):       `n_signals` (odd) signal tokens, each A or B, scattered in noise; label 1
                              iff A tokens are the majority. Knob `n_signals`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from seqarena.data.batching import Split
from seqarena.errors import InputError

VOCAB_SIZE = 64
A_LOW, A_HIGH = 2, 6  # signal set A
B_LOW, B_HIGH = 6, 10  # signal set B
NOISE_LOW = 16  # noise ids are [NOISE_LOW, VOCAB_SIZE)


@dataclass(frozen=True)
class Probe:
    """A probe task: `make(difficulty, n, rng)` -> Split with balanced labels."""

    name: str
    dimension: str  # the seed-table row it isolates
    knob: str  # name of the difficulty knob; larger is harder
    description: str
    make: Callable[[int, int, np.random.Generator], Split]
    sweep: tuple[int, ...]  # the full sweep: fewest values that still show where each model breaks
    quick: tuple[int, ...]  # two values for tests / CI
    min_difficulty: int


def _noise(rng: np.random.Generator, n: int, T: int) -> np.ndarray:
    return rng.integers(NOISE_LOW, VOCAB_SIZE, size=(n, T))


def _finish(tokens: np.ndarray, lengths: np.ndarray, labels: np.ndarray) -> Split:
    """Right-pad with 0 after each length; trim to the longest text."""
    T = int(lengths.max())
    tokens = tokens[:, :T].copy()
    tokens[np.arange(T)[None, :] >= lengths[:, None]] = 0
    return Split(torch.from_numpy(tokens).long(), torch.from_numpy(lengths).long(),
                 torch.from_numpy(labels).long())


def _sym(rng: np.random.Generator, low: int, high: int, n: int) -> np.ndarray:
    return rng.integers(low, high, size=n)


def make_ngram(max_len: int, n: int, rng: np.random.Generator) -> Split:
    labels = rng.integers(0, 2, size=n)
    lengths = rng.integers(max(4, max_len // 2), max_len + 1, size=n)
    tokens = _noise(rng, n, max_len)
    rows = np.arange(n)
    # separation j - i: 1 for label 1, uniform in [2, length - 1] for label 0
    far = 2 + (rng.random(n) * (lengths - 2)).astype(np.int64)
    sep = np.where(labels == 1, 1, far)
    i = (rng.random(n) * (lengths - sep)).astype(np.int64)  # A at i, B at i + sep, both < length
    tokens[rows, i] = _sym(rng, A_LOW, A_HIGH, n)
    tokens[rows, i + sep] = _sym(rng, B_LOW, B_HIGH, n)
    return _finish(tokens, lengths, labels)


def make_longrange(distance: int, n: int, rng: np.random.Generator) -> Split:
    labels = rng.integers(0, 2, size=n)
    lead = rng.integers(5, 16, size=n)  # first signal's position
    lengths = lead + 2 * distance + 1
    tokens = _noise(rng, n, int(lengths.max()))
    rows = np.arange(n)
    a, b = _sym(rng, A_LOW, A_HIGH, n), _sym(rng, B_LOW, B_HIGH, n)
    tokens[rows, lead] = np.where(labels == 1, a, b)
    tokens[rows, lead + distance] = np.where(labels == 1, b, a)
    return _finish(tokens, lengths, labels)


def make_order(gap: int, n: int, rng: np.random.Generator) -> Split:
    labels = rng.integers(0, 2, size=n)
    lengths = rng.integers(gap + 10, gap + 31, size=n)
    T = int(lengths.max())
    tokens = _noise(rng, n, T)
    rows = np.arange(n)
    i = (rng.random(n) * (lengths - gap)).astype(np.int64)  # first signal at i, second at i + gap
    a, b = _sym(rng, A_LOW, A_HIGH, n), _sym(rng, B_LOW, B_HIGH, n)
    tokens[rows, i] = np.where(labels == 1, a, b)
    tokens[rows, i + gap] = np.where(labels == 1, b, a)
    return _finish(tokens, lengths, labels)


def make_count(n_signals: int, n: int, rng: np.random.Generator) -> Split:
    # n_A ~ Binomial(n_signals, 1/2); n_signals is odd, so there are no ties and P(label 1) = 1/2
    n_a = rng.binomial(n_signals, 0.5, size=n)
    labels = (2 * n_a > n_signals).astype(np.int64)
    lengths = rng.integers(2 * n_signals + 10, 2 * n_signals + 31, size=n)
    T = int(lengths.max())
    tokens = _noise(rng, n, T)
    for r in range(n):  # distinct random positions inside the text; the first n_a get A tokens
        pos = rng.permutation(int(lengths[r]))[:n_signals]
        kinds = np.where(np.arange(n_signals) < n_a[r], _sym(rng, A_LOW, A_HIGH, n_signals),
                         _sym(rng, B_LOW, B_HIGH, n_signals))
        tokens[r, pos] = kinds
    return _finish(tokens, lengths, labels)


PROBES: dict[str, Probe] = {
    p.name: p
    for p in [
        Probe("ngram", "n-grams", "max_len", "adjacent A->B bigram vs the same tokens apart",
              make_ngram, (20, 100, 400), (16, 40), 4),
        Probe("longrange", "long context", "distance", "which of A and B comes first, D apart, D before the end",
              make_longrange, (10, 50, 200, 500), (4, 16), 1),
        Probe("order", "order", "gap", "which of A and B comes first, gap apart",
              make_order, (1, 8, 64), (1, 8), 1),
        Probe("count", "counting", "n_signals", "majority of A vs B signal tokens",
              make_count, (1, 9, 33), (1, 9), 1),
    ]
}


def make_probe(name: str, difficulty: int, n_train: int, n_test: int, seed: int = 0) -> tuple[Split, Split]:
    """(train, test) for one probe at one difficulty, deterministic in `seed`."""
    if name not in PROBES:
        raise InputError(f"--tasks: unknown probe '{name}'; choose from {list(PROBES)}")
    p = PROBES[name]
    if difficulty < p.min_difficulty or (name == "count" and difficulty % 2 == 0):
        rule = "an odd integer >= 1" if name == "count" else f"an integer >= {p.min_difficulty}"
        raise InputError(f"probe '{name}': {p.knob} must be {rule} (got {difficulty})")
    rng = np.random.default_rng([seed, difficulty, list(PROBES).index(name)])
    return p.make(difficulty, n_train, rng), p.make(difficulty, n_test, rng)


__all__ = ["PROBES", "Probe", "make_probe", "VOCAB_SIZE", "A_LOW", "A_HIGH", "B_LOW", "B_HIGH", "NOISE_LOW"]
