"""Probes, measured: every classifier trained (`fit`) on every probe task at every difficulty; accuracy
against difficulty, and the seed's ✅/⚠️ table rewritten with the measured numbers.
Rows and summary: see ARCHITECTURE.md, `probes.json`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch

from seqarena.config import TrainConfig
from seqarena.data.probes import PROBES, VOCAB_SIZE, make_probe
from seqarena.models import MODELS, create_model, train_config
from seqarena.train import fit

SOLVED = 0.9  # test accuracy that counts as "handles it" (✅)
PARTLY = 0.65  # between chance (0.5) and SOLVED: "⚠️"; below: "❌"


@dataclass(frozen=True)
class ProbeSettings:
    """Training budget per (probe, difficulty, model, seed) cell; the same for every model (a model
    with its own recipe, bow, keeps its optimizer, lr and batch size: `probe_config`)."""

    epochs: int = 5
    n_train: int = 2000
    n_test: int = 500
    seeds: int = 1
    batch_size: int = 32  # 2000 / 32 * 5 = 315 Adam steps: the seed's 4000 / 64 * 10 = 630, halved
    lr: float = 2e-3


QUICK = ProbeSettings(epochs=3, n_train=256, n_test=128, batch_size=32)


@dataclass(frozen=True)
class ProbeCell:
    probe: str
    difficulty: int
    model: str
    seed: int


def plan(models: list[str], sweeps: dict[str, tuple[int, ...]], seeds: int) -> list[ProbeCell]:
    """Every probe's easiest difficulty first, then every probe's next one, and so on: cheap cells come
    first, and a run stopped early still covers every probe and model up to some difficulty."""
    cells = [(rank, ProbeCell(p, d, m, s)) for p, ds in sweeps.items() for rank, d in enumerate(sorted(ds))
             for m in models for s in range(seeds)]
    return [c for _, c in sorted(cells, key=lambda rc: rc[0])]  # stable: probe and model order kept


def probe_config(name: str, settings: ProbeSettings) -> TrainConfig:
    """Adam at `settings.lr` and `batch_size` for `epochs`; a model with a recipe of its own in the
    registry (bow: fastText's SGD) keeps it, epochs aside. Adam would move every one of bow's 2^18
    n-gram rows at every step (a probe cell measured 25x slower) where SGD moves the rows a batch has."""
    if MODELS[name].train:
        return train_config(name, epochs=settings.epochs)
    return TrainConfig(epochs=settings.epochs, batch_size=settings.batch_size, lr=settings.lr)


def run_cell(cell: ProbeCell, settings: ProbeSettings, device: torch.device) -> dict:
    """Train one model on one probe at one difficulty; return its row."""
    train, test = make_probe(cell.probe, cell.difficulty, settings.n_train, settings.n_test, seed=cell.seed)
    torch.manual_seed(cell.seed)
    model = create_model(cell.model, "classify", VOCAB_SIZE, 2)
    cfg = probe_config(cell.model, settings)
    res = fit(model, train, test=test, cfg=cfg, device=device, seed=cell.seed)
    last = res.history[-1]
    p = PROBES[cell.probe]
    return {
        "probe": cell.probe, "knob": p.knob, "difficulty": cell.difficulty, "model": cell.model,
        "family": model.family, "seed": cell.seed, "epochs": settings.epochs,
        "n_train": settings.n_train, "n_test": settings.n_test, "max_len": int(train.tokens.shape[1]),
        "train_acc": round(last["train_acc"], 4), "test_acc": round(last["test_acc"], 4), "chance": 0.5,
        "train_time_s": round(res.train_time_s, 3),
    }


def run_probes(cells: list[ProbeCell], settings: ProbeSettings, device: torch.device,
               on_cell: Callable[[ProbeCell], None] | None = None) -> Iterator[dict]:
    for cell in cells:
        if on_cell is not None:
            on_cell(cell)
        yield run_cell(cell, settings, device)


def add_hardness(rows: list[dict]) -> list[dict]:
    """hardness: 0 at the easiest difficulty of each probe's sweep, 1 at the hardest."""
    for probe in {r["probe"] for r in rows}:
        ds = sorted({r["difficulty"] for r in rows if r["probe"] == probe})
        for r in rows:
            if r["probe"] == probe:
                r["hardness"] = ds.index(r["difficulty"]) / (len(ds) - 1) if len(ds) > 1 else 0.0
    return rows


def mark(acc: float) -> str:
    return "✅" if acc >= SOLVED else "⚠️" if acc >= PARTLY else "❌"


def summarize(rows: list[dict]) -> list[dict]:
    """One row per (probe, model): accuracy (mean over seeds) at the easiest and hardest difficulty,
    the largest difficulty still solved, and the mark for the hardest."""
    out = []
    keys = sorted({(r["probe"], r["model"]) for r in rows}, key=lambda k: (list(PROBES).index(k[0]), k[1]))
    for probe, model in keys:
        mine = [r for r in rows if r["probe"] == probe and r["model"] == model]
        by_d: dict[int, list[float]] = {}
        for r in mine:
            by_d.setdefault(r["difficulty"], []).append(r["test_acc"])
        acc = {d: sum(v) / len(v) for d, v in sorted(by_d.items())}
        ds = list(acc)
        solved = [d for d in ds if acc[d] >= SOLVED]
        out.append({
            "probe": probe, "knob": PROBES[probe].knob, "model": model, "family": mine[0]["family"],
            "dimension": PROBES[probe].dimension,
            "acc_easiest": acc[ds[0]], "acc_hardest": acc[ds[-1]], "acc_mean": sum(acc.values()) / len(acc),
            "difficulty_hardest": ds[-1], "solved_up_to": max(solved) if solved else None,
            "mark": mark(acc[ds[-1]]),
        })
    return out


def measured_table(summary: list[dict], models: list[str]) -> list[dict]:
    """The seed's ✅/⚠️ table with measured numbers: one dict per probe (table row), one key per model,
    e.g. "✅ 0.98 @ distance=500" (accuracy at the hardest difficulty)."""
    table = []
    for probe in [p for p in PROBES if any(s["probe"] == p for s in summary)]:
        row = {"dimension": PROBES[probe].dimension, "probe": probe}
        for s in summary:
            if s["probe"] == probe and s["model"] in models:
                row[s["model"]] = f"{s['mark']} {s['acc_hardest']:.2f} @ {s['knob']}={s['difficulty_hardest']}"
        table.append(row)
    return table
