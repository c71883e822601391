"""Peak RSS and time of reading pretrained vectors for one vocabulary from a generated 1 M x 300 text
file (fastText .vec layout: a header line, then "word v1 ... v300", 5 decimals, ~2.4 GiB), as
`compare --embeddings` does; then the same subset from its .npz cache.

    nice -n 10 python benchmarks/bench_vectors.py --dir /tmp/bench_vectors

The vocabulary is SST-2's (kim tokenizer; its words are put at random lines of the file, the rest are
made-up words); each measurement runs in a fresh process that imports the reader (and torch) and holds
the vocabulary, and prints its resident set before and after and its peak (ru_maxrss). The file is
deleted at the end unless --keep. To be fast to write, the file repeats 1,000 formatted vectors
(the reader parses each kept line all the same)."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

MEASURE = r"""
import json, resource, sys, time
from seqarena.data.vectors import embedding_source, load_subset
words = json.load(open(sys.argv[2]))
def rss():  # the resident set now (VmRSS), MiB
    return next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmRSS")) / 1024
out = {"rss_before_mib": rss()}
if sys.argv[1] != "none":
    from dataclasses import replace
    t0 = time.perf_counter()
    src = embedding_source(sys.argv[1], "static")
    t1 = time.perf_counter()
    src = replace(src, cache_dir=sys.argv[3])
    sub = load_subset(src, words)
    t2 = time.perf_counter()
    out.update(digest_s=t1 - t0, load_s=t2 - t1, found=int(len(sub.ids)), vocab=len(words) - 2, dim=sub.dim,
               file_words=sub.file_words)
out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
out["rss_after_mib"] = rss()
print(json.dumps(out))
"""


def generate(path: Path, vocab: list[str], n: int, dim: int, seed: int = 0) -> float:
    rng = np.random.default_rng(seed)
    pool = [" ".join(f"{x:.5f}" for x in rng.normal(0, 0.1, dim)) for _ in range(1000)]
    where = dict(zip(rng.choice(n, size=len(vocab), replace=False).tolist(), vocab))
    t0 = time.perf_counter()
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"{n} {dim}\n")
        lines = []
        for i in range(n):
            lines.append(f"{where.get(i, f'w{i:07d}x')} {pool[i % 1000]}\n")
            if len(lines) == 10_000:
                f.write("".join(lines))
                lines = []
        f.write("".join(lines))
    return time.perf_counter() - t0


def measure(vec: str, words: Path, cache: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", MEASURE, vec, str(words), str(cache)], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/bench_vectors"))
    ap.add_argument("--words", type=int, default=1_000_000)
    ap.add_argument("--dim", type=int, default=300)
    ap.add_argument("--dataset", default="sst2")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    from seqarena.data import load_dataset

    args.dir.mkdir(parents=True, exist_ok=True)
    tokens = load_dataset(args.dataset).vocab.to_list()
    vocab = tokens[2:]
    words = args.dir / "vocab.json"
    words.write_text(json.dumps(tokens))
    path, cache = args.dir / f"vec-{args.words}x{args.dim}.vec", args.dir / "cache"
    os.environ["SEQARENA_VECTORS_CACHE"] = str(cache)  # the digest is remembered here (deleted at the end)
    try:
        secs = generate(path, vocab, args.words, args.dim)
        size = path.stat().st_size
        print(f"generated {path}: {args.words:,} x {args.dim}, {size / 2**30:.2f} GiB in {secs:.0f} s")
        base = measure("none", words, cache)
        first = measure(str(path), words, cache)
        again = measure(str(path), words, cache)
        full = args.words * args.dim * 4 / 2**20
        print(f"vocabulary: {args.dataset}, {first['vocab']:,} words; found {first['found']:,}")
        print(f"process that only imports the reader (and torch) and holds the vocabulary: RSS "
              f"{base['rss_before_mib']:.0f} MiB, peak {base['peak_rss_mib']:.0f} MiB")
        print(f"read from the text file: sha256 {first['digest_s']:.1f} s + parse {first['load_s']:.1f} s "
              f"({size / 2**20 / first['load_s']:.0f} MiB/s); RSS {first['rss_before_mib']:.0f} MiB before, "
              f"{first['rss_after_mib']:.0f} MiB after, peak {first['peak_rss_mib']:.0f} MiB "
              f"(the whole matrix would be {full:,.0f} MiB)")
        print(f"again (digest remembered, subset from the .npz cache): {again['digest_s']:.2f} s + "
              f"{again['load_s']:.2f} s, "
              f"peak RSS {again['peak_rss_mib']:.0f} MiB")
    finally:
        if not args.keep:
            path.unlink(missing_ok=True)
            for p in [*cache.glob("*.npz"), cache / "digests.json", words]:
                p.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
