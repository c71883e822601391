"""Pretrained word vectors (word2vec, GloVe, fastText files), read streaming: only the words of a
vocabulary are kept, so a multi-GB file needs memory for the vocabulary's vectors only.

Formats (gzip-compressed or not, recognised by its magic bytes):
- word2vec binary (`.bin`, `.bin.gz`): a header line "N D", then N entries `word<space>` + D
  little-endian float32 (word2vec writes a newline after each vector; it is skipped).
- text (`.txt`, `.vec`, anything else): one "word v1 ... vD" per line; an optional header line "N D"
  (word2vec text and fastText's .vec have one, GloVe has none). A word may contain spaces (GloVe
  840B's ". . ."): the last D fields are the vector.

Matching: a vocabulary word takes the file's vector for the same string; a word the file has only
with other casing takes the first (most frequent, in these files' order) vector whose lower-cased form
it is (GoogleNews' word2vec is cased, the kim tokenizer lower-cases). `<pad>` and `<unk>` never match.

Only the kept lines' numbers are parsed (a skipped line is split at its first space and checked no
further), so a bad value is found on the lines that are used; every error names the file and line
(binary: the entry and byte offset). `Subset`s are cached as .npz files keyed by the file's sha256
and the vocabulary's, written atomically.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from seqarena.data.digest import file_digest
from seqarena.errors import InputError
from seqarena.fsutil import atomic_path

MODES = ("rand", "static", "non-static", "multichannel")  # Kim (2014)'s four variants
LOW_COVERAGE = 0.5  # under this share of training tokens found, a warning
CACHE_VERSION = 1  # part of the cache key: bumped when what a cached subset holds changes
_MAGIC_GZIP = b"\x1f\x8b"


@dataclass(frozen=True)
class EmbeddingSource:
    """A vectors file and how a model uses it. Its identity in a cell's hash is the file's contents
    (`digest`) and the mode, never the path; `cache_dir` is where subsets are cached (not identity)."""

    path: str
    digest: str
    mode: str
    cache_dir: str | None = None

    def identity(self) -> dict:
        return {"embeddings_digest": self.digest, "embedding_mode": self.mode}


@dataclass
class Subset:
    """The vectors of one vocabulary's words found in a file: `vectors[k]` is the vector of id `ids[k]`."""

    ids: np.ndarray  # (n,) int64 vocabulary ids, ascending
    vectors: np.ndarray  # (n, dim) float32
    dim: int
    vocab_size: int
    file_words: int  # entries read from the file
    lowercase_matches: int  # ids matched through the lower-cased form only
    fmt: str  # "word2vec-binary" | "text" | "text+header", with "+gzip"

    def found(self) -> np.ndarray:
        """(vocab_size,) bool: which ids have a vector."""
        mask = np.zeros(self.vocab_size, dtype=bool)
        mask[self.ids] = True
        return mask

    def init_scale(self) -> float:
        """Kim's `a`: U(-a, a) has the variance of the found vectors' entries (a = sqrt(3 var))."""
        if self.vectors.size < 2:
            return 0.25
        return float(np.sqrt(3.0 * float(np.var(self.vectors, dtype=np.float64))))


def digest_cache() -> Path:
    """Where the sha256 of vectors files is remembered across processes, by (path, size, mtime):
    $SEQARENA_VECTORS_CACHE, else $XDG_CACHE_HOME/seqarena/vectors (a multi-GB file takes ~10 s to hash)."""
    env = os.environ.get("SEQARENA_VECTORS_CACHE")
    if env:
        return Path(env)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "seqarena" / "vectors"


def vectors_digest(path: str | Path) -> str:
    """sha256 of the file's bytes: cached in this process, and on disk per (path, size, mtime_ns), so that
    a resumed or repeated run does not read a multi-GB file once more just to name it."""
    p = Path(path)
    try:
        st = p.stat()
    except OSError as e:
        raise InputError(f"{p}: cannot read it ({e.strerror or e})") from None
    mtime, size = st.st_mtime_ns, st.st_size
    key = f"{p.resolve()}|{size}|{mtime}"
    store = digest_cache() / "digests.json"
    try:
        known = json.loads(store.read_text(encoding="utf-8"))
        if not isinstance(known, dict):
            known = {}
    except (OSError, ValueError):
        known = {}
    if isinstance(known.get(key), str):
        return known[key]
    value = file_digest(p)
    try:
        with atomic_path(store) as tmp:
            tmp.write_text(json.dumps({**known, key: value}), encoding="utf-8")
    except OSError:
        pass  # an unwritable cache costs time, never the result
    return value


