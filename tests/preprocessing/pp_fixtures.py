"""Loading the golden preprocessing fixtures (tools/make_fixtures_text.py)."""
import json
import os

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "fixtures", "preprocessing")
IMAGE_FIXTURES = os.path.join(HERE, "..", "fixtures", "preprocessing_image")


def load_image_golden(prefix=""):
    """(cases, arrays) of tools/make_fixtures_image.py: `<prefix>cases.json`
    and `<prefix>arrays.npz`."""
    with open(os.path.join(IMAGE_FIXTURES, f"{prefix}cases.json")) as f:
        cases = json.load(f)
    with np.load(os.path.join(IMAGE_FIXTURES, f"{prefix}arrays.npz")) as z:
        arrays = {k: z[k] for k in z.files}
    return cases, arrays


def load(name):
    with open(os.path.join(FIXTURES, f"{name}.json"), encoding="utf-8") as f:
        return json.load(f)


def dec(x):
    """Inverse of the fixture script's `enc`."""
    if isinstance(x, dict):
        if "__nd__" in x:
            return np.array(x["__nd__"], dtype=x["dtype"])
        if "__tuple__" in x:
            return tuple(dec(v) for v in x["__tuple__"])
        if "__float__" in x:
            return float(x["__float__"])
        if "__type__" in x:
            return object
        return {k: dec(v) for k, v in x.items()}
    if isinstance(x, list):
        return [dec(v) for v in x]
    return x


def check(expect, fn, *args, **kwargs):
    """Call fn and compare with a fixture result (value, array or error)."""
    import pytest
    if "error" in expect:
        with pytest.raises(Exception) as info:
            fn(*args, **kwargs)
        assert type(info.value).__name__ == expect["error"] or \
            expect["error"] in [c.__name__ for c in type(info.value).__mro__], \
            (type(info.value), expect)
        assert str(info.value) == expect["message"]
        return None
    got = fn(*args, **kwargs)
    assert_same(got, expect)
    return got


def assert_same(got, expect, rtol=0.0):
    if "array" in expect:
        assert isinstance(got, np.ndarray)
        assert str(got.dtype) == expect["dtype"]
        assert list(got.shape) == expect["shape"]
        want = np.array(expect["array"], dtype=expect["dtype"]).reshape(expect["shape"])
        if got.dtype == object:
            assert got.tolist() == want.tolist()
        elif rtol:
            np.testing.assert_allclose(got, want, rtol=rtol, atol=0)
        else:
            np.testing.assert_array_equal(got, want)
    else:  # tuples -> lists, as in the fixture
        assert json.loads(json.dumps(got)) == expect["value"]


@pytest.fixture(params=["c", "numpy"])
def impl(request):
    """The test on the C kernels, then on their NumPy references."""
    from ckeras.kernels import use_kernels
    with use_kernels(request.param):
        yield request.param
