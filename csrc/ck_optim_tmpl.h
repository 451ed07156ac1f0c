/* The optimizer updates of ck_optim.c for one precision (see ck_optim.h);
 * included once per element type `real`, not a public header. Each body
 * runs on a range [lo, hi) under flush-to-zero, on whichever thread. */

typedef struct {
    real *w, *m, *v, *vhat;
    const real *g;
    real b1c, b2c, alpha, eps;
} CK_S(ck_adam_ctx);

CK_TARGET_CLONES
static void CK_S(adam_range)(void *p, size_t lo, size_t hi)
{
    const CK_S(ck_adam_ctx) *c = p;
    real *restrict w = c->w, *restrict m = c->m, *restrict v = c->v;
    real *restrict vh = c->vhat;
    const real *restrict g = c->g;
    const real b1c = c->b1c, b2c = c->b2c, alpha = c->alpha, eps = c->eps;
    const ck_fpmode fp = ck_ftz_enter();
    size_t i;
    if (vh == NULL) {
        for (i = lo; i < hi; ++i) {
            const real mi = m[i] + (g[i] - m[i]) * b1c;
            const real vi = v[i] + (g[i] * g[i] - v[i]) * b2c;
            m[i] = mi;
            v[i] = vi;
            w[i] -= mi / (CK_S(ck_sqrt)(vi) + eps) * alpha;
        }
    } else {
        for (i = lo; i < hi; ++i) {
            const real mi = m[i] + (g[i] - m[i]) * b1c;
            const real vi = v[i] + (g[i] * g[i] - v[i]) * b2c;
            /* np.maximum: NaN wins */
            const real hi_ = (vh[i] > vi || vh[i] != vh[i]) ? vh[i] : vi;
            m[i] = mi;
            v[i] = vi;
            vh[i] = hi_;
            w[i] -= mi / (CK_S(ck_sqrt)(hi_) + eps) * alpha;
        }
    }
    ck_ftz_leave(fp);
}

int CK_S(ck_adam_update)(size_t n, real *w, const real *g, real *m, real *v, real *vhat,
                         real b1c, real b2c, real alpha, real eps)
{
    CK_S(ck_adam_ctx) c;
    if (n == 0) return CK_OK;
    if (w == NULL || g == NULL || m == NULL || v == NULL) return CK_ERR_ARG;
    c.w = w; c.g = g; c.m = m; c.v = v; c.vhat = vhat;
    c.b1c = b1c; c.b2c = b2c; c.alpha = alpha; c.eps = eps;
    ck_optim_run(CK_S(adam_range), &c, n);
    return CK_OK;
}

typedef struct {
    real *w, *v, *a, *mom;
    const real *g;
    real rc, momentum, lr, eps;
    int eps_outside;
} CK_S(ck_rmsprop_ctx);

CK_TARGET_CLONES
static void CK_S(rmsprop_range)(void *p, size_t lo, size_t hi)
{
    const CK_S(ck_rmsprop_ctx) *c = p;
    real *restrict w = c->w, *restrict v = c->v, *restrict a = c->a, *restrict mom = c->mom;
    const real *restrict g = c->g;
    const real rc = c->rc, momentum = c->momentum, lr = c->lr, eps = c->eps;
    const int outside = c->eps_outside && mom == NULL;
    const ck_fpmode fp = ck_ftz_enter();
    size_t i;
    for (i = lo; i < hi; ++i) {
        const real vi = v[i] + (g[i] * g[i] - v[i]) * rc;
        real d = vi, u;
        v[i] = vi;
        if (a != NULL) {
            const real ai = a[i] + (g[i] - a[i]) * rc;
            a[i] = ai;
            d = vi - ai * ai;
        }
        d = outside ? CK_S(ck_sqrt)(d) + eps : CK_S(ck_sqrt)(d + eps);
        u = g[i] / d * lr;
        if (mom != NULL) {
            const real mi = mom[i] * momentum + u;
            mom[i] = mi;
            w[i] -= mi;
        } else {
            w[i] -= u;
        }
    }
    ck_ftz_leave(fp);
}

int CK_S(ck_rmsprop_update)(size_t n, real *w, const real *g, real *v, real *a, real *mom,
                            real rc, real momentum, real lr, real eps, int eps_outside)
{
    CK_S(ck_rmsprop_ctx) c;
    if (n == 0) return CK_OK;
    if (w == NULL || g == NULL || v == NULL) return CK_ERR_ARG;
    c.w = w; c.g = g; c.v = v; c.a = a; c.mom = mom;
    c.rc = rc; c.momentum = momentum; c.lr = lr; c.eps = eps; c.eps_outside = eps_outside;
    ck_optim_run(CK_S(rmsprop_range), &c, n);
    return CK_OK;
}

typedef struct {
    real *w, *m;
    const real *g;
    real lr, momentum;
    int nesterov;
} CK_S(ck_sgd_ctx);

CK_TARGET_CLONES
static void CK_S(sgd_range)(void *p, size_t lo, size_t hi)
{
    const CK_S(ck_sgd_ctx) *c = p;
    real *restrict w = c->w, *restrict m = c->m;
    const real *restrict g = c->g;
    const real lr = c->lr, momentum = c->momentum, nlr = -c->lr;
    const ck_fpmode fp = ck_ftz_enter();
    size_t i;
    if (m == NULL) {
        for (i = lo; i < hi; ++i) w[i] -= g[i] * lr;
    } else if (momentum == (real)0) {
        for (i = lo; i < hi; ++i) {
            m[i] = g[i] * nlr;
            w[i] += m[i];
        }
    } else if (c->nesterov) {
        for (i = lo; i < hi; ++i) {
            const real u = g[i] * lr, mi = m[i] * momentum - u;
            m[i] = mi;
            w[i] = (w[i] - u) + mi * momentum;
        }
    } else {
        for (i = lo; i < hi; ++i) {
            const real mi = m[i] * momentum - g[i] * lr;
            m[i] = mi;
            w[i] += mi;
        }
    }
    ck_ftz_leave(fp);
}

int CK_S(ck_sgd_update)(size_t n, real *w, const real *g, real *m, real lr, real momentum,
                        int nesterov)
{
    CK_S(ck_sgd_ctx) c;
    if (n == 0) return CK_OK;
    if (w == NULL || g == NULL) return CK_ERR_ARG;
    c.w = w; c.g = g; c.m = m; c.lr = lr; c.momentum = momentum; c.nesterov = nesterov;
    ck_optim_run(CK_S(sgd_range), &c, n);
    return CK_OK;
}
