"""Optimizer updates fused over one variable (csrc/ck_optim.h): Adam,
RMSprop, SGD with momentum, in place, under flush-to-zero. Same signatures,
results (denormals aside) and errors as the NumPy references; arguments are
checked with the GIL held, then each update runs with the GIL released.
"""
cimport numpy as cnp
from cython cimport floating
from libc.stdlib cimport free, malloc

from ckeras._ext._checks cimport check_array, check_status, data_or_null, same_shape
from ckeras._ext.ck_optim cimport *
from ckeras._ext.ck_threads cimport attach_threads

cnp.import_array()
attach_threads()


cdef int _check(w, g, tuple slots, tuple names) except -1:
    """w, g and the slots (None allowed): writable (but g) C-contiguous
    float arrays of one dtype and shape. Returns the type number."""
    cdef int t = check_array(w, "variable", -1, -1)
    check_array(g, "gradient", -1, t)
    if not same_shape(<cnp.ndarray> w, <cnp.ndarray> g):
        raise ValueError(f"gradient has shape {g.shape}, expected {w.shape}")
    for a, name in zip((w,) + slots, ("variable",) + names):
        if a is None:
            continue
        check_array(a, name, -1, t)
        if not same_shape(<cnp.ndarray> w, <cnp.ndarray> a):
            raise ValueError(f"{name} has shape {a.shape}, expected {w.shape}")
        if not cnp.PyArray_ISWRITEABLE(<cnp.ndarray> a):
            raise ValueError(f"{name} must be writable")
    return t


def adam_update(w, g, m, v, vhat, double b1c, double b2c, double alpha, double eps):
    """Adam's update of w, m, v (and vhat for AMSGrad, else None) in place;
    see ck_optim.h."""
    cdef int t = _check(w, g, (m, v, vhat), ("m", "v", "vhat"))
    if m is None or v is None:
        raise ValueError("adam_update needs the m and v slots")
    cdef size_t n = w.size
    cdef int st
    cdef void *wp = data_or_null(w)
    cdef const void *gp = data_or_null(g)
    cdef void *mp = data_or_null(m)
    cdef void *vp = data_or_null(v)
    cdef void *hp = data_or_null(vhat)
    with nogil:
        if t == cnp.NPY_FLOAT32:
            st = ck_adam_update_f32(n, <float *> wp, <const float *> gp, <float *> mp,
                                    <float *> vp, <float *> hp, <float> b1c, <float> b2c,
                                    <float> alpha, <float> eps)
        else:
            st = ck_adam_update_f64(n, <double *> wp, <const double *> gp, <double *> mp,
                                    <double *> vp, <double *> hp, b1c, b2c, alpha, eps)
    return check_status(st, "adam_update")


def adam_update_many(list ws, list gs, list ms, list vs, vhats, double b1c, double b2c,
                     double alpha, double eps):
    """`adam_update` of every variable of a step (lists of one length;
    vhats None, or a list for AMSGrad), every array checked first, then the
    updates one after the other in one release of the GIL: a step's Python
    per variable is one list entry. The same bits as the calls one by one."""
    cdef Py_ssize_t n = len(ws), i
    if len(gs) != n or len(ms) != n or len(vs) != n or (vhats is not None and len(vhats) != n):
        raise ValueError(f"adam_update_many needs lists of one length; got {len(ws)} "
                         f"variables, {len(gs)} gradients, {len(ms)} m and {len(vs)} v")
    if n == 0:
        return 0
    cdef int t = -1, ti
    for i in range(n):
        h = None if vhats is None else vhats[i]
        ti = _check(ws[i], gs[i], (ms[i], vs[i], h), ("m", "v", "vhat"))
        if ms[i] is None or vs[i] is None:
            raise ValueError("adam_update needs the m and v slots")
        if t >= 0 and ti != t:
            raise ValueError("adam_update_many needs variables of one dtype")
        t = ti
    cdef void **ptr = <void **> malloc(5 * n * sizeof(void *))
    cdef size_t *sz = <size_t *> malloc(n * sizeof(size_t))
    cdef int st = 0
    if ptr == NULL or sz == NULL:
        free(ptr)
        free(sz)
        raise MemoryError()
    try:
        for i in range(n):
            sz[i] = ws[i].size
            ptr[5 * i] = data_or_null(ws[i])
            ptr[5 * i + 1] = data_or_null(gs[i])
            ptr[5 * i + 2] = data_or_null(ms[i])
            ptr[5 * i + 3] = data_or_null(vs[i])
            ptr[5 * i + 4] = data_or_null(None if vhats is None else vhats[i])
        with nogil:
            for i in range(n):
                if t == cnp.NPY_FLOAT32:
                    st = ck_adam_update_f32(sz[i], <float *> ptr[5 * i],
                                            <const float *> ptr[5 * i + 1],
                                            <float *> ptr[5 * i + 2], <float *> ptr[5 * i + 3],
                                            <float *> ptr[5 * i + 4], <float> b1c, <float> b2c,
                                            <float> alpha, <float> eps)
                else:
                    st = ck_adam_update_f64(sz[i], <double *> ptr[5 * i],
                                            <const double *> ptr[5 * i + 1],
                                            <double *> ptr[5 * i + 2],
                                            <double *> ptr[5 * i + 3],
                                            <double *> ptr[5 * i + 4], b1c, b2c, alpha, eps)
                if st != 0:
                    break
    finally:
        free(ptr)
        free(sz)
    return check_status(st, "adam_update_many")


