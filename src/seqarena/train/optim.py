"""The classifiers' optimizers: fused Adam/AdamW, and an Adadelta and an SGD that update an embedding
table only at the rows a batch touched, exactly.

Neither subclasses torch.optim.Optimizer: its first call imports torch._dynamo, about 1.5 s that
every worker process paid before its first step (a tenth of a seed-experiment worker's time). They
keep the part of its interface the loops use: `param_groups` (a list of dicts with "lr"), `state`,
`zero_grad` and `step`.

Adadelta:

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

from seqarena import kernels


class _Optimizer:
    """What the training loops use of torch.optim.Optimizer: one parameter group, per-parameter state."""

    def __init__(self, params, **hyper) -> None:
        self.param_groups = [{"params": [p for p in params if p.requires_grad], **hyper}]
        self.state: dict[torch.Tensor, dict] = {}

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.param_groups[0]["params"]:
            if p.grad is not None:
                if set_to_none:
                    p.grad = None
                else:
                    p.grad.zero_()


class FusedAdam(_Optimizer):
    """Adam (or AdamW with `decoupled=True`) exactly as torch.optim.Adam(fused=True): one fused
    kernel (torch._fused_adam_) updates every parameter of a device and dtype."""

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, decoupled: bool = False) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, decoupled=decoupled)

    @torch.no_grad()
    def step(self) -> None:
        g = self.param_groups[0]
        groups: dict[tuple, list[list[torch.Tensor]]] = {}
        for p in g["params"]:
            if p.grad is None:
                continue
            if p.grad.is_sparse:
                raise ValueError("FusedAdam does not take sparse gradients")
            st = self.state.get(p)
            if st is None:  # as torch's fused Adam: float32 step counters beside the parameter
                st = self.state[p] = {"step": torch.zeros((), dtype=torch.float32, device=p.device),
                                      "exp_avg": torch.zeros_like(p), "exp_avg_sq": torch.zeros_like(p)}
            lists = groups.setdefault((p.device, p.dtype), [[], [], [], [], []])
            for lst, t in zip(lists, (p, p.grad, st["exp_avg"], st["exp_avg_sq"], st["step"])):
                lst.append(t)
        fn = torch._fused_adamw_ if g["decoupled"] else torch._fused_adam_
        for params, grads, exp_avgs, exp_avg_sqs, steps in groups.values():
            torch._foreach_add_(steps, 1)
            fn(params, grads, exp_avgs, exp_avg_sqs, [], steps, amsgrad=False, lr=g["lr"], beta1=g["betas"][0],
               beta2=g["betas"][1], weight_decay=g["weight_decay"], eps=g["eps"], maximize=False,
               grad_scale=None, found_inf=None)


class SGD(_Optimizer):
    """Plain SGD (no momentum), as torch.optim.SGD: p <- p - lr (g + weight_decay p). A sparse row
    gradient (fastText's bag of n-grams touches a few hundred of its ~300k rows per batch) moves only
    those rows, which is the dense update exactly: the other rows' step is zero."""

    def __init__(self, params, lr: float = 1e-3, weight_decay: float = 0.0) -> None:
        super().__init__(params, lr=lr, weight_decay=weight_decay)

    @torch.no_grad()
    def step(self) -> None:
        g = self.param_groups[0]
        lr, wd = g["lr"], g["weight_decay"]
        for p in g["params"]:
            if p.grad is None:
                continue
            if p.grad.is_sparse:
                if wd:
                    raise ValueError("SGD: weight decay needs dense gradients")
                _add_rows(p, p.grad, -lr)
            elif wd:
                p.add_(p.grad.add(p, alpha=wd), alpha=-lr)
            else:
                p.add_(p.grad, alpha=-lr)


def _add_rows(p: torch.Tensor, grad: torch.Tensor, alpha: float) -> None:
    """p[rows] += alpha * values for a sparse row gradient, uncoalesced (repeated rows add up): the C
    kernel where it applies, else scatter_add_ (measured 2x faster than index_add_ on the CPU)."""
    rows, values = grad._indices()[0], grad._values()
    lib = kernels.load() if kernels.enabled() and p.device.type == "cpu" else None
    if (lib is not None and p.dtype == values.dtype == torch.float32 and p.is_contiguous() and p.dim() == 2
            and values.is_contiguous() and rows.is_contiguous()):
        lib.rows_axpy(rows.numel(), p.shape[1], alpha, rows.data_ptr(), values.data_ptr(), p.data_ptr())
    else:
        p.scatter_add_(0, rows.unsqueeze(1).expand_as(values), values * alpha)


class LazyAdadelta(_Optimizer):
    """Adadelta (Zeiler 2012, as torch.optim.Adadelta with weight_decay=0) accepting sparse row gradients."""

    def __init__(self, params, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6) -> None:
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"rho must be in [0, 1] (got {rho})")
        super().__init__(params, lr=lr, rho=rho, eps=eps)

    @torch.no_grad()
    def step(self, closure=None):
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            lr, rho, eps = group["lr"], group["rho"], group["eps"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state.setdefault(p, {})
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
