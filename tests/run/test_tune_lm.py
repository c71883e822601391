"""`seqarena tune` on language models (task 'lm'): every LM declares a search space that holds the names
preset's configuration, a trial never reads the corpus's test names, a study minimises dev nats/char
(the best trial, the pruned trials' scores and the expected-validation-performance curve are the lowest),
and the command end to end on a name corpus, with its flags' errors as one line and exit 2."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

optuna = pytest.importorskip("optuna")

from seqarena.cli import main
from seqarena.config import ModelConfig, TrainConfig
from seqarena.data.names import name_source
from seqarena.errors import InputError
from seqarena.models import MODELS, list_models
from seqarena.models.spaces import check_space
from seqarena.run import trial as trial_mod
from seqarena.run import tune as tune_mod
from seqarena.run.cells import Cell
from seqarena.run.protocol import Protocol
from seqarena.run.search import default_space, hparams_of
from seqarena.run.tune import Budget, Job, run_jobs, run_trial, storage_url
from seqarena.run.tune_results import best_point, evp_rows, trial_rows

NAMES = ["ANA", "ANABEL", "BEA", "BELEN", "ELENA", "LEA", "NELA", "ALBA", "ABEL", "ELBA", "LENA", "ANABELLA",
         "NOA", "LOLA", "OLENA", "BENA", "NEL", "LEON", "NOEL", "LEONA", "ELOA", "NELLA", "BELA", "LEANA",
         "ONA", "ANEL", "BOLENA", "ALENA", "NOELA", "LEONEL"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    p = tmp_path_factory.mktemp("names") / "girls.txt"
    p.write_text("\n".join(NAMES) + "\n", encoding="utf-8")
    return name_source(str(p))


def lm_cell(src, model: str, **hp) -> Cell:
    cfg = TrainConfig(epochs=2, batch_size=8, optimizer="adamw", lr=1e-2, lr_schedule="cosine", grad_clip=1.0,
                      eval_batch_size=64)
    return Cell(src.name, ModelConfig.of(model, **hp), cfg, seed=0, experiment="t", source=src,
                protocol=Protocol("given"), task="lm")


def cli(*argv) -> int:
    try:
        main([str(a) for a in argv])
    except SystemExit as e:
        return e.code
    return 0


def test_every_language_model_declares_a_valid_space():
    for name in list_models("lm"):
        space = default_space(name, "lm")
        assert space == MODELS[name].lm_search_space and space, name
        check_space(name, space, hparams_of(name, "lm"))
    assert default_space("ngram", "lm") == {"order": {"kind": "int", "low": 1, "high": 6}}
    # one name, two entries: the language model's space is its own (its d_ff and lr ranges, no adadelta)
    lm, clf = default_space("transformer", "lm"), default_space("transformer", "classify")
    assert lm != clf and "adadelta" not in lm["train.optimizer"]["values"] and "train.lr#adadelta" not in lm
    with pytest.raises(Exception, match="for task 'lm'"):
        default_space("textcnn", "lm")  # no language model of that name


def test_the_names_presets_configuration_is_a_point_of_every_space(corpus):
    """So trial 0 of every language model is the preset's own configuration."""
    from seqarena.run.spec import expand, load_preset

    # the preset's configurations on a small corpus file (spanish-cities is shared data)
    spec = replace(load_preset("names"), datasets=(corpus.name,), files={corpus.name: corpus})
    assert spec.task == "lm" and set(spec.models) == set(list_models("lm"))

    for base in expand(spec):
        space = spec.search_space(base.model.name)
        point = tune_mod.preset_point(base, space)
        assert point is not None, base.model.name
        cell = tune_mod.apply(base, {k: trial_mod._decode(space[k], v) for k, v in point.items()}, vocab=30)
        hp = hparams_of(base.model.name, "lm")
        assert {**hp, **cell.model.kwargs()} == {**hp, **base.model.kwargs()} and cell.train == base.train


class Poison:
    def __getattr__(self, name):
        raise AssertionError(f"a trial read the test names ({name})")

    def __len__(self):
        raise AssertionError("a trial read the test names (len)")


