"""Texts per second of `seqarena predict --file F --output preds.csv` on many texts (default 100,000):
the streamed, chunked, length-bucketed path, in-process, reading a CSV and writing a CSV.

    python benchmarks/bench_predict.py MODEL.pt [--n 100000] [--threads 2] [--texts FILE.csv --text-column C]

Without --texts, the texts are sentences drawn from the checkpoint's own vocabulary, 5-40 words long
(seeded), so the model sees known words at sentence lengths."""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from seqarena.data.unlabelled import iter_texts
from seqarena.deploy.batch import write_predictions
from seqarena.deploy.predictor import load_predictor


def vocab_texts(pred, n: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    words = pred.vocab.itos[2:] if pred.vocab is not None else pred.ckpt["sparse_state"]["terms"]
    words = [w for w in words if " " not in w] or ["x"]
    return [" ".join(rng.choice(words, size=int(rng.integers(5, 41)))) for _ in range(n)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint", type=Path)
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--texts", type=Path, default=None, help="a CSV whose --text-column texts are cycled to --n")
    ap.add_argument("--text-column", default="text")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    pred = load_predictor(args.checkpoint)
    if args.texts:
        pool = [t for _, t in iter_texts(args.texts, "csv", args.text_column)]
        texts = [pool[i % len(pool)] for i in range(args.n)]
    else:
        texts = vocab_texts(pred, args.n)
    with tempfile.TemporaryDirectory() as d:
        src, out = Path(d) / "texts.csv", Path(d) / "preds.csv"
        with open(src, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["text"])
            w.writerows([t] for t in texts)
        t0 = time.perf_counter()
        write_predictions(pred, iter_texts(src, "csv", "text"), out)
        wall = time.perf_counter() - t0
        rows = sum(1 for _ in open(out)) - 1
    assert rows == args.n, (rows, args.n)
    mean_words = float(np.mean([len(t.split()) for t in texts]))
    print(f"{pred.name}: {args.n:,} texts (mean {mean_words:.1f} words) read, predicted and written in {wall:.2f} s: "
          f"{args.n / wall:,.0f} texts/s; {torch.get_num_threads()} torch thread(s)")


if __name__ == "__main__":
    main()
