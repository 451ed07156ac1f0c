/* Padding kernel for ckeras.preprocessing.sequence.pad_sequences. */
#ifndef CK_SEQUENCE_H
#define CK_SEQUENCE_H

#include "ck_common.h"

/* Place one sequence of `len` items (each `item` bytes, consecutive items
 * `stride` bytes apart in src) into an output row of `maxlen` items that is
 * already filled with the padding value. Keeps the last maxlen items when
 * trunc_post == 0 (Keras 'pre'), the first when 1; writes them at the end of
 * the row when pad_post == 0 ('pre'), at the start when 1. Returns the
 * number of items written. */
size_t ck_pad_place(unsigned char *row, size_t maxlen, const unsigned char *src,
                    size_t len, ptrdiff_t stride, size_t item, int pad_post,
                    int trunc_post);

/* Fill n items of `item` bytes at dst with the item at value. */
void ck_pad_fill(unsigned char *dst, size_t n, const unsigned char *value, size_t item);

/* Write to every page of dst[0:bytes], so that they are mapped (whatever
 * the bytes then hold: the caller overwrites them all afterwards). */
void ck_touch_pages(unsigned char *dst, size_t bytes);

#endif /* CK_SEQUENCE_H */
