# Declarations of csrc/ck_sequence.h for Cython modules.

cdef extern from "ck_sequence.h" nogil:
    size_t ck_pad_place(unsigned char *row, size_t maxlen, const unsigned char *src,
                        size_t len, Py_ssize_t stride, size_t item, int pad_post,
                        int trunc_post)
    void ck_pad_fill(unsigned char *dst, size_t n, const unsigned char *value, size_t item)
