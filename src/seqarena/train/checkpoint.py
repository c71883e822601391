"""Self-describing checkpoints: weights + model config + vocabulary + labels + seqarena version.

Saved with plain containers only, so they load with `torch.load(..., weights_only=True)`; a file
that carries pickled objects is refused, never executed. A loaded checkpoint is checked against its
schema before any model is built: every entry present with its type, the hyperparameters by the
builders' rules, every tensor's shape against the model its config describes, the vocabulary and
labels against the config's sizes. Anything else is one InputError naming the file and the entry."""

from __future__ import annotations

import pickle
import re
import warnings
from pathlib import Path
from typing import Any

import torch
from torch import nn

from seqarena.errors import InputError
from seqarena.fsutil import atomic_path

FORMAT_VERSION = 1
SAFE_GLOBALS = ("torch.", "collections.OrderedDict")


def save_checkpoint(path: Path | str, model: nn.Module, **extra: Any) -> None:
    """Write atomically (unique temp file + rename), so an interrupted save never corrupts an existing
    file. `extra` must hold plain data (str, int, float, bool, None, lists, dicts, tensors)."""
    from seqarena import __version__

    payload = {
        "format": "seqarena-checkpoint",
        "format_version": FORMAT_VERSION,
        "seqarena_version": __version__,
        "model_config": model.config,
        "state_dict": model.state_dict(),
        **extra,
    }
    with atomic_path(path) as tmp:
        torch.save(payload, tmp)


