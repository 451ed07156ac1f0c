"""ASCII fast path of ckeras.preprocessing.text.

A 256-byte table (from `make_table`) lower-cases and marks separators; the
C kernels split, count, look up and hash mapped bytes without creating a
Python object per token. Every function returns None (or False) for input
it does not handle — non-ASCII text, text with a NUL byte that is not a
separator — and the caller then runs the pure-Python reference, so results
always equal Keras'.
"""
import hashlib

from libc.stddef cimport ptrdiff_t
from libc.stdint cimport int64_t, uint16_t, uint32_t, uint64_t
from libc.stdlib cimport malloc, free, realloc
from libc.string cimport memcpy, memchr
from cpython.list cimport PyList_New, PyList_SET_ITEM
from cpython.ref cimport Py_INCREF

import numpy as np

from cython cimport floating

from ckeras._ext.ck_text cimport (
    ck_text_chars, ck_text_ngram_total, ck_text_tokenize_ucs4, ck_vocab_value,
    ck_vocab_count_ngrams, ck_vocab_lookup_ngrams, ck_md5, ck_md5_mod, ck_text_make_map, ck_text_split, ck_vocab, ck_vocab_count_doc,
    ck_vocab_counts, ck_vocab_docs, ck_vocab_find, ck_vocab_free, ck_vocab_intern,
    ck_vocab_key, ck_vocab_lookup, ck_vocab_new, ck_vocab_set_value, ck_vocab_size,
    CK_TOK_DROP, CK_TOK_SEP, ck_text_tokenize, ck_farmhash64, ck_siphash24)

cdef extern from "Python.h":
    bint PyUnicode_CheckExact(object o)
    bint PyUnicode_Check(object o)
    bint PyUnicode_IS_ASCII(object o)
    void *PyUnicode_DATA(object o)
    Py_ssize_t PyUnicode_GET_LENGTH(object o)
    object PyUnicode_New(Py_ssize_t size, Py_UCS4 maxchar)
    const char *PyUnicode_AsUTF8AndSize(object o, Py_ssize_t *size) except NULL
    object PyUnicode_DecodeUTF8(const char *s, Py_ssize_t size, const char *errors)
    object PyLong_FromLongLong(long long v)
    Py_ssize_t PyObject_Hash(object o) except? -1

DEF MD5_HORNER_LIMIT = 72057594037927936  # 2**56


def make_table(filters, lower, split):
    """The byte table for (filters, lower, split), or None when the ASCII fast
    path does not apply (split not one character, a filter entry not one
    character)."""
    if not isinstance(split, str) or len(split) != 1:
        return None
    seps = bytearray()
    for c in filters:
        if not isinstance(c, str) or len(c) != 1:
            return None
        if ord(c) < 128:
            seps.append(ord(c))
    if ord(split) < 128:
        seps.append(ord(split))
    cdef unsigned char table[256]
    cdef bytes sb = bytes(seps)
    ck_text_make_map(table, 1 if lower else 0, <const unsigned char *> sb, len(sb))
    # NUL can only take the fast path when it separates (see ck_text_make_map).
    nul_ok = 0 in seps
    return (<char *> table)[:256], nul_ok


cdef class _Scratch:
    """Per-call buffers for mapped bytes and token spans."""
    cdef unsigned char *buf
    cdef size_t *spans
    cdef int64_t *out
    cdef size_t cap

    def __dealloc__(self):
        free(self.buf)
        free(self.spans)
        free(self.out)

    cdef int reserve(self, size_t n) except -1:
        if n <= self.cap:
            return 0
        cdef size_t cap = n if n > 2 * self.cap else 2 * self.cap
        cdef void *b = realloc(self.buf, cap + 1)
        if b == NULL:
            raise MemoryError()
        self.buf = <unsigned char *> b
        b = realloc(self.spans, (cap + 1) * 2 * sizeof(size_t))
        if b == NULL:
            raise MemoryError()
        self.spans = <size_t *> b
        b = realloc(self.out, (cap + 1) * sizeof(int64_t))
        if b == NULL:
            raise MemoryError()
        self.out = <int64_t *> b
        self.cap = cap
        return 0


