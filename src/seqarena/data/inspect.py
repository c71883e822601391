"""A look at a dataset before training: split sizes, class balance, text lengths, vocabulary, unseen
test tokens, duplicates and train/test overlap, and what each means for the models. Pure: a
`Dataset` in, plain data out (the CLI prints it)."""

from __future__ import annotations

import numpy as np

from seqarena.data.vocab import UNK_ID

SPLITS = ("train", "dev", "test")


def inspect_dataset(ds) -> dict:
    """Statistics of every split of `ds` and the consequences for the models, as plain data."""
    splits = {}
    for s in SPLITS:
        split = getattr(ds, s)
        if split is None:
            continue
        lengths = split.lengths.numpy()
        counts = np.bincount(split.labels.numpy(), minlength=ds.num_classes)
        nonzero = counts[counts > 0]
        splits[s] = {
            "examples": int(len(split)),
            "classes": {n: int(c) for n, c in zip(ds.label_names, counts)},
            "imbalance": float(nonzero.max() / nonzero.min()) if len(nonzero) else None,
            "length": _lengths(lengths),
            "duplicates": (ds.meta.get("duplicates") or {}).get(s),
        }
        if s != "train" and ds.vocab is not None:
            tokens = split.tokens[split.tokens != 0]
            splits[s]["unseen_token_pct"] = 100.0 * float((tokens == UNK_ID).float().mean()) if len(tokens) else 0.0
            splits[s]["also_in_train"] = (ds.meta.get("in_train") or {}).get(s)
    out = {
        "dataset": ds.name, "protocol": ds.protocol, "num_classes": ds.num_classes, "labels": list(ds.label_names),
        "vocab_size": int(ds.vocab_size), "tokenizer": ds.meta.get("tokenizer"), "splits": splits,
    }
    if ds.meta.get("digest"):
        out["digest"] = ds.meta["digest"]
    out["consequences"] = consequences(out)
    return out


def _lengths(lengths: np.ndarray) -> dict:
    if not len(lengths):
        return {}
    p50, p90, p99 = np.percentile(lengths, [50, 90, 99])
    return {"mean": float(lengths.mean()), "p50": float(p50), "p90": float(p90), "p99": float(p99),
            "max": int(lengths.max())}


def consequences(info: dict) -> list[str]:
    """What the statistics mean for the models, one line each."""
    out = []
    train = info["splits"]["train"]
    n, k = train["examples"], info["num_classes"]
    imb = train["imbalance"]
    if imb is not None and imb >= 3:
        out.append(f"classes are imbalanced ({imb:.1f}:1 in train): accuracy flatters the majority class; "
                   "rank by macro-F1 (`--metric macro_f1`) and read the per-class table (`--per-class`)")
    elif imb is not None and imb >= 1.5:
        out.append(f"classes are somewhat uneven ({imb:.1f}:1 in train): compare macro-F1 beside accuracy")
    p99 = train["length"].get("p99")
    if p99 is not None:
        steps = int(round(p99))
        if steps >= 200:
            out.append(f"p99 length {steps} tokens: recurrent models run {steps} serial steps per text and "
                       "attention costs grow with its square; see `seqarena scale`")
        elif steps <= 5:
            out.append(f"p99 length {steps} tokens: texts are very short; wide convolution windows see "
                       "mostly padding")
    per_class = n / max(k, 1)
    if per_class < 100:
        out.append(f"{n} training examples ({per_class:.0f} per class): expect wide confidence intervals; use "
                   "several seeds (`--seeds 5`) and prefer the baselines or small models")
    for s in ("dev", "test"):
        info_s = info["splits"].get(s)
        if not info_s:
            continue
        unseen = info_s.get("unseen_token_pct")
        if unseen is not None and unseen >= 5:
            out.append(f"{unseen:.1f} % of {s} tokens are not in the training vocabulary: they all read as "
                       "<unk>; pretrained vectors or character models help here")
        overlap = info_s.get("also_in_train")
        if overlap:
            out.append(f"{overlap} {s} text(s) also occur in train: their {s} scores measure memory, not "
                       "generalisation")
    if train.get("duplicates"):
        n = train["duplicates"]
        out.append(f"{n} exact duplicate training example{'s' if n > 1 else ''}: "
                   f"{'they weigh' if n > 1 else 'it weighs'} double in training")
    if "test" not in info["splits"]:
        out.append("no test split: `compare` evaluates by k-fold cross-validation over train")
    if not out:
        out.append("nothing unusual: balanced enough, moderate lengths, the test vocabulary is covered")
    return out


def summary_line(info: dict) -> str:
    """One line: classes, sizes, imbalance, p99 length, unseen test tokens."""
    sp = info["splits"]
    sizes = " / ".join(f"{sp[s]['examples']:,} {s}" for s in SPLITS if s in sp)
    parts = [f"{info['dataset']}: {info['num_classes']} classes", sizes]
    imb = sp["train"]["imbalance"]
    if imb is not None:
        parts.append(f"imbalance {imb:.1f}:1")
    if sp["train"]["length"]:
        parts.append(f"p99 length {sp['train']['length']['p99']:.0f} tokens")
    if "test" in sp and sp["test"].get("unseen_token_pct") is not None:
        parts.append(f"{sp['test']['unseen_token_pct']:.1f} % test tokens unseen")
    if "test" not in sp:
        parts.append("k-fold CV (no test split)")
    return ", ".join(parts)
