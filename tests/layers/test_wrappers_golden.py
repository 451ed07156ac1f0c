"""Bidirectional with carried (stateful) and given (initial_state) states
against golden tf-keras 2.21 fixtures (tests/fixtures/recurrent, written by
tools/make_fixtures_recurrent.py; TimeDistributed(RNN) and return_state under
masking run in test_recurrent.test_golden_wrappers), the `weights=` argument,
time-major halves, and gradients through the merge."""

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
from ckeras.layers import GRU, LSTM, Bidirectional
from ckeras.testing import Golden, assert_close

GOLDEN = Golden(pathlib.Path(__file__).resolve().parents[1] / "fixtures", "recurrent")


def _bidi(case, **extra):
    kw = dict(case["kwargs"])
    inner_name, inner_kw = kw.pop("layer")
    kw.pop("masked")
    return Bidirectional(getattr(Lmod, inner_name)(**inner_kw), **kw, **extra)


@pytest.fixture(params=["c", "numpy"])
def kernel_mode(request):
    with use_kernels(request.param):
        yield request.param


def test_fixtures_present():
    assert len(GOLDEN.names(kind="bidi_stateful")) == 2
    assert len(GOLDEN.names(kind="bidi_initial_state")) == 4
    assert {"td_lstm", "td_gru_seq", "bidi_lstm_state_seq_masked",
            "bidi_gru_state_ave_masked"} <= set(GOLDEN.cases)


# ---------------------------------------------------------------- stateful
@pytest.mark.parametrize("name", GOLDEN.names(kind="bidi_stateful"))
def test_golden_bidirectional_stateful(name, kernel_mode):
    case, (x0, x1), ws, (y0, y1, y2), a = GOLDEN.load(name)
    K.clear_session()
    B = x0.shape[0]
    layer = _bidi(case, batch_input_shape=(B,) + x0.shape[1:])
    model = Sequential([layer])
    layer.set_weights(ws)
    assert_close(model.predict(x0, batch_size=B, verbose=0), y0)
    after_x0 = [s.copy() for half in (layer.forward_layer, layer.backward_layer)
                for s in half.states]
    assert_close(model.predict(x1, batch_size=B, verbose=0), y1)    # states carried over
    states = [s for half in (layer.forward_layer, layer.backward_layer) for s in half.states]
    want = [a[f"st{i}"] for i in range(len(states))]
    assert len(want) == len(states) and f"st{len(states)}" not in a
    for s, w in zip(states, want):
        assert_close(s, w)
    model.reset_states()
    assert all(not np.any(s) for half in (layer.forward_layer, layer.backward_layer)
               for s in half.states)
    assert_close(model.predict(x1, batch_size=B, verbose=0), y2)
    assert not np.allclose(y1, y2, atol=1e-3)     # the fixture really carries states
    # reset_states(values): forward's states then backward's
    layer.reset_states(after_x0)
    assert_close(model.predict(x1, batch_size=B, verbose=0), y1)
    with pytest.raises(ValueError, match="forward_"):
        layer(x0[:1])


def test_reset_states_needs_stateful():
    layer = Bidirectional(LSTM(2))
    layer(np.zeros((1, 3, 2), "float32"))
    with pytest.raises(AttributeError, match="stateful"):
        layer.reset_states()


# ----------------------------------------------------------- initial_state
@pytest.mark.parametrize("name", GOLDEN.names(kind="bidi_initial_state"))
def test_golden_bidirectional_initial_state(name, kernel_mode):
    case, xs, ws, (y,), _ = GOLDEN.load(name)
    x, states = xs[0], xs[1:]
    K.clear_session()
    layer = _bidi(case)
    inp = Input(x.shape[1:])
    st = [Input((s.shape[1],)) for s in states]
    model = Functional([inp] + st, layer(inp, initial_state=st))
    layer.set_weights(ws)
    assert_close(model.predict([x] + states, verbose=0), y)
    # eager, keyword and list-input forms
    assert_close(layer(x, initial_state=states), y)
    assert_close(layer([x] + states), y)
    # the halves really start from their own states: swapping them changes the output
    n = len(states) // 2
    swapped = states[n:] + states[:n]
    assert not np.allclose(np.asarray(layer(x, initial_state=swapped)), y, atol=1e-3)


# ----------------------------------------------------------------- weights=
def test_weights_argument_sets_forward_then_backward():
    """tf-keras 2.21 accepts `weights=` but never applies it (it stores the
    halves' lists in an attribute nothing reads), so the reference is the
    Keras contract: the forward half's weights, then the backward half's,
    each in get_weights order, which is also the order of get_weights and
    of the golden fixture's w0..w5."""
    case, (x,), ws, (y,), _ = GOLDEN.load("bidi_lstm_concat_seq")
    K.clear_session()
    layer = _bidi(case, weights=ws)
    out = layer(x)
    assert_close(out, y)
    for got, want in zip(layer.forward_layer.get_weights() + layer.backward_layer.get_weights(),
                         ws):
        np.testing.assert_array_equal(got, want)
    # through a model too (the weights are applied when the layer is built)
    K.clear_session()
    layer = _bidi(case, weights=ws)
    inp = Input(x.shape[1:])
    assert_close(Functional(inp, layer(inp)).predict(x, verbose=0), y)


