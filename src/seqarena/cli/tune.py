"""`seqarena tune`: every model gets the same tuning budget on dev, then its best configuration is
re-run over the seeds (and folds) and scored once on test, as an ordinary comparison.

The search (run/tune.py) keeps its trials in DIR/tune.sqlite (Optuna), so an interrupted run resumes;
the final cells are compare's cells (cli/compare.execute) in DIR/results.sqlite, each row marked
`tuned (N trials)`; DIR/tune.json holds every trial, the expected-validation-performance curves and
the per-model summary the report's Tuning section shows."""

from __future__ import annotations

import math
from dataclasses import asdict, replace
from pathlib import Path
from typing import List, Optional

import typer

from seqarena.cli.common import check_min, err_console, out_console, parse_list, progress_bar, warnings_as_lines
from seqarena.cli.compare import _fold_subset, _spec, default_run_dir, execute
from seqarena.cli.vectors import EMBEDDINGS_HELP, MODE_HELP, prepare_cells
from seqarena.run import embeddings as vectors
from seqarena.cli.compare_output import METRICS
from seqarena.data import DATASETS
from seqarena.data.files import file_source
from seqarena.data.text import FORMATS
from seqarena.data.tokenize import TOKENIZERS
from seqarena.errors import InputError
from seqarena.fsutil import check_output_dir
from seqarena.models import list_models
from seqarena.models.spaces import describe
from seqarena.report.i18n import LANGS, check_lang
from seqarena.run.cells import classifier_names, dataset, fold_assignment, is_sparse, split_sizes
from seqarena.run.executors import EXECUTORS
from seqarena.run.protocol import MAX_FOLDS, PROTOCOLS
from seqarena.run.spec import Spec, expand, model_names, preset_names, with_overrides
from seqarena.run.select import SELECTIONS
from seqarena.run.tune import (OBJECTIVES, PRUNERS, Budget, Job, apply, check_study, describe_pruner, dev_splits,
                               lower_is_better, run_jobs, storage_url, study_name, vocab_size)
from seqarena.run.tune_results import chosen_point, evp_rows, summarize, trial_rows
from seqarena.runtime import available_cores, resolve_device

MAX_TRIALS = 100_000


