"""`seqarena train`: one model on one dataset (named, or user files) -> a self-describing checkpoint;
`--from-run DIR` trains the model exactly as `seqarena compare --out DIR` measured it."""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any, List, Optional

import torch
import typer

from seqarena.checks import MAX_EPOCHS, MAX_SEED, MAX_THREADS
from seqarena.cli.common import check_min, check_number, err_console, out_console, progress_bar, warnings_as_lines
from seqarena.cli.data import DATA_DIR_HELP
from seqarena.config import OPTIMIZERS, ModelConfig
from seqarena.data import DATASETS, Dataset, TextConfig, load_dataset, load_files
from seqarena.data.corpora import CORPORA, load_corpus
from seqarena.data.text import FORMATS, infer_format
from seqarena.data.tokenize import TOKENIZERS
from seqarena.data.files import FileSource, file_source
from seqarena.errors import InputError
from seqarena.fsutil import check_output_file
from seqarena.models import train_config
from seqarena.run.cells import Cell, classifier_names, is_sparse
from seqarena.run.cells import dataset as run_dataset
from seqarena.run.protocol import Protocol
from seqarena.cli.vectors import EMBEDDINGS_HELP, MODE_HELP, prepare_cells
from seqarena.run import embeddings as vectors
from seqarena.run.retrain import check_files_unchanged, load_measured, save_trained, train_final
from seqarena.run.spec import _Errors, hparams_of, load_preset
from seqarena.runtime import environment, resolve_device, set_threads


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
    if fmt is None:  # from the extensions (.csv, .tsv, .jsonl; a directory is per-class)
        fmt = infer_format([*train, *(dev or []), *(test or [])])
    return load_files(train, dev or None, test or None, fmt, text_column, label_column,
                      text.tokenizer, text.min_freq, text.max_size)


# TrainConfig fields a flag may set (flag name -> field); --dropout and --hparam set hyperparameters
TRAIN_FLAGS = {"--epochs": "epochs", "--batch-size": "batch_size", "--optimizer": "optimizer", "--lr": "lr",
               "--weight-decay": "weight_decay", "--rho": "rho", "--max-norm": "max_norm", "--grad-clip": "grad_clip",
               "--patience": "patience", "--eval-batch-size": "eval_batch_size", "--embed-init": "embed_init",
               "--dev-ties": "dev_ties"}


def parse_hparams(items: list[str] | None, model: str, dropout: float | None) -> dict[str, Any]:
    """--hparam KEY=VALUE (TOML values: 3, 0.5, true, [3, 4, 5], "x"; a bare word is a string), checked
    against the model's hyperparameters as a spec's [hparams.MODEL] table is."""
    raw: dict[str, Any] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InputError(f"--hparam: expected KEY=VALUE (got '{item}')")
        try:
            raw[key.strip()] = tomllib.loads(f"v = {value.strip()}")["v"]
        except tomllib.TOMLDecodeError:
            raw[key.strip()] = value.strip()
    if dropout is not None:
        raw["dropout"] = dropout
    known = hparams_of(model)
    return _Errors("", "--hparam").hparams("hparams", raw, known, model) if raw else {}


def _base_spec(from_run: Path | None, preset: str | None, model: str, dataset: str | None):
    """(spec or None, Measured or None): what the flags are applied on."""
    if from_run is not None and preset is not None:
        raise InputError("--from-run and --preset: give one of them (a run already holds its spec)")
    if from_run is not None:
        measured = load_measured(from_run, model, dataset)
        return measured.spec, measured
    if preset is not None:
        return load_preset(preset), None
    return None, None


def _check_out(out: Path) -> None:
    """Fail before training, not after, when the checkpoint cannot be written."""
    if out.is_dir():
        raise InputError(f"--out: {out} is a directory; give a file name such as model.pt")
    parent = out.parent if str(out.parent) else Path(".")
    probe = parent
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK):
        raise InputError(f"--out: cannot write {out} ({probe} is not a writable directory)")


