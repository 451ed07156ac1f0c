"""Property-based tests of the tokenizer family (ASCII fast path in C, Python
elsewhere) on arbitrary Unicode, ASCII and control characters: against the
library's `_*_general` functions and a model of Keras' Tokenizer written
here."""
import hashlib
import json

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st
from oracles import KerasTokenizerModel

from ckeras.preprocessing import text as T

FUZZ = settings.get_profile("fuzz-active")

# Every code point class: ASCII (controls and NUL included), Latin-1, the
# case-changing oddities (one char lowering to two), astral, lone surrogates.
ODD_CHARS = ["İ", "ẞ", "ß", "Σ", "ς", "ǅ", "\u0130", "\u212a", "\ufb03", "\U0001f600",
             "\ud800", "\udfff", "\x00", "\x7f", "\x85", "\u2028", "\u3000", "\t", "\n",
             "\r", "\x0b", "\x0c", " "]
any_char = st.one_of(st.characters(max_codepoint=127),
                     st.characters(blacklist_categories=()),  # surrogates too
                     st.sampled_from(ODD_CHARS))
texts = st.one_of(st.text(any_char, max_size=40),
                  st.text(st.characters(max_codepoint=127), max_size=60),
                  st.lists(st.sampled_from(["a", "B", " ", ",", ".", "x'y", "\x00", "é"]),
                           max_size=30).map("".join))
filters = st.one_of(st.just(T.DEFAULT_FILTERS), st.text(any_char, max_size=6),
                    st.lists(any_char, max_size=4),
                    st.sampled_from(["", "\x00", "abc", " ", "é\x00"]))
splits = st.one_of(st.sampled_from([" ", ",", "\x00", "a", "é", "::", "\U0001f600", "\t"]),
                   st.text(any_char, min_size=1, max_size=3))


def result(fn, *args, **kwargs):
    try:
        return "ok", fn(*args, **kwargs)
    except Exception as e:  # noqa: BLE001 - the class is compared
        return "err", type(e)


@FUZZ
@given(text=texts, filters=filters, lower=st.booleans(), split=splits)
def test_text_to_word_sequence_matches_reference(text, filters, lower, split):
    got = result(T.text_to_word_sequence, text, filters, lower, split)
    want = result(T._text_to_word_sequence_general, text, filters, lower, split)
    assert got == want
    if got[0] == "ok":  # invariants of Keras' definition
        assert all(w and (split not in w) for w in got[1])


MD5_EDGES = [2, 3, 2 ** 31, 2 ** 32 + 1, 2 ** 56 - 1, 2 ** 56, 2 ** 56 + 1, 2 ** 56 + 2,
             2 ** 62, 2 ** 62 + 1, 2 ** 63, 2 ** 64 + 7, 10 ** 30]
sizes = st.one_of(st.integers(2, 10 ** 6), st.sampled_from(MD5_EDGES))


@FUZZ
@given(text=texts, n=sizes, filters=filters, lower=st.booleans(), split=splits)
def test_hashing_trick_md5_matches_reference(text, n, filters, lower, split):
    got = result(T.hashing_trick, text, n, "md5", filters, lower, split)
    want = result(T._hashing_trick_general, text, n, "md5", filters, lower,
                  split)
    assert got == want
    if got[0] == "ok":
        assert all(1 <= v <= n - 1 for v in got[1])
        words = T._text_to_word_sequence_general(text, filters, lower, split)
        assert got[1] == [int(hashlib.md5(w.encode()).hexdigest(), 16) % (int(n) - 1) + 1
                          for w in words]


@FUZZ
@given(text=texts, n=sizes, filters=filters, lower=st.booleans(), split=splits)
def test_one_hot_and_default_hash_match_reference(text, n, filters, lower, split):
    for fn, args in ((T.one_hot, (text, n, filters, lower, split)),
                     (T.hashing_trick, (text, n, None, filters, lower, split))):
        got = result(fn, *args)
        want = result(T._hashing_trick_general, text, n, None, filters, lower,
                      split)
        assert got == want
        if got[0] == "ok":
            assert all(1 <= v <= n - 1 for v in got[1])


@FUZZ
@given(text=texts, n=st.one_of(st.integers(-5, 1), st.sampled_from([1.0, 0.5, True, False])))
def test_hashing_range_errors(text, n):
    for fn in (lambda: T.hashing_trick(text, n, "md5"), lambda: T.one_hot(text, n)):
        try:
            fn()
        except ValueError:
            continue
        raise AssertionError(f"n={n!r} accepted")


@FUZZ
@given(tokens=st.lists(st.text(any_char, max_size=8), max_size=8), n=sizes)
def test_hashing_trick_analyzer_tokens(tokens, n):
    """An analyzer's tokens go through the C md5 of arbitrary str (surrogates
    raise str.encode's error)."""
    got = result(T.hashing_trick, "ignored", n, "md5", analyzer=lambda _: list(tokens))
    want = result(T._hashing_trick_general, "ignored", n, "md5",
                  analyzer=lambda _: list(tokens))
    assert got == want


