"""One trial of `seqarena tune`: a point of a search space sampled (`suggest`, define-by-run) and put
into a cell (`apply`, every cross-key rule checked on a shape-only model), the spec's own point
(`preset_point`, `own_values`), and the trial itself (`run_trial`): trained on the cell's training rows
and scored on its dev rows after every epoch, the test split removed first (`dev_splits`). Classifiers,
sparse baselines and language models (dev nats/char) alike; run/tune.py runs the studies."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from seqarena.config import ModelConfig
from seqarena.errors import InputError
from seqarena.models.spaces import TRAIN, coerce, field_of
from seqarena.run.cells import Cell, build_model, dataset, is_sparse
from seqarena.run.protocol import Splits, resolve_splits
from seqarena.run.search import hparams_of


def _encode(v: Any) -> Any:
    """Optuna's categorical choices are scalars: a list value (kernel widths) travels as JSON text."""
    return json.dumps(v) if isinstance(v, (list, tuple)) else v


def _decode(dist: dict, v: Any) -> Any:
    if isinstance(v, str) and any(isinstance(x, list) for x in dist.get("values", [])):
        return json.loads(v)
    return v


def _order(space: dict[str, dict]) -> list[str]:
    """Unconditional keys first, so a condition's key is sampled before what depends on it."""
    return sorted(space, key=lambda k: bool(space[k].get("only_if")))


def active(space: dict[str, dict], key: str, values: dict[str, Any]) -> bool:
    return all(values.get(k) in allowed for k, allowed in space[key].get("only_if", {}).items())


def suggest(trial, space: dict[str, dict]) -> dict[str, Any]:
    """Sample one point of `space` (define-by-run: a conditional key only when its condition holds)."""
    values: dict[str, Any] = {}
    for key in _order(space):
        if not active(space, key, values):
            continue
        d = space[key]
        if d["kind"] == "choice":
            values[key] = _decode(d, trial.suggest_categorical(key, [_encode(v) for v in d["values"]]))
        elif d["kind"] == "int":
            values[key] = trial.suggest_int(key, d["low"], d["high"], log=bool(d.get("log")))
        else:
            values[key] = trial.suggest_float(key, float(d["low"]), float(d["high"]), log=d["kind"] == "log")
    return values


def apply(base: Cell, values: dict[str, Any], vocab: int | None = None) -> Cell:
    """The base cell with a point of the space put in: hyperparameters into its model, `train.*` into
    its training config. Raises InputError when the combination is invalid (n_heads not dividing d_model;
    an n-gram order whose table a `vocab`-symbol alphabet makes too large: a language model's point needs
    its corpus's `vocab`; a classifier's is checked against 100 words when none is given)."""
    if vocab is None:
        if base.task == "lm":
            raise ValueError("apply: a language model's point is checked against its corpus's vocabulary; pass vocab")
        vocab = 100
    hp = hparams_of(base.model.name, base.task)
    over, train = base.model.kwargs(), {}
    for key, v in values.items():
        name, v = field_of(key), coerce(key, v, hp)
        if name.startswith(TRAIN):
            train[name[len(TRAIN):]] = v
        else:
            over[name] = v
    if not is_sparse(base.model.name):
        from seqarena.config import with_overrides
        from seqarena.models import meta_model

        # every rule across keys, no memory
        meta_model(base.model.name, base.task, vocab, 2 if base.task == "classify" else None, **over)
        return replace(base, model=ModelConfig.of(base.model.name, **over), train=with_overrides(base.train, train))
    from seqarena.models.sparse import create_sparse_model

    create_sparse_model(base.model.name, **over)
    return replace(base, model=ModelConfig.of(base.model.name, **over))


def preset_point(base: Cell, space: dict[str, dict]) -> dict[str, Any] | None:
    """The base cell's own values of the space's keys (Optuna parameter names -> encoded values), or
    None when the space cannot express them (a value outside its range or choices)."""
    own = own_values(base, space)
    for key, v in own.items():
        d = space[key]
        if d["kind"] == "choice":
            if v not in d["values"]:
                return None
        elif not (isinstance(v, (int, float)) and not isinstance(v, bool) and d["low"] <= v <= d["high"]):
            return None
    return {k: _encode(v) for k, v in own.items()}


