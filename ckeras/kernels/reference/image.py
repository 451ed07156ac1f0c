"""NumPy reference of the affine resampling kernels (ckeras/_ext/_image.pyx).

A port of what `scipy.ndimage` does, so the kernels can be checked without
SciPy: `spline_filter` is the B-spline prefilter of `ndimage.spline_filter`
(orders 2..5, boundary `SplineBoundary.MIRROR` or `SplineBoundary.REFLECT`), and
`affine_spline` samples through a 2x3 matrix with the spline of `order`
(0..5) and SciPy's rules for the fill modes of `Fill` (`affine` is its
linear case). Images are 3-D float32/float64, (H, W, C) or, with
`channels_first`, (C, H, W), aligned and in native byte order but in any
memory layout (the kernels take element strides); results are computed in
float64 and returned C-ordered.
"""
import numpy as np

from ckeras.kernels.checks import c_double, c_int, check_array
from ckeras.kernels.codes import Fill, SplineBoundary

__all__ = ["affine", "spline_filter", "affine_spline"]


def _read_matrix(matrix):
    vals = [float(v) for v in matrix]
    if len(vals) != 6:
        raise ValueError(f"matrix must hold 6 values, got {len(vals)}")
    return vals


def _check_mode(mode):
    if mode < 0 or mode >= len(Fill):
        raise ValueError(f"mode must be a fill-mode code in [0, {len(Fill)}), got {mode}")
    return Fill(mode)


def _hw(shape, channels_first):
    return shape[1:] if channels_first else shape[:2]


# ----------------------------------------------------------------- prefilter

def _spline_poles(order):
    """Poles of the B-spline prefilter (Unser, Aldroubi & Eden, 1991)."""
    if order == 2:
        return [np.sqrt(8.0) - 3.0]
    if order == 3:
        return [np.sqrt(3.0) - 2.0]
    if order == 4:
        return [np.sqrt(664.0 - np.sqrt(438976.0)) + np.sqrt(304.0) - 19.0,
                np.sqrt(664.0 + np.sqrt(438976.0)) - np.sqrt(304.0) - 19.0]
    return [np.sqrt(67.5 - np.sqrt(4436.25)) + np.sqrt(26.25) - 6.5,
            np.sqrt(67.5 + np.sqrt(4436.25)) - np.sqrt(26.25) - 6.5]


def _filter_lines(c, order, boundary):
    """In-place prefilter of the lines c[..., :] (float64), see csrc/ck_image.c."""
    n = c.shape[-1]
    if n < 2:
        return
    poles = _spline_poles(order)
    gain = 1.0
    for z in poles:
        gain *= (1.0 - z) * (1.0 - 1.0 / z)
    c *= gain
    for z in poles:
        if boundary == SplineBoundary.MIRROR:
            zn1 = z ** (n - 1)
            s = c[..., 0] + zn1 * c[..., n - 1]
            zk = z
            for k in range(1, n - 1):
                s = s + zk * (c[..., k] + zn1 * c[..., n - 1 - k])
                zk *= z
            c[..., 0] = s / (1.0 - zn1 * zn1)
        else:
            # half-sample symmetric, including SciPy's reuse of the partial
            # sum in the last term (see causal_start_reflect in the C file)
            zn = z ** n
            part = c[..., 0] + zn * c[..., n - 1]
            zk = z
            for k in range(1, n - 1):
                part = part + zk * (c[..., k] + zn * c[..., n - 1 - k])
                zk *= z
            s = part + zk * (c[..., n - 1] + zn * part)
            c[..., 0] = c[..., 0] + s * (z / (1.0 - zn * zn))
        for k in range(1, n):
            c[..., k] += z * c[..., k - 1]
        if boundary == SplineBoundary.MIRROR:
            c[..., n - 1] = (z * c[..., n - 2] + c[..., n - 1]) * z / (z * z - 1.0)
        else:
            c[..., n - 1] *= z / (z - 1.0)
        for k in range(n - 2, -1, -1):
            c[..., k] = z * (c[..., k + 1] - c[..., k])


