"""Run layer: cells (one training run each), executors, the results store and summary statistics."""

from seqarena.run.cells import Cell, run_cell
from seqarena.run.executors import Event, run_cells
from seqarena.run.stats import summarize
from seqarena.run.store import ResultsStore

__all__ = ["Cell", "run_cell", "Event", "run_cells", "summarize", "ResultsStore"]
