"""compare --out DIR -> train --from-run DIR -> evaluate -> predict --output, on a small three-class CSV
written in tmp_path (columns sentence/category, as benchmarks/make_user_csv.py writes): the retrained
model is built from the run's stored spec (hyperparameters, training fields, dev carve, reader
settings), for torch models and sparse baselines; bad input is one line, exit 2."""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest
import torch

from seqarena.cli import main
from seqarena.deploy.predictor import load_predictor
from seqarena.train.checkpoint import load_checkpoint

WORDS = {"praise": ["superb", "lovely", "great", "moving"], "complaint": ["dull", "awful", "boring", "flat"],
         "plot": ["hero", "travels", "city", "meets"]}
FILLER = ["the", "a", "film", "was", "very", "and", "it", "this"]


def rows(n: int, seed: int) -> list[tuple[str, str]]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        label = list(WORDS)[i % 3]
        toks = list(rng.choice(FILLER, size=int(rng.integers(3, 9))))
        for _ in range(2):
            toks.insert(int(rng.integers(0, len(toks) + 1)), str(rng.choice(WORDS[label])))
        out.append((" ".join(toks), label))
    return out


def write_csv(path: Path, data: list[tuple[str, str]]) -> Path:
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "sentence", "category"])
        w.writerows((i, t, y) for i, (t, y) in enumerate(data))
    return path


