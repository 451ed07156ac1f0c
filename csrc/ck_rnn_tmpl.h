/* Body of ck_rnn.c for one precision. Included twice by ck_rnn.c with T
 * (element type) and CK_SUF (f32/f64) defined; not a public header. */

#define CK_S(name) CK_RNN_CAT(name, CK_SUF)
#define GEMM CK_S(ck_gemm_)
#define ACT CK_S(ck_act_fwd_)
#define CK_TRY(call) do { int st_ = (call); if (st_ != CK_OK) return st_; } while (0)

/* d *= act'(.) from the activation's output y; the switch sits outside the
 * loops so each one is a straight vectorizable body. */
CK_TARGET_CLONES
static void CK_S(rnn_dact_)(int code, size_t n, const T *restrict y, T *restrict d)
{
    size_t j;
    switch (code) {
    case CK_ACT_RELU:
        for (j = 0; j < n; ++j) d[j] = y[j] > (T)0 ? d[j] : (T)0;
        break;
    case CK_ACT_SIGMOID:
        for (j = 0; j < n; ++j) d[j] *= y[j] * ((T)1 - y[j]);
        break;
    case CK_ACT_TANH:
        for (j = 0; j < n; ++j) d[j] *= (T)1 - y[j] * y[j];
        break;
    case CK_ACT_HARD_SIGMOID:
        for (j = 0; j < n; ++j)
            d[j] = (y[j] > (T)0 && y[j] < (T)1) ? d[j] * (T)0.2 : (T)0;
        break;
    default: /* linear */
        break;
    }
}

static void CK_S(rnn_add_rows_)(size_t rows, size_t cols, const T *b, T *y, size_t ldy)
{
    size_t i, j;
    for (i = 0; i < rows; ++i) {
        T *yi = y + i * ldy;
        for (j = 0; j < cols; ++j) yi[j] += b[j];
    }
}

/* out[j] = sum_i A[i, j]; rows outer so the inner loop runs along j. */
static void CK_S(rnn_colsum_)(size_t rows, size_t cols, const T *A, size_t lda, T *out)
{
    size_t i, j;
    for (j = 0; j < cols; ++j) out[j] = (T)0;
    for (i = 0; i < rows; ++i) {
        const T *ai = A + i * lda;
        for (j = 0; j < cols; ++j) out[j] += ai[j];
    }
}

static void CK_S(rnn_copy_)(size_t n, const T *src, T *dst)
{
    size_t j;
    for (j = 0; j < n; ++j) dst[j] = src[j];
}

static void CK_S(rnn_zero_)(size_t n, T *dst)
{
    size_t j;
    for (j = 0; j < n; ++j) dst[j] = (T)0;
}

/* Hp[b, t(s)] = h_{s-1}: the previous state aligned with the input-time
 * gate rows, so dR is one GEMM over all B*T rows. */
static void CK_S(rnn_prev_states_)(size_t B, size_t T_, size_t U, int gb, const T *h0,
                                   const T *H, T *Hp)
{
    size_t bi, s;
    for (bi = 0; bi < B; ++bi)
        for (s = 0; s < T_; ++s) {
            const size_t t = gb ? T_ - 1 - s : s;
            const T *src = s ? H + (bi * T_ + s - 1) * U : h0 + bi * U;
            CK_S(rnn_copy_)(U, src, Hp + (bi * T_ + t) * U);
        }
}

/* The weight gradients shared by every unit, as GEMMs over all B*T rows:
 * dW = x^T dG, dx = dG W^T. */
static int CK_S(rnn_input_grads_)(size_t BT, size_t F, size_t N, const T *x,
                                  const T *W, const T *dG, T *dx, T *dW)
{
    if (dW != NULL) CK_TRY(GEMM(1, 0, F, N, BT, (T)1, x, F, dG, N, (T)0, dW, N));
    if (dx != NULL) CK_TRY(GEMM(0, 1, BT, F, N, (T)1, dG, N, W, N, (T)0, dx, F));
    return CK_OK;
}

/* ------------------------------------------------------------------ LSTM */

/* y[0:N] += h[0:K] R (R row-major K x N, rows ldr apart): the batch-1
 * recurrent product. OpenBLAS sgemm repacks R on every call (4.2 us at
 * 1x128x512); this streams it once, four rows per pass (2.4 us). */
CK_TARGET_CLONES
static void CK_S(rnn_gemv_acc_)(size_t K, size_t N, const T *restrict h,
                                const T *restrict R, size_t ldr, T *restrict y)
{
    size_t k = 0, j;
    for (; k + 4 <= K; k += 4) {
        const T h0 = h[k], h1 = h[k + 1], h2 = h[k + 2], h3 = h[k + 3];
        const T *r0 = R + k * ldr, *r1 = r0 + ldr, *r2 = r1 + ldr, *r3 = r2 + ldr;
        for (j = 0; j < N; ++j)
            y[j] += (h0 * r0[j] + h1 * r1[j]) + (h2 * r2[j] + h3 * r3[j]);
    }
    for (; k < K; ++k) {
        const T hk = h[k];
        const T *r = R + k * ldr;
        for (j = 0; j < N; ++j) y[j] += hk * r[j];
    }
}

/* Gates z = [i f c o] (4 blocks of n) through the vectorized ck_act passes,
 * then c = f cp + i c~ (cp may be c) and h = o act(c). (A single fused loop
 * calling the inline sigmoid/tanh for any activation code measured 3x
 * slower: GCC did not vectorize it.) */
static void CK_S(lstm_cell_)(size_t n, T *z, const T *cp, T *c, T *h, int act, int ract)
{
    T *zi = z, *zf = z + n, *zc = z + 2 * n, *zo = z + 3 * n;
    size_t k;
    ACT(ract, 2 * n, z, z);
    ACT(act, n, zc, zc);
    ACT(ract, n, zo, zo);
    for (k = 0; k < n; ++k) c[k] = zf[k] * cp[k] + zi[k] * zc[k];
    ACT(act, n, c, h);
    for (k = 0; k < n; ++k) h[k] *= zo[k];
}

