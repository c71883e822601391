"""`seqarena names train | sample | compare`: character-level language models that learn and invent names."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from seqarena.checks import MAX_BATCH, MAX_EPOCHS, MAX_NAME_LEN, MAX_SAMPLES, MAX_SEED, MAX_THREADS
from seqarena.cli.common import check_min, check_number, err_console, out_console, progress_bar
from seqarena.cli.compare import run_compare
from seqarena.config import LM_RECIPE, TrainConfig
from seqarena.data.names import NAME_CORPORA, SPLITS, NameCorpus, load_names, name_source
from seqarena.errors import FieldError, InputError
from seqarena.fsutil import check_output_file
from seqarena.jsonutil import plain
from seqarena.report.i18n import LANGS
from seqarena.models import list_models, model_hparams
from seqarena.models.hparams import check_hparams
from seqarena.run.lm import default_epochs, load_lm, save_lm, train_lm
from seqarena.runtime import resolve_device, set_threads
from seqarena.train.sampling import check_sampling, mark_samples, sample_names, sample_stats

names_app = typer.Typer(
    help="Character-level language models that learn and invent names. "
    "Example: `seqarena names train --corpus seed-cities --model rnn --hidden 128 --one-hot`",
    no_args_is_help=True,
    rich_markup_mode=None,
)

DEFAULT_CKPT = Path("runs/names/last.pt")
MARK_TAGS = {"training": " (t)", "held-out real": " (h)", "new": ""}

CorpusOpt = typer.Option(
    "spanish-cities", "--corpus", help=f"Built-in corpus {list(NAME_CORPORA)} or a file, one name a line."
)
DataDirOpt = typer.Option(
    None, "--data-dir", help="Shared data directory [default: $SEQARENA_DATA, else ../shared/data]."
)
SplitOpt = typer.Option(
    None, "--split", help=f"{list(SPLITS)} [default: none for seed-cities, else random 80/10/10]."
)
AsciiOpt = typer.Option(False, "--ascii", help="Fold accents as the seed does (Á -> A, Ñ -> N).")
DedupeOpt = typer.Option(False, "--dedupe", help="Remove repeated names (they are always counted).")
SeedOpt = typer.Option(0, "--seed", help="Seed for the split, the weights, the batch order and the samples.")
EpochsOpt = typer.Option(
    None, "--epochs", help="Max epochs [default: 20, more on tiny corpora: >= 500 steps]."
)
BatchOpt = typer.Option(64, "--batch-size", help="Names per batch.")
LrOpt = typer.Option(3e-3, "--lr", help="AdamW peak learning rate (cosine decay to a tenth).")
PatienceOpt = typer.Option(4, "--patience", help="Stop after this many epochs without a better dev NLL.")
MaxTimeOpt = typer.Option(None, "--max-time", help="Stop a model's training after this many seconds.")
DeviceOpt = typer.Option("auto", "--device", help="auto, cpu, cuda, cuda:N, mps.")
ThreadsOpt = typer.Option(
    1,
    "--threads",
    help="Torch intra-op threads; small character models gain little "
    "from more and lose much on a busy machine.",
)
JsonOpt = typer.Option(False, "--json", help="Print JSON only on stdout.")


def _corpus(
    corpus: str, data_dir: Path | None, split: str | None, ascii_fold: bool, dedupe: bool, seed: int
) -> NameCorpus:
    c = load_names(corpus, data_dir, ascii_fold=ascii_fold, dedupe=dedupe, split=split, seed=seed)
    dup = f"{c.n_duplicates:,} duplicate line(s) {'removed' if c.deduped else 'kept (--dedupe removes them)'}"
    err_console.print(
        f"{c.name}: {len(c.names):,} names from {c.source}; {dup}; {len(c.vocab.chars)} characters; "
        f"split {c.split}: train {len(c.splits['train']):,} / dev {len(c.splits['dev']):,} / "
        f"test {len(c.splits['test']):,}"
    )
    return c


def _train_config(
    corpus: NameCorpus, epochs: int | None, batch_size: int, lr: float, patience: int, max_time: float | None
) -> TrainConfig:
    """The LM recipe (config.LM_RECIPE) with the flags; the same `TrainConfig` as every model's."""
    check_min("--epochs", epochs, 1, MAX_EPOCHS)
    check_min("--batch-size", batch_size, 1, MAX_BATCH)
    check_min("--patience", patience)
    check_number("--max-time", max_time, 0.0, lo_open=True)
    n = len(corpus.splits["train"])
    return TrainConfig(**{**LM_RECIPE, "epochs": epochs or default_epochs(n, batch_size), "batch_size": batch_size,
                          "lr": lr, "patience": patience, "max_time_s": max_time})


