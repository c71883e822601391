"""seqarena: compare sequence architectures in theory and by measurement."""

from seqarena.config import ModelConfig, TrainConfig
from seqarena.data import Dataset, Split, load_dataset
from seqarena.models import MODELS, count_params, create_model, list_models
from seqarena.train import evaluate, fit

__version__ = "0.1.0"

__all__ = ["create_model", "list_models", "count_params", "MODELS", "fit", "evaluate", "load_dataset",
           "Dataset", "Split", "TrainConfig", "ModelConfig", "__version__"]
