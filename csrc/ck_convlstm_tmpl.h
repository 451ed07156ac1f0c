/* Body of ck_convlstm.c for one precision: included once per element type
 * `real` (see ck_tmpl.h); not a public header. */

/* im2col of positions [r0, r0 + m) of the N*P positions of a state whose
 * sample n starts at h + n*ns, for the stride-1 'same' window; with `mul`
 * ((N, P, F), contiguous) each gathered value is h * mul (recurrent
 * dropout), so the dropped state is never stored whole. */
static void CK_S(cl_im2col)(const ck_convlstm_shape *s, const real *h, size_t ns,
                            const real *mul, size_t r0, size_t m, real *col)
{
    const size_t F = s->F, D = s->D, H = s->H, W = s->W, P = D * H * W;
    const size_t KW = s->KW, K = s->KD * s->KH * KW * F;
    const ptrdiff_t pd = (ptrdiff_t)((s->KD - 1) / 2), ph = (ptrdiff_t)((s->KH - 1) / 2);
    const ptrdiff_t pw = (ptrdiff_t)((KW - 1) / 2);
    size_t i, kd, kh, j;
    for (i = 0; i < m; ++i) {
        const size_t r = r0 + i, n = r / P, p = r % P;
        const ptrdiff_t w = (ptrdiff_t)(p % W), y = (ptrdiff_t)((p / W) % H);
        const ptrdiff_t d = (ptrdiff_t)(p / (W * H));
        const real *hn = h + n * ns;
        const real *mn = mul ? mul + n * P * F : NULL;
        real *dst = col + i * K;
        for (kd = 0; kd < s->KD; ++kd) {
            const ptrdiff_t id = d + (ptrdiff_t)kd - pd;
            if (id < 0 || id >= (ptrdiff_t)D) {
                memset(dst, 0, s->KH * KW * F * sizeof(real));
                dst += s->KH * KW * F;
                continue;
            }
            for (kh = 0; kh < s->KH; ++kh) {
                const ptrdiff_t ih = y + (ptrdiff_t)kh - ph;
                /* the in-range kw run [lo, hi) is contiguous in the state:
                 * one copy of (hi - lo) * F values instead of one per kw */
                const ptrdiff_t lo = pw - w > 0 ? pw - w : 0;
                const ptrdiff_t hi = (ptrdiff_t)W - w + pw < (ptrdiff_t)KW
                                         ? (ptrdiff_t)W - w + pw : (ptrdiff_t)KW;
                size_t off;
                if (ih < 0 || ih >= (ptrdiff_t)H || hi <= lo) {
                    memset(dst, 0, KW * F * sizeof(real));
                    dst += KW * F;
                    continue;
                }
                if (lo > 0) memset(dst, 0, (size_t)lo * F * sizeof(real));
                off = (((size_t)id * H + (size_t)ih) * W + (size_t)(w + lo - pw)) * F;
                if (mn == NULL) {
                    memcpy(dst + (size_t)lo * F, hn + off, (size_t)(hi - lo) * F * sizeof(real));
                } else {
                    real *o = dst + (size_t)lo * F;
                    const real *a = hn + off, *b = mn + off;
                    for (j = 0; j < (size_t)(hi - lo) * F; ++j) o[j] = a[j] * b[j];
                }
                if ((size_t)hi < KW)
                    memset(dst + (size_t)hi * F, 0, (KW - (size_t)hi) * F * sizeof(real));
                dst += KW * F;
            }
        }
    }
}

/* dh += col2im(col) for positions [r0, r0 + m), each value times `mul` at
 * its destination when mul is not NULL; dh and mul are (N, P, F). */
