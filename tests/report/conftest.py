"""Fixtures for the report tests: run directories made of hand-made rows and tests/report/fixtures/*.json."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rowmaker import FIXTURES, TOY, make_rows, write_results


@pytest.fixture
def full_run(tmp_path: Path) -> Path:
    """A run directory with results and all four analysis files."""
    d = write_results(tmp_path / "run", make_rows(TOY))
    for f in FIXTURES.glob("*.json"):
        shutil.copy(f, d / f.name)
    return d


@pytest.fixture
def results_only_run(tmp_path: Path) -> Path:
    return write_results(tmp_path / "bare", make_rows(TOY))


@pytest.fixture(scope="session")
def full_report(tmp_path_factory) -> tuple[Path, str, str]:
    """(run dir, report.html text, report.md text) of a run with results and every analysis file,
    rendered once for the session (rendering ~12 figures takes seconds)."""
    from seqarena.report import write_report

    d = write_results(tmp_path_factory.mktemp("full") / "run", make_rows(TOY))
    for f in FIXTURES.glob("*.json"):
        shutil.copy(f, d / f.name)
    html_path, md_path = write_report(d)
    return d, html_path.read_text(), md_path.read_text()
