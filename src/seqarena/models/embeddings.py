"""Pretrained vectors in a classifier's token table, in Kim (2014)'s four variants.

- rand: the table as built (the spec's `embed_init`); nothing here.
- non-static: the table starts at the vectors and is trained with the rest.
- static: the table starts at the vectors and is frozen (`requires_grad` False): no optimizer holds it
  (`train.optim` keeps only parameters that require gradients), so its bytes never change.
- multichannel: two copies of the vectors, a frozen one (a buffer: no optimizer ever sees it) and a
  trained one (the table's weight); the model reads their sum. For TextCNN that is Kim's two channels:
  each filter applied to both channels and the results added, w·x_static + w·x_trained + b =
  w·(x_static + x_trained) + b. Every other classifier reads the same sum at its input (the recurrent
  and hybrid models' first layer, the Transformer's token embedding before the positions, bow's bag
  mean over words and n-grams), so for all of them the frozen copy is an anchor the trained one moves
  away from. A checkpoint stores the sum in one ordinary table (`collapse_channels`): the same
  function, readable by predict, export and serve.

Words of the vocabulary missing from the file start U(-a, a), `a` matched to the variance of the
vectors found (Kim: a such that the random vectors have the pretrained ones' variance); `<pad>` and
`<unk>` start at zero. bow's hashed n-gram rows (ids past the vocabulary) keep their own init.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from seqarena.errors import InputError

PAD_ID, UNK_ID = 0, 1


class TwoChannelEmbedding(nn.Embedding):
    """An nn.Embedding (the trained channel, `weight`) plus a frozen channel (`static`, a buffer);
    the output is their sum. Still an nn.Embedding, so sparse row gradients, the `<unk>` row and the
    theory module's hooks treat it as the token table it is."""

    def __init__(self, weight: torch.Tensor, padding_idx: int | None = 0) -> None:
        super().__init__(weight.shape[0], weight.shape[1], padding_idx=padding_idx)
        with torch.no_grad():
            self.weight.copy_(weight)
        self.register_buffer("static", weight.detach().clone())

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return super().forward(ids) + F.embedding(ids, self.static)


def token_tables(model: nn.Module, vocab_size: int) -> list[tuple[nn.Module, str, nn.Embedding]]:
    """(parent, attribute, table) of each token table: an nn.Embedding with the padding row 0 and at
    least a row per vocabulary id (bow's table also holds its n-gram buckets)."""
    out = []
    for parent in model.modules():
        for name, child in parent.named_children():
            if isinstance(child, nn.Embedding) and child.padding_idx == PAD_ID and child.num_embeddings >= vocab_size:
                out.append((parent, name, child))
    return out


def embedding_dims(model: nn.Module, vocab_size: int) -> list[int]:
    """The widths of the model's token tables (works on a meta-device model)."""
    return [t.embedding_dim for _, _, t in token_tables(model, vocab_size)]


@torch.no_grad()
def initial_table(table: nn.Embedding, ids: np.ndarray, vectors: np.ndarray, vocab_size: int, a: float,
                  generator: torch.Generator) -> torch.Tensor:
    """The table's first weights: vectors at `ids`, U(-a, a) at the other vocabulary ids, zeros at
    pad and unk, and the model's own rows past the vocabulary (bow's n-gram buckets)."""
    w = table.weight.detach().clone()
    d = w.shape[1]
    w[:vocab_size] = torch.empty(vocab_size, d, dtype=w.dtype).uniform_(-a, a, generator=generator).to(w.device)
    if len(ids):
        w[torch.from_numpy(ids).to(w.device)] = torch.from_numpy(vectors).to(w.device, w.dtype)
    w[PAD_ID] = 0.0
    if vocab_size > UNK_ID:
        w[UNK_ID] = 0.0
    return w


def apply_vectors(model: nn.Module, mode: str, ids: np.ndarray, vectors: np.ndarray, vocab_size: int,
                  a: float, seed: int = 0, what: str = "--embeddings") -> nn.Module:
    """Put the vectors (`vectors[k]` for id `ids[k]`) into every token table of `model` in `mode`
    (static, non-static, multichannel); in place, returns the model."""
    if mode == "rand":
        return model
    if mode not in ("static", "non-static", "multichannel"):
        raise InputError(f"--embedding-mode: unknown '{mode}'; choose from rand, static, non-static, multichannel")
    tables = token_tables(model, vocab_size)
    if not tables:
        raise InputError(f"{what}: model '{getattr(model, 'config', {}).get('name', type(model).__name__)}' has "
                         "no token table to put word vectors in")
    dim = vectors.shape[1]
    g = torch.Generator().manual_seed(int(seed))
    for parent, name, table in tables:
        if table.embedding_dim != dim:
            raise InputError(f"{what}: the vectors have {dim} dimensions but the model's token table has "
                             f"{table.embedding_dim} (d_embed; the transformer's d_model); set it to {dim}")
        w = initial_table(table, ids, vectors, vocab_size, a, g)
        if mode == "multichannel":
            two = TwoChannelEmbedding(w, table.padding_idx).to(w.device)
            two.sparse = table.sparse
            setattr(parent, name, two)
        else:
            with torch.no_grad():
                table.weight.copy_(w)
            table.weight.requires_grad_(mode != "static")
    return model


@torch.no_grad()
def collapse_channels(model: nn.Module) -> nn.Module:
    """Replace each TwoChannelEmbedding by an ordinary nn.Embedding holding the sum of its channels (the
    same outputs); frozen tables become trainable parameters again (a checkpoint has no mode). In place."""
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, TwoChannelEmbedding):
                plain = nn.Embedding(child.num_embeddings, child.embedding_dim, padding_idx=child.padding_idx)
                plain = plain.to(child.weight.device)
                plain.weight.copy_(child.weight + child.static)
                setattr(parent, name, plain)
            elif isinstance(child, nn.Embedding):
                child.weight.requires_grad_(True)
    return model
