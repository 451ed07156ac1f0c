"""Affine resampling kernels for image augmentation (spline orders 0..5).

One 3-D float32/float64 image per call, channels first or last, in any
memory layout (the kernels take element strides); the 2x3 matrix maps output
(row, col) to input (row, col). Fill-mode codes:
FILL_MODES below (SciPy's 'nearest', 'wrap', 'reflect', 'constant').
`resize_taps` and `projective` are the kernels of the preprocessing layers
(batches of C-ordered NHWC images, TensorFlow's rules). `affine` is the
linear kernel; `affine_spline` covers every order, with the
coefficients of orders 2..5 prepared by `spline_filter` (see
ckeras.preprocessing.image._resample for the whole recipe).
`resize_u8` and `pillow_pixels` serve image_dataset_from_directory: a
decoded 8-bit image, taken from Pillow's memory without a copy, resized
into its float32 slot of a batch.
"""

import numpy as np

cimport numpy as cnp
from cpython.pycapsule cimport PyCapsule_GetPointer, PyCapsule_IsValid
from cpython.ref cimport Py_INCREF
from cython cimport floating
from libc.stdint cimport int64_t
from libc.stdlib cimport free, malloc
from libc.string cimport strcmp

from ckeras._ext._checks cimport (check_array, check_status, check_strided, data_or_null,
                                   empty)
from ckeras._ext.ck_image cimport (
    CK_FILL_CONSTANT, CK_FILL_NCODES, CK_FILL_NEAREST, CK_FILL_REFLECT, CK_FILL_WRAP,
    CK_SPLINE_MIRROR, CK_SPLINE_NEAREST_PAD, CK_SPLINE_REFLECT, ck_affine, ck_affine_spline,
    ck_affine_spline_f64_f32, ck_spline_filter_f64, CK_INTERP_NEAREST, CK_INTERP_BILINEAR,
    CK_INTERP_NCODES, ck_resize_taps_f32, ck_resize_taps_f64, ck_resize_taps_work_f32,
    ck_resize_taps_work_f64, ck_resize_u8_f32, ck_resize_u8_work_f32, ck_projective_f32,
    ck_projective_f64)
from ckeras._ext.ck_threads cimport attach_threads

cnp.import_array()
attach_threads()

ENUMS = {"Fill": {"NEAREST": CK_FILL_NEAREST, "WRAP": CK_FILL_WRAP,
                  "REFLECT": CK_FILL_REFLECT, "CONSTANT": CK_FILL_CONSTANT},
         "SplineBoundary": {"MIRROR": CK_SPLINE_MIRROR, "REFLECT": CK_SPLINE_REFLECT},
         "Interp": {"NEAREST": CK_INTERP_NEAREST, "BILINEAR": CK_INTERP_BILINEAR}}
FILL_MODES = {name.lower(): code for name, code in ENUMS["Fill"].items()}
# Prefilter boundary rule per fill mode, as SciPy picks it.
SPLINE_BOUNDARY = {"nearest": CK_SPLINE_REFLECT, "reflect": CK_SPLINE_REFLECT,
                   "wrap": CK_SPLINE_MIRROR, "constant": CK_SPLINE_MIRROR}
# Edge copies SciPy adds around an image before prefiltering for 'nearest'.
NEAREST_PAD = CK_SPLINE_NEAREST_PAD


cdef int _read_matrix(object matrix, double *m) except -1:
    vals = [float(v) for v in matrix]
    if len(vals) != 6:
        raise ValueError(f"matrix must hold 6 values, got {len(vals)}")
    cdef int q
    for q in range(6):
        m[q] = vals[q]
    return 0


cdef int _check_mode(int mode) except -1:
    if mode < 0 or mode >= CK_FILL_NCODES:
        raise ValueError(f"mode must be a fill-mode code in [0, {CK_FILL_NCODES}), got {mode}")
    return 0


cdef void _layout(object image, bint channels_first, size_t *H, size_t *W, size_t *C,
                  ptrdiff_t *sr, ptrdiff_t *sc, ptrdiff_t *sch):
    """Sizes and element strides of an (H, W, C) or (C, H, W) image that
    passed check_strided (aligned: its byte strides are whole elements)."""
    cdef cnp.ndarray a = <cnp.ndarray> image
    cdef cnp.npy_intp *d = cnp.PyArray_DIMS(a)
    cdef cnp.npy_intp *st = cnp.PyArray_STRIDES(a)
    cdef cnp.npy_intp e = cnp.PyArray_ITEMSIZE(a)
    if channels_first:
        C[0], H[0], W[0] = d[0], d[1], d[2]
        sch[0], sr[0], sc[0] = st[0] // e, st[1] // e, st[2] // e
    else:
        H[0], W[0], C[0] = d[0], d[1], d[2]
        sr[0], sc[0], sch[0] = st[0] // e, st[1] // e, st[2] // e


