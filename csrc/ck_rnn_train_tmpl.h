/* Training kernels of ck_rnn.c for one precision: LSTM, GRU and SimpleRNN
 * forward and backward through time. Included once per element type
 * `real` (see ck_tmpl.h), before ck_rnn_infer_tmpl.h and
 * ck_rnn_split_tmpl.h, which reuse its step helpers; not a public header. */

/* d *= act'(.) from the activation's output y; the switch sits outside the
 * loops so each one is a straight vectorizable body. */
CK_TARGET_CLONES
static void CK_S(rnn_dact)(int code, size_t n, const real *restrict y, real *restrict d)
{
    size_t j;
    switch (code) {
    case CK_ACT_RELU:
        for (j = 0; j < n; ++j) d[j] = y[j] > (real)0 ? d[j] : (real)0;
        break;
    case CK_ACT_SIGMOID:
        for (j = 0; j < n; ++j) d[j] *= y[j] * ((real)1 - y[j]);
        break;
    case CK_ACT_TANH:
        for (j = 0; j < n; ++j) d[j] *= (real)1 - y[j] * y[j];
        break;
    case CK_ACT_HARD_SIGMOID:
        for (j = 0; j < n; ++j)
            d[j] = (y[j] > (real)0 && y[j] < (real)1) ? d[j] * (real)0.2 : (real)0;
        break;
    default: /* linear */
        break;
    }
}

static void CK_S(rnn_add_rows)(size_t rows, size_t cols, const real *b, real *y, size_t ldy)
{
    size_t i, j;
    for (i = 0; i < rows; ++i) {
        real *yi = y + i * ldy;
        for (j = 0; j < cols; ++j) yi[j] += b[j];
    }
}

/* out[j] = sum_i A[i, j]; rows outer so the inner loop runs along j. */
static void CK_S(rnn_colsum)(size_t rows, size_t cols, const real *A, size_t lda, real *out)
{
    size_t i, j;
    for (j = 0; j < cols; ++j) out[j] = (real)0;
    for (i = 0; i < rows; ++i) {
        const real *ai = A + i * lda;
        for (j = 0; j < cols; ++j) out[j] += ai[j];
    }
}

static void CK_S(rnn_copy)(size_t n, const real *src, real *dst)
{
    size_t j;
    for (j = 0; j < n; ++j) dst[j] = src[j];
}

static void CK_S(rnn_zero)(size_t n, real *dst)
{
    size_t j;
    for (j = 0; j < n; ++j) dst[j] = (real)0;
}

/* The dropout passes' elementwise products, cloned so they run on whole
 * AVX-512 vectors (the template's other loops are SSE2 at the baseline). */
CK_TARGET_CLONES
static void CK_S(rnn_mul)(size_t n, const real *restrict a, const real *restrict m,
                          real *restrict out)
{
    size_t j;
    for (j = 0; j < n; ++j) out[j] = a[j] * m[j];
}

CK_TARGET_CLONES
static void CK_S(rnn_mul_acc)(size_t n, const real *restrict a, const real *restrict m,
                              real *restrict out)
{
    size_t j;
    for (j = 0; j < n; ++j) out[j] += a[j] * m[j];
}

/* Hp[b, t(s)] = h_{s-1} (rows ldp apart): the previous state aligned with
 * the input-time gate rows, so dR is one GEMM over all B*T rows. */
static void CK_S(rnn_prev_states)(size_t B, size_t T, size_t U, int gb, const real *h0,
                                  const real *H, real *Hp, size_t ldp)
{
    size_t bi, s;
    for (bi = 0; bi < B; ++bi)
        for (s = 0; s < T; ++s) {
            const size_t t = gb ? T - 1 - s : s;
            const real *src = s ? H + (bi * T + s - 1) * U : h0 + bi * U;
            CK_S(rnn_copy)(U, src, Hp + (bi * T + t) * ldp);
        }
}

/* The weight gradients shared by every unit, as GEMMs over all B*T rows:
 * dW = x^T dG, dx = dG W^T. */
static int CK_S(rnn_input_grads)(size_t BT, size_t F, size_t N, const real *x,
                                 const real *W, const real *dG, size_t ldd, real *dx, real *dW)
{
    if (dW != NULL) CK_TRY(GEMM(1, 0, F, N, BT, (real)1, x, F, dG, ldd, (real)0, dW, N));
    if (dx != NULL) CK_TRY(GEMM(0, 1, BT, F, N, (real)1, dG, ldd, W, N, (real)0, dx, F));
    return CK_OK;
}

/* ------------------------------------------------------------- dropout */
/* Keras' recurrent dropout: per gate k, an input mask dpx_k (B,F) scales
 * x_t and a recurrent mask dph_k (B,U) scales h_{t-1} before that gate's
 * product, the same masks at every step. Each gate's product is then its
 * own GEMM over its column block (blocks of U columns, ng of them, rows
 * ng*U apart); dws is the scratch of ck_rnn_dropout_ws. */

/* out[b*T+t, :] = A[b*T+t, :] * m[b, :]: rows of one sample share its mask.
 * Cloned with its loops inside: the training step masks a few short rows
 * per gate and step, and a call per row cost as much as the products. */
CK_TARGET_CLONES
static void CK_S(rnn_mask_rows)(size_t B, size_t T, size_t n, const real *A, size_t lda,
                                const real *m, real *out)
{
    size_t bi, t, j;
    for (bi = 0; bi < B; ++bi)
        for (t = 0; t < T; ++t) {
            const real *restrict a = A + (bi * T + t) * lda;
            const real *restrict mb = m + bi * n;
            real *restrict o = out + (bi * T + t) * n;
            for (j = 0; j < n; ++j) o[j] = a[j] * mb[j];
        }
}

/* G[:, block k] = (x . dpx_k) W_k for every gate: the input projection. */
static int CK_S(rnn_dp_proj)(size_t B, size_t T, size_t F, size_t U, size_t ng,
                             const real *x, const real *W, const real *dpx, real *G,
                             real *dws)
{
    size_t k;
    for (k = 0; k < ng; ++k) {
        CK_S(rnn_mask_rows)(B, T, F, x, F, dpx + k * B * F, dws);
        CK_TRY(GEMM(0, 0, B * T, U, F, (real)1, dws, F, W + k * U, ng * U, (real)0,
                    G + k * U, ng * U));
    }
    return CK_OK;
}

/* out[:, block k] = (hp . dph_k) R_k + beta out[:, block k], k in [k0, k1). */
static int CK_S(rnn_dp_rec)(size_t B, size_t U, size_t ng, size_t k0, size_t k1,
                            const real *hp, size_t ldp, const real *dph, const real *R,
                            real beta, real *out, size_t ldo, real *dws)
{
    size_t k;
    for (k = k0; k < k1; ++k) {
        CK_S(rnn_mask_rows)(B, 1, U, hp, ldp, dph + k * B * U, dws);
        CK_TRY(GEMM(0, 0, B, U, U, (real)1, dws, U, R + k * U, ng * U, beta, out + k * U,
                    ldo));
    }
    return CK_OK;
}

/* dh += sum_k (dZ_k R_k^T) . dph_k, k in [k0, k1): the gradient on h_{t-1}
 * through the gates' recurrent products. */
static int CK_S(rnn_dp_dh)(size_t B, size_t U, size_t ng, size_t k0, size_t k1,
                           const real *dZ, size_t ldz, const real *R, const real *dph,
                           real *dh, real *dws)
{
    size_t k;
    for (k = k0; k < k1; ++k) {
        const real *m = dph + k * B * U;
        CK_TRY(GEMM(0, 1, B, U, U, (real)1, dZ + k * U, ldz, R + k * U, ng * U, (real)0, dws,
                    U));
        CK_S(rnn_mul_acc)(B * U, dws, m, dh);
    }
    return CK_OK;
}

