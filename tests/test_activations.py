"""ckeras.activations: values (incl. tf-keras golden fixtures), get/serialize, fused codes."""
import json
import math
import os

import numpy as np
import pytest

from ckeras import activations
from ckeras.autograd import Tensor, grad
from ckeras.autograd.functions._special import erf, erfc
from ckeras.backend.nn import dense

CORE = os.path.join(os.path.dirname(__file__), "fixtures", "core")

X = np.array([[-7, -2.5, -1, 0, 0.3, 1, 2.5, 6, 7.5]], dtype=np.float32)
XD = X.astype(np.float64)


def _sig(v):
    return 1 / (1 + np.exp(-v))


REFERENCE = {
    "linear": lambda v: v,
    "relu": lambda v: np.maximum(v, 0),
    "elu": lambda v: np.where(v > 0, v, np.expm1(v)),
    "selu": lambda v: 1.0507009873554805 * np.where(v > 0, v, 1.6732632423543772 * np.expm1(v)),
    "softplus": lambda v: np.log1p(np.exp(v)),
    "softsign": lambda v: v / (1 + np.abs(v)),
    "sigmoid": _sig,
    "tanh": np.tanh,
    "hard_sigmoid": lambda v: np.clip(0.2 * v + 0.5, 0, 1),
    "exponential": np.exp,
    "softmax": lambda v: np.exp(v) / np.exp(v).sum(-1, keepdims=True),
    "swish": lambda v: v * _sig(v),
    "silu": lambda v: v * _sig(v),
    "gelu": lambda v: 0.5 * v * (1 + np.vectorize(math.erf)(v / math.sqrt(2))),
    "relu6": lambda v: np.clip(v, 0, 6),
    "mish": lambda v: v * np.tanh(np.log1p(np.exp(v))),
}


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_values_and_dtypes(name):
    fn = activations.get(name)
    out = fn(X)
    assert isinstance(out, np.ndarray) and out.dtype == np.float32
    np.testing.assert_allclose(out, REFERENCE[name](XD), rtol=1e-5, atol=1e-6)
    out64 = fn(XD)
    assert out64.dtype == np.float64
    np.testing.assert_allclose(out64, REFERENCE[name](XD), rtol=1e-6, atol=1e-7)
    t = Tensor(X, requires_grad=True)
    y = fn(t)
    if name == "linear":
        assert y is t
    else:
        assert isinstance(y, Tensor) and y.requires_grad
        assert grad(y, t, grad_outputs=[np.ones_like(X)]).dtype == np.float32


def test_relu_options_follow_the_spec():
    x = np.array([-3, -1, 0.2, 0.5, 1, 2, 5, 7], dtype=np.float32)
    # x if threshold <= x < max_value; max_value if x >= max_value; alpha (x - threshold) else
    out = activations.relu(x, alpha=0.5, max_value=5.0, threshold=0.5)
    ref = np.where(x >= 5, 5, np.where(x > 0.5, x, 0.5 * (x - 0.5)))
    np.testing.assert_allclose(out, ref)
    np.testing.assert_allclose(activations.relu(x, threshold=1.0), np.where(x > 1, x, 0))
    np.testing.assert_allclose(activations.relu(x, max_value=2.0), np.clip(x, 0, 2))
    np.testing.assert_allclose(activations.relu(x, alpha=0.1), np.where(x > 0, x, 0.1 * x),
                               rtol=1e-6)


def test_softmax_axis_and_1d_error():
    x = np.random.default_rng(0).random((2, 3, 4)).astype(np.float32)
    np.testing.assert_allclose(activations.softmax(x, axis=1).sum(1), 1, rtol=1e-6)
    np.testing.assert_allclose(activations.softmax(x, axis=(1, 2)).sum((1, 2)), 1, rtol=1e-6)
    with pytest.raises(ValueError, match="Cannot apply softmax to a tensor that is 1D"):
        activations.softmax(np.ones(3, np.float32))


def test_elu_gelu_options():
    np.testing.assert_allclose(activations.elu(X, alpha=0.5),
                               np.where(XD > 0, XD, 0.5 * np.expm1(XD)), rtol=1e-6, atol=1e-7)
    c = math.sqrt(2 / math.pi)
    ref = 0.5 * XD * (1 + np.tanh(c * (XD + 0.044715 * XD ** 3)))
    np.testing.assert_allclose(activations.gelu(X, approximate=True), ref, rtol=1e-5, atol=1e-6)


