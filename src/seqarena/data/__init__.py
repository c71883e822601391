"""Data layer: datasets by name, held as tensor splits. Left of every other layer. The registry lives
in `data.registry`, `Dataset` in `data.dataset`; this package only re-exports them."""

from seqarena.data.batching import PAD_ID, Split, pad_sequences
from seqarena.data.corpora import TextConfig, load_files
from seqarena.data.dataset import Dataset, DatasetEntry
from seqarena.data.registry import DATASETS, dataset_task, load_dataset
from seqarena.data.synthetic import BigramTaskConfig, make_bigram_task

__all__ = [
    "PAD_ID", "Split", "pad_sequences", "Dataset", "DatasetEntry", "DATASETS", "load_dataset", "dataset_task",
    "BigramTaskConfig", "make_bigram_task", "TextConfig", "load_files",
]
