"""Count n-gram language model, the honest baseline: order 2 is the bigram table of makemore's first
lecture, higher orders are interpolated with Witten-Bell smoothing down to a uniform distribution.

The counts and the smoothed log-probabilities are buffers (saved in checkpoints), not parameters:
the model is fitted by counting (`fit_counts`), not by gradient descent."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from seqarena.data.batching import PAD_ID
from seqarena.data.names import BOUNDARY_ID  # contexts before the first token are made of it
from seqarena.errors import InputError
from seqarena.models.layers import length_mask

MAX_TABLE = 2**25  # V**order entries held densely


class NGramLM(nn.Module):
    family = "baseline"
    causal = True

    def __init__(self, vocab_size: int, order: int) -> None:
        super().__init__()
        if not 1 <= order <= 6:
            raise InputError(f"ngram: order must be 1..6 (got {order})")
        if vocab_size**order > MAX_TABLE:
            raise InputError(
                f"ngram: order {order} with {vocab_size} tokens needs a {vocab_size}**{order} table; "
                f"lower the order"
            )
        self.order, self.V = order, vocab_size
        # counts[h_1, ..., h_{n-1}, w]: oldest context token first, target last
        self.register_buffer("counts", torch.zeros((vocab_size,) * order))
        self.register_buffer("logp", torch.full((vocab_size ** (order - 1), vocab_size), 0.0))
        if self.counts.device.type != "meta":  # a shape-only model (models.meta_model) has nothing to smooth
            self._smooth()

    @property
    def n_grams(self) -> int:
        """Distinct n-grams seen in training."""
        return int((self.counts > 0).sum())

    def contexts(self, tokens: torch.Tensor) -> torch.Tensor:
        """(B, T) row index into `logp`: the last order-1 tokens up to t, <s> before the start."""
        B, T = tokens.shape
        ctx = torch.zeros(B, T, dtype=torch.long, device=tokens.device)
        if self.order == 1:
            return ctx
        padded = F.pad(tokens, (self.order - 2, 0), value=BOUNDARY_ID)  # (B, T + n - 2)
        for j in range(self.order - 1):  # oldest first, so dropping it is `index mod V**(k-2)`
            ctx = ctx * self.V + padded[:, j : j + T]
        return ctx

    @torch.no_grad()
    def fit_counts(self, tokens: torch.Tensor, targets: torch.Tensor, lengths: torch.Tensor) -> None:
        """Add the (context, target) pairs of a batch at real positions, then re-smooth."""
        mask = length_mask(lengths, tokens.shape[1])
        idx = self.contexts(tokens)[mask] * self.V + targets[:, : tokens.shape[1]][mask]
        self.counts.view(-1).index_add_(0, idx, torch.ones_like(idx, dtype=self.counts.dtype))
        self._smooth()

    @torch.no_grad()
    def _smooth(self) -> None:
        """Witten-Bell: P_k(w|h) = (c(h,w) + u(h) P_{k-1}(w|h')) / (c(h) + u(h)), u(h) = distinct
        successors of h, h' = h without its oldest token; an unseen h backs off entirely."""
        V = self.V
        c = self.counts.double()
        p = torch.full((1, V), 1.0 / (V - 1), dtype=torch.float64, device=c.device)
        p[:, PAD_ID] = 0.0  # padding is never a target
        for k in range(1, self.order + 1):
            ck = c.sum(dim=tuple(range(self.order - k))) if k < self.order else c
            ck = ck.reshape(V ** (k - 1), V)
            backoff = p[torch.arange(V ** (k - 1), device=c.device) % p.shape[0]]  # (V**(k-1), V)
            total, types = ck.sum(1, keepdim=True), (ck > 0).sum(1, keepdim=True).double()
            p = torch.where(total > 0, (ck + types * backoff) / (total + types).clamp(min=1), backoff)
        self.logp.copy_(p.log().float())

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        return self.logp[self.contexts(tokens)]  # (B, T, V) log-probabilities; padding gets -inf


def build_ngram_lm(vocab_size: int, num_classes: int | None, order: int = 4) -> nn.Module:
    """order 2: bigram; order 4 (default): smoothed 4-gram."""
    return NGramLM(vocab_size, order)
