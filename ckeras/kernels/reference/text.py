"""Python reference of the ASCII text kernels (ckeras/_ext/_text.pyx).

The same byte table (`make_table`) lower-cases and marks separators, here
through `bytes.translate`; every op declines (None or False) the input its
C twin declines: text that is not an exact ASCII `str`, or that holds a NUL
byte NUL does not separate. The hashing ops need a modulus `m >= 1`.
"""
import array
import hashlib

import numpy as np

from ckeras.kernels.checks import c_long_long

__all__ = ["make_table", "words", "md5_mod_text", "md5_mod_tokens", "md5_int", "hash_mod_text",
           "Vocab", "token_table", "tokenize", "hash_buckets", "fingerprint64", "bag_encode"]


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
    table = bytearray(range(256))
    if lower:
        table[65:91] = table[97:123]
    # A byte separates when its lower-cased form is a separator (Keras
    # lower-cases, then filters); NUL always maps to 0, the separator mark.
    table = bytes(0 if b in seps else b for b in table)
    return table, 0 in seps


def _split(text, tab):
    """The tokens of ASCII text as bytes, or None when the fast path does not
    apply."""
    if tab is not None and type(tab) is not tuple:
        raise TypeError(f"Expected tuple, got {type(tab).__name__}")
    if type(text) is not str or not text.isascii():
        return None
    if not tab[1] and "\x00" in text:
        return None
    table = tab[0]
    if type(table) is not bytes:
        raise TypeError(f"Expected bytes, got {type(table).__name__}")
    return [w for w in text.encode("ascii").translate(table).split(b"\x00") if w]


def words(text, tab):
    """text_to_word_sequence of ASCII text, or None."""
    toks = _split(text, tab)
    return None if toks is None else [w.decode("ascii") for w in toks]


def _modulus(m):
    m = c_long_long(m)
    if m < 1:
        raise ValueError(f"m must be >= 1, got {m}")
    return m


def _md5_mod(b, m):
    return int.from_bytes(hashlib.md5(b).digest(), "big") % m + 1


def md5_mod_text(text, tab, m):
    """[md5(w) % m + 1 for w in words(text)] for ASCII text, or None.
    Requires 1 <= m < 2**56."""
    m = _modulus(m)
    toks = _split(text, tab)
    return None if toks is None else [_md5_mod(w, m) for w in toks]


def md5_mod_tokens(tokens, m):
    """[md5(w.encode()) % m + 1 for w in tokens] for str tokens (1 <= m < 2**56);
    encoding errors are raised as by str.encode()."""
    m = _modulus(m)
    # a str subclass is hashed by its characters, whatever its encode() does
    return [_md5_mod(str.encode(w) if isinstance(w, str) else w.encode(), m) for w in tokens]


def md5_int(w):
    """int(md5(w.encode()).hexdigest(), 16) computed in C."""
    return int.from_bytes(hashlib.md5(w.encode()).digest(), "big")


def hash_mod_text(text, tab, m):
    """[hash(w) % m + 1 for w in words(text)] for ASCII text, or None
    (Python's salted str hash, so only stable within one process)."""
    m = _modulus(m)
    toks = _split(text, tab)
    if toks is None:
        return None
    return [hash(w.decode("ascii")) % m + 1 for w in toks]


