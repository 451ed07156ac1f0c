"""atheris harness: the tokenizer family (ASCII fast path in C, Python
elsewhere) against the library's `_*_general` functions, hashlib and the
Keras Tokenizer model of tests/fuzz/oracles.py, on arbitrary text."""
import hashlib

import atheris
import numpy as np

with atheris.instrument_imports(include=["ckeras.preprocessing"]):
    from ckeras.preprocessing import text as T

from _common import Mismatch, check, outcome, run  # noqa: E402
from oracles import KerasTokenizerModel  # noqa: E402

SPLITS = [" ", ",", "\x00", "a", "é", "::", "\t", "\U0001f600", ""]
MD5_EDGES = [2, 3, 97, 2 ** 31, 2 ** 56 - 1, 2 ** 56, 2 ** 56 + 1, 2 ** 62, 2 ** 63 + 1,
             10 ** 30]


def text(fdp):
    kind = fdp.ConsumeIntInRange(0, 3)
    n = fdp.ConsumeIntInRange(0, 64)
    if kind == 0:
        return fdp.ConsumeBytes(n).decode("ascii", "replace").replace("\ufffd", "?")
    if kind == 1:
        return fdp.ConsumeUnicode(n)  # ASCII, UCS-2 or UCS-4 (surrogates included)
    if kind == 2:  # words and separators
        return "".join(fdp.PickValueInList(["ab", "B", " ", ",", ".", "x'y", "\x00", "é",
                                            "İ", "\t\n", "  ", "Σ"]) for _ in range(n // 4))
    return fdp.ConsumeUnicodeNoSurrogates(n)


def filters(fdp):
    kind = fdp.ConsumeIntInRange(0, 3)
    if kind == 0:
        return T.DEFAULT_FILTERS
    if kind == 1:
        return fdp.ConsumeUnicode(fdp.ConsumeIntInRange(0, 6))
    if kind == 2:
        return list(fdp.ConsumeUnicode(fdp.ConsumeIntInRange(0, 4)))
    return fdp.PickValueInList(["", "\x00", "abc", " ", "é\x00"])


@atheris.instrument_func
def TestOneInput(data):
    fdp = atheris.FuzzedDataProvider(data)
    what = fdp.ConsumeIntInRange(0, 3)
    flt, lower = filters(fdp), fdp.ConsumeBool()
    split = fdp.PickValueInList(SPLITS) if fdp.ConsumeBool() else \
        fdp.ConsumeUnicode(fdp.ConsumeIntInRange(1, 3))
    if what == 0:
        t = text(fdp)
        got = outcome(T.text_to_word_sequence, t, flt, lower, split)
        check(got == outcome(T._text_to_word_sequence_general, t, flt, lower, split),
              "text_to_word_sequence", repr(t), flt, lower, repr(split))
    elif what == 1:
        t = text(fdp)
        n = fdp.PickValueInList(MD5_EDGES) if fdp.ConsumeBool() else \
            fdp.ConsumeIntInRange(-2, 10 ** 6)
        # a NumPy n must give what Keras gives with int(n), as Python ints
        as_numpy = fdp.ConsumeIntInRange(0, 7) == 0 and -2 ** 63 <= n < 2 ** 63
        n_arg = np.int64(n) if as_numpy else n
        hf = fdp.PickValueInList(["md5", None, hash])
        got = outcome(T.hashing_trick, t, n_arg, hf, flt, lower, split)
        want = outcome(T._hashing_trick_general, t, n, hf, flt, lower, split)
        if n < 2:
            check(got[0] == "err" and issubclass(got[1], ValueError), "n < 2 accepted", n)
            return
        check(got == want, "hashing_trick", repr(t), n_arg, hf, got, want)
        if got[0] == "ok":
            check(all(type(v) is int for v in got[1]), "not Python ints", n_arg, got)
        if got[0] == "ok" and hf == "md5":
            words = T._text_to_word_sequence_general(t, flt, lower, split)
            check(got[1] == [int(hashlib.md5(w.encode()).hexdigest(), 16) % (n - 1) + 1
                             for w in words], "md5 values")
    else:
        kw = dict(num_words=fdp.PickValueInList([None, 0, 1, 2, 5, 50]),
                  oov_token=fdp.PickValueInList([None, "<OOV>", "a", ""]),
                  lower=lower, char_level=fdp.ConsumeBool(), split=split, filters=flt)
        corpus = [text(fdp) if fdp.ConsumeIntInRange(0, 4) else
                  [text(fdp) for _ in range(fdp.ConsumeIntInRange(0, 3))]
                  for _ in range(fdp.ConsumeIntInRange(0, 6))]
        probes = [text(fdp) for _ in range(fdp.ConsumeIntInRange(0, 4))] + corpus[:2]
        tok, model = T.Tokenizer(**kw), KerasTokenizerModel(**kw)
        a, b = outcome(tok.fit_on_texts, corpus), outcome(model.fit_on_texts, corpus)
        check(a[0] == b[0], "fit outcome", a, b)
        if a[0] == "err":
            return
        check(list(tok.word_counts.items()) == list(model.word_counts.items()), "word_counts")
        check(tok.word_index == model.word_index, "word_index")
        check(dict(tok.index_docs) == dict(model.index_docs), "index_docs")
        a = outcome(tok.texts_to_sequences, probes)
        check(a == outcome(model.texts_to_sequences, probes), "texts_to_sequences", kw)
        if a[0] == "ok":
            mode = fdp.PickValueInList(["binary", "count", "freq", "tfidf"])
            m = outcome(tok.sequences_to_matrix, a[1], mode=mode)
            w = outcome(model.sequences_to_matrix, a[1], mode)
            check(m[0] == w[0], "sequences_to_matrix outcome", mode, m, w)
            if m[0] == "ok" and not np.allclose(m[1], w[1], rtol=1e-12, atol=0):
                raise Mismatch(f"sequences_to_matrix {mode}")

if __name__ == "__main__":
    run(TestOneInput)