CK_TARGET_CLONES
static void CK_S(cl_col2im)(const ck_convlstm_shape *s, const real *col, const real *mul,
                            size_t r0, size_t m, real *dh)
{
    const size_t F = s->F, D = s->D, H = s->H, W = s->W, P = D * H * W;
    const size_t KW = s->KW, K = s->KD * s->KH * KW * F;
    const ptrdiff_t pd = (ptrdiff_t)((s->KD - 1) / 2), ph = (ptrdiff_t)((s->KH - 1) / 2);
    const ptrdiff_t pw = (ptrdiff_t)((KW - 1) / 2);
    size_t i, kd, kh, j;
    for (i = 0; i < m; ++i) {
        const size_t r = r0 + i, n = r / P, p = r % P;
        const ptrdiff_t w = (ptrdiff_t)(p % W), y = (ptrdiff_t)((p / W) % H);
        const ptrdiff_t d = (ptrdiff_t)(p / (W * H));
        real *dn = dh + n * P * F;
        const real *mn = mul ? mul + n * P * F : NULL;
        const real *src = col + i * K;
        for (kd = 0; kd < s->KD; ++kd) {
            const ptrdiff_t id = d + (ptrdiff_t)kd - pd;
            if (id < 0 || id >= (ptrdiff_t)D) {
                src += s->KH * KW * F;
                continue;
            }
            for (kh = 0; kh < s->KH; ++kh, src += KW * F) {
                const ptrdiff_t ih = y + (ptrdiff_t)kh - ph;
                const ptrdiff_t lo = pw - w > 0 ? pw - w : 0;
                const ptrdiff_t hi = (ptrdiff_t)W - w + pw < (ptrdiff_t)KW
                                         ? (ptrdiff_t)W - w + pw : (ptrdiff_t)KW;
                size_t off, len;
                real *dst;
                const real *a;
                if (ih < 0 || ih >= (ptrdiff_t)H || hi <= lo) continue;
                /* the in-range kw run is contiguous at the destination too */
                off = (((size_t)id * H + (size_t)ih) * W + (size_t)(w + lo - pw)) * F;
                dst = dn + off;
                a = src + (size_t)lo * F;
                len = (size_t)(hi - lo) * F;
                if (mn == NULL) {
                    for (j = 0; j < len; ++j) dst[j] += a[j];
                } else {
                    const real *b = mn + off;
                    for (j = 0; j < len; ++j) dst[j] += a[j] * b[j];
                }
            }
        }
    }
}

/* zb (m, 4F) = the recurrent convolution of rows [r0, r0 + m) of the state
 * h (sample stride ns), gate g convolving h * rmask[g] when rmask is set. */
/* dy *= act'(.) from the activation's output y, in place (ck_act_bwd
 * needs a separate output buffer; the row-parallel loops have none). */
CK_TARGET_CLONES
static void CK_S(cl_dact)(int code, size_t n, const real *y, real *d)
{
    size_t j;
    switch (code) {
    case CK_ACT_RELU:
        for (j = 0; j < n; ++j) d[j] = y[j] > (real)0 ? d[j] : (real)0;
        break;
    case CK_ACT_SIGMOID:
        for (j = 0; j < n; ++j) d[j] = d[j] * y[j] * ((real)1 - y[j]);
        break;
    case CK_ACT_TANH:
        for (j = 0; j < n; ++j) d[j] = d[j] * ((real)1 - y[j] * y[j]);
        break;
    case CK_ACT_HARD_SIGMOID:
        for (j = 0; j < n; ++j)
            d[j] = y[j] > (real)0 ? (y[j] < (real)1 ? (real)0.2 * d[j] : (real)0) : (real)0;
        break;
    default: /* linear */
        break;
    }
}

/* What the row loops of one step share; rows [lo, hi) of a block are
 * independent, so the caller and the helper thread split them. */
typedef struct CK_S(cl_rows) {
    const ck_convlstm_shape *s;
    size_t st, t, ns, r0;
    int skip, act, ract;
    const unsigned char *mask;
    const real *xz, *hp, *cp, *G, *C, *dH, *dc, *h, *rm;
    real *zb, *H, *Cw, *Gw, *dh, *dcn, *dxz, *col;
} CK_S(cl_rows);

