"""atheris harness: the conv2d and pool2d kernels of `ckeras._ext._conv`
(forward and backward) against the NumPy references, with shapes, strides,
dilations, leading pads and output sizes decoded from the fuzz input: those
the layers make ('valid'/'same'/'causal') and any other the kernels accept."""
import atheris
import numpy as np
from _common import assert_close, check, outcome, rng_values, run, use_kernels  # noqa: E402

from ckeras._ext import _conv

# The NumPy references, imported (lazily, by the registry) under instrumentation.
with atheris.instrument_imports(include=["ckeras"]), use_kernels("numpy") as _ref:
    REF = _ref


def layer_geometry(fdp, n, k, s, d):
    """(leading pad, output size) as a layer resolves its padding, or anything."""
    kind = fdp.ConsumeIntInRange(0, 3)
    span = (k - 1) * d + 1
    if kind == 0:  # valid
        return 0, max((n - span) // s + 1, 0)
    if kind == 1:  # same
        out = -(-n // s)
        total = max((out - 1) * s + span - n, 0)
        return total // 2, out
    if kind == 2:  # causal (1-D)
        return span - 1, -(-n // s)
    return fdp.ConsumeIntInRange(0, 6), fdp.ConsumeIntInRange(0, 9)


def windows_all_cover_input(H, W, KH, KW, SH, SW, PT, PL, OH, OW):
    rows = all(any(0 <= o * SH + k - PT < H for k in range(KH)) for o in range(OH))
    cols = all(any(0 <= o * SW + k - PL < W for k in range(KW)) for o in range(OW))
    return rows and cols


@atheris.instrument_func
def TestOneInput(data):
    fdp = atheris.FuzzedDataProvider(data)
    dtype = fdp.PickValueInList(["float32", "float64"])
    N, H, W, C = (fdp.ConsumeIntInRange(0, 3), fdp.ConsumeIntInRange(1, 9),
                  fdp.ConsumeIntInRange(1, 9), fdp.ConsumeIntInRange(1, 4))
    if fdp.ConsumeIntInRange(0, 3) == 0:
        H = 1  # the Conv1D / pooling-1D case
    KH, KW = fdp.ConsumeIntInRange(1, 6), fdp.ConsumeIntInRange(1, 6)
    SH, SW = fdp.ConsumeIntInRange(1, 4), fdp.ConsumeIntInRange(1, 4)
    DH, DW = (fdp.ConsumeIntInRange(1, 3), fdp.ConsumeIntInRange(1, 3)) if \
        fdp.ConsumeBool() else (1, 1)
    x = rng_values(fdp, (N, H, W, C), dtype)
    finite = bool(np.all(np.isfinite(x)))
    tol = (3e-4, 3e-5) if dtype == "float32" else (1e-9, 1e-11)
    if fdp.ConsumeBool():
        PT, OH = layer_geometry(fdp, H, KH, SH, DH)
        PL, OW = layer_geometry(fdp, W, KW, SW, DW)
        n_out = fdp.ConsumeIntInRange(1, 4)
        w = rng_values(fdp, (KH, KW, C, n_out), dtype)
        b = rng_values(fdp, (n_out,), dtype) if fdp.ConsumeBool() else None
        code = fdp.ConsumeIntInRange(0, 5)
        args = (code, (SH, SW), (DH, DW), (PT, PL))
        got = outcome(_conv.conv2d_fwd, x, w, b, *args, (OH, OW))
        want = outcome(REF.conv2d_fwd, x, w, b, *args, (OH, OW))
        check(got[0] == want[0], "conv2d_fwd outcome", got, want)
        if got[0] == "err":
            return
        if finite and np.all(np.isfinite(w)):
            assert_close(got[1], want[1], *tol, "conv2d_fwd")
        if code == 4:
            return  # softmax has no elementwise backward
        y = want[1]
        dy = rng_values(fdp, y.shape, dtype)
        flags = dict(need_dx=fdp.ConsumeBool(), need_dw=fdp.ConsumeBool(),
                     need_db=fdp.ConsumeBool())
        g = outcome(_conv.conv2d_bwd, x, w, y, dy, *args, **flags)
        r = outcome(REF.conv2d_bwd, x, w, y, dy, *args, **flags)
        check(g[0] == r[0], "conv2d_bwd outcome", g, r)
        if g[0] == "ok" and finite and np.all(np.isfinite(w)) and np.all(np.isfinite(dy)):
            for a, c, name in zip(g[1], r[1], ("dx", "dw", "db")):
                check((a is None) == (c is None), name, "presence")
                if a is not None:
                    assert_close(a, c, tol[0], tol[1] * max(1, KH * KW * N * H * W),
                                 f"conv2d_bwd {name}")
        return
    PT, OH = layer_geometry(fdp, H, KH, SH, 1)
    PL, OW = layer_geometry(fdp, W, KW, SW, 1)
    mode = fdp.ConsumeIntInRange(0, 1)
    geom = ((KH, KW), (SH, SW), (PT, PL))
    got = outcome(_conv.pool2d_fwd, x, *geom, (OH, OW), mode)
    if not windows_all_cover_input(H, W, KH, KW, SH, SW, PT, PL, OH, OW):
        return  # an empty window (no layer makes one): only "no crash" is checked
    want = outcome(REF.pool2d_fwd, x, *geom, (OH, OW), mode)
    check(got[0] == want[0], "pool2d_fwd outcome", got, want)
    if got[0] == "err":
        return
    (y, idx), (y_ref, idx_ref) = got[1], want[1]
    if finite:
        assert_close(y, y_ref, *tol, "pool2d_fwd")
        if mode == 0:
            check(np.array_equal(idx, idx_ref), "pool2d_fwd argmax")
    dy = rng_values(fdp, y.shape, dtype)
    g = outcome(_conv.pool2d_bwd, dy, idx, x.shape, *geom, mode)
    r = outcome(REF.pool2d_bwd, dy, idx, x.shape, *geom, mode)
    check(g[0] == r[0], "pool2d_bwd outcome", g, r)
    if g[0] == "ok" and np.all(np.isfinite(dy)):
        assert_close(g[1], r[1], tol[0], tol[1] * KH * KW, "pool2d_bwd")


if __name__ == "__main__":
    run(TestOneInput)
