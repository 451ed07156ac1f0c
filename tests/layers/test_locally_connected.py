"""LocallyConnected1D/2D: tf-keras golden values for all three implementations,
two training steps, tf-keras-saved models, and the errors."""
import pathlib

import numpy as np
import pytest

from ckeras import Input, Model, optimizers
from ckeras import backend as K
from ckeras import layers as L
from ckeras.autograd import Tensor, enable_grad, grad
from ckeras.models import load_model
from ckeras.testing import Golden, golden_layer_test

GOLDEN = Golden(pathlib.Path(__file__).resolve().parents[1] / "fixtures", "locally_connected")
LAYER_CASES = [n for n in GOLDEN.names() if not n.endswith("_train")]


@pytest.mark.parametrize("name", LAYER_CASES)
def test_golden(name):
    golden_layer_test(GOLDEN.load(name))


def _model(impl):
    if impl == 1:
        inp = Input((6, 5, 2))
        h = L.LocallyConnected2D(3, 3, activation="relu", implementation=1)(inp)
    else:
        inp = Input((8, 3))
        h = L.LocallyConnected1D(4, 3, padding="same", activation="tanh",
                                 implementation=impl)(inp)
    return Model(inp, L.Dense(2)(L.Flatten()(h)))


@pytest.mark.parametrize("impl", [1, 2, 3])
def test_two_training_steps(impl):
    case, xs, _, _, a = GOLDEN.load(f"lc{impl}_train")
    K.clear_session()
    model = _model(impl)
    model.set_weights([a[f"w{i}"] for i in range(case["weights"])])
    model.compile(optimizer=optimizers.SGD(learning_rate=0.1), loss="mse")
    for step in (1, 2):
        loss = model.train_on_batch(xs[0], a["t"])
        np.testing.assert_allclose(loss, case["losses"][step - 1], rtol=1e-5, atol=1e-6)
        for i, w in enumerate(model.get_weights()):
            np.testing.assert_allclose(w, a[f"s{step}_w{i}"], rtol=1e-5, atol=1e-5,
                                       err_msg=f"step {step} weight {i}")


@pytest.mark.parametrize("impl", [1, 2, 3])
def test_loads_tf_keras_h5_and_round_trips(impl, tmp_path):
    case, xs, _, _, a = GOLDEN.load(f"lc{impl}_train")
    K.clear_session()
    model = load_model(GOLDEN.file(f"lc{impl}_model.h5"))
    layer = model.layers[1]
    assert type(layer).__name__.startswith("LocallyConnected")
    assert layer.implementation == impl
    np.testing.assert_allclose(model.predict(xs[0], verbose=0), a["y"], rtol=1e-5, atol=1e-5)
    model.save(tmp_path / "m.h5")
    again = load_model(tmp_path / "m.h5")
    np.testing.assert_allclose(again.predict(xs[0], verbose=0), a["y"], rtol=1e-5, atol=1e-5)
    model.save(tmp_path / "m.keras")
    k3 = load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(k3.predict(xs[0], verbose=0), a["y"], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("rank, df", [(1, "channels_last"), (1, "channels_first"),
                                      (2, "channels_last"), (2, "channels_first")])
def test_implementations_compute_the_same_function(rank, df):
    """Same connectivity, different layouts: the dense input->output map each
    implementation's kernel defines must coincide once the weights match."""
    shape = (7, 3) if rank == 1 else (5, 4, 2)
    if df == "channels_first":
        shape = shape[-1:] + shape[:-1]
    cls = L.LocallyConnected1D if rank == 1 else L.LocallyConnected2D
    x = np.random.default_rng(0).normal(size=(3,) + shape)
    layers = [cls(2, 2, strides=1, implementation=i, data_format=df, dtype="float64",
                  use_bias=False) for i in (1, 2, 3)]
    for layer in layers:
        layer.build((None,) + shape)
    # The dense map of the implementation-2 kernel (masked) defines the others.
    k2 = np.random.default_rng(1).normal(size=layers[1].kernel.shape)
    layers[1].set_weights([k2])
    basis = np.eye(int(np.prod(shape))).reshape((-1,) + shape)
    dense = layers[1](basis).reshape(len(basis), -1)
    for layer in (layers[0], layers[2]):
        flat = np.zeros(int(np.prod(layer.kernel.shape)))
        ok = layer.wmap >= 0
        # Each real weight of the layer is the dense map's entry it connects.
        n_out = layer.wmap.shape[0]
        f = np.arange(layer.filters)
        out_flat = (np.arange(n_out)[:, None] * layer.filters + f if df == "channels_last"
                    else f[None, :] * n_out + np.arange(n_out)[:, None])
        ins = np.broadcast_to(layer.patch[:, :, None], layer.wmap.shape)
        outs = np.broadcast_to(out_flat[:, None, :], layer.wmap.shape)
        flat[layer.wmap[ok]] = dense[ins[ok], outs[ok]]
        layer.set_weights([flat.reshape(layer.kernel.shape)])
        np.testing.assert_allclose(layer(x), layers[1](x), rtol=1e-12, atol=1e-12)


def test_gradients_match_finite_differences():
    layer = L.LocallyConnected2D(2, (2, 3), strides=(2, 1), padding="same", implementation=3,
                                 dtype="float64")
    x = np.random.default_rng(2).normal(size=(2, 5, 6, 2))
    layer.build(x.shape)
    xt = Tensor(x, requires_grad=True)
    with enable_grad():
        y = layer(xt)
        w = np.random.default_rng(3).normal(size=tuple(y.shape))
        gx, gk = grad((y * w).sum(), [xt, layer.kernel])
    eps = 1e-6
    for idx in [(0, 1, 2, 1), (1, 4, 5, 0), (0, 0, 0, 0)]:
        xp, xm = x.copy(), x.copy()
        xp[idx] += eps
        xm[idx] -= eps
        num = ((np.asarray(layer(xp)) - np.asarray(layer(xm))) * w).sum() / (2 * eps)
        np.testing.assert_allclose(np.asarray(gx)[idx], num, rtol=1e-6, atol=1e-8)
    k = layer.get_weights()
    for j in [0, 17, len(k[0]) - 1]:
        kp = [a.copy() for a in k]
        kp[0][j] += eps
        layer.set_weights(kp)
        up = (np.asarray(layer(x)) * w).sum()
        kp[0][j] -= 2 * eps
        layer.set_weights(kp)
        down = (np.asarray(layer(x)) * w).sum()
        layer.set_weights(k)
        np.testing.assert_allclose(np.asarray(gk)[j], (up - down) / (2 * eps), rtol=1e-6)


def test_errors():
    with pytest.raises(ValueError, match='only "valid" is supported if implementation is 1'):
        L.LocallyConnected1D(2, 3, padding="same")
    with pytest.raises(ValueError, match="implementation"):
        L.LocallyConnected2D(2, 3, implementation=4)
    with pytest.raises(ValueError, match="<= 0"):
        L.LocallyConnected1D(2, 5)(np.zeros((1, 3, 2), "float32"))
    with pytest.raises(ValueError, match="must be defined"):
        L.LocallyConnected1D(2, 3)(Input((None, 2)))
    with pytest.raises(ValueError, match="expected ndim=4"):
        L.LocallyConnected2D(2, 3)(np.zeros((1, 3, 2), "float32"))
