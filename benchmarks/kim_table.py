"""The kim-preset table: test accuracy (%) of every model on MR, SST-2 and Subj, from one or more run
directories written by `seqarena compare --preset kim --out DIR` (rows of later directories add to
earlier ones; a cell present in several is counted once, from the last directory that has it, so a
re-run of some cells in a new directory replaces them). Pass only kim-preset runs: rows are grouped
by dataset and model, whatever their training settings.

Cells are read from each directory's results.sqlite, which keeps every cell ever finished there
(results.json holds only the last invocation's rows); a directory without one is read as a report
would read it. For each dataset and model it prints the mean over the cells present with their
count, and, for MR and Subj, the fold-0 score, so that models run on one fold compare like with like
with those run on all ten. Several seeds of one fold (or of SST-2's split) are averaged, with their
count in brackets.

    .venv/bin/python benchmarks/kim_table.py runs/kim runs/kim-table
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

from seqarena.errors import InputError
from seqarena.report.load import load_run
from seqarena.run.cells import classifier_names
from seqarena.run.store import ResultsStore

DATASETS = ("mr", "sst2", "subj")


def _rows(run_dir: Path) -> list[dict]:
    db = run_dir / "results.sqlite"
    if not db.is_file():
        return load_run(run_dir).rows
    store = ResultsStore.open_readonly(db)  # a reader never writes
    try:
        return store.rows()
    finally:
        store.close()


def _mean(accs: list[float], always_count: bool = False) -> str:
    """'' for none; the mean, with the count in brackets when there are several (or always)."""
    if not accs:
        return ""
    count = f" ({len(accs)})" if always_count or len(accs) > 1 else ""
    return f"{statistics.fmean(accs):.2f}{count}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("runs", nargs="+", type=Path)
    args = ap.parse_args()
    cells: dict[str, dict] = {}
    for d in args.runs:
        try:
            rows = _rows(d)
        except InputError as e:
            print(f"kim_table: error: {e}", file=sys.stderr)
            return 2
        for r in rows:
            if r.get("test_acc") is not None and r.get("dataset") in DATASETS:
                cells[r["cell_id"]] = r
    if not cells:
        print(f"no kim results in {', '.join(map(str, args.runs))}", file=sys.stderr)
        return 2
    order = {m: i for i, m in enumerate(classifier_names())}  # the registry's order, then any other
    models = sorted(dict.fromkeys(r["model"] for r in cells.values()), key=lambda m: order.get(m, len(order)))
    print("| model | params (MR) | MR, fold 0 | MR, mean (folds) | SST-2 test | Subj, fold 0 | Subj, mean (folds) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for m in models:
        rs = [r for r in cells.values() if r["model"] == m]
        out = [m, next((f"{r['params']:,}" for r in rs if r["dataset"] == "mr" and r.get("params")), "")]
        for ds in DATASETS:
            accs = [(r.get("fold"), 100 * float(r["test_acc"])) for r in rs if r["dataset"] == ds]
            if ds == "sst2":
                out.append(_mean([a for _, a in accs]))
                continue
            out.append(_mean([a for f, a in accs if f == 0]))
            out.append(_mean([a for _, a in accs], always_count=True) if len(accs) > 1 else "")
        print("| " + " | ".join(out) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
