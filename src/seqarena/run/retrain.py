"""The model a comparison measured, trained again for use: read what `compare --out DIR` ran (its spec,
preset, hyperparameters, training fields, protocol, the dataset's files and reader settings) back
from DIR/results.sqlite, rebuild the same `Cell`, and train it once on all of the dataset's training
rows with the same dev carve for epoch selection (`train_final`), torch models and sparse baselines
alike. `seqarena train` without `--from-run` goes through the same `train_final`."""

from __future__ import annotations

import copy
import json
import sqlite3
import time
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from seqarena.data import Dataset, Split
from seqarena.data.files import FileSource, digest
from seqarena.errors import InputError
from seqarena.models import count_params
from seqarena.models.embeddings import collapse_channels
from seqarena.models.sparse import SPARSE_MODELS, create_sparse_model, sparse_state
from seqarena.run import embeddings as vectors
from seqarena.run.cells import Cell, build_model, is_sparse
from seqarena.run.protocol import Protocol, Splits, carve_dev, cv_pool
from seqarena.run.spec import Spec, spec_from_dict
from seqarena.run.stats import summarize
from seqarena.train import evaluate, fit
from seqarena.train.checkpoint import save_checkpoint, save_sparse_checkpoint
from seqarena.train.metrics import accuracy, macro_f1


@dataclass
class Measured:
    """What a comparison measured for one (dataset, model): its spec and its finished rows."""

    run_dir: Path
    spec: Spec
    dataset: str
    model: str
    rows: list[dict]

    def cell(self, seed: int | None = None, source: FileSource | None = None) -> Cell:
        """The comparison's cell for this model with no fold (all training rows), the spec's first seed."""
        s = self.spec
        train = s.train_config(self.model) if self.model in s.models and not is_sparse(self.model) else s.train
        emb = None if is_sparse(self.model) else vectors.source_for(s.embeddings, s.embedding_mode, s.source)
        return Cell(self.dataset, s.model_config(self.model), train, seed=s.seeds[0] if seed is None else seed,
                    experiment=s.name, protocol=s.protocol, source=source or s.files.get(self.dataset),
                    embeddings=emb)

    def score(self, metric: str = "test_acc") -> dict:
        """mean, std, 95 % half-width and n of the metric over the measured cells (folds x seeds)."""
        return summarize([r.get(metric) for r in self.rows])

    def matches(self, cell: Cell) -> bool:
        """Whether `cell` (with a measured row's fold and seed) has the measured rows' config hash: the
        same model, hyperparameters, training fields, protocol and data digest."""
        hashes = {r.get("config_hash") for r in self.rows}
        return replace(cell, fold=self.rows[0].get("fold")).config_hash in hashes if self.rows else False


def _connect_ro(path: Path) -> sqlite3.Connection:
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        db.execute("SELECT name FROM sqlite_master").fetchall()
        return db
    except sqlite3.DatabaseError as e:
        raise InputError(f"--from-run: {path}: not a results database ({e})") from None