def test_erf_accuracy():
    xs = np.concatenate([np.linspace(-7, 7, 40001), np.geomspace(1e-30, 1, 200),
                         -np.geomspace(1e-30, 1, 200), [0.0, 2.0, -2.0, 6.0]])
    ref = np.array([math.erf(v) for v in xs])
    got = erf(xs)
    nz = ref != 0
    assert np.max(np.abs(got[nz] / ref[nz] - 1)) <= 1e-7
    assert np.all(got[~nz] == 0)
    xs = np.concatenate([xs, np.linspace(6, 26, 2001)])
    refc = np.array([math.erfc(v) for v in xs])
    assert np.max(np.abs(erfc(xs) / refc - 1)) <= 1e-7
    assert erf(np.float32([0.5])).dtype == np.float32
    np.testing.assert_array_equal(erf(np.array([np.inf, -np.inf])), [1, -1])


# -- get / serialize / deserialize -------------------------------------------------------

def test_get():
    assert activations.get(None) is activations.linear
    assert activations.get("relu") is activations.relu
    assert activations.get("silu") is activations.swish
    f = lambda x: x  # noqa: E731
    assert activations.get(f) is f
    assert activations.get({"class_name": "function", "config": "tanh",
                            "module": "keras.activations", "registered_name": "tanh"}) \
        is activations.tanh
    assert activations.get({"class_name": "sigmoid", "config": None}) is activations.sigmoid
    with pytest.raises(ValueError, match="Unknown activation function: 'foo'"):
        activations.get("foo")
    with pytest.raises(TypeError, match="Could not interpret activation"):
        activations.get(3)


def test_serialize_deserialize():
    for name in ("relu", "sigmoid", "softmax", "gelu", "selu", "linear", "mish", "relu6"):
        fn = activations.get(name)
        assert activations.serialize(fn) == name
        assert activations.deserialize(activations.serialize(fn)) is fn
    assert activations.serialize(activations.silu) == "swish"   # as tf-keras
    custom = lambda x: x * 2  # noqa: E731
    assert activations.deserialize("double", custom_objects={"double": custom}) is custom


def test_fused_code():
    A = activations
    assert [A.fused_code(f) for f in (A.linear, A.relu, A.sigmoid, A.tanh, A.softmax,
                                      A.hard_sigmoid)] == [0, 1, 2, 3, 4, 5]
    for f in (A.elu, A.selu, A.gelu, A.swish, A.relu6, A.mish, A.softplus, A.exponential,
              lambda x: x):
        assert A.fused_code(f) is None


# -- golden values from tf-keras -----------------------------------------------------------

def _core_cases(prefix):
    path = os.path.join(CORE, "cases.json")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [c for c in json.load(f) if c["name"].startswith(prefix)]


@pytest.mark.parametrize("case", _core_cases("activation_"), ids=lambda c: c["name"])
def test_tf_keras_activation_layer_golden(case):
    d = np.load(os.path.join(CORE, case["name"] + ".npz"))
    out = activations.get(case["kwargs"]["activation"])(d["x0"])
    assert out.dtype == d["y"].dtype
    np.testing.assert_allclose(out, d["y"], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", _core_cases("lambda_"), ids=lambda c: c["name"])
def test_tf_keras_lambda_golden(case):
    d = np.load(os.path.join(CORE, case["name"] + ".npz"))
    fn_name = case["kwargs"]["function"].rsplit(".", 1)[1]
    out = getattr(activations, fn_name)(d["x0"], **case["kwargs"]["arguments"])
    np.testing.assert_allclose(out, d["y"], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", _core_cases("dense_"), ids=lambda c: c["name"])
def test_tf_keras_dense_golden(case):
    """The fused dense op plus the (possibly unfused) activation, as the Dense layer uses them."""
    d = np.load(os.path.join(CORE, case["name"] + ".npz"))
    act = activations.get(case["kwargs"].get("activation"))
    code = activations.fused_code(act)
    bias = d["w1"] if "w1" in d.files else None
    if code is not None:
        out = dense(d["x0"], d["w0"], bias, code)
    else:
        out = act(dense(d["x0"], d["w0"], bias, 0))
    assert out.dtype == d["y"].dtype and out.shape == d["y"].shape
    np.testing.assert_allclose(out, d["y"], rtol=1e-5, atol=1e-6)
