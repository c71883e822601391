"""seqarena's `bow` against the fastText package, on the same tokenised files, one thread, A B A B.

For each dataset (SST-2: its train and test files; MR: fold 0 of seqarena's 10-fold CV, split seed 0,
the other nine folds as train) the texts are tokenised once with seqarena's kim tokenizer (lower-cased)
and written as fastText files (`__label__y tok tok ...`; the train rows in one seeded shuffled order:
fastText reads its file in order, and MR's pool is sorted by class). Then, for each seed, A = fastText's
`train_supervised` on the train file and B = seqarena (`load_files` of the same file, `create_model`,
`fit` with bow's own recipe), alternating, with the same epochs, n-gram order, buckets and dimension.
Printed: test accuracy of each (mean over seeds), training time of each (median), and the ratios.
Target (issue 17): accuracy within 1 point of fastText's (read as: at most 1 point below it; a bow
above fastText by more is printed as it is), training time within 5x.

The times: fastText's is its `train_supervised` call (it reads the file and builds its dictionary
inside); seqarena's is `load_files` (read, tokenise, vocabulary, tensors) + `create_model` + `fit`,
so both go from the same file to a trained model. `fit` alone is printed beside it.

fastText is a benchmark-only dependency (seqarena never calls it):

    .venv/bin/pip install fasttext-numpy2-wheel
    .venv/bin/python benchmarks/bench_fasttext.py [--datasets sst2,mr] [--seeds 3] [--epochs 25] [--n 2]
        [--eval test|dev] [--set lr=3.2 --set batch_size=32]

`--eval dev` scores SST-2's dev set, and for MR trains on fold 0's training rows less a stratified 10 %
dev carve (seed 0) and scores that carve: settings are chosen there, never on the test sets.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

import torch

from seqarena.data import load_dataset, load_files
from seqarena.data.corpora import _load_files
from seqarena.data.tokenize import kim_tokenize
from seqarena.models import create_model, model_hparams, train_config
from seqarena.models.layers import zero_unknown_row
from seqarena.run.protocol import Protocol, resolve_splits
from seqarena.runtime import environment
from seqarena.train import evaluate, fit


def split_texts(name: str, eval_split: str, data_dir: Path | None) -> dict[str, tuple[list[str], list[int]]]:
    """{'train': (texts, labels), 'test': ...}: raw texts and label ids of the rows to train and score."""
    data = load_dataset(name, data_dir)
    if name == "mr":
        proto = Protocol(kind="cv", folds=10, dev_fraction=0.1 if eval_split == "dev" else 0.0, split_seed=0)
        sp = resolve_splits(data, proto, fold=0, seed=0)
        score = (sp.texts["dev"], sp.dev.labels) if eval_split == "dev" else (sp.texts["test"], sp.test.labels)
        rows = {"train": (sp.texts["train"], sp.train.labels), "test": score}
    else:
        rows = {"train": (data.texts["train"], data.train.labels),
                "test": (data.texts[eval_split], getattr(data, eval_split).labels)}
    return {k: (list(t), y.tolist()) for k, (t, y) in rows.items()}


def write_fasttext_files(name: str, eval_split: str, data_dir: Path | None, out: Path) -> tuple[Path, Path, dict]:
    rows = split_texts(name, eval_split, data_dir)
    order = list(range(len(rows["train"][0])))
    random.Random(0).shuffle(order)
    paths, stats = {}, {}
    for split, (texts, labels) in rows.items():
        idx = order if split == "train" else range(len(texts))
        lines = []
        for i in idx:
            tokens = kim_tokenize(texts[i]) or ["<empty>"]  # fastText's reader and ours need a token
            lines.append(f"__label__{labels[i]} " + " ".join(tokens))
        paths[split] = out / f"{name}.{split}.txt"
        paths[split].write_text("\n".join(lines) + "\n", encoding="utf-8")
        stats[f"n_{split}"] = len(lines)
    return paths["train"], paths["test"], stats


def run_fasttext(train: Path, test: Path, seed: int, epochs: int, n: int, buckets: int, dim: int) -> tuple[float, float]:
    import fasttext

    t0 = time.perf_counter()
    model = fasttext.train_supervised(input=str(train), epoch=epochs, wordNgrams=n, bucket=buckets, dim=dim,
                                      thread=1, seed=seed, verbose=0)
    seconds = time.perf_counter() - t0
    _, precision_at_1, _ = model.test(str(test))  # one label per line: P@1 is accuracy
    return precision_at_1, seconds


def run_bow(train: Path, test: Path, seed: int, epochs: int, n: int, sets: dict) -> tuple[float, float, float, float]:
    """(test accuracy, seconds from file to trained model, seconds in fit, train accuracy)."""
    _load_files.cache_clear()  # read, tokenise and encode the file inside the timed region, every run
    t0 = time.perf_counter()
    data = load_files(train, test=test, fmt="fasttext", tokenizer="whitespace")
    hp = {k: v for k, v in sets.items() if k in model_hparams("bow", "classify")}
    cfg = train_config("bow", epochs=epochs, **{k: v for k, v in sets.items() if k not in hp})
    torch.manual_seed(seed)
    model = create_model("bow", "classify", data.vocab_size, data.num_classes, n=n, **hp)
    zero_unknown_row(model)
    res = fit(model, data.train, cfg=cfg, seed=seed)
    seconds = time.perf_counter() - t0
    return evaluate(model, data.test)["acc"], seconds, res.train_time_s, res.history[-1]["train_acc"]


def parse_sets(items: list[str]) -> dict:
    out = {}
    for item in items:
        key, _, value = item.partition("=")
        out[key] = json.loads(value) if value[:1] in "0123456789-[" or value in ("true", "false") else value
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", default="sst2,mr")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=25)
    ap.add_argument("--n", type=int, default=2, help="n-gram order of both (fastText's wordNgrams)")
    ap.add_argument("--eval", choices=("test", "dev"), default="test")
    ap.add_argument("--set", action="append", default=[], help="bow hyperparameter or TrainConfig field, k=v")
    ap.add_argument("--data-dir", type=Path, default=None)
    args = ap.parse_args()
    try:
        import fasttext  # noqa: F401
    except ImportError:  # as bench_compare.py without its reference program: nothing to compare with
        print("skipped: the fasttext package is missing (.venv/bin/pip install fasttext-numpy2-wheel)")
        return
    torch.set_num_threads(1)
    sets = parse_sets(args.set)
    hp = {**model_hparams("bow", "classify"), **{k: v for k, v in sets.items() if k in ("d_embed", "n_buckets")}}
    cfg = train_config("bow", epochs=args.epochs, **{k: v for k, v in sets.items()
                                                     if k not in model_hparams("bow", "classify")})
    print(f"settings: epochs {args.epochs}, n-grams up to {args.n}, buckets {hp['n_buckets']}, dim {hp['d_embed']}, "
          f"one thread, eval on {args.eval}; bow recipe: {cfg.optimizer} lr {cfg.lr} ({cfg.lr_schedule}), "
          f"batch {cfg.batch_size}; fastText: lr 0.1 (its default, linear decay), one text per step")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.datasets.split(","):
            train, test, stats = write_fasttext_files(name, args.eval, args.data_dir, Path(tmp))
            # warm-up, not timed: one epoch of each (imports, the C kernels, first allocations)
            run_fasttext(train, test, 0, 1, args.n, hp["n_buckets"], hp["d_embed"])
            run_bow(train, test, 0, 1, args.n, sets)
            for seed in range(args.seeds):
                fa, fs = run_fasttext(train, test, seed, args.epochs, args.n, hp["n_buckets"], hp["d_embed"])
                ba, bs, bfit, btrain = run_bow(train, test, seed, args.epochs, args.n, sets)
                rows.append({"dataset": name, "seed": seed, "fasttext_acc": fa, "fasttext_s": fs, "bow_acc": ba,
                             "bow_s": bs, "bow_fit_s": bfit, "bow_train_acc": btrain, **stats})
                print(f"{name} seed {seed}: fastText {fa:.4f} in {fs:5.2f} s | bow {ba:.4f} in {bs:5.2f} s "
                      f"(fit {bfit:5.2f} s, train acc {btrain:.3f}) | time ratio {bs / fs:.2f}", flush=True)
    print()
    print(f"| dataset | {args.eval} acc fastText | {args.eval} acc bow | bow - fastText (points) | "
          "time fastText s | time bow s (fit) | time ratio bow/fastText | >= fastText - 1 point, <= 5x |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    verdicts = []
    for name in args.datasets.split(","):
        rs = [r for r in rows if r["dataset"] == name]
        fa, ba = (statistics.mean(r[k] for r in rs) for k in ("fasttext_acc", "bow_acc"))
        fs, bs, bfit = (statistics.median(r[k] for r in rs) for k in ("fasttext_s", "bow_s", "bow_fit_s"))
        ratio = statistics.median(r["bow_s"] / r["fasttext_s"] for r in rs)
        ok = (ba - fa) * 100 >= -1.0 and ratio <= 5.0
        verdicts.append(ok)
        print(f"| {name} | {100 * fa:.2f} | {100 * ba:.2f} | {100 * (ba - fa):+.2f} | {fs:.2f} | {bs:.2f} ({bfit:.2f}) | "
              f"{ratio:.2f} | {'yes' if ok else 'NO'} |")
    print(f"\naccuracy: mean over {args.seeds} seeds; times and ratio: medians over seeds (ratio per seed, A B A B)")
    print(json.dumps({"rows": rows, "settings": {**vars(args), "data_dir": str(args.data_dir), "bow_hparams": hp,
                                                 "bow_train": cfg.__dict__}, "env": environment(torch.device("cpu"))}))
    print("PASS" if all(verdicts) else "FAIL")


if __name__ == "__main__":
    main()
