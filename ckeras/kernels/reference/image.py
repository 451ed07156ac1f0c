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

`resize_taps` and `projective` are the preprocessing layers' kernels:
batches of C-ordered (N, H, W, C) images, TensorFlow's resampling rules
(`projective` is ImageProjectiveTransformV3, computed in float32 as
TensorFlow does). `resize_u8` resizes one 8-bit image (any row and pixel
strides) into a float32 slot, as `resize_taps` of the image cast to float;
`pillow_pixels` is a Pillow image's pixels as a uint8 (H, W, bands) array.
"""
import numpy as np

from ckeras.kernels.checks import c_double, c_int, check_array
from ckeras.kernels.codes import Fill, Interp, SplineBoundary

__all__ = ["affine", "spline_filter", "affine_spline", "resize_taps", "resize_u8",
           "pillow_pixels", "projective"]


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


# ------------------------------------------------ preprocessing-layer kernels

def _check_taps(idx, w, name):
    if not isinstance(idx, np.ndarray) or idx.dtype != np.intp or idx.ndim != 2 \
            or not idx.flags.c_contiguous:
        raise ValueError(f"{name}_idx must be a C-contiguous 2-D numpy.intp array")
    check_array(w, name + "_w", 2, np.float64)
    if idx.shape != w.shape:
        raise ValueError(f"{name}_idx and {name}_w must share a shape ({idx.shape[0]}, taps), "
                         f"got {idx.shape} and {w.shape}")


def resize_taps(x, row_idx, row_w, col_idx, col_w):
    """Separable resampling of (N, Hi, Wi, C) through (Ho, Kr) row taps and
    (Wo, Kc) column taps (see ckeras._ext._image.resize_taps)."""
    check_array(x, "x", 4)
    _check_taps(row_idx, row_w, "row")
    _check_taps(col_idx, col_w, "col")
    n, hi, wi, c = x.shape
    ho, wo = row_idx.shape[0], col_idx.shape[0]
    if n * ho * wo * c == 0:
        return np.empty((n, ho, wo, c), x.dtype)
    if (row_idx < 0).any() or (row_idx >= hi).any() or (col_idx < 0).any() \
            or (col_idx >= wi).any():
        raise ValueError("resize_taps: a tap index lies outside the input image")
    rows = np.einsum("ik,nikwc->niwc", row_w, x.astype(np.float64)[:, row_idx])
    out = np.einsum("jk,nijkc->nijc", col_w, rows[:, :, col_idx])
    return out.astype(x.dtype)


def resize_u8(x, row_idx, row_w, col_idx, col_w, out):
    """Resize one uint8 image `x` (Hi, Wi, Cx) into the float32 array `out`
    (Ho, Wo, C), C <= Cx (see ckeras._ext._image.resize_u8); returns `out`."""
    if not isinstance(x, np.ndarray) or x.dtype != np.uint8 or x.ndim != 3 \
            or (x.strides[2] != 1 and x.shape[2] > 1):
        got = (f"dtype {x.dtype}, shape {x.shape}, strides {x.strides}"
               if isinstance(x, np.ndarray) else type(x).__name__)
        raise ValueError("x must be a 3-D numpy.uint8 array (height, width, channels) with "
                         f"adjacent channels; got {got}")
    check_array(out, "out", 3, np.float32)
    if not out.flags.writeable:
        raise ValueError("out must be writeable")
    _check_taps(row_idx, row_w, "row")
    _check_taps(col_idx, col_w, "col")
    for name, idx, w, n_out in (("row", row_idx, row_w, out.shape[0]),
                                ("col", col_idx, col_w, out.shape[1])):
        if idx.shape[0] != n_out:
            raise ValueError(f"{name}_idx and {name}_w must share a shape ({n_out}, taps), "
                             f"got {idx.shape} and {w.shape}")
    c = out.shape[2]
    if c > x.shape[2]:
        raise ValueError(f"out has {c} channels but x only {x.shape[2]}")
    if out.size == 0:
        return out
    hi, wi = x.shape[:2]
    if (row_idx < 0).any() or (row_idx >= hi).any() or (col_idx < 0).any() \
            or (col_idx >= wi).any():
        raise ValueError("resize_u8: a tap index lies outside the input image")
    out[...] = resize_taps(np.ascontiguousarray(x[None, :, :, :c], np.float32),
                           row_idx, row_w, col_idx, col_w)[0]
    return out


def pillow_pixels(image):
    """The pixels of a Pillow image as an array (height, width, bands), uint8
    for 8-bit modes (see ckeras._ext._image.pillow_pixels)."""
    a = np.asarray(image)
    return a[:, :, None] if a.ndim == 2 else a


def _map_coord_tf(v, n, mode):
    """TensorFlow's fold of float32 coordinates `v` into [0, n - 1]."""
    f32 = np.float32
    v = v.astype(f32, copy=True)
    if mode == Fill.CONSTANT:
        return v
    if n <= 1:
        return np.zeros_like(v)
    with np.errstate(invalid="ignore", over="ignore"):
        if mode == Fill.REFLECT:
            sz2 = f32(2 * n)
            neg, pos = v < 0, v > n - 1
            q = np.trunc(-v[neg] / sz2)
            t = sz2 * q + v[neg]
            v[neg] = np.where(t < -n, t + sz2, -t - f32(1))
            t = v[pos] - sz2 * np.trunc(v[pos] / sz2)
            v[pos] = np.where(t >= n, sz2 - t - f32(1), t)
        elif mode == Fill.WRAP:
            sz = f32(n - 1)
            neg, pos = v < 0, v > n - 1
            v[neg] = v[neg] + f32(n) * (np.trunc(-v[neg] / sz) + f32(1))
            v[pos] = v[pos] - f32(n) * np.trunc(v[pos] / sz)
        return np.clip(v, f32(0), f32(n - 1))


