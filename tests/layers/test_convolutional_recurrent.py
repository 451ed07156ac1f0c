"""ConvLSTM1D/2D/3D against golden tf-keras 2.21 fixtures (tests/fixtures/convlstm,
written by tools/make_fixtures_convlstm.py), in both kernel modes; the
layer_test harness; dropout in training; bad input."""
import pathlib

import numpy as np
import pytest

from ckeras import backend as K
from ckeras import layers as L
from ckeras.autograd import Tensor, enable_grad, grad
from ckeras.engine import Input
from ckeras.engine.functional import Functional
from ckeras.engine.sequential import Sequential
from ckeras.kernels import use_kernels
from ckeras.testing import Golden, assert_close, assert_config_matches, layer_test

GOLDEN = Golden(pathlib.Path(__file__).resolve().parents[1] / "fixtures", "convlstm")


@pytest.fixture(params=["c", "numpy"])
def kernel_mode(request):
    with use_kernels(request.param):
        yield request.param


def _cls(case):
    return getattr(L, case["layer"])


def _outs(out):
    return out if isinstance(out, list) else [out]


@pytest.mark.parametrize("name", GOLDEN.names(kind="layer"))
def test_golden_layer(name, kernel_mode):
    case, xs, ws, ys, _ = GOLDEN.load(name)
    K.clear_session()
    layer = _cls(case)(**case["kwargs"])
    layer(xs[0])
    layer.set_weights(ws)
    outs = _outs(layer(xs[0]))
    assert len(outs) == len(ys)
    for o, y in zip(outs, ys):
        assert_close(o, y)
    # in training mode too when there is no dropout (same numbers)
    if not case["kwargs"].get("dropout"):
        for o, y in zip(_outs(layer(xs[0], training=True)), ys):
            assert_close(o, y)
    tf_name = case["config"]["name"]
    assert layer.name.startswith(case["layer"].lower().replace("convlstm", "conv_lstm"))
    assert [w.name.replace(layer.name, tf_name, 1) for w in layer.weights] == \
        case["weight_names"]
    assert_config_matches(layer.get_config(), case["config"], skip=("name",))


@pytest.fixture
def generic_path(monkeypatch):
    """Every activation treated as one the kernel has no code for."""
    import ckeras.layers.convolutional_recurrent as mod
    monkeypatch.setattr(mod, "_kernel_code", lambda fn: None)


@pytest.mark.parametrize("name", GOLDEN.names(kind=("layer", "mask")))
def test_golden_generic_path(name, generic_path):
    case, xs, ws, ys, _ = GOLDEN.load(name)
    layer = _cls(case)(**case["kwargs"])
    layer(xs[0])
    layer.set_weights(ws)
    mask = xs[1] if case["kind"] == "mask" else None
    for o, y in zip(_outs(layer(xs[0], mask=mask)), ys):
        assert_close(o, y)


@pytest.mark.parametrize("name", GOLDEN.names(kind="grad"))
def test_golden_gradients_generic_path(name, generic_path):
    _check_gradients(name)


def test_elu_activation_trains():
    layer = L.ConvLSTM2D(2, 3, padding="same", activation="elu", return_sequences=True)
    x = np.random.default_rng(0).uniform(-1, 1, (2, 3, 4, 4, 1)).astype("float32")
    xt = Tensor(x, requires_grad=True)
    with enable_grad():
        loss = K.sum(layer(xt))
    grads = grad(loss, [xt] + layer.trainable_weights)
    assert all(np.abs(np.asarray(g)).sum() > 0 for g in grads)


@pytest.mark.parametrize("name", GOLDEN.names(kind="mask"))
def test_golden_mask(name, kernel_mode):
    case, xs, ws, ys, _ = GOLDEN.load(name)
    K.clear_session()
    layer = _cls(case)(**case["kwargs"])
    layer(xs[0])
    layer.set_weights(ws)
    outs = _outs(layer(xs[0], mask=xs[1]))
    for o, y in zip(outs, ys):
        assert_close(o, y)


@pytest.mark.parametrize("name", GOLDEN.names(kind="masking"))
def test_golden_masking_layer_in_front(name, kernel_mode):
    case, xs, ws, ys, _ = GOLDEN.load(name)
    K.clear_session()
    layer = _cls(case)(**case["kwargs"])
    model = Sequential([Input(xs[0].shape[1:]), L.Masking(0.0), layer])
    layer.set_weights(ws)
    assert_close(model.predict(xs[0], verbose=0), ys[0])


