"""What the analysis commands share: parse --models, emit the envelope (--json / --out)."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table

from seqarena.analysis.common import dumps, write_json
from seqarena.cli.common import err_console, out_console, parse_list
from seqarena.errors import InputError
from seqarena.models import list_models


def parse_models(value: str | None, default: list[str]) -> list[str]:
    return default if value is None else parse_list(value, "--models", list_models("classify"))


def parse_ints(value: str, flag: str, minimum: int = 1, maximum: int | None = None) -> list[int]:
    """'16,32,64' -> [16, 32, 64], each an integer in [minimum, maximum], at most 1,000 of them."""
    parts = [v for v in value.split(",") if v.strip()]
    if len(parts) > 1_000:
        raise InputError(f"{flag}: {len(parts):,} values; at most 1,000")
    try:
        items = [int(v) for v in parts]
    except ValueError:
        raise InputError(f"{flag}: '{value[:80]}' is not a comma-separated list of integers") from None
    if not items:
        raise InputError(f"{flag}: empty list")
    bad = [v for v in items if v < minimum]
    if bad:
        raise InputError(f"{flag}: values must be >= {minimum} (got {bad[:5]})")
    big = [v for v in items if maximum is not None and v > maximum]
    if big:
        raise InputError(f"{flag}: values must be <= {maximum:,} (got {big[0]:,}); that is the largest this accepts")
    return items


def emit(doc: dict, as_json: bool, out: Path | None, tables: list[Table]) -> None:
    """--out: write <out>/<kind>.json; --json: the envelope on stdout and nothing else; else tables."""
    if out is not None:
        path = write_json(out, doc)
        err_console.print(f"{doc['kind']} written to {path}")
    if as_json:
        print(dumps(doc))
        return
    for t in tables:
        out_console.print(t)


def table(title: str, columns: list[str], rows: list[list[str]], right: set[str] = frozenset()) -> Table:
    t = Table(title=title)
    for c in columns:
        t.add_column(c, justify="right" if c in right else "left")
    for r in rows:
        t.add_row(*r)
    return t
