"""Saving: the object registry, Keras config (de)serialization and
`safe_load_model` for untrusted files."""
from ckeras.saving.object_registry import (
    CustomObjectScope, custom_object_scope, get_custom_objects, get_registered_name,
    get_registered_object, register_keras_serializable)
from ckeras.saving.serialization import deserialize_keras_object, serialize_keras_object
from ckeras.saving.safe_load import safe_load_model
