"""Theory, computed: parameters, analytic forward FLOPs per layer, activation memory, receptive field,
serial steps and how n-grams are captured, for each classifier at its configured sizes.

FLOPs count 2 per multiply-add and leave element-wise ops out, the convention of
`torch.utils.flop_counter.FlopCounterMode`, which cross-checks every layer it can see: attention is counted through the math
backend; fused recurrent kernels (LSTM on CPU, every cell on CUDA) are invisible to it. Rows: see ARCHITECTURE.md, `theory.json`."""

from __future__ import annotations

import json
from collections.abc import Callable

import torch
from torch import nn
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.utils.flop_counter import FlopCounterMode

from seqarena import kernels as fast_paths
from seqarena.models import count_params, create_model
from seqarena.models.attention import SelfAttention

GATES = {nn.RNN: 1, nn.GRU: 3, nn.LSTM: 4}  # weight blocks per cell (Elman 1, GRU r/z/n, LSTM i/f/g/o)
BYTES_FP32 = 4


def linear_flops(m: nn.Linear, x: torch.Tensor, y: torch.Tensor) -> int:
    return 2 * (x.numel() // m.in_features) * m.in_features * m.out_features


def conv1d_flops(m: nn.Conv1d, x: torch.Tensor, y: torch.Tensor) -> int:
    B, C_out, L_out = y.shape  # each output value is a dot product over C_in/groups * k inputs
    return 2 * B * C_out * L_out * (m.in_channels // m.groups) * m.kernel_size[0]


def recurrent_flops(m: nn.RNNBase, x: torch.Tensor, y: torch.Tensor) -> int:
    """Per step, layer and direction: gates * H * (input + H) multiply-adds (input and recurrent
    matrices); batch_first input (B, T, I)."""
    B, T = (x.shape[0], x.shape[1]) if m.batch_first else (x.shape[1], x.shape[0])
    H, g, dirs = m.hidden_size, GATES[rule_type(m, GATES)], 2 if m.bidirectional else 1
    total = 0
    for layer in range(m.num_layers):
        d_in = m.input_size if layer == 0 else H * dirs
        total += 2 * B * T * g * H * (d_in + H) * dirs
    return total


def attention_core_flops(m: SelfAttention, x: torch.Tensor, y: torch.Tensor) -> int:
    """QK^T and AV: 2 * B*T*T*D each (all heads together); the projections are nn.Linear children,
    counted by their own rule. Causal masks are counted in full, as FlopCounterMode does."""
    B, T, D = x.shape
    return 2 * (2 * B * T * T * D)


FLOP_RULES: dict[type, Callable[..., int]] = {
    nn.Linear: linear_flops,
    nn.Conv1d: conv1d_flops,
    nn.RNN: recurrent_flops,
    nn.GRU: recurrent_flops,
    nn.LSTM: recurrent_flops,
    SelfAttention: attention_core_flops,
    nn.Embedding: lambda m, x, y: 0,  # a row lookup: no multiply-adds
}

def rule_type(m: nn.Module, table: dict) -> type | None:
    """The nearest class of `m` (itself or a parent, e.g. nn.GRU for FastGRU) that `table` knows."""
    return next((t for t in type(m).__mro__ if t in table), None)


NGRAMS = {  # how each family captures n-grams (the seed's "N-gramas" row)
    "recurrent": "implicit: composed step by step in the hidden state",
    "convolutional": "explicit: one filter bank per width k",
    "hybrid": "explicit k-gram filters, then read in order by a recurrent cell",
    "attention": "implicit: pairwise attention over positions",
    "baseline": "explicit: hashed word n-grams in a bag (order-blind beyond n)",
}
NGRAMS_SHORT = {"recurrent": "implicit (state)", "convolutional": "explicit", "hybrid": "explicit, then RNN",
                "attention": "implicit (attention)", "baseline": "hashed (bag)"}


def analyse_model(name: str, seq_len: int, vocab_size: int = 5000, num_classes: int = 2,
                  **overrides) -> dict:
    """One theory row for `name` at its registry sizes (plus overrides), one sample of `seq_len` tokens."""
    torch.manual_seed(0)
    model = create_model(name, "classify", vocab_size, num_classes, **overrides).eval()
    tokens = torch.randint(1, vocab_size, (1, seq_len))
    lengths = torch.tensor([seq_len])
    calls: list[tuple[nn.Module, torch.Tensor, torch.Tensor]] = []

    def hook(m: nn.Module, inputs: tuple, output) -> None:
        y = output[0] if isinstance(output, tuple) else output
        calls.append((m, inputs[0], y))

    # counted on the reference form of every layer (nn.GRU, Conv1d + max): the fast paths are an
    # implementation detail that computes the same function
    handles = [m.register_forward_hook(hook) for m in model.modules() if rule_type(m, FLOP_RULES)]
    with fast_paths.disabled():
        saved = saved_activation_bytes(model, tokens, lengths)  # the hooked forward, with autograd recording
    for h in handles:
        h.remove()

    flops = sum(FLOP_RULES[rule_type(m, FLOP_RULES)](m, x, y) for m, x, y in calls)
    flops_rec = sum(recurrent_flops(m, x, y) for m, x, y in calls if isinstance(m, nn.RNNBase))
    # the math attention backend is made of matmuls the counter sees (the fused CPU kernel it does not)
    with torch.no_grad(), fast_paths.disabled(), sdpa_kernel(SDPBackend.MATH), FlopCounterMode(display=False) as counter:
        model(tokens, lengths)
    counted = int(counter.get_total_flops())
    if counted == flops:
        check = "match"
    elif flops_rec and counted == flops - flops_rec:
        check = "match (recurrent not counted)"
    else:
        check = "mismatch"

    rf, rule, n_conv_stages, kernels = receptive_field(calls)
    rec_layers = sum(m.num_layers for m, _, _ in calls if isinstance(m, nn.RNNBase))
    if getattr(model, "bidirectional", False):
        rec_layers //= 2  # the two directions of a layer run side by side
    n_attn = sum(1 for m, _, _ in calls if isinstance(m, SelfAttention))
    is_global = rec_layers > 0 or n_attn > 0 or model.family == "baseline"
    steps = max(1, seq_len * rec_layers + n_conv_stages + n_attn)
    ngrams, short = NGRAMS.get(model.family, ""), NGRAMS_SHORT.get(model.family, "")
    if kernels:
        ks = f" (k = {', '.join(map(str, kernels))})"
        ngrams, short = ngrams + ks, short + ks
    emb = sum(m.weight.numel() for m in model.modules() if isinstance(m, nn.Embedding))
    return {
        "model": name, "family": model.family, "seq_len": seq_len,
        "params": count_params(model), "params_embedding": emb,
        "flops_total": flops, "flops_per_token": flops / seq_len, "flops_recurrent": flops_rec,
        "flops_counted": counted, "flops_check": check,
        "activation_bytes": saved,
        "receptive_field": seq_len if is_global else rf,
        "receptive_field_rule": ("whole sequence" + (f"; convs first see {rf} tokens: {rule}" if kernels else ""))
        if is_global else rule,
        "context": "global" if is_global else "local",
        "sequential_steps": steps, "parallel_over_time": rec_layers == 0,
        "ngrams": ngrams, "ngrams_short": short,
        "hparams": json.dumps(model.config["hparams"], default=list),
    }


def saved_activation_bytes(model: nn.Module, tokens: torch.Tensor, lengths: torch.Tensor) -> int:
    """Bytes of the tensors autograd keeps for backward in one forward pass (activations; the
    parameters it also holds on to are left out), each storage counted once."""
    params = {p.untyped_storage().data_ptr() for p in model.parameters()}
    seen: dict[int, int] = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        s = t.untyped_storage()
        if s.data_ptr() not in params:
            seen[s.data_ptr()] = max(seen.get(s.data_ptr(), 0), s.nbytes())
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        model(tokens, lengths)
    return sum(seen.values())


def receptive_field(calls: list) -> tuple[int, str, int, list[int]]:
    """Convs that read the same input tensor run in parallel (TextCNN's widths): a stage sees the
    widest of them; stacked stages add up: RF = 1 + sum over stages i of max (k - 1) * dilation, times
    the product of the strides of the stages before i."""
    stages: list[list[nn.Conv1d]] = []
    last_input = None
    for m, x, _ in calls:
        if isinstance(m, nn.Conv1d):
            ptr = x.data_ptr()
            if stages and ptr == last_input:
                stages[-1].append(m)
            else:
                stages.append([m])
            last_input = ptr
    if not stages:
        return 1, "1 token (no convolution)", 0, []
    spans, jump = [], 1  # jump: input positions between neighbouring outputs of the previous stage
    for s in stages:
        spans.append(jump * max((c.kernel_size[0] - 1) * c.dilation[0] for c in s))
        jump *= max(c.stride[0] for c in s)
    rf = 1 + sum(spans)
    kernels = [c.kernel_size[0] for s in stages for c in s]
    if len(stages) == 1:
        rule = f"max(k) = {rf} over {len(stages[0])} parallel conv(s)"
    else:
        rule = "1 + sum (k-1)*d*stride-before over stacked stages = " + " + ".join(["1"] + [str(s) for s in spans]) + f" = {rf}"
    return rf, rule, len(stages), kernels


def theory_rows(models: list[str], seq_len: int, vocab_size: int = 5000) -> list[dict]:
    return [analyse_model(m, seq_len, vocab_size) for m in models]


def comparison_table(rows: list[dict]) -> list[dict]:
    """The seed's table (parallelism, n-grams, long context, speed, parameters) with computed values:
    one dict per dimension, one key per model."""
    def mk(dimension: str, fmt: Callable[[dict], str]) -> dict:
        return {"dimension": dimension, **{r["model"]: fmt(r) for r in rows}}

    return [
        mk("parallelism", lambda r: f"{'✅' if r['parallel_over_time'] else '⚠️'} {r['sequential_steps']:,} serial"),
        mk("n-grams", lambda r: r["ngrams_short"]),
        mk("long context", lambda r: f"{r['context']} ({r['receptive_field']:,}/{r['seq_len']:,})"),
        mk("speed", lambda r: f"{r['flops_per_token'] / 1e6:.3f} MFLOP/tok"),
        mk("parameters", lambda r: f"{r['params']:,}"),
    ]
