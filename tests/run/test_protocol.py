"""Protocols: stratified seeded folds, the stratified dev carve, and the rows each cell sees."""

from __future__ import annotations

import numpy as np
import pytest

from seqarena.errors import InputError
from seqarena.run.protocol import Protocol, assign_folds, carve_dev, resolve_splits
from tests.run.tiny_text import make_tiny_text


def test_folds_partition_rows_keep_class_mix_and_follow_the_seed():
    y = np.array([0] * 70 + [1] * 30)
    f = assign_folds(y, 5, seed=3)
    assert sorted(set(f.tolist())) == [0, 1, 2, 3, 4]
    for k in range(5):  # each fold: 20 rows, 14 of class 0 and 6 of class 1
        assert (f == k).sum() == 20 and (y[f == k] == 1).sum() == 6
    assert np.array_equal(f, assign_folds(y, 5, seed=3))
    assert not np.array_equal(f, assign_folds(y, 5, seed=4))


def test_more_folds_than_rows_is_an_input_error():
    with pytest.raises(InputError, match="folds"):
        assign_folds(np.array([0, 1, 0]), 5, 0)


def test_dev_carve_is_stratified_disjoint_and_seeded():
    y = np.array([0] * 80 + [1] * 20)
    idx = np.arange(100)
    tr, dv = carve_dev(y, idx, 0.1, (0, 0, 1))
    assert len(dv) == 10 and (y[dv] == 1).sum() == 2
    assert not set(tr) & set(dv) and len(tr) + len(dv) == 100
    assert np.array_equal(dv, carve_dev(y, idx, 0.1, (0, 0, 1))[1])
    assert not np.array_equal(dv, carve_dev(y, idx, 0.1, (0, 1, 1))[1])


def test_cv_cells_test_on_their_fold_and_train_on_the_rest():
    data = make_tiny_text()
    proto = Protocol("cv", folds=4, dev_fraction=0.1).resolve(data)
    seen_test = []
    for fold in range(4):
        s = resolve_splits(data, proto, fold, seed=0)
        tr, dv, te = (set(s.texts[k]) for k in ("train", "dev", "test"))
        # rows are identified by their text's position; texts may repeat, so compare counts as well
        assert len(s.train) + len(s.dev) + len(s.test) == len(data.train)
        assert len(s.texts["test"]) == len(s.test) and len(s.texts["train"]) == len(s.train)
        assert abs(len(s.dev) - 0.1 * (len(s.train) + len(s.dev))) <= 2
        seen_test += s.texts["test"]
        assert tr and dv and te
    assert sorted(seen_test) == sorted(data.texts["train"])  # the test folds partition the data


def test_given_protocol_carves_dev_only_when_asked():
    data = make_tiny_text(protocol="given")
    data.test = data.train.subset(__import__("torch").arange(40))
    s0 = resolve_splits(data, Protocol("given", dev_fraction=0.0).resolve(data), None, 0)
    assert s0.dev is None and len(s0.train) == len(data.train)
    s1 = resolve_splits(data, Protocol("given", dev_fraction=0.25).resolve(data), None, 0)
    assert len(s1.dev) == 60 and len(s1.train) == 180 and len(s1.test) == 40


def test_a_dataset_without_test_split_needs_cv():
    data = make_tiny_text()
    with pytest.raises(InputError, match="no test split"):
        Protocol("given").resolve(data)
    assert Protocol("auto").resolve(data).kind == "cv"


def test_torch_cell_hash_carries_the_code_version_and_sparse_ones_do_not(monkeypatch):
    """Rows computed by older code for the same configuration must not be served as current."""
    from seqarena.config import ModelConfig, TrainConfig
    from seqarena.run import cells

    torch_cell = cells.Cell("mr", ModelConfig("textcnn"), TrainConfig(epochs=3))
    sparse_cell = cells.Cell("mr", ModelConfig("nbsvm"), TrainConfig(epochs=3))
    before = torch_cell.config_hash, sparse_cell.config_hash
    monkeypatch.setattr(cells, "TORCH_CELL_VERSION", cells.TORCH_CELL_VERSION + 1)
    assert torch_cell.config_hash != before[0]
    assert sparse_cell.config_hash == before[1]