def tune(
    config: Path | None = typer.Option(None, "--config", help="Experiment spec (TOML); [search.MODEL] tables narrow or replace a model's space."),
    preset: str | None = typer.Option(
        None, "--preset", help=f"A spec shipped with seqarena: {', '.join(preset_names())} [default: seed]."),
    models: str | None = typer.Option(None, "--models", help=f"Comma-separated, or 'all': {', '.join(classifier_names())}; "
                                                               f"language models: {', '.join(list_models('lm'))}."),
    datasets: str | None = typer.Option(None, "--dataset", "--datasets", help=f"Built-in datasets: {', '.join(sorted(DATASETS))}."),
    trials: int | None = typer.Option(None, "--trials", help="Trials per model [default: 20, unless --budget-minutes is given]."),
    budget_minutes: float | None = typer.Option(
        None, "--budget-minutes", help="Trial time per model, minutes (with --trials: whichever ends first)."),
    seeds: int | None = typer.Option(None, "--seeds", help="Seeds 0..N-1 of the final runs of each best configuration."),
    seed: int = typer.Option(0, "--seed", help="Seed of the sampler (TPE)."),
    metric: str | None = typer.Option(
        None, "--metric", help="Objective on dev and ranking on test: accuracy or macro_f1 for classifiers [default: "
                               "accuracy]; language models (--preset names): nll, dev nats/char, their only one."),
    select: str = typer.Option(
        "significant", "--select", help="Which configuration the final runs use: significant (the best trial, unless "
                                        "its dev gain over the preset is within the dev noise by a paired test over "
                                        "the dev examples, p >= 0.05: then the preset) or best (the best dev trial)."),
    pruner: str = typer.Option(
        "halving", "--pruner", help="How hopeless trials stop, from their dev score after each epoch: halving "
                                    "(successive halving: past epochs 4, 12, ... only the best third of the trials "
                                    "that got there go on), median (below the median of earlier trials at that "
                                    "epoch, from epoch 4) or none."),
    show_space: str | None = typer.Option(None, "--show-space", metavar="MODEL", help="Print MODEL's search space (with the spec's [search.MODEL]) and exit."),
    baseline: Path | None = typer.Option(
        None, "--baseline", help="A `compare --out DIR` of the untuned preset: the report shows tuned minus preset."),
    protocol: str | None = typer.Option(None, "--protocol", help="auto, given, cv."),
    folds: int | None = typer.Option(None, "--folds", help="K of K-fold CV."),
    fold_subset: str | None = typer.Option(None, "--fold-subset", help="Final runs on these folds only, e.g. 0 (trials use the first)."),
    executor: str = typer.Option("local", "--executor", help="local (this process or worker processes) or ray (a running Ray cluster)."),
    address: str | None = typer.Option(None, "--address", help="Ray cluster address HOST:PORT [default: $RAY_ADDRESS]."),
    device: str = typer.Option("auto", "--device", help="auto, cpu, cuda, cuda:N, mps."),
    threads: int | None = typer.Option(None, "--threads", help="Torch threads per worker."),
    jobs: int | None = typer.Option(None, "--jobs", help="Trials (and final cells) in parallel [default: 1; trials then reproduce exactly]."),
    out: Path | None = typer.Option(None, "--out", help="Run directory (tune.sqlite, results.sqlite, tune.json, report) [default: runs/<date-time>/]."),
    data_dir: Path | None = typer.Option(None, "--data-dir", help="Where the datasets live."),
    train_files: Optional[List[Path]] = typer.Option(None, "--train", help="Your training file(s)."),
    dev_files: Optional[List[Path]] = typer.Option(None, "--dev", help="Your dev file(s): trials are scored on them."),
    test_files: Optional[List[Path]] = typer.Option(None, "--test", help="Your test file(s) [default: k-fold CV over --train]."),
    text_column: Optional[str] = typer.Option(None, "--text-column", help="Column or key of the text [default: text]."),
    label_column: Optional[str] = typer.Option(None, "--label-column", help="Column or key of the label [default: label]."),
    fmt: Optional[str] = typer.Option(None, "--format", help=f"Format of the files: {', '.join(FORMATS)} [default: from the extension]."),
    tokenizer: Optional[str] = typer.Option(None, "--tokenizer", help=f"{', '.join(TOKENIZERS)} [default: kim]."),
    min_freq: Optional[int] = typer.Option(None, "--min-freq", help="Words seen fewer times in train are <unk> [default: 1]."),
    max_vocab: Optional[int] = typer.Option(None, "--max-vocab", help="At most this many ids (pad, unk included)."),
    name: Optional[str] = typer.Option(None, "--name", help="Name of the file dataset [default: the first file's stem]."),
    lang: str = typer.Option("en", "--lang", help=f"Language of the report written into --out: {', '.join(LANGS)}."),
    embeddings: Optional[Path] = typer.Option(None, "--embeddings", help=EMBEDDINGS_HELP + " Fixes d_embed/d_model "
                                              "to the vectors' width (not searched)."),
    embedding_mode: Optional[str] = typer.Option(None, "--embedding-mode", help=MODE_HELP),
) -> None:
    """Give every model the same tuning budget on dev (Optuna TPE, hopeless trials pruned by --pruner), then re-run
    each model's chosen configuration (--select: the best trial where it beats the preset beyond the dev
    noise) over --seeds and score it once on test: the comparison table, marked tuned (N trials), and a
    report with expected-validation-performance curves.

    Example: `seqarena tune --preset kim --dataset sst2 --models transformer,textcnn --trials 20 --seeds 3
    --out runs/sst2-tuned` (kill it and run the same command again: it resumes). `seqarena tune --show-space
    transformer` prints a space."""
    check_lang(lang)
    check_min("--trials", trials, 1, MAX_TRIALS)
    if budget_minutes is not None and not (math.isfinite(budget_minutes) and budget_minutes > 0):
        raise InputError(f"--budget-minutes must be a number of minutes > 0 (got {budget_minutes})")
    check_min("--seeds", seeds, 1)
    check_min("--jobs", jobs, 1)
    check_min("--threads", threads, 1)
    check_min("--folds", folds, 2, MAX_FOLDS)
    for flag, value, choices in (("--executor", executor, EXECUTORS), ("--protocol", protocol, PROTOCOLS),
                                 ("--metric", metric, OBJECTIVES), ("--select", select, SELECTIONS),
                                 ("--pruner", pruner, PRUNERS)):
        if value is not None and value not in choices:
            parse_list(value, flag, list(choices))
    if show_space is not None:
        spec = _spec(config, preset, None, datasets, None, None, None, None)  # --dataset picks the task
        if show_space not in spec.models and show_space not in model_names(spec.task):
            parse_list(show_space, "--show-space", model_names(spec.task))
        for key, dist in spec.search_space(show_space).items():
            out_console.print(f"{key:<22} {describe(dist)}", markup=False, highlight=False, soft_wrap=True)
        return
    readers = {"--dev": dev_files, "--test": test_files, "--format": fmt, "--text-column": text_column,
               "--label-column": label_column, "--tokenizer": tokenizer, "--min-freq": min_freq,
               "--max-vocab": max_vocab, "--name": name}
    given = [f for f, v in readers.items() if v]
    if given and not train_files:
        raise InputError(f"{given[0]}: goes with --train FILE (your own data); named datasets use --dataset")
    if baseline is not None and not baseline.is_dir():
        raise InputError(f"--baseline {baseline}: no such run directory (give a `seqarena compare --out DIR`)")
    if out is not None:
        check_output_dir(out, "--out")
    if executor == "ray":
        from seqarena.run.ray_executor import connect

        connect(address)
    budget = Budget(trials if trials is not None or budget_minutes is not None else 20, budget_minutes)
    ddir = str(data_dir) if data_dir else None
    with warnings_as_lines():
        files = None
        if train_files:
            files = file_source(train_files, dev_files, test_files, fmt, text_column or "text", label_column or "label",
                                tokenizer or "kim", 1 if min_freq is None else min_freq, max_vocab, name)
        spec = _spec(config, preset, models, datasets, None, seeds, protocol, folds, files)
        if embedding_mode is not None:
            vectors.check_mode(embedding_mode)
        spec = with_overrides(spec, embeddings=str(embeddings.expanduser().resolve()) if embeddings else None,
                              embedding_mode=embedding_mode)
        metric = _objective(metric, spec.task)
        cells = expand(spec, ddir, _fold_subset(fold_subset))
    dev = resolve_device(device)
    out = out or default_run_dir()
    cells = prepare_cells(cells, lambda ref: dataset(ref, ddir), out / "vectors")  # pretrained vectors, cached
    study_jobs = []
    for ds in spec.datasets:
        for m in spec.models:
            base = next(c for c in cells if c.dataset == ds and c.model.name == m)  # first seed and fold
            space = vectors.fixed_width(spec.search_space(m)) if base.embeddings is not None else spec.search_space(m)
            study_jobs.append(Job(study_name(ds, m), storage_url(out), base, space, budget,
                                  OBJECTIVES[metric], seed, str(dev), ddir, select, pruner))
    for j in study_jobs:  # no dev split, or a study run over another space: refused before any work
        if (out / "tune.sqlite").exists():
            check_study(j)
        else:
            dev_splits(j.base, ddir)
    out.mkdir(parents=True, exist_ok=True)
    _search(study_jobs, budget, executor, jobs or 1, threads, address)

    trials_all = [t for j in study_jobs for t in trial_rows(j)]
    choices = {j.study: chosen_point(j) for j in study_jobs}  # which trial each model's final runs use
    parts, labels = [], {}
    for ds in spec.datasets:
        ds_spec = _tuned_spec(spec, ds, [j for j in study_jobs if j.base.dataset == ds], choices)
        parts.append((ds_spec, prepare_cells(expand(ds_spec, ddir, _fold_subset(fold_subset)),
                                             lambda ref: dataset(ref, ddir), out / "vectors")))
        for j in study_jobs:
            n = sum(t["counted"] for t in trials_all if t["study"] == j.study)
            labels[(ds, j.base.model.name)] = f"tuned ({n} trials)"

    def annotate(row: dict) -> dict:
        return {**row, "tuned": labels.get((row["dataset"], row["model"])), "tuning_budget": budget.describe(),
                "tuning_trials": budget.trials, "tuning_minutes": budget.minutes, "tuning_select": select}

    _write_tune_json(out, study_jobs, trials_all, [], [], budget, metric, seed, spec, dev, choices)  # trials so far
    if baseline is not None:  # a kept preset's final cells were measured by the baseline: its rows, not a re-run
        kept = {(j.base.dataset, j.base.model.name) for j in study_jobs if _keeps_preset(choices[j.study])}
        reuse_baseline_cells(baseline, out, [c for _, cs in parts for c in cs if (c.dataset, c.model.name) in kept],
                             annotate, ddir, str(dev))
    n_cells = sum(len(c) for _, c in parts)  # compare's default: a worker per core on CPU, 1 on GPU
    final_jobs = jobs or (0 if executor == "ray" else 1 if dev.type != "cpu" else max(1, min(available_cores(), n_cells)))
    final = execute(parts, out, executor, final_jobs, threads, str(dev), ddir, address, metric, False, False, annotate,
                    lang=lang)
    base_rows = _baseline_rows(baseline) if baseline is not None else []
    _write_tune_json(out, study_jobs, trials_all, final, base_rows, budget, metric, seed, spec, dev, choices)
    from seqarena.report import write_report

    write_report(out, lang=lang)
    how = "best of its trials on dev" if select == "best" else "best trial on dev where significantly better than the preset"
    err_console.print(f"tuned: each model's {how} ({budget.describe()}), re-run over "
                      f"{len(spec.seeds)} seed(s); trials in {out}/tune.sqlite, summary in {out}/tune.json",
                      markup=False, highlight=False, soft_wrap=True)


