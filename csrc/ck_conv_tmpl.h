/* Body of ck_conv.c for one precision: included once per element type
 * `real` (see ck_tmpl.h); not a public header. */

/* d[0..n) = s[0..n): the window rows of first layers are a few elements
 * (3x3 over 1-3 channels: 3-9), where a memcpy call of unknown size costs
 * more than the copy; constant sizes compile to plain moves. */
#define CK_CONV_COPY_CASE(k) \
    case k: memcpy(d, src, k * sizeof(real)); return;
static CK_INLINE_FN void CK_S(ck_conv_copy)(real *d, const real *src, size_t n)
{
    switch (n) {
    CK_CONV_COPY_CASE(1) CK_CONV_COPY_CASE(2) CK_CONV_COPY_CASE(3) CK_CONV_COPY_CASE(4)
    CK_CONV_COPY_CASE(6) CK_CONV_COPY_CASE(8) CK_CONV_COPY_CASE(9) CK_CONV_COPY_CASE(12)
    CK_CONV_COPY_CASE(16)
    default: memcpy(d, src, n * sizeof(real));
    }
}
#undef CK_CONV_COPY_CASE

/* im2col of output rows [r0, r0 + m) into col (m, KD*KH*KW*C). The row's
 * coordinates are advanced row by row, not divided out of r each time. The
 * shape is read into locals once: every copy is a memcpy, which may alias
 * *s, and reloading the fields after each one cost more than the copies of
 * a first layer's 3-float rows. A row whose window lies inside the input
 * (undilated along W) copies its KD*KH segments from precomputed offsets;
 * the 3-D first layer (C = 1, 3x3x3) spent 30% of its train step here. */
static void CK_S(ck_conv_im2col)(const ck_conv3d_shape *s, const real *x, size_t r0,
                                 size_t m, real *col)
{
    const size_t C = s->C, KD = s->KD, KH = s->KH, KW = s->KW, K = KD * KH * KW * C;
    const size_t OD = s->OD, OH = s->OH, OW = s->OW;
    const size_t SD = s->SD, SH = s->SH, SW = s->SW, DD = s->DD, DH = s->DH, DW = s->DW;
    const size_t seg = KW * C, plane = s->H * s->W * C, xrow = s->W * C;
    const ptrdiff_t D = (ptrdiff_t)s->D, H = (ptrdiff_t)s->H, W = (ptrdiff_t)s->W;
    const ptrdiff_t PF = (ptrdiff_t)s->PF, PT = (ptrdiff_t)s->PT, PL = (ptrdiff_t)s->PL;
    /* the window's extent past its first entry along each axis */
    const ptrdiff_t ED = (ptrdiff_t)((KD - 1) * DD), EH = (ptrdiff_t)((KH - 1) * DH);
    const ptrdiff_t EW = (ptrdiff_t)((KW - 1) * DW);
    const int fast = DW == 1 && KD * KH <= CK_IM2COL_MAX_SEGS;
    size_t off[CK_IM2COL_MAX_SEGS];
    size_t i, kd, kh, kw, j;
    size_t ow = r0 % OW, t = r0 / OW;
    size_t oh = t % OH, u = t / OH;
    size_t od = u % OD, n = u / OD;
    if (fast)
        for (kd = 0, j = 0; kd < KD; ++kd)
            for (kh = 0; kh < KH; ++kh, ++j) off[j] = kd * DD * plane + kh * DH * xrow;
    for (i = 0; i < m; ++i) {
        const real *xn = x + n * (size_t)D * plane;
        const ptrdiff_t id0 = (ptrdiff_t)(od * SD) - PF, ih0 = (ptrdiff_t)(oh * SH) - PT;
        const ptrdiff_t iw0 = (ptrdiff_t)(ow * SW) - PL;
        real *dst = col + i * K;
        if (fast && id0 >= 0 && id0 + ED < D && ih0 >= 0 && ih0 + EH < H && iw0 >= 0
            && iw0 + EW < W) {
            const real *base = xn + (size_t)id0 * plane + (size_t)ih0 * xrow + (size_t)iw0 * C;
            for (j = 0; j < KD * KH; ++j, dst += seg) CK_S(ck_conv_copy)(dst, base + off[j], seg);
        } else {
            for (kd = 0; kd < KD; ++kd) {
                const ptrdiff_t id = id0 + (ptrdiff_t)(kd * DD);
                if (id < 0 || id >= D) {
                    memset(dst, 0, KH * seg * sizeof(real));
                    dst += KH * seg;
                    continue;
                }
                for (kh = 0; kh < KH; ++kh) {
                    const ptrdiff_t ih = ih0 + (ptrdiff_t)(kh * DH);
                    const real *row;
                    if (ih < 0 || ih >= H) {
                        memset(dst, 0, seg * sizeof(real));
                        dst += seg;
                        continue;
                    }
                    row = xn + (size_t)id * plane + (size_t)ih * xrow;
                    if (DW == 1 && iw0 >= 0 && iw0 + (ptrdiff_t)KW <= W) {
                        CK_S(ck_conv_copy)(dst, row + (size_t)iw0 * C, seg);
                        dst += seg;
                        continue;
                    }
                    for (kw = 0; kw < KW; ++kw, dst += C) {
                        const ptrdiff_t iw = iw0 + (ptrdiff_t)(kw * DW);
                        size_t c;
                        if (iw < 0 || iw >= W)
                            for (c = 0; c < C; ++c) dst[c] = (real)0;
                        else
                            CK_S(ck_conv_copy)(dst, row + (size_t)iw * C, C);
                    }
                }
            }
        }
        if (++ow == OW) {
            ow = 0;
            if (++oh == OH) {
                oh = 0;
                if (++od == OD) {
                    od = 0;
                    ++n;
                }
            }
        }
    }
}

/* dx += col2im(col) for output rows [r0, r0 + m). */
CK_TARGET_CLONES
static void CK_S(ck_conv_col2im)(const ck_conv3d_shape *s, const real *col, size_t r0,
                                 size_t m, real *dx)
{
    const size_t C = s->C, KW = s->KW, K = s->KD * s->KH * KW * C;
    const ptrdiff_t D = (ptrdiff_t)s->D, H = (ptrdiff_t)s->H, W = (ptrdiff_t)s->W;
    size_t i, kd, kh, kw, c;
    for (i = 0; i < m; ++i) {
        const size_t r = r0 + i;
        const size_t ow = r % s->OW, t = r / s->OW;
        const size_t oh = t % s->OH, u = t / s->OH;
        const size_t od = u % s->OD, n = u / s->OD;
        real *dn = dx + n * s->D * s->H * s->W * C;
        const ptrdiff_t iw0 = (ptrdiff_t)(ow * s->SW) - (ptrdiff_t)s->PL;
        const real *src = col + i * K;
        for (kd = 0; kd < s->KD; ++kd) {
            const ptrdiff_t id = (ptrdiff_t)(od * s->SD + kd * s->DD) - (ptrdiff_t)s->PF;
            if (id < 0 || id >= D) {
                src += s->KH * KW * C;
                continue;
            }
            for (kh = 0; kh < s->KH; ++kh) {
                const ptrdiff_t ih = (ptrdiff_t)(oh * s->SH + kh * s->DH) - (ptrdiff_t)s->PT;
                real *row;
                if (ih < 0 || ih >= H) {
                    src += KW * C;
                    continue;
                }
                row = dn + ((size_t)id * s->H + (size_t)ih) * s->W * C;
                for (kw = 0; kw < KW; ++kw, src += C) {
                    const ptrdiff_t iw = iw0 + (ptrdiff_t)(kw * s->DW);
                    real *d;
                    if (iw < 0 || iw >= W) continue;
                    d = row + (size_t)iw * C;
                    for (c = 0; c < C; ++c) d[c] += src[c];
                }
            }
        }
    }
}

/* Direct convolution for a small window volume K (first layers, C = 1..3):
 * im2col + GEMM spends most of its time copying there (a K = 9 GEMM runs at
 * ~17 GF/s). Instead, CK_CONV_TILE output rows at a time are gathered into
 * an L1-resident patch and multiplied in a register-blocked loop: each
 * kernel row w[k, o0:o0 + lanes] is loaded once per tile and FMA'd into
 * CK_CONV_TILE vector accumulators. */
CK_TARGET_CLONES CK_CONV_FMA
static void CK_S(ck_conv_direct_tile)(size_t m, size_t K, size_t O, const real *patch,
                                      const real *w, const real *b, real *y)
{
    size_t o0 = 0, k, p, j;
#ifdef CK_CONV_VEC
    typedef CK_S(ck_conv_vec) vec;
    enum { L = sizeof(vec) / sizeof(real) };
    for (; o0 + L <= O; o0 += L) {
        vec acc[CK_CONV_TILE], b0;
        if (b) memcpy(&b0, b + o0, sizeof b0);
        else memset(&b0, 0, sizeof b0);
        for (p = 0; p < CK_CONV_TILE; ++p) acc[p] = b0;
        for (k = 0; k < K; ++k) {
            vec wk;
            memcpy(&wk, w + k * O + o0, sizeof wk);
            for (p = 0; p < CK_CONV_TILE; ++p) acc[p] += patch[p * K + k] * wk;
        }
        for (p = 0; p < m; ++p) memcpy(y + p * O + o0, &acc[p], sizeof(vec));
    }
#endif
    for (p = 0; p < m && o0 < O; ++p) { /* the outputs past the last full vector */
        real *yp = y + p * O;
        for (j = o0; j < O; ++j) yp[j] = b ? b[j] : (real)0;
        for (k = 0; k < K; ++k) {
            const real xv = patch[p * K + k], *wk = w + k * O;
            for (j = o0; j < O; ++j) yp[j] += xv * wk[j];
        }
    }
}

