"""Wall time of `seqarena compare` on the seed's four models against the seed's own program.

Runs A = `seqarena compare --models gru,bilstm,textcnn,cnn_rnn --epochs 10 --json` and
B = `python ../shared/reference/seed_compare.py`, alternating A B A B (so both see the same machine
load), and prints each wall time, the median ratio A/B, seqarena's test accuracies and one JSON row.
Target (issue 2): ratio <= 0.5 with every test accuracy >= 0.97.

    .venv/bin/python benchmarks/bench_compare.py [--rounds 3] [--reference PATH]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODELS = "gru,bilstm,textcnn,cnn_rnn"


def timed(cmd: list[str]) -> tuple[float, str]:
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - t0
    if r.returncode != 0:
        sys.exit(f"command failed ({r.returncode}): {' '.join(cmd)}\n{r.stderr[-2000:]}")
    return wall, r.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--reference", type=Path, default=ROOT.parent / "shared" / "reference" / "seed_compare.py")
    args = ap.parse_args()
    if not args.reference.is_file():
        print(f"skipped: reference program not found at {args.reference}")
        return
    ours = [sys.executable, "-m", "seqarena", "compare", "--models", MODELS, "--epochs", "10", "--json"]
    seed = [sys.executable, str(args.reference)]
    a_times, b_times, accs = [], [], []
    for i in range(args.rounds):
        wa, out = timed(ours)
        rows = json.loads(out)
        accs.append({r["model"]: r["test_acc"] for r in rows})
        wb, _ = timed(seed)
        a_times.append(wa)
        b_times.append(wb)
        print(f"round {i + 1}: seqarena {wa:6.1f} s   seed_compare.py {wb:6.1f} s   ratio {wa / wb:.3f}   "
              f"test acc {accs[-1]}", flush=True)
    ratios = [a / b for a, b in zip(a_times, b_times)]
    worst_acc = min(min(a.values()) for a in accs)
    ok = statistics.median(ratios) <= 0.5 and worst_acc >= 0.97
    print(f"median wall: seqarena {statistics.median(a_times):.1f} s, seed {statistics.median(b_times):.1f} s; "
          f"median ratio {statistics.median(ratios):.3f} (target <= 0.5); lowest test acc {worst_acc:.3f} "
          f"(target >= 0.97): {'PASS' if ok else 'FAIL'}")
    import torch

    print(json.dumps({"benchmark": "compare_vs_seed", "ratio_median": statistics.median(ratios),
                      "seqarena_s": a_times, "seed_s": b_times, "min_test_acc": worst_acc,
                      "torch": torch.__version__, "python": platform.python_version(),
                      "cores": len(__import__("os").sched_getaffinity(0))}))


if __name__ == "__main__":
    main()
