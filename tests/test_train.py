"""The training loop: determinism, learning, model selection, Kim's max-norm, metrics."""

import pytest
import torch

from seqarena.config import TrainConfig
from seqarena.data.synthetic import BigramTaskConfig, make_bigram_task
from seqarena.errors import InputError
from seqarena.models import create_model
from seqarena.train import evaluate, fit
from seqarena.train.loop import head_norm_limit
from seqarena.train.metrics import macro_f1

TASK = BigramTaskConfig(vocab_size=300, n_train=512, n_test=256, max_len=20, min_len=8, noise_low=120)


def run(name="bow", seed=0, hparams=None, **cfg):
    train, test = make_bigram_task(TASK)
    torch.manual_seed(seed)
    m = create_model(name, "classify", TASK.vocab_size, 2, **(hparams or {}))
    return m, fit(m, train, test=test, cfg=TrainConfig(**{"epochs": 3, **cfg}), seed=seed)


def test_same_seed_same_numbers():
    _, a = run("textcnn")
    _, b = run("textcnn")
    _, c = run("textcnn", seed=1)
    strip = lambda h: [{k: v for k, v in r.items() if k != "train_time_s"} for r in h]  # noqa: E731
    assert strip(a.history) == strip(b.history)
    assert strip(a.history) != strip(c.history)


def test_it_learns_and_records_history():
    m, res = run("textcnn", epochs=4)
    assert [r["epoch"] for r in res.history] == [1, 2, 3, 4]
    assert res.history[-1]["train_loss"] < res.history[0]["train_loss"]
    assert res.history[-1]["test_acc"] > 0.8
    assert res.train_time_s > 0 and res.eval_time_s > 0
    assert res.selected_epoch == 4


def test_dev_selects_best_epoch_and_restores_its_weights():
    train, test = make_bigram_task(TASK)
    dev = train.subset(torch.arange(100))
    torch.manual_seed(0)
    m = create_model("bow", "classify", TASK.vocab_size, 2, n_buckets=1024)  # Adam is dense: few rows
    res = fit(m, train, test=test, dev=dev, cfg=TrainConfig(epochs=4, lr=0.05), seed=0)
    best = max(res.history, key=lambda r: r["dev_acc"])
    assert res.selected_epoch == best["epoch"]
    assert evaluate(m, dev)["acc"] == pytest.approx(best["dev_acc"])


def test_patience_stops_early():
    train, test = make_bigram_task(TASK)
    dev = test  # a dev set that cannot keep improving once perfect
    torch.manual_seed(0)
    m = create_model("textcnn", "classify", TASK.vocab_size, 2)
    res = fit(m, train, dev=dev, cfg=TrainConfig(epochs=30, patience=2), seed=0)
    assert res.stopped_early and len(res.history) < 30


def test_max_norm_bounds_output_rows_in_kims_convention():
    """Kim's s bounds the weights of non-inverted dropout; PyTorch's dropout is inverted, so the stored
    rows are held to s (1 - p). The bound binds (the unconstrained run grows past it)."""
    m, _ = run("bow", hparams={"dropout": 0.5}, optimizer="adadelta", lr=1.0, max_norm=0.5)
    p = m.drop.p
    norms = m.head.weight.detach().norm(dim=1)
    assert 0 < p < 1 and float(norms.max()) <= 0.5 * (1 - p) + 1e-5
    assert float(norms.max()) >= 0.5 * (1 - p) - 1e-3  # the constraint was active
    free, _ = run("bow", hparams={"dropout": 0.5}, optimizer="adadelta", lr=1.0)
    assert float(free.head.weight.detach().norm(dim=1).max()) > 0.5
    assert head_norm_limit(torch.nn.Linear(2, 2), 3.0) == 3.0  # no dropout before the head: s itself


def test_bad_train_config():
    with pytest.raises(InputError, match="epochs"):
        TrainConfig(epochs=0)
    with pytest.raises(InputError, match="optimizer"):
        TrainConfig(optimizer="lion")


def test_macro_f1():
    pred, gold = torch.tensor([0, 0, 1, 1]), torch.tensor([0, 1, 1, 1])
    # class 0: tp1 fp1 fn0 -> 2/3 ; class 1: tp2 fp0 fn1 -> 4/5
    assert macro_f1(pred, gold, 2) == pytest.approx((2 / 3 + 4 / 5) / 2)
