"""The report as a neutral document (sections of paragraphs, tables and figures), built once from a run
directory's data and rendered twice: HTML (html.py) and Markdown (markdown.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from seqarena.report import plots
from seqarena.report.i18n import language, num, tr
from seqarena.report.lm_section import is_lm_run, lm_blocks
from seqarena.report.load import RunData
from seqarena.run.stats import per_class_summary
from seqarena.report.tuning import tuning_section
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


def build_document(run: RunData, lang: str = "en") -> list[Section]:
    """The report's sections, in `lang`. A section without data in this run is left out and named in
    the last one, "Not measured in this run", with the command that adds it."""
    with language(lang):
        return _build(run)


def answer(run: RunData, lang: str = "en") -> Section:
    """The report's first section alone (no plots drawn): the model to use on each dataset and why."""
    with language(lang):
        return _answer(run)


def _build(run: RunData) -> list[Section]:
    models = list(
        dict.fromkeys(
            [str(r.get("model")) for r in run.rows]
            + [str(r.get("model")) for a in run.analyses.values() for r in a.rows]
        )
    )
    colors = plots.model_colors(models)  # one colour per model across every figure
    tuning = [tuning_section(run, colors)] if "tune" in run.analyses else []  # after `seqarena tune` only
    sections = [
        _answer(run),
        _overview(run),
        _results(run),
        *tuning,
        _per_class(run),
        _learning(run, colors),
        _accuracy_cost(run, colors),
        _scaling(run, colors),
        _gradients(run, colors),
        _theory(run),
        _probes(run, colors),
        _recommendation(run),
    ]
    if is_lm_run(run.rows):  # language models: their own section instead of the accuracy and analysis ones
        sections = [sections[0], sections[1],
                    Section("language-models", tr("Language models"), lm_blocks(run.rows, colors)), *tuning,
                    sections[-1]]
    missing = [s for s in sections if isinstance(s, Missing)]
    out = [s for s in sections if not isinstance(s, Missing)]
    if missing:
        by_command: dict[str, list[str]] = {}
        for m in missing:
            by_command.setdefault(m.command, []).append(m.title)
        items = "; ".join(f"{', '.join(titles)} (`{c}`)" for c, titles in by_command.items())
        out.append(Section("not-measured", tr("Not measured in this run"),
                           [tr("Can be added to this run directory: {items}.", items=items)]))
    return out


@dataclass(frozen=True)
class Missing:
    """A section with nothing to show: its title and the command whose output fills it."""

    id: str
    title: str
    command: str


def _answer(run: RunData) -> Section:
    """The answer first: for each dataset, the model to use and why, by the same tie rule as the
    results table (within the noise, the cheaper model), with no constraints."""
    if not run.rows:
        return Section("answer", tr("The answer"), [tr("Nothing measured to recommend from yet: "
                                                      "`seqarena compare --out DIR` measures the models.")])
    b: list[Block] = []
    for ds in datasets(run.rows):
        rec = recommend([r for r in run.rows if r.get("dataset") == ds], Constraints())
        if rec.chosen is None:
            continue
        c = rec.chosen
        # the reason's first sentence without its constraint preamble ("N of M models meet ..., and")
        first = rec.reason.split(tr("), and "), 1)[-1].split(". ")[0].rstrip(".").replace(tr(" among them"), "")
        b.append(tr("**Use {model} on {dataset}.** {why}.", model=c.model, dataset=ds, why=first))
    limits = ("Limits of your own (latency, parameters, training time, an accuracy floor): "
              "`seqarena recommend RUN_DIR --max-latency-ms X --max-params N` chooses under them.")
    b.append(tr(limits.replace(", an accuracy floor", "") if is_lm_run(run.rows) else limits))
    return Section("answer", tr("The answer"), b)


def _overview(run: RunData) -> Section:
    b: list[Block] = [tr("Run directory `{path}`.", path=run.run_dir)]
    if run.rows:
        envs = sorted(
            {
                tr("{device}, torch {torch}, {threads} thread(s), {cores} core(s)", device=r.get("device", "?"),
                   torch=r.get("torch_version", "?"), threads=r.get("threads", "?"), cores=r.get("cores", "?"))
                for r in run.rows
            }
        )
        b.append(tr(
            "{n} result rows from `{source}`: datasets {datasets}; models {models}. Measured on {envs}. "
            "Wall times depend on the machine and its load.", n=len(run.rows), source=run.source,
            datasets=", ".join(map(str, datasets(run.rows))),
            models=", ".join(dict.fromkeys(str(r.get("model")) for r in run.rows)), envs="; ".join(envs)))
    present = [k for k in run.analyses]
    b.append(tr("Analysis files: {files}.", files=", ".join(k + ".json" for k in present) if present else tr("none")))
    b += [tr("Note: {note}", note=n) for n in run.notes]
    return Section("overview", tr("Overview"), b)


