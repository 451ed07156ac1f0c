#include "ck_text.h"

#include <string.h>

/* ------------------------------------------------------------------ split */

void ck_text_make_map(unsigned char map[256], int lower, const unsigned char *seps,
                      size_t nseps)
{
    size_t i;
    for (i = 0; i < 256; ++i) {
        unsigned char b = (unsigned char)i;
        if (lower && b >= 'A' && b <= 'Z') b = (unsigned char)(b + 32);
        map[i] = b;
    }
    /* A byte separates when its mapped form is a separator. */
    for (i = 0; i < 256; ++i) {
        size_t k;
        for (k = 0; k < nseps; ++k) {
            if (map[i] == seps[k]) { map[i] = 0; break; }
        }
    }
    /* NUL maps to 0 too, so it always separates: callers send no text that
     * holds a NUL byte unless NUL is a separator. */
}

size_t ck_text_split(const unsigned char map[256], const unsigned char *src, size_t n,
                     unsigned char *dst, size_t *spans)
{
    size_t i = 0, ntok = 0;
    while (i < n) {
        size_t start;
        while (i < n && (dst[i] = map[src[i]]) == 0) ++i;
        if (i >= n) break;
        start = i;
        while (i < n && (dst[i] = map[src[i]]) != 0) ++i;
        spans[2 * ntok] = start;
        spans[2 * ntok + 1] = i - start;
        ++ntok;
    }
    return ntok;
}

/* -------------------------------------------------------------------- md5 */

#define CK_ROTL(x, c) (((x) << (c)) | ((x) >> (32 - (c))))

/* One 64-byte block, fully unrolled (RFC 1321 step order and constants). */
#define CK_F(x, y, z) ((z) ^ ((x) & ((y) ^ (z))))
#define CK_G(x, y, z) ((y) ^ ((z) & ((x) ^ (y))))
#define CK_H(x, y, z) ((x) ^ (y) ^ (z))
#define CK_I(x, y, z) ((y) ^ ((x) | ~(z)))
#define CK_STEP(f, a, b, c, d, x, t, s)                                         \
    (a) += f((b), (c), (d)) + (x) + (uint32_t)(t);                              \
    (a) = CK_ROTL((a), (s));                                                    \
    (a) += (b);

