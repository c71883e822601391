"""Executors run cells and report progress: in-process, local worker processes (`jobs > 1`), or Ray.

Every executor emits the same events; a cell that raises becomes a 'failed' event, never a lost run.
With a `claim` callback a cell runs only if the claim succeeds (another run sharing the results
store may hold it); every executor claims a cell just before it hands it to a worker.
Local workers die with their driver: Linux delivers SIGKILL to them when it dies (PR_SET_PDEATHSIG),
and on every platform a thread in each worker exits it once its parent is gone."""

from __future__ import annotations

import ctypes
import multiprocessing as mp
import os
import queue as queue_mod
import signal
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

from seqarena.errors import InputError
from seqarena.models import MODELS
from seqarena.run.cells import Cell
from seqarena.run.events import Claim, Emit, Event, collect, guarded_run
from seqarena.run.ray_executor import run_ray
from seqarena.runtime import available_cores, set_threads

EXECUTORS = ("local", "ray")


def threads_per_worker(jobs: int, threads: int | None) -> int:
    """Explicit `threads`, else the cores shared out so that workers do not oversubscribe them."""
    return threads if threads is not None else max(1, available_cores() // jobs)


def run_cells(cells: list[Cell], executor: str = "local", jobs: int = 1, threads: int | None = None,
              device: str = "auto", data_dir: str | None = None, on_event: Emit | None = None,
              address: str | None = None, claim: Claim | None = None) -> list[dict | None]:
    """Run every cell and return their rows in cell order (None where a cell failed or was skipped).
    `on_event` hears each start, finished epoch and finished cell as it happens (from worker processes
    too); `claim(i)` is asked before cell i runs, and a refused cell is a 'skipped' event."""
    if executor not in EXECUTORS:
        raise InputError(f"--executor: unknown '{executor}'; choose from {list(EXECUTORS)}")
    emit = on_event or (lambda e: None)
    claim = claim or (lambda i: True)
    if executor == "ray":  # Ray itself is an optional extra, imported by run_ray
        return run_ray(cells, jobs, threads, device, data_dir, emit, address, claim)
    if jobs <= 1 or len(cells) <= 1:
        return _run_inline(cells, threads, device, data_dir, emit, claim)
    return _run_pool(cells, jobs, threads, device, data_dir, emit, claim)


def _run_inline(cells: list[Cell], threads: int | None, device: str, data_dir: str | None,
                emit: Emit, claim: Claim) -> list[dict | None]:
    if threads is not None:
        set_threads(threads)
    rows: list[dict | None] = [None] * len(cells)
    for i, cell in enumerate(cells):
        if not claim(i):
            emit(Event("skipped", i, {}))
            continue
        emit(Event("start", i, {}))
        row, error = guarded_run(cell, device, data_dir, lambda r, i=i: emit(Event("epoch", i, r)))
        collect(rows, i, row, error, emit)
    return rows


_queue = None
PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _init_worker(q, threads: int, driver_pid: int) -> None:
    global _queue
    _queue = q
    die_with_parent(driver_pid)
    set_threads(threads)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent ends workers


def die_with_parent(parent_pid: int, poll_s: float = 1.0) -> None:
    """Make this process exit when `parent_pid` (its parent) dies, even by `kill -9`: Linux's
    PR_SET_PDEATHSIG (SIGKILL at once), plus a daemon thread that polls the parent pid (every
    platform; also covers a parent gone before prctl took effect)."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # no prctl in this libc: the watch thread alone
            pass
    if os.getppid() != parent_pid:  # died before the signal was armed
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(poll_s)
            if os.getppid() != parent_pid:  # re-parented to init (or a subreaper): the driver is gone
                os._exit(1)

    threading.Thread(target=watch, name="seqarena-parent-watch", daemon=True).start()


def _work(index: int, cell: Cell, device: str, data_dir: str | None) -> tuple[int, dict | None, str | None]:
    _queue.put(("start", index, {}))
    row, error = guarded_run(cell, device, data_dir, lambda r: _queue.put(("epoch", index, r)))
    return index, row, error


def _run_pool(cells: list[Cell], jobs: int, threads: int | None, device: str, data_dir: str | None,
              emit: Emit, claim: Claim) -> list[dict | None]:
    n_workers = min(jobs, len(cells))
    n_threads = threads_per_worker(n_workers, threads)
    ctx = mp.get_context(start_method(device, n_threads))
    q = ctx.Queue()
    rows: list[dict | None] = [None] * len(cells)
    pool = ProcessPoolExecutor(n_workers, mp_context=ctx, initializer=_init_worker,
                               initargs=(q, n_threads, os.getpid()))
    # longest first, so that no worker is left alone with a long cell at the end; one cell per
    # worker in flight, each claimed just before it is handed over (another run may take the rest)
    pending = iter(sorted(range(len(cells)), key=lambda i: -expected_cost(cells[i])))
    futures: set = set()

    def submit_next() -> None:
        for i in pending:
            if claim(i):
                futures.add(pool.submit(_work, i, cells[i], device, data_dir))
                return
            emit(Event("skipped", i, {}))

    try:
        for _ in range(n_workers):
            submit_next()
        while futures:
            done, futures = wait(futures, timeout=0.2, return_when=FIRST_COMPLETED)
            _drain(q, emit)
            for f in done:
                collect(rows, *f.result(), emit)
                submit_next()
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
    entry = MODELS.get(cell.model.name)
    return _FAMILY_COST.get(entry.family if entry else "", 1) * cell.train.epochs


def _drain(q, emit: Emit) -> None:
    while True:
        try:
            kind, i, row = q.get_nowait()
        except queue_mod.Empty:
            return
        emit(Event(kind, i, row))
