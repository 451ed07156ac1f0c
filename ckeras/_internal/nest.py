"""Small helpers over nested lists, tuples and dicts of tensors."""


def flatten(struct):
    """Leaves of a nested list/tuple/dict structure, in order (dicts by key)."""
    out = []
    _flatten_into(struct, out)
    return out


def _flatten_into(struct, out):
    if isinstance(struct, (list, tuple)):
        for s in struct:
            _flatten_into(s, out)
    elif isinstance(struct, dict):
        for k in sorted(struct):
            _flatten_into(struct[k], out)
    else:
        out.append(struct)


def map_structure(fn, struct):
    """Applies `fn` to every leaf, keeping the list/tuple/dict structure."""
    if isinstance(struct, list):
        return [map_structure(fn, s) for s in struct]
    if isinstance(struct, tuple):
        return tuple(map_structure(fn, s) for s in struct)
    if isinstance(struct, dict):
        return {k: map_structure(fn, v) for k, v in struct.items()}
    return fn(struct)


def is_nested(struct):
    return isinstance(struct, (list, tuple, dict))
