"""Where shared data files live: `--data-dir`, else env SEQARENA_DATA, else ../shared/data beside the
project root when it exists. Nothing else in the package guesses paths."""

from __future__ import annotations

import os
from pathlib import Path

from seqarena.errors import InputError

ENV_VAR = "SEQARENA_DATA"
# src/seqarena/data/paths.py -> parents[3] is the project root of a source checkout
_PROJECT_ROOT = Path(__file__).resolve().parents[3]


def resolve_data_dir(explicit: Path | str | None = None) -> Path | None:
    """The data directory in force, or None when none is set and the default does not exist.
    An explicit directory or the environment variable must exist."""
    if explicit is not None:
        path = Path(explicit)
        if not path.is_dir():
            raise InputError(f"--data-dir: '{path}' is not a directory")
        return path
    env = os.environ.get(ENV_VAR)
    if env:
        path = Path(env)
        if not path.is_dir():
            raise InputError(f"{ENV_VAR}: '{path}' is not a directory")
        return path
    default = _PROJECT_ROOT.parent / "shared" / "data"
    return default if default.is_dir() else None
