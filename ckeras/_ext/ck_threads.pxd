# Declarations of csrc/ck_threads.h for Cython modules.
#
# A module whose kernels may share work with the helper thread compiles
# csrc/ck_threads.c into itself and must call attach_threads() once at
# import, so that its copy of the C code uses the one helper of _threads.

cdef extern from "ck_threads.h" nogil:
    ctypedef struct ck_threads_table:
        pass

    const ck_threads_table *ck_threads_own()
    int ck_threads_attach(const ck_threads_table *t)
    int ck_threads_set_enabled(int on)
    int ck_threads_enabled()
    long ck_threads_jobs_taken()
    long ck_threads_jobs_late()


cdef inline int attach_threads() except -1:
    from ckeras._ext._threads import _table_address
    cdef size_t addr = _table_address()
    ck_threads_attach(<const ck_threads_table *> addr)
    return 0
