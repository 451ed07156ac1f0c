"""Default object names: 'dense', 'dense_1', ... per class, reset by clear_session."""
import collections
import re
import threading

_lock = threading.Lock()
_counts = collections.defaultdict(int)


def to_snake_case(name):
    """'LeakyReLU' -> 'leaky_re_lu', 'Conv2D' -> 'conv2d' (Keras' rule)."""
    s = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    s = re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()
    return s if not s.startswith("_") else "private" + s


def unique_name(prefix, zero_based=True):
    """Next free name for `prefix`: 'dense', 'dense_1', ... (or 'input_1', ...)."""
    with _lock:
        n = _counts[prefix]
        _counts[prefix] += 1
    if zero_based:
        return prefix if n == 0 else f"{prefix}_{n}"
    return f"{prefix}_{n + 1}"


def next_uid(prefix):
    """Counts one more use of `prefix` and returns the count (1, 2, ...):
    `K.get_uid`, sharing the counters of `unique_name`."""
    with _lock:
        _counts[prefix] += 1
        return _counts[prefix]


def reset():
    """Forgets every name handed out (`clear_session`)."""
    with _lock:
        _counts.clear()
