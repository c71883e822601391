"""What `seqarena compare` prints: per-dataset summary rows with the paired test against the best model,
as rich tables or JSON."""

from __future__ import annotations

import math
from pathlib import Path

from rich.table import Table

from seqarena.jsonutil import plain
from seqarena.report.tables import fmt_mean
from seqarena.run.cells import Cell, is_sparse
from seqarena.run.spec import Spec
from seqarena.run.stats import LM_METRICS, LOWER_IS_BETTER, aggregate, choose_best, per_class_summary
from seqarena.run.stats import METRICS as METRIC_COLUMNS

# --metric value -> the row column it ranks by
METRICS = {"accuracy": "test_acc", "macro_f1": "macro_f1"}
METRIC = "test_acc"


def summary(rows: list[dict], metric: str = METRIC) -> tuple[list[dict], dict]:
    """(one row per dataset x model with mean/std/CI and the paired test against the dataset's best
    model by `metric`, the best_vs_rest result). The paired test pairs rows with the same fold and seed."""
    table = aggregate(rows, metrics=LM_METRICS if metric in LOWER_IS_BETTER else METRIC_COLUMNS)
    tests = choose_best(rows, metric)  # the tie rule: within the noise, the cheaper model is best
    for r in table:
        t = tests.get(r["dataset"], {})
        r["best"] = t.get("best") == r["model"]
        r["tied_with_best"] = r["model"] in t.get("tied", [])
        vs = t.get("tests", {}).get(r["model"])
        r["vs_best_diff"] = vs["mean_diff"] if vs else None  # best minus this model
        r["vs_best_p"] = vs["p_value"] if vs else None
        r["vs_best_significant"] = vs["significant"] if vs else None
        r["rank_metric"] = metric
    return table, tests


def describe(cells: list[Cell], spec: Spec, dataset: str, device: str) -> str:
    cs = [c for c in cells if c.dataset == dataset]
    if not cs:
        return dataset
    p = cs[0].protocol
    folds = sorted({c.fold for c in cs if c.fold is not None})
    if p.kind == "cv":
        how = f"{p.folds}-fold CV" + ("" if len(folds) == p.folds else f" (folds {','.join(map(str, folds))})")
    else:
        how = "given split"
    dev = f", dev {p.dev_fraction:.0%} of train" if p.dev_fraction > 0 else ""
    emb = next((c.embeddings for c in cs if c.embeddings is not None), None)
    vecs = f", {emb.mode} vectors {Path(emb.path).name}" if emb is not None else ""
    return f"{dataset}: {how}{dev}, {recipes(cs, spec)}{vecs}, {len(spec.seeds)} seed(s), device {device}"


def recipes(cells: list[Cell], spec: Spec) -> str:
    """'adam 10 epochs', or with models on a recipe of their own 'adam 10 epochs (bow: sgd 10 epochs)'."""
    by_recipe: dict[str, list[str]] = {}
    for c in cells:
        if not is_sparse(c.model.name):
            by_recipe.setdefault(f"{c.train.optimizer} {c.train.epochs} epochs", []).append(c.model.name)
    if not by_recipe:
        return f"{spec.train.optimizer} {spec.train.epochs} epochs"
    main = max(by_recipe, key=lambda r: len(by_recipe[r]))
    others = [f"{', '.join(dict.fromkeys(ms))}: {r}" for r, ms in by_recipe.items() if r != main]
    return main + (f" ({'; '.join(others)})" if others else "")


def render_tables(table: list[dict], cells: list[Cell], spec: Spec, device: str, metric: str = METRIC,
                  width: int | None = None) -> list[Table]:
    out = []
    for ds in dict.fromkeys(r["dataset"] for r in table):
        rs = [r for r in table if r["dataset"] == ds]
        out.append(render_table(rs, any(r["n"] > 1 for r in rs), describe(cells, spec, ds, device), metric, width))
    return out


# columns dropped first when a table is wider than the terminal (the rest keep whole names and numbers)
DROP_ORDER = ("family", "seq/s (b=256)", "n", "train acc", "95% CI ±", "train time s", "latency ms (b=1)",
              "macro-F1", "test acc", "params")