def load_measured(run_dir: Path, model: str, dataset: str | None = None) -> Measured:
    """Read DIR/results.sqlite: the finished rows of `model` (on `dataset`, or the run's only dataset)
    and the spec of the experiment they belong to (the most recently run one, when several)."""
    db_path = Path(run_dir) / "results.sqlite"
    if not db_path.is_file():
        raise InputError(f"--from-run: {run_dir}: no results.sqlite (a directory written by `seqarena compare --out`)")
    db = _connect_ro(db_path)
    try:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not {"results", "experiments"} <= tables:
            raise InputError(f"--from-run: {db_path}: no results or experiments table")
        rows = [json.loads(r[0]) for r in db.execute(
            "SELECT row_json FROM results WHERE status = 'done' AND row_json IS NOT NULL ORDER BY rowid")]
        specs = {n: (json.loads(s), t) for n, s, t in db.execute("SELECT name, spec_json, updated_at FROM experiments")}
    finally:
        db.close()
    models = sorted({r["model"] for r in rows})
    if model not in models:
        raise InputError(f"--model: '{model}' was not measured in {run_dir}; measured there: {models}")
    rows = [r for r in rows if r["model"] == model]
    names = list(dict.fromkeys(r["dataset"] for r in rows))
    if dataset is None and len(names) > 1:
        raise InputError(f"--dataset: {run_dir} measured {model} on several datasets; choose from {names}")
    if dataset is not None and dataset not in names:
        raise InputError(f"--dataset: {model} was not measured on '{dataset}' in {run_dir}; choose from {names}")
    ds = dataset if dataset is not None else names[0]
    rows = [r for r in rows if r["dataset"] == ds]
    experiments = [e for e in dict.fromkeys(r["experiment"] for r in rows) if e in specs]
    if not experiments:
        raise InputError(f"--from-run: {db_path}: the spec of the experiment that measured {model} is not stored")
    name = max(experiments, key=lambda e: specs[e][1] or 0.0)  # the most recently run experiment
    spec = spec_from_dict(specs[name][0], f"{db_path}: experiment '{name}'")
    if ds not in spec.datasets:
        raise InputError(f"--from-run: {db_path}: experiment '{name}' has no dataset '{ds}'")
    return Measured(Path(run_dir), spec, ds, model, [r for r in rows if r["experiment"] == name])


def check_files_unchanged(src: FileSource) -> None:
    """A file dataset's files must still be the ones measured (same digest), or the retrained model is
    not the measured one."""
    for s in ("train", "dev", "test"):
        for p in getattr(src, s):
            if not Path(p).exists():
                raise InputError(f"--from-run: {p} ({s} file of dataset '{src.name}') no longer exists; "
                                 "give the files again with --train (and --dev/--test)")
    now = digest(src)
    if now != src.digest:
        raise InputError(f"--from-run: the files of dataset '{src.name}' changed since the comparison (digest "
                         f"{src.digest}, now {now}); pass --train FILE to train on them with the run's settings anyway")


def final_splits(data: Dataset, protocol: Protocol, seed: int) -> Splits:
    """The rows the final model trains on: under 'cv' the whole CV pool (every fold), under 'given' the
    train split; dev = the dataset's dev split, else the protocol's stratified dev carve (seeded by
    (split_seed, seed, 0) as a given split's cell is), else none. `test` is the dataset's test split
    when it has one (scored, never selected on), else None."""
    kind = data.protocol if protocol.kind == "auto" else protocol.kind
    if kind == "cv":
        pool, texts = cv_pool(data)
        dev, dev_texts = None, []
    else:
        pool, texts = data.train, list(data.texts.get("train", []))
        dev, dev_texts = data.dev, list(data.texts.get("dev", []))
    train, train_texts = pool, texts
    if dev is None and protocol.dev_fraction > 0:
        labels = pool.labels.numpy()
        tr, dv = carve_dev(labels, np.arange(len(labels)), protocol.dev_fraction, (protocol.split_seed, seed, 0))
        train, dev = _rows(pool, tr), _rows(pool, dv)
        train_texts, dev_texts = _pick(texts, tr), _pick(texts, dv)
    test = data.test if kind != "cv" or data.test is not None else None
    return Splits(train, dev, test, {"train": train_texts, "dev": dev_texts,
                                     "test": list(data.texts.get("test", [])) if test is not None else []})


def _rows(split: Split, idx: np.ndarray) -> Split:
    return split.subset(torch.from_numpy(np.asarray(idx, dtype=np.int64)))


def _pick(texts: list[str], idx: np.ndarray) -> list[str]:
    return [texts[i] for i in idx] if texts else []


@dataclass
class Trained:
    """A trained classifier (torch module or fitted sparse baseline) and how it did."""

    model: Any
    sparse: bool
    row: dict = field(default_factory=dict)  # scores, sizes, epochs, times


