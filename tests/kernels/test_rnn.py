"""Recurrent kernels: C (ckeras._ext._rnn) against the NumPy reference, and
the reference's backward against central differences in float64."""
import zlib

import numpy as np
import pytest

from ckeras import kernels
from ckeras.kernels import testing
from ckeras.kernels.codes import Act
from ckeras.kernels.reference import rnn as ref

rnn = pytest.importorskip("ckeras._ext._rnn")

SHAPES = [  # B, T, F, U
    (3, 5, 4, 6),
    (1, 1, 2, 1),
    (1, 7, 3, 5),
    (4, 1, 1, 3),
    (2, 3, 5, 1),
]
ACTS = [(Act.TANH, Act.SIGMOID), (Act.RELU, Act.HARD_SIGMOID), (Act.LINEAR, Act.TANH)]


def _mask(rng, B, T, kind):
    if kind == "none":
        return None
    m = rng.random((B, T)) > 0.35
    if kind == "rows":      # a fully masked row and a fully kept one
        m[0] = False
        if B > 1:
            m[-1] = True
    return m


def _data(unit, B, T, F, U, dtype, rng, ra=True):
    g = {"lstm": 4, "gru": 3, "simple": 1}[unit]
    x = rng.standard_normal((B, T, F)).astype(dtype)
    W = (rng.standard_normal((F, g * U)) * 0.5).astype(dtype)
    R = (rng.standard_normal((U, g * U)) * 0.5).astype(dtype)
    bshape = (2, 3 * U) if unit == "gru" and ra else (g * U,)
    b = (rng.standard_normal(bshape) * 0.3).astype(dtype)
    h0 = (rng.standard_normal((B, U)) * 0.5).astype(dtype)
    c0 = (rng.standard_normal((B, U)) * 0.5).astype(dtype)
    return x, W, R, b, h0, c0


def _fwd(mod, unit, args, mask, gb, act, ract, ra):
    x, W, R, b, h0, c0 = args
    if unit == "lstm":
        return mod.lstm_fwd(x, W, R, b, h0, c0, mask, gb, act, ract)
    if unit == "gru":
        return mod.gru_fwd(x, W, R, b, h0, mask, gb, act, ract, ra)
    return (mod.simple_fwd(x, W, R, b, h0, mask, gb, act),)


def _bwd(mod, unit, args, mask, gb, act, ract, ra, saved, dH, dh, dc):
    x, W, R, b, h0, c0 = args
    if unit == "lstm":
        H, C, G = saved
        return mod.lstm_bwd(x, W, R, h0, c0, mask, gb, act, ract, G, H, C, dH, dh, dc)
    if unit == "gru":
        H, G, HZH = saved
        return mod.gru_bwd(x, W, R, h0, mask, gb, act, ract, ra, G, H, HZH, dH, dh)
    (H,) = saved
    return mod.simple_bwd(x, W, R, h0, mask, gb, act, H, dH, dh)


CASES = []
for unit in ("lstm", "gru", "gru_rb", "simple"):
    for shape in SHAPES:
        for mk in ("none", "random", "rows"):
            for gb in (False, True):
                CASES.append((unit, shape, mk, gb))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("unit, shape, mk, gb", CASES)
def test_c_matches_reference(unit, shape, mk, gb, dtype):
    rng = np.random.default_rng(zlib.crc32(repr((unit, shape, mk, gb)).encode()))
    ra = unit != "gru_rb"
    unit = "gru" if unit.startswith("gru") else unit
    B, T, F, U = shape
    args = _data(unit, B, T, F, U, dtype, rng, ra)
    mask = _mask(rng, B, T, mk)
    tol = 2e-5 if dtype == np.float32 else 1e-11
    for act, ract in ACTS:
        out_c = _fwd(rnn, unit, args, mask, gb, act, ract, ra)
        out_r = _fwd(ref, unit, args, mask, gb, act, ract, ra)
        # linear/relu states can grow large: the error scales with them
        scale = max(1.0, float(np.abs(out_r[0]).max()))
        np.testing.assert_allclose(out_c[0], out_r[0], rtol=tol, atol=tol * scale)
        assert out_c[0].dtype == dtype
        dH = rng.standard_normal((B, T, U)).astype(dtype)
        dh = rng.standard_normal((B, U)).astype(dtype)
        dc = rng.standard_normal((B, U)).astype(dtype)
        gc = _bwd(rnn, unit, args, mask, gb, act, ract, ra, out_c, dH, dh, dc)
        gr = _bwd(ref, unit, args, mask, gb, act, ract, ra, out_r, dH, dh, dc)
        for a, e in zip(gc, gr):
            assert a.dtype == dtype
            gscale = max(1.0, float(np.abs(e).max()))
            np.testing.assert_allclose(a, e, rtol=20 * tol, atol=20 * tol * gscale)


def _poison_heap(*shapes):
    """Frees NaN-filled blocks of these shapes, so an output the kernel
    forgets to write is likely to reuse them and show NaN."""
    for _ in range(4):
        blocks = [np.full(sh, np.nan) for sh in shapes]
        del blocks


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(0, 4, 2, 3), (0, 1, 1, 1), (3, 2, 4, 0), (0, 2, 0, 0)])
@pytest.mark.parametrize("unit", ["lstm", "gru", "gru_rb", "simple"])
def test_empty_batch_or_units(unit, shape, dtype):
    """With no rows (B = 0) or no units (U = 0) nothing flows through the
    recurrence: empty outputs and dx, and weight gradients that are exactly
    zero, from C (which must write them) and the reference alike."""
    rng = np.random.default_rng(11)
    ra = unit != "gru_rb"
    unit = "gru" if unit.startswith("gru") else unit
    B, T, F, U = shape
    args = _data(unit, B, T, F, U, dtype, rng, ra)
    for gb in (False, True):
        outs = {}
        for mod in (rnn, ref):
            saved = _fwd(mod, unit, args, None, gb, Act.TANH, Act.SIGMOID, ra)
            zeros = [np.zeros((B, T, U), dtype), np.zeros((B, U), dtype),
                     np.zeros((B, U), dtype)]
            _poison_heap(args[1].shape, args[2].shape, args[3].shape, args[0].shape)
            outs[mod] = saved, _bwd(mod, unit, args, None, gb, Act.TANH, Act.SIGMOID, ra,
                                    saved, *zeros)
        (sc, gc), (sr, gr) = outs[rnn], outs[ref]
        for a, e in zip(sc, sr):
            assert (a is None) == (e is None)
            if a is not None:
                assert a.shape == e.shape and a.dtype == e.dtype == dtype
        dx, dW, dR, db = gc[:4]
        assert dx.shape == args[0].shape and dW.shape == args[1].shape
        assert dR.shape == args[2].shape and db.shape == args[3].shape
        for g, e in zip(gc, gr):
            assert g.shape == e.shape and g.dtype == e.dtype == dtype
            np.testing.assert_array_equal(g, np.zeros_like(g))
            np.testing.assert_array_equal(e, np.zeros_like(e))
    if unit == "lstm":
        x, W, R, b, h0, c0 = args
        for transposed in (True, False):
            for mod in (rnn, ref):
                H, h, c = mod.lstm_infer(x, W, R, b, h0, c0, None, False, Act.TANH,
                                         Act.SIGMOID, True, transposed)
                assert H.shape == (B, T, U) and h.shape == c.shape == (B, U)


