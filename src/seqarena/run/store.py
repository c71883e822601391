"""Results store: one SQLite file (WAL) with one row per cell (status running/done/failed; metrics as
columns, the full row as JSON), the fold assignments the rows were computed on, and the specs run.

Each write is its own transaction, so a run killed with Ctrl-C or `kill -9` loses at most the cells
in flight. Several runs may share one store: a run *claims* a cell (atomically, `BEGIN IMMEDIATE`)
before training it and holds the claim with a lease it renews while it runs (`Heartbeat`); a cell
claimed by a live run is left to it, and a claim whose lease ran out, or whose claimant was a
process of this host that is gone, is taken over, so a crashed run's cells are retried.
Readers (`open_readonly`) open the file with `mode=ro`: they never create, migrate or switch it to WAL."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import threading
import time
import uuid
from pathlib import Path
from typing import Self
from urllib.request import pathname2url

import numpy as np

from seqarena.errors import InputError

# (name, SQL type) of the columns of `results`; the rest of a row lives in row_json
COLUMNS = (("cell_id", "TEXT PRIMARY KEY"), ("experiment", "TEXT"), ("dataset", "TEXT"), ("model", "TEXT"),
           ("config_hash", "TEXT"), ("fold", "INTEGER"), ("seed", "INTEGER"), ("status", "TEXT"),
           ("test_acc", "REAL"), ("dev_acc", "REAL"), ("train_time_s", "REAL"), ("wall_time_s", "REAL"),
           ("error", "TEXT"), ("started_at", "REAL"), ("row_json", "TEXT"), ("updated_at", "REAL"),
           ("owner", "TEXT"), ("lease_until", "REAL"), ("attempts", "INTEGER"))
STATUSES = ("running", "done", "failed")
TABLES = {"results", "folds", "experiments"}
LEASE_S = float(os.environ.get("SEQARENA_LEASE_S", "120"))  # a claim not renewed for this long is free


def new_owner() -> str:
    """'host:pid:random': who holds a claim (the pid lets a run on the same host see its death at once)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def owner_gone(owner: str | None) -> bool:
    """True when `owner` was a process of this host that no longer exists."""
    host, _, rest = (owner or "").partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False  # another host: only its lease tells
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False


