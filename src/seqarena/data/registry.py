"""The `DATASETS` registry (classification datasets and name corpora, one vocabulary of splits:
train/dev/test) and `load_dataset(name, data_dir)`."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from seqarena.data.corpora import CORPORA, load_corpus
from seqarena.data.dataset import Dataset, DatasetEntry
from seqarena.data.names import NAME_CORPORA, corpus_dataset
from seqarena.data.synthetic import BigramTaskConfig, make_bigram_task
from seqarena.errors import InputError


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
    # the name corpora (task lm), each with its default split (random 80/10/10 with seed 0, or none)
    **{e.name: DatasetEntry(e.name, f"names (lm): {e.description}", partial(corpus_dataset, e.name), task="lm")
       for e in NAME_CORPORA.values()},
}


def load_dataset(name: str, data_dir: Path | None = None) -> Dataset:
    if name not in DATASETS:
        raise InputError(f"unknown dataset '{name}'; choose from {sorted(DATASETS)}")
    return DATASETS[name].load(data_dir)


def dataset_task(name: str) -> str:
    """'classify' or 'lm' for a registered dataset (a file dataset of labelled texts: 'classify')."""
    entry = DATASETS.get(name)
    return entry.task if entry is not None else "classify"
