"""The ConvLSTM kernels (convlstm_fwdx/bwdx: the input convolution inside
the time loop) against their NumPy reference, float32 and float64: 1 to 3
spatial axes, odd sizes, 1-wide and even windows, windows wider than the
state, strides, dilations, 'same' and 'valid' padding, masks, input and
recurrent dropout, go_backwards, zero and non-zero initial states, skipped
gradients, several im2col blocks, the helper thread on and off
(bit-identical), the output pool; the reference against the unfused path it
is built from and against a loop per position; the same errors from both."""
import itertools

import numpy as np
import pytest

from ckeras._ext import _convlstm
from ckeras.kernels import set_helper_enabled
from ckeras.kernels.codes import Act
from ckeras.kernels.reference import conv as ref_conv
from ckeras.kernels.reference import convlstm as ref

DTYPES = [np.float32, np.float64]
TOL = {np.float32: 3e-5, np.float64: 1e-12}


def _out(n, k, s, d, padding):
    """Output size and leading pad of one axis (TF's 'same' split)."""
    ek = (k - 1) * d + 1
    if padding == "same":
        out = -(-n // s)
        return out, max((out - 1) * s + ek - n, 0) // 2
    return (n - ek) // s + 1, 0


# (input sizes, window, strides, dilations, padding)
GEOMETRY = [
    ((7,), (3,), (1,), (1,), "same"),
    ((1,), (1,), (1,), (1,), "same"),
    ((9,), (2,), (2,), (1,), "valid"),
    ((5, 7), (3, 3), (1, 1), (1, 1), "same"),
    ((6, 5), (3, 2), (2, 1), (1, 1), "same"),
    ((7, 7), (3, 3), (1, 1), (2, 1), "valid"),
    ((5, 6), (2, 3), (1, 1), (2, 2), "same"),
    ((3, 4, 5), (2, 3, 3), (1, 2, 1), (1, 1, 1), "same"),
    ((2, 3, 3), (2, 3, 1), (1, 1, 1), (1, 1, 1), "same"),
]


def _problem(N, T, geo, Cin, F, dtype, masked=False, xdrop=False, rdrop=False, bias=True,
             h0zero=True, seed=0):
    sizes, K, strides, dils, padding = geo
    S, pads = zip(*[_out(n, k, s, d, padding) for n, k, s, d in zip(sizes, K, strides, dils)])
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (N, T) + sizes + (Cin,)).astype(dtype)
    W = rng.uniform(-0.5, 0.5, K + (Cin, 4 * F)).astype(dtype)
    b = rng.uniform(-0.5, 0.5, (4 * F,)).astype(dtype) if bias else None
    R = rng.uniform(-0.5, 0.5, K + (F, 4 * F)).astype(dtype)
    shape = (N,) + S + (F,)
    h0 = np.zeros(shape, dtype) if h0zero else rng.uniform(-1, 1, shape).astype(dtype)
    c0 = rng.uniform(-1, 1, shape).astype(dtype)
    mask = None
    if masked:
        mask = rng.random((N, T)) > 0.4
        mask[0] = False
    xmask = ((rng.random((4, N) + sizes + (Cin,)) > 0.3) / 0.7).astype(dtype) if xdrop else None
    rmask = ((rng.random((4,) + shape) > 0.3) / 0.7).astype(dtype) if rdrop else None
    grads = [rng.uniform(-1, 1, (N, T) + S + (F,)).astype(dtype),
             rng.uniform(-1, 1, shape).astype(dtype), rng.uniform(-1, 1, shape).astype(dtype)]
    args = (x, W, b, R, h0, c0, mask, xmask, rmask)
    return args, (strides, dils, pads), grads


def _compare(args, geo_args, grads, gb, dtype, act=Act.TANH, ract=Act.HARD_SIGMOID, **need):
    fargs = args + (gb, act, ract) + geo_args
    got, want = _convlstm.convlstm_fwdx(*fargs), ref.convlstm_fwdx(*fargs)
    for a, b in zip(got, want):
        assert a.dtype == dtype and a.shape == b.shape
        np.testing.assert_allclose(a, b, atol=TOL[dtype], rtol=TOL[dtype])
    H, C, G = want
    dH, dh, dc = grads
    for seq in (dH, None):
        bargs = fargs + (G, H, C, seq, dh, dc)
        got = _convlstm.convlstm_bwdx(*bargs, **need)
        exp = ref.convlstm_bwdx(*bargs, **need)
        for a, b in zip(got, exp):
            assert (a is None) == (b is None)
            if a is not None:
                assert a.shape == b.shape
                np.testing.assert_allclose(a, b, atol=10 * TOL[dtype], rtol=10 * TOL[dtype])
    return got


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("geo", GEOMETRY)
@pytest.mark.parametrize("masked, xdrop, rdrop, gb, h0zero",
                         [(False, False, False, False, True), (True, False, False, True, False),
                          (False, True, False, False, True), (True, True, True, True, False),
                          (False, False, True, False, True)])
