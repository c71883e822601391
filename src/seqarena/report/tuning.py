"""The report's "Tuning" section, from tune.json (written by `seqarena tune`): the budget, the expected
validation performance curves (Dodge et al. 2019), every study's trials, each model's best configuration
beside the preset's, and how much tuning moved each model on test (tuned minus preset, paired test)."""

from __future__ import annotations

from seqarena.report import plots
from seqarena.report.i18n import integer, num, sig, tr
from seqarena.report.load import RunData
from seqarena.report.recommend import budget_phrase
from seqarena.report.tables import Table


def _pruning(pruner) -> str:
    """The pruning clause of the section's first paragraph; tune.json files written before --pruner
    existed name Optuna's MedianPruner (or nothing)."""
    if pruner == "halving":
        return tr("successive halving stopped trials: past epochs 4, 12, ... only the best third of the trials "
                  "that had reached that epoch went on")
    if pruner == "none":
        return tr("no trial was pruned")
    return tr("the median rule stopped trials whose dev score after an epoch was worse than the median of "
              "earlier trials there")


def tuning_section(run: RunData, colors: dict):
    from seqarena.report.document import Section

    a = run.analyses["tune"]
    s = a.extra.get("settings") if isinstance(a.extra.get("settings"), dict) else {}
    summary, evp = a.extra.get("summary", []), a.extra.get("evp", [])
    lm = s.get("metric") == "nll"  # language models: dev nats/char, lower is better
    metric = tr("nats/char (lower is better)") if lm else tr("macro-F1") if s.get("metric") == "macro_f1" else tr("accuracy")
    b: list = [
        tr("Every model had the same budget: {budget}. Optuna's TPE sampler (seed {seed}) proposed configurations "
           "from each model's search space; {pruning}. Objective: dev {metric}. Trial 0 is the spec's own "
           "configuration where the space can express it. The test split was never evaluated during tuning; "
           "each model's chosen configuration was then re-run over {seeds} seed(s) and scored once on test (the "
           "results table).", budget=budget_phrase(s.get("trials"), s.get("budget_minutes")), seed=s.get("seed", "?"),
           pruning=_pruning(s.get("pruner")), metric=metric, seeds=s.get("seeds", "?")),
    ]
    if s.get("select") == "significant":
        b.append(tr("Which configuration the final runs use: the best trial replaced the preset's only where it "
                    "was better on dev by a one-sided paired test over the dev examples (p < 0.05); "
                    "otherwise the preset was kept, since the best of many trials is partly chosen for its dev "
                    "noise (--select best takes the best trial as is)."))
    b += [
        tr("Expected validation performance: the expected best dev score of n trials drawn from the trials each "
           "study ran, ± one std (pruned trials count with the best dev score they reached)."),
    ]
    for ds in dict.fromkeys(str(r.get("dataset")) for r in a.rows):
        f1 = plots.evp_curves([r for r in evp if str(r.get("dataset")) == ds], colors, ds, lower=lm)
        f2 = plots.trial_scores([r for r in a.rows if str(r.get("dataset")) == ds], colors, ds, lower=lm)
        b += [f for f in (f1, f2) if f is not None]
    if summary:
        b.append(_summary_table(summary, lm))
        b.append(_config_table(summary))
    return Section("tuning", tr("Tuning"), b)


def _pct(v) -> str:
    return "-" if not isinstance(v, (int, float)) else num(100 * v, 2)


def _nats(v) -> str:
    return "-" if not isinstance(v, (int, float)) else num(v, 3)


def _summary_table(summary: list[dict], lm: bool = False) -> Table:
    """Classifiers' scores in %, the language models' in nats/char (their difference: negative is better)."""
    body = []
    fmt = _nats if lm else _pct
    for r in summary:
        sig_ = r.get("significant")
        d = r.get("diff")
        diff = "-" if d is None else ("+" if d >= 0 else "") + (num(d, 3) if lm else num(100 * d, 2))
        p = "-" if sig_ is None else tr("yes" if sig_ else "no") + (
            f" (p {sig(r['p_value'], 2)})" if isinstance(r.get("p_value"), (int, float)) else "")
        body.append([str(r.get("dataset")), str(r.get("model")),
                     " / ".join(integer(int(r.get(k) or 0)) for k in ("complete", "pruned", "failed")),
                     fmt(r.get("preset_dev")), fmt(r.get("best_dev")), fmt(r.get("preset_test")),
                     fmt(r.get("tuned_test")), diff, p])
    unit = tr("nats/char") if lm else "%"
    return Table([tr("dataset"), tr("model"), tr("trials complete / pruned / failed"), tr("preset dev {unit}", unit=unit),
                  tr("best dev {unit}", unit=unit), tr("preset test {unit}", unit=unit),
                  tr("tuned test {unit}", unit=unit), tr("tuned − preset"), tr("significant (paired)")], body,
                 caption=tr("What tuning moved: dev scores of trial 0 (the preset) and of the best trial; test means "
                            "over the final seeds (preset test: from --baseline, '-' without one)"))


def _choice(r: dict) -> str:
    """Which trial the final runs used, and why (tune.json rows from before --select: the best trial)."""
    p = r.get("select_p")
    p_text = sig(p, 2) if isinstance(p, (int, float)) else None
    if r.get("chosen_trial") is None or "kept_preset" not in r:
        return tr("trial {n} (the best on dev)", n=r.get("best_trial"))
    if r.get("kept_preset"):
        if p_text is None:
            return tr("the preset (no trial beat it on dev)")
        return tr("the preset: trial {n}'s dev gain is within the noise (p {p})", n=r.get("best_trial"), p=p_text)
    why = {"no_preset": tr("no complete preset trial"), "no_rows": tr("no per-row dev outcomes stored"),
           "mismatch": tr("its dev rows differ from the preset's")}.get(str(r.get("select_reason")))
    if p_text is None and why:
        return tr("trial {n} (the best on dev; not tested against the preset: {why})", n=r.get("chosen_trial"),
                  why=why)
    if p_text is None:
        return tr("trial {n} (the best on dev)", n=r.get("chosen_trial"))
    return tr("trial {n}: better than the preset on dev (p {p})", n=r.get("chosen_trial"), p=p_text)


def _config_table(summary: list[dict]) -> Table:
    body = []
    for r in summary:
        if r.get("best_trial") is None:
            body.append([str(r.get("dataset")), str(r.get("model")), tr("no trial completed: the preset's configuration"),
                         "-"])
            continue
        what = str(r.get("changes") or "")
        if what in ("", "none"):
            what = tr("(the preset's)")
            if r.get("kept_preset") and r.get("best_changes") and r.get("best_trial") != r.get("chosen_trial"):
                what = tr("(the preset's; the best trial had {changes})", changes=r["best_changes"])
        body.append([str(r.get("dataset")), str(r.get("model")), _choice(r), what])
    return Table([tr("dataset"), tr("model"), tr("final runs use"), tr("configuration (preset → used)")], body,
                 caption=tr("The configuration each model's final runs used, beside the preset's (keys of its "
                            "search space)"))
