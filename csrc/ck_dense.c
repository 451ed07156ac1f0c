#include "ck_dense.h"

#include <string.h>

#include "ck_act.h"
#include "ck_blas.h"
#include "ck_threads.h"
#include "ck_tmpl.h"

/* The batch-1 forward (ck_gemv in ck_dense_tmpl.h): columns per block
 * (eight 512-bit vectors of either type), rows per partial sum, the smallest
 * W (bytes) worth sharing with the helper thread (below it W stays in the
 * caller's L2 between calls and waking the helper gains little: one
 * thread matches the library's GEMV there), and the widest output
 * whose rows are summed in two halves (a stack buffer holds one). */
#define CK_GEMV_COLS(T) (512 / sizeof(T))
/* Smaller W stay with the GEMM: they come from L1/L2, where the library's
 * kernel is as fast, and a batch-1 row then keeps the bits it has inside a
 * batch (a model's predict agrees with its call on small layers). */
#define CK_GEMV_MIN_BYTES (128.0 * 1024.0)
#define CK_GEMV_KB 64
#define CK_GEMV_SPLIT_BYTES (1024.0 * 1024.0)
#define CK_GEMV_HALVE_MAXN 1024

/* The largest dW (and dX) product, 2*M*K*N flops, that ck_dense_bwd runs
 * beside the other on the two threads rather than splitting each: larger
 * ones split into up to four chunks, which a caller whose helper is late
 * can share out better than two. */
#define CK_DENSE_PAIR_MAX_FLOPS 64e6

/* On unless a test or benchmark turns it off to reach the GEMM path. */
static int ck_dense_gemv = 1;

int ck_dense_set_gemv(int on)
{
    const int old = ck_dense_gemv;
    ck_dense_gemv = on != 0;
    return old;
}

/* The caller's floating-point mode, which the helper's part copies. */
#if defined(__SSE2__) || defined(__x86_64__) || defined(_M_X64)
static ck_fpmode ck_fp_get(void) { return _mm_getcsr(); }
static void ck_fp_set(ck_fpmode m) { _mm_setcsr(m); }
#elif defined(__aarch64__) && defined(__GNUC__)
static ck_fpmode ck_fp_get(void)
{
    ck_fpmode m;
    __asm__ __volatile__("mrs %0, fpcr" : "=r"(m));
    return m;
}
static void ck_fp_set(ck_fpmode m) { __asm__ __volatile__("msr fpcr, %0" : : "r"(m)); }
#else
static ck_fpmode ck_fp_get(void) { return 0; }
static void ck_fp_set(ck_fpmode m) { (void)m; }
#endif

#define real float
#define CK_SUF f32
#include "ck_dense_tmpl.h"
#undef real
#undef CK_SUF

#define real double
#define CK_SUF f64
#include "ck_dense_tmpl.h"
#undef real
#undef CK_SUF
