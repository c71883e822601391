"""Range checks for numbers where they enter (flags, spec fields, hyperparameters, checkpoints), and
the size limits that keep a request from allocating more than a machine has.

NaN and infinity are never valid: `nan <= 0` is False, so a plain comparison lets them through;
every float check here asks `math.isfinite` first. Integers must be real integers (not bools)."""

from __future__ import annotations

import math
from typing import Any

from seqarena.errors import FieldError

# One place for the largest request each size may make. Each is far above any sensible run and
# well below what fails with MemoryError or overflows a C integer; the refusal names the limit.
MAX_SEED = 2**63 - 1  # torch.manual_seed and numpy take 64-bit seeds
MAX_SEEDS = 10_000  # repeats of a comparison (cells = datasets x seeds x folds x models)
MAX_SEQ_LEN = 8_192  # analysis sequence lengths (attention's T x T float scores at 8k: 256 MiB per head)
MAX_VOCAB = 10_000_000  # analysis vocabulary sizes (an embedding table row per id)
MAX_WIDTH = 65_536  # any d_* width, n_filters, hidden size
MAX_LAYERS = 256
MAX_KERNEL = 1_024
MAX_DIFFICULTY = 100_000  # a probe's knob (text lengths grow with it)
MAX_TEXTS = 10_000_000  # texts generated for a probe or a gradient batch
MAX_SAMPLES = 1_000_000  # names drawn by `names sample --n`
MAX_NAME_LEN = 10_000  # characters per sampled name
MAX_BATCH = 1_000_000
MAX_EPOCHS = 1_000_000
MAX_JOBS = 1_024  # worker processes
MAX_THREADS = 1_024
MAX_PARAMS = 2**31  # parameters of one model (8 GiB of float32 before gradients and optimiser state)
MAX_TOKENS = 2**28  # token ids generated at once (2 GiB as int64)


def check_int(name: str, value: Any, lo: int | None = None, hi: int | None = None) -> int:
    """An integer (not a bool) in [lo, hi]; raises FieldError(name, what) naming the bounds."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise FieldError(name, f"must be an integer (got {value!r})")
    if lo is not None and value < lo:
        raise FieldError(name, f"must be >= {lo} (got {value})")
    if hi is not None and value > hi:
        raise FieldError(name, f"must be <= {hi:,} (got {value:,}); that is the largest this accepts")
    return value


def check_float(name: str, value: Any, lo: float | None = None, hi: float | None = None,
                lo_open: bool = False, hi_open: bool = False) -> float:
    """A finite number in the interval (open or closed at each end); ints are accepted as floats."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise FieldError(name, f"must be a number (got {value!r})")
    if not math.isfinite(value):
        raise FieldError(name, f"must be a finite number (got {value})")
    low_bad = lo is not None and (value <= lo if lo_open else value < lo)
    high_bad = hi is not None and (value >= hi if hi_open else value > hi)
    if low_bad or high_bad:
        if hi is None:
            rule = f"> {lo}" if lo_open else f">= {lo}"
        elif lo is None:
            rule = f"< {hi}" if hi_open else f"<= {hi}"
        else:
            rule = f"in {'(' if lo_open else '['}{lo}, {hi}{')' if hi_open else ']'}"
        raise FieldError(name, f"must be {rule} (got {value})")
    return float(value)


def check_tokens(flags: str, n_texts: int, length: int) -> None:
    """Refuse generating n_texts texts of up to `length` tokens when that exceeds MAX_TOKENS."""
    if n_texts * length > MAX_TOKENS:
        raise FieldError(flags, f"would generate {n_texts:,} texts of up to {length:,} tokens "
                                f"({n_texts * length:,} token ids); the limit is {MAX_TOKENS:,}")
