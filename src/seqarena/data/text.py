"""Readers for labelled text files: CSV/TSV, JSONL, fastText, label-first lines, one file per class.

Readers stream: each yields `Example`s (text, label, file, line) one at a time, so a file of any size
needs memory for what the caller keeps, not for the file. Every problem raises `InputError` naming
the file and line. Files are UTF-8; a file that is not falls back to cp1252, with a warning. Blank
lines are skipped, with one warning per file that counts them."""

from __future__ import annotations

import codecs
import csv
import json
import math
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Callable, Iterable, Iterator, Sequence

from seqarena.errors import InputError

FASTTEXT_PREFIX = "__label__"
MAX_LABEL_CHARS = 200  # a label longer than this is a wrong column, not a class name
_CHUNK = 1 << 20
csv.field_size_limit(2**31 - 1)  # a long review is one field: no 131,072-character cap


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    label: str
    file: str  # one shared string per file, so a row costs no copy of its path
    line: int

    @property
    def where(self) -> str:
        """'file:line', for error messages."""
        return f"{self.file}:{self.line}"


def _open_binary(path: Path) -> IO[bytes]:
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, expected a file") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read it ({e.strerror or e})") from None


def _first_bad(path: Path, encoding: str) -> tuple[int, int] | None:
    """(line, byte) of the first byte not valid in `encoding`, reading in chunks; None if all are."""
    dec = codecs.getincrementaldecoder(encoding)()
    line, done = 1, False
    with _open_binary(path) as f:
        while not done:
            chunk = f.read(_CHUNK)
            done = not chunk
            try:
                dec.decode(chunk, final=done)
            except UnicodeDecodeError as e:
                pos = max(0, min(e.start, len(chunk) - 1))
                # an error at the chunk's start may belong to bytes held over from the previous chunk
                return line + chunk.count(b"\n", 0, pos), chunk[pos] if chunk else 0
            line += chunk.count(b"\n")
    return None


def file_encoding(path: Path, encoding: str | None = None) -> str:
    """The encoding to read `path` with: `encoding` when given (checked), else UTF-8 (a BOM is
    dropped), else cp1252 with a warning naming the file; bytes valid in neither raise InputError
    with the line of the first bad one. Reads the file in chunks, never whole."""
    if encoding is not None:
        bad = _first_bad(path, encoding)
        if bad:
            raise InputError(f"{path}:{bad[0]}: byte 0x{bad[1]:02x} is not valid {encoding}")
        return encoding
    bad_utf8 = _first_bad(path, "utf-8-sig")
    if bad_utf8 is None:
        return "utf-8-sig"
    bad = _first_bad(path, "cp1252")
    if bad:
        raise InputError(f"{path}:{bad[0]}: byte 0x{bad[1]:02x} is neither UTF-8 nor cp1252; "
                         "re-encode the file as UTF-8")
    warnings.warn(f"{path}: not valid UTF-8 (first bad byte on line {bad_utf8[0]}); read as cp1252",
                  stacklevel=2)
    return "cp1252"


def decode_file(path: Path, encoding: str | None = None) -> str:
    """The whole text of a (small) file, with `file_encoding`'s rules."""
    enc = file_encoding(Path(path), encoding)
    with open(path, encoding=enc, newline="\n") as f:
        return f.read()


def _text_lines(path: Path, encoding: str | None) -> Iterator[tuple[int, str]]:
    """(line number, line) for each non-blank line, CR and surrounding spaces stripped; lines end at
    '\\n' only. Blank lines are skipped and counted in one warning at the end of the file."""
    enc = file_encoding(path, encoding)
    blank = 0
    with open(path, encoding=enc, newline="\n") as f:
        for i, line in enumerate(f, start=1):
            line = line.strip()
            if not line:
                blank += 1
                continue
            yield i, line
    _warn_blank(path, blank)


def _warn_blank(path: Path, blank: int) -> None:
    if blank:
        warnings.warn(f"{path}: {blank} blank line{'s' if blank > 1 else ''} skipped", stacklevel=3)


def read_lines(path: Path, encoding: str | None = None) -> list[tuple[int, str]]:
    """(line number, text) for each non-blank line of a plain text file (e.g. texts to classify)."""
    return list(_text_lines(Path(path), encoding))


def iter_label_text(path: Path, encoding: str | None = None, **_: str) -> Iterator[Example]:
    """`label text` per line, split at the first whitespace (SST-2's stsa.binary.* files)."""
    f = str(path)
    for i, line in _text_lines(path, encoding):
        parts = line.split(maxsplit=1)
        if len(parts) < 2:
            raise InputError(f"{path}:{i}: no text after the label '{_short(parts[0])}'; expected 'label text'")
        yield _checked(f, i, parts[1], parts[0])


