"""Results store: statuses, fold assignments, and databases written by an older seqarena."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time

import numpy as np
import pytest

from seqarena.errors import InputError
from seqarena.run.store import Heartbeat, ResultsStore

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


def test_a_claim_is_exclusive_until_done_or_its_lease_runs_out(tmp_path):
    s = ResultsStore(tmp_path / "r.sqlite")
    other = ResultsStore(tmp_path / "r.sqlite")  # a second run on the same file
    assert s.claim(IDS, "host:1:a", lease_s=60)
    assert not other.claim(IDS, f"{socket.gethostname()}:{os.getpid()}:b", lease_s=60)  # held, lease running
    assert s.claim(IDS, "host:1:a", lease_s=60)  # the holder may claim again (a retry)
    s.put({**IDS, "test_acc": 0.5})
    assert not other.claim(IDS, "host:2:b")  # done: nobody trains it again
    row = sqlite3.connect(tmp_path / "r.sqlite").execute(
        "SELECT status, owner, attempts, lease_until FROM results").fetchone()
    assert row == ("done", "host:1:a", 2, None)


def test_an_expired_lease_or_a_dead_local_claimant_frees_the_cell(tmp_path):
    s = ResultsStore(tmp_path / "r.sqlite")
    me = f"{socket.gethostname()}:{os.getpid()}:me"
    assert s.claim(IDS, "elsewhere:99:x", lease_s=-1)  # a claim whose lease already ran out
    assert s.claim(IDS, me) and not ResultsStore(tmp_path / "r.sqlite").claim(IDS, "elsewhere:5:y")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    ids2 = {**IDS, "cell_id": "e/d/m/h/1/0", "fold": 1}
    assert s.claim(ids2, f"{socket.gethostname()}:{dead.pid}:z", lease_s=600)  # its claimant is gone...
    assert s.held_elsewhere({ids2["cell_id"]}, me) == 0
    assert s.claim(ids2, me)  # ...so the cell is retried at once, despite the long lease
    assert s.renew(me, lease_s=600) == 2
    s.release(me)
    assert ResultsStore(tmp_path / "r.sqlite").claim(IDS, "elsewhere:5:y")  # released: free now


def test_the_heartbeat_keeps_a_lease_alive(tmp_path):
    s = ResultsStore(tmp_path / "r.sqlite")
    s.claim(IDS, "host:1:a", lease_s=0.4)
    with Heartbeat(s.path, "host:1:a", lease_s=0.4):
        time.sleep(1.0)  # longer than the lease: only renewals keep it
        assert not ResultsStore(tmp_path / "r.sqlite").claim(IDS, "host:2:b")
    time.sleep(0.5)
    assert ResultsStore(tmp_path / "r.sqlite").claim(IDS, "host:2:b")


def test_readers_open_read_only_and_never_touch_a_foreign_file(tmp_path):
    path = tmp_path / "results.sqlite"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE invoices (id INTEGER)")
    db.commit()
    db.close()
    before = path.read_bytes()
    with pytest.raises(InputError, match="not a results database"):
        ResultsStore.open_readonly(path)
    with pytest.raises(InputError, match="left unchanged"):
        ResultsStore(path)  # a writer refuses it too, before switching it to WAL
    assert path.read_bytes() == before
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.sqlite"]

    good = tmp_path / "good.sqlite"
    w = ResultsStore(good)
    w.put({**IDS, "test_acc": 0.5})
    w.close()
    r = ResultsStore.open_readonly(good)
    assert [row["test_acc"] for row in r.rows()] == [0.5]
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        r.db.execute("DELETE FROM results")
    r.close()
