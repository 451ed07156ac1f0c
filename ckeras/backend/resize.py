"""TensorFlow 2's `tf.image.resize` (antialias=False) as separable taps.

Every method of `tf.image.resize` is a linear map applied along the rows,
then the columns. `taps(n_in, n_out, method)` returns, for one axis, the
input indices and weights of each output position, computed with
TensorFlow's arithmetic (float32 sample positions, its bicubic coefficient
table, its renormalisation at the borders), and `resize` runs them through
the C kernel `resize_taps`. The layers' Resizing and CenterCrop, and
`image_dataset_from_directory`, sit on this.
"""
import functools
import math

import numpy as np

from ckeras.kernels import kernels

__all__ = ["METHODS", "taps", "resize", "smart_resize_box"]

_F = np.float32
_TABLE = 1024   # entries of TensorFlow's bicubic coefficient table
_KEYS_A = -0.5  # Keys' cubic with a = -0.5 (half-pixel-centre bicubic)


def _scale(n_in, n_out):
    return _F(n_in) / _F(n_out)


def _bilinear(n_in, n_out):
    scale = _scale(n_in, n_out)
    pos = (np.arange(n_out, dtype=_F) + _F(0.5)) * scale - _F(0.5)
    fl = np.floor(pos)
    lo = np.maximum(fl, 0).astype(np.intp)
    hi = np.minimum(np.ceil(pos), n_in - 1).astype(np.intp)
    lerp = (pos - fl).astype(np.float64)
    return np.stack([lo, hi], 1), np.stack([1.0 - lerp, lerp], 1)


def _nearest(n_in, n_out):
    scale = _scale(n_in, n_out)
    pos = np.floor((np.arange(n_out, dtype=_F) + _F(0.5)) * scale)
    idx = np.clip(pos, 0, n_in - 1).astype(np.intp)
    return idx[:, None], np.ones((n_out, 1))


@functools.lru_cache(maxsize=1)
def _cubic_table():
    a = _F(_KEYS_A)
    x = np.arange(_TABLE + 1, dtype=_F) / _F(_TABLE)
    x1 = x + _F(1)
    near = ((a + _F(2)) * x - (a + _F(3))) * x * x + _F(1)
    far = ((a * x1 - _F(5) * a) * x1 + _F(8) * a) * x1 - _F(4) * a
    return near.astype(_F), far.astype(_F)


def _bicubic(n_in, n_out):
    near, far = _cubic_table()
    scale = _scale(n_in, n_out)
    pos = (np.arange(n_out, dtype=_F) + _F(0.5)) * scale - _F(0.5)
    loc = np.floor(pos)
    off = np.rint((pos - loc) * _F(_TABLE)).astype(np.intp)
    w = np.stack([far[off], near[off], near[_TABLE - off], far[_TABLE - off]], 1)
    idx = loc.astype(np.intp)[:, None] + np.arange(-1, 3)
    inside = (idx >= 0) & (idx < n_in)
    # Taps outside the image get no weight and the rest are renormalised
    # (scale_and_translate's border rule, which half-pixel bicubic adopts).
    w = np.where(inside, w, _F(0))
    total = w.sum(1, dtype=_F)
    ok = np.abs(total) >= 1000 * np.finfo(_F).tiny
    w = np.where(ok[:, None], w * (_F(1) / np.where(ok, total, _F(1)))[:, None], w)
    return np.clip(idx, 0, n_in - 1), w.astype(np.float64)


def _area(n_in, n_out):
    scale = _scale(n_in, n_out)
    k = int(math.ceil(float(scale))) + 1
    idx = np.zeros((n_out, k), np.intp)
    w = np.zeros((n_out, k))
    for o in range(n_out):
        lo, hi = _F(o) * scale, _F(o + 1) * scale
        for t, i in enumerate(range(int(np.floor(lo)), int(np.ceil(hi)))):
            part = min(_F(i + 1), hi) - max(_F(i), lo)
            idx[o, t] = min(i, n_in - 1)
            w[o, t] = float(part) / float(scale)
    return idx, w


