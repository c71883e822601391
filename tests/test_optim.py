"""LazyAdadelta with sparse embedding gradients gives the weights of torch's dense Adadelta."""

import copy

import pytest
import torch
import torch.nn.functional as F

from seqarena.config import TrainConfig
from seqarena.data.batching import Split
from seqarena.models import create_model
from seqarena.train.loop import fit, lazy_adadelta_applies, make_optimizer
from seqarena.train.optim import LazyAdadelta, use_sparse_embeddings


@pytest.mark.parametrize("name", ["textcnn", "gru", "bow"])
def test_lazy_adadelta_matches_dense_adadelta(name):
    torch.manual_seed(0)
    vocab = 200
    small = {"n_buckets": 512} if name == "bow" else {}  # dense Adadelta over 2^18 n-gram rows is slow
    dense = create_model(name, "classify", vocab, 3, **small)
    lazy, start = copy.deepcopy(dense), copy.deepcopy(dense)
    assert use_sparse_embeddings(lazy)
    opt_d = torch.optim.Adadelta(dense.parameters(), lr=1.0, rho=0.95, eps=1e-6)
    opt_l = LazyAdadelta(lazy.parameters(), lr=1.0, rho=0.95, eps=1e-6)
    g = torch.Generator().manual_seed(1)
    for step in range(30):
        # a narrow slice of the vocabulary per step, so most rows skip many steps in a row
        lo = (step * 37) % (vocab - 20) + 2
        x = torch.randint(lo, lo + 20, (8, 12), generator=g)
        lengths = torch.randint(5, 13, (8,), generator=g)
        x[torch.arange(12)[None, :] >= lengths[:, None]] = 0
        y = torch.randint(0, 3, (8,), generator=g)
        for model, opt in ((dense, opt_d), (lazy, opt_l)):
            model.eval()  # no dropout, so both see the same function
            opt.zero_grad(set_to_none=True)
            F.cross_entropy(model(x, lengths), y).backward()
            opt.step()
    # compare what training moved, not the weights (steps are ~1e-3 on weights of ~1): a wrong decay
    # of the accumulators changes the movement by percents
    for (n, a), b, a0 in zip(dense.named_parameters(), lazy.parameters(), start.parameters()):
        torch.testing.assert_close(b - a0, a - a0, rtol=1e-3, atol=1e-7, msg=n)
    emb = lazy.emb.weight.grad
    assert emb is not None and emb.is_sparse


def test_fit_uses_lazy_adadelta_and_restores_dense_embeddings():
    cfg = TrainConfig(epochs=1, batch_size=4, optimizer="adadelta", lr=1.0, rho=0.95)
    assert lazy_adadelta_applies(cfg)
    assert isinstance(make_optimizer([torch.nn.Parameter(torch.zeros(2))], cfg), LazyAdadelta)
    assert not lazy_adadelta_applies(TrainConfig(optimizer="adadelta", grad_clip=1.0))
    tokens = torch.randint(2, 50, (16, 6))
    split = Split(tokens, torch.full((16,), 6), torch.randint(0, 2, (16,)))
    model = create_model("textcnn", "classify", 50, 2)
    fit(model, split, cfg=cfg)
    assert not model.emb.sparse


@pytest.mark.parametrize("name,wd", [("adam", 0.0), ("adam", 0.01), ("adamw", 0.05)])
def test_fused_adam_equals_torch_adam(name, wd):
    torch.manual_seed(0)
    ours = create_model("gru", "classify", 50, 3)
    ref = copy.deepcopy(ours)
    opt = make_optimizer(ours.parameters(), TrainConfig(optimizer=name, lr=1e-2, weight_decay=wd))
    cls = torch.optim.AdamW if name == "adamw" else torch.optim.Adam
    ref_opt = cls(ref.parameters(), lr=1e-2, weight_decay=wd, fused=True)
    g = torch.Generator().manual_seed(0)
    for _ in range(5):
        x = torch.randint(1, 50, (4, 7), generator=g)
        lengths, y = torch.full((4,), 7), torch.randint(0, 3, (4,), generator=g)
        for model, o in ((ours, opt), (ref, ref_opt)):
            model.eval()
            o.zero_grad(set_to_none=True)
            F.cross_entropy(model(x, lengths), y).backward()
            o.step()
    for (n, a), b in zip(ours.named_parameters(), ref.parameters()):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-7, msg=n)


def test_training_does_not_import_torch_dynamo():
    """torch.optim.Optimizer imports torch._dynamo on first use (~1.5 s in every worker process)."""
    import subprocess
    import sys

    code = ("import sys, torch\n"
            "from seqarena.config import TrainConfig\n"
            "from seqarena.data.synthetic import BigramTaskConfig, make_bigram_task\n"
            "from seqarena.models import create_model\n"
            "from seqarena.train.loop import fit\n"
            "tr, te = make_bigram_task(BigramTaskConfig(n_train=64, n_test=32))\n"
            "for opt in ('adam', 'adadelta', 'sgd'):\n"
            "    fit(create_model('textcnn', 'classify', 5000, 2), tr, te, cfg=TrainConfig(epochs=1, optimizer=opt))\n"
            "print('torch._dynamo' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


@pytest.mark.parametrize("wd", [0.0, 0.1])
def test_sgd_equals_torch_sgd(wd):
    from seqarena.train.optim import SGD

    torch.manual_seed(0)
    a = torch.nn.Linear(5, 3)
    b = copy.deepcopy(a)
    mine, ref = SGD(a.parameters(), lr=0.3, weight_decay=wd), torch.optim.SGD(b.parameters(), lr=0.3, weight_decay=wd)
    x = torch.randn(8, 5)
    for _ in range(3):
        for m, opt in ((a, mine), (b, ref)):
            opt.zero_grad()
            m(x).pow(2).sum().backward()
            opt.step()
    for p, q in zip(a.parameters(), b.parameters()):
        torch.testing.assert_close(p, q, atol=1e-6, rtol=1e-6)


def test_sparse_rows_take_the_kernel_or_scatter_and_agree():
    from seqarena import kernels
    from seqarena.train.optim import _add_rows

    w = torch.randn(20, 7)
    rows = torch.tensor([3, 5, 3, 19])  # a repeated row adds up
    values = torch.randn(4, 7)
    grad = torch.sparse_coo_tensor(rows[None], values, w.shape, check_invariants=False)
    want = w.clone().index_add_(0, rows, values, alpha=-0.5)
    fast, ref = w.clone(), w.clone()
    _add_rows(fast, grad, -0.5)
    with kernels.disabled():
        _add_rows(ref, grad, -0.5)
    torch.testing.assert_close(fast, want, atol=1e-6, rtol=0)
    torch.testing.assert_close(ref, want, atol=1e-6, rtol=0)


def test_linear_schedule_decays_to_zero_over_the_run():
    from seqarena.train.loop import lr_at

    cfg = TrainConfig(lr=2.0, lr_schedule="linear")
    assert [lr_at(cfg, s, 4) for s in range(4)] == [2.0, 1.5, 1.0, 0.5]
    assert lr_at(TrainConfig(lr=2.0), 3, 4) == 2.0
    with pytest.raises(ValueError, match="lr_schedule"):
        TrainConfig(lr_schedule="cosine-ish")
