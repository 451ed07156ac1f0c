# Declarations of csrc/ck_dropout.h for Cython modules.
from libc.stdint cimport uint64_t

cdef extern from "ck_dropout.h" nogil:
    int ck_dropout_mask_f32(size_t n, uint64_t *state, double rate, float *out)
    int ck_dropout_mask_f64(size_t n, uint64_t *state, double rate, double *out)