def test_golden_initial_state(kernel_mode):
    case, xs, ws, ys, _ = GOLDEN.load("initial_state")
    K.clear_session()
    layer = L.ConvLSTM2D(**case["kwargs"])
    layer(xs[0], initial_state=[xs[1], xs[2]])
    layer.set_weights(ws)
    assert_close(layer(xs[0], initial_state=[xs[1], xs[2]]), ys[0])
    # in a graph, the states become inputs
    x_in = Input(xs[0].shape[1:])
    h_in, c_in = Input(xs[1].shape[1:]), Input(xs[2].shape[1:])
    model = Functional([x_in, h_in, c_in], layer(x_in, initial_state=[h_in, c_in]))
    assert_close(model.predict(list(xs), verbose=0), ys[0])


def test_golden_stateful(kernel_mode):
    case, xs, ws, ys, _ = GOLDEN.load("stateful")
    K.clear_session()
    B = xs[0].shape[0]
    model = Sequential([L.ConvLSTM2D(batch_input_shape=xs[0].shape, **case["kwargs"])])
    model.layers[0].set_weights(ws)
    assert_close(model.predict(xs[0], batch_size=B, verbose=0), ys[0])
    assert_close(model.predict(xs[1], batch_size=B, verbose=0), ys[1])
    model.reset_states()
    assert_close(model.predict(xs[1], batch_size=B, verbose=0), ys[2])
    with pytest.raises(ValueError, match=model.layers[0].name):
        model.layers[0](xs[0][:1])


@pytest.mark.parametrize("name", GOLDEN.names(kind="grad"))
def test_golden_gradients(name, kernel_mode):
    _check_gradients(name)


def _check_gradients(name):
    case, xs, ws, ys, a = GOLDEN.load(name)
    K.clear_session()
    layer = _cls(case)(**case["kwargs"])
    layer(xs[0])
    layer.set_weights(ws)
    x = Tensor(xs[0], requires_grad=True)
    with enable_grad():
        y = layer(x)
        loss = K.sum(y * xs[1])
    assert_close(y, ys[0])
    grads = grad(loss, [x] + layer.trainable_weights)
    for i, g in enumerate(grads):
        assert_close(g, a[f"g{i}"], tol=1e-4)


def test_golden_two_adam_steps(kernel_mode):
    from ckeras.optimizers import Adam
    case, xs, ws, ys, a = GOLDEN.load("train")
    K.clear_session()
    model = Sequential([Input(xs[0].shape[1:]), L.ConvLSTM2D(3, 3, padding="same"),
                        L.Flatten(), L.Dense(1)])
    model.set_weights(ws)
    model.compile(optimizer=Adam(0.01), loss="mse")
    loss1 = model.train_on_batch(xs[0], xs[1])
    for i, w in enumerate(model.get_weights()):
        assert_close(w, a[f"s1_w{i}"], tol=1e-4)
    loss2 = model.train_on_batch(xs[0], xs[1])
    for i, w in enumerate(model.get_weights()):
        assert_close(w, a[f"s2_w{i}"], tol=1e-4)
    assert_close(np.ravel(loss1)[0], a["loss1"], tol=1e-4)
    assert_close(np.ravel(loss2)[0], a["loss2"], tol=1e-4)


def test_golden_h5_loads_and_saves_back(tmp_path, kernel_mode):
    from ckeras.models import load_model
    case, xs, ws, ys, _ = GOLDEN.load("h5")
    model = load_model(GOLDEN.file(case["file"]))
    layer = model.get_layer("convlstm")
    assert isinstance(layer, L.ConvLSTM2D)
    for w, want in zip(model.get_weights(), ws):
        np.testing.assert_array_equal(w, want)
    assert_close(model.predict(xs[0], verbose=0), ys[0])
    path = tmp_path / "again.h5"
    model.save(path)
    import h5py
    with h5py.File(path, "r") as f:
        names = [n.decode() if isinstance(n, bytes) else n
                 for n in f["model_weights/convlstm"].attrs["weight_names"]]
    assert names == case["weight_names"]
    assert_close(load_model(path).predict(xs[0], verbose=0), ys[0])
    keras_file = tmp_path / "again.keras"
    model.save(keras_file)
    assert_close(load_model(keras_file).predict(xs[0], verbose=0), ys[0])