class Vocab:
    """Byte-string vocabulary: counts, document counts, values.

    Keys are the UTF-8 bytes of str tokens, so key equality is str equality.
    Ids follow first insertion order.
    """

    def __init__(self):
        self._ids = {}       # key bytes -> id
        self._counts = []
        self._docs = []
        self._values = []
        self._last_doc = []  # the last document that counted each id
        self._doc = 0
        self.ntexts = 0      # texts started by count_texts

    def __len__(self):
        return len(self._ids)

    def clear(self):
        """Forget every word."""
        self._ids, self._counts, self._docs = {}, [], []
        self._values, self._last_doc = [], []

    def _intern(self, key):
        i = self._ids.get(key)
        if i is None:
            i = self._ids[key] = len(self._counts)
            self._counts.append(0)
            self._docs.append(0)
            self._values.append(-1)
            self._last_doc.append(-1)
        return i

    def _count_doc(self, keys):
        for key in keys:
            i = self._intern(key)
            self._counts[i] += 1
            if self._last_doc[i] != self._doc:
                self._last_doc[i] = self._doc
                self._docs[i] += 1
        self._doc += 1

    def count_texts(self, texts, tab, slow):
        """Count each text of the iterable as one document: ASCII str texts
        here, any other through slow(text). Returns the number of texts."""
        n = 0
        for text in texts:
            n += 1
            self.ntexts += 1
            toks = _split(text, tab) if tab is not None else None
            if toks is None:
                slow(text)
                continue
            self._count_doc(toks)
        return n

    def count_text(self, text, tab):
        """Count the words of ASCII text as one document; False if not handled."""
        toks = _split(text, tab)
        if toks is None:
            return False
        self._count_doc(toks)
        return True

    def count_tokens(self, tokens):
        """Count a list of str tokens as one document; False (nothing counted)
        when a token is not a str or has no UTF-8 form."""
        keys = []
        for w in tokens:
            if type(w) is not str:
                return False
            try:
                keys.append(w.encode("utf-8"))
            except UnicodeEncodeError:
                return False
        self._count_doc(keys)
        return True

    def items(self):
        """(words, counts, docs): three lists in first-seen order."""
        return ([key.decode("utf-8") for key in self._ids], list(self._counts),
                list(self._docs))

    def set_value(self, word, value):
        """Map the str `word` to value (>= 0 kept, < 0 dropped at lookup)."""
        value = c_long_long(value)
        self._values[self._intern(str.encode(word, "utf-8", "surrogatepass"))] = value

    def set_values(self, words, start):
        """set_value(words[k], start + k) for each str of the list words."""
        start = c_long_long(start)
        for k, w in enumerate(words):
            if not isinstance(w, str):
                raise TypeError(f"words must be str, got {type(w).__name__}")
            self.set_value(w, start + k)

    def _lookup(self, toks, unknown):
        res = []
        for key in toks:
            i = self._ids.get(key)
            r = unknown if i is None else self._values[i]
            if r >= 0:
                res.append(r)
        return res

    def count_docs(self, docs, table, chars, widths):
        """Count the n-grams of each str of docs (a list, or a 1-D NumPy str
        array, read in place) as one document.
        Tokens come from `tokenize` with `table`, each cut into characters
        when `chars`; `widths` lists the n-gram widths (>= 1), as `ngrams`.
        Returns the number of documents."""
        rows = doc_ngrams(docs, table, chars, widths)
        for grams in rows:
            self._count_doc([g.encode("utf-8") for g in grams])
        return len(rows)

    def lookup_docs(self, docs, table, chars, widths, unknown, width):
        """The values of the n-grams of each str of docs (as `count_docs`; unknown
        n-grams: `unknown`), one row per document: an int64 array of shape
        (len(docs), width), cut or zero-padded at the end, or with width
        None the pair (all values flat, int64 row lengths)."""
        unknown = c_long_long(unknown)
        if width is not None and width < 0:
            raise ValueError(f"width must be None or >= 0, got {width}")
        rows = []
        for grams in doc_ngrams(docs, table, chars, widths):
            ids = [self._ids.get(g.encode("utf-8")) for g in grams]
            rows.append([unknown if i is None else self._values[i] for i in ids])
        if width is not None:
            out = np.zeros((len(rows), width), dtype=np.int64)
            for d, r in enumerate(rows):
                r = r[:width]
                out[d, :len(r)] = r
            return out
        flat = np.array([v for r in rows for v in r], dtype=np.int64)
        return flat, np.array([len(r) for r in rows], dtype=np.int64)

    def lookup_tokens(self, tokens, unknown):
        """The values of a list of str tokens as an int64 array (absent
        tokens: `unknown`); a str with lone surrogates is looked up by its
        'surrogatepass' bytes, as `set_value` stores it."""
        unknown = c_long_long(unknown)
        out = np.empty(len(tokens), dtype=np.int64)
        for k, w in enumerate(tokens):
            if not isinstance(w, str):
                raise TypeError(f"tokens must be str, got {type(w).__name__}")
            i = self._ids.get(str.encode(w, "utf-8", "surrogatepass"))
            out[k] = unknown if i is None else self._values[i]
        return out

    def lookup_text(self, text, tab, unknown):
        """Values of the words of ASCII text (unknown words -> `unknown`, values
        < 0 dropped), or None when not handled."""
        unknown = c_long_long(unknown)
        toks = _split(text, tab)
        return None if toks is None else self._lookup(toks, unknown)

    def lookup_texts(self, texts, tab, unknown, slow):
        """[lookup_text(t) for t in texts], with slow(t) for texts not handled."""
        unknown = c_long_long(unknown)
        res = []
        for text in texts:
            toks = _split(text, tab)
            res.append(slow(text) if toks is None else self._lookup(toks, unknown))
        return res