def train_final(cell: Cell, data: Dataset, device: torch.device,
                on_epoch: Callable[[dict], None] | None = None) -> Trained:
    """Train `cell`'s model on `final_splits`: torch models as `run_cell` does (`build_model`, `fit` with
    the dev set selecting the epoch and `patience` stopping early), sparse baselines fitted on the
    training texts. The row holds train/dev/test accuracy (test None without a test split)."""
    splits = final_splits(data, cell.protocol, cell.seed)
    sizes = {"n_train": len(splits.train), "n_dev": len(splits.dev) if splits.dev is not None else 0,
             "n_test": len(splits.test) if splits.test is not None else 0}
    if is_sparse(cell.model.name):
        return _train_sparse(cell, data, splits, sizes)
    model = build_model(cell, data)
    res = fit(model, splits.train, test=None, dev=splits.dev, cfg=cell.train, device=device, seed=cell.seed,
              on_epoch=on_epoch)
    sel = res.history[res.selected_epoch - 1]
    test = evaluate(model, splits.test.to(device), cell.train.eval_batch_size) if splits.test is not None else {}
    row = {"family": model.family, "params": count_params(model), "train_acc": sel["train_acc"],
           "dev_acc": sel.get("dev_acc"), "test_acc": test.get("acc"), "macro_f1": test.get("macro_f1"),
           "epochs_run": len(res.history), "selected_epoch": res.selected_epoch,
           "stopped_early": res.stopped_early, "train_time_s": res.train_time_s, "history": res.history, **sizes}
    return Trained(model.cpu().eval(), False, row)


def _texts(splits: Splits, name: str) -> list[str]:
    from seqarena.models.sparse import ids_to_texts

    split = getattr(splits, name)
    texts = splits.texts.get(name) or []
    return texts if len(texts) == len(split) else ids_to_texts(split.tokens, split.lengths)


def _train_sparse(cell: Cell, data: Dataset, splits: Splits, sizes: dict) -> Trained:
    if data.vocab is None:
        raise InputError(f"--model {cell.model.name}: the sparse baselines are saved for text datasets; "
                         f"'{data.name}' is token ids")
    clf = create_sparse_model(cell.model.name, seed=cell.seed, **cell.model.kwargs())
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # liblinear's convergence notes: the comparison showed none either
        clf.fit(_texts(splits, "train"), splits.train.labels.numpy())
    train_time = time.perf_counter() - t0

    def acc(name: str) -> tuple[float | None, float | None]:
        split = getattr(splits, name)
        if split is None:
            return None, None
        pred = torch.from_numpy(np.asarray(clf.predict(_texts(splits, name))))
        return accuracy(pred, split.labels), macro_f1(pred, split.labels, data.num_classes)

    test_acc, f1 = acc("test")
    row = {"family": SPARSE_MODELS[cell.model.name].family, "params": clf.n_weights, "train_acc": acc("train")[0],
           "dev_acc": acc("dev")[0], "test_acc": test_acc, "macro_f1": f1, "epochs_run": 1, "selected_epoch": 1,
           "stopped_early": False, "train_time_s": train_time, "history": [], **sizes}
    return Trained(clf, True, row)


def save_trained(path: Path, trained: Trained, cell: Cell, data: Dataset, **extra: Any) -> None:
    """Write the checkpoint `seqarena evaluate/predict/export/serve` read: weights (or the sparse
    arrays), vocabulary, labels, tokenizer, the cell's training config and protocol, where it came from."""
    from dataclasses import asdict

    meta = {"label_names": list(data.label_names), "dataset": data.name, "seed": cell.seed,
            "tokenizer": data.meta.get("tokenizer"), "min_freq": data.meta.get("min_freq"),
            "max_vocab": data.meta.get("max_size"), "protocol": asdict(cell.protocol),
            "selected_epoch": trained.row["selected_epoch"], "epochs_run": trained.row["epochs_run"], **extra}
    if trained.sparse:
        arrays, state = sparse_state(cell.model.name, trained.model)
        config = {"name": cell.model.name, "task": "classify", "vocab_size": len(state["terms"]),
                  "num_classes": data.num_classes, "hparams": cell.model.kwargs()}
        save_sparse_checkpoint(path, config, arrays, state, train_config=None, **meta)
        return
    model = collapse_channels(copy.deepcopy(trained.model))  # multichannel: one table, the channels' sum
    save_checkpoint(path, model, vocab=data.vocab.to_list() if data.vocab is not None else None,
                    train_config=asdict(cell.train), **meta)