static void ck_md5_block(uint32_t h[4], const unsigned char *p)
{
    uint32_t w[16], a = h[0], b = h[1], c = h[2], d = h[3];
    int i;
    for (i = 0; i < 16; ++i)
        w[i] = (uint32_t)p[4 * i] | ((uint32_t)p[4 * i + 1] << 8) |
               ((uint32_t)p[4 * i + 2] << 16) | ((uint32_t)p[4 * i + 3] << 24);
    CK_STEP(CK_F, a, b, c, d, w[0], 0xd76aa478, 7)
    CK_STEP(CK_F, d, a, b, c, w[1], 0xe8c7b756, 12)
    CK_STEP(CK_F, c, d, a, b, w[2], 0x242070db, 17)
    CK_STEP(CK_F, b, c, d, a, w[3], 0xc1bdceee, 22)
    CK_STEP(CK_F, a, b, c, d, w[4], 0xf57c0faf, 7)
    CK_STEP(CK_F, d, a, b, c, w[5], 0x4787c62a, 12)
    CK_STEP(CK_F, c, d, a, b, w[6], 0xa8304613, 17)
    CK_STEP(CK_F, b, c, d, a, w[7], 0xfd469501, 22)
    CK_STEP(CK_F, a, b, c, d, w[8], 0x698098d8, 7)
    CK_STEP(CK_F, d, a, b, c, w[9], 0x8b44f7af, 12)
    CK_STEP(CK_F, c, d, a, b, w[10], 0xffff5bb1, 17)
    CK_STEP(CK_F, b, c, d, a, w[11], 0x895cd7be, 22)
    CK_STEP(CK_F, a, b, c, d, w[12], 0x6b901122, 7)
    CK_STEP(CK_F, d, a, b, c, w[13], 0xfd987193, 12)
    CK_STEP(CK_F, c, d, a, b, w[14], 0xa679438e, 17)
    CK_STEP(CK_F, b, c, d, a, w[15], 0x49b40821, 22)
    CK_STEP(CK_G, a, b, c, d, w[1], 0xf61e2562, 5)
    CK_STEP(CK_G, d, a, b, c, w[6], 0xc040b340, 9)
    CK_STEP(CK_G, c, d, a, b, w[11], 0x265e5a51, 14)
    CK_STEP(CK_G, b, c, d, a, w[0], 0xe9b6c7aa, 20)
    CK_STEP(CK_G, a, b, c, d, w[5], 0xd62f105d, 5)
    CK_STEP(CK_G, d, a, b, c, w[10], 0x02441453, 9)
    CK_STEP(CK_G, c, d, a, b, w[15], 0xd8a1e681, 14)
    CK_STEP(CK_G, b, c, d, a, w[4], 0xe7d3fbc8, 20)
    CK_STEP(CK_G, a, b, c, d, w[9], 0x21e1cde6, 5)
    CK_STEP(CK_G, d, a, b, c, w[14], 0xc33707d6, 9)
    CK_STEP(CK_G, c, d, a, b, w[3], 0xf4d50d87, 14)
    CK_STEP(CK_G, b, c, d, a, w[8], 0x455a14ed, 20)
    CK_STEP(CK_G, a, b, c, d, w[13], 0xa9e3e905, 5)
    CK_STEP(CK_G, d, a, b, c, w[2], 0xfcefa3f8, 9)
    CK_STEP(CK_G, c, d, a, b, w[7], 0x676f02d9, 14)
    CK_STEP(CK_G, b, c, d, a, w[12], 0x8d2a4c8a, 20)
    CK_STEP(CK_H, a, b, c, d, w[5], 0xfffa3942, 4)
    CK_STEP(CK_H, d, a, b, c, w[8], 0x8771f681, 11)
    CK_STEP(CK_H, c, d, a, b, w[11], 0x6d9d6122, 16)
    CK_STEP(CK_H, b, c, d, a, w[14], 0xfde5380c, 23)
    CK_STEP(CK_H, a, b, c, d, w[1], 0xa4beea44, 4)
    CK_STEP(CK_H, d, a, b, c, w[4], 0x4bdecfa9, 11)
    CK_STEP(CK_H, c, d, a, b, w[7], 0xf6bb4b60, 16)
    CK_STEP(CK_H, b, c, d, a, w[10], 0xbebfbc70, 23)
    CK_STEP(CK_H, a, b, c, d, w[13], 0x289b7ec6, 4)
    CK_STEP(CK_H, d, a, b, c, w[0], 0xeaa127fa, 11)
    CK_STEP(CK_H, c, d, a, b, w[3], 0xd4ef3085, 16)
    CK_STEP(CK_H, b, c, d, a, w[6], 0x04881d05, 23)
    CK_STEP(CK_H, a, b, c, d, w[9], 0xd9d4d039, 4)
    CK_STEP(CK_H, d, a, b, c, w[12], 0xe6db99e5, 11)
    CK_STEP(CK_H, c, d, a, b, w[15], 0x1fa27cf8, 16)
    CK_STEP(CK_H, b, c, d, a, w[2], 0xc4ac5665, 23)
    CK_STEP(CK_I, a, b, c, d, w[0], 0xf4292244, 6)
    CK_STEP(CK_I, d, a, b, c, w[7], 0x432aff97, 10)
    CK_STEP(CK_I, c, d, a, b, w[14], 0xab9423a7, 15)
    CK_STEP(CK_I, b, c, d, a, w[5], 0xfc93a039, 21)
    CK_STEP(CK_I, a, b, c, d, w[12], 0x655b59c3, 6)
    CK_STEP(CK_I, d, a, b, c, w[3], 0x8f0ccc92, 10)
    CK_STEP(CK_I, c, d, a, b, w[10], 0xffeff47d, 15)
    CK_STEP(CK_I, b, c, d, a, w[1], 0x85845dd1, 21)
    CK_STEP(CK_I, a, b, c, d, w[8], 0x6fa87e4f, 6)
    CK_STEP(CK_I, d, a, b, c, w[15], 0xfe2ce6e0, 10)
    CK_STEP(CK_I, c, d, a, b, w[6], 0xa3014314, 15)
    CK_STEP(CK_I, b, c, d, a, w[13], 0x4e0811a1, 21)
    CK_STEP(CK_I, a, b, c, d, w[4], 0xf7537e82, 6)
    CK_STEP(CK_I, d, a, b, c, w[11], 0xbd3af235, 10)
    CK_STEP(CK_I, c, d, a, b, w[2], 0x2ad7d2bb, 15)
    CK_STEP(CK_I, b, c, d, a, w[9], 0xeb86d391, 21)
    h[0] += a; h[1] += b; h[2] += c; h[3] += d;
}