def _results(run: RunData) -> Section:
    if not run.rows:
        return Missing("results", tr("Results"), "seqarena compare --out DIR")
    b: list[Block] = []
    for t in results_tables(run.rows):
        b += [t]
    return Section("results", tr("Results"), b)


def _per_class(run: RunData) -> Section:
    """Per-class F1 of every model (mean over seeds x folds) and the confusion matrix of the model
    `recommend` chooses with no constraints."""
    summary = per_class_summary(run.rows)
    if not summary:
        return Missing("per-class", tr("Per-class results"), "seqarena compare --out DIR")
    b: list[Block] = []
    for ds in datasets(run.rows):
        models = [m for (d, m) in summary if d == ds]
        if not models:
            continue
        labels = summary[(ds, models[0])]["labels"]
        body = []
        for m in models:
            f1 = {c["label"]: c["f1"] for c in summary[(ds, m)]["per_class"]}
            body.append([m] + [num(f1[lab], 3) if lab in f1 else "-" for lab in labels])
        support = {c["label"]: c["support"] for c in summary[(ds, models[0])]["per_class"]}
        body.append([tr("(support)")] + [fmt_int(support.get(lab, 0)) for lab in labels])
        b.append(Table([tr("model")] + [f"F1 {lab}" for lab in labels], body,
                       caption=tr("Per-class F1 on {dataset} (test; mean over seeds x folds; support: test rows "
                                  "of one seed)", dataset=ds)))
        rec = recommend([r for r in run.rows if r.get("dataset") == ds], Constraints())
        if rec.chosen is not None and (ds, rec.chosen.model) in summary:
            conf = summary[(ds, rec.chosen.model)]["confusion"]
            if conf:
                b.append(plots.confusion_heatmap(labels, conf, rec.chosen.model, ds))
    return Section("per-class", tr("Per-class results"), b)


def _learning(run: RunData, colors: dict) -> Section:
    metric = accuracy_metric(run.rows) if run.rows else "test_acc"
    figs = [
        f
        for ds in datasets(run.rows)
        if (f := plots.learning_curves([r for r in run.rows if r.get("dataset") == ds], metric, colors, ds))
    ]
    if not figs:
        return Missing("learning-curves", tr("Learning curves"), "seqarena compare --out DIR")
    return Section(
        "learning-curves",
        tr("Learning curves"),
        [tr("Held-out accuracy after each epoch; the band is ± one std over runs when there are several.")]
        + figs,
    )