def train(
    model: str = typer.Option(..., "--model", help=f"One of: {', '.join(classifier_names())}."),
    from_run: Optional[Path] = typer.Option(
        None, "--from-run", help="A `compare --out` directory: train the model exactly as that run measured it "
        "(spec, hyperparameters, training fields, tokenizer, vocabulary, dev carve) on all its training rows."),
    preset: Optional[str] = typer.Option(None, "--preset", help="Training fields, hyperparameters and dev carve of a "
                                         "shipped spec (seed, kim)."),
    dataset: Optional[str] = typer.Option(None, "--dataset", help="A named dataset (see `seqarena data list`); "
                                          "with --from-run, which of the run's datasets."),
    train_files: Optional[List[Path]] = typer.Option(
        None, "--train", help="Training file(s) (repeat the flag for several; a directory for --format per-class)."),
    dev_files: Optional[List[Path]] = typer.Option(None, "--dev", help="Dev file(s): selects the best epoch."),
    test_files: Optional[List[Path]] = typer.Option(None, "--test", help="Test file(s): scored at the end."),
    fmt: Optional[str] = typer.Option(None, "--format", help=f"Format of --train/--dev/--test: {', '.join(FORMATS)} "
                                      "[default: from the extension]."),
    text_column: Optional[str] = typer.Option(None, "--text-column", help="csv/tsv column or jsonl key of the text [default: text]."),
    label_column: Optional[str] = typer.Option(None, "--label-column", help="csv/tsv column or jsonl key of the label [default: label]."),
    tokenizer: Optional[str] = typer.Option(None, "--tokenizer", help=f"{', '.join(TOKENIZERS)} [default: kim]."),
    min_freq: Optional[int] = typer.Option(None, "--min-freq", help="Drop tokens seen fewer times in train [default: 1]."),
    max_vocab: Optional[int] = typer.Option(None, "--max-vocab", help="At most this many ids (pad, unk included)."),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help=DATA_DIR_HELP),
    epochs: Optional[int] = typer.Option(None, "--epochs", help="Training epochs [default: the spec's; 10]."),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", help="Mini-batch size [default: 64]."),
    optimizer: Optional[str] = typer.Option(None, "--optimizer", help=f"{', '.join(OPTIMIZERS)} [default: adam]."),
    lr: Optional[float] = typer.Option(None, "--lr", help="Learning rate (Adadelta: its scale) [default: 1e-3]."),
    weight_decay: Optional[float] = typer.Option(None, "--weight-decay", help="Weight decay [default: 0]."),
    rho: Optional[float] = typer.Option(None, "--rho", help="Adadelta's decay [default: 0.95]."),
    max_norm: Optional[float] = typer.Option(None, "--max-norm", help="Kim's max-norm on the output rows."),
    grad_clip: Optional[float] = typer.Option(None, "--grad-clip", help="Max global gradient norm."),
    patience: Optional[int] = typer.Option(None, "--patience", help="Stop after this many epochs without dev gain."),
    eval_batch_size: Optional[int] = typer.Option(None, "--eval-batch-size", help="Evaluation batch size [default: 256]."),
    embed_init: Optional[float] = typer.Option(None, "--embed-init", help="Draw embeddings U(-a, a) (Kim: 0.25)."),
    dev_ties: Optional[str] = typer.Option(None, "--dev-ties", help="first or last: the epoch kept on a dev tie."),
    dev_fraction: Optional[float] = typer.Option(
        None, "--dev-fraction", help="Share of train carved (stratified) as dev for epoch selection when there is "
        "no dev split [default: the spec's; 0]."),
    dropout: Optional[float] = typer.Option(None, "--dropout", help="The model's dropout (a hyperparameter)."),
    hparam: Optional[List[str]] = typer.Option(None, "--hparam", help="KEY=VALUE hyperparameter, e.g. d_hidden=256 "
                                               "or kernel_sizes=[3,4,5] (repeat the flag)."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Seed for weights, data order and the dev carve "
                                       "[default: the spec's first seed; 0]."),
    device: str = typer.Option("auto", "--device", help="auto (CUDA when present, else CPU), cpu, cuda, cuda:N, mps."),
    threads: Optional[int] = typer.Option(None, "--threads", help="Torch threads [default: torch's]."),
    out: Optional[Path] = typer.Option(None, "--out", help="Checkpoint path [default: MODEL-DATASET.pt]."),
    as_json: bool = typer.Option(False, "--json", help="Print the result row as JSON on stdout, nothing else."),
    embeddings: Optional[Path] = typer.Option(None, "--embeddings", help=EMBEDDINGS_HELP),
    embedding_mode: Optional[str] = typer.Option(None, "--embedding-mode", help=MODE_HELP),
) -> None:
    """Train one model (a torch classifier or a sparse baseline) and save a checkpoint that `seqarena
    evaluate`, `predict`, `export` and `serve` read.

    `--from-run DIR` rebuilds what `seqarena compare --out DIR` measured for the model and trains it on
    all the dataset's training rows (every fold under cross-validation), with the same dev carve
    selecting the epoch. Otherwise the defaults are the seed's (Adam 1e-3, batch 64, 10 epochs) or a
    `--preset`'s; flags override either. With a dev split the weights of the best dev epoch are kept.

    Example with pretrained vectors: `seqarena train --model textcnn --dataset sst2 --preset kim-static
    --embeddings vectors.txt --out textcnn-sst2.pt`."""
    if model not in classifier_names():
        raise InputError(f"--model: unknown model '{model}'; choose from {classifier_names()}")
    for flag, v, most in (("--epochs", epochs, MAX_EPOCHS), ("--threads", threads, MAX_THREADS),
                          ("--min-freq", min_freq, None), ("--batch-size", batch_size, None),
                          ("--eval-batch-size", eval_batch_size, None)):
        check_min(flag, v, 1, most)
    check_min("--seed", seed, 0, MAX_SEED)
    check_min("--patience", patience, 1)
    for flag, v in (("--lr", lr), ("--weight-decay", weight_decay), ("--rho", rho), ("--max-norm", max_norm),
                    ("--grad-clip", grad_clip), ("--embed-init", embed_init), ("--dropout", dropout)):
        check_number(flag, v)
    if out is not None:
        check_output_file(out, "--out")
    spec, measured = _base_spec(from_run, preset, model, dataset)
    values = {"--epochs": epochs, "--batch-size": batch_size, "--optimizer": optimizer, "--lr": lr,
              "--weight-decay": weight_decay, "--rho": rho, "--max-norm": max_norm, "--grad-clip": grad_clip,
              "--patience": patience, "--eval-batch-size": eval_batch_size, "--embed-init": embed_init,
              "--dev-ties": dev_ties}
    changes = {TRAIN_FLAGS[f]: v for f, v in values.items() if v is not None}
    if changes and is_sparse(model):
        flags = ", ".join(f for f, v in values.items() if v is not None)
        err_console.print(f"seqarena: warning: {flags}: {model} is a sparse baseline and reads no training field; "
                          "ignored (its hyperparameters are set with --hparam)", soft_wrap=True, highlight=False,
                          markup=False)
        changes = {}
    hp = parse_hparams(hparam, model, dropout)
    torch_dev = resolve_device(device)
    set_threads(threads)
    with warnings_as_lines():
        data, source = _data(measured, model, dataset, train_files, dev_files, test_files, fmt, text_column,
                             label_column, tokenizer, min_freq, max_vocab, data_dir)
    out = out or Path(f"{model}-{data.name.replace(':', '-')}.pt")
    _check_out(out)
    try:
        base_train = spec.train_config(model) if spec is not None and not is_sparse(model) else train_config(model)
        cfg = replace(base_train, **changes)
        base_proto = spec.protocol if spec is not None else Protocol(kind="auto", dev_fraction=0.0)
        proto = base_proto if dev_fraction is None else replace(base_proto, dev_fraction=dev_fraction)
    except TypeError as e:
        raise InputError(str(e)) from None
    try:
        proto = proto.resolve(data)  # 'auto' -> the dataset's own, as compare's cells hold it
    except InputError:
        pass  # a given split without a test set: final_splits trains on it all the same
    over = {**(spec.model_config(model).kwargs() if spec is not None else {}), **hp}
    seed = seed if seed is not None else (spec.seeds[0] if spec is not None else 0)
    emb = _vectors(spec, model, embeddings, embedding_mode)
    cell = Cell(measured.dataset if measured else data.name, ModelConfig.of(model, **over), cfg, seed=seed,
                experiment=spec.name if spec is not None else "train", protocol=proto, source=source, embeddings=emb)
    cell = prepare_cells([cell], lambda _: data, from_run / "vectors" if from_run is not None else None)[0]
    lines = []
    if measured is not None:
        lines.append(_measured_line(measured, cell, bool(changes or hp or dev_fraction is not None or seed != spec.seeds[0]
                                                         or train_files)))
    splits_test = data.test is not None
    if not splits_test:
        lines.append(f"no test split for {data.name}: no held-out score is computed; score the checkpoint with "
                     "`seqarena evaluate CHECKPOINT --test FILE`")
    for line in lines:
        err_console.print(f"seqarena: {line}", soft_wrap=True, highlight=False, markup=False)
    total = 1 if is_sparse(model) else cfg.epochs
    with progress_bar() as bar:
        task = bar.add_task(f"{model} on {data.name}", total=total)
        trained = train_final(cell, data, torch_dev, on_epoch=lambda row: bar.advance(task))
        bar.update(task, completed=total)
    extra: dict[str, Any] = {}
    if source is not None:  # how evaluate reads a labelled file by default
        extra["reader"] = {"format": source.fmt, "text_column": source.text_column, "label_column": source.label_column}
    elif train_files:
        extra["reader"] = {"format": fmt or infer_format(train_files), "text_column": text_column or "text",
                           "label_column": label_column or "label"}
    if measured is not None:
        s = measured.score()
        extra |= {"from_run": str(measured.run_dir), "experiment": measured.spec.name,
                 "measured": {"test_acc": s["mean"], "test_acc_ci95": s["ci95"], "n": s["n"]}}
    save_trained(out, trained, cell, data, **extra)
    row = {"dataset": data.name, "model": model, "seed": seed, "vocab_size": data.vocab_size,
           **{k: v for k, v in trained.row.items()}, **vectors.row_fields(cell, data, data.train), "train_config": None if is_sparse(model) else asdict(cfg),
           "protocol": asdict(proto), "hparams": cell.model.kwargs(), "checkpoint": str(out), **extra,
           **environment(torch_dev if not is_sparse(model) else torch.device("cpu"))}
    if as_json:
        print(json.dumps(row, indent=1, default=list))
        return
    scores = [f"{k} {row[k]:.4f}" for k in ("train_acc", "dev_acc", "test_acc", "macro_f1") if row.get(k) is not None]
    out_console.print(f"{model} on {data.name} ({row['n_train']} train, {row['n_dev']} dev, vocab {data.vocab_size:,}, "
                      f"{row['params']:,} params): epoch {row['selected_epoch']}/{row['epochs_run']} kept; "
                      + ", ".join(scores) + f"; train {row['train_time_s']:.1f} s", soft_wrap=True)
    err_console.print(f"checkpoint written to {out}", soft_wrap=True)


