"""Optimizers (Keras 2 / tf.keras 2.x API): classes, `get`, `serialize`, `deserialize`.

The default classes follow tf-keras 2.21's default (2.11+ "new")
optimizers; `ckeras.optimizers.legacy` has the OptimizerV2 variants.
String names (case-insensitive): 'sgd', 'rmsprop', 'adagrad', 'adadelta',
'adam', 'adamw', 'adamax', 'nadam', 'ftrl', 'lion', 'adafactor'.

Example:
    >>> from ckeras import optimizers
    >>> opt = optimizers.get('adam')
    >>> optimizers.get({'class_name': 'SGD', 'config': {'learning_rate': 0.1,
    ...                 'is_legacy_optimizer': False}}).learning_rate
    0.1
"""
from ckeras.optimizers import legacy, schedules
from ckeras.optimizers.adadelta import Adadelta
from ckeras.optimizers.adafactor import Adafactor
from ckeras.optimizers.adagrad import Adagrad
from ckeras.optimizers.adam import Adam
from ckeras.optimizers.adamax import Adamax
from ckeras.optimizers.adamw import AdamW
from ckeras.optimizers.ftrl import Ftrl
from ckeras.optimizers.lion import Lion
from ckeras.optimizers.nadam import Nadam
from ckeras.optimizers.optimizer import Optimizer
from ckeras.optimizers.rmsprop import RMSprop
from ckeras.optimizers.sgd import SGD
from ckeras.saving import serialization as _serialization

# Keras 2's lowercase class aliases (`optimizers.adam(lr=...)` in old code).
sgd = SGD
rmsprop = RMSprop
adagrad = Adagrad
adadelta = Adadelta
adam = Adam
adamax = Adamax
nadam = Nadam

_NEW = {"adadelta": Adadelta, "adagrad": Adagrad, "adam": Adam, "adamax": Adamax,
        "nadam": Nadam, "rmsprop": RMSprop, "sgd": SGD, "ftrl": Ftrl,
        "adamw": AdamW, "lion": Lion, "adafactor": Adafactor,
        "experimentaladadelta": Adadelta, "experimentaladagrad": Adagrad,
        "experimentaladam": Adam, "experimentalsgd": SGD}
_LEGACY = {"adadelta": legacy.Adadelta, "adagrad": legacy.Adagrad, "adam": legacy.Adam,
           "adamax": legacy.Adamax, "nadam": legacy.Nadam, "rmsprop": legacy.RMSprop,
           "sgd": legacy.SGD, "ftrl": legacy.Ftrl,
           "adamw": AdamW, "lion": Lion, "adafactor": Adafactor,
           "experimentaladadelta": Adadelta, "experimentaladagrad": Adagrad,
           "experimentaladam": Adam, "experimentalsgd": SGD}
# tf-keras registers its new optimizers as 'Custom>Adam' (what `.h5` files hold).
_REGISTERED = {f"Custom>{cls.__name__}": cls
               for cls in (Adadelta, Adagrad, Adam, Adamax, Nadam, RMSprop, SGD, Ftrl,
                                 AdamW, Lion, Adafactor)}


def serialize(optimizer, use_legacy_format=False):
    """Serializes an optimizer.

    Args:
        optimizer: an `Optimizer`.
        use_legacy_format: True gives exactly what tf-keras writes into the
            `training_config` of `.h5` files: `{'class_name': 'Custom>Adam',
            'config': ...}` for the new optimizers, `{'class_name': 'Adam',
            'config': ...}` for legacy ones. False (default) gives the
            tf-keras 2.13+ form with `module` and `registered_name` (None
            for the built-in optimizers, as tf-keras 2.21 writes).

    Returns:
        A JSON-able dict, or None for None.

    Example:
        >>> serialize(SGD(0.1), use_legacy_format=True)['class_name']
        'Custom>SGD'
    """
    if optimizer is None:
        return None
    config = optimizer.get_config()
    cls = type(optimizer)
    builtin = cls in _REGISTERED.values() or cls in _LEGACY.values()
    if not builtin:
        return _serialization.serialize_keras_object(
            optimizer, module=None if use_legacy_format else cls.__module__)
    registered = None if optimizer._is_legacy else f"Custom>{cls.__name__}"
    if use_legacy_format:
        return {"class_name": registered or cls.__name__, "config": config}
    module = "keras.optimizers.legacy" if optimizer._is_legacy else "keras.optimizers"
    # tf-keras 2.21 names built-ins by module + class here, with no registered name
    return {"module": module, "class_name": cls.__name__, "config": config,
            "registered_name": None}


