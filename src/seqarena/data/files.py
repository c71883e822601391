"""A dataset made of the user's files: `FileSource` says what to read and how, and carries a digest of
the files' contents and the reader settings, which is its identity in the results store (the same
name over edited contents is refused there, so old rows are never mixed with new ones)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Sequence

from seqarena.data.corpora import load_files
from seqarena.data.dataset import Dataset
from seqarena.data.digest import file_digest
from seqarena.data.registry import DATASETS
from seqarena.data.text import FORMATS, class_files, infer_format
from seqarena.data.tokenize import TOKENIZERS
from seqarena.errors import InputError

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}$")
SPLITS = ("train", "dev", "test")


@dataclass(frozen=True)
class FileSource:
    """Files per split (absolute paths; for `per-class` a directory or one file per class) and how to
    read them. Hashable, so workers cache the dataset it loads; `digest` covers contents + settings."""

    name: str
    train: tuple[str, ...]
    dev: tuple[str, ...] = ()
    test: tuple[str, ...] = ()
    fmt: str = "csv"
    text_column: str = "text"
    label_column: str = "label"
    tokenizer: str = "kim"
    min_freq: int = 1
    max_vocab: int | None = None
    digest: str = ""

    def settings(self) -> dict:
        """The reader settings (what, besides the contents, decides the rows)."""
        return {"format": self.fmt, "text_column": self.text_column, "label_column": self.label_column,
                "tokenizer": self.tokenizer, "min_freq": self.min_freq, "max_vocab": self.max_vocab}

    def to_dict(self) -> dict:
        return asdict(self)

    def load(self) -> Dataset:
        ds = load_files(self.train, self.dev or None, self.test or None, self.fmt, self.text_column,
                        self.label_column, self.tokenizer, self.min_freq, self.max_vocab, name=self.name)
        ds.meta["digest"] = self.digest
        return ds


def check_name(name: str, flag: str = "--name") -> str:
    if not NAME_RE.match(name):
        raise InputError(f"{flag}: '{name}' is not a usable dataset name (letters, digits, . _ + -; at most 64, "
                         "starting with a letter or digit)")
    if name in DATASETS:
        raise InputError(f"{flag}: '{name}' is a built-in dataset; give the file dataset another name (--name)")
    return name


GENERIC_STEMS = {"train", "training", "data", "dataset", "all", "full"}


def _default_name(first: Path) -> str:
    """The first training file's stem; for a generic one (train.csv) its directory's name."""
    stem = first.stem if first.is_file() else first.name
    if stem.lower() in GENERIC_STEMS and first.parent.name:
        stem = first.parent.name
    name = re.sub(r"[^A-Za-z0-9_.+-]+", "-", stem).strip("-.") or "data"
    return f"{name}-file" if name in DATASETS else name[:64]


def file_source(
    train: Sequence[Path | str],
    dev: Sequence[Path | str] | None = None,
    test: Sequence[Path | str] | None = None,
    fmt: str | None = None,
    text_column: str = "text",
    label_column: str = "label",
    tokenizer: str = "kim",
    min_freq: int = 1,
    max_vocab: int | None = None,
    name: str | None = None,
    base: Path | None = None,
    where: str = "",
) -> FileSource:
    """Check the files and settings, infer the format from the extensions when `fmt` is None, digest
    the contents. Relative paths are taken from `base` (a spec's directory) when given. `where`
    prefixes error messages (e.g. a spec's file:line)."""
    pre = f"{where}: " if where else ""
    paths = {s: tuple(_resolve(p, base, pre) for p in (ps or ())) for s, ps in zip(SPLITS, (train, dev, test))}
    if not paths["train"]:
        raise InputError(f"{pre}no training files (--train FILE)")
    every = [p for ps in paths.values() for p in ps]
    if fmt is None:
        fmt = infer_format(every)
    elif fmt not in FORMATS:
        raise InputError(f"{pre}--format: unknown format '{fmt}'; choose from {FORMATS}")
    if tokenizer not in TOKENIZERS:
        raise InputError(f"{pre}--tokenizer: unknown tokenizer '{tokenizer}'; choose from {list(TOKENIZERS)}")
    if not isinstance(min_freq, int) or min_freq < 1:
        raise InputError(f"{pre}--min-freq must be an integer >= 1 (got {min_freq!r})")
    if max_vocab is not None and (not isinstance(max_vocab, int) or max_vocab < 3):
        raise InputError(f"{pre}--max-vocab must be an integer >= 3: pad, unk and one token (got {max_vocab!r})")
    for col, flag in ((text_column, "--text-column"), (label_column, "--label-column")):
        if not col:
            raise InputError(f"{pre}{flag}: empty column name")
    if fmt != "per-class":
        for p in every:
            if p.is_dir():
                raise InputError(f"{pre}{p}: is a directory; a directory of one file per class needs --format per-class")
    name = check_name(name) if name is not None else _default_name(paths["train"][0])
    src = FileSource(name, *(tuple(str(p) for p in paths[s]) for s in SPLITS), fmt=fmt, text_column=text_column,
                     label_column=label_column, tokenizer=tokenizer, min_freq=min_freq, max_vocab=max_vocab)
    return FileSource(**{**asdict(src), "digest": digest(src)})


def _resolve(p: Path | str, base: Path | None, pre: str) -> Path:
    p = Path(p).expanduser()
    if not p.is_absolute() and base is not None:
        p = base / p
    if not p.exists():
        raise InputError(f"{pre}{p}: no such file or directory")
    return p.resolve()


def digest(src: FileSource) -> str:
    """sha256 over each split's file contents (per-class: with each file's class name) and the reader
    settings; the paths themselves do not count, so moving the files keeps the identity."""
    h = hashlib.sha256(json.dumps(src.settings(), sort_keys=True).encode())
    for s in SPLITS:
        files = [Path(p) for p in getattr(src, s)]
        h.update(f"|{s}|".encode())
        if src.fmt == "per-class" and files:
            for label, f in class_files(files).items():
                h.update(f"{label}:{file_digest(f)};".encode())
        else:
            for f in files:
                h.update(f"{file_digest(f)};".encode())
    return h.hexdigest()[:16]
