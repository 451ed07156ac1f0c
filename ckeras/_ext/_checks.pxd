# Argument checks shared by the _ext modules (inline, so no extra module).
#
# They run with the GIL held and establish everything a typed memoryview
# would (ndarray, dtype, C-contiguous, aligned, native byte order), so the
# modules then take the data pointer directly: acquiring a typed memoryview
# costs ~120 ns per array, which made a batch-1 dense_fwd 4x slower
# (0.82 us vs 0.18 us per call). The arrays stay referenced by the caller's
# arguments for the whole call, so the pointers stay valid under nogil.
#
# Messages and their order are those of the NumPy references of the kernels
# (ckeras.kernels.reference), so both raise the same errors.

cimport numpy as cnp
from libc.stdint cimport int64_t

from ckeras._ext.ck_act cimport CK_ACT_NCODES
from ckeras._ext.ck_common cimport CK_OK, CK_ERR_ARG, CK_ERR_CODE, CK_ERR_TOO_LARGE, CK_ERR_NO_BLAS


cdef inline str _dtype_name(int typenum):
    if typenum == cnp.NPY_FLOAT32:
        return "float32"
    return "float64"


cdef inline int check_array(object a, str name, int ndim, int typenum) except -1:
    """Check `a` is a C-contiguous, aligned, native float ndarray.

    ndim < 0 accepts any rank; typenum < 0 accepts float32 or float64, else
    the dtype must be exactly `typenum`. Returns the dtype's type number.
    """
    cdef int t
    if cnp.PyArray_Check(a):
        t = cnp.PyArray_TYPE(<cnp.ndarray> a)
        if ((t == cnp.NPY_FLOAT32 or t == cnp.NPY_FLOAT64) and (typenum < 0 or t == typenum)
                and (ndim < 0 or cnp.PyArray_NDIM(<cnp.ndarray> a) == ndim)
                and cnp.PyArray_IS_C_CONTIGUOUS(<cnp.ndarray> a)
                and cnp.PyArray_ISBEHAVED_RO(<cnp.ndarray> a)):
            return t
    return _array_error(a, name, ndim, typenum, True)


cdef inline int check_strided(object a, str name, int ndim, int typenum) except -1:
    """check_array for kernels that take element strides: any memory layout,
    but aligned (so every byte stride is a whole number of elements)."""
    cdef int t
    if cnp.PyArray_Check(a):
        t = cnp.PyArray_TYPE(<cnp.ndarray> a)
        if ((t == cnp.NPY_FLOAT32 or t == cnp.NPY_FLOAT64) and (typenum < 0 or t == typenum)
                and (ndim < 0 or cnp.PyArray_NDIM(<cnp.ndarray> a) == ndim)
                and cnp.PyArray_ISBEHAVED_RO(<cnp.ndarray> a)):
            return t
    return _array_error(a, name, ndim, typenum, False)


cdef inline int _array_error(object a, str name, int ndim, int typenum,
                            bint contiguous) except -1:
    """Raise the first failed check, in the order of the NumPy references."""
    if not cnp.PyArray_Check(a):
        raise TypeError(f"{name} must be a numpy.ndarray, got {type(a).__name__}")
    cdef cnp.ndarray arr = <cnp.ndarray> a
    cdef int t = cnp.PyArray_TYPE(arr)
    if arr.dtype.kind == "f" and not arr.dtype.isnative:
        raise ValueError(f"{name} must be aligned and in native byte order")
    if t != cnp.NPY_FLOAT32 and t != cnp.NPY_FLOAT64:
        raise ValueError(f"{name} must have dtype float32 or float64, got {arr.dtype}")
    if typenum >= 0 and t != typenum:
        raise ValueError(f"{name} has dtype {arr.dtype}, expected {_dtype_name(typenum)} "
                         f"(all arrays of one call share a dtype)")
    if ndim >= 0 and cnp.PyArray_NDIM(arr) != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {a.shape}")
    if contiguous and not cnp.PyArray_IS_C_CONTIGUOUS(arr):
        raise ValueError(f"{name} must be C-contiguous (use numpy.ascontiguousarray)")
    raise ValueError(f"{name} must be aligned and in native byte order")


