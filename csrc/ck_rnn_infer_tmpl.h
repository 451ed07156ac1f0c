/* LSTM inference of ck_rnn.c for one precision: the batch-major rows and
 * the transposed step layouts. Included once per element type `real` (see
 * ck_tmpl.h), after ck_rnn_train_tmpl.h; not a public header. */

/* The transposed kernel works on the transposed step layout: gate
 * rows of B contiguous values. The recurrent product then runs as
 * (4U x K)(K x B) with the input projection fused in (K = F + U), which
 * OpenBLAS does at ~95% of peak where the (B x U)(U x 4U) form with B = 32
 * reaches ~75%, and the gate pass becomes long unit-stride loops instead
 * of B short ones. Nothing is saved for a backward pass. */

/* dst (cols x rows, ld ldd) = src^T (src rows x cols, ld lds), in tiles so
 * both sides stay in cache. */
static void CK_S(rnn_transpose)(size_t rows, size_t cols, const real *src, size_t lds,
                                real *dst, size_t ldd)
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

/* p rounded up to a 64-byte boundary (workspaces carry the slack). */
static real *CK_S(rnn_align64)(real *p)
{
    return (real *)(((uintptr_t)p + 63) & ~(uintptr_t)63);
}

/* The default activations (tanh, sigmoid) over the gate blocks zi, zf,
 * zc, zo of n = U*B values each; c updated in place. Two flat loops run
 * faster than one (fewer live registers) and than loops over the rows of B
 * values. Not static: ck_rnn_avx512.c's fused step runs it on its tiles.
 * Float on AVX-512 CPUs uses ck_lstm_infer_cell16_f32 instead (see
 * lstm_infer_cell_any). */
CK_TARGET_CLONES
void CK_S(ck_lstm_infer_cell)(size_t n, const real *restrict z, real *restrict c,
                              real *restrict h)
{
    const real *restrict zi = z, *restrict zf = z + n, *restrict zc = z + 2 * n,
            *restrict zo = z + 3 * n;
    size_t k;
    for (k = 0; k < n; ++k)
        c[k] = CK_S(ck_act_sigmoid)(zf[k]) * c[k]
             + CK_S(ck_act_sigmoid)(zi[k]) * CK_S(ck_act_tanh)(zc[k]);
    for (k = 0; k < n; ++k)
        h[k] = CK_S(ck_act_sigmoid)(zo[k]) * CK_S(ck_act_tanh)(c[k]);
}

/* The default-activation cell of inference: the AVX-512 form for float
 * where it runs (whole vectors), else ck_lstm_infer_cell. */
static void CK_S(lstm_infer_cell_any)(size_t n, const real *z, real *c, real *h)
{
#ifdef CK_LSTM_FUSED
    if (n % 16 == 0 && ck_rnn_fused_usable(CK_ACT_TANH, CK_ACT_SIGMOID)) {
        ck_lstm_infer_cell16_f32(n, z, c, h);
        return;
    }
#endif
    CK_S(ck_lstm_infer_cell)(n, z, c, h);
}

/* Batch-major inference for small batches, where the transposed product
 * with few columns runs slowly: the training kernel's steps, with h and c
 * kept in the output buffers and the gate pass of the transposed kernel on
 * each row (its four gate blocks are the row's [i f c o]). */
static int CK_S(lstm_infer_rows)(size_t B, size_t T, size_t F, size_t U, const real *x,
                                 const real *W, const real *R, const real *b,
                                 const real *h0, const real *c0, const uint8_t *mask,
                                 int gb, int act, int ract, real *H, real *h, real *c,
                                 real *G)
{
    const size_t G4 = 4 * U, ldg = T * G4;
    const int fused = act == CK_ACT_TANH && ract == CK_ACT_SIGMOID;
    size_t s, bi;
    CK_S(rnn_copy)(B * U, h0, h);
    CK_S(rnn_copy)(B * U, c0, c);
    CK_TRY(GEMM(0, 0, B * T, G4, F, (real)1, x, F, W, G4, (real)0, G, G4));
    if (b != NULL) CK_S(rnn_add_rows)(B * T, G4, b, G, G4);
    for (s = 0; s < T; ++s) {
        const size_t t = gb ? T - 1 - s : s;
        if (B == 1)
            CK_S(rnn_gemv_acc)(U, G4, h, R, G4, G + t * G4);
        else
            CK_TRY(GEMM(0, 0, B, G4, U, (real)1, h, U, R, G4, (real)1, G + t * G4, ldg));
        for (bi = 0; bi < B; ++bi) {
            real *z = G + bi * ldg + t * G4;
            if (mask != NULL && !mask[bi * T + t]) continue;
            if (fused)
                CK_S(lstm_infer_cell_any)(U, z, c + bi * U, h + bi * U);
            else
                CK_S(lstm_cell)(U, z, c + bi * U, c + bi * U, h + bi * U, act, ract);
        }
        if (H != NULL)
            for (bi = 0; bi < B; ++bi) CK_S(rnn_copy)(U, h + bi * U, H + (bi * T + s) * U);
    }
    return CK_OK;
}

