# Declarations of csrc/ck_convlstm.h for Cython modules.

cdef extern from "ck_convlstm.h" nogil:
    ctypedef struct ck_convlstm_shape:
        size_t N, T
        size_t D, H, W
        size_t F
        size_t KD, KH, KW

    ctypedef struct ck_convlstm_input:
        size_t C
        size_t D, H, W
        size_t sd, sh, sw
        size_t dd, dh, dw
        size_t pd, ph, pw

    size_t ck_convlstm_work_elems_x(const ck_convlstm_shape *s, const ck_convlstm_input *inp,
                                    size_t elem)
    int ck_convlstm_fwdx_f32(const ck_convlstm_shape *s, const ck_convlstm_input *inp,
                             const float *x, const float *Wc, const float *h0,
                             const float *c0, const unsigned char *mask, const float *xmask,
                             const float *rmask, int go_backwards, int act, int ract,
                             float *work, float *H, float *C, float *G)
    int ck_convlstm_fwdx_f64(const ck_convlstm_shape *s, const ck_convlstm_input *inp,
                             const double *x, const double *Wc, const double *h0,
                             const double *c0, const unsigned char *mask, const double *xmask,
                             const double *rmask, int go_backwards, int act, int ract,
                             double *work, double *H, double *C, double *G)
    int ck_convlstm_bwdx_f32(const ck_convlstm_shape *s, const ck_convlstm_input *inp,
                             const float *x, const float *Wc, const float *h0,
                             const float *c0, const unsigned char *mask, const float *xmask,
                             const float *rmask, int go_backwards, int act, int ract,
                             const float *G, const float *H, const float *C, const float *dH,
                             const float *dh, const float *dc, float *work, float *dx,
                             float *dWc, float *dh0, float *dc0)
    int ck_convlstm_bwdx_f64(const ck_convlstm_shape *s, const ck_convlstm_input *inp,
                             const double *x, const double *Wc, const double *h0,
                             const double *c0, const unsigned char *mask, const double *xmask,
                             const double *rmask, int go_backwards, int act, int ract,
                             const double *G, const double *H, const double *C,
                             const double *dH, const double *dh, const double *dc,
                             double *work, double *dx, double *dWc, double *dh0, double *dc0)

from cython cimport floating


# One name per kernel for both precisions, picked by the pointers' element type.

cdef inline int ck_convlstm_fwdx(const ck_convlstm_shape *s, const ck_convlstm_input *inp,
                                 const floating *x, const floating *Wc, const floating *h0,
                                 const floating *c0, const unsigned char *mask,
                                 const floating *xmask, const floating *rmask,
                                 int go_backwards, int act, int ract, floating *work,
                                 floating *H, floating *C, floating *G) noexcept nogil:
    if floating is float:
        return ck_convlstm_fwdx_f32(s, inp, x, Wc, h0, c0, mask, xmask, rmask, go_backwards,
                                    act, ract, work, H, C, G)
    else:
        return ck_convlstm_fwdx_f64(s, inp, x, Wc, h0, c0, mask, xmask, rmask, go_backwards,
                                    act, ract, work, H, C, G)


cdef inline int ck_convlstm_bwdx(const ck_convlstm_shape *s, const ck_convlstm_input *inp,
                                 const floating *x, const floating *Wc, const floating *h0,
                                 const floating *c0, const unsigned char *mask,
                                 const floating *xmask, const floating *rmask,
                                 int go_backwards, int act, int ract, const floating *G,
                                 const floating *H, const floating *C, const floating *dH,
                                 const floating *dh, const floating *dc, floating *work,
                                 floating *dx, floating *dWc, floating *dh0,
                                 floating *dc0) noexcept nogil:
    if floating is float:
        return ck_convlstm_bwdx_f32(s, inp, x, Wc, h0, c0, mask, xmask, rmask, go_backwards,
                                    act, ract, G, H, C, dH, dh, dc, work, dx, dWc, dh0, dc0)
    else:
        return ck_convlstm_bwdx_f64(s, inp, x, Wc, h0, c0, mask, xmask, rmask, go_backwards,
                                    act, ract, G, H, C, dH, dh, dc, work, dx, dWc, dh0, dc0)
