#include "ck_sequence.h"

#include <stdint.h>
#include <string.h>

size_t ck_pad_place(unsigned char *row, size_t maxlen, const unsigned char *src,
                    size_t len, ptrdiff_t stride, size_t item, int pad_post,
                    int trunc_post)
{
    size_t n = len < maxlen ? len : maxlen, k;
    const unsigned char *s = src;
    unsigned char *d;
    if (!trunc_post) s += (ptrdiff_t)(len - n) * stride;
    d = pad_post ? row : row + (maxlen - n) * item;
    if (stride == (ptrdiff_t)item) {
        if (n) memcpy(d, s, n * item);
    } else {
        for (k = 0; k < n; ++k) memcpy(d + k * item, s + (ptrdiff_t)k * stride, item);
    }
    return n;
}

void ck_pad_fill(unsigned char *dst, size_t n, const unsigned char *value, size_t item)
{
    size_t k, done;
    if (n == 0) return;
    if (item == 4) {  /* int32/float32: a plain loop the compiler vectorises */
        uint32_t v;
        memcpy(&v, value, 4);
        for (k = 0; k < n; ++k) memcpy(dst + 4 * k, &v, 4);
        return;
    }
    if (item == 8) {
        uint64_t v;
        memcpy(&v, value, 8);
        for (k = 0; k < n; ++k) memcpy(dst + 8 * k, &v, 8);
        return;
    }
    memcpy(dst, value, item);
    /* Doubling copies: log2(n) memcpy calls. */
    for (done = 1; done < n; done *= 2) {
        k = done < n - done ? done : n - done;
        memcpy(dst + done * item, dst, k * item);
    }
}

void ck_touch_pages(unsigned char *dst, size_t bytes)
{
    size_t k;
    /* 4096 is the smallest page size in use, so no page is missed. */
    for (k = 0; k < bytes; k += 4096) dst[k] = 0;
    if (bytes) dst[bytes - 1] = 0;
}