int CK_S(ck_lstm_fwd_)(size_t B, size_t T_, size_t F, size_t U, const T *x,
                       const T *W, const T *R, const T *b, const T *h0, const T *c0,
                       const uint8_t *mask, int gb, int act, int ract, T *G, T *H,
                       T *C)
{
    const size_t G4 = 4 * U, ldg = T_ * G4, ldh = T_ * U;
    size_t s, bi;
    if (!ck_rnn_code_ok(act) || !ck_rnn_code_ok(ract)) return CK_ERR_CODE;
    if (B == 0 || T_ == 0 || U == 0) return CK_OK;
    if (W == NULL || R == NULL || h0 == NULL || c0 == NULL || G == NULL || H == NULL
        || C == NULL || (F > 0 && x == NULL))
        return CK_ERR_ARG;
    /* The input projection of every timestep at once: the big GEMM. */
    CK_TRY(GEMM(0, 0, B * T_, G4, F, (T)1, x, F, W, G4, (T)0, G, G4));
    if (b != NULL) CK_S(rnn_add_rows_)(B * T_, G4, b, G, G4);
    for (s = 0; s < T_; ++s) {
        const size_t t = gb ? T_ - 1 - s : s;
        const T *hp = s ? H + (s - 1) * U : h0;
        const T *cp = s ? C + (s - 1) * U : c0;
        const size_t ldp = s ? ldh : U;
        /* Accumulate h_{s-1} R into the timestep-t rows in place (ld = T*4U). */
        if (B == 1)
            CK_S(rnn_gemv_acc_)(U, G4, hp, R, G4, G + t * G4);
        else
            CK_TRY(GEMM(0, 0, B, G4, U, (T)1, hp, ldp, R, G4, (T)1, G + t * G4, ldg));
        for (bi = 0; bi < B; ++bi) {
            T *g = G + bi * ldg + t * G4;
            T *hout = H + bi * ldh + s * U, *cout = C + bi * ldh + s * U;
            if (mask != NULL && !mask[bi * T_ + t]) {
                CK_S(rnn_copy_)(U, hp + bi * ldp, hout);
                CK_S(rnn_copy_)(U, cp + bi * ldp, cout);
                continue;
            }
            CK_S(lstm_cell_)(U, g, cp + bi * ldp, cout, hout, act, ract);
        }
    }
    return CK_OK;
}

/* The LSTM backward cell update for one row, on per-gate base pointers
 * with restrict so GCC vectorizes it (through g[3*U+j] with eight pointers
 * it ran scalar). tb = dh*o*act'(c) on entry. */
CK_TARGET_CLONES
static void CK_S(lstm_bwd_cell_)(size_t U, const T *restrict g, const T *restrict cpr,
                                 const T *restrict ta, const T *restrict tb,
                                 T *restrict dhr, T *restrict dcr, T *restrict dz)
{
    const T *restrict gi = g, *restrict gf = g + U, *restrict gc = g + 2 * U;
    T *restrict dzi = dz, *restrict dzf = dz + U, *restrict dzc = dz + 2 * U,
      *restrict dzo = dz + 3 * U;
    size_t j;
    for (j = 0; j < U; ++j) {
        const T dct = dcr[j] + tb[j];
        dzo[j] = dhr[j] * ta[j];
        dzi[j] = dct * gc[j];
        dzc[j] = dct * gi[j];
        dzf[j] = dct * cpr[j];
        dcr[j] = dct * gf[j];
        dhr[j] = (T)0; /* refilled by the dh GEMM */
    }
}

/* The whole backward cell of one row for the default activations (tanh,
 * sigmoid) in one loop, tanh(c_t) recomputed inline, in the generic path's
 * operation order; its seven passes over short rows cost more. */
CK_TARGET_CLONES
static void CK_S(lstm_bwd_row_)(size_t U, const T *restrict g, const T *restrict cr,
                                const T *restrict cpr, T *restrict dhr, T *restrict dcr,
                                T *restrict dz)
{
    const T *restrict gi = g, *restrict gf = g + U, *restrict gc = g + 2 * U,
            *restrict go = g + 3 * U;
    T *restrict dzi = dz, *restrict dzf = dz + U, *restrict dzc = dz + 2 * U,
      *restrict dzo = dz + 3 * U;
    size_t j;
    for (j = 0; j < U; ++j) {
        const T a = CK_S(ck_act_tanh_)(cr[j]);
        const T dct = dcr[j] + dhr[j] * go[j] * ((T)1 - a * a);
        dzo[j] = dhr[j] * a * (go[j] * ((T)1 - go[j]));
        dzi[j] = dct * gc[j] * (gi[j] * ((T)1 - gi[j]));
        dzc[j] = dct * gi[j] * ((T)1 - gc[j] * gc[j]);
        dzf[j] = dct * cpr[j] * (gf[j] * ((T)1 - gf[j]));
        dcr[j] = dct * gf[j];
        dhr[j] = (T)0; /* refilled by the dh GEMM */
    }
}

