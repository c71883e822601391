"""`seqarena compare`: train several models under one protocol and print one table per dataset.

A spec (`--preset NAME`, default `seed`, or `--config FILE`) gives datasets x models x seeds x
overrides; flags override the spec. `--train FILE...` compares on the user's own files. With
`--out DIR` every cell is a row in DIR/results.sqlite as it finishes, and running the same command
again skips the finished cells."""

from __future__ import annotations

import json
import os
from datetime import datetime
from collections.abc import Callable
from pathlib import Path
from typing import List, Optional

import typer

from seqarena.checks import MAX_EPOCHS, MAX_JOBS, MAX_SEEDS, MAX_THREADS
from seqarena.cli.common import check_min, err_console, out_console, parse_list, progress_bar, warnings_as_lines
from seqarena.cli.compare_output import METRICS, clean, describe, render_per_class, render_tables, summary
from seqarena.cli.lm_output import render_lm_table
from seqarena.data import DATASETS
from seqarena.data.files import file_source
from seqarena.data.inspect import inspect_dataset, summary_line
from seqarena.data.text import FORMATS
from seqarena.data.tokenize import TOKENIZERS
from seqarena.errors import FieldError, InputError
from seqarena.fsutil import atomic_write, check_output_dir
from seqarena.report import write_report
from seqarena.report.i18n import LANGS, check_lang
from seqarena.run import Cell, ResultsStore, run_cells
from seqarena.run.cells import classifier_names, dataset, fold_assignment, is_sparse
from seqarena.run.executors import EXECUTORS, Event
from seqarena.run.protocol import MAX_FOLDS, PROTOCOLS, fold_digest
from seqarena.models.hparams import check_hparams
from seqarena.run.lm import parse_model_spec, spec_label
from seqarena.run.spec import (Spec, expand, hparams_of, load_preset, load_spec, model_names, preset_names,
                               spec_task, with_overrides)
from seqarena.cli.vectors import EMBEDDINGS_HELP, MODE_HELP, prepare_cells
from seqarena.run import embeddings as vectors
from seqarena.run.store import Heartbeat, new_owner
from seqarena.runtime import available_cores, resolve_device


