# Declarations of csrc/ck_rnn.h for Cython modules.
from cython cimport floating
from libc.stdint cimport uint8_t

cdef extern from "ck_rnn.h" nogil:
    size_t ck_lstm_bwd_ws(size_t B, size_t T, size_t F, size_t U)
    size_t ck_gru_bwd_ws(size_t B, size_t T, size_t U, int reset_after)
    size_t ck_simple_bwd_ws(size_t B, size_t T, size_t U)
    size_t ck_rnn_dropout_ws(size_t B, size_t T, size_t F, size_t U)
    size_t ck_lstm_fwd_ws(size_t B, size_t T, size_t F, size_t U)
    size_t ck_gru_fwd_ws(size_t B, size_t U, int reset_after)
    int ck_rnn_fused
    int ck_rnn_split_strict
    int ck_rnn_batch_chunk
    int ck_rnn_train_strict
    long ck_rnn_train_strict_runs
    size_t ck_lstm_infer_ws(size_t B, size_t T, size_t F, size_t U, int transposed)

    int ck_lstm_infer_f32(size_t B, size_t T, size_t F, size_t U, const float *x,
                          const float *W, const float *R, const float *b, const float *h0,
                          const float *c0, const uint8_t *mask, int go_backwards,
                          int act, int ract, int transposed, float *H, float *h, float *c,
                          float *ws)
    int ck_lstm_infer_f64(size_t B, size_t T, size_t F, size_t U, const double *x,
                          const double *W, const double *R, const double *b,
                          const double *h0, const double *c0, const uint8_t *mask,
                          int go_backwards, int act, int ract, int transposed, double *H,
                          double *h, double *c, double *ws)

    int ck_lstm_fwd_f32(size_t B, size_t T, size_t F, size_t U, const float *x,
                        const float *W, const float *R, const float *b, const float *h0,
                        const float *c0, const uint8_t *mask, int go_backwards,
                        int act, int ract, const float *dpx, const float *dph, float *G,
                        float *H, float *C, float *ws)
    int ck_lstm_fwd_f64(size_t B, size_t T, size_t F, size_t U, const double *x,
                        const double *W, const double *R, const double *b, const double *h0,
                        const double *c0, const uint8_t *mask, int go_backwards,
                        int act, int ract, const double *dpx, const double *dph, double *G,
                        double *H, double *C, double *ws)
    int ck_lstm_bwd_f32(size_t B, size_t T, size_t F, size_t U, const float *x,
                        const float *W, const float *R, const float *h0, const float *c0,
                        const uint8_t *mask, int go_backwards, int act, int ract,
                        const float *dpx, const float *dph,
                        const float *G, const float *H, const float *C, const float *dH,
                        float *dh, float *dc, float *dx, float *dW, float *dR, float *db,
                        float *ws, float *dws)
    int ck_lstm_bwd_f64(size_t B, size_t T, size_t F, size_t U, const double *x,
                        const double *W, const double *R, const double *h0, const double *c0,
                        const uint8_t *mask, int go_backwards, int act, int ract,
                        const double *dpx, const double *dph,
                        const double *G, const double *H, const double *C, const double *dH,
                        double *dh, double *dc, double *dx, double *dW, double *dR,
                        double *db, double *ws, double *dws)
    int ck_gru_fwd_f32(size_t B, size_t T, size_t F, size_t U, int reset_after,
                       const float *x, const float *W, const float *R, const float *b,
                       const float *h0, const uint8_t *mask, int go_backwards,
                       int act, int ract, const float *dpx, const float *dph, float *G,
                       float *H, float *HZH, float *ws, float *dws)
    int ck_gru_fwd_f64(size_t B, size_t T, size_t F, size_t U, int reset_after,
                       const double *x, const double *W, const double *R, const double *b,
                       const double *h0, const uint8_t *mask, int go_backwards,
                       int act, int ract, const double *dpx, const double *dph, double *G,
                       double *H, double *HZH, double *ws, double *dws)
    int ck_gru_bwd_f32(size_t B, size_t T, size_t F, size_t U, int reset_after,
                       const float *x, const float *W, const float *R, const float *h0,
                       const uint8_t *mask, int go_backwards, int act, int ract,
                       const float *dpx, const float *dph,
                       const float *G, const float *H, const float *HZH, const float *dH,
                       float *dh, float *dx, float *dW, float *dR, float *db, float *ws,
                       float *dws)
    int ck_gru_bwd_f64(size_t B, size_t T, size_t F, size_t U, int reset_after,
                       const double *x, const double *W, const double *R, const double *h0,
                       const uint8_t *mask, int go_backwards, int act, int ract,
                       const double *dpx, const double *dph,
                       const double *G, const double *H, const double *HZH,
                       const double *dH, double *dh, double *dx, double *dW, double *dR,
                       double *db, double *ws, double *dws)
    int ck_simple_fwd_f32(size_t B, size_t T, size_t F, size_t U, const float *x,
                          const float *W, const float *R, const float *b, const float *h0,
                          const uint8_t *mask, int go_backwards, int act, const float *dpx,
                          const float *dph, float *G,
                          float *H, float *dws)
    int ck_simple_fwd_f64(size_t B, size_t T, size_t F, size_t U, const double *x,
                          const double *W, const double *R, const double *b,
                          const double *h0, const uint8_t *mask, int go_backwards,
                          int act, const double *dpx, const double *dph, double *G, double *H,
                          double *dws)
    int ck_simple_bwd_f32(size_t B, size_t T, size_t F, size_t U, const float *x,
                          const float *W, const float *R, const float *h0,
                          const uint8_t *mask, int go_backwards, int act, const float *dpx,
                          const float *dph,
                          const float *H, const float *dH, float *dh, float *dx,
                          float *dW, float *dR, float *db, float *ws, float *dws)
    int ck_simple_bwd_f64(size_t B, size_t T, size_t F, size_t U, const double *x,
                          const double *W, const double *R, const double *h0,
                          const uint8_t *mask, int go_backwards, int act, const double *dpx,
                          const double *dph,
                          const double *H, const double *dH, double *dh, double *dx,
                          double *dW, double *dR, double *db, double *ws, double *dws)


