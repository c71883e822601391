"""A cell is one (task, dataset, model, training config, protocol, fold, seed) run; `run_cell` turns it
into a flat row, dispatching on the cell's task. Classifiers: torch models go through `train.fit`; the
sparse baselines (`models.sparse`) have their own short path on the same rows, so both land in the same
table. Language models (task 'lm', on a name corpus): `run.lm.lm_cell_fields`, through the same `fit`."""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from seqarena.config import ModelConfig, TrainConfig, config_hash
from seqarena.data import Dataset, load_dataset
from seqarena.data.files import FileSource
from seqarena.data.names import NameSource
from seqarena.data.vectors import EmbeddingSource
from seqarena.models import count_params, create_model, list_models
from seqarena.models.layers import zero_unknown_row
from seqarena.models.sparse import SPARSE_MODELS, create_sparse_model, ids_to_texts
from seqarena.run import embeddings as vectors
from seqarena.run.protocol import Protocol, Splits, assign_folds, cv_pool, fold_digest, resolve_splits
from seqarena.run.lm import lm_cell_fields
from seqarena.runtime import environment, resolve_device
from seqarena.train import fit
from seqarena.train.loop import predict_logits
from seqarena.train.metrics import accuracy, macro_f1, per_class
from seqarena.train.speed import latency_ms, median_seconds, throughput

# the old single-split behaviour: the dataset's own splits, no dev carve, last epoch kept
GIVEN = Protocol(kind="given")


def classifier_names() -> list[str]:
    """Every name a comparison accepts: the torch registry's classifiers, then the sparse baselines."""
    return list_models("classify") + list(SPARSE_MODELS)


def is_sparse(name: str) -> bool:
    return name in SPARSE_MODELS


# Part of a torch cell's config hash; bumped when the code changes what a cell computes for the same
# configuration, so that a results database never serves rows made by older code as current ones.
# 2: the <unk> row starts at zero (models.layers.zero_unknown_row); max_norm in Kim's convention
# (train.loop.head_norm_limit). 3: bow is fastText (hashed word n-grams), whose rows under a config
# that names no n-gram hyperparameter must not pass for the old bag of words
TORCH_CELL_VERSION = 3
# the same for cells of task 'lm' (part of their hash only: classification hashes are unchanged)
LM_CELL_VERSION = 1


@dataclass(frozen=True)
class Cell:
    dataset: str
    model: ModelConfig
    train: TrainConfig = field(default_factory=TrainConfig)
    seed: int = 0
    fold: int | None = None  # which CV fold is the test set (protocol 'cv'); None for a given split
    experiment: str = "compare"
    protocol: Protocol = GIVEN  # resolved: kind 'given' or 'cv'
    source: FileSource | NameSource | None = None  # the user's files when `dataset` names a file dataset
    task: str = "classify"  # "classify" or "lm" (a name corpus and the registry's language models)
    embeddings: EmbeddingSource | None = None  # pretrained vectors and their mode (run.embeddings)

    @property
    def data_ref(self) -> str | FileSource | NameSource:
        """What `dataset()` loads: the file source, or the built-in dataset's name."""
        return self.source if self.source is not None else self.dataset

    @property
    def config_hash(self) -> str:
        # the sparse baselines read no training field: changing epochs must not re-run them
        train = () if is_sparse(self.model.name) else (self.train, {"torch_cell_version": TORCH_CELL_VERSION})
        if self.task != "classify":  # a classifier's hash stays what it was before tasks existed
            train = (self.train, {"task": self.task, "lm_cell_version": LM_CELL_VERSION})
        # a file dataset is its contents and reader settings (the digest), not its paths
        data = () if self.source is None else ({"data_digest": self.source.digest},)
        # vectors: the file's contents and the mode; a cell without them hashes as it always did
        emb = () if self.embeddings is None else (self.embeddings.identity(),)
        return config_hash(self.dataset, self.model, self.protocol, *train, *data, *emb)

    @property
    def cell_id(self) -> str:
        fold = "-" if self.fold is None else self.fold
        return f"{self.experiment}/{self.dataset}/{self.model.name}/{self.config_hash}/{fold}/{self.seed}"

    def ids(self) -> dict:
        """The identifying columns of this cell's row."""
        return {"cell_id": self.cell_id, "experiment": self.experiment, "dataset": self.dataset,
                "model": self.model.name, "config_hash": self.config_hash, "fold": self.fold, "seed": self.seed,
                "protocol": self.protocol.kind, "folds": self.protocol.folds if self.fold is not None else None,
                "task": self.task}


