"""The registry of custom objects used when configs are turned back into objects.

Three places can name a class or function during deserialization, searched in
this order:

1. the dicts of the active `custom_object_scope`s (this thread only);
2. the global registry (`get_custom_objects()`, filled by the user or by
   `register_keras_serializable`);
3. the `custom_objects` and then `module_objects` dicts given by the caller.

As a last resort a name without a package prefix (e.g. `'MyLayer'`) also finds
an object registered as `'Package>MyLayer'`.
"""
import inspect
import threading

# 'package>name' (or any user key) -> object.
_GLOBAL_CUSTOM_OBJECTS = {}
# object -> 'package>name', filled by register_keras_serializable only.
_GLOBAL_CUSTOM_NAMES = {}
# plain name -> object registered under 'package>name' (last-resort lookup).
_PLAIN_NAMES = {}

_scope_state = threading.local()


def _scope_dict():
    """The merged dict of the custom_object_scopes active in this thread."""
    d = getattr(_scope_state, "objects", None)
    if d is None:
        d = _scope_state.objects = {}
    return d


class CustomObjectScope:
    """Exposes custom classes and functions to deserialization.

    Inside the `with` block, configs may refer to the given objects by name.
    Scopes nest; an inner scope shadows outer ones; leaving a scope restores
    exactly what was visible before it.

    Args:
        *args: dicts mapping names to classes or functions (None is skipped).

    Returns:
        A context manager.

    Example:
        >>> with custom_object_scope({'MyReg': MyReg}):
        ...     reg = regularizers.get({'class_name': 'MyReg', 'config': {}})
    """

    def __init__(self, *args):
        for objects in args:
            if objects is not None and not isinstance(objects, dict):
                raise TypeError(
                    "custom_object_scope expects dicts mapping names to "
                    f"objects. Received: {objects!r}")
        self.custom_objects = args
        self._backup = None

    def __enter__(self):
        current = _scope_dict()
        self._backup = dict(current)
        for objects in self.custom_objects:
            if objects:
                current.update(objects)
        return self

    def __exit__(self, *exc):
        current = _scope_dict()
        current.clear()
        current.update(self._backup or {})
        self._backup = None
        return False


custom_object_scope = CustomObjectScope


def get_custom_objects():
    """Returns the global dict of custom objects (mutable).

    Entries added to it are visible to every deserialization call.

    Returns:
        The global name -> object dict.

    Example:
        >>> get_custom_objects()['MyReg'] = MyReg
    """
    return _GLOBAL_CUSTOM_OBJECTS


def register_keras_serializable(package="Custom", name=None):
    """Decorator that registers a class or function for (de)serialization.

    The object is stored under `'package>name'`, which is also the
    `class_name` `serialize_keras_object` writes for it. Configs that use the
    plain `name` still resolve to it when no other object has that name.

    Args:
        package: the package prefix of the registered name.
        name: the name to use; defaults to the object's `__name__`.

    Returns:
        A decorator that registers its argument and returns it unchanged.

    Example:
        >>> @register_keras_serializable(package='my_pkg')
        ... class MyReg(regularizers.Regularizer):
        ...     def __call__(self, w): return 0.0
        ...     def get_config(self): return {}
        >>> get_registered_name(MyReg)
        'my_pkg>MyReg'
    """
    if not isinstance(package, str) or ">" in package:
        raise ValueError(
            f"The package name must be a string without '>'. Received: {package!r}")

    def decorator(arg):
        class_name = name if name is not None else getattr(arg, "__name__", None)
        if not class_name:
            raise ValueError(f"Cannot register {arg!r}: it has no __name__; pass name=.")
        if inspect.isclass(arg) and not hasattr(arg, "get_config"):
            raise ValueError(
                "Cannot register a class that does not have a get_config() method.")
        registered_name = f"{package}>{class_name}"
        _GLOBAL_CUSTOM_OBJECTS[registered_name] = arg
        _GLOBAL_CUSTOM_NAMES[arg] = registered_name
        _PLAIN_NAMES[class_name] = arg
        try:
            arg._keras_serializable = registered_name
        except (AttributeError, TypeError):  # builtins, slotted objects
            pass
        return arg

    return decorator


def get_registered_name(obj):
    """Returns the name `obj` was registered under, else its `__name__`.

    Args:
        obj: a class or function.

    Returns:
        `'package>name'` for registered objects, otherwise `obj.__name__`.

    Example:
        >>> get_registered_name(initializers.Zeros)
        'Zeros'
    """
    try:
        registered = _GLOBAL_CUSTOM_NAMES.get(obj)
    except TypeError:  # unhashable
        registered = None
    if registered is not None:
        return registered
    return obj.__name__


def get_registered_object(name, custom_objects=None, module_objects=None):
    """Looks up a class or function by name.

    Search order: active custom_object_scopes, the global registry,
    `custom_objects`, `module_objects`, then registered objects by their plain
    (package-less) name.

    Args:
        name: the name to resolve.
        custom_objects: optional dict of user objects.
        module_objects: optional dict of the built-ins of a module.

    Returns:
        The object, or None when nothing has that name.

    Example:
        >>> get_registered_object('my_pkg>MyReg')
        <class 'MyReg'>
    """
    if not isinstance(name, str):
        return None
    scope = _scope_dict()
    if name in scope:
        return scope[name]
    if name in _GLOBAL_CUSTOM_OBJECTS:
        return _GLOBAL_CUSTOM_OBJECTS[name]
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if module_objects and name in module_objects:
        return module_objects[name]
    return _PLAIN_NAMES.get(name)


__all__ = ["CustomObjectScope", "custom_object_scope", "get_custom_objects",
           "register_keras_serializable", "get_registered_name",
           "get_registered_object"]
