"""Which configuration a tuned model's final runs use (`seqarena tune --select`).

The best of N dev trials is chosen partly for its dev noise (the winner's curse): on SST-2 the LSTM's
best of 20 trials beat the preset by 0.46 points on dev (4 sentences of 872) and then lost 1.45 points
on test over 3 seeds (docs/tuning.md). So by default ('significant') the best trial replaces the
preset's configuration (trial 0) only when it is better on dev by a one-sided paired permutation test
over the dev examples at p < ALPHA; otherwise the preset is kept. 'best' takes the best trial as is.

Each complete trial stores its per-row dev outcome at the epoch it was scored on (`dev_rows`): a
classifier's predicted label per dev example, a language model's summed nats per dev name. The test
pairs the two trials' outcomes row by row and swaps them at random (scipy.stats.permutation_test,
permutation_type='samples'): the statistic is the metric itself (accuracy, macro-F1, nats/char), so
every objective is tested on what it optimises. The p value is that of the chosen trial against the
preset; it is not corrected for the search having picked that trial among many, so it leans towards
adopting the tuned configuration."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

ALPHA = 0.05
SELECTIONS = ("significant", "best")
ROWS_ATTR = "dev_rows"  # the Optuna user attribute a complete trial's per-row dev outcomes live in


def encode_rows(metric: str, rows) -> list:
    """A trial's per-row dev outcomes as JSON-ready numbers: labels as ints, nats rounded to 6 digits."""
    arr = np.asarray(rows)
    return [round(float(v), 6) for v in arr] if metric == "nll" else [int(v) for v in arr]


def _macro_f1(pred: np.ndarray, gold: np.ndarray, n_classes: int) -> np.ndarray:
    """Macro-F1 over the last axis (any leading batch axes), as train.metrics.macro_f1: a class absent
    from both gold and prediction is skipped."""
    total = np.zeros(pred.shape[:-1])
    count = np.zeros(pred.shape[:-1])
    for c in range(n_classes):
        p, g = pred == c, gold == c
        tp, fp, fn = (p & g).sum(-1), (p & ~g).sum(-1), (~p & g).sum(-1)
        denom = 2 * tp + fp + fn
        total += np.where(denom > 0, 2 * tp / np.maximum(denom, 1), 0.0)
        count += denom > 0
    return total / np.maximum(count, 1)


def statistic(metric: str, gold: np.ndarray | None = None):
    """f(best, preset, axis) -> how much better `best` is (positive: better) on the metric."""
    if metric == "nll":
        return lambda a, b, axis=-1: np.mean(b - a, axis=axis)  # nats summed per row: lower is better
    if gold is None:
        raise ValueError(f"statistic: metric '{metric}' needs the dev labels")
    if metric == "acc":
        return lambda a, b, axis=-1: np.mean(a == gold, axis=axis) - np.mean(b == gold, axis=axis)
    if metric == "macro_f1":
        n = int(max(gold.max(initial=0), 0)) + 1

        def f1_gain(a, b, axis=-1):
            k = int(max(n, a.max(initial=0) + 1, b.max(initial=0) + 1))
            return _macro_f1(a, gold, k) - _macro_f1(b, gold, k)
        return f1_gain
    raise ValueError(f"statistic: unknown metric '{metric}'")


def gain_p(metric: str, best, preset, gold=None, n_resamples: int = 9999, seed: int = 0) -> float:
    """One-sided p value of 'best is better than preset on dev', paired over the dev rows. Exact (every
    swap enumerated) when the rows are few enough, else `n_resamples` seeded random swaps."""
    from scipy.stats import permutation_test

    a, b = np.asarray(best), np.asarray(preset)
    if a.shape != b.shape or a.ndim != 1 or len(a) == 0:
        raise ValueError(f"gain_p: the two trials' dev rows differ in shape ({a.shape} vs {b.shape})")
    g = None if gold is None else np.asarray(gold)
    if g is not None and g.shape != a.shape:
        raise ValueError(f"gain_p: {len(a)} dev rows but {len(g)} labels")
    stat = statistic(metric, g)
    if np.array_equal(a, b):
        return 1.0
    res = permutation_test((a, b), stat, permutation_type="samples", vectorized=True, n_resamples=n_resamples,
                           alternative="greater", random_state=seed)
    return float(res.pvalue)


@dataclass(frozen=True)
class Choice:
    """What the final runs use: `trial` (its number) with `point` and `dev` score; `best_trial` is the
    study's best; `p_value` the test of best against the preset (None when not tested); `note` says why."""

    point: dict[str, Any]
    dev: float
    trial: int
    best_trial: int
    kept_preset: bool
    p_value: float | None
    note: str


def decide(select: str, metric: str, best: dict, preset: dict | None, gold=None) -> Choice:
    """`best` and `preset`: {'point', 'dev', 'trial', 'rows'} (rows may be None: not stored). The rule of
    the module's docstring; 'best' takes the best trial without a test."""
    if select not in SELECTIONS:
        raise ValueError(f"select: '{select}' is not one of {', '.join(SELECTIONS)}")

    def take(t: dict, kept: bool, p: float | None, note: str) -> Choice:
        return Choice(t["point"], t["dev"], t["trial"], best["trial"], kept, p, note)

    if select == "best":
        return take(best, False, None, "the best dev trial (--select best)")
    if preset is None:
        return take(best, False, None, "the best dev trial: no complete preset trial to test it against")
    if best["trial"] == preset["trial"]:
        return take(preset, True, None, "the preset: no trial beat it on dev")
    if best.get("rows") is None or preset.get("rows") is None:
        return take(best, False, None, "the best dev trial: its per-row dev outcomes were not stored")
    p = gain_p(metric, best["rows"], preset["rows"], gold)
    if p < ALPHA:
        return take(best, False, p, f"trial {best['trial']}: better than the preset on dev (p = {p:.3g})")
    return take(preset, True, p, f"the preset: trial {best['trial']}'s dev gain is within the dev noise "
                                 f"(p = {p:.2g} >= {ALPHA:g})")