def _objective(metric: str | None, task: str) -> str:
    """--metric for the spec's task: classifiers maximise dev accuracy (default) or macro-F1; language
    models minimise dev nats/char ('nll'), their only objective."""
    if task == "lm":
        if metric not in (None, "nll"):
            raise InputError(f"--metric {metric}: language models are tuned on dev nats/char; give --metric nll "
                             "or leave it out")
        return "nll"
    if metric == "nll":
        raise InputError("--metric nll: nats/char is the language models' objective; classifiers take accuracy "
                         "or macro_f1")
    return metric or "accuracy"


def _search(study_jobs: list[Job], budget: Budget, executor: str, workers: int, threads: int | None,
            address: str | None) -> None:
    """Run the studies with a progress bar (units: trials, or seconds of trial time without --trials)."""
    per = budget.trials or int(60 * budget.minutes)
    with progress_bar() as bar:
        task = bar.add_task(f"tune: {len(study_jobs)} studies", total=per * len(study_jobs))
        done: dict[str, int] = {}

        def on_progress(study: str, n: int, secs: float) -> None:
            done[study] = min(per, n if budget.trials else int(secs))
            bar.update(task, completed=sum(done.values()), description=f"tune {study}: {n} trials")

        run_jobs(study_jobs, executor, workers, threads, address, on_progress)


