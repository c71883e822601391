"""Fixtures of the run-layer tests."""

from __future__ import annotations

import pytest

from seqarena.data import DATASETS, DatasetEntry
from seqarena.run import cells
from tests.run.tiny_text import make_tiny_text


@pytest.fixture
def tiny_text(monkeypatch):
    """Registers 'tiny-text' (240 texts, protocol cv) for the duration of a test."""
    monkeypatch.setitem(DATASETS, "tiny-text", DatasetEntry("tiny-text", "test texts", lambda d: make_tiny_text()))
    cells._dataset.cache_clear()
    cells.fold_assignment.cache_clear()
    yield "tiny-text"
    cells._dataset.cache_clear()
    cells.fold_assignment.cache_clear()
