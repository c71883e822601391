"""Milliseconds per training step of the seed's four models, fast paths against their reference form.

For each model: forward, loss, backward and optimizer step on the seed task's batches (64 texts,
length-bucketed), one torch thread, with seqarena's fast paths (FastGRU, TextCNN's fused conv +
max-pool, CNN+RNN's fused conv, the dropout mask) and inside `seqarena.kernels.disabled()` (nn.GRU,
Conv1d + ReLU + max, nn.Dropout). The two forms alternate in rounds (A B A B) so both see the same
machine load; it prints the median ms per step of each and their ratio.

    .venv/bin/python benchmarks/bench_steps.py [--models gru,textcnn] [--rounds 5] [--steps 30]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import time

import torch
import torch.nn.functional as F

from seqarena import kernels
from seqarena.config import TrainConfig
from seqarena.data.synthetic import make_bigram_task
from seqarena.models import create_model
from seqarena.train.loop import make_optimizer


def time_steps(model, opt, batches, reference: bool) -> float:
    ctx = kernels.disabled() if reference else contextlib.nullcontext()
    with ctx:
        t0 = time.perf_counter()
        for x, lengths, y in batches:
            loss = F.cross_entropy(model(x, lengths), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        return (time.perf_counter() - t0) / len(batches) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default="gru,bilstm,textcnn,cnn_rnn")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--steps", type=int, default=30, help="training steps per timing")
    args = ap.parse_args()
    torch.set_num_threads(1)
    train, _ = make_bigram_task()
    g = torch.Generator().manual_seed(0)
    batches = [b for _, b in train.batches(64, shuffle=True, generator=g)][: args.steps]
    print(f"kernels: {'compiled' if kernels.load() is not None else 'unavailable (FastGRU is nn.GRU)'}")
    rows = []
    for name in args.models.split(","):
        torch.manual_seed(0)
        model = create_model(name, "classify", 5000, 2).train()
        opt = make_optimizer(model.parameters(), TrainConfig())
        for reference in (False, True):  # warm-up of both forms
            time_steps(model, opt, batches[:5], reference)
        fast, ref = [], []
        for _ in range(args.rounds):
            fast.append(time_steps(model, opt, batches, False))
            ref.append(time_steps(model, opt, batches, True))
        f, r = statistics.median(fast), statistics.median(ref)
        rows.append({"model": name, "fast_ms": round(f, 2), "reference_ms": round(r, 2), "ratio": round(f / r, 3)})
        print(f"{name:8s} fast {f:6.2f} ms/step   reference {r:6.2f} ms/step   ratio {f / r:.2f}", flush=True)
    print(json.dumps({"benchmark": "train_step_ms", "rows": rows, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
