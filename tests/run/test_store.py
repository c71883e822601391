"""Results store: statuses, fold assignments, and databases written by an older seqarena."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from seqarena.errors import InputError
from seqarena.run.store import ResultsStore

IDS = {"cell_id": "e/d/m/h/0/0", "experiment": "e", "dataset": "d", "model": "m", "config_hash": "h",
       "fold": 0, "seed": 0}


def test_running_then_done_keeps_start_time_and_full_row(tmp_path):
    s = ResultsStore(tmp_path / "r.sqlite")
    s.mark_running(IDS)
    assert s.statuses() == {IDS["cell_id"]: "running"} and s.rows() == []
    started = s.rows(status="running")[0]["started_at"]
    s.put({**IDS, "test_acc": 0.75, "history": "[]"})
    assert s.done_ids() == {IDS["cell_id"]}
    row = s.rows()[0]
    assert row["test_acc"] == 0.75 and row["history"] == "[]"
    db = sqlite3.connect(tmp_path / "r.sqlite")
    assert db.execute("SELECT started_at FROM results").fetchone()[0] == started
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_failed_cells_keep_their_error(tmp_path):
    s = ResultsStore(tmp_path / "r.sqlite")
    s.put_failed(IDS, "RuntimeError: boom @ x.py:3")
    assert s.statuses()[IDS["cell_id"]] == "failed"
    assert s.rows(status="failed")[0]["error"] == "RuntimeError: boom @ x.py:3"


def test_fold_assignment_is_stored_and_a_different_one_refused(tmp_path):
    s = ResultsStore(tmp_path / "r.sqlite")
    folds = np.array([0, 1, 2, 0, 1, 2])
    s.record_folds("d", 3, 0, folds, "abc")
    s.record_folds("d", 3, 0, folds, "abc")  # the same again is fine
    assert np.array_equal(s.folds("d", 3, 0), folds)
    with pytest.raises(InputError, match="differs"):
        s.record_folds("d", 3, 0, folds[::-1], "xyz")


def test_an_old_database_gains_the_new_columns(tmp_path):
    db = sqlite3.connect(tmp_path / "old.sqlite")
    db.execute("CREATE TABLE results (cell_id TEXT PRIMARY KEY, experiment TEXT, dataset TEXT, model TEXT, "
               "config_hash TEXT, fold INTEGER, seed INTEGER, status TEXT, test_acc REAL, train_time_s REAL, "
               "row_json TEXT, updated_at REAL)")
    db.execute("INSERT INTO results VALUES ('a', 'e', 'd', 'm', 'h', NULL, 0, 'done', 0.5, 1.0, '{\"cell_id\": \"a\"}', 0)")
    db.commit()
    db.close()
    s = ResultsStore(tmp_path / "old.sqlite")
    assert s.rows() == [{"cell_id": "a"}]
    s.put_failed(IDS, "x")
    assert s.statuses() == {"a": "done", IDS["cell_id"]: "failed"}


def test_a_file_that_is_not_a_database_is_an_input_error(tmp_path):
    bad = tmp_path / "results.sqlite"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(InputError, match="not a results database"):
        ResultsStore(bad)
