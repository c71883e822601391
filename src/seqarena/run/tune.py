"""Hyperparameter search with an equal budget per model, on dev only (`seqarena tune`).

One Optuna study per (dataset, model) in the run directory's `tune.sqlite` (Optuna's RDB storage on
SQLite). Each trial is a cell of the spec (its first seed, its first fold for CV datasets) with the
sampled hyperparameters and training fields put in; it trains on that cell's training rows and is
scored on its dev rows after every epoch. The test split is removed before training starts, so a
trial can never score it. Hopeless trials are pruned from their per-epoch dev scores (PRUNERS:
successive halving by default, a trial going on past epochs 4, 12, ... only while it is in the best
third of the trials that reached that epoch; or the median rule; or none). Trial 0 of every study is
the spec's own configuration (the preset) where the space can express it, so tuning starts from it.

A study stops when it holds `trials` finished trials (complete, pruned, or failed by an error of
their own) or its finished trials have used `minutes` of trial time. Every trial is committed to the
storage as it ends, so `kill -9` loses only trials in flight (marked failed when the same command
resumes) and the same command continues the study. Workers: in this process (`jobs` 1), worker
processes sharing the one storage, or Ray tasks sharing it (`executor` ray, single node or a shared
filesystem). Worker k samples with TPESampler(seed + k): one worker gives the same trials locally
and on Ray. A trial itself (a sampled point into a cell, trained and scored on dev) is run/trial.py;
the studies' results (trial rows, the chosen point, summaries) are run/tune_results.py."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seqarena.errors import InputError
from seqarena.run.cells import Cell, dataset
from seqarena.run.select import ROWS_ATTR, load_rows, rows_path, save_rows
from seqarena.run.trial import apply, dev_splits, preset_point, run_trial, suggest

STUDY_FILE = "tune.sqlite"
# --metric -> the dev score the study optimises: maximised, except the language models' nats/char
OBJECTIVES = {"accuracy": "acc", "macro_f1": "macro_f1", "nll": "nll"}
LOWER_IS_BETTER = ("nll",)
# every pruner reads epochs from PRUNE_AFTER + 1 on: measured on SST-2, Transformers sit at chance for
# two or three epochs before they learn (docs/tuning.md), so earlier epochs say nothing about a trial
PRUNE_AFTER = 3
HALVING_RATE = 3  # successive halving keeps the best 1/3 of the trials at each rung (epochs 4, 12, 36, ...)
PRUNERS = {  # --pruner -> Optuna's pruner and its arguments; every rule reads epochs from PRUNE_AFTER + 1 on
    # successive halving (the rule of ASHA): past epochs 4, 12, 36, ... only the best third go on
    "halving": ("SuccessiveHalvingPruner", {"min_resource": PRUNE_AFTER + 1, "reduction_factor": HALVING_RATE}),
    # the median rule: below the median of earlier trials at that epoch, once 3 trials are complete
    "median": ("MedianPruner", {"n_startup_trials": 3, "n_warmup_steps": PRUNE_AFTER + 1}),
    "none": ("NopPruner", {}),
}


@dataclass(frozen=True)
class Budget:
    """The same for every model: at most `trials` finished trials and/or `minutes` of trial time."""

    trials: int | None = None
    minutes: float | None = None

    def describe(self) -> str:
        parts = ([f"{self.trials} trials"] if self.trials else []) + (
            [f"{self.minutes:g} minutes of trial time"] if self.minutes else [])
        return " or ".join(parts) + " per model"


@dataclass(frozen=True)
class Job:
    """One study to fill: what every worker of it needs (picklable for processes and Ray)."""

    study: str
    storage: str
    base: Cell  # the spec's cell this study varies (first seed, first fold)
    space: dict[str, dict]
    budget: Budget
    metric: str  # 'acc' or 'macro_f1' (classifiers, maximised), 'nll' (language models, minimised)
    seed: int
    device: str = "cpu"
    data_dir: str | None = None
    select: str = "significant"  # which trial the final runs use (run/select.py)
    pruner: str = "halving"  # one of PRUNERS


def describe_pruner(name: str) -> str:
    """The pruner with its arguments, as tune.json's settings record it."""
    cls, kwargs = _pruner_spec(name)
    return f"optuna {cls}({', '.join(f'{k}={v}' for k, v in kwargs.items())})"


