"""Text datasets: labelled examples -> tokenised, encoded `Dataset` (vocabulary from train only).

The named corpora (mr, sst2, subj) and any user files (`load_files`) go through `build_dataset`;
results are cached in-process so repeated cells do not re-read or re-tokenise files."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import torch

from seqarena.data.batching import Split, pad_sequences
from seqarena.data.sources import locate
from seqarena.data.text import Example, class_files, read_examples
from seqarena.data.tokenize import get_tokenizer
from seqarena.data.vocab import Vocab
from seqarena.errors import InputError

if TYPE_CHECKING:  # seqarena.data imports this module while it is being initialised
    from seqarena.data import Dataset

SPLITS = ("train", "dev", "test")


@dataclass(frozen=True)
class TextConfig:
    """How texts become ids: a tokenizer from data.tokenize.TOKENIZERS and the vocabulary's limits."""

    tokenizer: str = "kim"
    min_freq: int = 1  # tokens seen fewer times in train map to <unk>
    max_size: int | None = None  # at most this many ids, pad and unk included


@dataclass(frozen=True)
class Corpus:
    """A named dataset made of files under the data directory, one file list per split."""

    splits: tuple[tuple[str, tuple[str, ...]], ...]  # (split, files relative to the data directory)
    fmt: str  # a format of data.text
    protocol: str  # "cv": everything in train, k-fold over it; "given": the splits as they come
    encoding: str | None = None  # known encoding (no fallback warning); None: UTF-8, else cp1252
    label_names: tuple[tuple[str, str], ...] = ()  # raw label -> readable name

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(f for _, fs in self.splits for f in fs)


CORPORA: dict[str, Corpus] = {
    # Pang & Lee (2005): cp1252 bytes, one file per class, no split given (Kim: 10-fold CV)
    "mr": Corpus((("train", ("classification/mr/rt-polarity.pos", "classification/mr/rt-polarity.neg")),),
                 "per-class", "cv", encoding="cp1252"),
    # Socher et al. (2013) sentences, binary, `label text` lines, fixed train/dev/test split
    "sst2": Corpus(tuple((s, (f"classification/sst2/stsa.binary.{s}",)) for s in SPLITS),
                   "label-text", "given", label_names=(("0", "negative"), ("1", "positive"))),
    # Pang & Lee (2004): subjective file is cp1252, objective is ASCII; Kim: 10-fold CV
    "subj": Corpus((("train", ("classification/subj/subj.subjective", "classification/subj/subj.objective")),),
                   "per-class", "cv", encoding="cp1252"),
}


def load_corpus(name: str, data_dir: Path | str | None = None, text: TextConfig = TextConfig()) -> "Dataset":
    """A named corpus from the data directory (see data.sources.candidate_dirs)."""
    corpus = CORPORA[name]
    root = locate(name, corpus.files, data_dir)
    return _load_corpus(name, str(root), text)


@lru_cache(maxsize=8)
def _load_corpus(name: str, root: str, text: TextConfig) -> "Dataset":
    corpus = CORPORA[name]
    splits = {s: read_examples([Path(root) / f for f in fs], corpus.fmt, encoding=corpus.encoding)
              for s, fs in corpus.splits}
    names = dict(corpus.label_names)
    for s, exs in splits.items():
        splits[s] = [Example(e.text, names.get(e.label, e.label), e.where) for e in exs]
    ds = build_dataset(name, splits, text, corpus.protocol)
    ds.meta["data_dir"] = root
    return ds


