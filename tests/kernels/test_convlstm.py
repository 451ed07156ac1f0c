"""The ConvLSTM recurrence (ckeras._ext._convlstm) against its NumPy reference,
float32 and float64, over 1, 2 and 3 spatial axes, masks, recurrent dropout
and go_backwards; the reference forward against a loop written out per
position; the same errors from both."""
import itertools

import numpy as np
import pytest

from ckeras._ext import _convlstm
from ckeras.kernels.codes import Act
from ckeras.kernels.reference import convlstm as ref

DTYPES = [np.float32, np.float64]
TOL = {np.float32: 2e-5, np.float64: 1e-12}
IMPLS = {"c": _convlstm, "numpy": ref}
# (spatial sizes, recurrent window): even windows pad more after than before
GEOMETRY = [((5,), (3,)), ((1,), (1,)), ((4, 3), (3, 2)), ((2, 3, 3), (2, 3, 1))]


def _problem(N, T, S, K, F, dtype, masked, dropped, seed=0):
    rng = np.random.default_rng(seed)
    xz = rng.uniform(-1, 1, (N, T) + S + (4 * F,)).astype(dtype)
    R = rng.uniform(-0.5, 0.5, K + (F, 4 * F)).astype(dtype)
    h0 = rng.uniform(-1, 1, (N,) + S + (F,)).astype(dtype)
    c0 = rng.uniform(-1, 1, h0.shape).astype(dtype)
    mask = None
    if masked:
        mask = rng.random((N, T)) > 0.4
        mask[0] = False          # a fully masked sample
    rmask = ((rng.random((4,) + h0.shape) > 0.3) / 0.7).astype(dtype) if dropped else None
    grads = [rng.uniform(-1, 1, (N, T) + S + (F,)).astype(dtype),
             rng.uniform(-1, 1, h0.shape).astype(dtype), rng.uniform(-1, 1, h0.shape).astype(dtype)]
    return xz, R, h0, c0, mask, rmask, grads


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("S, K", GEOMETRY)
@pytest.mark.parametrize("masked, dropped, go_backwards",
                         [(False, False, False), (True, False, True), (False, True, False),
                          (True, True, True)])
def test_c_matches_reference(dtype, S, K, masked, dropped, go_backwards):
    xz, R, h0, c0, mask, rmask, (dH, dh, dc) = _problem(3, 4, S, K, 2, dtype, masked, dropped)
    args = (xz, R, h0, c0, mask, rmask, go_backwards, Act.TANH, Act.HARD_SIGMOID)
    got, want = _convlstm.convlstm_fwd(*args), ref.convlstm_fwd(*args)
    for a, b in zip(got, want):
        assert a.dtype == dtype
        np.testing.assert_allclose(a, b, atol=TOL[dtype], rtol=TOL[dtype])
    H, C, G = want
    bargs = (R, h0, c0, mask, rmask, go_backwards, Act.TANH, Act.HARD_SIGMOID, G, H, C)
    for seq in (dH, None):
        got = _convlstm.convlstm_bwd(*bargs, seq, dh, dc)
        want = ref.convlstm_bwd(*bargs, seq, dh, dc)
        for a, b in zip(got, want):
            np.testing.assert_allclose(a, b, atol=10 * TOL[dtype], rtol=10 * TOL[dtype])


@pytest.mark.parametrize("act, ract", [(Act.RELU, Act.SIGMOID), (Act.LINEAR, Act.TANH)])
def test_other_activations_and_skipped_gradients(act, ract):
    xz, R, h0, c0, mask, rmask, (dH, dh, dc) = _problem(2, 3, (3, 3), (3, 3), 3,
                                                        np.float64, True, False)
    args = (xz, R, h0, c0, mask, rmask, False, act, ract)
    H, C, G = ref.convlstm_fwd(*args)
    for a, b in zip(_convlstm.convlstm_fwd(*args), (H, C, G)):
        np.testing.assert_allclose(a, b, atol=1e-12)
    bargs = (R, h0, c0, mask, rmask, False, act, ract, G, H, C, dH, dh, dc)
    full = ref.convlstm_bwd(*bargs)
    part = _convlstm.convlstm_bwd(*bargs, need_dxz=False, need_dR=False)
    assert part[0] is None and part[1] is None
    np.testing.assert_allclose(part[2], full[2], atol=1e-12)
    np.testing.assert_allclose(part[3], full[3], atol=1e-12)