/* dR[:, block k] = (Hp . dph_k)^T dZ_k over all B*T rows, k in [k0, k1). */
static int CK_S(rnn_dp_dR)(size_t B, size_t T, size_t U, size_t ng, size_t k0, size_t k1,
                           const real *Hp, const real *dph, const real *dZ, size_t ldz,
                           real *dR, real *dws)
{
    size_t k;
    for (k = k0; k < k1; ++k) {
        CK_S(rnn_mask_rows)(B, T, U, Hp, U, dph + k * B * U, dws);
        CK_TRY(GEMM(1, 0, U, U, B * T, (real)1, dws, U, dZ + k * U, ldz, (real)0,
                    dR + k * U, ng * U));
    }
    return CK_OK;
}

/* dW_k = (x . dpx_k)^T dG_k and dx = sum_k (dG_k W_k^T) . dpx_k (dG rows
 * ldd apart). */
static int CK_S(rnn_dp_input_grads)(size_t B, size_t T, size_t F, size_t U, size_t ng,
                                    const real *x, const real *W, const real *dpx,
                                    const real *dG, size_t ldd, real *dx, real *dW, real *dws)
{
    const size_t N = ng * U, BT = B * T;
    size_t k, bi, t, j;
    if (dW != NULL)
        for (k = 0; k < ng; ++k) {
            CK_S(rnn_mask_rows)(B, T, F, x, F, dpx + k * B * F, dws);
            CK_TRY(GEMM(1, 0, F, U, BT, (real)1, dws, F, dG + k * U, ldd, (real)0, dW + k * U,
                        N));
        }
    if (dx == NULL) return CK_OK;
    CK_S(rnn_zero)(BT * F, dx);
    for (k = 0; k < ng; ++k) {
        const real *m = dpx + k * B * F;
        CK_TRY(GEMM(0, 1, BT, F, U, (real)1, dG + k * U, ldd, W + k * U, N, (real)0, dws, F));
        for (bi = 0; bi < B; ++bi)
            for (t = 0; t < T; ++t) {
                real *o = dx + (bi * T + t) * F;
                const real *a = dws + (bi * T + t) * F;
                for (j = 0; j < F; ++j) o[j] += a[j] * m[bi * F + j];
            }
    }
    return CK_OK;
}

/* The input projection, plain or under input dropout. */
static int CK_S(rnn_proj)(size_t B, size_t T, size_t F, size_t U, size_t ng,
                          const real *x, const real *W, const real *dpx, real *G, real *dws)
{
    if (dpx != NULL) return CK_S(rnn_dp_proj)(B, T, F, U, ng, x, W, dpx, G, dws);
    return GEMM(0, 0, B * T, ng * U, F, (real)1, x, F, W, ng * U, (real)0, G, ng * U);
}

/* dx/dW, plain or under input dropout (dG rows ldd apart). */
static int CK_S(rnn_in_grads)(size_t B, size_t T, size_t F, size_t U, size_t ng,
                              const real *x, const real *W, const real *dpx, const real *dG,
                              size_t ldd, real *dx, real *dW, real *dws)
{
    if (dpx != NULL)
        return CK_S(rnn_dp_input_grads)(B, T, F, U, ng, x, W, dpx, dG, ldd, dx, dW, dws);
    return CK_S(rnn_input_grads)(B * T, F, ng * U, x, W, dG, ldd, dx, dW);
}

/* ------------------------------------------------------------------ LSTM */

/* y[0:N] += h[0:K] R (R row-major K x N, rows ldr apart): the batch-1
 * recurrent product. OpenBLAS sgemm repacks R on every call (4.2 us at
 * 1x128x512); this streams it once, four rows per pass (2.4 us). */
CK_TARGET_CLONES
static void CK_S(rnn_gemv_acc)(size_t K, size_t N, const real *restrict h,
                               const real *restrict R, size_t ldr, real *restrict y)
{
    size_t k = 0, j;
    for (; k + 4 <= K; k += 4) {
        const real h0 = h[k], h1 = h[k + 1], h2 = h[k + 2], h3 = h[k + 3];
        const real *r0 = R + k * ldr, *r1 = r0 + ldr, *r2 = r1 + ldr, *r3 = r2 + ldr;
        for (j = 0; j < N; ++j)
            y[j] += (h0 * r0[j] + h1 * r1[j]) + (h2 * r2[j] + h3 * r3[j]);
    }
    for (; k < K; ++k) {
        const real hk = h[k];
        const real *r = R + k * ldr;
        for (j = 0; j < N; ++j) y[j] += hk * r[j];
    }
}

/* Gates z = [i f c o] (4 blocks of n) through the vectorized ck_act passes,
 * then c = f cp + i c~ (cp may be c) and h = o act(c). (A single fused loop
 * calling the inline sigmoid/tanh for any activation code measured 3x
 * slower: GCC did not vectorize it.) */
static void CK_S(lstm_cell)(size_t n, real *z, const real *cp, real *c, real *h, int act, int ract)
{
    real *zi = z, *zf = z + n, *zc = z + 2 * n, *zo = z + 3 * n;
    size_t k;
    ACT(ract, 2 * n, z, z);
    ACT(act, n, zc, zc);
    ACT(ract, n, zo, zo);
    for (k = 0; k < n; ++k) c[k] = zf[k] * cp[k] + zi[k] * zc[k];
    ACT(act, n, c, h);
    for (k = 0; k < n; ++k) h[k] *= zo[k];
}

#ifdef CK_LSTM_FUSED
/* The tiles' time loop runs each half of the batch through every step on
 * its own (a sample's forward and its dh recurrence need no other sample),
 * the halves fixed by the shape alone: one per thread when the helper
 * comes, both on the caller when not, with the same arithmetic per row
 * either way. ck_threads_run_chunks hands out halves [lo, hi). */
#define CK_RNN_TRAIN_SPLIT_MIN 4

static size_t CK_S(rnn_halves)(size_t B) { return B >= CK_RNN_TRAIN_SPLIT_MIN ? 2 : 1; }

typedef struct {
    size_t B, T, F, U, Bh;
    const real *x, *b, *h0, *c0, *dpx, *dph, *P;
    const uint8_t *mask;
    int gb;
    real *G, *H, *C, *hm, *xm;
} CK_S(lstm_fwd_job);

/* One half's steps under dropout (rows r0, r0 + n): each step's masked
 * operands were written by the step before (double-buffered in xm and hm,
 * as the step's later unit blocks still read the current ones), the
 * first step's here. */