# ---------------------------------------------------------------- harness
HARNESS = [
    (L.ConvLSTM1D, {"filters": 2, "kernel_size": 3}, (2, 3, 6, 2)),
    (L.ConvLSTM2D, {"filters": 2, "kernel_size": (2, 3), "return_sequences": True,
                    "padding": "same"}, (2, 3, 4, 5, 2)),
    (L.ConvLSTM2D, {"filters": 2, "kernel_size": 2, "data_format": "channels_first",
                    "return_sequences": True}, (2, 3, 2, 4, 5)),
    (L.ConvLSTM3D, {"filters": 2, "kernel_size": 2, "go_backwards": True},
     (1, 2, 3, 3, 3, 1)),
]


@pytest.mark.parametrize("cls, kwargs, shape", HARNESS,
                         ids=[f"{c.__name__}-{i}" for i, (c, _, _) in enumerate(HARNESS)])
def test_layer_harness(cls, kwargs, shape):
    layer_test(cls, kwargs, input_shape=shape, atol=1e-5, rtol=1e-5)


def test_symbolic_shapes_and_state_outputs():
    x = Input((4, 6, 5, 3))
    out, h, c = L.ConvLSTM2D(2, 3, strides=(2, 1), return_state=True)(x)
    assert tuple(out.shape) == (None, 2, 3, 2)
    assert tuple(h.shape) == tuple(c.shape) == (None, 2, 3, 2)
    seq = L.ConvLSTM1D(4, 2, return_sequences=True, data_format="channels_first")
    assert seq.compute_output_shape((None, 5, 3, 7)) == (None, 5, 4, 6)


def test_unit_forget_bias():
    layer = L.ConvLSTM2D(3, 2, bias_initializer="zeros")
    layer.build((None, 2, 4, 4, 1))
    np.testing.assert_array_equal(layer.get_weights()[2], [0] * 3 + [1] * 3 + [0] * 6)
    layer = L.ConvLSTM2D(3, 2, unit_forget_bias=False)
    layer.build((None, 2, 4, 4, 1))
    np.testing.assert_array_equal(layer.get_weights()[2], np.zeros(12))


def _dropout_layer(**kw):
    layer = L.ConvLSTM2D(2, 3, padding="same", return_sequences=True, **kw)
    x = np.random.default_rng(0).uniform(-1, 1, (2, 3, 4, 4, 2)).astype("float32")
    layer(x)
    return layer, x


@pytest.mark.parametrize("kw", [{"dropout": 0.5}, {"recurrent_dropout": 0.5}])
def test_dropout_in_training_only(kw):
    layer, x = _dropout_layer(**kw)
    plain = layer(x, training=False)
    assert_close(layer(x, training=False), plain)
    dropped = layer(x, training=True)
    assert not np.allclose(dropped, plain)


def test_dropout_masks_are_per_sample_and_gate_for_the_whole_call():
    # With only the input dropped at the last step, a dropout mask fixed per
    # call makes the first step's output depend on the same mask as a full
    # run; recompute the call with the drawn masks and compare.
    layer, x = _dropout_layer(dropout=0.5)
    drawn = []
    real = K.dropout

    def spy(v, level, *a, **k):
        out = real(v, level, *a, **k)
        drawn.append(np.asarray(out.value if isinstance(out, Tensor) else out))
        return out

    import ckeras.layers.convolutional_recurrent as mod
    old = mod.K.dropout
    mod.K.dropout = spy
    try:
        got = layer(x, training=True)
    finally:
        mod.K.dropout = old
    assert len(drawn) == 4 and drawn[0].shape == (2, 4, 4, 2)
    # reference: each gate's kernel slice applied to x * its mask, every step
    k, r, b = layer.get_weights()
    xz = np.concatenate([_conv_same(x * m[:, None], k[..., g * 2:(g + 1) * 2])
                         + b[g * 2:(g + 1) * 2] for g, m in enumerate(drawn)], axis=-1)
    from ckeras.kernels.reference.convlstm import _recurrence_fwd
    H, _, _ = _recurrence_fwd(xz.astype("float32"), r, np.zeros((2, 4, 4, 2), "float32"),
                              np.zeros((2, 4, 4, 2), "float32"), None, None, False, 3, 5)
    assert_close(got, H)


