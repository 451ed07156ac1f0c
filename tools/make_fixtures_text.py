"""Golden fixtures for ckeras.preprocessing.sequence and .text from real tf-keras 2.21.

tf_keras.preprocessing.text / .sequence are Keras' reference implementation of
these utilities. Run BY HAND in the TensorFlow venv (never in CI), from the repo
root::

    TF_USE_LEGACY_KERAS=1 <tfvenv>/bin/python tools/make_fixtures_text.py

It re-executes itself with PYTHONHASHSEED=0 so the `hash`-based cases
(one_hot, hashing_trick with hash_function=None) are reproducible; the tests
check those in a subprocess with the same seed. Writes
``tests/fixtures/preprocessing/{sequence,text}.json``: every case stores its
inputs, and either the result or the error type and message.

Input encoding (``_golden.encode``; the tests decode with
``ckeras.testing.golden.decode``): ``{"__nd__": list, "dtype": str}`` is an
ndarray, ``{"__tuple__": list}`` a tuple, ``{"__float__": "nan"}`` a NaN.
"""
import json
import os
import random
import sys

if os.environ.get("PYTHONHASHSEED") != "0":
    os.environ["PYTHONHASHSEED"] = "0"
    os.execv(sys.executable, [sys.executable] + sys.argv)

import _golden  # noqa: E402
from _golden import encode  # noqa: E402

_golden.tf_environment()

import numpy as np  # noqa: E402
from tf_keras.preprocessing import sequence as ks  # noqa: E402
from tf_keras.preprocessing import text as kt  # noqa: E402

OUT = _golden.fixtures_dir("preprocessing")


def out(y):
    if isinstance(y, np.ndarray):
        return {"array": y.tolist(), "dtype": str(y.dtype), "shape": list(y.shape)}
    return {"value": y}


def run(fn, *args, **kwargs):
    try:
        return out(fn(*args, **kwargs))
    except Exception as e:  # noqa: BLE001
        return {"error": type(e).__name__, "message": str(e)}


# ------------------------------------------------------------------ sequence
PAD_CASES = [
    ("basic", [[1], [2, 3], [4, 5, 6]], {}),
    ("maxlen2", [[1], [2, 3], [4, 5, 6]], {"maxlen": 2}),
    ("post_post", [[1], [2, 3], [4, 5, 6]], {"maxlen": 2, "padding": "post",
                                            "truncating": "post"}),
    ("pre_post", [[1], [2, 3], [4, 5, 6]], {"maxlen": 2, "truncating": "post"}),
    ("post_pre", [[1], [2, 3], [4, 5, 6]], {"maxlen": 2, "padding": "post"}),
    ("value", [[1], [2, 3], [4, 5, 6]], {"value": -1}),
    ("maxlen_long", [[1], [2, 3]], {"maxlen": 5, "padding": "post"}),
    ("empty_inner", [[], [1, 2], []], {}),
    ("all_empty", [[], []], {}),
    ("no_seqs_maxlen", [], {"maxlen": 3}),
    ("no_seqs", [], {}),
    ("float_trunc", [[1.5, 2.7], [-1.9]], {"maxlen": 3}),
    ("float32", [[1.5, 2.7], [3]], {"dtype": "float32", "value": 0.25}),
    ("float64_nan_value", [[1, 2]], {"dtype": "float64", "value": float("nan"),
                                     "maxlen": 3}),
    ("int64", [[2 ** 40, 1], [3]], {"dtype": "int64"}),
    ("int32_overflow", [[2 ** 40]], {}),
    ("int8", [[1, 2, 300]], {"dtype": "int8"}),
    ("bool_items", [[True, False, 2]], {}),
    ("uint8", [[1, 2]], {"dtype": "uint8", "maxlen": 3}),
    ("object", [["a", "b"], ["c"]], {"dtype": object, "value": "<p>"}),
    ("object_str_name", [["a", "b"], ["c"]], {"dtype": "object", "value": "<p>"}),
    ("object_maxlen1", [["a", "b"], ["c"]], {"dtype": object, "value": "<p>", "maxlen": 1}),
    ("object_numbers", [[1, 2.5], ["x"]], {"dtype": object}),
    ("str_dtype", [["aa", "b"], ["c"]], {"dtype": "<U3", "value": "x"}),
    ("str_value_int_dtype", [["a"]], {"value": "x"}),
    ("bad_padding", [[1, 2]], {"padding": "middle"}),
    ("bad_truncating", [[1, 2]], {"truncating": "middle"}),
    ("bad_padding_only_empty", [[]], {"padding": "middle", "maxlen": 2}),
    ("non_iterable_entry", [[1], 5], {}),
    ("vectors", [[[1, 2], [3, 4]], [[5, 6]]], {"maxlen": 3}),
    ("vectors_float", [[[1.5, 2.0]], [[3.0, 4.5], [5, 6]]], {"dtype": "float32"}),
    ("vectors_bad_shape", [[[1, 2]], [[3, 4, 5]]], {}),
    ("arrays", [np.array([1, 2, 3], dtype="int32"), np.array([4], dtype="int64"),
                np.array([], dtype="int32")], {"maxlen": 2}),
    ("arrays_float_to_int", [np.array([1.7, -2.5]), np.array([3.0])], {}),
    ("tuples", [(1, 2), (3,)], {"padding": "post"}),
    ("ndarray_2d", np.arange(12, dtype="int64").reshape(3, 4), {"maxlen": 3}),
    ("maxlen0_empty", [[], []], {"maxlen": 0}),
    ("maxlen0_post", [[1, 2]], {"maxlen": 0, "truncating": "post"}),
    ("mixed_nested_later", [[1, 2], [[3, 4]]], {}),
    ("float_inf_into_float32", [[1e300, 2.0]], {"dtype": "float32"}),
]