typedef struct CK_S(ck_conv_direct_job) {
    const ck_conv3d_shape *s;
    const real *x, *w, *b;
    real *y;
    int code, status;
} CK_S(ck_conv_direct_job);

/* Tiles [lo, hi) of CK_CONV_TILE output rows: run by the caller and, for
 * large enough layers, the helper; each row is computed the same way
 * whoever takes it. */
static void CK_S(ck_conv_direct_tiles)(void *ctx, size_t lo, size_t hi)
{
    CK_S(ck_conv_direct_job) *j = (CK_S(ck_conv_direct_job) *)ctx;
    const ck_conv3d_shape *s = j->s;
    const size_t M = s->N * s->OD * s->OH * s->OW, K = s->KD * s->KH * s->KW * s->C;
    const size_t O = s->O;
    const ck_fpmode fp = ck_ftz_enter(); /* the helper's too, so both agree */
    real patch[CK_CONV_TILE * CK_CONV_DIRECT_K];
    size_t t;
    for (t = lo; t < hi; ++t) {
        const size_t r0 = t * CK_CONV_TILE;
        const size_t m = M - r0 < CK_CONV_TILE ? M - r0 : CK_CONV_TILE;
        int st;
        /* rows past m are zeros, so the full tile can always be computed */
        if (m < CK_CONV_TILE) memset(patch, 0, sizeof patch);
        CK_S(ck_conv_im2col)(s, j->x, r0, m, patch);
        CK_S(ck_conv_direct_tile)(m, K, O, patch, j->w, j->b, j->y + r0 * O);
        st = CK_S(ck_act_bias_fwd)(j->code, m, O, NULL, j->y + r0 * O);
        if (st != CK_OK) CK_STORE(&j->status, st);
    }
    ck_ftz_leave(fp);
}

static int CK_S(ck_conv_direct_fwd)(const ck_conv3d_shape *s, const real *x, const real *w,
                                    const real *b, int code, real *y)
{
    const size_t M = s->N * s->OD * s->OH * s->OW, K = s->KD * s->KH * s->KW * s->C;
    const size_t ntiles = (M + CK_CONV_TILE - 1) / CK_CONV_TILE;
    const size_t chunk = ck_conv_split_chunk(ntiles, 2.0 * (double)M * (double)K * (double)s->O);
    CK_S(ck_conv_direct_job) j;
    j.s = s; j.x = x; j.w = w; j.b = b; j.y = y; j.code = code; j.status = CK_OK;
    if (chunk < ntiles)
        ck_threads_run_chunks(CK_S(ck_conv_direct_tiles), &j, ntiles, chunk);
    else
        CK_S(ck_conv_direct_tiles)(&j, 0, ntiles);
    return j.status;
}

/* dw += patch^T dz over a tile of m output rows, for small K: a group of
 * CK_CONV_KG gradient rows (one vector of outputs each) stays in registers
 * while the tile's dz rows stream through. The patch has CK_CONV_KG columns
 * of slack past its last row: a short last group reads them and drops them. */
CK_TARGET_CLONES CK_CONV_FMA
static void CK_S(ck_conv_direct_dw_tile)(size_t m, size_t K, size_t O, const real *patch,
                                         const real *dz, real *dw)
{
    size_t o0 = 0, k0, k, p, j;
#ifdef CK_CONV_VEC
    typedef CK_S(ck_conv_vec) vec;
    enum { L = sizeof(vec) / sizeof(real) };
    for (; o0 + L <= O; o0 += L)
        for (k0 = 0; k0 < K; k0 += CK_CONV_KG) {
            vec acc[CK_CONV_KG];
            memset(acc, 0, sizeof acc);
            for (p = 0; p < m; ++p) {
                const real *xp = patch + p * K + k0;
                vec g;
                memcpy(&g, dz + p * O + o0, sizeof g);
                for (k = 0; k < CK_CONV_KG; ++k) acc[k] += xp[k] * g;
            }
            for (k = 0; k < CK_CONV_KG && k0 + k < K; ++k) {
                vec d;
                memcpy(&d, dw + (k0 + k) * O + o0, sizeof d);
                d += acc[k];
                memcpy(dw + (k0 + k) * O + o0, &d, sizeof d);
            }
        }
#else
    (void)k0;
#endif
    if (o0 < O)
        for (k = 0; k < K; ++k) {
            real *d = dw + k * O;
            for (p = 0; p < m; ++p) {
                const real xv = patch[p * K + k], *g = dz + p * O;
                for (j = o0; j < O; ++j) d[j] += xv * g[j];
            }
        }
}

static void CK_S(ck_conv_direct_dw)(const ck_conv3d_shape *s, const real *x, const real *dz,
                                    real *dw)
{
    const size_t M = s->N * s->OD * s->OH * s->OW, K = s->KD * s->KH * s->KW * s->C;
    real patch[CK_CONV_DW_TILE * CK_CONV_DIRECT_K + CK_CONV_KG] = {0};
    size_t r0;
    for (r0 = 0; r0 < M; r0 += CK_CONV_DW_TILE) {
        const size_t m = M - r0 < CK_CONV_DW_TILE ? M - r0 : CK_CONV_DW_TILE;
        CK_S(ck_conv_im2col)(s, x, r0, m, patch);
        CK_S(ck_conv_direct_dw_tile)(m, K, s->O, patch, dz + r0 * s->O, dw);
    }
}

/* The first layer's backward (no dx wanted): dz = dy * act'(y) a tile at a
 * time into a per-thread tile of the caller's dz buffer, summed into db and
 * multiplied into dw while it is in L1, instead of a pass over the whole
 * output and a second read of it. The tiles are summed in ck_dw_parts-like
 * parts (ck_direct_dw_parts), each into its own partial dw and db that are
 * added in part order at the end, so the bits do not depend on the helper;
 * the partials of parts 1.. and the two threads' tiles sit in dz. */
typedef struct CK_S(ck_direct_dw_job) {
    const ck_conv3d_shape *s;
    const real *x, *y, *dy;
    real *tile[2], *dwp[CK_DW_MAX_PARTS], *dbp[CK_DW_MAX_PARTS];
    int busy[2];
    int code, status;
    size_t ntiles, parts;
} CK_S(ck_direct_dw_job);

static void CK_S(ck_direct_dw_run)(void *ctx, size_t lo, size_t hi)
{
    CK_S(ck_direct_dw_job) *j = (CK_S(ck_direct_dw_job) *)ctx;
    const ck_conv3d_shape *s = j->s;
    const size_t M = s->N * s->OD * s->OH * s->OW, K = s->KD * s->KH * s->KW * s->C;
    const size_t O = s->O;
    const ck_fpmode fp = ck_ftz_enter(); /* the helper's too, so both agree */
    real patch[CK_CONV_DW_TILE * CK_CONV_DIRECT_K + CK_CONV_KG] = {0};
    int slot = 0, expect = 0;
    size_t part, t, p, c;
    real *dz;
    while (!CK_CAS(&j->busy[slot], &expect, 1)) {
        expect = 0;
        slot ^= 1;
    }
    dz = j->tile[slot];
    for (part = lo; part < hi; ++part) {
        const size_t t0 = part * j->ntiles / j->parts, t1 = (part + 1) * j->ntiles / j->parts;
        real *dw = j->dwp[part], *db = j->dbp[part];
        for (c = 0; c < K * O; ++c) dw[c] = (real)0;
        if (db != NULL) for (c = 0; c < O; ++c) db[c] = (real)0;
        for (t = t0; t < t1; ++t) {
            const size_t r0 = t * CK_CONV_DW_TILE;
            const size_t m = M - r0 < CK_CONV_DW_TILE ? M - r0 : CK_CONV_DW_TILE;
            const int st = CK_S(ck_act_bias_bwd)(j->code, m, O, j->y + r0 * O, j->dy + r0 * O,
                                                 dz, NULL);
            if (st != CK_OK) {
                CK_STORE(&j->status, st);
                break;
            }
            if (db != NULL)
                for (p = 0; p < m; ++p)
                    for (c = 0; c < O; ++c) db[c] += dz[p * O + c];
            CK_S(ck_conv_im2col)(s, j->x, r0, m, patch);
            CK_S(ck_conv_direct_dw_tile)(m, K, O, patch, dz, dw);
        }
    }
    CK_STORE(&j->busy[slot], 0);
    ck_ftz_leave(fp);
}

