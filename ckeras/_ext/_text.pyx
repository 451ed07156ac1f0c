"""ASCII fast path of ckeras.preprocessing.text.

A 256-byte table (from `make_table`) lower-cases and marks separators; the
C kernels split, count, look up and hash mapped bytes without creating a
Python object per token. Every function returns None (or False) for input
it does not handle — non-ASCII text, text with a NUL byte that is not a
separator — and the caller then runs the pure-Python reference, so results
always equal Keras'.
"""
import hashlib

from libc.stdint cimport int64_t, uint16_t, uint64_t
from libc.stdlib cimport malloc, free, realloc
from libc.string cimport memcpy, memchr
from cpython.list cimport PyList_New, PyList_SET_ITEM
from cpython.ref cimport Py_INCREF

from ckeras._ext.ck_text cimport (
    ck_md5, ck_md5_mod, ck_text_make_map, ck_text_split, ck_vocab, ck_vocab_count_doc,
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
        if isinstance(w, bytes):
            src = w
            size = len(<bytes> w)
        elif PyUnicode_Check(w):
            src = PyUnicode_AsUTF8AndSize(w, &size)
        else:
            raise TypeError(f"hash_buckets expects str or bytes tokens, got {type(w).__name__}")
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
        if isinstance(w, bytes):
            src = w
            size = len(<bytes> w)
        elif PyUnicode_Check(w):
            src = PyUnicode_AsUTF8AndSize(w, &size)
        else:
            raise TypeError(f"fingerprint64 expects str or bytes tokens, got {type(w).__name__}")
        out[k] = ck_farmhash64(<const unsigned char *> src, size)