cdef inline Py_ssize_t _split(_Scratch sc, object text, tuple tab) except -2:
    """Split ASCII text into sc; -1 when the fast path does not apply."""
    if not PyUnicode_CheckExact(text) or not PyUnicode_IS_ASCII(text):
        return -1
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(text)
    cdef const unsigned char *src = <const unsigned char *> PyUnicode_DATA(text)
    if not tab[1] and memchr(src, 0, n) != NULL:
        return -1
    cdef bytes table = tab[0]
    sc.reserve(n)
    return <Py_ssize_t> ck_text_split(<const unsigned char *> table, src, n, sc.buf,
                                      sc.spans)


cdef inline object _ascii_str(const unsigned char *p, Py_ssize_t n):
    s = PyUnicode_New(n, 127)
    memcpy(PyUnicode_DATA(s), p, n)
    return s


def words(text, tab):
    """text_to_word_sequence of ASCII text, or None."""
    cdef _Scratch sc = _Scratch()
    cdef Py_ssize_t ntok = _split(sc, text, tab), k
    if ntok < 0:
        return None
    res = PyList_New(ntok)
    for k in range(ntok):
        w = _ascii_str(sc.buf + sc.spans[2 * k], sc.spans[2 * k + 1])
        Py_INCREF(w)
        PyList_SET_ITEM(res, k, w)
    return res


cdef object _int_list(const int64_t *v, Py_ssize_t n):
    res = PyList_New(n)
    cdef Py_ssize_t k
    for k in range(n):
        o = PyLong_FromLongLong(v[k])
        Py_INCREF(o)
        PyList_SET_ITEM(res, k, o)
    return res


cdef inline int _modulus(long long m) except -1:
    """The hashing ops' modulus check (m = 0 would divide by zero, a
    negative m would wrap around as uint64)."""
    if m < 1:
        raise ValueError(f"m must be >= 1, got {m}")
    return 0


def md5_mod_text(text, tab, long long m):
    """[md5(w) % m + 1 for w in words(text)] for ASCII text, or None.
    Requires 1 <= m < 2**56."""
    _modulus(m)
    cdef _Scratch sc = _Scratch()
    cdef Py_ssize_t ntok = _split(sc, text, tab), k
    if ntok < 0:
        return None
    cdef uint64_t um = <uint64_t> m
    for k in range(ntok):
        sc.out[k] = <int64_t> ck_md5_mod(sc.buf + sc.spans[2 * k], sc.spans[2 * k + 1],
                                         um) + 1
    return _int_list(sc.out, ntok)


def md5_mod_tokens(tokens, long long m):
    """[md5(w.encode()) % m + 1 for w in tokens] for str tokens (1 <= m < 2**56);
    encoding errors are raised as by str.encode()."""
    _modulus(m)
    res = []
    cdef Py_ssize_t n
    cdef const char *p
    for w in tokens:
        if PyUnicode_Check(w):
            try:
                p = PyUnicode_AsUTF8AndSize(w, &n)
            except UnicodeEncodeError:
                w.encode()  # raise str.encode()'s own error
                raise
        else:
            b = w.encode()
            p = b
            n = len(b)
        res.append(<long long> ck_md5_mod(<const unsigned char *> p, n, <uint64_t> m) + 1)
    return res


def md5_int(w):
    """int(md5(w.encode()).hexdigest(), 16) computed in C."""
    cdef unsigned char d[16]
    b = w.encode()
    if not isinstance(b, bytes):
        # any other buffer as hashlib takes it, and hashlib's own TypeError for
        # what it refuses (a str, say): only bytes has the layout read below
        return int.from_bytes(hashlib.md5(b).digest(), 'big')
    ck_md5(<const unsigned char *> (<bytes> b), len(b), d)
    return int.from_bytes((<char *> d)[:16], 'big')


def hash_mod_text(text, tab, long long m):
    """[hash(w) % m + 1 for w in words(text)] for ASCII text, or None
    (Python's salted str hash, so only stable within one process)."""
    _modulus(m)
    cdef _Scratch sc = _Scratch()
    cdef Py_ssize_t ntok = _split(sc, text, tab), k
    cdef Py_ssize_t h
    cdef long long r
    if ntok < 0:
        return None
    for k in range(ntok):
        w = _ascii_str(sc.buf + sc.spans[2 * k], sc.spans[2 * k + 1])
        h = PyObject_Hash(w)
        r = h % m
        if r < 0:
            r += m  # Python's % takes the sign of the divisor
        sc.out[k] = r + 1
    return _int_list(sc.out, ntok)


