"""Inference speed of a trained model: batch-1 latency (median) and batch throughput."""

from __future__ import annotations

import statistics
import time

import torch
from torch import nn

from seqarena.data.batching import Split
from seqarena.runtime import synchronize


@torch.no_grad()
def latency_ms(model: nn.Module, split: Split, n: int = 30, warmup: int = 3) -> float:
    """Median wall time (ms) of one forward pass on one sequence, over the split's first `n` rows."""
    model.eval()
    device = next(model.parameters()).device
    rows = [split.subset(torch.tensor([i])).to(device) for i in range(min(n, len(split)))]
    times = []
    for i, s in enumerate(rows[:warmup] + rows):
        synchronize(device)
        t0 = time.perf_counter()
        model(s.tokens, s.lengths)
        synchronize(device)
        if i >= warmup:
            times.append(time.perf_counter() - t0)
    return 1000 * statistics.median(times)


@torch.no_grad()
def throughput(model: nn.Module, split: Split, batch_size: int = 256, repeats: int = 5) -> float:
    """Sequences per second for forward passes on a batch of the split's first `batch_size` rows."""
    model.eval()
    device = next(model.parameters()).device
    s = split.subset(torch.arange(min(batch_size, len(split)))).to(device)
    model(s.tokens, s.lengths)  # warm-up
    times = []
    for _ in range(repeats):
        synchronize(device)
        t0 = time.perf_counter()
        model(s.tokens, s.lengths)
        synchronize(device)
        times.append(time.perf_counter() - t0)
    return len(s) / statistics.median(times)
