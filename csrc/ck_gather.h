/* Batch gathers: rows of a dataset picked by index into a batch buffer
 * (what `fit` does for every shuffled batch).
 *
 * ck_gather_rows copies row idx[i] of `src` (n_src rows, row_bytes each,
 * the first byte of row r at src + r * src_stride) to dst + i * row_bytes,
 * for i in [0, n_idx). Every index must be in [0, n_src): they are all
 * checked before anything is written, so a bad index leaves dst unchanged
 * and returns CK_ERR_ARG (so does a NULL pointer where bytes are copied).
 *
 * A large gather is shared with the kernels' helper thread (ck_threads.h)
 * in chunks of 16 rows, the caller taking them from the front of the batch
 * and the helper from the back: with both prompt, each copies about the
 * half of the batch its share of ck_gemm's row split then reads (bounds on
 * multiples of 16 rows there too), so each core mostly reads rows it copied
 * itself; a late helper leaves the caller more chunks. Both threads copy
 * from memory at once, which a single core's memory bandwidth does not
 * use up. The bytes are the same whoever copied them. The caller's buffers
 * must not overlap.
 */
#ifndef CK_GATHER_H
#define CK_GATHER_H

#include <stdint.h>

#include "ck_common.h"

int ck_gather_rows(const void *src, size_t n_src, ptrdiff_t src_stride, size_t row_bytes,
                   const int64_t *idx, size_t n_idx, void *dst);

/* Whether ck_gather_rows shares its copies with the helper: 1 (default)
 * when the gather is large enough, 0 never. Returns the previous setting. */
int ck_gather_set_split(int on);

#endif /* CK_GATHER_H */
