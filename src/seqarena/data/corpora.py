"""Text datasets: labelled examples -> tokenised, encoded `Dataset` (vocabulary from train only).

The named corpora (mr, sst2, subj) and any user files (`load_files`) go through `build_dataset`;
results are cached in-process so repeated cells do not re-read or re-tokenise files."""

from __future__ import annotations

import warnings
from array import array
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import numpy as np
import torch

from seqarena.data.batching import PAD_ID, Split
from seqarena.data.sources import locate
from seqarena.data.text import Example, class_files, infer_format, iter_examples
from seqarena.data.tokenize import get_tokenizer
from seqarena.data.vocab import PAD, UNK, UNK_ID, Vocab
from seqarena.data.dataset import Dataset
from seqarena.errors import InputError

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


def load_corpus(name: str, data_dir: Path | str | None = None, text: TextConfig = TextConfig()) -> Dataset:
    """A named corpus from the data directory (see data.sources.candidate_dirs)."""
    corpus = CORPORA[name]
    root = locate(name, corpus.files, data_dir)
    return _load_corpus(name, str(root), text)


@lru_cache(maxsize=8)
def _load_corpus(name: str, root: str, text: TextConfig) -> Dataset:
    corpus = CORPORA[name]
    names = dict(corpus.label_names)

    def rename(exs: Iterator[Example]) -> Iterator[Example]:
        for e in exs:
            yield Example(e.text, names.get(e.label, e.label), e.file, e.line) if e.label in names else e

    splits = {s: rename(iter_examples([Path(root) / f for f in fs], corpus.fmt, encoding=corpus.encoding))
              for s, fs in corpus.splits}
    ds = build_dataset(name, splits, text, corpus.protocol)
    ds.meta["data_dir"] = root
    return ds


def load_files(
    train: Path | str | Sequence[Path | str],
    dev: Path | str | Sequence[Path | str] | None = None,
    test: Path | str | Sequence[Path | str] | None = None,
    fmt: str | None = "csv",
    text_column: str = "text",
    label_column: str = "label",
    tokenizer: str = "kim",
    min_freq: int = 1,
    max_size: int | None = None,
    name: str | None = None,
) -> Dataset:
    """A dataset from user files (each argument: one file, several files, or for `per-class` a directory).
    Protocol "given" when a test file is given, else "cv" (k-fold over train). `fmt=None` infers the
    format from the extensions (data.text.infer_format)."""
    text = TextConfig(tokenizer, min_freq, max_size)
    get_tokenizer(tokenizer)  # fail on a bad name before reading anything
    args = tuple(None if p is None else _paths(p) for p in (train, dev, test))
    if fmt is None:
        fmt = infer_format([p for ps in args if ps for p in ps])
    key = tuple(None if ps is None else _fingerprint(ps, fmt) for ps in args)
    name = name or "files:" + (args[0][0].stem or args[0][0].name)
    return _load_files(args, key, fmt, text_column, label_column, text, name)


@lru_cache(maxsize=8)
def _load_files(args: tuple, key: tuple, fmt: str, text_column: str, label_column: str,
                text: TextConfig, name: str) -> Dataset:
    splits = {s: iter_examples(ps, fmt, text_column, label_column) for s, ps in zip(SPLITS, args) if ps}
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


def label_order(labels: Iterable[str]) -> list[str]:
    """Integer labels in numeric order ("2" before "10"), others alphabetically."""
    labels = set(labels)
    if all(_is_int(s) for s in labels):
        return sorted(labels, key=int)
    return sorted(labels)


def _is_int(s: str) -> bool:
    try:
        int(s)
        return True
    except ValueError:
        return False


