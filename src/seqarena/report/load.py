"""Read a run directory: the result rows (results.json or results.sqlite) and the analysis files
(theory.json, probes.json, scaling.json, gradients.json, tune.json) when present. Reading only; nothing is trained."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from seqarena.errors import InputError
from seqarena.jsonutil import plain
from seqarena.run.store import ResultsStore

# analysis files a run directory may hold: {"kind", "version", "env", "rows": [flat dicts]}
ANALYSIS_KINDS = ("theory", "probes", "scaling", "gradients", "tune")


@dataclass(frozen=True)
class Analysis:
    """One analysis file: its rows (flat dicts), the environment it was measured in, and its `table`
    (the seed's comparison table with computed or measured values, as rows of strings) when it has one."""

    kind: str
    rows: list[dict]
    env: dict = field(default_factory=dict)
    table: list[dict] = field(default_factory=list)
    extra: dict = field(default_factory=dict)  # the file's other keys holding lists of objects or an object


@dataclass(frozen=True)
class RunData:
    """Everything a report is made of. `rows` has one result per cell (may be empty when a directory
    holds only analyses); `notes` says what could not be read and why (shown in the report)."""

    run_dir: Path
    rows: list[dict]
    source: str  # which file the rows came from, or '' when none
    analyses: dict[str, Analysis]
    notes: list[str]


def load_run(run_dir: Path | str) -> RunData:
    """Read a run directory. Raises InputError when it is missing or holds nothing a report can show."""
    d = Path(run_dir)
    if not d.is_dir():
        what = "not a directory" if d.exists() else "no such directory"
        raise InputError(f"{d}: {what}; give a run directory written by `seqarena compare --out DIR`")
    notes: list[str] = []
    rows, source = _result_rows(d, notes)
    analyses: dict[str, Analysis] = {}
    for kind in ANALYSIS_KINDS:
        a = _analysis(d / f"{kind}.json", kind, notes)
        if a is not None:
            analyses[kind] = a
    if not rows and not analyses:
        raise InputError(
            f"{d}: nothing to report: no result rows (results.json, results.sqlite) and no analysis "
            f"file ({', '.join(k + '.json' for k in ANALYSIS_KINDS)})"
        )
    return RunData(d, rows, source, analyses, notes)


def _result_rows(d: Path, notes: list[str]) -> tuple[list[dict], str]:
    """results.json holds exactly the rows of the run that wrote it; results.sqlite may accumulate
    several runs, so it is the fallback."""
    js = d / "results.json"
    if js.is_file():
        try:
            data = json.loads(js.read_text())
        except (OSError, json.JSONDecodeError) as e:
            raise InputError(f"{js}: not valid JSON ({e})") from None
        rows = data.get("rows") if isinstance(data, dict) else None
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise InputError(f"{js}: expected an object with a 'rows' list of result objects")
        return [plain(r) for r in rows], js.name
    db = d / "results.sqlite"
    if db.is_file():
        try:
            store = ResultsStore.open_readonly(db)  # a reader never writes, never switches a file to WAL
            try:
                rows = store.rows()
            finally:
                store.close()
        except sqlite3.Error as e:  # a damaged or foreign file
            raise InputError(f"{db}: cannot read the results store ({e})") from None
        return [plain(r) for r in rows], db.name
    notes.append("no results.json or results.sqlite in the run directory: no measured results")
    return [], ""


def _analysis(path: Path, kind: str, notes: list[str]) -> Analysis | None:
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as e:
        notes.append(f"{path.name}: skipped, not valid JSON ({e})")
        return None
    rows = data.get("rows") if isinstance(data, dict) else data
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        notes.append(f"{path.name}: skipped, expected an object with a 'rows' list of objects")
        return None
    env = data.get("env") if isinstance(data, dict) and isinstance(data.get("env"), dict) else {}
    table = data.get("table") if isinstance(data, dict) else None
    table = [t for t in table if isinstance(t, dict)] if isinstance(table, list) else []
    extra = {k: [plain(r) for r in v if isinstance(r, dict)] if isinstance(v, list) else plain(v)
             for k, v in data.items() if k not in ("kind", "version", "env", "rows", "table")
             and isinstance(v, (list, dict))} if isinstance(data, dict) else {}
    return Analysis(kind, [plain(r) for r in rows], env, table, extra)


def history(row: dict) -> list[dict]:
    """A result row's per-epoch history (stored as a JSON string); [] when absent or unreadable."""
    h = row.get("history")
    if isinstance(h, str):
        try:
            h = json.loads(h)
        except json.JSONDecodeError:
            return []
    return [e for e in h if isinstance(e, dict)] if isinstance(h, list) else []