# One name per kernel for both precisions, picked by the pointers' element
# type: the only place where a float and a double kernel are both named.

cdef inline int ck_lstm_infer(size_t B, size_t T, size_t F, size_t U, const floating *x,
                              const floating *W, const floating *R, const floating *b,
                              const floating *h0, const floating *c0, const uint8_t *mask,
                              int go_backwards, int act, int ract, int transposed,
                              floating *H, floating *h, floating *c,
                              floating *ws) noexcept nogil:
    if floating is float:
        return ck_lstm_infer_f32(B, T, F, U, x, W, R, b, h0, c0, mask, go_backwards, act,
                                 ract, transposed, H, h, c, ws)
    else:
        return ck_lstm_infer_f64(B, T, F, U, x, W, R, b, h0, c0, mask, go_backwards, act,
                                 ract, transposed, H, h, c, ws)


cdef inline int ck_lstm_fwd(size_t B, size_t T, size_t F, size_t U, const floating *x,
                            const floating *W, const floating *R, const floating *b,
                            const floating *h0, const floating *c0, const uint8_t *mask,
                            int go_backwards, int act, int ract, const floating *dpx,
                            const floating *dph, floating *G, floating *H,
                            floating *C, floating *ws) noexcept nogil:
    if floating is float:
        return ck_lstm_fwd_f32(B, T, F, U, x, W, R, b, h0, c0, mask, go_backwards, act,
                               ract, dpx, dph, G, H, C, ws)
    else:
        return ck_lstm_fwd_f64(B, T, F, U, x, W, R, b, h0, c0, mask, go_backwards, act,
                               ract, dpx, dph, G, H, C, ws)


