import math

import pytest

from seqarena.run.stats import aggregate, best_vs_rest, paired_test, summarize


def test_summarize():
    s = summarize([1.0, 2.0, 3.0])
    assert s["mean"] == 2.0 and s["std"] == 1.0 and s["n"] == 3
    assert s["ci95"] == pytest.approx(4.303 * 1.0 / math.sqrt(3))
    one = summarize([5.0])
    assert one["std"] == 0.0 and math.isnan(one["ci95"])


def test_paired_test_detects_a_consistent_gap():
    a = [0.90, 0.92, 0.91, 0.93, 0.90]
    b = [x - d for x, d in zip(a, [0.05, 0.04, 0.06, 0.05, 0.045])]
    r = paired_test(a, b)
    assert r["significant"] and r["p_value"] < 0.01 and r["mean_diff"] > 0
    assert not paired_test([0.9, 0.8, 0.85], [0.85, 0.86, 0.84])["significant"]


def test_aggregate_and_best_vs_rest():
    rows = [{"dataset": "d", "model": m, "family": "x", "params": 1, "fold": f, "seed": 0,
             "test_acc": acc + 0.01 * f, "train_acc": 1.0}
            for m, acc in (("a", 0.9), ("b", 0.7)) for f in range(4)]
    agg = aggregate(rows)
    assert [r["model"] for r in agg] == ["a", "b"] and agg[0]["n"] == 4
    assert agg[0]["test_acc"] == pytest.approx(0.915)
    res = best_vs_rest(rows)
    assert res["d"]["best"] == "a" and set(res["d"]["tests"]) == {"b"}


def test_per_class_metrics_on_a_fixed_prediction():
    from seqarena.train.metrics import per_class

    gold = [0, 0, 0, 1, 1, 2]
    pred = [0, 0, 1, 1, 2, 2]
    r = per_class(pred, gold, ["a", "b", "c", "never"])
    a, b, c, never = r["per_class"]
    # a: tp 2, fp 0, fn 1; b: tp 1, fp 1, fn 1; c: tp 1, fp 1, fn 0; never: no support, never predicted
    assert (a["precision"], a["recall"], a["support"]) == (1.0, 2 / 3, 3)
    assert abs(a["f1"] - 0.8) < 1e-12 and b["f1"] == 0.5 and abs(c["f1"] - 2 / 3) < 1e-12
    assert never == {"label": "never", "precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    assert r["confusion"] == [[2, 1, 0, 0], [0, 1, 1, 0], [0, 0, 1, 0], [0, 0, 0, 0]]


def test_per_class_summary_averages_scores_and_counts_support_per_seed():
    import json

    from seqarena.run.stats import per_class_summary

    def row(seed, fold, f1, support):
        pc = [{"label": "x", "precision": f1, "recall": f1, "f1": f1, "support": support}]
        return {"dataset": "d", "model": "m", "seed": seed, "fold": fold, "per_class": json.dumps(pc),
                "confusion": json.dumps([[support]])}

    s = per_class_summary([row(0, 0, 0.5, 10), row(0, 1, 1.0, 12), row(1, 0, 0.5, 10), row(1, 1, 1.0, 12)])
    (c,) = s[("d", "m")]["per_class"]
    assert c["f1"] == 0.75 and c["support"] == 22 and s[("d", "m")]["confusion"] == [[44]]
    assert per_class_summary([{"dataset": "d", "model": "m"}]) == {}


def test_choose_best_ties_under_one_test_example_and_picks_the_cheaper():
    from seqarena.run.stats import choose_best

    def rows(model, accs, latency):
        return [{"dataset": "d", "model": model, "fold": None, "seed": s, "test_acc": a, "n_test": 1000,
                 "latency_ms": latency, "params": 10, "train_time_s": 1.0} for s, a in enumerate(accs)]

    # one run each: no paired test; a gap of half an example is a tie, the cheaper model wins
    r = choose_best(rows("big", [0.9005], 2.0) + rows("small", [0.9000], 1.0))["d"]
    assert (r["top"], r["best"], r["tied"]) == ("big", "small", ["big"])
    # two examples apart with one run: no tie, the most accurate wins
    r = choose_best(rows("big", [0.902], 2.0) + rows("small", [0.900], 1.0))["d"]
    assert (r["best"], r["tied"]) == ("big", [])
    # consistently better over three seeds (significant): no tie even though the gap is small
    r = choose_best(rows("big", [0.910, 0.920, 0.930], 2.0) + rows("small", [0.905, 0.914, 0.926], 1.0))["d"]
    assert r["best"] == "big" and r["tests"]["small"]["significant"]
