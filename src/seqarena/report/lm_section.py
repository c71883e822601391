"""The report's language-model section (runs of `compare --preset names`): learning curves in
nats/char, the train/dev/test nats/char, bits/char and perplexity table (mean ± std over seeds, 95 %
CI, paired test against the best by the tie rule), NLL by character position, and each model's samples
with their marks (training / held-out real / new) and novelty. Every text through `i18n.tr`."""

from __future__ import annotations

import json
import math

from seqarena.report import plots
from seqarena.report.i18n import num, tr
from seqarena.report.tables import Table, _versus, datasets, fmt_ci, fmt_int, fmt_mean
from seqarena.run.stats import LM_METRICS, aggregate, choose_best

MARK_TAGS = {"training": "(t)", "held-out real": "(h)", "new": "(new)"}


def is_lm_run(rows: list[dict]) -> bool:
    return bool(rows) and all(r.get("task") == "lm" for r in rows)


def lm_blocks(rows: list[dict], colors: dict) -> list:
    b: list = [tr(
        "Nats per character: the negative log-likelihood of every character of the split, the stop token "
        "counted as one (as makemore), summed once and divided once; bits/char = nats/char / ln 2, "
        "perplexity = e^(nats/char). Lower is better. Each seed trains on the same split with other "
        "initial weights and batch order, so models pair per seed.")]
    tests = choose_best(rows, "test_nll")
    for ds in datasets(rows):
        rs = [r for r in rows if r.get("dataset") == ds]
        t = tests.get(ds, {"best": None, "tests": {}, "tied": []})
        b.append(_score_table(rs, t, ds))
        if f := plots.lm_learning_curves(rs, colors, ds):
            b += [tr("Dev nats/char after each epoch (the band: ± one std over seeds); the epoch with the "
                     "lowest dev score is the one kept."), f]
        if f := plots.nll_by_position(rs, colors, ds):
            b += [tr("NLL of the test character at each position of a name: the first letter is a guess "
                     "among many; a model that forgets what it read rises again further into the name "
                     "(positions reached by fewer than 20 test names, and by under 10 % of them, are left "
                     "out)."), f]
        b.append(_samples_table(rs, ds))
    return b


def _score_table(rs: list[dict], t: dict, ds) -> Table:
    summary = sorted(aggregate(rs, metrics=LM_METRICS),
                     key=lambda s: (s["model"] != t["best"], _num(s["test_nll"])))
    body = []
    for s in summary:
        body.append([
            str(s["model"]), fmt_mean(s["test_nll"], s["test_nll_std"], 3), fmt_ci(s["test_nll"], s["test_nll_ci95"], 3),
            _versus(str(s["model"]), t) + (tr(" (tie)") if s["model"] in t.get("tied", []) else ""),
            fmt_mean(s["dev_nll"], s["dev_nll_std"], 3), fmt_mean(s["train_nll"], s["train_nll_std"], 3),
            fmt_mean(s["test_bpc"], s["test_bpc_std"], 3), fmt_mean(s["test_ppl"], s["test_ppl_std"], 2),
            fmt_mean(s["train_time_s"], s["train_time_s_std"], 1), fmt_mean(s["latency_ms"], None, 1),
            fmt_int(s.get("params")), str(s["n"]),
        ])
    cols = [tr(c) for c in ("model", "test nats/char", "95 % CI", "vs best", "dev nats/char", "train nats/char",
                            "test bits/char", "test perplexity", "train time s", "ms per name (b=1)", "params",
                            "runs")]
    note = tr("Mean ± sample std over seeds. Best ({model}): the cheapest model whose gap to the lowest mean "
              "test nats/char is inside the noise of the paired t-test; 'vs best': this model minus the best, "
              "paired over seeds. ms per name: generating one name at batch 1.", model=t["best"])
    return Table(cols, body, caption=tr("Language models on {dataset}", dataset=ds), notes=[note])


def _samples_table(rs: list[dict], ds) -> Table:
    body, n = [], 0
    for model in dict.fromkeys(r["model"] for r in rs):
        r = next(x for x in rs if x["model"] == model)  # the first seed's samples
        samples, marks = _loads(r.get("samples")), _loads(r.get("marks"))
        n = max(n, len(samples))
        shown = ", ".join(f"{s} {tr(MARK_TAGS.get(m, ''))}".strip() for s, m in zip(samples[:8], marks[:8]))
        body.append([str(model), shown] + [num(_num(r.get(k)), 0) for k in
                                           ("pct_new", "pct_unique", "pct_training", "pct_heldout")])
    cols = [tr("model"), tr("samples (seed {seed})", seed=rs[0].get("seed"))] + [
        tr(c) for c in ("% new", "% unique", "% training", "% held-out real")]
    note = tr("Each model's first samples at temperature 1: (t) a training name, (h) a real name held out of "
              "training (dev or test), (new) in no split. Percentages over {n} samples.", n=n)
    return Table(cols, body, caption=tr("Samples on {dataset}", dataset=ds), notes=[note])


def _loads(v) -> list:
    if isinstance(v, str):
        try:
            v = json.loads(v)
        except json.JSONDecodeError:
            return []
    return v if isinstance(v, list) else []


def _num(v) -> float:
    return float(v) if isinstance(v, (int, float)) and math.isfinite(v) else math.nan