int CK_S(ck_lstm_bwd_)(size_t B, size_t T_, size_t F, size_t U, const T *x,
                       const T *W, const T *R, const T *h0, const T *c0,
                       const uint8_t *mask, int gb, int act, int ract, const T *G,
                       const T *H, const T *C, const T *dH, T *dh, T *dc, T *dx,
                       T *dW, T *dR, T *db, T *ws)
{
    const size_t G4 = 4 * U, ldg = T_ * G4, ldh = T_ * U;
    T *dG = ws, *Hp = ws + B * T_ * G4, *ta = Hp + B * T_ * U, *tb = ta + U;
    T *Rt = tb + U; /* R^T (4U x U): an NN GEMM per step runs ~1.5x faster than NT */
    const int fused = act == CK_ACT_TANH && ract == CK_ACT_SIGMOID;
    size_t s, bi, j;
    if (!ck_rnn_code_ok(act) || !ck_rnn_code_ok(ract)) return CK_ERR_CODE;
    if (B == 0 || T_ == 0 || U == 0) return CK_OK;
    if (W == NULL || R == NULL || h0 == NULL || c0 == NULL || G == NULL || H == NULL
        || C == NULL || dh == NULL || dc == NULL || ws == NULL || (F > 0 && x == NULL))
        return CK_ERR_ARG;
    for (j = 0; j < U; ++j) {
        const T *rj = R + j * G4;
        for (s = 0; s < G4; ++s) Rt[s * U + j] = rj[s];
    }
    for (s = T_; s-- > 0;) {
        const size_t t = gb ? T_ - 1 - s : s;
        const T *cp = s ? C + (s - 1) * U : c0;
        const size_t ldp = s ? ldh : U;
        for (bi = 0; bi < B; ++bi) {
            T *dhr = dh + bi * U, *dcr = dc + bi * U;
            T *dz = dG + bi * ldg + t * G4;
            const T *g = G + bi * ldg + t * G4;
            const T *cr = C + bi * ldh + s * U, *cpr = cp + bi * ldp;
            if (dH != NULL) {
                const T *dHr = dH + bi * ldh + s * U;
                for (j = 0; j < U; ++j) dhr[j] += dHr[j];
            }
            if (mask != NULL && !mask[bi * T_ + t]) {
                CK_S(rnn_zero_)(G4, dz); /* states carried: dh, dc pass through */
                continue;
            }
            if (fused) {
                CK_S(lstm_bwd_row_)(U, g, cr, cpr, dhr, dcr, dz);
                continue;
            }
            ACT(act, U, cr, ta); /* act(c_t), recomputed rather than stored */
            for (j = 0; j < U; ++j) tb[j] = dhr[j] * g[3 * U + j];
            CK_S(rnn_dact_)(act, U, ta, tb);
            CK_S(lstm_bwd_cell_)(U, g, cpr, ta, tb, dhr, dcr, dz);
            CK_S(rnn_dact_)(ract, 2 * U, g, dz);
            CK_S(rnn_dact_)(act, U, g + 2 * U, dz + 2 * U);
            CK_S(rnn_dact_)(ract, U, g + 3 * U, dz + 3 * U);
        }
        /* dh_{s-1} = dZ R^T; masked rows have dZ = 0 and keep their dh. */
        CK_TRY(GEMM(0, 0, B, U, G4, (T)1, dG + t * G4, ldg, Rt, U, (T)1, dh, U));
    }
    CK_TRY(CK_S(rnn_input_grads_)(B * T_, F, G4, x, W, dG, dx, dW));
    if (dR != NULL) {
        CK_S(rnn_prev_states_)(B, T_, U, gb, h0, H, Hp);
        CK_TRY(GEMM(1, 0, U, G4, B * T_, (T)1, Hp, U, dG, G4, (T)0, dR, G4));
    }
    if (db != NULL) CK_S(rnn_colsum_)(B * T_, G4, dG, G4, db);
    return CK_OK;
}

/* ------------------------------------------------------ LSTM inference */

/* Everything in this section works on the transposed step layout: gate
 * rows of B contiguous values. The recurrent product then runs as
 * (4U x K)(K x B) with the input projection fused in (K = F + U), which
 * OpenBLAS does at ~95% of peak where the (B x U)(U x 4U) form with B = 32
 * reaches ~75%, and the gate pass becomes long unit-stride loops instead
 * of B short ones. Nothing is saved for a backward pass. */

/* dst (cols x rows, ld ldd) = src^T (src rows x cols, ld lds), in tiles so
 * both sides stay in cache. */
static void CK_S(rnn_transpose_)(size_t rows, size_t cols, const T *src, size_t lds,
                                 T *dst, size_t ldd)
{
    size_t i0, j0, i, j;
    for (i0 = 0; i0 < rows; i0 += 16)
        for (j0 = 0; j0 < cols; j0 += 16) {
            const size_t ie = i0 + 16 < rows ? i0 + 16 : rows;
            const size_t je = j0 + 16 < cols ? j0 + 16 : cols;
            for (i = i0; i < ie; ++i)
                for (j = j0; j < je; ++j) dst[j * ldd + i] = src[i * lds + j];
        }
}

/* The default activations (tanh, sigmoid) over the gate blocks zi, zf,
 * zc, zo of n = U*B values each; c updated in place. Two flat loops run
 * faster than one (fewer live registers) and than loops over the rows of B
 * values. */
CK_TARGET_CLONES
static void CK_S(lstm_infer_cell_)(size_t n, const T *restrict z, T *restrict c,
                                   T *restrict h)
{
    const T *restrict zi = z, *restrict zf = z + n, *restrict zc = z + 2 * n,
            *restrict zo = z + 3 * n;
    size_t k;
    for (k = 0; k < n; ++k)
        c[k] = CK_S(ck_act_sigmoid_)(zf[k]) * c[k]
             + CK_S(ck_act_sigmoid_)(zi[k]) * CK_S(ck_act_tanh_)(zc[k]);
    for (k = 0; k < n; ++k)
        h[k] = CK_S(ck_act_sigmoid_)(zo[k]) * CK_S(ck_act_tanh_)(c[k]);
}

/* Batch-major inference for small batches, where the transposed product
 * with few columns runs slowly: the training kernel's steps, with h and c
 * kept in the output buffers and the gate pass of the transposed kernel on
 * each row (its four gate blocks are the row's [i f c o]). */
