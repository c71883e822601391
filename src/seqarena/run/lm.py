"""One language-model run on a name corpus -> a flat result row (and the trained model), plus the
self-describing checkpoint that `names sample` reads back."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch
from torch import nn

from seqarena.data.names import SPECIALS, CharVocab, NameCorpus
from seqarena.errors import InputError
from seqarena.models import count_params, create_model
from seqarena.runtime import environment
from seqarena.train.checkpoint import entry, load_checkpoint, model_from_checkpoint, save_checkpoint, strings
from seqarena.train.lm import LMTrainConfig, evaluate_lm, fit_lm
from seqarena.train.sampling import mark_samples, sample_names, sample_stats

LM_CHECKPOINT_KIND = "names-lm"


def parse_model_spec(spec: str) -> tuple[str, dict[str, Any]]:
    """'gru' or 'gru:d_hidden=256:n_layers=2' -> (name, overrides); values are int, float or bool."""
    name, *pairs = [p.strip() for p in spec.split(":")]
    overrides: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key or not value:
            raise InputError(f"--models: '{spec}': expected name:key=value[:key=value], got '{pair}'")
        overrides[key] = _value(value)
    return name, overrides


def _value(text: str) -> Any:
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    raise InputError(f"--models: '{text}' is not a number or true/false")


def spec_label(name: str, overrides: dict[str, Any]) -> str:
    return ":".join([name] + [f"{k}={v}" for k, v in sorted(overrides.items())])


def train_lm(
    corpus: NameCorpus,
    name: str,
    overrides: dict[str, Any],
    cfg: LMTrainConfig,
    device: torch.device,
    seed: int = 0,
    n_samples: int = 5,
    on_epoch: Callable[[dict], None] | None = None,
) -> tuple[dict, nn.Module]:
    """Train one model on the corpus's train split (best-by-val weights), evaluate train/val/test NLL,
    draw `n_samples` names and mark them. Returns (flat row, trained model)."""
    torch.manual_seed(seed)  # the same seed gives the same initial weights
    model = create_model(name, "lm", corpus.vocab.size, None, **overrides)
    splits = {k: corpus.tensors(k) for k in ("train", "val", "test")}
    res = fit_lm(model, splits["train"], splits["val"], cfg, device, seed, on_epoch)
    metrics = {
        k: evaluate_lm(model, s.to(device), cfg.eval_batch_size) if len(s) else None
        for k, s in splits.items()
    }
    samples = sample_names(
        model, corpus.vocab, n_samples, seed=seed, max_len=max_name_len(corpus), device=device
    )
    marks = mark_samples(samples, corpus.splits["train"], corpus.splits["val"] + corpus.splits["test"])
    nan = float("nan")
    row = {
        "model": spec_label(name, overrides),
        "name": name,
        "family": model.family,
        "params": count_params(model),
        "corpus": corpus.name,
        "split": corpus.split,
        "seed": seed,
        **{f"{k}_nll": (m["nll"] if m else nan) for k, m in metrics.items()},
        "test_bpc": metrics["test"]["bpc"] if metrics["test"] else nan,
        "test_ppl": metrics["test"]["ppl"] if metrics["test"] else nan,
        "train_time_s": res.train_time_s,
        "eval_time_s": res.eval_time_s,
        "epochs_run": len(res.history),
        "selected_epoch": res.selected_epoch,
        "steps": res.steps,
        "stop_reason": res.stop_reason,
        "receptive_field": getattr(model, "receptive_field", None),
        "n_grams": getattr(model, "n_grams", None),
        "samples": samples,
        "marks": marks,
        **sample_stats(samples, marks),
        "hparams": model.config["hparams"],
        "train_config": asdict(cfg),
        "history": res.history,
    }
    row.update(environment(device))
    return row, model


def max_name_len(corpus: NameCorpus) -> int:
    """Samples stop at twice the longest name in the corpus (a model that never stops is cut there)."""
    return 2 * max(len(n) for n in corpus.names)


def save_lm(path: Path, model: nn.Module, corpus: NameCorpus, row: dict) -> None:
    save_checkpoint(
        path,
        model,
        kind=LM_CHECKPOINT_KIND,
        vocab=corpus.vocab.to_list(),
        corpus=corpus.summary(),
        splits={k: list(v) for k, v in corpus.splits.items()},
        max_len=max_name_len(corpus),
        row=json.loads(json.dumps(plain_row(row))),
    )


def load_lm(path: Path) -> tuple[nn.Module, CharVocab, dict]:
    """The model (eval mode), its vocabulary and the whole checkpoint dict. Refuses checkpoints of
    another task or format version (InputError)."""
    ckpt = load_checkpoint(path, task="lm")
    if ckpt.get("kind") != LM_CHECKPOINT_KIND:
        raise InputError(f"{path}: not a `names train` checkpoint")
    check_lm_schema(ckpt, str(path))
    return model_from_checkpoint(ckpt), CharVocab(tuple(ckpt["vocab"])), ckpt


def check_lm_schema(ckpt: dict, where: str) -> None:
    """What `names sample` reads besides the weights: the characters (distinct, one each, as many as
    the model's vocabulary less the two specials), the splits that mark samples, the length cap."""
    chars = strings(ckpt, "vocab", where)
    V = ckpt["model_config"]["vocab_size"]
    if any(len(c) != 1 for c in chars) or len(set(chars)) != len(chars):
        raise InputError(f"{where}: checkpoint entry 'vocab' must list distinct single characters")
    if len(chars) + len(SPECIALS) != V:
        raise InputError(f"{where}: checkpoint entry 'vocab' has {len(chars)} characters, but the model's "
                         f"vocabulary is {V} (characters + {len(SPECIALS)} specials)")
    splits = entry(ckpt, "splits", dict, where)
    for k in ("train", "val", "test"):
        strings(splits, k, f"{where} splits")
    max_len = entry(ckpt, "max_len", int, where)
    if max_len < 1:
        raise InputError(f"{where}: checkpoint entry 'max_len' must be >= 1 (got {max_len})")
    for key in ("row", "corpus"):
        entry(ckpt, key, dict, where, optional=True)


def plain_row(row: dict) -> dict:
    """NaN -> None, so the row is plain JSON."""
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
