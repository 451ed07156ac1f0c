"""ckeras.preprocessing.text against golden tf-keras outputs (on the C and on
the NumPy-reference kernels), plus property tests of the fast (ASCII) paths
against the general paths and against Keras' algorithm."""
import collections
import copy
import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ckeras.kernels import use_kernels
from ckeras.preprocessing import text as T
from ckeras.testing import Golden, assert_result, check_call

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures"
PREPROCESSING = Golden(FIXTURES, "preprocessing")
CASES = PREPROCESSING.read_json("text.json")


def _by(fn, hashseed=False):
    return [pytest.param(c, id=f"{i}") for i, c in enumerate(CASES)
            if c["fn"] == fn and bool(c.get("hashseed") is not None) == hashseed]


def _kwargs(kw):
    kw = dict(kw)
    if kw.get("hash_function") == "len":
        kw["hash_function"] = len
    if kw.get("analyzer") == "str.split":
        kw["analyzer"] = str.split
    return kw


@pytest.mark.parametrize("case", _by("text_to_word_sequence"))
def test_text_to_word_sequence_golden(case, impl):
    check_call(case["expect"], T.text_to_word_sequence, *case["args"], **case["kwargs"])
    if impl == "c":
        check_call(case["expect"], T._text_to_word_sequence_general, *case["args"],
                   **case["kwargs"])


@pytest.mark.parametrize("case", _by("hashing_trick"))
def test_hashing_trick_golden(case, impl):
    kw = _kwargs(case["kwargs"])
    exp = case["expect"]
    n = case["args"][1]
    if "error" in exp or n < 2:
        with pytest.raises(ValueError, match="at least 2"):
            T.hashing_trick(*case["args"], **kw)
        if n == 1:  # Keras raised ZeroDivisionError: still caught by that
            with pytest.raises(ZeroDivisionError):
                T.hashing_trick(*case["args"], **kw)
        return
    check_call(exp, T.hashing_trick, *case["args"], **kw)


HASHING_TEXTS = ["a b", "The cat, the DOG", "é b", "x\x00y z"]
HASH_FUNCTIONS = ["md5", None, hash, len]


@pytest.mark.parametrize("n", [np.uint8(2), np.uint8(255), np.int16(7), np.int64(10),
                               np.int64(2 ** 56 + 1), np.int64(2 ** 62), np.uint64(2 ** 63 + 5)],
                         ids=repr)
def test_hashing_trick_numpy_int_n(n, impl):
    """A NumPy integer n gives what Keras gives with int(n), as Python ints,
    on every path (C fast paths, ASCII or not, analyzer): before, the
    result's type and even success depended on the text (np.uint8(2) and
    "é b" overflowed)."""
    for text in HASHING_TEXTS:
        for hf in HASH_FUNCTIONS:
            for analyzer in (None, str.split):
                got = T.hashing_trick(text, n, hf, analyzer=analyzer)
                want = T._hashing_trick_general(text, int(n), hf, analyzer=analyzer)
                assert got == want, (text, hf)
                assert all(type(v) is int for v in got), (text, hf, got)
        assert T.one_hot(text, n) == T.hashing_trick(text, int(n), hash)


@pytest.mark.parametrize("n", [1, 0, -1, -(2 ** 70), np.int64(1), np.uint8(1), np.int8(-3),
                               True, False], ids=repr)
def test_hashing_trick_n_below_two(n, impl):
    """n < 2 is refused on every path before any kernel runs (the C modulus
    n - 1 must be >= 1); n = 1 raises Keras' ZeroDivisionError too."""
    for text in HASHING_TEXTS:
        for hf in HASH_FUNCTIONS:
            for analyzer in (None, str.split):
                with pytest.raises(ValueError, match="at least 2") as info:
                    T.hashing_trick(text, n, hf, analyzer=analyzer)
                if n == 1:
                    assert isinstance(info.value, ZeroDivisionError)
        with pytest.raises(ValueError, match="at least 2"):
            T.one_hot(text, n)