def _accuracy_cost(run: RunData, colors: dict) -> Section:
    b: list[Block] = []
    for ds in datasets(run.rows):
        rs = [r for r in run.rows if r.get("dataset") == ds]
        cands = recommend(rs).candidates
        b += [f for x in ("train_time_s", "params") if (f := plots.accuracy_vs(cands, x, colors, ds))]
    if not b:
        return Missing("accuracy-cost", tr("Accuracy against cost"), "seqarena compare --out DIR")
    return Section(
        "accuracy-cost",
        tr("Accuracy against cost"),
        [tr("Filled markers joined by the dashed line form the Pareto front of each plot: no other "
            "model is both more accurate and cheaper on that axis. Hollow markers are dominated. "
            "Error bars: ± std over runs.")]
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
    parts = [f"{tr(label)} {env[k]}" for k, label in _ENV_LABELS if k in env]
    return tr("Environment: {parts}.", parts=", ".join(parts)) if parts else ""


def _analysis_blocks(run: RunData, kind: str) -> tuple[list[Block], list[dict]] | None:
    a = run.analyses.get(kind)
    if a is None or not a.rows:
        return None
    blocks: list[Block] = [s for s in [_env_line(a.env)] if s]
    if a.table:  # the seed's comparison table, its cells computed (theory) or measured (probes)
        first = [k for k in a.table[0] if k in ("dimension", "probe")]
        caption = (tr("The seed's comparison table, computed") if kind == "theory"
                   else tr("The seed's comparison table, measured (✅ >= 0.9, ⚠️ >= 0.65, ❌ below; hardest level solved)"))
        blocks.append(generic_table(a.table, tuple(first), caption=caption))
    return blocks, a.rows


def _scaling(run: RunData, colors: dict) -> Section:
    got = _analysis_blocks(run, "scaling")
    if got is None:
        return Missing("scaling", tr("Scaling"), "seqarena scale --out DIR")
    b, rows = got
    b += plots.scaling(rows, colors)
    b.append(
        generic_table(rows, ("model", "device", "seq_len", "batch_size"), caption=tr("Scaling measurements"))
    )
    return Section("scaling", tr("Scaling"), b)


def _gradients(run: RunData, colors: dict) -> Section:
    got = _analysis_blocks(run, "gradients")
    if got is None:
        return Missing("gradient-flow", tr("Gradient flow"), "seqarena gradients --out DIR")
    b, rows = got
    b += plots.gradient_flow(rows, colors)
    flow, other = split_rows(rows, "model", "position", "grad_norm")
    if flow:
        b.append(_gradient_summary(flow))
    if other:  # e.g. a hidden-size sweep: shown as it comes
        b.append(generic_table(other, ("model",), caption=tr("Other gradient measurements")))
    return Section("gradient-flow", tr("Gradient flow"), b)


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
        [tr(c) for c in ("model", "phase", "positions", "norm at first", "norm at last", "first / last")],
        body,
        caption=tr("Gradient norm at the first and last input position"),
    )


def _theory(run: RunData) -> Section:
    got = _analysis_blocks(run, "theory")
    if got is None:
        return Missing("theory", tr("Theory"), "seqarena theory --out DIR")
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
    b.append(generic_table(rows, first, caption=tr("Computed properties per model")))
    return Section("theory", tr("Theory"), b)


def _probes(run: RunData, colors: dict) -> Section:
    got = _analysis_blocks(run, "probes")
    if got is None:
        return Missing("probes", tr("Probes"), "seqarena probe --quick --out DIR")
    b, rows = got
    b += plots.probes(rows, colors)
    curves, other = split_rows(rows, "model", "difficulty", "test_acc")
    if curves:
        by = "probe" if all("probe" in r for r in curves) else None
        b += pivot_tables(curves, "model", "difficulty", "test_acc", by, caption=tr("Test accuracy by difficulty"))
    if other:  # e.g. the seed's comparison table with measured numbers: shown as it comes
        b.append(generic_table(other, ("model", "probe"), caption=tr("Probe results")))
    return Section("probes", tr("Probes"), b)


def _recommendation(run: RunData) -> Section:
    if not run.rows:
        return Missing("recommendation", tr("Recommendation"), "seqarena compare --out DIR")
    limits = ("With no constraints; `seqarena recommend RUN_DIR --max-latency-ms X --max-params N "
              "--max-train-time-s S --min-accuracy A` chooses under yours.")
    b: list[Block] = [tr(limits.replace(" --min-accuracy A", "") if is_lm_run(run.rows) else limits)]
    for ds in datasets(run.rows):
        rec = recommend([r for r in run.rows if r.get("dataset") == ds], Constraints())
        b.append(rec.reason)
        b.append(front_table(rec.candidates, {c.model for c in rec.front},
                             tr("Measured models on {dataset}", dataset=ds)))
    return Section("recommendation", tr("Recommendation"), b)


def front_table(
    cands: list[Candidate], front: set[str], caption: str, feasible: set[str] | None = None
) -> Table:
    lm = any(not c.higher_is_better for c in cands)  # language models: test nats/char, lowest first
    cols = [tr(c) for c in ("model", "test nats/char" if lm else "accuracy", "latency ms", "params", "train time s",
                            "Pareto front")]
    cols += [tr("meets constraints")] if feasible is not None else []
    body = []
    for c in sorted(cands, key=lambda c: (c.accuracy or 0.0) * (1 if lm else -1)):
        row = [
            c.model,
            fmt_mean(c.accuracy, c.accuracy_std, 3),
            fmt_mean(c.latency_ms, None, 2),
            fmt_int(c.params),
            fmt_mean(c.train_time_s, None, 1),
            tr("yes") if c.model in front else tr("no"),
        ]
        body.append(row + ([tr("yes") if c.model in feasible else tr("no")] if feasible is not None else []))
    return Table(cols, body, caption=caption)
