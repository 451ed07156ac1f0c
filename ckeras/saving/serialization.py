"""Turning Keras objects into JSON-able configs and back.

Formats read by `deserialize_keras_object`:

- a name: `'glorot_uniform'` (classes found by name are instantiated with no
  arguments, functions are returned as they are);
- Keras 2 / tf.keras legacy dicts: `{'class_name': 'L2', 'config': {...}}`;
- Keras 3 and tf-keras >= 2.13 dicts, which add `module` and
  `registered_name`: `{'module': 'keras.regularizers', 'class_name': 'L2',
  'config': {...}, 'registered_name': None}`; Keras 3 functions appear as
  `{'class_name': 'function', 'config': 'relu', ...}`;
- objects that are already callables (or have `get_config`), returned as is.

Safety: the `module` key is informational only. Nothing named in a config is
ever imported, evaluated or unpickled; classes come only from the caller's
`module_objects`, the custom-object registry and `custom_objects`.
"""
import inspect

from ckeras.saving import object_registry
from ckeras.saving.object_registry import CustomObjectScope

_PASSIVE_KEY = "__passive_serialization__"
_SIMPLE = (str, bool, int, float, type(None))


def serialize_keras_class_and_config(cls_name, cls_config):
    """Returns the legacy `{'class_name': ..., 'config': ...}` envelope."""
    return {"class_name": cls_name, "config": cls_config}


def _registered_name_of(cls):
    return object_registry._GLOBAL_CUSTOM_NAMES.get(cls)


def serialize_keras_object(instance, module=None):
    """Serializes a Keras object to a JSON-compatible structure.

    Args:
        instance: an object with `get_config()`, a function or class, or None.
        module: when given (e.g. `'keras.initializers'`), the result uses the
            tf-keras >= 2.13 / Keras 3 form with `module` and
            `registered_name` keys; otherwise the legacy two-key form.

    Returns:
        None for None; the registered name (a str) for functions and classes;
        otherwise `{'class_name': ..., 'config': instance.get_config()}`
        (plus `module`/`registered_name` when `module` is given).

    Raises:
        ValueError: when the object has neither `get_config` nor `__name__`.

    Example:
        >>> serialize_keras_object(initializers.Constant(2.0))
        {'class_name': 'Constant', 'config': {'value': 2.0}}
    """
    if instance is None:
        return None
    if inspect.isclass(instance) or not hasattr(instance, "get_config"):
        if hasattr(instance, "__name__"):
            return object_registry.get_registered_name(instance)
        raise ValueError(
            f"Cannot serialize {instance!r}: it does not implement "
            "`get_config()` and has no `__name__`.")
    config = instance.get_config()
    serialized = {}
    for key, item in config.items():
        if isinstance(item, _SIMPLE):
            serialized[key] = item
            continue
        try:
            item_config = serialize_keras_object(item)
        except ValueError:
            serialized[key] = item
            continue
        if isinstance(item_config, dict) and not isinstance(item, dict):
            item_config[_PASSIVE_KEY] = True
        serialized[key] = item_config
    cls = type(instance)
    if module is None:
        return serialize_keras_class_and_config(
            object_registry.get_registered_name(cls), serialized)
    registered = _registered_name_of(cls)
    if registered is None and cls.__module__.split(".")[0] == "ckeras":
        return {"module": module, "class_name": cls.__name__,
                "config": serialized, "registered_name": None}
    return {"module": cls.__module__, "class_name": cls.__name__,
            "config": serialized,
            "registered_name": registered or cls.__name__}


def _unknown(printable_module_name, name):
    return ValueError(
        f"Unknown {printable_module_name}: '{name}'. Please ensure you are using "
        "a `ckeras.utils.custom_object_scope` and that this object is included "
        "in the scope, or pass it in `custom_objects`, or register it with "
        "`ckeras.saving.register_keras_serializable`.")


def _lookup(name, module_objects, custom_objects):
    return object_registry.get_registered_object(name, custom_objects, module_objects)


