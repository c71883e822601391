"""Sampling names from a causal language model (temperature, top-k, prefix) and marking each sample as
a training name, a held-out real name or a new one."""

from __future__ import annotations

import math

import torch
from torch import nn

from seqarena.checks import MAX_SAMPLES, MAX_WIDTH, check_int
from seqarena.data.batching import PAD_ID
from seqarena.data.names import BOUNDARY_ID, CharVocab
from seqarena.errors import InputError

MARKS = ("training", "held-out real", "new")


def check_sampling(temperature: float, top_k: int | None, n: int) -> None:
    if not (temperature > 0 and math.isfinite(temperature)):
        raise InputError(f"--temperature must be a finite number > 0 (got {temperature}); use --top-k 1 for "
                         "greedy decoding")
    if top_k is not None:
        check_int("--top-k", top_k, 1, MAX_WIDTH)
    check_int("--n", n, 1, MAX_SAMPLES)


@torch.no_grad()
def sample_names(
    model: nn.Module,
    vocab: CharVocab,
    n: int = 10,
    temperature: float = 1.0,
    top_k: int | None = None,
    prefix: str = "",
    max_len: int = 64,
    seed: int = 0,
    device: torch.device = torch.device("cpu"),
) -> list[str]:
    """`n` names that start with `prefix`, drawn one character at a time until the stop token (or
    `max_len` characters). All n are drawn together as one batch; each step re-reads the whole
    prefix, which for names (tens of characters) costs less than keeping per-model state."""
    check_sampling(temperature, top_k, n)
    ids = vocab.encode(prefix, where="--prefix")
    g = torch.Generator(device=device).manual_seed(seed)
    model.eval().to(device)
    x = torch.tensor([[BOUNDARY_ID] + ids] * n, dtype=torch.long, device=device)  # (n, 1 + P)
    done = torch.zeros(n, dtype=torch.bool, device=device)
    for _ in range(max(0, max_len - len(ids))):
        lengths = torch.full((n,), x.shape[1], dtype=torch.long, device=device)
        logits = model(x, lengths)[:, -1, :].float() / temperature  # (n, V): next character
        logits[:, PAD_ID] = float("-inf")
        if top_k is not None and top_k < logits.shape[-1]:
            kth = torch.topk(logits, top_k, dim=-1).values[:, -1:]  # (n, 1)
            logits = logits.masked_fill(logits < kth, float("-inf"))
        nxt = torch.multinomial(torch.softmax(logits, dim=-1), 1, generator=g)  # (n, 1)
        nxt = nxt.masked_fill(done[:, None], BOUNDARY_ID)
        x = torch.cat([x, nxt], dim=1)
        done |= nxt[:, 0] == BOUNDARY_ID
        if bool(done.all()):
            break
    out = []
    for row in x[:, 1:].tolist():  # drop the start token; cut at the first stop token
        out.append(vocab.decode(row[: row.index(BOUNDARY_ID)] if BOUNDARY_ID in row else row))
    return out


def mark_samples(samples: list[str], train: set[str] | list[str], heldout: set[str] | list[str]) -> list[str]:
    """Each sample's mark: 'training' (in the training split), 'held-out real' (only in val/test),
    or 'new' (in no split)."""
    train, heldout = set(train), set(heldout)
    return ["training" if s in train else "held-out real" if s in heldout else "new" for s in samples]


def sample_stats(samples: list[str], marks: list[str]) -> dict:
    """Percentages of samples that are new, unique (distinct samples / samples), training, held-out."""
    n = max(len(samples), 1)
    return {
        "pct_new": 100.0 * marks.count("new") / n,
        "pct_unique": 100.0 * len(set(samples)) / n,
        "pct_training": 100.0 * marks.count("training") / n,
        "pct_heldout": 100.0 * marks.count("held-out real") / n,
    }
