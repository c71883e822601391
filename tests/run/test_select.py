"""Which configuration a tuned model's final runs use (run/select.py): the paired permutation test of the
best trial against the preset, per objective; the decision's branches; trials keep their per-row dev
outcomes, which score what the trial returned; a study whose best trial is within the dev noise keeps
the preset, and --select best does not."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

optuna = pytest.importorskip("optuna")

from seqarena.run import tune as tune_mod
from seqarena.run.select import decide, gain_p, load_rows, rows_path, save_rows, statistic
from seqarena.run.spec import expand, parse_spec
from seqarena.run.trial import dev_splits, run_trial
from seqarena.run.tune import Budget, Job, run_jobs, storage_url
from seqarena.run.tune_results import chosen_point, summarize, trial_rows
from seqarena.train.metrics import macro_f1

RNG = np.random.default_rng(0)
GOLD = RNG.integers(0, 2, 400)


def flip(pred: np.ndarray, k: int, start: int = 0) -> np.ndarray:
    out = pred.copy()
    out[start:start + k] = 1 - out[start:start + k]
    return out


def test_a_clear_gain_is_significant_and_a_few_rows_are_not():
    preset = flip(GOLD, 120)  # 70 % right
    assert gain_p("acc", GOLD, preset, GOLD) < 0.001  # 100 % against 70 %
    assert gain_p("acc", flip(GOLD, 118), preset, GOLD) > 0.2  # two more rows right: noise
    assert gain_p("acc", preset, preset, GOLD) == 1.0
    assert gain_p("acc", flip(GOLD, 160), preset, GOLD) > 0.99  # worse is never a gain


def test_accuracys_test_is_the_exact_paired_permutation_test():
    """McNemar's exact test (what gain_p runs for accuracy) against every swap enumerated by scipy."""
    from scipy.stats import permutation_test

    gold = GOLD[:14]
    best, preset = flip(gold, 2), flip(gold, 7)
    best[10] = 1 - best[10]  # one row the preset gets right and the best does not
    exact = permutation_test((best, preset), statistic("acc", gold), permutation_type="samples", vectorized=True,
                             n_resamples=10**6, alternative="greater").pvalue
    assert gain_p("acc", best, preset, gold) == pytest.approx(exact)


def test_a_large_dev_split_with_three_classes():
    """Fewer random swaps on a large split (memory and time bounded). 1,050 rows won and 1,000 lost
    against the preset is noise for every objective; 3,000 won and 1,000 lost is not."""
    gold = np.random.default_rng(1).integers(0, 3, 20_000)
    wrong = (gold + 1) % 3

    def pred(lo, hi):  # rows lo..hi-1 wrong
        return np.concatenate([gold[:lo], wrong[lo:hi], gold[hi:]])
    for m in ("acc", "macro_f1"):
        assert gain_p(m, pred(0, 5000), pred(1000, 6050), gold) > 0.05
        assert gain_p(m, pred(0, 3000), pred(1000, 6000), gold) < 0.001
    same = RNG.normal(2, 1, 20_000)
    assert gain_p("nll", same - 0.001, same + RNG.normal(0, 0.5, 20_000)) > 0.05


def test_macro_f1_statistic_is_the_metric_and_nll_lower_is_better():
    a, b = flip(GOLD, 40), flip(GOLD, 90, 100)
    f = statistic("macro_f1", GOLD)
    want = (macro_f1(torch.tensor(a), torch.tensor(GOLD), 2) - macro_f1(torch.tensor(b), torch.tensor(GOLD), 2))
    assert f(a, b) == pytest.approx(want)
    assert gain_p("macro_f1", a, b, GOLD) < 0.001 and gain_p("macro_f1", b, a, GOLD) > 0.99
    low, high = RNG.normal(2.0, 0.3, 300), RNG.normal(2.4, 0.3, 300)  # nats per name
    assert gain_p("nll", low, high) < 0.001 and gain_p("nll", high, low) > 0.99
    with pytest.raises(ValueError, match="needs the dev labels"):
        statistic("acc")
    with pytest.raises(ValueError, match="differ in shape"):
        gain_p("acc", GOLD[:10], GOLD[:11], GOLD[:10])


def _t(trial: int, dev: float, rows=None) -> dict:
    return {"point": {"x": trial}, "dev": dev, "trial": trial, "rows": rows}


