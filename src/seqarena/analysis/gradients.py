"""Gradient flow, measured (seed 004's vanishing gradient): the norm of dLoss/d(embedding at position
t) against t, at initialisation and after brief training on the long-range probe (label: which of
two signal tokens, D apart near the start, comes first), cut to a common length T. Plus a hidden-size sweep (seed 004
contrasts 2, 128 and 1024) on city names: the registry's one-hot RNN language model (seed 004's),
trained by the same `train.fit` as every model.
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
from seqarena.data.names import CharVocab, NameCorpus
from seqarena.data.names import load_names as load_corpus
from seqarena.data.probes import VOCAB_SIZE, make_probe
from seqarena.errors import InputError
from seqarena.models import count_params, create_model
from seqarena.train import fit
from seqarena.train.task import LM

GRAD_MODELS = ("rnn", "gru", "lstm", "textcnn", "transformer")


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


# --- hidden-size sweep: seed 004's character RNN (the registry's one-hot rnn LM), through train.fit ---

def load_names(data_dir: Path | None) -> NameCorpus:
    """Spanish city names (the `spanish-cities` corpus, upper case, seeded 90/10 train/dev), else seed
    004's fifteen built-in cities (no held-out names: dev is train)."""
    try:
        c = load_corpus("spanish-cities", data_dir, split="none")
    except InputError:
        c = load_corpus("seed-cities", None, split="none")
    names = [n.upper() for n in c.names]
    perm = torch.randperm(len(names), generator=torch.Generator().manual_seed(0)).tolist()
    n_dev = len(names) // 10 if len(names) >= 10 else 0
    dev, train = [names[i] for i in perm[:n_dev]], [names[i] for i in perm[n_dev:]]
    return NameCorpus(c.name, c.source, names, {"train": train, "dev": dev, "test": []},
                      CharVocab.from_names(names), "sweep-90/10", len(names), 0, False)


def hidden_sweep(hiddens: list[int], steps: int, batch: int, data_dir: Path | None, device: torch.device,
                 seed: int = 0, on_step=None) -> list[dict]:
    """Train the registry's one-hot tanh RNN language model (seed 004's GeneradorCiudades) per hidden
    size with `train.fit` (task LM: Adam 3e-3, clip 1, about `steps` steps of `batch` names); report
    the last epoch's train loss and the dev loss (nats per character, stop token included)."""
    c = load_names(data_dir)
    train = c.tensors("train")
    dev = c.tensors("dev") if c.splits["dev"] else train  # the 15-city fallback has no held-out names
    epochs = max(1, math.ceil(steps / math.ceil(len(train) / batch)))
    # clip 1: tanh RNNs at H=1024 blow up without it
    cfg = TrainConfig(epochs=epochs, batch_size=batch, lr=3e-3, grad_clip=1.0, eval_batch_size=1024)
    rows = []
    for H in hiddens:
        torch.manual_seed(seed)
        model = create_model("rnn", "lm", c.vocab.size, None, d_hidden=H, one_hot=True)
        res = fit(model, train, cfg=cfg, device=device, seed=seed, task=LM)  # no dev: the last epoch is kept
        vl = LM.scores(model, dev.to(device), cfg.eval_batch_size)["nll"]
        rows.append({"hidden": H, "params": count_params(model), "steps": res.steps, "batch": batch,
                     "final_train_loss": res.history[-1]["train_loss"], "val_loss": vl,
                     "val_is_train": not c.splits["dev"], "train_time_s": res.train_time_s,
                     "ms_per_step": 1000 * res.train_time_s / max(res.steps, 1), "corpus": c.source})
        if on_step is not None:
            on_step(H)
    return rows