def test_c_matches_reference(dtype, geo, masked, xdrop, rdrop, gb, h0zero):
    args, geo_args, grads = _problem(3, 4, geo, 3, 2, dtype, masked, xdrop, rdrop,
                                     h0zero=h0zero)
    _compare(args, geo_args, grads, gb, dtype)


@pytest.mark.parametrize("act, ract", [(Act.RELU, Act.SIGMOID), (Act.LINEAR, Act.TANH),
                                       (Act.TANH, Act.SIGMOID)])
def test_no_bias_other_activations_and_skipped_gradients(act, ract):
    args, geo_args, grads = _problem(2, 3, GEOMETRY[4], 2, 3, np.float64, masked=True,
                                     bias=False)
    got = _compare(args, geo_args, grads, False, np.float64, act, ract)
    assert got[2] is None                         # no bias, no db
    part = _compare(args, geo_args, grads, False, np.float64, act, ract, need_dx=False,
                    need_dW=False, need_dh0=False)
    assert part[:5] == (None,) * 5
    np.testing.assert_allclose(part[5], got[5], atol=1e-12)


@pytest.mark.parametrize("impl", [_convlstm, ref], ids=["c", "numpy"])
def test_forward_without_gates(impl):
    """Inference stores no gates and computes the same states."""
    args, geo_args, _ = _problem(2, 3, GEOMETRY[3], 3, 2, np.float64, masked=True)
    fargs = args + (False, Act.TANH, Act.HARD_SIGMOID) + geo_args
    H, C, G = impl.convlstm_fwdx(*fargs, need_gates=False)
    assert G is None
    want = ref.convlstm_fwdx(*fargs)
    np.testing.assert_allclose(H, want[0], atol=1e-12)
    np.testing.assert_allclose(C, want[1], atol=1e-12)


def test_reference_is_the_unfused_path_after_the_input_convolution():
    """convlstm_fwdx == Conv2D of each frame (+ bias) then the recurrence."""
    args, (strides, dils, pads), _ = _problem(2, 3, GEOMETRY[4], 3, 2, np.float64)
    x, W, b, R, h0, c0, mask, _, _ = args
    N, T = x.shape[:2]
    S = h0.shape[1:-1]
    frames = x.reshape((N * T,) + x.shape[2:])
    xz = ref_conv.conv2d_fwd(frames, W, b, Act.LINEAR, strides, dils, pads, S)
    want = ref._recurrence_fwd(xz.reshape((N, T) + xz.shape[1:]), R, h0, c0, mask, None,
                               False, Act.TANH, Act.HARD_SIGMOID)
    got = ref.convlstm_fwdx(*args, False, Act.TANH, Act.HARD_SIGMOID, strides, dils, pads)
    for a, e in zip(got, want):
        np.testing.assert_allclose(a, e, atol=1e-12)


def test_threads_on_and_off_identical():
    """Blocks big enough to be shared with the helper thread: the same bits
    either way, and the reference's values."""
    args, geo_args, (dH, dh, dc) = _problem(4, 3, ((20, 24), (3, 3), (1, 1), (1, 1), "same"),
                                            5, 16, np.float32, masked=True)
    fargs = args + (False, Act.TANH, Act.HARD_SIGMOID) + geo_args
    outs = []
    for on in (False, True):
        prev = set_helper_enabled(on)
        try:
            H, C, G = _convlstm.convlstm_fwdx(*fargs)
            H, C, G = H.copy(), C.copy(), G.copy()
            back = _convlstm.convlstm_bwdx(*fargs, G, H, C, dH, dh, dc)
            outs.append([H, C, G] + [None if a is None else a.copy() for a in back])
        finally:
            set_helper_enabled(prev)
    for a, b in zip(*outs):
        np.testing.assert_array_equal(a, b)
    # several im2col blocks, each starting inside a sample: the reference's values
    H, C, G = ref.convlstm_fwdx(*fargs)
    want = [H, C, G] + list(ref.convlstm_bwdx(*fargs, G, H, C, dH, dh, dc))
    for a, b in zip(outs[0], want):
        np.testing.assert_allclose(a, b, atol=2e-4, rtol=2e-4)


