"""Run layer: protocols, cells (one training run each), specs, executors, the results store and statistics."""

from seqarena.run.cells import Cell, classifier_names, run_cell
from seqarena.run.executors import EXECUTORS, Event, run_cells
from seqarena.run.protocol import Protocol, resolve_splits
from seqarena.run.spec import Spec, expand, load_preset, load_spec
from seqarena.run.stats import summarize
from seqarena.run.store import ResultsStore

__all__ = [
           "EXECUTORS",
           "Cell",
           "Event",
           "Protocol",
           "ResultsStore",
           "Spec",
           "classifier_names",
           "expand",
           "load_preset",
           "load_spec",
           "resolve_splits",
           "run_cell",
           "run_cells",
           "summarize",
]