def iter_fasttext(path: Path, encoding: str | None = None, **_: str) -> Iterator[Example]:
    """`__label__x text` per line (fastText's format); exactly one label per line."""
    f = str(path)
    for i, line in _text_lines(path, encoding):
        tokens = line.split()
        if not tokens[0].startswith(FASTTEXT_PREFIX):
            raise InputError(f"{path}:{i}: line does not start with '{FASTTEXT_PREFIX}<label>'")
        n_labels = sum(t.startswith(FASTTEXT_PREFIX) for t in tokens)
        if n_labels > 1:
            raise InputError(f"{path}:{i}: {n_labels} labels; seqarena classifies one label per text")
        label = tokens[0][len(FASTTEXT_PREFIX):]
        text = " ".join(tokens[1:])
        if not label or not text:
            raise InputError(f"{path}:{i}: {'empty label' if not label else 'no text after the label'}")
        yield _checked(f, i, text, label)


def iter_jsonl(path: Path, encoding: str | None = None, text_column: str = "text",
               label_column: str = "label") -> Iterator[Example]:
    """One JSON object per line, text and label under the given keys."""
    f = str(path)
    for i, line in _text_lines(path, encoding):
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise InputError(f"{path}:{i}: not valid JSON ({e.msg} at column {e.colno})") from None
        except RecursionError:
            raise InputError(f"{path}:{i}: JSON nested too deeply") from None
        except ValueError as e:  # e.g. an integer of more digits than Python converts
            raise InputError(f"{path}:{i}: not usable JSON ({_short(str(e), 80)})") from None
        if not isinstance(obj, dict):
            raise InputError(f"{path}:{i}: expected a JSON object, found {type(obj).__name__}")
        for key in (text_column, label_column):
            if key not in obj:
                keys = sorted(obj)[:10]
                raise InputError(f"{path}:{i}: no key '{key}'; keys are {keys}{' ...' if len(obj) > 10 else ''} "
                                 "(choose with --text-column / --label-column)")
        yield _checked(f, i, obj[text_column], obj[label_column])


def iter_delimited_rows(path: Path, delimiter: str, encoding: str | None, columns: tuple[str, ...],
                        flags: str, example: str) -> Iterator[tuple[int, list[str]]]:
    """(line, the values of `columns`) for each row after a header row naming the columns; TSV has no
    quoting. Blank rows are skipped and counted in one warning; a missing header or column, a row of
    another width or a broken quote is an InputError naming the file and line (`flags` names the
    options that choose the columns, `example` a header to expect)."""
    enc = file_encoding(path, encoding)
    quoting = csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL
    blank = 0
    with open(path, encoding=enc, newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter, quoting=quoting)
        try:
            header = next(reader, None)
            if not header:
                raise InputError(f"{path}:1: no header row; expected column names such as '{example}'")
            header = [h.strip() for h in header]
            for col in columns:
                if col not in header:
                    shown = [_short(h, 40) for h in header[:20]]
                    raise InputError(f"{path}:1: no column '{col}'; columns are {shown} (choose with {flags})")
            at = [header.index(c) for c in columns]
            for row in reader:
                i = reader.line_num
                if not row or all(not c.strip() for c in row):
                    blank += 1
                    continue
                if len(row) != len(header):
                    raise InputError(f"{path}:{i}: {len(row)} fields, the header has {len(header)}")
                yield i, [row[k] for k in at]
        except csv.Error as e:
            raise InputError(f"{path}:{reader.line_num}: not valid {'TSV' if delimiter == chr(9) else 'CSV'} "
                             f"({e})") from None
    _warn_blank(path, blank)


def _iter_delimited(path: Path, delimiter: str, encoding: str | None, text_column: str,
                    label_column: str) -> Iterator[Example]:
    """A header row naming the columns, then one example per row."""
    f = str(path)
    for i, (text, label) in iter_delimited_rows(path, delimiter, encoding, (text_column, label_column),
                                                "--text-column / --label-column",
                                                f"{text_column}{delimiter}{label_column}"):
        yield _checked(f, i, text, label)


def iter_csv(path: Path, encoding: str | None = None, text_column: str = "text",
             label_column: str = "label") -> Iterator[Example]:
    return _iter_delimited(path, ",", encoding, text_column, label_column)


def iter_tsv(path: Path, encoding: str | None = None, text_column: str = "text",
             label_column: str = "label") -> Iterator[Example]:
    return _iter_delimited(path, "\t", encoding, text_column, label_column)


def _short(s: str, n: int = 40) -> str:
    return s if len(s) <= n else s[: n - 3] + "..."