def _loss_and_grads(unit, args, mask, gb, act, ract, ra, wH, wh, wc):
    out = _fwd(ref, unit, args, mask, gb, act, ract, ra)
    H = out[0]
    loss = (wH * H).sum() + (wh * H[:, -1]).sum()
    if unit == "lstm":
        loss += (wc * out[1][:, -1]).sum()
    return loss, out


@pytest.mark.parametrize("unit", ["lstm", "gru", "gru_rb", "simple"])
@pytest.mark.parametrize("mk, gb", [("none", False), ("random", True), ("rows", False)])
def test_reference_gradients_finite_differences(unit, mk, gb):
    rng = np.random.default_rng(7)
    ra = unit != "gru_rb"
    unit = "gru" if unit.startswith("gru") else unit
    B, T, F, U = 2, 4, 3, 3
    args = list(_data(unit, B, T, F, U, np.float64, rng, ra))
    mask = _mask(rng, B, T, mk)
    wH, wh, wc = (rng.standard_normal(s) for s in ((B, T, U), (B, U), (B, U)))
    act, ract = Act.TANH, Act.SIGMOID
    _, saved = _loss_and_grads(unit, args, mask, gb, act, ract, ra, wH, wh, wc)
    grads = _bwd(ref, unit, tuple(args), mask, gb, act, ract, ra, saved, wH, wh, wc)
    gc = _bwd(rnn, unit, tuple(args), mask, gb, act, ract, ra,
              _fwd(rnn, unit, tuple(args), mask, gb, act, ract, ra), wH, wh, wc)
    # (dx, dW, dR, db, dh0[, dc0]) vs args (x, W, R, b, h0, c0)
    order = [0, 1, 2, 3, 4] + ([5] if unit == "lstm" else [])
    eps = 1e-6
    for gi, ai in enumerate(order):
        v = rng.standard_normal(args[ai].shape)
        plus = [a.copy() for a in args]
        minus = [a.copy() for a in args]
        plus[ai] += eps * v
        minus[ai] -= eps * v
        lp, _ = _loss_and_grads(unit, tuple(plus), mask, gb, act, ract, ra, wH, wh, wc)
        lm, _ = _loss_and_grads(unit, tuple(minus), mask, gb, act, ract, ra, wH, wh, wc)
        fd = (lp - lm) / (2 * eps)
        for g in (grads[gi], gc[gi]):
            np.testing.assert_allclose((g * v).sum(), fd, rtol=1e-6, atol=1e-7)


def test_bad_arguments():
    rng = np.random.default_rng(0)
    x, W, R, b, h0, c0 = _data("lstm", 2, 3, 4, 5, np.float32, rng)
    for mod in (rnn, ref):
        with pytest.raises(ValueError):
            mod.lstm_fwd(x, W[:, :-1].copy(), R, b, h0, c0, None, False, Act.TANH, Act.SIGMOID)
        with pytest.raises(ValueError):
            mod.lstm_fwd(x, W, R, b, h0[:1].copy(), c0, None, False, Act.TANH, Act.SIGMOID)
        with pytest.raises(ValueError):
            mod.lstm_fwd(x, W, R, b, h0, c0, np.ones((2, 4), bool), False, Act.TANH, Act.SIGMOID)
        with pytest.raises(ValueError):
            mod.lstm_fwd(x, W, R, b, h0, c0, None, False, 4, Act.SIGMOID)  # softmax
        with pytest.raises(ValueError):
            mod.lstm_fwd(x.astype(np.float64), W, R, b, h0, c0, None, False, Act.TANH, Act.SIGMOID)


def _raised(fn, *args):
    try:
        fn(*args)
    except Exception as e:  # noqa: BLE001 - the type is what is compared
        return type(e), str(e)
    return None


def _bad_calls(dtype=np.float32):
    """(name, op, args) of calls that must fail, one broken argument each."""
    rng = np.random.default_rng(3)
    x, W, R, b, h0, c0 = _data("lstm", 2, 3, 4, 5, dtype, rng)
    gx, gW, gR, gb, gh0, _ = _data("gru", 2, 3, 4, 5, dtype, rng)
    sx, sW, sR, sb, sh0, _ = _data("simple", 2, 3, 4, 5, dtype, rng)
    f64 = x.astype(np.float64)
    lstm = (x, W, R, b, h0, c0, None, False, Act.TANH, Act.SIGMOID)
    cases = [
        ("x list", "lstm_fwd", ([[1.0]],) + lstm[1:]),
        ("x int", "lstm_fwd", (x.astype(np.int32),) + lstm[1:]),
        ("x 2-D", "lstm_fwd", (x[0],) + lstm[1:]),
        ("x strided", "lstm_fwd", (x[:, ::-1],) + lstm[1:]),
        ("x swapped", "lstm_fwd", (x.astype(x.dtype.newbyteorder()),) + lstm[1:]),
        ("kernel dtype", "lstm_fwd", (f64,) + lstm[1:]),
        ("kernel shape", "lstm_fwd", (x, W[:, :-1].copy()) + lstm[2:]),
        ("recurrent shape", "lstm_fwd", (x, W, R[:-1].copy()) + lstm[3:]),
        ("no steps", "lstm_fwd", (x[:, :0].copy(),) + lstm[1:]),
        ("h0 shape", "lstm_fwd", lstm[:4] + (h0[:1].copy(),) + lstm[5:]),
        ("c0 shape", "lstm_fwd", lstm[:5] + (c0[:, :1].copy(),) + lstm[6:]),
        ("bias shape", "lstm_fwd", lstm[:3] + (b[:-1].copy(),) + lstm[4:]),
        ("mask dtype", "lstm_fwd", lstm[:6] + (np.ones((2, 3), np.float32),) + lstm[7:]),
        ("mask shape", "lstm_fwd", lstm[:6] + (np.ones((2, 4), bool),) + lstm[7:]),
        ("softmax", "lstm_fwd", lstm[:8] + (4, Act.SIGMOID)),
        ("ract", "lstm_fwd", lstm[:9] + (7,)),
        ("infer bias", "lstm_infer", lstm[:3] + (b[:-1].copy(),) + lstm[4:] + (True, False)),
        ("gru bias", "gru_fwd", (gx, gW, gR, gb[None].copy(), gh0, None, False, Act.TANH,
                                 Act.SIGMOID, False)),
        ("gru kernel", "gru_fwd", (gx, W, gR, gb, gh0, None, False, Act.TANH, Act.SIGMOID, False)),
        ("simple act", "simple_fwd", (sx, sW, sR, sb, sh0, None, False, 4)),
        ("simple h0", "simple_fwd", (sx, sW, sR, sb, sh0.T.copy(), None, False, Act.TANH)),
    ]
    return cases


@pytest.mark.parametrize("case", _bad_calls(), ids=lambda c: c[0])
def test_errors_same_as_reference(case):
    """Both implementations check their arguments in the same order with
    the same messages (the C module's checks are Cython ports of the
    reference's)."""
    _, op, args = case
    want = _raised(getattr(ref, op), *args)
    assert want is not None
    assert _raised(getattr(rnn, op), *args) == want


