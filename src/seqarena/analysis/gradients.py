"""Gradient flow, measured (seed 004's vanishing gradient): the norm of dLoss/d(embedding at position
t) against t, at initialisation and after brief training on the long-range probe (label: which of
two signal tokens, D apart near the start, comes first), cut to a common length T. Plus a hidden-size sweep (seed 004
contrasts 2, 128 and 1024) on a tiny, self-contained next-character task: seed 004's one-hot RNN,
batched. It is deliberately minimal; the full char-LM models live elsewhere.
Rows, summary and hidden_sweep: see ARCHITECTURE.md, `gradients.json`."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from seqarena import kernels
from seqarena.config import TrainConfig
from seqarena.data.batching import Split
from seqarena.data.probes import VOCAB_SIZE, make_probe
from seqarena.models import count_params, create_model
from seqarena.runtime import Stopwatch, seed_everything
from seqarena.train import fit

GRAD_MODELS = ("rnn", "gru", "lstm", "textcnn", "transformer")
# seed 004's fifteen Spanish cities: the fallback corpus when the data directory is absent


@dataclass(frozen=True)
class GradSettings:
    seq_len: int = 256
    batch: int = 32  # sequences whose per-position gradient norms are averaged
    n_train: int = 1000  # brief training on the long-range probe
    epochs: int = 3
    train_batch: int = 32
    lr: float = 2e-3  # Adam, as in the probes
    seed: int = 0


def embedding_grad_norms(model: nn.Module, tokens: torch.Tensor, lengths: torch.Tensor,
                         labels: torch.Tensor) -> torch.Tensor:
    """(T,): mean over the batch of ||dLoss/d e_t||_2, e_t the output of the model's (first) embedding.
    Eval mode (no dropout): the gradient of the function itself; cuDNN off, whose RNN backward
    refuses eval mode."""
    emb = next(m for m in model.modules() if isinstance(m, nn.Embedding))
    captured: list[torch.Tensor] = []

    def keep(m: nn.Module, inputs: tuple, out: torch.Tensor) -> None:
        out.retain_grad()
        captured.append(out)

    handle = emb.register_forward_hook(keep)
    model.eval()
    model.zero_grad(set_to_none=True)
    try:  # the reference forms call the embedding per position (bow's bag does not): same function
        with torch.backends.cudnn.flags(enabled=False), kernels.disabled():
            F.cross_entropy(model(tokens, lengths), labels).backward()
    finally:
        handle.remove()
    g = captured[0].grad[:, : tokens.shape[1]]  # (B, T, E); bow's n-gram positions follow its words
    model.zero_grad(set_to_none=True)
    return g.norm(dim=-1).mean(0).detach().cpu()  # (T,)


def gradient_flow(models: list[str], settings: GradSettings, device: torch.device,
                  on_step=None) -> list[dict]:
    """Rows (model, phase, position) for each model: at init, then after `fit` on the probe."""
    T = settings.seq_len
    train, test = longrange_batch(T, settings.n_train, settings.seed), longrange_batch(T, settings.batch, settings.seed + 1)
    probe = test.to(device)  # the fixed batch every gradient is measured on
    rows = []
    for name in models:
        torch.manual_seed(settings.seed)
        model = create_model(name, "classify", VOCAB_SIZE, 2).to(device)
        for phase in ("init", "trained"):
            train_acc = None
            if phase == "trained":
                cfg = TrainConfig(epochs=settings.epochs, batch_size=settings.train_batch, lr=settings.lr)
                train_acc = fit(model, train, cfg=cfg, device=device, seed=settings.seed).history[-1]["train_acc"]
            norms = embedding_grad_norms(model, probe.tokens, probe.lengths, probe.labels)
            top = float(norms.max()) or 1.0
            rows += [{"model": name, "family": model.family, "phase": phase, "seq_len": T, "position": t,
                      "grad_norm": float(v), "grad_norm_rel": float(v) / top, "train_acc": train_acc}
                     for t, v in enumerate(norms.tolist())]
            if on_step is not None:
                on_step(name, phase)
    return rows


def longrange_batch(T: int, n: int, seed: int) -> Split:
    """Long-range probe texts cut to exactly T tokens: distance D = (T - 16) // 2 keeps both signals
    (first one at 5..15, second D later) inside the first T tokens, so every label stays true."""
    s, _ = make_probe("longrange", max(1, (T - 16) // 2), n, 1, seed=seed)
    return Split(s.tokens[:, :T], torch.full((n,), T), s.labels)


def summarize(rows: list[dict]) -> list[dict]:
    out = []
    for key in dict.fromkeys((r["model"], r["phase"]) for r in rows):
        mine = sorted((r for r in rows if (r["model"], r["phase"]) == key), key=lambda r: r["position"])
        first, last = mine[0]["grad_norm"], mine[-1]["grad_norm"]
        ratio = first / last if last > 0 else float("inf")
        out.append({"model": key[0], "phase": key[1], "seq_len": mine[0]["seq_len"], "first_over_last": ratio,
                    "log10_first_over_last": math.log10(ratio) if ratio > 0 else float("-inf"),
                    "frac_positions_above_1pct": sum(r["grad_norm_rel"] >= 0.01 for r in mine) / len(mine)})
    return out


# --- hidden-size sweep: seed 004's character RNN, batched ------------------------------------------

class TinyCharRNN(nn.Module):
    """One-hot characters -> nn.RNN(tanh) -> linear over the alphabet (seed 004's GeneradorCiudades)."""

    def __init__(self, n_chars: int, d_hidden: int) -> None:
        super().__init__()
        self.n_chars = n_chars
        self.rnn = nn.RNN(n_chars, d_hidden, batch_first=True)
        self.out = nn.Linear(d_hidden, n_chars)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, _ = self.rnn(F.one_hot(x, self.n_chars).float())  # (B, T, H)
        return self.out(h)  # (B, T, C): logits of the next character


def load_names(data_dir: Path | None) -> tuple[list[str], str]:
    """Spanish city names (the `spanish-cities` corpus), else seed 004's fifteen built-in cities."""
    from seqarena.data.names import load_names as load_corpus
    from seqarena.errors import InputError

    try:
        c = load_corpus("spanish-cities", data_dir, split="none")
    except InputError:
        c = load_corpus("seed-cities", None, split="none")
    return [n.upper() for n in c.names], c.source


def encode_names(names: list[str]) -> tuple[torch.Tensor, torch.Tensor, int]:
    """x (N, L) = the name's characters, y (N, L) = the next character ('.' after the last); pad 0 in x,
    -100 (ignored) in y. Ids: 0 pad, 1 '.', then the alphabet."""
    chars = sorted(set("".join(names)))
    ids = {c: i + 2 for i, c in enumerate(chars)}
    L = max(len(n) for n in names)
    x = torch.zeros(len(names), L, dtype=torch.long)
    y = torch.full((len(names), L), -100, dtype=torch.long)
    for r, n in enumerate(names):
        seq = [ids[c] for c in n]
        x[r, : len(seq)] = torch.tensor(seq)
        y[r, : len(seq)] = torch.tensor(seq[1:] + [1])
    return x, y, len(chars) + 2


def hidden_sweep(hiddens: list[int], steps: int, batch: int, data_dir: Path | None, device: torch.device,
                 seed: int = 0, on_step=None) -> list[dict]:
    """Train one TinyCharRNN per hidden size for `steps` Adam steps on random batches of 90 % of the
    names; report the last-step train loss and the loss on the other 10 % (nats per character)."""
    names, corpus = load_names(data_dir)
    x, y, V = encode_names(names)
    g = seed_everything(seed)
    perm = torch.randperm(len(names), generator=g)
    n_val = max(1, len(names) // 10) if len(names) >= 10 else 0
    val, tr = perm[:n_val], perm[n_val:]
    x, y = x.to(device), y.to(device)
    rows = []
    for H in hiddens:
        torch.manual_seed(seed)
        model = TinyCharRNN(V, H).to(device)
        opt = torch.optim.Adam(model.parameters(), lr=3e-3)
        clock = Stopwatch(device)
        loss = torch.zeros(())
        with clock.time():
            for _ in range(steps):
                idx = tr[torch.randint(len(tr), (min(batch, len(tr)),), generator=g)].to(device)
                logits = model(x[idx])
                loss = F.cross_entropy(logits.reshape(-1, V), y[idx].reshape(-1), ignore_index=-100)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                nn.utils.clip_grad_norm_(model.parameters(), 1.0)  # tanh RNNs at H=1024 blow up without it
                opt.step()
        with torch.no_grad():
            ev = val if n_val else tr  # the 15-city fallback has no held-out names
            vl = F.cross_entropy(model(x[ev.to(device)]).reshape(-1, V), y[ev.to(device)].reshape(-1),
                                 ignore_index=-100)
        rows.append({"hidden": H, "params": count_params(model), "steps": steps, "batch": batch,
                     "final_train_loss": float(loss.detach()), "val_loss": float(vl), "val_is_train": not n_val,
                     "train_time_s": clock.seconds, "ms_per_step": 1000 * clock.seconds / steps, "corpus": corpus})
        if on_step is not None:
            on_step(H)
    return rows
