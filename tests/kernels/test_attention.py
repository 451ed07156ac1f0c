"""Fused scaled-dot-product attention (ckeras._ext._attention) against its
NumPy reference, float32 and float64, with and without masks, plus a
finite-difference check of the reference backward."""
import time

import numpy as np
import pytest

from ckeras._ext import _attention
from ckeras.kernels.reference import attention as ref

DTYPES = [np.float32, np.float64]
TOL = {np.float32: 2e-5, np.float64: 1e-12}
IMPLS = {"c": _attention, "numpy": ref}


def _problem(B, T, S, N, H, Hv, dtype, seed=0):
    rng = np.random.default_rng(seed)
    q = rng.standard_normal((B, T, N, H)).astype(dtype)
    k = rng.standard_normal((B, S, N, H)).astype(dtype)
    v = rng.standard_normal((B, S, N, Hv)).astype(dtype)
    g = rng.standard_normal((B, T, N, Hv)).astype(dtype)
    gp = rng.standard_normal((B, N, T, S)).astype(dtype)
    mask = rng.random((B, T, S)) > 0.3
    return q, k, v, g, gp, mask


def _naive(q, k, v, mask, scale):
    """Per batch and head, in float64, written out with loops."""
    B, T, N, _ = q.shape
    S = k.shape[1]
    out = np.zeros(q.shape[:3] + (v.shape[3],))
    probs = np.zeros((B, N, T, S))
    for b in range(B):
        for n in range(N):
            s = scale * q[b, :, n].astype(np.float64) @ k[b, :, n].astype(np.float64).T
            if mask is not None:
                s = np.where(mask[b], s, s - 1e9)
            e = np.exp(s - s.max(-1, keepdims=True))
            p = e / e.sum(-1, keepdims=True)
            probs[b, n] = p
            out[b, :, n] = p @ v[b, :, n]
    return out, probs


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("shape", [(2, 5, 7, 3, 4, 6), (1, 1, 1, 1, 1, 1), (3, 8, 8, 2, 16, 16)])
def test_forward_c_matches_reference_and_loops(dtype, masked, shape):
    B, T, S, N, H, Hv = shape
    q, k, v, _, _, mask = _problem(B, T, S, N, H, Hv, dtype)
    m = mask if masked else None
    scale = 1.0 / np.sqrt(H)
    want_o, want_p = _naive(q, k, v, m, scale)
    for name, impl in IMPLS.items():
        out, probs = impl.sdpa_fwd(q, k, v, m, scale)
        assert out.dtype == dtype and probs.dtype == dtype, name
        assert out.shape == (B, T, N, Hv) and probs.shape == (B, N, T, S), name
        np.testing.assert_allclose(out, want_o, atol=TOL[dtype], rtol=TOL[dtype], err_msg=name)
        np.testing.assert_allclose(probs, want_p, atol=TOL[dtype], rtol=TOL[dtype],
                                   err_msg=name)


