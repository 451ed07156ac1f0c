"""Property-based tests of the conv/pool and RNN kernels at shape edges (batch
0/1, one timestep, one unit, fully masked rows, kernels larger than the input
with padding), through the layers: the C kernels against the NumPy
references (the `kernels_mode` fixture of conftest.py), forward on the
inference and the taped path, and gradients."""
import warnings

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ckeras import backend as K
from ckeras import layers as L
from ckeras.autograd import Tensor, enable_grad, grad

FUZZ = settings.get_profile("fuzz-active")


def outcome(fn):
    """('ok', arrays) or ('err', exception class)."""
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = fn()
    except Exception as e:  # noqa: BLE001 - the class is compared
        return "err", type(e)
    out = out if isinstance(out, (list, tuple)) else [out]
    return "ok", [np.asarray(getattr(o, "value", o)) for o in out]


def assert_same(got, want, dtype):
    assert got[0] == want[0], (got, want)
    if got[0] == "err":
        assert got[1] is want[1], (got, want)
        return
    tol = dict(rtol=2e-4, atol=2e-5) if dtype == "float32" else dict(rtol=1e-9, atol=1e-11)
    assert len(got[1]) == len(want[1])
    for a, b in zip(got[1], want[1]):
        assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, b.shape, a.dtype, b.dtype)
        np.testing.assert_allclose(a, b, **tol)


def both_kernels(kernels_mode, fn):
    """fn() on the C kernels and on the NumPy references."""
    with kernels_mode("c"):
        got = outcome(fn)
    with kernels_mode("numpy"):
        want = outcome(fn)
    return got, want


def forward_and_grads(layer, x, call_kwargs, seed):
    """Inference output, taped output and the gradients of a random linear
    function of the outputs w.r.t. the input and every weight."""
    def infer():
        return layer(x, **call_kwargs)

    def taped():
        xt = Tensor(x, requires_grad=True)
        with enable_grad():
            outs = layer(xt, **call_kwargs)
        outs = outs if isinstance(outs, (list, tuple)) else [outs]
        rng = np.random.default_rng(seed)
        seeds = [rng.standard_normal(o.value.shape).astype(o.value.dtype) for o in outs]
        return [o.value for o in outs] + grad(list(outs), [xt] + layer.trainable_weights,
                                              grad_outputs=seeds)
    return infer, taped


def build(layer, x, call_kwargs):
    """Create the weights, then give every weight (biases included) random values."""
    with np.errstate(all="ignore"):
        layer(x, **call_kwargs)
    rng = np.random.default_rng(7)
    layer.set_weights([rng.uniform(-0.6, 0.6, w.shape).astype(w.dtype)
                       for w in layer.get_weights()])


# -- recurrent -----------------------------------------------------------------

@st.composite
def rnn_cases(draw, batches=(1, 1, 2, 3, 17)):
    dtype = draw(st.sampled_from(["float32", "float64"]))
    B = draw(st.sampled_from(batches))
    T = draw(st.sampled_from([1, 1, 2, 5]))
    F = draw(st.integers(1, 4))
    U = draw(st.sampled_from([1, 1, 2, 5, 64]) if B == 1 else st.sampled_from([1, 2, 5]))
    mask_kind = draw(st.sampled_from(["none", "random", "row_all_masked", "all_masked",
                                      "first_masked"]))
    seed = draw(st.integers(0, 2 ** 16))
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, (B, T, F)).astype(dtype)
    mask = None
    if mask_kind != "none":
        mask = rng.random((B, T)) > 0.4
        if mask_kind == "row_all_masked" and B:
            mask[0] = False
        elif mask_kind == "all_masked":
            mask[:] = False
        elif mask_kind == "first_masked":
            mask[:, 0] = False
    kind = draw(st.sampled_from(["LSTM", "GRU", "GRU_v1", "SimpleRNN"]))
    kwargs = dict(units=U, return_sequences=draw(st.booleans()),
                  return_state=draw(st.booleans()), go_backwards=draw(st.booleans()),
                  dtype=dtype, activation=draw(st.sampled_from(["tanh", "relu", "sigmoid",
                                                                "linear"])))
    if kind != "SimpleRNN":
        kwargs["recurrent_activation"] = draw(st.sampled_from(["sigmoid", "hard_sigmoid",
                                                               "tanh"]))
    if kind.startswith("GRU"):
        kwargs["reset_after"] = kind == "GRU"
    return kind, kwargs, x, mask, seed


RNN_CLASSES = {"LSTM": L.LSTM, "GRU": L.GRU, "GRU_v1": L.GRU, "SimpleRNN": L.SimpleRNN}