@FUZZ
@given(text=texts, n=st.one_of(st.integers(2, 2 ** 62).map(np.int64),
                               st.integers(2, 255).map(np.uint8)),
       hash_function=st.sampled_from([None, "md5"]))
@example(text="é b", n=np.uint8(2), hash_function=None)
@example(text="é b", n=np.int64(10), hash_function=None)
@example(text="a b", n=np.int64(2 ** 62), hash_function="md5")
def test_numpy_int_n_same_as_python_int(text, n, hash_function):
    got = result(T.hashing_trick, text, n, hash_function)
    want = result(T.hashing_trick, text, int(n), hash_function)
    assert got[0] == want[0] and [type(v) for v in got[1]] == [type(v) for v in want[1]]
    assert got == want


tok_kwargs = st.fixed_dictionaries({
    "num_words": st.one_of(st.none(), st.integers(0, 8)),
    "oov_token": st.one_of(st.none(), st.sampled_from(["<OOV>", "a", "", "é"])),
    "lower": st.booleans(),
    "char_level": st.booleans(),
    "split": splits,
    "filters": filters,
})
corpus = st.lists(st.one_of(texts, st.lists(st.text(any_char, max_size=4), max_size=4)),
                  max_size=6)


@FUZZ
@given(fits=st.lists(corpus, min_size=1, max_size=3), probes=corpus, kwargs=tok_kwargs,
       mode=st.sampled_from(["binary", "count", "freq", "tfidf"]))
def test_tokenizer_matches_keras_model(fits, probes, kwargs, mode):
    tok = T.Tokenizer(**kwargs)
    model = KerasTokenizerModel(**kwargs)
    for texts_ in fits:
        got = result(tok.fit_on_texts, texts_)
        want = result(model.fit_on_texts, texts_)
        assert got[0] == want[0], (got, want)
        if got[0] == "err":
            return
    assert list(tok.word_counts.items()) == list(model.word_counts.items())
    assert dict(tok.word_docs) == dict(model.word_docs)
    assert tok.word_index == model.word_index
    assert tok.index_word == model.index_word
    assert dict(tok.index_docs) == dict(model.index_docs)
    assert tok.document_count == model.document_count
    seqs = result(tok.texts_to_sequences, probes)
    assert seqs == result(model.texts_to_sequences, probes)
    if seqs[0] != "ok" or not (tok.num_words or tok.word_index):
        return
    assert [list(s) for s in tok.texts_to_sequences_generator(probes)] == seqs[1]
    matrix = tok.texts_to_matrix(probes, mode=mode)
    np.testing.assert_allclose(matrix, model.sequences_to_matrix(seqs[1], mode), rtol=1e-12)
    # a JSON round trip keeps the conversions
    again = T.tokenizer_from_json(tok.to_json())
    assert again.texts_to_sequences(probes) == seqs[1]


@FUZZ
@given(fit=corpus, probes=st.lists(st.lists(st.integers(-3, 12), max_size=8), max_size=4),
       kwargs=tok_kwargs)
def test_sequences_to_texts_inverts_known_indices(fit, probes, kwargs):
    tok = T.Tokenizer(**kwargs)
    try:
        tok.fit_on_texts(fit)
    except Exception:  # noqa: BLE001 - e.g. split='' is refused by str.split
        return
    got = tok.sequences_to_texts(probes)
    assert len(got) == len(probes)
    oov = tok.word_index.get(tok.oov_token)
    for text, seq in zip(got, probes):
        want = []
        for i in seq:
            w = tok.index_word.get(i)
            kept = w is not None and not (tok.num_words and i >= tok.num_words)
            if kept:
                want.append(w)
            elif tok.oov_token is not None:
                want.append(tok.index_word[oov])
        assert text == " ".join(want)


@FUZZ
@given(texts_=st.lists(st.text(st.characters(max_codepoint=127), max_size=80), max_size=8),
       num_words=st.one_of(st.none(), st.integers(1, 6)), oov=st.booleans())
def test_tokenizer_ascii_fast_path_matches_model(texts_, num_words, oov):
    """Pure ASCII corpora, the case the C vocabulary handles end to end."""
    kw = dict(num_words=num_words, oov_token="<unk>" if oov else None)
    tok, model = T.Tokenizer(**kw), KerasTokenizerModel(**kw)
    tok.fit_on_texts(texts_)
    model.fit_on_texts(texts_)
    assert tok.word_index == model.word_index
    probes = texts_ + [" ".join(reversed(t.split())) for t in texts_]
    assert tok.texts_to_sequences(probes) == model.texts_to_sequences(probes)
    cfg = json.loads(tok.to_json())["config"]
    assert json.loads(cfg["word_index"]) == model.word_index
