"""The model registry: one MODELS dict, one way to build a model (`create_model`).

Every model takes `model(tokens, lengths)`; classifiers return logits (B, C), language models are
causal and return logits (B, T, V). Each carries `family` and `causal`, and `config` (what
`create_model` was called with, defaults filled in) so a checkpoint can rebuild it."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable

import torch
from torch import nn

from seqarena.checks import check_int
from seqarena.config import LM_RECIPE, TrainConfig, with_overrides
from seqarena.errors import InputError
from seqarena.models.attention import build_transformer
from seqarena.models.baselines import BOW_RECIPE, BOW_SEARCH_SPACE, build_bow
from seqarena.models.causal_conv import build_causal_cnn_lm
from seqarena.models.conv import build_textcnn
from seqarena.models.hparams import check_hparams, check_size
from seqarena.models.hybrid import build_cnn_rnn
from seqarena.models.lm import build_gru_lm, build_lstm_lm, build_rnn_lm, build_transformer_lm
from seqarena.models.ngram import build_ngram_lm
from seqarena.models.recurrent import build_bilstm, build_gru, build_lstm, build_rnn
from seqarena.models.spaces import LM_SEARCH_SPACES, SEARCH_SPACES

TASKS = ("classify", "lm")
FAMILIES = ("recurrent", "convolutional", "hybrid", "attention", "baseline")


@dataclass(frozen=True)
class ModelEntry:
    """A registered architecture: its family and one builder per task it supports.
    A builder takes (vocab_size, num_classes, **hyperparameters with defaults).
    `train` is the model's own recipe for classification: TrainConfig fields that replace TrainConfig's
    defaults for this model (see `train_config`); a spec's [train] fields override it. `search_space`
    declares, for a tuner, each hyperparameter (or "train.<field>") -> its distribution;
    `lm_search_space` the same for its language model (task 'lm')."""

    name: str
    family: str
    description: str
    builders: dict[str, Callable[..., nn.Module]]
    train: dict[str, Any] = field(default_factory=dict)
    search_space: dict[str, dict] = field(default_factory=dict)
    lm_search_space: dict[str, dict] = field(default_factory=dict)

    def space(self, task: str) -> dict[str, dict]:
        return self.lm_search_space if task == "lm" else self.search_space


MODELS: dict[str, ModelEntry] = {
    e.name: e
    for e in [
        ModelEntry("rnn", "recurrent", "Elman RNN (tanh), state at the last real token",
                   {"classify": build_rnn, "lm": build_rnn_lm}, search_space=SEARCH_SPACES["rnn"],
                   lm_search_space=LM_SEARCH_SPACES["rnn"]),
        ModelEntry("gru", "recurrent", "GRU, state at the last real token (seed 000)",
                   {"classify": build_gru, "lm": build_gru_lm}, search_space=SEARCH_SPACES["gru"],
                   lm_search_space=LM_SEARCH_SPACES["gru"]),
        ModelEntry("lstm", "recurrent", "LSTM, state at the last real token",
                   {"classify": build_lstm, "lm": build_lstm_lm}, search_space=SEARCH_SPACES["lstm"],
                   lm_search_space=LM_SEARCH_SPACES["lstm"]),
        ModelEntry("bilstm", "recurrent", "bidirectional LSTM over packed sequences (seed 000)",
                   {"classify": build_bilstm}, search_space=SEARCH_SPACES["bilstm"]),
        ModelEntry("textcnn", "convolutional", "TextCNN, widths 3/4/5, masked max-pool (Kim 2014)",
                   {"classify": build_textcnn}, search_space=SEARCH_SPACES["textcnn"]),
        ModelEntry("cnn_rnn", "hybrid", "Conv1d n-gram features read by a GRU (seed 000)",
                   {"classify": build_cnn_rnn}, search_space=SEARCH_SPACES["cnn_rnn"]),
        ModelEntry("transformer", "attention", "pre-LN Transformer encoder, key-padding mask, mean pool",
                   {"classify": build_transformer, "lm": build_transformer_lm}, search_space=SEARCH_SPACES["transformer"],
                   lm_search_space=LM_SEARCH_SPACES["transformer"]),
        ModelEntry("bow", "baseline", "fastText: mean of word and hashed word n-gram embeddings + linear",
                   {"classify": build_bow}, train=BOW_RECIPE, search_space=BOW_SEARCH_SPACE),
        ModelEntry("causal_cnn", "convolutional", "causal dilated CNN, gated residual layers (WaveNet/TCN)",
                   {"lm": build_causal_cnn_lm}, lm_search_space=LM_SEARCH_SPACES["causal_cnn"]),
        ModelEntry("ngram", "baseline", "count n-gram, Witten-Bell smoothed (order 2 = bigram)",
                   {"lm": build_ngram_lm}, lm_search_space=LM_SEARCH_SPACES["ngram"]),
    ]
}


def list_models(task: str | None = None) -> list[str]:
    """Registered names, in registry order; only those that support `task` when given."""
    if task is not None and task not in TASKS:
        raise InputError(f"unknown task '{task}'; choose from {list(TASKS)}")
    return [n for n, e in MODELS.items() if task is None or task in e.builders]


def model_hparams(name: str, task: str) -> dict[str, Any]:
    """The builder's hyperparameters and their defaults."""
    builder = _entry(name, task).builders[task]
    sig = inspect.signature(builder)
    return {k: p.default for k, p in list(sig.parameters.items())[2:]}


