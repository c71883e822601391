"""`Dataset`: any task's data held as tensor splits (train/dev/test), plus what a model needs to know;
`DatasetEntry`: a registry row. Imports nothing of seqarena but the batching layer, so every reader can
build one without an import cycle."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from seqarena.data.batching import Split

TASKS = ("classify", "lm")  # the model registry's task names


@dataclass
class Dataset:
    """Splits as tensors plus what a model needs to know. Classification: labels (N,), `num_classes`,
    `label_names`. Language modelling (`task` 'lm'): labels are the next characters (N, T),
    `num_classes` 0, the corpus (`data.names.NameCorpus`) in `meta['corpus']`."""

    name: str
    train: Split
    test: Split | None
    vocab_size: int
    num_classes: int
    label_names: list[str]
    dev: Split | None = None
    vocab: object | None = None  # a data.vocab.Vocab for text datasets; None for synthetic ids and names
    # raw texts per split ("train", "dev", "test"), aligned with the split's rows; for text datasets
    # (the TF-IDF baselines and `predict` need them); empty for synthetic token ids
    texts: dict[str, list[str]] = field(default_factory=dict)
    # how results should be computed: "given" (train/dev/test as they come) or "cv" (k-fold over train)
    protocol: str = "given"
    meta: dict = field(default_factory=dict)
    task: str = "classify"  # one of TASKS


@dataclass(frozen=True)
class DatasetEntry:
    name: str
    description: str
    load: Callable[[Path | None], Dataset]
    files: tuple[str, ...] = ()  # paths under the data directory; empty = built in
    task: str = "classify"
