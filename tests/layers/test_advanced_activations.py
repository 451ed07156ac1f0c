"""LeakyReLU, PReLU, ELU, ThresholdedReLU, Softmax, ReLU."""
import pathlib

import numpy as np
import pytest

from ckeras import layers as L
from ckeras.autograd import Tensor, enable_grad, grad
from ckeras.engine import Input
from ckeras.testing import Golden, golden_layer_test, layer_test

GOLDEN = Golden(pathlib.Path(__file__).resolve().parents[1] / "fixtures", "core")

CLASSES = {cls.__name__: cls for cls in (L.LeakyReLU, L.PReLU, L.ELU, L.ThresholdedReLU,
                                         L.Softmax, L.ReLU)}
X = np.array([[-7.0, -2.5, -1.0, -0.2, 0.0, 0.3, 0.5, 1.0, 2.5, 6.0, 7.5]], "float32")


@pytest.mark.parametrize("name", GOLDEN.names(layer=tuple(CLASSES)))
def test_advanced_activation_golden(name):
    golden_layer_test(GOLDEN.load(name), CLASSES[GOLDEN[name]["layer"]])


# ---------------------------------------------------------------- LeakyReLU
@pytest.mark.parametrize("kwargs", [{}, {"alpha": 0.1}, {"alpha": 0.0}, {"alpha": 1.5}])
def test_leaky_relu(kwargs):
    alpha = kwargs.get("alpha", 0.3)
    layer_test(L.LeakyReLU, kwargs, input_data=X,
               expected_output=np.where(X > 0, X, np.float32(alpha) * X))
    layer_test(L.LeakyReLU, kwargs, input_shape=(2, 3, 4))


def test_leaky_relu_config_and_errors():
    assert L.LeakyReLU().get_config()["alpha"] == pytest.approx(0.3)
    assert L.LeakyReLU(negative_slope=0.2).alpha == pytest.approx(0.2)  # Keras 3 name
    with pytest.raises(ValueError, match="cannot be None"):
        L.LeakyReLU(alpha=None)


# -------------------------------------------------------------------- PReLU
@pytest.mark.parametrize("kwargs,shape,alpha_shape", [
    ({}, (2, 5), (5,)),
    ({}, (2, 3, 4), (3, 4)),
    ({"shared_axes": [1]}, (2, 3, 4), (1, 4)),
    ({"shared_axes": 2}, (2, 3, 4), (3, 1)),
    ({"shared_axes": [1, 2]}, (2, 3, 4, 5), (1, 1, 5)),
    ({"shared_axes": [1], "alpha_initializer": "ones", "alpha_regularizer": "l2",
      "alpha_constraint": "non_neg"}, (None, 3, 2), (1, 2)),
])
def test_prelu_harness(kwargs, shape, alpha_shape):
    rng = np.random.default_rng(0)
    weights = [rng.uniform(-1, 1, alpha_shape).astype("float32")]
    layer_test(L.PReLU, kwargs, input_shape=shape, weights=weights)
    layer = L.PReLU(**kwargs)
    layer(Input(shape=tuple(d if d is not None else 3 for d in shape[1:])))
    assert layer.alpha.shape == alpha_shape


def test_prelu_math_and_weight_name():
    layer = L.PReLU(alpha_initializer="ones", name="pr")
    x = np.array([[-2.0, 3.0]], "float32")
    layer(x)
    layer.set_weights([np.array([0.25, 0.5], "float32")])
    np.testing.assert_allclose(np.asarray(layer(x)), [[-0.5, 3.0]])
    assert [w.name for w in layer.weights] == ["pr/alpha:0"]
    assert layer.get_config()["shared_axes"] is None
    assert L.PReLU(shared_axes=(1, 2)).get_config()["shared_axes"] == [1, 2]


def test_prelu_input_spec_checks_shape():
    layer = L.PReLU(name="pp")
    layer(np.zeros((2, 4), "float32"))
    with pytest.raises(ValueError, match='"pp"'):
        layer(np.zeros((2, 5), "float32"))
    with pytest.raises(ValueError, match="shared_axes"):
        L.PReLU(shared_axes=[3])(np.zeros((2, 4), "float32"))


def test_prelu_alpha_gradient_matches_finite_differences():
    rng = np.random.default_rng(7)
    layer = L.PReLU(dtype="float64", shared_axes=[1])
    x = rng.standard_normal((4, 3, 5))
    layer(x)
    layer.set_weights([rng.uniform(-1, 1, (1, 5))])
    seed = rng.standard_normal((4, 3, 5))
    with enable_grad():
        xt = Tensor(x, requires_grad=True)
        total = (layer(xt) * seed).sum()
        g_alpha, g_x = grad(total, [layer.alpha, xt])
    eps = 1e-6
    alpha = layer.alpha.value
    num = np.zeros_like(alpha)
    for idx in np.ndindex(alpha.shape):
        old = alpha[idx]
        alpha[idx] = old + eps
        up = float(np.sum(np.asarray(layer(x)) * seed))
        alpha[idx] = old - eps
        down = float(np.sum(np.asarray(layer(x)) * seed))
        alpha[idx] = old
        num[idx] = (up - down) / (2 * eps)
    np.testing.assert_allclose(g_alpha, num, rtol=1e-6, atol=1e-8)
    # d/dx: 1 where x > 0, alpha where x < 0
    expected_gx = np.where(x > 0, 1.0, np.broadcast_to(alpha, x.shape)) * seed
    np.testing.assert_allclose(g_x, expected_gx, rtol=1e-10)