static int CK_S(lstm_infer_rows_)(size_t B, size_t T_, size_t F, size_t U, const T *x,
                                  const T *W, const T *R, const T *b, const T *h0,
                                  const T *c0, const uint8_t *mask, int gb, int act,
                                  int ract, T *H, T *h, T *c, T *G)
{
    const size_t G4 = 4 * U, ldg = T_ * G4;
    const int fused = act == CK_ACT_TANH && ract == CK_ACT_SIGMOID;
    size_t s, bi;
    CK_S(rnn_copy_)(B * U, h0, h);
    CK_S(rnn_copy_)(B * U, c0, c);
    CK_TRY(GEMM(0, 0, B * T_, G4, F, (T)1, x, F, W, G4, (T)0, G, G4));
    if (b != NULL) CK_S(rnn_add_rows_)(B * T_, G4, b, G, G4);
    for (s = 0; s < T_; ++s) {
        const size_t t = gb ? T_ - 1 - s : s;
        if (B == 1)
            CK_S(rnn_gemv_acc_)(U, G4, h, R, G4, G + t * G4);
        else
            CK_TRY(GEMM(0, 0, B, G4, U, (T)1, h, U, R, G4, (T)1, G + t * G4, ldg));
        for (bi = 0; bi < B; ++bi) {
            T *z = G + bi * ldg + t * G4;
            if (mask != NULL && !mask[bi * T_ + t]) continue;
            if (fused)
                CK_S(lstm_infer_cell_)(U, z, c + bi * U, h + bi * U);
            else
                CK_S(lstm_cell_)(U, z, c + bi * U, c + bi * U, h + bi * U, act, ract);
        }
        if (H != NULL)
            for (bi = 0; bi < B; ++bi) CK_S(rnn_copy_)(U, h + bi * U, H + (bi * T_ + s) * U);
    }
    return CK_OK;
}

/* The kernel and recurrent weights of a range of units [u0, u1): element
 * (row k, gate g, unit u) at W[k*ld + g*gs + u - u0], likewise R. Either
 * the caller's arrays or a packed copy of the range. */
typedef struct {
    const T *W, *R;
    size_t ld, gs;
} CK_S(lstm_cols_);

static CK_S(lstm_cols_) CK_S(lstm_cols_orig_)(size_t U, const T *W, const T *R, size_t u0)
{
    CK_S(lstm_cols_) m;
    m.W = W + u0;
    m.R = R + u0;
    m.ld = 4 * U;
    m.gs = U;
    return m;
}

/* Copies the range's columns of [W; R] into P (aligned to 64 bytes by the
 * caller), rows of the four gates' n values: the steps then stream it
 * sequentially, with whole-cache-line vector loads whatever the alignment
 * of the caller's arrays (misaligned rows measured ~40% slower). */
static CK_S(lstm_cols_) CK_S(lstm_cols_pack_)(size_t F, size_t U, const T *W, const T *R,
                                               size_t u0, size_t u1, T *P)
{
    const size_t n = u1 - u0;
    CK_S(lstm_cols_) m;
    size_t k, g;
    for (k = 0; k < F + U; ++k) {
        const T *src = k < F ? W + k * 4 * U : R + (k - F) * 4 * U;
        for (g = 0; g < 4; ++g) memcpy(P + (k * 4 + g) * n, src + g * U + u0, n * sizeof(T));
    }
    m.W = P;
    m.R = P + F * 4 * n;
    m.ld = 4 * n;
    m.gs = n;
    return m;
}

/* Batch-1 inference, split by units between the caller and the helper
 * thread (ck_helper.h). At one row the step is a matrix-vector product
 * bound by reading [W;R] from L2 (~2.4 us a step for 128 units on one core,
 * measured); with each core reading the gate columns of half the units from
 * its own L2 the step takes about half as long, and the only exchange is h.
 * Step s reads h from hb[s % 2] and writes hb[(s + 1) % 2]; c stays with its
 * units. The caller always runs units [0, split); units [split, U) of each
 * step go to whoever claims them first, so the caller finishes alone if the
 * helper comes late or never. Without the helper (busy, disabled, other
 * calls in flight) lstm_infer_one_ returns 0 and the caller takes the rows
 * path, faster on one thread: its input product is one GEMM. Both threads
 * run the same code on the same values, so the result does not depend on
 * who computed which step. */
typedef struct {
    ck_job job; /* first: the helper receives a ck_job * */
    size_t T_, F, U, split;
    const T *x, *W, *R, *b;
    const uint8_t *mask;
    int gb, act, ract, strict, fast, pack;
    T *hb, *c, *H, *Phi;
    /* Step counters written by different threads, on separate cache lines. */
    char pad0[64];
    size_t lo_done;
    char pad1[64];
    size_t hi_done;
    char pad2[64];
    size_t hi_claimed;
    char pad3[64];
    int solo; /* set by the caller: the helper leaves */
} CK_S(lstm_split_);

#define CK_RNN_UBLK 64
/* Packing pays for itself over this many steps. */
#define CK_RNN_PACK_MIN_T 8

static void CK_S(lstm_units_)(const CK_S(lstm_split_) *j, size_t s, size_t u0, size_t u1,
                              const CK_S(lstm_cols_) *m)
{
    const size_t U = j->U, t = j->gb ? j->T_ - 1 - s : s;
    const T *hp = j->hb + (s & 1) * U, *xt = j->x + t * j->F;
    T *hn = j->hb + ((s + 1) & 1) * U;
    T z[4 * CK_RNN_UBLK];
    size_t u, n, g, k;
    if (j->mask != NULL && !j->mask[t]) {
        CK_S(rnn_copy_)(u1 - u0, hp + u0, hn + u0);
    } else {
        for (u = u0; u < u1; u += n) {
            const T *Wu = m->W + (u - u0), *Ru = m->R + (u - u0);
            n = u1 - u < CK_RNN_UBLK ? u1 - u : CK_RNN_UBLK;
#ifdef CK_LSTM_FUSED
            if (j->fast && n == CK_RNN_UBLK) {
                lstm_z64_f32(j->F, U, m->ld, m->gs, xt, Wu, Ru, hp,
                             j->b != NULL ? j->b + u : NULL, z);
            } else
#endif
            {
                for (g = 0; g < 4; ++g)
                    for (k = 0; k < n; ++k)
                        z[g * n + k] = j->b != NULL ? j->b[g * U + u + k] : (T)0;
                for (g = 0; g < 4; ++g) {
                    CK_S(rnn_gemv_acc_)(j->F, n, xt, Wu + g * m->gs, m->ld, z + g * n);
                    CK_S(rnn_gemv_acc_)(U, n, hp, Ru + g * m->gs, m->ld, z + g * n);
                }
            }
            if (j->act == CK_ACT_TANH && j->ract == CK_ACT_SIGMOID)
                CK_S(lstm_infer_cell_)(n, z, j->c + u, hn + u);
            else
                CK_S(lstm_cell_)(n, z, j->c + u, j->c + u, hn + u, j->act, j->ract);
        }
    }
    if (j->H != NULL) CK_S(rnn_copy_)(u1 - u0, hn + u0, j->H + s * U + u0);
}

