"""Model classes and model-level functions (`from ckeras.models import ...`)."""
from ckeras.engine.functional import Functional
from ckeras.engine.sequential import Sequential
from ckeras.engine.training import Model
from ckeras.saving.model_config import (
    clone_model, model_from_config, model_from_json, model_from_yaml)
from ckeras.saving.save import load_model, save_model

__all__ = ["Functional", "Sequential", "Model", "clone_model", "model_from_config",
           "model_from_json", "model_from_yaml", "load_model", "save_model"]
