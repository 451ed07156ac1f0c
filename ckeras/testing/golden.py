"""Reading golden fixtures: values recorded from real tf-keras, checked by the tests.

A fixture folder (`<root>/<kind>`) holds either an index `cases.json` (a list
of case dicts, each with a unique `name`) plus one `<name>.npz` per case with
the arrays `x0..` (inputs), `w0..` (weights in `get_weights()` order) and `y`
or `y0..` (outputs), or bundles: `<prefix>cases.json` with one
`<prefix>arrays.npz`, or plain JSON files. The tools that write them live in
the ckeras repository (`tools/make_fixtures*.py`); `root` is passed in, so
nothing here knows where a checkout keeps its fixtures.

Example:
    >>> core = Golden("tests/fixtures", "core")
    >>> for name in core.names(layer="Dense"):
    ...     case, xs, ws, ys, arrays = core.load(name)
"""
import json
import os
from typing import NamedTuple

import numpy as np

__all__ = ["Golden", "GoldenCase", "decode", "assert_close", "assert_result", "check_call",
           "numbered"]


class GoldenCase(NamedTuple):
    """One loaded case: its index entry and its arrays.

    Attributes:
        case: the entry of `cases.json` (a dict).
        xs: the inputs `x0, x1, ...`.
        ws: the weights `w0, w1, ...`.
        ys: the outputs: `[y]`, or `y0, y1, ...`.
        arrays: every array of the case's `.npz`, by key.
    """
    case: dict
    xs: list
    ws: list
    ys: list
    arrays: dict


def numbered(arrays, prefix):
    """The arrays `prefix0, prefix1, ...` of a case, in order (up to the first gap)."""
    out = []
    while f"{prefix}{len(out)}" in arrays:
        out.append(arrays[f"{prefix}{len(out)}"])
    return out


class Golden:
    """The golden cases of one fixture folder.

    Args:
        root: the fixtures directory (a str or path).
        kind: the folder under `root` ('core', 'conv', 'recurrent', ...).

    Example:
        >>> rec = Golden(root, "recurrent")
        >>> rec.names(kind="stateful", layer=("LSTM", "SimpleRNN"))
        ['lstm_stateful', 'simplernn_stateful']
    """

    def __init__(self, root, kind):
        self.kind = kind
        self.path = os.path.join(os.fspath(root), kind)
        self._cases = None

    def __repr__(self):
        return f"Golden({self.path!r})"

    @property
    def cases(self):
        """The index: case name -> case dict, from `cases.json` (read once)."""
        if self._cases is None:
            self._cases = {c["name"]: c for c in self.read_json("cases.json")}
        return self._cases

    def __contains__(self, name):
        return name in self.cases

    def __getitem__(self, name):
        """The index entry of case `name`."""
        try:
            return self.cases[name]
        except KeyError:
            raise KeyError(f"no golden case {name!r} in {self.path}") from None

    def names(self, **filters):
        """Sorted names of the cases matching every filter.

        Args:
            **filters: `field=value` keeps cases whose `field` equals `value`;
                a tuple, list or set value keeps cases whose field is one of
                its items.

        Returns:
            A sorted list of case names.
        """
        def match(case):
            for field, want in filters.items():
                have = case.get(field)
                if isinstance(want, (tuple, list, set, frozenset)):
                    if have not in want:
                        return False
                elif have != want:
                    return False
            return True
        return sorted(n for n, c in self.cases.items() if match(c))

    def load(self, name):
        """Case `name` with its arrays, as a `GoldenCase`.

        Raises:
            KeyError: `name` is not in the index.
        """
        case = self[name]
        with np.load(self.file(f"{name}.npz")) as npz:
            arrays = {k: npz[k] for k in npz.files}
        ys = [arrays["y"]] if "y" in arrays else numbered(arrays, "y")
        return GoldenCase(case, numbered(arrays, "x"), numbered(arrays, "w"), ys, arrays)

    def file(self, filename):
        """The path of `filename` in the folder."""
        return os.path.join(self.path, filename)

    def read_json(self, filename):
        """The parsed JSON file `filename` of the folder."""
        with open(self.file(filename), encoding="utf-8") as f:
            return json.load(f)

    def bundle(self, prefix=""):
        """`(cases, arrays)` of `<prefix>cases.json` and `<prefix>arrays.npz`."""
        with np.load(self.file(f"{prefix}arrays.npz")) as npz:
            arrays = {k: npz[k] for k in npz.files}
        return self.read_json(f"{prefix}cases.json"), arrays


def decode(value):
    """A fixture value back as Python: the inverse of the fixture writer's encoding.

    `{"__nd__": list, "dtype": str}` is an ndarray, `{"__tuple__": list}` a
    tuple, `{"__float__": "nan"}` a float, `{"__type__": "object"}` the type
    `object`; dicts and lists are decoded item by item.
    """
    if isinstance(value, dict):
        if "__nd__" in value:
            return np.array(value["__nd__"], dtype=value["dtype"])
        if "__tuple__" in value:
            return tuple(decode(v) for v in value["__tuple__"])
        if "__float__" in value:
            return float(value["__float__"])
        if "__type__" in value:
            return object
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def assert_close(actual, expected, tol=1e-5):
    """`actual` equals the golden `expected` within `tol` (absolute and relative)."""
    np.testing.assert_allclose(np.asarray(actual), expected, rtol=tol, atol=tol)


def assert_result(got, expect, rtol=0.0):
    """`got` equals a recorded result.

    Args:
        got: the value computed by ckeras.
        expect: `{"array", "dtype", "shape"}` for an ndarray (same dtype and
            shape; values equal, or within `rtol`), or `{"value"}` for
            anything else (compared after a JSON round trip, so tuples match
            lists).
        rtol: relative tolerance for float arrays (0: exact).
    """
    if "array" in expect:
        assert isinstance(got, np.ndarray), f"expected an ndarray, got {type(got).__name__}"
        assert str(got.dtype) == expect["dtype"], f"dtype {got.dtype} != {expect['dtype']}"
        assert list(got.shape) == expect["shape"], f"shape {got.shape} != {expect['shape']}"
        want = np.array(expect["array"], dtype=expect["dtype"]).reshape(expect["shape"])
        if got.dtype == object:
            assert got.tolist() == want.tolist()
        elif rtol:
            np.testing.assert_allclose(got, want, rtol=rtol, atol=0)
        else:
            np.testing.assert_array_equal(got, want)
    else:
        assert json.loads(json.dumps(got)) == expect["value"]


def check_call(expect, fn, *args, **kwargs):
    """Calls `fn(*args, **kwargs)` and compares it with a recorded outcome.

    Args:
        expect: a result (see `assert_result`), or `{"error", "message"}`:
            the call must raise an exception of that class name (or a
            subclass of it) with exactly that message.
        fn: the callable under test.
        *args, **kwargs: its arguments.

    Returns:
        The result, or None when an error was expected.
    """
    if "error" not in expect:
        got = fn(*args, **kwargs)
        assert_result(got, expect)
        return got
    try:
        fn(*args, **kwargs)
    except Exception as e:  # noqa: BLE001 - the recorded class is checked below
        names = [c.__name__ for c in type(e).__mro__]
        assert expect["error"] in names, (type(e), expect)
        assert str(e) == expect["message"], (str(e), expect["message"])
        return None
    raise AssertionError(f"{fn.__name__} did not raise {expect['error']}: {expect['message']}")
