# Declarations of csrc/ck_common.h (status codes) for Cython modules.

cdef extern from "ck_common.h" nogil:
    enum:
        CK_OK
        CK_ERR_ARG
        CK_ERR_CODE
        CK_ERR_TOO_LARGE
        CK_ERR_NO_BLAS
