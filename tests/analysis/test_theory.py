"""Analytic FLOP formulas against torch's FlopCounterMode; receptive field and serial steps."""

import pytest
import torch
from torch import nn
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.utils.flop_counter import FlopCounterMode

from seqarena.analysis.theory import (
    FLOP_RULES,
    analyse_model,
    attention_core_flops,
    comparison_table,
    conv1d_flops,
    linear_flops,
    receptive_field,
    recurrent_flops,
)
from seqarena.models import list_models
from seqarena.models.attention import SelfAttention


def counted(fn) -> int:
    with torch.no_grad(), sdpa_kernel(SDPBackend.MATH), FlopCounterMode(display=False) as c:
        fn()
    return int(c.get_total_flops())


def test_linear_formula_matches_flop_counter():
    m, x = nn.Linear(7, 5), torch.randn(3, 4, 7)
    assert linear_flops(m, x, m(x)) == counted(lambda: m(x)) == 2 * 12 * 7 * 5


@pytest.mark.parametrize("k,dilation,groups,stride", [(3, 1, 1, 1), (5, 2, 2, 1), (4, 1, 1, 2)])
def test_conv_formula_matches_flop_counter(k, dilation, groups, stride):
    m = nn.Conv1d(6, 8, k, dilation=dilation, groups=groups, stride=stride)
    x = torch.randn(2, 6, 30)
    assert conv1d_flops(m, x, m(x)) == counted(lambda: m(x)) > 0


@pytest.mark.parametrize("causal", [False, True])
def test_attention_formula_matches_flop_counter(causal):
    m = SelfAttention(16, 4, 0.0).eval()
    x = torch.randn(2, 10, 16)
    mask = None if causal else torch.ones(2, 10, dtype=torch.bool)
    expected = attention_core_flops(m, x, None) + linear_flops(m.qkv, x, None) + linear_flops(m.proj, x, None)
    assert counted(lambda: m(x, mask, causal)) == expected


@pytest.mark.parametrize("cell", [nn.RNN, nn.GRU, nn.LSTM])
def test_recurrent_formula_where_the_counter_sees_it(cell):
    """The counter sees decomposed CPU cells (RNN, GRU) and nothing of fused kernels (LSTM): the
    analytic count must equal what it sees whenever it sees anything."""
    m = cell(5, 7, num_layers=2, batch_first=True)
    x = torch.randn(3, 9, 5)
    c = counted(lambda: m(x))
    expected = recurrent_flops(m, x, None)
    assert expected == sum(2 * 3 * 9 * {nn.RNN: 1, nn.GRU: 3, nn.LSTM: 4}[cell] * 7 * (d + 7) for d in (5, 7))
    assert c in (0, expected)


def test_registry_is_covered():
    assert len(list_models("classify")) >= 8
    assert {nn.Linear, nn.Conv1d, nn.GRU, nn.LSTM, nn.RNN, nn.Embedding, SelfAttention} <= set(FLOP_RULES)


@pytest.mark.parametrize("name", list_models("classify"))
def test_every_model_cross_checks(name):
    r = analyse_model(name, 12, vocab_size=50)
    assert r["flops_check"] != "mismatch", (r["flops_total"], r["flops_counted"], r["flops_recurrent"])
    assert r["flops_per_token"] * 12 == pytest.approx(r["flops_total"])
    assert r["params"] > r["params_embedding"] > 0
    assert r["activation_bytes"] > 0
    assert 1 <= r["receptive_field"] <= 12 and r["sequential_steps"] >= 1


def test_context_and_serial_steps_follow_the_architecture():
    T = 20
    gru, cnn, tr = (analyse_model(n, T, vocab_size=50) for n in ("gru", "textcnn", "transformer"))
    assert gru["sequential_steps"] == T and not gru["parallel_over_time"] and gru["context"] == "global"
    assert cnn["sequential_steps"] == 1 and cnn["receptive_field"] == 5 and cnn["context"] == "local"
    assert tr["sequential_steps"] == 2 and tr["receptive_field"] == T
    wide = analyse_model("textcnn", T, vocab_size=50, kernel_sizes=(2, 7))
    assert wide["receptive_field"] == 7
    # attention's cost per token grows with T, a convolution's does not
    tr2, cnn2 = analyse_model("transformer", 2 * T, vocab_size=50), analyse_model("textcnn", 2 * T, vocab_size=50)
    assert tr2["flops_per_token"] > tr["flops_per_token"]
    assert cnn2["flops_per_token"] == pytest.approx(cnn["flops_per_token"], rel=0.2)


def test_stacked_dilated_convs_add_their_spans():
    c1, c2, c3 = nn.Conv1d(4, 4, 3), nn.Conv1d(4, 4, 3, dilation=2), nn.Conv1d(4, 4, 5)
    x = torch.randn(1, 4, 40)
    y1 = c1(x)
    calls = [(c1, x, y1), (c2, y1, c2(y1)), (c3, y1, c3(y1))]  # c2 and c3 read the same input: parallel
    rf, _rule, stages, kernels = receptive_field(calls)
    assert (rf, stages, kernels) == (1 + 2 + max(2 * 2, 4), 2, [3, 3, 5])
    s1 = nn.Conv1d(4, 4, 2, stride=2)  # a strided stage doubles the span of everything after it
    z = s1(x)
    rf, *_ = receptive_field([(s1, x, z), (c1, z, c1(z))])
    assert rf == 1 + 1 + 2 * 2


def test_comparison_table_has_the_seed_rows():
    rows = [analyse_model(n, 16, vocab_size=50) for n in ("gru", "textcnn")]
    table = comparison_table(rows)
    assert [r["dimension"] for r in table] == ["parallelism", "n-grams", "long context", "speed", "parameters"]
    assert all(set(r) == {"dimension", "gru", "textcnn"} for r in table)