# ------------------------------------------------ TextVectorization / Hashing

_PUNCTUATION = b'!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\''
_WHITESPACE = b" \t\n\x0b\x0c\r"
TOK_DROP = 256
TOK_SEP = 257
_M64 = (1 << 64) - 1


def token_table(lower, strip, whitespace):
    """The 256-entry uint16 table of `tokenize` (native byte order, as bytes):
    ASCII lower-casing, Keras' punctuation dropped, ASCII whitespace
    separating; bytes >= 0x80 map to themselves."""
    tab = array.array("H", range(256))
    if lower:
        tab[65:91] = array.array("H", range(97, 123))
    if strip:
        for b in _PUNCTUATION:
            tab[b] = TOK_DROP
    if whitespace:
        for b in _WHITESPACE:
            tab[b] = TOK_SEP
    return tab.tobytes()


def tokenize(docs, table):
    """The standardized tokens of each str in docs (a list of lists of str)."""
    if not isinstance(table, bytes) or len(table) != 512:
        raise ValueError("table must be the 512 bytes of token_table()")
    tab = array.array("H")
    tab.frombytes(table)
    any_sep = TOK_SEP in tab
    res = []
    for text in docs:
        if not isinstance(text, str):
            raise TypeError(f"tokenize expects str documents, got {type(text).__name__}")
        toks, cur, in_tok = [], bytearray(), False
        for b in text.encode("utf-8"):
            t = tab[b]
            if t == TOK_DROP:
                continue
            if t == TOK_SEP:
                if in_tok:
                    toks.append(cur.decode("utf-8"))
                    cur, in_tok = bytearray(), False
                continue
            cur.append(t)
            in_tok = True
        if in_tok or not any_sep:
            toks.append(cur.decode("utf-8"))
        res.append(toks)
    return res


def _rotr(v, s):
    return v if s == 0 else ((v >> s) | (v << (64 - s))) & _M64


_K0, _K1, _K2 = 0xc3a5c85c97cb3127, 0xb492b66fbe98f273, 0x9ae16a3b2f90404f


def _le(s, i, n=8):
    return int.from_bytes(s[i:i + n], "little")


def _len16(u, v, mul):
    a = ((u ^ v) * mul) & _M64
    a ^= a >> 47
    b = ((v ^ a) * mul) & _M64
    b ^= b >> 47
    return (b * mul) & _M64


def _weak32(s, i, a, b):
    w, x, y, z = _le(s, i), _le(s, i + 8), _le(s, i + 16), _le(s, i + 24)
    a = (a + w) & _M64
    b = _rotr((b + a + z) & _M64, 21)
    c = a
    a = (a + x + y) & _M64
    b = (b + _rotr(a, 44)) & _M64
    return [(a + z) & _M64, (b + c) & _M64]


