"""Recurrent layers against golden tf-keras 2.21 fixtures (tests/fixtures/recurrent,
written by tools/make_fixtures_recurrent.py), the layer_test harness, the
generic per-step path, and bad input."""
import json
import pathlib

import numpy as np
import pytest

from ckeras import backend as K
from ckeras import layers as Lmod
from ckeras.autograd import Tensor, enable_grad, grad
from ckeras.engine import Input
from ckeras.engine.functional import Functional
from ckeras.engine.sequential import Sequential
from ckeras.kernels import use_kernels
from ckeras.layers import (
    GRU,
    LSTM,
    RNN,
    Dense,
    Embedding,
    GRUCell,
    LSTMCell,
    Masking,
    SimpleRNN,
)
from ckeras.testing import Golden, assert_close, assert_config_matches, layer_test

GOLDEN = Golden(pathlib.Path(__file__).resolve().parents[1] / "fixtures", "recurrent")

CLASSES = {"SimpleRNN": SimpleRNN, "LSTM": LSTM, "GRU": GRU}


@pytest.fixture(params=["c", "c-transposed-all-batches", "numpy"])
def kernel_mode(request, monkeypatch):
    """The C kernels, the NumPy references, and the C kernels with LSTM
    inference in its transposed step layout at every batch size (the
    fixtures' batches are below the size where it is picked by default)."""
    if request.param == "c-transposed-all-batches":
        from ckeras.autograd.functions import rnn as rnn_fn
        monkeypatch.setattr(rnn_fn, "_TRANSPOSED_MIN_BATCH", 1)
    mode = "numpy" if request.param == "numpy" else "c"
    with use_kernels(mode):
        yield mode


@pytest.mark.parametrize("name", GOLDEN.names(kind="layer"))
def test_golden_layer(name, kernel_mode):
    case, xs, ws, ys, _ = GOLDEN.load(name)
    K.clear_session()
    layer = CLASSES[case["layer"]](**case["kwargs"])
    out = layer(xs[0])
    layer.set_weights(ws)
    out = layer(xs[0])
    outs = out if isinstance(out, list) else [out]
    assert len(outs) == len(ys)
    for o, y in zip(outs, ys):
        assert_close(o, y)
    # (tf-keras names these without the layer scope: built outside __call__)
    assert [w.name.split("/", 1)[1] for w in layer.weights] == case["weight_names"]
    assert_config_matches(layer.get_config(), case["config"])


@pytest.mark.parametrize("name", GOLDEN.names(kind="layer"))
def test_golden_layer_generic_path(name):
    """A subclassed cell takes the per-step autograd path: same numbers."""
    case, xs, ws, ys, _ = GOLDEN.load(name)
    K.clear_session()
    ref = CLASSES[case["layer"]](**case["kwargs"])
    kw = {k: v for k, v in ref.get_config().items()
          if k in ("return_sequences", "return_state", "go_backwards")}
    cell_cls = type("UserCell", (type(ref.cell),), {})
    cell = cell_cls.from_config({k: v for k, v in ref.cell.get_config().items()
                                 if k != "name"})
    layer = RNN(cell, **kw)
    layer(xs[0])
    layer.set_weights(ws)
    out = layer(xs[0])
    outs = out if isinstance(out, list) else [out]
    for o, y in zip(outs, ys):
        assert_close(o, y)


@pytest.mark.parametrize("helper", ["off", "claims", "strict"])
@pytest.mark.parametrize("name", GOLDEN.names(kind="batch1"))
def test_golden_batch1_two_threads(name, helper):
    """One sample through a wide LSTM: predict splits each step by units
    between the caller and the helper thread (strict: the helper takes
    every upper half), or with the helper off runs on one thread; tf-keras'
    numbers either way, masked steps and go_backwards included."""
    import time

    from ckeras import kernels
    from ckeras.kernels import testing
    case, xs, ws, ys, _ = GOLDEN.load(name)
    K.clear_session()
    inp = Input(tuple(case["input_shapes"][0]))
    layer = LSTM(**case["kwargs"])
    model = Functional(inp, layer(Masking(0.0)(inp)))
    layer.set_weights(ws)
    time.sleep(0.03)    # past the helper's back-off after overlapping calls
    prev_on = kernels.set_helper_enabled(helper != "off")
    prev_strict = testing.set_split_strict(helper == "strict")
    try:
        jobs = testing.helper_jobs_taken()
        with kernels.use_kernels("c"):    # the split is a property of the C kernel
            outs = model.predict(xs[0], verbose=0)
        taken = testing.helper_jobs_taken() - jobs
    finally:
        kernels.set_helper_enabled(prev_on)
        testing.set_split_strict(prev_strict)
    outs = outs if isinstance(outs, list) else [outs]
    assert len(outs) == len(ys)
    for o, y in zip(outs, ys):
        assert_close(o, y)
    if helper == "strict":
        assert taken == 1
    elif helper == "off":
        assert taken == 0


