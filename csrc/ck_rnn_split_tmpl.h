/* Batch-1 LSTM inference split between the caller and the helper thread,
 * for one precision. Included once per element type `real` (see
 * ck_tmpl.h), after ck_rnn_infer_tmpl.h; not a public header. */

/* The kernel and recurrent weights of a range of units [u0, u1): element
 * (row k, gate g, unit u) at W[k*ld + g*gs + u - u0], likewise R. Either
 * the caller's arrays or a packed copy of the range. */
typedef struct {
    const real *W, *R;
    size_t ld, gs;
} CK_S(lstm_cols);

static CK_S(lstm_cols) CK_S(lstm_cols_orig)(size_t U, const real *W, const real *R, size_t u0)
{
    CK_S(lstm_cols) m;
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
static CK_S(lstm_cols) CK_S(lstm_cols_pack)(size_t F, size_t U, const real *W,
                                            const real *R, size_t u0, size_t u1, real *P)
{
    const size_t n = u1 - u0;
    CK_S(lstm_cols) m;
    size_t k, g;
    for (k = 0; k < F + U; ++k) {
        const real *src = k < F ? W + k * 4 * U : R + (k - F) * 4 * U;
        for (g = 0; g < 4; ++g) memcpy(P + (k * 4 + g) * n, src + g * U + u0, n * sizeof(real));
    }
    m.W = P;
    m.R = P + F * 4 * n;
    m.ld = 4 * n;
    m.gs = n;
    return m;
}

/* Batch-1 inference, split by units between the caller and the helper
 * thread (ck_threads.h). At one row the step is a matrix-vector product
 * bound by reading [W;R] from L2 (~2.4 us a step for 128 units on one core,
 * measured); with each core reading the gate columns of half the units from
 * its own L2 the step takes about half as long, and the only exchange is h.
 * Step s reads h from hb[s % 2] and writes hb[(s + 1) % 2]; c stays with its
 * units. The caller always runs units [0, split); units [split, U) of each
 * step go to whoever claims them first, so the caller finishes alone if the
 * helper comes late or never. Without the helper (disabled, busy, backing
 * off, other calls in flight) the caller runs both ranges of every step
 * itself: 225 against 239 us for the rows path at LSTM(128), 50 steps (the
 * z64 tiles beat its GEMM), and the same bits. Both threads run the same
 * code on the same values, so the result depends neither on who computed
 * which step nor on the thread setting or the machine's load. */
typedef struct {
    ck_job job; /* first: the helper receives a ck_job * */
    size_t T, F, U, split;
    const real *x, *W, *R, *b;
    const uint8_t *mask;
    int gb, act, ract, strict, fast, pack;
    real *hb, *c, *H, *Phi;
    /* Step counters written by different threads, on separate cache lines. */
    char pad0[64];
    size_t lo_done;
    char pad1[64];
    size_t hi_done;
    char pad2[64];
    size_t hi_claimed;
    char pad3[64];
    int solo; /* set by the caller: the helper leaves */
} CK_S(lstm_split);

static void CK_S(lstm_units)(const CK_S(lstm_split) *j, size_t s, size_t u0, size_t u1,
                             const CK_S(lstm_cols) *m)
{
    const size_t U = j->U, t = j->gb ? j->T - 1 - s : s;
    const real *hp = j->hb + (s & 1) * U, *xt = j->x + t * j->F;
    real *hn = j->hb + ((s + 1) & 1) * U;
    real z[4 * CK_RNN_UBLK];
    size_t u, n, g, k;
    if (j->mask != NULL && !j->mask[t]) {
        CK_S(rnn_copy)(u1 - u0, hp + u0, hn + u0);
    } else {
        for (u = u0; u < u1; u += n) {
            const real *Wu = m->W + (u - u0), *Ru = m->R + (u - u0);
            n = u1 - u < CK_RNN_UBLK ? u1 - u : CK_RNN_UBLK;
#ifdef CK_LSTM_FUSED
            if (j->fast && n == CK_RNN_UBLK) {
                ck_lstm_z64_f32(j->F, U, m->ld, m->gs, xt, Wu, Ru, hp,
                                j->b != NULL ? j->b + u : NULL, z);
            } else
#endif
            {
                for (g = 0; g < 4; ++g)
                    for (k = 0; k < n; ++k)
                        z[g * n + k] = j->b != NULL ? j->b[g * U + u + k] : (real)0;
                for (g = 0; g < 4; ++g) {
                    CK_S(rnn_gemv_acc)(j->F, n, xt, Wu + g * m->gs, m->ld, z + g * n);
                    CK_S(rnn_gemv_acc)(U, n, hp, Ru + g * m->gs, m->ld, z + g * n);
                }
            }
            if (j->act == CK_ACT_TANH && j->ract == CK_ACT_SIGMOID)
                CK_S(lstm_infer_cell_any)(n, z, j->c + u, hn + u);
            else
                CK_S(lstm_cell)(n, z, j->c + u, j->c + u, hn + u, j->act, j->ract);
        }
    }
    if (j->H != NULL) CK_S(rnn_copy)(u1 - u0, hn + u0, j->H + s * U + u0);
}

/* The helper's side: the upper units of every step it can claim, from its
 * own packed copy of their weights. */
static void CK_S(lstm_split_run)(ck_job *job)
{
    CK_S(lstm_split) *j = (CK_S(lstm_split) *)job;
    CK_S(lstm_cols) m;
    size_t s = 0;
    unsigned spins = 0;
    /* Come too late to help: leave before copying weights the caller would
     * wait for. */
    if (CK_LOAD(&j->hi_claimed) >= j->T || CK_LOAD(&j->solo)) return;
    m = j->pack ? CK_S(lstm_cols_pack)(j->F, j->U, j->W, j->R, j->split, j->U, j->Phi)
                : CK_S(lstm_cols_orig)(j->U, j->W, j->R, j->split);
    while (s < j->T && !CK_LOAD(&j->solo)) {
        if (CK_LOAD(&j->lo_done) < s || CK_LOAD(&j->hi_done) < s) {
            ck_spin_pause(&spins);
            continue;
        }
        /* On failure s becomes the caller's claim count: it is ahead. */
        if (CK_CAS(&j->hi_claimed, &s, s + 1)) {
            CK_S(lstm_units)(j, s, j->split, j->U, &m);
            CK_STORE(&j->hi_done, s + 1);
            ++s;
        }
    }
}

static int CK_S(lstm_infer_one)(size_t T, size_t F, size_t U, const real *x, const real *W,
                                const real *R, const real *b, const real *h0,
                                const real *c0, const uint8_t *mask, int gb, int act,
                                int ract, real *H, real *h, real *c, real *ws)
{
    /* Whole AVX-512 vectors of float on the caller's side. */
    const size_t split = (U / 2 + 15) / 16 * 16;
    CK_S(lstm_split) j;
    CK_S(lstm_cols) lo, hi;
    real *Plo;
    size_t s, claim;
    unsigned spins = 0;
    int started;
    if (split >= U || 4 * U * (F + U) < CK_RNN_SPLIT_MIN) return 0;
    memset(&j, 0, sizeof j);
    j.job.run = CK_S(lstm_split_run);
    j.T = T;
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
    j.pack = T >= CK_RNN_PACK_MIN_T;
    j.hb = ws;
    j.c = c;
    j.H = H;
    Plo = CK_S(rnn_align64)(ws + 2 * U);
    j.Phi = CK_S(rnn_align64)(Plo + 4 * split * (F + U));
    /* The helper may start on step 0 as soon as it has the job. */
    CK_S(rnn_copy)(U, h0, ws);
    CK_S(rnn_copy)(U, c0, c);
    /* Backing off (the helper was late twice lately: another process wants
     * its core) counts as no helper, as in ck_threads_run_chunks. Measured
     * with one CPU-burning neighbour: the helper, preempted while it held a
     * step, stalled the caller for a time slice (p99 4.4 ms of a 0.12 ms
     * call) in 3-5% of calls, and the calls took 2.1-2.6x their quiet time.
     * Strict mode (tests) ignores the back-off: the helper must take every
     * step. */
    started = (j.strict || !ck_threads_backing_off()) && ck_threads_start(&j.job);
    lo = j.pack && started ? CK_S(lstm_cols_pack)(F, U, W, R, 0, j.split, Plo)
                           : CK_S(lstm_cols_orig)(U, W, R, 0);
    /* Upper units this thread claims (the helper is late): from the
     * caller's arrays, since the helper may be packing its copy. */
    hi = CK_S(lstm_cols_orig)(U, W, R, j.split);
    for (s = 0; s < T; ++s) {
        while (started && CK_LOAD(&j.hi_done) < s) ck_spin_pause(&spins);
        CK_S(lstm_units)(&j, s, 0, j.split, &lo);
        CK_STORE(&j.lo_done, s + 1);
        if (!started) {
            CK_S(lstm_units)(&j, s, j.split, U, &hi);
            continue;
        }
        if (j.strict) continue;
        if (!j.solo && ck_threads_calls() > 1) CK_STORE(&j.solo, 1);
        claim = s;
        if (CK_CAS(&j.hi_claimed, &claim, s + 1)) {
            CK_S(lstm_units)(&j, s, j.split, U, &hi);
            CK_STORE(&j.hi_done, s + 1);
        }
    }
    if (started) {
        while (CK_LOAD(&j.hi_done) < T) ck_spin_pause(&spins);
        ck_threads_finish();
    }
    CK_S(rnn_copy)(U, ws + (T & 1) * U, h);
    return 1;
}