/* The gates and states of block rows [lo, hi) at step st (input time t):
 * zb holds their recurrent part (nothing when `skip`: a zero state); xz
 * and G rows are (N, T, P, 4F), G may be xz. */
static void CK_S(cl_fwd_rows)(void *ctx, size_t lo, size_t hi)
{
    const CK_S(cl_rows) *a = (const CK_S(cl_rows) *)ctx;
    const ck_convlstm_shape *s = a->s;
    const size_t T = s->T, P = s->D * s->H * s->W, F = s->F, F4 = 4 * F, PF = P * F;
    const size_t st = a->st, t = a->t, ns = a->ns;
    size_t i, j;
    for (i = lo; i < hi; ++i) {
        const size_t r = a->r0 + i, n = r / P, p = r % P;
        const size_t gi = ((n * T + t) * P + p) * F4;
        const int on = a->mask == NULL || a->mask[n * T + t];
        real *zr = a->zb + i * F4;
        const real *xr = a->xz + gi;
        const real *i_ = zr, *f_ = zr + F, *g_ = zr + 2 * F, *o_ = zr + 3 * F;
        const real *cpr = a->cp + n * ns + p * F, *hpr = a->hp + n * ns + p * F;
        real *c = a->Cw + (n * T + st) * PF + p * F, *h = a->H + (n * T + st) * PF + p * F;
        if (a->skip)
            memcpy(zr, xr, F4 * sizeof(real));
        else
            for (j = 0; j < F4; ++j) zr[j] += xr[j];
        (void)CK_S(ck_act_fwd)(a->ract, 2 * F, zr, zr);
        (void)CK_S(ck_act_fwd)(a->act, F, zr + 2 * F, zr + 2 * F);
        (void)CK_S(ck_act_fwd)(a->ract, F, zr + 3 * F, zr + 3 * F);
        memcpy(a->Gw + gi, zr, F4 * sizeof(real));
        if (!on) {
            memcpy(c, cpr, F * sizeof(real));
            memcpy(h, hpr, F * sizeof(real));
            continue;
        }
        for (j = 0; j < F; ++j) c[j] = f_[j] * cpr[j] + i_[j] * g_[j];
        (void)CK_S(ck_act_fwd)(a->act, F, c, h);
        for (j = 0; j < F; ++j) h[j] *= o_[j];
    }
}

/* im2col of block rows [lo, hi) (for the row-parallel split). */
static void CK_S(cl_im2col_rows)(void *ctx, size_t lo, size_t hi)
{
    const CK_S(cl_rows) *a = (const CK_S(cl_rows) *)ctx;
    const size_t K = a->s->KD * a->s->KH * a->s->KW * a->s->F;
    CK_S(cl_im2col)(a->s, a->h, a->ns, a->rm, a->r0 + lo, hi - lo, a->col + lo * K);
}

/* Row loops of a block on the caller and, for blocks worth a hand-off,
 * the helper thread. */
static void CK_S(cl_split)(void (*fn)(void *, size_t, size_t), CK_S(cl_rows) *a, size_t m)
{
    if (m * a->s->F < CK_CONVLSTM_SPLIT_MIN || !ck_threads_enabled())
        fn(a, 0, m);
    else
        ck_threads_run_chunks(fn, a, m, CK_CONVLSTM_CHUNK_ROWS);
}

static void CK_S(cl_im2col_split)(const ck_convlstm_shape *s, const real *h, size_t ns,
                                  const real *mul, size_t r0, size_t m, real *col)
{
    CK_S(cl_rows) a;
    memset(&a, 0, sizeof(a));
    a.s = s; a.h = h; a.ns = ns; a.rm = mul; a.r0 = r0; a.col = col;
    CK_S(cl_split)(CK_S(cl_im2col_rows), &a, m);
}