cdef class Vocab:
    """Byte-string vocabulary in C: counts, document counts, values.

    Keys are the UTF-8 bytes of str tokens, so key equality is str equality.
    Ids follow first insertion order.
    """
    cdef ck_vocab *v
    cdef _Scratch sc
    cdef int64_t doc
    cdef list ints        # ints[value] is the int object of value (or None)
    cdef public Py_ssize_t ntexts  # texts started by count_texts
    cdef int64_t maxval

    def __cinit__(self):
        self.v = ck_vocab_new()
        if self.v == NULL:
            raise MemoryError()
        self.sc = _Scratch()
        self.doc = 0

    def __dealloc__(self):
        ck_vocab_free(self.v)

    def __len__(self):
        return ck_vocab_size(self.v)

    def clear(self):
        """Forget every word."""
        ck_vocab_free(self.v)
        self.v = ck_vocab_new()
        if self.v == NULL:
            raise MemoryError()

    def count_texts(self, texts, tab, slow):
        """Count each text of the iterable as one document: ASCII str texts in
        C, any other through slow(text). Returns the number of texts."""
        cdef Py_ssize_t ntok, n = 0
        for text in texts:
            n += 1
            self.ntexts += 1
            ntok = _split(self.sc, text, tab) if tab is not None else -1
            if ntok < 0:
                slow(text)
                continue
            if ck_vocab_count_doc(self.v, self.sc.buf, self.sc.spans, ntok, self.doc) != 0:
                raise MemoryError()
            self.doc += 1
        return n

    def count_text(self, text, tab):
        """Count the words of ASCII text as one document; False if not handled."""
        cdef Py_ssize_t ntok = _split(self.sc, text, tab)
        if ntok < 0:
            return False
        if ck_vocab_count_doc(self.v, self.sc.buf, self.sc.spans, ntok, self.doc) != 0:
            raise MemoryError()
        self.doc += 1
        return True

    def count_tokens(self, tokens):
        """Count a list of str tokens as one document; False (nothing counted)
        when a token is not a str or has no UTF-8 form."""
        cdef list keys = []
        for w in tokens:
            if not PyUnicode_CheckExact(w):
                return False
            try:
                b = (<str> w).encode('utf-8')
            except UnicodeEncodeError:
                return False
            keys.append(b)
        cdef bytes joined = b"".join(keys)
        cdef Py_ssize_t ntok = len(keys), k, pos = 0
        self.sc.reserve(ntok + 1)
        for k in range(ntok):
            self.sc.spans[2 * k] = pos
            self.sc.spans[2 * k + 1] = len(<bytes> keys[k])
            pos += len(<bytes> keys[k])
        if ck_vocab_count_doc(self.v, <const unsigned char *> joined, self.sc.spans, ntok,
                              self.doc) != 0:
            raise MemoryError()
        self.doc += 1
        return True

    def items(self):
        """(words, counts, docs): three lists in first-seen order."""
        cdef size_t n = ck_vocab_size(self.v), k, ln
        cdef const unsigned char *p
        cdef int64_t *cnt = ck_vocab_counts(self.v)
        if cnt == NULL:
            raise MemoryError()
        counts = [cnt[k] for k in range(n)]
        cdef int64_t *docs = ck_vocab_docs(self.v)
        if docs == NULL:
            raise MemoryError()
        ndocs = [docs[k] for k in range(n)]
        words = []
        for k in range(n):
            p = ck_vocab_key(self.v, k, &ln)
            words.append(PyUnicode_DecodeUTF8(<const char *> p, ln, NULL))
        return words, counts, ndocs

    def set_value(self, word, long long value):
        """Map the str `word` to value (>= 0 kept, < 0 dropped at lookup)."""
        b = (<str> word).encode('utf-8', 'surrogatepass')
        cdef int64_t id = ck_vocab_intern(self.v, <const unsigned char *> (<bytes> b), len(b))
        if id < 0:
            raise MemoryError()
        ck_vocab_set_value(self.v, id, value)
        if value > self.maxval:
            self.maxval = value
        self.ints = None

    def set_values(self, words, long long start):
        """set_value(words[k], start + k) for each str of the list words."""
        cdef Py_ssize_t k, n = len(words), size
        cdef const char *src
        cdef int64_t id
        for k in range(n):
            w = words[k]
            if not PyUnicode_Check(w):
                raise TypeError(f"words must be str, got {type(w).__name__}")
            try:
                src = PyUnicode_AsUTF8AndSize(w, &size)
            except UnicodeEncodeError:
                b = (<str> w).encode('utf-8', 'surrogatepass')
                src = b
                size = len(b)
            id = ck_vocab_intern(self.v, <const unsigned char *> src, size)
            if id < 0:
                raise MemoryError()
            ck_vocab_set_value(self.v, id, start + k)
        if n and start + n - 1 > self.maxval:
            self.maxval = start + n - 1
        self.ints = None

    cdef object _values_list(self, Py_ssize_t m):
        cdef list ints = self.ints
        if ints is None and self.maxval < 4 * <int64_t> ck_vocab_size(self.v) + 1024:
            ints = self.ints = list(range(self.maxval + 1))
        if ints is None:
            return _int_list(self.sc.out, m)
        res = PyList_New(m)
        cdef Py_ssize_t k
        cdef int64_t val
        for k in range(m):
            val = self.sc.out[k]
            o = ints[val] if val <= self.maxval else PyLong_FromLongLong(val)
            Py_INCREF(o)
            PyList_SET_ITEM(res, k, o)
        return res

    def lookup_text(self, text, tab, long long unknown):
        """Values of the words of ASCII text (unknown words -> `unknown`, values
        < 0 dropped), or None when not handled."""
        cdef Py_ssize_t ntok = _split(self.sc, text, tab)
        if ntok < 0:
            return None
        cdef size_t m = ck_vocab_lookup(self.v, self.sc.buf, self.sc.spans, ntok, unknown,
                                        self.sc.out)
        return self._values_list(m)

    def lookup_texts(self, texts, tab, long long unknown, slow):
        """[lookup_text(t) for t in texts], with slow(t) for texts not handled."""
        cdef Py_ssize_t ntok
        cdef size_t m
        res = []
        for text in texts:
            ntok = _split(self.sc, text, tab)
            if ntok < 0:
                res.append(slow(text))
                continue
            m = ck_vocab_lookup(self.v, self.sc.buf, self.sc.spans, ntok, unknown,
                                self.sc.out)
            res.append(self._values_list(m))
        return res


    def count_docs(self, docs, table, bint chars, widths):
        """Count the n-grams of each str of docs (a list, or a 1-D NumPy str
        array, read in place) as one document.
        Tokens come from `tokenize` with `table`, each cut into characters
        when `chars`; `widths` lists the n-gram widths (>= 1), as `ngrams`.
        Returns the number of documents."""
        cdef _DocScratch sc = _DocScratch(table, widths)
        cdef Py_ssize_t d, ntok, ndocs = sc.bind(docs)
        for d in range(ndocs):
            ntok = sc.tokens(d, chars)
            if ck_vocab_count_ngrams(self.v, sc.buf, sc.spans, ntok, sc.widths, sc.nwidths,
                                     sc.key, self.doc) != 0:
                raise MemoryError()
            self.doc += 1
        return ndocs

    def lookup_docs(self, docs, table, bint chars, widths, long long unknown, width):
        """The values of the n-grams of each str of docs (as `count_docs`; unknown
        n-grams: `unknown`), one row per document: an int64 array of shape
        (len(docs), width), cut or zero-padded at the end, or with width
        None the pair (all values flat, int64 row lengths)."""
        cdef _DocScratch sc = _DocScratch(table, widths)
        cdef Py_ssize_t d, ntok, m, k, w = -1, ndocs = sc.bind(docs)
        cdef size_t total = 0, cap = 0, need
        cdef int64_t *flat = NULL
        cdef int64_t *tmp
        cdef int64_t[:, ::1] rows
        cdef int64_t[::1] lens
        if width is not None:
            w = width
            if w < 0:
                raise ValueError(f"width must be None or >= 0, got {width}")
            res = np.zeros((ndocs, w), dtype=np.int64)
            rows = res
        else:
            lengths = np.empty(ndocs, dtype=np.int64)
            lens = lengths
        try:
            for d in range(ndocs):
                ntok = sc.tokens(d, chars)
                need = ck_text_ngram_total(ntok, sc.widths, sc.nwidths)
                if w < 0 and total + need > cap:
                    cap = max(2 * cap, total + need, 1024)
                    tmp = <int64_t *> realloc(flat, cap * sizeof(int64_t))
                    if tmp == NULL:
                        raise MemoryError()
                    flat = tmp
                sc.out_reserve(need)
                m = <Py_ssize_t> ck_vocab_lookup_ngrams(
                    self.v, sc.buf, sc.spans, ntok, sc.widths, sc.nwidths, sc.key, unknown,
                    sc.out if w >= 0 else flat + total)
                if w >= 0:
                    if m > w:
                        m = w
                    for k in range(m):
                        rows[d, k] = sc.out[k]
                else:
                    lens[d] = m
                    total += m
            if w >= 0:
                return res
            ids = np.empty(total, dtype=np.int64)
            if total:
                lens = ids
                memcpy(&lens[0], flat, total * sizeof(int64_t))
            return ids, lengths
        finally:
            free(flat)


    def lookup_tokens(self, tokens, long long unknown):
        """The values of a list of str tokens as an int64 array (absent
        tokens: `unknown`); a str with lone surrogates is looked up by its
        'surrogatepass' bytes, as `set_value` stores it."""
        cdef Py_ssize_t k, n = len(tokens), size
        cdef const char *src
        cdef int64_t id
        res = np.empty(n, dtype=np.int64)
        cdef int64_t[::1] out = res
        for k in range(n):
            w = tokens[k]
            if not PyUnicode_Check(w):
                raise TypeError(f"tokens must be str, got {type(w).__name__}")
            try:
                src = PyUnicode_AsUTF8AndSize(w, &size)
            except UnicodeEncodeError:
                b = (<str> w).encode('utf-8', 'surrogatepass')
                src = b
                size = len(b)
            id = ck_vocab_find(self.v, <const unsigned char *> src, size)
            out[k] = unknown if id < 0 else ck_vocab_value(self.v, id)
        return res