void ck_md5(const unsigned char *msg, size_t len, unsigned char digest[16])
{
    uint32_t h[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
    unsigned char tail[128];
    size_t full = len & ~(size_t)63, rest = len - full, tlen, i;
    uint64_t bits = (uint64_t)len * 8;
    for (i = 0; i < full; i += 64) ck_md5_block(h, msg + i);
    if (rest) memcpy(tail, msg + full, rest);
    tail[rest] = 0x80;
    tlen = rest < 56 ? 64 : 128;
    memset(tail + rest + 1, 0, tlen - rest - 1);
    for (i = 0; i < 8; ++i) tail[tlen - 8 + i] = (unsigned char)(bits >> (8 * i));
    ck_md5_block(h, tail);
    if (tlen == 128) ck_md5_block(h, tail + 64);
    for (i = 0; i < 4; ++i) {
        digest[4 * i] = (unsigned char)h[i];
        digest[4 * i + 1] = (unsigned char)(h[i] >> 8);
        digest[4 * i + 2] = (unsigned char)(h[i] >> 16);
        digest[4 * i + 3] = (unsigned char)(h[i] >> 24);
    }
}

uint64_t ck_md5_mod(const unsigned char *msg, size_t len, uint64_t m)
{
    unsigned char d[16];
    int i;
    ck_md5(msg, len, d);
#if defined(__SIZEOF_INT128__)
    {   /* one 128-by-64 remainder instead of 16 divisions */
        unsigned __int128 x = 0;
        for (i = 0; i < 16; ++i) x = (x << 8) | d[i];
        return (uint64_t)(x % m);
    }
#else
    {
        uint64_t r = 0;
        for (i = 0; i < 16; ++i) r = ((r << 8) | d[i]) % m;  /* r < m < 2**56 */
        return r;
    }
#endif
}

/* ------------------------------------------------------------ vocabulary */

/* One cache line per word: everything a count or a lookup touches. Keys of
 * up to CK_INLINE_KEY bytes live in the entry itself, longer ones in the
 * arena. The slot table holds (id + 1, high hash bits) so most misses are
 * rejected without touching an entry. */
#define CK_INLINE_KEY 16

typedef struct {
    uint64_t hash;
    int64_t count, docs, last, value;
    size_t len;
    union {
        unsigned char bytes[CK_INLINE_KEY];
        size_t off;
    } key;
} ck_entry;

typedef struct {
    uint32_t id1;   /* id + 1, 0 = empty */
    uint32_t tag;   /* hash >> 32 */
} ck_slot;

struct ck_vocab {
    size_t n, cap;          /* ids in use, capacity of entries */
    size_t mask;            /* slots - 1 (power of two) */
    ck_slot *slots;
    ck_entry *e;
    int64_t *count, *docs, *value;  /* flat copies for the accessors */
    unsigned char *arena;
    size_t arena_used, arena_cap;
};

static uint64_t ck_hash_bytes(const unsigned char *p, size_t n)
{
    uint64_t h = 0x9E3779B97F4A7C15ull ^ (uint64_t)n;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
        p += 8;
        n -= 8;
    }
    if (n) {
        /* The 1-7 tail bytes through fixed-size loads (a variable-length
         * memcpy is a libc call per token): two overlapping 4-byte words,
         * or first/middle/last byte; with n in the seed, distinct tails of
         * one length give distinct words. */
        uint64_t w;
        if (n >= 4) {
            uint32_t a, b;
            memcpy(&a, p, 4);
            memcpy(&b, p + n - 4, 4);
            w = (uint64_t)a | ((uint64_t)b << 32);
        } else {
            w = (uint64_t)p[0] | ((uint64_t)p[n >> 1] << 8) | ((uint64_t)p[n - 1] << 16);
        }
        h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
    }
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 32;
    return h;
}

ck_vocab *ck_vocab_new(void)
{
    ck_vocab *v = (ck_vocab *)calloc(1, sizeof(ck_vocab));
    if (v == NULL) return NULL;
    v->mask = 1023;
    v->slots = (ck_slot *)calloc(v->mask + 1, sizeof(ck_slot));
    if (v->slots == NULL) { free(v); return NULL; }
    return v;
}

void ck_vocab_free(ck_vocab *v)
{
    if (v == NULL) return;
    free(v->slots); free(v->e);
    free(v->count); free(v->docs); free(v->value);
    free(v->arena);
    free(v);
}

size_t ck_vocab_size(const ck_vocab *v) { return v->n; }

static int64_t *ck_vocab_flat(ck_vocab *v, int64_t **dst, size_t field)
{
    size_t i;
    int64_t *a = (int64_t *)realloc(*dst, (v->n ? v->n : 1) * sizeof(int64_t));
    if (a == NULL) return NULL;
    *dst = a;
    for (i = 0; i < v->n; ++i)
        a[i] = *(const int64_t *)((const char *)&v->e[i] + field);
    return a;
}