/* The helper's side: the upper units of every step it can claim, from its
 * own packed copy of their weights. */
static void CK_S(lstm_split_run_)(ck_job *job)
{
    CK_S(lstm_split_) *j = (CK_S(lstm_split_) *)job;
    CK_S(lstm_cols_) m;
    size_t s = 0;
    unsigned spins = 0;
    /* Come too late to help: leave before copying weights the caller would
     * wait for. */
    if (CK_LOAD(&j->hi_claimed) >= j->T_ || CK_LOAD(&j->solo)) return;
    m = j->pack ? CK_S(lstm_cols_pack_)(j->F, j->U, j->W, j->R, j->split, j->U, j->Phi)
                : CK_S(lstm_cols_orig_)(j->U, j->W, j->R, j->split);
    while (s < j->T_ && !CK_LOAD(&j->solo)) {
        if (CK_LOAD(&j->lo_done) < s || CK_LOAD(&j->hi_done) < s) {
            ck_spin_pause(&spins);
            continue;
        }
        /* On failure s becomes the caller's claim count: it is ahead. */
        if (CK_CAS(&j->hi_claimed, &s, s + 1)) {
            CK_S(lstm_units_)(j, s, j->split, j->U, &m);
            CK_STORE(&j->hi_done, s + 1);
            ++s;
        }
    }
}

static T *CK_S(rnn_align64_)(T *p)
{
    return (T *)(((uintptr_t)p + 63) & ~(uintptr_t)63);
}

static int CK_S(lstm_infer_one_)(size_t T_, size_t F, size_t U, const T *x, const T *W,
                                  const T *R, const T *b, const T *h0, const T *c0,
                                  const uint8_t *mask, int gb, int act, int ract, T *H,
                                  T *h, T *c, T *ws)
{
    /* Whole AVX-512 vectors of float on the caller's side. */
    const size_t split = (U / 2 + 15) / 16 * 16;
    CK_S(lstm_split_) j;
    CK_S(lstm_cols_) lo, hi;
    T *Plo;
    size_t s, claim;
    unsigned spins = 0;
    if (split >= U || 4 * U * (F + U) < CK_RNN_SPLIT_MIN) return 0;
    memset(&j, 0, sizeof j);
    j.job.run = CK_S(lstm_split_run_);
    j.T_ = T_;
    j.F = F;
    j.U = U;
    j.split = split;
    j.x = x;
    j.W = W;
    j.R = R;
    j.b = b;
    j.mask = mask;
    j.gb = gb;
    j.act = act;
    j.ract = ract;
    j.strict = ck_rnn_split_strict;
#ifdef CK_LSTM_FUSED
    j.fast = ck_rnn_avx512();
#endif
    j.pack = T_ >= CK_RNN_PACK_MIN_T;
    j.hb = ws;
    j.c = c;
    j.H = H;
    Plo = CK_S(rnn_align64_)(ws + 2 * U);
    j.Phi = CK_S(rnn_align64_)(Plo + 4 * split * (F + U));
    /* The helper may start on step 0 as soon as it has the job. */
    CK_S(rnn_copy_)(U, h0, ws);
    CK_S(rnn_copy_)(U, c0, c);
    if (!ck_helper_start(&j.job)) return 0;
    lo = j.pack ? CK_S(lstm_cols_pack_)(F, U, W, R, 0, j.split, Plo)
                : CK_S(lstm_cols_orig_)(U, W, R, 0);
    /* Upper units this thread claims (the helper is late): from the
     * caller's arrays, since the helper may be packing its copy. */
    hi = CK_S(lstm_cols_orig_)(U, W, R, j.split);
    for (s = 0; s < T_; ++s) {
        while (CK_LOAD(&j.hi_done) < s) ck_spin_pause(&spins);
        CK_S(lstm_units_)(&j, s, 0, j.split, &lo);
        CK_STORE(&j.lo_done, s + 1);
        if (j.strict) continue;
        if (!j.solo && ck_helper_calls() > 1) CK_STORE(&j.solo, 1);
        claim = s;
        if (CK_CAS(&j.hi_claimed, &claim, s + 1)) {
            CK_S(lstm_units_)(&j, s, j.split, U, &hi);
            CK_STORE(&j.hi_done, s + 1);
        }
    }
    while (CK_LOAD(&j.hi_done) < T_) ck_spin_pause(&spins);
    ck_helper_finish();
    CK_S(rnn_copy_)(U, ws + (T_ & 1) * U, h);
    return 1;
}