def run(args, capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as e:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return e.value.code, out, err


SPEC = """name = "mine"
models = ["textcnn", "tfidf_lr", "nbsvm"]
seeds = [3]
[datasets.user]
train = "train.csv"
text_column = "sentence"
label_column = "category"
min_freq = 2
[protocol]
kind = "cv"
folds = 2
dev_fraction = 0.2
[train]
epochs = 3
batch_size = 16
lr = 0.003
patience = 2
[hparams.textcnn]
n_filters = 7
kernel_sizes = [2, 3]
[hparams.tfidf_lr]
C = 3.0
"""


@pytest.fixture
def measured(tmp_path, capsys):
    """A compare run on a user CSV (2-fold CV, dev carve 0.2, non-default hyperparameters)."""
    write_csv(tmp_path / "train.csv", rows(90, 0))
    write_csv(tmp_path / "test.csv", rows(30, 1))
    (tmp_path / "spec.toml").write_text(SPEC)
    code, _, err = run(["compare", "--config", tmp_path / "spec.toml", "--out", tmp_path / "run", "--jobs", "1",
                        "--threads", "1", "--device", "cpu", "--json"], capsys)
    assert code == 0, err
    return tmp_path


def measured_rows(run_dir: Path, model: str) -> list[dict]:
    db = sqlite3.connect(run_dir / "results.sqlite")
    out = [json.loads(r[0]) for r in db.execute("SELECT row_json FROM results WHERE model = ?", (model,))]
    db.close()
    return out


def test_from_run_rebuilds_the_measured_torch_cell(measured, capsys):
    d = measured
    ckpt = d / "cnn.pt"
    code, out, err = run(["train", "--from-run", d / "run", "--model", "textcnn", "--out", ckpt, "--device", "cpu",
                          "--json"], capsys)
    assert code == 0, err
    assert "the configuration compare measured (config hash" in err
    assert "no test split" in err and err.count("no held-out score") == 1
    row = json.loads(out)
    stored = measured_rows(d / "run", "textcnn")
    assert len(stored) == 2  # two folds
    # the model, its hyperparameters and the training fields are the measured ones
    assert row["hparams"]["n_filters"] == 7 and tuple(row["hparams"]["kernel_sizes"]) == (2, 3)
    assert row["train_config"] == json.loads(stored[0]["train_config"])
    assert row["seed"] == 3 and row["protocol"]["dev_fraction"] == 0.2
    # all 90 training rows (every fold), 20 % of them carved as dev for epoch selection
    assert row["n_train"] + row["n_dev"] == 90 and row["n_dev"] == 18 and row["test_acc"] is None
    assert 1 <= row["selected_epoch"] <= row["epochs_run"] <= 3
    saved = load_checkpoint(ckpt, task="classify")
    assert saved["min_freq"] == 2 and saved["tokenizer"] == "kim" and saved["from_run"] == str(d / "run")
    assert saved["model_config"]["hparams"] == {**json.loads(stored[0]["model_config"]),
                                                "kernel_sizes": (2, 3)}
    assert saved["reader"] == {"format": "csv", "text_column": "sentence", "label_column": "category"}
    # min_freq 2 from the run: the vocabulary is smaller than every distinct training word
    assert len(saved["vocab"]) == stored[0]["vocab_size"]

    # evaluate on the held-out file: the reader settings come from the checkpoint
    code, out, err = run(["evaluate", ckpt, "--test", d / "test.csv", "--json", "--out", d / "ev"], capsys)
    assert code == 0, err
    ev = json.loads(out)
    assert ev["n"] == 30 and len(ev["confusion"]) == 3 and sum(map(sum, ev["confusion"])) == 30
    assert {c["label"] for c in ev["per_class"]} == {"praise", "complaint", "plot"}
    assert ev["accuracy"] == pytest.approx(np.trace(np.array(ev["confusion"])) / 30)
    html = (d / "ev" / "evaluation.html").read_text()
    assert "data:image/png;base64," in html and "Confusion matrix" in html

    # predict the same file to a CSV: one row per text, the same labels evaluate scored
    code, _, err = run(["predict", ckpt, "--file", d / "test.csv", "--output", d / "preds.csv", "--top-k", "2"], capsys)
    assert code == 0, err
    with open(d / "preds.csv") as f:
        got = list(csv.DictReader(f))
    gold = [y for _, y in rows(30, 1)]
    assert len(got) == 30 and set(got[0]) >= {"label", "probability", "p_praise", "p_plot", "label_2", "p_2"}
    assert sum(g["label"] == y for g, y in zip(got, gold)) / 30 == pytest.approx(ev["accuracy"])
    for g in got:
        probs = [float(g[f"p_{c}"]) for c in WORDS]
        assert abs(sum(probs) - 1) < 1e-4 and float(g["probability"]) == pytest.approx(max(probs), abs=1e-6)
        assert g["label_1"] == g["label"] and float(g["p_1"]) >= float(g["p_2"])


@pytest.mark.parametrize("model", ["tfidf_lr", "nbsvm"])
def test_from_run_trains_and_saves_the_sparse_baselines(measured, capsys, model):
    d = measured
    ckpt = d / f"{model}.pt"
    code, out, err = run(["train", "--from-run", d / "run", "--model", model, "--out", ckpt, "--json"], capsys)
    assert code == 0, err
    row = json.loads(out)
    assert row["hparams"] == ({"C": 3.0} if model == "tfidf_lr" else {})
    assert row["n_train"] == 72  # the dev carve is left out of the fit, as in the comparison's cells
    saved = torch.load(ckpt, weights_only=True)  # plain data and tensors only
    assert saved["model_config"]["kind"] == "sparse" and all(isinstance(v, torch.Tensor)
                                                              for v in saved["state_dict"].values())
    code, out, err = run(["evaluate", ckpt, "--test", d / "test.csv", "--json"], capsys)
    assert code == 0, err
    assert json.loads(out)["n"] == 30
    pred = load_predictor(ckpt)
    p = pred.predict_proba(["superb lovely film", "boring flat plot"])
    assert p.shape == (2, 3) and np.allclose(p.sum(1), 1)


def test_from_run_with_changes_says_so_and_edited_files_are_refused(measured, capsys):
    d = measured
    code, out, err = run(["train", "--from-run", d / "run", "--model", "textcnn", "--lr", "0.01", "--epochs", "1",
                          "--out", d / "c.pt", "--json"], capsys)
    assert code == 0, err
    assert "with your changes" in err
    row = json.loads(out)
    assert row["train_config"]["lr"] == 0.01 and row["train_config"]["batch_size"] == 16 and row["epochs_run"] == 1
    with open(d / "train.csv", "a") as f:
        f.write("999,a new superb row,praise\n")
    code, out, err = run(["train", "--from-run", d / "run", "--model", "textcnn", "--out", d / "e.pt"], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1 and "changed since the comparison" in err
    assert not (d / "e.pt").exists()
    # the same files given again: trained the run's way on them
    code, out, err = run(["train", "--from-run", d / "run", "--model", "tfidf_lr", "--train", d / "train.csv",
                          "--out", d / "e.pt", "--json"], capsys)
    assert code == 0, err
    assert json.loads(out)["n_train"] + json.loads(out)["n_dev"] == 91


@pytest.mark.parametrize("case", ["unmeasured-model", "no-run", "preset-and-run", "bad-hparam", "reader-flag"])
def test_from_run_bad_input_is_one_line(measured, capsys, case):
    d = measured
    args = {"unmeasured-model": ["--from-run", d / "run", "--model", "gru"],
            "no-run": ["--from-run", d, "--model", "textcnn"],
            "preset-and-run": ["--from-run", d / "run", "--preset", "kim", "--model", "textcnn"],
            "bad-hparam": ["--from-run", d / "run", "--model", "textcnn", "--hparam", "n_filters=big"],
            "reader-flag": ["--from-run", d / "run", "--model", "textcnn", "--min-freq", "1"]}[case]
    expect = {"unmeasured-model": "'gru' was not measured", "no-run": "no results.sqlite",
              "preset-and-run": "give one of them", "bad-hparam": "n_filters: must be int",
              "reader-flag": "--min-freq: with --from-run"}[case]
    code, out, err = run(["train", *args, "--out", d / "x.pt"], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1 and expect in err, err
    assert not (d / "x.pt").exists()


def test_train_accepts_every_training_field_and_a_preset(tmp_path, capsys):
    write_csv(tmp_path / "train.csv", rows(60, 0))
    code, out, err = run(["train", "--model", "gru", "--train", tmp_path / "train.csv", "--text-column", "sentence",
                          "--label-column", "category", "--preset", "kim", "--epochs", "2", "--batch-size", "8",
                          "--lr", "0.5", "--dropout", "0.1", "--hparam", "d_hidden=12", "--hparam", "d_embed=10",
                          "--device", "cpu", "--out", tmp_path / "g.pt", "--json"], capsys)
    assert code == 0, err
    row = json.loads(out)
    cfg = row["train_config"]
    assert cfg["optimizer"] == "adadelta" and cfg["lr"] == 0.5 and cfg["batch_size"] == 8 and cfg["max_norm"] == 3.0
    assert row["hparams"] == {"d_embed": 10, "dropout": 0.1, "d_hidden": 12}
    assert row["n_dev"] == 6 and row["n_train"] == 54  # the kim preset's 10 % dev carve
    assert "no held-out score" in err
