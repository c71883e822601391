"""Scaling, probes and gradient flow at tiny sizes: shapes, sane values, skip rules, exponent fits."""

import math

import pytest
import torch

from seqarena.analysis.common import loglog_slope
from seqarena.analysis.gradients import (
    GradSettings,
    embedding_grad_norms,
    load_names,
    gradient_flow,
    hidden_sweep,
    longrange_batch,
    summarize,
)
from seqarena.analysis.probes import QUICK, ProbeCell, add_hardness, mark, measured_table, run_cell
from seqarena.analysis.probes import summarize as summarize_probes
from seqarena.analysis.scaling import ScaleSettings, fit_exponents, measure, run_scaling
from seqarena.data.probes import A_HIGH, A_LOW, B_HIGH, B_LOW
from seqarena.models import create_model

CPU = torch.device("cpu")


def test_loglog_slope_recovers_a_power_law():
    xs = [16, 32, 64, 128]
    slope, r2 = loglog_slope(xs, [3 * x ** 2 for x in xs])
    assert slope == pytest.approx(2.0) and r2 == pytest.approx(1.0)
    assert math.isnan(loglog_slope([16], [1.0])[0])


def test_measure_gives_positive_figures():
    r = measure("gru", 8, 2, CPU, ScaleSettings(repeats=1))
    assert r["status"] == "ok" and r["mem_method"] == "cpu_profiler"
    assert r["forward_ms"] > 0 and r["train_step_ms"] > 0 and r["throughput_seq_s"] > 0
    assert r["peak_mem_bytes"] > 0 and r["saved_bytes"] > 0


def test_slow_steps_stop_longer_lengths_and_fits_have_one_row_per_metric():
    rows = run_scaling(["textcnn"], [8, 16, 32], [2], [CPU], ScaleSettings(repeats=1, max_step_s=0.0))
    assert [r["seq_len"] for r in rows] == [8, 16, 32]
    assert rows[0]["status"] == "ok" and all(r["status"].startswith("skipped") for r in rows[1:])
    fits = fit_exponents(rows)
    assert {f["metric"] for f in fits} == {"train_step_ms", "forward_ms", "peak_mem_bytes"}
    assert all(f["n_points"] == 1 and f["exponent"] != f["exponent"] for f in fits)  # NaN: one point


def test_memory_cap_skips_without_running():
    r = measure("transformer", 64, 4, CPU, ScaleSettings(max_mem_bytes=1))
    assert r["status"].startswith("skipped") and r["train_step_ms"] is None


def test_probe_cell_and_summary():
    rows = [run_cell(ProbeCell("count", d, "bow", 0), QUICK, CPU) for d in (1, 9)]
    rows = add_hardness(rows)
    assert [r["hardness"] for r in rows] == [0.0, 1.0]
    assert all(0.0 <= r["test_acc"] <= 1.0 and r["n_train"] == QUICK.n_train for r in rows)
    (s,) = summarize_probes(rows)
    assert s["acc_hardest"] == rows[1]["test_acc"] and s["mark"] == mark(s["acc_hardest"])
    (t,) = measured_table([s], ["bow"])
    assert t["dimension"] == "counting" and t["bow"].startswith(s["mark"])
    assert mark(0.95) == "✅" and mark(0.7) == "⚠️" and mark(0.5) == "❌"


def test_embedding_grad_norms_shape():
    model = create_model("transformer", "classify", 30, 2)
    tokens = torch.randint(1, 30, (3, 9))
    norms = embedding_grad_norms(model, tokens, torch.full((3,), 9), torch.tensor([0, 1, 0]))
    assert norms.shape == (9,) and torch.isfinite(norms).all() and (norms > 0).all()
    assert all(p.grad is None for p in model.parameters())  # leaves the model clean


def test_gradient_flow_rows_and_vanishing_rnn():
    T = 48
    s = GradSettings(seq_len=T, batch=8, n_train=16, epochs=1)
    rows = gradient_flow(["rnn", "textcnn"], s, CPU)
    assert len(rows) == 2 * 2 * T
    for m in ("rnn", "textcnn"):
        for phase in ("init", "trained"):
            mine = [r for r in rows if r["model"] == m and r["phase"] == phase]
            assert [r["position"] for r in mine] == list(range(T))
            assert max(r["grad_norm_rel"] for r in mine) == pytest.approx(1.0)
    summ = {(x["model"], x["phase"]): x for x in summarize(rows)}
    # a tanh RNN's gradient at t=0 is orders of magnitude below the one at t=T-1; a CNN's is not
    assert summ[("rnn", "init")]["first_over_last"] < 1e-3
    assert summ[("textcnn", "init")]["first_over_last"] > 1e-2


def test_longrange_batch_keeps_both_signals():
    s = longrange_batch(40, 50, seed=0)
    assert s.tokens.shape == (50, 40) and (s.lengths == 40).all()
    is_a = (s.tokens >= A_LOW) & (s.tokens < A_HIGH)
    is_b = (s.tokens >= B_LOW) & (s.tokens < B_HIGH)
    assert (is_a.sum(1) == 1).all() and (is_b.sum(1) == 1).all()
    assert ((is_a.int().argmax(1) < is_b.int().argmax(1)).long() == s.labels).all()


def test_hidden_sweep_on_the_seed_cities(tmp_path):
    rows = hidden_sweep([2, 8], steps=3, batch=4, data_dir=tmp_path, device=CPU)  # no corpus there
    assert [r["hidden"] for r in rows] == [2, 8]
    assert rows[0]["params"] < rows[1]["params"]
    assert all(math.isfinite(r["val_loss"]) and r["ms_per_step"] > 0 for r in rows)
    assert rows[0]["corpus"] == "builtin:seed_cities.txt"


def test_hidden_sweep_trains_the_registry_rnn_through_fit(tmp_path):
    from seqarena.models import count_params, create_model

    rows = hidden_sweep([4], steps=8, batch=4, data_dir=tmp_path, device=CPU)
    V = 2 + len(set("".join(load_names(tmp_path).names)))  # pad, boundary, the characters
    assert rows[0]["params"] == count_params(create_model("rnn", "lm", V, d_hidden=4, one_hot=True))
    assert rows[0]["steps"] == 8  # 15 cities in batches of 4: two epochs of 4 steps


