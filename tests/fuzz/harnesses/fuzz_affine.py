"""atheris harness: the affine resampling kernels, through
`apply_affine_transform` (C path against the NumPy reference, every order,
fill mode and layout) and straight through `ckeras._ext._image` with
arbitrary doubles in the matrix (any pad, any order): no crash, and every
output a resampling can make (the pixels' range for orders 0/1)."""
import math

import atheris
import numpy as np

with atheris.instrument_imports(include=["ckeras.preprocessing"]):
    from ckeras.preprocessing import image as I
    from ckeras.preprocessing.image.affine import _affine_matrix, resample

from _common import assert_close, check, known, outcome, rng_values, run  # noqa: E402

from ckeras._ext import _image  # noqa: E402
from ckeras.kernels import use_kernels  # noqa: E402

MODES = list(I.FILL_MODES)
PARAM_SPECIALS = [0.0, 1e-300, 1e-12, 1e12, 2.0 ** 53, 1e18, 9.3e18, 1e30, 1e308, math.inf,
                  math.nan]


def param(fdp, lo, hi):
    kind = fdp.ConsumeIntInRange(0, 5)
    if kind == 0:
        return 0.0
    if kind == 5:
        return fdp.PickValueInList(PARAM_SPECIALS) * fdp.PickValueInList([1, -1])
    return fdp.ConsumeFloatInRange(lo, hi)


def image(fdp):
    h, w, c = (fdp.ConsumeIntInRange(1, 10), fdp.ConsumeIntInRange(1, 10),
               fdp.ConsumeIntInRange(1, 3))
    dtype = fdp.PickValueInList(["float32", "float64"])
    x = rng_values(fdp, (h, w, c), dtype, 1.0, 10.0)
    cf = fdp.ConsumeBool()
    if cf:
        x = np.ascontiguousarray(np.moveaxis(x, 2, 0))
    return x, cf


def layout(fdp, x):
    kind = fdp.ConsumeIntInRange(0, 5)
    if kind == 1:
        return "fortran", np.asfortranarray(x)
    if kind == 2:
        big = np.zeros((x.shape[0] * 2,) + x.shape[1:], x.dtype)
        big[::2] = x
        return "strided", big[::2]
    if kind == 3:
        buf = np.zeros(x.nbytes + 1, np.uint8)
        u = buf[1:].view(x.dtype).reshape(x.shape)
        u[...] = x
        return "unaligned", u
    return "c", x


def in_range(y, x, cval, what):
    """Orders 0/1: every output is a convex combination of pixels, or cval."""
    if not np.all(np.isfinite(x)):
        return
    lo, hi = min(float(x.min()), cval), max(float(x.max()), cval)
    eps = 1e-5 * max(abs(lo), abs(hi), 1.0)
    bad = ~((y >= lo - eps) & (y <= hi + eps))
    check(not bad.any(), what, "value out of the pixels' range:",
          y[bad][:3] if bad.any() else "", (lo, hi))


