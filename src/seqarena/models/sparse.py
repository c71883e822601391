"""Sparse linear baselines on raw texts (scikit-learn): TF-IDF + logistic regression, and NB-SVM.

They are not torch modules and are kept out of `MODELS`: they take texts, not (tokens, lengths), and
train in one call. `SPARSE_MODELS` is their own registry; `run.cells` gives them their own path."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse

from seqarena.errors import InputError
from seqarena.models.hparams import check_hparams
from seqarena.models.spaces import SEARCH_SPACES

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
    search_space: dict = field(default_factory=dict)  # for a tuner, in models.spaces' format


SPARSE_MODELS: dict[str, SparseEntry] = {
    e.name: e
    for e in [
        SparseEntry("tfidf_lr", "TF-IDF of word 1-2-grams (sublinear tf) + logistic regression", build_tfidf_lr,
                    search_space=SEARCH_SPACES["tfidf_lr"]),
        SparseEntry("nbsvm", "NB-SVM (Wang & Manning 2012): log-count-ratio 1-2-grams, linear SVM with bias, "
                    "beta 0.25 over the whole weight vector",
                    build_nbsvm, search_space=SEARCH_SPACES["nbsvm"]),
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


# --- checkpoints: arrays and plain data only, never a pickle --------------------------------------
# The fitted state of a baseline is a vocabulary (terms in column order), the vectoriser's settings,
# and a few arrays (idf weights and the logistic regression's coefficients; NB-SVM's log-count ratios,
# interpolated weights and intercepts). `sparse_state` takes it out, `sparse_from_state` rebuilds an
# equal classifier from it: nothing is unpickled, so loading runs no code from the file.

VECTORIZER_FIELDS = ("ngram_range", "token_pattern", "lowercase", "binary", "sublinear_tf", "norm", "smooth_idf")


def sparse_state(name: str, clf: TextClassifier) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """(arrays, plain data) of a fitted baseline: what a checkpoint stores."""
    vec, est = clf.vectorizer, clf.classifier
    vocab = sorted(vec.vocabulary_, key=vec.vocabulary_.__getitem__)  # terms in column order
    settings = {k: getattr(vec, k) for k in VECTORIZER_FIELDS if hasattr(vec, k)}
    settings["ngram_range"] = list(settings["ngram_range"])
    plain: dict[str, Any] = {"name": name, "terms": vocab, "vectorizer": settings}
    if name == "tfidf_lr":
        arrays = {"idf": vec.idf_, "coef": est.coef_, "intercept": est.intercept_, "classes": est.classes_}
    elif name == "nbsvm":
        arrays = {"r": np.stack(est.r_), "w": np.stack(est.w_), "b": np.asarray(est.b_, dtype=np.float64),
                  "classes": est.classes_}
        plain["nbsvm"] = {"C": est.C, "beta": est.beta, "alpha": est.alpha}
    else:
        raise InputError(f"unknown sparse baseline '{name}'; choose from {list(SPARSE_MODELS)}")
    return {k: np.ascontiguousarray(v) for k, v in arrays.items()}, plain


def sparse_from_state(arrays: dict[str, np.ndarray], plain: dict[str, Any]) -> TextClassifier:
    """The fitted classifier `sparse_state` described. Raises InputError when the pieces do not fit."""
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    name, terms = plain.get("name"), list(plain.get("terms") or [])
    settings = dict(plain.get("vectorizer") or {})
    settings["ngram_range"] = tuple(settings.get("ngram_range", (1, 1)))
    vocabulary = {t: i for i, t in enumerate(terms)}
    if len(vocabulary) != len(terms) or not terms:
        raise InputError("sparse checkpoint: empty vocabulary or duplicate terms")
    V = len(terms)
    classes = np.asarray(arrays["classes"])
    if name == "tfidf_lr":
        vec = TfidfVectorizer(vocabulary=vocabulary, **settings)
        idf, coef, intercept = (np.asarray(arrays[k], dtype=np.float64) for k in ("idf", "coef", "intercept"))
        if idf.shape != (V,) or coef.ndim != 2 or coef.shape[1] != V or intercept.shape != (coef.shape[0],):
            raise InputError(f"sparse checkpoint: array shapes do not fit a vocabulary of {V} terms")
        vec.idf_ = idf
        est = LogisticRegression()
        est.coef_, est.intercept_, est.classes_ = coef, intercept, classes
        return TextClassifier(vec, est)
    if name == "nbsvm":
        settings.pop("sublinear_tf", None), settings.pop("norm", None), settings.pop("smooth_idf", None)
        vec = CountVectorizer(vocabulary=vocabulary, **settings)
        r, w, b = (np.asarray(arrays[k], dtype=np.float64) for k in ("r", "w", "b"))
        if r.shape != w.shape or r.ndim != 2 or r.shape[1] != V or b.shape != (r.shape[0],):
            raise InputError(f"sparse checkpoint: array shapes do not fit a vocabulary of {V} terms")
        est = NBSVM(**plain.get("nbsvm", {}))
        est.classes_, est.r_, est.w_, est.b_ = classes, list(r), list(w), [float(x) for x in b]
        vec._validate_vocabulary()
        return TextClassifier(vec, est)
    raise InputError(f"sparse checkpoint: unknown baseline '{name}'; choose from {list(SPARSE_MODELS)}")


def sparse_proba(clf: TextClassifier, texts: list[str]) -> np.ndarray:
    """(N, C) class scores in [0, 1] summing to 1: logistic regression's probabilities; for NB-SVM
    (a margin classifier, not calibrated) the logistic of the binary margin, or the softmax of the
    one-vs-rest margins."""
    X = clf.vectorizer.transform(texts)
    est = clf.classifier
    if hasattr(est, "predict_proba"):
        return np.asarray(est.predict_proba(X), dtype=np.float64)
    s = est.decision_function(X)  # (N, P)
    if len(est.classes_) == 2:
        p = 1.0 / (1.0 + np.exp(-s[:, 0]))
        return np.stack([1.0 - p, p], axis=1)
    e = np.exp(s - s.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)