@pytest.mark.parametrize("name", GOLDEN.names(kind="masking"))
def test_golden_masking(name, kernel_mode):
    case, xs, ws, ys, _ = GOLDEN.load(name)
    K.clear_session()
    inp = Input(tuple(case["input_shapes"][0]))
    layer = CLASSES[case["layer"]](**case["kwargs"])
    model = Functional(inp, layer(Masking(0.0)(inp)))
    layer.set_weights(ws)
    assert_close(model.predict(xs[0], verbose=0), ys[0])
    assert [w.name for w in layer.weights] == case["weight_names"]
    # eager, mask passed by hand
    mask = np.any(xs[0] != 0, axis=-1)
    assert_close(layer(xs[0], mask=mask), ys[0])


@pytest.mark.parametrize("name", GOLDEN.names(kind="masking_state"))
def test_golden_masking_with_states(name, kernel_mode):
    case, xs, ws, ys, _ = GOLDEN.load(name)
    K.clear_session()
    layer = CLASSES[case["layer"]](**case["kwargs"])
    x, states = xs[0], xs[1:]
    mask = np.any(x != 0, axis=-1)
    layer(x, initial_state=states, mask=mask)
    layer.set_weights(ws)
    outs = layer(x, initial_state=states, mask=mask)
    for o, y in zip(outs, ys):
        assert_close(o, y)
    # and through a functional model with Input states
    K.clear_session()
    inp = Input(x.shape[1:])
    st = [Input((s.shape[1],)) for s in states]
    layer = CLASSES[case["layer"]](**case["kwargs"])
    model = Functional([inp] + st, layer(Masking(0.0)(inp), initial_state=st))
    layer.set_weights(ws)
    for o, y in zip(model.predict([x] + states, verbose=0), ys):
        assert_close(o, y)


@pytest.mark.parametrize("name", GOLDEN.names(kind="embedding"))
def test_golden_embedding_mask_zero(name, kernel_mode):
    case, xs, ws, ys, _ = GOLDEN.load(name)
    K.clear_session()
    model = Sequential([Embedding(10, 4, mask_zero=True, input_length=xs[0].shape[1]),
                        CLASSES[case["layer"]](**case["kwargs"])])
    model.build((None, xs[0].shape[1]))
    model.set_weights(ws)
    assert_close(model.predict(xs[0], verbose=0), ys[0])


@pytest.mark.parametrize("name", GOLDEN.names(kind="initial_state"))
def test_golden_initial_state(name, kernel_mode):
    case, xs, ws, ys, _ = GOLDEN.load(name)
    K.clear_session()
    layer = CLASSES[case["layer"]](**case["kwargs"])
    layer(xs[0], initial_state=xs[1:])
    layer.set_weights(ws)
    assert_close(layer(xs[0], initial_state=xs[1:]), ys[0])
    # list-input form [x, *states]
    assert_close(layer(list(xs)), ys[0])


@pytest.mark.parametrize("name", GOLDEN.names(kind="stateful"))
def test_golden_stateful(name, kernel_mode):
    case, xs, ws, ys, _ = GOLDEN.load(name)
    K.clear_session()
    B = xs[0].shape[0]
    kwargs = dict(case["kwargs"])
    model = Sequential([CLASSES[case["layer"]](batch_input_shape=(B,) + xs[0].shape[1:],
                                               **kwargs)])
    model.layers[0].set_weights(ws)
    assert_close(model.predict(xs[0], batch_size=B, verbose=0), ys[0])
    assert_close(model.predict(xs[1], batch_size=B, verbose=0), ys[1])
    model.reset_states()
    assert_close(model.predict(xs[1], batch_size=B, verbose=0), ys[2])
    layer = model.layers[0]
    with pytest.raises(ValueError, match=layer.name):
        layer(xs[0][:1])