def own_values(base: Cell, space: dict[str, dict]) -> dict[str, Any]:
    """The base cell's value of every key of the space that its own values switch on (whether or not
    the space can produce that value): what the report shows as 'preset' beside the best trial."""
    hp = {**hparams_of(base.model.name, base.task), **base.model.kwargs()}
    own: dict[str, Any] = {}
    for key in _order(space):
        if active(space, key, own):
            name = field_of(key)
            v = getattr(base.train, name[len(TRAIN):]) if name.startswith(TRAIN) else hp[name]
            own[key] = list(v) if isinstance(v, tuple) else v
    return own


def dev_splits(cell: Cell, data_dir: str | None) -> tuple[Any, Splits]:
    """The cell's data and its train and dev rows, with the test rows removed (a trial cannot score them).
    A name corpus (task 'lm'): its train and dev names; its test names are never read."""
    data = dataset(cell.data_ref, data_dir)
    if cell.task == "lm":
        if data.dev is None or len(data.dev) == 0:
            raise InputError(f"tune on '{cell.dataset}': the corpus has no dev names to score trials on")
        return data, Splits(data.train, data.dev, None, {})
    splits = resolve_splits(data, cell.protocol, cell.fold, cell.seed)
    if splits.dev is None or len(splits.dev) == 0:
        raise InputError(f"tune on '{cell.dataset}': no dev split to score trials on; give the dataset a dev "
                         "file or set [protocol] dev_fraction > 0 (e.g. --preset kim carves 10 %)")
    return data, Splits(splits.train, splits.dev, None, {k: v for k, v in splits.texts.items() if k != "test"})


def run_trial(cell: Cell, metric: str, device: str = "cpu", data_dir: str | None = None,
              report: Callable[[float, int], None] | None = None,
              keep: Callable[[Any], None] | None = None) -> float:
    """Train one configuration on its training rows and return its dev score (`metric`: 'acc' or
    'macro_f1' for classifiers; 'nll', nats/char, for language models) at the epoch fit selects.
    `report(score, epoch)` hears every epoch's dev score and may raise to stop the trial (pruning).
    `keep(rows)` receives the per-row dev outcomes of the scored weights (predicted labels; for a
    language model each name's summed nats), what run/select.py tests. The test split is never passed on."""
    import torch

    from seqarena.runtime import resolve_device
    from seqarena.train import fit
    from seqarena.train.task import CLASSIFY, LM

    data, splits = dev_splits(cell, data_dir)
    if is_sparse(cell.model.name):
        return _sparse_dev(cell, splits, metric, keep)
    key = f"dev_{metric}"
    model = build_model(cell, data)

    def on_epoch(row: dict) -> None:
        if report is not None:
            report(float(row[key]), int(row["epoch"]))

    torch_dev = resolve_device(device)
    res = fit(model, splits.train, test=None, dev=splits.dev, cfg=cell.train, device=torch_dev,
              seed=cell.seed, on_epoch=on_epoch, task=LM if cell.task == "lm" else CLASSIFY)
    value = float(res.history[res.selected_epoch - 1][key])
    if keep is not None:  # the model holds the selected epoch's weights
        from seqarena.train.task import nll_per_row, predict_logits

        dev, bs = splits.dev.to(torch_dev), cell.train.eval_batch_size  # where and how fit scored it
        keep(nll_per_row(model, dev, bs) if cell.task == "lm" else predict_logits(model, dev, bs).argmax(-1).cpu())
    del model
    torch.set_grad_enabled(True)
    return value


def _sparse_dev(cell: Cell, splits: Splits, metric: str, keep: Callable[[Any], None] | None = None) -> float:
    import numpy as np
    import torch

    from seqarena.models.sparse import create_sparse_model
    from seqarena.models.sparse import ids_to_texts
    from seqarena.train.metrics import accuracy, macro_f1

    def texts(name: str) -> list[str]:
        split, t = getattr(splits, name), splits.texts.get(name) or []
        return t if len(t) == len(split) else ids_to_texts(split.tokens, split.lengths)

    clf = create_sparse_model(cell.model.name, seed=cell.seed, **cell.model.kwargs())
    clf.fit(texts("train"), splits.train.labels.numpy())
    pred = torch.from_numpy(np.asarray(clf.predict(texts("dev"))))
    gold = splits.dev.labels
    if keep is not None:
        keep(pred)
    n_classes = int(max(int(gold.max()), int(splits.train.labels.max()))) + 1
    return accuracy(pred, gold) if metric == "acc" else macro_f1(pred, gold, n_classes)
