# Declarations of csrc/ck_conv.h for Cython modules.

cdef extern from "ck_conv.h" nogil:
    ctypedef struct ck_conv2d_shape:
        size_t N, H, W, C
        size_t KH, KW, O
        size_t SH, SW
        size_t DH, DW
        size_t PT, PL
        size_t OH, OW

    size_t ck_conv2d_col_rows(const ck_conv2d_shape *s, size_t elem)
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
