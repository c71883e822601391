"""Recurrent classifiers (RNN, GRU, LSTM, BiLSTM) that read the state at the last *real* token."""

from __future__ import annotations

import torch
from torch import nn

from seqarena.models.fast_rnn import FastGRU
from seqarena.models.layers import Dropout, last_real, make_embedding

# FastGRU is nn.GRU with a fused CPU training pass (same parameters and state dict); nn.LSTM's own
# CPU pass was measured as fast as a fused one at the seed's sizes (hidden 64), so it stays
CELLS = {"rnn": nn.RNN, "gru": FastGRU, "lstm": nn.LSTM}


class RecurrentClassifier(nn.Module):
    """Embedding -> dropout -> recurrent layer(s) -> dropout -> linear, as in seed 000's GRU and BiLSTM.

    Unidirectional: the top layer's output at position length-1 (causal, so padding after it is never
    read). Bidirectional: each layer runs a forward cell over the text and a backward cell over the
    text reversed *within its length*, so the backward direction starts at the last real token
    instead of at the padding (seed 000's BiLSTM reads out[:, -1], which is padding for short texts).
    This equals nn.LSTM(bidirectional=True) over packed sequences, parameter for parameter, without
    the cost of packing on the CPU."""

    family = "recurrent"
    causal = False

    def __init__(
        self, cell: str, vocab_size: int, num_classes: int, d_embed: int, d_hidden: int,
        n_layers: int, bidirectional: bool, dropout: float,
    ) -> None:
        super().__init__()
        self.bidirectional = bidirectional
        self.emb = make_embedding(vocab_size, d_embed)
        self.drop = Dropout(dropout)
        if bidirectional:  # one single-layer cell per direction and layer
            d_in = [d_embed] + [2 * d_hidden] * (n_layers - 1)
            self.fwd = nn.ModuleList([CELLS[cell](d, d_hidden, batch_first=True) for d in d_in])
            self.bwd = nn.ModuleList([CELLS[cell](d, d_hidden, batch_first=True) for d in d_in])
        else:
            self.rnn = CELLS[cell](d_embed, d_hidden, num_layers=n_layers, batch_first=True,
                                   dropout=dropout if n_layers > 1 else 0.0)
        self.head = nn.Linear(d_hidden * (2 if bidirectional else 1), num_classes)

    def encode(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        x = self.drop(self.emb(tokens))  # (B, T, E)
        if not self.bidirectional:
            out, _ = self.rnn(x)  # (B, T, H)
            return last_real(out, lengths)  # (B, H): state at the last real token
        for i, (fwd, bwd) in enumerate(zip(self.fwd, self.bwd)):
            if i > 0:
                x = self.drop(x)
            out_f, _ = fwd(x)  # (B, T, H)
            out_b, _ = bwd(flip_within(x, lengths))  # (B, T, H) in reversed time
            if i + 1 < len(self.fwd):  # the next layer reads both directions in text order
                x = torch.cat([out_f, flip_within(out_b, lengths)], dim=-1)  # (B, T, 2H)
        # forward state at the last real token, backward state after reading back to position 0
        return torch.cat([last_real(out_f, lengths), last_real(out_b, lengths)], dim=-1)  # (B, 2H)

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        return self.head(self.drop(self.encode(tokens, lengths)))


def flip_within(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """(B, T, H): reverse each sequence's first `length` steps; padding stays where it is."""
    T = x.shape[1]
    t = torch.arange(T, device=x.device)[None, :]
    idx = lengths[:, None] - 1 - t  # (B, T)
    idx = torch.where(idx >= 0, idx, t)
    return x.gather(1, idx[:, :, None].expand_as(x))


def build_rnn(vocab_size: int, num_classes: int, d_embed: int = 64, d_hidden: int = 128,
              n_layers: int = 1, dropout: float = 0.3) -> nn.Module:
    return RecurrentClassifier("rnn", vocab_size, num_classes, d_embed, d_hidden, n_layers, False, dropout)


def build_gru(vocab_size: int, num_classes: int, d_embed: int = 64, d_hidden: int = 128,
              n_layers: int = 1, dropout: float = 0.3) -> nn.Module:
    return RecurrentClassifier("gru", vocab_size, num_classes, d_embed, d_hidden, n_layers, False, dropout)


def build_lstm(vocab_size: int, num_classes: int, d_embed: int = 64, d_hidden: int = 128,
               n_layers: int = 1, dropout: float = 0.3) -> nn.Module:
    return RecurrentClassifier("lstm", vocab_size, num_classes, d_embed, d_hidden, n_layers, False, dropout)


def build_bilstm(vocab_size: int, num_classes: int, d_embed: int = 64, d_hidden: int = 64,
                 n_layers: int = 1, dropout: float = 0.3) -> nn.Module:
    """d_hidden per direction (seed 000: 64 each way, 128 into the head)."""
    return RecurrentClassifier("lstm", vocab_size, num_classes, d_embed, d_hidden, n_layers, True, dropout)
