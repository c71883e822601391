"""Fast paths of the models: small C kernels (rnn_cells.c: the GRU steps, and the sparse row update of
train.optim.SGD), compiled on first use and loaded with ctypes, and a switch that turns every fast
path off.

`disabled()` makes FastGRU and TextCNN run their plain PyTorch form (nn.GRU, Conv1d + ReLU + max)
within a block: the theory module counts operations on that reference form, and tests compare the
two forms.

`load()` returns the library, or None when it cannot be had (no C compiler, a failed build, a
non-x86/ARM libc, or SEQARENA_KERNELS=0); callers then fall back to PyTorch's own modules, so the
kernels only ever change speed. The shared object is cached per source, compiler flags and CPU under
$XDG_CACHE_HOME/seqarena/kernels (override: SEQARENA_KERNEL_CACHE); it is built in a temporary file
and renamed into place, so parallel workers never load a half-written file.
"""

from __future__ import annotations

import contextvars
import ctypes
import hashlib
import logging
import os
import platform
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from seqarena.fsutil import atomic_path

log = logging.getLogger(__name__)
SOURCE = Path(__file__).with_name("rnn_cells.c")
# no -ffast-math: it assumes no NaN, and linking with it sets flush-to-zero for the whole process
FLAGS = ["-O3", "-march=native", "-fno-math-errno", "-fno-trapping-math", "-fPIC", "-shared"]
FALLBACK = ["-DSEQARENA_NO_LIBMVEC"]  # scalar expf/tanhf, for C libraries without libmvec

_p = ctypes.c_void_p
_i = ctypes.c_int
SIGNATURES = {
    "gru_fwd_step": [_i, _i, _p, ctypes.c_long, _p, _p, _p, _p, _p, _p, _p],
    "gru_bwd_step": [_i, _i, _p, _p, _p, _p, _p, _p, _p, _p, _p, _p],
    "rows_axpy": [ctypes.c_long, ctypes.c_long, ctypes.c_float, _p, _p, _p],
}


_DISABLED = contextvars.ContextVar("seqarena_fast_paths_disabled", default=False)


def enabled() -> bool:
    """False inside `disabled()`: models then take their plain PyTorch path."""
    return not _DISABLED.get()


@contextmanager
def disabled() -> Iterator[None]:
    token = _DISABLED.set(True)
    try:
        yield
    finally:
        _DISABLED.reset(token)


def cache_dir() -> Path:
    if os.environ.get("SEQARENA_KERNEL_CACHE"):
        return Path(os.environ["SEQARENA_KERNEL_CACHE"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "seqarena" / "kernels"


def _cpu_fingerprint() -> str:
    try:  # -march=native code must not be reused on another CPU sharing the home directory
        with open("/proc/cpuinfo") as f:
            return next((line for line in f if line.startswith(("flags", "Features"))), "")
    except OSError:
        return platform.processor()


def _compile(cc: str, out: str) -> None:
    """Build with libmvec's vector expf/tanhf; where that fails, once more with the scalar ones."""
    for extra in ([], FALLBACK):
        try:
            subprocess.run([cc, *FLAGS, *extra, "-o", out, str(SOURCE), "-lm"], check=True,
                           capture_output=True, timeout=120)
            return
        except subprocess.CalledProcessError:
            if extra is FALLBACK:
                raise


@lru_cache(maxsize=1)
def load() -> ctypes.CDLL | None:
    if os.environ.get("SEQARENA_KERNELS", "1") == "0":
        return None
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        log.info("no C compiler found; using PyTorch's recurrent layers")
        return None
    src = SOURCE.read_bytes()
    key = hashlib.sha256(src + " ".join([cc, *FLAGS, platform.machine(), _cpu_fingerprint()]).encode())
    target = cache_dir() / f"rnn_cells-{key.hexdigest()[:16]}.so"
    try:
        if not target.exists():
            with atomic_path(target) as tmp:  # concurrent first uses each compile to their own temp file
                _compile(cc, str(tmp))
        lib = ctypes.CDLL(str(target))
        for name, args in SIGNATURES.items():
            fn = getattr(lib, name)
            fn.argtypes, fn.restype = args, None
        return lib
    except (OSError, subprocess.SubprocessError) as e:
        log.warning("could not build the RNN kernels (%s); using PyTorch's recurrent layers", str(e).strip()[:200])
        return None
