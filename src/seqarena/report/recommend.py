"""Choose a model among measured results under constraints: the Pareto front over accuracy, latency,
parameters and training time, the constraint filter, the choice and a short paragraph saying why.
Pure logic over result rows: no I/O, no terminal."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from seqarena.report.i18n import integer, num, plural, sig, tr
from seqarena.run.stats import LOWER_IS_BETTER, aggregate, choose_best, sign

# (field, +1 when higher is better / -1 when lower is better, label with unit)
OBJECTIVES = (
    ("accuracy", +1, "accuracy"),
    ("latency_ms", -1, "latency ms (batch 1)"),
    ("params", -1, "parameters"),
    ("train_time_s", -1, "training time s"),
)


@dataclass(frozen=True)
class Constraints:
    """Limits a recommendation must meet; None means no limit."""

    max_latency_ms: float | None = None
    max_params: int | None = None
    max_train_time_s: float | None = None
    min_accuracy: float | None = None

    def violations(self, c: Candidate) -> list[str]:
        """Why `c` fails the constraints ([] when it meets them all). A missing measurement fails its
        limit."""
        out = []
        for limit, value, what, unit, over in (
            (self.max_latency_ms, c.latency_ms, tr("latency"), " ms", True),
            (self.max_params, c.params, tr("params"), "", True),
            (self.max_train_time_s, c.train_time_s, tr("training time"), " s", True),
            (self.min_accuracy, c.accuracy, tr("accuracy"), "", False),
        ):
            if limit is None:
                continue
            if value is None:
                out.append(tr("{what} not measured", what=what))
            elif (value > limit) if over else (value < limit):
                out.append(f"{what} {_num(value)}{unit} {'>' if over else '<'} {_num(limit)}{unit}")
        return out

    def describe(self) -> str:
        parts = [
            f"{tr(label)} {_num(v)}{unit}"
            for label, v, unit in (
                ("latency <=", self.max_latency_ms, " ms"),
                ("params <=", self.max_params, ""),
                ("training time <=", self.max_train_time_s, " s"),
                ("accuracy >=", self.min_accuracy, ""),
            )
            if v is not None
        ]
        return ", ".join(parts) if parts else tr("none")


@dataclass(frozen=True)
class Candidate:
    """One model's mean measurements over its repeats (seeds x folds) on one dataset."""

    model: str
    family: str | None
    dataset: str | None
    accuracy: float | None
    accuracy_std: float | None
    n: int
    latency_ms: float | None
    params: int | None
    train_time_s: float | None
    higher_is_better: bool = True  # False for the language models' nats/char (`accuracy` holds it)


@dataclass(frozen=True)
class Recommendation:
    chosen: Candidate | None
    metric: str  # the accuracy column used: test_acc, else dev_acc
    candidates: list[Candidate]
    feasible: list[Candidate]
    front: list[Candidate]  # Pareto front over all measured candidates
    rejected: dict[str, list[str]]  # model -> the constraints it breaks
    tied: list[str]  # feasible models inside the noise of the most accurate one, besides the chosen one
    reason: str

    def to_dict(self) -> dict:
        d = asdict(self)
        d["front"] = [c.model for c in self.front]
        d["feasible"] = [c.model for c in self.feasible]
        return d


def accuracy_metric(rows: list[dict]) -> str:
    """test_acc when any row has it, else dev_acc (a run without a test split); for language models
    test nats/char (lower is better)."""
    if any(r.get("task") == "lm" for r in rows):
        return "test_nll"
    return "test_acc" if any(r.get("test_acc") is not None for r in rows) else "dev_acc"


def metric_label(metric: str, short: bool = False) -> str:
    """The ranking metric in words: 'test accuracy' ('test acc' when short), 'macro-F1', 'test nats/char'."""
    if metric == "macro_f1":
        return tr("macro-F1")
    if metric.endswith("_nll"):
        return tr("{split} nats/char", split=tr(metric.removesuffix("_nll")))
    split = metric.removesuffix("_acc")
    return tr("{split} acc" if short else "{split} accuracy", split=tr(split))


def candidates(rows: list[dict], metric: str) -> list[Candidate]:
    """Per (dataset, model) means of the result rows, in first-seen order."""
    out = []
    for s in aggregate(rows, metrics=(metric, "latency_ms", "train_time_s")):
        out.append(
            Candidate(
                model=str(s["model"]),
                family=s.get("family"),
                dataset=s.get("dataset"),
                accuracy=_finite(s[metric]),
                accuracy_std=_finite(s[f"{metric}_std"]),
                n=int(s["n"]),
                latency_ms=_finite(s["latency_ms"]),
                params=s.get("params"),
                train_time_s=_finite(s["train_time_s"]),
                higher_is_better=metric not in LOWER_IS_BETTER,
            )
        )
    return out