def embedding_source(path: str | Path, mode: str, where: str = "--embeddings") -> EmbeddingSource:
    """Check the path and the mode; the file's digest is computed here (once per process)."""
    if mode not in MODES:
        raise InputError(f"--embedding-mode: unknown '{mode}'; choose from {list(MODES)}")
    p = Path(path).expanduser()
    if not p.exists():
        raise InputError(f"{where}: {p}: no such file")
    if not p.is_file():
        raise InputError(f"{where}: {p}: not a file")
    p = p.resolve()
    return EmbeddingSource(str(p), vectors_digest(p), mode)


def vocab_digest(words: list[str]) -> str:
    return hashlib.sha256("\n".join(words).encode("utf-8", "surrogatepass")).hexdigest()


def cache_path(cache_dir: str | Path, digest: str, words: list[str]) -> Path:
    key = hashlib.sha256(f"{CACHE_VERSION}|{digest}|{vocab_digest(words)}".encode()).hexdigest()[:20]
    return Path(cache_dir) / f"{digest[:12]}-{key}.npz"


def load_subset(src: EmbeddingSource, words: list[str],
                on_progress: Callable[[int, int], None] | None = None) -> Subset:
    """The vectors of `words` (a vocabulary's tokens in id order) from the cache, else from the file
    (then cached when `src.cache_dir` is set)."""
    return load_subsets(src, [words], on_progress)[0]


def load_subsets(src: EmbeddingSource, vocabs: list[list[str]],
                 on_progress: Callable[[int, int], None] | None = None) -> list[Subset]:
    """One subset per vocabulary; the file is streamed at most once, for all the uncached ones."""
    out: list[Subset | None] = [_cached(src, w) for w in vocabs]
    missing = [i for i, s in enumerate(out) if s is None]
    if missing:
        subsets = read_subsets(src.path, [vocabs[i] for i in missing], on_progress)
        for i, s in zip(missing, subsets):
            out[i] = s
            _remember(src, vocabs[i], s)
    return out  # type: ignore[return-value]


_MEMORY: dict[tuple[str, str], Subset] = {}  # (file digest, vocab digest) -> subset, this process


def _cached(src: EmbeddingSource, words: list[str]) -> Subset | None:
    key = (src.digest, vocab_digest(words))
    p = cache_path(src.cache_dir, src.digest, words) if src.cache_dir is not None else None
    if key in _MEMORY:
        if p is not None and not p.is_file():  # read in this process for another run: cache it beside this one
            _remember(src, words, _MEMORY[key])
        return _MEMORY[key]
    if p is None or not p.is_file():
        return None
    try:
        with np.load(p, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            s = Subset(z["ids"].astype(np.int64), z["vectors"].astype(np.float32), **meta)
    except (OSError, ValueError, KeyError, TypeError):
        return None  # unreadable: read the file again and rewrite it
    if s.vocab_size != len(words):
        return None
    _MEMORY[key] = s
    return s


def _remember(src: EmbeddingSource, words: list[str], s: Subset) -> None:
    _MEMORY[(src.digest, vocab_digest(words))] = s
    if src.cache_dir is None:
        return
    meta = {"dim": s.dim, "vocab_size": s.vocab_size, "file_words": s.file_words,
            "lowercase_matches": s.lowercase_matches, "fmt": s.fmt}
    target = cache_path(src.cache_dir, src.digest, words)
    with atomic_path(target) as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, ids=s.ids, vectors=s.vectors, meta=np.array(json.dumps(meta)))


# ---------------------------------------------------------------------------------------------- reading

