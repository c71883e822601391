"""Inference speed of a trained model: batch-1 latency (median) and batch throughput; `median_seconds`,
the one median timing every speed figure uses."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import torch
from torch import nn

from seqarena.data.batching import Split
from seqarena.runtime import synchronize


def median_seconds(fn: Callable[[int], object], repeats: int, warmup: int = 0,
                   device: torch.device | None = None) -> float:
    """Median wall time (s) of `fn(i)` over `repeats` calls after `warmup` untimed ones; the device is
    synchronised around each call, so a GPU's queued work is counted."""
    times = []
    for i in range(warmup + repeats):
        if device is not None:
            synchronize(device)
        t0 = time.perf_counter()
        fn(i)
        if device is not None:
            synchronize(device)
        if i >= warmup:
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


def model_device(model: nn.Module) -> torch.device:
    t = next(model.parameters(), None)
    t = t if t is not None else next(model.buffers(), None)
    return t.device if t is not None else torch.device("cpu")


@torch.no_grad()
def latency_ms(model: nn.Module, split: Split, n: int = 30, warmup: int = 3) -> float:
    """Median wall time (ms) of one forward pass on one sequence, over the split's first `n` rows."""
    model.eval()
    device = model_device(model)
    rows = [split.subset(torch.tensor([i])).to(device) for i in range(min(n, len(split)))]
    w = len(rows[:warmup])
    rows = rows[:warmup] + rows

    def one(i: int) -> None:
        model(rows[i].tokens, rows[i].lengths)

    return 1000 * median_seconds(one, len(rows) - w, w, device)


@torch.no_grad()
def throughput(model: nn.Module, split: Split, batch_size: int = 256, repeats: int = 5) -> float:
    """Sequences per second for forward passes on a batch of the split's first `batch_size` rows."""
    model.eval()
    device = model_device(model)
    s = split.subset(torch.arange(min(batch_size, len(split)))).to(device)
    return len(s) / median_seconds(lambda i: model(s.tokens, s.lengths), repeats, 1, device)