def test_weights_argument_with_a_custom_backward_layer():
    """Halves with different weight counts split where the forward half ends."""
    K.clear_session()
    rng = np.random.default_rng(0)
    fwd = [rng.standard_normal((4, 12)), rng.standard_normal((3, 12))]      # no bias
    bwd = [rng.standard_normal((4, 6)), rng.standard_normal((2, 6)),
           rng.standard_normal((2, 6))]
    layer = Bidirectional(LSTM(3, use_bias=False),
                          backward_layer=GRU(2, go_backwards=True), weights=fwd + bwd)
    layer(np.zeros((2, 5, 4), "float32"))
    for got, want in zip(layer.forward_layer.get_weights(), fwd):
        np.testing.assert_allclose(got, want.astype("float32"))
    for got, want in zip(layer.backward_layer.get_weights(), bwd):
        np.testing.assert_allclose(got, want.astype("float32"))


def test_weights_argument_wrong_count_names_the_layer():
    ws = [np.zeros((3, 8), "float32"), np.zeros((2, 8), "float32"), np.zeros(8, "float32")]
    layer = Bidirectional(LSTM(2), weights=ws, name="bi_weights")
    with pytest.raises(ValueError, match=r'"bi_weights".* 3 initial weights.* 3 \+ 3 = 6'):
        layer(np.zeros((1, 4, 3), "float32"))
    with pytest.raises(ValueError, match="bi_weights2"):
        Bidirectional(LSTM(2), weights=ws * 3, name="bi_weights2")(Input((4, 3)))
    # right count, wrong shape: the half's own error, naming it
    with pytest.raises(ValueError, match="forward_lstm"):
        Bidirectional(LSTM(2), weights=ws * 2)(np.zeros((1, 4, 5), "float32"))


# -------------------------------------------------------------- time-major
@pytest.mark.parametrize("mode", ["concat", "sum", "mul", "ave", None])
def test_time_major_halves_align_in_time(mode):
    """With time-major halves the backward output is reversed along axis 0
    (time), not axis 1 (batch)."""
    K.clear_session()
    x = np.random.default_rng(3).standard_normal((2, 5, 3)).astype("float32")
    a = Bidirectional(LSTM(4, return_sequences=True), merge_mode=mode)
    b = Bidirectional(LSTM(4, return_sequences=True, time_major=True), merge_mode=mode)
    ya = a(x)
    xt = np.ascontiguousarray(np.transpose(x, (1, 0, 2)))
    b(xt)
    b.set_weights(a.get_weights())
    yb = b(xt)
    pairs = zip(ya, yb) if mode is None else [(ya, yb)]
    for p, q in pairs:
        np.testing.assert_allclose(np.transpose(np.asarray(q), (1, 0, 2)), np.asarray(p),
                                   rtol=1e-6, atol=1e-6)


# --------------------------------------------------------------- gradients
@pytest.mark.parametrize("mode", ["concat", "mul", "ave", None])
@pytest.mark.parametrize("seq", [False, True])
def test_gradients_through_the_merge(mode, seq, kernel_mode):
    """d(sum(out * G)) / d(x, weights) equals the same loss written with the
    halves and NumPy-level ops (concatenate / flip / * / +) on the tape."""
    K.clear_session()
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 4, 2))
    mask = np.array([[1, 1, 1, 0], [0, 1, 1, 1], [1, 1, 1, 1]], bool)
    layer = Bidirectional(LSTM(3, return_sequences=seq, dtype="float64"), merge_mode=mode,
                          dtype="float64")
    layer(x)
    xt = Tensor(x, requires_grad=True)
    with enable_grad():   # layer calls record only in a recording context
        out = layer(xt, mask=mask)
    outs = out if isinstance(out, list) else [out]
    G = [np.cos(np.arange(o.size, dtype=np.float64)).reshape(o.shape) for o in outs]
    wrt = [xt] + layer.trainable_weights
    g_layer = grad(outs, wrt, grad_outputs=G)

    xt2 = Tensor(x, requires_grad=True)
    with enable_grad():
        f = layer.forward_layer(xt2, mask=mask)
        b = layer.backward_layer(xt2, mask=mask)
        if seq:
            b = K.reverse(b, 1)
        if mode == "concat":
            ref = [K.concatenate([f, b], -1)]
        elif mode == "mul":
            ref = [f * b]
        elif mode == "ave":
            ref = [(f + b) * 0.5]
        else:
            ref = [f, b]
    for o, r in zip(outs, ref):
        np.testing.assert_allclose(np.asarray(o.value), np.asarray(r.value), rtol=1e-12)
    g_ref = grad(ref, [xt2] + layer.trainable_weights, grad_outputs=G)
    assert len(g_layer) == len(g_ref) == 7
    for p, q in zip(g_layer, g_ref):
        np.testing.assert_allclose(p, q, rtol=1e-10, atol=1e-12)
