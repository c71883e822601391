"""Data layer: datasets by name, held as tensor splits. Left of every other layer."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Callable

from seqarena.data.batching import PAD_ID, Split, pad_sequences
from seqarena.data.corpora import CORPORA, TextConfig, load_corpus, load_files
from seqarena.data.synthetic import BigramTaskConfig, make_bigram_task
from seqarena.errors import InputError


@dataclass
class Dataset:
    """A classification dataset ready for training: splits as tensors plus what a model needs to know."""

    name: str
    train: Split
    test: Split | None
    vocab_size: int
    num_classes: int
    label_names: list[str]
    dev: Split | None = None
    vocab: object | None = None  # a data.vocab.Vocab for text datasets; None for synthetic ids
    # raw texts per split ("train", "dev", "test"), aligned with the split's rows; for text datasets
    # (the TF-IDF baselines and `predict` need them); empty for synthetic token ids
    texts: dict[str, list[str]] = field(default_factory=dict)
    # how results should be computed: "given" (train/dev/test as they come) or "cv" (k-fold over train)
    protocol: str = "given"
    meta: dict = field(default_factory=dict)


@dataclass(frozen=True)
class DatasetEntry:
    name: str
    description: str
    load: Callable[[Path | None], Dataset]
    files: tuple[str, ...] = ()  # paths under the data directory; empty = built in


def _load_seed_bigram(data_dir: Path | None) -> Dataset:
    cfg = BigramTaskConfig()
    train, test = make_bigram_task(cfg)
    return Dataset("seed-bigram", train, test, cfg.vocab_size, 2, ["neg", "pos"], meta={"task": cfg})


DATASETS: dict[str, DatasetEntry] = {
    "seed-bigram": DatasetEntry(
        "seed-bigram",
        "seed 000's synthetic signal-bigram task: vocab 5000, lengths 15-40, 4000 train / 1000 test",
        _load_seed_bigram,
    ),
    "mr": DatasetEntry(
        "mr", "movie-review polarity (Pang & Lee 2005): 2 classes, 10662 sentences, no split (10-fold CV)",
        partial(load_corpus, "mr"), CORPORA["mr"].files,
    ),
    "sst2": DatasetEntry(
        "sst2", "Stanford Sentiment Treebank, binary sentences (Socher et al. 2013): fixed train/dev/test",
        partial(load_corpus, "sst2"), CORPORA["sst2"].files,
    ),
    "subj": DatasetEntry(
        "subj", "subjective vs objective sentences (Pang & Lee 2004): 2 classes, 10000, no split (10-fold CV)",
        partial(load_corpus, "subj"), CORPORA["subj"].files,
    ),
}


def load_dataset(name: str, data_dir: Path | None = None) -> Dataset:
    if name not in DATASETS:
        raise InputError(f"unknown dataset '{name}'; choose from {sorted(DATASETS)}")
    return DATASETS[name].load(data_dir)


__all__ = [
    "PAD_ID", "Split", "pad_sequences", "Dataset", "DatasetEntry", "DATASETS", "load_dataset",
    "BigramTaskConfig", "make_bigram_task", "TextConfig", "load_files",
]
