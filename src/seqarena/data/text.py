"""Readers for labelled text files: CSV/TSV, JSONL, fastText, label-first lines, one file per class.

Each reader returns `Example`s (text, label, where) and raises `InputError` naming the file and line
of the first problem. Files are UTF-8; bytes that are not fall back to cp1252, with a warning."""

from __future__ import annotations

import csv
import io
import json
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Sequence

from seqarena.errors import InputError

FASTTEXT_PREFIX = "__label__"


@dataclass(frozen=True)
class Example:
    text: str
    label: str
    where: str  # "file:line", for error messages


def decode_file(path: Path, encoding: str | None = None) -> str:
    """The file's text. `encoding=None`: UTF-8 (a BOM is dropped), else cp1252 with a warning naming
    the file; bytes valid in neither raise InputError with the line of the first bad byte."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, expected a file") from None
    if encoding is not None:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as e:
            raise InputError(f"{path}:{_line_of(data, e.start)}: byte 0x{data[e.start]:02x} is not valid "
                             f"{encoding}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        first_bad = e.start
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as e:
        raise InputError(f"{path}:{_line_of(data, e.start)}: byte 0x{data[e.start]:02x} is neither UTF-8 nor "
                         "cp1252; re-encode the file as UTF-8") from None
    warnings.warn(f"{path}: not valid UTF-8 (first bad byte on line {_line_of(data, first_bad)}); "
                  "read as cp1252", stacklevel=2)
    return text


def _line_of(data: bytes, pos: int) -> int:
    return data.count(b"\n", 0, pos) + 1


def _lines(path: Path, text: str) -> Iterator[tuple[int, str]]:
    """(line number, line) for each line, CR and surrounding spaces stripped; empty lines are an error."""
    lines = text.split("\n")
    if lines and lines[-1] == "":  # the newline that ends the last line does not start another
        lines.pop()
    for i, line in enumerate(lines, start=1):
        line = line.strip()
        if not line:
            raise InputError(f"{path}:{i}: empty line; every line must hold one example")
        yield i, line


def read_lines(path: Path, encoding: str | None = None) -> list[tuple[int, str]]:
    """(line number, text) for each line of a plain text file (e.g. texts to classify)."""
    return list(_lines(Path(path), decode_file(Path(path), encoding)))


def read_label_text(path: Path, encoding: str | None = None, **_: str) -> list[Example]:
    """`label text` per line, split at the first whitespace (SST-2's stsa.binary.* files)."""
    out = []
    for i, line in _lines(path, decode_file(path, encoding)):
        parts = line.split(maxsplit=1)
        if len(parts) < 2:
            raise InputError(f"{path}:{i}: no text after the label '{parts[0]}'; expected 'label text'")
        out.append(Example(parts[1], parts[0], f"{path}:{i}"))
    return out


def read_fasttext(path: Path, encoding: str | None = None, **_: str) -> list[Example]:
    """`__label__x text` per line (fastText's format); exactly one label per line."""
    out = []
    for i, line in _lines(path, decode_file(path, encoding)):
        tokens = line.split()
        labels = [t for t in tokens if t.startswith(FASTTEXT_PREFIX)]
        if not tokens[0].startswith(FASTTEXT_PREFIX):
            raise InputError(f"{path}:{i}: line does not start with '{FASTTEXT_PREFIX}<label>'")
        if len(labels) > 1:
            raise InputError(f"{path}:{i}: {len(labels)} labels; seqarena classifies one label per text")
        label = tokens[0][len(FASTTEXT_PREFIX):]
        text = " ".join(tokens[1:])
        if not label or not text:
            raise InputError(f"{path}:{i}: {'empty label' if not label else 'no text after the label'}")
        out.append(Example(text, label, f"{path}:{i}"))
    return out


def read_jsonl(path: Path, encoding: str | None = None, text_column: str = "text",
               label_column: str = "label") -> list[Example]:
    """One JSON object per line, text and label under the given keys."""
    out = []
    for i, line in _lines(path, decode_file(path, encoding)):
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise InputError(f"{path}:{i}: not valid JSON ({e.msg} at column {e.colno})") from None
        if not isinstance(obj, dict):
            raise InputError(f"{path}:{i}: expected a JSON object, found {type(obj).__name__}")
        for key in (text_column, label_column):
            if key not in obj:
                raise InputError(f"{path}:{i}: no key '{key}'; keys are {sorted(obj)} "
                                 "(choose with --text-column / --label-column)")
        out.append(_checked(path, i, obj[text_column], obj[label_column]))
    return out


def _read_delimited(path: Path, delimiter: str, encoding: str | None, text_column: str,
                    label_column: str) -> list[Example]:
    """A header row naming the columns, then one example per row. TSV has no quoting."""
    quoting = csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL
    reader = csv.reader(io.StringIO(decode_file(path, encoding), newline=""), delimiter=delimiter,
                        quoting=quoting)
    header = next(reader, None)
    if not header:
        raise InputError(f"{path}:1: no header row; expected column names such as "
                         f"'{text_column}{delimiter}{label_column}'")
    header = [h.strip() for h in header]
    for col in (text_column, label_column):
        if col not in header:
            raise InputError(f"{path}:1: no column '{col}'; columns are {header} "
                             "(choose with --text-column / --label-column)")
    ti, li = header.index(text_column), header.index(label_column)
    out = []
    for row in reader:
        i = reader.line_num
        if not row or all(not c.strip() for c in row):
            raise InputError(f"{path}:{i}: empty line; every line must hold one example")
        if len(row) != len(header):
            raise InputError(f"{path}:{i}: {len(row)} fields, the header has {len(header)}")
        out.append(_checked(path, i, row[ti], row[li]))
    return out


def read_csv(path: Path, encoding: str | None = None, text_column: str = "text",
             label_column: str = "label") -> list[Example]:
    return _read_delimited(path, ",", encoding, text_column, label_column)


def read_tsv(path: Path, encoding: str | None = None, text_column: str = "text",
             label_column: str = "label") -> list[Example]:
    return _read_delimited(path, "\t", encoding, text_column, label_column)


def _checked(path: Path, line: int, text: object, label: object) -> Example:
    if not isinstance(text, str):
        raise InputError(f"{path}:{line}: the text is a {type(text).__name__}, expected a string")
    if not text.strip():
        raise InputError(f"{path}:{line}: empty text")
    label = str(label).strip() if isinstance(label, (str, int)) and not isinstance(label, bool) else None
    if not label:
        raise InputError(f"{path}:{line}: empty or non-scalar label (use a string or an integer)")
    return Example(text.strip(), label, f"{path}:{line}")


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
    stems = [f.stem for f in files]
    names = stems if len(set(stems)) == len(stems) else [f.suffix.lstrip(".") for f in files]
    if len(set(names)) != len(names) or not all(names):
        raise InputError(f"per-class files {[str(f) for f in files]}: cannot tell the classes apart by "
                         "file name; name each file after its class (pos.txt, neg.txt)")
    return dict(zip(names, files))


def read_per_class(paths: Sequence[Path], encoding: str | None = None) -> list[Example]:
    """Every line of a class's file is one example of that class."""
    out = []
    for label, path in class_files(paths).items():
        out += [Example(line, label, f"{path}:{i}") for i, line in _lines(path, decode_file(path, encoding))]
    return out


LineReader = Callable[..., list[Example]]
READERS: dict[str, LineReader] = {
    "csv": read_csv,
    "tsv": read_tsv,
    "jsonl": read_jsonl,
    "fasttext": read_fasttext,
    "label-text": read_label_text,
}
FORMATS = [*READERS, "per-class"]


def read_examples(paths: Path | Sequence[Path], fmt: str, text_column: str = "text", label_column: str = "label",
                  encoding: str | None = None) -> list[Example]:
    """Examples from one or more files of one format, in file order."""
    paths = [Path(paths)] if isinstance(paths, (str, Path)) else [Path(p) for p in paths]
    if fmt == "per-class":
        out = read_per_class(paths, encoding)
    elif fmt in READERS:
        out = []
        for p in paths:
            out += READERS[fmt](p, encoding=encoding, text_column=text_column, label_column=label_column)
    else:
        raise InputError(f"--format: unknown format '{fmt}'; choose from {FORMATS}")
    if not out:
        raise InputError(f"{', '.join(map(str, paths))}: no examples")
    return out
