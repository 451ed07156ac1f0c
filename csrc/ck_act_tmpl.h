/* Body of ck_act.c for one precision: included once per element type
 * `real` (see ck_tmpl.h); not a public header. */

/* Reductions with 8 independent partial results: an in-order float sum is
 * a dependency chain GCC may not vectorize without -ffast-math. */
CK_INLINE real CK_S(ck_act_rowmax)(size_t n, const real *x)
{
    real m[8];
    size_t j, l;
    for (l = 0; l < 8; ++l) m[l] = x[0];
    for (j = 0; j + 8 <= n; j += 8)
        for (l = 0; l < 8; ++l) m[l] = x[j + l] > m[l] ? x[j + l] : m[l];
    for (; j < n; ++j) m[0] = x[j] > m[0] ? x[j] : m[0];
    for (l = 1; l < 8; ++l) m[0] = m[l] > m[0] ? m[l] : m[0];
    return m[0];
}

CK_INLINE real CK_S(ck_act_rowdot)(size_t n, const real *x, const real *y)
{
    real s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t j, l;
    for (j = 0; j + 8 <= n; j += 8)
        for (l = 0; l < 8; ++l) s[l] += x[j + l] * y[j + l];
    for (; j < n; ++j) s[0] += x[j] * y[j];
    return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

CK_INLINE real CK_S(ck_act_rowsum)(size_t n, const real *x)
{
    real s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t j, l;
    for (j = 0; j + 8 <= n; j += 8)
        for (l = 0; l < 8; ++l) s[l] += x[j + l];
    for (; j < n; ++j) s[0] += x[j];
    return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

/* y = act(x + b) row by row; x may be y. The switch sits outside the loops
 * so each inner loop is one straight-line vectorizable body. */
#define CK_ROWS_APPLY(EXPR)                                                             \
    for (i = 0; i < rows; ++i) {                                                        \
        const real *xi = x + i * cols;                                                  \
        real *yi = y + i * cols;                                                        \
        if (b != NULL) {                                                                \
            for (j = 0; j < cols; ++j) { const real v = xi[j] + b[j]; yi[j] = (EXPR); } \
        } else {                                                                        \
            for (j = 0; j < cols; ++j) { const real v = xi[j]; yi[j] = (EXPR); }        \
        }                                                                               \
    }

/* Softmax of n <= CK_ACT_SM_ROWS rows of x (+ b when not NULL) into y, with
 * each row's max in m and exp sum in s. The exps run over the whole block
 * in one loop: a row loop over 10 classes would leave the vector units no
 * full vector. The values and the sums' order are those of a row at a time,
 * so the results are too. */
CK_INLINE void CK_S(ck_act_softmax_block)(size_t n, size_t cols, const real *x, const real *b,
                                          real *y, real *m, real *s)
{
    size_t i, j, k;
    for (i = 0; i < n; ++i) {
        const real *xi = x + i * cols;
        real *yi = y + i * cols;
        real mi;
        if (b != NULL) {
            for (j = 0; j < cols; ++j) yi[j] = xi[j] + b[j];
            xi = yi;
        }
        mi = CK_S(ck_act_rowmax)(cols, xi);
        for (j = 0; j < cols; ++j) yi[j] = xi[j] - mi;
        m[i] = mi;
    }
    for (k = 0; k < n * cols; ++k) y[k] = CK_S(ck_act_exp)(y[k]);
    for (i = 0; i < n; ++i) {
        real *yi = y + i * cols;
        const real si = CK_S(ck_act_rowsum)(cols, yi);
        s[i] = si;
        /* Every x - m is <= 0, so s <= cols unless one was NaN (a NaN or
         * +inf in the row, or m = -inf): float exp gives +inf for it,
         * double exp NaN. Such a row is NaN, as x - max(x) is. */
        if (!(si < (real)HUGE_VAL)) {
            for (j = 0; j < cols; ++j) yi[j] = (real)NAN;
            continue;
        }
        for (j = 0; j < cols; ++j) yi[j] = yi[j] / si;
    }
}

CK_TARGET_CLONES
static int CK_S(ck_act_softmax_rows)(size_t rows, size_t cols, const real *x, const real *b,
                                     real *y, real *m, real *s)
{
    real mb[CK_ACT_SM_ROWS], sb[CK_ACT_SM_ROWS];
    size_t i, n, per = cols >= CK_ACT_SM_ELEMS ? 1 : CK_ACT_SM_ELEMS / cols;
    if (per > CK_ACT_SM_ROWS) per = CK_ACT_SM_ROWS;
    for (i = 0; i < rows; i += n) {
        n = rows - i < per ? rows - i : per;
        CK_S(ck_act_softmax_block)(n, cols, x + i * cols, b, y + i * cols,
                                   m != NULL ? m + i : mb, s != NULL ? s + i : sb);
    }
    return CK_OK;
}

CK_TARGET_CLONES
static int CK_S(ck_act_rows_fwd)(int code, size_t rows, size_t cols, const real *x,
                                 const real *b, real *y)
{
    size_t i, j;
    switch (code) {
    case CK_ACT_LINEAR:
        if (b == NULL && x == y) return CK_OK;
        CK_ROWS_APPLY(v)
        return CK_OK;
    case CK_ACT_RELU:
        /* v < 0 ? 0 : v keeps NaN, as np.maximum(x, 0) does */
        CK_ROWS_APPLY(v < (real)0 ? (real)0 : v)
        return CK_OK;
    case CK_ACT_SIGMOID:
        CK_ROWS_APPLY(CK_S(ck_act_sigmoid)(v))
        return CK_OK;
    case CK_ACT_TANH:
        CK_ROWS_APPLY(CK_S(ck_act_tanh)(v))
        return CK_OK;
    case CK_ACT_HARD_SIGMOID:
        CK_ROWS_APPLY(((real)0.2 * v + (real)0.5) < (real)0 ? (real)0
                      : (((real)0.2 * v + (real)0.5) > (real)1
                             ? (real)1 : ((real)0.2 * v + (real)0.5)))
        return CK_OK;
    case CK_ACT_SOFTMAX:
        if (cols == 0) return CK_OK;
        return CK_S(ck_act_softmax_rows)(rows, cols, x, b, y, NULL, NULL);
    default:
        return CK_ERR_CODE;
    }
}

/* dz = dy * act'(y); with db, also db = column sums of dz in the same pass. */
#define CK_ROWS_GRAD(EXPR)                                                    \
    for (i = 0; i < rows; ++i) {                                              \
        const real *yi = y + i * cols;                                        \
        const real *gi = dy + i * cols;                                       \
        real *zi = dz + i * cols;                                             \
        if (db != NULL) {                                                     \
            for (j = 0; j < cols; ++j) {                                      \
                const real yv = yi[j], g = gi[j];                             \
                const real d = (EXPR);                                        \
                zi[j] = d;                                                    \
                db[j] += d;                                                   \
            }                                                                 \
        } else {                                                              \
            for (j = 0; j < cols; ++j) {                                      \
                const real yv = yi[j], g = gi[j];                             \
                zi[j] = (EXPR);                                               \
            }                                                                 \
        }                                                                     \
    }

CK_TARGET_CLONES
static int CK_S(ck_act_rows_bwd)(int code, size_t rows, size_t cols, const real *y,
                                 const real *dy, real *dz, real *db)
{
    size_t i, j;
    if (code < 0 || code >= CK_ACT_NCODES) return CK_ERR_CODE;
    if (db != NULL)
        for (j = 0; j < cols; ++j) db[j] = (real)0;
    switch (code) {
    case CK_ACT_LINEAR:
        CK_ROWS_GRAD(((void)yv, g))
        return CK_OK;
    case CK_ACT_RELU:
        CK_ROWS_GRAD(yv > (real)0 ? g : (real)0)
        return CK_OK;
    case CK_ACT_SIGMOID:
        CK_ROWS_GRAD(g * yv * ((real)1 - yv))
        return CK_OK;
    case CK_ACT_TANH:
        CK_ROWS_GRAD(g * ((real)1 - yv * yv))
        return CK_OK;
    case CK_ACT_HARD_SIGMOID:
        CK_ROWS_GRAD(yv > (real)0 ? (yv < (real)1 ? (real)0.2 * g : (real)0) : (real)0)
        return CK_OK;
    case CK_ACT_SOFTMAX:
        for (i = 0; i < rows; ++i) {
            const real *yi = y + i * cols;
            const real *gi = dy + i * cols;
            real *zi = dz + i * cols;
            const real dot = CK_S(ck_act_rowdot)(cols, gi, yi);
            if (db != NULL) {
                for (j = 0; j < cols; ++j) {
                    const real d = yi[j] * (gi[j] - dot);
                    zi[j] = d;
                    db[j] += d;
                }
            } else {
                for (j = 0; j < cols; ++j) zi[j] = yi[j] * (gi[j] - dot);
            }
        }
        return CK_OK;
    default:
        return CK_ERR_CODE;
    }
}

int CK_S(ck_act_fwd)(int code, size_t n, const real *x, real *y)
{
    if (code < 0 || code >= CK_ACT_NCODES || code == CK_ACT_SOFTMAX) return CK_ERR_CODE;
    if (n == 0) return CK_OK;
    if (x == NULL || y == NULL) return CK_ERR_ARG;
    return CK_S(ck_act_rows_fwd)(code, 1, n, x, NULL, y);
}

int CK_S(ck_act_bwd)(int code, size_t n, const real *y, const real *dy, real *dx)
{
    if (code < 0 || code >= CK_ACT_NCODES || code == CK_ACT_SOFTMAX) return CK_ERR_CODE;
    if (n == 0) return CK_OK;
    if (y == NULL || dy == NULL || dx == NULL) return CK_ERR_ARG;
    return CK_S(ck_act_rows_bwd)(code, 1, n, y, dy, dx, NULL);
}

int CK_S(ck_act_softmax_fwd)(size_t rows, size_t cols, const real *x, real *y)
{
    if (rows == 0 || cols == 0) return CK_OK;
    if (x == NULL || y == NULL) return CK_ERR_ARG;
    return CK_S(ck_act_rows_fwd)(CK_ACT_SOFTMAX, rows, cols, x, NULL, y);
}

int CK_S(ck_act_softmax_stats_fwd)(size_t rows, size_t cols, const real *x, real *y, real *m,
                                   real *s)
{
    if (rows == 0 || cols == 0) return CK_OK;
    if (x == NULL || y == NULL || m == NULL || s == NULL) return CK_ERR_ARG;
    return CK_S(ck_act_softmax_rows)(rows, cols, x, NULL, y, m, s);
}

int CK_S(ck_act_softmax_bwd)(size_t rows, size_t cols, const real *y, const real *dy, real *dx)
{
    if (rows == 0 || cols == 0) return CK_OK;
    if (y == NULL || dy == NULL || dx == NULL) return CK_ERR_ARG;
    return CK_S(ck_act_rows_bwd)(CK_ACT_SOFTMAX, rows, cols, y, dy, dx, NULL);
}

int CK_S(ck_act_bias_fwd)(int code, size_t rows, size_t cols, const real *b, real *y)
{
    if (code < 0 || code >= CK_ACT_NCODES) return CK_ERR_CODE;
    if (rows == 0 || cols == 0) return CK_OK;
    if (y == NULL) return CK_ERR_ARG;
    return CK_S(ck_act_rows_fwd)(code, rows, cols, y, b, y);
}

int CK_S(ck_act_bias_bwd)(int code, size_t rows, size_t cols, const real *y, const real *dy,
                          real *dz, real *db)
{
    if (code < 0 || code >= CK_ACT_NCODES) return CK_ERR_CODE;
    if (cols == 0) return CK_OK;
    if (rows > 0 && (y == NULL || dy == NULL || dz == NULL)) return CK_ERR_ARG;
    /* rows == 0 still zeroes db: the gradient of a sum over no rows. */
    return CK_S(ck_act_rows_bwd)(code, rows, cols, y, dy, dz, db);
}

#undef CK_ROWS_APPLY
#undef CK_ROWS_GRAD
