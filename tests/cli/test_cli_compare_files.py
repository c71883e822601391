"""`compare`, `report`, `recommend` and `data inspect` on the user's own files: every reader flag,
format inference, the same rows from every format, spec [datasets.NAME] tables, the edited-file
rule, per-class metrics, bad input. Tiny sizes; files written in tmp_path."""

from __future__ import annotations

import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from seqarena.cli import main

WORDS = {"sport": ["goal", "team", "match", "score"], "tech": ["chip", "code", "phone", "data"],
         "food": ["bread", "sauce", "chef", "taste"]}
FILLER = ["the", "a", "was", "very", "and", "it"]


def examples(n: int = 90, seed: int = 0) -> list[tuple[str, str]]:
    """n texts of three classes, grouped by class in file-name order (food, sport, tech) so the
    per-class layout (one file per class, read in name order) holds the same rows in the same order."""
    rng = np.random.default_rng(seed)
    rows = []
    for label in sorted(WORDS):
        for _ in range(n // 3):
            toks = list(rng.choice(FILLER, size=int(rng.integers(3, 8))))
            toks.insert(int(rng.integers(0, len(toks))), str(rng.choice(WORDS[label])))
            rows.append((" ".join(toks), label))
    return rows


def write_csv(path: Path, rows, blank_every: int = 0, delimiter: str = ",") -> Path:
    with open(path, "w", newline="") as f:
        w = csv.writer(f, delimiter=delimiter)
        w.writerow(["id", "body", "topic"])
        for i, (t, y) in enumerate(rows):
            w.writerow([i, t, y])
            if blank_every and i % blank_every == 0:
                f.write("\n")
    return path


def write_all_formats(d: Path, rows) -> dict[str, list[str]]:
    """The same rows as csv, tsv, jsonl, fastText lines and one file per class: the reader flags of each."""
    write_csv(d / "data.csv", rows)
    write_csv(d / "data.tsv", rows, delimiter="\t")
    (d / "data.jsonl").write_text("".join(json.dumps({"body": t, "topic": y}) + "\n" for t, y in rows))
    (d / "data.ft").write_text("".join(f"__label__{y} {t}\n" for t, y in rows))
    per = d / "classes"
    per.mkdir()
    for label in sorted(WORDS):
        (per / f"{label}.txt").write_text("".join(t + "\n" for t, y in rows if y == label))
    cols = ["--text-column", "body", "--label-column", "topic"]
    return {"csv": [str(d / "data.csv"), *cols], "tsv": [str(d / "data.tsv"), *cols],
            "jsonl": [str(d / "data.jsonl"), *cols], "fasttext": [str(d / "data.ft"), "--format", "fasttext"],
            "per-class": [str(per)]}


def cli(capsys, *args) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as e:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return e.value.code, out, err


FAST = ["--epochs", "2", "--jobs", "1", "--threads", "1", "--device", "cpu"]


def test_csv_with_blank_lines_and_other_column_names_through_compare_report_recommend(tmp_path, capsys):
    data = write_csv(tmp_path / "reviews.csv", examples(), blank_every=20)
    out = tmp_path / "run"
    code, stdout, err = cli(capsys, "compare", "--train", data, "--text-column", "body", "--label-column", "topic",
                            "--models", "textcnn,nbsvm", "--seeds", "2", "--folds", "3", "--out", out,
                            "--per-class", *FAST)
    assert code == 0, err
    assert "reviews.csv: 5 blank lines skipped" in err  # one warning for the file, with the count
    assert "reviews: 3 classes, 90 train" in err  # compare's one-line look at the data
    assert "food" in stdout and "precision" in stdout  # --per-class tables
    rows = json.loads((out / "results.json").read_text())["rows"]
    assert len(rows) == 2 * 2 * 3 and {r["dataset"] for r in rows} == {"reviews"}
    for r in rows:
        pc, conf = json.loads(r["per_class"]), json.loads(r["confusion"])
        assert [c["label"] for c in pc] == ["food", "sport", "tech"]
        assert sum(c["support"] for c in pc) == r["n_test"] == sum(map(sum, conf))
        assert np.trace(np.array(conf)) / r["n_test"] == pytest.approx(r["test_acc"])
    code, html, err = cli(capsys, "report", out)
    assert code == 0, err
    page = Path(html.strip()).read_text()
    assert 'id="per-class"' in page and "F1 food" in page and "confusion" in page
    code, rec, err = cli(capsys, "recommend", out, "--json", "--metric", "macro_f1")
    assert code == 0, err
    assert json.loads(rec)["metric"] == "macro_f1" and json.loads(rec)["dataset"] == "reviews"


def test_every_format_gives_the_same_rows(tmp_path, capsys):
    flags = write_all_formats(tmp_path, examples(60))
    scores = {}
    for fmt, args in flags.items():
        code, out, err = cli(capsys, "compare", "--train", *args, "--name", "same", "--models", "textcnn,nbsvm",
                             "--folds", "3", "--fold-subset", "0", "--json", *FAST)
        assert code == 0, (fmt, err)
        scores[fmt] = [(r["model"], r["test_acc"], r["macro_f1"], r["train_acc"]) for r in json.loads(out)]
    assert all(v == scores["csv"] for v in scores.values()), scores


def test_format_is_inferred_or_the_error_names_the_choices(tmp_path, capsys):
    flags = write_all_formats(tmp_path, examples(30))
    code, _, err = cli(capsys, "compare", "--train", flags["fasttext"][0], "--models", "nbsvm", *FAST)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "data.ft: cannot tell the format from the extension '.ft'; give --format, one of" in err
    code, out, err = cli(capsys, "data", "inspect", *flags["per-class"], "--json")  # a directory: per-class
    assert code == 0, err
    assert json.loads(out)["splits"]["train"]["classes"] == {"food": 10, "sport": 10, "tech": 10}


def test_given_test_split_and_dev_carve_under_the_kim_preset(tmp_path, capsys):
    rows = examples(90)
    train = write_csv(tmp_path / "train.csv", rows[::2] + rows[1::4])
    test = write_csv(tmp_path / "test.csv", rows[3::4])
    code, out, err = cli(capsys, "compare", "--preset", "kim", "--train", train, "--test", test, "--text-column",
                         "body", "--label-column", "topic", "--models", "nbsvm,bow", "--json", "--epochs", "2",
                         "--jobs", "1", "--threads", "1", "--device", "cpu", "--out", tmp_path / "run")
    assert code == 0, err
    stored = json.loads((tmp_path / "run" / "results.json").read_text())["rows"]
    for r in stored:  # the kim preset selects epochs on a dev set: carved from train (10 %)
        assert r["protocol"] == "given" and r["n_test"] == len(rows[3::4])
        assert r["n_dev"] == pytest.approx(0.1 * (r["n_train"] + r["n_dev"]), abs=2)


def test_dev_test_and_vocabulary_flags(tmp_path, capsys):
    rows = examples(90)
    train, dev, test = (write_csv(tmp_path / f"{s}.csv", part) for s, part in
                        (("train", rows[::3] + rows[1::3]), ("dev", rows[2::6]), ("test", rows[5::6])))
    code, out, err = cli(capsys, "compare", "--train", train, "--dev", dev, "--test", test, "--text-column", "body",
                         "--label-column", "topic", "--tokenizer", "whitespace", "--min-freq", "2", "--max-vocab", "12",
                         "--models", "bow", "--out", tmp_path / "run", "--json", *FAST)
    assert code == 0, err
    (r,) = json.loads((tmp_path / "run" / "results.json").read_text())["rows"]
    assert (r["n_train"], r["n_dev"], r["n_test"]) == (60, 15, 15) and r["vocab_size"] == 12
    assert r["dataset"] == tmp_path.name[:64]  # default name: the directory of a generic train.csv


def test_an_edited_file_is_refused_in_the_same_run_directory(tmp_path, capsys):
    data = write_csv(tmp_path / "d.csv", examples(30))
    argv = ["compare", "--train", data, "--text-column", "body", "--label-column", "topic", "--models", "nbsvm",
            "--folds", "3", "--out", tmp_path / "run", *FAST]
    assert cli(capsys, *argv)[0] == 0
    code, _, err = cli(capsys, *argv)
    assert code == 0 and "3 of 3 cells already done" in err  # unchanged file: resumed, nothing re-run
    before = (tmp_path / "run" / "results.json").read_bytes()
    with open(data, "a") as f:
        f.write("99,a new goal text,sport\n")
    code, _, err = cli(capsys, *argv)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "dataset 'd' was measured here on other contents or reader settings" in err
    assert (tmp_path / "run" / "results.json").read_bytes() == before  # nothing stored is touched
    code, _, err = cli(capsys, *argv, "--name", "d2")  # a new name is a new dataset in the same store
    assert code == 0, err


def test_spec_file_tables_mixed_with_named_datasets(tmp_path, capsys):
    write_csv(tmp_path / "train.csv", examples(30))
    spec = tmp_path / "exp.toml"
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "a.jsonl").write_text("".join(json.dumps({"body": t, "topic": y}) + "\n" for t, y in examples(30)))
    (sub / "b.jsonl").write_text("".join(json.dumps({"body": t, "topic": y}) + "\n" for t, y in examples(12, 1)))
    spec.write_text('name = "mine"\nmodels = ["nbsvm"]\n[datasets]\nnamed = ["seed-bigram"]\n'
                    '[datasets.topics]\ntrain = "train.csv"\ntext_column = "body"\nlabel_column = "topic"\n'
                    '[datasets.split]\ntrain = ["sub/a.jsonl"]\ntest = "sub/b.jsonl"\nformat = "jsonl"\n'
                    'text_column = "body"\nlabel_column = "topic"\ntokenizer = "whitespace"\nmin_freq = 2\n'
                    'max_vocab = 9\n[protocol]\nfolds = 3\n')
    code, out, err = cli(capsys, "compare", "--config", spec, "--json", *FAST)
    assert code == 0, err
    assert {r["dataset"] for r in json.loads(out)} == {"seed-bigram", "topics", "split"}
    spec.write_text('[datasets.topics]\ntrain = "train.csv"\ncolour = "red"\n')
    code, _, err = cli(capsys, "compare", "--config", spec, *FAST)
    assert code == 2 and f"{spec}:3: [datasets.topics] colour: unknown field" in err
    spec.write_text('[datasets.topics]\ntrain = "missing.csv"\n')
    code, _, err = cli(capsys, "compare", "--config", spec, *FAST)
    assert code == 2 and f"{spec}:1: [datasets.topics]:" in err and "missing.csv: no such file" in err