static void CK_S(lstm_fwd_drop_half)(const CK_S(lstm_fwd_job) *j, size_t r0, size_t n)
{
    const size_t B = j->B, T = j->T, F = j->F, U = j->U, G4 = 4 * U;
    const size_t ldg = T * G4, ldh = T * U;
    real *G = j->G + r0 * ldg, *H = j->H + r0 * ldh, *C = j->C + r0 * ldh;
    const real *x = j->x + r0 * T * F;
    size_t s, k, cur = 0;
    for (k = 0; k < 4; ++k) {
        if (j->dpx != NULL)
            CK_S(rnn_mask_rows)(n, 1, F, x + (j->gb ? T - 1 : 0) * F, T * F,
                                j->dpx + k * B * F + r0 * F, j->xm + k * B * F + r0 * F);
        if (j->dph != NULL)
            CK_S(rnn_mask_rows)(n, 1, U, j->h0 + r0 * U, U, j->dph + k * B * U + r0 * U,
                                j->hm + k * B * U + r0 * U);
    }
    for (s = 0; s < T; ++s) {
        const size_t t = j->gb ? T - 1 - s : s, tn = j->gb ? t - 1 : t + 1;
        const size_t ldp = s ? ldh : U;
        const real *hp = s ? H + (s - 1) * U : j->h0 + r0 * U;
        const real *cp = s ? C + (s - 1) * U : j->c0 + r0 * U;
        ck_lstm_drop_ops o;
        memset(&o, 0, sizeof o);
        o.ldx = j->dpx != NULL ? F : T * F;
        o.lda = j->dph != NULL ? U : ldp;
        for (k = 0; k < 4; ++k) {
            real *xm = j->xm + k * B * F + r0 * F, *hm = j->hm + k * B * U + r0 * U;
            o.X[k] = j->dpx != NULL ? xm + cur * 4 * B * F : x + t * F;
            o.A[k] = j->dph != NULL ? hm + cur * 4 * B * U : hp;
            if (s + 1 == T) continue;
            if (j->dpx != NULL) {
                o.mx[k] = j->dpx + k * B * F + r0 * F;
                o.Xn[k] = xm + (cur ^ 1) * 4 * B * F;
            }
            if (j->dph != NULL) {
                o.mh[k] = j->dph + k * B * U + r0 * U;
                o.An[k] = hm + (cur ^ 1) * 4 * B * U;
            }
        }
        if (j->dpx != NULL && s + 1 < T) {
            o.xn = x + tn * F;
            o.ldxn = T * F;
        }
        ck_lstm_train_step_drop_f32(n, F, U, j->P, &o, j->b, hp, cp, ldp, G + t * G4, ldg,
                                    H + s * U, C + s * U, ldh,
                                    j->mask == NULL ? NULL : j->mask + r0 * T + t, T,
                                    s + 1 == T ? NULL : G + tn * G4);
        cur ^= 1;
    }
}

static void CK_S(lstm_fwd_rows)(void *ctx, size_t lo, size_t hi)
{
    const CK_S(lstm_fwd_job) *j = (const CK_S(lstm_fwd_job) *)ctx;
    const size_t B = j->B, T = j->T, F = j->F, U = j->U, G4 = 4 * U;
    const size_t ldg = T * G4, ldh = T * U;
    const ck_fpmode fp = ck_ftz_enter(); /* the helper's own FP state */
    size_t h, s;
    for (h = lo; h < hi; ++h) {
        const size_t r0 = h * j->Bh, n = B - r0 < j->Bh ? B - r0 : j->Bh;
        real *G = j->G + r0 * ldg, *H = j->H + r0 * ldh, *C = j->C + r0 * ldh;
        if (j->dpx != NULL || j->dph != NULL) {
            CK_S(lstm_fwd_drop_half)(j, r0, n);
            continue;
        }
        for (s = 0; s < T; ++s) {
            const size_t t = j->gb ? T - 1 - s : s;
            const size_t ldp = s ? ldh : U;
            const real *hp = s ? H + (s - 1) * U : j->h0 + r0 * U;
            const real *cp = s ? C + (s - 1) * U : j->c0 + r0 * U;
            const real *xt = j->x + r0 * T * F + t * F;
            ck_lstm_train_step_f32(n, F, U, j->P, xt, T * F, j->b, hp, cp, ldp, G + t * G4, ldg,
                                   H + s * U, C + s * U, ldh,
                                   j->mask == NULL ? NULL : j->mask + r0 * T + t, T,
                                   s + 1 == T ? NULL : G + (j->gb ? t - 1 : t + 1) * G4);
        }
    }
    ck_ftz_leave(fp);
}
#endif

int CK_S(ck_lstm_fwd)(size_t B, size_t T, size_t F, size_t U, const real *x, const real *W,
                      const real *R, const real *b, const real *h0, const real *c0,
                      const uint8_t *mask, int gb, int act, int ract, const real *dpx,
                      const real *dph, real *G, real *H, real *C, real *ws)
{
    const size_t G4 = 4 * U, ldg = T * G4, ldh = T * U;
    real *dws = ws;
    size_t s, bi;
#ifdef CK_LSTM_FUSED
    /* The tiles take the input projection and the bias into every step's
     * product ([W; R] packed together): G is written once, in the step,
     * instead of by a GEMM over all steps and again in each step. */
    real *P = ws == NULL ? NULL : ws + ck_rnn_dropout_ws(B, T, F, U), *hm = P + G4 * (F + U);
    real *xm = hm + 8 * B * U;
    const int tiles = ws != NULL && U % 16 == 0 && ck_rnn_train_tiles(act, ract);
#endif
    const int st = ck_rnn_check(act, ract, B == 0 || T == 0 || U == 0, F, x, W, R, h0);
    if (st != CK_RNN_RUN) return st;
    if (c0 == NULL || G == NULL || H == NULL || C == NULL
        || ((dpx != NULL || dph != NULL) && ws == NULL))
        return CK_ERR_ARG;
#ifdef CK_LSTM_FUSED
    if (tiles) {
        const size_t nh = CK_S(rnn_halves)(B);
        CK_S(lstm_fwd_job) j = {B,   T, F,    U,  (B + nh - 1) / nh, x, b, h0, c0, dpx,
                                dph, P, mask, gb, G, H, C, hm, xm};
        if (dpx != NULL || dph != NULL)
            ck_lstm_pack_gate_major_f32(F, U, W, R, P);
        else
            ck_lstm_pack_gates_f32(F, U, W, R, P);
        ck_rnn_run_halves(CK_S(lstm_fwd_rows), &j, nh);
        return CK_OK;
    }
#endif
    /* The input projection of every timestep at once: the big GEMM. */
    CK_TRY(CK_S(rnn_proj)(B, T, F, U, 4, x, W, dpx, G, dws));
    if (b != NULL) CK_S(rnn_add_rows)(B * T, G4, b, G, G4);
    for (s = 0; s < T; ++s) {
        const size_t t = gb ? T - 1 - s : s;
        const real *hp = s ? H + (s - 1) * U : h0;
        const real *cp = s ? C + (s - 1) * U : c0;
        const size_t ldp = s ? ldh : U;
        /* Accumulate h_{s-1} R into the timestep-t rows in place (ld = T*4U). */
        if (dph != NULL)
            CK_TRY(CK_S(rnn_dp_rec)(B, U, 4, 0, 4, hp, ldp, dph, R, (real)1, G + t * G4, ldg,
                                    dws));
        else if (B == 1)
            CK_S(rnn_gemv_acc)(U, G4, hp, R, G4, G + t * G4);
        else
            CK_TRY(GEMM(0, 0, B, G4, U, (real)1, hp, ldp, R, G4, (real)1, G + t * G4, ldg));
        for (bi = 0; bi < B; ++bi) {
            real *g = G + bi * ldg + t * G4;
            real *hout = H + bi * ldh + s * U, *cout = C + bi * ldh + s * U;
            if (mask != NULL && !mask[bi * T + t]) {
                CK_S(rnn_copy)(U, hp + bi * ldp, hout);
                CK_S(rnn_copy)(U, cp + bi * ldp, cout);
                continue;
            }
            CK_S(lstm_cell)(U, g, cp + bi * ldp, cout, hout, act, ract);
        }
    }
    return CK_OK;
}

/* The LSTM backward cell update for one row, on per-gate base pointers
 * with restrict so GCC vectorizes it (through g[3*U+j] with eight pointers
 * it ran scalar). tb = dh*o*act'(c) on entry. */