class ResultsStore:
    """Rows keyed by `cell_id`; `put` replaces a cell's row, so a re-run cell overwrites its old attempt."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(self.path, timeout=30)
            _refuse_foreign(self.db, self.path)  # before anything writes to it
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

    @classmethod
    def open_readonly(cls, path: Path | str) -> ResultsStore:
        """A store for reading only (`report`, `recommend`): the file is opened with mode=ro, so
        nothing is created, migrated or switched to WAL; a file that is not a results store is an
        InputError."""
        self = cls.__new__(cls)
        self.path = Path(path)
        if not self.path.is_file():
            raise InputError(f"{self.path}: no such results database")
        uri = f"file:{pathname2url(str(self.path.resolve()))}?mode=ro"
        try:
            self.db = sqlite3.connect(uri, uri=True, timeout=30)
            names = _tables(self.db)
        except sqlite3.DatabaseError as e:
            raise InputError(f"{self.path}: not a results database ({e})") from None
        if "results" not in names:
            self.db.close()
            raise InputError(f"{self.path}: not a results database (no 'results' table)")
        return self

    # --- cells -------------------------------------------------------------------------------------
    def mark_running(self, ids: dict) -> None:
        """Record that a cell started (ids: the Cell.ids() columns), without a claim."""
        now = time.time()
        self._write({**ids, "started_at": now}, "running", None, now)

    def claim(self, ids: dict, owner: str, lease_s: float = LEASE_S) -> bool:
        """Atomically take a cell for `owner` and mark it running; False when it is done or another
        live run holds it (its lease not yet run out). Each successful claim counts an attempt."""
        now = time.time()
        self.db.execute("BEGIN IMMEDIATE")  # one writer at a time from here to COMMIT
        try:
            r = self.db.execute("SELECT status, owner, lease_until, attempts FROM results WHERE cell_id = ?",
                                (ids["cell_id"],)).fetchone()
            status, holder, until, attempts = r if r else (None, None, None, 0)
            held = (status == "running" and holder not in (None, owner) and until is not None
                    and until > now and not owner_gone(holder))
            if status == "done" or held:
                self.db.execute("ROLLBACK")
                return False
            values = {**{n: ids.get(n) for n, _ in COLUMNS}, "status": "running", "started_at": now,
                      "updated_at": now, "owner": owner, "lease_until": now + lease_s,
                      "attempts": (attempts or 0) + 1}
            names = [n for n, _ in COLUMNS]
            self.db.execute(f"INSERT OR REPLACE INTO results ({', '.join(names)}) VALUES "
                            f"({', '.join('?' * len(names))})", [values[n] for n in names])
            self.db.execute("COMMIT")
            return True
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def renew(self, owner: str, lease_s: float = LEASE_S) -> int:
        """Extend the lease of every cell `owner` is running; returns how many."""
        with self.db:
            return self.db.execute("UPDATE results SET lease_until = ? WHERE owner = ? AND status = 'running'",
                                   (time.time() + lease_s, owner)).rowcount

    def release(self, owner: str) -> None:
        """End `owner`'s leases on the cells it did not finish, so another run may take them at once."""
        with self.db:
            self.db.execute("UPDATE results SET lease_until = 0 WHERE owner = ? AND status = 'running'", (owner,))

    def held_elsewhere(self, cell_ids: set[str], owner: str) -> int:
        """How many of `cell_ids` are running under another owner's live lease."""
        now = time.time()
        rows = self.db.execute("SELECT cell_id, owner, lease_until FROM results WHERE status = 'running'")
        return sum(1 for c, o, u in rows if c in cell_ids and o not in (None, owner) and (u or 0) > now
                   and not owner_gone(o))

    def put(self, row: dict, status: str = "done") -> None:
        """Store a finished cell's row."""
        self._write(row, status, None, time.time())

    def put_failed(self, ids: dict, error: str) -> None:
        self._write(ids, "failed", error, time.time())

    def _write(self, row: dict, status: str, error: str | None, now: float) -> None:
        assert status in STATUSES
        r = self.db.execute("SELECT started_at, owner, attempts FROM results WHERE cell_id = ?",
                            (row["cell_id"],)).fetchone()
        started, owner, attempts = r if r else (None, None, None)  # kept from the claim
        values = {**{n: row.get(n) for n, _ in COLUMNS}, "status": status, "error": error,
                  "started_at": row.get("started_at") or started, "updated_at": now,
                  "owner": row.get("owner") or owner, "lease_until": None, "attempts": attempts,
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
            try:
                full = json.loads(r["row_json"]) if r.get("row_json") else r
            except (TypeError, json.JSONDecodeError):
                raise InputError(f"{self.path}: cell {r.get('cell_id')!r} has an unreadable row") from None
            out.append(full if isinstance(full, dict) else r)
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
        with self.db:  # OR IGNORE: a concurrent run may have stored the same assignment just now
            self.db.execute("INSERT OR IGNORE INTO folds VALUES (?, ?, ?, ?, ?, ?, ?)",
                            (dataset, k, split_seed, len(folds), digest, json.dumps(folds.tolist()), time.time()))
        stored = self.db.execute("SELECT digest FROM folds WHERE dataset = ? AND k = ? AND split_seed = ?",
                                 (dataset, k, split_seed)).fetchone()
        if stored[0] != digest:
            raise InputError(f"{self.path}: the {k}-fold assignment of '{dataset}' (split seed {split_seed}) "
                             "differs from the one another run stored; use a new --out directory")

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


class Heartbeat:
    """Renews `owner`'s leases every lease_s / 4 from a thread with its own connection, so a run busy
    training in its main thread keeps its claims; `with Heartbeat(path, owner):`."""

    def __init__(self, path: Path, owner: str, lease_s: float = LEASE_S) -> None:
        self.path, self.owner, self.lease_s = path, owner, lease_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="seqarena-lease", daemon=True)

    def _beat(self) -> None:
        db = sqlite3.connect(self.path, timeout=30)
        try:
            while not self._stop.wait(self.lease_s / 4):
                try:
                    with db:
                        db.execute("UPDATE results SET lease_until = ? WHERE owner = ? AND status = 'running'",
                                   (time.time() + self.lease_s, self.owner))
                except sqlite3.OperationalError:  # busy for 30 s: try again at the next beat
                    pass
        finally:
            db.close()

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _tables(db: sqlite3.Connection) -> set[str]:
    return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _refuse_foreign(db: sqlite3.Connection, path: Path) -> None:
    """A database holding tables but no `results` table belongs to something else: leave it as it is."""
    names = _tables(db)
    if names and "results" not in names:
        db.close()
        raise InputError(f"{path}: an SQLite file of something else (tables {sorted(names)[:5]}), not a "
                         "results database; it was left unchanged. Use another --out directory")
