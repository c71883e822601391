"""Kim (2014) CNN-rand acceptance: `seqarena compare --preset kim` for one model, then the figures.

    python benchmarks/kim.py                          # textcnn on mr, subj, sst2 (hours on 2 cores)
    python benchmarks/kim.py --datasets mr --fold-subset 0,1   # a quick look
    python benchmarks/kim.py --out runs/kim --jobs 2 --threads 1

The run goes through the CLI (progress bar with ETA on stderr) into OUT/results.sqlite, so a killed run
resumes where it stopped when the same command is given again. Then it prints, per dataset, the mean
test accuracy with its 95 % CI against the acceptance bar (MR >= 75.5, Subj >= 89.0 over 10 folds,
SST-2 >= 80.5 on its test set; Kim's CNN-rand: 76.1 / 89.6 / 82.7), and where the wall time went:
data (loading, fold split), training (forward/backward/step), evaluation (per-epoch dev + test
passes and the final test pass), speed probes and the rest (process start, worker spawn, storing).
Exit status 1 when a bar is missed."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

BARS = {"mr": 75.5, "subj": 89.0, "sst2": 80.5}
KIM = {"mr": 76.1, "subj": 89.6, "sst2": 82.7}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", default=None, help="a spec file instead of the kim preset")
    ap.add_argument("--models", default="textcnn")
    ap.add_argument("--datasets", default="mr,subj,sst2")
    ap.add_argument("--out", type=Path, default=Path("runs/kim"))
    ap.add_argument("--jobs", type=int, default=None, help="worker processes [default: one per core]")
    ap.add_argument("--threads", type=int, default=None, help="torch threads per worker [default: cores / jobs]")
    ap.add_argument("--fold-subset", default=None, help="only these folds, e.g. 0,1")
    ap.add_argument("--epochs", type=int, default=None, help="fewer epochs than Kim's 25, for a smoke test")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--data-dir", default=None)
    args = ap.parse_args()

    spec = ["--config", args.config] if args.config else ["--preset", "kim"]
    cmd = [sys.executable, "-m", "seqarena", "compare", *spec, "--models", args.models,
           "--datasets", args.datasets, "--out", str(args.out), "--device", args.device, "--json"]
    for flag, value in (("--jobs", args.jobs), ("--threads", args.threads), ("--fold-subset", args.fold_subset),
                        ("--data-dir", args.data_dir), ("--epochs", args.epochs)):
        if value is not None:
            cmd += [flag, str(value)]
    print("$", " ".join(cmd[1:]), file=sys.stderr)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=False)  # stderr (progress bar) passes through
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        print(f"kim: compare exited {proc.returncode}", file=sys.stderr)
        return proc.returncode
    summary = json.loads(proc.stdout)
    rows = json.loads((args.out / "results.json").read_text())["rows"]

    ok = True
    print(f"{'dataset':8} {'model':12} {'n':>3} {'test acc %':>16} {'95% CI':>8} {'bar':>6} {'Kim':>6}")
    for r in summary:
        ds, mean = r["dataset"], 100 * r["test_acc"]
        bar = BARS.get(ds)
        ci = 100 * r["test_acc_ci95"] if r.get("test_acc_ci95") is not None else float("nan")
        verdict = "" if bar is None or r["model"] != "textcnn" else ("PASS" if mean >= bar else "FAIL")
        ok &= verdict != "FAIL"
        print(f"{ds:8} {r['model']:12} {r['n']:>3} {mean:>9.2f} ± {100 * r['test_acc_std']:4.2f} {ci:>8.2f} "
              f"{bar if bar else '-':>6} {KIM.get(ds, '-'):>6} {verdict}")
    profile(rows, wall)
    return 0 if ok else 1


def profile(rows: list[dict], wall: float) -> None:
    """Where the time went, summed over the cells of this run (cells of earlier runs count too when the
    run resumed: their seconds are in the rows, not in `wall`)."""
    keys = ("data_time_s", "train_time_s", "eval_time_s", "wall_time_s")
    tot = {k: sum(r.get(k) or 0.0 for r in rows) for k in keys}
    other = tot["wall_time_s"] - tot["data_time_s"] - tot["train_time_s"] - tot["eval_time_s"]
    epochs = sum(r.get("epochs_run") or 0 for r in rows)
    print(f"\nwall time of this command: {wall:,.0f} s ({len(rows)} cells, {epochs} epochs in total)")
    print(f"summed over cells: {tot['wall_time_s']:,.0f} s = data {tot['data_time_s']:,.1f} s"
          f" + training {tot['train_time_s']:,.0f} s + evaluation {tot['eval_time_s']:,.0f} s"
          f" + speed probes and model setup {other:,.1f} s")
    for ds in dict.fromkeys(r["dataset"] for r in rows):
        rs = [r for r in rows if r["dataset"] == ds]
        ep = sum(r["epochs_run"] or 0 for r in rs) or 1
        print(f"  {ds}: {len(rs)} cells, training {sum(r['train_time_s'] for r in rs) / ep:.2f} s/epoch, "
              f"evaluation {sum(r['eval_time_s'] for r in rs) / ep:.2f} s/epoch, "
              f"mean selected epoch {sum(r['selected_epoch'] for r in rs) / len(rs):.1f}")


if __name__ == "__main__":
    sys.exit(main())
