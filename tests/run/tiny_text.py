"""A small synthetic *text* dataset evaluated by CV (as MR and Subj are), registered by
`tests/run/conftest.py`, so protocol, baseline and runner tests need no files from ../shared/data."""

from __future__ import annotations

import numpy as np
import torch

from seqarena.data import Dataset, Split
from seqarena.data.batching import pad_sequences

POS = ["good", "great", "fine", "superb", "lovely"]
NEG = ["bad", "awful", "poor", "dull", "boring"]
FILLER = ["the", "a", "film", "plot", "was", "and", "very", "it", "is", "this"]


def make_tiny_text(n: int = 240, seed: int = 0, protocol: str = "cv") -> Dataset:
    """n sentences of filler words with one or two class words; 3:2 class imbalance (stratification
    has something to keep)."""
    rng = np.random.default_rng(seed)
    labels = (rng.random(n) < 0.6).astype(np.int64)
    words = ["<pad>", "<unk>"] + FILLER + POS + NEG
    ids = {w: i for i, w in enumerate(words)}
    texts, seqs = [], []
    for y in labels:
        toks = list(rng.choice(FILLER, size=rng.integers(4, 12)))
        for _ in range(rng.integers(1, 3)):
            toks.insert(int(rng.integers(0, len(toks))), str(rng.choice(POS if y else NEG)))
        texts.append(" ".join(toks))
        seqs.append([ids[t] for t in toks])
    tokens, lengths = pad_sequences(seqs)
    train = Split(tokens, lengths, torch.from_numpy(labels))
    return Dataset("tiny-text", train, None, len(words), 2, ["neg", "pos"], texts={"train": texts},
                   protocol=protocol)
