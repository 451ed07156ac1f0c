"""Large elementwise passes shared with the helper thread
(csrc/ck_elementwise.h): the residual add, the mean squared error and the
sparse softmax crossentropy. Same signatures, results and errors as the
NumPy reference.

Arrays are float32 or float64 (one dtype per call), C-contiguous; labels
int64, C-contiguous.
"""


cimport numpy as cnp
from cython cimport floating

from ckeras._ext._checks cimport (check_array, check_labels, check_shaped, check_status,
                                  data_or_null, empty, same_shape)
from libc.stdint cimport int64_t

from ckeras._ext.ck_elementwise cimport (ck_ew_add, ck_mse_bwd, ck_mse_fwd,
                                         ck_sparse_xent_bwd, ck_sparse_xent_fwd)
from ckeras._ext.ck_threads cimport attach_threads

cnp.import_array()
attach_threads()


ENUMS = {}


def add(a, b):
    """a + b of two arrays of one shape and dtype, as a new array."""
    cdef int t = check_array(a, "a", -1, -1)
    check_array(b, "b", -1, t)
    if not same_shape(<cnp.ndarray> a, <cnp.ndarray> b):
        raise ValueError(f"b has shape {b.shape}, expected {a.shape} (the shape of a)")
    out = empty(cnp.PyArray_NDIM(<cnp.ndarray> a), cnp.PyArray_DIMS(<cnp.ndarray> a), t)
    if t == cnp.NPY_FLOAT32:
        _add(<float *> data_or_null(out), a, b)
    else:
        _add(<double *> data_or_null(out), a, b)
    return out


cdef int _add(floating *out, a, b) except -1:
    cdef size_t n = cnp.PyArray_SIZE(<cnp.ndarray> a)
    cdef const floating *ap = <const floating *> data_or_null(a)
    cdef const floating *bp = <const floating *> data_or_null(b)
    cdef int st
    with nogil:
        st = ck_ew_add(n, ap, bp, out)
    return check_status(st, "add")


def mse_fwd(p, t):
    """`(loss, d)` for (rows, cols) predictions p and targets t: d = p - t
    and loss (rows,) = mean(d * d) per row."""
    cdef int ty = check_array(p, "p", 2, -1)
    check_shaped(t, "t", p.shape, ty)
    if p.shape[0] > 0 and p.shape[1] == 0:
        raise ValueError("p has no columns to average over")
    cdef cnp.npy_intp rows = p.shape[0]
    d = empty(2, cnp.PyArray_DIMS(<cnp.ndarray> p), ty)
    loss = empty(1, &rows, ty)
    if ty == cnp.NPY_FLOAT32:
        _mse_fwd(<float *> data_or_null(d), p, t, loss)
    else:
        _mse_fwd(<double *> data_or_null(d), p, t, loss)
    return loss, d


cdef int _mse_fwd(floating *d, p, t, loss) except -1:
    cdef size_t rows = p.shape[0], cols = p.shape[1]
    cdef const floating *pp = <const floating *> data_or_null(p)
    cdef const floating *tp = <const floating *> data_or_null(t)
    cdef floating *lp = <floating *> data_or_null(loss)
    cdef int st
    with nogil:
        st = ck_mse_fwd(rows, cols, pp, tp, d, lp)
    return check_status(st, "mse_fwd")


def mse_bwd(d, g):
    """The gradient of `mse_fwd`'s loss with respect to p: d * (2 g / cols)
    per row, g (rows,)."""
    cdef int ty = check_array(d, "d", 2, -1)
    check_shaped(g, "g", (d.shape[0],), ty)
    dp = empty(2, cnp.PyArray_DIMS(<cnp.ndarray> d), ty)
    if ty == cnp.NPY_FLOAT32:
        _mse_bwd(<float *> data_or_null(dp), d, g)
    else:
        _mse_bwd(<double *> data_or_null(dp), d, g)
    return dp


cdef int _mse_bwd(floating *dp, d, g) except -1:
    cdef size_t rows = d.shape[0], cols = d.shape[1]
    cdef const floating *dpp = <const floating *> data_or_null(d)
    cdef const floating *gp = <const floating *> data_or_null(g)
    cdef int st
    with nogil:
        st = ck_mse_bwd(rows, cols, dpp, gp, dp)
    return check_status(st, "mse_bwd")


def sparse_xent_fwd(z, labels):
    """`(loss, p)` for (rows, cols) logits z and int64 labels (rows,):
    p = softmax(z) per row (the softmax activation's bits) and loss (rows,)
    = logsumexp(z) - z[label] per row."""
    cdef int ty = check_array(z, "z", 2, -1)
    if z.shape[0] > 0 and z.shape[1] == 0:
        raise ValueError("z has no columns (classes)")
    check_labels(labels, z.shape[0], z.shape[1])
    cdef cnp.npy_intp rows = z.shape[0]
    p = empty(2, cnp.PyArray_DIMS(<cnp.ndarray> z), ty)
    loss = empty(1, &rows, ty)
    if ty == cnp.NPY_FLOAT32:
        _xent_fwd(<float *> data_or_null(p), z, labels, loss)
    else:
        _xent_fwd(<double *> data_or_null(p), z, labels, loss)
    return loss, p


cdef int _xent_fwd(floating *p, z, labels, loss) except -1:
    cdef size_t rows = z.shape[0], cols = z.shape[1]
    cdef const floating *zp = <const floating *> data_or_null(z)
    cdef const int64_t *lp = <const int64_t *> data_or_null(labels)
    cdef floating *op = <floating *> data_or_null(loss)
    cdef int st
    with nogil:
        st = ck_sparse_xent_fwd(rows, cols, zp, lp, p, op)
    return check_status(st, "sparse_xent_fwd")


def sparse_xent_bwd(p, labels, g):
    """The gradient of `sparse_xent_fwd`'s loss with respect to z:
    (p - onehot(labels)) * g per row, g (rows,)."""
    cdef int ty = check_array(p, "p", 2, -1)
    check_shaped(g, "g", (p.shape[0],), ty)
    check_labels(labels, p.shape[0], p.shape[1])
    dz = empty(2, cnp.PyArray_DIMS(<cnp.ndarray> p), ty)
    if ty == cnp.NPY_FLOAT32:
        _xent_bwd(<float *> data_or_null(dz), p, labels, g)
    else:
        _xent_bwd(<double *> data_or_null(dz), p, labels, g)
    return dz


cdef int _xent_bwd(floating *dz, p, labels, g) except -1:
    cdef size_t rows = p.shape[0], cols = p.shape[1]
    cdef const floating *pp = <const floating *> data_or_null(p)
    cdef const int64_t *lp = <const int64_t *> data_or_null(labels)
    cdef const floating *gp = <const floating *> data_or_null(g)
    cdef int st
    with nogil:
        st = ck_sparse_xent_bwd(rows, cols, pp, lp, gp, dz)
    return check_status(st, "sparse_xent_bwd")