static int CK_S(ck_conv_direct_dw_act)(const ck_conv3d_shape *s, const real *x, const real *y,
                                       const real *dy, int code, real *dz, real *dw, real *db)
{
    const size_t M = s->N * s->OD * s->OH * s->OW, K = s->KD * s->KH * s->KW * s->C;
    const size_t O = s->O, ntiles = (M + CK_CONV_DW_TILE - 1) / CK_CONV_DW_TILE;
    const size_t parts = ck_direct_dw_parts(s);
    CK_S(ck_direct_dw_job) j;
    size_t p, c;
    j.s = s; j.x = x; j.y = y; j.dy = dy;
    j.tile[0] = dz; j.tile[1] = parts > 1 ? dz + CK_CONV_DW_TILE * O : dz;
    j.busy[0] = j.busy[1] = 0;
    j.code = code; j.status = CK_OK; j.ntiles = ntiles; j.parts = parts;
    j.dwp[0] = dw; j.dbp[0] = db;
    for (p = 1; p < parts; ++p) {
        j.dwp[p] = dz + 2 * CK_CONV_DW_TILE * O + (p - 1) * (K * O + O);
        j.dbp[p] = db != NULL ? j.dwp[p] + K * O : NULL;
    }
    if (parts > 1)
        ck_threads_run_chunks(CK_S(ck_direct_dw_run), &j, parts, 1);
    else
        CK_S(ck_direct_dw_run)(&j, 0, 1);
    if (j.status != CK_OK) return j.status;
    for (p = 1; p < parts; ++p) {
        for (c = 0; c < K * O; ++c) dw[c] += j.dwp[p][c];
        if (db != NULL)
            for (c = 0; c < O; ++c) db[c] += j.dbp[p][c];
    }
    return CK_OK;
}

/* ------------------------------------------- Winograd F(2x2, 3x3) forward
 * For 3x3, stride-1, undilated 2-D windows: each 2x2 output tile is
 * A^T [(G g G^T) . (B^T d B)] A over its 4x4 input patch d, 16 products per
 * tile and channel pair instead of 36 (2.25x fewer multiplies). The products
 * are 16 GEMMs per block of tiles (ck_wino_tiles), V[e] (tiles x C) times
 * U[e] (C x O), V and the GEMM results staying in L2; the output transform
 * adds the bias and applies the activation as it writes y. Layout of the
 * scratch (ck_conv3d_col_size): U (16 planes of C O), C zeros (the
 * padding's source rows), then per worker V (16 planes of T C) and P (16
 * planes of T O), planes ck_wino_ld apart. */

/* U[e] = (G g G^T)[e] for every (c, o), plane e at U + e * ck_wino_ld(C O). */
CK_TARGET_CLONES
static void CK_S(ck_wino_weights)(size_t C, size_t O, const real *w, real *U)
{
    const size_t Q = C * O, LD = ck_wino_ld(Q, sizeof(real));
    const real h = (real)0.5;
    size_t q;
    for (q = 0; q < Q; ++q) {
        real g[3][3], t[4][3];
        size_t i, j;
        for (i = 0; i < 3; ++i)
            for (j = 0; j < 3; ++j) g[i][j] = w[(i * 3 + j) * Q + q];
        for (j = 0; j < 3; ++j) {
            t[0][j] = g[0][j];
            t[1][j] = h * (g[0][j] + g[1][j] + g[2][j]);
            t[2][j] = h * (g[0][j] - g[1][j] + g[2][j]);
            t[3][j] = g[2][j];
        }
        for (i = 0; i < 4; ++i) {
            U[(i * 4 + 0) * LD + q] = t[i][0];
            U[(i * 4 + 1) * LD + q] = h * (t[i][0] + t[i][1] + t[i][2]);
            U[(i * 4 + 2) * LD + q] = h * (t[i][0] - t[i][1] + t[i][2]);
            U[(i * 4 + 3) * LD + q] = t[i][2];
        }
    }
}

/* d -> B^T d B into v, 4x4 arrays of T (real or vec); d is overwritten.
 * Defined for both precisions' inclusions alike. */
#define CK_WINO_BT(T, d, v)                                                      \
    do {                                                                        \
        int b_;                                                                 \
        for (b_ = 0; b_ < 4; ++b_) {                                            \
            const T r0 = d[0][b_] - d[2][b_];                 \
            const T r1 = d[1][b_] + d[2][b_];                 \
            const T r2 = d[2][b_] - d[1][b_];                 \
            const T r3 = d[1][b_] - d[3][b_];                 \
            d[0][b_] = r0; d[1][b_] = r1; d[2][b_] = r2; d[3][b_] = r3;         \
        }                                                                       \
        for (b_ = 0; b_ < 4; ++b_) {                                            \
            v[b_][0] = d[b_][0] - d[b_][2];                                     \
            v[b_][1] = d[b_][1] + d[b_][2];                                     \
            v[b_][2] = d[b_][2] - d[b_][1];                                     \
            v[b_][3] = d[b_][1] - d[b_][3];                                     \
        }                                                                       \
    } while (0)

/* q (4x4) -> the 2x2 A^T q A in y[0..3], plus bias. */
#define CK_WINO_AT(T, q, bo, y)                                                  \
    do {                                                                        \
        T s0_[4], s1_[4];                                                  \
        int c_;                                                                 \
        for (c_ = 0; c_ < 4; ++c_) {                                            \
            s0_[c_] = q[0][c_] + q[1][c_] + q[2][c_];                           \
            s1_[c_] = q[1][c_] - q[2][c_] - q[3][c_];                           \
        }                                                                       \
        y[0] = s0_[0] + s0_[1] + s0_[2] + bo;                                   \
        y[1] = s0_[1] - s0_[2] - s0_[3] + bo;                                   \
        y[2] = s1_[0] + s1_[1] + s1_[2] + bo;                                   \
        y[3] = s1_[1] - s1_[2] - s1_[3] + bo;                                   \
    } while (0)

/* V[e][i][:] = (B^T d B)[e] for tiles t0 .. t0 + m of the (n, th, tw)
 * order; plane e starts at V + e * ck_wino_ld(m * C). */
CK_TARGET_CLONES
static void CK_S(ck_wino_input)(const ck_conv3d_shape *s, const real *x, const real *zeros,
                                size_t t0, size_t m, real *V)
{
    const size_t C = s->C, TW = (s->OW + 1) / 2, TH = (s->OH + 1) / 2;
    const size_t MC = ck_wino_ld(m * C, sizeof(real));
    const ptrdiff_t H = (ptrdiff_t)s->H, W = (ptrdiff_t)s->W;
    size_t i, c;
    for (i = 0; i < m; ++i) {
        const size_t t = t0 + i, tw = t % TW, th = (t / TW) % TH, n = t / (TW * TH);
        const ptrdiff_t ih0 = (ptrdiff_t)(2 * th) - (ptrdiff_t)s->PT;
        const ptrdiff_t iw0 = (ptrdiff_t)(2 * tw) - (ptrdiff_t)s->PL;
        const real *src[4][4];
        real *v = V + i * C;
        int a, b;
        for (a = 0; a < 4; ++a)
            for (b = 0; b < 4; ++b) {
                const ptrdiff_t ih = ih0 + a, iw = iw0 + b;
                src[a][b] = (ih < 0 || ih >= H || iw < 0 || iw >= W)
                    ? zeros : x + ((n * s->H + (size_t)ih) * s->W + (size_t)iw) * C;
            }
        c = 0;
#ifdef CK_CONV_VEC
        {
            typedef CK_S(ck_conv_vec) vec;
            enum { L = sizeof(vec) / sizeof(real) };
            for (; c + L <= C; c += L) {
                vec d[4][4], r[4][4];
                for (a = 0; a < 4; ++a)
                    for (b = 0; b < 4; ++b) memcpy(&d[a][b], src[a][b] + c, sizeof(vec));
                CK_WINO_BT(vec, d, r);
                for (a = 0; a < 4; ++a)
                    for (b = 0; b < 4; ++b) memcpy(v + (a * 4 + b) * MC + c, &r[a][b], sizeof(vec));
            }
        }
#endif
        for (; c < C; ++c) {
            real d[4][4], r[4][4];
            for (a = 0; a < 4; ++a)
                for (b = 0; b < 4; ++b) d[a][b] = src[a][b][c];
            CK_WINO_BT(real, d, r);
            for (a = 0; a < 4; ++a)
                for (b = 0; b < 4; ++b) v[(a * 4 + b) * MC + c] = r[a][b];
        }
    }
}

/* y tile = act(A^T P A + b) for tiles t0 .. t0 + m; P[e] is (m, O) at
 * P + e * ck_wino_ld(m * O). A tile past the output's last row or column
 * writes only its part inside. */