@lru_cache(maxsize=4)
def _dataset(ref: str | FileSource | NameSource, data_dir: str | None) -> Dataset:
    if isinstance(ref, (FileSource, NameSource)):
        return ref.load()
    return load_dataset(ref, Path(data_dir) if data_dir else None)


def dataset(ref: str | FileSource | NameSource, data_dir: str | None = None) -> Dataset:
    """A built-in dataset by name, or a file dataset by its source; loaded once per process."""
    return _dataset(ref, data_dir)


@lru_cache(maxsize=8)
def fold_assignment(ref: str | FileSource, data_dir: str | None, k: int, split_seed: int) -> np.ndarray:
    """(N,) fold ids of the dataset's CV pool; what the results store records with the run."""
    pool, _ = cv_pool(_dataset(ref, data_dir))
    return assign_folds(pool.labels.numpy(), k, split_seed)


def split_sizes(splits: Splits) -> dict[str, int]:
    """The rows a classifier cell was measured on, as its result row records them."""
    return {"n_train": len(splits.train), "n_dev": len(splits.dev) if splits.dev else 0, "n_test": len(splits.test)}


def run_cell(
    cell: Cell,
    device: str = "auto",
    data_dir: str | None = None,
    on_epoch: Callable[[dict], None] | None = None,
    measure_speed: bool = True,
) -> dict:
    """Train and evaluate one cell; return its result row (ids, metrics, timings, environment)."""
    t0 = time.perf_counter()
    torch_dev = resolve_device(device)
    with warnings.catch_warnings():  # the driver showed the readers' warnings when it loaded the data
        warnings.simplefilter("ignore")
        data = _dataset(cell.data_ref, data_dir)
    if cell.task == "lm":
        row = {**cell.ids(), **lm_cell_fields(cell, data, torch_dev, on_epoch, measure_speed),
               "data_time_s": time.perf_counter() - t0}
        row["wall_time_s"] = time.perf_counter() - t0
        row.update(environment(torch_dev))
        return row
    splits = resolve_splits(data, cell.protocol, cell.fold, cell.seed)
    data_time = time.perf_counter() - t0
    if is_sparse(cell.model.name):
        row, pred = _run_sparse(cell, splits, measure_speed)
        torch_dev = torch.device("cpu")
    else:
        row, pred = _run_torch(cell, data, splits, torch_dev, on_epoch, measure_speed)
    scores = per_class(pred, splits.test.labels, data.label_names)
    row.update(labels=json.dumps(data.label_names), per_class=json.dumps(scores["per_class"]),
               confusion=json.dumps(scores["confusion"]), vocab_size=data.vocab_size)
    row.update(vectors.row_fields(cell, data, splits.train))
    row = {**cell.ids(), **row, **split_sizes(splits), "data_time_s": data_time,
           "wall_time_s": time.perf_counter() - t0}
    if cell.fold is not None:
        row["fold_digest"] = fold_digest(fold_assignment(cell.data_ref, data_dir, cell.protocol.folds,
                                                         cell.protocol.split_seed))
    row.update(environment(torch_dev))
    return row


def _run_torch(cell: Cell, data: Dataset, splits: Splits, torch_dev: torch.device,
               on_epoch: Callable[[dict], None] | None, measure_speed: bool) -> tuple[dict, torch.Tensor]:
    """The row's torch fields and the selected weights' test predictions."""
    model = build_model(cell, data)
    res = fit(model, splits.train, test=splits.test, dev=splits.dev, cfg=cell.train, device=torch_dev, seed=cell.seed,
              on_epoch=on_epoch)
    # fit evaluated the test split after every epoch and restored the selected epoch's weights: its
    # history row already holds the test scores of the weights the model now has
    sel = res.history[res.selected_epoch - 1]
    row = {
        "family": model.family, "params": count_params(model),
        "train_acc": sel["train_acc"], "dev_acc": sel.get("dev_acc"),
        "test_acc": sel["test_acc"], "macro_f1": sel["test_macro_f1"],
        "train_time_s": res.train_time_s, "eval_time_s": res.eval_time_s,
        "epochs_run": len(res.history), "selected_epoch": res.selected_epoch,
        "latency_ms": None, "throughput": None,
        "model_config": json.dumps(model.config["hparams"], default=list),
        "train_config": json.dumps(asdict(cell.train)),
        "history": json.dumps(res.history),
    }
    test_split = splits.test.to(torch_dev)
    with torch.no_grad():
        pred = predict_logits(model, test_split, cell.train.eval_batch_size).argmax(-1).cpu()
    if measure_speed:
        row["latency_ms"] = latency_ms(model, test_split)
        row["throughput"] = throughput(model, test_split)
    return row, pred


