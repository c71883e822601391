"""Self-describing checkpoints: weights + model config + vocabulary + labels + seqarena version.

Saved with plain containers only, so they load with `torch.load(..., weights_only=True)`; a file
that carries pickled objects is refused, never executed."""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

import torch
from torch import nn

from seqarena.errors import InputError

FORMAT_VERSION = 1


def save_checkpoint(path: Path | str, model: nn.Module, **extra: Any) -> None:
    """Write atomically (temp file + rename), so an interrupted save never corrupts an existing file.
    `extra` must hold plain data (str, int, float, bool, None, lists, dicts, tensors)."""
    from seqarena import __version__

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": "seqarena-checkpoint",
        "format_version": FORMAT_VERSION,
        "seqarena_version": __version__,
        "model_config": model.config,
        "state_dict": model.state_dict(),
        **extra,
    }
    tmp = path.with_name(path.name + ".tmp")
    torch.save(payload, tmp)
    os.replace(tmp, path)


def load_checkpoint(path: Path | str, task: str | None = None) -> dict:
    """Load and check a checkpoint; with `task`, refuse one made for another task."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such checkpoint file")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        if "Unsupported global" not in str(e):  # a torch.load failure that is not a refused object
            raise InputError(f"{path}: not a readable checkpoint (not a torch file)")
        raise InputError(f"{path}: refused: the file carries pickled Python objects, not plain data; "
                         "it was not loaded (seqarena loads checkpoints with weights_only=True)")
    except Exception as e:  # truncated or not a torch file at all
        raise InputError(f"{path}: not a readable checkpoint ({type(e).__name__})")
    if not isinstance(ckpt, dict) or ckpt.get("format") != "seqarena-checkpoint":
        raise InputError(f"{path}: not a seqarena checkpoint")
    if ckpt.get("format_version") != FORMAT_VERSION:
        raise InputError(f"{path}: checkpoint format version {ckpt.get('format_version')} is not supported "
                         f"(this seqarena reads version {FORMAT_VERSION})")
    if task is not None and ckpt["model_config"].get("task") != task:
        raise InputError(f"{path}: checkpoint is for task '{ckpt['model_config'].get('task')}', not '{task}'")
    return ckpt


def model_from_checkpoint(ckpt: dict) -> nn.Module:
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
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        torch.save(payload, tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


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
