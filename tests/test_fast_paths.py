"""The fast paths (fused GRU time loop, TextCNN's conv + max-pool with a sparse backward) compute the
same function and the same gradients as the plain PyTorch layers they replace."""

import pytest
import torch
import torch.nn.functional as F

from seqarena import kernels
from seqarena.models import create_model, list_models
from seqarena.models.fast_rnn import FastGRU


def batch(V=60, B=6, T=13, seed=0):
    g = torch.Generator().manual_seed(seed)
    lengths = torch.tensor([T, 9, 4, 1, 7, 2][:B])
    tokens = torch.randint(1, V, (B, T), generator=g)
    tokens[torch.arange(T)[None, :] >= lengths[:, None]] = 0
    return tokens, lengths


def logits_and_grads(model, tokens, lengths, y):
    model.zero_grad(set_to_none=True)
    out = model(tokens, lengths)
    F.cross_entropy(out, y).backward()
    return out.detach(), {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}


@pytest.mark.parametrize("name,overrides", [(m, {}) for m in list_models("classify")]
                         + [("textcnn", {"edge_pad": True}), ("gru", {"n_layers": 2}), ("cnn_rnn", {"kernel_size": 4})])
def test_fast_and_reference_paths_agree(name, overrides):
    torch.manual_seed(0)
    model = create_model(name, "classify", 60, 3, **overrides).eval()  # eval: no dropout, same function
    tokens, lengths = batch()
    y = torch.tensor([0, 1, 2, 0, 1, 2])
    fast_out, fast_grads = logits_and_grads(model, tokens, lengths, y)
    with kernels.disabled():
        ref_out, ref_grads = logits_and_grads(model, tokens, lengths, y)
    torch.testing.assert_close(fast_out, ref_out, atol=1e-5, rtol=1e-4)
    assert fast_grads.keys() == ref_grads.keys()
    for n in ref_grads:
        torch.testing.assert_close(fast_grads[n], ref_grads[n], atol=1e-5, rtol=1e-4, msg=n)


def test_fast_gru_takes_the_fused_path_and_matches_nn_gru_with_an_initial_state():
    if kernels.load() is None:
        pytest.skip("no C compiler here: FastGRU is nn.GRU")
    torch.manual_seed(0)
    ref = torch.nn.GRU(5, 7, batch_first=True)
    fast = FastGRU(5, 7, batch_first=True)
    fast.load_state_dict(ref.state_dict())
    x = torch.randn(3, 6, 5, requires_grad=True)
    h0 = torch.randn(1, 3, 7, requires_grad=True)
    outs = []
    for m in (ref, fast):
        out, h = m(x, h0)
        (out.pow(2).sum() + h.sin().sum()).backward()
        outs.append((out.detach(), h.detach(), x.grad.clone(), h0.grad.clone(),
                     [p.grad.clone() for p in m.parameters()]))
        x.grad = h0.grad = None
    (o1, h1, gx1, gh1, gp1), (o2, h2, gx2, gh2, gp2) = outs
    for a, b in [(o1, o2), (h1, h2), (gx1, gx2), (gh1, gh2), *zip(gp1, gp2)]:
        torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-4)
    # the fused path is one autograd node, nn.GRU's is not: the fast path really ran
    assert type(fast(x)[0].grad_fn).__name__ != type(ref(x)[0].grad_fn).__name__


def test_kernels_can_be_switched_off_and_a_failed_build_falls_back(monkeypatch, tmp_path):
    monkeypatch.setenv("SEQARENA_KERNEL_CACHE", str(tmp_path))
    kernels.load.cache_clear()
    try:
        monkeypatch.setenv("SEQARENA_KERNELS", "0")
        assert kernels.load() is None
        kernels.load.cache_clear()
        monkeypatch.delenv("SEQARENA_KERNELS")
        monkeypatch.setenv("CC", "/bin/false")  # a compiler that always fails
        assert kernels.load() is None
        assert not list(tmp_path.glob("*.so"))  # nothing half-built left in the cache
        m = FastGRU(4, 5, batch_first=True)  # and the layer still works, as nn.GRU
        out, _ = m(torch.randn(2, 3, 4))
        assert out.shape == (2, 3, 5)
    finally:
        kernels.load.cache_clear()


@pytest.mark.parametrize("p", [0.1, 0.3, 0.5])
def test_dropout_keeps_one_minus_p_scales_and_passes_gradient_through_the_mask(p):
    from seqarena.models.layers import Dropout

    torch.manual_seed(0)
    drop = Dropout(p)
    x = torch.ones(1_000_000, requires_grad=True)
    y = drop(x)
    kept = y.detach() != 0
    assert abs(kept.float().mean().item() - (1 - p)) < 0.003  # 1M draws: std of the mean ~5e-4
    assert torch.allclose(y.detach()[kept], torch.full((int(kept.sum()),), 1 / (1 - p)))
    y.sum().backward()
    torch.testing.assert_close(x.grad, y.detach())  # d(x * mask * s)/dx = mask * s
    torch.manual_seed(0)
    assert torch.equal(Dropout(p)(torch.ones(1_000_000)), y.detach())  # seeded: repeats
    assert torch.equal(drop.eval()(x), x)  # identity in eval mode


def test_loading_the_kernel_keeps_ieee_semantics():
    """The kernel must not switch the process to flush-to-zero (as -ffast-math linking does) nor hide
    NaN: a diverged run has to show NaN as it would with nn.GRU."""
    if kernels.load() is None:
        pytest.skip("no C compiler here")
    assert (torch.tensor([1e-39]) * 1.0).item() != 0.0  # a subnormal survives
    torch.manual_seed(0)
    fast = FastGRU(4, 5)  # time-major, and a one-step sequence
    ref = torch.nn.GRU(4, 5)
    ref.load_state_dict(fast.state_dict())
    x = torch.randn(1, 3, 4)
    torch.testing.assert_close(fast(x)[0], ref(x)[0], atol=1e-6, rtol=1e-5)
    x = torch.randn(6, 3, 4)
    x[2, 0, 1] = float("nan")
    out = fast(x)[0]
    assert torch.isnan(out[2:, 0]).all() and torch.isfinite(out[:, 1:]).all()


def test_dropout_falls_back_where_the_16_bit_threshold_cannot_express_p():
    from seqarena.models.layers import Dropout

    x = torch.ones(1000)
    assert torch.equal(Dropout(1.0)(x), torch.zeros(1000))
    assert Dropout(1 - 1e-7)(x).abs().sum() < 1e-3 * 1000 / 1e-7  # nn.Dropout's path, no overflow
