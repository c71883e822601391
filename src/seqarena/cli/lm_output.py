"""What `compare --preset names` prints: one row per language model with mean ± std test nats/char
(95 % CI, paired test against the best by the tie rule), bits/char, perplexity, cost and a few
samples marked (t) training, (h) held-out real, unmarked new."""

from __future__ import annotations

import json

from rich.table import Table

from seqarena.cli.compare_output import fmt, vs_best

MARK_TAGS = {"training": " (t)", "held-out real": " (h)", "new": ""}


def render_lm_table(table: list[dict], rows: list[dict], title: str) -> Table:
    with_std = any(r["n"] > 1 for r in table)
    t = Table(title=title, caption="nats/char: the stop token counts as a character (as makemore); best: the "
              "cheapest model within the noise of the lowest mean test nats/char; samples: (t) training name, "
              "(h) held-out real name, unmarked new" + ("; vs best: best's mean minus this model's, paired "
                                                       "t-test over seeds" if with_std else ""))
    cols = ["model", "params", "n", "train", "dev", "test nats/char", "95% CI ±", "test bpc", "ppl", "train s",
            "ms/name", "% new", "samples"] + (["vs best"] if with_std else [])
    for c in cols:
        t.add_column(c, justify="left" if c in ("model", "samples") else "right", no_wrap=c != "samples")
    for r in sorted(table, key=lambda r: (not r.get("best"), r.get("test_nll") or 0.0)):
        first = next((x for x in rows if x["model"] == r["model"] and x["dataset"] == r["dataset"]), {})
        samples = json.loads(first.get("samples") or "[]")[:4]
        marks = json.loads(first.get("marks") or "[]")[:4]
        cells = [str(r["model"]) + (" *" if r.get("best") else ""), f"{r['params']:,}", str(r["n"]),
                 fmt(r.get("train_nll"), None, 3), fmt(r.get("dev_nll"), None, 3),
                 fmt(r.get("test_nll"), r.get("test_nll_std") if with_std else None, 3),
                 fmt(r.get("test_nll_ci95"), None, 3), fmt(r.get("test_bpc"), None, 3), fmt(r.get("test_ppl"), None, 2),
                 fmt(r.get("train_time_s"), None, 1), fmt(r.get("latency_ms"), None, 1), fmt(r.get("pct_new"), None, 0),
                 ", ".join(s + MARK_TAGS.get(m, "") for s, m in zip(samples, marks))]
        t.add_row(*(cells + ([vs_best(r)] if with_std else [])))
    return t
