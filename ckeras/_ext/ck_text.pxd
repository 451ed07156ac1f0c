# Declarations of csrc/ck_text.h for Cython modules.
from libc.stddef cimport ptrdiff_t
from libc.stdint cimport int64_t, uint16_t, uint32_t, uint64_t

cdef extern from "ck_text.h" nogil:
    void ck_text_make_map(unsigned char *map, int lower, const unsigned char *seps,
                          size_t nseps)
    size_t ck_text_split(const unsigned char *map, const unsigned char *src, size_t n,
                         unsigned char *dst, size_t *spans)
    void ck_md5(const unsigned char *msg, size_t len, unsigned char *digest)
    uint64_t ck_md5_mod(const unsigned char *msg, size_t len, uint64_t m)

    ctypedef struct ck_vocab:
        pass
    ck_vocab *ck_vocab_new()
    void ck_vocab_free(ck_vocab *v)
    size_t ck_vocab_size(const ck_vocab *v)
    int64_t ck_vocab_intern(ck_vocab *v, const unsigned char *key, size_t len)
    int64_t ck_vocab_find(const ck_vocab *v, const unsigned char *key, size_t len)
    const unsigned char *ck_vocab_key(const ck_vocab *v, int64_t id, size_t *len)
    int64_t *ck_vocab_counts(ck_vocab *v)
    int64_t *ck_vocab_docs(ck_vocab *v)
    int64_t *ck_vocab_values(ck_vocab *v)
    void ck_vocab_set_value(ck_vocab *v, int64_t id, int64_t value)
    int64_t ck_vocab_value(const ck_vocab *v, int64_t id)
    int ck_vocab_count_doc(ck_vocab *v, const unsigned char *buf, const size_t *spans,
                           size_t ntok, int64_t doc)
    size_t ck_vocab_lookup(const ck_vocab *v, const unsigned char *buf, const size_t *spans,
                           size_t ntok, int64_t unknown, int64_t *out)

    enum:
        CK_TOK_DROP
        CK_TOK_SEP
    size_t ck_text_tokenize(const uint16_t *tab, const unsigned char *src, size_t n,
                            unsigned char *dst, size_t *spans)
    uint64_t ck_farmhash64(const unsigned char *s, size_t len)
    uint64_t ck_siphash24(uint64_t k0, uint64_t k1, const unsigned char *s, size_t len)
    ptrdiff_t ck_text_tokenize_ucs4(const uint16_t *tab, const uint32_t *src, size_t n,
                                    unsigned char *dst, size_t *spans)
    size_t ck_text_chars(const unsigned char *buf, size_t n, size_t *spans)
    size_t ck_text_ngram_total(size_t ntok, const int64_t *widths, size_t nwidths)
    int ck_vocab_count_ngrams(ck_vocab *v, const unsigned char *buf, const size_t *spans,
                              size_t ntok, const int64_t *widths, size_t nwidths,
                              unsigned char *key, int64_t doc)
    size_t ck_vocab_lookup_ngrams(const ck_vocab *v, const unsigned char *buf,
                                  const size_t *spans, size_t ntok, const int64_t *widths,
                                  size_t nwidths, unsigned char *key, int64_t unknown,
                                  int64_t *out)