def _naive_forward(xz, R, h0, c0, mask, go_backwards):
    """One position and filter at a time, 2-D, tanh / hard sigmoid."""
    N, T, Hh, W, F4 = xz.shape
    F = F4 // 4
    KH, KW = R.shape[:2]
    hs = lambda v: np.clip(0.2 * v + 0.5, 0, 1)  # noqa: E731
    h, c = h0.astype(np.float64), c0.astype(np.float64)
    outs = []
    for s in range(T):
        t = T - 1 - s if go_backwards else s
        nh, nc = h.copy(), c.copy()
        for n, y, x in itertools.product(range(N), range(Hh), range(W)):
            z = xz[n, t, y, x].astype(np.float64).copy()
            for ky, kx in itertools.product(range(KH), range(KW)):
                yy, xx = y + ky - (KH - 1) // 2, x + kx - (KW - 1) // 2
                if 0 <= yy < Hh and 0 <= xx < W:
                    z += h[n, yy, xx] @ R[ky, kx]
            i, f, g, o = hs(z[:F]), hs(z[F:2 * F]), np.tanh(z[2 * F:3 * F]), hs(z[3 * F:])
            if mask is None or mask[n, t]:
                nc[n, y, x] = f * c[n, y, x] + i * g
                nh[n, y, x] = o * np.tanh(nc[n, y, x])
        h, c = nh, nc
        outs.append(h)
    return np.stack(outs, axis=1)


@pytest.mark.parametrize("go_backwards", [False, True])
def test_reference_forward_matches_a_loop_per_position(go_backwards):
    xz, R, h0, c0, mask, _, _ = _problem(2, 3, (4, 3), (3, 2), 2, np.float64, True, False)
    H, _, _ = ref.convlstm_fwd(xz, R, h0, c0, mask, None, go_backwards, Act.TANH,
                               Act.HARD_SIGMOID)
    np.testing.assert_allclose(H, _naive_forward(xz, R, h0, c0, mask, go_backwards),
                               atol=1e-12)


@pytest.mark.parametrize("impl", sorted(IMPLS))
def test_bad_arguments_raise_the_same_errors(impl):
    k = IMPLS[impl]
    xz, R, h0, c0, _, _, _ = _problem(2, 3, (3, 3), (3, 3), 2, np.float32, False, False)
    t, hs = Act.TANH, Act.HARD_SIGMOID
    c = np.ascontiguousarray
    cases = [
        ((c(xz[:, :, 0, 0, 0]), R, h0, c0, None, None, False, t, hs), "spatial axes"),
        ((xz, c(R[..., :6]), h0, c0, None, None, False, t, hs), "expected \\(\\*K, F, 4F\\)"),
        ((c(xz[:, :0]), R, h0, c0, None, None, False, t, hs), "at least one timestep"),
        ((xz, R, h0[:1], c0, None, None, False, t, hs), "h0 has shape"),
        ((xz, R, h0, c0.astype(np.float64), None, None, False, t, hs), "c0 has dtype"),
        ((xz, R, h0, c0, np.ones((2, 4), bool), None, False, t, hs), "mask has shape"),
        ((xz, R, h0, c0, None, np.ones((3,) + h0.shape, np.float32), False, t, hs),
         "rmask has shape"),
        ((xz, R, h0, c0, None, None, False, Act.SOFTMAX, hs), "act must be an elementwise"),
    ]
    for args, msg in cases:
        with pytest.raises(ValueError, match=msg):
            k.convlstm_fwd(*args)
    H, C, G = ref.convlstm_fwd(xz, R, h0, c0, None, None, False, t, hs)
    with pytest.raises(ValueError, match="dH has shape"):
        k.convlstm_bwd(R, h0, c0, None, None, False, t, hs, G, H, C, c(H[:, :1]), h0, c0)
    with pytest.raises(ValueError, match="dc has shape"):
        k.convlstm_bwd(R, h0, c0, None, None, False, t, hs, G, H, C, None, h0, c0[:1])


