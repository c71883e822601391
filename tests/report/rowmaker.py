"""Hand-made result rows in `seqarena compare`'s shape (no training) for the report tests."""

from __future__ import annotations

import json
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"  # small stand-ins for the analysis commands' JSON files


def make_rows(spec: dict[str, dict], dataset: str = "toy", seeds: int = 3, epochs: int = 3) -> list[dict]:
    """Result rows in `seqarena compare`'s shape. spec: model -> {acc: [one per seed], latency_ms, params,
    train_time_s, family}; missing keys get neutral values."""
    rows = []
    for model, s in spec.items():
        accs = s.get("acc", [0.8] * seeds)
        for seed, acc in enumerate(accs):
            hist = [
                {
                    "epoch": e,
                    "train_loss": 1.0 / e,
                    "train_acc": acc * e / epochs,
                    "test_acc": acc - 0.05 * (epochs - e),
                    "train_time_s": s.get("train_time_s", 1.0) * e / epochs,
                }
                for e in range(1, epochs + 1)
            ]
            rows.append(
                {
                    "cell_id": f"compare/{dataset}/{model}/h/-/{seed}",
                    "experiment": "compare",
                    "dataset": dataset,
                    "model": model,
                    "family": s.get("family", "recurrent"),
                    "config_hash": "h",
                    "fold": None,
                    "seed": seed,
                    "params": s.get("params", 1000),
                    "train_acc": acc,
                    "dev_acc": None,
                    "test_acc": acc,
                    "macro_f1": acc,
                    "train_time_s": s.get("train_time_s", 1.0),
                    "eval_time_s": 0.1,
                    "latency_ms": s.get("latency_ms", 1.0),
                    "throughput": 1000.0 / s.get("latency_ms", 1.0),
                    "history": json.dumps(hist),
                    **_per_class(acc),
                    "torch_version": "2.13.0+cpu",
                    "device": "cpu",
                    "threads": 1,
                    "cores": 2,
                }
            )
    return rows


def _per_class(acc: float, n: int = 100) -> dict:
    """Per-class fields of a two-class test set of n rows per class with accuracy `acc` on each."""
    right = round(acc * n)
    pc = [{"label": lab, "precision": acc, "recall": acc, "f1": acc, "support": n} for lab in ("neg", "pos")]
    return {"labels": json.dumps(["neg", "pos"]), "per_class": json.dumps(pc),
            "confusion": json.dumps([[right, n - right], [n - right, right]])}


TOY = {  # textcnn: most accurate; bow: cheapest, clearly worse; gru: close to textcnn, slower
    "gru": {"acc": [0.90, 0.91, 0.92], "latency_ms": 0.9, "params": 394_754, "train_time_s": 10.0},
    "textcnn": {
        "acc": [0.95, 0.96, 0.965],
        "latency_ms": 0.6,
        "params": 369_730,
        "train_time_s": 9.0,
        "family": "convolutional",
    },
    "transformer": {
        "acc": [0.93, 0.935, 0.94],
        "latency_ms": 1.5,
        "params": 420_354,
        "train_time_s": 20.0,
        "family": "attention",
    },
    "bow": {
        "acc": [0.80, 0.82, 0.81],
        "latency_ms": 0.1,
        "params": 320_130,
        "train_time_s": 0.5,
        "family": "baseline",
    },
}


def write_results(run_dir: Path, rows: list[dict]) -> Path:
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "results.json").write_text(json.dumps({"summary": [], "rows": rows}))
    return run_dir
