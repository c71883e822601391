"""Tensor-held splits and length-bucketed batches: (tokens, lengths, labels), right-padded with id 0."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import torch

PAD_ID = 0

Batch = tuple[torch.Tensor, torch.Tensor, torch.Tensor]  # tokens (B, T), lengths (B,), labels (B,) or (B, T)


@dataclass
class Split:
    """One split held as tensors: tokens (N, T_max) padded with 0, lengths (N,), labels (N,)."""

    tokens: torch.Tensor
    lengths: torch.Tensor
    labels: torch.Tensor

    def __post_init__(self) -> None:
        assert self.tokens.dim() == 2 and self.lengths.shape[0] == self.tokens.shape[0]

    def __len__(self) -> int:
        return int(self.tokens.shape[0])

    def to(self, device: torch.device) -> "Split":
        return Split(self.tokens.to(device), self.lengths.to(device), self.labels.to(device))

    def subset(self, index: torch.Tensor) -> "Split":
        """Rows `index`, trimmed to their own longest length."""
        lengths = self.lengths[index]
        T = int(lengths.max()) if len(index) else 1
        return Split(self.tokens[index, :T], lengths, self.labels[index])

    def batches(
        self,
        batch_size: int,
        shuffle: bool = False,
        generator: torch.Generator | None = None,
        bucket: bool = True,
        pool: int = 50,
    ) -> Iterator[tuple[torch.Tensor, Batch]]:
        """Yield (row index, batch). With `bucket`, rows of similar length share a batch, so padding
        is barely computed: shuffled rows are cut into pools of `pool` batches, each pool is sorted by
        length and cut into batches, and the batch order is shuffled again."""
        N = len(self)
        order = torch.randperm(N, generator=generator) if shuffle else torch.arange(N)
        lengths = self.lengths.cpu()
        if bucket:
            chunk = batch_size * pool if shuffle else N
            parts = []
            for start in range(0, N, chunk):
                idx = order[start : start + chunk]
                parts.append(idx[torch.sort(lengths[idx], stable=True).indices])
            order = torch.cat(parts) if parts else order
        groups = list(torch.split(order, batch_size))
        if shuffle and bucket:
            perm = torch.randperm(len(groups), generator=generator).tolist()
            groups = [groups[i] for i in perm]
        for idx in groups:
            idx_dev = idx.to(self.tokens.device)
            L = self.lengths[idx_dev]
            T = int(lengths[idx].max())
            yield idx, (self.tokens[idx_dev, :T], L, self.labels[idx_dev])


def pad_sequences(seqs: list[list[int]], min_len: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-pad lists of ids with PAD_ID: tokens (N, T_max), lengths (N,)."""
    lengths = torch.tensor([len(s) for s in seqs], dtype=torch.long)
    T = max(min_len, int(lengths.max()) if len(seqs) else 1)
    tokens = torch.full((len(seqs), T), PAD_ID, dtype=torch.long)
    for i, s in enumerate(seqs):
        if s:
            tokens[i, : len(s)] = torch.as_tensor(s, dtype=torch.long)
    return tokens, lengths
