"""Text kernels: C (ckeras._ext._text) against the Python reference, and both
against hashlib and Python's own str methods: byte tables, splitting, MD5 and
str-hash moduli, the vocabulary, the input each declines, bad arguments."""
import hashlib
import json
import pathlib
import random
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ckeras.kernels.reference import text as ref

tx = pytest.importorskip("ckeras._ext._text")

IMPLS = {"c": tx, "numpy": ref}
DEFAULT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'


def _md5(w):
    return int(hashlib.md5(w.encode()).hexdigest(), 16)


def _keras_words(text, filters, lower, split):
    """Keras' text_to_word_sequence."""
    if lower:
        text = text.lower()
    text = text.translate(str.maketrans({c: split for c in filters}))
    return [t for t in text.split(split) if t]


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("n", list(range(0, 130)) + [1000, 4096, 10000])
def test_md5_matches_hashlib(impl, n):
    rng = random.Random(n)
    w = "".join(rng.choice("abcdefghij KLM!é") for _ in range(n))
    assert IMPLS[impl].md5_int(w) == _md5(w)


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("m", [1, 2, 3, 9, 2 ** 31 - 1, 2 ** 40 + 7, 2 ** 56 - 1])
def test_md5_mod(impl, m):
    k = IMPLS[impl]
    tab = k.make_table(DEFAULT_FILTERS, True, " ")
    text = "The cat, the DOG! x" + "y" * 70
    toks = ["the", "cat", "the", "dog", "x" + "y" * 70]
    want = [_md5(w) % m + 1 for w in toks]
    assert k.md5_mod_text(text, tab, m) == want
    assert k.md5_mod_tokens(toks, m) == want
    assert k.md5_mod_tokens(["é"], m) == [_md5("é") % m + 1]
    assert k.md5_mod_text("é x", tab, m) is None  # non-ASCII: the caller's path
    with pytest.raises(UnicodeEncodeError):
        k.md5_mod_tokens(["\ud800"], m)


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("m", [1, 2, 97, 2 ** 61 - 1])
def test_hash_mod_text(impl, m):
    k = IMPLS[impl]
    tab = k.make_table(DEFAULT_FILTERS, True, " ")
    text = "The cat, the DOG! -1 " + "z" * 40
    assert k.hash_mod_text(text, tab, m) == [hash(w) % m + 1 for w in
                                             _keras_words(text, DEFAULT_FILTERS, True, " ")]
    assert k.hash_mod_text("naïve", tab, m) is None


@pytest.mark.parametrize("impl", IMPLS)
def test_make_table_declines(impl):
    k = IMPLS[impl]
    assert k.make_table(DEFAULT_FILTERS, True, "::") is None
    assert k.make_table(["ab"], True, " ") is None
    assert k.make_table(DEFAULT_FILTERS, True, "") is None
    assert k.make_table(DEFAULT_FILTERS, True, 1) is None
    tab = k.make_table("", False, ",")
    assert k.words("Ab,,c d", tab) == ["Ab", "c d"]
    assert k.words("é,x", tab) is None     # non-ASCII: caller's Python path
    assert k.words("a\x00b", tab) is None  # NUL that does not separate
    assert k.words(b"a,b", tab) is None    # not a str

    class Str(str):
        pass

    assert k.words(Str("a,b"), tab) is None  # not exactly a str
    tab0 = k.make_table("\x00", False, " ")
    assert k.words("a\x00b c", tab0) == ["a", "b", "c"]


TABLE_ARGS = [(DEFAULT_FILTERS, True, " "), (DEFAULT_FILTERS, False, " "), ("", True, ","),
              ("aXé", True, "b"), ("AX", False, "x"), (["!", "\x00"], True, "é"),
              ("", False, "\x00"), (tuple("\t\n"), True, "\n"), ("é", False, " ")]


@pytest.mark.parametrize("args", TABLE_ARGS, ids=repr)
def test_make_table_same_table(args):
    c, r = tx.make_table(*args), ref.make_table(*args)
    assert type(c[0]) is type(r[0]) is bytes and len(r[0]) == 256
    assert c == r


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(st.text(st.characters(max_codepoint=127), max_size=40),
                      st.text(st.sampled_from(list("aBc ,.!\x00\t\né")), max_size=30)),
       args=st.sampled_from(TABLE_ARGS), m=st.sampled_from([1, 7, 2 ** 55 + 3]))