@pytest.mark.parametrize("name", GOLDEN.names(kind="train"))
def test_golden_two_adam_steps(name, kernel_mode):
    from ckeras.optimizers import Adam
    case, xs, ws, ys, a = GOLDEN.load(name)
    K.clear_session()
    T, F = xs[0].shape[1:]
    model = Sequential([CLASSES[case["layer"]](4, input_shape=(T, F)), Dense(1)])
    model.set_weights(ws)
    model.compile(optimizer=Adam(0.01), loss="mse")
    loss1 = model.train_on_batch(xs[0], xs[1])
    for i, w in enumerate(model.get_weights()):
        assert_close(w, a[f"s1_w{i}"])
    loss2 = model.train_on_batch(xs[0], xs[1])
    for i, w in enumerate(model.get_weights()):
        assert_close(w, a[f"s2_w{i}"])
    assert_close(np.ravel(loss1)[0], a["loss1"])
    assert_close(np.ravel(loss2)[0], a["loss2"])


# ---------------------------------------------------------------- harness
HARNESS = [
    (SimpleRNN, {"units": 3}),
    (SimpleRNN, {"units": 2, "return_sequences": True, "go_backwards": True}),
    (LSTM, {"units": 3}),
    (LSTM, {"units": 2, "return_sequences": True, "unit_forget_bias": False}),
    (LSTM, {"units": 2, "recurrent_activation": "hard_sigmoid", "use_bias": False}),
    (GRU, {"units": 3}),
    (GRU, {"units": 2, "reset_after": False, "return_sequences": True}),
    (GRU, {"units": 2, "activation": "elu"}),          # generic path (no kernel code)
]


@pytest.mark.parametrize("cls, kwargs", HARNESS,
                         ids=[f"{c.__name__}-{i}" for i, (c, _) in enumerate(HARNESS)])
def test_layer_harness(cls, kwargs):
    layer_test(cls, kwargs, input_shape=(2, 4, 3), atol=1e-5, rtol=1e-5)


def test_rnn_wrapper_harness():
    layer_test(RNN, {"cell": LSTMCell(3), "return_sequences": True},
               input_shape=(2, 4, 3), atol=1e-5, rtol=1e-5, test_models=False,
               test_float64=False)   # kwargs share one cell instance


# ------------------------------------------------------------- behaviour
def test_stacked_cells_names_and_equivalence():
    K.clear_session()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 4, 3)).astype("float32")
    layer = RNN([LSTMCell(3), GRUCell(2)], return_state=True)
    out = layer(x)
    assert len(out) == 4    # output, h1, c1, h2
    assert [w.name for w in layer.weights][:1] == ["rnn/stacked_rnn_cells/lstm_cell/kernel:0"]
    assert [tuple(w.shape) for w in layer.weights] == [(3, 12), (3, 12), (12,), (3, 6),
                                                       (2, 6), (2, 6)]
    # = two layers in sequence
    l1 = LSTM(3, return_sequences=True)
    l2 = GRU(2)
    l1(x)
    l1.set_weights(layer.get_weights()[:3])
    l2(l1(x))
    l2.set_weights(layer.get_weights()[3:])
    assert_close(out[0], np.asarray(l2(l1(x))))
    cfg = layer.get_config()
    again = RNN.from_config(json.loads(json.dumps(cfg)))
    assert again.get_config()["cell"]["class_name"] == "StackedRNNCells"


def test_gradients_fast_equal_generic():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 5, 4))
    mask = np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 1], [1, 1, 1, 1, 1]], bool)
    for cls, kw in ((LSTM, {}), (GRU, {}), (GRU, {"reset_after": False}), (SimpleRNN, {})):
        K.clear_session()
        fast = cls(3, return_sequences=True, go_backwards=True, dtype="float64", **kw)
        fast(x)
        cell = type("C", (type(fast.cell),), {}).from_config(
            dict(fast.cell.get_config(), dtype="float64"))
        slow = RNN(cell, return_sequences=True, go_backwards=True, dtype="float64")
        slow(x)
        slow.set_weights(fast.get_weights())
        xt, xt2 = Tensor(x, requires_grad=True), Tensor(x, requires_grad=True)
        with enable_grad():
            y_fast, y_slow = fast(xt, mask=mask), slow(xt2, mask=mask)
        seed = [np.cos(np.arange(45.0)).reshape(3, 5, 3)]
        g_fast = grad(y_fast, [xt] + fast.trainable_weights, grad_outputs=seed)
        g_slow = grad(y_slow, [xt2] + slow.trainable_weights, grad_outputs=seed)
        for a, b in zip(g_fast, g_slow):
            assert np.any(a)
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-10)


