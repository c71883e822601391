"""Summary statistics over repeats (seeds, folds): mean, sample std, 95 % t-interval."""

from __future__ import annotations

import json
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
# the language models' row metrics (nats/char, bits/char, perplexity: lower is better)
LM_METRICS = ("train_nll", "dev_nll", "test_nll", "test_bpc", "test_ppl", "pct_new", "train_time_s", "latency_ms")
LOWER_IS_BETTER = frozenset({"train_nll", "dev_nll", "test_nll", "test_bpc", "test_ppl"})


def sign(metric: str) -> float:
    """+1 where a higher `metric` is better (accuracy), -1 where lower is (nats/char)."""
    return -1.0 if metric in LOWER_IS_BETTER else 1.0


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


def paired_test(a: list[float], b: list[float]) -> dict:
    """Two-sided paired t-test of a against b over matched repeats (same folds/seeds).
    Returns {'mean_diff', 'p_value', 'n', 'significant'} at the 5 % level; p is NaN below 2 pairs
    or when every difference is equal (no variance to test)."""
    n = min(len(a), len(b))
    diffs = [float(x) - float(y) for x, y in zip(a[:n], b[:n])]
    mean_diff = statistics.fmean(diffs) if diffs else float("nan")
    if n < 2 or statistics.pstdev(diffs) == 0.0:
        return {"mean_diff": mean_diff, "p_value": float("nan"), "n": n, "significant": False}
    from scipy import stats as sps  # scipy comes with scikit-learn; imported only when there is a test

    p = float(sps.ttest_rel(a[:n], b[:n]).pvalue)
    return {"mean_diff": mean_diff, "p_value": p, "n": n, "significant": p < 0.05}


def best_vs_rest(rows: list[dict], metric: str = "test_acc", by: str = "model",
                 pair_on: tuple[str, ...] = ("dataset", "fold", "seed"), force_best: dict | None = None) -> dict:
    """For each group of `by` (per dataset), a paired test of the best (the best mean `metric`: highest,
    lowest for LOWER_IS_BETTER) against
    every other one, pairing rows that share `pair_on`. Returns {dataset: {'best', 'tests': {model: test}}}."""
    out: dict = {}
    for ds in dict.fromkeys(r.get("dataset") for r in rows):
        rs = [r for r in rows if r.get("dataset") == ds and r.get(metric) is not None]
        by_model: dict[str, dict[tuple, float]] = {}
        for r in rs:
            by_model.setdefault(r[by], {})[tuple(r.get(k) for k in pair_on)] = float(r[metric])
        if not by_model:
            continue
        best = max(by_model, key=lambda m: sign(metric) * statistics.fmean(by_model[m].values()))
        if force_best and force_best.get(ds) in by_model:  # e.g. the tie rule's choice (choose_best)
            best = force_best[ds]
        tests = {}
        for m, vals in by_model.items():
            if m == best:
                continue
            keys = [k for k in by_model[best] if k in vals]
            tests[m] = paired_test([by_model[best][k] for k in keys], [vals[k] for k in keys])
        out[ds] = {"best": best, "tests": tests}
    return out


def per_class_summary(rows: list[dict]) -> dict[tuple[str, str], dict]:
    """(dataset, model) -> {'labels', 'per_class': mean precision/recall/F1 over the cells and the
    support of one seed (summed over its folds), 'confusion': summed over the cells}; rows without
    per-class fields are skipped."""
    out: dict[tuple[str, str], dict] = {}
    for r in rows:
        if not r.get("per_class"):
            continue
        pc, conf = _loads(r["per_class"]), _loads(r.get("confusion"))
        key = (r["dataset"], r["model"])
        acc = out.setdefault(key, {"labels": [c["label"] for c in pc], "n": 0, "sums": None, "confusion": None,
                                   "seeds": set()})
        acc["seeds"].add(r.get("seed"))
        vals = [[c["precision"], c["recall"], c["f1"], c["support"]] for c in pc]
        if acc["sums"] is None:
            acc["sums"] = vals
            acc["confusion"] = conf
        elif len(vals) == len(acc["sums"]):
            acc["sums"] = [[a + b for a, b in zip(x, y)] for x, y in zip(acc["sums"], vals)]
            if conf and acc["confusion"]:
                acc["confusion"] = [[a + b for a, b in zip(x, y)] for x, y in zip(acc["confusion"], conf)]
        acc["n"] += 1
    for acc in out.values():  # support: test rows of one seed (over its folds, the whole CV pool)
        n, n_seeds, sums = acc.pop("n"), len(acc.pop("seeds")), acc.pop("sums")
        acc["per_class"] = [{"label": lab, "precision": p / n, "recall": rc / n, "f1": f / n,
                             "support": round(s / n_seeds)} for lab, (p, rc, f, s) in zip(acc["labels"], sums)]
    return out


def _loads(v):
    return json.loads(v) if isinstance(v, str) else v


COST_KEYS = ("latency_ms", "params", "train_time_s")  # the order in which cost breaks a tie


def choose_best(rows: list[dict], metric: str = "test_acc",
                pair_on: tuple[str, ...] = ("dataset", "fold", "seed")) -> dict:
    """The one tie rule of the project, per dataset. `top` has the highest mean `metric`; a model is
    *tied* with it when the gap is inside the noise: the paired t-test over shared folds x seeds does
    not reject equality (0 lies in the 95 % interval of the paired difference), or the gap is smaller
    than one test example (1 / n_test). Of the top and the tied models the cheapest (batch-1 latency,
    then parameters, then training time) is `best`, and `tests` pairs `best` against every other
    model. Returns {dataset: {'best', 'top', 'tied': [...], 'tests': {model: test}, 'one_example'}}."""
    out: dict = {}
    for ds, res in best_vs_rest(rows, metric, pair_on=pair_on).items():
        rs = [r for r in rows if r.get("dataset") == ds and r.get(metric) is not None]
        means = {m: statistics.fmean(float(r[metric]) for r in rs if r["model"] == m)
                 for m in dict.fromkeys(r["model"] for r in rs)}
        n_test = [int(r["n_test"]) for r in rs if isinstance(r.get("n_test"), (int, float)) and r["n_test"]]
        # one test example moves accuracy by 1/n; nats/char have no such grain
        one = 1.0 / min(n_test) if n_test and metric not in LOWER_IS_BETTER else 0.0
        top = res["best"]
        s = sign(metric)
        tied = [m for m, t in res["tests"].items()
                if s * (means[top] - means[m]) <= 0 or s * (means[top] - means[m]) < one
                or (t["n"] >= 2 and math.isfinite(t["p_value"]) and not t["significant"])]

        def cost(m: str) -> tuple:
            vals = []
            for k in COST_KEYS:
                xs = [float(r[k]) for r in rs if r["model"] == m and isinstance(r.get(k), (int, float))
                      and math.isfinite(float(r[k]))]
                vals.append(statistics.fmean(xs) if xs else math.inf)
            return tuple(vals)

        best = min([top, *tied], key=lambda m: (cost(m), -s * means[m]))
        tests = res["tests"] if best == top else best_vs_rest(
            rows, metric, pair_on=pair_on, force_best={ds: best})[ds]["tests"]
        out[ds] = {"best": best, "top": top, "tied": [m for m in [top, *tied] if m != best], "tests": tests,
                   "one_example": one, "means": means}
    return out
