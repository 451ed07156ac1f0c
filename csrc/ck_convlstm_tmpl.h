/* Body of ck_convlstm.c for one precision: included once per element type
 * `real` (see ck_tmpl.h); not a public header. */

/* im2col of positions [r0, r0 + m) of the N*P positions of a state whose
 * sample n starts at h + n*ns, for the stride-1 'same' window; with `mul`
 * ((N, P, F), contiguous) each gathered value is h * mul (recurrent
 * dropout), so the dropped state is never stored whole. */
static void CK_S(cl_im2col)(const ck_convlstm_shape *s, const real *h, size_t ns,
                            const real *mul, size_t r0, size_t m, real *col, size_t ldc)
{
    const size_t F = s->F, D = s->D, H = s->H, W = s->W, P = D * H * W;
    const size_t KW = s->KW;
    const ptrdiff_t pd = (ptrdiff_t)((s->KD - 1) / 2), ph = (ptrdiff_t)((s->KH - 1) / 2);
    const ptrdiff_t pw = (ptrdiff_t)((KW - 1) / 2);
    size_t i, kd, kh, j;
    for (i = 0; i < m; ++i) {
        const size_t r = r0 + i, n = r / P, p = r % P;
        const ptrdiff_t w = (ptrdiff_t)(p % W), y = (ptrdiff_t)((p / W) % H);
        const ptrdiff_t d = (ptrdiff_t)(p / (W * H));
        const real *hn = h + n * ns;
        const real *mn = mul ? mul + n * P * F : NULL;
        real *dst = col + i * ldc;
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
static void CK_S(cl_col2im)(const ck_convlstm_shape *s, const real *col, size_t ldc,
                            const real *mul, size_t r0, size_t m, real *dh)
{
    const size_t F = s->F, D = s->D, H = s->H, W = s->W, P = D * H * W;
    const size_t KW = s->KW;
    const ptrdiff_t pd = (ptrdiff_t)((s->KD - 1) / 2), ph = (ptrdiff_t)((s->KH - 1) / 2);
    const ptrdiff_t pw = (ptrdiff_t)((KW - 1) / 2);
    size_t i, kd, kh, j;
    for (i = 0; i < m; ++i) {
        const size_t r = r0 + i, n = r / P, p = r % P;
        const ptrdiff_t w = (ptrdiff_t)(p % W), y = (ptrdiff_t)((p / W) % H);
        const ptrdiff_t d = (ptrdiff_t)(p / (W * H));
        real *dn = dh + n * P * F;
        const real *mn = mul ? mul + n * P * F : NULL;
        const real *src = col + i * ldc;
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

/* The window of input position (o - pad) + k*dil along an axis of size n:
 * the in-range k are [lo, hi). */
static void CK_S(cl_range)(ptrdiff_t base, size_t dil, size_t k, size_t n, size_t *lo,
                           size_t *hi)
{
    const ptrdiff_t d = (ptrdiff_t)dil;
    ptrdiff_t a, b;
    /* (the divisions cost more than the rest of a row's im2col) */
    if (d == 1) {
        a = base < 0 ? -base : 0;
        b = (ptrdiff_t)n - base;
    } else {
        a = base < 0 ? (-base + d - 1) / d : 0;
        b = base >= (ptrdiff_t)n ? 0 : ((ptrdiff_t)n - 1 - base) / d + 1;
    }
    if (b < 0) b = 0;
    if (b > (ptrdiff_t)k) b = (ptrdiff_t)k;
    if (a > b) a = b;
    *lo = (size_t)a;
    *hi = (size_t)b;
}

/* im2col of the input convolution at input time t for state positions
 * [r0, r0 + m): row i of col (row stride ldc) gets x's (KD, KH, KW, Cin)
 * window, times `mul` ((N, XD, XH, XW, Cin)) when set, then a 1 (the bias
 * column). With `add`, the reverse: x += the window rows of col, each value
 * times mul (col2im of the input gradient; col's bias column unread). */
CK_TARGET_CLONES
static void CK_S(cl_xcol)(const ck_convlstm_shape *s, const ck_convlstm_input *in,
                          const real *mul, size_t t, size_t r0, size_t m, real *col,
                          size_t ldc, real *x, int add)
{
    const size_t W = s->W, H = s->H, P = s->D * H * W, Ci = in->C;
    const size_t XP = in->D * in->H * in->W * Ci, KW = s->KW;
    const size_t Kx = s->KD * s->KH * KW * Ci;
    size_t i, kd, kh, kw, j;
    /* the position of row r0, then stepped row by row: the divisions cost
     * as much as a row's copies */
    size_t n = r0 / P, ow = (r0 % P) % W, oh = ((r0 % P) / W) % H, od = (r0 % P) / (W * H);
    for (i = 0; i < m; ++i) {
        const ptrdiff_t bd = (ptrdiff_t)(od * in->sd) - (ptrdiff_t)in->pd;
        const ptrdiff_t bh = (ptrdiff_t)(oh * in->sh) - (ptrdiff_t)in->ph;
        const ptrdiff_t bw = (ptrdiff_t)(ow * in->sw) - (ptrdiff_t)in->pw;
        real *xn = x + (n * s->T + t) * XP;
        const real *mn = mul ? mul + n * XP : NULL;
        real *row = col + i * ldc;
        size_t dlo, dhi, hlo, hhi, wlo, whi;
        CK_S(cl_range)(bd, in->dd, s->KD, in->D, &dlo, &dhi);
        CK_S(cl_range)(bh, in->dh, s->KH, in->H, &hlo, &hhi);
        CK_S(cl_range)(bw, in->dw, KW, in->W, &wlo, &whi);
        if (!add) {
            /* zeros for the padding, then the in-range windows over them */
            if (dlo > 0 || dhi < s->KD || hlo > 0 || hhi < s->KH || wlo > 0 || whi < KW)
                memset(row, 0, Kx * sizeof(real));
            row[Kx] = (real)1;
        }
        for (kd = dlo; kd < dhi; ++kd) {
            const size_t id = (size_t)(bd + (ptrdiff_t)(kd * in->dd));
            for (kh = hlo; kh < hhi; ++kh) {
                const size_t ih = (size_t)(bh + (ptrdiff_t)(kh * in->dh));
                const size_t base = (id * in->H + ih) * in->W;
                real *ck = row + (kd * s->KH + kh) * KW * Ci;
                /* undilated along W, the in-range kw run is contiguous in x:
                 * one pass over (whi - wlo) * Cin values */
                const size_t step = in->dw == 1 ? whi - wlo : 1;
                for (kw = wlo; kw < whi; kw += step) {
                    const size_t iw = (size_t)(bw + (ptrdiff_t)(kw * in->dw));
                    const size_t off = (base + iw) * Ci, len = step * Ci;
                    real *c = ck + kw * Ci;
                    real *xv = xn + off;
                    if (add) {
                        if (mn == NULL)
                            for (j = 0; j < len; ++j) xv[j] += c[j];
                        else
                            for (j = 0; j < len; ++j) xv[j] += c[j] * mn[off + j];
                    } else {
                        if (mn == NULL)
                            for (j = 0; j < len; ++j) c[j] = xv[j];
                        else
                            for (j = 0; j < len; ++j) c[j] = xv[j] * mn[off + j];
                    }
                }
            }
        }
        if (++ow == W) {
            ow = 0;
            if (++oh == H) {
                oh = 0;
                if (++od == s->D) {
                    od = 0;
                    ++n;
                }
            }
        }
    }
}

/* The shape of one call: im2col rows are [x window (Kx), 1, state window
 * (Kh)], the state part at off = Kx + 1. B0 is Wc, whose row k multiplies
 * column k of a row; its state rows start at row off. */
typedef struct CK_S(cl_core) {
    const ck_convlstm_shape *s;
    const ck_convlstm_input *in;
    const real *x, *xmask, *rmask, *B0;
    size_t Kx, off, Kh, Kc, RB;
} CK_S(cl_core);

/* What the row loops of one step share; rows [lo, hi) of a block are
 * independent, so the caller and the helper thread split them. */
typedef struct CK_S(cl_rows) {
    const CK_S(cl_core) *k;
    const ck_convlstm_shape *s;
    size_t st, t, ns, r0;
    int skip, act, ract;
    const unsigned char *mask;
    const real *hp, *cp, *G, *C, *dH, *dc, *h, *rm, *xm;
    real *zb, *H, *Cw, *Gw, *dh, *dcn, *col;
} CK_S(cl_rows);

/* The gates and states of block rows [lo, hi) at step st (input time t):
 * zb holds their pre-activations; the gates go to Gw's (N, T, P, 4F) rows
 * unless Gw is NULL (inference). */
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
        const real *i_ = zr, *f_ = zr + F, *g_ = zr + 2 * F, *o_ = zr + 3 * F;
        const real *cpr = a->cp + n * ns + p * F, *hpr = a->hp + n * ns + p * F;
        real *c = a->Cw + (n * T + st) * PF + p * F, *h = a->H + (n * T + st) * PF + p * F;
        (void)CK_S(ck_act_fwd)(a->ract, 2 * F, zr, zr);
        (void)CK_S(ck_act_fwd)(a->act, F, zr + 2 * F, zr + 2 * F);
        (void)CK_S(ck_act_fwd)(a->ract, F, zr + 3 * F, zr + 3 * F);
        if (a->Gw != NULL) memcpy(a->Gw + gi, zr, F4 * sizeof(real));
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

/* im2col of block rows [lo, hi): the x part, and the state part unless
 * `skip` (a zero state). */
static void CK_S(cl_im2col_rows)(void *ctx, size_t lo, size_t hi)
{
    const CK_S(cl_rows) *a = (const CK_S(cl_rows) *)ctx;
    const CK_S(cl_core) *k = a->k;
    real *col = a->col + lo * k->Kc;
    CK_S(cl_xcol)(a->s, k->in, a->xm, a->t, a->r0 + lo, hi - lo, col, k->Kc, (real *)k->x, 0);
    if (!a->skip)
        CK_S(cl_im2col)(a->s, a->h, a->ns, a->rm, a->r0 + lo, hi - lo, col + k->off, k->Kc);
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

/* im2col of block rows [r0, r0 + m) at step input time t for gate g (its
 * dropout masks; g < 0: no masks). */
static void CK_S(cl_im2col_split)(const CK_S(cl_core) *k, const real *h, size_t ns, size_t t,
                                  int skip, int g, size_t r0, size_t m, real *col)
{
    const ck_convlstm_shape *s = k->s;
    const size_t M = s->N * s->D * s->H * s->W;
    CK_S(cl_rows) a;
    memset(&a, 0, sizeof(a));
    a.k = k; a.s = s; a.h = h; a.ns = ns; a.t = t; a.skip = skip; a.r0 = r0; a.col = col;
    if (g >= 0 && k->rmask != NULL) a.rm = k->rmask + (size_t)g * M * s->F;
    if (g >= 0 && k->xmask != NULL)
        a.xm = k->xmask + (size_t)g * s->N * k->in->D * k->in->H * k->in->W * k->in->C;
    CK_S(cl_split)(CK_S(cl_im2col_rows), &a, m);
}

/* zb (m, 4F) = rows [r0, r0 + m) of the step's convolutions: x_t against
 * the kernel and bias, and the state h (sample stride ns) against the
 * recurrent kernel unless `skip` (a zero state). With dropout masks each
 * gate convolves its own masked values: four thinner GEMMs. */
static int CK_S(cl_zconv)(const CK_S(cl_core) *k, const real *h, size_t ns, size_t t,
                          int skip, size_t r0, size_t m, real *col, real *zb)
{
    const size_t F = k->s->F, F4 = 4 * F, Kuse = skip ? k->off : k->Kc;
    const int per_gate = k->rmask != NULL || k->xmask != NULL;
    int g;
    if (!per_gate) {
        CK_S(cl_im2col_split)(k, h, ns, t, skip, -1, r0, m, col);
        return CK_S(ck_gemm)(0, 0, m, F4, Kuse, (real)1, col, k->Kc, k->B0, F4, (real)0, zb,
                             F4);
    }
    for (g = 0; g < 4; ++g) {
        CK_S(cl_im2col_split)(k, h, ns, t, skip, g, r0, m, col);
        CK_TRY(CK_S(ck_gemm)(0, 0, m, F, Kuse, (real)1, col, k->Kc, k->B0 + (size_t)g * F, F4,
                             (real)0, zb + (size_t)g * F, F4));
    }
    return CK_OK;
}

/* Backward of cl_zconv for rows [r0, r0 + m) and their gradient dzb:
 * dB0 += im2col^T dzb when dB0 is set (a zero state: only its first off
 * rows), dh += col2im(dzb Wh^T) when dh is set and dx += col2im(dzb Wx^T)
 * when dx is set (times the gate's mask at the destination). */
static int CK_S(cl_zconv_bwd)(const CK_S(cl_core) *k, const real *h, size_t ns, size_t t,
                              int hzero, const real *dzb, size_t r0, size_t m, real *col,
                              real *dB0, real *dh, real *dx)
{
    const ck_convlstm_shape *s = k->s;
    const size_t M = s->N * s->D * s->H * s->W, F = s->F, F4 = 4 * F;
    const size_t Kd = hzero ? k->off : k->Kc;
    const int per_gate = k->rmask != NULL || k->xmask != NULL;
    const size_t ng = per_gate ? 4 : 1, cols = per_gate ? F : F4;
    size_t g;
    for (g = 0; g < ng; ++g) {
        const size_t gF = g * F;
        if (dB0 != NULL && Kd > 0) {
            CK_S(cl_im2col_split)(k, h, ns, t, hzero, per_gate ? (int)g : -1, r0, m, col);
            CK_TRY(CK_S(ck_gemm)(1, 0, Kd, cols, m, (real)1, col, k->Kc, dzb + gF, F4, (real)1,
                                 dB0 + gF, F4));
        }
        if (dh != NULL) {
            const real *rm = k->rmask == NULL ? NULL : k->rmask + g * M * F;
            CK_TRY(CK_S(ck_gemm)(0, 1, m, k->Kh, cols, (real)1, dzb + gF, F4,
                                 k->B0 + k->off * F4 + gF, F4, (real)0, col, k->Kh));
            CK_S(cl_col2im)(s, col, k->Kh, rm, r0, m, dh);
        }
        if (dx != NULL) {
            const ck_convlstm_input *in = k->in;
            const real *xm = k->xmask == NULL
                                 ? NULL : k->xmask + g * s->N * in->D * in->H * in->W * in->C;
            CK_TRY(CK_S(ck_gemm)(0, 1, m, k->Kx, cols, (real)1, dzb + gF, F4, k->B0 + gF, F4,
                                 (real)0, col, k->Kx));
            CK_S(cl_xcol)(s, in, xm, t, r0, m, col, k->Kx, dx, 1);
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

static int CK_S(cl_fwd_core)(const CK_S(cl_core) *k, const real *h0, const real *c0, const unsigned char *mask, int go_backwards,
                             int act, int ract, real *work, real *H, real *C, real *G)
{
    const ck_convlstm_shape *s = k->s;
    const size_t T = s->T, P = s->D * s->H * s->W, F = s->F;
    const size_t M = s->N * P, PF = P * F, RB = k->RB;
    real *col = work, *zb = col + RB * k->Kc;
    CK_S(cl_rows) a;
    size_t st, r0;
    int h0zero;
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
        a.k = k; a.s = s; a.st = st; a.t = t; a.ns = ns; a.skip = skip; a.act = act;
        a.ract = ract; a.mask = mask; a.hp = hp; a.cp = cp; a.zb = zb; a.H = H;
        a.Cw = C; a.Gw = G;
        for (r0 = 0; r0 < M; r0 += RB) {
            const size_t m = M - r0 < RB ? M - r0 : RB;
            CK_TRY(CK_S(cl_zconv)(k, hp, ns, t, skip, r0, m, col, zb));
            a.r0 = r0;
            CK_S(cl_split)(CK_S(cl_fwd_rows), &a, m);
        }
    }
    return CK_OK;
}

/* The gate gradients of block rows [lo, hi) at step st into zb (the
 * block's (m, 4F) rows), the cell gradient carried to
 * step st-1 into dcn; dh (N, P, F) gets dH's step added in place (a masked
 * row carries it). Each row's dz row is its only scratch. */
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
    }
}

static int CK_S(cl_bwd_core)(const CK_S(cl_core) *k, const real *h0, const real *c0,
                             const unsigned char *mask, int go_backwards, int act, int ract,
                             const real *G, const real *H, const real *C, const real *dH,
                             const real *dh_in, const real *dc_in, real *work, real *dx,
                             real *dB0, real *dh0, real *dc0)
{
    const ck_convlstm_shape *s = k->s;
    const size_t N = s->N, T = s->T, P = s->D * s->H * s->W, F = s->F, F4 = 4 * F;
    const size_t M = N * P, PF = P * F, RB = k->RB;
    real *col = work, *dzb = col + RB * k->Kc;
    real *dh = dzb + RB * F4, *dc = dh + M * F, *dhn = dc + M * F, *dcn = dhn + M * F;
    CK_S(cl_rows) a;
    size_t st, n, r0;
    int h0zero;
    if (dB0 != NULL) memset(dB0, 0, k->Kc * F4 * sizeof(real));
    if (dx != NULL)
        memset(dx, 0, N * T * k->in->D * k->in->H * k->in->W * k->in->C * sizeof(real));
    if (M == 0 || F == 0) return CK_OK;
    h0zero = CK_S(cl_all_zero)(M * F, h0);
    memcpy(dh, dh_in, M * F * sizeof(real));
    memcpy(dc, dc_in, M * F * sizeof(real));
    for (st = T; st-- > 0;) {
        const size_t t = go_backwards ? T - 1 - st : st;
        const real *hp = st ? H + (st - 1) * PF : h0;
        const real *cp = st ? C + (st - 1) * PF : c0;
        const size_t ns = st ? T * PF : PF;
        /* at the first step a zero state adds nothing to the recurrent
         * kernel's gradient, and the state gradient is only wanted when
         * dh0 is */
        const int hzero = st == 0 && h0zero;
        real *dhs = st == 0 && dh0 == NULL ? NULL : dhn;
        real *swap;
        if (dhs != NULL) memset(dhn, 0, M * F * sizeof(real));
        memset(&a, 0, sizeof(a));
        a.k = k; a.s = s; a.st = st; a.t = t; a.ns = ns; a.act = act; a.ract = ract;
        a.mask = mask; a.cp = cp; a.G = G; a.C = C; a.dH = dH; a.dh = dh; a.dc = dc;
        a.zb = dzb; a.dcn = dcn;
        for (r0 = 0; r0 < M; r0 += RB) {
            const size_t m = M - r0 < RB ? M - r0 : RB;
            a.r0 = r0;
            CK_S(cl_split)(CK_S(cl_bwd_rows), &a, m);
            CK_TRY(CK_S(cl_zconv_bwd)(k, hp, ns, t, hzero, dzb, r0, m, col, dB0, dhs, dx));
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

/* The core of a call: rows [x window, 1, state window]. */
static void CK_S(cl_core_x)(CK_S(cl_core) *k, const ck_convlstm_shape *s,
                            const ck_convlstm_input *in, const real *x, const real *Wc,
                            const real *xmask, const real *rmask)
{
    const size_t KK = s->KD * s->KH * s->KW;
    memset(k, 0, sizeof(*k));
    k->s = s; k->in = in; k->x = x; k->xmask = xmask; k->rmask = rmask; k->B0 = Wc;
    k->Kx = KK * in->C;
    k->off = k->Kx + 1;
    k->Kh = KK * s->F;
    k->Kc = cl_fused_cols(s, in);
    k->RB = cl_block_rows(s->N * s->D * s->H * s->W, k->Kc, sizeof(real));
}

int CK_S(ck_convlstm_fwdx)(const ck_convlstm_shape *s, const ck_convlstm_input *in,
                           const real *x, const real *Wc, const real *h0, const real *c0,
                           const unsigned char *mask, const real *xmask, const real *rmask,
                           int go_backwards, int act, int ract, real *work, real *H, real *C,
                           real *G)
{
    CK_S(cl_core) k;
    CK_TRY(CK_S(cl_codes)(act, ract));
    if (in == NULL) return CK_ERR_ARG;
    if (s->N * s->D * s->H * s->W == 0 || s->T == 0 || s->F == 0) return CK_OK;
    if (!x || !Wc || !h0 || !c0 || !work || !H || !C) return CK_ERR_ARG;
    if (in->sd == 0 || in->sh == 0 || in->sw == 0 || in->dd == 0 || in->dh == 0 || in->dw == 0)
        return CK_ERR_ARG;
    CK_S(cl_core_x)(&k, s, in, x, Wc, xmask, rmask);
    return CK_S(cl_fwd_core)(&k, h0, c0, mask, go_backwards, act, ract, work, H, C, G);
}

int CK_S(ck_convlstm_bwdx)(const ck_convlstm_shape *s, const ck_convlstm_input *in,
                           const real *x, const real *Wc, const real *h0, const real *c0,
                           const unsigned char *mask, const real *xmask, const real *rmask,
                           int go_backwards, int act, int ract, const real *G, const real *H,
                           const real *C, const real *dH, const real *dh_in,
                           const real *dc_in, real *work, real *dx, real *dWc, real *dh0,
                           real *dc0)
{
    CK_S(cl_core) k;
    CK_TRY(CK_S(cl_codes)(act, ract));
    if (in == NULL) return CK_ERR_ARG;
    if (in->sd == 0 || in->sh == 0 || in->sw == 0 || in->dd == 0 || in->dh == 0 || in->dw == 0)
        return CK_ERR_ARG;
    CK_S(cl_core_x)(&k, s, in, x, Wc, xmask, rmask);
    if (s->N * s->D * s->H * s->W == 0 || s->F == 0) {
        if (dWc != NULL) memset(dWc, 0, k.Kc * 4 * s->F * sizeof(real));
        return CK_OK;
    }
    if (!x || !Wc || !h0 || !c0 || !G || !H || !C || !dh_in || !dc_in || !work || !dc0)
        return CK_ERR_ARG;
    return CK_S(cl_bwd_core)(&k, h0, c0, mask, go_backwards, act, ract, G, H, C, dH, dh_in,
                             dc_in, work, dx, dWc, dh0, dc0);
}
