"""A cell is one (dataset, model, training config, fold, seed) run; `run_cell` turns it into a flat row."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable

import torch

from seqarena.config import ModelConfig, TrainConfig, config_hash
from seqarena.data import Dataset, load_dataset
from seqarena.models import count_params, create_model
from seqarena.runtime import environment, resolve_device
from seqarena.train import evaluate, fit
from seqarena.train.speed import latency_ms, throughput


@dataclass(frozen=True)
class Cell:
    dataset: str
    model: ModelConfig
    train: TrainConfig = field(default_factory=TrainConfig)
    seed: int = 0
    fold: int | None = None
    experiment: str = "compare"

    @property
    def config_hash(self) -> str:
        return config_hash(self.dataset, self.model, self.train)

    @property
    def cell_id(self) -> str:
        fold = "-" if self.fold is None else self.fold
        return f"{self.experiment}/{self.dataset}/{self.model.name}/{self.config_hash}/{fold}/{self.seed}"


@lru_cache(maxsize=4)
def _dataset(name: str, data_dir: str | None) -> Dataset:
    return load_dataset(name, Path(data_dir) if data_dir else None)


def run_cell(
    cell: Cell,
    device: str = "auto",
    data_dir: str | None = None,
    on_epoch: Callable[[dict], None] | None = None,
    measure_speed: bool = True,
) -> dict:
    """Train and evaluate one cell; return its result row (ids, metrics, timings, environment)."""
    dev = resolve_device(device)
    data = _dataset(cell.dataset, data_dir)
    torch.manual_seed(cell.seed)  # the same seed gives the same initial weights
    model = create_model(cell.model.name, "classify", data.vocab_size, data.num_classes, **cell.model.kwargs())
    res = fit(model, data.train, test=data.test, dev=data.dev, cfg=cell.train, device=dev, seed=cell.seed,
              on_epoch=on_epoch)
    sel = res.history[res.selected_epoch - 1]
    test = evaluate(model, data.test.to(dev), cell.train.eval_batch_size) if data.test is not None else {}
    row = {
        "cell_id": cell.cell_id, "experiment": cell.experiment, "dataset": cell.dataset,
        "model": cell.model.name, "family": model.family, "config_hash": cell.config_hash,
        "fold": cell.fold, "seed": cell.seed, "params": count_params(model),
        "train_acc": sel["train_acc"], "dev_acc": sel.get("dev_acc"),
        "test_acc": test.get("acc"), "macro_f1": test.get("macro_f1"),
        "train_time_s": res.train_time_s, "eval_time_s": res.eval_time_s,
        "epochs_run": len(res.history), "selected_epoch": res.selected_epoch,
        "latency_ms": None, "throughput": None,
        "model_config": json.dumps(model.config["hparams"], default=list),
        "train_config": json.dumps(asdict(cell.train)),
        "history": json.dumps(res.history),
    }
    if measure_speed and data.test is not None:
        test_split = data.test.to(dev)
        row["latency_ms"] = latency_ms(model, test_split)
        row["throughput"] = throughput(model, test_split)
    row.update(environment(dev))
    return row
