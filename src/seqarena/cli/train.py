"""`seqarena train`: one model on one dataset (named, or user files) -> a self-describing checkpoint."""

from __future__ import annotations

import json
import warnings
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Iterator, List, Optional

import torch
import typer

from seqarena.cli.common import check_min, err_console, out_console, progress_bar
from seqarena.cli.data import DATA_DIR_HELP
from seqarena.data import DATASETS, Dataset, TextConfig, load_dataset, load_files
from seqarena.data.corpora import CORPORA, load_corpus
from seqarena.data.text import FORMATS
from seqarena.data.tokenize import TOKENIZERS
from seqarena.errors import InputError
from seqarena.models import count_params, create_model, list_models, train_config
from seqarena.models.layers import zero_unknown_row
from seqarena.runtime import environment, resolve_device, set_threads
from seqarena.train import evaluate, fit
from seqarena.train.checkpoint import save_checkpoint


@contextmanager
def warnings_as_lines() -> Iterator[None]:
    """Show warnings raised inside (e.g. a file read as cp1252) as one stderr line each."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for w in caught:
        err_console.print(f"seqarena: warning: {w.message}", soft_wrap=True, highlight=False)


def load_data(dataset: str | None, train: list[Path] | None, dev: list[Path] | None, test: list[Path] | None,
              fmt: str | None, text_column: str, label_column: str, tokenizer: str | None, min_freq: int | None,
              max_vocab: int | None, data_dir: Path | None) -> Dataset:
    """A named dataset (--dataset) or user files (--train [--dev] [--test] --format)."""
    if (dataset is None) == (not train):
        raise InputError("give either --dataset NAME or --train FILE (with --format), not both or neither")
    text = TextConfig(tokenizer or "kim", min_freq or 1, max_vocab)
    if tokenizer is not None and tokenizer not in TOKENIZERS:
        raise InputError(f"--tokenizer: unknown tokenizer '{tokenizer}'; choose from {list(TOKENIZERS)}")
    if dataset is not None:
        if dev or test or fmt:
            raise InputError("--dev, --test and --format go with --train files, not with --dataset")
        if dataset not in DATASETS:
            raise InputError(f"--dataset: unknown dataset '{dataset}'; choose from {sorted(DATASETS)}")
        if dataset in CORPORA:
            return load_corpus(dataset, data_dir, text)
        if (tokenizer, min_freq, max_vocab) != (None, None, None):
            raise InputError(f"--tokenizer, --min-freq and --max-vocab apply to text data; '{dataset}' is token ids")
        return load_dataset(dataset, data_dir)
    if fmt is None:
        raise InputError(f"--format is required with --train; choose from {FORMATS}")
    return load_files(train, dev or None, test or None, fmt, text_column, label_column,
                      text.tokenizer, text.min_freq, text.max_size)


def train(
    model: str = typer.Option(..., "--model", help=f"One of: {', '.join(list_models('classify'))}."),
    dataset: Optional[str] = typer.Option(None, "--dataset", help="A named dataset (see `seqarena data list`)."),
    train_files: Optional[List[Path]] = typer.Option(
        None, "--train", help="Training file(s) (repeat the flag for several; a directory for --format per-class)."),
    dev_files: Optional[List[Path]] = typer.Option(None, "--dev", help="Dev file(s): selects the best epoch."),
    test_files: Optional[List[Path]] = typer.Option(None, "--test", help="Test file(s): scored at the end."),
    fmt: Optional[str] = typer.Option(None, "--format", help=f"Format of --train/--dev/--test: {', '.join(FORMATS)}."),
    text_column: str = typer.Option("text", "--text-column", help="csv/tsv column or jsonl key of the text."),
    label_column: str = typer.Option("label", "--label-column", help="csv/tsv column or jsonl key of the label."),
    tokenizer: Optional[str] = typer.Option(None, "--tokenizer", help=f"{', '.join(TOKENIZERS)} [default: kim]."),
    min_freq: Optional[int] = typer.Option(None, "--min-freq", help="Drop tokens seen fewer times in train [default: 1]."),
    max_vocab: Optional[int] = typer.Option(None, "--max-vocab", help="At most this many ids (pad, unk included)."),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help=DATA_DIR_HELP),
    epochs: int = typer.Option(10, "--epochs", help="Training epochs."),
    seed: int = typer.Option(0, "--seed", help="Seed for initial weights and data order."),
    device: str = typer.Option("auto", "--device", help="auto (CUDA when present, else CPU), cpu, cuda, cuda:N, mps."),
    threads: Optional[int] = typer.Option(None, "--threads", help="Torch threads [default: torch's]."),
    out: Optional[Path] = typer.Option(None, "--out", help="Checkpoint path [default: MODEL-DATASET.pt]."),
    as_json: bool = typer.Option(False, "--json", help="Print the result row as JSON on stdout, nothing else."),
) -> None:
    """Train one model and save a checkpoint that `seqarena predict` can use.

    With a dev split the weights of the best dev epoch are kept. Datasets without a test split (mr,
    subj: k-fold protocol) are trained on all their data; use `seqarena compare` for held-out scores."""
    if model not in list_models("classify"):
        raise InputError(f"--model: unknown model '{model}'; choose from {list_models('classify')}")
    check_min("--epochs", epochs)
    check_min("--threads", threads)
    check_min("--min-freq", min_freq)
    dev = resolve_device(device)
    set_threads(threads)
    with warnings_as_lines():
        data = load_data(dataset, train_files, dev_files, test_files, fmt, text_column, label_column, tokenizer,
                         min_freq, max_vocab, data_dir)
    out = out or Path(f"{model}-{data.name.replace(':', '-')}.pt")
    cfg = train_config(model, epochs=epochs)  # the model's own recipe where it has one (bow: fastText's)
    torch.manual_seed(seed)  # the same seed gives the same initial weights
    net = create_model(model, "classify", data.vocab_size, data.num_classes)
    if data.vocab is not None:
        zero_unknown_row(net)  # out-of-vocabulary words at predict time read as padding, not noise
    with progress_bar() as bar:
        task = bar.add_task(f"{model} on {data.name}", total=epochs)
        res = fit(net, data.train, test=data.test, dev=data.dev, cfg=cfg, device=dev, seed=seed,
                  on_epoch=lambda row: bar.advance(task))
        bar.update(task, completed=epochs)
    sel = res.history[res.selected_epoch - 1]
    test = evaluate(net, data.test.to(dev), cfg.eval_batch_size) if data.test is not None else {}
    save_checkpoint(out, net.cpu(), vocab=data.vocab.to_list() if data.vocab is not None else None,
                    label_names=list(data.label_names), tokenizer=data.meta.get("tokenizer"),
                    train_config=asdict(cfg), dataset=data.name, seed=seed)
    row = {
        "dataset": data.name, "model": model, "family": net.family, "params": count_params(net), "seed": seed,
        "n_train": len(data.train), "n_dev": len(data.dev) if data.dev is not None else None,
        "n_test": len(data.test) if data.test is not None else None, "vocab_size": data.vocab_size,
        "train_acc": sel["train_acc"], "dev_acc": sel.get("dev_acc"), "test_acc": test.get("acc"),
        "macro_f1": test.get("macro_f1"), "epochs_run": len(res.history), "selected_epoch": res.selected_epoch,
        "train_time_s": res.train_time_s, "eval_time_s": res.eval_time_s, "checkpoint": str(out),
        "history": res.history, **environment(dev),
    }
    if as_json:
        print(json.dumps(row, indent=1))
        return
    scores = [f"{k} {row[k]:.4f}" for k in ("train_acc", "dev_acc", "test_acc", "macro_f1") if row[k] is not None]
    out_console.print(f"{model} on {data.name} ({row['n_train']} train, vocab {data.vocab_size:,}, "
                      f"{row['params']:,} params): epoch {res.selected_epoch}/{len(res.history)} kept; "
                      + ", ".join(scores) + f"; train {res.train_time_s:.1f} s on {dev}", soft_wrap=True)
    err_console.print(f"checkpoint written to {out}", soft_wrap=True)
