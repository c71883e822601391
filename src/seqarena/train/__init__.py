"""Training layer: the classifier loop (`fit`, `evaluate`) and metrics."""

from seqarena.train.loop import FitResult, evaluate, fit, predict_logits

__all__ = ["FitResult", "evaluate", "fit", "predict_logits"]
