"""`seqarena theory`: the seed's comparison table, computed (FLOPs, memory, context, serial steps)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import torch
import typer

from seqarena.analysis.common import envelope
from seqarena.analysis.theory import comparison_table, theory_rows
from seqarena.checks import MAX_SEQ_LEN, MAX_VOCAB
from seqarena.cli.analysis_io import emit, parse_models, table
from seqarena.cli.common import check_min
from seqarena.fsutil import check_output_dir
from seqarena.models import list_models


def theory(
    models: Optional[str] = typer.Option(None, "--models", help="Comma-separated registry names [default: all classifiers]."),
    seq_len: int = typer.Option(256, "--seq-len", help="Sequence length T the per-sample figures are computed at."),
    vocab_size: int = typer.Option(5000, "--vocab-size", help="Vocabulary size (embedding parameters); the seed's 5000."),
    as_json: bool = typer.Option(False, "--json", help="Print theory.json's content on stdout, nothing else."),
    out: Optional[Path] = typer.Option(None, "--out", help="Directory to write theory.json into."),
) -> None:
    """Parameters, forward FLOPs per token (analytic, cross-checked with torch's FlopCounterMode),
    activation memory, receptive field, serial steps and n-gram capture, per classifier.

    Example: `seqarena theory --seq-len 256 --out runs/latest`"""
    names = parse_models(models, list_models("classify"))
    check_min("--seq-len", seq_len, 1, MAX_SEQ_LEN)
    check_min("--vocab-size", vocab_size, 2, MAX_VOCAB)
    if out is not None:
        check_output_dir(out, "--out")
    rows = theory_rows(names, seq_len, vocab_size)
    comp = comparison_table(rows)
    doc = envelope("theory", torch.device("cpu"), {"models": names, "seq_len": seq_len, "vocab_size": vocab_size},
                   rows, table=comp)
    detail = table(
        f"theory at T = {seq_len}, vocab {vocab_size} (FLOPs: 2 per multiply-add, one sample)",
        ["model", "family", "params", "MFLOP/token", "FLOP check", "act. KiB", "receptive field", "serial steps"],
        [[r["model"], r["family"], f"{r['params']:,}", f"{r['flops_per_token'] / 1e6:.3f}", r["flops_check"],
          f"{r['activation_bytes'] / 1024:,.1f}", f"{r['receptive_field']:,} ({r['context']})",
          f"{r['sequential_steps']:,}"] for r in rows],
        right={"params", "MFLOP/token", "act. KiB", "serial steps"},
    )
    seed = table("the seed's comparison table, computed", ["dimension"] + names,
                 [[c["dimension"]] + [c[n] for n in names] for c in comp])
    emit(doc, as_json, out, [detail, seed])