def load_checkpoint(path: Path | str, task: str | None = None) -> dict:
    """Load and check a checkpoint; with `task`, refuse one made for another task."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: is a directory, not a checkpoint file" if path.is_dir()
                         else f"{path}: no such checkpoint file")
    try:
        with warnings.catch_warnings():  # torch warns about pickle protocols on files it then refuses
            warnings.simplefilter("ignore", UserWarning)
            ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        found = re.search(r"GLOBAL (\S+)", str(e))
        code = found.group(1) if found else pickled_code(path)
        if code is None:  # a torch.load failure that is not a refused object
            raise InputError(f"{path}: not a readable checkpoint (not a torch file)") from None
        raise InputError(f"{path}: refused: the file carries pickled Python code (it calls or builds '{code}'), "
                         "not plain data; nothing in it was run (seqarena loads checkpoints with "
                         "weights_only=True)") from None
    except Exception as e:  # noqa: BLE001 - truncated, or not a torch file at all
        raise InputError(f"{path}: not a readable checkpoint ({type(e).__name__})") from None
    if not isinstance(ckpt, dict) or ckpt.get("format") != "seqarena-checkpoint":
        raise InputError(f"{path}: not a seqarena checkpoint")
    if ckpt.get("format_version") != FORMAT_VERSION:
        raise InputError(f"{path}: checkpoint format version {ckpt.get('format_version')!r} is not supported "
                         f"(this seqarena reads version {FORMAT_VERSION})")
    cfg = ckpt.get("model_config")
    if task is not None and isinstance(cfg, dict) and cfg.get("task") != task:
        raise InputError(f"{path}: checkpoint is for task '{cfg.get('task')}', not '{task}'")
    check_schema(ckpt, str(path))
    return ckpt


def pickled_code(path: Path) -> str | None:
    """The first global a pickle in `path` (a torch zip's data.pkl, or a bare pickle) would import,
    found by reading its opcodes with pickletools (nothing is executed); None if it names none or is
    not a pickle at all."""
    import pickletools
    import zipfile

    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as z:
                name = next((n for n in z.namelist() if n.endswith("data.pkl")), None)
                data = z.read(name) if name else b""
        else:
            data = path.read_bytes()
        strings: list[str] = []
        for op, arg, _ in pickletools.genops(data):
            found = None
            if op.name == "GLOBAL":
                found = str(arg).replace(" ", ".")
            elif op.name == "STACK_GLOBAL" and len(strings) >= 2:
                found = f"{strings[-2]}.{strings[-1]}"
            elif isinstance(arg, str):
                strings.append(arg)
            if found and not found.startswith(SAFE_GLOBALS):  # what torch.save itself writes
                return found
    except Exception:  # noqa: BLE001 - not a pickle (or a damaged one): no code to name
        return None
    return None


def entry(ckpt: dict, key: str, kind: type | tuple[type, ...], where: str, optional: bool = False) -> Any:
    """ckpt[key], which must be present (unless optional, when None is allowed) and of type `kind`."""
    if key not in ckpt or ckpt[key] is None:
        if optional:
            return None
        raise InputError(f"{where}: checkpoint entry '{key}' is missing")
    value = ckpt[key]
    if not isinstance(value, kind) or isinstance(value, bool) and kind in (int, (int,)):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise InputError(f"{where}: checkpoint entry '{key}' must be {names} (got {type(value).__name__})")
    return value


def strings(ckpt: dict, key: str, where: str, optional: bool = False) -> list[str] | None:
    """ckpt[key] as a list of strings (a list or a tuple in the file)."""
    value = entry(ckpt, key, (list, tuple), where, optional)
    if value is not None and not all(isinstance(v, str) for v in value):
        raise InputError(f"{where}: checkpoint entry '{key}' must be a list of strings")
    return None if value is None else list(value)


def check_schema(ckpt: dict, where: str) -> None:
    """The model config against the registry and the builders' rules, the weights against the shapes
    that config gives, and a classifier's labels, vocabulary and tokenizer against its sizes."""
    from seqarena.data.tokenize import TOKENIZERS
    from seqarena.data.vocab import Vocab
    from seqarena.models import meta_model

    entry(ckpt, "seqarena_version", str, where)
    cfg = entry(ckpt, "model_config", dict, where)
    name, task = entry(cfg, "name", str, where + " model_config"), entry(cfg, "task", str, where + " model_config")
    vocab_size = entry(cfg, "vocab_size", int, where + " model_config")
    num_classes = entry(cfg, "num_classes", int, where + " model_config", optional=task != "classify")
    hparams = entry(cfg, "hparams", dict, where + " model_config")
    if cfg.get("kind") == "sparse":  # a fitted baseline: arrays + plain data, rebuilt by sparse_from_state
        _check_sparse(ckpt, cfg, name, where)
        return
    try:
        model = meta_model(name, task, vocab_size, num_classes, **hparams)
    except InputError as e:
        raise InputError(f"{where}: model_config does not describe a model seqarena can build: {e}") from None
    state = entry(ckpt, "state_dict", dict, where)
    expected = {k: tuple(t.shape) for k, t in model.state_dict().items()}
    missing, extra = sorted(set(expected) - set(state)), sorted(set(state) - set(expected))
    if missing or extra:
        raise InputError(f"{where}: state_dict does not match model '{name}' "
                         f"(missing {missing[:3]}{'...' if len(missing) > 3 else ''}, "
                         f"unexpected {extra[:3]}{'...' if len(extra) > 3 else ''})")
    for k, shape in expected.items():
        t = state[k]
        if not isinstance(t, torch.Tensor):
            raise InputError(f"{where}: state_dict entry '{k}' is not a tensor")
        if tuple(t.shape) != shape:
            raise InputError(f"{where}: state_dict entry '{k}' has shape {tuple(t.shape)}, but the model "
                             f"config gives {shape}")
    if task != "classify":
        return
    labels = strings(ckpt, "label_names", where)
    if not labels or len(labels) != num_classes or len(set(labels)) != len(labels):
        raise InputError(f"{where}: checkpoint entry 'label_names' must list {num_classes} distinct class "
                         f"names (got {labels!r})")
    vocab = strings(ckpt, "vocab", where, optional=True)
    if vocab is not None:
        if len(vocab) != vocab_size:
            raise InputError(f"{where}: checkpoint entry 'vocab' has {len(vocab)} tokens, but the model "
                             f"config says {vocab_size}")
        try:
            Vocab.from_list(vocab)
        except InputError as e:
            raise InputError(f"{where}: checkpoint entry 'vocab': {e}") from None
    tokenizer = entry(ckpt, "tokenizer", str, where, optional=True)
    if tokenizer is not None and tokenizer not in TOKENIZERS:
        raise InputError(f"{where}: checkpoint entry 'tokenizer' is '{tokenizer}'; seqarena knows "
                         f"{list(TOKENIZERS)}")
    for key, kind in (("dataset", str), ("seed", int), ("train_config", dict)):
        entry(ckpt, key, kind, where, optional=True)


def model_from_checkpoint(ckpt: dict) -> nn.Module:
    """The model a checked checkpoint describes (`load_checkpoint` ran `check_schema`), in eval mode."""
    from seqarena.models import create_model

    cfg = ckpt["model_config"]
    model = create_model(cfg["name"], cfg["task"], cfg["vocab_size"], cfg["num_classes"], **cfg["hparams"])
    model.load_state_dict(ckpt["state_dict"])
    return model.eval()


# --- sparse baselines (models.sparse): arrays as tensors and plain data, the same loader ---------------

def save_sparse_checkpoint(path: Path | str, config: dict, arrays: dict[str, Any], state: dict, **extra: Any) -> None:
    """A sparse baseline's checkpoint: `config` as a model's (name, task, vocab_size, num_classes,
    hparams) plus kind 'sparse'; `arrays` (numpy) stored as tensors in `state_dict`; `state` the plain
    data of `models.sparse.sparse_state`. Loads with `load_checkpoint` (weights_only) like a torch one."""
    import numpy as np

    from seqarena import __version__

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": "seqarena-checkpoint",
        "format_version": FORMAT_VERSION,
        "seqarena_version": __version__,
        "model_config": {**config, "kind": "sparse"},
        "state_dict": {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in arrays.items()},
        "sparse_state": state,
        **extra,
    }
    with atomic_path(path) as tmp:
        torch.save(payload, tmp)