static int CK_S(lstm_infer_)(size_t B, size_t T_, size_t F, size_t U, const T *x,
                             const T *W, const T *R, const T *b, const T *h0, const T *c0,
                             const uint8_t *mask, int gb, int act, int ract, int transposed,
                             T *H, T *h, T *c, T *ws)
{
    /* The bias rides in the GEMM as one more column of [W;R]^T against a
     * row of ones in the step input: cheaper than a pass adding it. Every
     * buffer has Bp columns, the batch padded with zero columns. */
    const size_t G4 = 4 * U, K = F + U + (b != NULL), Bp = CK_RNN_BPAD(B), n = U * Bp;
    T *XH = ws, *Z = XH + K * Bp, *Ct = Z + G4 * Bp, *Hn = Ct + n, *Cn = Hn + n;
    T *WRt = Cn + n, *Ht = XH + F * Bp;
    const int fused = act == CK_ACT_TANH && ract == CK_ACT_SIGMOID;
    int packed = 0;
#ifdef CK_LSTM_FUSED
    T *P = WRt + G4 * K, *tile = P + 4 * CK_RNN_UPAD(U) * K;
    const int tiles = ck_rnn_fused_usable(act, ract);
#endif
    size_t s, j, k;
    if (!ck_rnn_code_ok(act) || !ck_rnn_code_ok(ract)) return CK_ERR_CODE;
    if (B == 0 || U == 0) return CK_OK;
    if (W == NULL || R == NULL || h0 == NULL || c0 == NULL || h == NULL || c == NULL
        || ws == NULL || (F > 0 && x == NULL))
        return CK_ERR_ARG;
    if (!transposed && B == 1
        && CK_S(lstm_infer_one_)(T_, F, U, x, W, R, b, h0, c0, mask, gb, act, ract, H, h, c,
                                 ws))
        return CK_OK;
    if (!transposed)
        return CK_S(lstm_infer_rows_)(B, T_, F, U, x, W, R, b, h0, c0, mask, gb, act,
                                      ract, H, h, c, ws);
    CK_S(rnn_zero_)(K * Bp + G4 * Bp + 3 * n, ws);
    CK_S(rnn_transpose_)(B, U, h0, U, Ht, Bp);
    CK_S(rnn_transpose_)(B, U, c0, U, Ct, Bp);
    if (b != NULL)
        for (k = 0; k < Bp; ++k) XH[(F + U) * Bp + k] = (T)1;
#ifdef CK_LSTM_FUSED
    if (tiles) lstm_pack_panels_f32(F, U, W, R, b, K, P);
#endif
    for (s = 0; s < T_; ++s) {
        const size_t t = gb ? T_ - 1 - s : s;
        size_t on = B;
        if (mask != NULL)
            for (on = 0, k = 0; k < B; ++k) on += mask[k * T_ + t] != 0;
        if (on > 0) CK_S(rnn_transpose_)(B, F, x + t * F, T_ * F, XH, Bp);
#ifdef CK_LSTM_FUSED
        if (tiles && on == B) {
            lstm_fused_step_f32(K, U, Bp, P, XH, Ct, Hn, tile);
            CK_S(rnn_copy_)(n, Hn, Ht);
            if (H != NULL) CK_S(rnn_transpose_)(U, B, Ht, Bp, H + s * U, T_ * U);
            continue;
        }
#endif
        if (on > 0) {
            if (!packed) {
                CK_S(rnn_transpose_)(F, G4, W, G4, WRt, K);
                CK_S(rnn_transpose_)(U, G4, R, G4, WRt + F, K);
                if (b != NULL)
                    for (j = 0; j < G4; ++j) WRt[j * K + F + U] = b[j];
                packed = 1;
            }
            CK_TRY(GEMM(0, 0, G4, Bp, K, (T)1, WRt, K, XH, Bp, (T)0, Z, Bp));
        }
        if (on == B) {
            /* No column carries its state: update h and c in place. */
            if (fused)
                CK_S(lstm_infer_cell_)(n, Z, Ct, Ht);
            else
                CK_S(lstm_cell_)(n, Z, Ct, Ct, Ht, act, ract);
        } else if (on > 0) {
            for (j = 0; j < n; ++j) Cn[j] = Ct[j];
            if (fused)
                CK_S(lstm_infer_cell_)(n, Z, Cn, Hn);
            else
                CK_S(lstm_cell_)(n, Z, Cn, Cn, Hn, act, ract);
            for (k = 0; k < B; ++k) {
                if (!mask[k * T_ + t]) continue;
                for (j = 0; j < U; ++j) {
                    Ht[j * Bp + k] = Hn[j * Bp + k];
                    Ct[j * Bp + k] = Cn[j * Bp + k];
                }
            }
        }
        if (H != NULL) CK_S(rnn_transpose_)(U, B, Ht, Bp, H + s * U, T_ * U);
    }
    CK_S(rnn_transpose_)(U, B, Ht, Bp, h, U);
    CK_S(rnn_transpose_)(U, B, Ct, Bp, c, U);
    return CK_OK;
}

/* Counted in flight so that concurrent calls from several threads leave
 * the helper thread alone (see ck_helper.h). */
int CK_S(ck_lstm_infer_)(size_t B, size_t T_, size_t F, size_t U, const T *x,
                         const T *W, const T *R, const T *b, const T *h0, const T *c0,
                         const uint8_t *mask, int gb, int act, int ract, int transposed,
                         T *H, T *h, T *c, T *ws)
{
    int st;
    ck_helper_enter();
    st = CK_S(lstm_infer_)(B, T_, F, U, x, W, R, b, h0, c0, mask, gb, act, ract,
                           transposed, H, h, c, ws);
    ck_helper_leave();
    return st;
}

/* ------------------------------------------------------------------- GRU */