def _is_keras3(config):
    """A `module`-style dict that is not a legacy optimizer's (Keras 3 writes no
    `is_legacy_optimizer`, and its optimizers follow the new update rules)."""
    module = config.get("module")
    return isinstance(module, str) and "legacy" not in module


def deserialize(config, custom_objects=None, use_legacy_format=False, **kwargs):
    """Builds an optimizer from a config dict (tf-keras' rules).

    Which implementation a built-in name gets: a non-empty config decides
    with its `is_legacy_optimizer` key; when that key is missing the legacy
    class is used (Keras 2.2 / TF <= 2.10 files), except for Keras 3 configs
    (a `module` key not naming `legacy`), which get the new classes. An
    empty config uses `use_legacy_optimizer` (default False). `'Custom>Adam'`
    names always give the new classes.

    Args:
        config: `{'class_name': ..., 'config': {...}}` (optionally with
            `module` / `registered_name`).
        custom_objects: dict of user optimizer / schedule classes.
        use_legacy_format: accepted for API compatibility.
        **kwargs: `use_legacy_optimizer` (bool).

    Returns:
        An optimizer.

    Raises:
        ValueError: unknown class names (named in the message).
        TypeError: other keyword arguments.
    """
    use_legacy = kwargs.pop("use_legacy_optimizer", False)
    if kwargs:
        raise TypeError(f"Invalid keyword arguments: {kwargs}")
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not interpret optimizer config: {config!r}")
    cfg = config.get("config") or {}
    if cfg:
        default = not _is_keras3(config)
        use_legacy = cfg.get("is_legacy_optimizer", default)
    table = _LEGACY if use_legacy else _NEW
    module_objects = dict(table)
    module_objects.update(_REGISTERED)
    class_name = config["class_name"]
    registered = config.get("registered_name")
    if isinstance(registered, str) and registered in _REGISTERED and not use_legacy:
        class_name = registered
    elif isinstance(class_name, str) and class_name.lower() in table:
        class_name = class_name.lower()
    identifier = {"class_name": class_name, "config": cfg}
    if registered is not None and class_name == config["class_name"]:
        identifier["registered_name"] = registered
    return _serialization.deserialize_keras_object(
        identifier, module_objects=module_objects, custom_objects=custom_objects,
        printable_module_name="optimizer")


def get(identifier, **kwargs):
    """Retrieves an optimizer.

    Args:
        identifier: an `Optimizer` instance (returned as is), a name
            ('adam', case-insensitive), a config dict, or an Optimizer class
            (instantiated with its defaults).
        **kwargs: `use_legacy_optimizer` (bool) for names and empty configs.

    Returns:
        An optimizer.

    Raises:
        ValueError: unknown names (named in the message) or identifiers that
            cannot be interpreted.

    Example:
        >>> get('RMSprop').learning_rate
        0.001
    """
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Optimizer):
        return identifier()
    if isinstance(identifier, dict):
        return deserialize(identifier, **kwargs)
    if isinstance(identifier, str):
        return deserialize({"class_name": identifier, "config": {}}, **kwargs)
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}")


__all__ = ["Optimizer", "SGD", "RMSprop", "Adagrad", "Adadelta", "Adam", "Adamax", "Nadam",
           "Ftrl", "AdamW", "Lion", "Adafactor", "legacy", "schedules", "get", "serialize",
           "deserialize", "sgd", "rmsprop", "adagrad", "adadelta", "adam", "adamax", "nadam"]
