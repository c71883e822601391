"""Executors run cells and report progress: in-process, or in local worker processes (`jobs > 1`)."""

from __future__ import annotations

import multiprocessing as mp
import queue as queue_mod
import sys
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Callable

from seqarena.run.cells import Cell, run_cell
from seqarena.runtime import available_cores, set_threads


@dataclass
class Event:
    """Progress from a cell: kind 'epoch' (with the epoch's row) or 'done' (with the result row)."""

    kind: str
    index: int
    row: dict


def threads_per_worker(jobs: int, threads: int | None) -> int:
    """Explicit `threads`, else the cores shared out so that workers do not oversubscribe them."""
    return threads if threads is not None else max(1, available_cores() // jobs)


_queue = None


def _init_worker(q, threads: int) -> None:
    global _queue
    _queue = q
    set_threads(threads)


def _work(index: int, cell: Cell, device: str, data_dir: str | None) -> tuple[int, dict]:
    def on_epoch(row: dict) -> None:
        _queue.put(("epoch", index, row))

    return index, run_cell(cell, device, data_dir, on_epoch=on_epoch)


def run_cells(cells: list[Cell], jobs: int = 1, threads: int | None = None, device: str = "auto",
              data_dir: str | None = None, on_event: Callable[[Event], None] | None = None) -> list[dict]:
    """Run every cell and return their rows in cell order. `on_event` hears each finished epoch
    and each finished cell as it happens (from worker processes too, through a queue)."""
    emit = on_event or (lambda e: None)
    rows: list[dict | None] = [None] * len(cells)
    if jobs <= 1 or len(cells) <= 1:
        if threads is not None:
            set_threads(threads)
        for i, cell in enumerate(cells):
            rows[i] = run_cell(cell, device, data_dir, on_epoch=lambda r, i=i: emit(Event("epoch", i, r)))
            emit(Event("done", i, rows[i]))
        return rows
    n_workers = min(jobs, len(cells))
    n_threads = threads_per_worker(n_workers, threads)
    ctx = mp.get_context(start_method(device, n_threads))
    q = ctx.Queue()
    init = (q, n_threads)
    with ProcessPoolExecutor(n_workers, mp_context=ctx, initializer=_init_worker, initargs=init) as pool:
        # longest first, so that no worker is left alone with a long cell at the end
        order = sorted(range(len(cells)), key=lambda i: -expected_cost(cells[i]))
        futures = {pool.submit(_work, i, cells[i], device, data_dir) for i in order}
        while futures:
            done, futures = wait(futures, timeout=0.2, return_when=FIRST_COMPLETED)
            _drain(q, emit)
            for f in done:
                i, row = f.result()
                rows[i] = row
                emit(Event("done", i, row))
        _drain(q, emit)
    return rows


def start_method(device: str, threads: int) -> str:
    """fork starts workers without re-importing torch (seconds saved per worker). Only where it is
    safe: Linux, no CUDA (it cannot be forked once initialised), and one thread per worker (an
    OpenMP thread team inherited through fork can hang the child). Everything else spawns."""
    if sys.platform == "linux" and device == "cpu" and threads == 1:
        return "fork"
    return "spawn"


# rough relative cost per epoch on a CPU, for scheduling only (recurrent steps are serial)
_FAMILY_COST = {"hybrid": 5, "recurrent": 4, "attention": 3, "convolutional": 2, "baseline": 1}


def expected_cost(cell: Cell) -> float:
    from seqarena.models import MODELS

    entry = MODELS.get(cell.model.name)
    return _FAMILY_COST.get(entry.family if entry else "", 3) * cell.train.epochs


def _drain(q, emit: Callable[[Event], None]) -> None:
    while True:
        try:
            kind, i, row = q.get_nowait()
        except queue_mod.Empty:
            return
        emit(Event(kind, i, row))
