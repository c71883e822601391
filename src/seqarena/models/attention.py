"""A small pre-LayerNorm Transformer encoder with sinusoidal positions and a key-padding mask."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from seqarena.models.layers import Dropout, length_mask, make_embedding, masked_mean, sinusoidal_positions


class SelfAttention(nn.Module):
    def __init__(self, d_model: int, n_heads: int, dropout: float) -> None:
        super().__init__()
        assert d_model % n_heads == 0, "d_model must be divisible by n_heads"
        self.n_heads = n_heads
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.proj = nn.Linear(d_model, d_model)
        self.dropout = dropout

    def forward(self, x: torch.Tensor, key_mask: torch.Tensor | None, causal: bool) -> torch.Tensor:
        B, T, D = x.shape
        q, k, v = self.qkv(x).view(B, T, 3, self.n_heads, D // self.n_heads).permute(2, 0, 3, 1, 4)
        # key_mask (B, T) True = real key -> (B, 1, 1, T) so padded keys get no weight
        attn_mask = None if key_mask is None or causal else key_mask[:, None, None, :]
        y = F.scaled_dot_product_attention(
            q, k, v, attn_mask=attn_mask, is_causal=causal, dropout_p=self.dropout if self.training else 0.0
        )  # (B, h, T, d)
        return self.proj(y.transpose(1, 2).reshape(B, T, D))


class Block(nn.Module):
    """Pre-LN: x + attn(ln(x)), then x + mlp(ln(x))."""

    def __init__(self, d_model: int, n_heads: int, d_ff: int, dropout: float) -> None:
        super().__init__()
        self.ln1 = nn.LayerNorm(d_model)
        self.attn = SelfAttention(d_model, n_heads, dropout)
        self.ln2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))
        self.drop = Dropout(dropout)

    def forward(self, x: torch.Tensor, key_mask: torch.Tensor | None, causal: bool = False) -> torch.Tensor:
        x = x + self.drop(self.attn(self.ln1(x), key_mask, causal))
        return x + self.drop(self.mlp(self.ln2(x)))


class TransformerClassifier(nn.Module):
    """Embedding + sinusoidal positions -> dropout -> pre-LN blocks (padded keys masked; `dropout` also on
    attention weights and both residual branches) -> final LN -> mean over real tokens -> dropout ->
    linear. The embedding is not scaled by sqrt(d): at PyTorch's N(0, 1) init it is already on the
    positions' scale; drawn U(-0.25, 0.25) (the kim preset) it is about a fifth of it."""

    family = "attention"
    causal = False

    def __init__(self, vocab_size: int, num_classes: int, d_model: int, n_heads: int, n_layers: int,
                 d_ff: int, dropout: float) -> None:
        super().__init__()
        self.d_model = d_model
        self.emb = make_embedding(vocab_size, d_model)
        self.blocks = nn.ModuleList([Block(d_model, n_heads, d_ff, dropout) for _ in range(n_layers)])
        self.ln = nn.LayerNorm(d_model)
        self.drop = Dropout(dropout)
        self.head = nn.Linear(d_model, num_classes)

    def encode(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        T = tokens.shape[1]
        mask = length_mask(lengths, T)  # (B, T)
        x = self.drop(self.emb(tokens) + sinusoidal_positions(T, self.d_model, tokens.device))
        for block in self.blocks:
            x = block(x, mask)
        return masked_mean(self.ln(x), mask)  # (B, D)

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        return self.head(self.drop(self.encode(tokens, lengths)))


def build_transformer(vocab_size: int, num_classes: int, d_model: int = 64, n_heads: int = 4,
                      n_layers: int = 2, d_ff: int = 128, dropout: float = 0.1) -> nn.Module:
    return TransformerClassifier(vocab_size, num_classes, d_model, n_heads, n_layers, d_ff, dropout)