CK_TARGET_CLONES
static int CK_S(ck_wino_output)(const ck_conv3d_shape *s, const real *P, const real *b,
                                int code, size_t t0, size_t m, real *y)
{
    const size_t O = s->O, TW = (s->OW + 1) / 2, TH = (s->OH + 1) / 2;
    const size_t MO = ck_wino_ld(m * O, sizeof(real));
    const int relu = code == CK_ACT_RELU, inline_act = code == CK_ACT_LINEAR || relu;
    size_t i, o, k;
    for (i = 0; i < m; ++i) {
        const size_t t = t0 + i, tw = t % TW, th = (t / TW) % TH, n = t / (TW * TH);
        const size_t oh = 2 * th, ow = 2 * tw;
        const int two_r = oh + 1 < s->OH, two_c = ow + 1 < s->OW;
        const real *p = P + i * O;
        real *yt[4];
        int a, c, keep[4];
        yt[0] = y + ((n * s->OH + oh) * s->OW + ow) * O;
        yt[1] = yt[0] + O;
        yt[2] = yt[0] + s->OW * O;
        yt[3] = yt[2] + O;
        keep[0] = 1; keep[1] = two_c; keep[2] = two_r; keep[3] = two_r && two_c;
        o = 0;
#ifdef CK_CONV_VEC
        {
            typedef CK_S(ck_conv_vec) vec;
            enum { L = sizeof(vec) / sizeof(real) };
            const vec zero = {0};
            for (; o + L <= O; o += L) {
                vec q[4][4], r[4], bo = zero;
                if (b) memcpy(&bo, b + o, sizeof bo);
                for (a = 0; a < 4; ++a)
                    for (c = 0; c < 4; ++c) memcpy(&q[a][c], p + (a * 4 + c) * MO + o, sizeof(vec));
                CK_WINO_AT(vec, q, bo, r);
                for (k = 0; k < 4; ++k) {
                    if (relu) r[k] = (vec)((CK_S(ck_conv_mask))(r[k] > zero) &
                                           (CK_S(ck_conv_mask))r[k]);
                    if (keep[k]) memcpy(yt[k] + o, &r[k], sizeof(vec));
                }
            }
        }
#endif
        for (; o < O; ++o) {
            real q[4][4], r[4];
            const real bo = b ? b[o] : (real)0;
            for (a = 0; a < 4; ++a)
                for (c = 0; c < 4; ++c) q[a][c] = p[(a * 4 + c) * MO + o];
            CK_WINO_AT(real, q, bo, r);
            for (k = 0; k < 4; ++k)
                if (keep[k]) yt[k][o] = relu ? (r[k] > 0 ? r[k] : (real)0) : r[k];
        }
        if (!inline_act)
            for (k = 0; k < 4; ++k)
                if (keep[k]) CK_TRY(CK_S(ck_act_bias_fwd)(code, 1, O, NULL, yt[k]));
    }
    return CK_OK;
}

typedef struct CK_S(ck_wino_job) {
    const ck_conv3d_shape *s;
    const real *x, *b, *U, *zeros;
    real *y, *work[2];
    int busy[2];
    int code, status;
    size_t T, ntiles;
} CK_S(ck_wino_job);

/* Tile blocks [lo, hi): run by the caller and, at default threads, the
 * helper; each call takes one of the two per-worker scratch areas. */
static void CK_S(ck_wino_blocks)(void *ctx, size_t lo, size_t hi)
{
    CK_S(ck_wino_job) *j = (CK_S(ck_wino_job) *)ctx;
    const ck_conv3d_shape *s = j->s;
    const size_t C = s->C, O = s->O;
    const ck_fpmode fp = ck_ftz_enter(); /* the helper's too, so both agree */
    int slot = 0, expect = 0;
    real *V, *P;
    size_t blk, e;
    while (!CK_CAS(&j->busy[slot], &expect, 1)) {
        expect = 0;
        slot ^= 1;
    }
    V = j->work[slot];
    P = V + 16 * ck_wino_ld(j->T * C, sizeof(real));
    for (blk = lo; blk < hi; ++blk) {
        const size_t t0 = blk * j->T, m = j->ntiles - t0 < j->T ? j->ntiles - t0 : j->T;
        const size_t ldv = ck_wino_ld(m * C, sizeof(real));
        const size_t ldp = ck_wino_ld(m * O, sizeof(real)), ldu = ck_wino_ld(C * O, sizeof(real));
        int st = CK_OK;
        CK_S(ck_wino_input)(s, j->x, j->zeros, t0, m, V);
        for (e = 0; e < 16 && st == CK_OK; ++e)
            st = CK_S(ck_gemm_own)(0, 0, m, O, C, (real)1, V + e * ldv, C, j->U + e * ldu, O,
                                   (real)0, P + e * ldp, O);
        if (st == CK_OK) st = CK_S(ck_wino_output)(s, P, j->b, j->code, t0, m, j->y);
        if (st != CK_OK) CK_STORE(&j->status, st);
    }
    CK_STORE(&j->busy[slot], 0);
    ck_ftz_leave(fp);
}

static int CK_S(ck_wino_fwd)(const ck_conv3d_shape *s, const real *x, const real *w,
                             const real *b, int code, real *col, real *y)
{
    const size_t C = s->C, O = s->O;
    const size_t ntiles = s->N * ((s->OH + 1) / 2) * ((s->OW + 1) / 2);
    const size_t T = ck_wino_tiles(s, sizeof(real)), nblk = (ntiles + T - 1) / T;
    CK_S(ck_wino_job) j;
    real *zeros = col + 16 * ck_wino_ld(C * O, sizeof(real));
    memset(zeros, 0, C * sizeof(real));
    CK_S(ck_wino_weights)(C, O, w, col);
    j.s = s; j.x = x; j.b = b; j.U = col; j.zeros = zeros; j.y = y;
    j.work[0] = zeros + C;
    j.work[1] = j.work[0] + 16 * (ck_wino_ld(T * C, sizeof(real)) +
                                  ck_wino_ld(T * O, sizeof(real)));
    j.busy[0] = j.busy[1] = 0;
    j.code = code; j.status = CK_OK; j.T = T; j.ntiles = ntiles;
    if (nblk > 1)
        ck_threads_run_chunks(CK_S(ck_wino_blocks), &j, nblk, 1);
    else
        CK_S(ck_wino_blocks)(&j, 0, nblk);
    return j.status;
}

/* ------------------------------------------- weight gradient in parts
 * dw (and, with the activation folded in, dz and db) over the im2col blocks
 * of the output rows, split into ck_dw_parts() parts of whole blocks: part
 * p sums its blocks into its own partial dw (and db), and the partials are
 * added in part order at the end. The parts depend on the shape alone, so
 * the bits do not depend on whether the helper took any. Scratch (col):
 * two im2col blocks (one per thread) then the partials of parts 1.. (part
 * 0 sums into dw and db). */
typedef struct CK_S(ck_dw_job) {
    const ck_conv3d_shape *s;
    const real *x, *y, *dy, *z;
    real *dz, *col[2], *dwp[CK_DW_MAX_PARTS], *dbp[CK_DW_MAX_PARTS];
    int busy[2];
    int code, act, status;
    size_t R, nblk, parts;
} CK_S(ck_dw_job);

static void CK_S(ck_dw_parts_run)(void *ctx, size_t lo, size_t hi)
{
    CK_S(ck_dw_job) *j = (CK_S(ck_dw_job) *)ctx;
    const ck_conv3d_shape *s = j->s;
    const size_t M = s->N * s->OD * s->OH * s->OW, K = s->KD * s->KH * s->KW * s->C;
    const size_t O = s->O;
    const ck_fpmode fp = ck_ftz_enter(); /* the helper's too, so both agree */
    int slot = 0, expect = 0;
    size_t p, blk, i, c;
    real *col;
    while (!CK_CAS(&j->busy[slot], &expect, 1)) {
        expect = 0;
        slot ^= 1;
    }
    col = j->col[slot];
    for (p = lo; p < hi; ++p) {
        const size_t b0 = p * j->nblk / j->parts, b1 = (p + 1) * j->nblk / j->parts;
        real *dw = j->dwp[p], *db = j->dbp[p];
        int st = CK_OK;
        if (db != NULL) for (c = 0; c < O; ++c) db[c] = (real)0;
        for (blk = b0; blk < b1 && st == CK_OK; ++blk) {
            const size_t r0 = blk * j->R, m = M - r0 < j->R ? M - r0 : j->R;
            if (j->act) {
                real *zb = j->dz + r0 * O;
                st = CK_S(ck_act_bias_bwd)(j->code, m, O, j->y + r0 * O, j->dy + r0 * O, zb,
                                           NULL);
                if (db != NULL)
                    for (i = 0; i < m; ++i)
                        for (c = 0; c < O; ++c) db[c] += zb[i * O + c];
            }
            CK_S(ck_conv_im2col)(s, j->x, r0, m, col);
            if (st == CK_OK)
                st = CK_S(ck_gemm_own)(1, 0, K, O, m, (real)1, col, K, j->z + r0 * O, O,
                                       blk == b0 ? (real)0 : (real)1, dw, O);
        }
        if (b0 == b1) /* an empty part (not made by ck_dw_parts) sums nothing */
            for (c = 0; c < K * O; ++c) dw[c] = (real)0;
        if (st != CK_OK) CK_STORE(&j->status, st);
    }
    CK_STORE(&j->busy[slot], 0);
    ck_ftz_leave(fp);
}