def build_model(cell: Cell, data: Dataset) -> torch.nn.Module:
    """A torch cell's model before training: seeded initial weights, the spec's embedding init, the
    <unk> row at zero (also what `seqarena train` builds, so a retrained model starts as compare's).
    A language model (task 'lm') is its seeded registry model over the corpus's characters, as
    `run.lm.train_lm` builds it."""
    torch.manual_seed(cell.seed)  # the same seed gives the same initial weights
    if cell.task == "lm":
        return create_model(cell.model.name, "lm", data.vocab_size, None, **cell.model.kwargs())
    model = create_model(cell.model.name, "classify", data.vocab_size, data.num_classes, **cell.model.kwargs())
    if cell.train.embed_init is not None:
        redraw_embeddings(model, cell.train.embed_init)
    vectors.apply(model, cell, data)  # pretrained vectors in the cell's mode (static, non-static, multichannel)
    if data.vocab is not None:
        zero_unknown_row(model)
    return model


@torch.no_grad()
def redraw_embeddings(model: torch.nn.Module, a: float) -> None:
    """Every embedding table U(-a, a), its padding row zero. Kim's CNN-rand draws U(-0.25, 0.25): at
    N(0, 1), Adadelta's small early steps barely move 300-d vectors and the filters overfit them."""
    for m in model.modules():
        if isinstance(m, torch.nn.Embedding):
            m.weight.uniform_(-a, a)
            if m.padding_idx is not None:
                m.weight[m.padding_idx].zero_()


def _texts(splits: Splits, name: str) -> list[str]:
    """Raw texts of a split, or words made of token ids ('t17') for datasets without texts."""
    split = getattr(splits, name)
    texts = splits.texts.get(name) or []
    return texts if len(texts) == len(split) else ids_to_texts(split.tokens, split.lengths)


def _run_sparse(cell: Cell, splits: Splits, measure_speed: bool) -> tuple[dict, torch.Tensor]:
    clf = create_sparse_model(cell.model.name, seed=cell.seed, **cell.model.kwargs())
    train_texts, test_texts = _texts(splits, "train"), _texts(splits, "test")
    t0 = time.perf_counter()
    clf.fit(train_texts, splits.train.labels.numpy())
    train_time = time.perf_counter() - t0

    def score(texts: list[str], gold: torch.Tensor) -> tuple[float, float, torch.Tensor]:
        pred = torch.from_numpy(np.asarray(clf.predict(texts)))
        return accuracy(pred, gold), macro_f1(pred, gold, int(gold.max()) + 1 if len(gold) else 0), pred

    t1 = time.perf_counter()
    train_acc, _, _ = score(train_texts, splits.train.labels)
    dev_acc = score(_texts(splits, "dev"), splits.dev.labels)[0] if splits.dev is not None else None
    test_acc, f1, pred = score(test_texts, splits.test.labels)
    row = {
        "family": SPARSE_MODELS[cell.model.name].family, "params": clf.n_weights,
        "train_acc": train_acc, "dev_acc": dev_acc, "test_acc": test_acc, "macro_f1": f1,
        "train_time_s": train_time, "eval_time_s": time.perf_counter() - t1,
        "epochs_run": 1, "selected_epoch": 1, "latency_ms": None, "throughput": None,
        "model_config": json.dumps(cell.model.kwargs(), default=list), "train_config": None, "history": "[]",
    }
    if measure_speed and test_texts:
        row["latency_ms"], row["throughput"] = _sparse_speed(clf, test_texts)
    return row, pred


def _sparse_speed(clf, texts: list[str], repeats: int = 20, batch: int = 256) -> tuple[float, float]:
    """Median batch-1 latency (ms) and texts per second on batches of 256, as train/speed.py does for torch."""
    one = median_seconds(lambda i: clf.predict([texts[i % len(texts)]]), repeats)
    chunk = (texts * (batch // len(texts) + 1))[:batch]
    return 1000 * one, batch / max(median_seconds(lambda i: clf.predict(chunk), 1), 1e-9)
