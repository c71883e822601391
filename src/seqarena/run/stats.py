"""Summary statistics over repeats (seeds, folds): mean, sample std, 95 % t-interval."""

from __future__ import annotations

import math
import statistics

# two-sided 95 % Student-t critical values by degrees of freedom (1..30); beyond, the normal 1.96
_T95 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145,
        2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048,
        2.045, 2.042]


def t_critical(df: int) -> float:
    return _T95[df - 1] if 1 <= df <= len(_T95) else 1.96


def summarize(values: list[float]) -> dict:
    """{'mean', 'std', 'ci95', 'n'}: std is the sample std (0 for one value), ci95 the half-width."""
    xs = [float(v) for v in values if v is not None and not math.isnan(float(v))]
    n = len(xs)
    if n == 0:
        return {"mean": float("nan"), "std": float("nan"), "ci95": float("nan"), "n": 0}
    mean = statistics.fmean(xs)
    std = statistics.stdev(xs) if n > 1 else 0.0
    ci = t_critical(n - 1) * std / math.sqrt(n) if n > 1 else float("nan")
    return {"mean": mean, "std": std, "ci95": ci, "n": n}


METRICS = ("train_acc", "test_acc", "macro_f1", "train_time_s", "latency_ms", "throughput")


def aggregate(rows: list[dict], by: tuple[str, ...] = ("dataset", "model"),
              metrics: tuple[str, ...] = METRICS) -> list[dict]:
    """One summary row per group (in first-seen order): each metric's mean under its own name, plus
    `<metric>_std`, `<metric>_ci95` and `n` (the number of repeats: seeds x folds)."""
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        groups.setdefault(tuple(r.get(k) for k in by), []).append(r)
    out = []
    for key, rs in groups.items():
        first = rs[0]
        agg = {k: v for k, v in zip(by, key)}
        agg.update(family=first.get("family"), params=first.get("params"), n=len(rs))
        for m in metrics:
            s = summarize([r.get(m) for r in rs if r.get(m) is not None])
            agg[m], agg[f"{m}_std"], agg[f"{m}_ci95"] = s["mean"], s["std"], s["ci95"]
        out.append(agg)
    return out