def _label(label: object) -> str | None:
    """A label as a class name: a string, an integer, or an integral float (1.0 -> '1')."""
    if isinstance(label, bool):
        return None
    if isinstance(label, float):
        if not math.isfinite(label) or label != int(label):
            return None
        label = int(label)
    if isinstance(label, int):
        if abs(label) >= 10**MAX_LABEL_CHARS:
            return None
        return str(label)
    return label.strip() if isinstance(label, str) else None


def _checked(file: str, line: int, text: object, label: object) -> Example:
    if not isinstance(text, str):
        raise InputError(f"{file}:{line}: the text is a {type(text).__name__}, expected a string")
    text = text.strip()
    if not text:
        raise InputError(f"{file}:{line}: empty text")
    name = _label(label)
    if not name:
        raise InputError(f"{file}:{line}: empty or non-scalar label (use a string or an integer)")
    if len(name) > MAX_LABEL_CHARS:
        raise InputError(f"{file}:{line}: label of {len(name)} characters (at most {MAX_LABEL_CHARS}); "
                         "is --label-column the right column?")
    return Example(text, name, file, line)


def class_files(paths: Sequence[Path]) -> dict[str, Path]:
    """One file per class: a directory (its non-hidden files) or a list of files. The class is the
    file's stem (`pos.txt` -> pos); when stems collide, as in MR's rt-polarity.pos / rt-polarity.neg,
    the last extension (pos, neg)."""
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files += sorted(f for f in p.iterdir() if f.is_file() and not f.name.startswith("."))
        elif p.is_file():
            files.append(p)
        else:
            raise InputError(f"{p}: no such file or directory")
    if not files:
        raise InputError(f"{', '.join(map(str, paths))}: no class files (expected one file per class)")
    stems = [f.stem for f in files]
    names = stems if len(set(stems)) == len(stems) else [f.suffix.lstrip(".") for f in files]
    if len(set(names)) != len(names) or not all(names):
        raise InputError(f"per-class files {[str(f) for f in files]}: cannot tell the classes apart by "
                         "file name; name each file after its class (pos.txt, neg.txt)")
    return dict(zip(names, files))


def iter_per_class(paths: Sequence[Path], encoding: str | None = None) -> Iterator[Example]:
    """Every line of a class's file is one example of that class."""
    for label, path in class_files(paths).items():
        f = str(path)
        for i, line in _text_lines(path, encoding):
            yield Example(line, label, f, i)


LineReader = Callable[..., Iterator[Example]]
READERS: dict[str, LineReader] = {
    "csv": iter_csv,
    "tsv": iter_tsv,
    "jsonl": iter_jsonl,
    "fasttext": iter_fasttext,
    "label-text": iter_label_text,
}
FORMATS = [*READERS, "per-class"]
# unambiguous file extensions; a directory means per-class
EXTENSIONS = {".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl"}


def infer_format(paths: Iterable[Path]) -> str:
    """The format of files from their extensions (.csv, .tsv, .jsonl/.ndjson; a directory is
    per-class); InputError naming the file and the choices when that is ambiguous."""
    found: dict[str, Path] = {}
    for p in paths:
        p = Path(p)
        fmt = "per-class" if p.is_dir() else EXTENSIONS.get(p.suffix.lower())
        if fmt is None:
            raise InputError(f"{p}: cannot tell the format from the extension '{p.suffix}'; give --format, "
                             f"one of {FORMATS}")
        found.setdefault(fmt, p)
    if len(found) > 1:
        raise InputError(f"files of several formats ({', '.join(f'{v} is {k}' for k, v in found.items())}); "
                         "give one --format for all of them")
    if not found:
        raise InputError("no files given")
    return next(iter(found))


def iter_examples(paths: Path | Sequence[Path], fmt: str, text_column: str = "text", label_column: str = "label",
                  encoding: str | None = None) -> Iterator[Example]:
    """Examples from one or more files of one format, in file order, one at a time."""
    paths = [Path(paths)] if isinstance(paths, (str, Path)) else [Path(p) for p in paths]
    if fmt == "per-class":
        yield from iter_per_class(paths, encoding)
    elif fmt in READERS:
        for p in paths:
            yield from READERS[fmt](p, encoding=encoding, text_column=text_column, label_column=label_column)
    else:
        raise InputError(f"--format: unknown format '{fmt}'; choose from {FORMATS}")


def read_examples(paths: Path | Sequence[Path], fmt: str, text_column: str = "text", label_column: str = "label",
                  encoding: str | None = None) -> list[Example]:
    """Every example of the files as a list (small files; `iter_examples` streams)."""
    out = list(iter_examples(paths, fmt, text_column, label_column, encoding))
    if not out:
        shown = [paths] if isinstance(paths, (str, Path)) else paths
        raise InputError(f"{', '.join(map(str, shown))}: no examples")
    return out
