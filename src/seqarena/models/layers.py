"""Masking helpers shared by the encoders: every one of them keeps padding out of the answer."""

from __future__ import annotations

import math

import torch
from torch import nn


def length_mask(lengths: torch.Tensor, T: int) -> torch.Tensor:
    """(B, T) bool, True at real tokens."""
    return torch.arange(T, device=lengths.device)[None, :] < lengths[:, None]


def last_real(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """(B, T, H) -> (B, H): the state at each sequence's last real token."""
    idx = (lengths - 1).clamp(min=0).view(-1, 1, 1).expand(-1, 1, x.shape[-1])
    return x.gather(1, idx).squeeze(1)


def masked_max(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """(B, T, C) max over real positions only -> (B, C)."""
    return x.masked_fill(~mask[:, :, None], float("-inf")).max(dim=1).values


def masked_mean(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """(B, T, C) mean over real positions only -> (B, C)."""
    m = mask[:, :, None].to(x.dtype)
    return (x * m).sum(1) / m.sum(1).clamp(min=1.0)


def sinusoidal_positions(T: int, d: int, device: torch.device | None = None) -> torch.Tensor:
    """(T, d) fixed sine/cosine positions (Vaswani et al. 2017); no maximum length."""
    pos = torch.arange(T, device=device, dtype=torch.float32)[:, None]
    i = torch.arange(0, d, 2, device=device, dtype=torch.float32)
    angle = pos / torch.pow(10000.0, i / d)
    pe = torch.zeros(T, d, device=device)
    pe[:, 0::2] = torch.sin(angle)
    pe[:, 1::2] = torch.cos(angle[:, : d // 2])
    return pe


def make_embedding(vocab_size: int, d_embed: int) -> nn.Embedding:
    return nn.Embedding(vocab_size, d_embed, padding_idx=0)


def init_scale(d: int) -> float:
    return 1.0 / math.sqrt(d)