def test_decide_branches():
    preset = _t(0, 0.70, flip(GOLD, 120))
    noise, clear = _t(5, 0.705, flip(GOLD, 118)), _t(7, 1.0, GOLD)
    c = decide("significant", "acc", noise, preset, GOLD)
    assert c.kept_preset and c.trial == 0 and c.best_trial == 5 and c.p_value > 0.05 and "noise" in c.note
    c = decide("significant", "acc", clear, preset, GOLD)
    assert not c.kept_preset and c.trial == 7 and c.p_value < 0.05
    c = decide("best", "acc", noise, preset, GOLD)
    assert c.trial == 5 and c.p_value is None
    assert decide("significant", "acc", noise, None, GOLD).trial == 5  # no preset trial: the best
    assert decide("significant", "acc", _t(5, 0.8), preset, GOLD).trial == 5  # rows not stored: the best
    c = decide("significant", "acc", preset, preset, GOLD)
    assert c.kept_preset and c.trial == 0 and c.p_value is None and c.reason == "preset_best"
    c = decide("significant", "acc", _t(5, 0.8, GOLD[:-1]), preset, GOLD)  # a resumed study on other dev rows
    assert c.trial == 5 and c.reason == "mismatch" and c.p_value is None
    assert [decide("significant", "acc", t, preset, GOLD).reason for t in (noise, clear)] == ["noise", "significant"]
    with pytest.raises(ValueError, match="not one of"):
        decide("luck", "acc", noise, preset, GOLD)


# --- trials keep their dev rows -----------------------------------------------------------------

def _spec(model: str):
    return parse_spec(f'models = ["{model}"]\ndatasets = ["tiny-text"]\n[protocol]\nkind = "cv"\nfolds = 3\n'
                      'dev_fraction = 0.2\n[train]\nepochs = 2\n', "t.toml")


@pytest.mark.parametrize("model", ["textcnn", "tfidf_lr"])
def test_the_kept_dev_rows_score_what_the_trial_returned(tiny_text, model):
    cell = expand(_spec(model))[0]
    kept = []
    score = run_trial(cell, "acc", keep=kept.append)
    gold = dev_splits(cell, None)[1].dev.labels.numpy()
    (pred,) = kept
    pred = np.asarray(pred)
    assert pred.shape == gold.shape and np.mean(pred == gold) == pytest.approx(score)


def _two_point_study():
    """TextCNN on tiny-text, half of train as dev, the preset's lr 0.01 or 0.02: the spec, its base cell, dev labels."""
    spec = parse_spec('models = ["textcnn"]\ndatasets = ["tiny-text"]\n[protocol]\nkind = "cv"\nfolds = 3\n'
                      'dev_fraction = 0.5\n[train]\nlr = 0.01\nepochs = 1\n[search.textcnn]\nreplace = true\n'
                      '"train.lr" = {kind = "choice", values = [0.01, 0.02]}\n', "t.toml")
    base = expand(spec)[0]
    return spec, base, dev_splits(base, None)[1].dev.labels.numpy()


def _fake(levels: dict[float, int], gold: np.ndarray):
    """A trial whose dev predictions get `levels[lr]` more rows wrong than all right (none: all right)."""
    def fake(cell, metric, device="cpu", data_dir=None, report=None, keep=None):
        wrong = levels[round(cell.train.lr, 6)]
        pred = flip(gold, wrong)
        keep(pred)
        return float(np.mean(pred == gold))
    return fake


@pytest.mark.parametrize("select,gap,want_preset", [("significant", 1, True), ("significant", 25, False),
                                                    ("best", 1, False)])
def test_a_study_keeps_the_preset_unless_the_best_is_beyond_noise(tiny_text, tmp_path, monkeypatch, select, gap,
                                                                  want_preset):
    spec, base, gold = _two_point_study()
    assert len(gold) > 2 * gap
    monkeypatch.setattr(tune_mod, "run_trial", _fake({0.01: 2 * gap, 0.02: gap}, gold))
    job = Job("tiny-text/textcnn", storage_url(tmp_path), base, spec.search_space("textcnn"), Budget(trials=4),
              "acc", 0, select=select)
    run_jobs([job])
    rows = trial_rows(job)
    assert rows[0]["preset"] and {json.loads(r["params"])["train.lr"] for r in rows} == {0.01, 0.02}
    study = optuna.load_study(study_name=job.study, storage=job.storage)
    for t in study.trials:  # every trial's stored rows: one per dev example, scoring what the trial returned
        kept = load_rows(rows_path(tmp_path, job.study, t.number))
        assert kept.shape == gold.shape and np.mean(kept == gold) == pytest.approx(t.value)
    c = chosen_point(job)
    assert c.kept_preset == want_preset and c.point["train.lr"] == (0.01 if want_preset else 0.02)
    s = summarize(job, rows, [], [], "test_acc")
    assert s["kept_preset"] == want_preset and s["best_trial"] != 0 and s["select"] == select
    assert (s["changes"] == "none") == want_preset and s["best_changes"] == "train.lr 0.01 → 0.02"