def dominates(a: Candidate, b: Candidate) -> bool:
    """a is at least as good as b on every objective both have measured, and better on one."""
    better = False
    for key, s, _ in OBJECTIVES:
        x, y = getattr(a, key), getattr(b, key)
        if x is None or y is None:
            continue
        if key == "accuracy" and not a.higher_is_better:
            s = -1
        if s * x < s * y:
            return False
        better = better or s * x > s * y
    return better


def pareto_front(cands: list[Candidate]) -> list[Candidate]:
    """The candidates no other candidate dominates, in input order."""
    return [c for c in cands if not any(dominates(o, c) for o in cands if o is not c)]


def recommend(rows: list[dict], constraints: Constraints = Constraints(), metric: str | None = None) -> Recommendation:
    """Choose among the measured results of ONE dataset: the most accurate model meeting the constraints
    (equal accuracy: the cheaper one, by latency, then parameters, then training time). The reason names the
    cheaper feasible models that are not significantly less accurate (paired t-test over shared seeds/folds,
    5 % level): with few runs such a test has little power, so they are offered, not chosen. `metric`
    ranks ('test_acc', 'macro_f1', ...; default test accuracy, else dev accuracy); the accuracy floor of
    the constraints applies to it."""
    metric = metric or accuracy_metric(rows)
    cands = candidates(rows, metric)
    front = pareto_front(cands)
    rejected = {c.model: v for c in cands if (v := constraints.violations(c))}
    feasible = [c for c in cands if c.model not in rejected and c.accuracy is not None]
    if not feasible:
        why = "; ".join(f"{m} ({', '.join(v)})" for m, v in rejected.items()) or tr("no model has an accuracy")
        return Recommendation(
            None,
            metric,
            cands,
            [],
            front,
            rejected,
            [],
            tr("No measured model meets the constraints ({constraints}): {why}.",
               constraints=constraints.describe(), why=why),
        )
    names = {c.model for c in feasible}
    result = choose_best([r for r in rows if r.get("model") in names], metric=metric)
    ds = next(iter(result), None)
    if ds is None:  # no row carries the metric
        chosen = min(feasible, key=lambda c: (-sign(metric) * c.accuracy, *_cost_key(c)))
        result_ds: dict = {"best": chosen.model, "top": chosen.model, "tied": [], "tests": {}}
    else:
        result_ds = result[ds]
        chosen = next(c for c in feasible if c.model == result_ds["best"])
    tests, tied = result_ds["tests"], list(result_ds["tied"])
    top = next((c for c in feasible if c.model == result_ds["top"]), chosen)
    reason = _explain(chosen, top, cands, feasible, front, rejected, tests, tied, constraints, metric,
                      result_ds.get("one_example", 0.0))
    tuned = next((r for r in rows if r.get("tuning_budget")), None)
    if tuned is not None:  # rows of `seqarena tune`: say what the ranking is after
        budget = budget_phrase(tuned.get("tuning_trials"), tuned.get("tuning_minutes"))
        if tuned.get("tuning_select") == "significant":
            reason += tr(" The ranking is after an equal tuning budget ({budget}): each model's best trial on dev "
                         "where it beat the preset's configuration beyond the dev noise (else the preset), re-run "
                         "over the seeds and scored once on test.", budget=budget)
        else:
            reason += tr(" The ranking is after an equal tuning budget ({budget}): each model's best configuration "
                         "on dev, re-run over the seeds and scored once on test.", budget=budget)
    return Recommendation(chosen, metric, cands, feasible, front, rejected, tied, reason)


