# Declarations of csrc/ck_common.h (status codes) for Cython modules.

cdef extern from "ck_common.h" nogil:
    enum:
        CK_OK
        CK_ERR_ARG
        CK_ERR_CODE
        CK_ERR_TOO_LARGE
        CK_ERR_NO_BLAS

    # Flush-to-zero/denormals-are-zero around a kernel call (ck_common.h):
    # fp = ck_ftz_enter(); ...; ck_ftz_leave(fp) restores the caller's mode.
    ctypedef int ck_fpmode
    ck_fpmode ck_ftz_enter()
    void ck_ftz_leave(ck_fpmode old)