@pytest.mark.parametrize("model,hp", [("rnn", {"d_hidden": 8}), ("ngram", {"order": 2})])
def test_a_trial_never_reads_the_test_names(corpus, monkeypatch, model, hp):
    real = trial_mod.dataset

    def poisoned(*a, **k):  # every way to the test names: the split, its texts, the corpus's own list
        d = real(*a, **k)
        c = d.meta["corpus"]
        return replace(d, test=Poison(), texts={**d.texts, "test": Poison()},
                       meta={**d.meta, "corpus": replace(c, splits={**c.splits, "test": Poison()})})

    monkeypatch.setattr(trial_mod, "dataset", poisoned)
    seen = []
    score = run_trial(lm_cell(corpus, model, **hp), "nll", report=lambda v, e: seen.append((e, v)))
    assert 0.0 < score < 10.0 and seen
    assert score == min(v for _, v in seen)  # the epoch fit keeps is the lowest dev nats/char


def test_a_study_minimises_dev_nats_per_char(corpus, tmp_path):
    base = lm_cell(corpus, "ngram", order=2)
    space = {"order": {"kind": "int", "low": 1, "high": 3}}
    job = Job(f"{corpus.name}/ngram", storage_url(tmp_path), base, space, Budget(trials=6), "nll", 0)
    run_jobs([job])
    study = optuna.load_study(study_name=job.study, storage=job.storage)
    assert study.direction == optuna.study.StudyDirection.MINIMIZE
    rows = trial_rows(job)
    assert len(rows) == 6 and rows[0]["preset"] and json.loads(rows[0]["params"]) == {"order": 2}
    assert study.best_trial.number == best_point(job)[2]
    by_order = {json.loads(r["params"])["order"]: r["value"] for r in rows}
    point, value, _ = best_point(job)
    assert value == min(by_order.values()) and point == {"order": min(by_order, key=by_order.get)}
    assert len(by_order) >= 2 and max(by_order.values()) > value  # a worse order was tried, and not chosen
    curve = [r["mean"] for r in evp_rows(rows, lower=True)]
    assert curve[0] >= curve[-1] and curve[-1] == pytest.approx(value, abs=0.05)
    assert all(a >= b - 1e-12 for a, b in zip(curve, curve[1:]))  # the expected minimum only falls


def test_pruned_lm_trials_keep_their_lowest_score(corpus, tmp_path, monkeypatch):
    """The pruner (successive halving, the default) stops trials whose nats/char is worse than the best
    third's; such a trial is scored by the lowest value it reported (max() would take its first epoch's)."""
    def fake(cell, metric, device, data_dir, report, keep=None):
        level = 1.0 + 4 * cell.model.kwargs()["dropout"]  # a worse trial at every epoch, falling with epochs
        for e in range(1, 9):
            report(level + 1.0 / e, e)
        return level + 1 / 8

    monkeypatch.setattr(tune_mod, "run_trial", fake)
    job = Job(f"{corpus.name}/rnn", storage_url(tmp_path), lm_cell(corpus, "rnn"),
              {"dropout": {"kind": "float", "low": 0.0, "high": 0.5}}, Budget(trials=12), "nll", 0)
    run_jobs([job])
    rows = trial_rows(job)
    pruned = [r for r in rows if r["state"] == "pruned"]
    assert pruned and all(r["epochs_reported"] < 8 for r in pruned)
    for r in pruned:
        d = json.loads(r["params"])["dropout"]
        assert r["value"] == pytest.approx(1 + 4 * d + 1 / r["epochs_reported"])
    done = [r for r in rows if r["state"] == "complete"]
    assert min(r["value"] for r in done) <= min(r["value"] for r in pruned)  # the pruned were the worse ones


def test_a_language_models_point_needs_its_vocabulary(corpus):
    with pytest.raises(ValueError, match="pass vocab"):
        tune_mod.apply(lm_cell(corpus, "ngram", order=2), {"order": 3})


def test_an_order_too_large_for_the_alphabet_is_an_invalid_point(corpus):
    base = lm_cell(corpus, "ngram", order=2)
    with pytest.raises(Exception, match="table"):
        tune_mod.apply(base, {"order": 6}, vocab=40)  # 40**6 entries
    assert tune_mod.apply(base, {"order": 3}, vocab=40).model.kwargs() == {"order": 3}