def make_pruner(name: str):
    """Optuna's pruner for PRUNERS[name]."""
    cls, kwargs = _pruner_spec(name)
    return getattr(_optuna().pruners, cls)(**kwargs)


def _pruner_spec(name: str) -> tuple[str, dict]:
    if name not in PRUNERS:
        raise ValueError(f"pruner: '{name}' is not one of {', '.join(PRUNERS)}")
    return PRUNERS[name]


def lower_is_better(metric: str) -> bool:
    return metric in LOWER_IS_BETTER


def vocab_size(job: Job) -> int:
    """The size of the study's vocabulary (what an n-gram LM's table is checked against)."""
    return dataset(job.base.data_ref, job.data_dir).vocab_size


def storage_url(out: Path) -> str:
    return f"sqlite:///{Path(out).resolve() / STUDY_FILE}"


def run_dir(job: Job) -> Path:
    """The run directory holding the study's store (and its trials' dev rows)."""
    return Path(job.storage.removeprefix("sqlite:///")).parent


def study_name(dataset_name: str, model: str) -> str:
    return f"{dataset_name}/{model}"


def _optuna():
    try:
        import optuna
    except ImportError:
        raise InputError("seqarena tune needs Optuna: pip install 'seqarena[tune]'") from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


_STORAGES: dict[tuple[str, int], Any] = {}


def _storage(url: str):
    """One RDBStorage per URL and process (opening one checks the schema: a second each time); a
    forked worker opens its own, never its parent's connections."""
    key = (url, os.getpid())
    if key not in _STORAGES:
        optuna = _optuna()
        # a long timeout: several workers commit to one SQLite file
        _STORAGES[key] = optuna.storages.RDBStorage(url, engine_kwargs={"connect_args": {"timeout": 60}})
    return _STORAGES[key]


# --- studies -------------------------------------------------------------------------------------

def _counted(t) -> bool:
    """A trial that used its share of the budget: finished, pruned, or failed by its own error (not
    one lost in flight when a run was killed)."""
    from optuna.trial import TrialState

    return t.state in (TrialState.COMPLETE, TrialState.PRUNED) or (
        t.state == TrialState.FAIL and "error" in t.user_attrs)


def spent(trials: list) -> tuple[int, float]:
    """(finished trials, their trial time in seconds)."""
    done = [t for t in trials if _counted(t)]
    secs = sum((t.datetime_complete - t.datetime_start).total_seconds() for t in done
               if t.datetime_complete and t.datetime_start)
    return len(done), secs


def exhausted(budget: Budget, trials: list) -> bool:
    from optuna.trial import TrialState

    n, secs = spent(trials)
    running = sum(t.state == TrialState.RUNNING for t in trials)
    return bool(budget.trials and n + running >= budget.trials or budget.minutes and secs >= 60 * budget.minutes)