/* dw = sum over the rows of im2col(x)^T z; with act, dz = dy * act'(y) is
 * written block by block first (z == dz) and db summed from it. */
static int CK_S(ck_dw_parts)(const ck_conv3d_shape *s, const real *x, const real *y,
                             const real *dy, int code, int act, real *dz, const real *z,
                             real *col, size_t R, real *dw, real *db)
{
    const size_t M = s->N * s->OD * s->OH * s->OW, K = s->KD * s->KH * s->KW * s->C;
    const size_t O = s->O, RK = ck_conv3d_col_rows(s, sizeof(real)) * K;
    const size_t nblk = (M + R - 1) / R, parts = ck_dw_parts(s, R);
    CK_S(ck_dw_job) j;
    real *part = col + 2 * RK;
    size_t p, c;
    j.s = s; j.x = x; j.y = y; j.dy = dy; j.z = z; j.dz = dz;
    j.col[0] = col; j.col[1] = col + RK;
    j.busy[0] = j.busy[1] = 0;
    j.code = code; j.act = act; j.status = CK_OK;
    j.R = R; j.nblk = nblk; j.parts = parts;
    j.dwp[0] = dw; j.dbp[0] = act ? db : NULL;
    for (p = 1; p < parts; ++p) {
        j.dwp[p] = part + (p - 1) * (K * O + O);
        j.dbp[p] = act && db != NULL ? j.dwp[p] + K * O : NULL;
    }
    if (parts > 1)
        ck_threads_run_chunks(CK_S(ck_dw_parts_run), &j, parts, 1);
    else
        CK_S(ck_dw_parts_run)(&j, 0, parts);
    if (j.status != CK_OK) return j.status;
    for (p = 1; p < parts; ++p) {
        for (c = 0; c < K * O; ++c) dw[c] += j.dwp[p][c];
        if (j.dbp[p] != NULL)
            for (c = 0; c < O; ++c) db[c] += j.dbp[p][c];
    }
    return CK_OK;
}

/* ------------------------------------------ Winograd F(2x2, 3x3) weight gradient
 * The forward's y = A^T [U . V] A per tile and channel pair, differentiated:
 * dP = A dz A^T (4x4 per tile from its 2x2 dz, zero outside the output),
 * dU[e] = sum over tiles V[e]^T dP[e] (16 GEMMs per block of tiles, C x O),
 * dw = G^T dU G: 16 products per tile and channel pair instead of the 36 of
 * im2col. The blocks of tiles are summed in ck_wino_dw_parts() parts, each
 * into its own dU (the first in the forward's U area, the others after the
 * work areas), added in part order; with act, each tile's dz (and db) is
 * computed as its dP is built. */
typedef struct CK_S(ck_wdw_job) {
    const ck_conv3d_shape *s;
    const real *x, *y, *dy, *zeros;
    real *dz, *work[2], *dU[CK_DW_MAX_PARTS], *dbp[CK_DW_MAX_PARTS];
    int busy[2];
    int code, act, status;
    size_t T, ntiles, nblk, parts;
} CK_S(ck_wdw_job);

/* dP = A g A^T for one tile's 2x2 gradients g0..g3 (T = real or vec),
 * written to the 16 planes at p (MO apart). */
#define CK_WINO_DP(T, d00, d01, d10, d11, p, MO)                                 \
    do {                                                                        \
        const T r_[4][2] = {{d00, d01}, {d00 + d10, d01 + d11},                 \
                            {d00 - d10, d01 - d11}, {-d10, -d11}};              \
        int a_;                                                                 \
        for (a_ = 0; a_ < 4; ++a_) {                                            \
            const T e0_ = r_[a_][0], e1_ = r_[a_][0] + r_[a_][1];               \
            const T e2_ = r_[a_][0] - r_[a_][1], e3_ = -r_[a_][1];              \
            memcpy((p) + (a_ * 4 + 0) * (MO), &e0_, sizeof(T));                 \
            memcpy((p) + (a_ * 4 + 1) * (MO), &e1_, sizeof(T));                 \
            memcpy((p) + (a_ * 4 + 2) * (MO), &e2_, sizeof(T));                 \
            memcpy((p) + (a_ * 4 + 3) * (MO), &e3_, sizeof(T));                 \
        }                                                                       \
    } while (0)

/* dP planes (16, each m x O, ck_wino_ld(m O) apart) of tiles t0 .. t0 + m,
 * from dz (computed here from y and dy when act, summed into db; relu and
 * linear inline, as ck_act_bias_bwd computes them). */
CK_TARGET_CLONES
static int CK_S(ck_wino_dz)(const CK_S(ck_wdw_job) *j, size_t t0, size_t m, real *P, real *db)
{
    const ck_conv3d_shape *s = j->s;
    const size_t O = s->O, TW = (s->OW + 1) / 2, TH = (s->OH + 1) / 2;
    const size_t MO = ck_wino_ld(m * O, sizeof(real));
    const int relu = j->act && j->code == CK_ACT_RELU;
    const int call = j->act && !relu && j->code != CK_ACT_LINEAR;
    size_t i, o, k;
    for (i = 0; i < m; ++i) {
        const size_t t = t0 + i, tw = t % TW, th = (t / TW) % TH, n = t / (TW * TH);
        const size_t oh = 2 * th, ow = 2 * tw;
        const int two_r = oh + 1 < s->OH, two_c = ow + 1 < s->OW;
        const real *g[4], *yk[4];
        real *zk[4], *p = P + i * O;
        int keep[4];
        size_t off[4];
        off[0] = ((n * s->OH + oh) * s->OW + ow) * O;
        off[1] = off[0] + O;
        off[2] = off[0] + s->OW * O;
        off[3] = off[2] + O;
        keep[0] = 1; keep[1] = two_c; keep[2] = two_r; keep[3] = two_r && two_c;
        for (k = 0; k < 4; ++k) {
            /* a missing output reads zeros and writes to the (unused) zk
             * of output 0 only when nothing else does: never for act */
            g[k] = keep[k] ? (j->act ? j->dy : j->dz) + off[k] : j->zeros;
            yk[k] = keep[k] ? j->y + off[k] : j->zeros;
            zk[k] = keep[k] ? j->dz + off[k] : NULL;
            if (call && keep[k]) {
                CK_TRY(CK_S(ck_act_bias_bwd)(j->code, 1, O, yk[k], g[k], zk[k], NULL));
                g[k] = zk[k];
            }
        }
        o = 0;
#ifdef CK_CONV_VEC
        {
            typedef CK_S(ck_conv_vec) vec;
            enum { L = sizeof(vec) / sizeof(real) };
            const vec zero = {0};
            for (; o + L <= O; o += L) {
                vec d[4];
                for (k = 0; k < 4; ++k) {
                    memcpy(&d[k], g[k] + o, sizeof(vec));
                    if (relu) {
                        vec yv;
                        memcpy(&yv, yk[k] + o, sizeof(vec));
                        d[k] = (vec)((CK_S(ck_conv_mask))(yv > zero) & (CK_S(ck_conv_mask))d[k]);
                    }
                    if (j->act && keep[k] && !call) memcpy(zk[k] + o, &d[k], sizeof(vec));
                    if (db != NULL && keep[k]) {
                        vec acc;
                        memcpy(&acc, db + o, sizeof(vec));
                        acc += d[k];
                        memcpy(db + o, &acc, sizeof(vec));
                    }
                }
                CK_WINO_DP(vec, d[0], d[1], d[2], d[3], p + o, MO);
            }
        }
#endif
        for (; o < O; ++o) {
            real d[4];
            for (k = 0; k < 4; ++k) {
                d[k] = g[k][o];
                if (relu) d[k] = yk[k][o] > (real)0 ? d[k] : (real)0;
                if (j->act && keep[k] && !call) zk[k][o] = d[k];
                if (db != NULL && keep[k]) db[o] += d[k];
            }
            CK_WINO_DP(real, d[0], d[1], d[2], d[3], p + o, MO);
        }
    }
    return CK_OK;
}

