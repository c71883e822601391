"""Results store: one SQLite file (WAL) with one row per cell (status running/done/failed; metrics as
columns, the full row as JSON), the fold assignments the rows were computed on, and the specs run.

Only the process that drives a run writes; each write is its own transaction, so a run killed with
Ctrl-C or `kill -9` loses at most the cells in flight, which stay 'running' and are re-run next time."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import numpy as np

from seqarena.errors import InputError

# (name, SQL type) of the columns of `results`; the rest of a row lives in row_json
COLUMNS = (("cell_id", "TEXT PRIMARY KEY"), ("experiment", "TEXT"), ("dataset", "TEXT"), ("model", "TEXT"),
           ("config_hash", "TEXT"), ("fold", "INTEGER"), ("seed", "INTEGER"), ("status", "TEXT"),
           ("test_acc", "REAL"), ("dev_acc", "REAL"), ("train_time_s", "REAL"), ("wall_time_s", "REAL"),
           ("error", "TEXT"), ("started_at", "REAL"), ("row_json", "TEXT"), ("updated_at", "REAL"))
STATUSES = ("running", "done", "failed")


class ResultsStore:
    """Rows keyed by `cell_id`; `put` replaces a cell's row, so a re-run cell overwrites its old attempt."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(self.path, timeout=30)
            self.db.execute("PRAGMA journal_mode=WAL")
        except sqlite3.DatabaseError as e:
            raise InputError(f"{self.path}: not a results database ({e})") from None
        self.db.execute("PRAGMA synchronous=NORMAL")
        cols = ", ".join(f"{n} {t}" for n, t in COLUMNS)
        with self.db:
            self.db.execute(f"CREATE TABLE IF NOT EXISTS results ({cols})")
            have = {r[1] for r in self.db.execute("PRAGMA table_info(results)")}
            for n, t in COLUMNS:  # a database written by an older seqarena gains the new columns
                if n not in have:
                    self.db.execute(f"ALTER TABLE results ADD COLUMN {n} {t}")
            self.db.execute(
                """CREATE TABLE IF NOT EXISTS folds (dataset TEXT, k INTEGER, split_seed INTEGER,
                   n_rows INTEGER, digest TEXT, assignment TEXT, created_at REAL,
                   PRIMARY KEY (dataset, k, split_seed))""")
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS experiments (name TEXT PRIMARY KEY, spec_json TEXT, updated_at REAL)")
            self.db.execute("CREATE TABLE IF NOT EXISTS datasets (name TEXT PRIMARY KEY, digest TEXT, "
                            "source_json TEXT, created_at REAL)")

    # --- cells -------------------------------------------------------------------------------------
    def mark_running(self, ids: dict) -> None:
        """Record that a cell started (ids: the Cell.ids() columns)."""
        now = time.time()
        self._write({**ids, "started_at": now}, "running", None, now)

    def put(self, row: dict, status: str = "done") -> None:
        """Store a finished cell's row."""
        self._write(row, status, None, time.time())

    def put_failed(self, ids: dict, error: str) -> None:
        self._write(ids, "failed", error, time.time())

    def _write(self, row: dict, status: str, error: str | None, now: float) -> None:
        assert status in STATUSES
        started = row.get("started_at")
        if started is None:  # keep the start time a 'running' mark recorded
            r = self.db.execute("SELECT started_at FROM results WHERE cell_id = ?", (row["cell_id"],)).fetchone()
            started = r[0] if r else None
        values = {**{n: row.get(n) for n, _ in COLUMNS}, "status": status, "error": error,
                  "started_at": started, "updated_at": now,
                  "row_json": json.dumps(row, default=str) if status == "done" else None}
        names = [n for n, _ in COLUMNS]
        with self.db:
            self.db.execute(f"INSERT OR REPLACE INTO results ({', '.join(names)}) VALUES "
                            f"({', '.join('?' * len(names))})", [values[n] for n in names])

    def rows(self, status: str | None = "done", experiment: str | None = None) -> list[dict]:
        """Done rows as full dicts (other statuses: their columns, as the row has no JSON)."""
        q, args = "SELECT * FROM results WHERE 1=1", []
        if status is not None:
            q, args = q + " AND status = ?", args + [status]
        if experiment is not None:
            q, args = q + " AND experiment = ?", args + [experiment]
        cur = self.db.execute(q + " ORDER BY rowid", args)
        names = [d[0] for d in cur.description]
        out = []
        for rec in cur:
            r = dict(zip(names, rec))
            out.append(json.loads(r["row_json"]) if r["row_json"] else r)
        return out

    def statuses(self) -> dict[str, str]:
        """cell_id -> status for every cell the store has seen."""
        return dict(self.db.execute("SELECT cell_id, status FROM results"))

    def done_ids(self) -> set[str]:
        return {k for k, s in self.statuses().items() if s == "done"}

    # --- fold assignments and specs ------------------------------------------------------------------
    def record_folds(self, dataset: str, k: int, split_seed: int, folds: np.ndarray, digest: str) -> None:
        """Store a dataset's fold assignment; if one is stored for (dataset, k, split_seed) it must match,
        or the finished rows in this database would have been computed on other folds."""
        old = self.db.execute("SELECT digest FROM folds WHERE dataset = ? AND k = ? AND split_seed = ?",
                              (dataset, k, split_seed)).fetchone()
        if old is not None:
            if old[0] != digest:
                raise InputError(
                    f"{self.path}: the {k}-fold assignment of '{dataset}' (split seed {split_seed}) differs from "
                    f"the one stored with earlier results (the data changed?); use a new --out directory")
            return
        with self.db:
            self.db.execute("INSERT INTO folds VALUES (?, ?, ?, ?, ?, ?, ?)",
                            (dataset, k, split_seed, len(folds), digest, json.dumps(folds.tolist()), time.time()))

    def folds(self, dataset: str, k: int, split_seed: int) -> np.ndarray | None:
        r = self.db.execute("SELECT assignment FROM folds WHERE dataset = ? AND k = ? AND split_seed = ?",
                            (dataset, k, split_seed)).fetchone()
        return np.asarray(json.loads(r[0]), dtype=np.int64) if r else None

    def record_dataset(self, name: str, digest: str, source: dict) -> None:
        """Store a file dataset's digest (contents + reader settings); if one is stored under `name` it
        must match, or this database's rows for `name` were computed from other data."""
        old = self.db.execute("SELECT digest FROM datasets WHERE name = ?", (name,)).fetchone()
        if old is not None:
            if old[0] != digest:
                raise InputError(
                    f"{self.path}: dataset '{name}' was measured here on other contents or reader settings "
                    f"(digest {old[0]}, now {digest}); rows of the two are never mixed: use a new --out, "
                    "or --name for a new dataset")
            return
        with self.db:
            self.db.execute("INSERT INTO datasets VALUES (?, ?, ?, ?)",
                            (name, digest, json.dumps(source), time.time()))

    def record_experiment(self, name: str, spec: dict) -> None:
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO experiments VALUES (?, ?, ?)",
                            (name, json.dumps(spec, default=str), time.time()))

    def close(self) -> None:
        self.db.close()
