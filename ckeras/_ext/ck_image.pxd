# Declarations of csrc/ck_image.h for Cython modules.
from cython cimport floating

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


# One name per kernel for both precisions, picked by the pointers' element
# type: the only place where a float and a double kernel are both named.

cdef inline int ck_affine(size_t H, size_t W, size_t C, const floating *x, ptrdiff_t xs_r,
                          ptrdiff_t xs_c, ptrdiff_t xs_ch, const double *m, int mode,
                          double cval, floating *y, ptrdiff_t ys_r, ptrdiff_t ys_c,
                          ptrdiff_t ys_ch) noexcept nogil:
    if floating is float:
        return ck_affine_f32(H, W, C, x, xs_r, xs_c, xs_ch, m, mode, cval, y, ys_r, ys_c,
                             ys_ch)
    else:
        return ck_affine_f64(H, W, C, x, xs_r, xs_c, xs_ch, m, mode, cval, y, ys_r, ys_c,
                             ys_ch)


cdef inline int ck_affine_spline(size_t Hi, size_t Wi, size_t C, const floating *x,
                                 ptrdiff_t xs_r, ptrdiff_t xs_c, ptrdiff_t xs_ch, size_t Ho,
                                 size_t Wo, const double *m, int order, int mode,
                                 double cval, double pad, floating *y, ptrdiff_t ys_r,
                                 ptrdiff_t ys_c, ptrdiff_t ys_ch) noexcept nogil:
    if floating is float:
        return ck_affine_spline_f32(Hi, Wi, C, x, xs_r, xs_c, xs_ch, Ho, Wo, m, order, mode,
                                    cval, pad, y, ys_r, ys_c, ys_ch)
    else:
        return ck_affine_spline_f64(Hi, Wi, C, x, xs_r, xs_c, xs_ch, Ho, Wo, m, order, mode,
                                    cval, pad, y, ys_r, ys_c, ys_ch)


cdef extern from "ck_image.h" nogil:
    enum:
        CK_INTERP_NEAREST
        CK_INTERP_BILINEAR
        CK_INTERP_NCODES
    size_t ck_resize_taps_work_f32(size_t Hi, size_t Wo, size_t C, size_t Ho, size_t Kr,
                                   size_t Kc)
    size_t ck_resize_taps_work_f64(size_t Hi, size_t Wo, size_t C, size_t Ho, size_t Kr,
                                   size_t Kc)
    int ck_resize_taps_f32(size_t N, size_t Hi, size_t Wi, size_t C, const float *x,
                           size_t Ho, size_t Wo, size_t Kr, const ptrdiff_t *ridx,
                           const double *rw, size_t Kc, const ptrdiff_t *cidx,
                           const double *cw, void *work, float *y)
    int ck_resize_taps_f64(size_t N, size_t Hi, size_t Wi, size_t C, const double *x,
                           size_t Ho, size_t Wo, size_t Kr, const ptrdiff_t *ridx,
                           const double *rw, size_t Kc, const ptrdiff_t *cidx,
                           const double *cw, void *work, double *y)
    size_t ck_resize_u8_work_f32(size_t Hi, size_t Wi, size_t Cx, size_t Wo, size_t C,
                                 size_t Ho, size_t Kr, size_t Kc)
    int ck_resize_u8_f32(size_t Hi, size_t Wi, size_t C, size_t Cx, const unsigned char *x,
                         ptrdiff_t xs_r, ptrdiff_t xs_c, size_t Ho, size_t Wo, size_t Kr,
                         const ptrdiff_t *ridx, const double *rw, size_t Kc,
                         const ptrdiff_t *cidx, const double *cw, void *work, float *y)
    int ck_projective_f32(size_t N, size_t H, size_t W, size_t C, const float *x,
                          const float *transforms, size_t n_transforms, size_t Ho,
                          size_t Wo, int interpolation, int mode, float fill_value,
                          float *y)
    int ck_projective_f64(size_t N, size_t H, size_t W, size_t C, const double *x,
                          const float *transforms, size_t n_transforms, size_t Ho,
                          size_t Wo, int interpolation, int mode, float fill_value,
                          double *y)
