"""Run layer: protocols, cells (one training run each), specs, executors, the results store and statistics."""

from seqarena.run.cells import Cell, classifier_names, run_cell
from seqarena.run.executors import EXECUTORS, Event, run_cells
from seqarena.run.protocol import Protocol, resolve_splits
from seqarena.run.spec import Spec, expand, load_preset, load_spec
from seqarena.run.stats import summarize
from seqarena.run.store import ResultsStore

__all__ = ["Cell", "classifier_names", "run_cell", "EXECUTORS", "Event", "run_cells", "Protocol",
           "resolve_splits", "Spec", "expand", "load_preset", "load_spec", "summarize", "ResultsStore"]