def test_dropout_training_only():
    K.clear_session()
    x = np.random.default_rng(2).standard_normal((4, 6, 3)).astype("float32")
    layer = LSTM(5, dropout=0.5, recurrent_dropout=0.3)
    base = np.asarray(layer(x))
    np.testing.assert_array_equal(np.asarray(layer(x, training=False)), base)
    trained = np.asarray(layer(x, training=True))
    assert trained.shape == base.shape and not np.allclose(trained, base)
    # one mask per call: a constant input sequence under input dropout only
    cell = layer.cell
    cell.reset_dropout_mask()
    m1 = cell._masks("_dp_mask", 0.5, x[:, 0], 4, True)
    m2 = cell._masks("_dp_mask", 0.5, x[:, 0], 4, True)
    assert m1 is m2 and len(m1) == 4


def test_unit_forget_bias_and_initializers():
    K.clear_session()
    layer = LSTM(2)
    layer(np.zeros((1, 2, 3), "float32"))
    np.testing.assert_array_equal(layer.cell.bias.value, [0, 0, 1, 1, 0, 0, 0, 0])
    r = layer.cell.recurrent_kernel.value
    np.testing.assert_allclose(r @ r.T, np.eye(2), atol=1e-5)   # orthogonal rows
    g = GRU(5, reset_after=False)
    g(np.zeros((1, 2, 4), "float32"))
    assert g.count_params() == 150
    g = GRU(5)
    g(np.zeros((1, 2, 4), "float32"))
    assert g.count_params() == 165


def test_regularizers_and_constraints():
    K.clear_session()
    layer = SimpleRNN(3, kernel_regularizer="l2", recurrent_regularizer="l1",
                      bias_regularizer="l2", activity_regularizer="l2",
                      kernel_constraint="non_neg")
    layer(np.ones((2, 3, 4), "float32"))
    assert len(layer.losses) >= 3
    assert layer.cell.kernel.constraint is not None


def test_time_major():
    K.clear_session()
    x = np.random.default_rng(3).standard_normal((2, 5, 3)).astype("float32")
    a = LSTM(4, return_sequences=True)
    b = LSTM(4, return_sequences=True, time_major=True)
    ya = a(x)
    b(np.transpose(x, (1, 0, 2)))
    b.set_weights(a.get_weights())
    yb = b(np.transpose(x, (1, 0, 2)))
    assert_close(np.transpose(np.asarray(yb), (1, 0, 2)), np.asarray(ya))


def test_bad_input():
    K.clear_session()
    layer = LSTM(3, name="my_lstm")
    with pytest.raises(ValueError, match="my_lstm"):
        layer(np.zeros((2, 3), "float32"))
    x = np.zeros((2, 4, 3), "float32")
    layer = LSTM(3, name="my_lstm2")
    layer(x)
    with pytest.raises(ValueError, match="my_lstm2"):
        layer(x, initial_state=[np.zeros((2, 3), "float32")])          # count
    with pytest.raises(ValueError, match="my_lstm2"):
        layer(x, initial_state=[np.zeros((2, 4), "float32")] * 2)      # shape
    with pytest.raises(ValueError, match="my_lstm2"):
        layer(x, mask=np.ones((2, 5), bool))
    with pytest.raises(ValueError, match="stateful"):
        Sequential([LSTM(3, stateful=True, input_shape=(4, 3))])
    with pytest.raises(ValueError, match="my_lstm3"):
        inp = Input((None, 3))
        LSTM(3, stateful=True, name="my_lstm3")(inp)


def test_symbolic_shapes_and_masks():
    K.clear_session()
    inp = Input((5,), dtype="int32")
    e = Embedding(10, 4, mask_zero=True)(inp)
    out, h, c = LSTM(3, return_sequences=True, return_state=True)(e)
    assert tuple(out.shape) == (None, 5, 3) and tuple(h.shape) == (None, 3)
    y = GRU(2)(out)
    model = Functional(inp, y)
    assert model.predict(np.array([[1, 2, 0, 0, 0]]), verbose=0).shape == (1, 2)
    assert isinstance(Lmod.deserialize(Lmod.serialize(LSTM(2))), LSTM)


def test_fit_stateful_carries_states():
    K.clear_session()
    model = Sequential([LSTM(3, stateful=True, batch_input_shape=(2, 4, 3)), Dense(1)])
    model.compile("adam", "mse")
    x = np.random.default_rng(4).standard_normal((4, 4, 3)).astype("float32")
    y = np.zeros((4, 1), "float32")
    model.fit(x, y, batch_size=2, epochs=1, shuffle=False, verbose=0)
    st = model.layers[0].states
    assert st[0].shape == (2, 3) and np.abs(st[0]).sum() > 0
    model.reset_states()
    assert np.abs(model.layers[0].states[0]).sum() == 0