def read_subsets(path: str | Path, vocabs: list[list[str]],
                 on_progress: Callable[[int, int], None] | None = None) -> list[Subset]:
    """Stream `path` once and keep the vectors of the words of each vocabulary (tokens in id order;
    ids 0 and 1, `<pad>` and `<unk>`, never match). `on_progress(bytes_read, total_bytes)` is called
    every few MB (compressed bytes for gzip)."""
    path = Path(path)
    wanted: dict[str, None] = {}
    lower: dict[str, None] = {}
    for words in vocabs:
        for w in words[2:]:
            wanted[w] = None
            lower[w.lower()] = None
    exact: dict[str, np.ndarray] = {}
    by_lower: dict[str, np.ndarray] = {}  # the first vector of each lower-cased form a vocabulary has

    def keep(word: str) -> bool:
        return word in wanted and word not in exact or word.lower() in lower and word.lower() not in by_lower

    firsts = {w.split(" ")[0] for w in [*wanted, *lower] if " " in w}  # words with spaces: their first part

    def first_part(word: str) -> bool:  # a text line whose first field may begin such a word
        return word in firsts or keep(word)

    def store(word: str, vec: np.ndarray) -> None:
        if word in wanted and word not in exact:
            exact[word] = vec
        low = word.lower()
        if low in lower and low not in by_lower:
            by_lower[low] = vec

    try:
        raw = open(path, "rb")
    except OSError as e:
        raise InputError(f"{path}: cannot read it ({e.strerror or e})") from None
    with raw:
        total = _size(raw)
        zipped = raw.read(2) == _MAGIC_GZIP
        raw.seek(0)
        stream = gzip.GzipFile(fileobj=raw, mode="rb") if zipped else raw
        binary = _is_binary(path)
        reader = _read_binary if binary else _read_text
        try:
            dim, n_read, fmt = reader(path, stream, keep if binary else (keep, first_part), store,
                                      lambda: on_progress(raw.tell(), total) if on_progress else None)
        except (EOFError, gzip.BadGzipFile, OSError, _zlib_error()) as e:
            raise InputError(f"{path}: not a readable{' gzip' if zipped else ''} vectors file ({e})") from None
    if on_progress:
        on_progress(total, total)
    fmt += "+gzip" if zipped else ""
    out = []
    for words in vocabs:
        ids, vecs, low = [], [], 0
        for i, w in enumerate(words):
            if i < 2:
                continue
            v = exact.get(w)
            if v is None:
                v = by_lower.get(w.lower())
                low += v is not None
            if v is not None:
                ids.append(i)
                vecs.append(v)
        arr = np.stack(vecs).astype(np.float32) if vecs else np.zeros((0, dim), dtype=np.float32)
        out.append(Subset(np.asarray(ids, dtype=np.int64), arr, dim, len(words), n_read, low, fmt))
    return out


def _zlib_error() -> type:
    import zlib

    return zlib.error


def _size(f) -> int:
    try:
        return os.fstat(f.fileno()).st_size
    except OSError:
        return 0


def _is_binary(path: Path) -> bool:
    """word2vec's binary format by name: .bin, .bin.gz; everything else is text."""
    name = path.name.lower()
    return name.endswith(".bin") or name.endswith(".bin.gz")


def _header(line: bytes) -> tuple[int, int] | None:
    """(count, dim) when the line is a word2vec/fastText header "N D"."""
    parts = line.split()
    if len(parts) == 2 and all(p.isdigit() for p in parts):
        return int(parts[0]), int(parts[1])
    return None


PROGRESS_EVERY = 20_000  # lines (or entries) between progress calls


