"""The runner end to end: CV cells, `compare --out` resuming, and a run killed with SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import numpy as np
import pytest

from seqarena.cli import main
from seqarena.config import ModelConfig, TrainConfig
from seqarena.run.cells import Cell, run_cell
from seqarena.run.protocol import Protocol, assign_folds


def test_torch_cell_on_a_cv_fold_selects_the_best_dev_epoch(tiny_text):
    cell = Cell(tiny_text, ModelConfig.of("bow", d_embed=8), TrainConfig(epochs=3, batch_size=16), seed=1,
                fold=2, protocol=Protocol("cv", folds=4, dev_fraction=0.1))
    row = run_cell(cell, "cpu", measure_speed=False)
    assert row["n_train"] + row["n_dev"] + row["n_test"] == 240 and row["n_test"] == 60
    history = json.loads(row["history"])
    assert len(history) == 3
    best = max(range(3), key=lambda i: history[i]["dev_acc"])  # first best, as fit keeps it
    assert row["selected_epoch"] == best + 1 and row["dev_acc"] == history[best]["dev_acc"]
    assert row["fold"] == 2 and row["folds"] == 4 and len(row["fold_digest"]) == 16
    assert row["data_time_s"] >= 0 and row["wall_time_s"] >= row["train_time_s"]


def _compare(argv, capsys):
    with pytest.raises(SystemExit) as e:
        main(["compare", *argv])
    captured = capsys.readouterr()
    assert e.value.code == 0, captured.err
    return json.loads(captured.out)


def test_compare_cv_stores_folds_and_resumes_only_missing_cells(tiny_text, tmp_path, capsys):
    out = tmp_path / "run"
    base = ["--dataset", tiny_text, "--models", "bow,nbsvm", "--epochs", "1", "--folds", "3", "--jobs", "1",
            "--device", "cpu", "--out", str(out), "--json"]
    table = _compare(base + ["--fold-subset", "0,1"], capsys)
    assert [r["model"] for r in table] == ["bow", "nbsvm"] and all(r["n"] == 2 for r in table)
    assert sum(r["best"] for r in table) == 1
    other = next(r for r in table if not r["best"])
    # best minus this model; negative only when the two are tied within the noise and best is cheaper
    assert (other["vs_best_diff"] >= 0 or other["tied_with_best"]) and "vs_best_p" in other
    db = sqlite3.connect(out / "results.sqlite")
    first = dict(db.execute("SELECT cell_id, updated_at FROM results WHERE status = 'done'"))
    assert len(first) == 4
    stored = json.loads(db.execute("SELECT assignment FROM folds WHERE dataset = ?", (tiny_text,)).fetchone()[0])
    from tests.run.tiny_text import make_tiny_text

    assert stored == assign_folds(make_tiny_text().train.labels.numpy(), 3, 0).tolist()

    table = _compare(base, capsys)  # all three folds: only fold 2's two cells are new
    assert all(r["n"] == 3 for r in table)
    now = dict(db.execute("SELECT cell_id, updated_at FROM results WHERE status = 'done'"))
    assert len(now) == 6 and all(now[k] == v for k, v in first.items())
    saved = json.loads((out / "results.json").read_text())
    assert len(saved["rows"]) == 6 and saved["tests"][tiny_text]["best"] in ("bow", "nbsvm")


def test_a_failing_cell_is_recorded_and_the_others_finish(tiny_text, tmp_path, capsys, monkeypatch):
    import seqarena.run.events as ex  # guarded_run, which every executor calls, calls run_cell

    real = ex.run_cell

    def flaky(cell, *a, **k):
        if cell.model.name == "tfidf_lr":
            raise RuntimeError("boom")
        return real(cell, *a, **k)

    monkeypatch.setattr(ex, "run_cell", flaky)
    out = tmp_path / "run"
    with pytest.raises(SystemExit) as e:
        main(["compare", "--dataset", tiny_text, "--models", "nbsvm,tfidf_lr", "--fold-subset", "0", "--folds", "3",
              "--jobs", "1", "--out", str(out), "--json"])
    captured = capsys.readouterr()
    assert e.value.code == 1 and "1 cell(s) failed" in captured.err
    assert [r["model"] for r in json.loads(captured.out)] == ["nbsvm"]
    db = sqlite3.connect(out / "results.sqlite")
    assert db.execute("SELECT status, error FROM results WHERE model = 'tfidf_lr'").fetchone()[0] == "failed"
    assert "RuntimeError: boom" in db.execute("SELECT error FROM results WHERE model = 'tfidf_lr'").fetchone()[0]


def test_sigkill_mid_run_keeps_the_database_and_a_rerun_completes_only_missing_cells(tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["compare", "--models", "bow", "--protocol", "cv", "--folds", "8", "--epochs", "1", "--jobs", "1",
            "--threads", "1", "--device", "cpu", "--out", str(out), "--json"]
    proc = subprocess.Popen([sys.executable, "-m", "seqarena", *argv], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    db_path = out / "results.sqlite"
    deadline = time.time() + 120
    done = 0
    while time.time() < deadline and proc.poll() is None:
        if db_path.exists():
            try:
                with sqlite3.connect(db_path, timeout=5) as db:
                    done = db.execute("SELECT COUNT(*) FROM results WHERE status = 'done'").fetchone()[0]
            except sqlite3.OperationalError:  # the table is not created yet
                done = 0
            if done >= 2:
                break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the run finished before it could be killed"

    db = sqlite3.connect(db_path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    before = dict(db.execute("SELECT cell_id, updated_at FROM results WHERE status = 'done'"))
    assert 2 <= len(before) < 8
    for (row_json,) in db.execute("SELECT row_json FROM results WHERE status = 'done'"):
        assert json.loads(row_json)["test_acc"] is not None  # every stored row is whole

    table = _compare(argv[1:], capsys)
    assert table[0]["n"] == 8
    after = dict(db.execute("SELECT cell_id, updated_at FROM results WHERE status = 'done'"))
    assert len(after) == 8 and all(after[k] == v for k, v in before.items())
    assert np.isfinite(table[0]["test_acc"])


def test_embed_init_redraws_every_embedding_table_with_a_zero_pad_row():
    from seqarena.models import create_model
    from seqarena.run.cells import redraw_embeddings

    model = create_model("textcnn", "classify", 50, 2, d_embed=8)
    redraw_embeddings(model, 0.25)
    w = model.emb.weight.detach()
    assert float(w.abs().max()) <= 0.25 and float(w[1:].std()) > 0.1  # U(-a, a) has std a / sqrt(3)
    assert float(w[0].abs().sum()) == 0.0