static int CK_S(cl_rconv)(const ck_convlstm_shape *s, const real *h, size_t ns,
                          const real *rmask, const real *R, size_t r0, size_t m, real *col,
                          real *zb)
{
    const size_t M = s->N * s->D * s->H * s->W, F = s->F, F4 = 4 * F;
    const size_t K = s->KD * s->KH * s->KW * F;
    size_t g;
    if (rmask == NULL) {
        CK_S(cl_im2col_split)(s, h, ns, NULL, r0, m, col);
        return CK_S(ck_gemm)(0, 0, m, F4, K, (real)1, col, K, R, F4, (real)0, zb, F4);
    }
    for (g = 0; g < 4; ++g) {
        CK_S(cl_im2col_split)(s, h, ns, rmask + g * M * F, r0, m, col);
        CK_TRY(CK_S(ck_gemm)(0, 0, m, F, K, (real)1, col, K, R + g * F, F4, (real)0,
                             zb + g * F, F4));
    }
    return CK_OK;
}

/* Backward of cl_rconv for rows [r0, r0 + m) and their gradient dzb:
 * dR += im2col(h)^T dzb when dR is set, dh += col2im(dzb R^T) when dh is
 * set (times rmask[g] at the destination for gate g). */
static int CK_S(cl_rconv_bwd)(const ck_convlstm_shape *s, const real *h, size_t ns,
                              const real *rmask, const real *R, const real *dzb, size_t r0,
                              size_t m, real *col, real *dR, real *dh)
{
    const size_t M = s->N * s->D * s->H * s->W, F = s->F, F4 = 4 * F;
    const size_t K = s->KD * s->KH * s->KW * F;
    const size_t ng = rmask == NULL ? 1 : 4, cols = rmask == NULL ? F4 : F;
    size_t g;
    for (g = 0; g < ng; ++g) {
        const real *rm = rmask == NULL ? NULL : rmask + g * M * F;
        if (dR != NULL) {
            CK_S(cl_im2col_split)(s, h, ns, rm, r0, m, col);
            CK_TRY(CK_S(ck_gemm)(1, 0, K, cols, m, (real)1, col, K, dzb + g * F, F4, (real)1,
                                 dR + g * F, F4));
        }
        if (dh != NULL) {
            CK_TRY(CK_S(ck_gemm)(0, 1, m, K, cols, (real)1, dzb + g * F, F4, R + g * F, F4,
                                 (real)0, col, K));
            CK_S(cl_col2im)(s, col, rm, r0, m, dh);
        }
    }
    return CK_OK;
}

static int CK_S(cl_codes)(int act, int ract)
{
    if (act < 0 || act >= CK_ACT_NCODES || act == CK_ACT_SOFTMAX) return CK_ERR_CODE;
    if (ract < 0 || ract >= CK_ACT_NCODES || ract == CK_ACT_SOFTMAX) return CK_ERR_CODE;
    return CK_OK;
}

static int CK_S(cl_all_zero)(size_t n, const real *a)
{
    size_t j;
    for (j = 0; j < n; ++j)
        if (a[j] != (real)0) return 0;
    return 1;
}

