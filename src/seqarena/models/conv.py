"""Convolutional classifiers: TextCNN (Kim 2014) with max-pooling over real positions only."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from seqarena.models.layers import length_mask, make_embedding, masked_max


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
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(n_filters * len(self.kernel_sizes), num_classes)

    def encode(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        B, T = tokens.shape
        mask = length_mask(lengths, T)
        x = self.emb(tokens) * mask[:, :, None]  # (B, T, E), padding exactly zero
        k_max = max(self.kernel_sizes)
        if self.edge_pad:
            return self._encode_edge_padded(x, k_max)
        if T < k_max:
            x = F.pad(x, (0, 0, 0, k_max - T))
        x = x.transpose(1, 2)  # (B, E, T')
        pooled = []
        for k, conv in zip(self.kernel_sizes, self.convs):
            c = torch.relu(conv(x)).transpose(1, 2)  # (B, T'-k+1, F)
            n_valid = (lengths - k + 1).clamp(min=1)  # windows that start on a real token
            pooled.append(masked_max(c, length_mask(n_valid, c.shape[1])))
        return torch.cat(pooled, dim=1)  # (B, F * n_kernels)

    def _encode_edge_padded(self, x: torch.Tensor, k_max: int) -> torch.Tensor:
        x = F.pad(x, (0, 0, k_max - 1, k_max - 1)).transpose(1, 2)  # (B, E, T + 2(k_max - 1))
        pooled = []
        for conv in self.convs:
            # every window past the text is all zeros, so it yields bias: no mask needed; the max
            # is taken before the ReLU (they commute) and floored at bias, Kim's all-padding window
            top = torch.maximum(conv(x).amax(dim=2), conv.bias)
            pooled.append(torch.relu(top))
        return torch.cat(pooled, dim=1)

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        return self.head(self.drop(self.encode(tokens, lengths)))


def build_textcnn(vocab_size: int, num_classes: int, d_embed: int = 64, n_filters: int = 64,
                  kernel_sizes: tuple[int, ...] = (3, 4, 5), dropout: float = 0.3,
                  edge_pad: bool = False) -> nn.Module:
    return TextCNN(vocab_size, num_classes, d_embed, n_filters, kernel_sizes, dropout, edge_pad)
