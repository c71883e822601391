"""Seed 004's city generator, time to quality: seqarena vs the seed's own program, side by side.

Target: reach the seed's final loss (0.647 nats per name: -log p summed over a name's characters,
averaged over the 15 names; the first letter is given, not predicted, as in the seed) in at most 1/20
of the training time seed_cities.py takes. Runs A B A B (seed, seqarena, seed, seqarena), each in its
own process with the same torch thread count, and prints each pair's ratio and the median.

    .venv/bin/python benchmarks/bench_names_seed.py [--repeats 2] [--threads 1]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path


def default_seed_program() -> Path:
    """../shared/reference/seed_cities.py beside the project root, else beside $SEQARENA_DATA."""
    here = Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "seed_cities.py"
    data = os.environ.get("SEQARENA_DATA")
    return (
        here if here.is_file() or not data else Path(data).resolve().parent / "reference" / "seed_cities.py"
    )


TARGET = 0.647  # the seed's printed loss after its 1000 epochs


def ours(lr: float, max_steps: int = 5000) -> dict:
    """seqarena's recipe for the same model (one-hot nn.RNN(128) + linear): the 15 names as one padded
    batch, teacher forcing, fused AdamW. The per-name loss is read off the training forward pass
    before each step, as the seed reads its loss."""
    import torch

    from seqarena.data.names import load_names
    from seqarena.models import create_model
    from seqarena.train.lm import masked_nll

    torch.manual_seed(0)
    corpus = load_names("seed-cities")
    split = corpus.tensors("train")
    x, lengths, y = split.tokens, split.lengths, split.labels
    model = create_model("rnn", "lm", corpus.vocab.size, d_hidden=128, one_hot=True)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, fused=True)
    t0 = time.perf_counter()
    for step in range(max_steps):
        logits = model(x, lengths)  # (15, T, V)
        s, n = masked_nll(logits, y)
        with torch.no_grad():  # the seed's measure: skip the first letter's prediction (it is given)
            per_name = float(masked_nll(logits[:, 1:], y[:, 1:])[0]) / len(y)
        if per_name <= TARGET:
            break
        opt.zero_grad(set_to_none=True)
        (s / n).backward()
        opt.step()
    return {
        "seconds": time.perf_counter() - t0,
        "steps": step,
        "loss_per_name": per_name,
        "reached": per_name <= TARGET,
    }


def run_seed(program: Path, threads: int) -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
    out = subprocess.run(
        [sys.executable, str(program)], capture_output=True, text=True, env=env, check=True
    ).stdout
    losses = re.findall(r"Error: ([0-9.]+)", out)
    return {
        "seconds": float(re.search(r"train time ([0-9.]+)s", out).group(1)),
        "final_loss": float(losses[-1]),
    }


def run_ours(threads: int, lr: float) -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
    out = subprocess.run(
        [sys.executable, __file__, "--ours", "--lr", str(lr)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    return json.loads(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--lr", type=float, default=1e-2)
    ap.add_argument("--seed-program", type=Path, default=None, help="path to seed_cities.py")
    ap.add_argument("--ours", action="store_true", help="(internal) run seqarena's side and print JSON")
    args = ap.parse_args()
    if args.ours:
        import torch

        torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
        print(json.dumps(ours(args.lr)))
        return
    program = args.seed_program or default_seed_program()
    if not program.is_file():
        sys.exit(f"skipped: {program} not found (the shared reference programs are absent)")
    ratios = []
    for rep in range(args.repeats):
        a = run_seed(program, args.threads)
        b = run_ours(args.threads, args.lr)
        ratios.append(b["seconds"] / a["seconds"])
        print(
            f"pair {rep + 1}: seed_cities.py {a['seconds']:.2f} s to loss {a['final_loss']:.4f} | seqarena "
            f"{b['seconds']:.3f} s to {b['loss_per_name']:.4f} in {b['steps']} steps | ratio {ratios[-1]:.4f} "
            f"(1/{1 / ratios[-1]:.0f})",
            flush=True,
        )
    med = statistics.median(ratios)
    verdict = "meets" if med <= 1 / 20 else "misses"
    print(
        f"median ratio {med:.4f} = 1/{1 / med:.0f} ({verdict} the <= 1/20 target); threads {args.threads}, "
        f"torch threads per process; machine load {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