int CK_S(ck_convlstm_fwd)(const ck_convlstm_shape *s, const real *xz, const real *R,
                          const real *h0, const real *c0, const unsigned char *mask,
                          const real *rmask, int go_backwards, int act, int ract,
                          real *work, real *H, real *C, real *G)
{
    const size_t T = s->T, P = s->D * s->H * s->W, F = s->F;
    const size_t M = s->N * P, PF = P * F, K = s->KD * s->KH * s->KW * F;
    const size_t RB = ck_convlstm_col_rows(s, sizeof(real));
    real *col = work, *zb = col + RB * K;
    CK_S(cl_rows) a;
    size_t st, r0;
    int h0zero;
    CK_TRY(CK_S(cl_codes)(act, ract));
    if (M == 0 || T == 0 || F == 0) return CK_OK;
    if (!xz || !R || !h0 || !c0 || !work || !H || !C || !G) return CK_ERR_ARG;
    /* a zero initial state (the default) makes the first step's recurrent
     * convolution zero: skip its GEMMs */
    h0zero = CK_S(cl_all_zero)(M * F, h0);
    for (st = 0; st < T; ++st) {
        const size_t t = go_backwards ? T - 1 - st : st;
        const real *hp = st ? H + (st - 1) * PF : h0;
        const real *cp = st ? C + (st - 1) * PF : c0;
        const size_t ns = st ? T * PF : PF;
        const int skip = st == 0 && h0zero;
        /* row blocks: the block's gates are finished while its GEMM output
         * is still in cache */
        memset(&a, 0, sizeof(a));
        a.s = s; a.st = st; a.t = t; a.ns = ns; a.skip = skip; a.act = act; a.ract = ract;
        a.mask = mask; a.xz = xz; a.hp = hp; a.cp = cp; a.zb = zb; a.H = H; a.Cw = C;
        a.Gw = G;
        for (r0 = 0; r0 < M; r0 += RB) {
            const size_t m = M - r0 < RB ? M - r0 : RB;
            if (!skip) CK_TRY(CK_S(cl_rconv)(s, hp, ns, rmask, R, r0, m, col, zb));
            a.r0 = r0;
            CK_S(cl_split)(CK_S(cl_fwd_rows), &a, m);
        }
    }
    return CK_OK;
}

/* The gate gradients of block rows [lo, hi) at step st into zb (the
 * block's (m, 4F) rows) and dxz, the cell gradient carried to step st-1
 * into dcn; dh (N, P, F) gets dH's step added in place (a masked row
 * carries it). Each row's dz row is its only scratch. */
static void CK_S(cl_bwd_rows)(void *ctx, size_t lo, size_t hi)
{
    const CK_S(cl_rows) *a = (const CK_S(cl_rows) *)ctx;
    const ck_convlstm_shape *s = a->s;
    const size_t T = s->T, P = s->D * s->H * s->W, F = s->F, F4 = 4 * F, PF = P * F;
    const size_t st = a->st, t = a->t, ns = a->ns;
    const int act = a->act, ract = a->ract;
    size_t i, j;
    for (i = lo; i < hi; ++i) {
        const size_t q = a->r0 + i, n = q / P, p = q % P;
        const size_t gi = ((n * T + t) * P + p) * F4;
        const int on = a->mask == NULL || a->mask[n * T + t];
        const real *gr = a->G + gi;
        const real *i_ = gr, *f_ = gr + F, *g_ = gr + 2 * F, *o_ = gr + 3 * F;
        const real *cpr = a->cp + n * ns + p * F;
        const real *dcr = a->dc + q * F;
        real *dhr = a->dh + q * F, *dzr = a->zb + i * F4, *dcnr = a->dcn + q * F;
        real *tc = dzr + 3 * F;
        if (a->dH != NULL) {
            const real *d = a->dH + (n * T + st) * PF + p * F;
            for (j = 0; j < F; ++j) dhr[j] += d[j];
        }
        if (!on) {
            memset(dzr, 0, F4 * sizeof(real));
            memcpy(dcnr, dcr, F * sizeof(real));
        } else {
            /* tc = act(c) in the o slot, dh*o*act'(c) in the i slot */
            (void)CK_S(ck_act_fwd)(act, F, a->C + (n * T + st) * PF + p * F, tc);
            for (j = 0; j < F; ++j) dzr[j] = dhr[j] * o_[j];
            CK_S(cl_dact)(act, F, tc, dzr);
            for (j = 0; j < F; ++j) {
                const real dcs = dcr[j] + dzr[j];
                tc[j] = dhr[j] * tc[j];
                dzr[j] = dcs * g_[j];
                dzr[F + j] = dcs * cpr[j];
                dzr[2 * F + j] = dcs * i_[j];
                dcnr[j] = dcs * f_[j];
            }
            CK_S(cl_dact)(ract, 2 * F, gr, dzr);
            CK_S(cl_dact)(act, F, g_, dzr + 2 * F);
            CK_S(cl_dact)(ract, F, o_, dzr + 3 * F);
        }
        if (a->dxz != NULL) memcpy(a->dxz + gi, dzr, F4 * sizeof(real));
    }
}