def test_rows_live_beside_the_store_and_a_missing_or_broken_file_is_none(tmp_path):
    labels, nats = np.array([0, 3, 1, 2**40]), np.array([1.25, 0.5, 7.0])
    p = rows_path(tmp_path, "my data/set:1/gru", 3)
    assert p.parent.parent == tmp_path / "tune_rows" and p.name == "3.npy" and "/" not in p.parent.name
    assert rows_path(tmp_path, "a/b_c", 0) != rows_path(tmp_path, "a_b/c", 0)  # one folder per study
    save_rows(p, "acc", labels)
    save_rows(rows_path(tmp_path, "s", 0), "nll", nats)
    assert np.array_equal(load_rows(p), labels) and np.allclose(load_rows(rows_path(tmp_path, "s", 0)), nats)
    assert [f.name for f in p.parent.iterdir()] == ["3.npy"]  # no temporary file left
    assert load_rows(rows_path(tmp_path, "s", 9)) is None
    p.write_bytes(b"junk")
    assert load_rows(p) is None
    p.write_bytes(b"")  # a file cut short by a crash
    assert load_rows(p) is None
    # a study run before the files kept its rows as an Optuna attribute: still read
    assert np.array_equal(load_rows(rows_path(tmp_path, "old", 1), [1, 0, 1]), [1, 0, 1])
    assert load_rows(rows_path(tmp_path, "old", 1), "junk") is None


def test_the_report_says_which_trial_and_why():
    from seqarena.report.tuning import _choice

    base = {"best_trial": 7, "chosen_trial": 7, "kept_preset": False, "select": "significant", "preset_dev": 0.7}
    assert _choice({**base, "select_p": 0.001, "select_reason": "significant"}) == \
        "trial 7: better than the preset on dev (p 0.001)"
    assert _choice({**base, "chosen_trial": 0, "kept_preset": True, "select_p": 0.31, "select_reason": "noise"}) == \
        "the preset: trial 7's dev gain is within the noise (p 0.31)"
    assert "not tested against the preset: its dev rows differ" in _choice({**base, "select_p": None,
                                                                           "select_reason": "mismatch"})
    assert _choice({"best_trial": 4}) == "trial 4 (the best on dev)"  # a tune.json from before --select
    from seqarena.report.tuning import _config_table

    kept = {**base, "dataset": "d", "model": "m", "chosen_trial": 0, "kept_preset": True, "select_p": 0.3,
            "select_reason": "noise", "changes": "none", "best_changes": "lr 1 → 2"}
    assert _config_table([kept]).rows[0][3] == "(the preset's; the best trial had lr 1 → 2)"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
def test_a_trial_keeps_its_dev_rows_on_a_gpu(tiny_text):
    cell = expand(_spec("textcnn"))[0]
    kept = []
    score = run_trial(cell, "acc", device="cuda", keep=kept.append)
    gold = dev_splits(cell, None)[1].dev.labels.numpy()
    assert np.mean(np.asarray(kept[0]) == gold) == pytest.approx(score)


def test_a_study_from_before_the_row_files_keeps_its_guard(tiny_text, tmp_path, monkeypatch):
    """Trials that stored their dev rows as an Optuna attribute (before DIR/tune_rows): still tested."""
    spec, base, gold = _two_point_study()
    monkeypatch.setattr(tune_mod, "run_trial", _fake({0.01: 2, 0.02: 1}, gold))
    job = Job("tiny-text/textcnn", storage_url(tmp_path), base, spec.search_space("textcnn"), Budget(trials=3),
              "acc", 0)
    run_jobs([job])
    import sqlite3

    study = optuna.load_study(study_name=job.study, storage=job.storage)
    with sqlite3.connect(tmp_path / "tune.sqlite") as db:  # move every trial's rows into the old attribute
        for t in study.trials:
            p = rows_path(tmp_path, job.study, t.number)
            db.execute("INSERT INTO trial_user_attributes (trial_id, key, value_json) VALUES (?, ?, ?)",
                       (t._trial_id, "dev_rows", json.dumps([int(v) for v in load_rows(p)])))
            p.unlink()
    c = chosen_point(job)
    assert c.reason == "noise" and c.kept_preset