def create_model(name: str, task: str, vocab_size: int, num_classes: int | None = None,
                 **overrides: Any) -> nn.Module:
    """Build a registered model. Unknown names, tasks or hyperparameters, values that break
    `models.hparams.RULES` and models over `checks.MAX_PARAMS` raise an InputError (a ValueError)
    naming the choices or the rule, before any memory is allocated."""
    entry = _entry(name, task)
    meta_model(name, task, vocab_size, num_classes, **overrides)  # every check, no memory
    hparams = {**model_hparams(name, task), **overrides}
    model = entry.builders[task](vocab_size, num_classes, **hparams)
    model.family = entry.family
    model.config = {"name": name, "task": task, "vocab_size": vocab_size, "num_classes": num_classes,
                    "hparams": hparams}
    return model


def meta_model(name: str, task: str, vocab_size: int, num_classes: int | None = None,
               **overrides: Any) -> nn.Module:
    """The model `create_model` would build, on the meta device (shapes, no memory), after every check
    `create_model` makes; checkpoints compare their tensors' shapes with its state_dict."""
    entry = _entry(name, task)
    defaults = model_hparams(name, task)
    unknown = sorted(set(overrides) - set(defaults))
    if unknown:
        raise InputError(f"model '{name}': unknown hyperparameter(s) {unknown}; choose from {sorted(defaults)}")
    hparams = {**defaults, **overrides}
    check_hparams(name, hparams)
    check_int("vocab_size", vocab_size, 1)
    if task == "classify":
        check_int("num_classes", num_classes, 2)
    with torch.device("meta"), _no_init():
        model = entry.builders[task](vocab_size, num_classes, **hparams)
    check_size(name, model)
    return model


@contextmanager
def _no_init() -> Iterator[None]:
    """torch.nn.init's in-place initialisers as no-ops: random draws on meta tensors go through
    torch's Python reference kernels, whose first use imports torch._dynamo (1.5 s per process);
    a meta model needs shapes only."""
    names = [n for n in dir(nn.init) if n.endswith("_") and not n.startswith("_")]
    saved = {n: getattr(nn.init, n) for n in names}
    for n in names:
        setattr(nn.init, n, lambda tensor, *args, **kwargs: tensor)
    try:
        yield
    finally:
        for n, f in saved.items():
            setattr(nn.init, n, f)


def train_config(name: str, *, task: str = "classify", **fields: Any) -> TrainConfig:
    """How `name` is trained unless told otherwise: TrainConfig's defaults, then the model's recipe
    (`ModelEntry.train`; for task 'lm' the language models' `config.LM_RECIPE`), then `fields` (those a
    spec or a flag sets). A name outside the registry (a sparse baseline) has no recipe."""
    entry = MODELS.get(name)
    recipe = LM_RECIPE if task == "lm" else entry.train if entry else {}
    return with_overrides(TrainConfig(), {**recipe, **fields})


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def _entry(name: str, task: str) -> ModelEntry:
    if name not in MODELS:
        raise InputError(f"unknown model '{name}'; choose from {list(MODELS)}")
    entry = MODELS[name]
    if task not in entry.builders:
        raise InputError(f"model '{name}' has no task '{task}'; it supports {sorted(entry.builders)}")
    return entry


__all__ = [
    "FAMILIES",
    "MODELS",
    "TASKS",
    "ModelEntry",
    "count_params",
    "create_model",
    "list_models",
    "meta_model",
    "model_hparams",
    "train_config",
]
