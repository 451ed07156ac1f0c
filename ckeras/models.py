"""Model classes and model-level functions (`from ckeras.models import ...`)."""
from ckeras.engine.functional import Functional
from ckeras.engine.sequential import Sequential
from ckeras.engine.training import Model
from ckeras.saving.model_config import (
    clone_model,
    model_from_config,
    model_from_json,
    model_from_yaml,
)

__all__ = ["Functional", "Sequential", "Model", "clone_model", "model_from_config",
           "model_from_json", "model_from_yaml", "load_model", "save_model"]


# The HDF5 formats load on first use, keeping `import ckeras` light.
def load_model(filepath, custom_objects=None, compile=True, safe_mode=True, **kwargs):
    """Loads a model saved with `model.save()` (see `ckeras.saving.save.load_model`)."""
    from ckeras.saving.save import load_model as load  # lazy: startup
    return load(filepath, custom_objects=custom_objects, compile=compile,
                safe_mode=safe_mode, **kwargs)


def save_model(model, filepath, overwrite=True, include_optimizer=True, **kwargs):
    """Saves a model to HDF5 (see `ckeras.saving.save.save_model`)."""
    from ckeras.saving.save import save_model as save  # lazy: startup
    return save(model, filepath, overwrite=overwrite,
                include_optimizer=include_optimizer, **kwargs)
