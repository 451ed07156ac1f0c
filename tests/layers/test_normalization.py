"""BatchNormalization and LayerNormalization against tf-keras goldens (inference
and two training steps), frozen BatchNormalization."""
import pathlib

import numpy as np
import pytest

from ckeras import layers as L
from ckeras import optimizers
from ckeras.engine.sequential import Sequential
from ckeras.testing import Golden, golden_layer_test

GOLDEN = Golden(pathlib.Path(__file__).resolve().parents[1] / "fixtures", "conv")


@pytest.mark.parametrize("name", GOLDEN.names(layer=("BatchNormalization", "LayerNormalization")))
def test_normalization_golden(name):
    golden_layer_test(GOLDEN.load(name))


def _bn_model(name):
    if name == "bn_train_dense":
        return Sequential([L.BatchNormalization(momentum=0.8, input_shape=(5,)), L.Dense(3)])
    return Sequential([L.Conv2D(3, 2, input_shape=(4, 4, 2)), L.BatchNormalization(),
                       L.Flatten(), L.Dense(2)])


@pytest.mark.parametrize("name", ["bn_train_dense", "bn_train_conv"])
def test_batchnorm_two_training_steps(name):
    case, *_, a = GOLDEN.load(name)
    model = _bn_model(name)
    model.set_weights([a[f"w{i}"] for i in range(case["weights"])])
    model.compile(optimizer=optimizers.SGD(learning_rate=0.1), loss="mse")
    for step in (1, 2):
        loss = model.train_on_batch(a["x0"], a["t"])
        np.testing.assert_allclose(loss, case["losses"][step - 1], rtol=1e-5, atol=1e-6)
        for i, w in enumerate(model.get_weights()):
            np.testing.assert_allclose(w, a[f"s{step}_w{i}"], rtol=1e-5, atol=1e-5,
                                       err_msg=f"step {step} weight {i}")
    np.testing.assert_allclose(model.predict(a["x0"], verbose=0), a["y"], rtol=1e-5,
                               atol=1e-5)


def test_batchnorm_training_vs_inference_and_frozen():
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((16, 3)) * 3 + 5).astype(np.float32)
    bn = L.BatchNormalization(momentum=0.5)
    y = np.asarray(bn(x, training=True))
    np.testing.assert_allclose(y.mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(bn.moving_mean.value, 0.5 * x.mean(0), rtol=1e-5)
    np.testing.assert_allclose(bn.moving_variance.value, 0.5 + 0.5 * x.var(0), rtol=1e-5)
    y_inf = np.asarray(bn(x))
    mm, mv = bn.moving_mean.value, bn.moving_variance.value
    np.testing.assert_allclose(y_inf, (x - mm) / np.sqrt(mv + 1e-3), rtol=1e-5, atol=1e-5)
    before = bn.get_weights()
    bn.trainable = False
    np.testing.assert_allclose(bn(x, training=True), y_inf, rtol=1e-6)
    for b, w in zip(before, bn.get_weights()):
        np.testing.assert_array_equal(b, w)
    assert len(bn.trainable_weights) == 0 and len(bn.non_trainable_weights) == 4


def test_batchnorm_weights_order_and_errors():
    bn = L.BatchNormalization(scale=False)
    bn(np.zeros((2, 3), np.float32))
    assert [w.name.split("/")[-1] for w in bn.weights] == [
        "beta:0", "moving_mean:0", "moving_variance:0"]
    with pytest.raises(ValueError, match=bn.name):
        bn(np.zeros((2, 4), np.float32))
    with pytest.raises(ValueError):
        L.BatchNormalization(axis=5)(np.zeros((2, 3), np.float32))


def test_layer_norm_fused_kernel_equals_the_composed_ops_with_gradients(monkeypatch):
    """axis=-1 runs the fused kernel; axis=[1, 2] over a (B, 1, C) input is the
    same normalization through the composed ops: outputs and gradients agree."""
    from ckeras.autograd import Tensor, grad
    from ckeras.autograd.functions.normalization import LayerNorm
    rng = np.random.default_rng(4)
    x = rng.standard_normal((6, 1, 13)) * 2 + 1
    gamma, beta = rng.standard_normal(13), rng.standard_normal(13)
    w = rng.standard_normal((6, 1, 13))
    fused = L.LayerNormalization(epsilon=1e-4, dtype="float64")
    composed = L.LayerNormalization(axis=[1, 2], epsilon=1e-4, dtype="float64")
    fused.build(x.shape)
    composed.build(x.shape)
    fused.set_weights([gamma, beta])
    composed.set_weights([gamma.reshape(1, 13), beta.reshape(1, 13)])
    calls = []
    forward = LayerNorm.forward
    monkeypatch.setattr(LayerNorm, "forward", lambda self, *a: calls.append(1) or forward(
        self, *a))
    results = []
    for layer in (fused, composed):
        xt = Tensor(x, requires_grad=True)
        before = len(calls)
        y = layer(xt)
        assert (len(calls) > before) == (layer is fused)
        loss = (y * w).sum()
        results.append([np.asarray(y.value)] + [np.asarray(g).reshape(-1) for g in grad(
            loss, [xt] + layer.trainable_weights)])
    for a, b in zip(*results, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