static void CK_S(ck_wdw_run)(void *ctx, size_t lo, size_t hi)
{
    CK_S(ck_wdw_job) *j = (CK_S(ck_wdw_job) *)ctx;
    const ck_conv3d_shape *s = j->s;
    const size_t C = s->C, O = s->O, ldu = ck_wino_ld(C * O, sizeof(real));
    const ck_fpmode fp = ck_ftz_enter(); /* the helper's too, so both agree */
    int slot = 0, expect = 0;
    size_t part, blk, e, o;
    real *V, *P;
    while (!CK_CAS(&j->busy[slot], &expect, 1)) {
        expect = 0;
        slot ^= 1;
    }
    V = j->work[slot];
    P = V + 16 * ck_wino_ld(j->T * C, sizeof(real));
    for (part = lo; part < hi; ++part) {
        const size_t b0 = part * j->nblk / j->parts, b1 = (part + 1) * j->nblk / j->parts;
        real *dU = j->dU[part], *db = j->dbp[part];
        int st = CK_OK;
        if (db != NULL) for (o = 0; o < O; ++o) db[o] = (real)0;
        if (b0 == b1)
            for (e = 0; e < 16; ++e)
                for (o = 0; o < C * O; ++o) dU[e * ldu + o] = (real)0;
        for (blk = b0; blk < b1 && st == CK_OK; ++blk) {
            const size_t t0 = blk * j->T, m = j->ntiles - t0 < j->T ? j->ntiles - t0 : j->T;
            const size_t ldv = ck_wino_ld(m * C, sizeof(real));
            const size_t ldp = ck_wino_ld(m * O, sizeof(real));
            CK_S(ck_wino_input)(s, j->x, j->zeros, t0, m, V);
            st = CK_S(ck_wino_dz)(j, t0, m, P, db);
            for (e = 0; e < 16 && st == CK_OK; ++e)
                st = CK_S(ck_gemm_own)(1, 0, C, O, m, (real)1, V + e * ldv, C, P + e * ldp, O,
                                       blk == b0 ? (real)0 : (real)1, dU + e * ldu, O);
        }
        if (st != CK_OK) CK_STORE(&j->status, st);
    }
    CK_STORE(&j->busy[slot], 0);
    ck_ftz_leave(fp);
}

/* dw (3, 3, C, O) = G^T dU G for every (c, o). */
CK_TARGET_CLONES
static void CK_S(ck_wino_dw_out)(size_t C, size_t O, const real *dU, real *dw)
{
    const size_t Q = C * O, LD = ck_wino_ld(Q, sizeof(real));
    const real h = (real)0.5;
    size_t q;
    for (q = 0; q < Q; ++q) {
        real u[4][4], t[3][4];
        size_t a, b;
        for (a = 0; a < 4; ++a)
            for (b = 0; b < 4; ++b) u[a][b] = dU[(a * 4 + b) * LD + q];
        /* G^T rows: (1, .5, .5, 0), (0, .5, -.5, 0), (0, .5, .5, 1) */
        for (b = 0; b < 4; ++b) {
            t[0][b] = u[0][b] + h * (u[1][b] + u[2][b]);
            t[1][b] = h * (u[1][b] - u[2][b]);
            t[2][b] = h * (u[1][b] + u[2][b]) + u[3][b];
        }
        for (a = 0; a < 3; ++a) {
            dw[(a * 3 + 0) * Q + q] = t[a][0] + h * (t[a][1] + t[a][2]);
            dw[(a * 3 + 1) * Q + q] = h * (t[a][1] - t[a][2]);
            dw[(a * 3 + 2) * Q + q] = h * (t[a][1] + t[a][2]) + t[a][3];
        }
    }
}

/* dw (and with act dz, db) of a layer Winograd takes; z is dz or, without
 * act, the gradient itself. */
static int CK_S(ck_wino_dw)(const ck_conv3d_shape *s, const real *x, const real *y,
                            const real *dy, int code, int act, real *z, real *col, real *dw,
                            real *db)
{
    const size_t C = s->C, O = s->O, ldu = ck_wino_ld(C * O, sizeof(real));
    const size_t ntiles = s->N * ((s->OH + 1) / 2) * ((s->OW + 1) / 2);
    const size_t T = ck_wino_tiles(s, sizeof(real)), nblk = (ntiles + T - 1) / T;
    const size_t parts = ck_wino_dw_parts(s);
    const size_t work = 16 * (ck_wino_ld(T * C, sizeof(real)) + ck_wino_ld(T * O, sizeof(real)));
    CK_S(ck_wdw_job) j;
    real *zeros = col + 16 * ldu, *extra;
    size_t p, c, e;
    memset(zeros, 0, (C > O ? C : O) * sizeof(real));
    j.s = s; j.x = x; j.y = y; j.dy = dy; j.zeros = zeros; j.dz = z;
    j.work[0] = zeros + (C > O ? C : O);
    j.work[1] = j.work[0] + work;
    extra = j.work[1] + work;
    j.busy[0] = j.busy[1] = 0;
    j.code = code; j.act = act; j.status = CK_OK;
    j.T = T; j.ntiles = ntiles; j.nblk = nblk; j.parts = parts;
    j.dU[0] = col; j.dbp[0] = act ? db : NULL;
    for (p = 1; p < parts; ++p) {
        j.dU[p] = extra + (p - 1) * (16 * ldu + O);
        j.dbp[p] = act && db != NULL ? j.dU[p] + 16 * ldu : NULL;
    }
    if (parts > 1)
        ck_threads_run_chunks(CK_S(ck_wdw_run), &j, parts, 1);
    else
        CK_S(ck_wdw_run)(&j, 0, parts);
    if (j.status != CK_OK) return j.status;
    for (p = 1; p < parts; ++p) {
        for (e = 0; e < 16; ++e)
            for (c = 0; c < C * O; ++c) col[e * ldu + c] += j.dU[p][e * ldu + c];
        if (j.dbp[p] != NULL)
            for (c = 0; c < O; ++c) db[c] += j.dbp[p][c];
    }
    CK_S(ck_wino_dw_out)(C, O, col, dw);
    return CK_OK;
}

static int CK_S(ck_conv3d_fwd_body)(const ck_conv3d_shape *s, const real *x, const real *w,
                        const real *b, int code, real *col, real *y)
{
    const size_t M = s->N * s->OD * s->OH * s->OW, K = s->KD * s->KH * s->KW * s->C;
    const size_t O = s->O, R = ck_conv_block_rows(s, sizeof(real));
    size_t r0;
    int st;
    if (code < 0 || code >= CK_ACT_NCODES) return CK_ERR_CODE;
    if (M == 0 || O == 0) return CK_OK;
    if (y == NULL || (K > 0 && (x == NULL || w == NULL))) return CK_ERR_ARG;
    if (K > 0 && K <= CK_CONV_DIRECT_K) return CK_S(ck_conv_direct_fwd)(s, x, w, b, code, y);
    if (R > 0 && col == NULL) return CK_ERR_ARG;
    if (ck_wino_applies(s)) return CK_S(ck_wino_fwd)(s, x, w, b, code, col, y);
    if (R == 0) { /* 1x1x1 stride 1: x is the (M, C) matrix */
        st = CK_S(ck_gemm)(0, 0, M, O, K, (real)1, x, K, w, O, (real)0, y, O);
        if (st != CK_OK) return st;
        return CK_S(ck_act_bias_fwd)(code, M, O, b, y);
    }
    for (r0 = 0; r0 < M; r0 += R) {
        const size_t m = M - r0 < R ? M - r0 : R;
        CK_S(ck_conv_im2col)(s, x, r0, m, col);
        st = CK_S(ck_gemm)(0, 0, m, O, K, (real)1, col, K, w, O, (real)0,
                           y + r0 * O, O);
        if (st != CK_OK) return st;
        st = CK_S(ck_act_bias_fwd)(code, m, O, b, y + r0 * O);
        if (st != CK_OK) return st;
    }
    return CK_OK;
}