@pytest.mark.parametrize("impl", [_convlstm, ref], ids=["c", "numpy"])
@pytest.mark.parametrize("change, match", [
    (lambda a: a.update(x=np.ascontiguousarray(a["x"][..., :1])), "kernel has shape"),
    (lambda a: a.update(b=np.zeros(3, "f4")), "bias has shape"),
    (lambda a: a.update(strides=(1,)), "strides must be 2"),
    (lambda a: a.update(dilations=(0, 1)), "dilations must be 2 positive"),
    (lambda a: a.update(h0=np.zeros((1, 3, 3, 2), "f4")), "h0 has shape"),
    (lambda a: a.update(c0=np.zeros((2, 3, 4, 2), "f4")), "c0 has shape"),
    (lambda a: a.update(xmask=np.ones((4, 2, 5, 5, 3), "f4")), "xmask has shape"),
    (lambda a: a.update(x=np.ascontiguousarray(a["x"][:, :0])), "at least one timestep"),
    (lambda a: a.update(W=a["W"].astype("f8")), "kernel"),
])
def test_bad_input_same_error(impl, change, match):
    geo = ((5, 6), (3, 3), (1, 1), (1, 1), "same")
    (x, W, b, R, h0, c0, mask, xmask, rmask), (strides, dils, pads), _ = _problem(
        2, 3, geo, 3, 2, np.float32)
    a = dict(x=x, W=W, b=b, R=R, h0=h0, c0=c0, strides=strides, dilations=dils, pads=pads,
             xmask=None)
    change(a)
    with pytest.raises((ValueError, TypeError), match=match):
        impl.convlstm_fwdx(a["x"], a["W"], a["b"], R, a["h0"], a["c0"], None, a["xmask"], None,
                           False, Act.TANH, Act.HARD_SIGMOID, a["strides"], a["dilations"],
                           a["pads"])


def _naive_forward(x, W, b, R, h0, c0, mask, go_backwards):
    """One position and filter at a time, 2-D, stride 1 'same' input and
    recurrent windows (TF's split: (k-1)//2 before), tanh / hard sigmoid."""
    N, T, Hh, Wd, _ = x.shape
    F = R.shape[-2]
    KH, KW = R.shape[:2]
    hs = lambda v: np.clip(0.2 * v + 0.5, 0, 1)  # noqa: E731
    h, c = h0.astype(np.float64), c0.astype(np.float64)
    outs = []
    for s in range(T):
        t = T - 1 - s if go_backwards else s
        nh, nc = h.copy(), c.copy()
        for n, y, xx in itertools.product(range(N), range(Hh), range(Wd)):
            z = b.astype(np.float64).copy()
            for ky, kx in itertools.product(range(KH), range(KW)):
                yy, xw = y + ky - (KH - 1) // 2, xx + kx - (KW - 1) // 2
                if 0 <= yy < Hh and 0 <= xw < Wd:
                    z += x[n, t, yy, xw] @ W[ky, kx] + h[n, yy, xw] @ R[ky, kx]
            i, f, g, o = hs(z[:F]), hs(z[F:2 * F]), np.tanh(z[2 * F:3 * F]), hs(z[3 * F:])
            if mask is None or mask[n, t]:
                nc[n, y, xx] = f * c[n, y, xx] + i * g
                nh[n, y, xx] = o * np.tanh(nc[n, y, xx])
        h, c = nh, nc
        outs.append(h)
    return np.stack(outs, axis=1)


@pytest.mark.parametrize("go_backwards", [False, True])
def test_reference_forward_matches_a_loop_per_position(go_backwards):
    geo = ((4, 3), (3, 2), (1, 1), (1, 1), "same")
    args, geo_args, _ = _problem(2, 3, geo, 2, 2, np.float64, masked=True, h0zero=False)
    x, W, b, R, h0, c0, mask, _, _ = args
    H, _, _ = ref.convlstm_fwdx(*args, go_backwards, Act.TANH, Act.HARD_SIGMOID, *geo_args)
    np.testing.assert_allclose(H, _naive_forward(x, W, b, R, h0, c0, mask, go_backwards),
                               atol=1e-12)