# ---------------------------------------------------------------- wrappers
def _inner(spec):
    cls_name, kw = spec
    return getattr(Lmod, cls_name)(**kw)


@pytest.mark.parametrize("name", GOLDEN.names(kind="bidi") + GOLDEN.names(kind="td"))
def test_golden_wrappers(name, kernel_mode):
    case, xs, ws, ys, _ = GOLDEN.load(name)
    K.clear_session()
    kw = dict(case["kwargs"])
    inner = _inner(kw.pop("layer"))
    masked = kw.pop("masked")
    if case["kind"] == "td":
        layer = Lmod.TimeDistributed(inner)
    else:
        back = kw.pop("backward", None)
        layer = Lmod.Bidirectional(inner, backward_layer=_inner(back) if back else None, **kw)
    inp = Input(xs[0].shape[1:])
    model = Functional(inp, layer(Masking(0.0)(inp) if masked else inp))
    layer.set_weights(ws)
    out = model.predict(xs[0], verbose=0)
    outs = out if isinstance(out, list) else [out]
    assert len(outs) == len(ys)
    for o, y in zip(outs, ys):
        assert_close(o, y)
    assert [w.name for w in layer.weights] == case["weight_names"]
    assert_config_matches(layer.get_config(), case["config"])
    again = type(layer).from_config(json.loads(json.dumps(layer.get_config())))
    again(xs[0])
    again.set_weights(ws)
    if not masked:
        got = again(xs[0])
        for o, y in zip(got if isinstance(got, list) else [got], ys):
            assert_close(o, y)