static int CK_S(ck_conv3d_bwd_body)(const ck_conv3d_shape *s, const real *x, const real *w,
                        const real *y, const real *dy, int code, real *dz, real *col,
                        real *dx, real *dw, real *db)
{
    const size_t M = s->N * s->OD * s->OH * s->OW, K = s->KD * s->KH * s->KW * s->C;
    const size_t O = s->O, R = ck_conv_block_rows(s, sizeof(real));
    const real *z;
    size_t r0, j;
    int st, per_block = 0;
    ck_conv3d_shape t;
    const int wino_dx = dx != NULL && M > 0 && O > 0 && ck_wino_dx_shape(s, &t);
    if (code < 0 || code >= CK_ACT_NCODES) return CK_ERR_CODE;
    if (dx != NULL && !wino_dx) memset(dx, 0, s->N * s->D * s->H * s->W * s->C * sizeof(real));
    if (dw != NULL) memset(dw, 0, K * O * sizeof(real));
    if (db != NULL) for (j = 0; j < O; ++j) db[j] = (real)0;
    if (M == 0 || O == 0) return CK_OK;
    if (dy == NULL || (dw != NULL && x == NULL) || (dx != NULL && w == NULL))
        return CK_ERR_ARG;
    if (R > 0 && col == NULL && (dx != NULL || dw != NULL)) return CK_ERR_ARG;
    if (code == CK_ACT_LINEAR && dz == NULL) {
        z = dy;
        if (db != NULL) {
            size_t i;
            for (i = 0; i < M; ++i) {
                const real *gi = dy + i * O;
                for (j = 0; j < O; ++j) db[j] += gi[j];
            }
        }
    } else {
        if (dz == NULL || y == NULL || dz == y || dz == dy) return CK_ERR_ARG;
        if (dx == NULL && dw != NULL && K > 0 && K <= CK_CONV_DIRECT_K)
            return CK_S(ck_conv_direct_dw_act)(s, x, y, dy, code, dz, dw, db);
        z = dz;
        /* With im2col blocks, each block's dz is computed right before its
         * GEMMs read it, while it is in cache (Winograd's dx reads it after
         * the dw parts wrote it all). */
        per_block = R > 0 && K > CK_CONV_DIRECT_K && (!wino_dx || dw != NULL);
        if (!per_block) {
            st = CK_S(ck_act_bias_bwd)(code, M, O, y, dy, dz, db);
            if (st != CK_OK) return st;
        }
    }
    if (K == 0) return CK_OK;
    if (dw != NULL && K <= CK_CONV_DIRECT_K) {
        CK_S(ck_conv_direct_dw)(s, x, z, dw);
        dw = NULL; /* done */
        if (dx == NULL) return CK_OK;
    }
    if (R == 0) {
        if (dw != NULL) {
            st = CK_S(ck_gemm)(1, 0, K, O, M, (real)1, x, K, z, O, (real)0, dw, O);
            if (st != CK_OK) return st;
        }
        if (dx != NULL) {
            st = CK_S(ck_gemm)(0, 1, M, K, O, (real)1, z, O, w, O, (real)0, dx, K);
            if (st != CK_OK) return st;
        }
        return CK_OK;
    }
    if (dw != NULL && ck_wino_applies(s)) {
        CK_TRY(CK_S(ck_wino_dw)(s, x, y, dy, code, per_block, per_block ? dz : (real *)z,
                                col, dw, db));
        if (dx == NULL) return CK_OK;
        dw = NULL;
        per_block = 0;
    } else if (dw != NULL && (dx == NULL || wino_dx)) {
        CK_TRY(CK_S(ck_dw_parts)(s, x, y, dy, code, per_block, dz, z, col, R, dw, db));
        if (dx == NULL) return CK_OK;
        dw = NULL;
        per_block = 0;
    }
    if (wino_dx) {
        /* dx after dw (which left dz complete and col free): the forward Winograd
         * path on dz with the flipped window wf[2-kh][2-kw][o][c]. */
        real *wf = col + ck_wino_need(&t, sizeof(real));
        const size_t C = s->C;
        size_t kh, kw, c, o;
        if (w == NULL) return CK_ERR_ARG;
        for (kh = 0; kh < 3; ++kh)
            for (kw = 0; kw < 3; ++kw) {
                const real *src = w + (kh * 3 + kw) * C * O;
                real *dst = wf + ((2 - kh) * 3 + (2 - kw)) * O * C;
                for (c = 0; c < C; ++c)
                    for (o = 0; o < O; ++o) dst[o * C + c] = src[c * O + o];
            }
        CK_TRY(CK_S(ck_wino_fwd)(&t, z, wf, NULL, CK_ACT_LINEAR, col, dx));
        dx = NULL;
        if (dw == NULL) return CK_OK;
    }
    for (r0 = 0; r0 < M; r0 += R) {
        const size_t m = M - r0 < R ? M - r0 : R;
        if (per_block) {
            real *zb = dz + r0 * O;
            size_t i;
            CK_TRY(CK_S(ck_act_bias_bwd)(code, m, O, y + r0 * O, dy + r0 * O, zb, NULL));
            if (db != NULL)
                for (i = 0; i < m; ++i)
                    for (j = 0; j < O; ++j) db[j] += zb[i * O + j];
        }
        if (dw != NULL) {
            CK_S(ck_conv_im2col)(s, x, r0, m, col);
            st = CK_S(ck_gemm)(1, 0, K, O, m, (real)1, col, K, z + r0 * O, O,
                               (real)1, dw, O);
            if (st != CK_OK) return st;
        }
        if (dx != NULL) {
            st = CK_S(ck_gemm)(0, 1, m, K, O, (real)1, z + r0 * O, O, w, O,
                               (real)0, col, K);
            if (st != CK_OK) return st;
            CK_S(ck_conv_col2im)(s, col, r0, m, dx);
        }
    }
    return CK_OK;
}

int CK_S(ck_conv3d_fwd)(const ck_conv3d_shape *s, const real *x, const real *w,
                        const real *b, int code, real *col, real *y)
{
    const ck_fpmode fp = ck_ftz_enter();
    const int st = CK_S(ck_conv3d_fwd_body)(s, x, w, b, code, col, y);
    ck_ftz_leave(fp);
    return st;
}

int CK_S(ck_conv3d_bwd)(const ck_conv3d_shape *s, const real *x, const real *w,
                        const real *y, const real *dy, int code, real *dz, real *col,
                        real *dx, real *dw, real *db)
{
    const ck_fpmode fp = ck_ftz_enter();
    const int st = CK_S(ck_conv3d_bwd_body)(s, x, w, y, dy, code, dz, col, dx, dw, db);
    ck_ftz_leave(fp);
    return st;
}

/* ---------------------------------------------------------------- pooling */
/* Visits the output positions of output rows [lo, hi) (row r = (n*OD +
 * od)*OH + oh); inside, `o` is a position's offset in y, id0/ih0/iw0 its
 * window's first (possibly padded) input coordinates, xn the offset of
 * sample n in x. The window loop is CK_POOL_WINDOW_BEGIN/END; the row loop
 * ends with CK_POOL_LOOP_END. */
