"""Files written safely: write-then-rename with a unique temp name, and output paths checked before work.

Every writer that replaces a file goes through `atomic_path` (or `atomic_write`): the new content is
written to a temp file with a unique name in the target's own directory (same file system, so the
rename is atomic), renamed over the target only when complete, and removed on any failure. Two
processes writing the same target never share a temp file, and a failed write leaves no stray file
beside an intact old one. A `kill -9` mid-write can leave a hidden `.NAME.*.tmp` (never a truncated
target); the next write of the same target removes such leftovers once they are an hour old."""

from __future__ import annotations

import glob
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from seqarena.errors import InputError


@contextmanager
def atomic_path(target: Path | str) -> Iterator[Path]:
    """Yield a fresh temp path beside `target`; on a clean exit rename it over `target`, else delete it."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    _sweep(target)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)  # after a successful replace there is nothing left to remove


STALE_S = 3600.0  # a temp file nobody has written to for this long belongs to a killed writer


def _sweep(target: Path) -> None:
    """Remove temp files of `target` left by killed writers (untouched for STALE_S seconds)."""
    now = time.time()
    for p in target.parent.glob(f".{glob.escape(target.name)}.*.tmp"):
        try:
            if now - p.stat().st_mtime > STALE_S:
                p.unlink()
        except OSError:  # gone already (another writer swept it), or not ours to remove
            pass


def atomic_write(target: Path | str, data: str | bytes) -> Path:
    """Replace `target` with `data` (str: UTF-8) atomically; returns the target's path."""
    target = Path(target)
    with atomic_path(target) as tmp:
        if isinstance(data, str):
            tmp.write_text(data, encoding="utf-8")
        else:
            tmp.write_bytes(data)
    return target


def check_output_file(path: Path | str, flag: str) -> Path:
    """Refuse, before any work, a file path that cannot be written: one that is a directory, one under
    an existing file, or one whose nearest existing directory is not writable."""
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{flag} {path}: is a directory; give a file name")
    if path.exists() and not os.access(path, os.W_OK):
        raise InputError(f"{flag} {path}: the file exists and is not writable")
    _check_parents(path.parent, path, flag)
    return path


def check_output_dir(path: Path | str, flag: str) -> Path:
    """Refuse, before any work, a directory path that cannot be used: an existing file, one under an
    existing file, or one that is (or whose nearest existing parent is) not writable."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise InputError(f"{flag} {path}: exists and is not a directory")
    _check_parents(path, path, flag)
    return path


def _check_parents(directory: Path, path: Path, flag: str) -> None:
    """The nearest existing ancestor of `directory` (itself included) must be a writable directory."""
    d = directory if str(directory) else Path(".")
    while not d.exists():
        if d.is_symlink():  # a dangling link: mkdir would fail on it
            raise InputError(f"{flag} {path}: {d} is a broken symbolic link")
        if d.parent == d:
            break
        d = d.parent
    if d.exists() and not d.is_dir():
        raise InputError(f"{flag} {path}: {d} is a file, not a directory")
    if d.exists() and not os.access(d, os.W_OK | os.X_OK):
        raise InputError(f"{flag} {path}: directory {d} is not writable")
