# Declarations of csrc/ck_conv.h for Cython modules.
from cython cimport floating

cdef extern from "ck_conv.h" nogil:
    enum:
        CK_POOL_MAX
        CK_POOL_AVG

    ctypedef struct ck_conv3d_shape:
        size_t N, D, H, W, C
        size_t KD, KH, KW, O
        size_t SD, SH, SW
        size_t DD, DH, DW
        size_t PF, PT, PL
        size_t OD, OH, OW

    ctypedef struct ck_conv2d_shape:
        size_t N, H, W, C
        size_t KH, KW, O
        size_t SH, SW
        size_t DH, DW
        size_t PT, PL
        size_t OH, OW

    size_t ck_conv3d_col_rows(const ck_conv3d_shape *s, size_t elem)
    size_t ck_conv2d_col_rows(const ck_conv2d_shape *s, size_t elem)
    size_t ck_conv3d_col_size(const ck_conv3d_shape *s, size_t elem)
    int ck_conv3d_fwd_f32(const ck_conv3d_shape *s, const float *x, const float *w,
                          const float *b, int code, float *col, float *y)
    int ck_conv3d_fwd_f64(const ck_conv3d_shape *s, const double *x, const double *w,
                          const double *b, int code, double *col, double *y)
    int ck_conv3d_bwd_f32(const ck_conv3d_shape *s, const float *x, const float *w,
                          const float *y, const float *dy, int code, float *dz,
                          float *col, float *dx, float *dw, float *db)
    int ck_conv3d_bwd_f64(const ck_conv3d_shape *s, const double *x, const double *w,
                          const double *y, const double *dy, int code, double *dz,
                          double *col, double *dx, double *dw, double *db)
    int ck_pool3d_max_fwd_f32(const ck_conv3d_shape *s, const float *x, float *y, int *idx)
    int ck_pool3d_max_fwd_f64(const ck_conv3d_shape *s, const double *x, double *y, int *idx)
    int ck_pool3d_max_bwd_f32(const ck_conv3d_shape *s, const int *idx, const float *dy,
                              float *dx)
    int ck_pool3d_max_bwd_f64(const ck_conv3d_shape *s, const int *idx, const double *dy,
                              double *dx)
    int ck_pool3d_avg_fwd_f32(const ck_conv3d_shape *s, const float *x, float *y)
    int ck_pool3d_avg_fwd_f64(const ck_conv3d_shape *s, const double *x, double *y)
    int ck_pool3d_avg_bwd_f32(const ck_conv3d_shape *s, const float *dy, float *dx)
    int ck_pool3d_avg_bwd_f64(const ck_conv3d_shape *s, const double *dy, double *dx)
    int ck_conv2d_fwd_f32(const ck_conv2d_shape *s, const float *x, const float *w,
                          const float *b, int code, float *col, float *y)
    int ck_conv2d_fwd_f64(const ck_conv2d_shape *s, const double *x, const double *w,
                          const double *b, int code, double *col, double *y)
    int ck_conv2d_bwd_f32(const ck_conv2d_shape *s, const float *x, const float *w,
                          const float *y, const float *dy, int code, float *dz,
                          float *col, float *dx, float *dw, float *db)
    int ck_conv2d_bwd_f64(const ck_conv2d_shape *s, const double *x, const double *w,
                          const double *y, const double *dy, int code, double *dz,
                          double *col, double *dx, double *dw, double *db)
    int ck_pool2d_max_fwd_f32(const ck_conv2d_shape *s, const float *x, float *y, int *idx)
    int ck_pool2d_max_fwd_f64(const ck_conv2d_shape *s, const double *x, double *y, int *idx)
    int ck_pool2d_max_bwd_f32(const ck_conv2d_shape *s, const int *idx, const float *dy,
                              float *dx)
    int ck_pool2d_max_bwd_f64(const ck_conv2d_shape *s, const int *idx, const double *dy,
                              double *dx)
    int ck_pool2d_avg_fwd_f32(const ck_conv2d_shape *s, const float *x, float *y)
    int ck_pool2d_avg_fwd_f64(const ck_conv2d_shape *s, const double *x, double *y)
    int ck_pool2d_avg_bwd_f32(const ck_conv2d_shape *s, const float *dy, float *dx)
    int ck_pool2d_avg_bwd_f64(const ck_conv2d_shape *s, const double *dy, double *dx)


# One name per kernel for both precisions, picked by the pointers' element
# type: the only place where a float and a double kernel are both named.