def test_ops_equal_on_any_text(text, args, m):
    tab = tx.make_table(*args)
    got = {name: (k.words(text, tab), k.md5_mod_text(text, tab, m),
                  k.hash_mod_text(text, tab, m)) for name, k in IMPLS.items()}
    assert got["c"] == got["numpy"]
    words = got["c"][0]
    if words is not None:  # what the ops handle, they handle as Keras does
        assert words == _keras_words(text, *args)
        assert got["c"][1] == [_md5(w) % m + 1 for w in words]
    else:
        assert not text.isascii() or ("\x00" in text and not tab[1])


def _vocab_story(V, tab):
    """A fixed sequence of Vocab calls; returns everything they gave."""
    v = V()
    log = [len(v), v.count_text("b a b", tab), v.count_text("A c", tab),
           v.count_text("ü", tab), v.count_tokens(["ü", "b", "ü"]),
           v.count_tokens(["x", 3]), v.count_tokens(["\ud800"]), v.items()]
    seen = []
    log.append(v.count_texts(["d d", "é e", ("t", "u"), ""], tab, seen.append))
    log += [seen, v.ntexts, v.items()]
    many = [f"w{i}" for i in range(3000)] + ["x" * 40, "y" * 17]
    log += [v.count_tokens(many), len(v)]
    v.clear()
    log += [len(v), v.items(), v.ntexts, v.count_text("q q", tab), v.items()]
    lk = V()
    for i, w in enumerate(many):
        lk.set_value(w, i + 1 if i % 3 else -1)
    lk.set_value("w1", 77)
    log.append(lk.lookup_text("w1 w3 nope w2999 " + "X" * 40, tab, 0))
    log.append(lk.lookup_text("w1 nope", tab, -5))
    log.append(lk.lookup_text("né", tab, 0))
    log.append(lk.lookup_texts(["w2", "é", "w4 w5"], tab, 7, lambda t: "slow"))
    big = V()
    big.set_value("a", 2 ** 62)
    big.set_value("b", 0)
    log.append(big.lookup_text("b a zz", tab, 2 ** 63 - 1))
    log.append(len(big))
    return log


def test_vocab_c_equals_reference():
    tab = tx.make_table(DEFAULT_FILTERS, True, " ")
    c, r = _vocab_story(tx.Vocab, tab), _vocab_story(ref.Vocab, tab)
    assert c == r
    assert c[7] == (["b", "a", "c", "ü"], [3, 2, 1, 2], [2, 2, 1, 1])
    assert c[8:12] == [4, ["é e", ("t", "u")], 4,
                       (["b", "a", "c", "ü", "d"], [3, 2, 1, 2, 2], [2, 2, 1, 1, 1])]
    assert c[-6] == [77, 0, 3000]  # "x" * 40 has id 3000: its value -1 drops it


@settings(max_examples=150, deadline=None)
@given(docs=st.lists(st.lists(st.sampled_from(["a", "b", "B", "é", "\ud800", "a b", 3]),
                              max_size=6), max_size=8))
def test_vocab_counts_equal_on_any_tokens(docs):
    vs = {name: k.Vocab() for name, k in IMPLS.items()}
    for name, v in vs.items():
        vs[name] = (v, [v.count_tokens(d) for d in docs])
    assert vs["c"][1] == vs["numpy"][1]
    assert vs["c"][0].items() == vs["numpy"][0].items()


def _error(fn, *args):
    with pytest.raises(Exception) as info:
        fn(*args)
    return type(info.value), str(info.value)


TAB = tx.make_table(DEFAULT_FILTERS, True, " ")
BAD_CALLS = [
    ("md5_mod_text", ("a b", TAB, "3")),
    ("md5_mod_text", ("a b", TAB, None)),
    ("md5_mod_text", ("a b", TAB, 2 ** 64)),
    ("md5_mod_text", ("a b", TAB, float("nan"))),
    ("md5_mod_text", ("a b", [TAB[0], False], 3)),
    ("md5_mod_tokens", (["a", 1], 3)),
    ("md5_mod_tokens", (5, 3)),
    ("hash_mod_text", ("a", TAB, float("inf"))),
    ("words", ("a b", list(TAB))),
    ("words", ("a b", None)),
    ("make_table", (5, True, " ")),
    ("md5_int", (5,)),
    # m < 1: C divided by zero (SIGFPE) or wrapped a negative m around
    ("md5_mod_text", ("a b", TAB, 0)),
    ("md5_mod_text", ("a b", TAB, -1)),
    ("md5_mod_text", ("é b", TAB, 0)),      # refused before the text is looked at
    ("md5_mod_tokens", (["a"], 0)),
    ("md5_mod_tokens", (["a"], -(2 ** 63))),
    ("md5_mod_tokens", ([], 0)),
    ("hash_mod_text", ("a", TAB, 0)),
    ("hash_mod_text", ("a b", TAB, -5)),
    ("hash_mod_text", ("é", TAB, 0)),
]


