"""Texts without labels, streamed from a file for prediction: csv/tsv (a header row, the text column
by name), jsonl (the text under a key) or plain text (one text a line). Yields (line, text) one at
a time; every problem is an InputError naming the file and line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

from seqarena.data.text import EXTENSIONS, _short, _text_lines, iter_delimited_rows
from seqarena.errors import InputError

TEXT_FORMATS = ("csv", "tsv", "jsonl", "lines")


def text_format(path: Path, fmt: str | None) -> str:
    """`fmt` checked, or the format of `path`'s extension (.csv, .tsv, .jsonl/.ndjson; anything else
    is plain text, one text a line)."""
    if fmt is not None:
        if fmt not in TEXT_FORMATS:
            raise InputError(f"--format: unknown format '{fmt}' for texts to predict; choose from {list(TEXT_FORMATS)}")
        return fmt
    return EXTENSIONS.get(Path(path).suffix.lower(), "lines")


def iter_texts(path: Path, fmt: str, text_column: str = "text") -> Iterator[tuple[int, str]]:
    """(line number, text) for each text of the file; blank lines (and blank rows) are skipped with
    one warning; an empty text in a column is an error."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"--file: {path}: no such file" if not path.exists() else f"--file: {path}: not a file")
    if fmt == "lines":
        yield from _text_lines(path, None)
    elif fmt == "jsonl":
        yield from _iter_jsonl(path, text_column)
    elif fmt in ("csv", "tsv"):
        yield from _iter_delimited(path, "," if fmt == "csv" else "\t", text_column)
    else:
        raise InputError(f"--format: unknown format '{fmt}'; choose from {list(TEXT_FORMATS)}")


def _text(path: Path, i: int, value: object, text_column: str) -> str:
    if not isinstance(value, str):
        raise InputError(f"{path}:{i}: the text under '{text_column}' is a {type(value).__name__}, expected a string")
    value = value.strip()
    if not value:
        raise InputError(f"{path}:{i}: empty text")
    return value


def _iter_jsonl(path: Path, text_column: str) -> Iterator[tuple[int, str]]:
    for i, line in _text_lines(path, None):
        try:
            obj = json.loads(line)
        except (json.JSONDecodeError, RecursionError, ValueError) as e:
            raise InputError(f"{path}:{i}: not valid JSON ({_short(str(e), 80)})") from None
        if not isinstance(obj, dict):
            raise InputError(f"{path}:{i}: expected a JSON object, found {type(obj).__name__}")
        if text_column not in obj:
            raise InputError(f"{path}:{i}: no key '{text_column}'; keys are {sorted(obj)[:10]} (choose with --text-column)")
        yield i, _text(path, i, obj[text_column], text_column)


def _iter_delimited(path: Path, delimiter: str, text_column: str) -> Iterator[tuple[int, str]]:
    for i, (value,) in iter_delimited_rows(path, delimiter, None, (text_column,), "--text-column", text_column):
        yield i, _text(path, i, value, text_column)