CK_TARGET_CLONES
static void CK_S(lstm_bwd_cell)(size_t U, const real *restrict g, const real *restrict cpr,
                                const real *restrict ta, const real *restrict tb,
                                real *restrict dhr, real *restrict dcr, real *restrict dz)
{
    const real *restrict gi = g, *restrict gf = g + U, *restrict gc = g + 2 * U;
    real *restrict dzi = dz, *restrict dzf = dz + U, *restrict dzc = dz + 2 * U,
      *restrict dzo = dz + 3 * U;
    size_t j;
    for (j = 0; j < U; ++j) {
        const real dct = dcr[j] + tb[j];
        dzo[j] = dhr[j] * ta[j];
        dzi[j] = dct * gc[j];
        dzc[j] = dct * gi[j];
        dzf[j] = dct * cpr[j];
        dcr[j] = dct * gf[j];
        dhr[j] = (real)0; /* refilled by the dh GEMM */
    }
}

/* The whole backward cell of one row for the default activations (tanh,
 * sigmoid) in one loop, tanh(c_t) recomputed inline, in the generic path's
 * operation order; its seven passes over short rows cost more. */
CK_TARGET_CLONES
static void CK_S(lstm_bwd_row)(size_t U, const real *restrict g, const real *restrict cr,
                               const real *restrict cpr, real *restrict dhr,
                               real *restrict dcr, real *restrict dz, real *restrict db)
{
    const real *restrict gi = g, *restrict gf = g + U, *restrict gc = g + 2 * U,
            *restrict go = g + 3 * U;
    real *restrict dzi = dz, *restrict dzf = dz + U, *restrict dzc = dz + 2 * U,
      *restrict dzo = dz + 3 * U;
    size_t j;
    for (j = 0; j < U; ++j) {
        const real a = CK_S(ck_act_tanh)(cr[j]);
        const real dct = dcr[j] + dhr[j] * go[j] * ((real)1 - a * a);
        dzo[j] = dhr[j] * a * (go[j] * ((real)1 - go[j]));
        dzi[j] = dct * gc[j] * (gi[j] * ((real)1 - gi[j]));
        dzc[j] = dct * gi[j] * ((real)1 - gc[j] * gc[j]);
        dzf[j] = dct * cpr[j] * (gf[j] * ((real)1 - gf[j]));
        dcr[j] = dct * gf[j];
        dhr[j] = (real)0; /* refilled by the dh GEMM */
    }
    /* db here, while the row is in L1, rather than one more pass over all
     * of dG (which does not fit in L2) after the loop. */
    for (j = 0; j < 4 * U; ++j) db[j] += dz[j];
}

/* Fetch n reals from p on (for writing when w): the rows of the backward's
 * next step sit a timestep of every sample apart, and the hardware
 * prefetchers do not run ahead across them. */
static void CK_S(rnn_prefetch)(const real *p, size_t n, int w)
{
#if defined(__GNUC__)
    size_t j;
    for (j = 0; j < n; j += 64 / sizeof(real)) {
        if (w)
            __builtin_prefetch(p + j, 1, 3);
        else
            __builtin_prefetch(p + j, 0, 3);
    }
#else
    (void)p;
    (void)n;
    (void)w;
#endif
}

/* XM = the rows [x_t, h_{t-1}] of Hp (F + U wide) under one gate's input
 * and recurrent masks (rows of gate k's masks start at sample m0), over
 * rows [lo, hi) of B*T: elementwise, so shared with the helper. */
typedef struct {
    size_t T, F, U, m0;
    const real *Hp, *dpx, *dph;
    real *XM;
} CK_S(rnn_masked_rows_job);

static void CK_S(rnn_masked_rows)(void *ctx, size_t lo, size_t hi)
{
    const CK_S(rnn_masked_rows_job) *j = (const CK_S(rnn_masked_rows_job) *)ctx;
    const size_t F = j->F, U = j->U, K = F + U;
    size_t r;
    for (r = lo; r < hi; ++r) {
        const size_t m = j->m0 + r / j->T;
        const real *src = j->Hp + r * K;
        real *dst = j->XM + r * K;
        if (j->dpx != NULL)
            CK_S(rnn_mul)(F, src, j->dpx + m * F, dst);
        else
            CK_S(rnn_copy)(F, src, dst);
        if (j->dph != NULL)
            CK_S(rnn_mul)(U, src + F, j->dph + m * U, dst + F);
        else
            CK_S(rnn_copy)(U, src + F, dst + F);
    }
}

#ifdef CK_LSTM_FUSED
/* The backward's time loop over one half of the batch (see lstm_fwd_rows):
 * its rows' cells, then their dh_{s-1} = dZ R^T against the packed Rt;
 * the half's db sums in dbp + h * 4U (added in a fixed order after), and
 * rows [i0, i1) of its [dW; dR] = [x_t, h_{t-1}]^T dG in wr + h * (F + U)
 * * 4U. The rows dZ of the last CK_RNN_WR_STEPS steps live in a ring, Z +
 * h * zn (a sample's steps adjacent, rows ldz = 4U + 16 apart, so a chunk's
 * rows read unpacked do not all fall into two sets of L1 as rows 2 KB apart
 * did); each time it fills, [dW; dR] takes the chunk's product, from its
 * rows [x_t, h_{t-1}] transposed (then masked per gate under dropout) into
 * Ac + h * acn so the product's broadcasts run along contiguous rows, and
 * when dx is wanted the rows are copied out to dG (B, T, ldz) for it;
 * otherwise no full dG is written. */
typedef struct {
    size_t B, T, F, U, Bh, i0, i1, acn, ldz, zn;
    const real *x, *h0, *c0, *dpx, *dph, *G, *H, *C, *dH, *Rt;
    const uint8_t *mask;
    int gb;
    real *dh, *dc, *dG, *dbp, *wr, *Ac, *Z;
} CK_S(lstm_bwd_job);

/* wr += the [x_t, h_{t-1}] rows of steps [s0, s1) of samples [r0, r1),
 * transposed, times their dZ rows in the ring Zh: per gate under dropout
 * (each gate's rows under its own masks), else once for all 4U columns. */
static void CK_S(lstm_bwd_wr)(const CK_S(lstm_bwd_job) *j, size_t r0, size_t r1, size_t s0,
                              size_t s1, const real *Zh, real *Ac, real *wr)
{
    const size_t T = j->T, F = j->F, U = j->U, G4 = 4 * U, K = F + U, ldh = T * U;
    const size_t ldz = j->ldz, len = s1 - s0, N = (r1 - r0) * len;
    real *tr = Ac; /* and under dropout a gate's masked transpose after it */
    size_t bi, g, n0, i;
    /* the chunk's rows [x_t, h_{t-1}] transposed 16 at a time straight
     * from x and H (copied to rows first, the copies cost as much as the
     * transpose) */
    for (n0 = 0; n0 < N; n0 += 16) {
        const size_t nb = N - n0 < 16 ? N - n0 : 16;
        const real *px[16], *ph[16];
        for (i = 0; i < nb; ++i) {
            const size_t s = s0 + (n0 + i) % len, t = j->gb ? T - 1 - s : s;
            bi = r0 + (n0 + i) / len;
            px[i] = j->x + (bi * T + t) * F;
            ph[i] = s ? j->H + bi * ldh + (s - 1) * U : j->h0 + bi * U;
        }
        ck_rnn_transpose_rows_f32(nb, F, px, tr + n0, N);
        ck_rnn_transpose_rows_f32(nb, U, ph, tr + F * N + n0, N);
    }
    if (j->dpx == NULL && j->dph == NULL) {
        ck_rnn_gemm_tn_acc_f32(j->i1 - j->i0, G4, r1 - r0, len, tr + j->i0 * N, N, Zh, ldz,
                               CK_RNN_WR_STEPS * ldz, wr + j->i0 * G4, G4);
        return;
    }
    /* Each gate's masks are constant along a sample's run of len steps in
     * the transposed rows: the product scales each row tile as it runs
     * (the rows from i0, 0 or F: those of x are the first F - i0). */
    for (g = 0; g < 4; ++g)
        ck_rnn_gemm_tn_acc_runs_f32(
            j->i1 - j->i0, U, r1 - r0, len, tr + j->i0 * N, N, F - j->i0,
            j->dpx == NULL || j->i0 == F ? NULL : j->dpx + (g * j->B + r0) * F, F,
            j->dph == NULL ? NULL : j->dph + (g * j->B + r0) * U, U, Zh + g * U, ldz,
            CK_RNN_WR_STEPS * ldz, wr + j->i0 * G4 + g * U, G4, Ac + N * K);
}