@pytest.mark.parametrize("op,args", BAD_CALLS, ids=[f"{op}-{i}" for i, (op, _) in
                                                      enumerate(BAD_CALLS)])
def test_same_errors(op, args):
    got = {name: _error(getattr(k, op), *args) for name, k in IMPLS.items()}
    assert got["c"] == got["numpy"]


@pytest.mark.parametrize("impl", IMPLS)
def test_same_argument_conversions(impl):
    k = IMPLS[impl]
    # C integer arguments take what Cython takes: floats truncate, bools count
    assert k.md5_mod_text("a", TAB, 2.9) == k.md5_mod_text("a", TAB, 2)
    assert k.md5_mod_tokens(["a"], np.int64(5)) == k.md5_mod_tokens(["a"], 5)
    v = k.Vocab()
    v.set_value("a", True)
    assert v.lookup_text("a", TAB, 0) == [1]
    for bad, err in ((2 ** 63, OverflowError), ("1", TypeError)):
        with pytest.raises(err):
            v.set_value("b", bad)
        with pytest.raises(err):
            v.lookup_text("a", TAB, bad)


@pytest.mark.parametrize("impl", IMPLS)
def test_modulus_below_one_is_refused(impl):
    # (the public functions never pass m < 1: hashing_trick refuses n < 2)
    k = IMPLS[impl]
    for op, args in (("md5_mod_text", ("a", TAB)), ("md5_mod_tokens", (["a"],)),
                     ("hash_mod_text", ("a", TAB))):
        for m in (0, -1, -3, -(2 ** 63)):
            with pytest.raises(ValueError, match=f"m must be >= 1, got {m}"):
                getattr(k, op)(*args, m)


class _Encodes(str):
    """A str whose encode() returns something else (as an analyzer's token
    type may)."""

    def __new__(cls, text, encoded):
        self = super().__new__(cls, text)
        self.encoded = encoded
        return self

    def encode(self, *args, **kwargs):
        return self.encoded


@pytest.mark.parametrize("impl", IMPLS)
def test_md5_int_hashes_what_encode_returns(impl):
    """md5_int(w) is md5 of w.encode(), whatever buffer that is; a str or a
    non-buffer is refused with hashlib's TypeError (C read a str's object
    memory as bytes)."""
    k = IMPLS[impl]
    data = b"some bytes \x00\xff"
    want = int(hashlib.md5(data).hexdigest(), 16)
    for encoded in (data, bytearray(data), memoryview(data)):
        assert k.md5_int(_Encodes("unrelated", encoded)) == want
    for encoded in ("a str", 12345, None):
        with pytest.raises(TypeError):
            k.md5_int(_Encodes("x", encoded))
    assert _error(tx.md5_int, _Encodes("x", "a str")) == \
        _error(ref.md5_int, _Encodes("x", "a str"))


# ------------------------------------------------ TextVectorization / Hashing
_HASHES = json.loads((pathlib.Path(__file__).resolve().parents[1] / "fixtures"
                       / "preprocessing_text" / "hashes.json").read_text())


def _tv_tokens(text, lower, strip, whitespace):
    """TextVectorization's standardize + split, from tf-keras' definition:
    ASCII lower-casing, the punctuation regex removed, ASCII-whitespace split."""
    if lower:
        text = "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in text)
    if strip:
        text = re.sub(r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']', "", text)
    if whitespace:
        return [t for t in re.split("[ \t\n\x0b\x0c\r]", text) if t]
    return [text]



@pytest.mark.parametrize("impl", IMPLS)
def test_token_table_agrees(impl):
    for flags in [(a, b, c) for a in (0, 1) for b in (0, 1) for c in (0, 1)]:
        assert IMPLS[impl].token_table(*flags) == tx.token_table(*flags)


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("flags", [(1, 1, 1), (1, 0, 1), (0, 1, 1), (0, 0, 1), (1, 1, 0),
                                   (0, 0, 0)])
def test_tokenize_matches_definition(impl, flags):
    k = IMPLS[impl]
    tab = k.token_table(*flags)
    docs = ["The Cat sat.", "ÀBC déf! the-cat's", "", "   ", "a\tb\nc\x0bd\x0ce\rf",
            "non\u00a0breaking\x1cfs", "x" * 300 + " Y", "日本語 テキスト!", "\x00nul ok"]
    assert k.tokenize(docs, tab) == [_tv_tokens(d, *flags) for d in docs]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40),
                max_size=6),
       st.tuples(st.booleans(), st.booleans(), st.booleans()))
