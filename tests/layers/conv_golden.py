"""tf-keras golden cases of the convolution family (tests/fixtures/conv,
written by tools/make_fixtures_conv.py): loader and the harness run."""
import json
import os

import numpy as np
import pytest

from ckeras import backend as K
from ckeras import layers as L

from layer_test import assert_config_matches, layer_test

CONV_FIXTURES = os.path.join(os.path.dirname(__file__), os.pardir, "fixtures", "conv")


def _cases():
    path = os.path.join(CONV_FIXTURES, "cases.json")
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return {c["name"]: c for c in json.load(f)}


CONV_CASES = _cases()


def conv_cases(*layer_names):
    return sorted(n for n, c in CONV_CASES.items() if c["layer"] in layer_names)


def load_conv_case(name):
    if name not in CONV_CASES:
        pytest.skip(f"fixture {name} not generated")
    case = CONV_CASES[name]
    arrays = dict(np.load(os.path.join(CONV_FIXTURES, f"{name}.npz")))
    return case, arrays


def conv_golden(name, **harness):
    """The layer_test harness on a fixture case, then weight names/shapes and config."""
    case, a = load_conv_case(name)
    cls = getattr(L, case["layer"])
    ws = [a[f"w{i}"] for i in range(case["weights"])]
    K.clear_session()
    y = layer_test(cls, case["kwargs"], input_data=a["x0"], weights=ws or None,
                   expected_output=a["y"], atol=1e-5, rtol=1e-5,
                   expected_output_shape=tuple(case["output_shapes"][0]), **harness)
    K.clear_session()
    layer = cls(**case["kwargs"])
    layer(a["x0"])
    assert [tuple(w.shape) for w in layer.get_weights()] == \
        [tuple(s) for s in case["weight_shapes"]]
    # tf-keras names weights of a layer built outside a model without its scope.
    assert [w.name.split("/")[-1] for w in layer.weights] == \
        [n.split("/")[-1] for n in case["weight_names"]]
    assert_config_matches(layer.get_config(), case["config"])
    return y
