"""Convolutional classifiers: TextCNN (Kim 2014) with max-pooling over real positions only."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from seqarena import kernels
from seqarena.models.layers import Dropout, length_mask, make_embedding, masked_max


class _ConvMaxPool(torch.autograd.Function):
    """relu(max over windows t of (W * x)[t] + b) for one kernel width, with a sparse backward.

    Forward: one matrix product P = x W_j^T for all offsets j at once ((B T, E) x (E, k F)), then the
    k shifted slices of P are summed, so no im2col copy is made. Backward: a max-pool passes gradient
    only to the winning window of each (text, filter), so instead of the dense convolution backward
    (two products over every window) the B x F winning windows are gathered: dW[f] = sum_b dm[b, f]
    window[b, f], and dm[b, f] W[f] is added back onto the k positions of that window. Values equal
    Conv1d + ReLU + masked max (tests compare both, and their gradients)."""

    @staticmethod
    def forward(ctx, x, weight, bias, n_valid, floor_zero: bool):
        # x (B, T, E) contiguous; weight (F, E, k); n_valid (B,) windows that count, or None for all
        B, T, E = x.shape
        F_, _, k = weight.shape
        Tp = T - k + 1
        w_kE = weight.permute(2, 0, 1).reshape(k * F_, E)  # row j F + f = W[f, :, j]
        p = (x.view(B * T, E) @ w_kE.t()).view(B, T, k, F_)
        y = p[:, :Tp, 0].clone()
        for j in range(1, k):
            y += p[:, j : j + Tp, j]
        if n_valid is not None:
            y.masked_fill_(~length_mask(n_valid, Tp)[:, :, None], float("-inf"))
        m, idx = y.max(dim=1)  # (B, F)
        if floor_zero:  # an all-zero window (Kim's padding) scores exactly 0 before the bias
            m = m.clamp(min=0.0)
        pre = m + bias
        ctx.save_for_backward(x, weight, idx, m, pre)
        ctx.floor_zero = floor_zero
        return torch.relu(pre)

    @staticmethod
    def backward(ctx, d_out):
        x, weight, idx, m, pre = ctx.saved_tensors
        B, T, E = x.shape
        F_, _, k = weight.shape
        d_pre = d_out * (pre > 0)
        d_m = d_pre * (m > 0) if ctx.floor_zero else d_pre  # the floor passes nothing to the windows
        # rows of x (viewed (B T, E)) that make up each winning window: (B, F, k)
        base = torch.arange(B, device=idx.device)[:, None, None] * T
        rows = base + idx[:, :, None] + torch.arange(k, device=idx.device)
        d_x = d_w = None
        if ctx.needs_input_grad[1]:  # per filter, a (1 x B) by (B x k E) product over its windows
            win = x.view(B * T, E).index_select(0, rows.transpose(0, 1).reshape(-1)).view(F_, B, k * E)
            d_w = torch.bmm(d_m.t().unsqueeze(1), win).view(F_, k, E).transpose(1, 2)  # (F, E, k)
        if ctx.needs_input_grad[0]:
            src = d_m[:, :, None, None] * weight.transpose(1, 2).contiguous()[None]  # (B, F, k, E)
            d_x = x.new_zeros(B * T, E).index_add_(0, rows.view(-1), src.view(-1, E)).view(B, T, E)
        return d_x, d_w, d_pre.sum(0), None, None


class TextCNN(nn.Module):
    """Parallel 1-d convolutions of several widths over the embeddings, ReLU, max over time, dropout,
    linear (seed 000's TextCNN; Kim 2014). Pad embeddings are zeroed and windows that start on
    padding are masked out of the max, so a text's answer does not depend on how far it is padded.
    A text shorter than a kernel gets one window: its tokens followed by zeros.

    `edge_pad=True` is Kim's own padding: k_max - 1 zero vectors on each side of every text, so the
    first and last words start and end windows of their own, and windows that lie wholly on padding
    (which Kim's fixed-length batches always contain) give relu(bias). That floor is added explicitly,
    so the answer still does not depend on how far the batch is padded."""

    family = "convolutional"
    causal = False

    def __init__(self, vocab_size: int, num_classes: int, d_embed: int, n_filters: int,
                 kernel_sizes: tuple[int, ...], dropout: float, edge_pad: bool = False) -> None:
        super().__init__()
        self.kernel_sizes = tuple(int(k) for k in kernel_sizes)
        self.edge_pad = bool(edge_pad)
        self.emb = make_embedding(vocab_size, d_embed)
        self.convs = nn.ModuleList([nn.Conv1d(d_embed, n_filters, k) for k in self.kernel_sizes])
        self.drop = Dropout(dropout)
        self.head = nn.Linear(n_filters * len(self.kernel_sizes), num_classes)

    def encode(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        T = tokens.shape[1]
        mask = length_mask(lengths, T)
        x = self.emb(tokens) * mask[:, :, None]  # (B, T, E), padding exactly zero
        k_max = max(self.kernel_sizes)
        if self.edge_pad:
            return self._encode_edge_padded(x, k_max)
        if T < k_max:
            x = F.pad(x, (0, 0, 0, k_max - T))
        n_valid = [(lengths - k + 1).clamp(min=1) for k in self.kernel_sizes]  # windows starting on a token
        if kernels.enabled():
            x = x.contiguous()
            pooled = [_ConvMaxPool.apply(x, c.weight, c.bias, n, False) for c, n in zip(self.convs, n_valid)]
        else:  # the reference form: Conv1d, ReLU, max over the valid windows
            x = x.transpose(1, 2)  # (B, E, T')
            pooled = []
            for conv, n in zip(self.convs, n_valid):
                c = torch.relu(conv(x)).transpose(1, 2)  # (B, T'-k+1, F)
                pooled.append(masked_max(c, length_mask(n, c.shape[1])))
        return torch.cat(pooled, dim=1)  # (B, F * n_kernels)

    def _encode_edge_padded(self, x: torch.Tensor, k_max: int) -> torch.Tensor:
        x = F.pad(x, (0, 0, k_max - 1, k_max - 1))  # (B, T + 2(k_max - 1), E)
        # every window past the text is all zeros and scores bias: no mask; the max is floored at
        # that value instead, which is Kim's all-padding window (present in his fixed-length batches)
        if kernels.enabled():
            pooled = [_ConvMaxPool.apply(x.contiguous(), c.weight, c.bias, None, True) for c in self.convs]
        else:
            x = x.transpose(1, 2)
            pooled = [torch.relu(torch.maximum(c(x).amax(dim=2), c.bias)) for c in self.convs]
        return torch.cat(pooled, dim=1)

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        return self.head(self.drop(self.encode(tokens, lengths)))


def build_textcnn(vocab_size: int, num_classes: int, d_embed: int = 64, n_filters: int = 64,
                  kernel_sizes: tuple[int, ...] = (3, 4, 5), dropout: float = 0.3,
                  edge_pad: bool = False) -> nn.Module:
    return TextCNN(vocab_size, num_classes, d_embed, n_filters, kernel_sizes, dropout, edge_pad)
