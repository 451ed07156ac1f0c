/* Body of ck_convlstm.c for one precision: included once per element type
 * `real` (see ck_tmpl.h); not a public header. */

/* im2col of positions [r0, r0 + m) of the N*P positions of a state whose
 * sample n starts at h + n*ns, for the stride-1 'same' window. */
static void CK_S(cl_im2col)(const ck_convlstm_shape *s, const real *h, size_t ns, size_t r0,
                            size_t m, real *col)
{
    const size_t F = s->F, D = s->D, H = s->H, W = s->W, P = D * H * W;
    const size_t KW = s->KW, K = s->KD * s->KH * KW * F;
    const ptrdiff_t pd = (ptrdiff_t)((s->KD - 1) / 2), ph = (ptrdiff_t)((s->KH - 1) / 2);
    const ptrdiff_t pw = (ptrdiff_t)((KW - 1) / 2);
    size_t i, kd, kh, kw;
    for (i = 0; i < m; ++i) {
        const size_t r = r0 + i, n = r / P, p = r % P;
        const ptrdiff_t w = (ptrdiff_t)(p % W), y = (ptrdiff_t)((p / W) % H);
        const ptrdiff_t d = (ptrdiff_t)(p / (W * H));
        const real *hn = h + n * ns;
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
                if (ih < 0 || ih >= (ptrdiff_t)H) {
                    memset(dst, 0, KW * F * sizeof(real));
                    dst += KW * F;
                    continue;
                }
                for (kw = 0; kw < KW; ++kw, dst += F) {
                    const ptrdiff_t iw = w + (ptrdiff_t)kw - pw;
                    if (iw < 0 || iw >= (ptrdiff_t)W)
                        memset(dst, 0, F * sizeof(real));
                    else
                        memcpy(dst, hn + (((size_t)id * H + (size_t)ih) * W + (size_t)iw) * F,
                               F * sizeof(real));
                }
            }
        }
    }
}

/* dh += col2im(col) for positions [r0, r0 + m); dh is (N, P, F). */
CK_TARGET_CLONES
static void CK_S(cl_col2im)(const ck_convlstm_shape *s, const real *col, size_t r0, size_t m,
                            real *dh)
{
    const size_t F = s->F, D = s->D, H = s->H, W = s->W, P = D * H * W;
    const size_t KW = s->KW, K = s->KD * s->KH * KW * F;
    const ptrdiff_t pd = (ptrdiff_t)((s->KD - 1) / 2), ph = (ptrdiff_t)((s->KH - 1) / 2);
    const ptrdiff_t pw = (ptrdiff_t)((KW - 1) / 2);
    size_t i, kd, kh, kw, j;
    for (i = 0; i < m; ++i) {
        const size_t r = r0 + i, n = r / P, p = r % P;
        const ptrdiff_t w = (ptrdiff_t)(p % W), y = (ptrdiff_t)((p / W) % H);
        const ptrdiff_t d = (ptrdiff_t)(p / (W * H));
        real *dn = dh + n * P * F;
        const real *src = col + i * K;
        for (kd = 0; kd < s->KD; ++kd) {
            const ptrdiff_t id = d + (ptrdiff_t)kd - pd;
            if (id < 0 || id >= (ptrdiff_t)D) {
                src += s->KH * KW * F;
                continue;
            }
            for (kh = 0; kh < s->KH; ++kh) {
                const ptrdiff_t ih = y + (ptrdiff_t)kh - ph;
                if (ih < 0 || ih >= (ptrdiff_t)H) {
                    src += KW * F;
                    continue;
                }
                for (kw = 0; kw < KW; ++kw, src += F) {
                    const ptrdiff_t iw = w + (ptrdiff_t)kw - pw;
                    real *dst;
                    if (iw < 0 || iw >= (ptrdiff_t)W) continue;
                    dst = dn + (((size_t)id * H + (size_t)ih) * W + (size_t)iw) * F;
                    for (j = 0; j < F; ++j) dst[j] += src[j];
                }
            }
        }
    }
}

