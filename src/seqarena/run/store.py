"""Results store: one SQLite file (WAL) with one row per cell; metrics as columns, the full row as JSON."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

COLUMNS = ("cell_id", "experiment", "dataset", "model", "config_hash", "fold", "seed", "status",
           "test_acc", "train_time_s", "row_json", "updated_at")


class ResultsStore:
    """Each write is its own transaction, so a killed process loses at most the cell in flight."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute(
            """CREATE TABLE IF NOT EXISTS results (
                cell_id TEXT PRIMARY KEY, experiment TEXT, dataset TEXT, model TEXT, config_hash TEXT,
                fold INTEGER, seed INTEGER, status TEXT, test_acc REAL, train_time_s REAL,
                row_json TEXT, updated_at REAL)"""
        )
        self.db.commit()

    def put(self, row: dict, status: str = "done") -> None:
        with self.db:
            self.db.execute(
                f"INSERT OR REPLACE INTO results ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
                (row["cell_id"], row.get("experiment"), row.get("dataset"), row.get("model"),
                 row.get("config_hash"), row.get("fold"), row.get("seed"), status, row.get("test_acc"),
                 row.get("train_time_s"), json.dumps(row), time.time()),
            )

    def rows(self, status: str | None = "done", experiment: str | None = None) -> list[dict]:
        q, args = "SELECT row_json FROM results WHERE 1=1", []
        if status is not None:
            q, args = q + " AND status = ?", args + [status]
        if experiment is not None:
            q, args = q + " AND experiment = ?", args + [experiment]
        return [json.loads(r[0]) for r in self.db.execute(q + " ORDER BY rowid", args)]

    def done_ids(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT cell_id FROM results WHERE status = 'done'")}

    def close(self) -> None:
        self.db.close()
