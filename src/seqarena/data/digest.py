"""The sha256 of a file's contents: the identity of a user's file in a results store (its path is not:
an edited file under the same path is another dataset)."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from seqarena.errors import InputError


def file_digest(f: Path | str) -> str:
    """sha256 hex of the file's contents (cached per path, mtime and size in this process)."""
    f = Path(f)
    try:
        st = f.stat()
    except OSError as e:
        raise InputError(f"{f}: cannot read it ({e.strerror or e})") from None
    return _digest(str(f), st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=256)
def _digest(path: str, mtime_ns: int, size: int) -> str:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            while chunk := f.read(1 << 20):
                h.update(chunk)
    except OSError as e:
        raise InputError(f"{path}: cannot read it ({e.strerror or e})") from None
    return h.hexdigest()
