"""What `seqarena compare` prints: per-dataset summary rows with the paired test against the best model,
as rich tables or JSON."""

from __future__ import annotations

import math

from rich.table import Table

from seqarena.run.cells import Cell, is_sparse
from seqarena.run.spec import Spec
from seqarena.run.stats import aggregate, best_vs_rest

METRIC = "test_acc"


def summary(rows: list[dict]) -> tuple[list[dict], dict]:
    """(one row per dataset x model with mean/std/CI and the paired test against the dataset's best
    model, the best_vs_rest result). The paired test pairs rows with the same fold and seed."""
    table = aggregate(rows)
    tests = best_vs_rest(rows, METRIC)
    for r in table:
        t = tests.get(r["dataset"], {})
        r["best"] = t.get("best") == r["model"]
        vs = t.get("tests", {}).get(r["model"])
        r["vs_best_diff"] = vs["mean_diff"] if vs else None  # best minus this model
        r["vs_best_p"] = vs["p_value"] if vs else None
        r["vs_best_significant"] = vs["significant"] if vs else None
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
    return f"{dataset}: {how}{dev}, {recipes(cs, spec)}, {len(spec.seeds)} seed(s), device {device}"


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


def render_tables(table: list[dict], cells: list[Cell], spec: Spec, device: str) -> list[Table]:
    out = []
    for ds in dict.fromkeys(r["dataset"] for r in table):
        rs = [r for r in table if r["dataset"] == ds]
        out.append(render_table(rs, any(r["n"] > 1 for r in rs), describe(cells, spec, ds, device)))
    return out


def render_table(table: list[dict], with_std: bool, title: str) -> Table:
    t = Table(title=title, caption="vs best: best's mean test acc minus this model's, paired t-test over "
              "folds x seeds; * = significant at 5 %" if with_std else None)
    cols = [("model", "left"), ("family", "left"), ("params", "right"), ("n", "right")]
    metrics = [("train acc", "train_acc", 3), ("test acc", "test_acc", 3), ("95% CI ±", "test_acc_ci95", 3),
               ("macro-F1", "macro_f1", 3), ("train time s", "train_time_s", 1),
               ("latency ms (b=1)", "latency_ms", 2), ("seq/s (b=256)", "throughput", 0)]
    for label, justify in cols:
        t.add_column(label, justify=justify)
    for label, _, _ in metrics:
        t.add_column(label, justify="right")
    if with_std:
        t.add_column("vs best", justify="right")
    for r in table:
        cells = [str(r["model"]), str(r["family"]), f"{r['params']:,}", str(r["n"])]
        for _, key, digits in metrics:
            std = r.get(f"{key}_std") if with_std and key == METRIC else None  # the rest: means (JSON has all)
            cells.append(fmt(r.get(key), std, digits))
        if with_std:
            cells.append(vs_best(r))
        t.add_row(*cells)
    return t


def vs_best(r: dict) -> str:
    if r.get("best"):
        return "best"
    if r.get("vs_best_diff") is None:
        return "-"
    p = r["vs_best_p"]
    ptxt = "p n/a" if p is None or math.isnan(p) else "p<0.001" if p < 0.001 else f"p={p:.3f}"
    return f"{r['vs_best_diff']:+.3f} {ptxt}" + (" *" if r["vs_best_significant"] else "")


def fmt(mean: float | None, std: float | None, digits: int) -> str:
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return "-"
    s = f"{mean:,.{digits}f}"
    return s + (f" ± {std:,.{digits}f}" if std is not None and not math.isnan(std) else "")


def clean(o):
    """JSON-safe: NaN (no value, e.g. a CI over one repeat) becomes null; tuples become lists."""
    if isinstance(o, float) and math.isnan(o):
        return None
    if isinstance(o, dict):
        return {str(k): clean(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [clean(v) for v in o]
    return o