def public(fdp):
    x, cf = image(fdp)
    order = fdp.ConsumeIntInRange(0, 5)
    mode = fdp.PickValueInList(MODES)
    cval = fdp.ConsumeFloatInRange(-5, 5)
    p = dict(theta=param(fdp, -360, 360), tx=param(fdp, -30, 30), ty=param(fdp, -30, 30),
             shear=param(fdp, -80, 80), zx=param(fdp, -4, 4) or 1.0,
             zy=param(fdp, -4, 4) or 1.0)
    axes = dict(row_axis=1, col_axis=2, channel_axis=0) if cf else \
        dict(row_axis=0, col_axis=1, channel_axis=2)
    kind, xin = layout(fdp, x)
    kw = dict(p, fill_mode=mode, cval=cval, order=order, **axes)
    got = outcome(I.apply_affine_transform, xin, **kw)
    if got[0] == "err":
        skip = (kind == "unaligned" and known("affine_unaligned")) or (
            kind in ("fortran", "strided") and order > 1 and
            known("affine_spline_non_contiguous"))
        check(skip, "refused", kind, kw, got)
        return
    y = got[1]
    check(y.shape == x.shape and y.dtype == x.dtype, "shape/dtype", y.shape, y.dtype)
    huge = any(not math.isfinite(v) or abs(v) > 1e12 for v in p.values())
    if huge:  # no exact answer (SciPy's own integer arithmetic overflows there)
        if not (mode == "wrap" and known("affine_wrap_huge_coordinates")):
            check(np.all(np.isfinite(y)) or not np.all(np.isfinite(x)), "non-finite output",
                  kw)
            if order <= 1:
                in_range(y, x, cval, kw)
        return
    m = _affine_matrix(p["theta"], p["tx"], p["ty"], p["shear"], p["zx"], p["zy"],
                         *((x.shape[1], x.shape[2]) if cf else x.shape[:2]))
    if m is None:
        check(np.array_equal(y, x, equal_nan=True), "identity transform changed the image")
        return
    if not np.all(np.isfinite(x)):
        return  # NaN/inf pixels: no crash is the property (NaN vs inf may differ)
    scale = float(np.max(np.abs(x[np.isfinite(x)]), initial=1.0))
    tol = (1e-5, 2e-5 * scale) if x.dtype == np.float32 else (1e-9, 1e-9 * scale)
    want = reference(x, cf, m, mode, cval, order)
    ok = np.isclose(y, want, rtol=tol[0], atol=tol[1], equal_nan=True)
    if ok.all():
        return
    # A sample coordinate on a discontinuity (an edge for 'constant', a
    # rounding point for order 0, a fold) may land on either side, depending
    # on rounding: accept what a matrix a few ulps away gives.
    d = 1e-9 * max(1.0, float(np.max(np.abs(m[:, 2]))))
    for dr, dc in ((d, 0), (-d, 0), (0, d), (0, -d), (d, d), (-d, -d), (d, -d), (-d, d)):
        moved = m.copy()
        moved[:, 2] += (dr, dc)
        ok |= np.isclose(y, reference(x, cf, moved, mode, cval, order), rtol=tol[0],
                         atol=tol[1], equal_nan=True)
    if not ok.all():
        assert_close(y, want, tol[0], tol[1], f"apply_affine_transform {kw}")


def reference(x, cf, m, mode, cval, order):
    """The resampling on the NumPy reference kernels."""
    with np.errstate(all="ignore"), use_kernels("numpy"):
        return resample(x, m, 0 if cf else 2, mode, cval, order)

def raw(fdp):
    """ckeras._ext._image with any matrix, pad and order."""
    x, cf = image(fdp)
    m = [fdp.ConsumeFloat() if fdp.ConsumeIntInRange(0, 3) == 0 else
         fdp.ConsumeFloatInRange(-20, 20) for _ in range(6)]
    mode = fdp.ConsumeIntInRange(0, 3)
    cval = fdp.ConsumeFloatInRange(-5, 5)
    which = fdp.ConsumeIntInRange(0, 2)
    wrap_huge = mode == 1 and any(not math.isfinite(v) or abs(v) > 1e12 for v in m)
    if which == 0:
        y = outcome(_image.affine, x, m, mode, cval, cf)
        order, pad = 1, 0
    else:
        order = fdp.ConsumeIntInRange(0, 5)
        pad = fdp.ConsumeIntInRange(0, 3)
        c = x.astype(np.float64)
        if which == 2 and order >= 2:
            boundary = fdp.PickValueInList([_image.SPLINE_BOUNDARY["wrap"],
                                            _image.SPLINE_BOUNDARY["reflect"]])
            st = outcome(_image.spline_filter, c, order, boundary, cf)
            check(st[0] == "ok", "spline_filter refused", st)
            check(np.all(np.isfinite(c)) or not np.all(np.isfinite(x)),
                  "spline_filter: non-finite coefficients of a finite image")
        y = outcome(_image.affine_spline, c if which == 2 else x, m, order, mode, cval, cf,
                    pad, x.dtype == np.float32)
    if y[0] == "err":
        h, w = (x.shape[1], x.shape[2]) if cf else x.shape[:2]
        check(issubclass(y[1], ValueError) and (2 * pad >= h or 2 * pad >= w),
              "refused", y, pad, x.shape)
        return
    if order <= 1 and which != 2 and not (wrap_huge and known("affine_wrap_huge_coordinates")):
        check(np.all(np.isfinite(y[1])) or not np.all(np.isfinite(x)), "non-finite output", m)
        in_range(y[1], x, cval, f"raw order {order} mode {mode} pad {pad} matrix {m}")


@atheris.instrument_func
def TestOneInput(data):
    fdp = atheris.FuzzedDataProvider(data)
    if fdp.ConsumeBool():
        public(fdp)
    else:
        raw(fdp)


if __name__ == "__main__":
    run(TestOneInput)
