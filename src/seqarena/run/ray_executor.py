"""The Ray executor: each cell is a Ray task on a running cluster (`--executor ray --address HOST:PORT`).

Ray is an optional extra (`pip install 'seqarena[ray]'`) imported only here. The driver connects to a
cluster that is already running and never starts one: where its nodes listen is the operator's choice
(on one machine: `ray start --head --node-ip-address=127.0.0.1 ...`, all traffic on loopback)."""

from __future__ import annotations

import os
import sys
from typing import Any

from seqarena.errors import InputError
from seqarena.run.cells import Cell
from seqarena.run.events import Claim, Emit, Event, collect, guarded_run
from seqarena.runtime import set_threads


def _task(cell: Cell, threads: int, device: str, data_dir: str | None) -> tuple[dict | None, str | None]:
    """What runs on a Ray worker: torch threads pinned to the CPUs Ray reserved for the task."""
    set_threads(threads)
    return guarded_run(cell, device, data_dir)


def connect(address: str | None) -> Any:
    """Import Ray and connect to the cluster at `address` (or $RAY_ADDRESS); returns the ray module."""
    address = address or os.environ.get("RAY_ADDRESS")
    if not address:
        raise InputError("--executor ray: give --address HOST:PORT of a running Ray cluster (start one with "
                         "`ray start --head --node-ip-address=127.0.0.1 --port PORT`), or set RAY_ADDRESS")
    if address.split(":")[0] in ("127.0.0.1", "localhost") and "ray" not in sys.modules:
        # otherwise Ray rewrites a loopback address to the machine's routable one (read at import)
        os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    try:
        import ray
    except ImportError:
        raise InputError("--executor ray: Ray is not installed; pip install 'seqarena[ray]'") from None
    loopback = address.split(":")[0] in ("127.0.0.1", "localhost")
    if loopback and getattr(ray._private.ray_constants, "ENABLE_RAY_CLUSTER", False) and not ray.is_initialized():
        raise InputError(f"--address {address}: Ray was imported before RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 was "
                         "set, so it would connect to this machine's routable address instead; set it first")
    if not ray.is_initialized():
        try:
            ray.init(address=address, logging_level="ERROR", log_to_driver=False,
                     configure_logging=True)
        except ConnectionError as e:
            raise InputError(f"--address {address}: cannot connect to a Ray cluster there ({e})") from None
    return ray


def run_ray(cells: list[Cell], jobs: int, threads: int | None, device: str, data_dir: str | None,
            emit: Emit, address: str | None, claim: Claim | None = None) -> list[dict | None]:
    """Submit the cells as Ray tasks (at most `jobs` in flight when jobs > 1, else as many as the
    cluster's CPUs take) and collect them as they finish. Each task reserves `threads` CPUs (default 1).
    A cell whose `claim` fails (another run holds it) is a 'skipped' event."""
    ray = connect(address)
    n_threads = threads or 1
    remote = ray.remote(num_cpus=n_threads, max_retries=0)(_task)
    window = jobs if jobs > 1 else len(cells)
    rows: list[dict | None] = [None] * len(cells)
    pending: dict[Any, int] = {}
    todo = list(range(len(cells)))
    try:
        while todo or pending:
            while todo and len(pending) < window:
                i = todo.pop(0)
                if claim is not None and not claim(i):
                    emit(Event("skipped", i, {}))
                    continue
                pending[remote.remote(cells[i], n_threads, device, data_dir)] = i
                emit(Event("start", i, {}))
            done, _ = ray.wait(list(pending), num_returns=1, timeout=1.0)
            for ref in done:
                i = pending.pop(ref)
                try:
                    row, error = ray.get(ref)
                except Exception as e:  # noqa: BLE001 - a worker that died: the cell failed
                    row, error = None, f"{type(e).__name__}: ray task failed"
                collect(rows, i, row, error, emit)
    except BaseException:  # Ctrl-C: cancel what is still queued or running on the cluster
        for ref in pending:
            ray.cancel(ref, force=True)
        raise
    return rows