def sequence_cases():
    cases = []
    for name, seqs, kw in PAD_CASES:
        cases.append({"fn": "pad_sequences", "name": name, "sequences": encode(seqs),
                      "kwargs": encode(kw), "expect": run(ks.pad_sequences, seqs, **kw)})
    cases.append({"fn": "pad_sequences", "name": "non_iterable", "sequences": 5,
                  "kwargs": {}, "expect": run(ks.pad_sequences, 5)})
    for size in (1, 2, 5, 100):
        for factor in (1e-5, 1e-2):
            cases.append({"fn": "make_sampling_table", "name": f"table_{size}_{factor}",
                          "args": [size], "kwargs": {"sampling_factor": factor},
                          "expect": run(ks.make_sampling_table, size, sampling_factor=factor)})
    sk = [
        ("spec", [1, 2, 0, 3], 5, {"window_size": 1, "shuffle": False}),
        ("default", [1, 2, 3, 4, 5, 6, 0, 7], 10, {}),
        ("seeded", [1, 2, 3, 4, 5, 6, 0, 7], 10, {"seed": 42}),
        ("categorical", [3, 1, 4, 1, 5, 9, 2, 6], 10, {"categorical": True, "seed": 7}),
        ("neg2", [1, 2, 3], 4, {"negative_samples": 2.0, "window_size": 2}),
        ("no_neg", [1, 2, 3, 4], 5, {"negative_samples": 0, "shuffle": False}),
        ("table", [1, 2, 3, 4, 5, 6, 7, 8, 9], 10,
         {"sampling_table": ks.make_sampling_table(10, 0.05).tolist(), "seed": 3}),
        ("empty", [], 5, {}),
    ]
    for name, seq, vocab, kw in sk:
        random.seed(1234)
        cases.append({"fn": "skipgrams", "name": name, "args": [seq, vocab], "kwargs": kw,
                      "random_seed": 1234, "expect": run(ks.skipgrams, seq, vocab, **kw)})
    ts = [
        ("spec", np.arange(10), np.arange(10), {"length": 3, "batch_size": 2}),
        ("rate_stride", np.arange(40).reshape(20, 2).astype("float32"),
         np.arange(20) * 10, {"length": 4, "sampling_rate": 2, "stride": 3,
                              "batch_size": 3}),
        ("start_end", np.arange(30), np.arange(30),
         {"length": 5, "start_index": 2, "end_index": 20, "batch_size": 4}),
        ("reverse", np.arange(12).reshape(6, 2), np.arange(6),
         {"length": 2, "reverse": True, "batch_size": 10}),
        ("list_data", list(range(8)), list(range(8)), {"length": 2, "batch_size": 3}),
    ]
    for name, data, targets, kw in ts:
        gen = ks.TimeseriesGenerator(data, targets, **kw)
        batches = [[out(b[0]), out(b[1])] for b in (gen[i] for i in range(len(gen)))]
        cases.append({"fn": "TimeseriesGenerator", "name": name,
                      "args": [encode(data), encode(targets)], "kwargs": kw,
                      "expect": {"len": len(gen), "batches": batches,
                                 "config": gen.get_config()}})
    for name, data, targets, kw in [
            ("len_mismatch", np.arange(5), np.arange(4), {"length": 2}),
            ("start_gt_end", np.arange(5), np.arange(5), {"length": 5})]:
        cases.append({"fn": "TimeseriesGenerator", "name": name,
                      "args": [encode(data), encode(targets)], "kwargs": kw,
                      "expect": run(ks.TimeseriesGenerator, data, targets, **kw)})
    return cases