def _read_fill(img, r, c, fill):
    h, w = img.shape[:2]
    ok = (r >= 0) & (r < h) & (c >= 0) & (c < w) & (r > -2) & (c > -2)
    vals = img[np.clip(r, 0, h - 1), np.clip(c, 0, w - 1)].astype(np.float32)
    return np.where(ok[..., None], vals, np.float32(fill))


def _index(v):
    with np.errstate(invalid="ignore"):
        ok = (v > -2) & (v < 2 ** 30)
        return np.where(ok, v, -1).astype(np.int64)


def projective(x, transforms, interpolation, mode, fill_value=0.0, output_shape=None):
    """ImageProjectiveTransformV3 on (N, H, W, C) (see
    ckeras._ext._image.projective)."""
    check_array(x, "x", 4)
    check_array(transforms, "transforms", 2, np.float32)
    mode = _check_mode(mode)
    if interpolation < 0 or interpolation >= len(Interp):
        raise ValueError(f"interpolation must be an Interp code in [0, {len(Interp)}), "
                         f"got {interpolation}")
    n, h, w, c = x.shape
    if transforms.shape[1] != 8 or transforms.shape[0] not in (1, n):
        raise ValueError(f"transforms must have shape (1, 8) or ({n}, 8), got "
                         f"{transforms.shape}")
    ho, wo = (h, w) if output_shape is None else (int(output_shape[0]), int(output_shape[1]))
    if (h == 0 or w == 0) and n * ho * wo * c > 0:
        raise ValueError("projective: cannot sample an empty image")
    out = np.empty((n, ho, wo, c), x.dtype)
    f32 = np.float32
    oy, ox = np.meshgrid(np.arange(ho, dtype=f32), np.arange(wo, dtype=f32), indexing="ij")
    fill = f32(fill_value)
    for b in range(n):
        t = transforms[0 if transforms.shape[0] == 1 else b]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            proj = t[6] * ox + t[7] * oy + f32(1)
            in_x = _map_coord_tf((t[0] * ox + t[1] * oy + t[2]) / proj, w, mode)
            in_y = _map_coord_tf((t[3] * ox + t[4] * oy + t[5]) / proj, h, mode)
            if interpolation == Interp.NEAREST:
                # np.round rounds half to even; TensorFlow's roundf rounds away
                r = _index(np.trunc(in_y + np.copysign(f32(0.5), in_y)))
                cc = _index(np.trunc(in_x + np.copysign(f32(0.5), in_x)))
                v = _read_fill(x[b], r, cc, fill)
            else:
                yf, xf = np.floor(in_y), np.floor(in_x)
                yc, xc = yf + f32(1), xf + f32(1)
                r0, c0, r1, c1 = _index(yf), _index(xf), _index(yc), _index(xc)
                wx0, wx1 = (xc - in_x)[..., None], (in_x - xf)[..., None]
                top = wx0 * _read_fill(x[b], r0, c0, fill) + wx1 * _read_fill(x[b], r0, c1, fill)
                bot = wx0 * _read_fill(x[b], r1, c0, fill) + wx1 * _read_fill(x[b], r1, c1, fill)
                v = (yc - in_y)[..., None] * top + (in_y - yf)[..., None] * bot
            v = np.where((proj == 0)[..., None], fill, v)
        out[b] = v.astype(x.dtype)
    return out
