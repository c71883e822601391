"""Evaluation protocols: a given split, a stratified dev carve, stratified k-fold CV; every one seeded.

`resolve_splits` turns (dataset, protocol, fold, seed) into the rows a cell trains, selects and tests on,
so every model in an experiment sees exactly the same rows for the same (fold, seed)."""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass

import numpy as np
import torch

from seqarena.checks import MAX_SEED, check_float, check_int
from seqarena.data import Dataset, Split
from seqarena.data.batching import pad_sequences
from seqarena.errors import FieldError, InputError

PROTOCOLS = ("auto", "given", "cv")
MAX_FOLDS = 1_000


@dataclass(frozen=True)
class Protocol:
    """How a dataset is split. `kind`: 'given' (its train/dev/test as they come), 'cv' (stratified k-fold
    over its labelled training rows; a dev split, if any, is pooled in and a test split is not used) or
    'auto' (the dataset's own `Dataset.protocol`: cv for MR and Subj, given for SST-2)."""

    kind: str = "auto"
    folds: int = 10  # k of k-fold CV (read only when kind resolves to 'cv')
    # share of the training rows carved out (stratified) as a dev set for early stopping and model
    # selection when the dataset has no dev split; 0 = no dev set, the last epoch is kept
    dev_fraction: float = 0.0
    split_seed: int = 0  # seeds the fold assignment and the dev carve (with the cell's fold and seed)

    def __post_init__(self) -> None:
        if self.kind not in PROTOCOLS:
            raise FieldError("kind", f"unknown '{self.kind}'; choose from {list(PROTOCOLS)}")
        check_int("folds", self.folds, 2, MAX_FOLDS)
        check_float("dev_fraction", self.dev_fraction, 0.0, 1.0, hi_open=True)
        check_int("split_seed", self.split_seed, 0, MAX_SEED)

    def resolve(self, data: Dataset) -> Protocol:
        """The concrete protocol for `data` ('auto' replaced by the dataset's own)."""
        kind = data.protocol if self.kind == "auto" else self.kind
        if kind == "given" and data.test is None:
            raise InputError(f"dataset '{data.name}' has no test split; evaluate it with protocol 'cv' (--folds K)")
        return Protocol(kind, self.folds, self.dev_fraction, self.split_seed)


@dataclass
class Splits:
    """The rows one cell uses. `texts` holds the raw texts of each split, aligned with its rows
    (empty lists for datasets of token ids)."""

    train: Split
    dev: Split | None
    test: Split
    texts: dict[str, list[str]]


def assign_folds(labels: np.ndarray, k: int, seed: int) -> np.ndarray:
    """(N,) fold id in 0..k-1 for each row: stratified (each fold keeps the class mix), shuffled by `seed`."""
    from sklearn.model_selection import StratifiedKFold

    if k > len(labels):
        raise InputError(f"--folds {k}: more folds than the {len(labels)} labelled rows")
    folds = np.empty(len(labels), dtype=np.int64)
    with warnings.catch_warnings():  # a class rarer than k only warns: some folds then miss it
        warnings.simplefilter("ignore", UserWarning)
        skf = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
        for f, (_, test_idx) in enumerate(skf.split(np.zeros(len(labels)), labels)):
            folds[test_idx] = f
    return folds


def fold_digest(folds: np.ndarray) -> str:
    """A short hash of a fold assignment, stored with every row so a changed assignment is noticed."""
    return hashlib.sha256(folds.astype(np.int64).tobytes()).hexdigest()[:16]


def carve_dev(labels: np.ndarray, index: np.ndarray, fraction: float,
              seed: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Split the rows `index` into (train, dev): round(fraction * n_c) rows of each class c go to dev,
    drawn with a generator seeded by `seed`. Both returned in ascending row order."""
    rng = np.random.default_rng(np.random.SeedSequence(list(seed)))
    y = labels[index]
    dev = []
    for c in np.unique(y):
        members = rng.permutation(index[y == c])
        dev.append(members[: round(fraction * len(members))])
    dev_idx = np.sort(np.concatenate(dev)) if dev else np.empty(0, dtype=np.int64)
    return np.setdiff1d(index, dev_idx), dev_idx


def cv_pool(data: Dataset) -> tuple[Split, list[str]]:
    """The rows k-fold CV runs over: train, with dev appended when the dataset has one."""
    texts = list(data.texts.get("train", []))
    if data.dev is None:
        return data.train, texts
    texts += list(data.texts.get("dev", []))
    parts = [data.train, data.dev]
    seqs = [row[:n].tolist() for s in parts for row, n in zip(s.tokens, s.lengths.tolist())]
    tokens, lengths = pad_sequences(seqs)
    return Split(tokens, lengths, torch.cat([s.labels for s in parts])), texts


def resolve_splits(data: Dataset, protocol: Protocol, fold: int | None, seed: int) -> Splits:
    """The train/dev/test rows for one cell. `protocol` must be resolved (kind 'given' or 'cv');
    `fold` is required for 'cv'. The dev carve is seeded by (split_seed, seed, fold), so repeats over
    seeds also vary the dev rows while every model of a (fold, seed) shares them."""
    carve_seed = (protocol.split_seed, seed, 0 if fold is None else fold + 1)
    if protocol.kind == "given":
        if data.test is None:
            raise InputError(f"dataset '{data.name}' has no test split; use protocol 'cv'")
        texts = {k: list(data.texts.get(k, [])) for k in ("train", "dev", "test")}
        train, dev = data.train, data.dev
        if dev is None and protocol.dev_fraction > 0:
            labels = train.labels.numpy()
            tr, dv = carve_dev(labels, np.arange(len(labels)), protocol.dev_fraction, carve_seed)
            train, dev = _rows(data.train, tr), _rows(data.train, dv)
            texts["train"], texts["dev"] = _pick(texts["train"], tr), _pick(texts["train"], dv)
        return Splits(train, dev, data.test, texts)
    if protocol.kind != "cv" or fold is None:
        raise ValueError(f"resolve_splits needs a resolved protocol and, for cv, a fold (got {protocol}, {fold})")
    pool, pool_texts = cv_pool(data)
    labels = pool.labels.numpy()
    folds = assign_folds(labels, protocol.folds, protocol.split_seed)
    test_idx = np.flatnonzero(folds == fold)
    train_idx = np.flatnonzero(folds != fold)
    dev_idx = None
    if protocol.dev_fraction > 0:
        train_idx, dev_idx = carve_dev(labels, train_idx, protocol.dev_fraction, carve_seed)
    texts = {"train": _pick(pool_texts, train_idx), "test": _pick(pool_texts, test_idx),
             "dev": _pick(pool_texts, dev_idx) if dev_idx is not None else []}
    return Splits(_rows(pool, train_idx), _rows(pool, dev_idx) if dev_idx is not None else None,
                  _rows(pool, test_idx), texts)


def _rows(split: Split, idx: np.ndarray) -> Split:
    return split.subset(torch.from_numpy(np.asarray(idx, dtype=np.int64)))


def _pick(texts: list[str], idx: np.ndarray) -> list[str]:
    return [texts[i] for i in idx] if texts else []
