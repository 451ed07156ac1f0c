"""Keras' storage of Python function bodies (Lambda layers): marshal + base64.

`func_dump` writes what Keras writes for a Python lambda:
`[base64(marshal(code)), defaults, closure]`. `func_load` turns it back into
a function; it is only ever called when the user opted in with
`safe_mode=False` (see `ckeras.saving.safe_mode`), because unmarshalled
bytecode is arbitrary code. Bytecode only loads in the Python version that
wrote it.
"""
import base64
import builtins
import json
import marshal
import sys
import types

from ckeras import backend


def _jsonable(value):
    try:
        json.dumps(value)
        return True
    except (TypeError, ValueError):
        return False


def func_dump(func):
    """`[code, defaults, closure]` of a function, or None if not JSON-able.

    Args:
        func: a Python function.

    Returns:
        A list: the base64 (ASCII) text of the marshalled code object, the
        defaults tuple (or None) and the closure cell values (or None).
    """
    code = getattr(func, "__code__", None)
    if code is None:
        return None
    raw = marshal.dumps(code)
    text = base64.encodebytes(raw).decode("ascii")
    defaults = func.__defaults__
    closure = (tuple(c.cell_contents for c in func.__closure__)
               if func.__closure__ else None)
    if not _jsonable(defaults) or not _jsonable(closure):
        return None
    return [text, list(defaults) if defaults else defaults,
            list(closure) if closure else closure]


def func_load(code, module=None, custom_objects=None, layer_name=None):
    """Rebuilds a function from `func_dump` output. RUNS CODE FROM THE FILE.

    Callers must have checked that safe mode is off.

    Args:
        code: `[text, defaults, closure]` or the text alone.
        module: the module name the function came from; its globals are used
            only if that module is already imported (never imported here).
        custom_objects: extra globals.
        layer_name: for error messages.

    Returns:
        A function.

    Raises:
        ValueError: malformed data or bytecode of another Python version.
    """
    defaults = closure = None
    if isinstance(code, (list, tuple)):
        if len(code) != 3:
            raise ValueError(f"Lambda layer '{layer_name}': malformed function data.")
        code, defaults, closure = code
    if not isinstance(code, str):
        raise ValueError(f"Lambda layer '{layer_name}': malformed function data.")
    try:
        raw = base64.decodebytes(code.encode("ascii"))
        code_obj = marshal.loads(raw)
    except (ValueError, EOFError, TypeError) as e:
        raise ValueError(
            f"Cannot load the function of Lambda layer '{layer_name}': the stored "
            f"bytecode is unreadable in Python {sys.version.split()[0]} (bytecode "
            f"only loads in the Python version that wrote it). ({e})") from e
    if not isinstance(code_obj, types.CodeType):
        raise ValueError(f"Lambda layer '{layer_name}': the stored data is not code.")
    import numpy as np
    globs = {"__builtins__": builtins, "K": backend, "backend": backend, "np": np}
    if module and module in sys.modules:
        globs.update(vars(sys.modules[module]))
    if custom_objects:
        globs.update(custom_objects)
    if closure is not None:
        closure = tuple(types.CellType(v) for v in closure)
    if defaults is not None:
        defaults = tuple(defaults)
    return types.FunctionType(code_obj, globs, name=code_obj.co_name, argdefs=defaults,
                              closure=closure)
