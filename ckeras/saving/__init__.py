"""Saving: the object registry, Keras config (de)serialization and
`safe_load_model` for untrusted files.

Only the registry and serialization (leaves every layer of ckeras uses) are
imported here; the file formats, which build models, load on first use.
"""
from ckeras.saving.object_registry import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from ckeras.saving.serialization import deserialize_keras_object, serialize_keras_object

__all__ = ["CustomObjectScope", "custom_object_scope", "get_custom_objects",
           "get_registered_name", "get_registered_object", "register_keras_serializable",
           "deserialize_keras_object", "serialize_keras_object", "safe_load_model"]


def __getattr__(name):
    if name == "safe_load_model":
        from ckeras.saving.safe_load import safe_load_model  # lazy: E5
        return safe_load_model
    raise AttributeError(f"module 'ckeras.saving' has no attribute {name!r}")