@pytest.mark.parametrize("argv,what", [
    (["--preset", "names", "--metric", "accuracy"], "--metric accuracy: language models are tuned on dev nats/char"),
    (["--preset", "kim", "--metric", "nll"], "--metric nll: nats/char is the language models' objective"),
])
def test_bad_lm_flags_are_one_line_exit_2(argv, what, capsys, tmp_path):
    code = cli("tune", *argv, "--out", tmp_path / "r")
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and what in err[-1], err
    assert not (tmp_path / "r" / "results.sqlite").exists()


def test_a_corpus_without_dev_names_is_refused(corpus, monkeypatch):
    real = trial_mod.dataset
    monkeypatch.setattr(trial_mod, "dataset", lambda *a, **k: replace(real(*a, **k), dev=None))
    with pytest.raises(InputError, match="the corpus has no dev names to score trials on"):
        tune_mod.dev_splits(lm_cell(corpus, "ngram"), None)


@pytest.mark.parametrize("flags", [["--preset", "names"], ["--dataset", "spanish-cities"]])
def test_show_space_of_a_language_model(capsys, flags):
    assert cli("tune", *flags, "--show-space", "ngram") == 0
    assert capsys.readouterr().out.split() == ["order", "integer", "1", "..", "6"]
    assert cli("tune", *flags, "--show-space", "gru") == 0  # the LM's space, not the classifier's
    out = capsys.readouterr().out
    assert "one of [64, 128, 256, 512]" in out and "adadelta" not in out


def test_tune_names_end_to_end(tmp_path, capsys):
    from seqarena.data.sources import candidate_dirs

    if not any((d / "names" / "spanish_cities.txt").is_file() for d in candidate_dirs()):
        pytest.skip("spanish-cities (shared data) not found")
    spec = tmp_path / "lm.toml"
    spec.write_text('name = "lm"\ndatasets = ["spanish-cities"]\nmodels = ["ngram", "rnn"]\nseeds = [0]\n'
                    '[protocol]\nkind = "given"\n[train]\nepochs = 1\n[hparams.rnn]\nd_hidden = 8\nd_embed = 8\n'
                    '[search.rnn]\nreplace = true\n"train.lr" = {kind = "log", low = 1e-3, high = 3e-2}\n'
                    '[search.ngram]\norder = {kind = "int", low = 1, high = 3}\n')
    out = tmp_path / "run"
    assert cli("tune", "--config", spec, "--trials", "3", "--out", out, "--jobs", "1", "--threads", "1") == 0
    doc = json.loads((out / "tune.json").read_text())
    assert doc["settings"]["metric"] == "nll"
    summary = {r["model"]: r for r in doc["summary"]}
    assert set(summary) == {"ngram", "rnn"}
    for m, s in summary.items():
        values = [r["value"] for r in doc["rows"] if r["model"] == m and r["state"] == "complete"]
        assert s["best_dev"] == min(values) and s["tuned_test"] is not None
    for m in ("ngram", "rnn"):  # the expected minimum of n trials only falls
        curve = [r["mean"] for r in doc["evp"] if r["model"] == m]
        assert len(curve) == 3 and all(a >= b - 1e-12 for a, b in zip(curve, curve[1:]))
    res = json.loads((out / "results.json").read_text())
    assert {r["model"] for r in res["rows"]} == {"ngram", "rnn"} and all(r["tuned"] == "tuned (3 trials)"
                                                                          for r in res["rows"])
    md = (out / "report.md").read_text()
    assert "## Tuning" in md and "best dev nats/char" in md and "Objective: dev nats/char (lower is better)" in md
    capsys.readouterr()
    assert cli("recommend", out) == 0
    assert "equal tuning budget (3 trials per model)" in capsys.readouterr().out


@pytest.mark.parametrize("model,hp", [("rnn", {"d_hidden": 8}), ("ngram", {"order": 2})])
def test_the_kept_dev_rows_sum_to_the_trials_nats_per_char(corpus, model, hp):
    """Each dev name's summed nats (what the paired test of run/select.py compares): over the dev
    characters they are the trial's score."""
    cell = lm_cell(corpus, model, **hp)
    kept = []
    score = run_trial(cell, "nll", keep=kept.append)
    dev = trial_mod.dev_splits(cell, None)[1].dev
    (rows,) = kept
    chars = int(dev.lengths.sum())  # each name's targets: its characters and the stop token
    assert len(rows) == len(dev) and float(rows.sum()) / chars == pytest.approx(score, rel=1e-5)