def load_files(
    train: Path | str | Sequence[Path | str],
    dev: Path | str | Sequence[Path | str] | None = None,
    test: Path | str | Sequence[Path | str] | None = None,
    fmt: str = "csv",
    text_column: str = "text",
    label_column: str = "label",
    tokenizer: str = "kim",
    min_freq: int = 1,
    max_size: int | None = None,
) -> "Dataset":
    """A dataset from user files (each argument: one file, several files, or for `per-class` a directory).
    Protocol "given" when a test file is given, else "cv" (k-fold over train)."""
    text = TextConfig(tokenizer, min_freq, max_size)
    get_tokenizer(tokenizer)  # fail on a bad name before reading anything
    args = tuple(None if p is None else _paths(p) for p in (train, dev, test))
    key = tuple(None if ps is None else _fingerprint(ps, fmt) for ps in args)
    return _load_files(args, key, fmt, text_column, label_column, text)


@lru_cache(maxsize=8)
def _load_files(args: tuple, key: tuple, fmt: str, text_column: str, label_column: str,
                text: TextConfig) -> "Dataset":
    splits = {s: read_examples(ps, fmt, text_column, label_column) for s, ps in zip(SPLITS, args) if ps}
    name = "files:" + (args[0][0].stem or args[0][0].name)
    ds = build_dataset(name, splits, text, "given" if args[2] else "cv")
    ds.meta["files"] = {s: [str(p) for p in ps] for s, ps in zip(SPLITS, args) if ps}
    return ds


def _paths(p: Path | str | Sequence[Path | str]) -> tuple[Path, ...]:
    return (Path(p),) if isinstance(p, (str, Path)) else tuple(Path(x) for x in p)


def _fingerprint(paths: tuple[Path, ...], fmt: str) -> tuple:
    """(path, mtime, size) of every file read, so an edited file is read again."""
    files = list(class_files(paths).values()) if fmt == "per-class" else list(paths)
    out = []
    for f in files:
        try:
            st = f.stat()
        except FileNotFoundError:
            raise InputError(f"{f}: no such file") from None
        out.append((str(f.resolve()), st.st_mtime_ns, st.st_size))
    return tuple(out)


def label_order(labels: set[str]) -> list[str]:
    """Integer labels in numeric order ("2" before "10"), others alphabetically."""
    if all(_is_int(s) for s in labels):
        return sorted(labels, key=int)
    return sorted(labels)


def _is_int(s: str) -> bool:
    try:
        int(s)
        return True
    except ValueError:
        return False


def build_dataset(name: str, splits: dict[str, list[Example]], text: TextConfig, protocol: str) -> "Dataset":
    """Check labels (>= 2 classes in train; dev/test labels must occur in train), build the vocabulary
    from train only, encode every split."""
    from seqarena.data import Dataset

    train = splits["train"]
    label_names = label_order({e.label for e in train})
    if len(label_names) < 2:
        where = train[0].where.rsplit(":", 1)[0]
        raise InputError(f"{where}: only one class ('{label_names[0]}') in the training data; "
                         "a classifier needs at least two")
    label_id = {n: i for i, n in enumerate(label_names)}
    for s in ("dev", "test"):
        for e in splits.get(s) or []:
            if e.label not in label_id:
                raise InputError(f"{e.where}: label '{e.label}' does not occur in the training data "
                                 f"(labels there: {label_names})")
    tok = get_tokenizer(text.tokenizer)
    tokens = {s: [tok(e.text) for e in exs] for s, exs in splits.items() if exs}
    vocab = Vocab.build(tokens["train"], text.min_freq, text.max_size)

    def encode(s: str) -> Split:
        ids, lengths = pad_sequences([vocab.encode(t) for t in tokens[s]])
        return Split(ids, lengths, torch.tensor([label_id[e.label] for e in splits[s]], dtype=torch.long))

    return Dataset(
        name=name, train=encode("train"), test=encode("test") if "test" in tokens else None,
        dev=encode("dev") if "dev" in tokens else None,
        vocab_size=len(vocab), num_classes=len(label_names), label_names=label_names, vocab=vocab,
        texts={s: [e.text for e in exs] for s, exs in splits.items() if exs}, protocol=protocol,
        meta={"tokenizer": text.tokenizer, "min_freq": text.min_freq, "max_size": text.max_size},
    )
