"""Optimizer updates fused over one variable (csrc/ck_optim.h): Adam,
RMSprop, SGD with momentum, in place, under flush-to-zero. Same signatures,
results (denormals aside) and errors as the NumPy references; arguments are
checked with the GIL held, then each update runs with the GIL released.
"""
cimport numpy as cnp
from cython cimport floating

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
