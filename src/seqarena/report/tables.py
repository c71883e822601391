"""Report tables as plain data (column names, rows of strings): results with mean ± std, 95 % CI and
paired significance against the best model; analysis tables rendered from whatever columns exist."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field

from seqarena.report.i18n import integer, localise, num, plural, sig, tr
from seqarena.report.recommend import accuracy_metric, metric_label
from seqarena.run.stats import aggregate, choose_best


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[list[str]]
    caption: str = ""
    notes: list[str] = field(default_factory=list)


# (column label, row key, digits) of the results table after the accuracy column
_RESULT_METRICS = (
    ("macro-F1", "macro_f1", 3),
    ("train time s", "train_time_s", 1),
    ("latency ms (b=1)", "latency_ms", 2),
    ("seq/s (b=256)", "throughput", 0),
)


def datasets(rows: list[dict]) -> list:
    return list(dict.fromkeys(r.get("dataset") for r in rows))


def results_tables(rows: list[dict]) -> list[Table]:
    """One table per dataset: mean ± sample std over repeats, the 95 % t-interval of the accuracy, and
    a paired t-test of the most accurate model against each other one (pairs share dataset, fold, seed)."""
    metric = accuracy_metric(rows)
    label = metric_label(metric, short=True)
    keys = (metric, "train_acc", "macro_f1", "train_time_s", "latency_ms", "throughput")
    tests = choose_best(rows, metric=metric)
    out = []
    for ds in datasets(rows):
        rs = [r for r in rows if r.get("dataset") == ds]
        t = tests.get(ds, {"best": None, "tests": {}, "tied": []})
        summary = sorted(aggregate(rs, metrics=keys), key=lambda s: (s["model"] != t["best"], -_num(s[metric], -1.0)))
        body = []
        for s in summary:  # the accuracy first: on a phone the first columns are what shows
            cells = [
                str(s["model"]),
                fmt_mean(s[metric], s[f"{metric}_std"], 3),
                fmt_ci(s[metric], s[f"{metric}_ci95"], 3),
                _versus(str(s["model"]), t) + (tr(" (tie)") if s["model"] in t.get("tied", []) else ""),
            ]
            cells += [fmt_mean(s[k], s[f"{k}_std"], d) for _, k, d in _RESULT_METRICS]
            cells += [
                fmt_mean(s["train_acc"], s["train_acc_std"], 3),
                fmt_int(s.get("params")),
                str(s["n"]),
                str(s.get("family") or "-"),
            ]
            body.append(cells)
        cols = [tr("model"), label, tr("{metric} 95 % CI", metric=label), tr("vs best")]
        cols += [tr(c) for c, _, _ in _RESULT_METRICS]
        cols += [tr("train acc"), tr("params"), tr("runs"), tr("family")]
        notes = [tr(
            "Mean ± sample std over runs (seeds × folds). 95 % CI: Student-t interval of the mean "
            "(needs 2+ runs). Best ({best}): the cheapest model (latency, then parameters, then "
            "training time) whose gap to the highest mean is inside the noise, i.e. the paired t-test "
            "does not reject it or it is under one test example; 'tie' marks the others inside it. "
            "'vs best': paired t-test of the best against each other model on the same seeds/folds, "
            "two-sided, 5 % level.", best=t["best"])]
        out.append(Table(cols, body, caption=tr("Results on {dataset}", dataset=ds), notes=notes))
    return out


def _versus(model: str, t: dict) -> str:
    if model == t.get("best"):
        return tr("best")
    test = t.get("tests", {}).get(model)
    if test is None:
        return "-"
    diff = localise(f"{-test['mean_diff']:+.3f}").replace("-", "−")  # this model minus the best
    if test["n"] < 2 or not math.isfinite(test["p_value"]):
        runs = plural(test["n"], "paired run", "paired runs")
        return tr("{diff} (not tested: {n} {runs})", diff=diff, n=test["n"], runs=runs)
    verdict = tr("significant") if test["significant"] else tr("n.s.")
    return f"{diff}, p = {sig(test['p_value'], 3)} ({verdict})"


def generic_table(rows: list[dict], first: tuple[str, ...] = (), caption: str = "") -> Table:
    """Every column that occurs in any row (the `first` ones first, then in first-seen order)."""
    cols = [c for c in first if any(c in r for r in rows)]
    for r in rows:
        cols += [k for k in r if k not in cols]
    return Table(
        [tr(c.replace("_", " ")) for c in cols],
        [[fmt_value(r.get(c)) for c in cols] for r in rows],
        caption=caption,
    )


def pivot_tables(
    rows: list[dict], row_key: str, col_key: str, value: str, by: str | None, caption: str, digits: int = 3
) -> list[Table]:
    """value by (row_key x col_key), one table per distinct `by` (e.g. accuracy by model x difficulty per
    probe). Repeated cells are averaged. Columns are sorted numerically when they are numbers."""
    out = []
    groups = dict.fromkeys(r.get(by) for r in rows) if by else {None: None}
    for g in groups:
        rs = [r for r in rows if by is None or r.get(by) == g]
        col_vals = sorted(dict.fromkeys(r.get(col_key) for r in rs), key=_sort_key)
        row_vals = list(dict.fromkeys(r.get(row_key) for r in rs))
        cells: dict[tuple, list[float]] = {}
        for r in rs:
            if isinstance(r.get(value), (int, float)):
                cells.setdefault((r.get(row_key), r.get(col_key)), []).append(float(r[value]))
        body = [
            [str(rv)] + [fmt_mean(_mean(cells.get((rv, cv))), None, digits) for cv in col_vals]
            for rv in row_vals
        ]
        title = caption + (f": {tr(by)} = {g}" if by else "")
        out.append(Table([tr(row_key)] + [f"{tr(col_key)} {fmt_value(cv)}" for cv in col_vals], body, caption=title))
    return out


_NUMERIC = re.compile(r"^[\[−+\-]?[\d.,]")


def numeric_columns(t: Table) -> list[bool]:
    """Which columns to right-align: every filled cell starts like a number (the first column never)."""
    return [
        i > 0
        and all(_NUMERIC.match(r[i]) for r in t.rows if r[i] != "-")
        and any(r[i] != "-" for r in t.rows)
        for i in range(len(t.columns))
    ]


def split_rows(rows: list[dict], *keys: str) -> tuple[list[dict], list[dict]]:
    """(rows that have every key, the rest): analysis files may mix kinds of rows."""
    has = [r for r in rows if all(r.get(k) is not None for k in keys)]
    return has, [r for r in rows if not all(r.get(k) is not None for k in keys)]


def fmt_mean(mean, std, digits: int) -> str:
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return "-"
    s = num(mean, digits)
    return s + (f" ± {num(std, digits)}" if std is not None and not math.isnan(std) and std > 0 else "")


def fmt_ci(mean, half, digits: int) -> str:
    if mean is None or half is None or math.isnan(mean) or math.isnan(half):
        return "-"
    sep = "; " if num(0.5, 1) != "0.5" else ", "  # a decimal comma needs another separator
    return f"[{num(mean - half, digits, False)}{sep}{num(mean + half, digits, False)}]"


def fmt_int(v) -> str:
    return integer(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else fmt_value(v)


def fmt_value(v) -> str:
    """Numbers to 4 significant digits (integers in full), None to '-', structures as compact JSON."""
    if v is None:
        return "-"
    if isinstance(v, bool):
        return tr("yes") if v else tr("no")
    if isinstance(v, int):
        return integer(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "-"
        return num(v, 0) if abs(v) >= 1e4 else sig(v)
    if isinstance(v, (list, dict)):
        return json.dumps(v, separators=(",", ":"))
    return str(v)


def _mean(xs: list[float] | None) -> float | None:
    return sum(xs) / len(xs) if xs else None


def _num(v, default: float) -> float:
    return default if v is None or math.isnan(v) else float(v)


def _sort_key(v) -> tuple:
    return (0, float(v), "") if isinstance(v, (int, float)) else (1, 0.0, str(v))