/* Snapshots (valid until the next insertion or snapshot). */
int64_t *ck_vocab_counts(ck_vocab *v)
{
    return ck_vocab_flat(v, &v->count, offsetof(ck_entry, count));
}
int64_t *ck_vocab_docs(ck_vocab *v)
{
    return ck_vocab_flat(v, &v->docs, offsetof(ck_entry, docs));
}
int64_t *ck_vocab_values(ck_vocab *v)
{
    return ck_vocab_flat(v, &v->value, offsetof(ck_entry, value));
}

void ck_vocab_set_value(ck_vocab *v, int64_t id, int64_t value) { v->e[id].value = value; }
int64_t ck_vocab_value(const ck_vocab *v, int64_t id) { return v->e[id].value; }

CK_INLINE const unsigned char *ck_entry_key(const ck_vocab *v, const ck_entry *e)
{
    return e->len <= CK_INLINE_KEY ? e->key.bytes : v->arena + e->key.off;
}

const unsigned char *ck_vocab_key(const ck_vocab *v, int64_t id, size_t *len)
{
    *len = v->e[id].len;
    return ck_entry_key(v, &v->e[id]);
}

static int ck_vocab_rehash(ck_vocab *v)
{
    size_t slots = 2 * (v->mask + 1), i;
    ck_slot *s = (ck_slot *)calloc(slots, sizeof(ck_slot));
    if (s == NULL) return -1;
    for (i = 0; i < v->n; ++i) {
        uint64_t h = v->e[i].hash;
        size_t j = (size_t)h & (slots - 1);
        while (s[j].id1) j = (j + 1) & (slots - 1);
        s[j].id1 = (uint32_t)(i + 1);
        s[j].tag = (uint32_t)(h >> 32);
    }
    free(v->slots);
    v->slots = s;
    v->mask = slots - 1;
    return 0;
}

CK_INLINE int64_t ck_vocab_probe(const ck_vocab *v, const unsigned char *key, size_t len,
                                 uint64_t h, size_t *slot)
{
    size_t j = (size_t)h & v->mask;
    uint32_t tag = (uint32_t)(h >> 32);
    for (;;) {
        const ck_slot *s = &v->slots[j];
        if (s->id1 == 0) { *slot = j; return -1; }
        if (s->tag == tag) {
            const ck_entry *e = &v->e[s->id1 - 1];
            if (e->hash == h && e->len == len &&
                memcmp(ck_entry_key(v, e), key, len) == 0)
                return (int64_t)s->id1 - 1;
        }
        j = (j + 1) & v->mask;
    }
}

int64_t ck_vocab_find(const ck_vocab *v, const unsigned char *key, size_t len)
{
    size_t slot;
    return ck_vocab_probe(v, key, len, ck_hash_bytes(key, len), &slot);
}

static int64_t ck_vocab_insert(ck_vocab *v, const unsigned char *key, size_t len,
                               uint64_t h, size_t slot)
{
    ck_entry *e;
    int64_t id;
    if (v->n >= 0xFFFFFFF0u) return -1;
    if (v->n == v->cap) {
        size_t cap = v->cap ? 2 * v->cap : 256;
        ck_entry *ne = (ck_entry *)realloc(v->e, cap * sizeof(ck_entry));
        if (ne == NULL) return -1;
        v->e = ne;
        v->cap = cap;
    }
    id = (int64_t)v->n;
    e = &v->e[id];
    e->hash = h;
    e->len = len;
    e->count = 0;
    e->docs = 0;
    e->last = -1;
    e->value = -1;
    if (len <= CK_INLINE_KEY) {
        if (len) memcpy(e->key.bytes, key, len);
    } else {
        if (v->arena_used + len > v->arena_cap) {
            size_t cap = v->arena_cap ? v->arena_cap : 4096;
            unsigned char *na;
            while (cap < v->arena_used + len) cap *= 2;
            na = (unsigned char *)realloc(v->arena, cap);
            if (na == NULL) return -1;
            v->arena = na;
            v->arena_cap = cap;
        }
        memcpy(v->arena + v->arena_used, key, len);
        e->key.off = v->arena_used;
        v->arena_used += len;
    }
    v->n++;
    v->slots[slot].id1 = (uint32_t)(id + 1);
    v->slots[slot].tag = (uint32_t)(h >> 32);
    if (2 * v->n > v->mask + 1 && ck_vocab_rehash(v)) return -1;  /* load <= 1/2 */
    return id;
}

