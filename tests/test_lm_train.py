"""Masked NLL arithmetic (summed over every character, divided once), training LMs through the one
`fit` (task LM), sampling and marks."""

import math

import pytest
import torch
import torch.nn.functional as F

from seqarena.data.names import CharVocab, lm_split
from seqarena.errors import InputError
from seqarena.models import create_model
from seqarena.config import LM_RECIPE, TrainConfig
from seqarena.train.loop import fit
from seqarena.train.task import LM, lm_scores, masked_nll, nll_by_position


def evaluate_lm(model, split, batch_size=1024):
    return lm_scores(model, split, batch_size)


def lm_config(**kw):
    return TrainConfig(**{**LM_RECIPE, **kw})


def fit_lm(model, train, dev=None, cfg=None):
    return fit(model, train, dev=dev, cfg=cfg or lm_config(), task=LM)
from seqarena.train.sampling import mark_samples, sample_names, sample_stats

NAMES = ["ANA", "ANABEL", "BEA", "BELEN", "ELENA", "LEA", "NELA", "ALBA", "ABEL", "ELBA", "LENA", "ANABELLA"]
VOCAB = CharVocab.from_names(NAMES)


class Fixed(torch.nn.Module):
    """A 'model' whose logits depend only on the position: NLL per position is known in closed form."""

    causal = True

    def forward(self, tokens, lengths):
        B, T = tokens.shape
        return (
            torch.arange(T, dtype=torch.float32)[None, :, None].expand(B, T, VOCAB.size)
            * F.one_hot(torch.arange(VOCAB.size) % 3, VOCAB.size).sum(0)[None, None, :].float()
        )


def test_masked_nll_sums_real_positions_only():
    split = lm_split(["AB", "ABBA"], CharVocab.from_names(["AB"]))
    logits = torch.randn(2, 5, 4)
    total, count = masked_nll(logits, split.labels)
    assert int(count) == 3 + 5
    expected = sum(
        float(F.cross_entropy(logits[i, :n], split.labels[i, :n], reduction="sum"))
        for i, n in enumerate(split.lengths.tolist())
    )
    assert math.isclose(float(total), expected, rel_tol=1e-5)


def test_evaluate_divides_once_not_a_mean_of_batch_means():
    split = lm_split(NAMES, VOCAB)
    model = Fixed()
    by_one = evaluate_lm(model, split, batch_size=1)
    by_five = evaluate_lm(model, split, batch_size=5)
    whole = evaluate_lm(model, split, batch_size=len(NAMES))
    assert math.isclose(by_one["nll"], whole["nll"], rel_tol=1e-6) and math.isclose(
        by_five["nll"], whole["nll"], rel_tol=1e-6
    )
    total, count = masked_nll(model(split.tokens, split.lengths), split.labels)
    assert math.isclose(whole["nll"], float(total) / int(count), rel_tol=1e-6)
    assert whole["n_chars"] == sum(len(n) + 1 for n in NAMES)  # the stop token counts as a character
    assert math.isclose(whole["bpc"], whole["nll"] / math.log(2)) and math.isclose(
        whole["ppl"], math.exp(whole["nll"])
    )
    per_name = [evaluate_lm(model, lm_split([n], VOCAB))["nll"] for n in NAMES]
    assert not math.isclose(
        sum(per_name) / len(per_name), whole["nll"], rel_tol=1e-3
    )  # the wrong way differs


def tiny_gru():
    torch.manual_seed(0)
    return create_model("gru", "lm", VOCAB.size, d_hidden=32, d_embed=16)


def test_fit_lowers_nll_and_keeps_best_by_dev():
    split = lm_split(NAMES, VOCAB)
    model = tiny_gru()
    before = evaluate_lm(model, split)["nll"]
    res = fit_lm(model, split, split, lm_config(epochs=15, batch_size=4, lr=1e-2, patience=None))
    after = evaluate_lm(model, split)["nll"]
    assert after < before - 0.5
    best = min(r["dev_nll"] for r in res.history)  # LM.monitor: lower is better
    assert LM.monitor == "dev_nll" and not LM.higher_is_better
    assert math.isclose(after, best, rel_tol=1e-5) and res.history[res.selected_epoch - 1]["dev_nll"] == best


