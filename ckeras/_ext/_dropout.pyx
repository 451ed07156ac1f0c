"""Dropout masks from a counter-based generator state (csrc/ck_dropout.h).
Same signature, results and errors as the NumPy reference."""
cimport numpy as cnp
from libc.stdint cimport uint64_t

from ckeras._ext._checks cimport check_status, empty
from ckeras._ext.ck_dropout cimport *

cnp.import_array()


def dropout_mask(state, double rate, tuple shape, dtype):
    """A new `shape` array of `dtype` (float32/float64): 0 where dropped,
    1/(1-rate) where kept, drawn from `state` (a writable C-contiguous
    uint64 array [key, counter]), whose counter advances by its size."""
    if not (cnp.PyArray_Check(state) and cnp.PyArray_TYPE(<cnp.ndarray> state) == cnp.NPY_UINT64
            and state.shape == (2,) and cnp.PyArray_IS_C_CONTIGUOUS(<cnp.ndarray> state)
            and cnp.PyArray_ISWRITEABLE(<cnp.ndarray> state)):
        raise ValueError("state must be a writable C-contiguous uint64 array of shape (2,)")
    if not 0.0 <= rate < 1.0:
        raise ValueError(f"rate must be in [0, 1), got {rate}")
    cdef int t
    if dtype == "float32":
        t = cnp.NPY_FLOAT32
    elif dtype == "float64":
        t = cnp.NPY_FLOAT64
    else:
        raise ValueError(f"dtype must be float32 or float64, got {dtype}")
    cdef cnp.npy_intp dims[32]
    cdef int i, nd = len(shape)
    if nd > 32:
        raise ValueError("shape has more than 32 dimensions")
    for i in range(nd):
        if shape[i] < 0:
            raise ValueError(f"negative dimension in shape {shape}")
        dims[i] = shape[i]
    out = empty(nd, dims, t)
    cdef size_t n = out.size
    cdef uint64_t *sp = <uint64_t *> cnp.PyArray_DATA(<cnp.ndarray> state)
    cdef void *op = cnp.PyArray_DATA(<cnp.ndarray> out)
    cdef int st
    with nogil:
        if t == cnp.NPY_FLOAT32:
            st = ck_dropout_mask_f32(n, sp, rate, <float *> op)
        else:
            st = ck_dropout_mask_f64(n, sp, rate, <double *> op)
    check_status(st, "dropout_mask")
    return out
