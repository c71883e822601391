"""NB-SVM on MR and on class-unbalanced subsets of MR, under the kim preset's protocol (10-fold CV,
10 % of train carved as dev, split seed 0): does an uneven class balance cost it accuracy?

    python benchmarks/nbsvm_imbalance.py                 # all subsets, 10 folds (minutes on 2 cores)
    python benchmarks/nbsvm_imbalance.py --folds-run 0,1 # a quick look
    python benchmarks/nbsvm_imbalance.py --model tfidf_lr # the other linear baseline, for comparison

Subsets (drawn once with a seeded generator; every row of the kept class stays):
  balanced       MR as it is: 5,331 positive, 5,331 negative
  2:1 neg        all negatives, half the positives (positive is the minority, a third of the rows)
  2:1 pos        all positives, half the negatives
  balanced-8k    as many rows as a 2:1 subset, half of each class (separates size from balance)
Each subset is registered as a dataset for this process only and run through the same machinery as
`seqarena compare --preset kim --dataset mr --models nbsvm` (spec -> cells -> run_cells -> run_cell).
Prints per subset: mean test accuracy over the folds (std), mean macro-F1, and the difference to the
balanced set. Exit status 1 when a 2:1 subset is more than 2 points below the balanced set."""

from __future__ import annotations

import argparse
import statistics
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from seqarena.data import DATASETS, Dataset, DatasetEntry, load_dataset
from seqarena.run.executors import run_cells
from seqarena.run.protocol import cv_pool
from seqarena.run.spec import expand, load_preset, with_overrides

MAX_DROP = 2.0  # points a 2:1 subset may lose against the balanced set


def subset(data: Dataset, name: str, keep: np.ndarray) -> Dataset:
    """The CV pool's rows `keep` (ascending) as a dataset evaluated by CV."""
    pool, texts = cv_pool(data)
    idx = torch.from_numpy(np.sort(keep))
    return replace(data, name=name, train=pool.subset(idx), dev=None, test=None,
                   texts={"train": [texts[i] for i in idx.tolist()]}, protocol="cv")


def subsets(data: Dataset, seed: int) -> dict[str, Dataset]:
    pool, _ = cv_pool(data)
    y = pool.labels.numpy()
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    rng = np.random.default_rng(seed)

    def half(rows: np.ndarray) -> np.ndarray:
        return rng.choice(rows, len(rows) // 2, replace=False)

    n = (len(neg) + len(pos) // 2) // 2  # per class, for a balanced set as big as a 2:1 one
    return {
        "balanced": subset(data, "mr", np.arange(len(y))),
        "2:1 neg": subset(data, "mr-2to1-neg", np.concatenate([neg, half(pos)])),
        "2:1 pos": subset(data, "mr-2to1-pos", np.concatenate([pos, half(neg)])),
        "balanced-8k": subset(data, "mr-balanced-8k", np.concatenate([rng.choice(pos, n, replace=False),
                                                                      rng.choice(neg, n, replace=False)])),
    }


def run(ds: Dataset, model: str, folds: tuple[int, ...] | None) -> list[dict]:
    DATASETS[ds.name] = DatasetEntry(ds.name, "benchmark subset", lambda _d, ds=ds: ds)
    spec = with_overrides(load_preset("kim"), datasets=(ds.name,), models=(model,), name="nbsvm-imbalance")
    cells = expand(spec, None, folds)
    rows = run_cells(cells, jobs=1, device="cpu")
    return [r for r in rows if r is not None]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--folds-run", default=None, help="only these folds, e.g. 0,1 [default: all 10]")
    ap.add_argument("--seed", type=int, default=0, help="seed of the subset draws")
    ap.add_argument("--model", default="nbsvm", choices=["nbsvm", "tfidf_lr"], help="the baseline to run")
    ap.add_argument("--data-dir", type=Path, default=None)
    args = ap.parse_args()
    folds = tuple(int(f) for f in args.folds_run.split(",")) if args.folds_run else None
    mr = load_dataset("mr", args.data_dir)
    results = {}
    for label, ds in subsets(mr, args.seed).items():
        y = ds.train.labels
        rows = run(ds, args.model, folds)
        accs = [100 * r["test_acc"] for r in rows]
        f1s = [100 * r["macro_f1"] for r in rows]
        results[label] = statistics.fmean(accs)
        std = statistics.stdev(accs) if len(accs) > 1 else float("nan")
        print(f"{label:12s} n={len(y):6,d} positive {float(y.float().mean()):.1%}  folds {len(accs):2d}  "
              f"test acc {results[label]:.2f} (std {std:.2f})  macro-F1 {statistics.fmean(f1s):.2f}  "
              f"vs balanced {results[label] - results['balanced']:+.2f}", flush=True)
    worst = min(results["2:1 neg"], results["2:1 pos"]) - results["balanced"]
    print(f"worst 2:1 subset vs balanced: {worst:+.2f} points (allowed: -{MAX_DROP})")
    return 0 if worst >= -MAX_DROP else 1


if __name__ == "__main__":
    sys.exit(main())