def compare(
    config: Path | None = typer.Option(None, "--config", help="Experiment spec (TOML): datasets x models x seeds x overrides."),
    preset: str | None = typer.Option(
        None, "--preset", help=f"A spec shipped with seqarena: {', '.join(preset_names())} [default: seed]."),
    models: str | None = typer.Option(
        None, "--models", help=f"Comma-separated, or 'all': {', '.join(classifier_names())}."),
    datasets: str | None = typer.Option(
        None, "--dataset", "--datasets", help=f"Comma-separated built-in datasets: {', '.join(sorted(DATASETS))}."),
    epochs: int | None = typer.Option(None, "--epochs", help="Training epochs per model."),
    seeds: int | None = typer.Option(None, "--seeds", help="Repeats with seeds 0..N-1; the table shows mean ± std."),
    protocol: str | None = typer.Option(None, "--protocol", help="auto (the dataset's own: cv for MR/Subj, given for SST-2), given, cv."),
    folds: int | None = typer.Option(None, "--folds", help="K of stratified K-fold CV for the datasets evaluated by CV."),
    fold_subset: str | None = typer.Option(None, "--fold-subset", help="Run only these folds, e.g. 0,1 (a quick look)."),
    executor: str = typer.Option("local", "--executor", help="local (worker processes) or ray (a running Ray cluster)."),
    address: str | None = typer.Option(None, "--address", help="Ray cluster address HOST:PORT [default: $RAY_ADDRESS]."),
    device: str = typer.Option("auto", "--device", help="auto (CUDA when present, else CPU), cpu, cuda, cuda:N, mps."),
    threads: int | None = typer.Option(None, "--threads", help="Torch threads per worker [default: cores / jobs; 1 per Ray task]."),
    jobs: int | None = typer.Option(
        None, "--jobs", help="Cells trained in parallel [default: one per core on CPU, 1 on GPU; Ray: as the cluster allows]."),
    out: Path | None = typer.Option(
        None, "--out", help="Directory for results.sqlite (resumable), results.json and report.html "
        "[default: runs/<date-time>/, under $SEQARENA_RUNS if set]."),
    data_dir: Path | None = typer.Option(None, "--data-dir", help="Where the datasets live [default: $SEQARENA_DATA or ../shared/data]."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as a JSON list of rows on stdout, nothing else."),
    train_files: Optional[List[Path]] = typer.Option(
        None, "--train", help="Your training file(s): repeat the flag for several; a directory = one file per class."),
    dev_files: Optional[List[Path]] = typer.Option(None, "--dev", help="Your dev file(s): select epochs."),
    test_files: Optional[List[Path]] = typer.Option(
        None, "--test", help="Your test file(s) [default: none, k-fold CV over --train]."),
    fmt: Optional[str] = typer.Option(
        None, "--format", help=f"Format of the files: {', '.join(FORMATS)} [default: from the extension]."),
    text_column: Optional[str] = typer.Option(None, "--text-column", help="csv/tsv column or jsonl key of the text [default: text]."),
    label_column: Optional[str] = typer.Option(None, "--label-column", help="csv/tsv column or jsonl key of the label [default: label]."),
    tokenizer: Optional[str] = typer.Option(None, "--tokenizer", help=f"{', '.join(TOKENIZERS)} [default: kim]."),
    min_freq: Optional[int] = typer.Option(None, "--min-freq", help="Words seen fewer times in train are <unk> [default: 1]."),
    max_vocab: Optional[int] = typer.Option(None, "--max-vocab", help="At most this many ids (pad, unk included)."),
    name: Optional[str] = typer.Option(None, "--name", help="Name of the file dataset [default: the first file's stem]."),
    metric: str = typer.Option("accuracy", "--metric", help="Ranking metric: accuracy or macro_f1 (for imbalanced classes)."),
    per_class: bool = typer.Option(False, "--per-class", help="Also print per-class precision, recall, F1 for each model."),
    embeddings: Optional[Path] = typer.Option(None, "--embeddings", help=EMBEDDINGS_HELP),
    embedding_mode: Optional[str] = typer.Option(None, "--embedding-mode", help=MODE_HELP),
    lang: str = typer.Option("en", "--lang", help=f"Language of the report written into --out: {', '.join(LANGS)}."),
) -> None:
    """Train each model on the same data with the same protocol and print one comparison table.

    With no arguments: seed 000's experiment (`--preset seed`: synthetic signal-bigram task, Adam 1e-3,
    batch 64, 10 epochs) for gru, bilstm, textcnn, cnn_rnn, transformer and bow. `--preset kim` runs
    Kim (2014)'s CNN-rand protocol on MR, SST-2 and Subj for every model. `--preset names` compares the
    character-level language models on a name corpus by test nats/char: `seqarena compare --preset names
    --seeds 3 --out runs/names` (or `--dataset hispanic-cities`; `names compare --corpus FILE` for a file).

    Your own data: `seqarena compare --train reviews.csv --text-column body --label-column stars
    --models textcnn,gru,bilstm,nbsvm --seeds 3 --out runs/reviews` (without --test: 10-fold CV;
    with --test: that split, a dev set carved from train where the preset selects epochs on dev).

    Pretrained vectors: `seqarena compare --preset kim-nonstatic --embeddings glove.6B.300d.txt --dataset mr
    --models textcnn` (or --embedding-mode static|non-static|multichannel with any preset)."""
    run_compare(**locals())


def run_compare(config, preset, models, datasets, epochs, seeds, protocol, folds, fold_subset, executor, address,
                device, threads, jobs, out, data_dir, as_json, train_files, dev_files, test_files, fmt, text_column,
                label_column, tokenizer, min_freq, max_vocab, name, metric, per_class, lang="en",
                names_source=None, embeddings=None, embedding_mode=None) -> None:
    """`compare` with its flags as arguments; `names_source` (a data.names.NameSource) is the name
    corpus `names compare --corpus FILE` compares."""
    for flag, value, most in (("--epochs", epochs, MAX_EPOCHS), ("--seeds", seeds, MAX_SEEDS),
                              ("--jobs", jobs, MAX_JOBS), ("--threads", threads, MAX_THREADS)):
        check_min(flag, value, 1, most)
    check_min("--folds", folds, 2, MAX_FOLDS)
    if out is not None:
        check_output_dir(out, "--out")
    if executor not in EXECUTORS:
        parse_list(executor, "--executor", list(EXECUTORS))
    if protocol is not None and protocol not in PROTOCOLS:
        parse_list(protocol, "--protocol", list(PROTOCOLS))
    if metric not in METRICS:
        parse_list(metric, "--metric", list(METRICS))
    check_lang(lang)
    readers = {"--dev": dev_files, "--test": test_files, "--format": fmt, "--text-column": text_column,
               "--label-column": label_column, "--tokenizer": tokenizer, "--min-freq": min_freq,
               "--max-vocab": max_vocab, "--name": name}
    if not train_files:
        given = [f for f, v in readers.items() if v]
        if given:
            raise InputError(f"{given[0]}: goes with --train FILE (your own data); named datasets use --dataset")
    if executor == "ray":  # connect now: a missing or unreachable cluster is refused before any work
        from seqarena.run.ray_executor import connect

        connect(address)
    ddir = str(data_dir) if data_dir else None
    with warnings_as_lines():
        files = None
        if train_files:
            files = file_source(train_files, dev_files, test_files, fmt, text_column or "text", label_column or "label",
                                tokenizer or "kim", 1 if min_freq is None else min_freq, max_vocab, name)
        spec = _spec(config, preset, models, datasets, epochs, seeds, protocol, folds, files or names_source)
        if embedding_mode is not None:
            vectors.check_mode(embedding_mode)
        spec = with_overrides(spec, embeddings=str(embeddings.expanduser().resolve()) if embeddings else None,
                              embedding_mode=embedding_mode)
        subset = _fold_subset(fold_subset)
        cells = expand(spec, ddir, subset)

    if (folds is not None or subset is not None) and all(c.fold is None for c in cells):
        raise InputError("--folds/--fold-subset: no dataset here is evaluated by cross-validation "
                         f"({', '.join(spec.datasets)}: evaluated on the given test split); add --protocol cv")
    torch_dev = resolve_device(device)
    if jobs is None:  # on CPU one worker per core; a GPU is shared better by one process; Ray decides itself
        jobs = 0 if executor == "ray" else 1 if torch_dev.type != "cpu" else max(1, min(available_cores(), len(cells)))

    if out is None:  # every run is kept, so `report` and `recommend` always have something to read
        out = default_run_dir()
        err_console.print(f"no --out given: writing this run to {out}/", markup=False, highlight=False, soft_wrap=True)
    cells = prepare_cells(cells, lambda ref: dataset(ref, ddir), out / "vectors")  # pretrained vectors, cached

    def look() -> None:  # a one-line look at each text dataset before the work starts
        for ds in spec.datasets:
            data = dataset(spec.ref(ds), ddir)
            if data.vocab is not None:
                err_console.print(summary_line(inspect_dataset(data)), markup=False, highlight=False, soft_wrap=True)

    execute([(spec, cells)], out, executor, jobs, threads, str(torch_dev), ddir, address, metric, as_json, per_class,
            lang=lang, before_run=None if as_json else look)


def execute(parts: list[tuple[Spec, list[Cell]]], out: Path, executor: str, jobs: int, threads: int | None,
            dev: str, ddir: str | None, address: str | None, metric: str, as_json: bool, per_class: bool,
            annotate: Callable[[dict], dict] | None = None, lang: str = "en",
            before_run: Callable[[], None] | None = None) -> list[dict]:
    """Run the cells of one or more specs (each its own experiment in the store) into `out`: store,
    summary table with the paired tests, results.json, the report; returns the done rows. `annotate`
    adds fields to each finished row before it is stored (`tune` marks its rows as tuned); `before_run` is
    called once the store accepted the specs, before any cell runs."""
    spec = parts[0][0]
    cells = [c for _, cs in parts for c in cs]
    store = ResultsStore(out / "results.sqlite")
    owner = new_owner()  # this run's name on the cells it claims in the store
    todo = [c for sp, cs in parts for c in _prepare_store(store, sp, cs, ddir, owner)]
    if before_run is not None:
        before_run()
    skipped: set[int] = set()  # cells another run holds
    errors: dict[int, str] = {}  # cells that failed here: their one-line error
    rows = _run(todo, len(cells), spec, executor, jobs, threads, dev, ddir, address, store, owner,
                skipped, errors, annotate)
    ids = {c.cell_id for c in cells}
    rows = [r for sp, _ in parts for r in store.rows("done", sp.name) if r["cell_id"] in ids]
    store.close()
    order = {c.cell_id: i for i, c in enumerate(cells)}  # the table follows the spec's order
    rows = sorted((r for r in rows if r is not None), key=lambda r: order[r["cell_id"]])
    rank = "test_nll" if spec.task == "lm" else METRICS[metric]  # language models: lowest test nats/char
    table, tests = summary(rows, rank)
    if rows or not (out / "results.json").is_file():  # never replace results by none
        save_results(out, rows, table, tests)
    if rows:
        err_console.print(f"report written to {write_report(out, lang=lang)[0]}", highlight=False, soft_wrap=True)
    if as_json:
        print(json.dumps(clean(table), indent=1, default=str))
    else:
        if spec.task == "lm":
            out_console.print(render_lm_table(table, rows, f"{describe(cells, spec, spec.datasets[0], dev)}"))
        else:
            for t in render_tables(table, cells, spec, dev, rank, out_console.width):
                out_console.print(t)
        if per_class:
            for t in render_per_class(rows):
                out_console.print(t)
        err_console.print(f"results written to {out}/results.json and {out}/results.sqlite")
    if skipped:
        err_console.print(f"{len(skipped)} cell(s) left to another run that holds them in {out}/results.sqlite; "
                          "run the same command again once it has finished to see them here")
    if errors:
        i, error = next(iter(errors.items()))
        again = (f"; every error is in the 'error' column of {out}/results.sqlite, and running the same "
                 "command again retries them")
        err_console.print(f"{len(errors)} cell(s) failed, e.g. {todo[i].cell_id}: {error}{again}",
                          highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(1)
    return rows


def default_run_dir() -> Path:
    """runs/<date-time>/ (under $SEQARENA_RUNS when set); a suffix when two runs start in one second."""
    root = Path(os.environ.get("SEQARENA_RUNS") or "runs")
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    out, n = root / stamp, 1
    while out.exists():
        n += 1
        out = root / f"{stamp}-{n}"
    return out


def _spec(config: Path | None, preset: str | None, models: str | None, datasets: str | None,
          epochs: int | None, seeds: int | None, protocol: str | None, folds: int | None, files=None) -> Spec:
    if config is not None and preset is not None:
        raise InputError("--config and --preset: give one of them")
    if preset is not None and preset not in preset_names():
        parse_list(preset, "--preset", preset_names())
    ds = parse_list(datasets, "--dataset", sorted(DATASETS)) if datasets is not None else None
    if preset is None and config is None and ds and files is None and spec_task(tuple(ds), {}) == "lm":
        preset = "names"  # name corpora without a spec: the language models' preset
    spec = load_spec(config) if config is not None else load_preset(preset or "seed")
    names, hparams = _models(models, spec, ds, files)
    if ds is not None:  # the spec's file datasets are replaced too
        spec = with_overrides(spec, files={k: v for k, v in spec.files.items() if k in ds})
    if files is not None:  # --train: the file dataset replaces the spec's datasets (beside any --dataset)
        ds = [*(ds or []), files.name]
        spec = with_overrides(spec, files={**spec.files, files.name: files})
    spec = with_overrides(
        spec, datasets=tuple(ds) if ds else None, models=tuple(names) if names else None,
        per_model={**spec.per_model, **hparams} if hparams else None,
        seeds=tuple(range(seeds)) if seeds is not None else None,
        train={"epochs": epochs} if epochs is not None else None,
        protocol={k: v for k, v in (("kind", protocol), ("folds", folds)) if v is not None} or None)
    return spec


def _models(models: str | None, spec: Spec, ds: list[str] | None, files) -> tuple[list[str] | None, dict]:
    """--models as names (validated for the task of the datasets compared) and the per-model
    hyperparameters of NAME:key=value entries (e.g. gru:d_hidden=256)."""
    task = spec_task(tuple(ds or spec.datasets) + ((files.name,) if files is not None else ()),
                     {**spec.files, **({files.name: files} if files is not None else {})})
    if task != spec.task:
        raise InputError(f"--dataset: {', '.join(ds or [])} is a {'name corpus' if task == 'lm' else 'classification dataset'}, "
                         f"but the spec {spec.source} is for {'language models' if spec.task == 'lm' else 'classifiers'}; "
                         f"use --preset {'names' if task == 'lm' else 'seed'} or a spec of that task")
    if models is None:
        return None, {}
    specs = [parse_model_spec(m) for m in models.split(",") if m.strip()]
    choices = model_names(task)
    names = parse_list(",".join(n for n, _ in specs), "--models", choices + ["all"])
    if len(set(names)) < len(names):
        raise InputError(f"--models: '{models}' names a model twice; a comparison has one configuration per model")
    hparams = {}
    for n, over in specs:
        if over:
            known = hparams_of(n, task)
            unknown = sorted(set(over) - set(known))
            if unknown:
                raise InputError(f"--models: model '{n}': unknown setting(s) {unknown}; choose from {sorted(known)}")
            try:
                check_hparams(n, {**known, **over})
            except FieldError as e:
                raise InputError(f"--models: '{spec_label(n, over)}': {e}") from None
            hparams[n] = over
    return (choices if "all" in names else names), hparams


def _fold_subset(value: str | None) -> tuple[int, ...] | None:
    if value is None:
        return None
    try:
        folds = tuple(int(v) for v in value.split(",") if v.strip())
    except ValueError:
        raise InputError(f"--fold-subset: expected comma-separated fold numbers like 0,1 (got '{value}')") from None
    if not folds:
        raise InputError("--fold-subset: empty list")
    return tuple(dict.fromkeys(folds))


def _prepare_store(store: ResultsStore, spec: Spec, cells: list[Cell], data_dir: str | None,
                   owner: str) -> list[Cell]:
    """Record the spec and the fold assignments; return the cells not yet done."""
    for name, src in spec.files.items():  # an edited file under the same name is refused, not mixed in
        store.record_dataset(name, src.digest, src.to_dict())
    store.record_experiment(spec.name, spec.to_dict())
    for c in {(c.dataset, c.data_ref, c.protocol.folds, c.protocol.split_seed) for c in cells if c.fold is not None}:
        folds = fold_assignment(c[1], data_dir, c[2], c[3])
        store.record_folds(c[0], c[2], c[3], folds, fold_digest(folds))
    status = store.statuses()
    todo = [c for c in cells if status.get(c.cell_id) != "done"]
    held = store.held_elsewhere({c.cell_id for c in todo}, owner)
    stale = sum(status.get(c.cell_id) == "running" for c in cells) - held
    if len(todo) < len(cells) or stale or held:
        err_console.print(f"{store.path}: {len(cells) - len(todo)} of {len(cells)} cells already done"
                          + (f"; {stale} left running by an interrupted run are re-run" if stale else "")
                          + (f"; {held} held by another run now" if held else ""))
    return todo


def _run(todo: list[Cell], n_cells: int, spec: Spec, executor: str, jobs: int, threads: int | None,
         device: str, data_dir: str | None, address: str | None, store: ResultsStore | None, owner: str,
         skipped: set[int], errors: dict[int, str],
         annotate: Callable[[dict], dict] | None = None) -> list[dict | None]:
    """Run the cells with a progress bar (units: epochs; a sparse baseline counts one), storing each
    finished cell at once. With a store each cell is claimed first (a cell another run holds is
    skipped), and the claims' leases are renewed until the run ends."""
    budget = [1 if is_sparse(c.model.name) else c.train.epochs for c in todo]
    advanced = [0] * len(todo)
    finished: set[int] = set()
    with progress_bar() as bar:
        task = bar.add_task(f"{spec.name}: {len(todo)} of {n_cells} cells", total=sum(budget))

        def on_event(e: Event) -> None:
            if e.index in finished:  # a late 'start' or 'epoch' from a worker queue
                return
            if e.kind == "epoch" and advanced[e.index] < budget[e.index]:
                advanced[e.index] += 1
                bar.advance(task)
            elif e.kind in ("done", "failed", "skipped"):
                finished.add(e.index)
                if e.kind == "skipped":
                    skipped.add(e.index)
                elif e.kind == "failed":
                    errors[e.index] = e.row["error"]
                if store is not None and e.kind == "done":
                    store.put(annotate(e.row) if annotate is not None else e.row)
                elif store is not None and e.kind == "failed":
                    store.put_failed(todo[e.index].ids(), e.row["error"])
                bar.advance(task, budget[e.index] - advanced[e.index])  # early stopping skips epochs
                advanced[e.index] = budget[e.index]
                c = todo[e.index]
                fold = "" if c.fold is None else f" fold {c.fold}"
                bar.update(task, description=f"{c.dataset}/{c.model.name}{fold} seed {c.seed} {e.kind}")

        if not todo:
            return []
        if store is None:
            return run_cells(todo, executor=executor, jobs=jobs, threads=threads, device=device,
                             data_dir=data_dir, on_event=on_event, address=address)
        try:
            with Heartbeat(store.path, owner):
                return run_cells(todo, executor=executor, jobs=jobs, threads=threads, device=device,
                                 data_dir=data_dir, on_event=on_event, address=address,
                                 claim=lambda i: store.claim(todo[i].ids(), owner))
        finally:
            store.release(owner)  # cells not finished (Ctrl-C) are free for the next run at once


def save_results(out: Path, rows: list[dict], table: list[dict], tests: dict) -> None:
    # write then rename (a unique temp name): an interrupted write never truncates old results
    atomic_write(out / "results.json", json.dumps(clean({"summary": table, "tests": tests, "rows": rows}),
                                                  indent=1, default=str))