def _tuned_spec(spec: Spec, ds: str, study_jobs: list[Job], choices: dict) -> Spec:
    """The spec of one dataset's final runs: each model's chosen configuration (--select) as its own tables.
    A model whose preset is kept keeps the spec's tables as they are, so its cells are the preset's cells
    (the same configuration hash as `compare` gives them) and a --baseline's rows can stand for them."""
    per_model, train_per_model = dict(spec.per_model), dict(spec.train_per_model)
    for j in study_jobs:
        choice = choices[j.study]
        if _keeps_preset(choice):  # the spec's own tables: the preset's cells, as compare ran them
            continue
        cell = apply(j.base, choice.point, vocab_size(j))
        per_model[j.base.model.name] = cell.model.kwargs()
        if not is_sparse(j.base.model.name):
            train_per_model[j.base.model.name] = asdict(cell.train)
    return replace(spec, name=f"{spec.name}-tuned-{ds}", datasets=(ds,), files={k: v for k, v in spec.files.items()
                                                                              if k == ds},
                   per_model=per_model, train_per_model=train_per_model)


def _keeps_preset(choice) -> bool:
    """Whether a model's final runs are its preset's own cells: no trial completed, or the preset chosen."""
    return choice is None or choice.kept_preset


def reuse_baseline_cells(baseline: Path, out: Path, cells: list, annotate, ddir: str | None = None,
                         device: str = "cpu") -> int:
    """Store in OUT the baseline's done row of each of `cells` (a kept preset's final cells) that the
    baseline measured as this run would: the same dataset, model, configuration hash (model, training,
    protocol, file data, vectors), fold and seed, the same split sizes and (CV) fold assignment, on the
    same device and torch version. Each copy takes the cell's own ids and names its source
    (`reused_from`); it has no start time in OUT's store (no training happened in this run). A cell OUT's
    store has seen in any state, or one the baseline lacks, is left to `execute` (trained as usual).
    Returns how many were copied."""
    import torch

    from seqarena.run.protocol import fold_digest, resolve_splits
    from seqarena.run.store import ResultsStore

    path = baseline / "results.sqlite"
    if not cells or not path.is_file():
        return 0
    src = ResultsStore.open_readonly(path)
    try:
        index = {(r.get("dataset"), r.get("model"), r.get("config_hash"), r.get("fold"), r.get("seed")): r
                 for r in src.rows("done")}
    finally:
        src.close()

    def same_measurement(row: dict, c) -> bool:
        where = "cpu" if is_sparse(c.model.name) else device
        if row.get("device") != where or row.get("torch_version") != torch.__version__:
            return False
        sizes = split_sizes(resolve_splits(dataset(c.data_ref, ddir), c.protocol, c.fold, c.seed))
        if {k: row.get(k) for k in sizes} != sizes:
            return False
        return c.fold is None or row.get("fold_digest") == fold_digest(
            fold_assignment(c.data_ref, ddir, c.protocol.folds, c.protocol.split_seed))

    dst = ResultsStore(out / "results.sqlite")
    copied: list[str] = []
    try:
        seen = dst.statuses()
        for c in cells:
            row = index.get((c.dataset, c.model.name, c.config_hash, c.fold, c.seed))
            if row is None or c.cell_id in seen or not same_measurement(row, c):
                continue
            copy = {k: v for k, v in row.items() if k not in _STORE_FIELDS}
            dst.put(annotate({**copy, **c.ids(), "reused_from": f"{path} {row['cell_id']}"}))
            copied.append(c.model.name)
    finally:
        dst.close()
    if copied:
        err_console.print(f"tune: {len(copied)} final cell(s) of kept presets ({', '.join(dict.fromkeys(copied))}) "
                          f"taken from --baseline {baseline} (the same configuration, data, fold, seed and device), "
                          "not trained again", markup=False, highlight=False, soft_wrap=True)
    return len(copied)