@pytest.mark.parametrize("args,message", [
    (["--train", "{d}/nope.csv"], "nope.csv: no such file or directory"),
    (["--test", "{d}/t.csv"], "--test: goes with --train FILE"),
    (["--train", "{d}/t.csv", "--text-column", "body", "--label-column", "topic", "--metric", "f2"],
     "--metric: unknown 'f2'; choose from ['accuracy', 'macro_f1']"),
    (["--train", "{d}/t.csv", "--format", "xml"], "--format: unknown format 'xml'"),
    (["--train", "{d}/t.csv"], "t.csv:1: no column 'text'; columns are ['id', 'body', 'topic']"),
    (["--train", "{d}/t.csv", "--text-column", "body", "--label-column", "topic", "--name", "a/b"],
     "--name: 'a/b' is not a usable dataset name"),
    (["--train", "{d}/t.csv", "--text-column", "body", "--label-column", "topic", "--name", "mr"],
     "--name: 'mr' is a built-in dataset"),
    (["--train", "{d}/t.csv", "--text-column", "body", "--label-column", "topic", "--test", "{d}/odd.csv"],
     "odd.csv:3: label 'music' does not occur in the training data"),
    (["--train", "{d}/one.csv", "--text-column", "body", "--label-column", "topic"],
     "only one class ('sport') in the training data"),
    (["--train", "{d}/t.csv", "--text-column", "body", "--label-column", "topic", "--min-freq", "0"],
     "--min-freq must be an integer >= 1"),
])
def test_bad_input_is_one_line_exit_2_and_nothing_stored_is_lost(tmp_path, capsys, args, message):
    write_csv(tmp_path / "t.csv", examples(30))
    write_csv(tmp_path / "odd.csv", [("a goal", "sport"), ("a song", "music")])
    write_csv(tmp_path / "one.csv", [("a goal", "sport"), ("a match", "sport")])
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "results.json").write_text('{"rows": []}')
    code, out, err = cli(capsys, "compare", *[a.format(d=tmp_path) for a in args], "--out", run_dir, *FAST)
    assert code == 2 and not out and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert message in err, err
    assert (run_dir / "results.json").read_text() == '{"rows": []}'


