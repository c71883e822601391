"""Causal character-level language models: recurrent (rnn, gru, lstm) and a small Transformer.

Every one maps tokens (B, T) to next-token logits (B, T, V); position t sees tokens 0..t only, so
right padding never changes the logits at real positions and `lengths` is not needed to mask."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from seqarena.models.attention import Block
from seqarena.models.layers import Dropout, make_embedding, sinusoidal_positions
from seqarena.models.recurrent import CELLS


class RecurrentLM(nn.Module):
    """(one-hot or embedding) -> recurrent layer(s) -> dropout -> linear over the vocabulary.

    `one_hot` feeds the token as a one-hot vector of size V, as seed 004 does; otherwise a learned
    embedding of size d_embed (unused with one_hot)."""

    family = "recurrent"
    causal = True

    def __init__(
        self,
        cell: str,
        vocab_size: int,
        d_embed: int,
        d_hidden: int,
        n_layers: int,
        one_hot: bool,
        dropout: float,
    ) -> None:
        super().__init__()
        self.vocab_size = vocab_size
        self.one_hot = one_hot
        self.emb = None if one_hot else make_embedding(vocab_size, d_embed)
        self.rnn = CELLS[cell](
            vocab_size if one_hot else d_embed,
            d_hidden,
            num_layers=n_layers,
            batch_first=True,
            dropout=dropout if n_layers > 1 else 0.0,
        )
        self.drop = Dropout(dropout)
        self.head = nn.Linear(d_hidden, vocab_size)

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        if self.one_hot:
            x = F.one_hot(tokens, self.vocab_size).float()  # (B, T, V)
        else:
            x = self.drop(self.emb(tokens))  # (B, T, E)
        out, _ = self.rnn(x)  # (B, T, H): unidirectional, so step t has read tokens 0..t
        return self.head(self.drop(out))  # (B, T, V)


class TransformerLM(nn.Module):
    """Embedding + sinusoidal positions -> pre-LN blocks with a causal mask -> LN -> linear.
    No maximum length: positions are computed, not learned."""

    family = "attention"
    causal = True

    def __init__(
        self, vocab_size: int, d_model: int, n_heads: int, n_layers: int, d_ff: int, dropout: float
    ) -> None:
        super().__init__()
        self.d_model = d_model
        self.emb = make_embedding(vocab_size, d_model)
        self.drop = Dropout(dropout)
        self.blocks = nn.ModuleList([Block(d_model, n_heads, d_ff, dropout) for _ in range(n_layers)])
        self.ln = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab_size)

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        T = tokens.shape[1]
        x = self.drop(self.emb(tokens) + sinusoidal_positions(T, self.d_model, tokens.device))  # (B, T, D)
        for block in self.blocks:
            x = block(x, None, causal=True)  # padded keys come after every real query: never seen
        return self.head(self.ln(x))  # (B, T, V)


def _recurrent(cell: str):
    def build(
        vocab_size: int,
        num_classes: int | None,
        d_embed: int = 64,
        d_hidden: int = 128,
        n_layers: int = 1,
        one_hot: bool = False,
        dropout: float = 0.0,
    ) -> nn.Module:
        return RecurrentLM(cell, vocab_size, d_embed, d_hidden, n_layers, one_hot, dropout)

    build.__name__ = f"build_{cell}_lm"
    return build


build_rnn_lm = _recurrent("rnn")
build_gru_lm = _recurrent("gru")
build_lstm_lm = _recurrent("lstm")


def build_transformer_lm(
    vocab_size: int,
    num_classes: int | None,
    d_model: int = 64,
    n_heads: int = 4,
    n_layers: int = 2,
    d_ff: int = 256,
    dropout: float = 0.0,
) -> nn.Module:
    return TransformerLM(vocab_size, d_model, n_heads, n_layers, d_ff, dropout)