@pytest.mark.parametrize("dtype", DTYPES)
def test_masked_scores_get_zero_weight_and_full_rows_become_uniform(dtype):
    q, k, v, _, _, _ = _problem(1, 3, 4, 2, 3, 3, dtype, seed=1)
    mask = np.array([[[1, 1, 0, 0], [0, 0, 0, 0], [1, 0, 1, 0]]], np.uint8)
    for impl in IMPLS.values():
        _, probs = impl.sdpa_fwd(q, k, v, mask, 0.5)
        assert np.all(probs[0, :, 0, 2:] == 0) and np.all(probs[0, :, 2, [1, 3]] == 0)
        np.testing.assert_allclose(probs.sum(-1), 1.0, rtol=1e-6)
    # tf-keras adds -1e9: a row with every key masked is the softmax of the
    # raw scores (float64) or uniform (float32, where -1e9 swallows them).
    _, probs = _attention.sdpa_fwd(q, k, v, mask, 0.5)
    if dtype == np.float32:
        np.testing.assert_allclose(probs[0, :, 1], 0.25, rtol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_is_stable_for_huge_scores(dtype):
    q, k, v, _, _, _ = _problem(2, 3, 5, 1, 2, 2, dtype, seed=2)
    q = q * dtype(1e4)
    for impl in IMPLS.values():
        out, probs = impl.sdpa_fwd(q, k, v, None, 1.0)
        assert np.all(np.isfinite(out)) and np.all(np.isfinite(probs))
        np.testing.assert_allclose(probs.sum(-1), 1.0, rtol=1e-5)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("with_dprobs", [False, True])
@pytest.mark.parametrize("shape", [(2, 5, 7, 3, 4, 6), (2, 4, 4, 2, 8, 8)])
def test_backward_c_matches_reference(dtype, with_dprobs, shape):
    B, T, S, N, H, Hv = shape
    q, k, v, g, gp, mask = _problem(B, T, S, N, H, Hv, dtype, seed=3)
    scale = 0.37
    _, probs = ref.sdpa_fwd(q, k, v, mask, scale)
    gp = gp if with_dprobs else None
    want = ref.sdpa_bwd(q, k, v, probs, g, gp, scale)
    got = _attention.sdpa_bwd(q, k, v, probs, g, gp, scale)
    for name, a, b in zip(("dq", "dk", "dv"), got, want):
        assert a.dtype == dtype and a.shape == b.shape, name
        np.testing.assert_allclose(a, b, atol=10 * TOL[dtype], rtol=10 * TOL[dtype],
                                   err_msg=name)


def test_reference_backward_matches_finite_differences():
    q, k, v, g, gp, mask = _problem(2, 3, 4, 2, 3, 2, np.float64, seed=4)
    scale = 0.6

    def loss(q_, k_, v_):
        out, probs = ref.sdpa_fwd(q_, k_, v_, mask, scale)
        return float((out * g).sum() + (probs * gp).sum())

    _, probs = ref.sdpa_fwd(q, k, v, mask, scale)
    grads = ref.sdpa_bwd(q, k, v, probs, g, gp, scale)
    args = [q, k, v]
    for i, analytic in enumerate(grads):
        a = args[i]
        num = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            old = a[idx]
            a[idx] = old + 1e-6
            up = loss(*args)
            a[idx] = old - 1e-6
            down = loss(*args)
            a[idx] = old
            num[idx] = (up - down) / 2e-6
        np.testing.assert_allclose(analytic, num, atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("impl", list(IMPLS))
def test_bad_arguments_raise_the_same_errors(impl):
    fns = IMPLS[impl]
    q, k, v, g, _, mask = _problem(2, 3, 4, 2, 3, 2, np.float32)
    cases = [
        ((q.astype(np.float64), k, v, None, 1.0), ValueError, "k has dtype float32"),
        ((q, np.ascontiguousarray(k[:, :, :1]), v, None, 1.0), ValueError,
         "k has shape (2, 4, 1, 3)"),
        ((q, k, v[:1], None, 1.0), ValueError, "v has shape (1, 4, 2, 2)"),
        ((q, k, v, mask[:, :2], 1.0), ValueError,
         "mask has shape (2, 2, 4), expected (2, 3, 4)"),
        ((q, k, v, mask.astype(np.int32), 1.0), ValueError, "mask must be a bool or uint8"),
        ((q, k, v, np.asfortranarray(mask), 1.0), ValueError, "mask must be C-contiguous"),
        ((np.zeros((2, 3, 2, 6), np.float32)[..., ::2], k, v, None, 1.0), ValueError,
         "q must be C-contiguous but for the stride of its axis 1"),
        ((q, k, np.zeros((2, 4, 4, 2), np.float32)[:, :, ::2], None, 1.0), ValueError,
         "v must be C-contiguous but for the stride of its axis 1"),
        ((q, k, v, None, "x"), TypeError, "must be real number"),
    ]
    for args, exc, msg in cases:
        with pytest.raises(exc) as info:
            fns.sdpa_fwd(*args)
        assert msg in str(info.value), (str(info.value), msg)
    _, probs = ref.sdpa_fwd(q, k, v, mask, 1.0)
    with pytest.raises(ValueError, match=r"dout has shape \(2, 3, 2, 3\)"):
        fns.sdpa_bwd(q, k, v, probs, np.zeros((2, 3, 2, 3), np.float32), None, 1.0)
    with pytest.raises(ValueError, match=r"probs has shape"):
        fns.sdpa_bwd(q, k, v, np.ascontiguousarray(probs[:, :1]), g, None, 1.0)


@pytest.fixture
def helper_on():
    from ckeras._ext import _threads
    prev = _threads.set_helper_enabled(True)
    time.sleep(0.03)   # past the helper's back-off after overlapping calls
    yield _threads
    _threads.set_helper_enabled(prev)


def _with_helper(threads, on, fn):
    threads.set_helper_enabled(on)
    try:
        return fn()
    finally:
        threads.set_helper_enabled(True)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("shape", [(5, 7, 9, 3, 5, 6), (1, 17, 13, 5, 8, 4),
                                   (8, 96, 96, 4, 32, 32)])
def test_helper_thread_gives_bit_identical_results(helper_on, dtype, masked, shape):
    """The (batch, head) pairs split between caller and helper: forward (with
    and without kept probabilities) and backward equal the one-thread run
    exactly, and the kernel still matches the reference. (On small problems
    the caller may finish before the helper wakes: only the largest one
    checks that the helper took part.)"""
    B, T, S, N, H, Hv = shape
    q, k, v, g, gp, mask = _problem(B, T, S, N, H, Hv, dtype, seed=5)
    m = mask if masked else None
    scale = 0.29

    def run():
        out, probs = _attention.sdpa_fwd(q, k, v, m, scale)
        lean, none = _attention.sdpa_fwd(q, k, v, m, scale, False)
        assert none is None
        return (out, probs, lean) + _attention.sdpa_bwd(q, k, v, probs, g, gp, scale)

    alone = _with_helper(helper_on, False, run)
    jobs = helper_on.helper_jobs_taken()
    for _ in range(100 if shape[0] == 8 else 3):
        shared = run()
        for a, b in zip(alone, shared):
            np.testing.assert_array_equal(a, b)
        if helper_on.helper_jobs_taken() > jobs:
            break
    if shape[0] == 8:
        assert helper_on.helper_jobs_taken() > jobs
    np.testing.assert_array_equal(alone[0], alone[2])
    want_o, want_p = ref.sdpa_fwd(q, k, v, m, scale)
    np.testing.assert_allclose(alone[2], want_o, atol=TOL[dtype], rtol=TOL[dtype])
    want = ref.sdpa_bwd(q, k, v, want_p, g, gp, scale)
    for a, b in zip(alone[3:], want):
        np.testing.assert_allclose(a, b, atol=10 * TOL[dtype], rtol=10 * TOL[dtype])


@pytest.mark.parametrize("impl", list(IMPLS))
def test_forward_without_kept_probabilities(impl):
    q, k, v, _, _, mask = _problem(3, 6, 5, 2, 4, 3, np.float32, seed=6)
    out, probs = IMPLS[impl].sdpa_fwd(q, k, v, mask, 0.5)
    lean, none = IMPLS[impl].sdpa_fwd(q, k, v, mask, 0.5, False)
    assert none is None and probs.shape == (3, 2, 6, 5)
    np.testing.assert_array_equal(lean, out)


@pytest.mark.parametrize("impl", list(IMPLS))
@pytest.mark.parametrize("dtype", DTYPES)
def test_forward_writes_into_given_arrays(impl, dtype):
    """`out=(out, probs)`: the same values written into the caller's arrays
    (whatever they held), which are returned; bad arrays are refused before
    anything is written."""
    fns = IMPLS[impl]
    q, k, v, _, _, mask = _problem(2, 6, 5, 3, 4, 7, dtype, seed=8)
    want_o, want_p = fns.sdpa_fwd(q, k, v, mask, 0.5)
    o, p = np.full((2, 6, 3, 7), np.nan, dtype), np.full((2, 3, 6, 5), np.nan, dtype)
    got = fns.sdpa_fwd(q, k, v, mask, 0.5, True, 2, out=(o, p))
    assert got[0] is o and got[1] is p
    np.testing.assert_array_equal(o, want_o)
    np.testing.assert_array_equal(p, want_p)
    o[...] = np.nan
    lean = fns.sdpa_fwd(q, k, v, mask, 0.5, False, 2, out=(o, None))
    assert lean[0] is o and lean[1] is None
    np.testing.assert_array_equal(o, want_o)
    with pytest.raises(ValueError, match=r"out's probs has shape \(2, 3, 5, 6\)"):
        fns.sdpa_fwd(q, k, v, mask, 0.5, True, 2, out=(o, np.empty((2, 3, 5, 6), dtype)))
    with pytest.raises(ValueError, match="out's probs must be None"):
        fns.sdpa_fwd(q, k, v, mask, 0.5, False, 2, out=(o, p))
    o[...] = np.nan
    p.flags.writeable = False
    with pytest.raises(ValueError, match="out's probs is read-only"):
        fns.sdpa_fwd(q, k, v, mask, 0.5, True, 2, out=(o, p))
    assert np.isnan(o).all()
    with pytest.raises(ValueError, match=r"out must be a tuple \(out, probs\)"):
        fns.sdpa_fwd(q, k, v, mask, 0.5, True, 2, out=[o, p])


@pytest.mark.parametrize("impl", list(IMPLS))
@pytest.mark.parametrize("dtype", DTYPES)
def test_column_blocks_of_one_packed_projection(impl, dtype):
    """q, k and v as column blocks of one (B, T, 2NH + NHv) array (what a
    fused self-attention projection gives) equal the contiguous run, and
    `out` writes the three gradients into the blocks of one packed array."""
    fns = IMPLS[impl]
    B, T, N, H, Hv = 3, 6, 2, 4, 5
    q, k, v, g, gp, mask = _problem(B, T, T, N, H, Hv, dtype, seed=7)
    packed = np.concatenate([a.reshape(B, T, -1) for a in (q, k, v)], axis=-1)
    qs, ks, vs = _blocks(packed, N, H, Hv)
    assert not qs.flags.c_contiguous
    want_o, want_p = fns.sdpa_fwd(q, k, v, mask, 0.4)
    out, probs = fns.sdpa_fwd(qs, ks, vs, mask, 0.4)
    np.testing.assert_array_equal(out, want_o)
    np.testing.assert_array_equal(probs, want_p)
    want = fns.sdpa_bwd(q, k, v, probs, g, gp, 0.4)
    grads = fns.sdpa_bwd(qs, ks, vs, probs, g, gp, 0.4)
    dpacked = np.full_like(packed, np.nan)
    written = fns.sdpa_bwd(qs, ks, vs, probs, g, gp, 0.4, out=_blocks(dpacked, N, H, Hv))
    for a, b, c in zip(want, grads, written):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)
    np.testing.assert_array_equal(
        dpacked, np.concatenate([a.reshape(B, T, -1) for a in want], axis=-1))
    with pytest.raises(ValueError, match="out's dk must have the shape and strides"):
        fns.sdpa_bwd(qs, ks, vs, probs, g, gp, 0.4, out=(qs, k.copy(), vs))


def _blocks(packed, N, H, Hv):
    B, T, _ = packed.shape
    return (packed[:, :, :N * H].reshape(B, T, N, H),
            packed[:, :, N * H:2 * N * H].reshape(B, T, N, H),
            packed[:, :, 2 * N * H:].reshape(B, T, N, Hv))


def test_threads_1_keeps_every_head_on_the_caller(helper_on):
    """threads=1 (each GEMM on the BLAS's own pool) never wakes the helper
    and gives the same results as the shared run."""
    q, k, v, g, gp, mask = _problem(8, 96, 96, 4, 32, 32, np.float32, seed=8)
    jobs = helper_on.helper_jobs_taken()
    out, probs = _attention.sdpa_fwd(q, k, v, mask, 0.3, True, 1)
    grads = _attention.sdpa_bwd(q, k, v, probs, g, gp, 0.3, None, 1)
    assert helper_on.helper_jobs_taken() == jobs
    shared = _attention.sdpa_fwd(q, k, v, mask, 0.3)
    for a, b in zip((out, probs) + grads,
                    shared + _attention.sdpa_bwd(q, k, v, probs, g, gp, 0.3)):
        np.testing.assert_array_equal(a, b)


@pytest.fixture(params=[True, False], ids=["tiled", "blas"])
def tiled(request):
    """Float attention on its AVX-512 register tiles (where the CPU has
    them) and on the BLAS path, on the same machine."""
    prev = _attention.set_tiled(request.param)
    yield request.param
    _attention.set_tiled(prev)


@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("shape", [(2, 16, 16, 1, 16, 16), (3, 48, 32, 2, 32, 16),
                                   (2, 37, 64, 3, 64, 48), (1, 128, 128, 2, 32, 32),
                                   (2, 5, 80, 2, 16, 80)])
def test_float_paths_match_the_loops_on_whole_vectors(tiled, masked, shape):
    """S, H and Hv multiples of 16 (the tiles' shapes; T free), q, k and v
    as column blocks of one packed array, the probabilities' gradient
    included: both float paths match the float64 loops, forward and
    backward, and the kept and unkept forwards agree exactly."""
    B, T, S, N, H, Hv = shape
    q, k, v, g, gp, mask = _problem(B, T, S, N, H, Hv, np.float32, seed=11)
    m = mask if masked else None
    scale = 1.0 / np.sqrt(H)
    want_o, want_p = _naive(q, k, v, m, scale)
    if masked:
        # A fully masked row: in float32 every score + -1e9 rounds to about
        # -1e9, so the row is (nearly) uniform, as in tf-keras' float32.
        m[0, min(2, T - 1)] = False
        r_o, r_p = ref.sdpa_fwd(q, k, v, m, scale)
        want_o[0, min(2, T - 1)], want_p[0, :, min(2, T - 1)] = \
            r_o[0, min(2, T - 1)], r_p[0, :, min(2, T - 1)]
    if T == S:
        packed = np.concatenate([a.reshape(B, T, -1) for a in (q, k, v)], axis=-1)
        q, k, v = _blocks(packed, N, H, Hv)
    out, probs = _attention.sdpa_fwd(q, k, v, m, scale)
    lean, _ = _attention.sdpa_fwd(q, k, v, m, scale, False)
    np.testing.assert_allclose(out, want_o, atol=2e-5, rtol=2e-5)
    np.testing.assert_allclose(probs, want_p, atol=2e-6, rtol=2e-5)
    np.testing.assert_array_equal(lean, out)
    q64, k64, v64, g64, gp64, p64 = (a.astype(np.float64) for a in (q, k, v, g, gp, want_p))
    want = ref.sdpa_bwd(q64, k64, v64, p64, g64, gp64, scale)
    for got, w in zip(_attention.sdpa_bwd(q, k, v, probs, g, gp, scale), want):
        np.testing.assert_allclose(got, w, atol=2e-4, rtol=2e-4)
    for got, w in zip(_attention.sdpa_bwd(q, k, v, probs, g, None, scale),
                      ref.sdpa_bwd(q64, k64, v64, p64, g64, None, scale)):
        np.testing.assert_allclose(got, w, atol=2e-4, rtol=2e-4)


def test_float_tiles_and_blas_agree_and_propagate_nan(tiled):
    """A NaN score makes its row NaN on both paths (as x - max(x) does);
    the other rows are finite and equal the reference."""
    q, k, v, g, gp, _ = _problem(2, 32, 32, 2, 16, 16, np.float32, seed=12)
    q[1, 3, 1, 0] = np.nan
    out, probs = _attention.sdpa_fwd(q, k, v, None, 0.25)
    assert np.isnan(probs[1, 1, 3]).all() and np.isnan(out[1, 3, 1]).all()
    probs[1, 1, 3] = 0
    assert np.isfinite(probs).all()
    _, want_p = _naive(np.nan_to_num(q), k, v, None, 0.25)
    want_p[1, 1, 3] = 0
    np.testing.assert_allclose(probs, want_p, atol=2e-6, rtol=2e-5)
