"""Optimizer updates: C (ckeras._ext._optim) against the NumPy reference,
bit for bit away from denormals; flush-to-zero inside the C update only."""
import numpy as np
import pytest

from ckeras.kernels import set_helper_enabled
from ckeras.kernels.reference import optim as ref

optim = pytest.importorskip("ckeras._ext._optim")

SIZES = [1, 7, 1000, 70001]   # 70001: past the size shared with the helper thread


def _state(rng, n, dtype, k):
    g = rng.standard_normal(n).astype(dtype)
    w = rng.standard_normal(n).astype(dtype)
    slots = [np.abs(rng.standard_normal(n)).astype(dtype) * 0.1 for _ in range(k)]
    return w, g, slots


def _both(fn_name, w, g, slots, *hyper, pick):
    """Runs the C and reference update on copies; returns both states."""
    out = []
    for mod in (optim, ref):
        ws, ss = w.copy(), [s.copy() for s in slots]
        with np.errstate(invalid="ignore"):     # centered RMSprop: sqrt of v - a*a < 0
            getattr(mod, fn_name)(ws, g, *pick(ss), *hyper)
        out.append([ws] + ss)
    return out


ADAM = [dict(ams=False), dict(ams=True)]
RMS = [dict(centered=c, momentum=m, outside=o) for c in (False, True) for m in (0.0, 0.9)
       for o in (False, True)]
SGD = [dict(slot=False, momentum=0.0, nesterov=False), dict(slot=True, momentum=0.0,
                                                            nesterov=False),
       dict(slot=True, momentum=0.9, nesterov=False), dict(slot=True, momentum=0.9,
                                                           nesterov=True)]