@names_app.command()
def train(
    corpus: str = CorpusOpt,
    model: str = typer.Option("gru", "--model", help="An lm model: " + ", ".join(list_models("lm"))),
    hidden: int | None = typer.Option(
        None, "--hidden", help="Hidden width (d_hidden, or d_model for transformer)."
    ),
    layers: int | None = typer.Option(None, "--layers", help="Stacked layers (n_layers)."),
    embed: int | None = typer.Option(None, "--embed", help="Embedding width (d_embed)."),
    one_hot: bool = typer.Option(False, "--one-hot", help="Recurrent models: one-hot input as in the seed."),
    dropout: float | None = typer.Option(None, "--dropout", help="Dropout probability."),
    order: int | None = typer.Option(None, "--order", help="ngram: 2 = bigram, 4 = smoothed 4-gram."),
    data_dir: Path | None = DataDirOpt,
    split: str | None = SplitOpt,
    ascii_fold: bool = AsciiOpt,
    dedupe: bool = DedupeOpt,
    seed: int = SeedOpt,
    epochs: int | None = EpochsOpt,
    batch_size: int = BatchOpt,
    lr: float = LrOpt,
    patience: int = PatienceOpt,
    max_time: float | None = MaxTimeOpt,
    device: str = DeviceOpt,
    threads: int = ThreadsOpt,
    checkpoint: Path = typer.Option(
        DEFAULT_CKPT, "--checkpoint", help="Where the best-by-dev model is saved."
    ),
    n_samples: int = typer.Option(5, "--n", help="Samples drawn after training."),
    as_json: bool = JsonOpt,
) -> None:
    """Train one model on a corpus, save its best-by-dev checkpoint and show its metrics and samples.
    Example: `seqarena names train --corpus seed-cities --model rnn --hidden 128 --one-hot`."""
    overrides = _flag_overrides(
        model,
        hidden=hidden,
        n_layers=layers,
        d_embed=embed,
        one_hot=one_hot or None,
        dropout=dropout,
        order=order,
    )
    check_min("--n", n_samples, 1, MAX_SAMPLES)
    _check_run_flags(seed, threads, epochs, batch_size, lr, patience, max_time)
    check_output_file(checkpoint, "--checkpoint")
    torch_dev = resolve_device(device)
    set_threads(threads)
    c = _corpus(corpus, data_dir, split, ascii_fold, dedupe, seed)
    cfg = _train_config(c, epochs, batch_size, lr, patience, max_time)
    with progress_bar(transient=True) as bar:
        task = bar.add_task(f"{model} on {c.name}", total=cfg.epochs)
        row, m = train_lm(
            c, model, overrides, cfg, torch_dev, seed, n_samples, on_epoch=lambda r: bar.advance(task)
        )
    save_lm(checkpoint, m, c, row)
    err_console.print(
        f"checkpoint: {checkpoint} (epoch {row['selected_epoch']} of {row['epochs_run']}, "
        f"stopped by {row['stop_reason']})"
    )
    if as_json:
        print(json.dumps(_public(row)))
        return
    out_console.print(render_table([row], f"{c.name} ({c.split} split), seed {seed}"))
    for s, mark in zip(row["samples"], row["marks"]):
        out_console.print(f"  {s}  [{mark}]", markup=False)