def test_hashseed_cases_in_subprocess():
    """one_hot / hashing_trick(hash=None) use Python's salted hash: compare with
    the fixture (made under PYTHONHASHSEED=0) in a process with the same seed."""
    code = r"""
from ckeras.preprocessing import text as T
from ckeras.testing import Golden
bad = 0; n = 0
for c in Golden(%r, "preprocessing").read_json("text.json"):
    if c.get("hashseed") is None:
        continue
    fn = T.one_hot if c["fn"] == "one_hot" else T.hashing_trick
    got = fn(*c["args"], **c["kwargs"])
    ref = T._hashing_trick_general(*c["args"])
    n += 1
    if got != c["expect"]["value"] or ref != got:
        bad += 1
        print("MISMATCH", c["args"][:1], c["args"][1], got, c["expect"])
print("checked", n, "bad", bad)
""" % str(FIXTURES)
    env = dict(os.environ, PYTHONHASHSEED="0")
    res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert "bad 0" in res.stdout, res.stdout[-2000:]
    assert "checked 0" not in res.stdout


def test_spec_examples():
    assert T.text_to_word_sequence("Hello, World!  It's") == ["hello", "world", "it's"]
    assert T.hashing_trick("the cat the dog", 10, hash_function="md5") == [6, 3, 6, 6]
    assert T.hashing_trick("a b c", 2, hash_function="md5") == [1, 1, 1]
    assert T.one_hot("the cat the dog", 10) == T.hashing_trick("the cat the dog", 10)
    r = T.one_hot("the cat the dog", 10)
    assert r[0] == r[2] and all(1 <= v <= 9 for v in r)
    assert T.hashing_trick("ab abc", 100, hash_function=len) == [3, 4]


def _tokenizer(case):
    tok = T.Tokenizer(**case["kwargs"])
    for texts in case["fits"]:
        before = copy.deepcopy(texts)
        tok.fit_on_texts(texts)
        assert texts == before
    return tok


def _state(tok):
    return {
        "word_counts": [list(kv) for kv in tok.word_counts.items()],
        "word_docs": dict(tok.word_docs),
        "index_docs": {str(k): v for k, v in tok.index_docs.items()},
        "word_index": tok.word_index,
        "index_word": {str(k): v for k, v in tok.index_word.items()},
        "document_count": tok.document_count,
    }


def _check_conversions(tok, case):
    exp = case["expect"]
    probes = case["probes"]
    assert tok.texts_to_sequences(probes) == exp["texts_to_sequences"]
    assert list(tok.texts_to_sequences_generator(probes)) == exp["generator"]
    assert tok.sequences_to_texts(case["back_in"]) == exp["sequences_to_texts"]
    for mode, m in exp["matrix"].items():
        if "error" in m:
            check_call(m, tok.texts_to_matrix, probes, mode=mode)
        else:
            assert_result(tok.texts_to_matrix(probes, mode=mode), m, rtol=1e-13)
    for mode, m in exp["seq_matrix"].items():
        if "error" in m:
            check_call(m, tok.sequences_to_matrix, case["back_in"] + [[-1, 2]], mode=mode)
        else:
            assert_result(tok.sequences_to_matrix(case["back_in"] + [[-1, 2]], mode=mode), m,
                          rtol=1e-13)
    for key in ("bad_mode", "bad_mode_empty", "bad_mode_ignored"):
        seqs = {"bad_mode": [[1]], "bad_mode_empty": [[]],
                "bad_mode_ignored": [[10 ** 6]]}[key]
        check_call(exp[key], tok.sequences_to_matrix, seqs, mode="nope")