static void CK_S(lstm_bwd_rows)(void *ctx, size_t lo, size_t hi)
{
    const CK_S(lstm_bwd_job) *j = (const CK_S(lstm_bwd_job) *)ctx;
    const size_t B = j->B, T = j->T, F = j->F, U = j->U, G4 = 4 * U;
    const size_t ldg = T * G4, ldh = T * U, K = F + U, ldz = j->ldz;
    const size_t ldr = CK_RNN_WR_STEPS * ldz; /* a sample's ring */
    const ck_fpmode fp = ck_ftz_enter();
    size_t h, s, bi, i, k, q;
    for (h = lo; h < hi; ++h) {
        const size_t r0 = h * j->Bh, r1 = B - r0 < j->Bh ? B : r0 + j->Bh;
        real *db = j->dbp + h * G4, *wr = j->wr == NULL ? NULL : j->wr + h * K * G4;
        real *Zh = j->Z + h * j->zn;
        size_t s1 = T; /* the steps since the last [dW; dR] chunk end here */
        CK_S(rnn_zero)(G4, db);
        if (wr != NULL) CK_S(rnn_zero)(K * G4, wr);
        for (s = T; s-- > 0;) {
            const size_t t = j->gb ? T - 1 - s : s, tn = j->gb ? t + 1 : t - 1;
            const real *cp = s ? j->C + (s - 1) * U : j->c0;
            const size_t ldp = s ? ldh : U;
            real *Zs = Zh + (s % CK_RNN_WR_STEPS) * ldz; /* step s's rows, ldr apart */
            for (bi = r0; j->dH != NULL && bi < r1; ++bi) {
                const real *dHr = j->dH + bi * ldh + s * U;
                real *dhr = j->dh + bi * U;
                if (s > 0) CK_S(rnn_prefetch)(dHr - U, U, 0);
                for (i = 0; i < U; ++i) dhr[i] += dHr[i];
            }
            ck_lstm_train_bwd_rows_f32(r1 - r0, U, j->G + r0 * ldg + t * G4, ldg,
                                       j->C + r0 * ldh + s * U, ldh, cp + r0 * ldp, ldp,
                                       j->dh + r0 * U, j->dc + r0 * U, Zs, ldr, db,
                                       j->mask == NULL ? NULL : j->mask + r0 * T + t, T,
                                       s > 0 ? j->G + r0 * ldg + tn * G4 : NULL,
                                       s > 1 ? j->C + r0 * ldh + (s - 2) * U : NULL);
            /* dh_{s-1} = dZ R^T; masked rows have dZ = 0 and keep their dh. */
            if (j->dph != NULL) {
                for (k = 0; k < 4; ++k)
                    ck_rnn_gemm_packed_f32(r1 - r0, U, U, k * U, G4, Zs + k * U, ldr, j->Rt,
                                           j->dh + r0 * U, U, 1, j->dph + (k * B + r0) * U);
            } else {
                ck_rnn_gemm_packed_f32(r1 - r0, U, G4, 0, G4, Zs, ldr, j->Rt, j->dh + r0 * U, U,
                                       1, NULL);
            }
            if (s % CK_RNN_WR_STEPS != 0) continue;
            if (wr != NULL) CK_S(lstm_bwd_wr)(j, r0, r1, s, s1, Zh, j->Ac + h * j->acn, wr);
            for (bi = r0; j->dG != NULL && bi < r1; ++bi)
                for (q = s; q < s1; ++q)
                    CK_S(rnn_copy)(G4, Zh + (bi - r0) * ldr + (q - s) * ldz,
                                   j->dG + (bi * T + (j->gb ? T - 1 - q : q)) * ldz);
            s1 = s;
        }
    }
    ck_ftz_leave(fp);
}
#endif