def render_table(table: list[dict], with_std: bool, title: str, metric: str = METRIC,
                 width: int | None = None) -> Table:
    """Rows sorted by `metric` (best first, marked); when `width` is given, columns are dropped in
    DROP_ORDER until the table fits, never cutting a name or a number."""
    what = "test acc" if metric == "test_acc" else "macro-F1"
    cols = [("model", "left"), ("family", "left"), ("params", "right"), ("n", "right")]
    metrics = [("train acc", "train_acc", 3), ("test acc", "test_acc", 3), ("macro-F1", "macro_f1", 3),
               ("train time s", "train_time_s", 1),
               ("latency ms (b=1)", "latency_ms", 2), ("seq/s (b=256)", "throughput", 0)]
    # the 95 % CI of the ranking metric, right after it
    at = next(i for i, m in enumerate(metrics) if m[1] == metric) + 1
    metrics.insert(at, ("95% CI ±", f"{metric}_ci95", 3))
    header = [label for label, _ in cols] + [label for label, _, _ in metrics] + (["vs best"] if with_std else [])
    justify = [j for _, j in cols] + ["right"] * (len(header) - len(cols))
    body = []
    ranked = sorted(table, key=lambda r: (not r.get("best"), -_num(r.get(metric))))
    for r in ranked:
        cells = [str(r["model"]) + (" *" if r.get("best") and not with_std else ""), str(r["family"]),
                 f"{r['params']:,}", str(r["n"])]
        for _, key, digits in metrics:
            std = r.get(f"{key}_std") if with_std and key == metric else None  # the rest: means (JSON has all)
            cells.append(fmt(r.get(key), std, digits))
        if with_std:
            cells.append(vs_best(r))
        body.append(cells)
    keep = list(range(len(header)))
    if width is not None:
        for label in DROP_ORDER:
            if _table_width([header] + body, keep) <= width:
                break
            keep = [i for i in keep if header[i] != label]
    dropped = [header[i] for i in range(len(header)) if i not in keep]
    caption = (f"best: the cheapest model within the noise of the highest mean {what} (gap inside the paired "
               f"test's 95 % interval or under one test example); vs best: best's mean minus this model's, "
               "paired t-test over folds x seeds, * = significant at 5 %") if with_std else \
        f"* best: the cheapest model within one test example of the highest {what}"
    if dropped:
        caption += f"; not shown at this width: {', '.join(dropped)} (--json has every column)"
    t = Table(title=title, caption=caption)
    for i in keep:
        t.add_column(header[i], justify=justify[i], no_wrap=True)
    for cells in body:
        t.add_row(*(cells[i] for i in keep))
    return t


def _table_width(rows: list[list[str]], keep: list[int]) -> int:
    """Characters a rich table with the default box needs: each column's widest cell + 2 of padding,
    plus one border per column and one more."""
    return sum(max(len(r[i]) for r in rows) + 3 for i in keep) + 1


def _num(v) -> float:
    return float(v) if isinstance(v, (int, float)) and not math.isnan(v) else -math.inf


def render_per_class(rows: list[dict]) -> list[Table]:
    """One table per dataset x model: precision, recall, F1 (means over seeds x folds), support (summed)."""
    out = []
    for (ds, model), acc in per_class_summary(rows).items():
        t = Table(title=f"{ds} / {model}, per class", caption="test; mean over seeds x folds")
        for label in ("class", "precision", "recall", "F1", "support"):
            t.add_column(label, justify="left" if label == "class" else "right")
        for c in acc["per_class"]:
            t.add_row(str(c["label"]), f"{c['precision']:.3f}", f"{c['recall']:.3f}", f"{c['f1']:.3f}",
                      f"{c['support']:,}")
        out.append(t)
    return out


def vs_best(r: dict) -> str:
    if r.get("best"):
        return "best"
    if r.get("tied_with_best") and r.get("vs_best_diff") is not None and r.get("vs_best_p") is None:
        return f"{r['vs_best_diff']:+.3f} tie"
    if r.get("vs_best_diff") is None:
        return "-"
    p = r["vs_best_p"]
    ptxt = "p n/a" if p is None or math.isnan(p) else "p<0.001" if p < 0.001 else f"p={p:.3f}"
    return f"{r['vs_best_diff']:+.3f} {ptxt}" + (" *" if r["vs_best_significant"] else "")


fmt = fmt_mean  # mean ± std, the report's formatting (no "± 0.000" for one run or equal runs)


clean = plain  # JSON-safe: NaN and infinity (no value, e.g. a CI over one repeat) become null