int CK_S(ck_gru_fwd_)(size_t B, size_t T_, size_t F, size_t U, int ra, const T *x,
                      const T *W, const T *R, const T *b, const T *h0,
                      const uint8_t *mask, int gb, int act, int ract, T *G, T *H,
                      T *HZH, T *ws)
{
    const size_t G3 = 3 * U, ldg = T_ * G3, ldh = T_ * U;
    size_t s, bi, j;
    if (!ck_rnn_code_ok(act) || !ck_rnn_code_ok(ract)) return CK_ERR_CODE;
    if (B == 0 || T_ == 0 || U == 0) return CK_OK;
    if (W == NULL || R == NULL || h0 == NULL || G == NULL || H == NULL || ws == NULL
        || (ra && HZH == NULL) || (F > 0 && x == NULL))
        return CK_ERR_ARG;
    CK_TRY(GEMM(0, 0, B * T_, G3, F, (T)1, x, F, W, G3, (T)0, G, G3));
    if (b != NULL) CK_S(rnn_add_rows_)(B * T_, G3, b, G, G3);
    for (s = 0; s < T_; ++s) {
        const size_t t = gb ? T_ - 1 - s : s;
        const T *hp = s ? H + (s - 1) * U : h0;
        const size_t ldp = s ? ldh : U;
        if (ra) {
            /* reset_after: one recurrent GEMM per step into HZ = h R + b1. */
            T *HZ = ws;
            CK_TRY(GEMM(0, 0, B, G3, U, (T)1, hp, ldp, R, G3, (T)0, HZ, G3));
            if (b != NULL) CK_S(rnn_add_rows_)(B, G3, b + G3, HZ, G3);
            for (bi = 0; bi < B; ++bi) {
                T *g = G + bi * ldg + t * G3, *hz = HZ + bi * G3;
                const T *hpr = hp + bi * ldp;
                T *hout = H + bi * ldh + s * U;
                CK_S(rnn_copy_)(U, hz + 2 * U, HZH + bi * ldh + t * U);
                if (mask != NULL && !mask[bi * T_ + t]) {
                    CK_S(rnn_copy_)(U, hpr, hout);
                    continue;
                }
                for (j = 0; j < 2 * U; ++j) g[j] += hz[j];
                ACT(ract, 2 * U, g, g);
                for (j = 0; j < U; ++j) g[2 * U + j] += g[U + j] * hz[2 * U + j];
                ACT(act, U, g + 2 * U, g + 2 * U);
                for (j = 0; j < U; ++j)
                    hout[j] = g[j] * hpr[j] + ((T)1 - g[j]) * g[2 * U + j];
            }
        } else {
            /* reset_before: z, r need h R_zr; the candidate needs (r*h) R_h,
             * so two dependent GEMMs per step. */
            T *RH = ws;
            CK_TRY(GEMM(0, 0, B, 2 * U, U, (T)1, hp, ldp, R, G3, (T)1, G + t * G3, ldg));
            for (bi = 0; bi < B; ++bi) {
                T *g = G + bi * ldg + t * G3, *rh = RH + bi * U;
                const T *hpr = hp + bi * ldp;
                if (mask != NULL && !mask[bi * T_ + t]) {
                    CK_S(rnn_zero_)(U, rh);
                    continue;
                }
                ACT(ract, 2 * U, g, g);
                for (j = 0; j < U; ++j) rh[j] = g[U + j] * hpr[j];
            }
            CK_TRY(GEMM(0, 0, B, U, U, (T)1, RH, U, R + 2 * U, G3, (T)1,
                        G + t * G3 + 2 * U, ldg));
            for (bi = 0; bi < B; ++bi) {
                T *g = G + bi * ldg + t * G3;
                const T *hpr = hp + bi * ldp;
                T *hout = H + bi * ldh + s * U;
                if (mask != NULL && !mask[bi * T_ + t]) {
                    CK_S(rnn_copy_)(U, hpr, hout);
                    continue;
                }
                ACT(act, U, g + 2 * U, g + 2 * U);
                for (j = 0; j < U; ++j)
                    hout[j] = g[j] * hpr[j] + ((T)1 - g[j]) * g[2 * U + j];
            }
        }
    }
    return CK_OK;
}

int CK_S(ck_gru_bwd_)(size_t B, size_t T_, size_t F, size_t U, int ra, const T *x,
                      const T *W, const T *R, const T *h0, const uint8_t *mask, int gb,
                      int act, int ract, const T *G, const T *H, const T *HZH,
                      const T *dH, T *dh, T *dx, T *dW, T *dR, T *db, T *ws)
{
    const size_t G3 = 3 * U, ldg = T_ * G3, ldh = T_ * U, BT = B * T_;
    T *dG = ws, *dGR = ws + BT * G3;              /* dGR: reset_after only */
    T *Hp = ra ? dGR + BT * G3 : ws + BT * G3;
    T *RH = Hp + BT * U, *drh = RH + BT * U;      /* reset_before only */
    size_t s, bi, j;
    if (!ck_rnn_code_ok(act) || !ck_rnn_code_ok(ract)) return CK_ERR_CODE;
    if (B == 0 || T_ == 0 || U == 0) return CK_OK;
    if (W == NULL || R == NULL || h0 == NULL || G == NULL || H == NULL || dh == NULL
        || ws == NULL || (ra && HZH == NULL) || (F > 0 && x == NULL))
        return CK_ERR_ARG;
    for (s = T_; s-- > 0;) {
        const size_t t = gb ? T_ - 1 - s : s;
        const T *hp = s ? H + (s - 1) * U : h0;
        const size_t ldp = s ? ldh : U;
        for (bi = 0; bi < B; ++bi) {
            T *dhr = dh + bi * U, *dg = dG + bi * ldg + t * G3;
            const T *g = G + bi * ldg + t * G3, *hpr = hp + bi * ldp;
            const int off = mask != NULL && !mask[bi * T_ + t];
            if (dH != NULL) {
                const T *dHr = dH + bi * ldh + s * U;
                for (j = 0; j < U; ++j) dhr[j] += dHr[j];
            }
            if (off) {
                CK_S(rnn_zero_)(G3, dg);
                if (ra) CK_S(rnn_zero_)(G3, dGR + bi * ldg + t * G3);
                continue;
            }
            for (j = 0; j < U; ++j) {
                dg[j] = dhr[j] * (hpr[j] - g[2 * U + j]);
                dg[2 * U + j] = dhr[j] * ((T)1 - g[j]);
            }
            CK_S(rnn_dact_)(act, U, g + 2 * U, dg + 2 * U);
            if (ra) {
                T *dgr = dGR + bi * ldg + t * G3;
                const T *hzh = HZH + bi * ldh + t * U;
                for (j = 0; j < U; ++j) {
                    dg[U + j] = dg[2 * U + j] * hzh[j];
                    dhr[j] *= g[j];
                }
                CK_S(rnn_dact_)(ract, 2 * U, g, dg);
                for (j = 0; j < 2 * U; ++j) dgr[j] = dg[j];
                for (j = 0; j < U; ++j) dgr[2 * U + j] = dg[2 * U + j] * g[U + j];
            }
        }
        if (ra) {
            CK_TRY(GEMM(0, 1, B, U, G3, (T)1, dGR + t * G3, ldg, R, G3, (T)1, dh, U));
            continue;
        }
        /* d(r*h) = dA_h R_h^T, needed before dr. */
        CK_TRY(GEMM(0, 1, B, U, U, (T)1, dG + t * G3 + 2 * U, ldg, R + 2 * U, G3, (T)0,
                    drh, U));
        for (bi = 0; bi < B; ++bi) {
            T *dhr = dh + bi * U, *dg = dG + bi * ldg + t * G3, *d = drh + bi * U;
            const T *g = G + bi * ldg + t * G3, *hpr = hp + bi * ldp;
            if (mask != NULL && !mask[bi * T_ + t]) continue;
            for (j = 0; j < U; ++j) {
                dg[U + j] = d[j] * hpr[j];
                dhr[j] = dhr[j] * g[j] + d[j] * g[U + j];
            }
            CK_S(rnn_dact_)(ract, 2 * U, g, dg);
        }
        CK_TRY(GEMM(0, 1, B, U, 2 * U, (T)1, dG + t * G3, ldg, R, G3, (T)1, dh, U));
    }
    CK_TRY(CK_S(rnn_input_grads_)(BT, F, G3, x, W, dG, dx, dW));
    if (dR != NULL) CK_S(rnn_prev_states_)(B, T_, U, gb, h0, H, Hp);
    if (ra) {
        if (dR != NULL)
            CK_TRY(GEMM(1, 0, U, G3, BT, (T)1, Hp, U, dGR, G3, (T)0, dR, G3));
        if (db != NULL) {
            CK_S(rnn_colsum_)(BT, G3, dG, G3, db);
            CK_S(rnn_colsum_)(BT, G3, dGR, G3, db + G3);
        }
        return CK_OK;
    }
    if (dR != NULL) {
        size_t i;
        for (i = 0; i < BT; ++i) {
            const T *r = G + i * G3 + U, *hpi = Hp + i * U;
            T *rh = RH + i * U;
            for (j = 0; j < U; ++j) rh[j] = r[j] * hpi[j];
        }
        CK_TRY(GEMM(1, 0, U, 2 * U, BT, (T)1, Hp, U, dG, G3, (T)0, dR, G3));
        CK_TRY(GEMM(1, 0, U, U, BT, (T)1, RH, U, dG + 2 * U, G3, (T)0, dR + 2 * U, G3));
    }
    if (db != NULL) CK_S(rnn_colsum_)(BT, G3, dG, G3, db);
    return CK_OK;
}