class _Encoded:
    """One split read in a single pass: texts, labels, token ids in a flat array with row lengths,
    and the count of exact duplicate (text, label) rows. Token ids are interim (first-seen order over
    every split read so far) until the vocabulary is known."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.label_codes = array("i")  # index into `first`'s keys (labels in first-seen order)
        self.ids = array("i")  # int32: a vocabulary never reaches 2**31 tokens
        self.lengths = array("i")
        self.seen: set[int] = set()
        self.text_hashes: set[int] = set()
        self.duplicates = 0
        self.files: dict[str, None] = {}
        self.first: dict[str, Example] = {}  # label -> its first example, for error messages


def _read_split(examples: Iterable[Example], tok, interim: dict[str, int], counts: array | None,
                known: dict[str, int] | None) -> _Encoded:
    """Tokenise a split into interim ids; `counts` (train only) gains each token's frequency; with
    `known` (dev/test) a label outside it is an error naming the file and line."""
    out = _Encoded()
    codes: dict[str, int] = {}
    for e in examples:
        if known is not None and e.label not in known:
            raise InputError(f"{e.where}: label '{e.label}' does not occur in the training data "
                             f"(labels there: {list(known)})")
        out.files.setdefault(e.file)
        code = codes.get(e.label)
        if code is None:
            code = codes[e.label] = len(codes)
            out.first[e.label] = e
        key = hash((e.text, e.label))
        if key in out.seen:
            out.duplicates += 1
        else:
            out.seen.add(key)
        out.text_hashes.add(hash(e.text))
        out.texts.append(e.text)
        out.label_codes.append(code)
        n = 0
        for t in tok(e.text):
            i = interim.get(t)
            if i is None:
                i = interim[t] = len(interim)
                if counts is not None:
                    counts.append(0)
            if counts is not None:
                counts[i] += 1
            out.ids.append(i)
            n += 1
        if n == 0:  # an empty token list becomes [<unk>]: every sequence has length >= 1
            out.ids.append(interim[UNK])
            n = 1
        out.lengths.append(n)
    out.seen.clear()
    return out


def _padded(ids: np.ndarray, lengths: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """Flat ids and row lengths -> tokens (N, T_max) right-padded with PAD_ID, lengths (N,). Filled in
    blocks of rows, so no (N, T_max) mask is ever built."""
    N, T = len(lengths), max(1, int(lengths.max()) if len(lengths) else 1)
    tokens = np.full((N, T), PAD_ID, dtype=np.int64)
    ends = np.cumsum(lengths)
    step = max(1, (1 << 22) // T)
    for a in range(0, N, step):
        b = min(N, a + step)
        start = int(ends[a - 1]) if a else 0
        mask = np.arange(T)[None, :] < lengths[a:b, None]
        tokens[a:b][mask] = ids[start:int(ends[b - 1])]
    return torch.from_numpy(tokens), torch.from_numpy(lengths.astype(np.int64))


def build_dataset(name: str, splits: dict[str, Iterable[Example]], text: TextConfig, protocol: str) -> Dataset:
    """Read every split in one streaming pass (train first), check labels (>= 2 classes in train;
    dev/test labels must occur in train), build the vocabulary from train only, encode every split.
    Memory: the texts and one int64 per token, not the files. Exact duplicate examples are counted
    in a warning per split; `Dataset.meta` records them and the dev/test texts also in train."""
    if text.min_freq < 1:
        raise InputError(f"--min-freq must be >= 1 (got {text.min_freq})")
    if text.max_size is not None and text.max_size < 3:
        raise InputError(f"--max-vocab must be >= 3: pad, unk and one token (got {text.max_size})")
    tok = get_tokenizer(text.tokenizer)
    interim: dict[str, int] = {PAD: 0, UNK: 1}
    counts = array("q", [0, 0])
    train = _read_split(splits["train"], tok, interim, counts, None)
    if not train.texts:
        raise InputError(f"{name}: no training examples")
    label_names = label_order(train.first)
    if len(label_names) < 2:
        where = train.first[label_names[0]].file
        raise InputError(f"{where}: only one class ('{label_names[0]}') in the training data; "
                         "a classifier needs at least two")
    label_id = {n: i for i, n in enumerate(label_names)}
    read = {"train": train}
    for s in ("dev", "test"):
        if splits.get(s) is not None:
            read[s] = _read_split(splits[s], tok, interim, None, label_id)
            if not read[s].texts:
                raise InputError(f"{', '.join(read[s].files) or name}: no {s} examples")
    for s, r in read.items():
        if r.duplicates:
            warnings.warn(f"{', '.join(r.files)}: {r.duplicates} exact duplicate example"
                          f"{'s' if r.duplicates > 1 else ''} (same text and label) in {s}, kept", stacklevel=2)

    # the vocabulary: tokens seen >= min_freq times in train, by falling count, ties in first-seen order
    c = np.frombuffer(counts, dtype=np.int64).copy()
    c[:2] = 0  # a literal "<pad>" or "<unk>" in a text is an unknown word
    order = np.argsort(-c, kind="stable")
    kept = order[c[order] >= text.min_freq]
    if text.max_size is not None:
        kept = kept[: text.max_size - 2]
    final = np.full(len(interim), UNK_ID, dtype=np.int32)
    final[kept] = np.arange(2, 2 + len(kept))
    itos = list(interim)
    vocab = Vocab([PAD, UNK, *(itos[i] for i in kept.tolist())])

    def encode(r: _Encoded) -> Split:
        ids = final[np.frombuffer(r.ids, dtype=np.int32)]
        r.ids = array("i")  # the interim ids are no longer needed
        tokens, lengths = _padded(ids, np.frombuffer(r.lengths, dtype=np.int32))
        to_id = np.array([label_id[x] for x in r.first], dtype=np.int64)  # first-seen code -> class id
        labels = to_id[np.frombuffer(r.label_codes, dtype=np.int32)] if len(r.label_codes) else np.empty(0, np.int64)
        return Split(tokens, lengths, torch.from_numpy(labels))

    meta = {"tokenizer": text.tokenizer, "min_freq": text.min_freq, "max_size": text.max_size,
            "duplicates": {s: r.duplicates for s, r in read.items()},
            "in_train": {s: sum(hash(t) in train.text_hashes for t in r.texts) for s, r in read.items() if s != "train"}}
    return Dataset(
        name=name, train=encode(train), test=encode(read["test"]) if "test" in read else None,
        dev=encode(read["dev"]) if "dev" in read else None,
        vocab_size=len(vocab), num_classes=len(label_names), label_names=label_names, vocab=vocab,
        texts={s: r.texts for s, r in read.items()}, protocol=protocol, meta=meta,
    )