@pytest.mark.parametrize("case", _by("Tokenizer"))
def test_tokenizer_golden(case, impl):
    tok = _tokenizer(case)
    exp = case["expect"]
    got = _state(tok)
    want = exp["state"]
    assert got["word_counts"] == want["word_counts"]  # first-seen order
    for k in ("word_docs", "index_docs", "word_index", "index_word", "document_count"):
        assert got[k] == want[k], k
    assert list(tok.word_index.items()) == list(want["word_index"].items())  # order
    _check_conversions(tok, case)
    # get_config / to_json: same content as Keras (word_docs order is Keras'
    # set-iteration order, which depends on the hash seed: compared as dicts)
    ours = json.loads(tok.to_json())
    theirs = json.loads(exp["json"])
    assert ours["class_name"] == theirs["class_name"] == "Tokenizer"
    for k, v in theirs["config"].items():
        if k in ("word_counts", "word_docs", "index_docs", "index_word", "word_index"):
            assert json.loads(ours["config"][k]) == json.loads(v), k
        else:
            assert ours["config"][k] == v, k
    assert ours["config"]["word_counts"] == theirs["config"]["word_counts"]
    # Keras' JSON loads into a working ckeras tokenizer, and ours round-trips
    for js in (exp["json"], tok.to_json()):
        tok2 = T.tokenizer_from_json(js)
        assert tok2.word_index == tok.word_index
        assert all(isinstance(k, int) for k in tok2.index_word)
        assert tok2.texts_to_sequences(case["probes"]) == exp["texts_to_sequences"]
        assert tok2.sequences_to_texts(case["back_in"]) == exp["sequences_to_texts"]


@pytest.mark.parametrize("case", _by("Tokenizer_sequences"))
def test_tokenizer_fit_on_sequences_golden(case, impl):
    tok = T.Tokenizer(**case["kwargs"])
    tok.fit_on_sequences(case["fit_seqs"])
    got = _state(tok)
    for k in ("index_docs", "document_count", "word_index"):
        assert got[k] == case["expect"]["state"][k]
    for mode, m in case["expect"]["matrix"].items():
        assert_result(tok.sequences_to_matrix(case["back_in"], mode=mode), m, rtol=1e-13)


def test_tokenizer_errors_golden():
    (case,) = [c for c in CASES if c["fn"] == "Tokenizer_errors"]
    exp = case["expect"]
    check_call(exp["matrix_unfitted"], T.Tokenizer().sequences_to_matrix, [[1]])
    check_call(exp["tfidf_unfitted"], T.Tokenizer(num_words=3).sequences_to_matrix, [[1]],
               mode="tfidf")
    check_call(exp["bad_kwarg"], T.Tokenizer, foo=1)


def test_tokenizer_spec_and_legacy():
    with pytest.warns(UserWarning, match="num_words"):
        tok = T.Tokenizer(nb_words=5, document_count=3)
    assert tok.num_words == 5 and tok.document_count == 3
    tok = T.Tokenizer(oov_token="<OOV>")
    tok.fit_on_texts(["The cat sat on the mat.", "The dog ate my homework!", "cat cat dog"])
    assert tok.word_index == {"<OOV>": 1, "the": 2, "cat": 3, "dog": 4, "sat": 5, "on": 6,
                              "mat": 7, "ate": 8, "my": 9, "homework": 10}
    tok.num_words = 4
    assert tok.texts_to_sequences(["the cat zebra dog mat"]) == [[2, 3, 1, 1, 1]]
    # a generator of texts is consumed once
    tok2 = T.Tokenizer()
    tok2.fit_on_texts(t for t in ["a b", "b"])
    assert tok2.word_index == {"b": 1, "a": 2} and tok2.document_count == 2
    # analyzer
    tok3 = T.Tokenizer(analyzer=lambda s: s.split("|"))
    tok3.fit_on_texts(["A|b|b", "c"])
    assert tok3.word_index == {"b": 1, "A": 2, "c": 3}
    assert tok3.texts_to_sequences(["c|A|zz"]) == [[3, 2]]
    # non-str tokens from lists (lower=False) still count, via the Python path
    tok4 = T.Tokenizer(lower=False)
    tok4.fit_on_texts([[1, 2, 2], "x y", [2]])
    assert tok4.word_index == {2: 1, 1: 2, "x": 3, "y": 4}
    assert list(tok4.word_counts) == [1, 2, "x", "y"]
    assert tok4.texts_to_sequences([[2, 5], "y"]) == [[1], [4]]