def _conv_same(x, w):
    """(N, T, H, W, C) * (3, 3, C, O), 'same', by direct sums."""
    N, T, H, W, _ = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1), (0, 0)))
    out = np.zeros((N, T, H, W, w.shape[-1]))
    for i in range(3):
        for j in range(3):
            out += xp[:, :, i:i + H, j:j + W] @ w[i, j]
    return out


def test_fit_reduces_loss_with_dropout():
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, (8, 3, 4, 4, 1)).astype("float32")
    y = x[:, -1].mean(axis=(1, 2, 3))[:, None]
    model = Sequential([Input((3, 4, 4, 1)),
                        L.ConvLSTM2D(4, 3, padding="same", dropout=0.1, recurrent_dropout=0.1),
                        L.GlobalAveragePooling2D(), L.Dense(1)])
    model.compile("adam", "mse")
    hist = model.fit(x, y, epochs=15, batch_size=8, verbose=0).history["loss"]
    assert hist[-1] < hist[0]


# ---------------------------------------------------------------- bad input
def test_bad_arguments():
    with pytest.raises(ValueError, match="filters"):
        L.ConvLSTM2D(0, 3)
    with pytest.raises(ValueError, match="kernel_size"):
        L.ConvLSTM2D(2, (3, 3, 3))
    with pytest.raises(ValueError, match="padding"):
        L.ConvLSTM2D(2, 3, padding="causal")
    with pytest.raises(ValueError, match="dilation_rate"):
        L.ConvLSTM2D(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(TypeError, match="unroll"):
        L.ConvLSTM2D(2, 3, unroll=True)


def test_bad_inputs():
    layer = L.ConvLSTM2D(2, 3, name="clstm")
    with pytest.raises(ValueError, match="clstm.*ndim=5"):
        layer(np.zeros((2, 3, 5, 5), "float32"))
    with pytest.raises(ValueError, match="channel dimension"):
        L.ConvLSTM2D(2, 3).build((None, 2, 5, 5, None))
    layer = L.ConvLSTM2D(2, 3, padding="same", name="clstm2")
    x = np.zeros((2, 3, 5, 5, 1), "float32")
    with pytest.raises(ValueError, match="clstm2.*2 states"):
        layer(x, initial_state=[np.zeros((2, 5, 5, 2), "float32")])
    with pytest.raises(ValueError, match=r"Initial state 0 .*clstm2.*\(2, 5, 5, 2\)"):
        layer(x, initial_state=[np.zeros((2, 4, 5, 2), "float32")] * 2)
    with pytest.raises(ValueError, match="mask.*clstm2"):
        layer(x, mask=np.ones((2, 4), bool))
    positions = np.ones((2, 3, 5, 5), bool)
    positions[0, 1, 2, 2] = False
    with pytest.raises(ValueError, match="clstm2.*single positions"):
        layer(x, mask=positions)
    with pytest.raises(AttributeError, match="stateful"):
        layer.reset_states()
    with pytest.raises(ValueError, match="batch size"):
        Sequential([Input((3, 5, 5, 1)), L.ConvLSTM2D(2, 3, stateful=True)])


def test_reset_states_to_given_values_equals_initial_state():
    rng = np.random.default_rng(2)
    x = rng.uniform(-1, 1, (2, 3, 4, 4, 1)).astype("float32")
    h, c = (rng.uniform(-1, 1, (2, 4, 4, 2)).astype("float32") for _ in range(2))
    model = Sequential([L.ConvLSTM2D(2, 3, padding="same", stateful=True,
                                     batch_input_shape=x.shape)])
    layer = model.layers[0]
    layer.reset_states([h, c])
    plain = L.ConvLSTM2D(2, 3, padding="same")
    plain(x)
    plain.set_weights(layer.get_weights())
    assert_close(model.predict(x, batch_size=2, verbose=0), plain(x, initial_state=[h, c]))
    with pytest.raises(ValueError, match="State 0 is incompatible"):
        layer.reset_states([h[:1], c])
