"""Loading the golden recurrent fixtures (tests/fixtures/recurrent, written
by tools/make_fixtures_recurrent.py with tf-keras 2.21)."""
import json
import os

import numpy as np

FIX = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "fixtures",
                   "recurrent")


def _cases():
    path = os.path.join(FIX, "cases.json")
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return {c["name"]: c for c in json.load(f)}


CASES = _cases()


def load(name):
    """(case, inputs, weights, outputs, the whole .npz) of fixture `name`."""
    case = CASES[name]
    a = np.load(os.path.join(FIX, name + ".npz"))
    xs = [a[f"x{i}"] for i in range(case["inputs"])]
    ws = [a[f"w{i}"] for i in range(case["weights"])]
    ys = [a[f"y{i}"] for i in range(case["outputs"])]
    return case, xs, ws, ys, a


def names(kind):
    return sorted(n for n, c in CASES.items() if c["kind"] == kind)


def close(actual, expected, tol=1e-5):
    np.testing.assert_allclose(np.asarray(actual), expected, rtol=tol, atol=tol)