def test_without_dev_the_last_epoch_is_kept_for_either_task():
    split = lm_split(NAMES, VOCAB)
    model = tiny_gru()
    res = fit_lm(model, split, None, lm_config(epochs=3, batch_size=4, lr=1e-2))
    assert res.selected_epoch == 3 and res.stop_reason == "epochs" and res.steps == 3 * 3


def test_on_epoch_sees_the_dev_score_and_its_exception_propagates():
    class Prune(Exception):
        pass

    seen = []

    def on_epoch(row):
        seen.append(row)
        if row["epoch"] == 2:
            raise Prune

    split = lm_split(NAMES, VOCAB)
    with pytest.raises(Prune):
        fit(tiny_gru(), split, dev=split, cfg=lm_config(epochs=5, batch_size=4), on_epoch=on_epoch, task=LM)
    assert [r["epoch"] for r in seen] == [1, 2] and all(math.isfinite(r["dev_nll"]) for r in seen)


def test_nll_by_position_divides_once_per_position():
    split = lm_split(NAMES, VOCAB)
    rows = nll_by_position(Fixed(), split, batch_size=5)
    assert sum(r["n"] for r in rows) == sum(len(n) + 1 for n in NAMES)
    assert rows[0]["n"] == len(NAMES) and rows[-1]["position"] == max(len(n) for n in NAMES)
    total = sum(r["nll"] * r["n"] for r in rows) / sum(r["n"] for r in rows)
    assert math.isclose(total, evaluate_lm(Fixed(), split)["nll"], rel_tol=1e-6)


def test_fit_counts_the_ngram_in_one_pass():
    split = lm_split(NAMES, VOCAB)
    model = create_model("ngram", "lm", VOCAB.size, order=2)
    res = fit_lm(model, split, None)
    assert res.steps == 0 and len(res.history) == 1 and LM.counts(model)
    assert evaluate_lm(model, split)["nll"] < math.log(VOCAB.size - 1)


@pytest.fixture(scope="module")
def trained():
    model = tiny_gru()
    fit_lm(model, lm_split(NAMES, VOCAB), None, lm_config(epochs=40, batch_size=12, lr=2e-2))
    return model


def test_sampling_prefix_seed_and_topk(trained):
    a = sample_names(trained, VOCAB, 8, prefix="ANA", seed=3)
    assert all(s.startswith("ANA") for s in a)
    assert a == sample_names(trained, VOCAB, 8, prefix="ANA", seed=3)
    greedy = sample_names(trained, VOCAB, 5, top_k=1, seed=1)
    assert len(set(greedy)) == 1 and greedy == sample_names(trained, VOCAB, 5, top_k=1, seed=2)
    hot = sample_names(trained, VOCAB, 40, temperature=3.0, seed=0)
    cold = sample_names(trained, VOCAB, 40, temperature=0.2, seed=0)
    assert len(set(hot)) > len(set(cold))  # higher temperature spreads the distribution
    assert all(len(s) <= 6 for s in sample_names(trained, VOCAB, 10, temperature=5.0, max_len=6))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"temperature": 0.0}, "temperature"),
        ({"temperature": -1.0}, "temperature"),
        ({"top_k": 0}, "top-k"),
        ({"prefix": "AZ"}, "--prefix"),
        ({"n": 0}, "--n"),
    ],
)
def test_sampling_bad_input(trained, kwargs, match):
    with pytest.raises(InputError, match=match):
        sample_names(trained, VOCAB, **{"n": 2, **kwargs})


def test_marks_and_stats():
    samples = ["ANA", "ZOE", "ANA", "EVA", "NEW"]
    marks = mark_samples(samples, train=["ANA", "LUIS"], heldout=["EVA", "ANA"])
    assert marks == ["training", "new", "training", "held-out real", "new"]
    stats = sample_stats(samples, marks)
    assert stats["pct_new"] == 40.0 and stats["pct_unique"] == 80.0
    assert stats["pct_training"] == 40.0 and stats["pct_heldout"] == 20.0


def test_max_time_stops_training():
    res = fit_lm(tiny_gru(), lm_split(NAMES, VOCAB), None, lm_config(epochs=50, batch_size=2, max_time_s=1e-6))
    assert res.stop_reason == "time" and len(res.history) == 1 and res.steps == 1