int CK_S(ck_lstm_bwd)(size_t B, size_t T, size_t F, size_t U, const real *x, const real *W,
                      const real *R, const real *h0, const real *c0, const uint8_t *mask,
                      int gb, int act, int ract, const real *dpx, const real *dph,
                      const real *G, const real *H, const real *C, const real *dH, real *dh,
                      real *dc, real *dx, real *dW, real *dR, real *db, real *ws, real *dws)
{
    const size_t G4 = 4 * U, ldg = T * G4, ldh = T * U;
    /* The layout of ck_lstm_bwd_ws: dG, R^T, the halves' db sums, two
     * U-vectors, then the BLAS path's rows or the tiles' partial sums. */
    real *dG = ws;
    real *Rt = dG + B * T * (G4 + 16); /* R^T (4U x U): an NN GEMM per step runs ~1.5x faster than NT */
    real *dbp = Rt + G4 * U; /* the db sums of each half of the batch (2 x 4U) */
    real *ta = dbp + 2 * G4, *tb = ta + U;
    real *dbw = db != NULL ? db : dbp; /* the fused rows' db sums */
    real *Hp = tb + U; /* rows [x_t, h_{t-1}] (or h_{t-1}) for the BLAS path's dW, dR */
    real *dWR = Hp + B * T * (F + U); /* [dW; dR] of the merged GEMMs */
    real *XM = dWR + (F + U) * G4; /* [x_t, h_{t-1}] under gate k's dropout masks */
    const int fused = act == CK_ACT_TANH && ract == CK_ACT_SIGMOID;
#ifdef CK_LSTM_FUSED
    const int tiles = U % 16 == 0 && ck_rnn_train_tiles(act, ract);
#endif
    const int both = dW != NULL && dR != NULL;
    size_t s, bi, j;
    const int st = ck_rnn_check(act, ract, B == 0 || T == 0 || U == 0, F, x, W, R, h0);
    if (st == CK_OK)
        ck_rnn_zero_grads(sizeof(real), B * T * F, F * G4, U * G4, G4, dx, dW, dR, db);
    if (st != CK_RNN_RUN) return st;
    if (c0 == NULL || G == NULL || H == NULL || C == NULL || dh == NULL || dc == NULL
        || ws == NULL || ((dpx != NULL || dph != NULL) && dws == NULL))
        return CK_ERR_ARG;
#ifdef CK_LSTM_FUSED
    if (tiles) {
        const size_t nh = CK_S(rnn_halves)(B), Bh = (B + nh - 1) / nh, K = F + U;
        const size_t ldz = G4 + 16;
        const size_t steps = T < CK_RNN_WR_STEPS ? T : CK_RNN_WR_STEPS;
        const int wanted = dW != NULL || dR != NULL;
        /* wr: Hp and on, the halves' [dW; dR] (the BLAS path's rows are not
         * needed), then their chunks' rows. */
        CK_S(lstm_bwd_job) jb = {B,
                                 T,
                                 F,
                                 U,
                                 Bh,
                                 dW != NULL ? 0 : F,
                                 dR != NULL ? K : F,
                                 6 * steps * Bh * K,
                                 ldz,
                                 CK_RNN_WR_STEPS * Bh * ldz,
                                 x,
                                 h0,
                                 c0,
                                 dpx,
                                 dph,
                                 G,
                                 H,
                                 C,
                                 dH,
                                 Rt,
                                 mask,
                                 gb,
                                 dh,
                                 dc,
                                 dx != NULL ? dG : NULL,
                                 dbp,
                                 wanted ? Hp : NULL,
                                 Hp + 2 * K * G4,
                                 Hp + 2 * K * G4 + 6 * steps * (B + 1) * K};
        ck_rnn_pack_f32(G4, U, R, G4, 1, Rt);
        ck_rnn_run_halves(CK_S(lstm_bwd_rows), &jb, nh);
        if (db != NULL)
            for (j = 0; j < G4; ++j) db[j] = nh == 2 ? dbp[j] + dbp[G4 + j] : dbp[j];
        for (j = 0; wanted && j < K * G4; ++j) {
            const real v = nh == 2 ? Hp[j] + Hp[K * G4 + j] : Hp[j];
            if (j < F * G4) {
                if (dW != NULL) dW[j] = v;
            } else if (dR != NULL) {
                dR[j - F * G4] = v;
            }
        }
        CK_TRY(CK_S(rnn_in_grads)(B, T, F, U, 4, x, W, dpx, dG, ldz, dx, NULL, dws));
        return CK_OK;
    } else
#endif
    {
        for (j = 0; j < U; ++j) {
            const real *rj = R + j * G4;
            for (s = 0; s < G4; ++s) Rt[s * U + j] = rj[s];
        }
        if (fused) CK_S(rnn_zero)(G4, dbw);
        for (s = T; s-- > 0;) {
            const size_t t = gb ? T - 1 - s : s, tn = gb ? t + 1 : t - 1;
            const real *cp = s ? C + (s - 1) * U : c0;
            const size_t ldp = s ? ldh : U;
            for (bi = 0; bi < B; ++bi) {
                real *dhr = dh + bi * U, *dcr = dc + bi * U;
                real *dz = dG + bi * ldg + t * G4;
                const real *g = G + bi * ldg + t * G4;
                const real *cr = C + bi * ldh + s * U, *cpr = cp + bi * ldp;
                if (s > 0) {
                    CK_S(rnn_prefetch)(G + bi * ldg + tn * G4, G4, 0);
                    CK_S(rnn_prefetch)(dG + bi * ldg + tn * G4, G4, 1);
                    if (s > 1) CK_S(rnn_prefetch)(C + bi * ldh + (s - 2) * U, U, 0);
                    if (dH != NULL) CK_S(rnn_prefetch)(dH + bi * ldh + (s - 1) * U, U, 0);
                }
                if (dH != NULL) {
                    const real *dHr = dH + bi * ldh + s * U;
                    for (j = 0; j < U; ++j) dhr[j] += dHr[j];
                }
                if (mask != NULL && !mask[bi * T + t]) {
                    CK_S(rnn_zero)(G4, dz); /* states carried: dh, dc pass through */
                    continue;
                }
                if (fused) {
                    CK_S(lstm_bwd_row)(U, g, cr, cpr, dhr, dcr, dz, dbw);
                    continue;
                }
                ACT(act, U, cr, ta); /* act(c_t), recomputed rather than stored */
                for (j = 0; j < U; ++j) tb[j] = dhr[j] * g[3 * U + j];
                CK_S(rnn_dact)(act, U, ta, tb);
                CK_S(lstm_bwd_cell)(U, g, cpr, ta, tb, dhr, dcr, dz);
                CK_S(rnn_dact)(ract, 2 * U, g, dz);
                CK_S(rnn_dact)(act, U, g + 2 * U, dz + 2 * U);
                CK_S(rnn_dact)(ract, U, g + 3 * U, dz + 3 * U);
            }
            /* dh_{s-1} = dZ R^T; masked rows have dZ = 0 and keep their dh. */
            if (dph != NULL)
                CK_TRY(CK_S(rnn_dp_dh)(B, U, 4, 0, 4, dG + t * G4, ldg, R, dph, dh, dws));
            else
                CK_TRY(GEMM(0, 0, B, U, G4, (real)1, dG + t * G4, ldg, Rt, U, (real)1, dh, U));
        }
    }
    if (both) {
        /* [dW; dR] = [x, h_{t-1}]^T dG as one GEMM (per gate under
         * dropout, on the masked rows): dG (B*T x 4U) outgrows L2, and
         * separate GEMMs would each pack it from memory. Hp here holds the
         * rows [x_t, h_{t-1}]. */
        const size_t K = F + U, BT = B * T;
        size_t k;
        for (j = 0; j < BT; ++j) CK_S(rnn_copy)(F, x + j * F, Hp + j * K);
        CK_S(rnn_prev_states)(B, T, U, gb, h0, H, Hp + F, K);
        if (dpx == NULL && dph == NULL)
            CK_TRY(GEMM(1, 0, K, G4, BT, (real)1, Hp, K, dG, G4, (real)0, dWR, G4));
        for (k = 0; (dpx != NULL || dph != NULL) && k < 4; ++k) {
            CK_S(rnn_masked_rows_job) jm = {T, F, U, B * k, Hp, dpx, dph, XM};
            ck_threads_run_chunks(CK_S(rnn_masked_rows), &jm, BT, (BT + 1) / 2);
            CK_TRY(GEMM(1, 0, K, U, BT, (real)1, XM, K, dG + k * U, G4, (real)0, dWR + k * U,
                        G4));
        }
        CK_S(rnn_copy)(F * G4, dWR, dW);
        CK_S(rnn_copy)(U * G4, dWR + F * G4, dR);
        CK_TRY(CK_S(rnn_in_grads)(B, T, F, U, 4, x, W, dpx, dG, G4, dx, NULL, dws));
        if (db != NULL && !fused) CK_S(rnn_colsum)(BT, G4, dG, G4, db);
        return CK_OK;
    }
    CK_TRY(CK_S(rnn_in_grads)(B, T, F, U, 4, x, W, dpx, dG, G4, dx, dW, dws));
    if (dR != NULL) {
        CK_S(rnn_prev_states)(B, T, U, gb, h0, H, Hp, U);
        if (dph != NULL)
            CK_TRY(CK_S(rnn_dp_dR)(B, T, U, 4, 0, 4, Hp, dph, dG, G4, dR, dws));
        else
            CK_TRY(GEMM(1, 0, U, G4, B * T, (real)1, Hp, U, dG, G4, (real)0, dR, G4));
    }
    if (db != NULL && !fused) CK_S(rnn_colsum)(B * T, G4, dG, G4, db);
    return CK_OK;
}

/* ------------------------------------------------------------------- GRU */

