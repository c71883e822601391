"""Every registered classifier, at tiny sizes: shapes, backward, padding invariance, determinism."""

import pytest
import torch

from seqarena.errors import InputError
from seqarena.models import FAMILIES, MODELS, count_params, create_model, list_models, model_hparams
from seqarena.models.layers import zero_unknown_row

CLASSIFIERS = list_models("classify")
V, C = 60, 3


def test_registry_size():
    # a test parametrised over an empty registry would silently cover nothing
    assert len(CLASSIFIERS) == 8
    assert set(CLASSIFIERS) == {"rnn", "gru", "lstm", "bilstm", "textcnn", "cnn_rnn", "transformer", "bow"}


def batch(seed=0, B=5, T=11):
    g = torch.Generator().manual_seed(seed)
    lengths = torch.tensor([T, 7, 3, 1, 5][:B])
    tokens = torch.randint(1, V, (B, T), generator=g)
    tokens[torch.arange(T)[None, :] >= lengths[:, None]] = 0
    return tokens, lengths


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_shapes_and_attributes(name):
    m = create_model(name, "classify", V, C)
    x, L = batch()
    assert m(x, L).shape == (5, C)
    assert m.family in FAMILIES and m.family == MODELS[name].family
    assert m.causal is False
    assert m.config["hparams"] == model_hparams(name, "classify")


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_backward_reaches_every_parameter(name):
    m = create_model(name, "classify", V, C)
    x, L = batch()
    torch.nn.functional.cross_entropy(m(x, L), torch.tensor([0, 1, 2, 0, 1])).backward()
    missing = [n for n, p in m.named_parameters() if p.grad is None or not torch.isfinite(p.grad).all()]
    assert not missing


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_padding_never_changes_the_answer(name):
    torch.manual_seed(0)
    m = create_model(name, "classify", V, C).eval()
    x, L = batch(T=11)
    with torch.no_grad():
        together = m(x, L)
        for i in range(len(L)):
            alone = m(x[i : i + 1, : L[i]], L[i : i + 1])
            torch.testing.assert_close(alone[0], together[i], atol=1e-5, rtol=0)
            # and inside a batch padded much further than any of its rows
            wide = torch.nn.functional.pad(x, (0, 29))
            torch.testing.assert_close(m(wide, L)[i], together[i], atol=1e-5, rtol=0)


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_pad_token_content_is_ignored(name):
    """Garbage ids in padded positions (a buggy collator) must not change the answer either."""
    torch.manual_seed(0)
    m = create_model(name, "classify", V, C).eval()
    x, L = batch()
    noisy = x.clone()
    pad = torch.arange(x.shape[1])[None, :] >= L[:, None]
    noisy[pad] = 7
    with torch.no_grad():
        torch.testing.assert_close(m(noisy, L), m(x, L), atol=1e-5, rtol=0)


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_same_seed_same_model(name):
    x, L = batch()
    outs = []
    for _ in range(2):
        torch.manual_seed(3)
        outs.append(create_model(name, "classify", V, C).eval()(x, L))
    torch.testing.assert_close(outs[0], outs[1], atol=0, rtol=0)
    torch.manual_seed(4)
    assert not torch.equal(create_model(name, "classify", V, C).eval()(x, L), outs[0])


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_zero_unknown_row_zeroes_only_the_unknown_token(name):
    torch.manual_seed(0)
    m = create_model(name, "classify", V, C)
    before = {k: v.clone() for k, v in m.state_dict().items()}
    zero_unknown_row(m)
    tables = [k for k, v in m.named_modules() if isinstance(v, torch.nn.Embedding)]
    assert tables, "every classifier has a token table"
    for k, v in m.state_dict().items():
        if k.removesuffix(".weight") in tables:
            assert before[k][1].abs().sum() > 0 and torch.equal(v[1], torch.zeros_like(v[1]))
            torch.testing.assert_close(v[2:], before[k][2:], atol=0, rtol=0)
            torch.testing.assert_close(v[0], before[k][0], atol=0, rtol=0)
        else:
            torch.testing.assert_close(v, before[k], atol=0, rtol=0)