# ---------------------------------------------------------------------- text
TEXTS = [
    "The cat sat on the mat.",
    "The dog ate my homework!",
    "cat cat dog",
    "Hello, World!  It's",
    "",
    "   ",
    "!!!...",
    "tab\tsep\nnewline\rcarriage\x0bvt",
    "nbsp\u00a0inside word",
    "İstanbul ISTANBUL istanbul",
    "Straße STRASSE straße",
    "ΣΑΣ σας ΌΣΟΣ",
    "naïve café, CAFÉ; résumé",
    "emoji 😀 x😀y, 😀",
    "日本語 テキスト、句読点。",
    "mixed ASCII and ünïcödé words",
    "NUL\x00byte here",
    "UPPER lower MiXeD",
    "a-b_c.d/e:f",
    "KELVIN \u212a sign",
    "don't won't can't",
    "x" * 300 + " long token",
]

T2W = [
    ({}, TEXTS),
    ({"lower": False}, TEXTS[:6] + TEXTS[9:14]),
    ({"split": ","}, ["a, b,c d,,e", "Hello, World!  It's", "ü,Ü,x"]),
    ({"split": "::"}, ["a::b:c::::d", "a,b::C"]),
    ({"filters": "aeiou", "split": " "}, ["Education is AEIOU", "ünïcode aé"]),
    ({"filters": "A", "lower": True}, ["AaBA"]),
    ({"filters": "A", "lower": False}, ["AaBA"]),
    ({"filters": "", "split": " "}, ["keep!all, punct."]),
    ({"filters": ["!", "?"]}, ["what?! yes!"]),
    ({"filters": "!\x00"}, ["nul\x00sep here!"]),
    ({"split": "e"}, ["the tree e e", "ünïe"]),
    ({"split": "ü"}, ["aüb c", "plain ascii text"]),
]


def text_cases():
    cases = []
    for kw, texts in T2W:
        for t in texts:
            cases.append({"fn": "text_to_word_sequence", "args": [t], "kwargs": kw,
                          "expect": run(kt.text_to_word_sequence, t, **kw)})
    for n in (2, 3, 10, 1000, 2 ** 31, 2 ** 55, 2 ** 56, 2 ** 56 + 1, 2 ** 64, 2 ** 130):
        for t in TEXTS:
            cases.append({"fn": "hashing_trick", "args": [t, n],
                          "kwargs": {"hash_function": "md5"},
                          "expect": run(kt.hashing_trick, t, n, hash_function="md5")})
    for t in TEXTS[:6] + ["the cat the dog"]:
        for kw in ({"hash_function": "md5", "lower": False},
                   {"hash_function": "md5", "split": ","},
                   {"hash_function": "md5", "filters": "t"},
                   {"hash_function": "len"},
                   {"hash_function": "md5", "analyzer": "str.split"}):
            k = dict(kw)
            if k.get("hash_function") == "len":
                k["hash_function"] = len
            if "analyzer" in k:
                k["analyzer"] = str.split
            cases.append({"fn": "hashing_trick", "args": [t, 7], "kwargs": kw,
                          "expect": run(kt.hashing_trick, t, 7, **k)})
    for n in (0, 1, -3):
        cases.append({"fn": "hashing_trick", "args": ["a b", n],
                      "kwargs": {"hash_function": "md5"},
                      "expect": run(kt.hashing_trick, "a b", n, hash_function="md5")})
    # Python's salted hash: valid only under PYTHONHASHSEED=0.
    for t in TEXTS:
        for n in (2, 50, 2 ** 40):
            cases.append({"fn": "one_hot", "args": [t, n], "kwargs": {}, "hashseed": 0,
                          "expect": run(kt.one_hot, t, n)})
            cases.append({"fn": "hashing_trick", "args": [t, n], "kwargs": {},
                          "hashseed": 0, "expect": run(kt.hashing_trick, t, n)})
    cases += tokenizer_cases()
    return cases


def tok_state(tok):
    return {
        "word_counts": list(tok.word_counts.items()),
        "word_docs": dict(tok.word_docs),
        "index_docs": {str(k): v for k, v in tok.index_docs.items()},
        "word_index": tok.word_index,
        "index_word": {str(k): v for k, v in tok.index_word.items()},
        "document_count": tok.document_count,
    }


PROBES = ["the cat zebra dog mat", "", "UNSEEN words only", "İstanbul straße ΣΑΣ",
          "cat, cat; cat!", "x😀y emoji"]
