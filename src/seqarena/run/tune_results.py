"""The results of `seqarena tune`'s studies (run/tune.py): every trial as a flat row (`trial_rows`),
the best trial (`best_point`) and the one the final runs use (`chosen_point`, run/select.py's rule
on the trials' stored dev rows), one summary row per study (`summarize`: preset against best on dev,
tuned against preset on test, what changed) and the expected-validation-performance rows (`evp_rows`)."""

from __future__ import annotations

import json
import math
from typing import Any

from seqarena.models.spaces import TRAIN, field_of
from seqarena.run.search import hparams_of
from seqarena.run.select import ROWS_ATTR, Choice, decide, load_rows, rows_path
from seqarena.run.trial import _decode, dev_splits, own_values
from seqarena.run.tune import Job, _counted, _optuna, _storage, lower_is_better, run_dir


def trial_rows(job: Job) -> list[dict]:
    """Every trial of a study as a flat row: number, state, its dev score (a pruned trial: the best
    dev score it reported before it stopped), params (JSON), seconds, whether it is the preset."""
    study = _optuna().load_study(study_name=job.study, storage=_storage(job.storage))
    best_of = min if lower_is_better(job.metric) else max
    rows = []
    for t in study.get_trials(deepcopy=False):
        value = t.value if t.value is not None else (best_of(t.intermediate_values.values())
                                                     if t.intermediate_values else None)
        secs = ((t.datetime_complete - t.datetime_start).total_seconds()
                if t.datetime_complete and t.datetime_start else None)
        rows.append({"study": job.study, "dataset": job.base.dataset, "model": job.base.model.name,
                     "trial": t.number, "state": t.state.name.lower(), "counted": _counted(t),
                     "value": value if value is None or math.isfinite(value) else None,
                     "epochs_reported": len(t.intermediate_values), "seconds": secs,
                     "preset": bool(t.user_attrs.get("preset")),
                     "note": t.user_attrs.get("invalid") or t.user_attrs.get("error") or t.user_attrs.get("lost") or (
                         f"the same point as trial {t.user_attrs['repeat_of']}: its score, not trained again"
                         if t.user_attrs.get("repeat_of") is not None else None),
                     "params": json.dumps(t.params)})
    return rows


def _complete(job: Job) -> list:
    from optuna.trial import TrialState

    study = _optuna().load_study(study_name=job.study, storage=_storage(job.storage))
    return [t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)) if t.value is not None]


def _best(job: Job, done: list):
    sign = -1 if lower_is_better(job.metric) else 1
    return max(done, key=lambda t: (sign * t.value, -t.number))  # the earliest of equal scores


def _point(job: Job, t) -> dict[str, Any]:
    """A trial's sampled values, decoded into the point `apply` takes."""
    return {k: _decode(job.space[k], v) for k, v in t.params.items()}


def best_point(job: Job) -> tuple[dict[str, Any], float, int] | None:
    """(the best complete trial's point, its dev score, its number), or None when none completed."""
    done = _complete(job)
    if not done:
        return None
    best = _best(job, done)
    return _point(job, best), float(best.value), best.number


def chosen_point(job: Job) -> Choice | None:
    """The trial the final runs use under `job.select` (run/select.py: the best trial, or the preset
    unless the best beats it on dev by a paired test), or None when no trial completed."""
    done = _complete(job)
    if not done:
        return None

    def view(t) -> dict:
        return {"point": _point(job, t), "dev": float(t.value),
                "trial": t.number, "rows": load_rows(rows_path(run_dir(job), job.study, t.number), t.user_attrs.get(ROWS_ATTR))}

    best = view(_best(job, done))
    preset = next((view(t) for t in done if t.user_attrs.get("preset")), None)
    gold = None
    if job.select != "best" and job.metric != "nll" and preset is not None and best["trial"] != preset["trial"]:
        gold = dev_splits(job.base, job.data_dir)[1].dev.labels.numpy()
    return decide(job.select, job.metric, best, preset, gold)


