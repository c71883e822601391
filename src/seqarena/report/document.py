"""The report as a neutral document (sections of paragraphs, tables and figures), built once from a run
directory's data and rendered twice: HTML (html.py) and Markdown (markdown.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from seqarena.report import plots
from seqarena.report.lm_section import is_lm_run, lm_blocks
from seqarena.report.load import RunData
from seqarena.run.stats import per_class_summary
from seqarena.report.recommend import Candidate, Constraints, accuracy_metric, recommend
from seqarena.report.tables import (
    Table,
    datasets,
    fmt_int,
    fmt_mean,
    fmt_value,
    generic_table,
    pivot_tables,
    results_tables,
    split_rows,
)

Block = str | Table | plots.Figure  # a str is a paragraph; `code` in backticks is rendered as code


@dataclass(frozen=True)
class Section:
    id: str  # anchor, stable: tests and links rely on it
    title: str
    blocks: list[Block] = field(default_factory=list)


def build_document(run: RunData) -> list[Section]:
    models = list(
        dict.fromkeys(
            [str(r.get("model")) for r in run.rows]
            + [str(r.get("model")) for a in run.analyses.values() for r in a.rows]
        )
    )
    colors = plots.model_colors(models)  # one colour per model across every figure
    if is_lm_run(run.rows):  # language models: their own section instead of the accuracy ones
        return [_answer(run), _overview(run), Section("language-models", "Language models", lm_blocks(run.rows, colors)),
                _recommendation(run)]
    return [
        _answer(run),
        _overview(run),
        _results(run),
        _per_class(run),
        _learning(run, colors),
        _accuracy_cost(run, colors),
        _scaling(run, colors),
        _gradients(run, colors),
        _theory(run),
        _probes(run, colors),
        _recommendation(run),
    ]


def _missing(what: str, source: str) -> str:
    return f"No {what} in this run directory ({source})."


def _answer(run: RunData) -> Section:
    """The answer first: for each dataset, the model to use and why, by the same tie rule as the
    results table (within the noise, the cheaper model), with no constraints."""
    if not run.rows:
        return Section("answer", "The answer", [_missing("measured results", "nothing to recommend; run "
                                                         "`seqarena compare --out DIR`")])
    b: list[Block] = []
    for ds in datasets(run.rows):
        rec = recommend([r for r in run.rows if r.get("dataset") == ds], Constraints())
        if rec.chosen is None:
            continue
        c = rec.chosen
        # the reason's first sentence without its constraint preamble ("N of M models meet ..., and")
        first = rec.reason.split("), and ", 1)[-1].split(". ")[0].rstrip(".").replace(" among them", "")
        b.append(f"**Use {c.model} on {ds}.** {first}.")
    floor = "" if is_lm_run(run.rows) else ", an accuracy floor"
    b.append(f"Limits of your own (latency, parameters, training time{floor}): "
             "`seqarena recommend RUN_DIR --max-latency-ms X --max-params N` chooses under them.")
    return Section("answer", "The answer", b)


def _overview(run: RunData) -> Section:
    b: list[Block] = [f"Run directory `{run.run_dir}`."]
    if run.rows:
        envs = sorted(
            {
                f"{r.get('device', '?')}, torch {r.get('torch_version', '?')}, {r.get('threads', '?')} "
                f"thread(s), {r.get('cores', '?')} core(s)"
                for r in run.rows
            }
        )
        b.append(
            f"{len(run.rows)} result rows from `{run.source}`: "
            f"datasets {', '.join(map(str, datasets(run.rows)))}; "
            f"models {', '.join(dict.fromkeys(str(r.get('model')) for r in run.rows))}. "
            f"Measured on {'; '.join(envs)}. Wall times depend on the machine and its load."
        )
    present = [k for k in run.analyses]
    b.append(f"Analysis files: {', '.join(k + '.json' for k in present) if present else 'none'}.")
    b += [f"Note: {n}" for n in run.notes]
    return Section("overview", "Overview", b)


def _results(run: RunData) -> Section:
    if not run.rows:
        return Section(
            "results",
            "Results",
            [
                _missing(
                    "measured results",
                    "results.json / results.sqlite, written by `seqarena compare --out DIR`",
                )
            ],
        )
    b: list[Block] = []
    for t in results_tables(run.rows):
        b += [t]
    return Section("results", "Results", b)


def _per_class(run: RunData) -> Section:
    """Per-class F1 of every model (mean over seeds x folds) and the confusion matrix of the model
    `recommend` chooses with no constraints."""
    summary = per_class_summary(run.rows)
    if not summary:
        return Section("per-class", "Per-class results", [
            _missing("per-class results", "rows written by `seqarena compare` store precision, recall, F1 and "
                     "the confusion matrix of each cell")])
    b: list[Block] = []
    for ds in datasets(run.rows):
        models = [m for (d, m) in summary if d == ds]
        if not models:
            continue
        labels = summary[(ds, models[0])]["labels"]
        body = []
        for m in models:
            f1 = {c["label"]: c["f1"] for c in summary[(ds, m)]["per_class"]}
            body.append([m] + [f"{f1[lab]:.3f}" if lab in f1 else "-" for lab in labels])
        support = {c["label"]: c["support"] for c in summary[(ds, models[0])]["per_class"]}
        body.append(["(support)"] + [f"{support.get(lab, 0):,}" for lab in labels])
        b.append(Table(["model"] + [f"F1 {lab}" for lab in labels], body,
                       caption=f"Per-class F1 on {ds} (test; mean over seeds x folds; support: test rows of one seed)"))
        rec = recommend([r for r in run.rows if r.get("dataset") == ds], Constraints())
        if rec.chosen is not None and (ds, rec.chosen.model) in summary:
            conf = summary[(ds, rec.chosen.model)]["confusion"]
            if conf:
                b.append(plots.confusion_heatmap(labels, conf, rec.chosen.model, ds))
    return Section("per-class", "Per-class results", b)


def _learning(run: RunData, colors: dict) -> Section:
    metric = accuracy_metric(run.rows) if run.rows else "test_acc"
    figs = [
        f
        for ds in datasets(run.rows)
        if (f := plots.learning_curves([r for r in run.rows if r.get("dataset") == ds], metric, colors, ds))
    ]
    if not figs:
        return Section("learning-curves", "Learning curves", [_missing("per-epoch history", "results rows")])
    return Section(
        "learning-curves",
        "Learning curves",
        ["Held-out accuracy after each epoch; the band is ± one std over runs when there are several."]
        + figs,
    )


def _accuracy_cost(run: RunData, colors: dict) -> Section:
    b: list[Block] = []
    for ds in datasets(run.rows):
        rs = [r for r in run.rows if r.get("dataset") == ds]
        cands = recommend(rs).candidates
        b += [f for x in ("train_time_s", "params") if (f := plots.accuracy_vs(cands, x, colors, ds))]
    if not b:
        return Section(
            "accuracy-cost", "Accuracy against cost", [_missing("measured results", "results rows")]
        )
    return Section(
        "accuracy-cost",
        "Accuracy against cost",
        [
            (
                "Filled markers joined by the dashed line form the Pareto front of each plot: no other "
                "model is both more accurate and cheaper on that axis. Hollow markers are dominated. "
                "Error bars: ± std over runs."
            )
        ]
        + b,
    )


_ENV_LABELS = (
    ("device", "device"),
    ("device_name", "GPU"),
    ("torch_version", "torch"),
    ("threads", "threads"),
    ("cores", "cores"),
)


def _env_line(env: dict) -> str:
    parts = [f"{label} {env[k]}" for k, label in _ENV_LABELS if k in env]
    return ("Environment: " + ", ".join(parts) + ".") if parts else ""


def _analysis_blocks(run: RunData, kind: str) -> tuple[list[Block], list[dict]] | None:
    a = run.analyses.get(kind)
    if a is None or not a.rows:
        return None
    blocks: list[Block] = [s for s in [_env_line(a.env)] if s]
    if a.table:  # the seed's comparison table, its cells computed (theory) or measured (probes)
        first = [k for k in a.table[0] if k in ("dimension", "probe")]
        caption = ("The seed's comparison table, computed" if kind == "theory"
                   else "The seed's comparison table, measured (✅ >= 0.9, ⚠️ >= 0.65, ❌ below; hardest level solved)")
        blocks.append(generic_table(a.table, tuple(first), caption=caption))
    return blocks, a.rows


def _scaling(run: RunData, colors: dict) -> Section:
    got = _analysis_blocks(run, "scaling")
    if got is None:
        return Section(
            "scaling", "Scaling", [_missing("scaling measurements", "scaling.json, from `seqarena scale`")]
        )
    b, rows = got
    b += plots.scaling(rows, colors)
    b.append(
        generic_table(rows, ("model", "device", "seq_len", "batch_size"), caption="Scaling measurements")
    )
    return Section("scaling", "Scaling", b)


def _gradients(run: RunData, colors: dict) -> Section:
    got = _analysis_blocks(run, "gradients")
    if got is None:
        return Section(
            "gradient-flow",
            "Gradient flow",
            [_missing("gradient measurements", "gradients.json, from `seqarena gradients`")],
        )
    b, rows = got
    b += plots.gradient_flow(rows, colors)
    flow, other = split_rows(rows, "model", "position", "grad_norm")
    if flow:
        b.append(_gradient_summary(flow))
    if other:  # e.g. a hidden-size sweep: shown as it comes
        b.append(generic_table(other, ("model",), caption="Other gradient measurements"))
    return Section("gradient-flow", "Gradient flow", b)


def _gradient_summary(rows: list[dict]) -> Table:
    """Per model and stage: the gradient norm at the first and the last position, and their ratio
    (far below 1: the start of the sequence barely receives gradient, the vanishing gradient)."""
    body = []
    for key in dict.fromkeys((r.get("model"), r.get("phase")) for r in rows):
        pts = sorted((r["position"], r["grad_norm"]) for r in rows if (r.get("model"), r.get("phase")) == key)
        first, last = pts[0][1], pts[-1][1]
        ratio = first / last if last else None
        body.append(
            [
                str(key[0]),
                str(key[1] or "-"),
                fmt_value(len(pts)),
                fmt_value(first),
                fmt_value(last),
                fmt_value(ratio),
            ]
        )
    return Table(
        ["model", "phase", "positions", "norm at first", "norm at last", "first / last"],
        body,
        caption="Gradient norm at the first and last input position",
    )


def _theory(run: RunData) -> Section:
    got = _analysis_blocks(run, "theory")
    if got is None:
        return Section("theory", "Theory", [_missing("theory table", "theory.json, from `seqarena theory`")])
    b, rows = got
    first = (
        "model",
        "family",
        "params",
        "flops_per_token",
        "activation_bytes",
        "receptive_field",
        "sequential_steps",
        "ngrams_short",
    )
    b.append(generic_table(rows, first, caption="Computed properties per model"))
    return Section("theory", "Theory", b)


def _probes(run: RunData, colors: dict) -> Section:
    got = _analysis_blocks(run, "probes")
    if got is None:
        return Section("probes", "Probes", [_missing("probe results", "probes.json, from `seqarena probe`")])
    b, rows = got
    b += plots.probes(rows, colors)
    curves, other = split_rows(rows, "model", "difficulty", "test_acc")
    if curves:
        by = "probe" if all("probe" in r for r in curves) else None
        b += pivot_tables(curves, "model", "difficulty", "test_acc", by, caption="Test accuracy by difficulty")
    if other:  # e.g. the seed's comparison table with measured numbers: shown as it comes
        b.append(generic_table(other, ("model", "probe"), caption="Probe results"))
    return Section("probes", "Probes", b)


def _recommendation(run: RunData) -> Section:
    if not run.rows:
        return Section(
            "recommendation", "Recommendation", [_missing("measured results", "nothing to choose from")]
        )
    b: list[Block] = [
        (
            "With no constraints; `seqarena recommend RUN_DIR --max-latency-ms X --max-params N "
            f"--max-train-time-s S{'' if is_lm_run(run.rows) else ' --min-accuracy A'}` chooses under yours."
        )
    ]
    for ds in datasets(run.rows):
        rec = recommend([r for r in run.rows if r.get("dataset") == ds], Constraints())
        b.append(rec.reason)
        b.append(front_table(rec.candidates, {c.model for c in rec.front}, f"Measured models on {ds}"))
    return Section("recommendation", "Recommendation", b)


def front_table(
    cands: list[Candidate], front: set[str], caption: str, feasible: set[str] | None = None
) -> Table:
    lm = any(not c.higher_is_better for c in cands)  # language models: test nats/char, lowest first
    cols = ["model", "test nats/char" if lm else "accuracy", "latency ms", "params", "train time s", "Pareto front"]
    cols += ["meets constraints"] if feasible is not None else []
    body = []
    for c in sorted(cands, key=lambda c: (c.accuracy or 0.0) * (1 if lm else -1)):
        row = [
            c.model,
            fmt_mean(c.accuracy, c.accuracy_std, 3),
            fmt_mean(c.latency_ms, None, 2),
            fmt_int(c.params),
            fmt_mean(c.train_time_s, None, 1),
            "yes" if c.model in front else "no",
        ]
        body.append(row + (["yes" if c.model in feasible else "no"] if feasible is not None else []))
    return Table(cols, body, caption=caption)
