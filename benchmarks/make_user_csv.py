"""Write a three-class CSV "from a user" out of the shared data, to try `seqarena compare --train` as a
new user would: classes praise / complaint (SST-2 positive / negative sentences) and plot (Subj's
objective sentences, plot summaries), columns `sentence` and `category` (not text/label), a few blank
lines, an uneven class balance, and a separate test file.

    python benchmarks/make_user_csv.py /tmp/user        # -> /tmp/user/train.csv, /tmp/user/test.csv
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

from seqarena.data.sources import candidate_dirs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--per-class", type=int, nargs=3, default=[1200, 800, 600],
                    help="train rows of praise, complaint, plot (default 1200 800 600: uneven)")
    ap.add_argument("--test", type=int, default=300, help="test rows per class")
    args = ap.parse_args()
    root = next(d for d in candidate_dirs(None) if (d / "classification" / "sst2").is_dir())
    sst = [line.split(maxsplit=1) for line in
           (root / "classification/sst2/stsa.binary.train").read_text().splitlines() if line.strip()]
    obj = (root / "classification/subj/subj.objective").read_text(encoding="cp1252").splitlines()
    pools = {"praise": [t for y, t in sst if y == "1"], "complaint": [t for y, t in sst if y == "0"],
             "plot": [t for t in obj if t.strip()]}
    rng = random.Random(0)
    train, test = [], []
    for (label, pool), n in zip(pools.items(), args.per_class):
        rows = rng.sample(pool, n + args.test)
        train += [(t, label) for t in rows[:n]]
        test += [(t, label) for t in rows[n:]]
    rng.shuffle(train)
    rng.shuffle(test)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, rows in (("train.csv", train), ("test.csv", test)):
        with open(args.out / name, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["id", "sentence", "category"])
            for i, (t, y) in enumerate(rows):
                w.writerow([i, t.strip(), y])
                if i % 500 == 499:
                    f.write("\n")  # the blank lines real exports have
    print(f"{args.out}/train.csv: {len(train)} rows, {args.out}/test.csv: {len(test)} rows")


if __name__ == "__main__":
    main()