cdef inline int ck_conv2d_fwd(const ck_conv2d_shape *s, const floating *x,
                              const floating *w, const floating *b, int code, floating *col,
                              floating *y) noexcept nogil:
    if floating is float:
        return ck_conv2d_fwd_f32(s, x, w, b, code, col, y)
    else:
        return ck_conv2d_fwd_f64(s, x, w, b, code, col, y)


cdef inline int ck_conv2d_bwd(const ck_conv2d_shape *s, const floating *x,
                              const floating *w, const floating *y, const floating *dy,
                              int code, floating *dz, floating *col, floating *dx,
                              floating *dw, floating *db) noexcept nogil:
    if floating is float:
        return ck_conv2d_bwd_f32(s, x, w, y, dy, code, dz, col, dx, dw, db)
    else:
        return ck_conv2d_bwd_f64(s, x, w, y, dy, code, dz, col, dx, dw, db)


cdef inline int ck_pool2d_max_fwd(const ck_conv2d_shape *s, const floating *x, floating *y,
                                  int *idx) noexcept nogil:
    if floating is float:
        return ck_pool2d_max_fwd_f32(s, x, y, idx)
    else:
        return ck_pool2d_max_fwd_f64(s, x, y, idx)


cdef inline int ck_pool2d_max_bwd(const ck_conv2d_shape *s, const int *idx,
                                  const floating *dy, floating *dx) noexcept nogil:
    if floating is float:
        return ck_pool2d_max_bwd_f32(s, idx, dy, dx)
    else:
        return ck_pool2d_max_bwd_f64(s, idx, dy, dx)


cdef inline int ck_pool2d_avg_fwd(const ck_conv2d_shape *s, const floating *x,
                                  floating *y) noexcept nogil:
    if floating is float:
        return ck_pool2d_avg_fwd_f32(s, x, y)
    else:
        return ck_pool2d_avg_fwd_f64(s, x, y)


cdef inline int ck_pool2d_avg_bwd(const ck_conv2d_shape *s, const floating *dy,
                                  floating *dx) noexcept nogil:
    if floating is float:
        return ck_pool2d_avg_bwd_f32(s, dy, dx)
    else:
        return ck_pool2d_avg_bwd_f64(s, dy, dx)


cdef inline int ck_conv3d_fwd(const ck_conv3d_shape *s, const floating *x,
                              const floating *w, const floating *b, int code, floating *col,
                              floating *y) noexcept nogil:
    if floating is float:
        return ck_conv3d_fwd_f32(s, x, w, b, code, col, y)
    else:
        return ck_conv3d_fwd_f64(s, x, w, b, code, col, y)


cdef inline int ck_conv3d_bwd(const ck_conv3d_shape *s, const floating *x,
                              const floating *w, const floating *y, const floating *dy,
                              int code, floating *dz, floating *col, floating *dx,
                              floating *dw, floating *db) noexcept nogil:
    if floating is float:
        return ck_conv3d_bwd_f32(s, x, w, y, dy, code, dz, col, dx, dw, db)
    else:
        return ck_conv3d_bwd_f64(s, x, w, y, dy, code, dz, col, dx, dw, db)


cdef inline int ck_pool3d_max_fwd(const ck_conv3d_shape *s, const floating *x, floating *y,
                                  int *idx) noexcept nogil:
    if floating is float:
        return ck_pool3d_max_fwd_f32(s, x, y, idx)
    else:
        return ck_pool3d_max_fwd_f64(s, x, y, idx)


cdef inline int ck_pool3d_max_bwd(const ck_conv3d_shape *s, const int *idx,
                                  const floating *dy, floating *dx) noexcept nogil:
    if floating is float:
        return ck_pool3d_max_bwd_f32(s, idx, dy, dx)
    else:
        return ck_pool3d_max_bwd_f64(s, idx, dy, dx)


cdef inline int ck_pool3d_avg_fwd(const ck_conv3d_shape *s, const floating *x,
                                  floating *y) noexcept nogil:
    if floating is float:
        return ck_pool3d_avg_fwd_f32(s, x, y)
    else:
        return ck_pool3d_avg_fwd_f64(s, x, y)


cdef inline int ck_pool3d_avg_bwd(const ck_conv3d_shape *s, const floating *dy,
                                  floating *dx) noexcept nogil:
    if floating is float:
        return ck_pool3d_avg_bwd_f32(s, dy, dx)
    else:
        return ck_pool3d_avg_bwd_f64(s, dy, dx)