int CK_S(ck_convlstm_bwd)(const ck_convlstm_shape *s, const real *R, const real *h0,
                          const real *c0, const unsigned char *mask, const real *rmask,
                          int go_backwards, int act, int ract, const real *G, const real *H,
                          const real *C, const real *dH, const real *dh_in,
                          const real *dc_in, real *work, real *dxz, real *dR, real *dh0,
                          real *dc0)
{
    const size_t N = s->N, T = s->T, P = s->D * s->H * s->W, F = s->F, F4 = 4 * F;
    const size_t M = N * P, PF = P * F, K = s->KD * s->KH * s->KW * F;
    const size_t RB = ck_convlstm_col_rows(s, sizeof(real));
    real *col = work, *dzb = col + RB * K;
    real *dh = dzb + RB * F4, *dc = dh + M * F, *dhn = dc + M * F, *dcn = dhn + M * F;
    CK_S(cl_rows) a;
    size_t st, n, r0;
    int h0zero;
    CK_TRY(CK_S(cl_codes)(act, ract));
    if (dR != NULL) memset(dR, 0, K * F4 * sizeof(real));
    if (M == 0 || F == 0) return CK_OK;
    if (!R || !h0 || !c0 || !G || !H || !C || !dh_in || !dc_in || !work || !dc0)
        return CK_ERR_ARG;
    h0zero = CK_S(cl_all_zero)(M * F, h0);
    memcpy(dh, dh_in, M * F * sizeof(real));
    memcpy(dc, dc_in, M * F * sizeof(real));
    for (st = T; st-- > 0;) {
        const size_t t = go_backwards ? T - 1 - st : st;
        const real *hp = st ? H + (st - 1) * PF : h0;
        const real *cp = st ? C + (st - 1) * PF : c0;
        const size_t ns = st ? T * PF : PF;
        /* at the first step a zero state adds nothing to dR, and the state
         * gradient is only wanted when dh0 is */
        real *dRs = st == 0 && h0zero ? NULL : dR;
        real *dhs = st == 0 && dh0 == NULL ? NULL : dhn;
        real *swap;
        if (dhs != NULL) memset(dhn, 0, M * F * sizeof(real));
        memset(&a, 0, sizeof(a));
        a.s = s; a.st = st; a.t = t; a.ns = ns; a.act = act; a.ract = ract; a.mask = mask;
        a.cp = cp; a.G = G; a.C = C; a.dH = dH; a.dh = dh; a.dc = dc; a.zb = dzb;
        a.dcn = dcn; a.dxz = dxz;
        for (r0 = 0; r0 < M; r0 += RB) {
            const size_t m = M - r0 < RB ? M - r0 : RB;
            a.r0 = r0;
            CK_S(cl_split)(CK_S(cl_bwd_rows), &a, m);
            if (dRs != NULL || dhs != NULL)
                CK_TRY(CK_S(cl_rconv_bwd)(s, hp, ns, rmask, R, dzb, r0, m, col, dRs, dhs));
        }
        if (mask != NULL && dhs != NULL)
            for (n = 0; n < N; ++n)
                if (!mask[n * T + t]) memcpy(dhn + n * PF, dh + n * PF, PF * sizeof(real));
        swap = dh; dh = dhn; dhn = swap;
        swap = dc; dc = dcn; dcn = swap;
    }
    if (dh0 != NULL) memcpy(dh0, dh, M * F * sizeof(real));
    memcpy(dc0, dc, M * F * sizeof(real));
    return CK_OK;
}
