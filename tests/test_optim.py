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
    dense = create_model(name, "classify", vocab, 3)
    lazy = copy.deepcopy(dense)
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
    for (n, a), b in zip(dense.named_parameters(), lazy.parameters()):
        assert torch.allclose(a, b, rtol=1e-4, atol=1e-6), n
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