def test_data_inspect_reports_lengths_unseen_tokens_duplicates_and_overlap(tmp_path, capsys):
    rows = examples(60)
    train = write_csv(tmp_path / "train.csv", rows + rows[:3])  # three exact duplicates
    test = write_csv(tmp_path / "test.csv", [rows[0], ("zebra quokka goal", "sport")])
    code, out, err = cli(capsys, "data", "inspect", train, "--test", test, "--text-column", "body",
                         "--label-column", "topic", "--json")
    assert code == 0, err
    assert "3 exact duplicate examples (same text and label) in train" in err
    info = json.loads(out)
    tr, te = info["splits"]["train"], info["splits"]["test"]
    assert tr["examples"] == 63 and tr["duplicates"] == 3 and te["also_in_train"] == 1
    assert te["unseen_token_pct"] == pytest.approx(100 * 2 / (len(rows[0][0].split()) + 3))
    assert tr["length"]["max"] <= 8 and tr["length"]["p50"] <= tr["length"]["p90"] <= tr["length"]["p99"]
    assert any("also occur in train" in c for c in info["consequences"])
    code, out, err = cli(capsys, "data", "inspect", train, "--test", test, "--text-column", "body",
                         "--label-column", "topic")
    assert code == 0 and "unseen tokens %" in out and "p99" in out


