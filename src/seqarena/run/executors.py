"""Executors run cells and report progress: in-process, local worker processes (`jobs > 1`), or Ray.

Every executor emits the same events; a cell that raises becomes a 'failed' event, never a lost run."""

from __future__ import annotations

import multiprocessing as mp
import queue as queue_mod
import signal
import sys
import traceback
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass

from seqarena.errors import InputError
from seqarena.run.cells import Cell, run_cell
from seqarena.runtime import available_cores, set_threads

EXECUTORS = ("local", "ray")


@dataclass
class Event:
    """Progress from a cell: kind 'start', 'epoch' (row: the epoch's record), 'done' (row: the result
    row) or 'failed' (row: {'error': one line})."""

    kind: str
    index: int
    row: dict


Emit = Callable[[Event], None]


def threads_per_worker(jobs: int, threads: int | None) -> int:
    """Explicit `threads`, else the cores shared out so that workers do not oversubscribe them."""
    return threads if threads is not None else max(1, available_cores() // jobs)


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


def run_cells(cells: list[Cell], executor: str = "local", jobs: int = 1, threads: int | None = None,
              device: str = "auto", data_dir: str | None = None, on_event: Emit | None = None,
              address: str | None = None) -> list[dict | None]:
    """Run every cell and return their rows in cell order (None where a cell failed). `on_event` hears
    each start, finished epoch and finished cell as it happens (from worker processes too)."""
    if executor not in EXECUTORS:
        raise InputError(f"--executor: unknown '{executor}'; choose from {list(EXECUTORS)}")
    emit = on_event or (lambda e: None)
    if executor == "ray":
        from seqarena.run.ray_executor import run_ray  # Ray is an optional extra

        return run_ray(cells, jobs, threads, device, data_dir, emit, address)
    if jobs <= 1 or len(cells) <= 1:
        return _run_inline(cells, threads, device, data_dir, emit)
    return _run_pool(cells, jobs, threads, device, data_dir, emit)


def collect(rows: list[dict | None], i: int, row: dict | None, error: str | None, emit: Emit) -> None:
    rows[i] = row
    emit(Event("done", i, row) if row is not None else Event("failed", i, {"error": error}))


def _run_inline(cells: list[Cell], threads: int | None, device: str, data_dir: str | None,
                emit: Emit) -> list[dict | None]:
    if threads is not None:
        set_threads(threads)
    rows: list[dict | None] = [None] * len(cells)
    for i, cell in enumerate(cells):
        emit(Event("start", i, {}))
        row, error = guarded_run(cell, device, data_dir, lambda r, i=i: emit(Event("epoch", i, r)))
        collect(rows, i, row, error, emit)
    return rows


_queue = None


def _init_worker(q, threads: int) -> None:
    global _queue
    _queue = q
    set_threads(threads)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent ends workers


def _work(index: int, cell: Cell, device: str, data_dir: str | None) -> tuple[int, dict | None, str | None]:
    _queue.put(("start", index, {}))
    row, error = guarded_run(cell, device, data_dir, lambda r: _queue.put(("epoch", index, r)))
    return index, row, error


def _run_pool(cells: list[Cell], jobs: int, threads: int | None, device: str, data_dir: str | None,
              emit: Emit) -> list[dict | None]:
    n_workers = min(jobs, len(cells))
    n_threads = threads_per_worker(n_workers, threads)
    ctx = mp.get_context(start_method(device, n_threads))
    q = ctx.Queue()
    rows: list[dict | None] = [None] * len(cells)
    pool = ProcessPoolExecutor(n_workers, mp_context=ctx, initializer=_init_worker, initargs=(q, n_threads))
    try:
        # longest first, so that no worker is left alone with a long cell at the end
        order = sorted(range(len(cells)), key=lambda i: -expected_cost(cells[i]))
        futures = {pool.submit(_work, i, cells[i], device, data_dir) for i in order}
        while futures:
            done, futures = wait(futures, timeout=0.2, return_when=FIRST_COMPLETED)
            _drain(q, emit)
            for f in done:
                collect(rows, *f.result(), emit)
        _drain(q, emit)
    except BaseException:  # Ctrl-C or a broken pool: stop the workers now, not after their cells
        procs = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for p in procs:
            p.terminate()
        raise
    pool.shutdown()
    return rows


def start_method(device: str, threads: int) -> str:
    """fork starts workers without re-importing torch (seconds saved per worker). Only where it is
    safe: Linux, no CUDA (it cannot be forked once initialised), and one thread per worker (an
    OpenMP thread team inherited through fork can hang the child). Everything else spawns."""
    if sys.platform == "linux" and device == "cpu" and threads == 1:
        return "fork"
    return "spawn"


# rough relative cost per epoch on a CPU, for scheduling only (recurrent steps are serial; one epoch
# of the kim preset on SST-2 measured transformer 31.8 s, cnn_rnn 4.8 s, gru 4.4 s, bow 0.8 s)
_FAMILY_COST = {"attention": 6, "hybrid": 5, "recurrent": 4, "convolutional": 2, "baseline": 1}


def expected_cost(cell: Cell) -> float:
    from seqarena.models import MODELS

    entry = MODELS.get(cell.model.name)
    return _FAMILY_COST.get(entry.family if entry else "", 1) * cell.train.epochs


def _drain(q, emit: Emit) -> None:
    while True:
        try:
            kind, i, row = q.get_nowait()
        except queue_mod.Empty:
            return
        emit(Event(kind, i, row))
