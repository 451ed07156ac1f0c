"""Python reference of the ASCII text kernels (ckeras/_ext/_text.pyx).

The same byte table (`make_table`) lower-cases and marks separators, here
through `bytes.translate`; every op declines (None or False) the input its
C twin declines: text that is not an exact ASCII `str`, or that holds a NUL
byte NUL does not separate. The hashing ops need a modulus `m >= 1`.
"""
import hashlib

from ckeras.kernels.checks import c_long_long

__all__ = ["make_table", "words", "md5_mod_text", "md5_mod_tokens", "md5_int", "hash_mod_text",
           "Vocab"]


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

    def _lookup(self, toks, unknown):
        res = []
        for key in toks:
            i = self._ids.get(key)
            r = unknown if i is None else self._values[i]
            if r >= 0:
                res.append(r)
        return res

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