cdef inline int ck_lstm_bwd(size_t B, size_t T, size_t F, size_t U, const floating *x,
                            const floating *W, const floating *R, const floating *h0,
                            const floating *c0, const uint8_t *mask, int go_backwards,
                            int act, int ract, const floating *dpx, const floating *dph,
                            const floating *G, const floating *H,
                            const floating *C, const floating *dH, floating *dh,
                            floating *dc, floating *dx, floating *dW, floating *dR,
                            floating *db, floating *ws, floating *dws) noexcept nogil:
    if floating is float:
        return ck_lstm_bwd_f32(B, T, F, U, x, W, R, h0, c0, mask, go_backwards, act, ract,
        dpx, dph,
                               G, H, C, dH, dh, dc, dx, dW, dR, db, ws, dws)
    else:
        return ck_lstm_bwd_f64(B, T, F, U, x, W, R, h0, c0, mask, go_backwards, act, ract,
        dpx, dph,
                               G, H, C, dH, dh, dc, dx, dW, dR, db, ws, dws)


cdef inline int ck_gru_fwd(size_t B, size_t T, size_t F, size_t U, int reset_after,
                           const floating *x, const floating *W, const floating *R,
                           const floating *b, const floating *h0, const uint8_t *mask,
                           int go_backwards, int act, int ract, const floating *dpx,
                           const floating *dph, floating *G, floating *H,
                           floating *HZH, floating *ws, floating *dws) noexcept nogil:
    if floating is float:
        return ck_gru_fwd_f32(B, T, F, U, reset_after, x, W, R, b, h0, mask, go_backwards,
                              act, ract, dpx, dph, G, H, HZH, ws, dws)
    else:
        return ck_gru_fwd_f64(B, T, F, U, reset_after, x, W, R, b, h0, mask, go_backwards,
                              act, ract, dpx, dph, G, H, HZH, ws, dws)


cdef inline int ck_gru_bwd(size_t B, size_t T, size_t F, size_t U, int reset_after,
                           const floating *x, const floating *W, const floating *R,
                           const floating *h0, const uint8_t *mask, int go_backwards,
                           int act, int ract, const floating *dpx, const floating *dph,
                           const floating *G, const floating *H,
                           const floating *HZH, const floating *dH, floating *dh,
                           floating *dx, floating *dW, floating *dR, floating *db,
                           floating *ws, floating *dws) noexcept nogil:
    if floating is float:
        return ck_gru_bwd_f32(B, T, F, U, reset_after, x, W, R, h0, mask, go_backwards, act,
                              ract, dpx, dph, G, H, HZH, dH, dh, dx, dW, dR, db, ws, dws)
    else:
        return ck_gru_bwd_f64(B, T, F, U, reset_after, x, W, R, h0, mask, go_backwards, act,
                              ract, dpx, dph, G, H, HZH, dH, dh, dx, dW, dR, db, ws, dws)


cdef inline int ck_simple_fwd(size_t B, size_t T, size_t F, size_t U, const floating *x,
                              const floating *W, const floating *R, const floating *b,
                              const floating *h0, const uint8_t *mask, int go_backwards,
                              int act, const floating *dpx, const floating *dph, floating *G,
                              floating *H, floating *dws) noexcept nogil:
    if floating is float:
        return ck_simple_fwd_f32(B, T, F, U, x, W, R, b, h0, mask, go_backwards, act, dpx,
        dph, G, H, dws)
    else:
        return ck_simple_fwd_f64(B, T, F, U, x, W, R, b, h0, mask, go_backwards, act, dpx,
        dph, G, H, dws)


cdef inline int ck_simple_bwd(size_t B, size_t T, size_t F, size_t U, const floating *x,
                              const floating *W, const floating *R, const floating *h0,
                              const uint8_t *mask, int go_backwards, int act,
                              const floating *dpx, const floating *dph,
                              const floating *H, const floating *dH, floating *dh,
                              floating *dx, floating *dW, floating *dR, floating *db,
                              floating *ws, floating *dws) noexcept nogil:
    if floating is float:
        return ck_simple_bwd_f32(B, T, F, U, x, W, R, h0, mask, go_backwards, act, dpx, dph,
        H, dH,
                                 dh, dx, dW, dR, db, ws, dws)
    else:
        return ck_simple_bwd_f64(B, T, F, U, x, W, R, h0, mask, go_backwards, act, dpx, dph,
        H, dH,
                                 dh, dx, dW, dR, db, ws, dws)
