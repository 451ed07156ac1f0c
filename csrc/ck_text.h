/* Text kernels for ckeras.preprocessing.text: byte-table tokenisation of
 * ASCII text, a byte-string vocabulary (hash table), and MD5.
 *
 * Everything works on bytes. The Cython layer only sends ASCII text here
 * (or UTF-8 tokens that Python already split), so byte equality of a token
 * is exactly Python `str` equality.
 */
#ifndef CK_TEXT_H
#define CK_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "ck_common.h"

/* map[b] = 0 when byte b separates tokens, else the byte b becomes (its
 * lower-case form when `lower`). `seps` lists the separator bytes AFTER
 * lower-casing (Keras lower-cases first, then translates filters). */
void ck_text_make_map(unsigned char map[256], int lower, const unsigned char *seps,
                      size_t nseps);

/* Write the mapped bytes of src[0:n] into dst[0:n] and the tokens (maximal
 * runs of non-separator bytes) as (start, length) pairs into spans, which
 * must hold n + 1 entries of 2 size_t. Returns the number of tokens. */
size_t ck_text_split(const unsigned char map[256], const unsigned char *src, size_t n,
                     unsigned char *dst, size_t *spans);

/* MD5 of msg[0:len] into digest[16] (RFC 1321). */
void ck_md5(const unsigned char *msg, size_t len, unsigned char digest[16]);

/* int.from_bytes(md5(msg), 'big') % m, for 1 <= m < 2**56 (Horner). */
uint64_t ck_md5_mod(const unsigned char *msg, size_t len, uint64_t m);

/* A vocabulary of byte strings (fewer than 2**32 - 16); ids are 0, 1, ... in
 * first-insertion order.
 * Each id carries a count, a document count and a value (user data). */
typedef struct ck_vocab ck_vocab;

ck_vocab *ck_vocab_new(void);
void ck_vocab_free(ck_vocab *v);
size_t ck_vocab_size(const ck_vocab *v);
/* The id of key, inserting it when absent; -1 when out of memory. */
int64_t ck_vocab_intern(ck_vocab *v, const unsigned char *key, size_t len);
/* The id of key, or -1. */
int64_t ck_vocab_find(const ck_vocab *v, const unsigned char *key, size_t len);
const unsigned char *ck_vocab_key(const ck_vocab *v, int64_t id, size_t *len);
/* Per-id snapshots of the counts, document counts and values, valid until
 * the next insertion or snapshot of the same kind; NULL when out of memory. */
int64_t *ck_vocab_counts(ck_vocab *v);
int64_t *ck_vocab_docs(ck_vocab *v);
int64_t *ck_vocab_values(ck_vocab *v);
void ck_vocab_set_value(ck_vocab *v, int64_t id, int64_t value);
int64_t ck_vocab_value(const ck_vocab *v, int64_t id);

/* Count the ntok tokens of buf (spans from ck_text_split) as one document:
 * count[id] += 1 per occurrence, docs[id] += 1 once per document. doc must
 * differ from every doc passed before (use an increasing counter). */
int ck_vocab_count_doc(ck_vocab *v, const unsigned char *buf, const size_t *spans,
                       size_t ntok, int64_t doc);

/* out[k] = values[id] of each token, unknown tokens get `unknown`; results
 * < 0 are dropped. Returns the number written to out (<= ntok). */
size_t ck_vocab_lookup(const ck_vocab *v, const unsigned char *buf, const size_t *spans,
                       size_t ntok, int64_t unknown, int64_t *out);

/* Standardize and split UTF-8 text in one pass (TextVectorization).
 * tab[b] is what byte b becomes: a byte value (< 256), CK_TOK_DROP (the byte
 * vanishes, as a stripped punctuation mark) or CK_TOK_SEP (the byte ends a
 * token and is dropped, as whitespace). Bytes >= 0x80 are UTF-8 continuation
 * or lead bytes; callers map them to themselves, so code points survive
 * intact. The kept bytes go to dst[0:n] and the tokens (non-empty runs between
 * separators) as (start, length) pairs into spans, which must hold n + 1
 * entries of 2 size_t. With no CK_TOK_SEP byte in tab, the whole (possibly
 * empty) text is one token. Returns the number of tokens. */
#define CK_TOK_DROP 256
#define CK_TOK_SEP 257
size_t ck_text_tokenize(const uint16_t tab[256], const unsigned char *src, size_t n,
                        unsigned char *dst, size_t *spans);

/* FarmHash Fingerprint64 (farmhashna::Hash64) of s[0:len]: the hash of
 * tf.strings.to_hash_bucket_fast and the unsalted Keras Hashing layer. */
uint64_t ck_farmhash64(const unsigned char *s, size_t len);

/* SipHash-2-4 of s[0:len] under the 128-bit key (k0, k1): the hash of
 * tf.strings.to_hash_bucket_strong and the salted Keras Hashing layer. */
uint64_t ck_siphash24(uint64_t k0, uint64_t k1, const unsigned char *s, size_t len);

/* ck_text_tokenize of the UTF-8 form of n UCS-4 code points without their
 * trailing NULs, in one pass (no UTF-8 copy first): each UTF-8 byte goes
 * through tab. dst holds 4 n bytes, spans 4 n + 1 pairs. Returns the
 * token count, or -1 at a surrogate or a value above U+10FFFF (they have
 * no UTF-8 form; the caller lets Python raise its own error). */
ptrdiff_t ck_text_tokenize_ucs4(const uint16_t tab[256], const uint32_t *src, size_t n,
                                unsigned char *dst, size_t *spans);

/* TextVectorization's token stream of one standardized document.
 * ck_text_chars cuts the kept bytes buf[0:n] into UTF-8 code points (a new
 * character starts at every byte that is not a continuation byte 10xxxxxx),
 * as tf.strings.unicode_split; spans must hold n entries of 2 size_t.
 * Returns the number of characters. */
size_t ck_text_chars(const unsigned char *buf, size_t n, size_t *spans);

/* The n-grams of ntok tokens (spans into buf) for each width in turn
 * (tf.strings.ngrams with separator " ": every 1-gram, then every 2-gram,
 * ...; a width longer than the token list gives none). widths must all be
 * >= 1. ck_text_ngram_total is how many there are; the largest n-gram has
 * at most (sum of token lengths) + ntok bytes, the size `key` must have. */
size_t ck_text_ngram_total(size_t ntok, const int64_t *widths, size_t nwidths);

/* Count every n-gram (see above) of one document into v, as
 * ck_vocab_count_doc does (doc: a new number per document). */
int ck_vocab_count_ngrams(ck_vocab *v, const unsigned char *buf, const size_t *spans,
                          size_t ntok, const int64_t *widths, size_t nwidths,
                          unsigned char *key, int64_t doc);

/* out[k] = the value of the k-th n-gram, `unknown` when it is absent; no
 * value is dropped. Returns the number written (ck_text_ngram_total). */
size_t ck_vocab_lookup_ngrams(const ck_vocab *v, const unsigned char *buf, const size_t *spans,
                              size_t ntok, const int64_t *widths, size_t nwidths,
                              unsigned char *key, int64_t unknown, int64_t *out);

#endif /* CK_TEXT_H */