def affine(x, matrix, int mode, double cval=0.0, bint channels_first=False):
    """Resample image `x` (H, W, C) or (C, H, W) through `matrix`, linearly.

    `matrix` holds 6 floats (m00, m01, off_r, m10, m11, off_c): output pixel
    (i, j) samples the input at (off_r + m00*i + m01*j, off_c + m10*i + m11*j).
    Returns a new array of x's shape and dtype.
    """
    cdef int t = check_strided(x, "x", 3, -1)
    _check_mode(mode)
    cdef double m[6]
    _read_matrix(matrix, m)
    y = empty(3, cnp.PyArray_DIMS(<cnp.ndarray> x), t)
    if t == cnp.NPY_FLOAT32:
        _affine(<float *> data_or_null(y), x, m, mode, cval, channels_first)
    else:
        _affine(<double *> data_or_null(y), x, m, mode, cval, channels_first)
    return y


cdef int _affine(floating *y, x, const double *m, int mode, double cval,
                 bint channels_first) except -1:
    cdef const floating *xp = <const floating *> data_or_null(x)
    cdef size_t H, W, C
    cdef ptrdiff_t sr, sc, sch, yr, yc, ych
    _layout(x, channels_first, &H, &W, &C, &sr, &sc, &sch)
    # y: a new C-ordered array of x's shape
    if channels_first:
        ych, yr, yc = <ptrdiff_t> (H * W), <ptrdiff_t> W, 1
    else:
        yr, yc, ych = <ptrdiff_t> (W * C), <ptrdiff_t> C, 1
    cdef int st
    with nogil:
        st = ck_affine(H, W, C, xp, sr, sc, sch, m, mode, cval, y, yr, yc, ych)
    return check_status(st, "affine")


def spline_filter(c, int order, int boundary, bint channels_first=False):
    """Turn the float64 image `c` into B-spline coefficients, IN PLACE.

    Filters along the rows axis, then the columns axis (SciPy's order), with
    the spline of `order` (2..5) and the boundary rule `boundary` (a value
    of SPLINE_BOUNDARY). Returns None.
    """
    check_strided(c, "c", 3, cnp.NPY_FLOAT64)
    if not cnp.PyArray_ISWRITEABLE(<cnp.ndarray> c):
        raise ValueError("c must be writeable (it is filtered in place)")
    if order < 2 or order > 5:
        raise ValueError(f"order must be in [2, 5] for the spline prefilter, got {order}")
    if boundary != CK_SPLINE_MIRROR and boundary != CK_SPLINE_REFLECT:
        raise ValueError(f"boundary must be {CK_SPLINE_MIRROR} (mirror) or "
                         f"{CK_SPLINE_REFLECT} (reflect), got {boundary}")
    if not cnp.PyArray_IS_C_CONTIGUOUS(<cnp.ndarray> c):
        # The filter runs on the lines of a C-ordered image; any other
        # layout is filtered in a C-ordered copy, written back.
        tmp = np.ascontiguousarray(c)
        spline_filter(tmp, order, boundary, channels_first)
        c[...] = tmp
        return
    cdef size_t H, W, C
    cdef ptrdiff_t sr, sc, sch
    _layout(c, channels_first, &H, &W, &C, &sr, &sc, &sch)
    # (outer, len, inner) views of the rows axis and of the columns axis
    cdef size_t ro, ri, co, ci
    if channels_first:
        ro, ri, co, ci = C, W, C * H, 1
    else:
        ro, ri, co, ci = 1, W * C, H, C
    cdef cnp.npy_intp wlen = <cnp.npy_intp> (ri if ri > ci else ci)
    if wlen < 1:
        wlen = 1
    work = empty(1, &wlen, cnp.NPY_FLOAT64)
    cdef double *cp = <double *> data_or_null(c)
    cdef double *wp = <double *> data_or_null(work)
    cdef int st
    with nogil:
        st = ck_spline_filter_f64(cp, ro, H, ri, order, boundary, wp)
        if st == 0:
            st = ck_spline_filter_f64(cp, co, W, ci, order, boundary, wp)
    check_status(st, "spline_filter")


