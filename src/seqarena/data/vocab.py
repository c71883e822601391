"""A token vocabulary: id 0 is padding, id 1 the unknown token; built from training texts only."""

from __future__ import annotations

from collections import Counter
from typing import Iterable

from seqarena.data.batching import PAD_ID
from seqarena.errors import InputError

PAD = "<pad>"
UNK = "<unk>"
UNK_ID = 1


class Vocab:
    """Maps tokens to ids and back. Ids 0 and 1 are `<pad>` and `<unk>`; then tokens by falling
    frequency (ties in first-seen order, so the ids do not depend on hash seeds)."""

    def __init__(self, tokens: list[str]) -> None:
        if tokens[:2] != [PAD, UNK]:
            raise InputError(f"vocabulary: must start with {[PAD, UNK]} (got {tokens[:2]})")
        if len(set(tokens)) != len(tokens):
            raise InputError("vocabulary: duplicate tokens")
        self.itos = list(tokens)
        self.stoi = {t: i for i, t in enumerate(tokens)}

    @classmethod
    def build(cls, texts: Iterable[list[str]], min_freq: int = 1, max_size: int | None = None) -> "Vocab":
        """From tokenised texts: keep tokens seen >= `min_freq` times, at most `max_size` ids in all
        (pad and unk included)."""
        if min_freq < 1:
            raise InputError(f"--min-freq must be >= 1 (got {min_freq})")
        if max_size is not None and max_size < 3:
            raise InputError(f"--max-vocab must be >= 3: pad, unk and one token (got {max_size})")
        counts: Counter[str] = Counter()
        for toks in texts:
            counts.update(toks)
        # Counter.most_common sorts stably by count, so equal counts keep first-seen order
        kept = [t for t, c in counts.most_common() if c >= min_freq and t not in (PAD, UNK)]
        if max_size is not None:
            kept = kept[: max_size - 2]
        return cls([PAD, UNK, *kept])

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, token: str) -> bool:
        return token in self.stoi

    def encode(self, tokens: list[str]) -> list[int]:
        """Ids, unknown tokens -> 1. An empty text becomes [unk]: every sequence has length >= 1."""
        ids = [self.stoi.get(t, UNK_ID) or UNK_ID for t in tokens]  # a literal "<pad>" is unknown, not padding
        return ids or [UNK_ID]

    def decode(self, ids: Iterable[int]) -> list[str]:
        """Tokens for ids, padding dropped."""
        return [self.itos[i] for i in ids if i != PAD_ID]

    def to_list(self) -> list[str]:
        """Plain data for a checkpoint (loads with weights_only=True): the tokens in id order."""
        return list(self.itos)

    @classmethod
    def from_list(cls, tokens: list[str]) -> "Vocab":
        return cls(list(tokens))

    def __repr__(self) -> str:
        return f"Vocab({len(self)} tokens)"
