"""GaussianNoise, GaussianDropout, AlphaDropout: identity at inference, the
Keras noise formulas in training."""
import pathlib

import numpy as np
import pytest

from ckeras import backend as K
from ckeras import layers as L
from ckeras.autograd import Tensor, enable_grad, grad
from ckeras.engine.sequential import Sequential
from ckeras.testing import Golden, golden_layer_test, layer_test

GOLDEN = Golden(pathlib.Path(__file__).resolve().parents[1] / "fixtures", "core")

CLASSES = {cls.__name__: cls for cls in (L.GaussianNoise, L.GaussianDropout, L.AlphaDropout)}
ALPHA_P = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946


@pytest.mark.parametrize("name", GOLDEN.names(layer=tuple(CLASSES)))
def test_noise_golden_inference(name):
    golden_layer_test(GOLDEN.load(name), CLASSES[GOLDEN[name]["layer"]])


@pytest.mark.parametrize("cls,kwargs,shape", [
    (L.GaussianNoise, {"stddev": 0.5}, (3, 4)),
    (L.GaussianNoise, {"stddev": 1.0, "seed": 3}, (2, 3, 4)),
    (L.GaussianDropout, {"rate": 0.3}, (3, 4)),
    (L.GaussianDropout, {"rate": 0.0}, (2, 3, 4)),
    (L.AlphaDropout, {"rate": 0.2}, (3, 4)),
    (L.AlphaDropout, {"rate": 0.2}, (2, 3, 4)),
    (L.AlphaDropout, {"rate": 0.5, "noise_shape": (None, 1, 4), "seed": 1}, (2, 3, 4)),
])
def test_noise_harness_is_identity_at_inference(cls, kwargs, shape):
    x = np.random.default_rng(0).standard_normal(shape).astype("float32")
    layer_test(cls, kwargs, input_data=x, expected_output=x)
    layer_test(cls, kwargs, input_data=x, call_kwargs={"training": True})


def test_noise_configs():
    assert L.GaussianNoise(0.3).get_config().keys() >= {"stddev", "seed"}
    assert L.GaussianDropout(0.3).get_config().keys() >= {"rate", "seed"}
    config = L.AlphaDropout(0.3, noise_shape=(None, 2)).get_config()
    assert config.keys() >= {"rate", "seed"} and "noise_shape" not in config


def test_gaussian_noise_statistics():
    x = np.full((500, 200), 2.0, "float32")
    y = np.asarray(L.GaussianNoise(0.5, seed=1)(x, training=True))
    assert y.dtype == np.float32
    noise = y - x
    assert noise.mean() == pytest.approx(0.0, abs=0.01)
    assert noise.std() == pytest.approx(0.5, rel=0.02)
    np.testing.assert_array_equal(np.asarray(L.GaussianNoise(0.5)(x)), x)


@pytest.mark.parametrize("rate", [0.2, 0.5])
def test_gaussian_dropout_statistics(rate):
    x = np.full((500, 200), 3.0, "float32")
    y = np.asarray(L.GaussianDropout(rate, seed=2)(x, training=True))
    factor = y / x
    assert factor.mean() == pytest.approx(1.0, abs=0.01)
    assert factor.std() == pytest.approx(np.sqrt(rate / (1 - rate)), rel=0.02)
    for bad in (0.0, 1.0):
        np.testing.assert_array_equal(
            np.asarray(L.GaussianDropout(bad)(x, training=True)), x)


@pytest.mark.parametrize("rate", [0.1, 0.3])
def test_alpha_dropout_statistics(rate):
    x = np.random.default_rng(0).standard_normal((400, 250)).astype("float32")
    y = np.asarray(L.AlphaDropout(rate, seed=3)(x, training=True))
    a = ((1 - rate) * (1 + rate * ALPHA_P ** 2)) ** -0.5
    b = -a * ALPHA_P * rate
    dropped_value = a * ALPHA_P + b
    dropped = np.isclose(y, dropped_value, atol=1e-6)
    assert dropped.mean() == pytest.approx(rate, abs=0.01)
    np.testing.assert_allclose(y[~dropped], a * x[~dropped] + b, rtol=1e-5, atol=1e-6)
    # self-normalising: zero mean and unit variance are kept
    assert y.mean() == pytest.approx(0.0, abs=0.02)
    assert y.var() == pytest.approx(1.0, abs=0.03)


@pytest.mark.parametrize("make", [lambda: L.GaussianNoise(0.5, seed=4),
                                  lambda: L.GaussianDropout(0.4, seed=4),
                                  lambda: L.AlphaDropout(0.4, seed=4)])
def test_seeded_noise_changes_per_call_and_is_reproducible(make):
    x = np.ones((10, 12), "float32")
    a, b = make(), make()
    a1, a2 = (np.asarray(a(x, training=True)) for _ in range(2))
    b1, b2 = (np.asarray(b(x, training=True)) for _ in range(2))
    assert not np.array_equal(a1, a2)
    np.testing.assert_array_equal(a1, b1)
    np.testing.assert_array_equal(a2, b2)


def test_alpha_dropout_noise_shape():
    x = np.random.default_rng(0).standard_normal((6, 5, 4)).astype("float32")
    y = np.asarray(L.AlphaDropout(0.5, noise_shape=(None, 1, 4), seed=0)(x, training=True))
    a = ((1 - 0.5) * (1 + 0.5 * ALPHA_P ** 2)) ** -0.5
    dropped = np.isclose(y, a * ALPHA_P - a * ALPHA_P * 0.5, atol=1e-6)
    assert np.all(dropped == dropped[:, :1, :])


def test_noise_follows_learning_phase_and_is_identity_in_predict():
    x = np.ones((20, 10), "float32")
    layer = L.GaussianNoise(1.0)
    K.set_learning_phase(1)
    try:
        assert not np.allclose(np.asarray(layer(x)), x)
    finally:
        K.set_learning_phase(0)
    model = Sequential([L.GaussianDropout(0.5, input_shape=(10,)),
                        L.AlphaDropout(0.5), L.GaussianNoise(2.0)])
    np.testing.assert_array_equal(model.predict(x), x)


def test_noise_layers_pass_gradients():
    x = Tensor(np.random.default_rng(0).standard_normal((4, 3)), requires_grad=True)
    with enable_grad():
        for layer in (L.GaussianNoise(0.1), L.GaussianDropout(0.3), L.AlphaDropout(0.3)):
            y = layer(x, training=True)
            (g,) = grad(y.sum(), [x])
            assert g.shape == x.shape and np.all(np.isfinite(g))
