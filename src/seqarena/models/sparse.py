"""Sparse linear baselines on raw texts (scikit-learn): TF-IDF + logistic regression, and NB-SVM.

They are not torch modules and are kept out of `MODELS`: they take texts, not (tokens, lengths), and
train in one call. `SPARSE_MODELS` is their own registry; `run.cells` gives them their own path."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse

from seqarena.errors import InputError
from seqarena.models.hparams import check_hparams

# words and single punctuation marks, close to Kim's normalisation on already tokenised text
TOKEN_PATTERN = r"(?u)\w+|[^\w\s]"


class NBSVM:
    """NB-SVM (Wang & Manning 2012): binarised n-gram features f scaled by the log-count ratio
    r = log((p/|p|_1) / (q/|q|_1)), p = alpha + sum of f over the class, q over the rest; a linear SVM
    (L2-regularised, squared hinge: liblinear -s 1) on x = r * f; its weights interpolated with their
    mean magnitude, w' = (1 - beta) mean|w| + beta w (beta = 1: the plain SVM on x).

    The intercept is one more entry of that weight vector, as in the authors' code: liblinear with a
    bias (-B 1) appends a constant feature 1 to x, learns its weight b like any other (regularised),
    and the interpolation, mean|w| included, runs over the whole vector (w, b). Interpolating w but
    not b, as this class once did, shrinks the scores by beta but not the intercept, so on unbalanced
    data b dominates and predictions collapse to one class. More than two classes: one such problem
    per class (one-vs-rest), the highest score wins."""

    def __init__(self, C: float = 1.0, beta: float = 0.25, alpha: float = 1.0, seed: int = 0) -> None:
        self.C, self.beta, self.alpha, self.seed = C, beta, alpha, seed

    def fit(self, X: sparse.spmatrix, y: np.ndarray) -> NBSVM:
        from sklearn.svm import LinearSVC

        X = (sparse.csr_matrix(X) > 0).astype(np.float64)
        self.classes_ = np.unique(y)
        targets = self.classes_[1:] if len(self.classes_) == 2 else self.classes_
        self.r_, self.w_, self.b_ = [], [], []
        for c in targets:
            pos = np.asarray(y == c)
            p = self.alpha + np.asarray(X[pos].sum(0)).ravel()
            q = self.alpha + np.asarray(X[~pos].sum(0)).ravel()
            r = np.log((p / p.sum()) / (q / q.sum()))  # (V,) log-count ratio
            # intercept_scaling 1: the bias is the weight of a constant feature 1, regularised like the rest
            svm = LinearSVC(C=self.C, dual=True, max_iter=10000, random_state=self.seed, fit_intercept=True,
                            intercept_scaling=1.0)
            svm.fit(X.multiply(r).tocsr(), pos.astype(int))
            w = np.append(svm.coef_.ravel(), svm.intercept_[0])  # (V + 1,): the whole weight vector
            w = interpolate(w, self.beta)
            self.r_.append(r)
            self.w_.append(w[:-1])
            self.b_.append(float(w[-1]))
        return self

    def decision_function(self, X: sparse.spmatrix) -> np.ndarray:
        """(N, P) scores, one column per binary problem: (r * f) . w' + b'."""
        X = (sparse.csr_matrix(X) > 0).astype(np.float64)
        return np.stack([X.multiply(r).tocsr() @ w + b for r, w, b in zip(self.r_, self.w_, self.b_)], axis=1)

    def predict(self, X: sparse.spmatrix) -> np.ndarray:
        s = self.decision_function(X)
        if len(self.classes_) == 2:
            return self.classes_[(s[:, 0] > 0).astype(int)]
        return self.classes_[s.argmax(1)]

    @property
    def n_weights(self) -> int:
        return sum(len(w) + 1 for w in self.w_)


def interpolate(w: np.ndarray, beta: float) -> np.ndarray:
    """Wang & Manning's w' = (1 - beta) mean|w| + beta w, over every entry of `w` (the bias included)."""
    return (1 - beta) * np.abs(w).mean() + beta * w
class TextClassifier:
    """A vectoriser followed by a linear classifier: fit(texts, labels), predict(texts)."""

    def __init__(self, vectorizer: Any, classifier: Any) -> None:
        self.vectorizer, self.classifier = vectorizer, classifier

    def fit(self, texts: list[str], labels: np.ndarray) -> TextClassifier:
        self.classifier.fit(self.vectorizer.fit_transform(texts), labels)
        return self

    def predict(self, texts: list[str]) -> np.ndarray:
        return self.classifier.predict(self.vectorizer.transform(texts))

    @property
    def n_weights(self) -> int:
        """Learned weights (the parameter count shown beside the torch models')."""
        if hasattr(self.classifier, "n_weights"):
            return self.classifier.n_weights
        return int(self.classifier.coef_.size + self.classifier.intercept_.size)


def build_tfidf_lr(seed: int, ngram_max: int = 2, min_df: int = 1, C: float = 1.0) -> TextClassifier:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = TfidfVectorizer(ngram_range=(1, ngram_max), min_df=min_df, token_pattern=TOKEN_PATTERN,
                          sublinear_tf=True)
    return TextClassifier(vec, LogisticRegression(C=C, max_iter=2000, random_state=seed))


def build_nbsvm(seed: int, ngram_max: int = 2, min_df: int = 1, C: float = 1.0, beta: float = 0.25,
                alpha: float = 1.0) -> TextClassifier:
    from sklearn.feature_extraction.text import CountVectorizer

    vec = CountVectorizer(ngram_range=(1, ngram_max), min_df=min_df, token_pattern=TOKEN_PATTERN, binary=True)
    return TextClassifier(vec, NBSVM(C=C, beta=beta, alpha=alpha, seed=seed))


@dataclass(frozen=True)
class SparseEntry:
    name: str
    description: str
    builder: Callable[..., TextClassifier]  # (seed, **hyperparameters with defaults)
    family: str = "baseline"


SPARSE_MODELS: dict[str, SparseEntry] = {
    e.name: e
    for e in [
        SparseEntry("tfidf_lr", "TF-IDF of word 1-2-grams (sublinear tf) + logistic regression", build_tfidf_lr),
        SparseEntry("nbsvm", "NB-SVM (Wang & Manning 2012): log-count-ratio 1-2-grams, linear SVM with bias, "
                    "beta 0.25 over the whole weight vector",
                    build_nbsvm),
    ]
}


def sparse_hparams(name: str) -> dict[str, Any]:
    """The builder's hyperparameters and their defaults."""
    if name not in SPARSE_MODELS:
        raise InputError(f"unknown sparse baseline '{name}'; choose from {list(SPARSE_MODELS)}")
    sig = inspect.signature(SPARSE_MODELS[name].builder)
    return {k: p.default for k, p in list(sig.parameters.items())[1:]}


def create_sparse_model(name: str, seed: int = 0, **overrides: Any) -> TextClassifier:
    defaults = sparse_hparams(name)
    unknown = sorted(set(overrides) - set(defaults))
    if unknown:
        raise InputError(f"model '{name}': unknown hyperparameter(s) {unknown}; choose from {sorted(defaults)}")
    hparams = {**defaults, **overrides}
    check_hparams(name, hparams)
    return SPARSE_MODELS[name].builder(seed, **hparams)


def ids_to_texts(tokens: Any, lengths: Any) -> list[str]:
    """Texts for datasets of token ids (synthetic tasks): id 17 becomes the word 't17'."""
    return [" ".join(f"t{i}" for i in row[:n].tolist()) for row, n in zip(tokens, lengths.tolist())]
