"""Serialization: the object registry and Keras config (de)serialization."""
from ckeras.saving.object_registry import (
    CustomObjectScope, custom_object_scope, get_custom_objects, get_registered_name,
    get_registered_object, register_keras_serializable)
from ckeras.saving.serialization import deserialize_keras_object, serialize_keras_object
