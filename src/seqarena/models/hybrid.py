"""CNN+RNN hybrid (seed 000): a convolution extracts local n-gram features, a GRU reads them in order."""

from __future__ import annotations

import torch
from torch import nn

from seqarena.models.fast_rnn import FastGRU
from seqarena.models.layers import Dropout, last_real, length_mask, make_embedding


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
        c = torch.relu(self.conv(x.transpose(1, 2)))[:, :, :T].transpose(1, 2)  # (B, T, F)
        out, _ = self.rnn(self.drop(c))  # (B, T, H)
        return last_real(out, lengths)

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        return self.head(self.drop(self.encode(tokens, lengths)))


def build_cnn_rnn(vocab_size: int, num_classes: int, d_embed: int = 64, n_filters: int = 64,
                  kernel_size: int = 3, d_hidden: int = 128, dropout: float = 0.3) -> nn.Module:
    return CNNRNN(vocab_size, num_classes, d_embed, n_filters, kernel_size, d_hidden, dropout)