# ------------------------------------------------ TextVectorization / Hashing

# Keras' DEFAULT_STRIP_REGEX class: ASCII punctuation only.
_PUNCTUATION = b'!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\''
# tf.strings.split with no separator: the ASCII whitespace of isspace.
_WHITESPACE = b' \t\n\x0b\x0c\r'


def token_table(lower, strip, whitespace):
    """The 256-entry uint16 table of `tokenize` (native byte order, as bytes):
    ASCII lower-casing (tf.strings.lower is ASCII-only), Keras' punctuation
    dropped, ASCII whitespace separating. Bytes >= 0x80 map to themselves."""
    cdef uint16_t tab[256]
    cdef int b
    for b in range(256):
        tab[b] = b + 32 if lower and 65 <= b <= 90 else b
    if strip:
        for b in _PUNCTUATION:
            tab[b] = CK_TOK_DROP
    if whitespace:
        for b in _WHITESPACE:
            tab[b] = CK_TOK_SEP
    return (<char *> tab)[:512]


def tokenize(docs, table):
    """The standardized tokens of each str in the list docs, as a list of lists
    of str (`token_table` gives table). Without separators in the table each
    document is one token. UnicodeEncodeError for a str that is not valid
    Unicode (lone surrogates); TypeError for an entry that is not a str."""
    if not isinstance(table, bytes) or len(table) != 512:
        raise ValueError("table must be the 512 bytes of token_table()")
    cdef const uint16_t *tab = <const uint16_t *> (<const char *> table)
    cdef _Scratch sc = _Scratch()
    cdef Py_ssize_t n, ntok, k, d, ndocs = len(docs)
    cdef const char *src
    res = PyList_New(ndocs)
    for d in range(ndocs):
        text = docs[d]
        if not PyUnicode_Check(text):
            raise TypeError(f"tokenize expects str documents, got {type(text).__name__}")
        src = PyUnicode_AsUTF8AndSize(text, &n)
        sc.reserve(n + 1)   # spans for the one empty token of an empty text
        with nogil:
            ntok = <Py_ssize_t> ck_text_tokenize(tab, <const unsigned char *> src, n, sc.buf,
                                                 sc.spans)
        toks = PyList_New(ntok)
        for k in range(ntok):
            w = PyUnicode_DecodeUTF8(<const char *> sc.buf + sc.spans[2 * k],
                                     sc.spans[2 * k + 1], "strict")
            Py_INCREF(w)
            PyList_SET_ITEM(toks, k, w)
        Py_INCREF(toks)
        PyList_SET_ITEM(res, d, toks)
    return res


