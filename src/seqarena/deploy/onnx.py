"""ONNX export of a torch classifier checkpoint (optional extra `export`: onnx, onnxruntime).

The graph takes `tokens` int64 (B, T), right-padded with 0, and `lengths` int64 (B), both axes dynamic,
and returns `logits` (B, C). The padding mask is computed inside the graph from `lengths`, as the
models do: recurrent encoders read the state at the last real token by a gather (no packed
sequences), convolutions zero the pad embeddings and mask windows, attention masks padded keys. The
models are traced under `kernels.disabled()`, their reference forms (FastGRU's C kernel and the
custom autograd convolutions cannot be traced). TextCNN's "pad a text shorter than the widest
kernel" branch depends on T, so the exported graph always appends k_max - 1 pad columns first, which
changes no answer (those windows start on padding and are masked). Vocabulary, tokenizer and label
names go beside the .onnx file as JSON."""

from __future__ import annotations

import statistics
import time
import warnings
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from seqarena import kernels
from seqarena.errors import InputError

OPSET = 17
INPUTS = ("tokens", "lengths")


def require_onnx():
    """(onnx, onnxruntime), or an InputError saying how to install them."""
    try:
        import onnx
        import onnxruntime
    except ImportError:
        raise InputError("export needs the optional extra: pip install 'seqarena[export]' (onnx, onnxruntime)") from None
    return onnx, onnxruntime


class Exportable(nn.Module):
    """`model(tokens, lengths)` with a shape-independent graph: convolutional models get k_max - 1
    pad columns appended, so no branch on T is taken while tracing."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model
        self.pad = max(model.kernel_sizes) - 1 if hasattr(model, "kernel_sizes") else 0

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        if self.pad:
            tokens = F.pad(tokens, (0, self.pad))  # (B, T + k_max - 1), pad id 0
        return self.model(tokens, lengths)


def sample_batch(vocab_size: int, lengths: list[int], seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """A right-padded batch of random real token ids (2.. vocab_size - 1) of the given lengths."""
    g = torch.Generator().manual_seed(seed)
    T = max(lengths)
    tokens = torch.zeros(len(lengths), T, dtype=torch.long)
    for i, n in enumerate(lengths):
        tokens[i, :n] = torch.randint(2, max(3, vocab_size), (n,), generator=g)
    return tokens, torch.tensor(lengths, dtype=torch.long)


def export_model(model: nn.Module, path: Path) -> None:
    """Trace `model` (eval, reference forms) to an ONNX file with dynamic batch and length axes."""
    onnx, _ = require_onnx()
    model = model.eval()
    vocab = model.config["vocab_size"]
    example = sample_batch(vocab, [9, 6, 3, 1])
    with kernels.disabled(), torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation and tracer notes
        torch.onnx.export(Exportable(model), example, str(path), input_names=list(INPUTS), output_names=["logits"],
                          dynamic_axes={"tokens": {0: "batch", 1: "length"}, "lengths": {0: "batch"},
                                        "logits": {0: "batch"}}, opset_version=OPSET, dynamo=False)
    onnx.checker.check_model(str(path))


def session(path: Path, threads: int | None = None):
    _, ort = require_onnx()
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads or torch.get_num_threads()
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def parity(model: nn.Module, sess, lengths: tuple[int, ...] = (17, 1, 5, 9, 2, 30, 4, 12)) -> float:
    """Largest |logit difference| between onnxruntime and PyTorch on a padded batch of mixed lengths."""
    tokens, lens = sample_batch(model.config["vocab_size"], list(lengths), seed=1)
    with torch.no_grad():
        ref = model.eval()(tokens, lens).numpy()
    got = sess.run(None, {"tokens": tokens.numpy(), "lengths": lens.numpy()})[0]
    return float(np.abs(ref - got).max())


def sidecar(ckpt: dict) -> dict:
    """What a client of the .onnx file needs besides the graph: labels, vocabulary, tokenizer, inputs."""
    from seqarena import __version__

    cfg = ckpt["model_config"]
    return {"format": "seqarena-onnx", "seqarena_version": __version__, "model": cfg["name"],
            "hparams": cfg["hparams"], "labels": ckpt["label_names"], "tokenizer": ckpt.get("tokenizer"),
            "vocab": ckpt["vocab"], "pad_id": 0, "unk_id": 1, "opset": OPSET,
            "inputs": {"tokens": "int64 (batch, length), right-padded with pad_id",
                       "lengths": "int64 (batch): real tokens per row, >= 1"},
            "outputs": {"logits": "float32 (batch, classes); softmax gives the class probabilities"}}


def speed(model: nn.Module, sess, batch: int = 256, n_latency: int = 50, repeats: int = 10,
          seed: int = 0) -> dict:
    """Batch-1 latency (median ms) and batch-`batch` throughput (texts/s, median) of PyTorch (its fast
    paths on, as `predict` runs) and onnxruntime, measured side by side: each input is timed on both,
    alternately, so machine noise falls on both alike. Lengths are drawn 5..40 tokens (sentences)."""
    rng = np.random.default_rng(seed)
    V = model.config["vocab_size"]

    def timed(fn) -> float:
        t0 = time.perf_counter()
        fn()
        return time.perf_counter() - t0

    model.eval()
    lat = {"torch": [], "onnx": []}
    tp = {"torch": [], "onnx": []}
    with torch.no_grad():
        singles = [sample_batch(V, [int(rng.integers(5, 41))], seed=i) for i in range(n_latency + 5)]
        for i, (x, L) in enumerate(singles):
            feeds = {"tokens": x.numpy(), "lengths": L.numpy()}
            a, b = timed(lambda: model(x, L)), timed(lambda: sess.run(None, feeds))
            if i >= 5:  # warm-up
                lat["torch"].append(a)
                lat["onnx"].append(b)
        lengths = sorted(int(v) for v in rng.integers(5, 41, size=batch))  # a length-bucketed batch
        x, L = sample_batch(V, lengths, seed=seed)
        feeds = {"tokens": x.numpy(), "lengths": L.numpy()}
        model(x, L), sess.run(None, feeds)
        for _ in range(repeats):
            tp["torch"].append(timed(lambda: model(x, L)))
            tp["onnx"].append(timed(lambda: sess.run(None, feeds)))
    out = {}
    for k in ("torch", "onnx"):
        out[f"{k}_latency_ms"] = 1000 * statistics.median(lat[k])
        out[f"{k}_throughput"] = batch / statistics.median(tp[k])
    out["threads"] = torch.get_num_threads()
    return out