int64_t ck_vocab_intern(ck_vocab *v, const unsigned char *key, size_t len)
{
    uint64_t h = ck_hash_bytes(key, len);
    size_t slot = 0;
    int64_t id = ck_vocab_probe(v, key, len, h, &slot);
    if (id >= 0) return id;
    return ck_vocab_insert(v, key, len, h, slot);
}

int ck_vocab_count_doc(ck_vocab *v, const unsigned char *buf, const size_t *spans,
                       size_t ntok, int64_t doc)
{
    size_t k;
    for (k = 0; k < ntok; ++k) {
        const unsigned char *key = buf + spans[2 * k];
        size_t len = spans[2 * k + 1], slot = 0;
        uint64_t h = ck_hash_bytes(key, len);
        int64_t id = ck_vocab_probe(v, key, len, h, &slot);
        ck_entry *e;
        if (id < 0) {
            id = ck_vocab_insert(v, key, len, h, slot);
            if (id < 0) return CK_ERR_ARG;
        }
        e = &v->e[id];
        e->count += 1;
        if (e->last != doc) {
            e->last = doc;
            e->docs += 1;
        }
    }
    return CK_OK;
}

size_t ck_vocab_lookup(const ck_vocab *v, const unsigned char *buf, const size_t *spans,
                       size_t ntok, int64_t unknown, int64_t *out)
{
    size_t k, m = 0;
    for (k = 0; k < ntok; ++k) {
        int64_t id = ck_vocab_find(v, buf + spans[2 * k], spans[2 * k + 1]);
        int64_t r = id < 0 ? unknown : v->e[id].value;
        if (r >= 0) out[m++] = r;
    }
    return m;
}

/* --------------------------------------------------------------- tokenize */

size_t ck_text_tokenize(const uint16_t tab[256], const unsigned char *src, size_t n,
                        unsigned char *dst, size_t *spans)
{
    size_t i, out = 0, start = 0, ntok = 0;
    int any_sep = 0, in_tok = 0;
    for (i = 0; i < 256; ++i)
        if (tab[i] == CK_TOK_SEP) { any_sep = 1; break; }
    for (i = 0; i < n; ++i) {
        uint16_t t = tab[src[i]];
        if (t == CK_TOK_DROP) continue;
        if (t == CK_TOK_SEP) {
            if (in_tok) {
                spans[2 * ntok] = start;
                spans[2 * ntok + 1] = out - start;
                ++ntok;
                in_tok = 0;
            }
            continue;
        }
        if (!in_tok) { start = out; in_tok = 1; }
        dst[out++] = (unsigned char)t;
    }
    /* Without separators the text is one token even when empty, as a
     * lookup of the whole standardized string expects. */
    if (in_tok || !any_sep) {
        spans[2 * ntok] = in_tok ? start : 0;
        spans[2 * ntok + 1] = in_tok ? out - start : 0;
        ++ntok;
    }
    return ntok;
}

/* ----------------------------------------------- TextVectorization n-grams */

size_t ck_text_chars(const unsigned char *buf, size_t n, size_t *spans)
{
    size_t i, nch = 0;
    for (i = 0; i < n; ++i) {
        if ((buf[i] & 0xC0) != 0x80 || nch == 0) {
            spans[2 * nch] = i;
            spans[2 * nch + 1] = 1;
            ++nch;
        } else {
            spans[2 * nch - 1] += 1;
        }
    }
    return nch;
}

size_t ck_text_ngram_total(size_t ntok, const int64_t *widths, size_t nwidths)
{
    size_t k, total = 0;
    for (k = 0; k < nwidths; ++k)
        if ((size_t)widths[k] <= ntok) total += ntok - (size_t)widths[k] + 1;
    return total;
}

/* The bytes of the n-gram of tokens [i, i + w): the token itself for w = 1
 * (no copy), else the tokens joined by ' ' in key. */
CK_INLINE const unsigned char *ck_ngram_key(const unsigned char *buf, const size_t *spans,
                                            size_t i, size_t w, unsigned char *key,
                                            size_t *len)
{
    size_t j, pos = 0;
    if (w == 1) {
        *len = spans[2 * i + 1];
        return buf + spans[2 * i];
    }
    for (j = i; j < i + w; ++j) {
        if (j > i) key[pos++] = ' ';
        memcpy(key + pos, buf + spans[2 * j], spans[2 * j + 1]);
        pos += spans[2 * j + 1];
    }
    *len = pos;
    return key;
}