def test_bidirectional_bad_input_and_training():
    with pytest.raises(ValueError, match="Layer"):
        Lmod.Bidirectional("lstm")
    with pytest.raises(ValueError, match="my_dense"):
        Lmod.Bidirectional(Dense(3, name="my_dense"))
    with pytest.raises(ValueError, match="merge mode"):
        Lmod.Bidirectional(LSTM(3), merge_mode="max")
    with pytest.raises(ValueError, match="go_backwards"):
        Lmod.Bidirectional(LSTM(3), backward_layer=LSTM(3))
    with pytest.raises(ValueError, match="return_sequences"):
        Lmod.Bidirectional(LSTM(3), backward_layer=LSTM(3, go_backwards=True,
                                                        return_sequences=True))
    with pytest.raises(ValueError):
        Lmod.TimeDistributed(Dense(2))(np.zeros((2, 3), "float32"))
    # a small Bidirectional text classifier trains
    K.clear_session()
    model = Sequential([Embedding(20, 4, mask_zero=True, input_length=6),
                        Lmod.Bidirectional(LSTM(3)), Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy")
    x = np.random.default_rng(5).integers(0, 20, (8, 6))
    y = (x.sum(1) > 60).astype("float32")[:, None]
    h = model.fit(x, y, epochs=2, batch_size=4, verbose=0)
    assert np.isfinite(h.history["loss"]).all()


@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_lstm_inference_kernel_at_large_batch(return_sequences, go_backwards):
    """From batch 16 up, predict steps in the transposed layout; with padded
    rows (Masking) it gives the training kernel's numbers (taped call) and
    the NumPy reference's."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((20, 9, 6)).astype(np.float32)
    x[:5, 6:] = 0.0          # right-padded rows
    x[5:8, :2] = 0.0         # left-padded rows
    K.clear_session()
    model = Sequential([Lmod.Masking(input_shape=(9, 6)),
                        Lmod.LSTM(7, return_sequences=return_sequences,
                                  go_backwards=go_backwards)])
    model.set_weights([w + rng.standard_normal(w.shape).astype(np.float32) * 0.3
                       for w in model.get_weights()])
    from ckeras.autograd.functions import rnn as rnn_fn
    assert x.shape[0] >= rnn_fn._TRANSPOSED_MIN_BATCH
    out = model.predict(x, batch_size=20, verbose=0)
    taped = model(Tensor(x, requires_grad=True)).value
    with use_kernels("numpy"):
        expected = model.predict(x, batch_size=20, verbose=0)
    np.testing.assert_allclose(out, taped, rtol=2e-5, atol=2e-6)
    np.testing.assert_allclose(out, expected, rtol=2e-5, atol=2e-6)


def _fast_and_slow(cls, kw, x, wrap=None):
    """The kernel-path layer and the same layer on a subclassed cell (which
    takes the per-step path), same weights."""
    fast = cls(3, return_sequences=True, go_backwards=True, dtype="float64", **kw)
    cell = type("C", (type(fast.cell),), {}).from_config(
        dict(fast.cell.get_config(), dtype="float64"))
    slow = RNN(cell, return_sequences=True, go_backwards=True, dtype="float64")
    if wrap is not None:
        fast, slow = wrap(fast), wrap(slow)
    fast(x)
    slow(x)
    slow.set_weights(fast.get_weights())
    return fast, slow


DROPOUT_CASES = [(cls, dict(kw, **dp)) for cls, kw in
                 ((LSTM, {}), (GRU, {}), (GRU, {"reset_after": False}), (SimpleRNN, {}))
                 for dp in ({"dropout": 0.3}, {"recurrent_dropout": 0.4},
                            {"dropout": 0.3, "recurrent_dropout": 0.4},
                            {"dropout": 0.3, "implementation": 1})]


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("cls, kw", DROPOUT_CASES)
def test_dropout_kernel_path_equals_step_path(cls, kw, bidirectional, monkeypatch):
    """Training with dropout/recurrent_dropout runs on the C kernels (no
    per-step path) and gives the per-step path's outputs and gradients for
    the same masks (the same seed), with masking and go_backwards, alone or
    in Bidirectional."""
    from ckeras.layers import Bidirectional
    if cls is SimpleRNN:
        kw = {k: v for k, v in kw.items() if k != "implementation"}
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 5, 4))
    mask = np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 1], [1, 1, 1, 1, 1]], bool)
    K.clear_session()
    fast, slow = _fast_and_slow(cls, kw, x, Bidirectional if bidirectional else None)
    seed = [np.cos(np.arange(90.0 if bidirectional else 45.0)).reshape(3, 5, -1)]
    results = []
    for layer, per_step in ((fast, False), (slow, True)):
        if not per_step:
            def no_steps(*a, **k):
                raise AssertionError("the per-step path ran")
            monkeypatch.setattr(K, "rnn", no_steps)
        np.random.seed(11)
        xt = Tensor(x, requires_grad=True)
        with enable_grad():
            y = layer(xt, mask=mask, training=True)
        monkeypatch.undo()
        results.append([np.asarray(y)] + grad(y, [xt] + layer.trainable_weights,
                                               grad_outputs=seed))
    np.random.seed(11)
    plain = np.asarray(fast(x, mask=mask, training=False))
    assert not np.allclose(results[0][0], plain)      # dropout did apply
    for a, b in zip(*results):
        assert np.any(a)
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-10)


def test_dropout_masks_as_tf_keras_draws_them():
    """implementation=2 (the default) shares one input mask across the gates;
    implementation=1 and any recurrent dropout use one per gate, and
    recurrent_dropout switches the cell to implementation=1 (tf-keras)."""
    from ckeras.layers.recurrent import _call_dropout_masks
    x = np.ones((6, 2, 40), "float32")
    h = np.ones((6, 30), "float32")
    for cls, gates in ((LSTM, 4), (GRU, 3)):
        layer = cls(30, dropout=0.5)
        assert layer.implementation == 2
        dpx, dph = _call_dropout_masks(layer.cell, x, h)
        assert dph is None and dpx.shape == (1, 6, 40)     # one mask, every gate
        assert set(np.unique(dpx)) == {0.0, 2.0}
        layer = cls(30, dropout=0.5, recurrent_dropout=0.25)
        assert layer.implementation == 1 and layer.get_config()["implementation"] == 1
        dpx, dph = _call_dropout_masks(layer.cell, x, h)
        assert dpx.shape == (gates, 6, 40) and dph.shape == (gates, 6, 30)
        assert not np.array_equal(dpx[0], dpx[1]) and not np.array_equal(dph[0], dph[1])
        np.testing.assert_allclose(np.unique(dph), [0.0, 1 / 0.75], rtol=1e-6)
        assert 0.55 < (dph > 0).mean() < 0.95
        # drawn fresh at each call, in float32, from the cell's one C generator
        state = layer.cell._dropout_state
        drawn = int(state[1])
        again = _call_dropout_masks(layer.cell, x, h)
        assert not np.array_equal(again[1], dph)
        assert again[0].dtype == again[1].dtype == np.float32
        assert layer.cell._dropout_state is state
        assert int(state[1]) == drawn + gates * 6 * (40 + 30)
