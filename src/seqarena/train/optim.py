"""Adadelta that updates an embedding table only at the rows a batch touched, exactly.

Kim's (2014) preset trains a 300-d embedding of ~20k words with Adadelta. torch's Adadelta updates all
6 M entries (and their two accumulators) at every step although a batch of 50 sentences touches ~1k
rows; on a CPU that is half of each step. For a row whose gradient is zero, one Adadelta step is

    E[g²] <- rho·E[g²],   delta = 0,   E[dx²] <- rho·E[dx²],   the weights do not move,

so k skipped steps are the factor rho^k on both accumulators. `LazyAdadelta` keeps, per row, the step
it was last updated at, applies the missed factor when the row is touched again, then takes the
ordinary step: the weights are those of dense Adadelta (to float rounding), at a fraction of the cost.
Parameters with dense gradients take the ordinary step. Sparse gradients come from embeddings switched
to `sparse=True` by `use_sparse_embeddings`.
"""

from __future__ import annotations

import torch
from torch import nn


class LazyAdadelta(torch.optim.Optimizer):
    """Adadelta (Zeiler 2012, as torch.optim.Adadelta with weight_decay=0) accepting sparse row gradients."""

    def __init__(self, params, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6) -> None:
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"rho must be in [0, 1] (got {rho})")
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps))

    @torch.no_grad()
    def step(self, closure=None):
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            lr, rho, eps = group["lr"], group["rho"], group["eps"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["square_avg"] = torch.zeros_like(p)
                    state["acc_delta"] = torch.zeros_like(p)
                state["step"] += 1
                if p.grad.is_sparse:
                    self._sparse_step(p, state, lr, rho, eps)
                else:
                    _adadelta_(p, p.grad, state["square_avg"], state["acc_delta"], lr, rho, eps)
        return loss

    @staticmethod
    def _sparse_step(p, state, lr, rho, eps) -> None:
        grad = p.grad.coalesce()
        rows = grad.indices()[0]
        if rows.numel() == 0:
            return
        g = grad.values()
        if "last" not in state:  # the step at which each row was last brought up to date
            state["last"] = torch.zeros(p.shape[0], dtype=torch.long, device=p.device)
        missed = (state["step"] - 1 - state["last"][rows]).to(p.dtype)
        decay = torch.pow(torch.as_tensor(rho, dtype=p.dtype, device=p.device), missed).unsqueeze(-1)
        sq = state["square_avg"][rows] * decay
        acc = state["acc_delta"][rows] * decay
        w = p[rows]
        _adadelta_(w, g, sq, acc, lr, rho, eps)
        state["square_avg"][rows] = sq
        state["acc_delta"][rows] = acc
        p[rows] = w
        state["last"][rows] = state["step"]


def _adadelta_(p, grad, square_avg, acc_delta, lr, rho, eps) -> None:
    """One Adadelta step in place, in the operation order of torch.optim.Adadelta."""
    square_avg.mul_(rho).addcmul_(grad, grad, value=1 - rho)
    std = square_avg.add(eps).sqrt_()
    delta = acc_delta.add(eps).sqrt_().div_(std).mul_(grad)
    acc_delta.mul_(rho).addcmul_(delta, delta, value=1 - rho)
    p.add_(delta, alpha=-lr)


def use_sparse_embeddings(model: nn.Module) -> list[nn.Embedding]:
    """Make every nn.Embedding of `model` produce sparse row gradients; returns those it switched.
    The forward pass and the weights are unchanged."""
    switched = [m for m in model.modules() if isinstance(m, nn.Embedding) and not m.sparse]
    for m in switched:
        m.sparse = True
    return switched
