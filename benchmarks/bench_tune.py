"""Issue 12's acceptance benchmark: an equal tuning budget against Kim's untuned preset, in one run.

1. `seqarena compare --preset kim` on the datasets and models below (the untuned baseline), timed;
2. `seqarena tune --preset kim` on the same datasets, models and seeds, `--trials N` each, with the first
   run as `--baseline` (so the report shows tuned minus preset with the paired test), timed;
then prints, per dataset and model, the kim-preset test score, the tuned one and their difference, the
two checks of the issue (the tuned Transformer >= 78.0 % on SST-2; no model more than 1 point below its
preset score), and the wall-time ratio tuned / untuned (the issue's bar: at most 4).

    python benchmarks/bench_tune.py --out runs/bench-tune                       # SST-2, 8 models, 20 trials, 3 seeds
    python benchmarks/bench_tune.py --datasets mr --fold-subset 0 --out runs/bench-tune-mr

Both commands run with the same --jobs and --threads, one after the other on the same machine; the
ratio is only meaningful when nothing else loads the machine differently during the two."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

MODELS = "gru,lstm,bilstm,textcnn,cnn_rnn,transformer,tfidf_lr,nbsvm"


def run(argv: list[str]) -> float:
    print("$", " ".join(argv), flush=True)
    t = time.perf_counter()
    subprocess.run(argv, check=True)
    return time.perf_counter() - t


def means(run_dir: Path) -> dict[tuple[str, str], float]:
    rows = json.loads((run_dir / "results.json").read_text())["rows"]
    acc: dict[tuple[str, str], list[float]] = {}
    for r in rows:
        acc.setdefault((r["dataset"], r["model"]), []).append(r["test_acc"])
    return {k: sum(v) / len(v) for k, v in acc.items()}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--datasets", default="sst2")
    p.add_argument("--models", default=MODELS)
    p.add_argument("--trials", type=int, default=20)
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--fold-subset", default=None, help="for CV datasets (MR): e.g. 0")
    p.add_argument("--jobs", type=int, default=1)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", type=Path, required=True)
    a = p.parse_args()
    exe = [sys.executable, "-m", "seqarena"]
    common = ["--preset", "kim", "--dataset", a.datasets, "--models", a.models, "--seeds", str(a.seeds),
              "--jobs", str(a.jobs), "--threads", str(a.threads)]
    if a.fold_subset:
        common += ["--fold-subset", a.fold_subset]
    kim_dir, tuned_dir = a.out / "kim", a.out / "tuned"
    t_kim = run([*exe, "compare", *common, "--out", str(kim_dir)])
    t_tuned = run([*exe, "tune", *common, "--trials", str(a.trials), "--baseline", str(kim_dir),
                   "--out", str(tuned_dir)])
    kim, tuned = means(kim_dir), means(tuned_dir)
    print(f"\n{'dataset':<8} {'model':<12} {'kim %':>7} {'tuned %':>8} {'diff':>6}")
    worst = []
    for key in sorted(kim):
        if key in tuned:
            d = 100 * (tuned[key] - kim[key])
            worst.append((d, key))
            print(f"{key[0]:<8} {key[1]:<12} {100 * kim[key]:7.2f} {100 * tuned[key]:8.2f} {d:+6.2f}")
    tr = tuned.get(("sst2", "transformer"))
    if tr is not None:
        print(f"\ntuned transformer on SST-2: {100 * tr:.2f} % (bar >= 78.0): {'PASS' if tr >= 0.78 else 'FAIL'}")
    if worst:
        d, key = min(worst)
        print(f"largest drop: {key[1]} on {key[0]} {d:+.2f} points (bar >= -1.0): {'PASS' if d >= -1.0 else 'FAIL'}")
    print(f"wall time: kim {t_kim:,.0f} s, tuned {t_tuned:,.0f} s, ratio {t_tuned / t_kim:.2f} (bar <= 4)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
