/* Body of ck_act.c for one precision. Included twice by ck_act.c with
 * T (element type) and CK_SUF (f32/f64) defined; not a public header.
 * One template keeps the float and double kernels from drifting apart. */

#define CK_CAT_(a, b) a##b
#define CK_CAT(a, b) CK_CAT_(a, b)
#define CK_S(name) CK_CAT(name, CK_SUF)

/* Reductions with 8 independent partial results: an in-order float sum is
 * a dependency chain GCC may not vectorize without -ffast-math. */
CK_INLINE T CK_S(ck_act_rowmax_)(size_t n, const T *x)
{
    T m[8];
    size_t j, l;
    for (l = 0; l < 8; ++l) m[l] = x[0];
    for (j = 0; j + 8 <= n; j += 8)
        for (l = 0; l < 8; ++l) m[l] = x[j + l] > m[l] ? x[j + l] : m[l];
    for (; j < n; ++j) m[0] = x[j] > m[0] ? x[j] : m[0];
    for (l = 1; l < 8; ++l) m[0] = m[l] > m[0] ? m[l] : m[0];
    return m[0];
}

CK_INLINE T CK_S(ck_act_rowdot_)(size_t n, const T *x, const T *y)
{
    T s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t j, l;
    for (j = 0; j + 8 <= n; j += 8)
        for (l = 0; l < 8; ++l) s[l] += x[j + l] * y[j + l];
    for (; j < n; ++j) s[0] += x[j] * y[j];
    return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

CK_INLINE T CK_S(ck_act_rowsum_)(size_t n, const T *x)
{
    T s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t j, l;
    for (j = 0; j + 8 <= n; j += 8)
        for (l = 0; l < 8; ++l) s[l] += x[j + l];
    for (; j < n; ++j) s[0] += x[j];
    return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

/* y = act(x + b) row by row; x may be y. The switch sits outside the loops
 * so each inner loop is one straight-line vectorizable body. */
#define CK_ROWS_APPLY(EXPR)                                                   \
    for (i = 0; i < rows; ++i) {                                              \
        const T *xi = x + i * cols;                                           \
        T *yi = y + i * cols;                                                 \
        if (b != NULL) {                                                      \
            for (j = 0; j < cols; ++j) { const T v = xi[j] + b[j]; yi[j] = (EXPR); } \
        } else {                                                              \
            for (j = 0; j < cols; ++j) { const T v = xi[j]; yi[j] = (EXPR); } \
        }                                                                     \
    }

CK_TARGET_CLONES
static int CK_S(ck_act_rows_fwd_)(int code, size_t rows, size_t cols,
                                  const T *x, const T *b, T *y)
{
    size_t i, j;
    switch (code) {
    case CK_ACT_LINEAR:
        if (b == NULL && x == y) return CK_OK;
        CK_ROWS_APPLY(v)
        return CK_OK;
    case CK_ACT_RELU:
        /* v < 0 ? 0 : v keeps NaN, as np.maximum(x, 0) does */
        CK_ROWS_APPLY(v < (T)0 ? (T)0 : v)
        return CK_OK;
    case CK_ACT_SIGMOID:
        CK_ROWS_APPLY(CK_S(ck_act_sigmoid_)(v))
        return CK_OK;
    case CK_ACT_TANH:
        CK_ROWS_APPLY(CK_S(ck_act_tanh_)(v))
        return CK_OK;
    case CK_ACT_HARD_SIGMOID:
        CK_ROWS_APPLY(((T)0.2 * v + (T)0.5) < (T)0 ? (T)0
                      : (((T)0.2 * v + (T)0.5) > (T)1 ? (T)1 : ((T)0.2 * v + (T)0.5)))
        return CK_OK;
    case CK_ACT_SOFTMAX:
        if (cols == 0) return CK_OK;
        for (i = 0; i < rows; ++i) {
            const T *xi = x + i * cols;
            T *yi = y + i * cols;
            T m, s;
            if (b != NULL) {
                for (j = 0; j < cols; ++j) yi[j] = xi[j] + b[j];
                xi = yi;
            }
            m = CK_S(ck_act_rowmax_)(cols, xi);
            for (j = 0; j < cols; ++j) yi[j] = CK_S(ck_act_exp_)(xi[j] - m);
            s = CK_S(ck_act_rowsum_)(cols, yi);
            for (j = 0; j < cols; ++j) yi[j] = yi[j] / s;
        }
        return CK_OK;
    default:
        return CK_ERR_CODE;
    }
}

/* dz = dy * act'(y); with db, also db = column sums of dz in the same pass. */
#define CK_ROWS_GRAD(EXPR)                                                    \
    for (i = 0; i < rows; ++i) {                                              \
        const T *yi = y + i * cols;                                           \
        const T *gi = dy + i * cols;                                          \
        T *zi = dz + i * cols;                                                \
        if (db != NULL) {                                                     \
            for (j = 0; j < cols; ++j) {                                      \
                const T yv = yi[j], g = gi[j];                                \
                const T d = (EXPR);                                           \
                zi[j] = d;                                                    \
                db[j] += d;                                                   \
            }                                                                 \
        } else {                                                              \
            for (j = 0; j < cols; ++j) {                                      \
                const T yv = yi[j], g = gi[j];                                \
                zi[j] = (EXPR);                                               \
            }                                                                 \
        }                                                                     \
    }

CK_TARGET_CLONES
static int CK_S(ck_act_rows_bwd_)(int code, size_t rows, size_t cols,
                                  const T *y, const T *dy, T *dz, T *db)
{
    size_t i, j;
    if (code < 0 || code >= CK_ACT_NCODES) return CK_ERR_CODE;
    if (db != NULL)
        for (j = 0; j < cols; ++j) db[j] = (T)0;
    switch (code) {
    case CK_ACT_LINEAR:
        CK_ROWS_GRAD(((void)yv, g))
        return CK_OK;
    case CK_ACT_RELU:
        CK_ROWS_GRAD(yv > (T)0 ? g : (T)0)
        return CK_OK;
    case CK_ACT_SIGMOID:
        CK_ROWS_GRAD(g * yv * ((T)1 - yv))
        return CK_OK;
    case CK_ACT_TANH:
        CK_ROWS_GRAD(g * ((T)1 - yv * yv))
        return CK_OK;
    case CK_ACT_HARD_SIGMOID:
        CK_ROWS_GRAD(yv > (T)0 ? (yv < (T)1 ? (T)0.2 * g : (T)0) : (T)0)
        return CK_OK;
    case CK_ACT_SOFTMAX:
        for (i = 0; i < rows; ++i) {
            const T *yi = y + i * cols;
            const T *gi = dy + i * cols;
            T *zi = dz + i * cols;
            const T dot = CK_S(ck_act_rowdot_)(cols, gi, yi);
            if (db != NULL) {
                for (j = 0; j < cols; ++j) {
                    const T d = yi[j] * (gi[j] - dot);
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

int CK_S(ck_act_fwd_)(int code, size_t n, const T *x, T *y)
{
    if (code < 0 || code >= CK_ACT_NCODES || code == CK_ACT_SOFTMAX) return CK_ERR_CODE;
    if (n == 0) return CK_OK;
    if (x == NULL || y == NULL) return CK_ERR_ARG;
    return CK_S(ck_act_rows_fwd_)(code, 1, n, x, NULL, y);
}

int CK_S(ck_act_bwd_)(int code, size_t n, const T *y, const T *dy, T *dx)
{
    if (code < 0 || code >= CK_ACT_NCODES || code == CK_ACT_SOFTMAX) return CK_ERR_CODE;
    if (n == 0) return CK_OK;
    if (y == NULL || dy == NULL || dx == NULL) return CK_ERR_ARG;
    return CK_S(ck_act_rows_bwd_)(code, 1, n, y, dy, dx, NULL);
}

int CK_S(ck_act_softmax_fwd_)(size_t rows, size_t cols, const T *x, T *y)
{
    if (rows == 0 || cols == 0) return CK_OK;
    if (x == NULL || y == NULL) return CK_ERR_ARG;
    return CK_S(ck_act_rows_fwd_)(CK_ACT_SOFTMAX, rows, cols, x, NULL, y);
}

int CK_S(ck_act_softmax_bwd_)(size_t rows, size_t cols, const T *y, const T *dy, T *dx)
{
    if (rows == 0 || cols == 0) return CK_OK;
    if (y == NULL || dy == NULL || dx == NULL) return CK_ERR_ARG;
    return CK_S(ck_act_rows_bwd_)(CK_ACT_SOFTMAX, rows, cols, y, dy, dx, NULL);
}

int CK_S(ck_act_bias_fwd_)(int code, size_t rows, size_t cols, const T *b, T *y)
{
    if (code < 0 || code >= CK_ACT_NCODES) return CK_ERR_CODE;
    if (rows == 0 || cols == 0) return CK_OK;
    if (y == NULL) return CK_ERR_ARG;
    return CK_S(ck_act_rows_fwd_)(code, rows, cols, y, b, y);
}

int CK_S(ck_act_bias_bwd_)(int code, size_t rows, size_t cols, const T *y,
                           const T *dy, T *dz, T *db)
{
    if (code < 0 || code >= CK_ACT_NCODES) return CK_ERR_CODE;
    if (cols == 0) return CK_OK;
    if (rows > 0 && (y == NULL || dy == NULL || dz == NULL)) return CK_ERR_ARG;
    /* rows == 0 still zeroes db: the gradient of a sum over no rows. */
    return CK_S(ck_act_rows_bwd_)(code, rows, cols, y, dy, dz, db);
}

#undef CK_ROWS_APPLY
#undef CK_ROWS_GRAD
#undef CK_S
#undef CK_CAT
#undef CK_CAT_
