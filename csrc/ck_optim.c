/* Optimizer updates (see ck_optim.h); the float and double bodies come
 * from ck_optim_tmpl.h. */
#include "ck_optim.h"

#include <math.h>

#include "ck_threads.h"
#include "ck_tmpl.h"

/* From this many elements a variable's update is shared with the helper
 * thread, in chunks of CK_OPTIM_CHUNK: below it the hand-off costs more
 * than half the update (a pass is ~1 ns per element). */
#define CK_OPTIM_PARALLEL_MIN ((size_t)1 << 16)
#define CK_OPTIM_CHUNK ((size_t)1 << 14)

static void ck_optim_run(void (*fn)(void *ctx, size_t lo, size_t hi), void *ctx, size_t n)
{
    if (n < CK_OPTIM_PARALLEL_MIN || !ck_threads_enabled())
        fn(ctx, 0, n);
    else
        ck_threads_run_chunks(fn, ctx, n, CK_OPTIM_CHUNK);
}

static float ck_sqrt_f32(float x) { return sqrtf(x); }
static double ck_sqrt_f64(double x) { return sqrt(x); }

#define real float
#define CK_SUF f32
#include "ck_optim_tmpl.h"
#undef real
#undef CK_SUF

#define real double
#define CK_SUF f64
#include "ck_optim_tmpl.h"
#undef real
#undef CK_SUF