def class_and_config_for_serialized_keras_object(
        config, module_objects=None, custom_objects=None,
        printable_module_name="object"):
    """Resolves the class of a serialized dict and prepares its config.

    Args:
        config: a legacy or Keras 3 object dict.
        module_objects: the built-in name -> object dict of the caller.
        custom_objects: optional user name -> object dict.
        printable_module_name: used in error messages ('initializer', ...).

    Returns:
        `(cls, cls_config)`; `cls_config` is a copy, with passively
        serialized items and names of registered functions resolved.

    Raises:
        ValueError: on a malformed dict or an unknown class.
    """
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            f"Improper config format for {config!r}. Expecting a python dict "
            "that contains `class_name` and `config` as keys.")
    class_name = config["class_name"]
    registered_name = config.get("registered_name")
    cls = None
    if isinstance(registered_name, str) and registered_name:
        cls = _lookup(registered_name, module_objects, custom_objects)
    if cls is None:
        cls = _lookup(class_name, module_objects, custom_objects)
    if cls is None:
        raise _unknown(printable_module_name,
                       registered_name if isinstance(registered_name, str)
                       and ">" in registered_name else class_name)
    cls_config = config.get("config", {})
    if cls_config is None:
        cls_config = {}
    if isinstance(cls_config, list):  # Keras <= 2.2.4 Sequential: bare layer list
        return cls, cls_config
    if not isinstance(cls_config, dict):
        raise ValueError(
            f"Improper config format for {config!r}: `config` must be a dict, "
            f"received {type(cls_config).__name__}.")
    cls_config = dict(cls_config)
    for key, item in list(cls_config.items()):
        if key == "name":  # a name is never a reference to an object
            continue
        if isinstance(item, dict) and item.get(_PASSIVE_KEY):
            cls_config[key] = deserialize_keras_object(
                item, module_objects=module_objects, custom_objects=custom_objects,
                printable_module_name="config_item")
        elif isinstance(item, str):
            fn = object_registry.get_registered_object(item, custom_objects)
            if inspect.isfunction(fn):
                cls_config[key] = fn
    return cls, cls_config


def _accepts_custom_objects(fn):
    try:
        return "custom_objects" in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


def deserialize_keras_object(identifier, module_objects=None, custom_objects=None,
                             printable_module_name="object"):
    """Turns a serialized identifier back into an object.

    Args:
        identifier: None, a name, a legacy or Keras 3 config dict, or an
            object that is already deserialized (a callable, or anything with
            `get_config`), which is returned unchanged.
        module_objects: dict of the built-in classes and functions that may be
            named (e.g. the public names of `ckeras.initializers`).
        custom_objects: optional dict of user classes and functions.
        printable_module_name: what to call the object in errors.

    Returns:
        The object: an instance built with `cls.from_config(config)` (or
        `cls(**config)` when `cls` is a function such as `l1_l2`) for dicts;
        an instance (classes) or the function itself for names.

    Raises:
        ValueError: unknown names (the message names them) and malformed input.

    Example:
        >>> deserialize_keras_object(
        ...     {'module': 'keras.initializers', 'class_name': 'Constant',
        ...      'config': {'value': 3.0}, 'registered_name': None},
        ...     module_objects=initializers.ALL_OBJECTS)
        Constant(value=3.0)
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        if (identifier.get("class_name") == "function"
                and isinstance(identifier.get("config"), str)):
            # Keras 3 form of a plain function.
            name = identifier["config"]
            fn = _lookup(name, module_objects, custom_objects)
            if fn is None:
                reg = identifier.get("registered_name")
                if isinstance(reg, str) and reg != "function":
                    fn = _lookup(reg, module_objects, custom_objects)
            if fn is None:
                raise _unknown(printable_module_name, name)
            return fn
        cls, cls_config = class_and_config_for_serialized_keras_object(
            identifier, module_objects, custom_objects, printable_module_name)
        custom_objects = custom_objects or {}
        if hasattr(cls, "from_config"):
            if _accepts_custom_objects(cls.from_config):
                merged = {**object_registry._GLOBAL_CUSTOM_OBJECTS, **custom_objects}
                return cls.from_config(cls_config, custom_objects=merged)
            with CustomObjectScope(custom_objects):
                return cls.from_config(cls_config)
        # A function returning an object: the config holds its kwargs.
        with CustomObjectScope(custom_objects):
            if isinstance(cls_config, list):
                return cls(*cls_config)
            return cls(**cls_config)
    if isinstance(identifier, str):
        obj = _lookup(identifier, module_objects, custom_objects)
        if obj is None:
            raise _unknown(printable_module_name, identifier)
        if inspect.isclass(obj):
            return obj()
        return obj
    if callable(identifier) or hasattr(identifier, "get_config"):
        return identifier
    raise ValueError(
        f"Could not interpret serialized {printable_module_name}: {identifier!r}")


__all__ = ["serialize_keras_object", "deserialize_keras_object",
           "serialize_keras_class_and_config",
           "class_and_config_for_serialized_keras_object"]