def test_kill_9_mid_run_on_a_file_dataset_then_resume(tmp_path, capsys):
    data = write_csv(tmp_path / "d.csv", examples(60))
    out = tmp_path / "run"
    argv = ["compare", "--train", str(data), "--text-column", "body", "--label-column", "topic", "--models", "bow",
            "--folds", "6", "--epochs", "1", "--jobs", "1", "--threads", "1", "--device", "cpu", "--out", str(out),
            "--json"]
    proc = subprocess.Popen([sys.executable, "-m", "seqarena", *argv], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    db_path, deadline, done = out / "results.sqlite", time.time() + 120, 0
    while time.time() < deadline and proc.poll() is None and done < 2:
        if db_path.exists():
            try:
                with sqlite3.connect(db_path, timeout=5) as db:
                    done = db.execute("SELECT COUNT(*) FROM results WHERE status = 'done'").fetchone()[0]
            except sqlite3.OperationalError:
                done = 0
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    db = sqlite3.connect(db_path)
    before = dict(db.execute("SELECT cell_id, updated_at FROM results WHERE status = 'done'"))
    assert 2 <= len(before) < 6
    code, stdout, err = cli(capsys, *argv[:-1], "--json")
    assert code == 0, err
    assert f"{len(before)} of 6 cells already done" in err
    after = dict(db.execute("SELECT cell_id, updated_at FROM results WHERE status = 'done'"))
    assert len(after) == 6 and all(after[k] == v for k, v in before.items())
    assert json.loads(stdout)[0]["n"] == 6
