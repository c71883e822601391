"""Expected validation performance (Dodge et al. 2019, "Show Your Work", section 3): the expected best
dev score of n trials drawn from the empirical distribution of the N trials a study ran.

With the N scores sorted, v_(1) <= ... <= v_(N), the empirical CDF is F(v_(i)) = i / N, and the
maximum of n independent draws (with replacement) is v_(i) with probability
(i / N)^n - ((i - 1) / N)^n. So E[max_n] = sum_i v_(i) [(i/N)^n - ((i-1)/N)^n], and its variance is
E[max_n^2] - E[max_n]^2 (the band of the curve). Ties need no special care: equal scores' terms add
up to the probability of their value."""

from __future__ import annotations

import numpy as np


def expected_max(scores: list[float], n: int) -> tuple[float, float]:
    """(E[max of n draws], its variance) from the empirical distribution of `scores`."""
    v = np.sort(np.asarray(scores, dtype=np.float64))
    N = len(v)
    if N == 0 or n < 1:
        raise ValueError(f"expected_max needs scores and n >= 1 (got {N} scores, n = {n})")
    i = np.arange(1, N + 1, dtype=np.float64)
    p = (i / N) ** n - ((i - 1) / N) ** n
    mean = float(p @ v)
    var = float(p @ (v * v)) - mean * mean
    return mean, max(var, 0.0)


def evp_curve(scores: list[float], n_max: int | None = None) -> list[dict]:
    """[{'n', 'mean', 'std'}] for n = 1 .. n_max (default: the number of scores)."""
    out = []
    for n in range(1, (n_max or len(scores)) + 1):
        mean, var = expected_max(scores, n)
        out.append({"n": n, "mean": mean, "std": var ** 0.5})
    return out
