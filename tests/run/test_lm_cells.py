"""The task seam in the comparison machinery: cells of task 'lm' on a name corpus (a file identified by
its contents), their rows, the tie rule on nats/char (lower is better), recommend and the report's
language-model section; classification hashes unchanged by the seam."""

from dataclasses import replace

import json
import math

import pytest

from seqarena.config import ModelConfig, TrainConfig, config_hash
from seqarena.data import DATASETS, dataset_task
from seqarena.data.dataset import TASKS
from seqarena.data.names import name_source
from seqarena.errors import InputError
from seqarena.report.document import build_document
from seqarena.report.load import RunData
from seqarena.report.recommend import Constraints, recommend
from seqarena.run.cells import Cell, run_cell
from seqarena.run.protocol import Protocol
from seqarena.run.spec import expand, load_preset, parse_spec

NAMES = ["ANA", "ANABEL", "BEA", "BELEN", "ELENA", "LEA", "NELA", "ALBA", "ABEL", "ELBA", "LENA", "ANABELLA",
         "NOA", "LOLA", "OLENA", "BENA", "NEL", "LEON", "NOEL", "LEONA"]


@pytest.fixture(scope="module")
def corpus_file(tmp_path_factory):
    p = tmp_path_factory.mktemp("names") / "girls.txt"
    p.write_text("\n".join(NAMES) + "\n", encoding="utf-8")
    return p


def lm_cell(src, model, seed=0, **hp):
    cfg = TrainConfig(epochs=2, batch_size=8, optimizer="adamw", lr=1e-2, lr_schedule="cosine", grad_clip=1.0,
                      eval_batch_size=64)
    return Cell(src.name, ModelConfig.of(model, **hp), cfg, seed=seed, experiment="t", source=src,
                protocol=Protocol("given"), task="lm")


@pytest.fixture(scope="module")
def rows(corpus_file):
    src = name_source(str(corpus_file))
    return [run_cell(lm_cell(src, m, seed, **hp), "cpu", measure_speed=(seed == 0))
            for seed in (0, 1, 2) for m, hp in (("ngram", {"order": 2}), ("rnn", {"d_hidden": 4}))]


def test_classification_hashes_are_those_of_before_the_seam():
    # computed on main before the task seam: stored results stay resumable
    assert Cell("seed-bigram", ModelConfig.of("gru"), TrainConfig()).config_hash == "956dcae52859"
    kim = TrainConfig(epochs=25, optimizer="adadelta", lr=1.0, max_norm=3.0)
    assert Cell("sst2", ModelConfig.of("textcnn", d_embed=300), kim).config_hash == "74d898986b76"
    # a new field changes the hash once it leaves its default
    assert config_hash(TrainConfig(max_time_s=60.0)) != config_hash(TrainConfig())


def test_a_corpus_file_is_its_contents_not_its_path(corpus_file, tmp_path):
    a = name_source(str(corpus_file))
    copy = tmp_path / "girls.txt"
    copy.write_bytes(corpus_file.read_bytes())
    assert name_source(str(copy)).digest == a.digest  # moved: the same dataset
    assert lm_cell(name_source(str(copy)), "gru").config_hash == lm_cell(a, "gru").config_hash
    copy.write_text("\n".join(NAMES[:-1]) + "\n", encoding="utf-8")
    assert name_source(str(copy)).digest != a.digest  # edited: another dataset
    assert name_source(str(corpus_file), split="makemore").digest != a.digest  # read otherwise: another


def test_lm_rows_carry_nats_per_char_samples_and_positions(rows):
    r = rows[1]
    assert r["task"] == "lm" and r["model"] == "rnn" and r["test_acc"] is None
    assert math.isfinite(r["test_nll"]) and math.isclose(r["test_bpc"], r["test_nll"] / math.log(2))
    assert r["n_train"] + r["n_dev"] + r["n_test"] == len(NAMES) and r["latency_ms"] > 0
    hist = json.loads(r["history"])
    assert len(hist) == 2 and all("dev_nll" in e and "test_nll" in e for e in hist)
    pos = json.loads(r["nll_by_position"])
    assert pos[0]["position"] == 0 and pos[0]["n"] == r["n_test"]
    assert len(json.loads(r["samples"])) == 20 and set(json.loads(r["marks"])) <= {"training", "held-out real", "new"}
    assert json.loads(rows[0]["history"])[0]["epoch"] == 1 and rows[0]["epochs_run"] == 1  # counted once


def test_recommend_takes_the_lowest_nats_per_char_under_constraints(rows):
    rec = recommend(rows)
    means = {m: sum(r["test_nll"] for r in rows if r["model"] == m) / 3 for m in ("ngram", "rnn")}
    low = min(means, key=means.get)
    assert rec.metric == "test_nll" and rec.chosen is not None
    assert rec.chosen.model == low or rec.chosen.model in rec.tied or low in rec.tied
    assert "lowest mean test nats/char" in rec.reason or "within the noise" in rec.reason
    small = recommend(rows, Constraints(max_params=0))  # only the count model has no parameters
    assert small.chosen.model == "ngram" and "rnn" in small.rejected


def test_the_report_has_the_language_model_section(rows, tmp_path):
    doc = build_document(RunData(tmp_path, rows, "rows", {}, []))
    ids = [s.id for s in doc]
    assert ids == ["answer", "overview", "language-models", "recommendation"]
    lm = doc[2]
    tables = [b for b in lm.blocks if hasattr(b, "columns")]
    figures = [b for b in lm.blocks if hasattr(b, "png")]
    assert tables[0].columns[:2] == ["model", "test nats/char"] and len(tables[0].rows) == 2
    assert {f.name for f in figures} == {"lm-learning-girls", "lm-position-girls"}
    assert any("(new)" in cell or "(t)" in cell or "(h)" in cell for row in tables[1].rows for cell in row)


def test_registry_datasets_each_have_a_task_and_name_corpora_are_lm():
    assert all(e.task in TASKS for e in DATASETS.values())
    assert sum(e.task == "lm" for e in DATASETS.values()) >= 4  # a floor, not the list
    assert sum(e.task == "classify" for e in DATASETS.values()) >= 4
    assert dataset_task("seed-cities") == "lm" and dataset_task("sst2") == "classify"


def test_names_preset_is_every_lm_and_specs_refuse_mixed_tasks():
    from seqarena.models import list_models

    spec = load_preset("names")
    assert spec.task == "lm" and set(spec.models) == set(list_models("lm"))
    assert spec.train_config("gru").lr_schedule == "cosine" and spec.train_config("gru").optimizer == "adamw"
    with pytest.raises(InputError, match="mix classification and name corpora"):
        parse_spec('datasets = ["sst2", "spanish-cities"]\nmodels = "all"\n', "mixed.toml")
    with pytest.raises(InputError, match="unknown 'bilstm'"):
        parse_spec('datasets = ["seed-cities"]\nmodels = ["bilstm"]\n', "bad.toml")


def test_a_corpus_without_test_names_is_refused_by_compare():
    spec = replace(load_preset("names"), datasets=("seed-cities",))  # its default split is none
    with pytest.raises(InputError, match="no test names"):
        expand(spec)
