"""Small CLI helpers shared by the commands: errors, consoles, list parsing, progress bars."""

from __future__ import annotations

import os
import sys
import warnings
from contextlib import contextmanager
from typing import Iterator, NoReturn

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from seqarena.checks import check_float, check_int
from seqarena.errors import InputError

err_console = Console(stderr=True)
# tables are wide: when stdout is a pipe or a file, do not squeeze them into 80 columns ($COLUMNS wins)
_COLUMNS = os.environ.get("COLUMNS", "")
out_console = Console() if sys.stdout.isatty() else Console(width=int(_COLUMNS) if _COLUMNS.isdigit() else 160)


def fail(message: str) -> NoReturn:
    """Print one line on stderr and exit 2."""
    print(f"seqarena: error: {message}", file=sys.stderr)
    sys.exit(2)


def parse_list(value: str, flag: str, choices: list[str]) -> list[str]:
    """'a,b' -> ['a', 'b'], each checked against `choices`."""
    items = [v.strip() for v in value.split(",") if v.strip()]
    if not items:
        raise InputError(f"{flag}: empty list; choose from {choices}")
    for item in items:
        if item not in choices:
            raise InputError(f"{flag}: unknown '{item}'; choose from {choices}")
    return items


def check_min(flag: str, value: int | None, minimum: int = 1, maximum: int | None = None) -> None:
    """None (not given), or an integer in [minimum, maximum]; the error names the flag and the bound."""
    if value is not None:
        check_int(flag, value, minimum, maximum)


def check_number(flag: str, value: float | None, lo: float | None = None, hi: float | None = None,
                 lo_open: bool = False, hi_open: bool = False) -> None:
    """None, or a finite number in the interval (NaN and infinity are never valid)."""
    if value is not None:
        check_float(flag, value, lo, hi, lo_open, hi_open)


def progress_bar(transient: bool = False) -> Progress:
    """A progress bar on stderr with elapsed time and an ETA."""
    return Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(),
        console=err_console, transient=transient,
    )


@contextmanager
def warnings_as_lines() -> Iterator[None]:
    """Show warnings raised inside (e.g. a file read as cp1252, blank lines skipped) as one stderr line
    each."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for w in caught:
        err_console.print(f"seqarena: warning: {w.message}", soft_wrap=True, highlight=False, markup=False)