int CK_S(ck_gru_fwd)(size_t B, size_t T, size_t F, size_t U, int ra, const real *x,
                     const real *W, const real *R, const real *b, const real *h0,
                     const uint8_t *mask, int gb, int act, int ract, const real *dpx,
                     const real *dph, real *G, real *H, real *HZH, real *ws, real *dws)
{
    const size_t G3 = 3 * U, ldg = T * G3, ldh = T * U;
    size_t s, bi, j;
    const int st = ck_rnn_check(act, ract, B == 0 || T == 0 || U == 0, F, x, W, R, h0);
    if (st != CK_RNN_RUN) return st;
    if (G == NULL || H == NULL || ws == NULL || (ra && HZH == NULL)
        || ((dpx != NULL || dph != NULL) && dws == NULL))
        return CK_ERR_ARG;
    CK_TRY(CK_S(rnn_proj)(B, T, F, U, 3, x, W, dpx, G, dws));
    if (b != NULL) CK_S(rnn_add_rows)(B * T, G3, b, G, G3);
    for (s = 0; s < T; ++s) {
        const size_t t = gb ? T - 1 - s : s;
        const real *hp = s ? H + (s - 1) * U : h0;
        const size_t ldp = s ? ldh : U;
        if (ra) {
            /* reset_after: one recurrent GEMM per step into HZ = h R + b1. */
            real *HZ = ws;
            if (dph != NULL)
                CK_TRY(CK_S(rnn_dp_rec)(B, U, 3, 0, 3, hp, ldp, dph, R, (real)0, HZ, G3, dws));
            else
                CK_TRY(GEMM(0, 0, B, G3, U, (real)1, hp, ldp, R, G3, (real)0, HZ, G3));
            if (b != NULL) CK_S(rnn_add_rows)(B, G3, b + G3, HZ, G3);
            for (bi = 0; bi < B; ++bi) {
                real *g = G + bi * ldg + t * G3, *hz = HZ + bi * G3;
                const real *hpr = hp + bi * ldp;
                real *hout = H + bi * ldh + s * U;
                CK_S(rnn_copy)(U, hz + 2 * U, HZH + bi * ldh + t * U);
                if (mask != NULL && !mask[bi * T + t]) {
                    CK_S(rnn_copy)(U, hpr, hout);
                    continue;
                }
                for (j = 0; j < 2 * U; ++j) g[j] += hz[j];
                ACT(ract, 2 * U, g, g);
                for (j = 0; j < U; ++j) g[2 * U + j] += g[U + j] * hz[2 * U + j];
                ACT(act, U, g + 2 * U, g + 2 * U);
                for (j = 0; j < U; ++j)
                    hout[j] = g[j] * hpr[j] + ((real)1 - g[j]) * g[2 * U + j];
            }
        } else {
            /* reset_before: z, r need h R_zr; the candidate needs (r*h) R_h,
             * so two dependent GEMMs per step. */
            real *RH = ws;
            if (dph != NULL)
                CK_TRY(CK_S(rnn_dp_rec)(B, U, 3, 0, 2, hp, ldp, dph, R, (real)1, G + t * G3,
                                        ldg, dws));
            else
                CK_TRY(GEMM(0, 0, B, 2 * U, U, (real)1, hp, ldp, R, G3, (real)1, G + t * G3,
                            ldg));
            for (bi = 0; bi < B; ++bi) {
                real *g = G + bi * ldg + t * G3, *rh = RH + bi * U;
                const real *hpr = hp + bi * ldp;
                if (mask != NULL && !mask[bi * T + t]) {
                    CK_S(rnn_zero)(U, rh);
                    continue;
                }
                ACT(ract, 2 * U, g, g);
                if (dph != NULL) {
                    const real *m = dph + 2 * B * U + bi * U;
                    for (j = 0; j < U; ++j) rh[j] = g[U + j] * (hpr[j] * m[j]);
                } else {
                    for (j = 0; j < U; ++j) rh[j] = g[U + j] * hpr[j];
                }
            }
            CK_TRY(GEMM(0, 0, B, U, U, (real)1, RH, U, R + 2 * U, G3, (real)1,
                        G + t * G3 + 2 * U, ldg));
            for (bi = 0; bi < B; ++bi) {
                real *g = G + bi * ldg + t * G3;
                const real *hpr = hp + bi * ldp;
                real *hout = H + bi * ldh + s * U;
                if (mask != NULL && !mask[bi * T + t]) {
                    CK_S(rnn_copy)(U, hpr, hout);
                    continue;
                }
                ACT(act, U, g + 2 * U, g + 2 * U);
                for (j = 0; j < U; ++j)
                    hout[j] = g[j] * hpr[j] + ((real)1 - g[j]) * g[2 * U + j];
            }
        }
    }
    return CK_OK;
}

int CK_S(ck_gru_bwd)(size_t B, size_t T, size_t F, size_t U, int ra, const real *x,
                     const real *W, const real *R, const real *h0, const uint8_t *mask,
                     int gb, int act, int ract, const real *dpx, const real *dph,
                     const real *G, const real *H, const real *HZH, const real *dH, real *dh,
                     real *dx, real *dW, real *dR, real *db, real *ws, real *dws)
{
    const size_t G3 = 3 * U, ldg = T * G3, ldh = T * U, BT = B * T;
    real *dG = ws, *dGR = ws + BT * G3;              /* dGR: reset_after only */
    real *Hp = ra ? dGR + BT * G3 : ws + BT * G3;
    real *RH = Hp + BT * U, *drh = RH + BT * U;      /* reset_before only */
    size_t s, bi, j;
    const int st = ck_rnn_check(act, ract, B == 0 || T == 0 || U == 0, F, x, W, R, h0);
    if (st == CK_OK)
        ck_rnn_zero_grads(sizeof(real), BT * F, F * G3, U * G3, ra ? 2 * G3 : G3, dx, dW, dR,
                          db);
    if (st != CK_RNN_RUN) return st;
    if (G == NULL || H == NULL || dh == NULL || ws == NULL || (ra && HZH == NULL)
        || ((dpx != NULL || dph != NULL) && dws == NULL))
        return CK_ERR_ARG;
    for (s = T; s-- > 0;) {
        const size_t t = gb ? T - 1 - s : s;
        const real *hp = s ? H + (s - 1) * U : h0;
        const size_t ldp = s ? ldh : U;
        for (bi = 0; bi < B; ++bi) {
            real *dhr = dh + bi * U, *dg = dG + bi * ldg + t * G3;
            const real *g = G + bi * ldg + t * G3, *hpr = hp + bi * ldp;
            const int off = mask != NULL && !mask[bi * T + t];
            if (dH != NULL) {
                const real *dHr = dH + bi * ldh + s * U;
                for (j = 0; j < U; ++j) dhr[j] += dHr[j];
            }
            if (off) {
                CK_S(rnn_zero)(G3, dg);
                if (ra) CK_S(rnn_zero)(G3, dGR + bi * ldg + t * G3);
                continue;
            }
            for (j = 0; j < U; ++j) {
                dg[j] = dhr[j] * (hpr[j] - g[2 * U + j]);
                dg[2 * U + j] = dhr[j] * ((real)1 - g[j]);
            }
            CK_S(rnn_dact)(act, U, g + 2 * U, dg + 2 * U);
            if (ra) {
                real *dgr = dGR + bi * ldg + t * G3;
                const real *hzh = HZH + bi * ldh + t * U;
                for (j = 0; j < U; ++j) {
                    dg[U + j] = dg[2 * U + j] * hzh[j];
                    dhr[j] *= g[j];
                }
                CK_S(rnn_dact)(ract, 2 * U, g, dg);
                for (j = 0; j < 2 * U; ++j) dgr[j] = dg[j];
                for (j = 0; j < U; ++j) dgr[2 * U + j] = dg[2 * U + j] * g[U + j];
            }
        }
        if (ra) {
            if (dph != NULL)
                CK_TRY(CK_S(rnn_dp_dh)(B, U, 3, 0, 3, dGR + t * G3, ldg, R, dph, dh, dws));
            else
                CK_TRY(GEMM(0, 1, B, U, G3, (real)1, dGR + t * G3, ldg, R, G3, (real)1, dh, U));
            continue;
        }
        /* d(r*h) = dA_h R_h^T, needed before dr. */
        CK_TRY(GEMM(0, 1, B, U, U, (real)1, dG + t * G3 + 2 * U, ldg, R + 2 * U, G3, (real)0,
                    drh, U));
        for (bi = 0; bi < B; ++bi) {
            real *dhr = dh + bi * U, *dg = dG + bi * ldg + t * G3, *d = drh + bi * U;
            const real *g = G + bi * ldg + t * G3, *hpr = hp + bi * ldp;
            if (mask != NULL && !mask[bi * T + t]) continue;
            if (dph != NULL) {
                /* the candidate read r * (h . dph_h) */
                const real *m = dph + 2 * B * U + bi * U;
                for (j = 0; j < U; ++j) {
                    dg[U + j] = d[j] * (hpr[j] * m[j]);
                    dhr[j] = dhr[j] * g[j] + d[j] * g[U + j] * m[j];
                }
            } else {
                for (j = 0; j < U; ++j) {
                    dg[U + j] = d[j] * hpr[j];
                    dhr[j] = dhr[j] * g[j] + d[j] * g[U + j];
                }
            }
            CK_S(rnn_dact)(ract, 2 * U, g, dg);
        }
        if (dph != NULL)
            CK_TRY(CK_S(rnn_dp_dh)(B, U, 3, 0, 2, dG + t * G3, ldg, R, dph, dh, dws));
        else
            CK_TRY(GEMM(0, 1, B, U, 2 * U, (real)1, dG + t * G3, ldg, R, G3, (real)1, dh, U));
    }
    CK_TRY(CK_S(rnn_in_grads)(B, T, F, U, 3, x, W, dpx, dG, G3, dx, dW, dws));
    if (dR != NULL) CK_S(rnn_prev_states)(B, T, U, gb, h0, H, Hp, U);
    if (ra) {
        if (dR != NULL && dph != NULL)
            CK_TRY(CK_S(rnn_dp_dR)(B, T, U, 3, 0, 3, Hp, dph, dGR, G3, dR, dws));
        else if (dR != NULL)
            CK_TRY(GEMM(1, 0, U, G3, BT, (real)1, Hp, U, dGR, G3, (real)0, dR, G3));
        if (db != NULL) {
            CK_S(rnn_colsum)(BT, G3, dG, G3, db);
            CK_S(rnn_colsum)(BT, G3, dGR, G3, db + G3);
        }
        return CK_OK;
    }
    if (dR != NULL) {
        size_t i;
        for (i = 0; i < BT; ++i) {
            const real *r = G + i * G3 + U, *hpi = Hp + i * U;
            real *rh = RH + i * U;
            for (j = 0; j < U; ++j) rh[j] = r[j] * hpi[j];
            if (dph != NULL) {
                const real *m = dph + 2 * B * U + (i / T) * U;
                for (j = 0; j < U; ++j) rh[j] *= m[j];
            }
        }
        if (dph != NULL)
            CK_TRY(CK_S(rnn_dp_dR)(B, T, U, 3, 0, 2, Hp, dph, dG, G3, dR, dws));
        else
            CK_TRY(GEMM(1, 0, U, 2 * U, BT, (real)1, Hp, U, dG, G3, (real)0, dR, G3));
        CK_TRY(GEMM(1, 0, U, U, BT, (real)1, RH, U, dG + 2 * U, G3, (real)0, dR + 2 * U, G3));
    }
    if (db != NULL) CK_S(rnn_colsum)(BT, G3, dG, G3, db);
    return CK_OK;
}

