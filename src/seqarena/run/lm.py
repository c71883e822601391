"""Language-model runs on a name corpus: `train_lm` (one model -> flat row + trained model, through the
one `train.fit` with the LM task), `lm_cell_fields` (what `run.cells.run_cell` adds for a cell of task
'lm'), and the self-describing checkpoint that `names sample` reads back."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch
from torch import nn

from seqarena.config import TrainConfig
from seqarena.data.names import SPECIALS, CharVocab, NameCorpus
from seqarena.errors import InputError
from seqarena.jsonutil import plain
from seqarena.models import count_params, create_model
from seqarena.runtime import environment
from seqarena.train.checkpoint import entry, load_checkpoint, model_from_checkpoint, save_checkpoint, strings
from seqarena.train.loop import fit
from seqarena.train.sampling import mark_samples, sample_names, sample_stats
from seqarena.train.speed import median_seconds
from seqarena.train.task import LM, nll_by_position

LM_CHECKPOINT_KIND = "names-lm"
SPLITS = ("train", "dev", "test")


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


def default_epochs(n_train: int, batch_size: int, epochs: int = 20, min_steps: int = 500) -> int:
    """`epochs`, or more on tiny corpora so that at least `min_steps` optimiser steps run
    (seed-cities: 15 names in one batch -> 500 epochs)."""
    return max(epochs, math.ceil(min_steps / math.ceil(n_train / batch_size)))


def train_lm(
    corpus: NameCorpus,
    name: str,
    overrides: dict[str, Any],
    cfg: TrainConfig,
    device: torch.device,
    seed: int = 0,
    n_samples: int = 5,
    on_epoch: Callable[[dict], None] | None = None,
    measure_speed: bool = False,
) -> tuple[dict, nn.Module]:
    """Train one model on the corpus's train split with `train.fit` (best-by-dev weights), score
    train/dev/test in nats/char, draw `n_samples` names and mark them. Returns (flat row, model)."""
    torch.manual_seed(seed)  # the same seed gives the same initial weights
    model = create_model(name, "lm", corpus.vocab.size, None, **overrides)
    splits = {k: corpus.tensors(k) if corpus.splits[k] else None for k in SPLITS}
    res = fit(model, splits["train"], splits["test"], splits["dev"], cfg, device, seed, on_epoch, task=LM)
    scores = {k: LM.scores(model, s.to(device), cfg.eval_batch_size) if s is not None else None
              for k, s in splits.items()}
    max_len = max_name_len(corpus)
    samples = sample_names(model, corpus.vocab, n_samples, seed=seed, max_len=max_len, device=device)
    marks = mark_samples(samples, corpus.splits["train"], corpus.splits["dev"] + corpus.splits["test"])
    nan = float("nan")
    test = scores["test"] or {}
    held = splits["test"] if splits["test"] is not None else splits["train"]
    row = {
        "model": spec_label(name, overrides), "name": name, "family": model.family, "params": count_params(model),
        "corpus": corpus.name, "split": corpus.split, "seed": seed,
        **{f"{k}_nll": (s["nll"] if s else nan) for k, s in scores.items()},
        "test_bpc": test.get("bpc", nan), "test_ppl": test.get("ppl", nan),
        "train_time_s": res.train_time_s, "eval_time_s": res.eval_time_s,
        "epochs_run": len(res.history), "selected_epoch": res.selected_epoch, "steps": res.steps,
        "stop_reason": res.stop_reason,
        "receptive_field": getattr(model, "receptive_field", None), "n_grams": getattr(model, "n_grams", None),
        "samples": samples, "marks": marks, **sample_stats(samples, marks),
        # where in a name the model loses its memory: NLL of the target at each position (test split)
        "nll_by_position": nll_by_position(model, held.to(device), cfg.eval_batch_size),
        "latency_ms": name_latency_ms(model, corpus.vocab, max_len, device) if measure_speed else None,
        "hparams": model.config["hparams"], "train_config": asdict(cfg), "history": res.history,
    }
    row.update(environment(device))
    return row, model


def name_latency_ms(model: nn.Module, vocab: CharVocab, max_len: int, device: torch.device,
                    repeats: int = 10) -> float:
    """Median wall time (ms) to generate one name at batch 1 (character by character to the stop)."""
    return 1000 * median_seconds(lambda i: sample_names(model, vocab, 1, seed=i, max_len=max_len, device=device),
                                 repeats, 2, device)


# the columns of a cell row that hold lists or dicts (stored as JSON text like the classifiers' history)
JSON_FIELDS = ("samples", "marks", "nll_by_position", "history")


def lm_cell_fields(cell, data, device: torch.device, on_epoch: Callable[[dict], None] | None,
                   measure_speed: bool) -> dict:
    """A cell of task 'lm' (`run.cells.Cell` on a name corpus `data`): its row's model, score, cost
    and sample fields. `dev_nll` is the monitored dev score; `test_nll` the one comparisons rank by."""
    corpus: NameCorpus = data.meta["corpus"]
    row, _ = train_lm(corpus, cell.model.name, cell.model.kwargs(), cell.train, device, cell.seed,
                      n_samples=20, on_epoch=on_epoch, measure_speed=measure_speed)
    out = {k: row[k] for k in ("family", "params", "train_nll", "dev_nll", "test_nll", "test_bpc", "test_ppl",
                               "train_time_s", "eval_time_s", "epochs_run", "selected_epoch", "steps", "stop_reason",
                               "receptive_field", "n_grams", "pct_new", "pct_unique", "pct_training",
                               "pct_heldout", "latency_ms")}
    out.update({k: json.dumps(plain(row[k])) for k in JSON_FIELDS})
    out.update(task="lm", model_config=json.dumps(row["hparams"], default=list),
               train_config=json.dumps(row["train_config"]), throughput=None, test_acc=None, dev_acc=None,
               vocab_size=data.vocab_size, n_train=len(corpus.splits["train"]), n_dev=len(corpus.splits["dev"]),
               n_test=len(corpus.splits["test"]))
    return out


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
        row=json.loads(json.dumps(plain(row))),
    )


def load_lm(path: Path) -> tuple[nn.Module, CharVocab, dict]:
    """The model (eval mode), its vocabulary and the whole checkpoint dict. Refuses checkpoints of
    another task or format version (InputError). A checkpoint written before the splits were called
    train/dev/test (its 'val') is read as dev."""
    ckpt = load_checkpoint(path, task="lm")
    if ckpt.get("kind") != LM_CHECKPOINT_KIND:
        raise InputError(f"{path}: not a `names train` checkpoint")
    splits = ckpt.get("splits")
    if isinstance(splits, dict) and "dev" not in splits and "val" in splits:
        splits["dev"] = splits.pop("val")
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
    for k in SPLITS:
        strings(splits, k, f"{where} splits")
    max_len = entry(ckpt, "max_len", int, where)
    if max_len < 1:
        raise InputError(f"{where}: checkpoint entry 'max_len' must be >= 1 (got {max_len})")
    for key in ("row", "corpus"):
        entry(ckpt, key, dict, where, optional=True)