def summarize(job: Job, trials: list[dict], final: list[dict], baseline: list[dict], metric_col: str,
              choice: Choice | None = None) -> dict:
    """One study's summary row: trials by state, trial 0's (the preset's) and the best dev score, the
    best configuration beside the preset's, and on test the tuned mean, the baseline's (the untuned
    preset's rows, when given) and their paired test over matching (fold, seed)."""
    from seqarena.run.stats import paired_test

    best = best_point(job)
    choice = choice or chosen_point(job)  # the caller's, computed once per study
    preset = next((t for t in trials if t["preset"] and t["state"] == "complete"), None)
    base_point = own_values(job.base, job.space)
    hp = {**hparams_of(job.base.model.name, job.base.task), **job.base.model.kwargs()}

    def own(key: str) -> Any:  # the preset's value of the field a key sets (Adadelta's lr is train.lr too)
        name = field_of(key)
        v = getattr(job.base.train, name[len(TRAIN):]) if name.startswith(TRAIN) else hp.get(name)
        return list(v) if isinstance(v, tuple) else v

    def changed(point: dict) -> list[str]:
        return [f"{field_of(k)} {_short(own(k))} → {_short(v)}" for k, v in point.items() if own(k) != v]

    changes = changed(choice.point) if choice else []
    row: dict[str, Any] = {
        "dataset": job.base.dataset, "model": job.base.model.name,
        "complete": sum(t["state"] == "complete" for t in trials),
        "pruned": sum(t["state"] == "pruned" for t in trials),
        "failed": sum(t["state"] == "fail" and t["counted"] for t in trials),
        "lost": sum(t["state"] == "fail" and not t["counted"] for t in trials),
        "preset_dev": preset["value"] if preset else None,
        "best_dev": best[1] if best else None, "best_trial": best[2] if best else None,
        "best_params": json.dumps(best[0]) if best else None, "preset_params": json.dumps(base_point),
        "chosen_trial": choice.trial if choice else None, "kept_preset": choice.kept_preset if choice else True,
        "select": job.select, "select_p": choice.p_value if choice else None,
        "select_reason": choice.reason if choice else None,
        "best_changes": "; ".join(changed(best[0])) if best else None,
        "select_note": choice.note if choice else "no trial completed: the preset's configuration",
        "changes": ("; ".join(changes) or "none") if choice else "no trial completed: the preset's configuration",
    }

    def scores(rows: list[dict]) -> dict:
        return {(r.get("fold"), r.get("seed")): r[metric_col] for r in rows
                if r.get("dataset") == job.base.dataset and r.get("model") == job.base.model.name
                and isinstance(r.get(metric_col), (int, float))}

    tuned, pre = scores(final), scores(baseline)
    row["tuned_test"] = sum(tuned.values()) / len(tuned) if tuned else None
    row["preset_test"] = sum(pre.values()) / len(pre) if pre else None
    pairs = sorted(set(tuned) & set(pre), key=str)
    row["diff"] = row["p_value"] = row["significant"] = None
    if pairs:
        t = paired_test([tuned[k] for k in pairs], [pre[k] for k in pairs])
        row.update(diff=t["mean_diff"], p_value=t["p_value"], significant=t["significant"], pairs=len(pairs))
    return row


def _short(v: Any) -> str:
    return f"{v:.3g}" if isinstance(v, float) else str(v)


def evp_rows(trials: list[dict], lower: bool = False) -> list[dict]:
    """The expected-validation-performance curve of each study, from its counted trials' dev scores;
    `lower`: the best of n trials is the lowest (nats/char), the expected minimum."""
    from seqarena.run.evp import evp_curve

    sign = -1.0 if lower else 1.0
    out = []
    for study in dict.fromkeys(t["study"] for t in trials):
        ts = [t for t in trials if t["study"] == study and t["counted"] and t["value"] is not None]
        if ts:
            out += [{"study": study, "dataset": ts[0]["dataset"], "model": ts[0]["model"], **p, "mean": sign * p["mean"]}
                    for p in evp_curve([sign * t["value"] for t in ts])]
    return out