def _lanczos(radius):
    def kernel(x):
        x = np.abs(x)
        with np.errstate(invalid="ignore", divide="ignore"):
            v = radius * np.sin(np.pi * x) * np.sin(np.pi * x / radius) / (np.pi ** 2 * x * x)
        return np.where(x > radius, 0.0, np.where(x < 1e-6, 1.0, v))
    return kernel, radius


def _gaussian():
    sigma = 0.5
    return (lambda x: np.where(np.abs(x) < 1.5, np.exp(-x * x / (2 * sigma * sigma)), 0.0)), 1.5


def _mitchell():
    b = c = 1.0 / 3.0

    def kernel(x):
        x = np.abs(x)
        near = ((12 - 9 * b - 6 * c) * x ** 3 + (-18 + 12 * b + 6 * c) * x ** 2 + (6 - 2 * b)) / 6
        far = ((-b - 6 * c) * x ** 3 + (6 * b + 30 * c) * x ** 2 + (-12 * b - 48 * c) * x
               + (8 * b + 24 * c)) / 6
        return np.where(x >= 2, 0.0, np.where(x >= 1, far, near))
    return kernel, 2.0


_SPAN_KERNELS = {"lanczos3": lambda: _lanczos(3.0), "lanczos5": lambda: _lanczos(5.0),
                 "gaussian": _gaussian, "mitchellcubic": _mitchell}


def _span(method):
    def compute(n_in, n_out):
        kernel, radius = _SPAN_KERNELS[method]()
        inv_scale = 1.0 / float(_F(n_out) / _F(n_in))
        k = min(2 * int(math.ceil(radius)) + 1, n_in)
        idx = np.zeros((n_out, k), np.intp)
        w = np.zeros((n_out, k))
        for o in range(n_out):
            center = (o + 0.5) * inv_scale
            start = min(max(int(math.ceil(center - radius - 0.5)), 0), n_in - 1)
            end = min(max(int(math.floor(center + radius - 0.5)), 0), n_in - 1) + 1
            src = np.arange(start, min(end, start + k))
            wt = kernel(src + 0.5 - center).astype(_F)
            total = wt.sum(dtype=_F)
            if abs(total) >= 1000 * np.finfo(_F).tiny:
                wt = wt / total
            idx[o, :len(src)] = src
            idx[o, len(src):] = start
            w[o, :len(src)] = wt
        return idx, w
    return compute


METHODS = {"bilinear": _bilinear, "nearest": _nearest, "bicubic": _bicubic, "area": _area,
           **{m: _span(m) for m in _SPAN_KERNELS}}


@functools.lru_cache(maxsize=64)
def taps(n_in, n_out, method):
    """(indices, weights) of one axis: (n_out, K) intp and float64 arrays.

    Args:
        n_in: input length (> 0).
        n_out: output length (> 0).
        method: a key of METHODS.

    Returns:
        The taps of `tf.image.resize(method=method, antialias=False)` along
        one axis (read-only, cached).
    """
    idx, w = METHODS[method](int(n_in), int(n_out))
    idx, w = np.ascontiguousarray(idx, np.intp), np.ascontiguousarray(w, np.float64)
    idx.flags.writeable = w.flags.writeable = False
    return idx, w


def resize(images, height, width, method):
    """`tf.image.resize(images, (height, width), method)` of an (N, H, W, C)
    float array; returns a new array of its dtype."""
    ri, rw = taps(images.shape[1], height, method)
    ci, cw = taps(images.shape[2], width, method)
    return kernels().resize_taps(np.ascontiguousarray(images), ri, rw, ci, cw)


def smart_resize_box(height, width, target_height, target_width):
    """The centred crop (top, left, crop_height, crop_width) of an image
    with the target's aspect ratio, as `crop_to_aspect_ratio` takes it."""
    crop_h = min(height, int(float(_F(width * target_height)) / target_width))
    crop_w = min(width, int(float(_F(height * target_width)) / target_height))
    top = int(float(height - crop_h) / 2)
    left = int(float(width - crop_w) / 2)
    return top, left, max(crop_h, 1), max(crop_w, 1)
