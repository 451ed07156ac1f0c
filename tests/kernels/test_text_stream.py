"""TextVectorization's C token stream (Vocab.count_docs/lookup_docs,
lookup_tokens, set_values, bag_encode): C against the Python reference, and
the reference against a definition written from Keras' documented behaviour
(ASCII lower-casing, Keras' punctuation removed, ASCII-whitespace split or
code points, n-grams of each width joined by ' ')."""
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ckeras.kernels.reference import text as ref
from ckeras.layers import StringLookup, TextVectorization
from ckeras.layers.preprocessing.index_lookup import IndexLookup

tx = pytest.importorskip("ckeras._ext._text")

IMPLS = {"c": tx, "numpy": ref}
PUNCT = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\''


def _definition(doc, lower, strip, chars, widths):
    if lower:
        doc = "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in doc)
    if strip:
        doc = "".join(c for c in doc if c not in PUNCT)
    toks = list(doc) if chars else [t for t in re.split("[ \t\n\x0b\x0c\r]+", doc) if t]
    return [" ".join(toks[i:i + w]) for w in widths for i in range(len(toks) - w + 1)]


def _vocab(impl, tokens, start=2):
    v = IMPLS[impl].Vocab()
    v.set_values(tokens, start)
    return v


DOCS = ["The cat sat.", "", "   ", "héllo  wörld ÉÉ x", "a b c d e", "Ünïcode, 😀 too!",
        "tab\tand\nnewline", "x\x00y z"]


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("chars", [False, True])
@pytest.mark.parametrize("widths", [(1,), (1, 2), (2, 3), (3,), (1, 2, 3, 4, 5)])
@pytest.mark.parametrize("flags", [(True, True), (False, False), (True, False), (False, True)])
def test_stream_matches_definition(impl, chars, widths, flags):
    k = IMPLS[impl]
    table = k.token_table(*flags, not chars)
    grams = [_definition(d, *flags, chars, widths) for d in DOCS]
    vocab = sorted({g for row in grams for g in row})
    v = _vocab(impl, vocab)
    want = [[vocab.index(g) + 2 for g in row] for row in grams]
    flat, lengths = v.lookup_docs(DOCS, table, chars, widths, 1, None)
    assert lengths.tolist() == [len(r) for r in want]
    assert flat.tolist() == [i for r in want for i in r]
    assert flat.dtype == np.int64 and lengths.dtype == np.int64
    padded = v.lookup_docs(DOCS, table, chars, widths, 1, 3)
    assert padded.tolist() == [(r + [0, 0, 0])[:3] for r in want]
    # counting: every gram once per occurrence, documents once per document
    c = k.Vocab()
    assert c.count_docs(DOCS, table, chars, widths) == len(DOCS)
    words, counts, docs = c.items()
    flat_grams = [g for row in grams for g in row]
    assert dict(zip(words, counts)) == {g: flat_grams.count(g) for g in set(flat_grams)}
    assert dict(zip(words, docs)) == {g: sum(g in row for row in grams) for g in set(flat_grams)}


@pytest.mark.parametrize("impl", IMPLS)
def test_unknown_and_empty(impl):
    k = IMPLS[impl]
    table = k.token_table(True, True, True)
    v = _vocab(impl, ["cat", "the cat"])
    flat, lengths = v.lookup_docs(["the CAT!", "", "...", "dog"], table, False, (1, 2), 7, None)
    assert lengths.tolist() == [3, 0, 0, 1]
    assert flat.tolist() == [7, 2, 3, 7]
    assert v.lookup_docs([], table, False, (1,), 1, 4).shape == (0, 4)
    assert v.lookup_docs(["a b"], table, False, (1,), 1, 0).shape == (1, 0)


@pytest.mark.parametrize("impl", IMPLS)
def test_numpy_str_arrays_read_like_lists(impl):
    k = IMPLS[impl]
    table = k.token_table(True, True, True)
    docs = ["Ab cd", "", "é 😀 x", "trailing  "]
    v = _vocab(impl, ["ab", "cd", "é", "😀", "trailing"])
    want = v.lookup_docs(docs, table, False, (1, 2), 1, 5)
    strided = np.array([x for d in docs for x in (d, "pad")])[::2]
    for arr in (np.array(docs), np.array(docs, dtype=">U12"), strided):
        assert v.lookup_docs(arr, table, False, (1, 2), 1, 5).tolist() == want.tolist()
    c1, c2 = k.Vocab(), k.Vocab()
    c1.count_docs(docs, table, True, (1,))
    c2.count_docs(np.array(docs), table, True, (1,))
    assert c1.items() == c2.items()


@pytest.mark.parametrize("impl", IMPLS)
def test_bad_documents(impl):
    k = IMPLS[impl]
    table = k.token_table(True, True, True)
    v = k.Vocab()
    with pytest.raises(UnicodeEncodeError):
        v.count_docs(["ok", "bad \ud800"], table, False, (1,))
    with pytest.raises(UnicodeEncodeError):
        v.lookup_docs(np.array(["ok", "bad \ud800"]), table, False, (1,), 1, None)
    with pytest.raises(TypeError, match="str"):
        v.lookup_docs(["ok", b"bytes"], table, False, (1,), 1, None)
    with pytest.raises(TypeError, match="list of str"):
        v.count_docs(np.array([1, 2]), table, False, (1,))
    for widths in ((), (0,), (1, -2), (1.5,)):
        with pytest.raises(ValueError, match="width"):
            v.count_docs(["a"], table, False, widths)
    with pytest.raises(ValueError, match="width"):
        v.lookup_docs(["a"], table, False, (1,), 1, -1)
    with pytest.raises(ValueError, match="table"):
        v.count_docs(["a"], b"short", False, (1,))


