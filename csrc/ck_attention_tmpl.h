/* Body of ck_attention.c for one precision: included once per element type
 * `real` (see ck_tmpl.h); not a public header. The softmax and its backward
 * are ck_act's vectorized row kernels. */

/* Adds tf-keras' -1e9 to the masked scores of one head's T x S block. */
static void CK_S(attention_mask)(size_t T, size_t S, const unsigned char *mask, real *p)
{
    size_t i;
    for (i = 0; i < T * S; ++i)
        if (!mask[i]) p[i] += (real)CK_ATTENTION_MASKED;
}

/* What the heads of one call share. Heads are independent, so the caller and
 * the helper thread each take ranges of the B * N (batch, head) pairs; each
 * head runs the same code whoever takes it, so results are bit-identical
 * with the helper or without. */
typedef struct {
    size_t T, S, N, H, Hv, lq, lk, lv;
    const real *q, *k, *v, *probs_in, *dout, *dprobs;
    const unsigned char *mask;
    real scale, *probs, *work, *out, *dq, *dk, *dv;
    size_t slot_size;  /* elements of each half of `work` */
    int tiles;         /* products on the AVX-512 tiles (float) */
    int busy[2];   /* which T x S halves of `work` a running range holds */
    int status;
} CK_S(attention_job);

/* At most two ranges run at once (caller and helper): one half is free. */
static real *CK_S(attention_slot)(CK_S(attention_job) *j, int *slot)
{
    int expected = 0;
    *slot = 0;
    while (!CK_CAS(&j->busy[*slot], &expected, 1)) {
        expected = 0;
        *slot ^= 1;
    }
    return j->work + (size_t)*slot * j->slot_size;
}

static void CK_S(attention_fail)(CK_S(attention_job) *j, int st)
{
    if (st != CK_OK) CK_STORE(&j->status, st);
}

/* Row strides: NULL means packed (N * H, N * H, N * Hv). */
static int CK_S(attention_strides)(CK_S(attention_job) *j, const ck_attention_ld *ld)
{
    j->lq = ld != NULL ? ld->q : j->N * j->H;
    j->lk = ld != NULL ? ld->k : j->N * j->H;
    j->lv = ld != NULL ? ld->v : j->N * j->Hv;
    if (j->lq < j->N * j->H || j->lk < j->N * j->H || j->lv < j->N * j->Hv) return CK_ERR_ARG;
    return CK_OK;
}

/* The size of the halves of `work` (ck_attention_work_size) and the path. */
static void CK_S(attention_setup)(CK_S(attention_job) *j)
{
    j->slot_size = ck_attention_work_size(j->T, j->S, j->H, j->Hv) / 2;
    j->tiles = sizeof(real) == sizeof(float) && attention_tiles(j->S, j->H, j->Hv);
}

static int CK_S(attention_fwd_head)(CK_S(attention_job) *j, size_t bn, real *p, real *pack)
{
    const size_t T = j->T, S = j->S, N = j->N, H = j->H, Hv = j->Hv;
    const size_t b = bn / N, n = bn % N, lq = j->lq, lk = j->lk, lv = j->lv;
    CK_TRY(CK_S(attention_mm)(j->tiles, 0, 1, T, S, H, j->scale, j->q + b * T * lq + n * H,
                              lq, j->k + b * S * lk + n * H, lk, p, S, pack));
    if (j->tiles) {
        CK_S(attention_tiled_softmax)(T, S, j->mask != NULL ? j->mask + b * T * S : NULL, p);
    } else {
        if (j->mask != NULL) CK_S(attention_mask)(T, S, j->mask + b * T * S, p);
        CK_TRY(CK_S(ck_act_softmax_fwd)(T, S, p, p));
    }
    return CK_S(attention_mm)(j->tiles, 0, 0, T, Hv, S, (real)1, p, S,
                              j->v + b * S * lv + n * Hv, lv,
                              j->out + b * T * N * Hv + n * Hv, N * Hv, pack);
}

/* Each half of `work`: a head's T x S probabilities (when they are not
 * kept), then the copy of one operand (max(H, Hv) x max(T, S)). */
static void CK_S(attention_fwd_range)(void *ctx, size_t lo, size_t hi)
{
    CK_S(attention_job) *j = (CK_S(attention_job) *)ctx;
    int slot, st = CK_OK;
    real *scratch = CK_S(attention_slot)(j, &slot), *pack = scratch + j->T * j->S;
    size_t bn;
    for (bn = lo; bn < hi && st == CK_OK; ++bn)
        st = CK_S(attention_fwd_head)(j, bn, j->probs == NULL ? scratch
                                             : j->probs + bn * j->T * j->S, pack);
    CK_S(attention_fail)(j, st);
    CK_STORE(&j->busy[slot], 0);
}

