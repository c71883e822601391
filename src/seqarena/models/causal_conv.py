"""A causal dilated CNN language model (WaveNet / TCN style): each layer sees (k-1)*d steps further
back, so the receptive field grows exponentially with depth and is reported, not hidden."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from seqarena.models.layers import Dropout, make_embedding


def receptive_field(kernel_size: int, n_layers: int) -> int:
    """Tokens the last layer sees (the current one included) with dilations 1, 2, 4, ..."""
    return 1 + (kernel_size - 1) * sum(2**i for i in range(n_layers))


class GatedCausalLayer(nn.Module):
    """Left-padded dilated conv -> tanh(a) * sigmoid(b) gate -> 1x1 conv, added to the input."""

    def __init__(self, d: int, kernel_size: int, dilation: int, dropout: float) -> None:
        super().__init__()
        self.left = (kernel_size - 1) * dilation  # pad only on the left: no step sees its future
        self.conv = nn.Conv1d(d, 2 * d, kernel_size, dilation=dilation)
        self.out = nn.Conv1d(d, d, 1)
        self.drop = Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, D, T) -> (B, D, T)
        a, b = self.conv(F.pad(x, (self.left, 0))).chunk(2, dim=1)
        return x + self.drop(self.out(torch.tanh(a) * torch.sigmoid(b)))


class CausalConvLM(nn.Module):
    family = "convolutional"
    causal = True

    def __init__(
        self, vocab_size: int, d_hidden: int, n_layers: int, kernel_size: int, dropout: float
    ) -> None:
        super().__init__()
        self.receptive_field = receptive_field(kernel_size, n_layers)
        self.emb = make_embedding(vocab_size, d_hidden)
        self.layers = nn.ModuleList(
            [GatedCausalLayer(d_hidden, kernel_size, 2**i, dropout) for i in range(n_layers)]
        )
        self.head = nn.Linear(d_hidden, vocab_size)

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        x = self.emb(tokens).transpose(1, 2)  # (B, D, T)
        for layer in self.layers:
            x = layer(x)
        return self.head(F.relu(x.transpose(1, 2)))  # (B, T, V)


def build_causal_cnn_lm(
    vocab_size: int,
    num_classes: int | None,
    d_hidden: int = 64,
    n_layers: int = 4,
    kernel_size: int = 3,
    dropout: float = 0.0,
) -> nn.Module:
    """Defaults: dilations 1, 2, 4, 8 with kernel 3 -> a receptive field of 31 tokens."""
    return CausalConvLM(vocab_size, d_hidden, n_layers, kernel_size, dropout)