def _explain(
    chosen: Candidate,
    top: Candidate,
    cands: list[Candidate],
    feasible: list[Candidate],
    front: list[Candidate],
    rejected: dict[str, list[str]],
    tests: dict,
    tied: list[str],
    constraints: Constraints,
    metric: str,
    one_example: float = 0.0,
) -> str:
    acc = metric_label(metric)
    lowest = metric in LOWER_IS_BETTER  # nats/char: the lowest mean is the best

    def best(msgid: str) -> str:  # the message with 'lowest' where a lower score is better
        return msgid.replace("highest", "lowest") if lowest else msgid

    head = tr("{model} is recommended for {dataset}: " if chosen.dataset else "{model} is recommended: ",
              model=chosen.model, dataset=chosen.dataset)
    head += tr("{k} of {n} measured models meets the constraints ({constraints}), " if len(feasible) == 1
               else "{k} of {n} measured models meet the constraints ({constraints}), ",
               k=len(feasible), n=len(cands), constraints=constraints.describe())
    if chosen.model == top.model:
        s = [head + tr(best("and {model} has the highest mean {metric} among them, {acc}, at {cost}."),
                       model=chosen.model, metric=acc, acc=_acc(chosen), cost=_cost(chosen))]
    else:
        gap = sign(metric) * (top.accuracy - chosen.accuracy)
        t = tests.get(top.model)
        why = (tr("under one test example ({x})", x=num(one_example, 4)) if gap < one_example else
               tr("inside the noise (paired t-test p = {p})", p=num(t["p_value"], 2)) if t else
               tr("inside the noise"))
        s = [head + tr(best("and {model} is as good as the highest mean {metric} within the noise: {acc} against "
                            "{top}'s {top_acc}, a gap of {gap}, {why}; of the models tied so, {model} is the "
                            "cheapest, at {cost}{ratio}."),
                       model=chosen.model, metric=acc, acc=_acc(chosen), top=top.model, top_acc=_acc(top),
                       gap=num(gap, 3), why=why, cost=_cost(chosen), ratio=_ratio(chosen, top))]
    others = [m for m in tied if m != top.model]
    if others:
        s.append(tr("Also tied within the noise (more costly): {models}.", models=", ".join(others)))
    if chosen.n < 2:
        s.append(tr("With one run per model, accuracy differences are not tested for significance; "
                    "more seeds would test them."))
    elif tied:
        s.append(tr("A paired t-test over few runs has little power: a tie says the runs cannot tell the "
                    "models apart, not that they are equal."))
    if rejected:
        s.append(tr("Excluded: {models}.", models="; ".join(f"{m} ({', '.join(v)})" for m, v in rejected.items())))
    front_msg = "Pareto front (accuracy, latency, parameters, training time): {models}."
    s.append(tr(front_msg.replace("accuracy", "test nats/char") if lowest else front_msg,
                models=", ".join(c.model for c in front)))
    return " ".join(s)


def _ratio(cheap: Candidate, dear: Candidate) -> str:
    """' (N x lower latency than X)' when both latencies are measured."""
    if cheap.latency_ms and dear.latency_ms and dear.latency_ms > cheap.latency_ms:
        return tr(" ({x} x lower latency than {model})", x=num(dear.latency_ms / cheap.latency_ms, 1),
                  model=dear.model)
    return ""


def _cost_key(c: Candidate) -> tuple[float, float, float]:
    return (_inf(c.latency_ms), _inf(c.params), _inf(c.train_time_s))


def _acc(c: Candidate) -> str:
    std = f" ± {num(c.accuracy_std, 3)}" if c.accuracy_std is not None and c.n > 1 else ""
    return tr("{acc} over {n} {runs}", acc=num(c.accuracy, 3) + std, n=c.n, runs=plural(c.n, "run", "runs"))


def _cost(c: Candidate) -> str:
    lat = (tr("{x} ms latency", x=num(c.latency_ms, 2)) if c.latency_ms is not None
           else tr("latency not measured"))
    params = tr("{x} parameters", x=integer(c.params)) if c.params is not None else tr("parameters unknown")
    tt = (tr("{x} s training", x=num(c.train_time_s, 1)) if c.train_time_s is not None
          else tr("training time unknown"))
    return f"{lat}, {params}, {tt}"


def _num(v: float) -> str:
    return integer(v) if isinstance(v, int) else sig(v, 3)


def _finite(v) -> float | None:
    return float(v) if v is not None and math.isfinite(float(v)) else None


def _inf(v) -> float:
    return math.inf if v is None else v


def budget_phrase(trials: int | None, minutes: float | None) -> str:
    """'20 trials per model', '30 minutes of trial time per model', or both joined by 'or'."""
    if trials and minutes:
        return tr("{n} trials or {m} minutes of trial time per model", n=integer(trials), m=sig(minutes, 3))
    if minutes:
        return tr("{m} minutes of trial time per model", m=sig(minutes, 3))
    return tr("{n} trials per model", n=integer(trials or 0))