/* ------------------------------------------------------------- SimpleRNN */

int CK_S(ck_simple_fwd)(size_t B, size_t T, size_t F, size_t U, const real *x,
                        const real *W, const real *R, const real *b, const real *h0,
                        const uint8_t *mask, int gb, int act, const real *dpx,
                        const real *dph, real *G, real *H, real *dws)
{
    const size_t ldg = T * U;
    size_t s, bi;
    const int st = ck_rnn_check(act, act, B == 0 || T == 0 || U == 0, F, x, W, R, h0);
    if (st != CK_RNN_RUN) return st;
    if (G == NULL || H == NULL || ((dpx != NULL || dph != NULL) && dws == NULL))
        return CK_ERR_ARG;
    CK_TRY(CK_S(rnn_proj)(B, T, F, U, 1, x, W, dpx, G, dws));
    if (b != NULL) CK_S(rnn_add_rows)(B * T, U, b, G, U);
    for (s = 0; s < T; ++s) {
        const size_t t = gb ? T - 1 - s : s;
        const real *hp = s ? H + (s - 1) * U : h0;
        const size_t ldp = s ? ldg : U;
        if (dph != NULL)
            CK_TRY(CK_S(rnn_dp_rec)(B, U, 1, 0, 1, hp, ldp, dph, R, (real)1, G + t * U, ldg,
                                    dws));
        else
            CK_TRY(GEMM(0, 0, B, U, U, (real)1, hp, ldp, R, U, (real)1, G + t * U, ldg));
        for (bi = 0; bi < B; ++bi) {
            real *hout = H + bi * ldg + s * U;
            if (mask != NULL && !mask[bi * T + t])
                CK_S(rnn_copy)(U, hp + bi * ldp, hout);
            else
                ACT(act, U, G + bi * ldg + t * U, hout);
        }
    }
    return CK_OK;
}

int CK_S(ck_simple_bwd)(size_t B, size_t T, size_t F, size_t U, const real *x,
                        const real *W, const real *R, const real *h0, const uint8_t *mask,
                        int gb, int act, const real *dpx, const real *dph, const real *H,
                        const real *dH, real *dh, real *dx, real *dW, real *dR, real *db,
                        real *ws, real *dws)
{
    const size_t ldg = T * U, BT = B * T;
    real *dG = ws, *Hp = ws + BT * U;
    size_t s, bi, j;
    const int st = ck_rnn_check(act, act, B == 0 || T == 0 || U == 0, F, x, W, R, h0);
    if (st == CK_OK) ck_rnn_zero_grads(sizeof(real), BT * F, F * U, U * U, U, dx, dW, dR, db);
    if (st != CK_RNN_RUN) return st;
    if (H == NULL || dh == NULL || ws == NULL || ((dpx != NULL || dph != NULL) && dws == NULL))
        return CK_ERR_ARG;
    for (s = T; s-- > 0;) {
        const size_t t = gb ? T - 1 - s : s;
        for (bi = 0; bi < B; ++bi) {
            real *dhr = dh + bi * U, *dg = dG + bi * ldg + t * U;
            if (dH != NULL) {
                const real *dHr = dH + bi * ldg + s * U;
                for (j = 0; j < U; ++j) dhr[j] += dHr[j];
            }
            if (mask != NULL && !mask[bi * T + t]) {
                CK_S(rnn_zero)(U, dg);
                continue;
            }
            CK_S(rnn_copy)(U, dhr, dg);
            CK_S(rnn_dact)(act, U, H + bi * ldg + s * U, dg);
            CK_S(rnn_zero)(U, dhr);
        }
        if (dph != NULL)
            CK_TRY(CK_S(rnn_dp_dh)(B, U, 1, 0, 1, dG + t * U, ldg, R, dph, dh, dws));
        else
            CK_TRY(GEMM(0, 1, B, U, U, (real)1, dG + t * U, ldg, R, U, (real)1, dh, U));
    }
    CK_TRY(CK_S(rnn_in_grads)(B, T, F, U, 1, x, W, dpx, dG, U, dx, dW, dws));
    if (dR != NULL) {
        CK_S(rnn_prev_states)(B, T, U, gb, h0, H, Hp, U);
        if (dph != NULL)
            CK_TRY(CK_S(rnn_dp_dR)(B, T, U, 1, 0, 1, Hp, dph, dG, U, dR, dws));
        else
            CK_TRY(GEMM(1, 0, U, U, BT, (real)1, Hp, U, dG, U, (real)0, dR, U));
    }
    if (db != NULL) CK_S(rnn_colsum)(BT, U, dG, U, db);
    return CK_OK;
}
