"""Masking helpers shared by the encoders: every one of them keeps padding out of the answer."""

from __future__ import annotations

import math

import torch
from torch import nn

from seqarena import kernels
from seqarena.data.vocab import UNK_ID


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


@torch.no_grad()
def zero_unknown_row(model: torch.nn.Module) -> None:
    """Start the unknown-word row (id 1) of every token table at zero. With min_freq 1 no training
    sentence holds an unknown word, so that row is never trained: left random, it is one fixed random
    vector that every out-of-vocabulary word of dev, test and `predict` shares, and whatever filter or
    gate it happens to excite biases every sentence that has one. SST-2's test set has 5.3 % unknown
    tokens in 54 % of its sentences; with Kim's protocol and seed 0, TextCNN's random unknown vector cost
    4 points of test accuracy (76.6 against 80.9 with the row zeroed after training). At zero an
    unknown word reads as padding; where training has unknown words (min_freq > 1) the row learns
    from zero."""
    for m in model.modules():
        if isinstance(m, torch.nn.Embedding) and m.padding_idx == 0 and m.num_embeddings > UNK_ID:
            m.weight[UNK_ID].zero_()


def init_scale(d: int) -> float:
    return 1.0 / math.sqrt(d)


class Dropout(nn.Dropout):
    """nn.Dropout with a cheaper mask on the CPU. nn.Dropout draws one random number per element
    from the CPU generator; this draws 16 random bits per element, four per 64-bit number, which was
    measured 5x faster on a batch of the seed's embeddings. Each element is kept with probability
    1 - p (to within 2^-16) and scaled by 1 / (1 - p); the same global generator is used, so seeded
    runs repeat. Elsewhere (CUDA, eval, in place, `kernels.disabled()`) it is nn.Dropout."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        p = self.p
        threshold = round(p * 65536) - 32768  # keep where 16 random bits >= threshold
        if not (self.training and 0 < p and -32768 < threshold < 32767 and x.device.type == "cpu"
                and not self.inplace and kernels.enabled()):
            return super().forward(x)
        n = x.numel()
        bits = torch.empty((n + 3) // 4, dtype=torch.int64).random_(-(2**63), None)
        bits = bits.view(torch.int16)[:n].view(x.shape)  # uniform on [-32768, 32767]
        keep = bits >= threshold
        return x * keep * (1.0 / (1.0 - p))
