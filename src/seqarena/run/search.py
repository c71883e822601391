"""The search space a tuner uses for one model of a spec: the model's default space
(`models.spaces`, on its registry entry), narrowed or replaced by the spec's `[search.MODEL]` table:

```toml
[search.transformer]
replace = false                                  # default: these keys over the default space
"train.lr" = {kind = "log", low = 1e-4, high = 1e-3}
d_model = {kind = "choice", values = [64, 128]}
n_layers = false                                 # drop a key of the default space (keep the spec's value)
```
With `replace = true` the table is the whole space. Every entry is checked by `models.spaces.check_space`
when the spec is read, so an unknown hyperparameter or a value a model refuses names the file and line."""

from __future__ import annotations

from typing import Any

from seqarena.errors import FieldError, InputError
from seqarena.models import MODELS, list_models, model_hparams
from seqarena.models.sparse import SPARSE_MODELS, sparse_hparams
from seqarena.models.spaces import check_space


def default_space(name: str, task: str = "classify") -> dict[str, dict]:
    """The space a model's registry entry declares for `task` ('classify' or 'lm')."""
    if task == "classify" and name in SPARSE_MODELS:
        return dict(SPARSE_MODELS[name].search_space)
    if name in MODELS and task in MODELS[name].builders:
        return dict(MODELS[name].space(task))
    known = list(MODELS) + list(SPARSE_MODELS) if task == "classify" else list_models(task)
    raise InputError(f"unknown model '{name}' for task '{task}'; choose from {known}")


def hparams_of(name: str, task: str = "classify") -> dict[str, Any]:
    return sparse_hparams(name) if task == "classify" and name in SPARSE_MODELS else model_hparams(name, task)


def space_for(name: str, table: dict[str, Any] | None = None, replace: bool = False,
              task: str = "classify") -> dict[str, dict]:
    """The effective space: the default, then the table's entries (False drops a key), or the table
    alone with `replace`. Checked; raises FieldError naming the bad key."""
    space = {} if replace else default_space(name, task)
    for key, dist in (table or {}).items():
        if dist is False:
            if key not in space:
                raise FieldError(key, f"is not in the default space of '{name}'; nothing to drop")
            space.pop(key)
            # a conditional entry of a dropped choice goes too (nothing could switch it on)
            for k in [k for k, d in space.items() if key in d.get("only_if", {})]:
                space.pop(k)
        else:
            space[key] = dist
    check_space(name, space, hparams_of(name, task), torch_model=not (task == "classify" and name in SPARSE_MODELS))
    return space


def flatten(table: dict[str, Any]) -> dict[str, Any]:
    """TOML's `train.lr = {...}` (unquoted, a nested table) as the key 'train.lr'."""
    out: dict[str, Any] = {}
    for k, v in table.items():
        if k == "train" and isinstance(v, dict) and "kind" not in v:
            out.update({f"train.{f}": d for f, d in v.items()})
        else:
            out[k] = v
    return out


def parse_search(err: Any, raw: dict, models: tuple[str, ...],
                 task: str = "classify") -> tuple[dict[str, dict], tuple[str, ...]]:
    """The spec's [search.MODEL] tables: ({model: its entries}, models whose table says replace = true).
    `err` is the spec loader's error helper (file and line in every message)."""
    tables, replace = {}, []
    for key, value in err.table(raw, "search").items():
        if not isinstance(value, dict):
            err.fail("search", key, "must be a table [search.MODEL] of distributions")
        if key not in models:
            err.fail("search", key, f"[search.{key}] names no model of this spec; models: {list(models)}")
        value = dict(value)
        if err.typed(f"search.{key}", "replace", value.pop("replace", False), bool):
            replace.append(key)
        value = flatten(value)
        try:
            space_for(key, value, key in replace, task)
        except FieldError as e:
            err.fail(f"search.{key}", e.field, e.what)
        tables[key] = value
    return tables, tuple(replace)