_STORE_FIELDS = ("status", "error", "started_at", "updated_at", "owner", "lease_until", "attempts", "row_json")


def _baseline_rows(d: Path) -> list[dict]:
    from seqarena.report.load import load_run

    return load_run(d).rows


def _write_tune_json(out: Path, study_jobs: list[Job], trials_all: list[dict], final: list[dict],
                     base_rows: list[dict], budget: Budget, metric: str, seed: int, spec: Spec, dev,
                     choices: dict) -> None:
    from seqarena.analysis.common import envelope, write_json

    column = "test_nll" if metric == "nll" else METRICS[metric]  # the test score of the final rows
    summary = [summarize(j, [t for t in trials_all if t["study"] == j.study], final, base_rows, column,
                         choices[j.study]) for j in study_jobs]
    settings = {"budget": budget.describe(), "trials": budget.trials, "budget_minutes": budget.minutes,
                "metric": metric, "seed": seed, "seeds": len(spec.seeds), "spec": spec.name,
                "select": study_jobs[0].select if study_jobs else None,
                "sampler": "optuna TPESampler", "pruner": study_jobs[0].pruner if study_jobs else None,
                "pruning": describe_pruner(study_jobs[0].pruner) if study_jobs else None,
                "spaces": {j.study: j.space for j in study_jobs}}
    write_json(out, envelope("tune", dev, settings, trials_all, summary=summary,
                             evp=evp_rows(trials_all, lower=lower_is_better(OBJECTIVES[metric]))))
