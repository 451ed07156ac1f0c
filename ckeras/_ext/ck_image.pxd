# Declarations of csrc/ck_image.h for Cython modules.

cdef extern from "ck_image.h" nogil:
    enum:
        CK_FILL_NEAREST
        CK_FILL_WRAP
        CK_FILL_REFLECT
        CK_FILL_CONSTANT
        CK_FILL_NCODES
        CK_SPLINE_MIRROR
        CK_SPLINE_REFLECT
        CK_SPLINE_NBOUNDARIES
        CK_SPLINE_NEAREST_PAD
    int ck_affine_f32(size_t H, size_t W, size_t C, const float *x,
                      ptrdiff_t xs_r, ptrdiff_t xs_c, ptrdiff_t xs_ch,
                      const double *m, int mode, double cval, float *y,
                      ptrdiff_t ys_r, ptrdiff_t ys_c, ptrdiff_t ys_ch)
    int ck_affine_f64(size_t H, size_t W, size_t C, const double *x,
                      ptrdiff_t xs_r, ptrdiff_t xs_c, ptrdiff_t xs_ch,
                      const double *m, int mode, double cval, double *y,
                      ptrdiff_t ys_r, ptrdiff_t ys_c, ptrdiff_t ys_ch)
    int ck_spline_filter_f64(double *x, size_t n_outer, size_t len, size_t n_inner,
                             int order, int boundary, double *work)
    int ck_affine_spline_f32(size_t Hi, size_t Wi, size_t C, const float *x,
                             ptrdiff_t xs_r, ptrdiff_t xs_c, ptrdiff_t xs_ch,
                             size_t Ho, size_t Wo, const double *m, int order,
                             int mode, double cval, double pad, float *y,
                             ptrdiff_t ys_r, ptrdiff_t ys_c, ptrdiff_t ys_ch)
    int ck_affine_spline_f64(size_t Hi, size_t Wi, size_t C, const double *x,
                             ptrdiff_t xs_r, ptrdiff_t xs_c, ptrdiff_t xs_ch,
                             size_t Ho, size_t Wo, const double *m, int order,
                             int mode, double cval, double pad, double *y,
                             ptrdiff_t ys_r, ptrdiff_t ys_c, ptrdiff_t ys_ch)
    int ck_affine_spline_f64_f32(size_t Hi, size_t Wi, size_t C, const double *x,
                                 ptrdiff_t xs_r, ptrdiff_t xs_c, ptrdiff_t xs_ch,
                                 size_t Ho, size_t Wo, const double *m,
                                 int order, int mode, double cval, double pad,
                                 float *y, ptrdiff_t ys_r, ptrdiff_t ys_c,
                                 ptrdiff_t ys_ch)
