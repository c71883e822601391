"""The Ray executor on a real single-node cluster bound to 127.0.0.1: same seeds, same rows as local.

The cluster is started with `ray start --head --block` in its own process group and stopped by
signalling that group, so the test ends exactly the processes it started (no `ray stop`, which would
stop every Ray node of this user on the machine)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

# read by Ray when it is imported: without it a loopback address is rewritten to the routable one
os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
pytest.importorskip("ray")

from seqarena.cli import main
from seqarena.config import ModelConfig
from seqarena.models import train_config
from seqarena.run import Cell, run_cells
from seqarena.runtime import set_threads


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def ray_address():
    ray_bin = Path(sys.executable).parent / "ray"
    if not ray_bin.exists():
        pytest.skip(f"no ray executable beside {sys.executable}")
    port = _free_port()
    tmp = tempfile.mkdtemp(prefix="sqray", dir="/tmp")  # short: Ray's socket paths must fit 107 bytes
    proc = subprocess.Popen(
        [str(ray_bin), "start", "--head", "--block", "--node-ip-address=127.0.0.1", "--include-dashboard=false",
         "--disable-usage-stats", f"--port={port}", "--num-cpus=2", f"--temp-dir={tmp}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.time() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    pytest.fail("the Ray head node did not come up on 127.0.0.1")
                time.sleep(0.2)
        yield f"127.0.0.1:{port}"
    finally:
        import ray

        ray.shutdown()
        _stop(proc, tmp)


def _stop(proc: subprocess.Popen, tmp: str) -> None:
    """End the node: its process group (SIGTERM, then SIGKILL), then any worker that Ray put in a
    group of its own, found by the node's unique temp dir on its command line and ended by pid."""
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(3)  # `ray start --block` may linger in its exit handlers
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    for pid in os.listdir("/proc"):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (OSError, ValueError):
            continue
        if pid.isdigit() and tmp.encode() in cmd:
            try:
                os.kill(int(pid), signal.SIGKILL)
            except ProcessLookupError:
                pass
    shutil.rmtree(tmp, ignore_errors=True)


def test_ray_executor_gives_the_local_executor_rows(ray_address, tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        main(["compare", "--models", "bow,nbsvm", "--epochs", "1", "--seeds", "2", "--executor", "ray",
              "--address", ray_address, "--threads", "1", "--device", "cpu", "--out", str(tmp_path), "--json"])
    assert e.value.code == 0, capsys.readouterr().err
    ray_rows = {(r["model"], r["seed"]): r for r in json.loads((tmp_path / "results.json").read_text())["rows"]}
    assert len(ray_rows) == 4

    before = set_threads(None)
    try:
        cells = [Cell("seed-bigram", ModelConfig.of(m), train_config(m, epochs=1), seed=s, experiment="seed")
                 for m in ("bow", "nbsvm") for s in (0, 1)]
        local = run_cells(cells, "local", jobs=1, threads=1, device="cpu")
    finally:
        set_threads(before)
    for row in local:
        r = ray_rows[(row["model"], row["seed"])]
        assert r["cell_id"] == row["cell_id"]
        for key in ("train_acc", "test_acc", "macro_f1", "params", "selected_epoch"):
            assert r[key] == row[key], key
        untimed = [[{k: v for k, v in e.items() if not k.endswith("_s")} for e in json.loads(x["history"])]
                   for x in (r, row)]
        assert untimed[0] == untimed[1]  # every epoch's losses and accuracies, not its timings


def test_ray_executor_runs_a_file_dataset(ray_address, tmp_path, capsys):
    """The cells carry their FileSource: Ray's workers load the user's file themselves."""
    rows = [(f"good fine film {i}", "pos") for i in range(20)] + [(f"bad dull plot {i}", "neg") for i in range(20)]
    data = tmp_path / "mine.tsv"
    data.write_text("text\tlabel\n" + "".join(f"{t}\t{y}\n" for t, y in rows))
    argv = ["compare", "--train", str(data), "--models", "nbsvm", "--folds", "2", "--threads", "1",
            "--device", "cpu", "--json"]
    with pytest.raises(SystemExit) as e:
        main([*argv, "--executor", "ray", "--address", ray_address, "--out", str(tmp_path / "ray")])
    assert e.value.code == 0, capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        main([*argv, "--jobs", "1", "--out", str(tmp_path / "local")])
    assert e.value.code == 0, capsys.readouterr().err
    got = {d: sorted((r["fold"], r["test_acc"], r["dataset"]) for r in
                     json.loads((tmp_path / d / "results.json").read_text())["rows"]) for d in ("ray", "local")}
    assert got["ray"] == got["local"] and len(got["ray"]) == 2 and got["ray"][0][2] == "mine"


def test_ray_executor_runs_language_models_on_a_corpus_file(ray_address, tmp_path, capsys):
    """LM cells carry their NameSource: Ray's workers read the corpus file themselves, rows as local."""
    names = tmp_path / "names.txt"
    names.write_text("\n".join(["ANA", "ANABEL", "BEA", "BELEN", "ELENA", "LEA", "NELA", "ALBA", "ABEL", "ELBA",
                                "LENA", "NOA", "LOLA", "OLENA", "BENA", "NEL", "LEON", "NOEL", "LEONA", "LUNA"]))
    argv = ["names", "compare", "--corpus", str(names), "--models", "ngram:order=2,rnn:d_hidden=4", "--epochs", "1",
            "--threads", "1", "--device", "cpu", "--json"]
    with pytest.raises(SystemExit) as e:
        main([*argv, "--executor", "ray", "--address", ray_address, "--out", str(tmp_path / "ray")])
    assert e.value.code == 0, capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        main([*argv, "--jobs", "1", "--out", str(tmp_path / "local")])
    assert e.value.code == 0, capsys.readouterr().err
    got = {d: sorted((r["model"], r["test_nll"], r["task"]) for r in
                     json.loads((tmp_path / d / "results.json").read_text())["rows"]) for d in ("ray", "local")}
    assert got["ray"] == got["local"] and len(got["ray"]) == 2 and got["ray"][0][2] == "lm"


@pytest.mark.slow
def test_tune_on_ray_gives_the_local_trials(ray_address, tmp_path, capsys):
    """`tune --executor ray`: Optuna workers as Ray tasks on the run directory's storage; one worker
    with the same sampler seed proposes and scores the same trials as the local run."""
    pytest.importorskip("optuna")
    from tests.run.test_tune import write_files

    spec = write_files(tmp_path, models='["tfidf_lr"]')
    argv = ["tune", "--config", str(spec), "--trials", "4", "--seeds", "1", "--fold-subset", "0", "--threads", "1",
            "--device", "cpu", "--seed", "5"]
    for d, extra in (("ray", ["--executor", "ray", "--address", ray_address, "--jobs", "1"]), ("local", ["--jobs", "1"])):
        with pytest.raises(SystemExit) as e:
            main([*argv, *extra, "--out", str(tmp_path / d)])
        assert e.value.code == 0, capsys.readouterr().err
    got = {d: [(r["trial"], r["state"], r["params"], r["value"]) for r in
               json.loads((tmp_path / d / "tune.json").read_text())["rows"]] for d in ("ray", "local")}
    assert got["ray"] == got["local"] and len(got["ray"]) == 4
    rows = {d: json.loads((tmp_path / d / "results.json").read_text())["rows"] for d in ("ray", "local")}
    assert [r["test_acc"] for r in rows["ray"]] == [r["test_acc"] for r in rows["local"]]
    assert rows["ray"][0]["tuned"] == "tuned (4 trials)"