# ----------------------------------------------------------- property tests
_alphabet = st.sampled_from(list("abcXYZ  ,.!'\t\n\r-") + ["é", "İ", "ß", "Σ", "😀", "\x00"])
_text = st.lists(_alphabet, max_size=30).map("".join)
_ascii_text = st.text(st.characters(max_codepoint=127), max_size=40)


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(_text, _ascii_text),
       lower=st.booleans(),
       filters=st.sampled_from([T.DEFAULT_FILTERS, "", "aX", "!\x00", "é"]),
       split=st.sampled_from([" ", ",", "a", "::", "é"]))
def test_words_property(text, lower, filters, split):
    ref = T._text_to_word_sequence_general(text, filters, lower, split)
    assert T.text_to_word_sequence(text, filters, lower, split) == ref
    for n in (2, 97, 2 ** 60):
        assert T.hashing_trick(text, n, "md5", filters, lower, split) == \
            T._hashing_trick_general(text, n, "md5", filters, lower, split)
    assert T.one_hot(text, 1000, filters, lower, split) == \
        T._hashing_trick_general(text, 1000, None, filters, lower, split)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fits=st.lists(st.lists(st.one_of(_text, _ascii_text), max_size=6), min_size=1,
                     max_size=3),
       probes=st.lists(st.one_of(_text, _ascii_text), max_size=5),
       kwargs=st.fixed_dictionaries({
           "num_words": st.sampled_from([None, 0, 1, 3, 6]),
           "oov_token": st.sampled_from([None, "<OOV>", "a"]),
           "lower": st.booleans(),
           "char_level": st.booleans(),
           "split": st.sampled_from([" ", ","]),
       }))
def test_tokenizer_property_fast_equals_keras(fits, probes, kwargs):
    toks = {}
    for mode in ("c", "numpy"):
        with use_kernels(mode):
            tok = T.Tokenizer(**kwargs)
            for texts in fits:
                tok.fit_on_texts(texts)
            toks[mode] = (tok, tok.texts_to_sequences(probes))
    keras = _KerasTokenizer(**kwargs)
    for texts in fits:
        keras.fit_on_texts(texts)
    want = keras.texts_to_sequences(probes)
    for tok, got in toks.values():
        assert list(tok.word_counts.items()) == list(keras.word_counts.items())
        assert dict(tok.word_docs) == dict(keras.word_docs)
        assert tok.word_index == keras.word_index
        assert dict(tok.index_docs) == dict(keras.index_docs)
        assert got == want


class _KerasTokenizer:
    """Keras' Tokenizer algorithm, written out plainly (str texts only)."""

    def __init__(self, num_words, oov_token, lower, char_level, split):
        self.num_words, self.oov_token, self.lower = num_words, oov_token, lower
        self.char_level, self.split = char_level, split
        self.word_counts = collections.OrderedDict()
        self.word_docs = collections.defaultdict(int)
        self.index_docs = collections.defaultdict(int)
        self.word_index = {}

    def _tokens(self, text):
        if self.lower:
            text = text.lower()
        if self.char_level:
            return text
        text = text.translate(str.maketrans({c: self.split for c in T.DEFAULT_FILTERS}))
        return [t for t in text.split(self.split) if t]

    def fit_on_texts(self, texts):
        for text in texts:
            seq = self._tokens(text)
            for w in seq:
                self.word_counts[w] = self.word_counts.get(w, 0) + 1
            for w in set(seq):
                self.word_docs[w] += 1
        order = sorted(self.word_counts.items(), key=lambda kv: kv[1], reverse=True)
        vocab = ([] if self.oov_token is None else [self.oov_token]) + [w for w, _ in order]
        self.word_index = {w: i + 1 for i, w in enumerate(vocab)}
        for w, c in self.word_docs.items():
            self.index_docs[self.word_index[w]] = c

    def texts_to_sequences(self, texts):
        oov = self.word_index.get(self.oov_token)
        out = []
        for text in texts:
            vect = []
            for w in self._tokens(text):
                i = self.word_index.get(w)
                if i is not None:
                    if self.num_words and i >= self.num_words:
                        if oov is not None:
                            vect.append(oov)
                    else:
                        vect.append(i)
                elif self.oov_token is not None:
                    vect.append(oov)
            out.append(vect)
        return out