def affine_spline(x, matrix, int order, int mode, double cval=0.0,
                  bint channels_first=False, int pad=0, bint float32_out=False):
    """Resample `x` through `matrix` with a spline of `order` (0..5).

    `x` holds image values for orders 0 and 1, and B-spline coefficients
    from `spline_filter` for orders 2..5. `pad` is the number of edge
    copies around `x` (the output is `pad` smaller on every side, and `pad`
    is added to the sample coordinates). The output has x's dtype, or
    float32 when `float32_out` (float64 coefficients of a float32 image).
    """
    cdef int t = check_strided(x, "x", 3, -1)
    _check_mode(mode)
    if order < 0 or order > 5:
        raise ValueError(f"order must be in [0, 5], got {order}")
    cdef double m[6]
    _read_matrix(matrix, m)
    cdef size_t H, W, C
    cdef ptrdiff_t sr, sc, sch
    _layout(x, channels_first, &H, &W, &C, &sr, &sc, &sch)
    if pad < 0 or <size_t> (2 * pad) >= H or <size_t> (2 * pad) >= W:
        raise ValueError(f"pad must be >= 0 and leave a non-empty image, got {pad} for "
                         f"a {H}x{W} input")
    cdef size_t Ho = H - 2 * pad, Wo = W - 2 * pad
    cdef cnp.npy_intp od[3]
    if channels_first:
        od[0], od[1], od[2] = C, Ho, Wo
    else:
        od[0], od[1], od[2] = Ho, Wo, C
    cdef int tout = cnp.NPY_FLOAT32 if (t == cnp.NPY_FLOAT32 or float32_out) else t
    y = empty(3, od, tout)
    cdef size_t Ho_, Wo_, C_
    cdef ptrdiff_t yr, yc, ych
    _layout(y, channels_first, &Ho_, &Wo_, &C_, &yr, &yc, &ych)
    if t == cnp.NPY_FLOAT32:
        _spline(<float *> data_or_null(y), <const float *> data_or_null(x), H, W, C, sr, sc,
                sch, Ho, Wo, m, order, mode, cval, pad, yr, yc, ych)
    elif tout == cnp.NPY_FLOAT64:
        _spline(<double *> data_or_null(y), <const double *> data_or_null(x), H, W, C, sr, sc,
                sch, Ho, Wo, m, order, mode, cval, pad, yr, yc, ych)
    else:
        _spline(<float *> data_or_null(y), <const double *> data_or_null(x), H, W, C, sr, sc,
                sch, Ho, Wo, m, order, mode, cval, pad, yr, yc, ych)
    return y


ctypedef fused real_in:
    float
    double


cdef int _spline(floating *y, const real_in *x, size_t H, size_t W, size_t C, ptrdiff_t sr,
                 ptrdiff_t sc, ptrdiff_t sch, size_t Ho, size_t Wo, const double *m, int order,
                 int mode, double cval, double pad, ptrdiff_t yr, ptrdiff_t yc,
                 ptrdiff_t ych) except -1:
    # Three kernels: float, double, and double coefficients of a float image.
    cdef int st = -1
    with nogil:
        if floating is float:
            if real_in is float:
                st = ck_affine_spline(H, W, C, x, sr, sc, sch, Ho, Wo, m, order, mode, cval, pad,
                                      y, yr, yc, ych)
            else:
                st = ck_affine_spline_f64_f32(H, W, C, x, sr, sc, sch, Ho, Wo, m, order, mode,
                                              cval, pad, y, yr, yc, ych)
        elif real_in is double:
            st = ck_affine_spline(H, W, C, x, sr, sc, sch, Ho, Wo, m, order, mode, cval, pad, y,
                                  yr, yc, ych)
    return check_status(st, "affine_spline")


cdef int _check_taps(object idx, object w, Py_ssize_t n_out, str name) except -1:
    if not cnp.PyArray_Check(idx) or cnp.PyArray_TYPE(<cnp.ndarray> idx) != cnp.NPY_INTP \
            or cnp.PyArray_NDIM(<cnp.ndarray> idx) != 2 \
            or not cnp.PyArray_IS_C_CONTIGUOUS(<cnp.ndarray> idx):
        raise ValueError(f"{name}_idx must be a C-contiguous 2-D numpy.intp array")
    check_array(w, name + "_w", 2, cnp.NPY_FLOAT64)
    if idx.shape != w.shape or idx.shape[0] != n_out:
        raise ValueError(f"{name}_idx and {name}_w must share a shape ({n_out}, taps), got "
                         f"{idx.shape} and {w.shape}")
    return 0