int CK_S(ck_attention_fwd)(size_t B, size_t T, size_t S, size_t N, size_t H, size_t Hv,
                           const ck_attention_ld *ld, int threads, const real *q,
                           const real *k, const real *v, const unsigned char *mask,
                           double scale, real *probs, real *work, real *out)
{
    CK_S(attention_job) j;
    if (B == 0 || T == 0 || N == 0) return CK_OK;
    if (S == 0) return CK_ERR_ARG;   /* a softmax over nothing */
    if (q == NULL || k == NULL || v == NULL || out == NULL || work == NULL)
        return CK_ERR_ARG;
    memset(&j, 0, sizeof j);
    j.T = T; j.S = S; j.N = N; j.H = H; j.Hv = Hv;
    CK_TRY(CK_S(attention_strides)(&j, ld));
    j.q = q; j.k = k; j.v = v; j.mask = mask;
    j.scale = (real)scale; j.probs = probs; j.work = work; j.out = out;
    CK_S(attention_setup)(&j);
    if (threads > 1)
        ck_threads_run_chunks(CK_S(attention_fwd_range), &j, B * N, 1);
    else
        CK_S(attention_fwd_range)(&j, 0, B * N);
    return j.status;
}

static int CK_S(attention_bwd_head)(CK_S(attention_job) *j, size_t bn, real *work,
                                    real *pack)
{
    const size_t T = j->T, S = j->S, N = j->N, H = j->H, Hv = j->Hv;
    const size_t b = bn / N, n = bn % N, head = bn * T * S;
    const size_t lq = j->lq, lk = j->lk, lv = j->lv;
    const real *p = j->probs_in + head;
    const real *qb = j->q + b * T * lq + n * H, *kb = j->k + b * S * lk + n * H;
    const real *vb = j->v + b * S * lv + n * Hv;
    const real *gb = j->dout + b * T * N * Hv + n * Hv;
    size_t i;
    /* dv = P^T dout; dP = dout v^T (+ dprobs) */
    CK_TRY(CK_S(attention_mm)(j->tiles, 1, 0, S, Hv, T, (real)1, p, S, gb, N * Hv,
                              j->dv + b * S * lv + n * Hv, lv, pack));
    CK_TRY(CK_S(attention_mm)(j->tiles, 0, 1, T, S, Hv, (real)1, gb, N * Hv, vb, lv, work, S,
                              pack));
    /* dS = P (dP - rowsum(dP P)) in place; the scale goes into the GEMMs */
    if (j->tiles) {
        CK_S(attention_tiled_softmax_bwd)(T, S, p, j->dprobs != NULL ? j->dprobs + head : NULL,
                                          work);
    } else {
        if (j->dprobs != NULL) {
            const real *gp = j->dprobs + head;
            for (i = 0; i < T * S; ++i) work[i] += gp[i];
        }
        CK_TRY(CK_S(ck_act_softmax_bwd)(T, S, p, work, work));
    }
    CK_TRY(CK_S(attention_mm)(j->tiles, 0, 0, T, H, S, j->scale, work, S, kb, lk,
                              j->dq + b * T * lq + n * H, lq, pack));
    return CK_S(attention_mm)(j->tiles, 1, 0, S, H, T, j->scale, work, S, qb, lq,
                              j->dk + b * S * lk + n * H, lk, pack);
}

static void CK_S(attention_bwd_range)(void *ctx, size_t lo, size_t hi)
{
    CK_S(attention_job) *j = (CK_S(attention_job) *)ctx;
    int slot, st = CK_OK;
    real *work = CK_S(attention_slot)(j, &slot), *pack = work + j->T * j->S;
    size_t bn;
    for (bn = lo; bn < hi && st == CK_OK; ++bn)
        st = CK_S(attention_bwd_head)(j, bn, work, pack);
    CK_S(attention_fail)(j, st);
    CK_STORE(&j->busy[slot], 0);
}

int CK_S(ck_attention_bwd)(size_t B, size_t T, size_t S, size_t N, size_t H, size_t Hv,
                           const ck_attention_ld *ld, int threads, const real *q,
                           const real *k, const real *v, const real *probs,
                           const real *dout, const real *dprobs,
                           double scale, real *work, real *dq, real *dk, real *dv)
{
    CK_S(attention_job) j;
    if (B == 0 || N == 0 || (T == 0 && S == 0)) return CK_OK;
    if (q == NULL || k == NULL || v == NULL || probs == NULL || dout == NULL ||
        work == NULL || dq == NULL || dk == NULL || dv == NULL)
        return CK_ERR_ARG;
    memset(&j, 0, sizeof j);
    j.T = T; j.S = S; j.N = N; j.H = H; j.Hv = Hv;
    CK_TRY(CK_S(attention_strides)(&j, ld));
    j.q = q; j.k = k; j.v = v; j.probs_in = probs; j.dout = dout; j.dprobs = dprobs;
    j.scale = (real)scale; j.work = work; j.dq = dq; j.dk = dk; j.dv = dv;
    CK_S(attention_setup)(&j);
    if (threads > 1)
        ck_threads_run_chunks(CK_S(attention_bwd_range), &j, B * N, 1);
    else
        CK_S(attention_bwd_range)(&j, 0, B * N);
    return j.status;
}
