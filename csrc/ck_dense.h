/* Fully connected layer, Keras layout: Y = act(X . W + b).
 * X (M, K), W (K, N), b (N,) or NULL, Y (M, N); all row-major, contiguous. */
#ifndef CK_DENSE_H
#define CK_DENSE_H

#include "ck_common.h"

/* GEMM into Y, then one fused bias + activation pass over Y.
 * `code` is a CK_ACT_* code (softmax is row-wise over N). */
int ck_dense_fwd_f32(size_t M, size_t K, size_t N, const float *X,
                     const float *W, const float *b, int code, float *Y);
int ck_dense_fwd_f64(size_t M, size_t K, size_t N, const double *X,
                     const double *W, const double *b, int code, double *Y);

/* With M == 1 and a W of at least 128 KiB the forward runs its own kernel
 * (x . W streamed once, split by rows or columns with the helper thread
 * when W is large; the same bits on one thread or two).
 * ck_dense_set_gemv(0) sends it to the GEMM instead (tests, benchmarks);
 * returns the previous setting. */
int ck_dense_set_gemv(int on);

/* Backward from the saved output Y and the upstream gradient dY (M, N):
 *   dZ = dY * act'(Y)   into the caller's workspace dZ (M, N), which must
 *                       not alias Y or dY (in-place reuse decayed into
 *                       subnormals and ran 40x slower in a measured loop);
 *                       for CK_ACT_LINEAR dZ may be NULL and dY is used;
 *   db = sum_rows(dZ)   (N,), in the same pass;
 *   dW = X^T . dZ       (K, N), dX = dZ . W^T (M, K), by GEMM flags.
 * dX, dW and db may each be NULL to skip them. */
int ck_dense_bwd_f32(size_t M, size_t K, size_t N, const float *X,
                     const float *W, const float *Y, const float *dY, int code,
                     float *dZ, float *dX, float *dW, float *db);
int ck_dense_bwd_f64(size_t M, size_t K, size_t N, const double *X,
                     const double *W, const double *Y, const double *dY,
                     int code, double *dZ, double *dX, double *dW, double *db);

/* Gradient of an embedding lookup Y = W[idx] (the dW of a dense layer whose
 * input rows are one-hot): dW (V, D) is zeroed, then dW[idx[k]] += dY[k]
 * for k = 0 .. n-1 in that order, so the sums are those of np.add.at, bit
 * for bit. Ids count from the end when negative (-V <= id < V); another id
 * returns CK_ERR_ARG. dY is (n, D). */
int ck_dense_embedding_bwd_f32(size_t n, size_t D, size_t V, const ptrdiff_t *idx,
                               const float *dY, float *dW);
int ck_dense_embedding_bwd_f64(size_t n, size_t D, size_t V, const ptrdiff_t *idx,
                               const double *dY, double *dW);

#endif /* CK_DENSE_H */