def _vectors(spec, model: str, path: Path | None, mode: str | None):
    """The cell's EmbeddingSource: the flags over the spec's [train] embeddings and embedding_mode."""
    if mode is not None:
        vectors.check_mode(mode)
    if is_sparse(model):
        if path is not None or mode not in (None, "rand"):
            err_console.print(f"seqarena: warning: --embeddings/--embedding-mode: {model} is a sparse baseline and "
                              "reads no word vectors; ignored", soft_wrap=True, highlight=False, markup=False)
        return None
    mode = mode or (spec.embedding_mode if spec is not None else "rand")
    path = path if path is not None else (spec.embeddings if spec is not None else None)
    return vectors.source_for(path, mode, spec.source if spec is not None else "--embedding-mode")


def _measured_line(measured, cell: Cell, changed: bool) -> str:
    s = measured.score()
    same = measured.matches(cell)
    what = ("the configuration compare measured (config hash " + measured.rows[0]["config_hash"] + ")") if same else \
        "the measured configuration with your changes" if changed else \
        "the measured configuration (its hash differs: the code or data changed since the run)"
    ci = f" ± {s['ci95']:.4f} (95 % CI, n={s['n']})" if s["n"] > 1 else f" (n={s['n']})"
    epochs = sorted(r.get("selected_epoch") for r in measured.rows if r.get("selected_epoch"))
    sel = f"; epochs kept there: median {epochs[len(epochs) // 2]} of {cell.train.epochs}" if epochs and not \
        is_sparse(cell.model.name) else ""
    return (f"training {cell.model.name} with {what} from {measured.run_dir} (experiment '{measured.spec.name}'): "
            f"measured test accuracy {s['mean']:.4f}{ci}{sel}")