FIT = [TEXTS[:3], TEXTS]
TOKENIZERS = [
    ("default", {}, [TEXTS[:3]]),
    ("spec_oov", {"oov_token": "<OOV>"}, [TEXTS[:3]]),
    ("num_words4_oov", {"num_words": 4, "oov_token": "<OOV>"}, [TEXTS[:3]]),
    ("num_words4", {"num_words": 4}, [TEXTS[:3]]),
    ("full", {}, [TEXTS]),
    ("full_oov_nw10", {"oov_token": "<unk>", "num_words": 10}, [TEXTS]),
    ("two_fits", {"oov_token": "<OOV>"}, [TEXTS[3:], TEXTS[:3]]),
    ("lower_false", {"lower": False}, [TEXTS]),
    ("char_level", {"char_level": True}, [TEXTS[:5] + TEXTS[9:12]]),
    ("char_level_oov", {"char_level": True, "oov_token": "?", "num_words": 6},
     [["abc", "B!", "aAa"]]),
    ("split_comma", {"split": ",", "filters": "!"}, [["a,b, c", "B,a!", "ü,a"]]),
    ("split_multi", {"split": "::"}, [["a::b", "b::c::a"]]),
    ("token_lists", {}, [[["The", "Cat"], ["cat", "DOG", "dog"], []]]),
    ("token_lists_nolower", {"lower": False}, [[["The", "Cat"], ["cat", "DOG"]]]),
    ("mixed_lists_texts", {"oov_token": "<OOV>"}, [["The cat", ["CAT", "ünï"], "ünï x"]]),
    ("oov_in_text", {"oov_token": "cat"}, [TEXTS[:3]]),
    ("empty_texts", {}, [["", "   ", "!!!"]]),
    ("nul", {}, [["a\x00b c", "c c"]]),
]


def tokenizer_cases():
    cases = []
    for name, kw, fits in TOKENIZERS:
        tok = kt.Tokenizer(**kw)
        for texts in fits:
            tok.fit_on_texts(texts)
        probes = PROBES + ([["The", "Cat", "zebra"]] if True else [])
        seqs = tok.texts_to_sequences(probes)
        back_in = seqs + [[0, 1, 2, 3, 99, 1000], list(range(12)), []]
        exp = {
            "state": tok_state(tok),
            "texts_to_sequences": seqs,
            "generator": list(tok.texts_to_sequences_generator(probes)),
            "sequences_to_texts": tok.sequences_to_texts(back_in),
            "matrix": {m: run(tok.texts_to_matrix, probes, mode=m)
                       for m in ("binary", "count", "freq", "tfidf")},
            "seq_matrix": {m: run(tok.sequences_to_matrix, back_in + [[-1, 2]], mode=m)
                           for m in ("binary", "count", "freq", "tfidf")},
            "bad_mode": run(tok.sequences_to_matrix, [[1]], mode="nope"),
            "bad_mode_empty": run(tok.sequences_to_matrix, [[]], mode="nope"),
            "bad_mode_ignored": run(tok.sequences_to_matrix, [[10 ** 6]], mode="nope"),
            "json": tok.to_json(),
        }
        cases.append({"fn": "Tokenizer", "name": name, "kwargs": kw, "fits": fits,
                      "probes": probes, "back_in": back_in, "expect": exp})
    # fit_on_sequences then tfidf / matrix without a word index
    tok = kt.Tokenizer(num_words=6)
    tok.fit_on_sequences([[1, 2, 2], [2, 3], [5]])
    cases.append({"fn": "Tokenizer_sequences", "name": "fit_on_sequences",
                  "kwargs": {"num_words": 6}, "fit_seqs": [[1, 2, 2], [2, 3], [5]],
                  "back_in": [[1, 2, 2, 4], [5, 6, 7], []],
                  "expect": {
                      "state": tok_state(tok),
                      "matrix": {m: out(tok.sequences_to_matrix(
                          [[1, 2, 2, 4], [5, 6, 7], []], mode=m))
                          for m in ("binary", "count", "freq", "tfidf")}}})
    errs = {
        "matrix_unfitted": run(kt.Tokenizer().sequences_to_matrix, [[1]]),
        "tfidf_unfitted": run(kt.Tokenizer(num_words=3).sequences_to_matrix, [[1]],
                              mode="tfidf"),
        "bad_kwarg": run(kt.Tokenizer, foo=1),
    }
    cases.append({"fn": "Tokenizer_errors", "name": "errors", "expect": errs})
    return cases


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, fn in (("sequence", sequence_cases), ("text", text_cases)):
        path = os.path.join(OUT, f"{name}.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(fn(), f, ensure_ascii=True, indent=0, sort_keys=False)
            f.write("\n")
        print(path, os.path.getsize(path))


if __name__ == "__main__":
    main()
