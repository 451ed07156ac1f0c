# Declarations of csrc/ck_attention.h for Cython modules.
from cython cimport floating

cdef extern from "ck_attention.h" nogil:
    ctypedef struct ck_attention_ld:
        size_t q, k, v

    size_t ck_attention_work_size(size_t T, size_t S, size_t H, size_t Hv)

    int ck_attention_fwd_f32(size_t B, size_t T, size_t S, size_t N, size_t H, size_t Hv,
                             const ck_attention_ld *ld, int threads, const float *q,
                             const float *k, const float *v, const unsigned char *mask, double scale,
                             float *probs, float *work, float *out)
    int ck_attention_fwd_f64(size_t B, size_t T, size_t S, size_t N, size_t H, size_t Hv,
                             const ck_attention_ld *ld, int threads, const double *q,
                             const double *k, const double *v, const unsigned char *mask, double scale,
                             double *probs, double *work, double *out)
    int ck_attention_bwd_f32(size_t B, size_t T, size_t S, size_t N, size_t H, size_t Hv,
                             const ck_attention_ld *ld, int threads, const float *q,
                             const float *k, const float *v, const float *probs, const float *dout,
                             const float *dprobs, double scale, float *work, float *dq,
                             float *dk, float *dv)
    int ck_attention_bwd_f64(size_t B, size_t T, size_t S, size_t N, size_t H, size_t Hv,
                             const ck_attention_ld *ld, int threads, const double *q,
                             const double *k, const double *v, const double *probs, const double *dout,
                             const double *dprobs, double scale, double *work, double *dq,
                             double *dk, double *dv)


cdef extern from "ck_attention_avx512.h" nogil:
    int ck_attention_tiled


# One name per kernel for both precisions, picked by the pointers' element
# type: the only place where a float and a double kernel are both named.

cdef inline int ck_attention_fwd(size_t B, size_t T, size_t S, size_t N, size_t H,
                                 size_t Hv, const ck_attention_ld *ld, int threads,
                                 const floating *q,
                                 const floating *k, const floating *v,
                                 const unsigned char *mask, double scale, floating *probs,
                                 floating *work, floating *out) noexcept nogil:
    if floating is float:
        return ck_attention_fwd_f32(B, T, S, N, H, Hv, ld, threads, q, k, v, mask, scale,
                                    probs, work, out)
    else:
        return ck_attention_fwd_f64(B, T, S, N, H, Hv, ld, threads, q, k, v, mask, scale,
                                    probs, work, out)


cdef inline int ck_attention_bwd(size_t B, size_t T, size_t S, size_t N, size_t H,
                                 size_t Hv, const ck_attention_ld *ld, int threads,
                                 const floating *q,
                                 const floating *k, const floating *v,
                                 const floating *probs, const floating *dout,
                                 const floating *dprobs, double scale, floating *work,
                                 floating *dq, floating *dk, floating *dv) noexcept nogil:
    if floating is float:
        return ck_attention_bwd_f32(B, T, S, N, H, Hv, ld, threads, q, k, v, probs, dout,
                                    dprobs, scale, work, dq, dk, dv)
    else:
        return ck_attention_bwd_f64(B, T, S, N, H, Hv, ld, threads, q, k, v, probs, dout,
                                    dprobs, scale, work, dq, dk, dv)
