# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""Affine resampling kernel for image augmentation (spline order 1).

One 3-D C-contiguous float32/float64 image per call, channels first or last;
the 2x3 matrix maps output (row, col) to input (row, col). Fill-mode codes:
FILL_MODES below (SciPy's 'nearest', 'wrap', 'reflect', 'constant').
"""

cimport numpy as cnp

from ckeras._ext._checks cimport check_array, data_or_null, empty
from ckeras._ext.ck_common cimport CK_OK
from ckeras._ext.ck_image cimport (
    CK_FILL_CONSTANT, CK_FILL_NEAREST, CK_FILL_REFLECT, CK_FILL_WRAP,
    ck_affine_f32, ck_affine_f64)

cnp.import_array()

FILL_MODES = {"nearest": CK_FILL_NEAREST, "wrap": CK_FILL_WRAP,
              "reflect": CK_FILL_REFLECT, "constant": CK_FILL_CONSTANT}


def affine(x, matrix, int mode, double cval=0.0, bint channels_first=False):
    """Resample image `x` (H, W, C) or (C, H, W) through `matrix`.

    `matrix` holds 6 floats (m00, m01, off_r, m10, m11, off_c): output pixel
    (i, j) samples the input at (m00*i + m01*j + off_r, m10*i + m11*j + off_c).
    Returns a new array of x's shape and dtype.
    """
    cdef int t = check_array(x, "x", 3, -1)
    if mode < 0 or mode > 3:
        raise ValueError(f"mode must be a fill-mode code in [0, 4), got {mode}")
    cdef double m[6]
    vals = [float(v) for v in matrix]
    if len(vals) != 6:
        raise ValueError(f"matrix must hold 6 values, got {len(vals)}")
    cdef int q
    for q in range(6):
        m[q] = vals[q]
    cdef cnp.npy_intp *d = cnp.PyArray_DIMS(<cnp.ndarray> x)
    cdef size_t H, W, C
    cdef ptrdiff_t sr, sc, sch
    if channels_first:
        C, H, W = d[0], d[1], d[2]
        sr, sc, sch = <ptrdiff_t> W, 1, <ptrdiff_t> (H * W)
    else:
        H, W, C = d[0], d[1], d[2]
        sr, sc, sch = <ptrdiff_t> (W * C), <ptrdiff_t> C, 1
    y = empty(3, d, t)
    cdef void *xp = data_or_null(x)
    cdef void *yp = data_or_null(y)
    cdef int st
    with nogil:
        if t == cnp.NPY_FLOAT32:
            st = ck_affine_f32(H, W, C, <float *> xp, sr, sc, sch, m, mode, cval,
                               <float *> yp, sr, sc, sch)
        else:
            st = ck_affine_f64(H, W, C, <double *> xp, sr, sc, sch, m, mode, cval,
                               <double *> yp, sr, sc, sch)
    if st != CK_OK:
        raise RuntimeError(f"affine: kernel failed with status {st}")
    return y