/* z[:, :cols] += conv(h, Rg), Rg (K, cols) with row stride ldr. */
static int CK_S(cl_rconv)(const ck_convlstm_shape *s, const real *h, size_t ns, const real *Rg,
                          size_t ldr, size_t cols, real *col, real *z, size_t ldz)
{
    const size_t M = s->N * s->D * s->H * s->W, K = s->KD * s->KH * s->KW * s->F;
    const size_t RB = ck_convlstm_col_rows(s, sizeof(real));
    size_t r0;
    for (r0 = 0; r0 < M; r0 += RB) {
        const size_t m = M - r0 < RB ? M - r0 : RB;
        CK_S(cl_im2col)(s, h, ns, r0, m, col);
        CK_TRY(CK_S(ck_gemm)(0, 0, m, cols, K, (real)1, col, K, Rg, ldr, (real)1,
                             z + r0 * ldz, ldz));
    }
    return CK_OK;
}

/* Backward of cl_rconv: dR[:, :cols] += im2col(h)^T dz (dR may be NULL) and
 * dh += col2im(dz Rg^T). */
static int CK_S(cl_rconv_bwd)(const ck_convlstm_shape *s, const real *h, size_t ns,
                              const real *Rg, size_t ldr, size_t cols, const real *dz,
                              size_t ldz, real *col, real *dR, real *dh)
{
    const size_t M = s->N * s->D * s->H * s->W, K = s->KD * s->KH * s->KW * s->F;
    const size_t RB = ck_convlstm_col_rows(s, sizeof(real));
    size_t r0;
    for (r0 = 0; r0 < M; r0 += RB) {
        const size_t m = M - r0 < RB ? M - r0 : RB;
        if (dR != NULL) {
            CK_S(cl_im2col)(s, h, ns, r0, m, col);
            CK_TRY(CK_S(ck_gemm)(1, 0, K, cols, m, (real)1, col, K, dz + r0 * ldz, ldz,
                                 (real)1, dR, ldr));
        }
        CK_TRY(CK_S(ck_gemm)(0, 1, m, K, cols, (real)1, dz + r0 * ldz, ldz, Rg, ldr, (real)0,
                             col, K));
        CK_S(cl_col2im)(s, col, r0, m, dh);
    }
    return CK_OK;
}

/* hm (N, P, F) = h * rmask_g, h with sample stride ns. */
static void CK_S(cl_dropped)(size_t N, size_t PF, const real *h, size_t ns, const real *rm,
                             real *hm)
{
    size_t n, j;
    for (n = 0; n < N; ++n) {
        const real *hn = h + n * ns, *mn = rm + n * PF;
        real *o = hm + n * PF;
        for (j = 0; j < PF; ++j) o[j] = hn[j] * mn[j];
    }
}

static int CK_S(cl_codes)(int act, int ract)
{
    if (act < 0 || act >= CK_ACT_NCODES || act == CK_ACT_SOFTMAX) return CK_ERR_CODE;
    if (ract < 0 || ract >= CK_ACT_NCODES || ract == CK_ACT_SOFTMAX) return CK_ERR_CODE;
    return CK_OK;
}