@pytest.mark.parametrize("impl", IMPLS)
def test_lookup_tokens_and_set_values(impl):
    v = _vocab(impl, ["a", "é", "", "\ud800"], start=5)
    got = v.lookup_tokens(["a", "é", "", "\ud800", "zz", "\udfff"], -1)
    assert got.dtype == np.int64
    assert got.tolist() == [5, 6, 7, 8, -1, -1]
    v.set_value("a", -2)
    assert v.lookup_tokens(["a"], 0).tolist() == [-2]
    with pytest.raises(TypeError, match="str"):
        v.lookup_tokens([3], 0)
    with pytest.raises(TypeError, match="str"):
        v.set_values(["ok", 3], 0)


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("binary", [False, True])
def test_bag_encode(impl, dtype, binary):
    rng = np.random.RandomState(0)
    lengths = rng.randint(0, 6, size=7).astype(np.int64)
    ids = rng.randint(-2, 9, size=int(lengths.sum())).astype(np.int64)
    out = np.zeros((7, 6), dtype=dtype)
    IMPLS[impl].bag_encode(ids, lengths, binary, out)
    want = np.zeros((7, 6))
    rows = np.repeat(np.arange(7), lengths)
    keep = (ids >= 0) & (ids < 6)
    np.add.at(want, (rows[keep], ids[keep]), 1)
    if binary:
        want = (want > 0).astype(float)
    np.testing.assert_array_equal(out, want.astype(dtype))
    with pytest.raises(ValueError, match="rows"):
        IMPLS[impl].bag_encode(ids, lengths, binary, np.zeros((3, 6), dtype=dtype))
    with pytest.raises(ValueError, match="lengths"):
        IMPLS[impl].bag_encode(ids, lengths + 10, binary, out)


_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)
_ASCIIISH = st.text(alphabet=st.sampled_from(list("aAbB .,!\t\né😀 ")), max_size=30)


@settings(max_examples=150, deadline=None)
@given(docs=st.lists(st.one_of(_TEXT, _ASCIIISH), max_size=8),
       extra=st.lists(_TEXT, max_size=5),
       widths=st.lists(st.integers(1, 4), min_size=1, max_size=3, unique=True),
       chars=st.booleans(), flags=st.tuples(st.booleans(), st.booleans()),
       width=st.one_of(st.none(), st.integers(0, 6)), as_array=st.booleans())
def test_stream_c_equals_reference(docs, extra, widths, chars, flags, width, as_array):
    table = tx.token_table(*flags, not chars)
    widths = tuple(widths)
    src = np.array(docs, dtype=str) if as_array and docs else docs
    counters = [tx.Vocab(), ref.Vocab()]
    for c in counters:
        c.count_docs(src, table, chars, widths)
    assert counters[0].items() == counters[1].items()
    # a random vocabulary: half the grams seen plus random strings
    seen = counters[1].items()[0]
    vocab = list(dict.fromkeys(seen[::2] + extra))
    got = [_vocab(impl, vocab).lookup_docs(src, table, chars, widths, 1, width)
           for impl in IMPLS]
    if width is None:
        assert [a.tolist() for a in got[0]] == [a.tolist() for a in got[1]]
    else:
        assert got[0].tolist() == got[1].tolist()
    toks = seen + extra
    assert (_vocab("c", vocab).lookup_tokens(toks, -1).tolist()
            == _vocab("numpy", vocab).lookup_tokens(toks, -1).tolist())


@settings(max_examples=60, deadline=None)
@given(docs=st.lists(st.one_of(_TEXT, _ASCIIISH), min_size=1, max_size=10),
       ngrams=st.one_of(st.none(), st.integers(1, 3)),
       split=st.sampled_from(["whitespace", "character"]),
       mode=st.sampled_from(["int", "multi_hot", "count", "tf_idf"]))
def test_streamed_layer_equals_token_lists(docs, ngrams, split, mode):
    """The C token stream gives what the token-list path gives, adapt and call."""
    kwargs = dict(ngrams=ngrams, split=split, output_mode=mode, max_tokens=12)
    if mode == "int":
        kwargs["output_sequence_length"] = 5
    fast, slow = TextVectorization(**kwargs), TextVectorization(**kwargs)
    assert fast._streamed
    slow._streamed = False
    x = np.array(docs)
    for layer in (fast, slow):
        layer.adapt(x, batch_size=3)
    assert fast.get_vocabulary() == slow.get_vocabulary()
    np.testing.assert_array_equal(fast(x), slow(x))
    y = np.array(docs[::-1], dtype=object)
    np.testing.assert_array_equal(fast(y), slow(y))


@settings(max_examples=60, deadline=None)
@given(vocab=st.lists(_TEXT, unique=True, max_size=8), tokens=st.lists(_TEXT, max_size=10),
       mask=st.one_of(st.none(), st.just(""), st.just("[M]")))
def test_string_lookup_table_equals_dict(vocab, tokens, mask):
    """StringLookup's C table finds what its token dict finds."""
    vocab = [t for t in vocab if t not in ("", "[M]", "[UNK]")]
    if not vocab:
        vocab = ["v"]
    layer = StringLookup(vocabulary=vocab, mask_token=mask)
    tokens = tokens + vocab[:2] + ["", "[M]"]
    got_ids, got_mask = layer._find(tokens)
    want_ids, want_mask = IndexLookup._find(layer, tokens)
    assert got_ids.tolist() == want_ids.tolist()
    if mask is None:
        assert got_mask is None and want_mask is None
    else:
        assert got_mask.tolist() == want_mask.tolist()