int ck_vocab_count_ngrams(ck_vocab *v, const unsigned char *buf, const size_t *spans,
                          size_t ntok, const int64_t *widths, size_t nwidths,
                          unsigned char *key, int64_t doc)
{
    size_t k, i;
    for (k = 0; k < nwidths; ++k) {
        size_t w = (size_t)widths[k];
        if (w == 0 || w > ntok) continue;
        for (i = 0; i + w <= ntok; ++i) {
            size_t len, slot = 0;
            const unsigned char *p = ck_ngram_key(buf, spans, i, w, key, &len);
            uint64_t h = ck_hash_bytes(p, len);
            int64_t id = ck_vocab_probe(v, p, len, h, &slot);
            ck_entry *e;
            if (id < 0) {
                id = ck_vocab_insert(v, p, len, h, slot);
                if (id < 0) return CK_ERR_ARG;
            }
            e = &v->e[id];
            e->count += 1;
            if (e->last != doc) {
                e->last = doc;
                e->docs += 1;
            }
        }
    }
    return CK_OK;
}

size_t ck_vocab_lookup_ngrams(const ck_vocab *v, const unsigned char *buf, const size_t *spans,
                              size_t ntok, const int64_t *widths, size_t nwidths,
                              unsigned char *key, int64_t unknown, int64_t *out)
{
    size_t k, i, m = 0;
    for (k = 0; k < nwidths; ++k) {
        size_t w = (size_t)widths[k];
        if (w == 0 || w > ntok) continue;
        for (i = 0; i + w <= ntok; ++i) {
            size_t len, slot;
            const unsigned char *p = ck_ngram_key(buf, spans, i, w, key, &len);
            int64_t id = ck_vocab_probe(v, p, len, ck_hash_bytes(p, len), &slot);
            out[m++] = id < 0 ? unknown : v->e[id].value;
        }
    }
    return m;
}

typedef struct {
    const uint16_t *tab;
    unsigned char *dst;
    size_t *spans;
    size_t out, start, ntok;
    int in_tok;
} ck_tok_state;

CK_INLINE void ck_tok_byte(ck_tok_state *st, unsigned char b)
{
    const uint16_t t = st->tab[b];
    if (t == CK_TOK_DROP) return;
    if (t == CK_TOK_SEP) {
        if (st->in_tok) {
            st->spans[2 * st->ntok] = st->start;
            st->spans[2 * st->ntok + 1] = st->out - st->start;
            ++st->ntok;
            st->in_tok = 0;
        }
        return;
    }
    if (!st->in_tok) { st->start = st->out; st->in_tok = 1; }
    st->dst[st->out++] = (unsigned char)t;
}

ptrdiff_t ck_text_tokenize_ucs4(const uint16_t tab[256], const uint32_t *src, size_t n,
                                unsigned char *dst, size_t *spans)
{
    size_t i;
    int any_sep = 0;
    ck_tok_state st;
    st.tab = tab; st.dst = dst; st.spans = spans;
    st.out = st.start = st.ntok = 0;
    st.in_tok = 0;
    for (i = 0; i < 256; ++i)
        if (tab[i] == CK_TOK_SEP) { any_sep = 1; break; }
    while (n > 0 && src[n - 1] == 0) --n;
    for (i = 0; i < n; ++i) {
        const uint32_t c = src[i];
        if (c < 0x80) {
            ck_tok_byte(&st, (unsigned char)c);
        } else if (c < 0x800) {
            ck_tok_byte(&st, (unsigned char)(0xC0 | (c >> 6)));
            ck_tok_byte(&st, (unsigned char)(0x80 | (c & 0x3F)));
        } else if (c < 0x10000) {
            if (c >= 0xD800 && c <= 0xDFFF) return -1;
            ck_tok_byte(&st, (unsigned char)(0xE0 | (c >> 12)));
            ck_tok_byte(&st, (unsigned char)(0x80 | ((c >> 6) & 0x3F)));
            ck_tok_byte(&st, (unsigned char)(0x80 | (c & 0x3F)));
        } else {
            if (c > 0x10FFFF) return -1;
            ck_tok_byte(&st, (unsigned char)(0xF0 | (c >> 18)));
            ck_tok_byte(&st, (unsigned char)(0x80 | ((c >> 12) & 0x3F)));
            ck_tok_byte(&st, (unsigned char)(0x80 | ((c >> 6) & 0x3F)));
            ck_tok_byte(&st, (unsigned char)(0x80 | (c & 0x3F)));
        }
    }
    if (st.in_tok || !any_sep) {
        spans[2 * st.ntok] = st.in_tok ? st.start : 0;
        spans[2 * st.ntok + 1] = st.in_tok ? st.out - st.start : 0;
        ++st.ntok;
    }
    return (ptrdiff_t)st.ntok;
}

