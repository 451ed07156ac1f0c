"""Safe mode: whether deserialization may turn stored Python bytecode into code.

Loading functions (`load_model`, `model_from_json`, `model_from_yaml`,
`model_from_config`) take `safe_mode=True` by default and enter a
`SafeModeScope`; `Lambda.from_config` asks `in_safe_mode()` before it would
unmarshal a stored function body. Outside any scope, safe mode is on.
"""
import threading

_state = threading.local()


class SafeModeScope:
    """Context manager setting safe mode for this thread.

    Args:
        safe_mode: True refuses to load Python bytecode from configs; False
            allows it (only for files you trust); None keeps the current
            setting.

    Example:
        >>> with SafeModeScope(False):
        ...     model = model_from_json(trusted_json)
    """

    def __init__(self, safe_mode=True):
        self.safe_mode = safe_mode
        self._previous = None

    def __enter__(self):
        self._previous = getattr(_state, "safe_mode", None)
        if self.safe_mode is not None:
            _state.safe_mode = bool(self.safe_mode)
        return self

    def __exit__(self, *exc):
        _state.safe_mode = self._previous
        return False


def in_safe_mode():
    """True unless a `SafeModeScope(False)` is active in this thread."""
    value = getattr(_state, "safe_mode", None)
    return True if value is None else value
