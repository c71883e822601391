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


def progress_bar(transient: bool = False) -> Progress | _StepBar:
    """A progress bar on stderr with elapsed time and an ETA. Inside a `whole_run` (`seqarena run`),
    the command's bar joins the whole run's display, under its bar over every step."""
    if _session is not None:
        return _StepBar(_session)
    return Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(),
        console=err_console, transient=transient,
    )


class _WholeRun:
    """One bar over a sequence of steps, each worth a share of the whole (its expected share of the
    time); a step's own bar moves the whole one by its fraction done."""

    def __init__(self, progress: Progress, task) -> None:
        self.progress, self.task = progress, task
        self.done = 0.0  # weight of the finished steps
        self.weight = 0.0  # weight of the running step

    def set_fraction(self, fraction: float) -> None:
        self.progress.update(self.task, completed=self.done + self.weight * min(max(fraction, 0.0), 1.0))


_session: _WholeRun | None = None


class _StepBar:
    """What `progress_bar()` gives inside a whole run: the Progress API the commands use (add_task,
    update, advance), on the whole run's display; its first task drives the whole bar."""

    def __init__(self, run: _WholeRun) -> None:
        self.run, self.tasks = run, []

    def __enter__(self) -> _StepBar:
        return self

    def __exit__(self, *exc) -> None:
        for t in self.tasks:
            self.run.progress.remove_task(t)

    def add_task(self, description: str, total: float | None = None, **kw):
        t = self.run.progress.add_task("  " + description, total=total, **kw)
        self.tasks.append(t)
        return t

    def update(self, task, **kw) -> None:
        if "description" in kw:
            kw["description"] = "  " + kw["description"]
        self.run.progress.update(task, **kw)
        self._follow(task)

    def advance(self, task, advance: float = 1) -> None:
        self.run.progress.advance(task, advance)
        self._follow(task)

    def _follow(self, task) -> None:
        if self.tasks and task == self.tasks[0]:
            t = self.run.progress.tasks[[x.id for x in self.run.progress.tasks].index(task)]
            if t.total:
                self.run.set_fraction(t.completed / t.total)


@contextmanager
def whole_run(total: float, description: str) -> Iterator[_WholeRun]:
    """A bar over the whole of several commands run in this process; `progress_bar()` joins it."""
    global _session
    progress = Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f} %"),
        TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(), console=err_console)
    with progress:
        _session = _WholeRun(progress, progress.add_task(description, total=total))
        try:
            yield _session
        finally:
            _session = None


@contextmanager
def warnings_as_lines() -> Iterator[None]:
    """Show warnings raised inside (e.g. a file read as cp1252, blank lines skipped) as one stderr line
    each."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for w in caught:
        err_console.print(f"seqarena: warning: {w.message}", soft_wrap=True, highlight=False, markup=False)