/* --------------------------------------------------------------- farmhash */

/* Unaligned little-endian loads: the hash is defined on little-endian
 * words whatever the host. */
static uint64_t ck_le64(const unsigned char *p)
{
    return (uint64_t)p[0] | ((uint64_t)p[1] << 8) | ((uint64_t)p[2] << 16) |
           ((uint64_t)p[3] << 24) | ((uint64_t)p[4] << 32) | ((uint64_t)p[5] << 40) |
           ((uint64_t)p[6] << 48) | ((uint64_t)p[7] << 56);
}

static uint64_t ck_le32(const unsigned char *p)
{
    return (uint64_t)p[0] | ((uint64_t)p[1] << 8) | ((uint64_t)p[2] << 16) |
           ((uint64_t)p[3] << 24);
}

static uint64_t ck_rotr64(uint64_t v, int s) { return s == 0 ? v : (v >> s) | (v << (64 - s)); }

static const uint64_t CK_FH_K0 = 0xc3a5c85c97cb3127ULL;
static const uint64_t CK_FH_K1 = 0xb492b66fbe98f273ULL;
static const uint64_t CK_FH_K2 = 0x9ae16a3b2f90404fULL;

static uint64_t ck_fh_shift_mix(uint64_t v) { return v ^ (v >> 47); }

static uint64_t ck_fh_len16(uint64_t u, uint64_t v, uint64_t mul)
{
    uint64_t a = (u ^ v) * mul, b;
    a ^= a >> 47;
    b = (v ^ a) * mul;
    b ^= b >> 47;
    return b * mul;
}

static uint64_t ck_fh_0to16(const unsigned char *s, size_t len)
{
    if (len >= 8) {
        uint64_t mul = CK_FH_K2 + (uint64_t)len * 2;
        uint64_t a = ck_le64(s) + CK_FH_K2, b = ck_le64(s + len - 8);
        uint64_t c = ck_rotr64(b, 37) * mul + a, d = (ck_rotr64(a, 25) + b) * mul;
        return ck_fh_len16(c, d, mul);
    }
    if (len >= 4) {
        uint64_t mul = CK_FH_K2 + (uint64_t)len * 2;
        return ck_fh_len16((uint64_t)len + (ck_le32(s) << 3), ck_le32(s + len - 4), mul);
    }
    if (len > 0) {
        uint32_t y = (uint32_t)s[0] + ((uint32_t)s[len >> 1] << 8);
        uint32_t z = (uint32_t)len + ((uint32_t)s[len - 1] << 2);
        return ck_fh_shift_mix((uint64_t)y * CK_FH_K2 ^ (uint64_t)z * CK_FH_K0) * CK_FH_K2;
    }
    return CK_FH_K2;
}

static uint64_t ck_fh_17to32(const unsigned char *s, size_t len)
{
    uint64_t mul = CK_FH_K2 + (uint64_t)len * 2;
    uint64_t a = ck_le64(s) * CK_FH_K1, b = ck_le64(s + 8);
    uint64_t c = ck_le64(s + len - 8) * mul, d = ck_le64(s + len - 16) * CK_FH_K2;
    return ck_fh_len16(ck_rotr64(a + b, 43) + ck_rotr64(c, 30) + d,
                       a + ck_rotr64(b + CK_FH_K2, 18) + c, mul);
}

static uint64_t ck_fh_33to64(const unsigned char *s, size_t len)
{
    uint64_t mul = CK_FH_K2 + (uint64_t)len * 2;
    uint64_t a = ck_le64(s) * CK_FH_K2, b = ck_le64(s + 8);
    uint64_t c = ck_le64(s + len - 8) * mul, d = ck_le64(s + len - 16) * CK_FH_K2;
    uint64_t y = ck_rotr64(a + b, 43) + ck_rotr64(c, 30) + d;
    uint64_t z = ck_fh_len16(y, a + ck_rotr64(b + CK_FH_K2, 18) + c, mul);
    uint64_t e = ck_le64(s + 16) * mul, f = ck_le64(s + 24);
    uint64_t g = (y + ck_le64(s + len - 32)) * mul, h = (z + ck_le64(s + len - 24)) * mul;
    return ck_fh_len16(ck_rotr64(e + f, 43) + ck_rotr64(g, 30) + h,
                       e + ck_rotr64(f + a, 18) + g, mul);
}

