"""`seqarena data list` and `seqarena data download`: the known datasets, and fetching them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

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

from seqarena.cli.common import err_console, out_console
from seqarena.data import DATASETS, load_dataset
from seqarena.data.download import dataset_files, download_dataset
from seqarena.data.sources import candidate_dirs, default_cache_dir, locate
from seqarena.errors import InputError
from seqarena.fsutil import check_output_dir

data_app = typer.Typer(help="Datasets: list the known ones, download them.", no_args_is_help=True,
                       add_completion=False, rich_markup_mode=None)

DATA_DIR_HELP = "Directory holding the data [default: $SEQARENA_DATA, else ../shared/data, else the download cache]."


@data_app.command("list")
def list_datasets(
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help=DATA_DIR_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list on stdout, nothing else."),
) -> None:
    """Show every known dataset, whether it is present, and (when present) its sizes, classes, protocol."""
    rows = []
    for name, entry in DATASETS.items():
        row = {"name": name, "description": entry.description, "present": True, "where": "built in"}
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
        rows.append(row)
    if as_json:
        print(json.dumps(rows, indent=1))
        return
    t = Table(title="datasets")
    for col in ("name", "present", "protocol", "classes", "train", "dev", "test", "vocab", "where", "description"):
        t.add_column(col, justify="right" if col in ("train", "dev", "test", "vocab") else "left")
    for r in rows:
        cell = {k: "-" if r.get(k) is None else str(r[k]) for k in ("protocol", "train", "dev", "test", "vocab")}
        classes = ", ".join(r["classes"]) if r.get("classes") else "-"
        t.add_row(r["name"], "yes" if r["present"] else "no", cell["protocol"], classes, cell["train"],
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