def spline_filter(c, order, boundary, channels_first=False):
    """Turn the float64 image `c` into B-spline coefficients, IN PLACE.

    Filters along the rows axis, then the columns axis (SciPy's order), with
    the spline of `order` (2..5) and the boundary rule `boundary`
    (`SplineBoundary.MIRROR`, whole-sample symmetric, or `SplineBoundary.REFLECT`,
    half-sample symmetric). Returns None.
    """
    order, boundary, channels_first = c_int(order), c_int(boundary), bool(channels_first)
    check_array(c, "c", 3, np.dtype(np.float64), contiguous=False)
    if not c.flags.writeable:
        raise ValueError("c must be writeable (it is filtered in place)")
    if order < 2 or order > 5:
        raise ValueError(f"order must be in [2, 5] for the spline prefilter, got {order}")
    if boundary not in (SplineBoundary.MIRROR, SplineBoundary.REFLECT):
        raise ValueError(f"boundary must be {int(SplineBoundary.MIRROR)} (mirror) or "
                         f"{int(SplineBoundary.REFLECT)} (reflect), got {boundary}")
    rows, cols = (1, 2) if channels_first else (0, 1)
    _filter_lines(np.moveaxis(c, rows, -1), order, boundary)
    _filter_lines(np.moveaxis(c, cols, -1), order, boundary)


# ------------------------------------------------------------------ sampling

def _bspline(y, order):
    """Centred B-spline of `order` (1..5) at distances y >= 0."""
    if order == 1:
        return np.where(y < 1, 1 - y, 0.0)
    if order == 2:
        return np.where(y < 0.5, 0.75 - y * y,
                        np.where(y < 1.5, 0.5 * (1.5 - y) ** 2, 0.0))
    if order == 3:
        return np.where(y < 1, (y * y * (3 * y - 6) + 4) / 6,
                        np.where(y < 2, (2 - y) ** 3 / 6, 0.0))
    if order == 4:
        t = y * y
        inner = t * (0.25 * t - 0.625) + 115 / 192
        mid = y * (y * (y * (5 - y) / 6 - 1.25) + 5 / 24) + 55 / 96
        return np.where(y < 0.5, inner, np.where(y < 1.5, mid,
                                                 np.where(y < 2.5, (2.5 - y) ** 4 / 24, 0.0)))
    t = y * y
    inner = t * (t * (0.25 - y / 12) - 0.5) + 0.55
    mid = y * (y * (y * (y * (y / 24 - 0.375) + 1.25) - 1.75) + 0.625) + 0.425
    return np.where(y < 1, inner, np.where(y < 2, mid, np.where(y < 3, (3 - y) ** 5 / 120, 0.0)))


def _fold(c, n, mode):
    """Coordinate folding per fill mode (see csrc/ck_image.c): the folded
    coordinates and a mask of those that are not the fill value."""
    ok = np.isfinite(c)
    c = np.where(ok, c, 0.0)
    if mode == Fill.NEAREST:  # not folded (the taps are clamped), only bounded
        return np.clip(c, -1e9, 1e9 + n), ok
    if mode == Fill.CONSTANT:
        return c, ok & (c >= 0) & (c <= n - 1)
    out = c.copy()
    lo, hi = c < 0, c > n - 1
    if n <= 1:
        out[lo | hi] = 0.0
        return out, ok
    # From 2**52 on SciPy's truncated quotient overflows; there the remainder
    # is taken exactly with fmod (as csrc/ck_image.c does).
    big = np.abs(c) > 2.0 ** 52
    if mode == Fill.WRAP:  # SciPy's period n - 1, truncating integer arithmetic
        p = n - 1
        out[lo] = c[lo] + p * (np.trunc(-c[lo] / p) + 1)
        out[hi] = c[hi] - p * np.trunc(c[hi] / p)
        r = np.fmod(c[big], p)
        out[big] = np.where(c[big] < 0, r + p, r)
        return out, ok
    p = 2 * n  # reflect: half-sample symmetric
    c = np.where(big, np.fmod(c, p), c)
    out, lo, hi = c.copy(), c < 0, c > n - 1
    v = c[lo]
    far = v < -p
    v[far] = p * np.trunc(-v[far] / p) + v[far]
    out[lo] = np.where(v < -n, v + p, np.where(v > -1e-15, 1e-15, -v) - 1)
    v = c[hi] - p * np.trunc(c[hi] / p)
    out[hi] = np.where(v >= n, p - v - 1, v)
    return out, ok