cdef inline uint64_t _u64(object v, str what) except? 0:
    if not isinstance(v, int) or v < 0 or v >= 2 ** 64:
        raise ValueError(f"{what} must be an integer in [0, 2**64), got {v!r}")
    return <uint64_t> v


cdef const char *_token_bytes(object w, Py_ssize_t *size, str caller) except NULL:
    """The bytes a hash reads of token w: bytes as they are, str as UTF-8
    (valid while the caller holds w)."""
    if isinstance(w, bytes):
        size[0] = len(<bytes> w)
        return <const char *> (<bytes> w)
    if PyUnicode_Check(w):
        return PyUnicode_AsUTF8AndSize(w, size)
    raise TypeError(f"{caller} expects str or bytes tokens, got {type(w).__name__}")


def hash_buckets(tokens, long long m, salt, int64_t[::1] out):
    """out[k] = hash(tokens[k]) % m, the hash being FarmHash Fingerprint64
    (salt None) or SipHash-2-4 keyed by salt = (k0, k1). Tokens are str
    (hashed as UTF-8) or bytes; m >= 1; out holds len(tokens) entries."""
    _modulus(m)
    cdef Py_ssize_t k, n = len(tokens), size
    cdef const char *src
    cdef bint strong = salt is not None
    cdef uint64_t k0 = 0, k1 = 0, h
    if strong:
        if not isinstance(salt, (tuple, list)) or len(salt) != 2:
            raise ValueError(f"salt must be None or a pair of integers, got {salt!r}")
        k0 = _u64(salt[0], "salt[0]")
        k1 = _u64(salt[1], "salt[1]")
    if out.shape[0] != n:
        raise ValueError(f"out must hold {n} entries, got {out.shape[0]}")
    for k in range(n):
        w = tokens[k]
        src = _token_bytes(w, &size, "hash_buckets")
        if strong:
            h = ck_siphash24(k0, k1, <const unsigned char *> src, size)
        else:
            h = ck_farmhash64(<const unsigned char *> src, size)
        out[k] = <int64_t> (h % <uint64_t> m)


