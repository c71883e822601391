"""Every "lm" model in the registry: shapes, causality, padding invariance, backward; plus the
receptive field of the causal CNN and the normalisation of the n-gram baseline."""

import pytest
import torch

from seqarena.models import FAMILIES, MODELS, create_model, list_models
from seqarena.models.causal_conv import receptive_field
from seqarena.train.task import CountModel

V = 12
LM_MODELS = list_models("lm")
TINY = {
    "rnn": {"d_hidden": 16, "d_embed": 8},
    "gru": {"d_hidden": 16, "d_embed": 8},
    "lstm": {"d_hidden": 16, "d_embed": 8, "n_layers": 2},
    "transformer": {"d_model": 16, "d_ff": 32},
    "causal_cnn": {"d_hidden": 16},
    "ngram": {"order": 3},
}


def test_registry_covers_lm_task():
    # the registry's size is asserted so that the parametrised tests below cannot silently cover nothing
    assert set(LM_MODELS) == {"rnn", "gru", "lstm", "transformer", "causal_cnn", "ngram"}
    assert set(TINY) == set(LM_MODELS)
    for name in LM_MODELS:
        assert MODELS[name].family in FAMILIES
    assert "lm" not in MODELS["bilstm"].builders  # bidirectional models cannot be causal


def build(name: str, **extra) -> torch.nn.Module:
    torch.manual_seed(0)
    model = create_model(name, "lm", V, **{**TINY[name], **extra})
    if isinstance(model, CountModel):  # give the counts something to say
        g = torch.Generator().manual_seed(1)
        x = torch.randint(1, V, (50, 9), generator=g)
        model.fit_counts(x, torch.roll(x, -1, 1), torch.full((50,), 9))
    return model.eval()


def batch(B=3, T=7, seed=0):
    g = torch.Generator().manual_seed(seed)
    tokens = torch.randint(1, V, (B, T), generator=g)
    lengths = torch.tensor([T, T - 2, 3])[:B]
    for i, n in enumerate(lengths.tolist()):
        tokens[i, n:] = 0
    return tokens, lengths


@pytest.mark.parametrize("name", LM_MODELS)
def test_shape_and_flags(name):
    model = build(name)
    tokens, lengths = batch()
    logits = model(tokens, lengths)
    assert logits.shape == (3, 7, V)
    assert model.causal is True and model.family == MODELS[name].family
    assert torch.isfinite(logits[:, :, 1:]).all()


@pytest.mark.parametrize("name", LM_MODELS)
def test_future_tokens_do_not_change_earlier_logits(name):
    model = build(name)
    tokens, lengths = batch(B=1, T=8)
    lengths = torch.tensor([8])
    tokens[0] = torch.arange(1, 9) % (V - 1) + 1
    t = 5
    changed = tokens.clone()
    changed[0, t] = (changed[0, t] % (V - 1)) + 1  # a different real token at position t
    with torch.no_grad():
        a, b = model(tokens, lengths), model(changed, lengths)
    assert torch.allclose(a[:, :t], b[:, :t], atol=1e-5)
    assert not torch.allclose(a[:, t:], b[:, t:], atol=1e-5)  # ... and it does change later ones


@pytest.mark.parametrize("name", LM_MODELS)
def test_padding_never_changes_an_answer(name):
    model = build(name)
    tokens, lengths = batch()
    with torch.no_grad():
        full = model(tokens, lengths)
        for i, n in enumerate(lengths.tolist()):
            alone = model(tokens[i : i + 1, :n], lengths[i : i + 1])
            assert torch.allclose(alone[0], full[i, :n], atol=1e-5), f"row {i}"


@pytest.mark.parametrize("name", [n for n in LM_MODELS if n != "ngram"])
def test_backward_reaches_every_parameter(name):
    model = build(name).train()
    tokens, lengths = batch()
    model(tokens, lengths)[:, :, 1:].logsumexp(-1).sum().backward()
    for pname, p in model.named_parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all(), pname


def test_one_hot_input_as_in_the_seed():
    model = create_model("rnn", "lm", V, d_hidden=8, one_hot=True)
    assert model.emb is None and model.rnn.input_size == V
    assert model(*batch()).shape == (3, 7, V)


def test_causal_cnn_receptive_field_is_exact():
    assert receptive_field(3, 4) == 31
    torch.manual_seed(0)
    model = create_model("causal_cnn", "lm", V, d_hidden=8, n_layers=2, kernel_size=2).eval()
    rf = model.receptive_field
    assert rf == 4  # 1 + (2 - 1) * (1 + 2)
    tokens = torch.randint(1, V, (1, 10))
    lengths = torch.tensor([10])
    t = 9
    with torch.no_grad():
        base = model(tokens, lengths)[0, t]
        outside, inside = tokens.clone(), tokens.clone()
        outside[0, t - rf] = outside[0, t - rf] % (V - 1) + 1
        inside[0, t - rf + 1] = inside[0, t - rf + 1] % (V - 1) + 1
        assert torch.allclose(model(outside, lengths)[0, t], base)
        assert not torch.allclose(model(inside, lengths)[0, t], base)


@pytest.mark.parametrize("order", [1, 2, 4])
def test_ngram_is_a_distribution_and_prefers_seen_ngrams(order):
    model = create_model("ngram", "lm", V, order=order)
    x = torch.tensor([[1, 2, 3, 4, 5, 2, 3]])
    y = torch.tensor([[2, 3, 4, 5, 2, 3, 1]])
    model.fit_counts(x, y, torch.tensor([7]))
    p = model(x, torch.tensor([7])).exp()  # (1, 7, V)
    assert torch.allclose(p.sum(-1), torch.ones(1, 7), atol=1e-5)
    assert float(p[0, :, 0].max()) == 0.0  # padding is never predicted
    assert float(p[0, 1, 3]) > float(p[0, 1, 7])  # 2 -> 3 was seen, 2 -> 7 never
    assert model.n_grams > 0 and sum(p.numel() for p in model.parameters()) == 0


def test_ngram_refuses_tables_too_large():
    with pytest.raises(ValueError, match="order"):
        create_model("ngram", "lm", 200, order=5)