/* Batch-1 inference split by units (ck_rnn_split_tmpl.h), on two threads
 * when the helper comes; 0 when the shape does not split, and the caller
 * takes the rows path. */
static int CK_S(lstm_infer_one)(size_t T, size_t F, size_t U, const real *x, const real *W,
                                const real *R, const real *b, const real *h0,
                                const real *c0, const uint8_t *mask, int gb, int act,
                                int ract, real *H, real *h, real *c, real *ws);

#ifdef CK_LSTM_FUSED
/* Batched float inference on the AVX-512 tiles: the batch in ranges of
 * 16-column chunks, each range running the whole time loop alone with its
 * own buffers (ck_rnn_infer_avx512.h), the caller and the helper thread
 * each taking ranges (ck_threads_run_chunks): two cores and no exchange
 * between steps. Chunk i's buffers start at ws + i * per: a range [lo, hi)
 * owns the chunks' space and lays its buffers out w = 16 (hi - lo) wide.
 * Its transposes run 16 x 16 blocks in registers (ck_rnn_transpose_f32:
 * a 16 x 128 block 0.5 -> 0.13 us; ~6 us of a 50-step call). */
typedef struct {
    size_t B, T, F, U, K, per;
    const real *x, *P, *h0, *c0, *W, *R, *b;
    const uint8_t *mask;
    int gb, bias;
    real *H, *h, *c, *ws;
    /* The panels are packed in two halves by whichever ranges claim them
     * (claimed counts the claims, packed the halves done), on their own
     * cache lines: both threads write them. */
    char pad0[64];
    size_t claimed;
    char pad1[64];
    size_t packed;
    char pad2[64];
} CK_S(lstm_batch);

/* Packs the halves of the panels no range has claimed yet, then waits for
 * the others' (a range starts its steps with every panel packed). The
 * caller's first range packs both when the helper comes late or never.
 * One job where packing and running were two: the helper wakes while the
 * caller packs, and one handoff fewer (~5 us at T = 1). */
static void CK_S(lstm_batch_pack)(CK_S(lstm_batch) *j)
{
    const size_t pairs = CK_RNN_UPAD(j->U) / 2, half = (pairs + 1) / 2;
    size_t h = CK_LOAD(&j->claimed), done;
    unsigned spins = 0;
    while (h < 2) {
        if (!CK_CAS(&j->claimed, &h, h + 1)) continue;   /* h reloaded */
        ck_lstm_infer_pack_f32(j->F, j->U, j->W, j->R, j->b, j->K, h * half,
                               h ? pairs : half, (real *)j->P);
        done = CK_LOAD(&j->packed);
        while (!CK_CAS(&j->packed, &done, done + 1)) {}
        h = CK_LOAD(&j->claimed);
    }
    while (CK_LOAD(&j->packed) < 2) ck_spin_pause(&spins);
}