def open_study(job: Job, worker: int = 0):
    optuna = _optuna()
    n = job.budget.trials or 20
    sampler = optuna.samplers.TPESampler(seed=job.seed + worker, n_startup_trials=max(2, min(10, n // 4)))
    pruner = make_pruner(job.pruner)
    direction = "minimize" if lower_is_better(job.metric) else "maximize"
    return optuna.create_study(storage=_storage(job.storage), study_name=job.study, direction=direction,
                               sampler=sampler, pruner=pruner, load_if_exists=True)


def check_study(job: Job) -> None:
    """Refuse, before any work: a dataset without a dev split (not N failed trials), and resuming a
    study that was run over another search space (its trials would not be comparable) or pruned by
    another rule (a study stored before --pruner existed was pruned by the median rule)."""
    dev_splits(job.base, job.data_dir)
    optuna = _optuna()
    try:
        study = optuna.load_study(study_name=job.study, storage=_storage(job.storage))
    except KeyError:  # no such study yet
        return
    stored, trials = study.user_attrs.get("space"), study.get_trials(deepcopy=False)
    if stored is not None and trials and stored != json.loads(json.dumps(job.space)):
        raise InputError(f"{job.storage.removeprefix('sqlite:///')}: study '{job.study}' was run over another search "
                         "space; its trials would not be comparable: give another --out, or the same [search] tables")
    if trials:
        pruned_by = study.user_attrs.get("pruner") or "median"  # studies from before --pruner: the median rule
        if pruned_by != job.pruner:
            raise InputError(f"{job.storage.removeprefix('sqlite:///')}: study '{job.study}' was pruned with "
                             f"--pruner {pruned_by}; resume it with the same --pruner, or give another --out")


def prepare(job: Job) -> dict:
    """Create or reopen the study: trials left running by a stopped run are marked failed (lost in
    flight, not counted), and a new study gets the spec's own configuration as trial 0. Returns the
    study's notes ({'preset_trial': bool})."""
    from optuna.trial import TrialState

    check_study(job)
    study = open_study(job)
    storage = study._storage
    for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        storage.set_trial_user_attr(t._trial_id, "lost", "in flight when a run stopped")
        storage.set_trial_state_values(t._trial_id, TrialState.FAIL)
    first = not study.get_trials(deepcopy=False)
    point = preset_point(job.base, job.space)
    if first:
        study.set_user_attr("space", job.space)
        study.set_user_attr("pruner", job.pruner)
        study.set_user_attr("base", {"hparams": job.base.model.kwargs(), "cell_id": job.base.cell_id})
        if point is not None:
            study.enqueue_trial(point, user_attrs={"preset": True})
    return {"preset_trial": point is not None}


def work(job: Job, worker: int = 0, threads: int | None = None) -> int:
    """One worker: run trials of the study until its budget is used; returns the trials it ran."""
    optuna = _optuna()
    from seqarena.runtime import set_threads

    if threads:
        set_threads(threads)
    study = open_study(job, worker)
    ran = 0
    vocab = vocab_size(job)

    def objective(trial) -> float:
        params = suggest(trial, job.space)
        try:
            cell = apply(job.base, params, vocab)
        except InputError as e:  # a combination the model refuses (the sampler's, not the user's)
            trial.set_user_attr("invalid", str(e))
            raise optuna.TrialPruned() from None

        twin = _twin(trial)
        if twin is not None:  # the same point, trained already with the same seed: its score, not a re-run
            trial.set_user_attr("repeat_of", twin.number)
            rows = load_rows(rows_path(run_dir(job), job.study, twin.number), twin.user_attrs.get(ROWS_ATTR))
            if rows is not None:
                save_rows(rows_path(run_dir(job), job.study, trial.number), job.metric, rows)
            return float(twin.value)

        preset = bool(trial.user_attrs.get("preset"))

        def report(score: float, epoch: int) -> None:
            trial.report(score, epoch)
            # the pruner hears the preset too (halving records its score at each rung), but the preset
            # always completes: it is what the best trial is tested against (run/select.py), and with
            # workers in parallel a quicker trial can reach a rung first with a better score
            if trial.should_prune() and not preset:
                raise optuna.TrialPruned()

        def keep(rows) -> None:
            save_rows(rows_path(run_dir(job), job.study, trial.number), job.metric, rows)

        try:
            return run_trial(cell, job.metric, job.device, job.data_dir, report, keep=keep)
        except (optuna.TrialPruned, KeyboardInterrupt):
            raise
        except Exception as e:  # noqa: BLE001 - recorded on the trial, which counts as used
            from seqarena.run.events import error_line

            trial.set_user_attr("error", error_line(e))
            raise

    def _twin(trial):
        """A complete trial of the same point: training is seeded, so it would score the same again (in
        tiny discrete spaces, the n-gram's orders or a baseline's choices, TPE proposes repeats)."""
        from optuna.trial import TrialState

        return next((t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
                     if t.number != trial.number and t.params == trial.params and t.value is not None), None)

    if worker > 0:
        _wait_for_queue(study)
    while not exhausted(job.budget, study.get_trials(deepcopy=False)):
        try:
            study.optimize(objective, n_trials=1, catch=(Exception,))
        except ValueError as e:  # another worker finished the same queued trial first (see _wait_for_queue)
            if "Cannot tell a" not in str(e):
                raise
        ran += 1
    return ran


def _wait_for_queue(study, timeout_s: float = 120.0, poll_s: float = 0.1) -> None:
    """Leave the queued trial (trial 0, the preset) to worker 0. On SQLite, Optuna cannot lock the row
    it pops from the queue, so two workers starting together can both pop and run it, and the second
    fails to tell it ('Cannot tell a COMPLETE trial'; optuna issues 4621, 4002): seen with --jobs 2 on
    the sparse baselines, whose trials take under a second. Workers 1.. start once the queue is empty
    (or after `timeout_s`, should worker 0 never start)."""
    import time

    from optuna.trial import TrialState

    end = time.monotonic() + timeout_s
    while study.get_trials(deepcopy=False, states=(TrialState.WAITING,)) and time.monotonic() < end:
        time.sleep(poll_s)


def _work_in_process(job: Job, worker: int, threads: int, parent: int) -> int:
    from seqarena.run.executors import die_with_parent

    die_with_parent(parent)
    return work(job, worker, threads)


def run_jobs(jobs_list: list[Job], executor: str = "local", workers: int = 1, threads: int | None = None,
             address: str | None = None, on_progress: Callable[[str, int, float], None] | None = None,
             poll_s: float = 1.0) -> None:
    """Fill each study in turn with `workers` workers (this process when 1, else worker processes, or
    Ray tasks), calling `on_progress(study, finished trials, trial seconds)` as trials finish."""
    for job in jobs_list:
        prepare(job)
        if executor == "ray":
            _run_ray(job, workers, threads, address, on_progress, poll_s)
        elif workers <= 1:
            _watched(job, on_progress, poll_s, lambda: work(job, 0, threads))
        else:
            _run_pool(job, workers, threads, on_progress, poll_s)


def _watched(job: Job, on_progress, poll_s: float, body: Callable[[], Any]) -> None:
    """Run `body` while a thread reports the study's progress from its storage."""
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(poll_s):
            _report(job, on_progress)

    t = threading.Thread(target=watch, name="seqarena-tune-progress", daemon=True)
    t.start()
    try:
        body()
    finally:
        stop.set()
        t.join()
        _report(job, on_progress)


def _report(job: Job, on_progress) -> None:
    if on_progress is None:
        return
    trials = _optuna().load_study(study_name=job.study, storage=_storage(job.storage)).get_trials(deepcopy=False)
    n, secs = spent(trials)
    on_progress(job.study, n, secs)


def _run_pool(job: Job, workers: int, threads: int | None, on_progress, poll_s: float) -> None:
    import multiprocessing as mp

    from seqarena.run.executors import start_method, threads_per_worker

    n_threads = threads_per_worker(workers, threads)
    ctx = mp.get_context(start_method(job.device, n_threads))

    def body() -> None:
        with ProcessPoolExecutor(workers, mp_context=ctx) as pool:
            futures = [pool.submit(_work_in_process, job, k, n_threads, os.getpid()) for k in range(workers)]
            for f in futures:
                f.result()

    _watched(job, on_progress, poll_s, body)


def _ray_task(job: Job, worker: int, threads: int) -> int:
    return work(job, worker, threads)


def _run_ray(job: Job, workers: int, threads: int | None, address: str | None, on_progress,
             poll_s: float) -> None:
    """Optuna workers as Ray tasks, all on the one storage (the run directory must be visible to them:
    a single node, or a filesystem shared by the cluster's nodes)."""
    from seqarena.run.ray_executor import connect

    ray = connect(address)
    n_threads = threads or 1
    remote = ray.remote(num_cpus=n_threads, max_retries=0)(_ray_task)

    def body() -> None:
        refs = [remote.remote(job, k, n_threads) for k in range(max(1, workers))]
        try:
            ray.get(refs)
        except BaseException:
            for r in refs:
                ray.cancel(r, force=True)
            raise

    _watched(job, on_progress, poll_s, body)
