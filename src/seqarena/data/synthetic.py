"""Synthetic classification tasks: the seed's signal-bigram task (seed 000), generated in one shot."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from seqarena.data.batching import Split
from seqarena.errors import InputError


@dataclass(frozen=True)
class BigramTaskConfig:
    """Seed 000's task: noise tokens plus 2-4 adjacent 'signal bigrams' drawn from the class's token set.
    Label 1 uses tokens [pos_low, pos_high), label 0 uses [neg_low, neg_high)."""

    vocab_size: int = 5000
    min_len: int = 15
    max_len: int = 40
    n_train: int = 4000
    n_test: int = 1000
    pos_low: int = 10
    pos_high: int = 60
    neg_low: int = 60
    neg_high: int = 110
    noise_low: int = 200  # noise tokens are drawn from [noise_low, vocab_size)
    min_bigrams: int = 2
    max_bigrams: int = 4
    seed: int = 0

    def __post_init__(self) -> None:
        if not (1 <= self.min_len <= self.max_len):
            raise InputError(f"bigram task: need 1 <= min_len <= max_len (got {self.min_len}, {self.max_len})")
        if not (0 < self.noise_low < self.vocab_size):
            raise InputError(f"bigram task: need 0 < noise_low < vocab_size (got {self.noise_low})")
        if not (1 <= self.min_bigrams <= self.max_bigrams):
            raise InputError("bigram task: need 1 <= min_bigrams <= max_bigrams")
        for lo, hi in ((self.pos_low, self.pos_high), (self.neg_low, self.neg_high)):
            if not (1 <= lo < hi <= self.vocab_size):
                raise InputError(f"bigram task: signal range [{lo}, {hi}) must lie in [1, vocab_size)")


def make_bigram_split(cfg: BigramTaskConfig, n: int, rng: np.random.Generator) -> Split:
    labels = rng.integers(0, 2, size=n)
    lengths = rng.integers(cfg.min_len, cfg.max_len + 1, size=n)
    tokens = rng.integers(cfg.noise_low, cfg.vocab_size, size=(n, cfg.max_len))
    n_bigrams = rng.integers(cfg.min_bigrams, cfg.max_bigrams + 1, size=n)
    lo = np.where(labels == 1, cfg.pos_low, cfg.neg_low)
    hi = np.where(labels == 1, cfg.pos_high, cfg.neg_high)
    rows = np.arange(n)
    for k in range(cfg.max_bigrams):
        # (n,): start of the k-th bigram, inside the real tokens as in the seed
        pos = (rng.random(n) * np.maximum(1, lengths - 2)).astype(np.int64)
        a = lo + (rng.random(n) * (hi - lo)).astype(np.int64)
        b = lo + (rng.random(n) * (hi - lo)).astype(np.int64)
        use = k < n_bigrams
        tokens[rows[use], pos[use]] = a[use]
        tokens[rows[use], np.minimum(pos[use] + 1, lengths[use] - 1)] = b[use]
    tokens[np.arange(cfg.max_len)[None, :] >= lengths[:, None]] = 0  # right padding
    return Split(torch.from_numpy(tokens).long(), torch.from_numpy(lengths).long(), torch.from_numpy(labels).long())


def make_bigram_task(cfg: BigramTaskConfig = BigramTaskConfig()) -> tuple[Split, Split]:
    """(train, test), deterministic in cfg.seed."""
    rng = np.random.default_rng(cfg.seed)
    return make_bigram_split(cfg, cfg.n_train, rng), make_bigram_split(cfg, cfg.n_test, rng)
