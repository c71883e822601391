"""The report's "Tuning" section, from tune.json (written by `seqarena tune`): the budget, the expected
validation performance curves (Dodge et al. 2019), every study's trials, each model's best configuration
beside the preset's, and how much tuning moved each model on test (tuned minus preset, paired test)."""

from __future__ import annotations

from seqarena.report import plots
from seqarena.report.load import RunData
from seqarena.report.tables import Table, fmt_value


def tuning_section(run: RunData, colors: dict):
    from seqarena.report.document import Section

    a = run.analyses.get("tune")
    if a is None:
        return Section("tuning", "Tuning", ["No tuning in this run directory (tune.json, from `seqarena tune`)."])
    s = a.extra.get("settings") if isinstance(a.extra.get("settings"), dict) else {}
    summary, evp = a.extra.get("summary", []), a.extra.get("evp", [])
    b: list = [
        f"Every model had the same budget: {s.get('budget', '?')}. Optuna's TPE sampler (seed "
        f"{s.get('seed', '?')}) proposed configurations from each model's search space; the median rule pruned "
        f"trials whose dev score after an epoch fell below the median of earlier trials there. Objective: dev "
        f"{s.get('metric', '?')}. Trial 0 is the spec's own configuration where the space can express it. The "
        "test split was never evaluated during tuning; each model's best configuration was then re-run over "
        f"{s.get('seeds', '?')} seed(s) and scored once on test (the results table, rows marked tuned).",
        "Expected validation performance: the expected best dev score of n trials drawn from the trials "
        "each study ran, ± one std (pruned trials count with the best dev score they reached).",
    ]
    for ds in dict.fromkeys(str(r.get("dataset")) for r in a.rows):
        f1 = plots.evp_curves([r for r in evp if str(r.get("dataset")) == ds], colors, ds)
        f2 = plots.trial_scores([r for r in a.rows if str(r.get("dataset")) == ds], colors, ds)
        b += [f for f in (f1, f2) if f is not None]
    if summary:
        b.append(_summary_table(summary))
        b.append(_config_table(summary))
    return Section("tuning", "Tuning", b)


def _pct(v) -> str:
    return "-" if not isinstance(v, (int, float)) else f"{100 * v:.2f}"


def _summary_table(summary: list[dict]) -> Table:
    body = []
    for r in summary:
        sig = r.get("significant")
        body.append([str(r.get("dataset")), str(r.get("model")),
                     f"{r.get('complete', 0)} / {r.get('pruned', 0)} / {r.get('failed', 0)}",
                     _pct(r.get("preset_dev")), _pct(r.get("best_dev")), _pct(r.get("preset_test")),
                     _pct(r.get("tuned_test")),
                     "-" if r.get("diff") is None else f"{100 * r['diff']:+.2f}",
                     "-" if sig is None else ("yes" if sig else "no") + f" (p {fmt_value(r.get('p_value'))})"])
    return Table(["dataset", "model", "trials complete / pruned / failed", "preset dev %", "best dev %",
                  "preset test %", "tuned test %", "tuned − preset", "significant (paired)"], body,
                 caption="What tuning moved: dev scores of trial 0 (the preset) and the best trial; test means over "
                         "the final seeds (preset test: from --baseline, '-' without one)")


def _config_table(summary: list[dict]) -> Table:
    body = [[str(r.get("dataset")), str(r.get("model")), str(r.get("changes") or "(the preset's)")]
            for r in summary]
    return Table(["dataset", "model", "best configuration (preset → tuned)"], body,
                 caption="Each model's best configuration beside the preset's (keys of its search space)")
