"""Neural baselines: a fastText-style bag of embeddings (mean of real-token embeddings + linear)."""

from __future__ import annotations

import torch
from torch import nn

from seqarena.models.layers import Dropout, length_mask, make_embedding, masked_mean


class BagOfEmbeddings(nn.Module):
    """Order-blind: mean of the real tokens' embeddings, dropout, linear (Joulin et al. 2017)."""

    family = "baseline"
    causal = False

    def __init__(self, vocab_size: int, num_classes: int, d_embed: int, dropout: float) -> None:
        super().__init__()
        self.emb = make_embedding(vocab_size, d_embed)
        self.drop = Dropout(dropout)
        self.head = nn.Linear(d_embed, num_classes)

    def encode(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        return masked_mean(self.emb(tokens), length_mask(lengths, tokens.shape[1]))  # (B, E)

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        return self.head(self.drop(self.encode(tokens, lengths)))


def build_bow(vocab_size: int, num_classes: int, d_embed: int = 64, dropout: float = 0.0) -> nn.Module:
    return BagOfEmbeddings(vocab_size, num_classes, d_embed, dropout)