#define CK_POOL_LOOP_BEGIN(lo, hi)                                                \
    const size_t C = s->C;                                                        \
    const ptrdiff_t D = (ptrdiff_t)s->D, H = (ptrdiff_t)s->H, W = (ptrdiff_t)s->W; \
    size_t r, ow, kd, kh, kw, c;                                                  \
    for (r = (lo); r < (hi); ++r) {                                               \
        const size_t oh = r % s->OH, od = (r / s->OH) % s->OD;                    \
        const size_t n = r / (s->OH * s->OD);                                     \
        for (ow = 0; ow < s->OW; ++ow) {                                          \
            const size_t o = (r * s->OW + ow) * C;                                \
            const ptrdiff_t id0 = (ptrdiff_t)(od * s->SD) - (ptrdiff_t)s->PF;     \
            const ptrdiff_t ih0 = (ptrdiff_t)(oh * s->SH) - (ptrdiff_t)s->PT;     \
            const ptrdiff_t iw0 = (ptrdiff_t)(ow * s->SW) - (ptrdiff_t)s->PL;     \
            const size_t xn = n * s->D * s->H * s->W * C;
#define CK_POOL_LOOP_END }}

/* Every non-padded window entry, in (kd, kh, kw) order; `at` is its flat
 * position (id*H + ih)*W + iw. */
#define CK_POOL_WINDOW_BEGIN                                                      \
    for (kd = 0; kd < s->KD; ++kd) {                                              \
        const ptrdiff_t id = id0 + (ptrdiff_t)kd;                                 \
        if (id < 0 || id >= D) continue;                                          \
        for (kh = 0; kh < s->KH; ++kh) {                                          \
            const ptrdiff_t ih = ih0 + (ptrdiff_t)kh;                             \
            if (ih < 0 || ih >= H) continue;                                      \
            for (kw = 0; kw < s->KW; ++kw) {                                      \
                const ptrdiff_t iw = iw0 + (ptrdiff_t)kw;                         \
                size_t at;                                                        \
                if (iw < 0 || iw >= W) continue;                                  \
                at = (size_t)((id * H + ih) * W + iw);
#define CK_POOL_WINDOW_END }}}

/* The pooling passes that write each output (forward) or input (the tiled
 * max backward) entry from one row's windows alone: their rows are shared
 * with the helper. */
typedef struct CK_S(ck_pool_job) {
    const ck_conv3d_shape *s;
    const real *x, *dy;
    const int *idx_in;
    real *y;
    int *idx;
} CK_S(ck_pool_job);

/* TF's CPU rule (see ck_conv.h): each window starts at the lowest finite
 * value, at its first real entry, and an entry replaces it only when
 * greater, so NaN and -inf never win, wherever they sit. */
CK_TARGET_CLONES
static void CK_S(ck_pool_max_rows)(void *ctx, size_t lo, size_t hi)
{
    const CK_S(ck_pool_job) *j = (const CK_S(ck_pool_job) *)ctx;
    const ck_conv3d_shape *s = j->s;
    const real lo_ = CK_REAL_LOWEST, *x = j->x;
    real *y = j->y;
    int *idx = j->idx;
    CK_POOL_LOOP_BEGIN(lo, hi)
        real *yo = y + o;
        int *io = idx ? idx + o : NULL;
        int first = 1;
        CK_POOL_WINDOW_BEGIN
            const int pos = (int)at; /* < INT_MAX whenever stored in idx */
            const real *xp = x + xn + at * C;
            if (first) {
                for (c = 0; c < C; ++c) yo[c] = xp[c] > lo_ ? xp[c] : lo_;
                if (io) for (c = 0; c < C; ++c) io[c] = pos;
                first = 0;
            } else if (io) {
                for (c = 0; c < C; ++c) {
                    const int better = xp[c] > yo[c];
                    yo[c] = better ? xp[c] : yo[c];
                    io[c] = better ? pos : io[c];
                }
            } else {
                for (c = 0; c < C; ++c) yo[c] = xp[c] > yo[c] ? xp[c] : yo[c];
            }
        CK_POOL_WINDOW_END
        if (first) { /* empty window (cannot happen for valid/same) */
            for (c = 0; c < C; ++c) yo[c] = (real)0;
            if (io) for (c = 0; c < C; ++c) io[c] = -1;
        }
    CK_POOL_LOOP_END
}

CK_TARGET_CLONES
static void CK_S(ck_pool_avg_rows)(void *ctx, size_t lo, size_t hi)
{
    const CK_S(ck_pool_job) *j = (const CK_S(ck_pool_job) *)ctx;
    const ck_conv3d_shape *s = j->s;
    const real *x = j->x;
    real *y = j->y;
    CK_POOL_LOOP_BEGIN(lo, hi)
        real *yo = y + o;
        size_t count = 0;
        for (c = 0; c < C; ++c) yo[c] = (real)0;
        CK_POOL_WINDOW_BEGIN
            const real *xp = x + xn + at * C;
            for (c = 0; c < C; ++c) yo[c] += xp[c];
            ++count;
        CK_POOL_WINDOW_END
        for (c = 0; c < C; ++c) yo[c] = count ? yo[c] / (real)count : (real)0;
    CK_POOL_LOOP_END
}

/* Windows that tile the input exactly (window == stride, no padding, no
 * remainder: MaxPooling's default) cover each input entry once, so dx is
 * written in one pass, window by window, with no zero-fill and no scatter. */
CK_TARGET_CLONES
static void CK_S(ck_pool_max_bwd_tiled_rows)(void *ctx, size_t lo, size_t hi)
{
    const CK_S(ck_pool_job) *j = (const CK_S(ck_pool_job) *)ctx;
    const ck_conv3d_shape *s = j->s;
    const real zero = (real)0, *dy = j->dy;
    const int *idx = j->idx_in;
    real *dx = j->y;
    CK_POOL_LOOP_BEGIN(lo, hi)
        const int *io = idx + o;
        const real *go = dy + o;
        CK_POOL_WINDOW_BEGIN
            real *dp = dx + xn + at * C;
            const int pos = (int)at;
            for (c = 0; c < C; ++c) dp[c] = io[c] == pos ? go[c] : zero;
        CK_POOL_WINDOW_END
    CK_POOL_LOOP_END
}

/* fn over the output rows of s, shared with the helper when the pass reads
 * enough bytes (its input once). */
static void CK_S(ck_pool_run)(const ck_conv3d_shape *s, void (*fn)(void *, size_t, size_t),
                              CK_S(ck_pool_job) *j)
{
    const size_t rows = s->N * s->OD * s->OH;
    const double bytes = (double)(s->N * s->D * s->H * s->W * s->C) * sizeof(real);
    const size_t chunk = ck_conv_split_chunk(rows, bytes);
    if (chunk < rows)
        ck_threads_run_chunks(fn, j, rows, chunk);
    else
        fn(j, 0, rows);
}

int CK_S(ck_pool3d_max_fwd)(const ck_conv3d_shape *s, const real *x, real *y, int *idx)
{
    CK_S(ck_pool_job) j;
    if ((x == NULL || y == NULL) && s->N * s->OD * s->OH * s->OW * s->C > 0)
        return CK_ERR_ARG;
    /* idx holds positions (id*H + ih)*W + iw as int. */
    if (idx != NULL && s->D * s->H * s->W > (size_t)INT_MAX) return CK_ERR_TOO_LARGE;
    j.s = s; j.x = x; j.dy = NULL; j.idx_in = NULL; j.y = y; j.idx = idx;
    CK_S(ck_pool_run)(s, CK_S(ck_pool_max_rows), &j);
    return CK_OK;
}

CK_TARGET_CLONES
int CK_S(ck_pool3d_max_bwd)(const ck_conv3d_shape *s, const int *idx, const real *dy, real *dx)
{
    const size_t C = s->C, DHW = s->D * s->H * s->W, P = s->OD * s->OH * s->OW;
    size_t n, p, c;
    if (dx == NULL) return CK_ERR_ARG;
    if (s->KD == s->SD && s->KH == s->SH && s->KW == s->SW && s->PF == 0 && s->PT == 0 &&
        s->PL == 0 && s->OD * s->SD == s->D && s->OH * s->SH == s->H && s->OW * s->SW == s->W) {
        CK_S(ck_pool_job) j;
        j.s = s; j.x = NULL; j.dy = dy; j.idx_in = idx; j.y = dx; j.idx = NULL;
        CK_S(ck_pool_run)(s, CK_S(ck_pool_max_bwd_tiled_rows), &j);
        return CK_OK;
    }
    memset(dx, 0, s->N * DHW * C * sizeof(real));
    for (n = 0; n < s->N; ++n) {
        real *dn = dx + n * DHW * C;
        for (p = 0; p < P; ++p) {
            const size_t o = (n * P + p) * C;
            for (c = 0; c < C; ++c) {
                /* -1 marks an empty window; a position outside the input
                 * (not from ck_pool3d_max_fwd) is ignored too. */
                const int q = idx[o + c];
                if (q >= 0 && (size_t)q < DHW) dn[(size_t)q * C + c] += dy[o + c];
            }
        }
    }
    return CK_OK;
}

int CK_S(ck_pool3d_avg_fwd)(const ck_conv3d_shape *s, const real *x, real *y)
{
    CK_S(ck_pool_job) j;
    if ((x == NULL || y == NULL) && s->N * s->OD * s->OH * s->OW * s->C > 0)
        return CK_ERR_ARG;
    j.s = s; j.x = x; j.dy = NULL; j.idx_in = NULL; j.y = y; j.idx = NULL;
    CK_S(ck_pool_run)(s, CK_S(ck_pool_avg_rows), &j);
    return CK_OK;
}

CK_TARGET_CLONES
int CK_S(ck_pool3d_avg_bwd)(const ck_conv3d_shape *s, const real *dy, real *dx)
{
    if (dx == NULL) return CK_ERR_ARG;
    memset(dx, 0, s->N * s->D * s->H * s->W * s->C * sizeof(real));
    {
    CK_POOL_LOOP_BEGIN(0, s->N * s->OD * s->OH)
        const real *go = dy + o;
        size_t count = 0;
        CK_POOL_WINDOW_BEGIN
            (void)at;
            ++count;
        CK_POOL_WINDOW_END
        if (count == 0) continue;
        CK_POOL_WINDOW_BEGIN
            real *dp = dx + xn + at * C;
            for (c = 0; c < C; ++c) dp[c] += go[c] / (real)count;
        CK_POOL_WINDOW_END
    CK_POOL_LOOP_END
    }
    return CK_OK;
}

#undef CK_POOL_LOOP_BEGIN
#undef CK_POOL_LOOP_END
#undef CK_POOL_WINDOW_BEGIN
#undef CK_POOL_WINDOW_END

/* ------------------------------------------------- 2-D entries (D == 1) */
int CK_S(ck_conv2d_fwd)(const ck_conv2d_shape *s, const real *x, const real *w,
                        const real *b, int code, real *col, real *y)
{
    const ck_conv3d_shape t = ck_conv2d_as_3d(s);
    return CK_S(ck_conv3d_fwd)(&t, x, w, b, code, col, y);
}

int CK_S(ck_conv2d_bwd)(const ck_conv2d_shape *s, const real *x, const real *w,
                        const real *y, const real *dy, int code, real *dz, real *col,
                        real *dx, real *dw, real *db)
{
    const ck_conv3d_shape t = ck_conv2d_as_3d(s);
    return CK_S(ck_conv3d_bwd)(&t, x, w, y, dy, code, dz, col, dx, dw, db);
}

int CK_S(ck_pool2d_max_fwd)(const ck_conv2d_shape *s, const real *x, real *y, int *idx)
{
    const ck_conv3d_shape t = ck_conv2d_as_3d(s);
    return CK_S(ck_pool3d_max_fwd)(&t, x, y, idx);
}

int CK_S(ck_pool2d_max_bwd)(const ck_conv2d_shape *s, const int *idx, const real *dy, real *dx)
{
    const ck_conv3d_shape t = ck_conv2d_as_3d(s);
    return CK_S(ck_pool3d_max_bwd)(&t, idx, dy, dx);
}

int CK_S(ck_pool2d_avg_fwd)(const ck_conv2d_shape *s, const real *x, real *y)
{
    const ck_conv3d_shape t = ck_conv2d_as_3d(s);
    return CK_S(ck_pool3d_avg_fwd)(&t, x, y);
}

int CK_S(ck_pool2d_avg_bwd)(const ck_conv2d_shape *s, const real *dy, real *dx)
{
    const ck_conv3d_shape t = ck_conv2d_as_3d(s);
    return CK_S(ck_pool3d_avg_bwd)(&t, dy, dx);
}