def _read_text(path: Path, f, keeps, store, tick) -> tuple[int, int, str]:
    keep, first_part = keeps
    first = f.readline()
    if not first:
        raise InputError(f"{path}: empty file: no vectors")
    head = _header(first)
    dim = head[1] if head else None
    if head and dim < 1:
        raise InputError(f"{path}:1: header says dimension {dim}; expected 'COUNT DIM' with DIM >= 1")
    lineno, n = (1, 0) if head else (0, 0)
    lines = f if head else _chain(first, f)
    for line in lines:
        lineno += 1
        if lineno % PROGRESS_EVERY == 0:
            tick()
        word, sep, rest = line.partition(b" ")
        if not sep:
            if not line.strip():
                continue  # a blank line (a trailing newline)
            raise InputError(f"{path}:{lineno}: a word without a vector")
        n += 1
        if n == 1 and (b"\0" in line or not _utf8(line)):
            raise InputError(f"{path}:{lineno}: binary data in a text vectors file; a word2vec binary file must be "
                             "named .bin (or .bin.gz)")
        w = _word(word)
        if dim is None:  # no header: the first line gives the dimension
            dim = len(rest.split())
            if dim < 1:
                raise InputError(f"{path}:{lineno}: a word without a vector")
        if not first_part(w):
            continue
        fields = rest.split()
        if len(fields) > dim:  # a word with spaces in it: the vector is the last `dim` fields
            w = " ".join([w, *(_word(x) for x in fields[:-dim])])
            fields = fields[-dim:]
        if not keep(w):
            continue
        if len(fields) != dim:
            raise InputError(f"{path}:{lineno}: {len(fields)} values, expected {dim} "
                             f"({'the header' if head else 'the first line'}'s dimension)")
        try:
            vec = np.array(fields, dtype=np.float32)
        except ValueError:
            bad = next(x for x in fields if not _is_float(x))
            raise InputError(f"{path}:{lineno}: non-numeric value '{bad.decode('utf-8', 'replace')[:40]}' "
                             f"in the vector of '{w[:40]}'") from None
        if not np.isfinite(vec).all():
            raise InputError(f"{path}:{lineno}: the vector of '{w[:40]}' has a non-finite value (nan or inf)")
        store(w, vec)
    if n == 0:
        raise InputError(f"{path}: no vectors (only a header)")
    return dim, n, "text+header" if head else "text"


def _chain(first: bytes, rest: Iterable[bytes]) -> Iterable[bytes]:
    yield first
    yield from rest


def _is_float(x: bytes) -> bool:
    try:
        float(x)
        return True
    except ValueError:
        return False


def _utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def _word(raw: bytes) -> str:
    try:
        return raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        return raw.decode("utf-8", "replace").strip()  # such a word matches no vocabulary word


def _read_binary(path: Path, f, keep, store, tick) -> tuple[int, int, str]:
    first = f.readline()
    head = _header(first)
    if head is None:
        shown = first[:40].decode("utf-8", "replace").strip()
        raise InputError(f"{path}:1: a word2vec binary file starts with the line 'COUNT DIM' (got '{shown}'); "
                         "a text file should not be named .bin")
    count, dim = head
    if dim < 1:
        raise InputError(f"{path}:1: header says dimension {dim}; expected DIM >= 1")
    width = 4 * dim
    buf = b""
    pos = 0
    offset = len(first)  # bytes of the file consumed before buf[0]
    chunk = 1 << 20
    for k in range(1, count + 1):
        if k % PROGRESS_EVERY == 0:
            tick()
        while True:  # the word: bytes up to a space (after the newline word2vec writes per vector)
            sp = buf.find(b" ", pos)
            if sp >= 0 and len(buf) - sp - 1 >= width:
                break
            more = f.read(chunk)
            if not more:
                at = offset + pos
                raise InputError(f"{path}: truncated at entry {k} of {count} (byte {at:,}): the header promises "
                                 f"{count} vectors of {dim} float32 values")
            offset += pos
            buf = buf[pos:] + more
            pos = 0
        w = _word(buf[pos:sp].lstrip(b"\n"))
        if not w:
            raise InputError(f"{path}: entry {k} of {count} (byte {offset + pos:,}): an empty word; "
                             "is this a word2vec binary file?")
        start = sp + 1
        if keep(w):
            vec = np.frombuffer(buf, dtype="<f4", count=dim, offset=start).astype(np.float32)
            if not np.isfinite(vec).all():
                raise InputError(f"{path}: entry {k} ('{w[:40]}', byte {offset + start:,}): a non-finite value")
            store(w, vec)
        pos = start + width
    return dim, count, "word2vec-binary"