# batches around the 16- and 32-column chunks of the fused step, odd units
INFER_SHAPES = SHAPES + [(17, 6, 5, 7), (33, 3, 0, 4), (16, 4, 3, 9), (32, 5, 3, 8),
                         (48, 3, 2, 5), (70, 2, 4, 6),
                         # the panels' vector packing (16 units a block) with
                         # scalar pairs after it, split between threads or not
                         (20, 2, 3, 40), (9, 2, 3, 37)]


@pytest.fixture(params=["fused", "sgemm"])
def float_steps(request):
    """Float transposed LSTM inference with the fused AVX-512 step (where
    the CPU has it) or with sgemm and the separate gate pass."""
    prev = testing.set_fused_steps(request.param == "fused")
    yield request.param
    testing.set_fused_steps(prev)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("transposed", [True, False])
@pytest.mark.parametrize("seq", [True, False])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("mk", ["none", "random", "rows"])
@pytest.mark.parametrize("shape", INFER_SHAPES)
def test_lstm_infer_matches_reference(shape, mk, bias, seq, transposed, dtype, float_steps):
    """The inference kernel in both step layouts (transposed, with the input
    and recurrent products in one GEMM or fused tiles per step; batch-major
    rows) against the reference forward, for every activation pair, both
    directions, with and without masks, bias and the output sequence."""
    rng = np.random.default_rng(zlib.crc32(repr((shape, mk, bias, seq)).encode()))
    B, T, F, U = shape
    x, W, R, b, h0, c0 = _data("lstm", B, T, F, U, dtype, rng)
    b = b if bias else None
    mask = _mask(rng, B, T, mk)
    tol = 2e-5 if dtype == np.float32 else 1e-11
    for act, ract in ACTS:
        for gb in (False, True):
            Hc, hc, cc = rnn.lstm_infer(x, W, R, b, h0, c0, mask, gb, act, ract, seq,
                                        transposed)
            Hr, Cr, _ = ref.lstm_fwd(x, W, R, b, h0, c0, mask, gb, act, ract)
            scale = max(1.0, float(np.abs(Hr).max()), float(np.abs(Cr).max()))
            if seq:
                assert Hc.dtype == dtype and Hc.shape == (B, T, U)
                np.testing.assert_allclose(Hc, Hr, rtol=tol, atol=tol * scale)
            else:
                assert Hc is None
            assert hc.dtype == dtype and cc.dtype == dtype
            np.testing.assert_allclose(hc, Hr[:, -1], rtol=tol, atol=tol * scale)
            np.testing.assert_allclose(cc, Cr[:, -1], rtol=tol, atol=tol * scale)
            # the reference's own inference entry point agrees
            Hr2, hr2, cr2 = ref.lstm_infer(x, W, R, b, h0, c0, mask, gb, act, ract, seq,
                                           transposed)
            np.testing.assert_array_equal(hr2, Hr[:, -1])
            np.testing.assert_array_equal(cr2, Cr[:, -1])


def test_lstm_infer_fully_masked_step_and_empty_sequence():
    """A step masked in every row skips the product and carries all states;
    T = 0 is refused as by the training kernel."""
    rng = np.random.default_rng(5)
    x, W, R, b, h0, c0 = _data("lstm", 18, 4, 3, 5, np.float32, rng)
    mask = np.ones((18, 4), bool)
    mask[:, 1] = False
    Hr, Cr, _ = ref.lstm_fwd(x, W, R, b, h0, c0, mask, False, Act.TANH, Act.SIGMOID)
    for transposed in (True, False):
        Hc, hc, cc = rnn.lstm_infer(x, W, R, b, h0, c0, mask, False, Act.TANH, Act.SIGMOID, True,
                                    transposed)
        np.testing.assert_array_equal(Hc[:, 1], Hc[:, 0])
        np.testing.assert_allclose(Hc, Hr, rtol=2e-5, atol=2e-5)
    x0 = np.zeros((18, 0, 3), np.float32)
    for mod in (rnn, ref):
        with pytest.raises(ValueError, match="at least one timestep"):
            mod.lstm_infer(x0, W, R, b, h0, c0, None, False, Act.TANH, Act.SIGMOID, True, True)


def test_lstm_infer_bad_arguments():
    rng = np.random.default_rng(0)
    x, W, R, b, h0, c0 = _data("lstm", 2, 3, 4, 5, np.float32, rng)
    for mod in (rnn, ref):
        with pytest.raises(ValueError, match="bias"):
            mod.lstm_infer(x, W, R, b[:-1].copy(), h0, c0, None, False, Act.TANH, Act.SIGMOID, True,
                           True)
        with pytest.raises(ValueError, match="c0"):
            mod.lstm_infer(x, W, R, b, h0, c0[:1].copy(), None, False, Act.TANH, Act.SIGMOID, True,
                           False)
        with pytest.raises(ValueError):
            mod.lstm_infer(x, W, R, b, h0, c0, np.ones((2, 4), bool), False, Act.TANH, Act.SIGMOID,
                           False, True)
        with pytest.raises(ValueError):
            mod.lstm_infer(x, W, R, b, h0, c0, None, False, Act.TANH, 4, False, False)  # softmax


def test_lstm_infer_threads_and_reused_workspace():
    """The transposed kernel keeps a scratch array per thread between calls:
    calls of other shapes in between and two threads at once (the GIL is
    released) still give each call its own results."""
    rng = np.random.default_rng(11)
    cases = []
    for B, T, F, U in ((40, 6, 3, 5), (17, 4, 2, 9), (64, 3, 4, 4)):
        args = _data("lstm", B, T, F, U, np.float32, rng)
        x, W, R, b, h0, c0 = args
        want = ref.lstm_fwd(x, W, R, b, h0, c0, None, False, Act.TANH, Act.SIGMOID)[0]
        cases.append((args, want))
    for args, want in cases + cases[::-1]:
        got = rnn.lstm_infer(*args, None, False, Act.TANH, Act.SIGMOID, True, True)[0]
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-5)
    _infer_in_two_threads(cases, 20, transposed=True)


def _infer_in_two_threads(cases, rounds, transposed):
    """Two threads run lstm_infer over (args, want) cases, in opposite
    orders, at the same time; every result must match its `want`."""
    import threading
    errors = []

    def work(order):
        try:
            for _ in range(rounds):
                for args, want in order:
                    got = rnn.lstm_infer(*args, None, False, Act.TANH, Act.SIGMOID, True,
                                         transposed)[0]
                    np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-5)
        except AssertionError as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(o,)) for o in (cases, cases[::-1])]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


# ------------------------------- batched inference split between two threads
# Float transposed inference on the AVX-512 tiles runs its batch in ranges of
# 16-column chunks, each range over every step on its own: by default two
# halves, one for the caller and one for the helper thread (csrc/ck_rnn.h).
# Batches around the chunks, odd units, F = 0, a wide range (96 columns).
BATCH_SPLIT_SHAPES = [(32, 6, 5, 16), (33, 4, 3, 9), (48, 5, 0, 7), (70, 3, 4, 12),
                      (100, 4, 6, 32), (192, 2, 3, 4), (33, 3, 4, 37)]