@pytest.mark.parametrize("helper", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", SIZES)
def test_updates_equal_reference_bits(n, dtype, helper):
    prev = set_helper_enabled(helper)
    try:
        rng = np.random.default_rng(n)
        for kw in ADAM:
            w, g, s = _state(rng, n, dtype, 3)
            c, r = _both("adam_update", w, g, s, 0.1, 0.001, 0.00123, 1e-7,
                         pick=lambda ss, a=kw["ams"]: (ss[0], ss[1], ss[2] if a else None))
            for a, e in zip(c, r):
                np.testing.assert_array_equal(a, e)
            assert not np.array_equal(c[0], w)
        for kw in RMS:
            w, g, s = _state(rng, n, dtype, 3)
            c, r = _both("rmsprop_update", w, g, s, 0.1, kw["momentum"], 0.01, 1e-7,
                         kw["outside"], pick=lambda ss, k=kw: (
                             ss[0], ss[1] if k["centered"] else None,
                             ss[2] if k["momentum"] else None))
            for a, e in zip(c, r):
                np.testing.assert_array_equal(a, e)
            assert not np.array_equal(c[0], w)
        for kw in SGD:
            w, g, s = _state(rng, n, dtype, 1)
            c, r = _both("sgd_update", w, g, s, 0.01, kw["momentum"], kw["nesterov"],
                         pick=lambda ss, k=kw: (ss[0] if k["slot"] else None,))
            for a, e in zip(c, r):
                np.testing.assert_array_equal(a, e)
            assert not np.array_equal(c[0], w)
    finally:
        set_helper_enabled(prev)


@pytest.mark.parametrize("dtype, tiny", [(np.float32, 1e-40), (np.float64, 1e-310)])
@pytest.mark.parametrize("n", [5, 70001])
def test_adam_denormal_moments_flush_to_zero(dtype, tiny, n):
    """Moments in the denormal range with a zero gradient: the C update reads
    them as zero (DAZ) and writes zero, where NumPy keeps shrinking denormals
    (the slow path); the variable does not move in either."""
    m = np.full(n, tiny, dtype)
    v = np.full(n, tiny, dtype)
    assert m[0] != 0 and abs(m[0]) < np.finfo(dtype).tiny          # denormal
    g = np.zeros(n, dtype)
    w = np.ones(n, dtype)
    wc, mc, vc = w.copy(), m.copy(), v.copy()
    optim.adam_update(wc, g, mc, vc, None, 0.1, 0.001, 1e-3, 1e-7)
    np.testing.assert_array_equal(mc, 0)
    np.testing.assert_array_equal(vc, 0)
    np.testing.assert_array_equal(wc, 1)
    wr, mr, vr = w.copy(), m.copy(), v.copy()
    ref.adam_update(wr, g, mr, vr, None, 0.1, 0.001, 1e-3, 1e-7)
    assert np.all(mr != 0) and np.all(vr != 0)                     # NumPy keeps them
    # a result that would be denormal is flushed: 4 tiny - 3.6 tiny
    m = np.full(n, 4 * np.finfo(dtype).tiny, dtype)
    mr = m.copy()
    optim.adam_update(w.copy(), g, m, v.copy(), None, 0.9, 0.5, 1e-3, 1e-7)
    ref.adam_update(w.copy(), g, mr, v.copy(), None, 0.9, 0.5, 1e-3, 1e-7)
    np.testing.assert_array_equal(m, 0)
    assert np.all(mr > 0) and np.all(mr < np.finfo(dtype).tiny)


def test_caller_floating_point_mode_unchanged():
    """The update sets FTZ/DAZ for itself only: the caller's MXCSR (control
    bits and flags) is the same after the call, whatever it was before, and
    NumPy still produces denormals afterwards."""
    before = optim._mxcsr()
    if before < 0:
        pytest.fail("not an x86 SSE machine: MXCSR cannot be read")
    rng = np.random.default_rng(0)
    w, g, (m, v) = _state(rng, 100000, np.float32, 2)
    try:
        for mode in (before, before | 0x6000, before | 0x8040):   # round-to-zero; FTZ+DAZ
            optim._mxcsr(mode)
            optim.adam_update(w, g, m, v, None, 0.1, 0.001, 1e-3, 1e-7)
            optim.sgd_update(w, g, m, 0.01, 0.9, True)
            optim.rmsprop_update(w, g, v, None, m, 0.1, 0.9, 0.01, 1e-7, False)
            assert optim._mxcsr() == mode
    finally:
        optim._mxcsr(before)
    assert optim._mxcsr() == before
    assert np.float32(1e-30) * np.float32(1e-10) != 0     # denormal products survive


def test_errors_same_as_reference():
    w = np.zeros(4, np.float32)
    for mod in (optim, ref):
        with pytest.raises(ValueError, match="gradient has shape"):
            mod.adam_update(w, np.zeros(3, np.float32), w.copy(), w.copy(), None, .1, .1,
                            .1, .1)
        with pytest.raises(ValueError, match="dtype"):
            mod.sgd_update(w, np.zeros(4), None, 0.1, 0.0, False)
        ro = w.copy()
        ro.flags.writeable = False
        with pytest.raises(ValueError, match="m must be writable"):
            mod.sgd_update(w, w, ro, 0.1, 0.9, False)
        with pytest.raises(ValueError, match="C-contiguous"):
            mod.rmsprop_update(np.zeros((4, 2), np.float32).T, np.zeros((2, 4), np.float32).T,
                               np.zeros((2, 4), np.float32).T, None, None, .1, 0., .1, .1,
                               False)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("ams", [False, True])
def test_adam_update_many_is_the_updates_one_by_one(dtype, ams):
    """One call over a step's variables (odd sizes, one past the helper's
    share) gives each variable the bits of its own adam_update, in C and in
    the reference."""
    rng = np.random.default_rng(3)
    states = [_state(rng, n, dtype, 3) for n in (5, 1, 70001, 130)]
    for mod in (optim, ref):
        one = [(w.copy(), [s.copy() for s in ss]) for w, _, ss in states]
        many = [(w.copy(), [s.copy() for s in ss]) for w, _, ss in states]
        for (w, ss), (_, g, _) in zip(one, states):
            mod.adam_update(w, g, ss[0], ss[1], ss[2] if ams else None, 0.1, 0.001, 0.00123,
                            1e-7)
        mod.adam_update_many([w for w, _ in many], [g for _, g, _ in states],
                             [ss[0] for _, ss in many], [ss[1] for _, ss in many],
                             [ss[2] for _, ss in many] if ams else None,
                             0.1, 0.001, 0.00123, 1e-7)
        for (w1, s1), (w2, s2) in zip(one, many):
            np.testing.assert_array_equal(w1, w2)
            for a, b in zip(s1, s2):
                np.testing.assert_array_equal(a, b)
    c = [w.copy() for w, _, _ in states]
    r = [w.copy() for w, _, _ in states]
    for mod, ws in ((optim, c), (ref, r)):
        ms = [ss[0].copy() for _, _, ss in states]
        vs = [ss[1].copy() for _, _, ss in states]
        mod.adam_update_many(ws, [g for _, g, _ in states], ms, vs, None, 0.1, 0.001, 1e-3,
                             1e-7)
    for a, b in zip(c, r):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("mod", [optim, ref], ids=["c", "numpy"])
def test_adam_update_many_checks_everything_before_updating(mod):
    w = [np.ones(3, np.float32), np.ones(2, np.float32)]
    keep = [a.copy() for a in w]
    g = [np.ones(3, np.float32), np.ones(3, np.float32)]
    m = [np.zeros(3, np.float32), np.zeros(2, np.float32)]
    v = [np.zeros(3, np.float32), np.zeros(2, np.float32)]
    with pytest.raises(ValueError, match=r"gradient has shape \(3,\), expected \(2,\)"):
        mod.adam_update_many(w, g, m, v, None, 0.1, 0.001, 1e-3, 1e-7)
    for a, b in zip(w, keep):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="lists of one length"):
        mod.adam_update_many(w, g[:1], m, v, None, 0.1, 0.001, 1e-3, 1e-7)
    with pytest.raises(ValueError, match="variables of one dtype"):
        mod.adam_update_many([w[0], np.ones(2)], [g[0], np.ones(2)], [m[0], np.zeros(2)],
                             [v[0], np.zeros(2)], None, 0.1, 0.001, 1e-3, 1e-7)