/* ------------------------------------------------------------- SimpleRNN */

int CK_S(ck_simple_fwd_)(size_t B, size_t T_, size_t F, size_t U, const T *x,
                         const T *W, const T *R, const T *b, const T *h0,
                         const uint8_t *mask, int gb, int act, T *G, T *H)
{
    const size_t ldg = T_ * U;
    size_t s, bi;
    if (!ck_rnn_code_ok(act)) return CK_ERR_CODE;
    if (B == 0 || T_ == 0 || U == 0) return CK_OK;
    if (W == NULL || R == NULL || h0 == NULL || G == NULL || H == NULL
        || (F > 0 && x == NULL))
        return CK_ERR_ARG;
    CK_TRY(GEMM(0, 0, B * T_, U, F, (T)1, x, F, W, U, (T)0, G, U));
    if (b != NULL) CK_S(rnn_add_rows_)(B * T_, U, b, G, U);
    for (s = 0; s < T_; ++s) {
        const size_t t = gb ? T_ - 1 - s : s;
        const T *hp = s ? H + (s - 1) * U : h0;
        const size_t ldp = s ? ldg : U;
        CK_TRY(GEMM(0, 0, B, U, U, (T)1, hp, ldp, R, U, (T)1, G + t * U, ldg));
        for (bi = 0; bi < B; ++bi) {
            T *hout = H + bi * ldg + s * U;
            if (mask != NULL && !mask[bi * T_ + t])
                CK_S(rnn_copy_)(U, hp + bi * ldp, hout);
            else
                ACT(act, U, G + bi * ldg + t * U, hout);
        }
    }
    return CK_OK;
}

int CK_S(ck_simple_bwd_)(size_t B, size_t T_, size_t F, size_t U, const T *x,
                         const T *W, const T *R, const T *h0, const uint8_t *mask,
                         int gb, int act, const T *H, const T *dH, T *dh, T *dx,
                         T *dW, T *dR, T *db, T *ws)
{
    const size_t ldg = T_ * U, BT = B * T_;
    T *dG = ws, *Hp = ws + BT * U;
    size_t s, bi, j;
    if (!ck_rnn_code_ok(act)) return CK_ERR_CODE;
    if (B == 0 || T_ == 0 || U == 0) return CK_OK;
    if (W == NULL || R == NULL || h0 == NULL || H == NULL || dh == NULL || ws == NULL
        || (F > 0 && x == NULL))
        return CK_ERR_ARG;
    for (s = T_; s-- > 0;) {
        const size_t t = gb ? T_ - 1 - s : s;
        for (bi = 0; bi < B; ++bi) {
            T *dhr = dh + bi * U, *dg = dG + bi * ldg + t * U;
            if (dH != NULL) {
                const T *dHr = dH + bi * ldg + s * U;
                for (j = 0; j < U; ++j) dhr[j] += dHr[j];
            }
            if (mask != NULL && !mask[bi * T_ + t]) {
                CK_S(rnn_zero_)(U, dg);
                continue;
            }
            CK_S(rnn_copy_)(U, dhr, dg);
            CK_S(rnn_dact_)(act, U, H + bi * ldg + s * U, dg);
            CK_S(rnn_zero_)(U, dhr);
        }
        CK_TRY(GEMM(0, 1, B, U, U, (T)1, dG + t * U, ldg, R, U, (T)1, dh, U));
    }
    CK_TRY(CK_S(rnn_input_grads_)(BT, F, U, x, W, dG, dx, dW));
    if (dR != NULL) {
        CK_S(rnn_prev_states_)(B, T_, U, gb, h0, H, Hp);
        CK_TRY(GEMM(1, 0, U, U, BT, (T)1, Hp, U, dG, U, (T)0, dR, U));
    }
    if (db != NULL) CK_S(rnn_colsum_)(BT, U, dG, U, db);
    return CK_OK;
}

#undef CK_S
#undef GEMM
#undef ACT
#undef CK_TRY
