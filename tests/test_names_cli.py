"""`seqarena names`: train -> sample round trip at tiny size, compare --json, and every bad input as
one line on stderr with exit code 2."""

import json

import pytest
import torch

from seqarena.cli import main
from seqarena.models import create_model
from seqarena.train.checkpoint import save_checkpoint

NAMES = [
    "ANA",
    "ANABEL",
    "BEA",
    "BELEN",
    "ELENA",
    "LEA",
    "NELA",
    "ALBA",
    "ABEL",
    "ELBA",
    "LENA",
    "ANABELLA",
    "NOA",
    "LOLA",
    "OLENA",
    "BENA",
    "NEL",
    "LEON",
    "NOEL",
    "LEONA",
]


def run(argv, capsys):
    with pytest.raises(SystemExit) as e:
        main(argv)
    out, err = capsys.readouterr()
    return e.value.code, out, err


@pytest.fixture
def corpus(tmp_path):
    p = tmp_path / "names.txt"
    p.write_text("\n".join(NAMES) + "\n", encoding="utf-8")
    return str(p)


def train(corpus, ckpt, capsys, *extra):
    code, out, err = run(
        [
            "names",
            "train",
            "--corpus",
            corpus,
            "--model",
            "gru",
            "--hidden",
            "8",
            "--embed",
            "8",
            "--epochs",
            "2",
            "--checkpoint",
            str(ckpt),
            "--json",
            *extra,
        ],
        capsys,
    )
    assert code == 0, err
    return json.loads(out)


def test_train_then_sample_round_trip(corpus, tmp_path, capsys):
    ckpt = tmp_path / "m.pt"
    row = train(corpus, ckpt, capsys)
    for key in ("model", "params", "test_nll", "train_time_s", "pct_new", "train_nll", "dev_nll", "test_bpc"):
        assert key in row
    assert row["params"] > 0 and row["test_nll"] > 0 and len(row["samples"]) == 5
    assert torch.load(ckpt, weights_only=True)["model_config"]["task"] == "lm"
    code, out, err = run(
        ["names", "sample", "--checkpoint", str(ckpt), "--n", "4", "--prefix", "AN", "--json"], capsys
    )
    assert code == 0, err
    got = json.loads(out)
    assert len(got["samples"]) == 4 and all(s["name"].startswith("AN") for s in got["samples"])
    assert {s["mark"] for s in got["samples"]} <= {"training", "held-out real", "new"}
    code, out, _ = run(["names", "sample", "--checkpoint", str(ckpt), "--n", "3", "--top-k", "1"], capsys)
    assert code == 0 and "% new" in out and len(out.strip().splitlines()) == 4


def test_compare_runs_the_lm_cells_through_the_store(corpus, tmp_path, capsys):
    out_dir = tmp_path / "run"
    code, out, err = run(
        [
            "names",
            "compare",
            "--corpus",
            corpus,
            "--models",
            "ngram:order=2,rnn:d_hidden=8",
            "--epochs",
            "1",
            "--seeds",
            "2",
            "--jobs",
            "1",
            "--out",
            str(out_dir),
            "--json",
        ],
        capsys,
    )
    assert code == 0, err
    rows = json.loads(out)  # compare's summary: one row per model, mean over the seeds
    assert sorted(r["model"] for r in rows) == ["ngram", "rnn"] and all(r["n"] == 2 for r in rows)
    for r in rows:
        assert {"model", "params", "test_nll", "test_nll_ci95", "train_time_s", "pct_new", "best"} <= set(r)
    assert [r["model"] for r in rows if r["best"]] == ["ngram"]  # 1 epoch of a tiny rnn loses to counting
    stored = json.loads((out_dir / "results.json").read_text())["rows"]
    assert len(stored) == 4 and {r["task"] for r in stored} == {"lm"}
    assert json.loads(stored[0]["nll_by_position"])[0]["position"] == 0
    code, _, err = run(["names", "compare", "--corpus", corpus, "--models", "ngram:order=2,rnn:d_hidden=8",
                        "--epochs", "1", "--seeds", "2", "--out", str(out_dir), "--json"], capsys)
    assert code == 0 and "4 of 4 cells already done" in err  # resumed from the store: nothing retrained


def one_line_exit_2(argv, capsys, match):
    code, out, err = run(argv, capsys)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and match in err, err


def test_bad_corpora(tmp_path, capsys):
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n", encoding="utf-8")
    one = tmp_path / "one.txt"
    one.write_text("MADRID\n", encoding="utf-8")
    one_line_exit_2(["names", "train", "--corpus", str(empty)], capsys, "empty")
    one_line_exit_2(["names", "train", "--corpus", str(one)], capsys, "one distinct name")
    one_line_exit_2(["names", "compare", "--corpus", str(one)], capsys, "one distinct name")


def test_bad_sampling_flags(corpus, tmp_path, capsys):
    ckpt = tmp_path / "m.pt"
    train(corpus, ckpt, capsys, "--epochs", "1")
    one_line_exit_2(["names", "sample", "--checkpoint", str(ckpt), "--prefix", "AXZ"], capsys, "--prefix")
    one_line_exit_2(
        ["names", "sample", "--checkpoint", str(ckpt), "--temperature", "0"], capsys, "--temperature"
    )
    one_line_exit_2(
        ["names", "sample", "--checkpoint", str(ckpt), "--temperature", "-0.5"], capsys, "--temperature"
    )
    one_line_exit_2(
        ["names", "sample", "--checkpoint", str(tmp_path / "none.pt")], capsys, "no such checkpoint"
    )


def test_checkpoint_of_another_task_or_version(tmp_path, capsys):
    other = tmp_path / "classify.pt"
    save_checkpoint(other, create_model("gru", "classify", 10, 2))
    one_line_exit_2(["names", "sample", "--checkpoint", str(other)], capsys, "task 'classify'")
    old = tmp_path / "old.pt"
    save_checkpoint(old, create_model("gru", "lm", 10))
    payload = torch.load(old, weights_only=True)
    payload["format_version"] = 999
    torch.save(payload, old)
    one_line_exit_2(["names", "sample", "--checkpoint", str(old)], capsys, "version 999")


def test_bad_model_flags(corpus, capsys):
    one_line_exit_2(["names", "train", "--corpus", corpus, "--model", "bilstm"], capsys, "no task 'lm'")
    one_line_exit_2(
        ["names", "train", "--corpus", corpus, "--model", "transformer", "--one-hot"], capsys, "--one-hot"
    )
    one_line_exit_2(
        ["names", "compare", "--corpus", corpus, "--models", "gru:width=3"], capsys, "unknown setting"
    )
    one_line_exit_2(["names", "train", "--corpus", corpus, "--epochs", "0"], capsys, "--epochs")


@pytest.mark.slow
def test_seed_demo_learns_the_cities_and_completes_barcelona(tmp_path, capsys):
    ckpt = tmp_path / "seed.pt"
    code, out, err = run(
        [
            "names",
            "train",
            "--corpus",
            "seed-cities",
            "--model",
            "rnn",
            "--hidden",
            "128",
            "--one-hot",
            "--checkpoint",
            str(ckpt),
            "--json",
        ],
        capsys,
    )
    assert code == 0, err
    assert json.loads(out)["train_nll"] < 0.5  # first letters cannot be memorised; the rest can
    code, out, err = run(
        ["names", "sample", "--checkpoint", str(ckpt), "--prefix", "BA", "--n", "10", "--json"], capsys
    )
    assert [s["name"] for s in json.loads(out)["samples"]] == ["BARCELONA"] * 10
