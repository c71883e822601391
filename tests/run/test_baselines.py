"""Sparse baselines (TF-IDF + LR, NB-SVM) on texts and on token ids, through the same run_cell."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from seqarena.config import ModelConfig
from seqarena.errors import InputError
from seqarena.models.sparse import NBSVM, SPARSE_MODELS, create_sparse_model, ids_to_texts
from seqarena.run.cells import Cell, run_cell
from seqarena.run.protocol import Protocol

TRAIN = ["a good film", "great and good", "superb acting", "bad film", "awful and bad", "dull plot"] * 5
Y = np.array([1, 1, 1, 0, 0, 0] * 5)


@pytest.mark.parametrize("name", list(SPARSE_MODELS))
def test_baselines_learn_word_polarity(name):
    clf = create_sparse_model(name).fit(TRAIN, Y)
    assert list(clf.predict(["good superb", "awful dull"])) == [1, 0]
    assert clf.n_weights > 0


def test_nbsvm_interpolates_towards_the_mean_weight():
    from scipy import sparse

    X = sparse.csr_matrix(np.array([[1, 0, 1], [1, 1, 0], [0, 1, 1], [0, 1, 0]]))
    y = np.array([1, 1, 0, 0])
    w1 = NBSVM(beta=1.0).fit(X, y).w_[0]  # beta 1: the SVM's own weights
    w0 = NBSVM(beta=0.0).fit(X, y).w_[0]  # beta 0: every weight equals mean |w|
    assert np.allclose(w0, np.abs(w1).mean())
    wq = NBSVM(beta=0.25).fit(X, y).w_[0]
    assert np.allclose(wq, 0.75 * np.abs(w1).mean() + 0.25 * w1)


def test_nbsvm_handles_more_than_two_classes():
    texts = ["red apple", "red cherry", "blue sky", "blue sea", "green leaf", "green grass"] * 3
    y = np.array([0, 0, 1, 1, 2, 2] * 3)
    clf = create_sparse_model("nbsvm").fit(texts, y)
    assert list(clf.predict(["red", "blue", "green"])) == [0, 1, 2]


def test_unknown_hyperparameter_is_an_input_error():
    with pytest.raises(InputError, match="unknown hyperparameter"):
        create_sparse_model("tfidf_lr", gamma=1)


def test_token_ids_become_words():
    tokens = torch.tensor([[5, 7, 0], [3, 0, 0]])
    assert ids_to_texts(tokens, torch.tensor([2, 1])) == ["t5 t7", "t3"]


@pytest.mark.parametrize("name", list(SPARSE_MODELS))
def test_baseline_cell_on_a_cv_fold(tiny_text, name):
    cell = Cell(tiny_text, ModelConfig.of(name), fold=1, protocol=Protocol("cv", folds=4, dev_fraction=0.1))
    row = run_cell(cell, "cpu", measure_speed=False)
    assert row["family"] == "baseline" and row["fold"] == 1 and row["n_test"] == 60
    assert row["n_dev"] > 0 and row["dev_acc"] is not None
    assert row["test_acc"] > 0.9  # the class words decide the label: a linear model must find them


def test_baseline_cell_on_token_ids():
    cell = Cell("seed-bigram", ModelConfig.of("nbsvm"))
    row = run_cell(cell, "cpu", measure_speed=True)
    assert row["test_acc"] > 0.9 and row["latency_ms"] > 0 and row["throughput"] > 0
