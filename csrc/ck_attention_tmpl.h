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

int CK_S(ck_attention_fwd)(size_t B, size_t T, size_t S, size_t N, size_t H, size_t Hv,
                           const real *q, const real *k, const real *v,
                           const unsigned char *mask, double scale, real *probs,
                           real *out)
{
    size_t b, n;
    if (B == 0 || T == 0 || N == 0) return CK_OK;
    if (S == 0) return CK_ERR_ARG;   /* a softmax over nothing */
    if (q == NULL || k == NULL || v == NULL || probs == NULL || out == NULL)
        return CK_ERR_ARG;
    for (b = 0; b < B; ++b) {
        const unsigned char *mb = mask != NULL ? mask + b * T * S : NULL;
        for (n = 0; n < N; ++n) {
            real *p = probs + (b * N + n) * T * S;
            CK_TRY(CK_S(ck_gemm)(0, 1, T, S, H, (real)scale, q + b * T * N * H + n * H, N * H,
                                 k + b * S * N * H + n * H, N * H, (real)0, p, S));
            if (mb != NULL) CK_S(attention_mask)(T, S, mb, p);
            CK_TRY(CK_S(ck_act_softmax_fwd)(T, S, p, p));
            CK_TRY(CK_S(ck_gemm)(0, 0, T, Hv, S, (real)1, p, S,
                                 v + b * S * N * Hv + n * Hv, N * Hv, (real)0,
                                 out + b * T * N * Hv + n * Hv, N * Hv));
        }
    }
    return CK_OK;
}

int CK_S(ck_attention_bwd)(size_t B, size_t T, size_t S, size_t N, size_t H, size_t Hv,
                           const real *q, const real *k, const real *v,
                           const real *probs, const real *dout, const real *dprobs,
                           double scale, real *work, real *dq, real *dk, real *dv)
{
    size_t b, n, i;
    if (B == 0 || N == 0 || (T == 0 && S == 0)) return CK_OK;
    if (q == NULL || k == NULL || v == NULL || probs == NULL || dout == NULL ||
        work == NULL || dq == NULL || dk == NULL || dv == NULL)
        return CK_ERR_ARG;
    for (b = 0; b < B; ++b) {
        for (n = 0; n < N; ++n) {
            const size_t head = (b * N + n) * T * S;
            const real *p = probs + head;
            const real *qb = q + b * T * N * H + n * H, *kb = k + b * S * N * H + n * H;
            const real *vb = v + b * S * N * Hv + n * Hv;
            const real *gb = dout + b * T * N * Hv + n * Hv;
            /* dv = P^T dout; dP = dout v^T (+ dprobs) */
            CK_TRY(CK_S(ck_gemm)(1, 0, S, Hv, T, (real)1, p, S, gb, N * Hv, (real)0,
                                 dv + b * S * N * Hv + n * Hv, N * Hv));
            CK_TRY(CK_S(ck_gemm)(0, 1, T, S, Hv, (real)1, gb, N * Hv, vb, N * Hv, (real)0,
                                 work, S));
            if (dprobs != NULL) {
                const real *gp = dprobs + head;
                for (i = 0; i < T * S; ++i) work[i] += gp[i];
            }
            /* dS = P (dP - rowsum(dP P)) in place; the scale goes into the GEMMs */
            CK_TRY(CK_S(ck_act_softmax_bwd)(T, S, p, work, work));
            CK_TRY(CK_S(ck_gemm)(0, 0, T, H, S, (real)scale, work, S, kb, N * H, (real)0,
                                 dq + b * T * N * H + n * H, N * H));
            CK_TRY(CK_S(ck_gemm)(1, 0, S, H, T, (real)scale, work, S, qb, N * H, (real)0,
                                 dk + b * S * N * H + n * H, N * H));
        }
    }
    return CK_OK;
}
