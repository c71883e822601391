"""Which configuration a tuned model's final runs use (`seqarena tune --select`).

The best of N dev trials is chosen partly for its dev noise (the winner's curse): on SST-2 the LSTM's
best of 20 trials beat the preset by 0.46 points on dev (4 sentences of 872) and then lost 1.45 points
on test over 3 seeds (docs/tuning.md). So by default ('significant') the best trial replaces the
preset's configuration (trial 0) only when it is better on dev by a one-sided paired test
over the dev examples at p < ALPHA; otherwise the preset is kept. 'best' takes the best trial as is.

Each complete trial keeps its per-row dev outcome at the epoch it was scored on (`save_rows`, a .npy
file per trial beside the study store, not in it: Optuna re-reads every trial's attributes on each
load): a classifier's predicted label per dev example, a language model's summed nats per dev name. The test
pairs the two trials' outcomes row by row, on what the objective measures:
- accuracy: the exact paired permutation test, which on right/wrong outcomes is McNemar's exact test
  (a binomial test on the rows exactly one of the two gets right: scipy.stats.binomtest);
- macro-F1 (not a sum over rows): scipy.stats.permutation_test swapping the two predictions of a row
  at random, the statistic being macro-F1 itself;
- nats/char: the paired t-test on each name's summed nats (scipy.stats.ttest_rel; their mean
  difference over the dev characters is the difference in nats/char).
The p value is that of the chosen trial against the preset; it is not corrected for the search having
picked that trial among many, so it leans towards adopting the tuned configuration."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np

ALPHA = 0.05
SELECTIONS = ("significant", "best")
ROWS_DIR = "tune_rows"  # beside tune.sqlite: ROWS_DIR/<study, percent-encoded>/<trial number>.npy
ROWS_ATTR = "dev_rows"  # where studies run before ROWS_DIR kept them: an Optuna user attribute (a list)


def rows_path(run_dir: Path, study: str, number: int) -> Path:
    """One folder per study; percent-encoding keeps every study name apart ('a/b_c' and 'a_b/c')."""
    return Path(run_dir) / ROWS_DIR / quote(study, safe="") / f"{number}.npy"


def save_rows(path: Path, metric: str, rows) -> None:
    """A trial's per-row dev outcomes (labels as int64, nats as float64), written whole or not at all."""
    arr = np.asarray(rows, dtype=np.float64 if metric == "nll" else np.int64)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.npy")
    np.save(tmp, arr)
    os.replace(tmp, path)


def load_rows(path: Path, attr: Any = None) -> np.ndarray | None:
    """save_rows' array; else the trial's `attr` (ROWS_ATTR, a list) from a study run before the files;
    else None (no rows kept, or a file that cannot be read: empty after a crash, or junk)."""
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError):
        pass
    if isinstance(attr, list) and attr and all(isinstance(v, (int, float)) for v in attr):
        return np.asarray(attr)
    return None


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
    """One-sided p value of 'best is better than preset on dev', paired over the dev rows (the tests of
    the module's docstring). Macro-F1's permutation test is exact when the rows are few enough, else
    seeded random swaps: `n_resamples`, fewer on a large dev split (at least 999)."""
    from scipy.stats import binomtest, permutation_test, ttest_rel

    a, b = np.asarray(best), np.asarray(preset)
    if a.shape != b.shape or a.ndim != 1 or len(a) == 0:
        raise ValueError(f"gain_p: the two trials' dev rows differ in shape ({a.shape} vs {b.shape})")
    g = None if gold is None else np.asarray(gold)
    if g is not None and g.shape != a.shape:
        raise ValueError(f"gain_p: {len(a)} dev rows but {len(g)} labels")
    stat = statistic(metric, g)
    if np.array_equal(a, b):
        return 1.0
    if metric == "acc":
        ra, rb = a == g, b == g
        wins, losses = int((ra & ~rb).sum()), int((~ra & rb).sum())
        return 1.0 if wins + losses == 0 else float(binomtest(wins, wins + losses, 0.5, alternative="greater").pvalue)
    if metric == "nll":
        d = a.astype(float) - b.astype(float)
        if np.ptp(d) == 0:  # every name moved by the same amount: no spread to test against
            return 0.0 if d[0] < 0 else 1.0
        return float(ttest_rel(a, b, alternative="less").pvalue)
    n_res = max(999, min(n_resamples, 20_000_000 // len(a)))
    batch = max(1, 4_000_000 // len(a))  # swaps per call of the statistic: bounded memory
    res = permutation_test((a, b), stat, permutation_type="samples", vectorized=True, n_resamples=n_res,
                           alternative="greater", random_state=seed, batch=batch)
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
    reason: str  # one of REASONS: why this trial (what the report words in its language)


REASONS = ("select_best", "no_preset", "preset_best", "no_rows", "mismatch", "significant", "noise")


def decide(select: str, metric: str, best: dict, preset: dict | None, gold=None) -> Choice:
    """`best` and `preset`: {'point', 'dev', 'trial', 'rows'} (rows may be None: not stored). The rule of
    the module's docstring; 'best' takes the best trial without a test."""
    if select not in SELECTIONS:
        raise ValueError(f"select: '{select}' is not one of {', '.join(SELECTIONS)}")

    def take(t: dict, kept: bool, p: float | None, reason: str, note: str) -> Choice:
        return Choice(t["point"], t["dev"], t["trial"], best["trial"], kept, p, note, reason)

    if select == "best":  # the preset's own trial may be the best: then its configuration is kept
        kept = preset is not None and best["trial"] == preset["trial"]
        return take(best, kept, None, "select_best", "the best dev trial (--select best)")
    if preset is None:
        return take(best, False, None, "no_preset", "the best dev trial: no complete preset trial to test it against")
    if best["trial"] == preset["trial"]:
        return take(preset, True, None, "preset_best", "the preset: no trial beat it on dev")
    if best.get("rows") is None or preset.get("rows") is None:
        return take(best, False, None, "no_rows", "the best dev trial: its per-row dev outcomes were not stored")
    n = {len(best["rows"]), len(preset["rows"])} | ({len(gold)} if gold is not None else set())
    if len(n) > 1:  # a resumed study whose trials saw other dev rows (a changed file or dev fraction)
        return take(best, False, None, "mismatch", "the best dev trial: its dev rows do not match the preset's or "
                                                   "the dev split's")
    p = gain_p(metric, best["rows"], preset["rows"], gold)
    if p < ALPHA:
        return take(best, False, p, "significant", f"trial {best['trial']}: better than the preset on dev "
                                                   f"(p = {p:.3g})")
    return take(preset, True, p, "noise", f"the preset: trial {best['trial']}'s dev gain is within the dev noise "
                                          f"(p = {p:.2g} >= {ALPHA:g})")
