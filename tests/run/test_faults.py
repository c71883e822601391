"""Faults with real processes: a `kill -9` of a `compare --jobs 2` driver leaves no worker behind, and
two concurrent `compare` runs on one --out train every cell exactly once."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from seqarena.run.executors import die_with_parent

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")


def seqarena(*args: str, **kw) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "seqarena", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, **kw)


def children(pid: int) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if int((d / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    out.append(int(d.name))
            except (OSError, IndexError, ValueError):
                pass
    return out


def alive(pid: int) -> bool:
    """Running or sleeping; a zombie (dead, not yet reaped by init) is not alive."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def live_children(pid: int, at_least: int) -> list[int] | None:
    kids = [p for p in children(pid) if alive(p)]
    return kids if len(kids) >= at_least else None


def wait_for(cond, timeout: float, step: float = 0.1):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = cond()
        if value:
            return value
        time.sleep(step)
    return cond()


# 1 thread per worker on a Linux CPU: forked workers; 2: spawned ones (slower to start; with a resource
# tracker process beside them)
@pytest.mark.parametrize("threads, at_least", [("1", 2), pytest.param("2", 3, marks=pytest.mark.slow)])
def test_kill_9_of_a_jobs_2_driver_leaves_no_worker_alive(tmp_path, threads, at_least):
    driver = seqarena("compare", "--dataset", "seed-bigram", "--models", "gru,lstm", "--seeds", "2",
                      "--epochs", "500", "--jobs", "2", "--threads", threads, "--device", "cpu",
                      "--out", str(tmp_path / "run"))
    workers = None
    try:
        workers = wait_for(lambda: live_children(driver.pid, at_least), timeout=90)
        assert workers and len(workers) >= 2, f"no workers started: {driver.stderr.read() if driver.poll() else ''}"
        time.sleep(1.0)  # let them get into training
        os.kill(driver.pid, signal.SIGKILL)
        driver.wait(timeout=10)
        assert wait_for(lambda: not any(alive(p) for p in workers), timeout=10), \
            f"workers still alive 10 s after kill -9 of their driver: {[p for p in workers if alive(p)]}"
    finally:  # whatever happened, leave no process of this test behind (the workers by their pids)
        if driver.poll() is None:
            driver.kill()
        for p in set(workers or []) | set(children(driver.pid)):
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass


def test_a_worker_whose_parent_is_gone_exits(tmp_path):
    """The watch thread alone (no prctl can help a process whose parent died before it armed it):
    die_with_parent with a pid that is not the parent exits at once."""
    code = ("import sys; from seqarena.run.executors import die_with_parent\n"
            "die_with_parent(1)\nprint('still here')\n")
    if os.getppid() == 1:
        pytest.skip("this test's parent is pid 1")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode == 1 and "still here" not in out.stdout
    assert callable(die_with_parent)


TINY = """
name = "tiny"
datasets = ["seed-bigram"]
models = ["bow", "nbsvm"]
seeds = 3
[train]
epochs = 1
batch_size = 256
[hparams.bow]
d_embed = 8
"""
MODELS = {"bow", "nbsvm"}


def test_two_concurrent_runs_on_one_out_train_every_cell_once(tmp_path):
    spec = tmp_path / "tiny.toml"
    spec.write_text(TINY)
    out = tmp_path / "run"
    args = ("compare", "--config", str(spec), "--out", str(out), "--jobs", "1", "--device", "cpu", "--json")
    a, b = seqarena(*args), seqarena(*args)
    results = [p.communicate(timeout=600) for p in (a, b)]
    for p, (stdout, stderr) in zip((a, b), results):
        assert p.returncode == 0, stderr
    db = sqlite3.connect(out / "results.sqlite")
    cells = db.execute("SELECT cell_id, status, attempts, owner FROM results").fetchall()
    assert len(cells) == len(MODELS) * 3, cells
    assert all(status == "done" for _, status, _, _ in cells), cells
    assert [c for c in cells if c[2] != 1] == [], "a cell was trained more than once"
    owners = {o.rsplit(":", 2)[1] for *_, o in cells}  # driver pids
    assert owners <= {str(a.pid), str(b.pid)}
    # each run's table holds the cells it could see done when it finished; together they hold all
    seen = set()
    for stdout, _ in results:
        seen |= {r["model"] for r in json.loads(stdout)}
    assert seen == MODELS