def rmsprop_update(w, g, v, a, mom, double rc, double momentum, double lr, double eps,
                   bint eps_outside):
    """RMSprop's update of w, v (and a when centered, mom with momentum, else
    None) in place; see ck_optim.h."""
    cdef int t = _check(w, g, (v, a, mom), ("velocity", "average_gradient", "momentum"))
    if v is None:
        raise ValueError("rmsprop_update needs the velocity slot")
    cdef size_t n = w.size
    cdef int st
    cdef void *wp = data_or_null(w)
    cdef const void *gp = data_or_null(g)
    cdef void *vp = data_or_null(v)
    cdef void *ap = data_or_null(a)
    cdef void *mp = data_or_null(mom)
    with nogil:
        if t == cnp.NPY_FLOAT32:
            st = ck_rmsprop_update_f32(n, <float *> wp, <const float *> gp, <float *> vp,
                                       <float *> ap, <float *> mp, <float> rc,
                                       <float> momentum, <float> lr, <float> eps, eps_outside)
        else:
            st = ck_rmsprop_update_f64(n, <double *> wp, <const double *> gp, <double *> vp,
                                       <double *> ap, <double *> mp, rc, momentum, lr, eps,
                                       eps_outside)
    return check_status(st, "rmsprop_update")


def sgd_update(w, g, m, double lr, double momentum, bint nesterov):
    """SGD's update of w (and the momentum slot m, or None) in place; see
    ck_optim.h."""
    cdef int t = _check(w, g, (m,), ("m",))
    cdef size_t n = w.size
    cdef int st
    cdef void *wp = data_or_null(w)
    cdef const void *gp = data_or_null(g)
    cdef void *mp = data_or_null(m)
    with nogil:
        if t == cnp.NPY_FLOAT32:
            st = ck_sgd_update_f32(n, <float *> wp, <const float *> gp, <float *> mp,
                                   <float> lr, <float> momentum, nesterov)
        else:
            st = ck_sgd_update_f64(n, <double *> wp, <const double *> gp, <double *> mp, lr,
                                   momentum, nesterov)
    return check_status(st, "sgd_update")


cdef extern from *:
    """
    #if defined(__SSE2__) || defined(__x86_64__)
    #include <xmmintrin.h>
    static long ck_optim_get_mxcsr(void) { return (long)_mm_getcsr(); }
    static void ck_optim_set_mxcsr(long v) { _mm_setcsr((unsigned int)v); }
    #else
    static long ck_optim_get_mxcsr(void) { return -1; }
    static void ck_optim_set_mxcsr(long v) { (void)v; }
    #endif
    """
    long ck_optim_get_mxcsr() nogil
    void ck_optim_set_mxcsr(long v) nogil


def _mxcsr(value=None):
    """Tests: the calling thread's x86 MXCSR (-1 elsewhere); with `value`,
    sets it first. Returns the value read."""
    if value is not None:
        ck_optim_set_mxcsr(value)
    return ck_optim_get_mxcsr()
