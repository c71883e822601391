"""What every executor shares (local processes and Ray alike): the progress `Event`, the callback types,
`guarded_run` (a cell that raises becomes one error line, never a lost run) and `collect`. Both
executor modules import this one, so neither imports the other for it."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass

from seqarena.run.cells import Cell, run_cell


@dataclass
class Event:
    """Progress from a cell: kind 'start', 'epoch' (row: the epoch's record), 'done' (row: the result
    row), 'failed' (row: {'error': one line}) or 'skipped' (its claim failed: another run holds it)."""

    kind: str
    index: int
    row: dict


Emit = Callable[[Event], None]
Claim = Callable[[int], bool]  # cell index -> may this run train it now?


def error_line(e: BaseException) -> str:
    """'Type: message @ file:line' of the innermost frame: one line for the results store."""
    tb = traceback.extract_tb(e.__traceback__)
    where = f" @ {tb[-1].filename.rsplit('/', 1)[-1]}:{tb[-1].lineno}" if tb else ""
    return f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}{where}"


def guarded_run(cell: Cell, device: str, data_dir: str | None,
                on_epoch: Callable[[dict], None] | None = None) -> tuple[dict | None, str | None]:
    """(row, None) or (None, error line): one failing cell does not stop the others."""
    try:
        return run_cell(cell, device, data_dir, on_epoch=on_epoch), None
    except Exception as e:  # noqa: BLE001 - recorded as the cell's status, shown at the end
        return None, error_line(e)


def collect(rows: list[dict | None], i: int, row: dict | None, error: str | None, emit: Emit) -> None:
    rows[i] = row
    emit(Event("done", i, row) if row is not None else Event("failed", i, {"error": error}))
