"""The kim-preset table: test accuracy (%) of every model on MR, SST-2 and Subj, from one or more run
directories written by `seqarena compare --preset kim --out DIR` (rows of later directories add to
earlier ones; a cell present in several is counted once, from the last directory that has it, so a
re-run of some cells in a new directory replaces them). Pass only kim-preset runs: rows are grouped
by dataset and model, whatever their training settings.

For each dataset and model it prints the mean over the folds present with their count, and, for MR
and Subj, the fold-0 score, so that models run on one fold compare like with like with those run on
all ten.

    .venv/bin/python benchmarks/kim_table.py runs/kim runs/kim-table
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

from seqarena.report.load import load_run

DATASETS = ("mr", "sst2", "subj")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("runs", nargs="+", type=Path)
    args = ap.parse_args()
    cells: dict[str, dict] = {}
    for d in args.runs:
        for r in load_run(d).rows:
            if r.get("test_acc") is not None and r.get("dataset") in DATASETS:
                cells[r["cell_id"]] = r
    if not cells:
        print(f"no kim results in {', '.join(map(str, args.runs))}", file=sys.stderr)
        return 2
    models = list(dict.fromkeys(r["model"] for r in cells.values()))
    print("| model | params (MR) | MR, fold 0 | MR, mean (folds) | SST-2 test | Subj, fold 0 | Subj, mean (folds) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for m in models:
        rs = [r for r in cells.values() if r["model"] == m]
        out = [m, next((f"{r['params']:,}" for r in rs if r["dataset"] == "mr" and r.get("params")), "")]
        for ds in DATASETS:
            accs = {r.get("fold"): 100 * float(r["test_acc"]) for r in rs if r["dataset"] == ds}
            if ds == "sst2":
                out.append(f"{statistics.fmean(accs.values()):.2f}" if accs else "")
                continue
            out.append(f"{accs[0]:.2f}" if 0 in accs else "")
            out.append(f"{statistics.fmean(accs.values()):.2f} ({len(accs)})" if len(accs) > 1 else "")
        print("| " + " | ".join(out) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