@names_app.command()
def sample(
    checkpoint: Path = typer.Option(DEFAULT_CKPT, "--checkpoint", help="A `names train` checkpoint."),
    n: int = typer.Option(10, "--n", help="How many names."),
    prefix: str = typer.Option("", "--prefix", help="Every name starts with this, e.g. VILLA."),
    temperature: float = typer.Option(1.0, "--temperature", help="> 0; below 1 is more conservative."),
    top_k: int | None = typer.Option(
        None, "--top-k", help="Draw only from the k likeliest characters (1 = greedy)."
    ),
    seed: int = typer.Option(0, "--seed", help="Sampling seed."),
    max_len: int | None = typer.Option(
        None, "--max-len", help="Cut names at this length [default: 2 x longest]."
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Invent names with a trained model; each is marked training, held-out real, or new."""
    check_sampling(temperature, top_k, n)
    check_min("--max-len", max_len, 1, MAX_NAME_LEN)
    check_min("--seed", seed, 0, MAX_SEED)
    if len(prefix) > MAX_NAME_LEN:
        raise InputError(f"--prefix: {len(prefix):,} characters; at most {MAX_NAME_LEN:,}")
    model, vocab, ckpt = load_lm(checkpoint)
    samples = sample_names(model, vocab, n, temperature, top_k, prefix, max_len or ckpt["max_len"], seed)
    splits = ckpt["splits"]
    marks = mark_samples(samples, splits["train"], splits["dev"] + splits["test"])
    stats = sample_stats(samples, marks)
    if as_json:
        print(json.dumps({"samples": [{"name": s, "mark": m} for s, m in zip(samples, marks)], **stats}))
        return
    for s, m in zip(samples, marks):
        out_console.print(f"{s}  [{m}]", markup=False)
    out_console.print(
        f"{stats['pct_new']:.0f}% new, {stats['pct_unique']:.0f}% unique "
        f"({stats['pct_training']:.0f}% training, {stats['pct_heldout']:.0f}% held-out real)"
    )


@names_app.command()
def compare(
    corpus: str = CorpusOpt,
    models: str | None = typer.Option(
        None, "--models", help="Comma-separated NAME[:key=value...] [default: every LM in the registry]."),
    data_dir: Path | None = DataDirOpt,
    split: str | None = SplitOpt,
    ascii_fold: bool = AsciiOpt,
    dedupe: bool = DedupeOpt,
    seeds: int | None = typer.Option(None, "--seeds", help="Repeats with seeds 0..N-1 (mean ± std, 95 % CI)."),
    epochs: int | None = typer.Option(None, "--epochs", help="Max epochs per model [default: the preset's 8]."),
    executor: str = typer.Option("local", "--executor", help="local (worker processes) or ray."),
    address: str | None = typer.Option(None, "--address", help="Ray cluster address HOST:PORT."),
    device: str = DeviceOpt,
    threads: int | None = typer.Option(None, "--threads", help="Torch threads per worker."),
    jobs: int | None = typer.Option(None, "--jobs", help="Cells trained in parallel [default: one per core]."),
    out: Path | None = typer.Option(None, "--out", help="Run directory (results.sqlite, resumable; report.html)."),
    as_json: bool = JsonOpt,
    lang: str = typer.Option("en", "--lang", help=f"Language of the report written into --out: {', '.join(LANGS)}."),
) -> None:
    """`seqarena compare --preset names` on one corpus: every model through the results store (resume),
    seeds, paired tests, executors and the report. Example:
    `seqarena names compare --corpus spanish-cities --seeds 3 --out runs/names`."""

    ref = None
    if corpus in NAME_CORPORA and not (split or ascii_fold or dedupe) and data_dir is None:
        dataset = corpus
    else:  # a file, or a built-in corpus read differently: a dataset identified by its contents
        ref = name_source(corpus, data_dir, ascii_fold=ascii_fold, dedupe=dedupe, split=split)
        dataset = ref.name
    run_compare(config=None, preset="names", models=models, datasets=None if ref else dataset, epochs=epochs,
                seeds=seeds, protocol=None, folds=None, fold_subset=None, executor=executor, address=address,
                device=device, threads=threads, jobs=jobs, out=out, data_dir=data_dir, as_json=as_json,
                train_files=None, dev_files=None, test_files=None, fmt=None, text_column=None,
                label_column=None, tokenizer=None, min_freq=None, max_vocab=None, name=None,
                metric="accuracy", per_class=False, lang=lang, names_source=ref)


# each `names train` convenience flag and the hyperparameter(s) it sets (n_heads: the rule it meets with d_model)
FLAG_OF = {"d_hidden": "--hidden", "d_model": "--hidden", "n_heads": "--hidden", "n_layers": "--layers",
           "d_embed": "--embed", "one_hot": "--one-hot", "dropout": "--dropout", "order": "--order"}


def _flag_overrides(model: str, **flags: Any) -> dict[str, Any]:
    """Map the convenience flags onto the model's hyperparameters; a flag the model lacks, or a value
    its rule refuses, is an error naming the flag."""
    if model not in list_models("lm"):
        has = " (it is a classifier: it has no task 'lm')" if model in list_models() else ""
        raise InputError(f"--model: unknown model '{model}'{has}; choose from {list_models('lm')}")
    known = model_hparams(model, "lm")
    out = {}
    for key, value in flags.items():
        if value is None:
            continue
        target = (
            "d_model" if key == "hidden" and "d_model" in known else "d_hidden" if key == "hidden" else key
        )
        if target not in known:
            raise InputError(f"{FLAG_OF.get(key, f'--{key}')}: model '{model}' has no such setting; "
                             f"its settings: {sorted(known)}")
        out[target] = value
    try:
        check_hparams(model, {**known, **out})
    except FieldError as e:
        raise InputError(f"{FLAG_OF.get(e.field, '--model')}: model '{model}': {e}") from None
    return out


def _check_run_flags(seed: int, threads: int, epochs: int | None, batch_size: int, lr: float,
                     patience: int, max_time: float | None) -> None:
    """The flags `names train` and `names compare` share, checked before any corpus is read."""
    check_min("--seed", seed, 0, MAX_SEED)
    check_min("--threads", threads, 1, MAX_THREADS)
    check_min("--epochs", epochs, 1, MAX_EPOCHS)
    TrainConfig(**{**LM_RECIPE, "epochs": epochs or 1, "batch_size": batch_size, "lr": lr, "patience": patience,
                   "max_time_s": max_time})


def _public(row: dict) -> dict:
    """The JSON row: everything but the per-epoch history and the environment's long strings."""
    return plain({k: v for k, v in row.items() if k not in ("history",)})


def render_table(rows: list[dict], title: str) -> Table:
    t = Table(title=title)
    for label in (
        "model",
        "params",
        "train nats/char",
        "dev",
        "test",
        "test bpc",
        "train s",
        "samples",
        "% new",
    ):
        t.add_column(label, justify="left" if label in ("model", "samples") else "right")
    for r in rows:
        samples = ", ".join(s + MARK_TAGS[m] for s, m in zip(r["samples"][:5], r["marks"][:5]))
        params = f"{r['params']:,}" if r["n_grams"] is None else f"0 ({r['n_grams']:,} n-grams)"
        if r["receptive_field"] is not None:
            params += f" rf {r['receptive_field']}"
        t.add_row(
            r["model"],
            params,
            _f(r["train_nll"]),
            _f(r["dev_nll"]),
            _f(r["test_nll"]),
            _f(r["test_bpc"]),
            f"{r['train_time_s']:.1f}",
            samples,
            f"{r['pct_new']:.0f}",
        )
    return t


def _f(x: float | None) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.3f}"