def _check_sparse(ckpt: dict, cfg: dict, name: str, where: str) -> None:
    """A sparse baseline's entries: a known baseline, tensors in state_dict, its plain-data state and
    distinct label names; the arrays' consistency is checked by sparse_from_state."""
    from seqarena.models.sparse import SPARSE_MODELS

    if name not in SPARSE_MODELS:
        raise InputError(f"{where}: model_config names '{name}', not a sparse baseline ({list(SPARSE_MODELS)})")
    state = entry(ckpt, "state_dict", dict, where)
    for k, t in state.items():
        if not isinstance(t, torch.Tensor):
            raise InputError(f"{where}: state_dict entry '{k}' is not a tensor")
    entry(ckpt, "sparse_state", dict, where)
    if cfg.get("task", "classify") == "classify":
        labels = strings(ckpt, "label_names", where)
        if not labels or len(set(labels)) != len(labels):
            raise InputError(f"{where}: checkpoint entry 'label_names' must list distinct class names (got {labels!r})")


def is_sparse_checkpoint(ckpt: dict) -> bool:
    return ckpt.get("model_config", {}).get("kind") == "sparse"


def sparse_from_checkpoint(ckpt: dict):
    """The fitted sparse baseline of a loaded checkpoint (models.sparse.sparse_from_state)."""
    from seqarena.models.sparse import sparse_from_state

    arrays = {k: v.numpy() for k, v in ckpt["state_dict"].items()}
    try:
        return sparse_from_state(arrays, ckpt["sparse_state"])
    except (KeyError, TypeError, ValueError) as e:
        if isinstance(e, InputError):
            raise
        raise InputError(f"sparse checkpoint: incomplete or inconsistent state ({type(e).__name__}: {e})") from None