@FUZZ
@given(case=rnn_cases(), initial_state=st.booleans())
def test_rnn_layers_c_equals_numpy(kernels_mode, case, initial_state):
    kind, kwargs, x, mask, seed = case
    K.clear_session()
    layer = RNN_CLASSES[kind](**kwargs)
    call = {"mask": mask}
    if initial_state:
        n_states = 2 if kind == "LSTM" else 1
        rng = np.random.default_rng(seed + 1)
        call["initial_state"] = [rng.uniform(-1, 1, (x.shape[0], kwargs["units"]))
                                 .astype(x.dtype) for _ in range(n_states)]
    if outcome(lambda: build(layer, x, call))[0] == "err":
        return  # shapes the layer refuses (the same for both kernels, checked below)
    infer, taped = forward_and_grads(layer, x, call, seed)
    assert_same(*both_kernels(kernels_mode, infer), x.dtype.name)
    assert_same(*both_kernels(kernels_mode, taped), x.dtype.name)


@FUZZ
@given(case=rnn_cases(), merge_mode=st.sampled_from(["concat", "sum", "mul", "ave", None]))
def test_bidirectional_c_equals_numpy(kernels_mode, case, merge_mode):
    kind, kwargs, x, mask, seed = case
    K.clear_session()
    kwargs = dict(kwargs, go_backwards=False)
    layer = L.Bidirectional(RNN_CLASSES[kind](**kwargs), merge_mode=merge_mode)
    call = {"mask": mask}
    if outcome(lambda: build(layer, x, call))[0] == "err":
        return
    infer, taped = forward_and_grads(layer, x, call, seed)
    assert_same(*both_kernels(kernels_mode, infer), x.dtype.name)
    assert_same(*both_kernels(kernels_mode, taped), x.dtype.name)


@FUZZ
@given(case=rnn_cases(batches=(0, 1, 2)))
def test_rnn_layer_refusals_agree(kernels_mode, case):
    """A new layer called on an array (zero-batch and fully-masked inputs
    included) gives outputs of the same shapes, or the same error, on both
    kernel sets (values differ: each layer draws its own weights)."""
    kind, kwargs, x, mask, _ = case

    def fresh():
        K.clear_session()
        return RNN_CLASSES[kind](**kwargs)(x, mask=mask)
    got, want = both_kernels(kernels_mode, fresh)
    assert got[0] == want[0] and (got[0] == "err" and got[1] is want[1] or
                                  [a.shape for a in got[1]] == [b.shape for b in want[1]])


def zero_batch_grads(kernels_mode, mode, kind, kwargs, x, bidirectional):
    """The gradients on x and on every weight of a layer called on a batch of 0."""
    K.clear_session()
    with kernels_mode(mode):
        layer = RNN_CLASSES[kind](**kwargs)
        if bidirectional:
            layer = L.Bidirectional(RNN_CLASSES[kind](**dict(kwargs, go_backwards=False)))
        xt = Tensor(x, requires_grad=True)
        with enable_grad():
            outs = layer(xt)
        outs = outs if isinstance(outs, (list, tuple)) else [outs]
        return grad(list(outs), [xt] + layer.trainable_weights)


def assert_zero_batch_grads(grads, x):
    dx, weights = grads[0], grads[1:]
    assert dx.shape == x.shape and dx.dtype == x.dtype
    assert weights
    for g in weights:
        assert not np.any(g), g


@FUZZ
@given(case=rnn_cases(batches=(0,)), bidirectional=st.booleans())
@example(case=("LSTM", {"units": 2, "dtype": "float32"}, np.zeros((0, 4, 2), np.float32), None,
               0), bidirectional=False)
def test_rnn_zero_batch_weight_gradients_are_zero_c(kernels_mode, case, bidirectional):
    kind, kwargs, x, _, _ = case
    assert_zero_batch_grads(zero_batch_grads(kernels_mode, "c", kind, kwargs, x,
                                             bidirectional), x)


@FUZZ
@given(case=rnn_cases(batches=(0,)), bidirectional=st.booleans())
@example(case=("GRU", {"units": 2, "dtype": "float64"}, np.zeros((0, 3, 1)), None, 0),
         bidirectional=False)
def test_rnn_zero_batch_weight_gradients_are_zero_numpy(kernels_mode, case, bidirectional):
    kind, kwargs, x, _, _ = case
    assert_zero_batch_grads(zero_batch_grads(kernels_mode, "numpy", kind, kwargs, x,
                                             bidirectional), x)


@FUZZ
@given(B=st.sampled_from([1, 2, 3]), T=st.integers(1, 6), F=st.integers(1, 3),
       U=st.integers(1, 4), dtype=st.sampled_from(["float32", "float64"]),
       seed=st.integers(0, 1000))