def resize_taps(x, row_idx, row_w, col_idx, col_w):
    """Separable resampling of a batch `x` (N, Hi, Wi, C) through taps.

    Output pixel (i, j) is sum_a row_w[i, a] * sum_b col_w[j, b] *
    x[row_idx[i, a], col_idx[j, b]], computed in x's dtype (as TensorFlow
    resizes float32 images in float); row_idx/row_w are (Ho, Kr)
    (intp/float64), col_idx/col_w (Wo, Kc). Batches are shared with the
    helper thread. Returns a new (N, Ho, Wo, C) array of x's dtype.
    """
    cdef int t = check_array(x, "x", 4, -1)
    cdef Py_ssize_t Ho = row_idx.shape[0] if cnp.PyArray_Check(row_idx) else -1
    cdef Py_ssize_t Wo = col_idx.shape[0] if cnp.PyArray_Check(col_idx) else -1
    _check_taps(row_idx, row_w, Ho, "row")
    _check_taps(col_idx, col_w, Wo, "col")
    cdef cnp.npy_intp *d = cnp.PyArray_DIMS(<cnp.ndarray> x)
    cdef size_t N = d[0], Hi = d[1], Wi = d[2], C = d[3]
    cdef size_t Kr = row_idx.shape[1], Kc = col_idx.shape[1]
    cdef cnp.npy_intp od[4]
    od[0], od[1], od[2], od[3] = d[0], Ho, Wo, d[3]
    y = empty(4, od, t)
    cdef size_t wbytes = (ck_resize_taps_work_f32(Hi, Wo, C, Ho, Kr, Kc)
                          if t == cnp.NPY_FLOAT32 else
                          ck_resize_taps_work_f64(Hi, Wo, C, Ho, Kr, Kc))
    # float64 elements: the kernel's scratch must be 8-byte aligned
    cdef cnp.npy_intp wl = <cnp.npy_intp> (wbytes // 8 + 1)
    work = empty(1, &wl, cnp.NPY_FLOAT64)
    cdef const ptrdiff_t *ri = <const ptrdiff_t *> cnp.PyArray_DATA(<cnp.ndarray> row_idx)
    cdef const ptrdiff_t *ci = <const ptrdiff_t *> cnp.PyArray_DATA(<cnp.ndarray> col_idx)
    cdef const double *rw = <const double *> data_or_null(row_w)
    cdef const double *cw = <const double *> data_or_null(col_w)
    cdef void *wp = data_or_null(work)
    cdef void *xp = data_or_null(x)
    cdef void *yp = data_or_null(y)
    cdef int st
    with nogil:
        if t == cnp.NPY_FLOAT32:
            st = ck_resize_taps_f32(N, Hi, Wi, C, <const float *> xp, Ho, Wo, Kr, ri, rw, Kc, ci,
                                    cw, wp, <float *> yp)
        else:
            st = ck_resize_taps_f64(N, Hi, Wi, C, <const double *> xp, Ho, Wo, Kr, ri, rw, Kc,
                                    ci, cw, wp, <double *> yp)
    if st == -1 and N * Ho * Wo * C > 0:
        raise ValueError("resize_taps: a tap index lies outside the input image")
    check_status(st, "resize_taps")
    return y


def resize_u8(x, row_idx, row_w, col_idx, col_w, out):
    """Resize one 8-bit image `x` (Hi, Wi, Cx) into the float32 array `out`
    (Ho, Wo, C), C <= Cx: the first C channels, with the sums of
    `resize_taps` on the image cast to float32 (so the same values).

    `x` may have any row and pixel strides (a crop, or a decoder's padded
    pixels) but adjacent channels; `out` is C-contiguous (a slot of a
    batch) and every element is written. Runs on the calling thread with
    the GIL released. Returns `out`.
    """
    if not cnp.PyArray_Check(x) or cnp.PyArray_TYPE(<cnp.ndarray> x) != cnp.NPY_UINT8 \
            or cnp.PyArray_NDIM(<cnp.ndarray> x) != 3 or (x.strides[2] != 1 and x.shape[2] > 1):
        raise ValueError("x must be a 3-D numpy.uint8 array (height, width, channels) with "
                         f"adjacent channels; got {_describe(x)}")
    check_array(out, "out", 3, cnp.NPY_FLOAT32)
    if not cnp.PyArray_ISWRITEABLE(<cnp.ndarray> out):
        raise ValueError("out must be writeable")
    cdef Py_ssize_t Ho = out.shape[0], Wo = out.shape[1]
    _check_taps(row_idx, row_w, Ho, "row")
    _check_taps(col_idx, col_w, Wo, "col")
    cdef size_t Hi = x.shape[0], Wi = x.shape[1], Cx = x.shape[2], C = out.shape[2]
    if C > Cx:
        raise ValueError(f"out has {C} channels but x only {Cx}")
    cdef size_t Kr = row_idx.shape[1], Kc = col_idx.shape[1]
    cdef ptrdiff_t sr = x.strides[0], sc = x.strides[1]
    cdef const ptrdiff_t *ri = <const ptrdiff_t *> cnp.PyArray_DATA(<cnp.ndarray> row_idx)
    cdef const ptrdiff_t *ci = <const ptrdiff_t *> cnp.PyArray_DATA(<cnp.ndarray> col_idx)
    cdef const double *rw = <const double *> data_or_null(row_w)
    cdef const double *cw = <const double *> data_or_null(col_w)
    cdef const unsigned char *xp = <const unsigned char *> cnp.PyArray_DATA(<cnp.ndarray> x)
    cdef float *yp = <float *> cnp.PyArray_DATA(<cnp.ndarray> out)
    cdef void *wp
    cdef int st = 0
    if Ho * Wo * C == 0:
        return out
    with nogil:
        wp = malloc(ck_resize_u8_work_f32(Hi, Wi, Cx, Wo, C, Ho, Kr, Kc))
        if wp != NULL:
            st = ck_resize_u8_f32(Hi, Wi, C, Cx, xp, sr, sc, Ho, Wo, Kr, ri, rw, Kc, ci, cw, wp,
                                  yp)
            free(wp)
    if wp == NULL:
        raise MemoryError("resize_u8: no memory for the scratch rows")
    if st == -1 and Hi * Wi > 0:
        raise ValueError("resize_u8: a tap index lies outside the input image")
    check_status(st, "resize_u8")
    return out


cdef str _describe(object a):
    if cnp.PyArray_Check(a):
        return f"dtype {a.dtype}, shape {a.shape}, strides {a.strides}"
    return type(a).__name__


# The Arrow C data interface (arrow.apache.org/docs/format/CDataInterface):
# Pillow exports an image's pixel memory through it without a copy.
cdef struct ArrowSchema:
    const char *format
    const char *name
    const char *metadata
    int64_t flags
    int64_t n_children
    ArrowSchema **children
    ArrowSchema *dictionary
    void *release
    void *private_data

cdef struct ArrowArray:
    int64_t length
    int64_t null_count
    int64_t offset
    int64_t n_buffers
    int64_t n_children
    const void **buffers
    ArrowArray **children
    ArrowArray *dictionary
    void *release
    void *private_data


cdef const unsigned char *_arrow_bytes(object schema, object array, int64_t n, int *bands):
    """Start of the n pixels of a Pillow Arrow export of uint8 bands (a
    plain uint8 array: 1 band; a fixed-size list of 4: 4 bands), or NULL."""
    if not PyCapsule_IsValid(schema, "arrow_schema") \
            or not PyCapsule_IsValid(array, "arrow_array"):
        return NULL
    cdef ArrowSchema *s = <ArrowSchema *> PyCapsule_GetPointer(schema, "arrow_schema")
    cdef ArrowArray *a = <ArrowArray *> PyCapsule_GetPointer(array, "arrow_array")
    if a.length != n or a.null_count != 0:
        return NULL
    if strcmp(s.format, "C") == 0 and s.n_children == 0 and a.n_buffers == 2:
        bands[0] = 1
        return <const unsigned char *> a.buffers[1] + a.offset
    if strcmp(s.format, "+w:4") != 0 or s.n_children != 1 or a.n_children != 1 \
            or strcmp(s.children[0].format, "C") != 0:
        return NULL
    cdef ArrowArray *c = a.children[0]
    if c.n_buffers != 2 or c.null_count != 0 or c.length < 4 * (a.offset + n):
        return NULL
    bands[0] = 4
    return <const unsigned char *> c.buffers[1] + c.offset + 4 * a.offset


def pillow_pixels(image):
    """The pixels of a loaded Pillow image as a read-only uint8 array
    (height, width, stored bands) over Pillow's own memory, without a copy
    (through Pillow's Arrow export): RGB comes with its padding byte (4
    bands, the first 3 the colour), RGBA with 4, L with 1. Other modes, and
    Pillow versions without the export, get `numpy.asarray(image)` (with a
    band axis, in the mode's own dtype)."""
    width, height = image.size
    cdef int64_t n = <int64_t> width * <int64_t> height
    cdef int bands = 0
    cdef const unsigned char *p = NULL
    export = getattr(image, "__arrow_c_array__", None)
    if export is not None and n > 0 and image.mode in ("RGB", "RGBA", "L"):
        try:
            schema, array = export()
        except ValueError:   # e.g. an image held in several memory blocks
            schema = array = None
        if array is not None:
            p = _arrow_bytes(schema, array, n, &bands)
    if p == NULL or (bands == 1) != (image.mode == "L"):
        a = np.asarray(image)
        return a[:, :, None] if a.ndim == 2 else a
    cdef cnp.npy_intp dims[3]
    dims[0], dims[1], dims[2] = height, width, bands
    out = cnp.PyArray_SimpleNewFromData(3, dims, cnp.NPY_UINT8, <void *> p)
    # the capsule keeps Pillow's memory alive (its release runs when it dies)
    Py_INCREF(array)
    cnp.PyArray_SetBaseObject(<cnp.ndarray> out, array)
    cnp.PyArray_CLEARFLAGS(<cnp.ndarray> out, cnp.NPY_ARRAY_WRITEABLE)
    return out


def projective(x, transforms, int interpolation, int mode, double fill_value=0.0,
               output_shape=None):
    """TensorFlow's ImageProjectiveTransformV3 on a batch `x` (N, H, W, C).

    `transforms` is a float32 (N, 8) or (1, 8) array: output pixel (row i,
    col j) samples the input at ((t0*j + t1*i + t2) / k, (t3*j + t4*i + t5)
    / k) as (col, row), k = t6*j + t7*i + 1. `interpolation` is an Interp
    code, `mode` a Fill code (TensorFlow's meanings). `output_shape` is
    (Ho, Wo), default (H, W). Returns a new array of x's dtype.
    """
    cdef int t = check_array(x, "x", 4, -1)
    check_array(transforms, "transforms", 2, cnp.NPY_FLOAT32)
    _check_mode(mode)
    if interpolation < 0 or interpolation >= CK_INTERP_NCODES:
        raise ValueError(f"interpolation must be an Interp code in [0, {CK_INTERP_NCODES}), "
                         f"got {interpolation}")
    cdef cnp.npy_intp *d = cnp.PyArray_DIMS(<cnp.ndarray> x)
    cdef size_t N = d[0], H = d[1], W = d[2], C = d[3]
    cdef size_t nt = transforms.shape[0]
    if transforms.shape[1] != 8 or (nt != 1 and nt != N):
        raise ValueError(f"transforms must have shape (1, 8) or ({N}, 8), got "
                         f"{transforms.shape}")
    cdef size_t Ho = H, Wo = W
    if output_shape is not None:
        Ho, Wo = int(output_shape[0]), int(output_shape[1])
    if (H == 0 or W == 0) and N * Ho * Wo * C > 0:
        raise ValueError("projective: cannot sample an empty image")
    cdef cnp.npy_intp od[4]
    od[0], od[1], od[2], od[3] = d[0], Ho, Wo, d[3]
    y = empty(4, od, t)
    cdef const float *tp = <const float *> data_or_null(transforms)
    cdef void *xp = data_or_null(x)
    cdef void *yp = data_or_null(y)
    cdef float fv = <float> fill_value
    cdef int st
    with nogil:
        if t == cnp.NPY_FLOAT32:
            st = ck_projective_f32(N, H, W, C, <const float *> xp, tp, nt, Ho, Wo, interpolation,
                                   mode, fv, <float *> yp)
        else:
            st = ck_projective_f64(N, H, W, C, <const double *> xp, tp, nt, Ho, Wo,
                                   interpolation, mode, fv, <double *> yp)
    check_status(st, "projective")
    return y
