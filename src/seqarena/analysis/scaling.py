"""Scaling, measured: training-step time, forward time (latency at batch 1, throughput at large
batches) and peak memory against sequence length and batch size, per model and device, and a fitted
growth exponent (log-log slope against T). Rows and fits: see ARCHITECTURE.md, `scaling.json`."""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch.profiler import ProfilerActivity, profile

from seqarena.analysis.common import loglog_slope
from seqarena.analysis.theory import saved_activation_bytes
from seqarena.data.batching import Split
from seqarena.models import create_model, train_config
from seqarena.runtime import synchronize
from seqarena.train.loop import make_optimizer, sparse_rows_apply
from seqarena.train.optim import use_sparse_embeddings
from seqarena.train.speed import throughput

VOCAB = 5000  # the seed's vocabulary; only the embedding size depends on it
FIT_METRICS = ("train_step_ms", "forward_ms", "peak_mem_bytes")


@dataclass(frozen=True)
class ScaleSettings:
    repeats: int = 3  # timed runs per figure (median), after one warm-up
    max_step_s: float = 5.0  # once a training step takes longer, longer T is skipped for that model/batch
    max_mem_bytes: int = 4 << 30  # skip a config whose predicted activation memory exceeds this


def _median_ms(fn: Callable[[], None], device: torch.device, repeats: int) -> float:
    fn()  # warm-up: allocator, kernels, lazy init
    times = []
    for _ in range(repeats):
        synchronize(device)
        t0 = time.perf_counter()
        fn()
        synchronize(device)
        times.append(time.perf_counter() - t0)
    return 1000 * statistics.median(times)


@contextmanager
def _native_stderr_silenced() -> Iterator[None]:
    """The profiler's C++ side (kineto) logs start/stop lines straight to file descriptor 2; point fd 2
    at /dev/null meanwhile so that they do not land between the progress bar and the tables."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _cpu_peak_bytes(fn: Callable[[], None]) -> int:
    """Peak of the allocation trace of one call: each profiler event's own allocations (positive) and
    frees (negative), summed in start-time order. tracemalloc cannot see torch's allocator."""
    with _native_stderr_silenced(), profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        fn()
    cur = peak = 0
    for e in sorted(prof.events(), key=lambda e: e.time_range.start):
        cur += e.self_cpu_memory_usage
        peak = max(peak, cur)
    return peak


def measure(name: str, seq_len: int, batch_size: int, device: torch.device,
            settings: ScaleSettings = ScaleSettings()) -> dict:
    """One row: forward, training step and memory of `name` on a full (B, T) batch of random tokens."""
    T, B = seq_len, batch_size
    row = {"model": name, "device": str(device), "seq_len": T, "batch_size": B}
    torch.manual_seed(0)
    model = create_model(name, "classify", VOCAB, 2)
    row["family"] = model.family
    per_sample = saved_activation_bytes(model.train(), torch.randint(1, VOCAB, (1, T)), torch.tensor([T]))
    row["saved_bytes"] = per_sample * B
    if per_sample * B > settings.max_mem_bytes:
        return {**row, **_empty(), "status": f"skipped: predicted {per_sample * B / 2**30:.1f} GiB of activations"}
    model.to(device)
    x = torch.randint(1, VOCAB, (B, T), device=device)
    lengths = torch.full((B,), T, device=device)
    y = torch.randint(0, 2, (B,), device=device)
    cfg = train_config(name)  # Adam, or the model's own recipe (bow: SGD on sparse rows, as fit runs it)
    if sparse_rows_apply(cfg):
        use_sparse_embeddings(model)
    opt = make_optimizer(model.parameters(), cfg)

    def step() -> None:
        loss = F.cross_entropy(model(x, lengths), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    # forward: train/speed.py's throughput (median of `repeats` eval-mode passes over the B rows)
    fwd = 1000 * B / throughput(model, Split(x, lengths, y), batch_size=B, repeats=settings.repeats)
    model.train()
    train = _median_ms(step, device, settings.repeats)
    if device.type == "cuda":
        synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
        base = torch.cuda.memory_allocated(device)
        step()
        synchronize(device)
        peak, method = torch.cuda.max_memory_allocated(device) - base, "cuda_max_allocated"
    else:
        peak, method = _cpu_peak_bytes(step), "cpu_profiler"
    return {**row, "forward_ms": fwd, "throughput_seq_s": B / (fwd / 1000), "train_step_ms": train,
            "peak_mem_bytes": int(peak), "mem_method": method, "status": "ok"}


def _empty() -> dict:
    return {"forward_ms": None, "throughput_seq_s": None, "train_step_ms": None, "peak_mem_bytes": None,
            "mem_method": None}


def plan(models: list[str], lengths: list[int], batch_sizes: list[int]) -> list[tuple[str, int, int]]:
    return [(m, b, t) for m in models for b in batch_sizes for t in sorted(lengths)]


def run_scaling(models: list[str], lengths: list[int], batch_sizes: list[int], devices: list[torch.device],
                settings: ScaleSettings = ScaleSettings(),
                on_row: Callable[[dict], None] | None = None) -> list[dict]:
    """Every (device, model, batch, T), T ascending; once a step exceeds `max_step_s`, the longer T of
    that (device, model, batch) are recorded as skipped rather than run."""
    rows = []
    for dev in devices:
        for m, b, t in plan(models, lengths, batch_sizes):
            slow = [r for r in rows if (r["model"], r["batch_size"], r["device"]) == (m, b, str(dev))
                    and r["status"] == "ok" and r["train_step_ms"] > 1000 * settings.max_step_s]
            if slow:
                rows.append({"model": m, "family": None, "device": str(dev), "seq_len": t, "batch_size": b,
                             "saved_bytes": None, **_empty(),
                             "status": f"skipped: a step took > {settings.max_step_s:g} s at T={slow[0]['seq_len']}"})
            else:
                rows.append(measure(m, t, b, dev, settings))
            if on_row is not None:
                on_row(rows[-1])
    return rows


def fit_exponents(rows: list[dict]) -> list[dict]:
    """Per (model, device, batch, metric): slope of log(metric) against log(T) over the measured rows."""
    out = []
    keys = sorted({(r["model"], r["device"], r["batch_size"]) for r in rows}, key=str)
    for model, device, B in keys:
        mine = [r for r in rows if (r["model"], r["device"], r["batch_size"]) == (model, device, B)
                and r["status"] == "ok"]
        for metric in FIT_METRICS:
            pts = [(r["seq_len"], r[metric]) for r in mine if r[metric]]
            slope, r2 = loglog_slope([p[0] for p in pts], [p[1] for p in pts])
            out.append({"model": model, "device": device, "batch_size": B, "metric": metric,
                        "exponent": slope, "r2": r2, "n_points": len(pts),
                        "seq_len_min": min((p[0] for p in pts), default=None),
                        "seq_len_max": max((p[0] for p in pts), default=None)})
    return out


__all__ = ["ScaleSettings", "measure", "run_scaling", "fit_exponents", "plan"]
