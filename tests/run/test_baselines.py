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


def test_nbsvm_interpolates_the_whole_weight_vector_bias_included():
    from scipy import sparse

    X = sparse.csr_matrix(np.array([[1, 0, 1], [1, 1, 0], [0, 1, 1], [0, 1, 0], [0, 0, 1]]))
    y = np.array([1, 1, 0, 0, 0])
    m1 = NBSVM(beta=1.0).fit(X, y)  # beta 1: the SVM's own weights and bias
    full = np.append(m1.w_[0], m1.b_[0])
    assert m1.b_[0] != 0  # an unbalanced problem: the bias matters
    m0 = NBSVM(beta=0.0).fit(X, y)  # beta 0: every entry, the bias too, equals mean |(w, b)|
    assert np.allclose(np.append(m0.w_[0], m0.b_[0]), np.abs(full).mean())
    mq = NBSVM(beta=0.25).fit(X, y)
    assert np.allclose(np.append(mq.w_[0], mq.b_[0]), 0.75 * np.abs(full).mean() + 0.25 * full)


def squared_hinge_svm(X: np.ndarray, y: np.ndarray, C: float) -> np.ndarray:
    """min_w 0.5 |w|^2 + C sum_i max(0, 1 - y_i w.x_i)^2 (liblinear -s 1), y in {-1, 1}, by Newton's
    method with a backtracking line search: a plain reference for the solver NB-SVM calls."""
    w = np.zeros(X.shape[1])

    def loss(w):
        m = np.maximum(0.0, 1 - y * (X @ w))
        return 0.5 * w @ w + C * (m @ m)

    for _ in range(200):
        m = 1 - y * (X @ w)
        a = m > 0
        grad = w - 2 * C * X[a].T @ (y[a] * m[a])
        if np.linalg.norm(grad) < 1e-10:
            break
        step = np.linalg.solve(np.eye(len(w)) + 2 * C * X[a].T @ X[a], grad)
        t = 1.0
        while loss(w - t * step) > loss(w) - 0.25 * t * grad @ step and t > 1e-8:
            t /= 2
        w = w - t * step
    return w


def test_nbsvm_matches_a_plain_numpy_reference_on_unbalanced_data():
    """Wang & Manning's NB-SVM computed step by step in numpy (log-count ratio, squared-hinge SVM with
    the bias as the weight of a constant feature, interpolation of the whole vector) on a 30/70 set."""
    from scipy import sparse

    rng = np.random.default_rng(0)
    n, V = 120, 30
    y = (rng.random(n) < 0.3).astype(int)
    rate = np.where(y[:, None] == 1, np.linspace(0.6, 0.05, V), np.linspace(0.1, 0.5, V))
    F = (rng.random((n, V)) < rate).astype(float)  # binary features, informative but overlapping
    beta, alpha, C = 0.25, 1.0, 0.5
    p, q = alpha + F[y == 1].sum(0), alpha + F[y == 0].sum(0)
    r = np.log((p / p.sum()) / (q / q.sum()))
    Xr = np.hstack([F * r, np.ones((n, 1))])  # the bias: weight of a constant feature 1
    wb = squared_hinge_svm(Xr, 2.0 * y - 1, C)
    wb = (1 - beta) * np.abs(wb).mean() + beta * wb
    test = (rng.random((50, V)) < 0.3).astype(float)
    want = test @ (r * wb[:-1]) + wb[-1]

    model = NBSVM(C=C, beta=beta, alpha=alpha).fit(sparse.csr_matrix(F), y)
    got = model.decision_function(sparse.csr_matrix(test))[:, 0]
    assert np.allclose(got, want, atol=2e-3 * np.abs(want).max())
    assert np.array_equal(model.predict(sparse.csr_matrix(test)), (want > 0).astype(int))
    # the fix this guards: the bias is shrunk with the weights, so the minority class is still predicted
    assert 0.1 < model.predict(sparse.csr_matrix(F)).mean() < 0.5


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