int CK_S(ck_convlstm_fwd)(const ck_convlstm_shape *s, const real *xz, const real *R,
                          const real *h0, const real *c0, const unsigned char *mask,
                          const real *rmask, int go_backwards, int act, int ract,
                          real *work, real *H, real *C, real *G)
{
    const size_t N = s->N, T = s->T, P = s->D * s->H * s->W, F = s->F, F4 = 4 * F;
    const size_t M = N * P, PF = P * F, K = s->KD * s->KH * s->KW * F;
    real *col = work;
    real *z = col + ck_convlstm_col_rows(s, sizeof(real)) * K;
    real *hm = z + M * F4;
    real *row = hm + 6 * M * F;
    size_t st, n, p, j, g;
    CK_TRY(CK_S(cl_codes)(act, ract));
    if (M == 0 || T == 0 || F == 0) return CK_OK;
    if (!xz || !R || !h0 || !c0 || !work || !H || !C || !G) return CK_ERR_ARG;
    for (st = 0; st < T; ++st) {
        const size_t t = go_backwards ? T - 1 - st : st;
        const real *hp = st ? H + (st - 1) * PF : h0;
        const real *cp = st ? C + (st - 1) * PF : c0;
        const size_t ns = st ? T * PF : PF;
        for (n = 0; n < N; ++n)
            memcpy(z + n * P * F4, xz + (n * T + t) * P * F4, P * F4 * sizeof(real));
        if (rmask == NULL) {
            CK_TRY(CK_S(cl_rconv)(s, hp, ns, R, F4, F4, col, z, F4));
        } else {
            for (g = 0; g < 4; ++g) {
                CK_S(cl_dropped)(N, PF, hp, ns, rmask + g * M * F, hm);
                CK_TRY(CK_S(cl_rconv)(s, hm, PF, R + g * F, F4, F, col, z + g * F, F4));
            }
        }
        for (n = 0; n < N; ++n) {
            const int on = mask == NULL || mask[n * T + t];
            const real *hpn = hp + n * ns, *cpn = cp + n * ns;
            real *Hn = H + (n * T + st) * PF, *Cn = C + (n * T + st) * PF;
            real *Gn = G + (n * T + t) * P * F4;
            for (p = 0; p < P; ++p) {
                real *zr = z + (n * P + p) * F4;
                const real *i_ = zr, *f_ = zr + F, *g_ = zr + 2 * F, *o_ = zr + 3 * F;
                real *c = Cn + p * F, *h = Hn + p * F;
                const real *cpr = cpn + p * F;
                (void)CK_S(ck_act_fwd)(ract, 2 * F, zr, zr);
                (void)CK_S(ck_act_fwd)(act, F, zr + 2 * F, zr + 2 * F);
                (void)CK_S(ck_act_fwd)(ract, F, zr + 3 * F, zr + 3 * F);
                memcpy(Gn + p * F4, zr, F4 * sizeof(real));
                if (!on) {
                    memcpy(c, cpr, F * sizeof(real));
                    memcpy(h, hpn + p * F, F * sizeof(real));
                    continue;
                }
                for (j = 0; j < F; ++j) c[j] = f_[j] * cpr[j] + i_[j] * g_[j];
                (void)CK_S(ck_act_fwd)(act, F, c, row);
                for (j = 0; j < F; ++j) h[j] = o_[j] * row[j];
            }
        }
    }
    return CK_OK;
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
    real *col = work;
    real *dz = col + ck_convlstm_col_rows(s, sizeof(real)) * K;
    real *dh = dz + M * F4, *dc = dh + M * F, *dhn = dc + M * F, *dcn = dhn + M * F;
    real *hm = dcn + M * F, *dhm = hm + M * F, *row = dhm + M * F;
    size_t st, n, p, j, g;
    CK_TRY(CK_S(cl_codes)(act, ract));
    if (dR != NULL) memset(dR, 0, K * F4 * sizeof(real));
    if (M == 0 || F == 0) return CK_OK;
    if (!R || !h0 || !c0 || !G || !H || !C || !dh_in || !dc_in || !work || !dh0 || !dc0)
        return CK_ERR_ARG;
    memcpy(dh, dh_in, M * F * sizeof(real));
    memcpy(dc, dc_in, M * F * sizeof(real));
    for (st = T; st-- > 0;) {
        const size_t t = go_backwards ? T - 1 - st : st;
        const real *hp = st ? H + (st - 1) * PF : h0;
        const real *cp = st ? C + (st - 1) * PF : c0;
        const size_t ns = st ? T * PF : PF;
        real *swap;
        if (dH != NULL)
            for (n = 0; n < N; ++n) {
                const real *src = dH + (n * T + st) * PF;
                real *d = dh + n * PF;
                for (j = 0; j < PF; ++j) d[j] += src[j];
            }
        for (n = 0; n < N; ++n) {
            const int on = mask == NULL || mask[n * T + t];
            const real *cpn = cp + n * ns;
            const real *Cn = C + (n * T + st) * PF, *Gn = G + (n * T + t) * P * F4;
            for (p = 0; p < P; ++p) {
                const size_t q = n * P + p;
                const real *gr = Gn + p * F4;
                const real *i_ = gr, *f_ = gr + F, *g_ = gr + 2 * F, *o_ = gr + 3 * F;
                const real *cpr = cpn + p * F;
                const real *dhr = dh + q * F, *dcr = dc + q * F;
                real *dzr = dz + q * F4, *dcnr = dcn + q * F;
                if (!on) {
                    memset(dzr, 0, F4 * sizeof(real));
                    memcpy(dcnr, dcr, F * sizeof(real));
                    continue;
                }
                /* row: [act(c) | dh*o | dh*o*act'(c) | -] */
                (void)CK_S(ck_act_fwd)(act, F, Cn + p * F, row);
                for (j = 0; j < F; ++j) row[F + j] = dhr[j] * o_[j];
                (void)CK_S(ck_act_bwd)(act, F, row, row + F, row + 2 * F);
                for (j = 0; j < F; ++j) {
                    const real dcs = dcr[j] + row[2 * F + j];
                    dzr[j] = dcs * g_[j];
                    dzr[F + j] = dcs * cpr[j];
                    dzr[2 * F + j] = dcs * i_[j];
                    dzr[3 * F + j] = dhr[j] * row[j];
                    dcnr[j] = dcs * f_[j];
                }
                (void)CK_S(ck_act_bwd)(ract, 2 * F, gr, dzr, row);
                memcpy(dzr, row, 2 * F * sizeof(real));
                (void)CK_S(ck_act_bwd)(act, F, g_, dzr + 2 * F, row);
                memcpy(dzr + 2 * F, row, F * sizeof(real));
                (void)CK_S(ck_act_bwd)(ract, F, o_, dzr + 3 * F, row);
                memcpy(dzr + 3 * F, row, F * sizeof(real));
            }
        }
        if (dxz != NULL)
            for (n = 0; n < N; ++n)
                memcpy(dxz + (n * T + t) * P * F4, dz + n * P * F4, P * F4 * sizeof(real));
        memset(dhn, 0, M * F * sizeof(real));
        if (rmask == NULL) {
            CK_TRY(CK_S(cl_rconv_bwd)(s, hp, ns, R, F4, F4, dz, F4, col, dR, dhn));
        } else {
            for (g = 0; g < 4; ++g) {
                const real *rm = rmask + g * M * F;
                CK_S(cl_dropped)(N, PF, hp, ns, rm, hm);
                memset(dhm, 0, M * F * sizeof(real));
                CK_TRY(CK_S(cl_rconv_bwd)(s, hm, PF, R + g * F, F4, F, dz + g * F, F4, col,
                                          dR ? dR + g * F : NULL, dhm));
                for (j = 0; j < M * F; ++j) dhn[j] += dhm[j] * rm[j];
            }
        }
        if (mask != NULL)
            for (n = 0; n < N; ++n)
                if (!mask[n * T + t]) memcpy(dhn + n * PF, dh + n * PF, PF * sizeof(real));
        swap = dh; dh = dhn; dhn = swap;
        swap = dc; dc = dcn; dcn = swap;
    }
    memcpy(dh0, dh, M * F * sizeof(real));
    memcpy(dc0, dc, M * F * sizeof(real));
    return CK_OK;
}