@pytest.mark.parametrize("impl", [_convlstm, ref], ids=["c", "numpy"])
def test_bad_masks_activations_and_gradients_same_error(impl):
    geo = ((3, 3), (3, 3), (1, 1), (1, 1), "same")
    (x, W, b, R, h0, c0, _, _, _), geo_args, (dH, dh, dc) = _problem(2, 3, geo, 2, 2,
                                                                     np.float32)
    t, hs = Act.TANH, Act.HARD_SIGMOID
    c = np.ascontiguousarray
    cases = [
        ((c(x[:, :, 0, 0]), W, b, R, h0, c0, None, None, None, False, t, hs), "spatial axes"),
        ((x, W, b, R, h0, c0, np.ones((2, 4), bool), None, None, False, t, hs),
         "mask has shape"),
        ((x, W, b, R, h0, c0, None, None, np.ones((3,) + h0.shape, np.float32), False, t, hs),
         "rmask has shape"),
        ((x, W, b, R, h0, c0, None, None, None, False, Act.SOFTMAX, hs),
         "act must be an elementwise"),
    ]
    for fargs, msg in cases:
        with pytest.raises(ValueError, match=msg):
            impl.convlstm_fwdx(*fargs, *geo_args)
    fargs = (x, W, b, R, h0, c0, None, None, None, False, t, hs) + geo_args
    H, C, G = ref.convlstm_fwdx(*fargs)
    with pytest.raises(ValueError, match="dH has shape"):
        impl.convlstm_bwdx(*fargs, G, H, C, c(H[:, :1]), dh, dc)
    with pytest.raises(ValueError, match="dc has shape"):
        impl.convlstm_bwdx(*fargs, G, H, C, None, dh, c(dc[:1]))


# Odd sizes, windows as wide as or wider than the state (the im2col copies
# runs of in-range window columns), and a zero initial state, whose first
# step's recurrent columns the kernels skip: (input sizes, window, Cin, F)
BLOCKS = [((7, 9), (3, 3), 2, 5), ((2, 11), (5, 3), 3, 3), ((13,), (7,), 1, 4),
          ((3, 2, 5), (3, 1, 3), 2, 2)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("sizes, K, Cin, F", BLOCKS)
@pytest.mark.parametrize("masked, dropped, go_backwards",
                         [(False, False, False), (True, True, True), (True, False, False)])
def test_zero_initial_state_wide_windows_and_skipped_dh0(dtype, sizes, K, Cin, F, masked,
                                                         dropped, go_backwards):
    geo = (sizes, K, (1,) * len(K), (1,) * len(K), "same")
    args, geo_args, grads = _problem(3, 4, geo, Cin, F, dtype, masked, dropped, dropped,
                                     seed=3)
    for need_dh0 in (True, False):
        got = _compare(args, geo_args, grads, go_backwards, dtype, need_dh0=need_dh0)
        assert (got[4] is None) == (not need_dh0)


def test_large_state_spans_several_row_blocks():
    # 2 * 40 * 40 = 3200 positions; float64 rows of 3x3x3 + 1 + 3x3x64 = 604
    # values (4832 bytes) make 217-row blocks of the 1 MiB block size: 15
    # blocks, the last one short
    geo = ((40, 40), (3, 3), (1, 1), (1, 1), "same")
    args, geo_args, grads = _problem(2, 2, geo, 3, 64, np.float64, masked=True, xdrop=True,
                                     rdrop=True, h0zero=False, seed=5)
    args[6][0] = True
    _compare(args, geo_args, grads, False, np.float64)


def test_pooled_outputs_are_reused_only_when_unreferenced():
    # H is (2, 4, 32, 32, 32) float32: 1 MiB, the smallest size pooled
    geo = ((32, 32), (3, 3), (1, 1), (1, 1), "same")
    args, geo_args, _ = _problem(2, 4, geo, 3, 32, np.float32)
    x = args[0]
    rest = args[1:] + (False, Act.TANH, Act.HARD_SIGMOID) + geo_args
    H1, C1, G1 = _convlstm.convlstm_fwdx(x, *rest)
    keep = H1[:, -1]              # a view keeps H1's array in use
    before = keep.copy()
    H1_id = id(H1)
    del H1
    H2, C2, G2 = _convlstm.convlstm_fwdx(x * 0.5, *rest)
    assert keep.base is not None and id(H2) != H1_id
    np.testing.assert_array_equal(keep, before)
    assert len({id(H2), id(C2), id(G2), id(keep.base)}) == 4
    del keep, H2
    H3, _, _ = _convlstm.convlstm_fwdx(x, *rest)
    assert id(H3) == H1_id        # free again: reused, and overwritten correctly
    np.testing.assert_allclose(H3, ref.convlstm_fwdx(x, *rest)[0], atol=3e-5)
    assert _convlstm.pooled_bytes() > 0
