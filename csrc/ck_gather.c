/* Batch gathers (see ck_gather.h). */
#include "ck_gather.h"

#include <string.h>

#include "ck_threads.h"

/* Below this many bytes a gather stays on the caller: handing half of it
 * to the helper costs a few microseconds, and a 64 KiB gather from memory
 * takes about ten. */
#define CK_GATHER_SPLIT_BYTES 65536
/* Rows per chunk: ck_gemm's row split rounds its bounds down to this many
 * rows. Chunks of 16 rows gave fit/steps 1.034-1.048 where two halves gave
 * 1.051-1.055 (per-batch medians, interleaved): a helper that comes late
 * leaves the caller more chunks instead of a wait. */
#define CK_GATHER_ROWS 16

static int split_on = 1;

int ck_gather_set_split(int on)
{
    const int prev = CK_LOAD(&split_on);
    CK_STORE(&split_on, on != 0);
    return prev;
}

typedef struct {
    const unsigned char *src;
    ptrdiff_t src_stride;
    size_t row_bytes;
    const int64_t *idx;
    size_t n_idx;
    unsigned char *dst;
} ck_gather_job;

/* Rows [lo, hi) of the batch. Fixed-size copies for the narrow rows of
 * labels and weights, where a memcpy call per row would dominate. */
static void gather_range(const ck_gather_job *g, size_t lo, size_t hi)
{
    const unsigned char *src = g->src;
    const ptrdiff_t stride = g->src_stride;
    const size_t rb = g->row_bytes;
    const int64_t *idx = g->idx;
    size_t i;
    switch (rb) {
    case 4:
        for (i = lo; i < hi; ++i) memcpy(g->dst + 4 * i, src + (ptrdiff_t)idx[i] * stride, 4);
        return;
    case 8:
        for (i = lo; i < hi; ++i) memcpy(g->dst + 8 * i, src + (ptrdiff_t)idx[i] * stride, 8);
        return;
    default:
        for (i = lo; i < hi; ++i) memcpy(g->dst + rb * i, src + (ptrdiff_t)idx[i] * stride, rb);
    }
}

static void gather_chunk(void *ctx, size_t lo, size_t hi)
{
    gather_range((const ck_gather_job *)ctx, lo, hi);
}

int ck_gather_rows(const void *src, size_t n_src, ptrdiff_t src_stride, size_t row_bytes,
                   const int64_t *idx, size_t n_idx, void *dst)
{
    ck_gather_job g;
    size_t i;
    if (n_idx == 0) return CK_OK;
    if (idx == NULL) return CK_ERR_ARG;
    for (i = 0; i < n_idx; ++i)
        if (idx[i] < 0 || (uint64_t)idx[i] >= (uint64_t)n_src) return CK_ERR_ARG;
    if (row_bytes == 0) return CK_OK;
    if (src == NULL || dst == NULL) return CK_ERR_ARG;
    g.src = (const unsigned char *)src;
    g.src_stride = src_stride;
    g.row_bytes = row_bytes;
    g.idx = idx;
    g.n_idx = n_idx;
    g.dst = (unsigned char *)dst;
    if (CK_LOAD(&split_on) && n_idx >= 2 * CK_GATHER_ROWS
        && n_idx * row_bytes >= CK_GATHER_SPLIT_BYTES)
        ck_threads_run_chunks(gather_chunk, &g, n_idx, CK_GATHER_ROWS);
    else
        gather_range(&g, 0, n_idx);
    return CK_OK;
}