# ---------------------------------------------------------------------- ELU
@pytest.mark.parametrize("alpha", [1.0, 0.5, 2.0])
def test_elu(alpha):
    expected = np.where(X > 0, X, np.float32(alpha) * (np.exp(X) - 1)).astype("float32")
    layer_test(L.ELU, {"alpha": alpha}, input_data=X, expected_output=expected,
               atol=1e-6, rtol=1e-5)
    layer_test(L.ELU, {"alpha": alpha}, input_shape=(2, 3, 4))
    with pytest.raises(ValueError, match="cannot be None"):
        L.ELU(alpha=None)


# ----------------------------------------------------------- ThresholdedReLU
@pytest.mark.parametrize("theta", [1.0, 0.5, 0.0, 2.5])
def test_thresholded_relu(theta):
    expected = np.where(X > theta, X, 0).astype("float32")
    layer_test(L.ThresholdedReLU, {"theta": theta}, input_data=X, expected_output=expected)
    layer_test(L.ThresholdedReLU, {"theta": theta}, input_shape=(2, 3, 4))


def test_thresholded_relu_errors():
    with pytest.raises(ValueError, match=">=0"):
        L.ThresholdedReLU(theta=-1.0)
    with pytest.raises(ValueError, match="cannot be None"):
        L.ThresholdedReLU(theta=None)


# ---------------------------------------------------------------------- ReLU
def _ref_relu(x, max_value=None, negative_slope=0.0, threshold=0.0):
    # tf-keras keeps x only where x > threshold (strictly)
    y = np.where(x > threshold, x, negative_slope * (x - threshold))
    if max_value is not None:
        y = np.where(x >= max_value, max_value, y)
    return y.astype(x.dtype)


@pytest.mark.parametrize("kwargs", [
    {}, {"max_value": 6.0}, {"negative_slope": 0.1}, {"threshold": 0.5},
    {"max_value": 2.0, "negative_slope": 0.2, "threshold": 1.0},
    {"max_value": 0.0},
])
def test_relu_layer(kwargs):
    layer_test(L.ReLU, kwargs, input_data=X, expected_output=_ref_relu(X, **kwargs),
               atol=1e-6)
    layer_test(L.ReLU, kwargs, input_shape=(2, 3, 4))


@pytest.mark.parametrize("kwargs,match", [
    ({"max_value": -1.0}, "max_value"),
    ({"negative_slope": -0.1}, "negative_slope"),
    ({"negative_slope": None}, "negative_slope"),
    ({"threshold": -0.5}, "threshold"),
])
def test_relu_layer_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        L.ReLU(**kwargs)


def test_relu_config_floats_are_floatx_rounded():
    config = L.ReLU(max_value=6, negative_slope=0.1).get_config()
    assert config["max_value"] == 6.0 and isinstance(config["max_value"], float)
    assert config["negative_slope"] == float(np.float32(0.1))
    assert L.ReLU().get_config()["max_value"] is None


# ------------------------------------------------------------------ Softmax
def _ref_softmax(x, axis):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


@pytest.mark.parametrize("axis,shape", [(-1, (2, 5)), (1, (2, 3, 4)), (-1, (2, 3, 4)),
                                        ([1, 2], (2, 3, 4)), ([-1], (2, 3))])
def test_softmax_layer(axis, shape):
    x = np.random.default_rng(0).standard_normal(shape).astype("float32") * 3
    ax = tuple(axis) if isinstance(axis, list) else axis
    layer_test(L.Softmax, {"axis": axis}, input_data=x, expected_output=_ref_softmax(x, ax),
               atol=1e-6, rtol=1e-5)


def test_softmax_mask_excludes_positions():
    x = np.array([[1.0, 2.0, 3.0, 4.0]], "float32")
    mask = np.array([[True, True, False, True]])
    y = np.asarray(L.Softmax()(x, mask=mask))
    expected = _ref_softmax(np.array([[1.0, 2.0, 4.0]]), -1)[0]
    np.testing.assert_allclose(y[0, [0, 1, 3]], expected, rtol=1e-6)
    assert y[0, 2] < 1e-8


def test_advanced_activations_preserve_masks():
    for cls in CLASSES.values():
        assert cls().supports_masking