static void CK_S(lstm_batch_cols)(void *ctx, size_t lo, size_t hi)
{
    const CK_S(lstm_batch) *j = (const CK_S(lstm_batch) *)ctx;
    const size_t T = j->T, F = j->F, U = j->U, K = j->K, w = 16 * (hi - lo), b0 = 16 * lo;
    const size_t nb = (16 * hi < j->B ? 16 * hi : j->B) - b0;
    real *XH[2], *Ct, *zt;
    uint8_t *on;
    size_t s, k;
    XH[0] = j->ws + lo * j->per;
    XH[1] = XH[0] + K * w;
    Ct = XH[1] + K * w;
    zt = Ct + U * w;
    on = (uint8_t *)(zt + CK_RNN_TILE);
    /* Padding columns compute from zeros and are never read out. */
    CK_S(rnn_zero)((2 * K + U) * w, XH[0]);
    memset(on, 1, w);
    ck_rnn_transpose_f32(nb, U, j->h0 + b0 * U, U, XH[0] + F * w, w);
    ck_rnn_transpose_f32(nb, U, j->c0 + b0 * U, U, Ct, w);
    if (j->bias)
        for (k = 0; k < w; ++k) XH[0][(F + U) * w + k] = XH[1][(F + U) * w + k] = (real)1;
    CK_S(lstm_batch_pack)((CK_S(lstm_batch) *)ctx);
    for (s = 0; s < T; ++s) {
        const size_t t = j->gb ? T - 1 - s : s;
        real *cur = XH[s & 1], *nxt = XH[(s + 1) & 1];
        size_t off = 0;
        if (j->mask != NULL)
            for (k = 0; k < nb; ++k) {
                on[k] = j->mask[(b0 + k) * T + t] != 0;
                off += !on[k];
            }
        if (off == nb) {
            CK_S(rnn_copy)(U * w, cur + F * w, nxt + F * w);
        } else {
            ck_rnn_transpose_f32(nb, F, j->x + (b0 * T + t) * F, T * F, cur, w);
            ck_lstm_infer_step_f32(F, K, U, w, j->P, cur, Ct, nxt + F * w,
                                   off > 0 ? on : NULL, zt);
        }
        if (j->H != NULL)
            ck_rnn_transpose_f32(U, nb, nxt + F * w, w, j->H + (b0 * T + s) * U, T * U);
    }
    ck_rnn_transpose_f32(U, nb, XH[T & 1] + F * w, w, j->h + b0 * U, U);
    ck_rnn_transpose_f32(U, nb, Ct, w, j->c + b0 * U, U);
}

static void CK_S(lstm_infer_batch)(size_t B, size_t T, size_t F, size_t U, const real *x,
                                   const real *W, const real *R, const real *b,
                                   const real *h0, const real *c0, const uint8_t *mask,
                                   int gb, real *H, real *h, real *c, real *ws)
{
    const size_t K = F + U + (b != NULL), nch = (B + 15) / 16;
    real *P = CK_S(rnn_align64)(ws);
    CK_S(lstm_batch) j;
    j.B = B;
    j.T = T;
    j.F = F;
    j.U = U;
    j.K = K;
    j.per = CK_RNN_CHUNK_WS(K, U);
    j.x = x;
    j.P = P;
    j.h0 = h0;
    j.c0 = c0;
    j.mask = mask;
    j.gb = gb;
    j.bias = b != NULL;
    j.H = H;
    j.h = h;
    j.c = c;
    j.ws = CK_S(rnn_align64)(P + 4 * CK_RNN_UPAD(U) * K);
    j.W = W;
    j.R = R;
    j.b = b;
    j.claimed = 0;
    j.packed = 0;
    /* Two ranges as even as 16-column chunks allow: the tile runs 32
     * columns wide where it can. */
    ck_threads_run_chunks(CK_S(lstm_batch_cols), &j, nch,
                          ck_rnn_batch_chunk > 0 ? (size_t)ck_rnn_batch_chunk : (nch + 1) / 2);
}
#endif