# Odd sizes, windows as wide as or wider than the state (the im2col copies
# runs of in-range window columns), and a zero initial state, whose first
# step's recurrent GEMMs the kernels skip.
BLOCKS = [((7, 9), (3, 3), 5), ((2, 11), (5, 3), 3), ((13,), (7,), 4), ((3, 2, 5), (3, 1, 3), 2)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("S, K, F", BLOCKS)
@pytest.mark.parametrize("masked, dropped, go_backwards",
                         [(False, False, False), (True, True, True), (True, False, False)])
def test_zero_initial_state_and_skipped_dh0(dtype, S, K, F, masked, dropped, go_backwards):
    xz, R, h0, c0, mask, rmask, (dH, dh, dc) = _problem(3, 4, S, K, F, dtype, masked, dropped,
                                                        seed=3)
    h0 = np.zeros_like(h0)
    args = (xz, R, h0, c0, mask, rmask, go_backwards, Act.TANH, Act.HARD_SIGMOID)
    got, want = _convlstm.convlstm_fwd(*args), ref.convlstm_fwd(*args)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, atol=TOL[dtype], rtol=TOL[dtype])
    H, C, G = want
    bargs = (R, h0, c0, mask, rmask, go_backwards, Act.TANH, Act.HARD_SIGMOID, G, H, C, dH,
             dh, dc)
    for need_dh0 in (True, False):
        got = _convlstm.convlstm_bwd(*bargs, need_dh0=need_dh0)
        want = ref.convlstm_bwd(*bargs, need_dh0=need_dh0)
        assert (got[2] is None) == (want[2] is None) == (not need_dh0)
        for a, b in zip(got, want):
            if b is not None:
                np.testing.assert_allclose(a, b, atol=10 * TOL[dtype], rtol=10 * TOL[dtype])


def test_large_state_spans_several_row_blocks():
    # 2 * 40 * 40 = 3200 positions of 3x3x16 float32 im2col rows: 576 bytes
    # a row, so the 4 MiB blocks hold 7281 rows; F = 64 makes 2304-byte rows
    # and 1820-row blocks, two blocks with a short last one
    xz, R, h0, c0, mask, rmask, (dH, dh, dc) = _problem(2, 2, (40, 40), (3, 3), 64,
                                                        np.float64, True, True, seed=5)
    mask[0] = True
    args = (xz, R, h0, c0, mask, rmask, False, Act.TANH, Act.HARD_SIGMOID)
    H, C, G = ref.convlstm_fwd(*args)
    for a, b in zip(_convlstm.convlstm_fwd(*args), (H, C, G)):
        np.testing.assert_allclose(a, b, atol=1e-12)
    bargs = (R, h0, c0, mask, rmask, False, Act.TANH, Act.HARD_SIGMOID, G, H, C, dH, dh, dc)
    for a, b in zip(_convlstm.convlstm_bwd(*bargs), ref.convlstm_bwd(*bargs)):
        np.testing.assert_allclose(a, b, atol=1e-10)


@pytest.mark.parametrize("impl", sorted(IMPLS))
def test_overwrite_xz_returns_the_gates_in_xz(impl):
    xz, R, h0, c0, mask, rmask, _ = _problem(2, 3, (4, 3), (3, 3), 2, np.float64, True, True)
    args = (R, h0, c0, mask, rmask, True, Act.TANH, Act.HARD_SIGMOID)
    want = ref.convlstm_fwd(xz, *args)
    buf = xz.copy()
    got = IMPLS[impl].convlstm_fwd(buf, *args, overwrite_xz=True)
    assert got[2] is buf
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, atol=1e-12)


def test_pooled_outputs_are_reused_only_when_unreferenced():
    # H is (2, 4, 32, 32, 32) float32: 1 MiB, the smallest size pooled
    xz, R, h0, c0, _, _, _ = _problem(2, 4, (32, 32), (3, 3), 32, np.float32, False, False)
    args = (R, h0, c0, None, None, False, Act.TANH, Act.HARD_SIGMOID)
    H1, C1, G1 = _convlstm.convlstm_fwd(xz, *args)
    keep = H1[:, -1]              # a view keeps H1's array in use
    before = keep.copy()
    H1_id = id(H1)
    del H1
    H2, C2, G2 = _convlstm.convlstm_fwd(xz * 0.5, *args)
    assert keep.base is not None and id(H2) != H1_id
    np.testing.assert_array_equal(keep, before)
    assert len({id(H2), id(C2), id(G2), id(keep.base)}) == 4
    del keep, H2
    H3, _, _ = _convlstm.convlstm_fwd(xz, *args)
    assert id(H3) == H1_id        # free again: reused, and overwritten correctly
    np.testing.assert_allclose(H3, ref.convlstm_fwd(xz, *args)[0], atol=2e-5)
    assert _convlstm.pooled_bytes() > 0
