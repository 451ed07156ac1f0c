"""ckeras._ext._text and _sequence kernels against hashlib / Python / NumPy."""
import hashlib
import random

import numpy as np
import pytest

from ckeras._ext import _sequence, _text

DEFAULT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'


@pytest.mark.parametrize("n", list(range(0, 130)) + [1000, 4096, 10000])
def test_md5_matches_hashlib(n):
    rng = random.Random(n)
    w = "".join(rng.choice("abcdefghij KLM!") for _ in range(n))
    assert _text.md5_int(w) == int(hashlib.md5(w.encode()).hexdigest(), 16)


@pytest.mark.parametrize("m", [1, 2, 3, 9, 2 ** 31 - 1, 2 ** 40 + 7, 2 ** 56 - 1])
def test_md5_mod(m):
    tab = _text.make_table(DEFAULT_FILTERS, True, " ")
    text = "The cat, the DOG! x" + "y" * 70
    want = [int(hashlib.md5(w.encode()).hexdigest(), 16) % m + 1
            for w in ["the", "cat", "the", "dog", "x" + "y" * 70]]
    assert _text.md5_mod_text(text, tab, m) == want
    assert _text.md5_mod_tokens(["the", "cat", "the", "dog", "x" + "y" * 70], m) == want
    assert _text.md5_mod_tokens(["é"], m) == [int(hashlib.md5("é".encode()).hexdigest(), 16)
                                             % m + 1]
    with pytest.raises(UnicodeEncodeError):
        _text.md5_mod_tokens(["\ud800"], m)


def test_make_table_declines():
    assert _text.make_table(DEFAULT_FILTERS, True, "::") is None
    assert _text.make_table(["ab"], True, " ") is None
    assert _text.make_table(DEFAULT_FILTERS, True, "") is None
    tab = _text.make_table("", False, ",")
    assert _text.words("Ab,,c d", tab) == ["Ab", "c d"]
    assert _text.words("é,x", tab) is None  # non-ASCII: caller's Python path
    assert _text.words("a\x00b", tab) is None  # NUL that does not separate
    tab0 = _text.make_table("\x00", False, " ")
    assert _text.words("a\x00b c", tab0) == ["a", "b", "c"]


def test_vocab_count_and_lookup():
    tab = _text.make_table(DEFAULT_FILTERS, True, " ")
    v = _text.Vocab()
    assert v.count_text("b a b", tab) and v.count_text("A c", tab)
    assert not v.count_text("ü", tab)
    assert v.count_tokens(["ü", "b", "ü"])
    assert not v.count_tokens(["x", 3])
    assert not v.count_tokens(["\ud800"])
    words, counts, docs = v.items()
    assert words == ["b", "a", "c", "ü"]
    assert counts == [3, 2, 1, 2] and docs == [2, 2, 1, 1]
    many = [f"w{i}" for i in range(5000)] + ["x" * 40, "y" * 17]
    assert v.count_tokens(many)
    assert len(v) == 4 + len(many)
    lk = _text.Vocab()
    for i, w in enumerate(many):
        lk.set_value(w, i + 1 if i % 3 else -1)
    got = lk.lookup_text("w1 w3 nope w4999 " + "X" * 40, tab, 0)
    assert got == [2, 0, 5000, 5001]
    assert lk.lookup_texts(["w2", "é"], tab, 7, lambda t: "slow") == [[3], "slow"]


@pytest.mark.parametrize("dtype", ["int32", "int64", "float32", "float64"])
@pytest.mark.parametrize("pad_post", [0, 1])
@pytest.mark.parametrize("trunc_post", [0, 1])
def test_pad_rows(dtype, pad_post, trunc_post):
    rng = np.random.default_rng(0)
    seqs = [rng.integers(-50, 50, size=k).tolist() for k in (0, 1, 3, 5, 9)]
    seqs.append(np.arange(7, dtype=dtype)[::2])
    seqs.append(tuple(float(v) + 0.5 for v in range(6)))
    maxlen = 4
    out = np.empty((len(seqs), maxlen), dtype)
    slow = []
    _sequence.pad_rows(seqs, out, np.full(1, -3, dtype), pad_post, trunc_post,
                       lambda i, s: slow.append(i))
    assert slow == []
    for i, s in enumerate(seqs):
        s = list(s)
        keep = s[:maxlen] if trunc_post else s[-maxlen:] if s else []
        row = np.full(maxlen, -3, dtype)
        if keep:
            vals = np.asarray(keep, dtype)
            if pad_post:
                row[:len(vals)] = vals
            else:
                row[maxlen - len(vals):] = vals
        np.testing.assert_array_equal(out[i], row)