static int CK_S(lstm_infer)(size_t B, size_t T, size_t F, size_t U, const real *x,
                            const real *W, const real *R, const real *b, const real *h0,
                            const real *c0, const uint8_t *mask, int gb, int act, int ract,
                            int transposed, real *H, real *h, real *c, real *ws)
{
    /* The bias rides in the GEMM as one more column of [W;R]^T against a
     * row of ones in the step input: cheaper than a pass adding it. Every
     * buffer has Bp columns, the batch padded with zero columns. */
    const size_t G4 = 4 * U, K = F + U + (b != NULL), Bp = CK_RNN_BPAD(B), n = U * Bp;
    real *XH = ws, *Z = XH + K * Bp, *Ct = Z + G4 * Bp, *Hn = Ct + n, *Cn = Hn + n;
    real *WRt = Cn + n, *Ht = XH + F * Bp;
    const int fused = act == CK_ACT_TANH && ract == CK_ACT_SIGMOID;
    size_t s, j, k;
    /* T == 0 is not empty here: h and c are then h0 and c0. */
    const int st = ck_rnn_check(act, ract, B == 0 || U == 0, F, x, W, R, h0);
    if (st != CK_RNN_RUN) return st;
    if (c0 == NULL || h == NULL || c == NULL || ws == NULL) return CK_ERR_ARG;
    if (!transposed && B == 1
        && CK_S(lstm_infer_one)(T, F, U, x, W, R, b, h0, c0, mask, gb, act, ract, H, h, c,
                                ws))
        return CK_OK;
    if (!transposed)
        return CK_S(lstm_infer_rows)(B, T, F, U, x, W, R, b, h0, c0, mask, gb, act,
                                     ract, H, h, c, ws);
#ifdef CK_LSTM_FUSED
    if (ck_rnn_fused_usable(act, ract)) {
        CK_S(lstm_infer_batch)(B, T, F, U, x, W, R, b, h0, c0, mask, gb, H, h, c, ws);
        return CK_OK;
    }
#endif
    CK_S(rnn_zero)(K * Bp + G4 * Bp + 3 * n, ws);
    CK_S(rnn_transpose)(B, U, h0, U, Ht, Bp);
    CK_S(rnn_transpose)(B, U, c0, U, Ct, Bp);
    if (b != NULL)
        for (k = 0; k < Bp; ++k) XH[(F + U) * Bp + k] = (real)1;
    CK_S(rnn_transpose)(F, G4, W, G4, WRt, K);
    CK_S(rnn_transpose)(U, G4, R, G4, WRt + F, K);
    if (b != NULL)
        for (j = 0; j < G4; ++j) WRt[j * K + F + U] = b[j];
    for (s = 0; s < T; ++s) {
        const size_t t = gb ? T - 1 - s : s;
        size_t on = B;
        if (mask != NULL)
            for (on = 0, k = 0; k < B; ++k) on += mask[k * T + t] != 0;
        if (on > 0) {
            CK_S(rnn_transpose)(B, F, x + t * F, T * F, XH, Bp);
            CK_TRY(GEMM(0, 0, G4, Bp, K, (real)1, WRt, K, XH, Bp, (real)0, Z, Bp));
        }
        if (on == B) {
            /* No column carries its state: update h and c in place. */
            if (fused)
                CK_S(lstm_infer_cell_any)(n, Z, Ct, Ht);
            else
                CK_S(lstm_cell)(n, Z, Ct, Ct, Ht, act, ract);
        } else if (on > 0) {
            for (j = 0; j < n; ++j) Cn[j] = Ct[j];
            if (fused)
                CK_S(lstm_infer_cell_any)(n, Z, Cn, Hn);
            else
                CK_S(lstm_cell)(n, Z, Cn, Cn, Hn, act, ract);
            for (k = 0; k < B; ++k) {
                if (!mask[k * T + t]) continue;
                for (j = 0; j < U; ++j) {
                    Ht[j * Bp + k] = Hn[j * Bp + k];
                    Ct[j * Bp + k] = Cn[j * Bp + k];
                }
            }
        }
        if (H != NULL) CK_S(rnn_transpose)(U, B, Ht, Bp, H + s * U, T * U);
    }
    CK_S(rnn_transpose)(U, B, Ht, Bp, h, U);
    CK_S(rnn_transpose)(U, B, Ct, Bp, c, U);
    return CK_OK;
}

/* Counted in flight so that concurrent calls from several threads leave
 * the helper thread alone (see ck_threads.h). */
int CK_S(ck_lstm_infer)(size_t B, size_t T, size_t F, size_t U, const real *x,
                        const real *W, const real *R, const real *b, const real *h0,
                        const real *c0, const uint8_t *mask, int gb, int act, int ract,
                        int transposed, real *H, real *h, real *c, real *ws)
{
    int st;
    ck_threads_enter();
    st = CK_S(lstm_infer)(B, T, F, U, x, W, R, b, h0, c0, mask, gb, act, ract,
                          transposed, H, h, c, ws);
    ck_threads_leave();
    return st;
}
