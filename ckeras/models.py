"""Model classes and model-level functions (`from ckeras.models import ...`)."""
from ckeras.engine.functional import Functional
from ckeras.engine.sequential import Sequential
from ckeras.engine.training import Model


def model_from_config(config, custom_objects=None):
    """Instantiates a model from its `{'class_name', 'config'}` dict."""
    from ckeras.layers import deserialize
    return deserialize(config, custom_objects=custom_objects)
