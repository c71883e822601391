"""Pretrained vectors against rand on data available here: word2vec (gensim, skip-gram) trained on the
training sentences alone (no labels; MR: the nine training folds of fold 0, dev carve included, never
the test fold; SST-2: its train split), saved in word2vec's binary format, then TextCNN under the kim
presets (rand, static, non-static, multichannel) on MR fold 0 and SST-2, one seed.

    nice -n 10 python benchmarks/vectors_demo.py --out /tmp/vdemo --parallel 2

Needs gensim (`pip install seqarena[vectors]`); each compare run is `--jobs 1 --threads 1`. Prints one
markdown table (test accuracy, dev accuracy, selected epoch, coverage, training time) from the runs'
results.json files. The machine may be shared: the times are only comparable within one run."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

PRESET = {"rand": "kim", "static": "kim-static", "non-static": "kim-nonstatic", "multichannel": "kim-multichannel"}


def training_sentences(name: str) -> list[list[str]]:
    """The dataset's training sentences as the model sees them (kim-tokenised vocabulary words)."""
    import numpy as np

    from seqarena.run.cells import dataset, fold_assignment
    from seqarena.run.protocol import cv_pool

    data = dataset(name)
    itos = data.vocab.to_list()
    if data.protocol == "cv":
        pool, _ = cv_pool(data)
        rows = np.flatnonzero(fold_assignment(name, None, 10, 0) != 0)  # every fold but the test fold 0
        split = pool
    else:
        split, rows = data.train, np.arange(len(data.train))
    toks, lens = split.tokens.numpy(), split.lengths.numpy()
    return [[itos[t] for t in toks[i, : lens[i]]] for i in rows]


def train_word2vec(name: str, out: Path, dim: int, epochs: int) -> tuple[Path, float, int]:
    from gensim.models import Word2Vec

    sents = training_sentences(name)
    t0 = time.perf_counter()
    w2v = Word2Vec(sents, vector_size=dim, window=5, min_count=1, sg=1, negative=5, epochs=epochs, workers=1, seed=0)
    path = out / f"w2v-{name}.bin"
    w2v.wv.save_word2vec_format(str(path), binary=True)
    return path, time.perf_counter() - t0, len(sents)


def compare(name: str, mode: str, vectors: Path, out: Path) -> Path:
    run = out / f"{name}-{mode}"
    cmd = [sys.executable, "-m", "seqarena", "compare", "--preset", PRESET[mode], "--models", "textcnn",
           "--dataset", name, "--out", str(run), "--jobs", "1", "--threads", "1"]
    if name == "mr":
        cmd += ["--fold-subset", "0"]
    if mode != "rand":
        cmd += ["--embeddings", str(vectors)]
    print("$", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    return run


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--datasets", default="mr,sst2")
    ap.add_argument("--modes", default="rand,non-static,static,multichannel")
    ap.add_argument("--out", type=Path, default=Path("/tmp/vdemo"))
    ap.add_argument("--dim", type=int, default=300)
    ap.add_argument("--w2v-epochs", type=int, default=10)
    ap.add_argument("--parallel", type=int, default=1, help="compare runs at once (each one job, one thread)")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    names, modes = args.datasets.split(","), args.modes.split(",")
    vecs = {}
    for name in names:
        vecs[name] = args.out / f"w2v-{name}.bin"
        if vecs[name].is_file():  # a second call (more modes, an interrupted run) reuses the vectors
            print(f"{name}: reusing {vecs[name]}", flush=True)
            continue
        path, secs, n = train_word2vec(name, args.out, args.dim, args.w2v_epochs)
        print(f"{name}: word2vec (skip-gram, {args.dim}-d, window 5, {args.w2v_epochs} epochs) on {n:,} training "
              f"sentences in {secs:.1f} s -> {path}", flush=True)
    # mode by mode, so that rand and one pretrained mode exist for every dataset first
    jobs = [(n, m) for m in modes for n in names]
    todo = [j for j in jobs if not (args.out / f"{j[0]}-{j[1]}" / "results.json").is_file()]
    with ThreadPoolExecutor(args.parallel) as pool:
        list(pool.map(lambda j: compare(j[0], j[1], vecs[j[0]], args.out), todo))
    runs = [args.out / f"{n}-{m}" for n, m in jobs]
    print("\n| dataset | mode | test acc | dev acc | epoch kept | vocab coverage | token coverage | train s |")
    print("|---|---|---|---|---|---|---|---|")
    for (name, mode), run in sorted(zip(jobs, runs), key=lambda x: names.index(x[0][0])):
        rows = json.loads((run / "results.json").read_text())["rows"]
        r = rows[0]
        cov = (f"{r['emb_vocab_coverage']:.1%}", f"{r['emb_token_coverage']:.1%}") if "emb_vocab_coverage" in r else ("-", "-")
        print(f"| {name} | {mode} | {100 * r['test_acc']:.2f} | {100 * r['dev_acc']:.2f} | {r['selected_epoch']} | "
              f"{cov[0]} | {cov[1]} | {r['train_time_s']:.0f} |")


if __name__ == "__main__":
    main()
