"""atheris harness: the recurrent kernels of `ckeras._ext._rnn` (LSTM, GRU in
both bias layouts, SimpleRNN; forward, inference and backward through time)
against the NumPy references: batch 0/1/many (the transposed inference
layout and the batch-1 two-thread split included), one timestep, one unit,
masks of any byte values, fully masked rows, every activation code."""
import atheris
import numpy as np
from _common import assert_close, check, outcome, rng_values, run, use_kernels

# The NumPy references, imported (lazily, by the registry) under instrumentation.
with atheris.instrument_imports(include=["ckeras"]), use_kernels("numpy") as _ref:
    REF = _ref

from ckeras._ext import _rnn  # noqa: E402

CODES = [0, 1, 2, 3, 5]  # linear, relu, sigmoid, tanh, hard_sigmoid


def mask_for(fdp, B, T):
    kind = fdp.ConsumeIntInRange(0, 4)
    if kind == 0:
        return None
    rng = np.random.default_rng(fdp.ConsumeIntInRange(0, 2 ** 16))
    m = rng.random((B, T)) > 0.4
    if kind == 2 and B:
        m[0] = False
    if kind == 3:
        m[:] = False
    if kind == 4:  # uint8 with any byte values: nonzero means "on"
        return (rng.integers(0, 256, (B, T)) * rng.integers(0, 2, (B, T))).astype(np.uint8)
    return m


def compare(got, want, tol, what, mask=None, internal=()):
    """Outcomes and arrays equal; the `internal` outputs (gate and cell
    buffers kept for the backward pass) only at the steps the mask keeps."""
    check(got[0] == want[0], what, "outcome", got, want)
    if got[0] == "err":
        return
    got = got[1] if isinstance(got[1], tuple) else (got[1],)
    want = want[1] if isinstance(want[1], tuple) else (want[1],)
    for i, (a, b) in enumerate(zip(got, want)):
        check((a is None) == (b is None), what, i, "presence")
        if a is not None and i in internal and mask is not None:
            keep = mask.astype(bool)
            a, b = a[keep], b[keep]
        if a is not None and np.isinf(tol[0]):
            check(a.shape == b.shape, what, i, "shape", a.shape, b.shape)
        elif a is not None:
            # errors grow with the values (linear/relu recurrences explode)
            scale = float(np.max(np.abs(b[np.isfinite(b)]), initial=1.0))
            assert_close(a, b, tol[0], tol[1] * scale, f"{what}[{i}]")


@atheris.instrument_func
def TestOneInput(data):
    fdp = atheris.FuzzedDataProvider(data)
    kind = fdp.PickValueInList(["lstm", "gru", "gru_v1", "simple"])
    dtype = fdp.PickValueInList(["float32", "float64"])
    B = fdp.PickValueInList([0, 1, 1, 2, 3, 5, 16, 17])
    T = fdp.ConsumeIntInRange(1, 6)
    F = fdp.ConsumeIntInRange(1, 5)
    U = fdp.ConsumeIntInRange(1, 6)
    if B == 1 and kind == "lstm" and fdp.ConsumeIntInRange(0, 3) == 0:
        U = fdp.PickValueInList([63, 64, 65])  # the batch-1 two-thread split
    gates = {"lstm": 4, "gru": 3, "gru_v1": 3, "simple": 1}[kind]
    x = rng_values(fdp, (B, T, F), dtype)
    W = rng_values(fdp, (F, gates * U), dtype, -0.7, 0.7)
    R = rng_values(fdp, (U, gates * U), dtype, -0.7, 0.7)
    h0 = rng_values(fdp, (B, U), dtype, -1, 1)
    c0 = rng_values(fdp, (B, U), dtype, -1, 1)
    mask = mask_for(fdp, B, T)
    back = fdp.ConsumeBool()
    act, ract = fdp.PickValueInList(CODES), fdp.PickValueInList(CODES)
    # planted NaN/inf/1e30 values: no crash and the same shapes is the check
    # (products of 1e30 overflow float32 in either order)
    finite = all(np.all(np.abs(a) < 1e6) for a in (x, W, R, h0, c0))
    tol = (1e-3, 1e-4) if dtype == "float32" else (1e-8, 1e-10)
    if not finite:
        tol = (np.inf, np.inf)
    if kind == "lstm":
        b = rng_values(fdp, (4 * U,), dtype) if fdp.ConsumeBool() else None
        args = (x, W, R, b, h0, c0, mask, back, act, ract)
        fwd = outcome(_rnn.lstm_fwd, *args)
        compare(fwd, outcome(REF.lstm_fwd, *args), tol, "lstm_fwd", mask, (1, 2))
        seqs, trans = fdp.ConsumeBool(), fdp.ConsumeBool()
        compare(outcome(_rnn.lstm_infer, *args, seqs, trans),
                outcome(REF.lstm_infer, *args, seqs, trans), tol, "lstm_infer")
        if fwd[0] == "err":
            return
        H, C, G = fwd[1]
        bargs = (x, W, R, h0, c0, mask, back, act, ract, G, H, C,
                 rng_values(fdp, H.shape, dtype) if fdp.ConsumeBool() else None,
                 rng_values(fdp, (B, U), dtype), rng_values(fdp, (B, U), dtype))
        bwd = _rnn.lstm_bwd, REF.lstm_bwd
    elif kind.startswith("gru"):
        ra = kind == "gru"
        b = (rng_values(fdp, (2, 3 * U) if ra else (3 * U,), dtype)
             if fdp.ConsumeBool() else None)
        args = (x, W, R, b, h0, mask, back, act, ract, ra)
        fwd = outcome(_rnn.gru_fwd, *args)
        compare(fwd, outcome(REF.gru_fwd, *args), tol, "gru_fwd", mask, (1, 2))
        if fwd[0] == "err":
            return
        H, G, HZH = fwd[1]
        bargs = (x, W, R, h0, mask, back, act, ract, ra, G, H, HZH,
                 rng_values(fdp, H.shape, dtype) if fdp.ConsumeBool() else None,
                 rng_values(fdp, (B, U), dtype))
        bwd = _rnn.gru_bwd, REF.gru_bwd
    else:
        b = rng_values(fdp, (U,), dtype) if fdp.ConsumeBool() else None
        args = (x, W, R, b, h0, mask, back, act)
        fwd = outcome(_rnn.simple_fwd, *args)
        compare(fwd, outcome(REF.simple_fwd, *args), tol, "simple_fwd")
        if fwd[0] == "err":
            return
        H = fwd[1]
        bargs = (x, W, R, h0, mask, back, act, H,
                 rng_values(fdp, H.shape, dtype) if fdp.ConsumeBool() else None,
                 rng_values(fdp, (B, U), dtype))
        bwd = _rnn.simple_bwd, REF.simple_bwd
    flags = dict(need_dx=fdp.ConsumeBool(), need_dW=fdp.ConsumeBool(),
                 need_dR=fdp.ConsumeBool(), need_db=fdp.ConsumeBool())
    btol = tol if not finite else (tol[0] * 10, tol[1] * 10 * T)
    compare(outcome(bwd[0], *bargs, **flags), outcome(bwd[1], *bargs, **flags), btol,
            f"{kind} backward")


if __name__ == "__main__":
    run(TestOneInput)