/* Two 64-bit lanes of 32 bytes of s mixed with the seeds a, b. */
static void ck_fh_weak32(const unsigned char *s, uint64_t a, uint64_t b, uint64_t out[2])
{
    uint64_t w = ck_le64(s), x = ck_le64(s + 8), y = ck_le64(s + 16), z = ck_le64(s + 24), c;
    a += w;
    b = ck_rotr64(b + a + z, 21);
    c = a;
    a += x;
    a += y;
    b += ck_rotr64(a, 44);
    out[0] = a + z;
    out[1] = b + c;
}

uint64_t ck_farmhash64(const unsigned char *s, size_t len)
{
    const uint64_t seed = 81;
    uint64_t x, y, z, v[2] = {0, 0}, w[2] = {0, 0}, mul, tmp;
    const unsigned char *end, *last64;
    if (len <= 16) return ck_fh_0to16(s, len);
    if (len <= 32) return ck_fh_17to32(s, len);
    if (len <= 64) return ck_fh_33to64(s, len);
    x = seed;
    y = seed * CK_FH_K1 + 113;
    z = ck_fh_shift_mix(y * CK_FH_K2 + 113) * CK_FH_K2;
    x = x * CK_FH_K2 + ck_le64(s);
    end = s + ((len - 1) / 64) * 64;
    last64 = end + ((len - 1) & 63) - 63;
    do {
        x = ck_rotr64(x + y + v[0] + ck_le64(s + 8), 37) * CK_FH_K1;
        y = ck_rotr64(y + v[1] + ck_le64(s + 48), 42) * CK_FH_K1;
        x ^= w[1];
        y += v[0] + ck_le64(s + 40);
        z = ck_rotr64(z + w[0], 33) * CK_FH_K1;
        ck_fh_weak32(s, v[1] * CK_FH_K1, x + w[0], v);
        ck_fh_weak32(s + 32, z + w[1], y + ck_le64(s + 16), w);
        tmp = z; z = x; x = tmp;
        s += 64;
    } while (s != end);
    mul = CK_FH_K1 + ((z & 0xff) << 1);
    s = last64;
    w[0] += (len - 1) & 63;
    v[0] += w[0];
    w[0] += v[0];
    x = ck_rotr64(x + y + v[0] + ck_le64(s + 8), 37) * mul;
    y = ck_rotr64(y + v[1] + ck_le64(s + 48), 42) * mul;
    x ^= w[1] * 9;
    y += v[0] * 9 + ck_le64(s + 40);
    z = ck_rotr64(z + w[0], 33) * mul;
    ck_fh_weak32(s, v[1] * mul, x + w[0], v);
    ck_fh_weak32(s + 32, z + w[1], y + ck_le64(s + 16), w);
    tmp = z; z = x; x = tmp;
    return ck_fh_len16(ck_fh_len16(v[0], w[0], mul) + ck_fh_shift_mix(y) * CK_FH_K0 + z,
                       ck_fh_len16(v[1], w[1], mul) + x, mul);
}

/* ---------------------------------------------------------------- siphash */

#define CK_ROTL64(x, b) (((x) << (b)) | ((x) >> (64 - (b))))
#define CK_SIPROUND                                                             \
    do {                                                                        \
        v0 += v1; v1 = CK_ROTL64(v1, 13); v1 ^= v0; v0 = CK_ROTL64(v0, 32);     \
        v2 += v3; v3 = CK_ROTL64(v3, 16); v3 ^= v2;                             \
        v0 += v3; v3 = CK_ROTL64(v3, 21); v3 ^= v0;                             \
        v2 += v1; v1 = CK_ROTL64(v1, 17); v1 ^= v2; v2 = CK_ROTL64(v2, 32);     \
    } while (0)

uint64_t ck_siphash24(uint64_t k0, uint64_t k1, const unsigned char *s, size_t len)
{
    uint64_t v0 = k0 ^ 0x736f6d6570736575ULL, v1 = k1 ^ 0x646f72616e646f6dULL;
    uint64_t v2 = k0 ^ 0x6c7967656e657261ULL, v3 = k1 ^ 0x7465646279746573ULL;
    uint64_t m, b = (uint64_t)len << 56;
    size_t i, full = len & ~(size_t)7;
    for (i = 0; i < full; i += 8) {
        m = ck_le64(s + i);
        v3 ^= m;
        CK_SIPROUND;
        CK_SIPROUND;
        v0 ^= m;
    }
    for (i = 0; i < (len & 7); ++i) b |= (uint64_t)s[full + i] << (8 * i);
    v3 ^= b;
    CK_SIPROUND;
    CK_SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    CK_SIPROUND;
    CK_SIPROUND;
    CK_SIPROUND;
    CK_SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}