def _tap_index(k, n, mode):
    """In-range sample index of spline taps k along an axis of length n."""
    if n <= 1:
        return np.zeros_like(k)
    if mode == Fill.NEAREST:
        return np.clip(k, 0, n - 1)
    if mode == Fill.REFLECT:
        k = np.mod(k, 2 * n)
        return np.where(k < n, k, 2 * n - 1 - k)
    k = np.mod(k, 2 * n - 2)  # whole-sample symmetric ('wrap', 'constant')
    return np.where(k < n, k, 2 * n - 2 - k)


def _taps(c, n, order, mode):
    """(indices, weights) of the order + 1 taps at coordinates c, and the
    mask of coordinates inside the image."""
    c, ok = _fold(c, n, mode)
    c = np.where(ok, c, 0.0)
    start = np.floor(c if order & 1 else c + 0.5).astype(np.intp) - order // 2
    k = start[..., None] + np.arange(order + 1)
    if order == 0:
        w = np.ones(k.shape)
    else:
        w = _bspline(np.abs(c[..., None] - k), order)
    return _tap_index(k, n, mode), w, ok


def _sample(x, m, order, mode, cval, channels_first, pad, dtype):
    """Output pixel (i, j) = the spline of x at (off_r + m00*i + m01*j + pad,
    off_c + m10*i + m11*j + pad), cval outside; a new array of `dtype`."""
    coef = (x if channels_first else np.moveaxis(x, 2, 0)).astype(np.float64)
    _, h, w = coef.shape
    m00, m01, off_r, m10, m11, off_c = m
    i = np.arange(h - 2 * pad, dtype=np.float64)[:, None]
    j = np.arange(w - 2 * pad, dtype=np.float64)[None, :]
    r = (off_r + i * m00) + j * m01 + pad
    c = (off_c + i * m10) + j * m11 + pad
    rt, wr, okr = _taps(r, h, order, mode)
    ct, wc, okc = _taps(c, w, order, mode)
    t = np.zeros((coef.shape[0],) + r.shape)
    for a in range(order + 1):
        for b in range(order + 1):
            t += coef[:, rt[..., a], ct[..., b]] * wr[..., a] * wc[..., b]
    t = np.where(okr & okc, t, cval).astype(dtype)
    return np.ascontiguousarray(t if channels_first else np.moveaxis(t, 0, 2))


def affine(x, matrix, mode, cval=0.0, channels_first=False):
    """Resample image `x` (H, W, C) or (C, H, W) through `matrix`, linearly.

    `matrix` holds 6 floats (m00, m01, off_r, m10, m11, off_c): output pixel
    (i, j) samples the input at (off_r + m00*i + m01*j, off_c + m10*i + m11*j).
    Returns a new array of x's shape and dtype.
    """
    mode, cval, channels_first = c_int(mode), c_double(cval), bool(channels_first)
    check_array(x, "x", 3, contiguous=False)
    mode = _check_mode(mode)
    m = _read_matrix(matrix)
    return _sample(x, m, 1, mode, cval, channels_first, 0, x.dtype)


def affine_spline(x, matrix, order, mode, cval=0.0, channels_first=False, pad=0,
                  float32_out=False):
    """Resample `x` through `matrix` with a spline of `order` (0..5).

    `x` holds image values for orders 0 and 1, and B-spline coefficients
    from `spline_filter` for orders 2..5. `pad` is the number of edge
    copies around `x` (the output is `pad` smaller on every side, and `pad`
    is added to the sample coordinates). The output has x's dtype, or
    float32 when `float32_out` (float64 coefficients of a float32 image).
    """
    order, mode, cval = c_int(order), c_int(mode), c_double(cval)
    channels_first, pad, float32_out = bool(channels_first), c_int(pad), bool(float32_out)
    check_array(x, "x", 3, contiguous=False)
    mode = _check_mode(mode)
    if order < 0 or order > 5:
        raise ValueError(f"order must be in [0, 5], got {order}")
    m = _read_matrix(matrix)
    h, w = _hw(x.shape, channels_first)
    if pad < 0 or 2 * pad >= h or 2 * pad >= w:
        raise ValueError(f"pad must be >= 0 and leave a non-empty image, got {pad} for "
                         f"a {h}x{w} input")
    dtype = np.float32 if float32_out else x.dtype
    return _sample(x, m, order, mode, cval, channels_first, pad, dtype)