def test_seed_parameter_counts():
    """Seed 000's shapes with vocabulary 5000 and embedding 64."""
    expected = {"gru": 394_754, "bilstm": 386_818, "textcnn": 369_730, "cnn_rnn": 407_106}
    got = {n: count_params(create_model(n, "classify", 5000, 2)) for n in expected}
    assert got == expected


def test_bilstm_equals_packed_bidirectional_lstm():
    """The within-length reversal is nn.LSTM(bidirectional=True) over packed sequences."""
    from torch.nn.utils.rnn import pack_padded_sequence

    torch.manual_seed(0)
    m = create_model("bilstm", "classify", V, C, d_embed=8, d_hidden=6).eval()
    ref = torch.nn.LSTM(8, 6, bidirectional=True, batch_first=True)
    with torch.no_grad():
        for p in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(ref, f"{p}_l0").copy_(getattr(m.fwd[0], f"{p}_l0"))
            getattr(ref, f"{p}_l0_reverse").copy_(getattr(m.bwd[0], f"{p}_l0"))
        x, L = batch()
        _, (h, _) = ref(pack_padded_sequence(m.emb(x), L, batch_first=True, enforce_sorted=False))
        torch.testing.assert_close(m.encode(x, L), torch.cat([h[0], h[1]], -1), atol=1e-6, rtol=0)


@pytest.mark.parametrize("name", ["gru", "bilstm", "lstm"])
def test_multilayer_recurrent(name):
    m = create_model(name, "classify", V, C, n_layers=2).eval()
    x, L = batch()
    with torch.no_grad():
        torch.testing.assert_close(m(x[3:4, :1], L[3:4])[0], m(x, L)[3], atol=1e-5, rtol=0)


def test_unknown_model_and_hparam():
    with pytest.raises(ValueError, match="unknown model 'nope'; choose from"):
        create_model("nope", "classify", V, C)
    with pytest.raises(InputError, match="unknown hyperparameter"):
        create_model("gru", "classify", V, C, d_hiden=3)
    with pytest.raises(InputError, match="unknown task"):
        list_models("translate")


def test_overrides_change_the_model():
    small = count_params(create_model("textcnn", "classify", V, C, n_filters=4, kernel_sizes=(2,)))
    assert small == V * 64 + 64 * 4 * 2 + 4 + 4 * C + C


def test_textcnn_edge_pad_is_kims_fixed_length_padding_and_padding_invariant():
    """edge_pad=True equals Kim's recipe computed plainly: every text laid in a zero matrix of a fixed
    length with k_max - 1 zeros before it, conv + ReLU + max over every window, no mask."""
    torch.manual_seed(0)
    m = create_model("textcnn", "classify", V, C, edge_pad=True).eval()
    x, L = batch(T=11)
    pad, max_len = 4, 11
    with torch.no_grad():
        got = m.encode(x, L)
        for i in range(len(L)):
            e = torch.zeros(1, pad + max_len + pad, m.emb.embedding_dim)
            e[0, pad : pad + L[i]] = m.emb(x[i, : L[i]])
            want = torch.cat([torch.relu(c(e.transpose(1, 2))).amax(2) for c in m.convs], 1)[0]
            torch.testing.assert_close(got[i], want, atol=1e-5, rtol=0)
            alone = m(x[i : i + 1, : L[i]], L[i : i + 1])[0]
            torch.testing.assert_close(alone, m(x, L)[i], atol=1e-5, rtol=0)
        plain = create_model("textcnn", "classify", V, C).eval()
        plain.load_state_dict(m.state_dict())  # same weights, masked valid windows only
        assert not torch.allclose(got, plain.encode(x, L))