cdef inline int check_shaped(object a, str name, tuple shape, int typenum) except -1:
    """check_array, and a.shape == shape."""
    check_array(a, name, len(shape), typenum)
    if a.shape != shape:
        raise ValueError(f"{name} has shape {a.shape}, expected {shape}")
    return 0


cdef inline int check_mask(object mask, Py_ssize_t N, Py_ssize_t T) except -1:
    """A (N, T) bool or uint8 mask, C-contiguous; N < 0: any 2-D shape."""
    if not cnp.PyArray_Check(mask) or (cnp.PyArray_TYPE(<cnp.ndarray> mask) != cnp.NPY_BOOL
                                       and cnp.PyArray_TYPE(<cnp.ndarray> mask) != cnp.NPY_UINT8):
        raise ValueError("mask must be a bool or uint8 numpy.ndarray")
    cdef cnp.ndarray m = <cnp.ndarray> mask
    if cnp.PyArray_NDIM(m) != 2 or (N >= 0 and (cnp.PyArray_DIMS(m)[0] != N
                                                or cnp.PyArray_DIMS(m)[1] != T)):
        want = f"{(N, T)}" if N >= 0 else "2-D (batch, time)"
        raise ValueError(f"mask has shape {mask.shape}, expected {want}")
    if not cnp.PyArray_IS_C_CONTIGUOUS(m):
        raise ValueError("mask must be C-contiguous (use numpy.ascontiguousarray)")
    return 0


cdef inline int check_code(int code) except -1:
    if code < 0 or code >= CK_ACT_NCODES:
        raise ValueError(f"code must be an activation code in [0, {CK_ACT_NCODES}), got {code}")
    return 0


cdef inline int check_status(int status, str where) except -1:
    if status == CK_OK:
        return 0
    if status == CK_ERR_CODE:
        raise ValueError(f"{where}: unknown activation code")
    if status == CK_ERR_TOO_LARGE:
        raise ValueError(f"{where}: a dimension is too large for the BLAS in use")
    if status == CK_ERR_ARG:
        raise ValueError(f"{where}: invalid argument")
    if status == CK_ERR_NO_BLAS:
        raise RuntimeError(f"{where}: no BLAS library available")
    raise RuntimeError(f"{where}: kernel failed with status {status}")


cdef inline bint same_shape(cnp.ndarray a, cnp.ndarray b):
    cdef int i, nd = cnp.PyArray_NDIM(a)
    if cnp.PyArray_NDIM(b) != nd:
        return False
    for i in range(nd):
        if cnp.PyArray_DIMS(a)[i] != cnp.PyArray_DIMS(b)[i]:
            return False
    return True


cdef inline void *data_or_null(object a) noexcept:
    """Data pointer of an array that passed check_array, or NULL for None."""
    if a is None:
        return NULL
    return cnp.PyArray_DATA(<cnp.ndarray> a)


cdef inline object empty(int nd, cnp.npy_intp *dims, int typenum):
    """A new C-ordered array (allocated with the GIL held)."""
    return cnp.PyArray_EMPTY(nd, dims, typenum, 0)


cdef inline int check_labels(object labels, Py_ssize_t rows, Py_ssize_t cols) except -1:
    """Class labels: a C-contiguous, aligned, native int64 array (rows,),
    each in [0, cols)."""
    if not cnp.PyArray_Check(labels):
        raise TypeError(f"labels must be a numpy.ndarray, got {type(labels).__name__}")
    cdef cnp.ndarray arr = <cnp.ndarray> labels
    if cnp.PyArray_TYPE(arr) != cnp.NPY_INT64 or not cnp.PyArray_ISNOTSWAPPED(arr):
        raise ValueError(f"labels must have dtype int64, got {labels.dtype}")
    if labels.shape != (rows,):
        raise ValueError(f"labels has shape {labels.shape}, expected {(rows,)}")
    if not cnp.PyArray_IS_C_CONTIGUOUS(arr) or not cnp.PyArray_ISALIGNED(arr):
        raise ValueError("labels must be C-contiguous (use numpy.ascontiguousarray)")
    cdef const int64_t *lp = <const int64_t *> cnp.PyArray_DATA(arr)
    cdef Py_ssize_t i
    for i in range(rows):
        if lp[i] < 0 or lp[i] >= cols:
            raise ValueError(f"labels[{i}] = {lp[i]} is outside the valid range [0, {cols})")
    return 0