def test_masking_fully_masked_rows_keep_initial_state(kernels_mode, B, T, F, U, dtype, seed):
    """A row masked at every step returns its initial state (zeros) and
    zero sequences, on both kernel sets."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (B, T, F)).astype(dtype)
    x[0] = 0.0  # Masking(0.) masks every step of row 0
    for cls in (L.LSTM, L.GRU, L.SimpleRNN):
        for mode in ("c", "numpy"):
            K.clear_session()
            with kernels_mode(mode):
                masked = L.Masking(0.0)(x)
                layer = cls(U, return_sequences=True, return_state=True, dtype=dtype)
                outs = layer(masked)
            seq, state = np.asarray(outs[0]), np.asarray(outs[1])
            assert not seq[0].any() and not state[0].any(), (cls.__name__, mode)


# -- convolution and pooling ----------------------------------------------------

@st.composite
def conv_cases(draw, batches=(0, 1, 2, 3)):
    dtype = draw(st.sampled_from(["float32", "float64"]))
    rank = draw(st.sampled_from([1, 2]))
    B = draw(st.sampled_from(batches))
    spatial = tuple(draw(st.integers(1, 7)) for _ in range(rank))
    C = draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2 ** 16))
    x = np.random.default_rng(seed).uniform(-2, 2, (B,) + spatial + (C,)).astype(dtype)
    kernel = tuple(draw(st.integers(1, 9)) for _ in range(rank))  # may exceed the input
    strides = tuple(draw(st.integers(1, 4)) for _ in range(rank))
    paddings = ["valid", "same"] + (["causal"] if rank == 1 else [])
    padding = draw(st.sampled_from(paddings))
    dilation = 1
    if all(s == 1 for s in strides) and draw(st.booleans()):
        dilation = draw(st.integers(2, 3))
    return dtype, rank, x, kernel, strides, padding, dilation, seed


@FUZZ
@given(case=conv_cases(), filters=st.integers(1, 4),
       activation=st.sampled_from(["linear", "relu", "tanh", "sigmoid"]),
       use_bias=st.booleans())
def test_conv_layers_c_equals_numpy(kernels_mode, case, filters, activation, use_bias):
    dtype, rank, x, kernel, strides, padding, dilation, seed = case
    K.clear_session()
    cls = L.Conv1D if rank == 1 else L.Conv2D
    layer = cls(filters, kernel, strides=strides, padding=padding, dilation_rate=dilation,
                activation=activation, use_bias=use_bias, dtype=dtype)
    if outcome(lambda: build(layer, x, {}))[0] == "err":
        return
    infer, taped = forward_and_grads(layer, x, {}, seed)
    assert_same(*both_kernels(kernels_mode, infer), dtype)
    assert_same(*both_kernels(kernels_mode, taped), dtype)


@FUZZ
@given(case=conv_cases(), kind=st.sampled_from(["max", "avg"]))
def test_pool_layers_c_equals_numpy(kernels_mode, case, kind):
    dtype, rank, x, pool, strides, padding, _, seed = case
    if padding == "causal":
        padding = "same"
    K.clear_session()
    cls = {(1, "max"): L.MaxPooling1D, (2, "max"): L.MaxPooling2D,
           (1, "avg"): L.AveragePooling1D, (2, "avg"): L.AveragePooling2D}[rank, kind]
    pool = pool[0] if rank == 1 else pool
    strides = strides[0] if rank == 1 else strides
    layer = cls(pool, strides=strides, padding=padding, dtype=dtype)
    infer, taped = forward_and_grads(layer, x, {}, seed)
    assert_same(*both_kernels(kernels_mode, infer), dtype)
    assert_same(*both_kernels(kernels_mode, taped), dtype)


@FUZZ
@given(case=conv_cases(), kind=st.sampled_from(["max", "avg"]),
       special=st.sampled_from([np.nan, np.inf, -np.inf, -1e30]))
def test_pool_with_non_finite_inputs(kernels_mode, case, kind, special):
    """Max/average pooling with NaN, +-inf and huge values placed in the input:
    C equals NumPy (NaN positions included)."""
    dtype, rank, x, pool, strides, padding, _, seed = case
    if padding == "causal" or x.size == 0:
        return
    x = x.copy()
    rng = np.random.default_rng(seed)
    x.reshape(-1)[rng.integers(0, x.size, max(1, x.size // 4))] = special
    K.clear_session()
    cls = {(1, "max"): L.MaxPooling1D, (2, "max"): L.MaxPooling2D,
           (1, "avg"): L.AveragePooling1D, (2, "avg"): L.AveragePooling2D}[rank, kind]
    layer = cls(pool[0] if rank == 1 else pool, strides=strides[0] if rank == 1 else strides,
                padding=padding, dtype=dtype)
    got, want = both_kernels(kernels_mode, lambda: layer(x))
    assert_same(got, want, dtype)


def test_max_pool_nan_in_padded_window(kernels_mode):
    """A 'same' window whose only real element is NaN gives the lowest finite
    float on both kernel sets, as tf-keras' MaxPooling2D does."""
    x = np.full((1, 1, 1, 1), np.nan, np.float32)
    layer = L.MaxPooling2D((1, 3), strides=(1, 2), padding="same")
    got, want = both_kernels(kernels_mode, lambda: layer(x))
    assert_same(got, want, "float32")
    assert got[1][0].ravel().tolist() == [np.finfo(np.float32).min]