def test_tokenize_c_equals_reference(docs, flags):
    assert tx.tokenize(docs, tx.token_table(*flags)) == \
        ref.tokenize(docs, ref.token_table(*flags))
    assert tx.tokenize(docs, tx.token_table(*flags)) == [_tv_tokens(d, *flags) for d in docs]


@pytest.mark.parametrize("impl", IMPLS)
def test_tokenize_bad_input(impl):
    k = IMPLS[impl]
    tab = k.token_table(1, 1, 1)
    with pytest.raises(TypeError, match="str documents"):
        k.tokenize([b"bytes"], tab)
    with pytest.raises(UnicodeEncodeError):
        k.tokenize(["\ud800"], tab)
    with pytest.raises(ValueError, match="512 bytes"):
        k.tokenize(["a"], b"short")


@pytest.mark.parametrize("impl", IMPLS)
def test_farmhash64_golden(impl):
    """FarmHash Fingerprint64 of strings of every length 0..200 (tf.fingerprint)."""
    strings = [bytes.fromhex(h) for h in _HASHES["strings_hex"]]
    out = np.empty(len(strings), dtype=np.int64)
    # m = 2**63 - 1 keeps the hash but for the values >= m: compare modulo m.
    m = 2 ** 63 - 1
    IMPLS[impl].hash_buckets(strings, m, None, out)
    assert out.tolist() == [h % m for h in _HASHES["farmhash64"]]
    if impl == "numpy":
        assert [ref.farmhash64(s) for s in strings] == _HASHES["farmhash64"]


@pytest.mark.parametrize("impl", IMPLS)
def test_fingerprint64_golden(impl):
    """The raw 64-bit Fingerprint64 (tf.fingerprint), str hashed as UTF-8."""
    strings = [bytes.fromhex(h) for h in _HASHES["strings_hex"]]
    out = np.empty(len(strings), dtype=np.uint64)
    IMPLS[impl].fingerprint64(strings, out)
    assert out.tolist() == _HASHES["farmhash64"]
    text = np.empty(2, np.uint64)
    IMPLS[impl].fingerprint64(["é", "abc"], text)
    IMPLS[impl].fingerprint64(["é".encode(), b"abc"], out[:2])
    assert text.tolist() == out[:2].tolist()
    with pytest.raises(TypeError, match="str or bytes"):
        IMPLS[impl].fingerprint64([3], text[:1])


@pytest.mark.parametrize("impl", IMPLS)
def test_siphash_golden(impl):
    """SipHash-2-4 (tf.strings.to_hash_bucket_strong) of every length 0..200."""
    strings = [bytes.fromhex(h) for h in _HASHES["strings_hex"]]
    out = np.empty(len(strings), dtype=np.int64)
    for key, want in _HASHES["siphash_mod_2_63_minus_1"].items():
        k0, k1 = (int(v) for v in key.split("_"))
        IMPLS[impl].hash_buckets(strings, 2 ** 63 - 1, (k0, k1), out)
        assert out.tolist() == want, key


@pytest.mark.parametrize("impl", IMPLS)
def test_hash_buckets_str_is_utf8(impl):
    k = IMPLS[impl]
    a, b = np.empty(3, np.int64), np.empty(3, np.int64)
    k.hash_buckets(["é", "", "abc"], 97, (3, 4), a)
    k.hash_buckets(["é".encode(), b"", b"abc"], 97, (3, 4), b)
    assert a.tolist() == b.tolist()


@pytest.mark.parametrize("impl", IMPLS)
def test_hash_buckets_bad_arguments(impl):
    k = IMPLS[impl]
    out = np.empty(1, np.int64)
    with pytest.raises(ValueError, match="m must be >= 1"):
        k.hash_buckets(["a"], 0, None, out)
    with pytest.raises(ValueError, match="salt must be None or a pair"):
        k.hash_buckets(["a"], 3, 7, out)
    with pytest.raises(ValueError, match=r"salt\[0\] must be an integer"):
        k.hash_buckets(["a"], 3, (-1, 2), out)
    with pytest.raises(ValueError, match="out must hold 2 entries"):
        k.hash_buckets(["a", "b"], 3, None, out)
    with pytest.raises(TypeError, match="str or bytes"):
        k.hash_buckets([1], 3, None, out)
