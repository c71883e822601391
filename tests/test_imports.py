"""Every module imports alone in a fresh interpreter, so no import cycle hides behind a lazy import or
behind the order in which another module happened to load things first."""

import os
import pkgutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import seqarena

SRC = str(Path(seqarena.__file__).parent.parent)
# the modules that imported each other through lazy imports before the task seam (executors <-> ray,
# data/__init__ <-> corpora, files, download): the default run checks these, the slow run all
FORMER_CYCLES = ["seqarena.run.ray_executor", "seqarena.run.executors", "seqarena.data.files",
                 "seqarena.data.download", "seqarena.data.corpora", "seqarena.data.names"]


def all_modules() -> list[str]:
    return sorted(m.name for m in pkgutil.walk_packages(seqarena.__path__, "seqarena."))


def import_alone(module: str) -> tuple[str, int, str]:
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    p = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True, env=env,
                       timeout=300)
    return module, p.returncode, p.stderr.strip().splitlines()[-1] if p.stderr.strip() else ""


def check(modules: list[str]) -> None:
    with ThreadPoolExecutor(max(1, min(4, os.cpu_count() or 1))) as pool:
        failed = [(m, err) for m, code, err in pool.map(import_alone, modules) if code != 0]
    assert not failed, failed


def test_the_modules_of_former_cycles_import_alone():
    assert set(FORMER_CYCLES) <= set(all_modules())
    check(FORMER_CYCLES)


@pytest.mark.slow
def test_every_module_imports_alone():
    modules = all_modules()
    assert len(modules) >= 90  # a floor, not the list: new modules are covered without editing this
    check(modules)