def fingerprint64(tokens, uint64_t[::1] out):
    """out[k] = FarmHash Fingerprint64 of tokens[k] (str hashed as UTF-8, or
    bytes): the raw 64-bit value, for callers that combine hashes."""
    cdef Py_ssize_t k, n = len(tokens), size
    cdef const char *src
    if out.shape[0] != n:
        raise ValueError(f"out must hold {n} entries, got {out.shape[0]}")
    for k in range(n):
        w = tokens[k]
        src = _token_bytes(w, &size, "fingerprint64")
        out[k] = ck_farmhash64(<const unsigned char *> src, size)

cdef class _DocScratch:
    """Buffers for the token stream of one document at a time: kept bytes,
    token spans, an n-gram key, looked-up values; and the widths."""
    cdef const uint16_t *tab
    cdef bytes table
    cdef object docs
    cdef const uint32_t *ucs4
    cdef Py_ssize_t ucs4_width
    cdef unsigned char *buf
    cdef unsigned char *key
    cdef size_t *spans
    cdef int64_t *out
    cdef int64_t *widths
    cdef size_t nwidths, cap, outcap

    def __cinit__(self, table, widths):
        if not isinstance(table, bytes) or len(table) != 512:
            raise ValueError("table must be the 512 bytes of token_table()")
        self.table = table
        self.tab = <const uint16_t *> (<const char *> self.table)
        widths = tuple(widths)
        if not widths:
            raise ValueError("widths must hold at least one n-gram width")
        self.widths = <int64_t *> malloc(len(widths) * sizeof(int64_t))
        if self.widths == NULL:
            raise MemoryError()
        for k, v in enumerate(widths):
            if not isinstance(v, int) or v < 1:
                raise ValueError(f"n-gram widths must be integers >= 1, got {widths!r}")
            self.widths[k] = v
        self.nwidths = len(widths)

    def __dealloc__(self):
        free(self.buf)
        free(self.key)
        free(self.spans)
        free(self.out)
        free(self.widths)

    cdef int reserve(self, size_t n) except -1:
        """Room for a document of n UTF-8 bytes."""
        if n <= self.cap:
            return 0
        cdef size_t cap = n if n > 2 * self.cap else 2 * self.cap
        free(self.buf)
        free(self.key)
        free(self.spans)
        self.buf = <unsigned char *> malloc(cap + 1)
        self.key = <unsigned char *> malloc(2 * cap + 2)
        self.spans = <size_t *> malloc((cap + 1) * 2 * sizeof(size_t))
        if self.buf == NULL or self.key == NULL or self.spans == NULL:
            self.cap = 0
            raise MemoryError()
        self.cap = cap
        return 0

    cdef int out_reserve(self, size_t n) except -1:
        if n <= self.outcap:
            return 0
        cdef size_t cap = n if n > 2 * self.outcap else 2 * self.outcap
        cdef void *p = realloc(self.out, cap * sizeof(int64_t))
        if p == NULL:
            raise MemoryError()
        self.out = <int64_t *> p
        self.outcap = cap
        return 0

    cdef Py_ssize_t bind(self, docs) except -1:
        """Read documents from docs: a list of str, or a 1-D NumPy str array
        (its UCS-4 elements are tokenized as UTF-8 in place, without making
        a str of each). Returns the number of documents."""
        cdef Py_ssize_t n
        self.docs = docs
        self.ucs4 = NULL
        if isinstance(docs, np.ndarray) and docs.dtype.kind == "U" and docs.ndim == 1:
            if not docs.dtype.isnative or not docs.flags.c_contiguous:
                docs = np.ascontiguousarray(docs, dtype=docs.dtype.newbyteorder("="))
            self.docs = docs
            self.ucs4_width = docs.dtype.itemsize // 4
            n = docs.shape[0]
            if n and self.ucs4_width:
                self.ucs4 = <const uint32_t *> <size_t> docs.__array_interface__["data"][0]
                self.reserve(4 * self.ucs4_width)
            return n
        if not isinstance(docs, list):
            raise TypeError(f"docs must be a list of str or a 1-D str array, got "
                            f"{type(docs).__name__}")
        return len(docs)

    cdef Py_ssize_t tokens(self, Py_ssize_t d, bint chars) except -1:
        """Standardize and split document d into buf/spans; the token count."""
        cdef Py_ssize_t n
        cdef ptrdiff_t nb
        cdef size_t ntok, kept
        cdef const char *src
        if self.ucs4 != NULL:
            nb = ck_text_tokenize_ucs4(self.tab, self.ucs4 + d * self.ucs4_width,
                                       self.ucs4_width, self.buf, self.spans)
            if nb < 0:
                str(self.docs[d]).encode("utf-8")   # Python's own UnicodeEncodeError
                raise AssertionError("ck_text_tokenize_ucs4 refused a valid str")
            ntok = <size_t> nb
            if chars:
                kept = self.spans[1] if ntok else 0
                ntok = ck_text_chars(self.buf, kept, self.spans)
            return <Py_ssize_t> ntok
        elif self.ucs4_width == 0 and isinstance(self.docs, np.ndarray):
            src = ""
            n = 0
        else:
            text = self.docs[d]
            if not PyUnicode_Check(text):
                raise TypeError(f"documents must be str, got {type(text).__name__}")
            src = PyUnicode_AsUTF8AndSize(text, &n)
            self.reserve(n + 1)
        ntok = ck_text_tokenize(self.tab, <const unsigned char *> src, n, self.buf, self.spans)
        if chars:
            kept = self.spans[1] if ntok else 0
            ntok = ck_text_chars(self.buf, kept, self.spans)
        return <Py_ssize_t> ntok


def bag_encode(int64_t[::1] ids, int64_t[::1] lengths, bint binary, floating[:, ::1] out):
    """Row d of out (zeros on entry) counts the ids of row d (the rows are
    consecutive runs of `lengths` ids); ids outside [0, out.shape[1]) are
    dropped; with binary, a 1 marks each id present instead."""
    cdef Py_ssize_t d, k, pos = 0, n = lengths.shape[0], depth = out.shape[1]
    cdef int64_t i
    if out.shape[0] != n:
        raise ValueError(f"out must have {n} rows, got {out.shape[0]}")
    for d in range(n):
        if lengths[d] < 0 or pos + lengths[d] > ids.shape[0]:
            raise ValueError("lengths must be >= 0 and sum to at most len(ids)")
        pos += lengths[d]
    pos = 0
    with nogil:
        for d in range(n):
            for k in range(pos, pos + lengths[d]):
                i = ids[k]
                if 0 <= i < depth:
                    if binary:
                        out[d, i] = 1
                    else:
                        out[d, i] += 1
            pos += lengths[d]