def _data(measured, model, dataset, train_files, dev_files, test_files, fmt, text_column, label_column,
          tokenizer, min_freq, max_vocab, data_dir) -> tuple[Dataset, FileSource | None]:
    """The dataset to train on and, for files, its FileSource."""
    if measured is None:
        data = load_data(dataset, train_files, dev_files, test_files, fmt, text_column or "text",
                         label_column or "label", tokenizer, min_freq, max_vocab, data_dir)
        return data, None
    stored = measured.spec.files.get(measured.dataset)
    readers = {"--tokenizer": tokenizer, "--min-freq": min_freq, "--max-vocab": max_vocab, "--format": fmt,
               "--text-column": text_column, "--label-column": label_column, "--dev": dev_files, "--test": test_files}
    if not train_files:
        given = [f for f, v in readers.items() if v]
        if given:
            raise InputError(f"{given[0]}: with --from-run the run's reader settings are used; it goes with --train "
                             "FILE (other files read the run's way)")
        if stored is None:
            return run_dataset(measured.dataset, str(data_dir) if data_dir else None), None
        check_files_unchanged(stored)
        return stored.load(), stored
    s = stored or FileSource(measured.dataset, ())
    src = file_source(train_files, dev_files, test_files, fmt or (s.fmt if stored else None),
                      text_column or s.text_column, label_column or s.label_column, tokenizer or s.tokenizer,
                      min_freq if min_freq is not None else s.min_freq, max_vocab if max_vocab is not None else s.max_vocab,
                      name=stored.name if stored else None)
    return src.load(), src
