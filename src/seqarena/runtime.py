"""The one place for device choice, threads, seeding, synchronised timing and the environment record."""

from __future__ import annotations

import os
import platform
import random
import time
from contextlib import contextmanager
from typing import Iterator

import numpy as np
import torch

from seqarena.errors import InputError

DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS / Windows
        return os.cpu_count() or 1


def resolve_device(name: str = "auto") -> torch.device:
    """'auto' -> CUDA when present, else CPU. 'cuda:1' style indices are accepted."""
    base = name.split(":")[0]
    if base not in DEVICE_CHOICES:
        raise InputError(f"--device: unknown device '{name}'; choose from {list(DEVICE_CHOICES)}")
    if base == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if base == "cuda" and not torch.cuda.is_available():
        raise InputError(f"--device: '{name}' requested but CUDA is not available on this machine")
    if base == "mps" and not (hasattr(torch.backends, "mps") and torch.backends.mps.is_available()):
        raise InputError(f"--device: '{name}' requested but MPS is not available on this machine")
    try:
        return torch.device(name)
    except (RuntimeError, ValueError):  # 'cpu:x', 'cuda:-1': torch's parser refuses it
        raise InputError(f"--device: '{name}' is not a device; use cpu, cuda, cuda:N or mps") from None


def set_threads(n: int | None) -> int:
    """Set torch's intra-op threads (None keeps the default); returns the count in force."""
    if n is not None:
        if n < 1:
            raise InputError(f"--threads must be >= 1 (got {n})")
        torch.set_num_threads(n)
    return torch.get_num_threads()


def seed_everything(seed: int) -> torch.Generator:
    """Seed python, numpy and torch; return a CPU generator for data order."""
    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)
    g = torch.Generator()
    g.manual_seed(seed)
    return g


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


class Stopwatch:
    """Accumulates wall time of the blocks it times, synchronising the device at both ends."""

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.seconds = 0.0

    @contextmanager
    def time(self) -> Iterator[None]:
        synchronize(self.device)
        t0 = time.perf_counter()
        try:
            yield
        finally:
            synchronize(self.device)
            self.seconds += time.perf_counter() - t0


def environment(device: torch.device) -> dict:
    """What a result row records about where it was measured."""
    env = {
        "torch_version": torch.__version__,
        "python_version": platform.python_version(),
        "platform": platform.platform(),
        "device": str(device),
        "threads": torch.get_num_threads(),
        "cores": available_cores(),
    }
    if device.type == "cuda":
        env["device_name"] = torch.cuda.get_device_name(device)
    return env
