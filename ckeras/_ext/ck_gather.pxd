# Declarations of csrc/ck_gather.h for Cython modules.
from libc.stddef cimport ptrdiff_t
from libc.stdint cimport int64_t

cdef extern from "ck_gather.h" nogil:
    int ck_gather_rows(const void *src, size_t n_src, ptrdiff_t src_stride, size_t row_bytes,
                       const int64_t *idx, size_t n_idx, void *dst)
    int ck_gather_set_split(int on)
