"""Peak memory and time of reading a large user file into a dataset (issue: a 1 GB CSV must not need
10 GB of memory). Generates a CSV of `--rows` labelled texts of random words (about `--words` words
each; the defaults make ~1 M rows and ~1 GB), then loads it as `seqarena compare --train` does, in a
fresh process, and prints the file size, the load time and the peak resident memory of that process.

    python benchmarks/bench_load.py                       # 1 M rows, ~1 GB
    python benchmarks/bench_load.py --rows 100000 --keep /tmp/big.csv
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

LOADER = """
import json, resource, sys, time, warnings
warnings.simplefilter("ignore")
from seqarena.data.files import file_source
t = time.perf_counter()
ds = file_source([sys.argv[1]]).load()
dt = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"load_s": dt, "peak_rss_bytes": peak, "rows": len(ds.train), "vocab": ds.vocab_size,
                  "tokens": int(ds.train.lengths.sum()), "max_len": int(ds.train.lengths.max())}))
"""


def generate(path: Path, rows: int, words: int, seed: int = 0) -> None:
    """`rows` lines `text,label`: 2-9 letter words from a 50,000-word vocabulary (Zipf-like), lengths
    uniform in [words/2, 3 words/2], labels from 5 classes."""
    rng = np.random.default_rng(seed)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    vocab = ["".join(rng.choice(letters, size=int(rng.integers(2, 10)))) for _ in range(50_000)]
    p = 1.0 / np.arange(1, len(vocab) + 1)
    p /= p.sum()
    block = 10_000
    with open(path, "w") as f:
        f.write("text,label\n")
        for start in range(0, rows, block):
            n = min(block, rows - start)
            lengths = rng.integers(words // 2, 3 * words // 2 + 1, size=n)
            ids = rng.choice(len(vocab), size=int(lengths.sum()), p=p)
            labels = rng.integers(0, 5, size=n)
            pos = 0
            lines = []
            for L, y in zip(lengths.tolist(), labels.tolist()):
                lines.append(" ".join(vocab[i] for i in ids[pos:pos + L]) + f",c{y}\n")
                pos += L
            f.write("".join(lines))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--words", type=int, default=160, help="mean words per text (default 160: ~1 KB a row)")
    ap.add_argument("--keep", type=Path, help="write the CSV here and keep it (default: a temporary file)")
    args = ap.parse_args()
    tmp = None
    path = args.keep
    if path is None:
        tmp = tempfile.NamedTemporaryFile(suffix=".csv", delete=False)
        path = Path(tmp.name)
    try:
        if not (args.keep and path.exists()):
            t = time.perf_counter()
            generate(path, args.rows, args.words)
            print(f"generated {path} in {time.perf_counter() - t:.0f} s", file=sys.stderr)
        size = path.stat().st_size
        res = subprocess.run([sys.executable, "-c", LOADER, str(path)], capture_output=True, text=True, check=True)
        r = json.loads(res.stdout)
        print(f"file: {size / 1e9:.2f} GB, {r['rows']:,} rows, {r['tokens']:,} tokens (max {r['max_len']} a row), "
              f"vocabulary {r['vocab']:,}")
        print(f"load: {r['load_s']:.1f} s, peak RSS {r['peak_rss_bytes'] / 1e9:.2f} GB "
              f"({r['peak_rss_bytes'] / size:.1f} x the file)")
    finally:
        if tmp is not None:
            os.unlink(path)


if __name__ == "__main__":
    main()
