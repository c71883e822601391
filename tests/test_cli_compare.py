"""`seqarena compare` end to end at small sizes, its flags, and its errors."""

import json
import sqlite3
import subprocess
import sys

import pytest

from seqarena.cli import main

KEYS = {"model", "params", "train_acc", "test_acc", "macro_f1", "train_time_s", "latency_ms", "throughput"}


def cli(capsys, *args):
    with pytest.raises(SystemExit) as e:
        main(list(args))
    out, err = capsys.readouterr()
    return e.value.code, out, err


def test_compare_json_rows(capsys, tmp_path):
    code, out, err = cli(capsys, "compare", "--models", "bow,textcnn", "--epochs", "1", "--jobs", "1",
                         "--json", "--out", str(tmp_path))
    assert code == 0
    rows = json.loads(out)  # nothing but JSON on stdout
    assert [r["model"] for r in rows] == ["bow", "textcnn"]
    for r in rows:
        assert KEYS <= set(r)
        assert 0.5 < r["test_acc"] <= 1.0 and r["params"] > 0 and r["latency_ms"] > 0
    saved = json.loads((tmp_path / "results.json").read_text())
    assert len(saved["rows"]) == 2
    n = sqlite3.connect(tmp_path / "results.sqlite").execute("select count(*) from results").fetchone()[0]
    assert n == 2


def test_compare_table_with_seeds(capsys):
    code, out, _ = cli(capsys, "compare", "--models", "bow", "--epochs", "1", "--seeds", "2", "--jobs", "1")
    assert code == 0
    assert "bow" in out and "±" in out and "test acc" in out


def test_workers_give_the_same_numbers_as_in_process(capsys):
    args = ["compare", "--models", "bow,textcnn", "--epochs", "1", "--json", "--threads", "1"]
    _, one, _ = cli(capsys, *args, "--jobs", "1")
    _, two, _ = cli(capsys, *args, "--jobs", "2")
    pick = lambda s: [(r["model"], r["train_acc"], r["test_acc"]) for r in json.loads(s)]  # noqa: E731
    assert pick(one) == pick(two)


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--models", "gru,nope"], "unknown 'nope'; choose from"),
        (["--epochs", "0"], "--epochs must be >= 1"),
        (["--jobs", "0"], "--jobs must be >= 1"),
        (["--device", "tpu"], "unknown device 'tpu'; choose from"),
        (["--seeds", "0"], "--seeds must be >= 1"),
        (["--epochs", "ten"], "--epochs"),
        (["--no-such-flag"], "No such option"),
    ],
)
def test_bad_input_is_one_line_exit_2(capsys, args, expected):
    code, out, err = cli(capsys, "compare", *args)
    assert code == 2
    assert expected in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert out == ""


def test_help_explains():
    r = subprocess.run([sys.executable, "-m", "seqarena", "compare", "--help"], capture_output=True, text=True)
    assert r.returncode == 0
    for flag in ("--models", "--epochs", "--seeds", "--device", "--threads", "--jobs", "--out", "--json"):
        assert flag in r.stdout
    top = subprocess.run([sys.executable, "-m", "seqarena", "--help"], capture_output=True, text=True)
    assert top.returncode == 0 and "compare" in top.stdout


def _fail_every_cell(monkeypatch):
    import seqarena.run.events as ex  # guarded_run, which every executor calls, calls run_cell

    def boom(*a, **k):
        raise RuntimeError("cell exploded")

    monkeypatch.setattr(ex, "run_cell", boom)


def test_a_run_whose_cells_all_fail_never_replaces_saved_results(capsys, tmp_path, monkeypatch):
    code, _, _ = cli(capsys, "compare", "--models", "bow", "--epochs", "1", "--jobs", "1", "--out", str(tmp_path))
    assert code == 0
    saved = (tmp_path / "results.json").read_bytes()
    _fail_every_cell(monkeypatch)
    code, _, err = cli(capsys, "compare", "--models", "bow", "--epochs", "2", "--jobs", "1", "--out", str(tmp_path))
    assert code == 1 and "1 cell(s) failed" in err and "RuntimeError: cell exploded" in err
    assert (tmp_path / "results.json").read_bytes() == saved  # not rewritten with 0 rows
    code, out, _ = cli(capsys, "recommend", str(tmp_path), "--json")
    assert code == 0 and json.loads(out)["chosen"] is not None  # the earlier result is still there


def test_without_out_a_failed_cell_names_its_error_and_the_run_directory_it_wrote(capsys, monkeypatch):
    import re
    from pathlib import Path

    _fail_every_cell(monkeypatch)
    code, _, err = cli(capsys, "compare", "--models", "bow", "--epochs", "1", "--jobs", "1")
    assert code == 1 and "RuntimeError: cell exploded" in err
    run_dir = Path(re.search(r"no --out given: writing this run to (\S+)/", err).group(1))
    assert (run_dir / "results.sqlite").is_file() and str(run_dir / "results.sqlite") in err


def test_a_crashed_claimant_of_this_host_is_retried_at_once(capsys, tmp_path):
    """A run killed mid-cell leaves it 'running' under its (dead) pid: the next run takes it over."""
    from seqarena.run.store import ResultsStore

    code, _, _ = cli(capsys, "compare", "--models", "bow", "--epochs", "1", "--jobs", "1", "--out", str(tmp_path))
    db = sqlite3.connect(tmp_path / "results.sqlite")
    (cell_id,) = db.execute("SELECT cell_id FROM results").fetchone()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    import socket
    db.execute("UPDATE results SET status = 'running', owner = ?, lease_until = 1e12",
               (f"{socket.gethostname()}:{dead.pid}:x",))
    db.commit()
    code, _, err = cli(capsys, "compare", "--models", "bow", "--epochs", "1", "--jobs", "1", "--out", str(tmp_path))
    assert code == 0 and "1 left running by an interrupted run are re-run" in err
    assert ResultsStore.open_readonly(tmp_path / "results.sqlite").statuses() == {cell_id: "done"}
    assert db.execute("SELECT attempts FROM results").fetchone()[0] == 2
