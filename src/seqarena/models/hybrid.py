"""CNN+RNN hybrid (seed 000): a convolution extracts local n-gram features, a GRU reads them in order."""

from __future__ import annotations

import torch
from torch import nn

from seqarena import kernels
from seqarena.models.fast_rnn import FastGRU
from seqarena.models.layers import Dropout, last_real, length_mask, make_embedding


class _SameConvReLU(torch.autograd.Function):
    """relu(Conv1d(x, padding=k // 2))[:T] on time-major-in-memory x (B, T, E) -> (B, T, F).

    One product P = x W_j^T for every offset j at once, then y[t] = b + sum_j P[t + j - pad, j];
    the backward is two products (dx through W, dW against shifted copies of x). Unlike Conv1d on
    (B, E, T), input and output keep the (B, T, E) layout that the embedding gives and the GRU reads,
    so no transposed copies are made on either side."""

    @staticmethod
    def forward(ctx, x, weight, bias):
        B, T, E = x.shape
        F_, _, k = weight.shape
        pad = k // 2
        p = (x.view(B * T, E) @ weight.permute(2, 0, 1).reshape(k * F_, E).t()).view(B, T, k, F_)
        y = bias.expand(B, T, F_).clone()
        for j in range(k):  # output t reads input t + j - pad
            lo, hi = max(0, pad - j), min(T, T + pad - j)
            if lo < hi:
                y[:, lo:hi] += p[:, lo + j - pad : hi + j - pad, j]
        y.relu_()
        ctx.save_for_backward(x, weight, y)
        return y

    @staticmethod
    def backward(ctx, dy):
        x, weight, y = ctx.saved_tensors
        B, T, E = x.shape
        F_, _, k = weight.shape
        pad = k // 2
        dy = (dy * (y > 0)).contiguous()
        dy2 = dy.view(B * T, F_)
        d_x = d_w = None
        if ctx.needs_input_grad[0]:
            r = (dy2 @ weight.permute(0, 2, 1).reshape(F_, k * E)).view(B, T, k, E)  # r[t, j] = dy[t] W_j
            d_x = torch.zeros_like(x)
            for j in range(k):  # input s = t + j - pad received dy[t] W_j
                lo, hi = max(0, pad - j), min(T, T + pad - j)
                if lo < hi:
                    d_x[:, lo + j - pad : hi + j - pad] += r[:, lo:hi, j]
        if ctx.needs_input_grad[1]:
            d_w = x.new_empty(F_, E, k)
            xp = torch.nn.functional.pad(x, (0, 0, pad, k - 1 - pad))  # xp[t + j] = x[t + j - pad]
            for j in range(k):
                d_w[:, :, j] = dy2.t() @ xp[:, j : j + T].reshape(B * T, E)
        return d_x, d_w, dy2.sum(0)


class CNNRNN(nn.Module):
    """Embedding -> same-padded Conv1d + ReLU -> dropout -> GRU -> state at the last real token ->
    dropout -> linear. Pad embeddings are zeroed, so the window at the last real token sees the
    same zeros whether the text stands alone or inside a longer padded batch."""

    family = "hybrid"
    causal = False

    def __init__(self, vocab_size: int, num_classes: int, d_embed: int, n_filters: int,
                 kernel_size: int, d_hidden: int, dropout: float) -> None:
        super().__init__()
        self.emb = make_embedding(vocab_size, d_embed)
        self.conv = nn.Conv1d(d_embed, n_filters, kernel_size, padding=kernel_size // 2)
        self.rnn = FastGRU(n_filters, d_hidden, batch_first=True)
        self.drop = Dropout(dropout)
        self.head = nn.Linear(d_hidden, num_classes)

    def encode(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        T = tokens.shape[1]
        x = self.emb(tokens) * length_mask(lengths, T)[:, :, None]  # (B, T, E)
        if kernels.enabled():
            c = _SameConvReLU.apply(x.contiguous(), self.conv.weight, self.conv.bias)  # (B, T, F)
        else:  # the reference form
            c = torch.relu(self.conv(x.transpose(1, 2)))[:, :, :T].transpose(1, 2)  # (B, T, F)
        out, _ = self.rnn(self.drop(c))  # (B, T, H)
        return last_real(out, lengths)

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        return self.head(self.drop(self.encode(tokens, lengths)))


def build_cnn_rnn(vocab_size: int, num_classes: int, d_embed: int = 64, n_filters: int = 64,
                  kernel_size: int = 3, d_hidden: int = 128, dropout: float = 0.3) -> nn.Module:
    return CNNRNN(vocab_size, num_classes, d_embed, n_filters, kernel_size, d_hidden, dropout)
