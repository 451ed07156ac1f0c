"""Model classes and model-level functions (`from ckeras.models import ...`)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ckeras.engine.functional import Functional
from ckeras.engine.sequential import Sequential
from ckeras.engine.training import Model
from ckeras.saving.model_config import (
    clone_model,
    model_from_config,
    model_from_json,
    model_from_yaml,
)

if TYPE_CHECKING:
    from ckeras._internal.types import FilePath, H5Group

__all__ = ["Functional", "Sequential", "Model", "clone_model", "model_from_config",
           "model_from_json", "model_from_yaml", "load_model", "save_model"]


# The HDF5 formats load on first use, keeping `import ckeras` light.
def load_model(filepath: FilePath | H5Group, custom_objects: dict[str, Any] | None = None,
               compile: bool = True, safe_mode: bool = True, **kwargs: Any) -> Model:
    """Loads a model saved with `model.save()` (see `ckeras.saving.save.load_model`)."""
    from ckeras.saving.save import load_model as load  # lazy: startup
    return load(filepath, custom_objects=custom_objects, compile=compile,
                safe_mode=safe_mode, **kwargs)


def save_model(model: Model, filepath: FilePath | H5Group, overwrite: bool = True,
               include_optimizer: bool = True, **kwargs: Any) -> None:
    """Saves a model to HDF5 (see `ckeras.saving.save.save_model`)."""
    from ckeras.saving.save import save_model as save  # lazy: startup
    return save(model, filepath, overwrite=overwrite,
                include_optimizer=include_optimizer, **kwargs)