def farmhash64(s):
    """FarmHash Fingerprint64 (farmhashna::Hash64) of the bytes s."""
    n, m = len(s), _M64
    if n <= 16:
        if n >= 8:
            mul = _K2 + n * 2
            a, b = (_le(s, 0) + _K2) & m, _le(s, n - 8)
            c = (_rotr(b, 37) * mul + a) & m
            d = ((_rotr(a, 25) + b) * mul) & m
            return _len16(c, d, mul)
        if n >= 4:
            return _len16(n + (_le(s, 0, 4) << 3), _le(s, n - 4, 4), _K2 + n * 2)
        if n > 0:
            y = s[0] + (s[n >> 1] << 8)
            z = n + (s[n - 1] << 2)
            v = ((y * _K2) ^ (z * _K0)) & m
            return ((v ^ (v >> 47)) * _K2) & m
        return _K2
    mul = _K2 + n * 2
    if n <= 32:
        a, b = (_le(s, 0) * _K1) & m, _le(s, 8)
        c, d = (_le(s, n - 8) * mul) & m, (_le(s, n - 16) * _K2) & m
        return _len16((_rotr((a + b) & m, 43) + _rotr(c, 30) + d) & m,
                      (a + _rotr((b + _K2) & m, 18) + c) & m, mul)
    if n <= 64:
        a, b = (_le(s, 0) * _K2) & m, _le(s, 8)
        c, d = (_le(s, n - 8) * mul) & m, (_le(s, n - 16) * _K2) & m
        y = (_rotr((a + b) & m, 43) + _rotr(c, 30) + d) & m
        z = _len16(y, (a + _rotr((b + _K2) & m, 18) + c) & m, mul)
        e, f = (_le(s, 16) * mul) & m, _le(s, 24)
        g, h = ((y + _le(s, n - 32)) * mul) & m, ((z + _le(s, n - 24)) * mul) & m
        return _len16((_rotr((e + f) & m, 43) + _rotr(g, 30) + h) & m,
                      (e + _rotr((f + a) & m, 18) + g) & m, mul)
    x, y = 81, (81 * _K1 + 113) & m
    z = (y * _K2 + 113) & m
    z = ((z ^ (z >> 47)) * _K2) & m
    v, w = [0, 0], [0, 0]
    x = (x * _K2 + _le(s, 0)) & m
    end, last = ((n - 1) // 64) * 64, ((n - 1) // 64) * 64 + ((n - 1) & 63) - 63
    i = 0
    while True:
        x = (_rotr((x + y + v[0] + _le(s, i + 8)) & m, 37) * _K1) & m
        y = (_rotr((y + v[1] + _le(s, i + 48)) & m, 42) * _K1) & m
        x ^= w[1]
        y = (y + v[0] + _le(s, i + 40)) & m
        z = (_rotr((z + w[0]) & m, 33) * _K1) & m
        v = _weak32(s, i, (v[1] * _K1) & m, (x + w[0]) & m)
        w = _weak32(s, i + 32, (z + w[1]) & m, (y + _le(s, i + 16)) & m)
        z, x = x, z
        i += 64
        if i == end:
            break
    mul = _K1 + ((z & 0xff) << 1)
    i = last
    w[0] = (w[0] + ((n - 1) & 63)) & m
    v[0] = (v[0] + w[0]) & m
    w[0] = (w[0] + v[0]) & m
    x = (_rotr((x + y + v[0] + _le(s, i + 8)) & m, 37) * mul) & m
    y = (_rotr((y + v[1] + _le(s, i + 48)) & m, 42) * mul) & m
    x ^= (w[1] * 9) & m
    y = (y + v[0] * 9 + _le(s, i + 40)) & m
    z = (_rotr((z + w[0]) & m, 33) * mul) & m
    v = _weak32(s, i, (v[1] * mul) & m, (x + w[0]) & m)
    w = _weak32(s, i + 32, (z + w[1]) & m, (y + _le(s, i + 16)) & m)
    z, x = x, z
    return _len16((_len16(v[0], w[0], mul) + (y ^ (y >> 47)) * _K0 + z) & m,
                  (_len16(v[1], w[1], mul) + x) & m, mul)


def _rotl(v, b):
    return ((v << b) | (v >> (64 - b))) & _M64


def siphash24(k0, k1, s):
    """SipHash-2-4 of the bytes s under the key (k0, k1)."""
    v = [k0 ^ 0x736f6d6570736575, k1 ^ 0x646f72616e646f6d,
         k0 ^ 0x6c7967656e657261, k1 ^ 0x7465646279746573]

    def rounds(r):
        for _ in range(r):
            v[0] = (v[0] + v[1]) & _M64
            v[1] = _rotl(v[1], 13) ^ v[0]
            v[0] = _rotl(v[0], 32)
            v[2] = (v[2] + v[3]) & _M64
            v[3] = _rotl(v[3], 16) ^ v[2]
            v[0] = (v[0] + v[3]) & _M64
            v[3] = _rotl(v[3], 21) ^ v[0]
            v[2] = (v[2] + v[1]) & _M64
            v[1] = _rotl(v[1], 17) ^ v[2]
            v[2] = _rotl(v[2], 32)

    full = len(s) & ~7
    for i in range(0, full, 8):
        word = _le(s, i)
        v[3] ^= word
        rounds(2)
        v[0] ^= word
    last = ((len(s) & 0xff) << 56) | int.from_bytes(s[full:], "little")
    v[3] ^= last
    rounds(2)
    v[0] ^= last
    v[2] ^= 0xff
    rounds(4)
    return v[0] ^ v[1] ^ v[2] ^ v[3]


def _u64(v, what):
    if not isinstance(v, int) or v < 0 or v >= 2 ** 64:
        raise ValueError(f"{what} must be an integer in [0, 2**64), got {v!r}")
    return v


def _token_bytes(w, caller):
    """The bytes a hash reads of token w: bytes as they are, str as UTF-8."""
    if isinstance(w, str):
        return w.encode("utf-8")
    if not isinstance(w, bytes):
        raise TypeError(f"{caller} expects str or bytes tokens, got {type(w).__name__}")
    return w


def hash_buckets(tokens, m, salt, out):
    """out[k] = hash(tokens[k]) % m: FarmHash Fingerprint64 (salt None) or
    SipHash-2-4 keyed by salt = (k0, k1); str tokens hash as UTF-8."""
    m = c_long_long(m)
    if m < 1:
        raise ValueError(f"m must be >= 1, got {m}")
    if salt is not None:
        if not isinstance(salt, (tuple, list)) or len(salt) != 2:
            raise ValueError(f"salt must be None or a pair of integers, got {salt!r}")
        k0, k1 = _u64(salt[0], "salt[0]"), _u64(salt[1], "salt[1]")
    if len(out) != len(tokens):
        raise ValueError(f"out must hold {len(tokens)} entries, got {len(out)}")
    for k, w in enumerate(tokens):
        w = _token_bytes(w, "hash_buckets")
        h = farmhash64(w) if salt is None else siphash24(k0, k1, w)
        out[k] = h % m


def fingerprint64(tokens, out):
    """out[k] = FarmHash Fingerprint64 of tokens[k] (str as UTF-8, or bytes)."""
    if len(out) != len(tokens):
        raise ValueError(f"out must hold {len(tokens)} entries, got {len(out)}")
    for k, w in enumerate(tokens):
        out[k] = farmhash64(_token_bytes(w, "fingerprint64"))

def doc_ngrams(docs, table, chars, widths):
    """TextVectorization's token stream of each str of docs, as lists of str:
    the tokens of `tokenize`, cut into code points when `chars`, then the
    n-grams of each width in turn, joined by ' ' (tf.strings.ngrams)."""
    if isinstance(docs, np.ndarray) and docs.dtype.kind == "U" and docs.ndim == 1:
        docs = docs.tolist()
    elif not isinstance(docs, list):
        raise TypeError(f"docs must be a list of str or a 1-D str array, got "
                        f"{type(docs).__name__}")
    widths = tuple(widths)
    if not widths or any(not isinstance(w, int) or w < 1 for w in widths):
        raise ValueError(f"n-gram widths must be integers >= 1, got {widths!r}")
    out = []
    for toks in tokenize(docs, table):
        if chars:
            toks = list(toks[0]) if toks else []
        grams = []
        for w in widths:
            grams.extend(" ".join(toks[i:i + w]) for i in range(len(toks) - w + 1))
        out.append(grams)
    return out


def bag_encode(ids, lengths, binary, out):
    """Row d of out (zeros on entry) counts the ids of row d (the rows are
    consecutive runs of `lengths` ids); ids outside [0, out.shape[1]) are
    dropped; with binary, a 1 marks each id present instead."""
    lengths = np.asarray(lengths, dtype=np.int64)
    if out.shape[0] != len(lengths):
        raise ValueError(f"out must have {len(lengths)} rows, got {out.shape[0]}")
    if (lengths < 0).any() or lengths.sum() > len(ids):
        raise ValueError("lengths must be >= 0 and sum to at most len(ids)")
    pos = 0
    for d, n in enumerate(lengths.tolist()):
        for i in ids[pos:pos + n].tolist():
            if 0 <= i < out.shape[1]:
                out[d, i] = 1 if binary else out[d, i] + 1
        pos += n
