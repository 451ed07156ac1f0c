"""What the engine needs to know about distribution, without importing it.

`ckeras.distribute` (and Dask) load only when a call needs them: a model
compiled inside a strategy's `scope()` remembers the strategy, and data that
is a Dask collection is recognised by the module of its type. Both checks
are a few attribute reads, so ordinary fit/evaluate/predict calls pay
nothing for them.
"""
import threading

_scopes = threading.local()


def current_strategy():
    """The strategy of the innermost active `scope()` in this thread, or None."""
    stack = getattr(_scopes, "stack", None)
    return stack[-1] if stack else None


def enter_scope(strategy):
    """Makes `strategy` the current one in this thread (nested scopes stack)."""
    stack = getattr(_scopes, "stack", None)
    if stack is None:
        stack = _scopes.stack = []
    stack.append(strategy)


def exit_scope(strategy):
    """Leaves the scope `enter_scope(strategy)` opened."""
    stack = getattr(_scopes, "stack", None)
    if not stack or stack[-1] is not strategy:
        raise RuntimeError("Strategy scopes must be exited in the reverse order of entry.")
    stack.pop()


def is_dask_collection(data):
    """Whether `data` is a Dask collection (array, DataFrame, Series, ...),
    told from its type's module so that Dask is never imported here."""
    return type(data).__module__.partition(".")[0] == "dask"


def holds_dask(*data):
    """Whether any argument, or any value of a dict / item of a list or
    tuple argument, is a Dask collection."""
    for d in data:
        if isinstance(d, dict):
            if any(is_dask_collection(v) for v in d.values()):
                return True
        elif isinstance(d, (list, tuple)):
            if any(is_dask_collection(v) for v in d):
                return True
        elif is_dask_collection(d):
            return True
    return False
