#include "ck_dense.h"

#include "ck_act.h"
#include "ck_blas.h"

#define CK_DEFINE_DENSE(T, S)                                                   \
int ck_dense_fwd_##S(size_t M, size_t K, size_t N, const T *X, const T *W,      \
                     const T *b, int code, T *Y)                                \
{                                                                               \
    int st;                                                                     \
    if (code < 0 || code >= CK_ACT_NCODES) return CK_ERR_CODE;                  \
    if (M == 0 || N == 0) return CK_OK;                                         \
    if (Y == NULL || (K > 0 && (X == NULL || W == NULL))) return CK_ERR_ARG;    \
    st = ck_gemm_##S(0, 0, M, N, K, (T)1, X, K, W, N, (T)0, Y, N);              \
    if (st != CK_OK) return st;                                                 \
    return ck_act_bias_fwd_##S(code, M, N, b, Y);                               \
}                                                                               \
                                                                                \
int ck_dense_bwd_##S(size_t M, size_t K, size_t N, const T *X, const T *W,      \
                     const T *Y, const T *dY, int code, T *dZ, T *dX, T *dW,    \
                     T *db)                                                     \
{                                                                               \
    const T *z;                                                                 \
    int st;                                                                     \
    if (code < 0 || code >= CK_ACT_NCODES) return CK_ERR_CODE;                  \
    if (M > 0 && N > 0 && dY == NULL) return CK_ERR_ARG;                        \
    if (code == CK_ACT_LINEAR && dZ == NULL) {                                  \
        /* act' == 1: dY already is dZ, only db needs a pass. */                \
        z = dY;                                                                 \
        if (db != NULL) {                                                       \
            size_t i, j;                                                        \
            for (j = 0; j < N; ++j) db[j] = (T)0;                               \
            for (i = 0; i < M; ++i) {                                           \
                const T *gi = dY + i * N;                                       \
                for (j = 0; j < N; ++j) db[j] += gi[j];                         \
            }                                                                   \
        }                                                                       \
    } else {                                                                    \
        if (M > 0 && N > 0 && (dZ == NULL || Y == NULL)) return CK_ERR_ARG;     \
        if (dZ != NULL && (dZ == Y || dZ == dY)) return CK_ERR_ARG;             \
        st = ck_act_bias_bwd_##S(code, M, N, Y, dY, dZ, db);                    \
        if (st != CK_OK) return st;                                             \
        z = dZ;                                                                 \
    }                                                                           \
    if (dW != NULL) {                                                           \
        st = ck_gemm_##S(1, 0, K, N, M, (T)1, X, K, z, N, (T)0, dW, N);         \
        if (st != CK_OK) return st;                                             \
    }                                                                           \
    if (dX != NULL) {                                                           \
        st = ck_gemm_##S(0, 1, M, K, N, (T)1, z, N, W, N, (T)0, dX, K);         \
        if (st != CK_OK) return st;                                             \
    }                                                                           \
    return CK_OK;                                                               \
}

CK_DEFINE_DENSE(float, f32)
CK_DEFINE_DENSE(double, f64)