def _avx512_tiles():
    """Whether this CPU runs the float AVX-512 inference tiles (the flags
    ck_rnn_avx512() checks)."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = set(f.read().split())
    except OSError:
        return False
    return {"avx512f", "avx512bw", "avx512dq", "avx512vl"} <= flags


@pytest.fixture
def batch_chunk():
    prev = testing.set_batch_chunk(0)
    yield testing.set_batch_chunk
    testing.set_batch_chunk(prev)


@pytest.mark.parametrize("seq", [True, False])
@pytest.mark.parametrize("mk", ["none", "random", "rows"])
@pytest.mark.parametrize("shape", BATCH_SPLIT_SHAPES)
def test_lstm_infer_batch_split_changes_no_bit(shape, mk, seq, batch_chunk):
    """Every split of the batch (ranges of 1, 2 or 3 chunks, one range, the
    default halves with and without the helper thread) gives the same bits,
    and so does each sample run alone; all match the reference forward, in
    both directions, with masks (a masked column keeps its state while the
    others of its range step)."""
    rng = np.random.default_rng(zlib.crc32(repr((shape, mk, "split")).encode()))
    B, T, F, U = shape
    x, W, R, b, h0, c0 = _data("lstm", B, T, F, U, np.float32, rng)
    mask = _mask(rng, B, T, mk)
    tiles = _avx512_tiles()

    def run(gb, rows=slice(None)):
        m = None if mask is None else np.ascontiguousarray(mask[rows])
        return rnn.lstm_infer(np.ascontiguousarray(x[rows]), W, R, b,
                              np.ascontiguousarray(h0[rows]), np.ascontiguousarray(c0[rows]),
                              m, gb, Act.TANH, Act.SIGMOID, seq, True)

    prev_on = kernels.set_helper_enabled(False)
    try:
        for gb in (False, True):
            batch_chunk(1000)   # one range: no split
            want = run(gb)
            Hr, Cr, _ = ref.lstm_fwd(x, W, R, b, h0, c0, mask, gb, Act.TANH, Act.SIGMOID)
            if seq:
                np.testing.assert_allclose(want[0], Hr, rtol=2e-5, atol=2e-5)
            np.testing.assert_allclose(want[1], Hr[:, -1], rtol=2e-5, atol=2e-5)
            np.testing.assert_allclose(want[2], Cr[:, -1], rtol=2e-5, atol=2e-5)
            if not tiles:
                continue
            for chunks, helper in ((1, False), (2, False), (3, False), (0, False), (0, True),
                                   (1, True)):
                batch_chunk(chunks)
                kernels.set_helper_enabled(helper)
                for _ in range(3 if helper else 1):
                    for g, w in zip(run(gb), want):
                        if w is not None:
                            np.testing.assert_array_equal(g, w)
            kernels.set_helper_enabled(False)
            batch_chunk(0)
            for i in sorted({0, B // 2, B - 1}):
                for g, w in zip(run(gb, slice(i, i + 1)), want):
                    if w is not None:
                        np.testing.assert_array_equal(g, w[i:i + 1])
    finally:
        kernels.set_helper_enabled(prev_on)


def test_set_batch_chunk_refuses_negative():
    with pytest.raises(ValueError, match="chunks >= 0"):
        testing.set_batch_chunk(-1)


# ------------------------------------------- batch-1 inference on two threads
# Batch-1 LSTM inference splits each step by units with the helper thread
# (csrc/ck_threads.h) from 4U(F+U) >= 16384 weights; the last shape stays
# below that, the others cover both 64-unit float blocks and the generic
# ones (odd halves, F = 0, fewer than 8 steps: no packed weights, T = 1).
SPLIT_SHAPES = [(50, 32, 128), (9, 40, 130), (6, 16, 64), (12, 0, 80), (3, 5, 70),
                (1, 4, 100), (20, 8, 20)]


def _splits(T, F, U):
    return 4 * U * (F + U) >= 16384


def _data1(T, F, U, dtype, rng):
    """Batch-1 data with weights scaled to the fan-in, so that the relu and
    linear cells stay bounded over 50 steps of 128 units."""
    x, W, R, b, h0, c0 = _data("lstm", 1, T, F, U, dtype, rng)
    scale = np.asarray(1.0 / np.sqrt(F + U), dtype)
    return x, W * scale, R * scale, b, h0, c0


@pytest.fixture(scope="module", params=["off", "claims", "strict"])
def helper_mode(request):
    """off: no helper, the one-thread rows step; claims: the helper takes
    the upper units of the steps it gets to first; strict: it takes them
    all, so the exchange between the threads is what runs."""
    import time
    time.sleep(0.03)   # past the helper's back-off after overlapping calls
    prev_on = kernels.set_helper_enabled(request.param != "off")
    prev_strict = testing.set_split_strict(request.param == "strict")
    yield request.param
    kernels.set_helper_enabled(prev_on)
    testing.set_split_strict(prev_strict)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("seq", [True, False])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("mk", ["none", "random", "rows"])
@pytest.mark.parametrize("shape", SPLIT_SHAPES)
def test_lstm_infer_batch1_split_matches_reference(shape, mk, bias, seq, dtype, helper_mode):
    """Batch-1 inference with the step split between two threads (or not)
    against the reference forward, for every activation pair, both
    directions, masks (a masked step carries both halves' states), bias
    and the output sequence; in strict mode the helper takes every call."""
    rng = np.random.default_rng(zlib.crc32(repr((shape, mk, bias)).encode()))
    T, F, U = shape
    x, W, R, b, h0, c0 = _data1(T, F, U, dtype, rng)
    b = b if bias else None
    mask = _mask(rng, 1, T, mk)
    tol = 2e-5 if dtype == np.float32 else 1e-11
    jobs = testing.helper_jobs_taken()
    calls = 0
    for act, ract in ACTS:
        for gb in (False, True):
            Hc, hc, cc = rnn.lstm_infer(x, W, R, b, h0, c0, mask, gb, act, ract, seq, False)
            calls += 1
            Hr, Cr, _ = ref.lstm_fwd(x, W, R, b, h0, c0, mask, gb, act, ract)
            scale = max(1.0, float(np.abs(Hr).max()), float(np.abs(Cr).max()))
            if seq:
                assert Hc.dtype == dtype and Hc.shape == (1, T, U)
                np.testing.assert_allclose(Hc, Hr, rtol=tol, atol=tol * scale)
            else:
                assert Hc is None
            np.testing.assert_allclose(hc, Hr[:, -1], rtol=tol, atol=tol * scale)
            np.testing.assert_allclose(cc, Cr[:, -1], rtol=tol, atol=tol * scale)
    taken = testing.helper_jobs_taken() - jobs
    if helper_mode == "off" or not _splits(T, F, U):
        assert taken == 0
    elif helper_mode == "strict":
        assert taken == calls


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(50, 32, 128), (9, 40, 130)])
def test_lstm_infer_batch1_split_same_bits_whoever_computes(shape, dtype):
    """The caller and the helper run the same code on the same values: the
    result is bit for bit the same whichever thread took which step, over
    repeated calls (which also exercise the hand-over between calls)."""
    rng = np.random.default_rng(7)
    T, F, U = shape
    x, W, R, b, h0, c0 = _data1(T, F, U, dtype, rng)
    mask = _mask(rng, 1, T, "random")
    prev = testing.set_split_strict(True)
    try:
        want = rnn.lstm_infer(x, W, R, b, h0, c0, mask, True, Act.TANH, Act.SIGMOID, True, False)
    finally:
        testing.set_split_strict(prev)
    for _ in range(40):
        got = rnn.lstm_infer(x, W, R, b, h0, c0, mask, True, Act.TANH, Act.SIGMOID, True, False)
        for g, w in zip(got, want):
            np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(50, 32, 128), (9, 40, 130), (12, 0, 80)])
def test_lstm_infer_batch1_same_bits_with_or_without_the_helper(shape, dtype):
    """Without the helper (disabled, busy or backing off) the caller runs
    both unit ranges of the split itself: the same bits as with the helper,
    so a result depends neither on the thread setting nor on the load."""
    rng = np.random.default_rng(8)
    T, F, U = shape
    x, W, R, b, h0, c0 = _data1(T, F, U, dtype, rng)
    mask = _mask(rng, 1, T, "random")
    args = (x, W, R, b, h0, c0, mask, False, Act.TANH, Act.SIGMOID, True, False)
    prev_on = kernels.set_helper_enabled(False)
    try:
        jobs = testing.helper_jobs_taken()
        alone = rnn.lstm_infer(*args)
        assert testing.helper_jobs_taken() == jobs
    finally:
        kernels.set_helper_enabled(prev_on)
    prev = testing.set_split_strict(True)
    try:
        jobs = testing.helper_jobs_taken()
        split = rnn.lstm_infer(*args)
        assert testing.helper_jobs_taken() == jobs + 1
    finally:
        testing.set_split_strict(prev)
    for a, s in zip(alone, split, strict=True):
        np.testing.assert_array_equal(a, s)


def test_lstm_infer_batch1_threads_at_once():
    """Calls from two threads at once: one may hold the helper while the
    other runs alone, or both run alone; every result stays right."""
    rng = np.random.default_rng(12)
    cases = []
    for shape in ((30, 16, 128), (8, 40, 130), (12, 0, 80)):
        args = _data1(*shape, np.float32, rng)
        x, W, R, b, h0, c0 = args
        want = ref.lstm_fwd(x, W, R, b, h0, c0, None, False, Act.TANH, Act.SIGMOID)[0]
        cases.append((args, want))
    _infer_in_two_threads(cases, 25, transposed=False)


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs os.fork")
@pytest.mark.filterwarnings("ignore:.*fork.*:DeprecationWarning")
def test_lstm_infer_batch1_helper_after_fork():
    """A forked child has no helper thread: its first split call makes a new
    one (strict mode would wait forever on the parent's)."""
    import os
    rng = np.random.default_rng(13)
    x, W, R, b, h0, c0 = _data1(10, 8, 96, np.float32, rng)
    want = ref.lstm_fwd(x, W, R, b, h0, c0, None, False, Act.TANH, Act.SIGMOID)[0]
    rnn.lstm_infer(x, W, R, b, h0, c0, None, False, Act.TANH, Act.SIGMOID, True, False)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through its exit code
        code = 1
        try:
            import signal
            signal.alarm(20)
            testing.set_split_strict(True)
            jobs = testing.helper_jobs_taken()
            got = rnn.lstm_infer(x, W, R, b, h0, c0, None, False, Act.TANH, Act.SIGMOID, True,
                                 False)[0]
            ok = np.allclose(got, want, rtol=2e-5, atol=2e-5)
            code = 0 if ok and testing.helper_jobs_taken() == jobs + 1 else 1
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def test_set_kernel_threads():
    """set_kernel_threads(1) keeps batch-1 inference on the caller's thread,
    2 gives it the helper again; anything but a positive int is refused."""
    import time

    from ckeras.utils import get_kernel_threads, set_kernel_threads
    rng = np.random.default_rng(14)
    args = _data1(10, 8, 96, np.float32, rng)
    prev = get_kernel_threads()
    prev_strict = testing.set_split_strict(True)
    time.sleep(0.03)
    try:
        set_kernel_threads(1)
        assert get_kernel_threads() == 1
        jobs = testing.helper_jobs_taken()
        rnn.lstm_infer(*args, None, False, Act.TANH, Act.SIGMOID, False, False)
        assert testing.helper_jobs_taken() == jobs
        set_kernel_threads(4)
        assert get_kernel_threads() == 2
        rnn.lstm_infer(*args, None, False, Act.TANH, Act.SIGMOID, False, False)
        assert testing.helper_jobs_taken() == jobs + 1
        for bad in (0, -1, 1.5, "2", True, None):
            with pytest.raises(ValueError, match="`n` must be a positive integer"):
                set_kernel_threads(bad)
        assert get_kernel_threads() == 2
    finally:
        testing.set_split_strict(prev_strict)
        set_kernel_threads(prev)


# ----------------------------------------------------------------- dropout
_GATES = {"lstm": 4, "gru": 3, "simple": 1}


def _dropout(rng, unit, B, F, U, dtype, kind):
    """Keras-style inverted-dropout masks per gate: values 0 or 1/(1-rate)."""
    g = _GATES[unit]

    def draw(n):
        return ((rng.random((g, B, n)) > 0.4) / 0.6).astype(dtype)
    dpx = draw(F) if kind in ("x", "both") else None
    dph = draw(U) if kind in ("h", "both") else None
    return dpx, dph


def _fwd_dp(mod, unit, args, mask, gb, act, ract, ra, dp):
    x, W, R, b, h0, c0 = args
    if unit == "lstm":
        return mod.lstm_fwd(x, W, R, b, h0, c0, mask, gb, act, ract, *dp)
    if unit == "gru":
        return mod.gru_fwd(x, W, R, b, h0, mask, gb, act, ract, ra, *dp)
    return (mod.simple_fwd(x, W, R, b, h0, mask, gb, act, *dp),)


def _bwd_dp(mod, unit, args, mask, gb, act, ract, ra, saved, dH, dh, dc, dp):
    x, W, R, b, h0, c0 = args
    kw = dict(dpx=dp[0], dph=dp[1])
    if unit == "lstm":
        H, C, G = saved
        return mod.lstm_bwd(x, W, R, h0, c0, mask, gb, act, ract, G, H, C, dH, dh, dc, **kw)
    if unit == "gru":
        H, G, HZH = saved
        return mod.gru_bwd(x, W, R, h0, mask, gb, act, ract, ra, G, H, HZH, dH, dh, **kw)
    (H,) = saved
    return mod.simple_bwd(x, W, R, h0, mask, gb, act, H, dH, dh, **kw)


DP_CASES = [(unit, shape, mk, gb, kind)
            for unit in ("lstm", "gru", "gru_rb", "simple")
            for shape in [(3, 5, 4, 6), (1, 4, 3, 5), (2, 3, 7, 2)]
            for mk, gb in (("none", False), ("random", True), ("rows", False))
            for kind in ("x", "h", "both")]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("unit, shape, mk, gb, kind", DP_CASES)
def test_dropout_c_matches_reference(unit, shape, mk, gb, kind, dtype):
    """Per-gate input and recurrent dropout masks, forward and backward, with
    Keras masking and go_backwards: C equals the NumPy reference."""
    rng = np.random.default_rng(zlib.crc32(repr((unit, shape, mk, gb, kind)).encode()))
    ra = unit != "gru_rb"
    unit = "gru" if unit.startswith("gru") else unit
    B, T, F, U = shape
    args = _data(unit, B, T, F, U, dtype, rng, ra)
    mask = _mask(rng, B, T, mk)
    dp = _dropout(rng, unit, B, F, U, dtype, kind)
    tol = 2e-5 if dtype == np.float32 else 1e-11
    for act, ract in ACTS[:2]:
        out_c = _fwd_dp(rnn, unit, args, mask, gb, act, ract, ra, dp)
        out_r = _fwd_dp(ref, unit, args, mask, gb, act, ract, ra, dp)
        # H (and the LSTM's C); the saved gates of masked steps are unspecified
        for a, e in zip(out_c[:2 if unit == "lstm" else 1], out_r):
            scale = max(1.0, float(np.abs(e).max()))
            np.testing.assert_allclose(a, e, rtol=tol, atol=tol * scale)
        # the masks change the result of every row that runs a step
        plain = _fwd(ref, unit, args, mask, gb, act, ract, ra)
        live = np.ones(B, bool) if mask is None else mask.any(axis=1)
        if live.any():
            assert not np.allclose(plain[0][live], out_r[0][live])
        dH = rng.standard_normal((B, T, U)).astype(dtype)
        dh = rng.standard_normal((B, U)).astype(dtype)
        dc = rng.standard_normal((B, U)).astype(dtype)
        gc = _bwd_dp(rnn, unit, args, mask, gb, act, ract, ra, out_c, dH, dh, dc, dp)
        gr = _bwd_dp(ref, unit, args, mask, gb, act, ract, ra, out_r, dH, dh, dc, dp)
        for a, e in zip(gc, gr):
            assert a.dtype == dtype
            gscale = max(1.0, float(np.abs(e).max()))
            np.testing.assert_allclose(a, e, rtol=20 * tol, atol=20 * tol * gscale)


@pytest.mark.parametrize("unit", ["lstm", "gru", "gru_rb", "simple"])
def test_dropout_ones_is_no_dropout(unit):
    """Masks of ones give the results without dropout, through the dropout
    code path (per-gate GEMMs) of both implementations."""
    rng = np.random.default_rng(5)
    ra = unit != "gru_rb"
    unit = "gru" if unit.startswith("gru") else unit
    B, T, F, U = 3, 4, 5, 6
    args = _data(unit, B, T, F, U, np.float64, rng, ra)
    g = _GATES[unit]
    dp = (np.ones((g, B, F)), np.ones((g, B, U)))
    wH, wh, wc = (rng.standard_normal(s) for s in ((B, T, U), (B, U), (B, U)))
    for mod in (rnn, ref):
        a = _fwd_dp(mod, unit, args, None, True, Act.TANH, Act.SIGMOID, ra, dp)
        e = _fwd(mod, unit, args, None, True, Act.TANH, Act.SIGMOID, ra)
        np.testing.assert_allclose(a[0], e[0], rtol=1e-12, atol=1e-12)
        ga = _bwd_dp(mod, unit, args, None, True, Act.TANH, Act.SIGMOID, ra, a, wH, wh, wc,
                     dp)
        ge = _bwd(mod, unit, args, None, True, Act.TANH, Act.SIGMOID, ra, e, wH, wh, wc)
        for x, y in zip(ga, ge):
            np.testing.assert_allclose(x, y, rtol=1e-11, atol=1e-11)


@pytest.mark.parametrize("unit", ["lstm", "gru", "gru_rb", "simple"])
@pytest.mark.parametrize("mk, gb", [("none", False), ("random", True)])
def test_dropout_gradients_finite_differences(unit, mk, gb):
    """The backward under both dropout masks (C and reference) against
    central differences of the reference forward, in float64."""
    rng = np.random.default_rng(17)
    ra = unit != "gru_rb"
    unit = "gru" if unit.startswith("gru") else unit
    B, T, F, U = 2, 4, 3, 3
    args = list(_data(unit, B, T, F, U, np.float64, rng, ra))
    mask = _mask(rng, B, T, mk)
    dp = _dropout(rng, unit, B, F, U, np.float64, "both")
    wH, wh, wc = (rng.standard_normal(s) for s in ((B, T, U), (B, U), (B, U)))
    act, ract = Act.TANH, Act.SIGMOID

    def loss(a):
        out = _fwd_dp(ref, unit, tuple(a), mask, gb, act, ract, ra, dp)
        val = (wH * out[0]).sum() + (wh * out[0][:, -1]).sum()
        if unit == "lstm":
            val += (wc * out[1][:, -1]).sum()
        return val, out
    _, saved = loss(args)
    grads = [_bwd_dp(mod, unit, tuple(args), mask, gb, act, ract, ra,
                     _fwd_dp(mod, unit, tuple(args), mask, gb, act, ract, ra, dp),
                     wH, wh, wc, dp) for mod in (ref, rnn)]
    order = [0, 1, 2, 3, 4] + ([5] if unit == "lstm" else [])
    eps = 1e-6
    for gi, ai in enumerate(order):
        v = rng.standard_normal(args[ai].shape)
        plus = [a.copy() for a in args]
        minus = [a.copy() for a in args]
        plus[ai] += eps * v
        minus[ai] -= eps * v
        fd = (loss(plus)[0] - loss(minus)[0]) / (2 * eps)
        for g in grads:
            np.testing.assert_allclose((g[gi] * v).sum(), fd, rtol=1e-6, atol=1e-7)


def test_dropout_bad_masks():
    rng = np.random.default_rng(0)
    x, W, R, b, h0, c0 = _data("lstm", 2, 3, 4, 5, np.float32, rng)
    for mod in (rnn, ref):
        with pytest.raises(ValueError, match="input dropout masks"):
            mod.lstm_fwd(x, W, R, b, h0, c0, None, False, Act.TANH, Act.SIGMOID,
                         np.ones((3, 2, 4), np.float32), None)
        with pytest.raises(ValueError, match="recurrent dropout masks"):
            mod.gru_fwd(x, W[:, :15].copy(), R[:, :15].copy(), None, h0, None, False,
                        Act.TANH, Act.SIGMOID, False, None, np.ones((3, 2, 4), np.float32))


# Units that are multiples of 16 reach the float training kernels' register
# tiles (AVX-512): batches around the 6-row tiles, units around the 64-column
# panels of the backward's dh product (80: a 16-column tail panel); halves
# of 16 and 13 rows cut 6 + 5 + 5 and 5 + 4 + 4, with 9 steps (a partial
# backward chunk); 144 units: a tail panel after two whole ones.
TILE_SHAPES = [(1, 3, 4, 16), (7, 4, 3, 32), (13, 3, 5, 48), (6, 2, 1, 80), (33, 3, 2, 16),
               (32, 9, 3, 48), (26, 5, 2, 16), (3, 2, 2, 144)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", ["none", "x", "h", "both"])
@pytest.mark.parametrize("mk, gb", [("none", False), ("random", True), ("rows", False)])
@pytest.mark.parametrize("shape", TILE_SHAPES)
def test_lstm_train_tiles_match_reference(shape, mk, gb, kind, dtype, float_steps):
    """LSTM forward and backward with units the tiles take, with masks,
    go_backwards and dropout masks, against the reference: through the
    tiles and (float_steps == "sgemm") through OpenBLAS."""
    rng = np.random.default_rng(zlib.crc32(repr((shape, mk, gb, kind)).encode()))
    B, T, F, U = shape
    args = _data("lstm", B, T, F, U, dtype, rng)
    mask = _mask(rng, B, T, mk)
    dp = _dropout(rng, "lstm", B, F, U, dtype, kind) if kind != "none" else (None, None)
    tol = 2e-5 if dtype == np.float32 else 1e-11
    act, ract = ACTS[0]
    out_c = _fwd_dp(rnn, "lstm", args, mask, gb, act, ract, True, dp)
    out_r = _fwd_dp(ref, "lstm", args, mask, gb, act, ract, True, dp)
    for a, e in zip(out_c[:2], out_r[:2]):
        np.testing.assert_allclose(a, e, rtol=tol, atol=tol)
    live = np.ones((B, T), bool) if mask is None else mask
    np.testing.assert_allclose(out_c[2][live], out_r[2][live], rtol=tol, atol=tol)
    dH = rng.standard_normal((B, T, U)).astype(dtype)
    dh = rng.standard_normal((B, U)).astype(dtype)
    dc = rng.standard_normal((B, U)).astype(dtype)
    gc = _bwd_dp(rnn, "lstm", args, mask, gb, act, ract, True, out_c, dH, dh, dc, dp)
    gr = _bwd_dp(ref, "lstm", args, mask, gb, act, ract, True, out_r, dH, dh, dc, dp)
    for a, e in zip(gc, gr):
        gscale = max(1.0, float(np.abs(e).max()))
        np.testing.assert_allclose(a, e, rtol=20 * tol, atol=20 * tol * gscale)


# Sequences longer than the backward's chunk of 8 steps (its [dW; dR] is
# summed per chunk from a ring of dG rows): a partial first chunk (19, 17,
# 9), whole chunks only (16, 8), with odd halves and 6-row tile tails.
CHUNK_SHAPES = [(5, 19, 3, 32), (16, 17, 4, 16), (1, 9, 2, 48), (9, 16, 5, 16), (7, 8, 3, 80)]
NEEDS = [dict(), dict(need_dx=False), dict(need_dW=False), dict(need_dR=False, need_db=False),
         dict(need_dW=False, need_dR=False)]


def _assert_lstm_grads(got, want):
    """The float LSTM backward's gradients (dx, dW, dR, db, dh0, dc0)
    against the reference's, None where the reference gives None."""
    for name, a, e in zip(("dx", "dW", "dR", "db", "dh0", "dc0"), got, want, strict=True):
        if e is None:
            assert a is None, name
            continue
        gscale = max(1.0, float(np.abs(e).max()))
        np.testing.assert_allclose(a, e, rtol=4e-4, atol=4e-4 * gscale, err_msg=name)


@pytest.mark.parametrize("needs", range(len(NEEDS)))
@pytest.mark.parametrize("kind", ["none", "x", "h", "both"])
@pytest.mark.parametrize("mk, gb", [("none", False), ("random", True), ("rows", True)])
@pytest.mark.parametrize("shape", CHUNK_SHAPES)
def test_lstm_train_tiles_chunked_backward(shape, mk, gb, kind, needs):
    """The float tiles' backward over sequences of several chunks, with masks,
    go_backwards, dropout masks and each subset of wanted gradients: every
    gradient against the reference, and the ones not wanted are None."""
    rng = np.random.default_rng(zlib.crc32(repr((shape, mk, gb, kind, needs)).encode()))
    B, T, F, U = shape
    x, W, R, b, h0, c0 = _data("lstm", B, T, F, U, np.float32, rng)
    mask = _mask(rng, B, T, mk)
    dpx, dph = (_dropout(rng, "lstm", B, F, U, np.float32, kind) if kind != "none"
                else (None, None))
    act, ract = ACTS[0]
    dH = rng.standard_normal((B, T, U)).astype(np.float32)
    dh = rng.standard_normal((B, U)).astype(np.float32)
    dc = rng.standard_normal((B, U)).astype(np.float32)
    kw = dict(NEEDS[needs], dpx=dpx, dph=dph)

    def run(mod):
        H, C, G = mod.lstm_fwd(x, W, R, b, h0, c0, mask, gb, act, ract, dpx, dph)
        return mod.lstm_bwd(x, W, R, h0, c0, mask, gb, act, ract, G, H, C, dH, dh, dc, **kw)
    got, want = run(rnn), run(ref)
    _assert_lstm_grads(got, want)


# Dropout through the float tiles at widths the benchmark runs: several
# 64-unit blocks per step (each step writes the next one's masked operands
# while later blocks still read the current ones; 192: three, 80 and 64:
# a narrow last block or one), F past a 6-row tile (the x and h rows of
# the backward's masked [dW; dR] tiles meet inside a tile), runs of 8 steps
# and shorter ones, T = 1, B = 1 and odd halves.
DROP_WIDE_SHAPES = [(32, 50, 32, 128), (1, 9, 32, 128), (7, 3, 12, 192), (5, 17, 20, 80),
                    (3, 1, 8, 64)]


@pytest.mark.parametrize("needs", [0, 2])
@pytest.mark.parametrize("kind", ["x", "h", "both"])
@pytest.mark.parametrize("mk, gb", [("none", False), ("random", True), ("rows", False)])
@pytest.mark.parametrize("shape", DROP_WIDE_SHAPES)
def test_lstm_train_tiles_dropout_wide(shape, mk, gb, kind, needs):
    """Float LSTM forward and backward under input and/or recurrent dropout
    masks with zeros in every gate, at widths of several unit blocks and
    row tiles, with masks and go_backwards: outputs, saved gates of the
    steps that ran and every wanted gradient against the reference."""
    rng = np.random.default_rng(zlib.crc32(repr((shape, mk, gb, kind, needs)).encode()))
    B, T, F, U = shape
    x, W, R, b, h0, c0 = _data("lstm", B, T, F, U, np.float32, rng)
    W, R = W * np.float32(2 / np.sqrt(F + U)), R * np.float32(2 / np.sqrt(F + U))
    mask = _mask(rng, B, T, mk)
    dpx, dph = _dropout(rng, "lstm", B, F, U, np.float32, kind)
    for m in (dpx, dph):
        if m is not None:
            for k in range(4):
                m[k, 0, 0] = 0          # a dropped input in every gate
                m[k, -1, -1] = 1 / 0.6  # and a kept one
    act, ract = ACTS[0]
    dH = rng.standard_normal((B, T, U)).astype(np.float32)
    dh = rng.standard_normal((B, U)).astype(np.float32)
    dc = rng.standard_normal((B, U)).astype(np.float32)
    outs = {}
    for name, mod in (("c", rnn), ("ref", ref)):
        H, C, G = mod.lstm_fwd(x, W, R, b, h0, c0, mask, gb, act, ract, dpx, dph)
        grads = mod.lstm_bwd(x, W, R, h0, c0, mask, gb, act, ract, G, H, C, dH, dh, dc,
                             dpx=dpx, dph=dph, **NEEDS[needs])
        outs[name] = (H, C, G, grads)
    (H, C, G, got), (Hr, Cr, Gr, want) = outs["c"], outs["ref"]
    np.testing.assert_allclose(H, Hr, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(C, Cr, rtol=1e-4, atol=1e-4)
    live = np.ones((B, T), bool) if mask is None else mask
    np.testing.assert_allclose(G[live], Gr[live], rtol=1e-4, atol=1e-4)
    if live.any():   # the masks change what the steps that ran computed
        plain = ref.lstm_fwd(x, W, R, b, h0, c0, mask, gb, act, ract)[0]
        assert not np.allclose(plain[live], Hr[live], atol=1e-3)
    _assert_lstm_grads(got, want)


def test_lstm_train_tiles_reused_workspace():
    """The forward's workspace is kept per thread between calls: a second
    call with other weights and a smaller batch gives its own result, not
    the first call's packed weights."""
    rng = np.random.default_rng(7)
    outs = []
    for B, U in ((9, 32), (4, 32), (9, 16)):
        args = _data("lstm", B, 3, 2, U, np.float32, rng)
        H = rnn.lstm_fwd(*args, None, False, Act.TANH, Act.SIGMOID)[0]
        Hr = ref.lstm_fwd(*args, None, False, Act.TANH, Act.SIGMOID)[0]
        np.testing.assert_allclose(H, Hr, rtol=2e-5, atol=2e-5)
        outs.append(H)
    assert outs[0].shape != outs[1].shape


# Batches the training tiles split into halves (B >= 4), with odd halves and
# tails of the 6-row tiles; 3: below the split, all on the caller.
# 19 steps: the backward's chunks of 8 steps, a partial one first.
SPLIT_TRAIN_SHAPES = [(32, 6, 5, 32), (13, 4, 3, 48), (5, 3, 2, 16), (9, 19, 3, 16),
                      (3, 3, 2, 16)]


@pytest.mark.parametrize("kind", ["none", "both"])
@pytest.mark.parametrize("mk, gb", [("none", False), ("random", True)])
@pytest.mark.parametrize("shape", SPLIT_TRAIN_SHAPES)
def test_lstm_train_halves_same_bits_with_and_without_helper(shape, mk, gb, kind):
    """The float training kernels run each half of the batch through the
    whole sequence, on the helper thread when it comes: forward outputs and
    every gradient are bit for bit those of the caller alone, over repeated
    calls (whichever thread takes which half)."""
    import time
    rng = np.random.default_rng(zlib.crc32(repr((shape, mk, gb, kind)).encode()))
    B, T, F, U = shape
    args = _data("lstm", B, T, F, U, np.float32, rng)
    mask = _mask(rng, B, T, mk)
    dp = _dropout(rng, "lstm", B, F, U, np.float32, kind) if kind != "none" else (None, None)
    dH = rng.standard_normal((B, T, U)).astype(np.float32)
    dh = rng.standard_normal((B, U)).astype(np.float32)
    dc = rng.standard_normal((B, U)).astype(np.float32)
    act, ract = ACTS[0]

    def run():
        out = _fwd_dp(rnn, "lstm", args, mask, gb, act, ract, True, dp)
        return out + _bwd_dp(rnn, "lstm", args, mask, gb, act, ract, True, out, dH, dh, dc, dp)

    prev = kernels.set_helper_enabled(False)
    try:
        want = run()
        kernels.set_helper_enabled(True)
        time.sleep(0.03)   # past the helper's back-off after overlapping calls
        for _ in range(20):
            for g, w in zip(run(), want):
                np.testing.assert_array_equal(g, w)
    finally:
        kernels.set_helper_enabled(prev)
    out_r = _fwd_dp(ref, "lstm", args, mask, gb, act, ract, True, dp)
    np.testing.assert_allclose(want[0], out_r[0], rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("kind", ["none", "both"])
@pytest.mark.parametrize("mk, gb", [("none", False), ("random", True)])
@pytest.mark.parametrize("shape", SPLIT_TRAIN_SHAPES[:-1])
def test_lstm_train_forced_split_same_bits(shape, mk, gb, kind):
    """With the split forced (testing.set_train_strict), the helper thread
    runs one half of the batch in both the forward and the backward, as the
    counter of its halves shows, and the outputs and every gradient are bit
    for bit those of the caller alone."""
    import time
    rng = np.random.default_rng(zlib.crc32(repr((shape, mk, gb, kind, "forced")).encode()))
    B, T, F, U = shape
    args = _data("lstm", B, T, F, U, np.float32, rng)
    mask = _mask(rng, B, T, mk)
    dp = _dropout(rng, "lstm", B, F, U, np.float32, kind) if kind != "none" else (None, None)
    dH = rng.standard_normal((B, T, U)).astype(np.float32)
    dh = rng.standard_normal((B, U)).astype(np.float32)
    dc = rng.standard_normal((B, U)).astype(np.float32)
    act, ract = ACTS[0]

    def run():
        out = _fwd_dp(rnn, "lstm", args, mask, gb, act, ract, True, dp)
        return out + _bwd_dp(rnn, "lstm", args, mask, gb, act, ract, True, out, dH, dh, dc, dp)

    prev_on = kernels.set_helper_enabled(False)
    prev_strict = testing.set_train_strict(True)
    try:
        runs = testing.train_strict_runs()
        want = run()
        assert testing.train_strict_runs() == runs      # helper off: the caller alone
        split = 0
        for _ in range(50 if _avx512_tiles() else 0):   # else no tiles, no halves
            kernels.set_helper_enabled(True)   # also ends a back-off
            runs = testing.train_strict_runs()
            got = run()
            for g, w in zip(got, want):
                np.testing.assert_array_equal(g, w)
            split += testing.train_strict_runs() - runs == 2   # forward and backward
            if split >= 3:
                break
            time.sleep(0.03)   # the helper does not start for 20 ms after overlapping calls
        assert split >= 3 or not _avx512_tiles()
    finally:
        testing.set_train_strict(prev_strict)
        kernels.set_helper_enabled(prev_on)


@pytest.mark.parametrize("B", [1, 5, 33])   # the batch-1 split, the rows, the tiles
def test_lstm_infer_saturated_tiny_and_nan_gates(B):
    """The float cell's activations where their approximations are weakest:
    gates driven far into saturation (|z| up to ~300, past every clamp) and
    down to 1e-6 (tanh(z) ~ z), against the float64 reference; and a NaN
    input makes its own sample's h and c NaN (as the reference) and leaves
    the other samples alone."""
    rng = np.random.default_rng(7)
    T, F, U = 3, 4, 128
    x, W, R, b, h0, c0 = _data("lstm", B, T, F, U, np.float32, rng)
    scale = np.geomspace(1e-6, 100.0, 4 * U)
    rng.shuffle(scale)
    W = (W * scale).astype(np.float32)
    R = (R * 0.1).astype(np.float32)
    b = (b * scale).astype(np.float32)
    args64 = [a.astype(np.float64) for a in (x, W, R, b, h0, c0)]
    Hr, Cr, _ = ref.lstm_fwd(*args64, None, False, Act.TANH, Act.SIGMOID)
    _, hc, cc = rnn.lstm_infer(x, W, R, b, h0, c0, None, False, Act.TANH, Act.SIGMOID, False,
                               B >= 16)
    np.testing.assert_allclose(hc, Hr[:, -1], rtol=1e-5, atol=2e-6)
    np.testing.assert_allclose(cc, Cr[:, -1], rtol=1e-5, atol=2e-6)
    x[0, 1, 0] = np.nan
    _, hn, cn = rnn.lstm_infer(x, W, R, b, h0, c0, None, False, Act.TANH, Act.SIGMOID, False,
                               B >= 16)
    assert np.isnan(hn[0]).all() and np.isnan(cn[0]).all()
    np.testing.assert_array_equal(hn[1:], hc[1:])
    np.testing.assert_array_equal(cn[1:], cc[1:])
