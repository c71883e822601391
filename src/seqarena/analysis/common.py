"""The JSON envelope shared by the analyses: {kind, version, env, settings, rows, ...extra}."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import torch

from seqarena.fsutil import atomic_write
from seqarena.jsonutil import plain
from seqarena.runtime import environment

SCHEMA_VERSION = 1


def envelope(kind: str, device: torch.device, settings: dict, rows: list[dict], **extra: Any) -> dict:
    """One analysis result, ready for json.dumps; `extra` holds kind-specific keys (summary, fits...)."""
    return {"kind": kind, "version": SCHEMA_VERSION, "env": environment(device), "settings": settings,
            "rows": rows, **extra}


def dumps(doc: dict) -> str:
    return json.dumps(plain(doc), indent=1, ensure_ascii=False, default=str)


def write_json(out_dir: Path, doc: dict) -> Path:
    """Write `doc` to out_dir/<kind>.json (write then rename, so a crash never truncates it)."""
    return atomic_write(out_dir / f"{doc['kind']}.json", dumps(doc))


def loglog_slope(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """Least-squares slope of log(y) against log(x), and its r^2; (nan, nan) with < 2 points."""
    pts = [(math.log(x), math.log(y)) for x, y in zip(xs, ys) if x > 0 and y is not None and y > 0]
    if len(pts) < 2:
        return float("nan"), float("nan")
    n = len(pts)
    mx = sum(p[0] for p in pts) / n
    my = sum(p[1] for p in pts) / n
    sxx = sum((p[0] - mx) ** 2 for p in pts)
    sxy = sum((p[0] - mx) * (p[1] - my) for p in pts)
    syy = sum((p[1] - my) ** 2 for p in pts)
    if sxx == 0:
        return float("nan"), float("nan")
    slope = sxy / sxx
    r2 = 1.0 if syy == 0 else (sxy * sxy) / (sxx * syy)
    return slope, r2
