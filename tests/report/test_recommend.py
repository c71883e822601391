"""recommend: Pareto front, constraint filtering and the choice on hand-made result tables."""

from __future__ import annotations

from rowmaker import TOY, make_rows

from seqarena.report.recommend import Candidate, Constraints, dominates, pareto_front, recommend


def cand(model: str, acc, lat, params, tt) -> Candidate:
    return Candidate(model, None, "toy", acc, None, 1, lat, params, tt)


def test_dominates_needs_one_strict_improvement():
    a, b = cand("a", 0.9, 1.0, 100, 1.0), cand("b", 0.9, 1.0, 100, 1.0)
    assert not dominates(a, b) and not dominates(b, a)  # equal: neither dominates
    c = cand("c", 0.9, 0.5, 100, 1.0)
    assert dominates(c, a) and not dominates(a, c)


def test_pareto_front_keeps_tradeoffs_and_drops_dominated():
    cands = [
        cand("accurate", 0.95, 2.0, 500, 10.0),
        cand("fast", 0.80, 0.1, 100, 1.0),
        cand("dominated", 0.85, 2.5, 600, 12.0),
        cand("small", 0.82, 0.5, 50, 3.0),
    ]
    assert [c.model for c in pareto_front(cands)] == ["accurate", "fast", "small"]


def test_pareto_front_ignores_unmeasured_objectives():
    a, b = cand("a", 0.9, None, 100, 1.0), cand("b", 0.8, 0.1, 200, 2.0)
    assert dominates(a, b)  # latency unknown for a: compared on the objectives both have
    assert [c.model for c in pareto_front([a, b])] == ["a"]


def test_recommend_without_constraints_picks_most_accurate():
    rec = recommend(make_rows(TOY))
    assert rec.chosen.model == "textcnn"
    assert {c.model for c in rec.front} == {
        "textcnn",
        "bow",
    }  # gru, transformer: worse and slower than textcnn
    assert rec.rejected == {}
    assert "textcnn is recommended" in rec.reason and "Pareto front" in rec.reason


def test_constraints_filter_then_choose():
    rows = make_rows(TOY)
    fast = recommend(rows, Constraints(max_latency_ms=0.5))
    assert fast.chosen.model == "bow"
    assert set(fast.rejected) == {"gru", "textcnn", "transformer"}
    assert all("latency" in why[0] for why in fast.rejected.values())
    small = recommend(rows, Constraints(max_params=350_000))
    assert small.chosen.model == "bow"
    quick = recommend(rows, Constraints(max_train_time_s=9.5, min_accuracy=0.9))
    assert quick.chosen.model == "textcnn"
    assert "bow" in quick.rejected and "accuracy" in quick.rejected["bow"][0]
    no_cnn = recommend(rows, Constraints(max_latency_ms=1.0, max_params=400_000, min_accuracy=0.9))
    assert no_cnn.chosen.model == "textcnn"
    # take textcnn away: the next most accurate feasible model wins
    rows2 = [r for r in rows if r["model"] != "textcnn"]
    assert recommend(rows2, Constraints(max_latency_ms=1.0)).chosen.model == "gru"
    assert recommend(rows2).chosen.model == "transformer"


def test_nothing_meets_constraints():
    rec = recommend(make_rows(TOY), Constraints(max_latency_ms=0.05))
    assert rec.chosen is None and rec.feasible == []
    assert rec.reason.startswith("No measured model meets the constraints")
    assert set(rec.rejected) == set(TOY)


def test_missing_measurement_fails_its_constraint():
    rows = make_rows({"a": {"acc": [0.9, 0.9, 0.9]}, "b": {"acc": [0.8, 0.8, 0.8], "latency_ms": 0.2}})
    for r in rows:
        if r["model"] == "a":
            r["latency_ms"] = None
    rec = recommend(rows, Constraints(max_latency_ms=1.0))
    assert rec.chosen.model == "b"
    assert rec.rejected["a"] == ["latency not measured"]


def test_equal_accuracy_goes_to_the_cheaper_model():
    rows = make_rows(
        {
            "slow": {"acc": [0.9, 0.9, 0.9], "latency_ms": 2.0},
            "quick": {"acc": [0.9, 0.9, 0.9], "latency_ms": 0.5},
        }
    )
    assert recommend(rows).chosen.model == "quick"


def test_cheaper_model_not_significantly_worse_is_named():
    rows = make_rows(
        {
            "big": {"acc": [0.90, 0.80, 0.85], "latency_ms": 2.0},
            "cheap": {"acc": [0.85, 0.84, 0.83], "latency_ms": 0.2},
            "bad": {"acc": [0.70, 0.62, 0.64], "latency_ms": 0.1},
        }
    )
    rec = recommend(rows)
    # the tie rule: big's lead is inside the noise (not significant), so the cheaper model wins
    assert rec.chosen.model == "cheap"
    assert rec.tied == ["big"]  # 'bad' is consistently 0.2 worse: significant, not tied
    assert "cheap is as good as the highest mean test accuracy within the noise" in rec.reason
    assert "10.0 x lower latency than big" in rec.reason


def test_the_table_and_the_recommendation_name_the_same_best():
    from seqarena.report.tables import results_tables

    tie = make_rows({"slow": {"acc": [0.950, 0.951, 0.949], "latency_ms": 2.0},
                     "quick": {"acc": [0.948, 0.952, 0.950], "latency_ms": 0.5}})
    apart = make_rows({"slow": {"acc": [0.95, 0.96, 0.955], "latency_ms": 2.0},
                       "quick": {"acc": [0.90, 0.91, 0.905], "latency_ms": 0.5}})
    for rows, best in ((tie, "quick"), (apart, "slow")):
        table = results_tables(rows)[0]
        first = table.rows[0]
        assert first[0] == best and first[3] == "best"  # the table's first row is the best one
        assert recommend(rows).chosen.model == best


def test_single_run_says_differences_are_untested():
    rec = recommend(make_rows({"a": {"acc": [0.9]}, "b": {"acc": [0.8]}}))
    assert rec.chosen.model == "a" and rec.tied == []
    assert "not tested for significance" in rec.reason
