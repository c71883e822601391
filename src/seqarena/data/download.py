"""Fetch a named dataset's files from their public URLs into a cache directory, checking sha256.

A file is streamed to a unique temp file beside its destination (`fsutil.atomic_path`) and renamed
only once its sha256 matches; on any failure the partial file is removed, so the cache never holds a
bad copy."""

from __future__ import annotations

import hashlib
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable

from seqarena.data.registry import DATASETS
from seqarena.data.sources import REMOTE_FILES, RemoteFile, default_cache_dir
from seqarena.errors import InputError
from seqarena.fsutil import atomic_path

CHUNK = 1 << 16
# on_progress(file, bytes_done, bytes_total): called as bytes arrive (the CLI draws a bar)
Progress = Callable[[RemoteFile, int, int], None]


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def dataset_files(name: str) -> list[RemoteFile]:
    """The remote files of a named dataset; built-in datasets have none."""
    if name not in DATASETS:
        raise InputError(f"unknown dataset '{name}'; choose from {sorted(DATASETS)}")
    return [REMOTE_FILES[f] for f in DATASETS[name].files]


def download_dataset(name: str, cache_dir: Path | str | None = None, url_base: str | None = None,
                     on_progress: Progress | None = None, timeout_s: float = 30.0) -> list[tuple[Path, bool]]:
    """Download `name`'s files into `cache_dir` (default: data.sources.default_cache_dir()).
    Returns (path, fetched) per file; a file already present with the right sha256 is not fetched."""
    root = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    out = []
    for f in dataset_files(name):
        dest = root / f.path
        if dest.is_file() and dest.stat().st_size == f.size and sha256_of(dest) == f.sha256:
            out.append((dest, False))
            continue
        fetch(f, dest, f.url(url_base), on_progress, timeout_s)
        out.append((dest, True))
    return out


def fetch(f: RemoteFile, dest: Path, url: str, on_progress: Progress | None, timeout_s: float) -> None:
    h = hashlib.sha256()
    done = 0
    try:
        # streamed to a unique temp file beside `dest`, renamed only once verified, removed on failure
        with atomic_path(dest) as part:
            with urllib.request.urlopen(url, timeout=timeout_s) as resp, open(part, "wb") as out:
                total = int(resp.headers.get("Content-Length") or f.size)
                while chunk := resp.read(CHUNK):
                    out.write(chunk)
                    h.update(chunk)
                    done += len(chunk)
                    if on_progress is not None:
                        on_progress(f, done, total)
            if h.hexdigest() != f.sha256:
                raise InputError(f"{url}: sha256 mismatch (expected {f.sha256[:16]}..., got {h.hexdigest()[:16]}...,"
                                 f" {done} bytes); file discarded, nothing written to {dest}")
    except urllib.error.HTTPError as e:
        raise InputError(f"{url}: HTTP {e.code} {e.reason}") from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as e:
        reason = getattr(e, "reason", e)
        raise InputError(f"{url}: could not download ({reason})") from None
