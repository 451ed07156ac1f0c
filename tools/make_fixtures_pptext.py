"""Golden fixtures for the text and categorical preprocessing layers
(ckeras.layers.preprocessing: TextVectorization, StringLookup, IntegerLookup,
Hashing, CategoryEncoding) from real tf-keras 2.21.

Run BY HAND in the TensorFlow venv (never in CI), from the repo root::

    <tfvenv>/bin/python tools/make_fixtures_pptext.py

Writes ``tests/fixtures/preprocessing_text/``:

- ``cases.json``: per case the layer, its constructor kwargs, the adapt data
  (or vocabulary), the inputs, and what tf-keras gave: the outputs of each
  call (or the error class and message), the vocabulary, vocabulary_size and
  the config; or the error the construction/adapt raised.
- ``hashes.json``: FarmHash Fingerprint64 and SipHash-2-4 values of strings of
  every length 0..200 (tf.fingerprint, tf.strings.to_hash_bucket_strong).
- ``tf_text_model.h5``: a functional model on string inputs saved by tf-keras
  with its predictions in ``cases.json`` ("h5_model").

Values are JSON through ``_golden.encode`` (ndarray, tuple tagged).
"""
import json
import os
import random

import _golden
from _golden import encode

_golden.tf_environment()

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf_keras as keras  # noqa: E402

OUT = _golden.fixtures_dir("preprocessing_text")
L = keras.layers

CORPUS = np.array(["The Cat sat on the mat.", "the dog ate my HOMEWORK!",
                   "ÀBC déf! the-cat's toy", "A cat, a dog; a bird?", "the the the",
                   ""])
QUERIES = np.array([["the cat ÀBC zzz"], ["dog, bird & mat"], [""], ["Unknown words only"]])


def value(y):
    if isinstance(y, tf.Tensor):
        y = y.numpy()
    if isinstance(y, np.ndarray) and y.dtype == object:
        y = np.vectorize(lambda b: b.decode("utf-8") if isinstance(b, bytes) else b,
                         otypes=[object])(y).astype(str)
    if isinstance(y, np.ndarray):
        return encode(y)
    return encode(y)


def err(e):
    return {"error": type(e).__name__, "message": str(e)}


def vocab_list(v):
    return [w.decode("utf-8") if isinstance(w, bytes) else
            (w.item() if isinstance(w, np.generic) else w) for w in v]


def run_case(name, layer, kwargs, inputs, adapt=None, adapt_kwargs=None,
             set_vocab=None, input_dtype=None):
    case = {"name": name, "layer": layer, "kwargs": encode(kwargs),
            "adapt": encode(adapt), "adapt_kwargs": adapt_kwargs or {},
            "set_vocabulary": encode(set_vocab),
            "inputs": [encode(x) for x in inputs]}
    try:
        lyr = getattr(L, layer)(**kwargs)
        if adapt is not None:
            lyr.adapt(adapt, **(adapt_kwargs or {}))
        if set_vocab is not None:
            lyr.set_vocabulary(*set_vocab)
    except Exception as e:  # noqa: BLE001
        case["error"] = err(e)
        return case
    outs = []
    for x in inputs:
        try:
            outs.append({"value": value(lyr(x))})
        except Exception as e:  # noqa: BLE001
            outs.append(err(e))
    case["outputs"] = outs
    if hasattr(lyr, "get_vocabulary"):
        case["vocabulary"] = vocab_list(lyr.get_vocabulary())
        case["vocabulary_size"] = int(lyr.vocabulary_size())
    cfg = lyr.get_config()
    cfg.pop("name")
    case["config"] = json.loads(json.dumps(_golden.to_jsonable(cfg)))
    return case


def text_vectorization_cases():
    c = []
    q = QUERIES
    for std in ("lower_and_strip_punctuation", "lower", "strip_punctuation", None):
        for split in ("whitespace", "character"):
            c.append(run_case(f"tv_{std}_{split}", "TextVectorization",
                              {"standardize": std, "split": split}, [q], adapt=CORPUS))
    c.append(run_case("tv_split_none", "TextVectorization", {"split": None},
                      [q, np.array(["the cat", "THE CAT!", "zzz"])],
                      adapt=np.array(["the cat", "The Cat.", "dog", "dog", ""])))
    c.append(run_case("tv_ngrams2", "TextVectorization", {"ngrams": 2}, [q], adapt=CORPUS))
    c.append(run_case("tv_ngrams_tuple", "TextVectorization", {"ngrams": (1, 3)}, [q],
                      adapt=CORPUS))
    c.append(run_case("tv_max_tokens", "TextVectorization", {"max_tokens": 6}, [q],
                      adapt=CORPUS))
    c.append(run_case("tv_seq_len", "TextVectorization", {"output_sequence_length": 3},
                      [q, q[:1], np.array(["a b c d e f the"])], adapt=CORPUS))
    for mode in ("multi_hot", "count", "tf_idf"):
        c.append(run_case(f"tv_{mode}", "TextVectorization", {"output_mode": mode},
                          [q, np.array(["the the cat", "dog"])], adapt=CORPUS))
        c.append(run_case(f"tv_{mode}_pad", "TextVectorization",
                          {"output_mode": mode, "max_tokens": 12, "pad_to_max_tokens": True},
                          [q], adapt=CORPUS))
        c.append(run_case(f"tv_{mode}_max", "TextVectorization",
                          {"output_mode": mode, "max_tokens": 5}, [q], adapt=CORPUS))
    c.append(run_case("tv_vocab_list", "TextVectorization",
                      {"vocabulary": ["the", "cat", "dog"], "output_sequence_length": 5}, [q]))
    c.append(run_case("tv_vocab_special", "TextVectorization",
                      {"vocabulary": ["", "[UNK]", "the", "cat"]}, [q]))
    c.append(run_case("tv_tfidf_vocab", "TextVectorization",
                      {"output_mode": "tf_idf", "vocabulary": ["the", "cat", "dog"],
                       "idf_weights": [0.5, 1.5, 2.0]}, [q]))
    c.append(run_case("tv_tfidf_vocab_special", "TextVectorization",
                      {"output_mode": "tf_idf", "vocabulary": ["[UNK]", "the", "cat"],
                       "idf_weights": [0.1, 0.5, 1.5]}, [q]))
    c.append(run_case("tv_set_vocabulary", "TextVectorization", {}, [q],
                      set_vocab=(["cat", "the"],)))
    c.append(run_case("tv_adapt_batch", "TextVectorization", {"max_tokens": 8}, [q],
                      adapt=CORPUS, adapt_kwargs={"batch_size": 2}))
    c.append(run_case("tv_adapt_steps", "TextVectorization", {}, [q],
                      adapt=CORPUS, adapt_kwargs={"batch_size": 2, "steps": 2}))
    c.append(run_case("tv_adapt_2d", "TextVectorization", {}, [q],
                      adapt=CORPUS.reshape(-1, 1)))
    # errors
    c.append(run_case("tv_err_ragged", "TextVectorization", {"ragged": True,
                      "output_mode": "multi_hot"}, [q]))
    c.append(run_case("tv_err_sparse_int", "TextVectorization", {"sparse": True}, [q]))
    c.append(run_case("tv_err_mode", "TextVectorization", {"output_mode": "onehot"}, [q]))
    c.append(run_case("tv_err_standardize", "TextVectorization", {"standardize": "upper"},
                      [q]))
    c.append(run_case("tv_err_split", "TextVectorization", {"split": "comma"}, [q]))
    c.append(run_case("tv_err_ngrams", "TextVectorization", {"ngrams": "2"}, [q]))
    c.append(run_case("tv_err_seqlen_mode", "TextVectorization",
                      {"output_mode": "count", "output_sequence_length": 3}, [q]))
    c.append(run_case("tv_err_pad_no_max", "TextVectorization",
                      {"output_mode": "count", "pad_to_max_tokens": True}, [q]))
    c.append(run_case("tv_err_idf_len", "TextVectorization",
                      {"output_mode": "tf_idf", "vocabulary": ["a", "b"],
                       "idf_weights": [1.0]}, [q]))
    c.append(run_case("tv_err_idf_mode", "TextVectorization",
                      {"vocabulary": ["a", "b"], "idf_weights": [1.0, 2.0]}, [q]))
    c.append(run_case("tv_err_repeated", "TextVectorization",
                      {"vocabulary": ["a", "b", "a"]}, [q]))
    c.append(run_case("tv_err_unadapted_count", "TextVectorization",
                      {"output_mode": "count"}, [q]))
    c.append(run_case("tv_err_shape", "TextVectorization", {"vocabulary": ["a"]},
                      [np.array([["a b", "c"]])]))
    c.append(run_case("tv_err_adapt_fixed", "TextVectorization", {"vocabulary": ["a"]},
                      [q], adapt=CORPUS))
    c.append(run_case("tv_err_too_big", "TextVectorization",
                      {"vocabulary": ["a", "b", "c"], "max_tokens": 3}, [q]))
    c.append(run_case("tv_err_max_tokens", "TextVectorization", {"max_tokens": 1}, [q]))
    return c


STR_DATA = np.array([["a", "b", "c"], ["b", "c", "d"], ["c", "d", "d"], ["", "e", "a"]])
STR_Q = np.array([["a", "c", "zz"], ["d", "", "b"]])
INT_DATA = np.array([[12, 5, 7], [5, 7, 3], [7, 3, 3], [0, 9, 12]])
INT_Q = np.array([[12, 7, 42], [3, 0, 5]])


def lookup_cases():
    c = []
    for layer, data, q, special in (("StringLookup", STR_DATA, STR_Q, ""),
                                    ("IntegerLookup", INT_DATA, INT_Q, 0)):
        p = "sl" if layer == "StringLookup" else "il"
        c.append(run_case(f"{p}_adapt", layer, {}, [q, q[0]], adapt=data))
        c.append(run_case(f"{p}_mask", layer, {"mask_token": special}, [q], adapt=data))
        c.append(run_case(f"{p}_oov2", layer, {"num_oov_indices": 2}, [q], adapt=data))
        c.append(run_case(f"{p}_oov0", layer, {"num_oov_indices": 0}, [q, q[:, :2]],
                          adapt=data))
        c.append(run_case(f"{p}_max", layer, {"max_tokens": 4}, [q], adapt=data))
        for mode in ("one_hot", "multi_hot", "count", "tf_idf"):
            qq = q[:, :1] if mode == "one_hot" else q
            c.append(run_case(f"{p}_{mode}", layer, {"output_mode": mode}, [qq, q[0]],
                              adapt=data))
            c.append(run_case(f"{p}_{mode}_mask", layer,
                              {"output_mode": mode, "mask_token": special}, [qq], adapt=data))
            c.append(run_case(f"{p}_{mode}_pad", layer,
                              {"output_mode": mode, "max_tokens": 9,
                               "pad_to_max_tokens": True}, [qq], adapt=data))
        vocab = ["a", "b", "c"] if p == "sl" else [12, 5, 7]
        inv_q = np.array([[1, 2, 3], [0, 4, 9]])
        c.append(run_case(f"{p}_vocab", layer, {"vocabulary": vocab}, [q]))
        c.append(run_case(f"{p}_invert", layer, {"vocabulary": vocab, "invert": True},
                          [inv_q]))
        c.append(run_case(f"{p}_invert_mask", layer,
                          {"vocabulary": vocab, "invert": True, "mask_token": special},
                          [inv_q]))
        c.append(run_case(f"{p}_tfidf_vocab", layer,
                          {"vocabulary": vocab, "idf_weights": [0.5, 1.0, 2.0],
                           "output_mode": "tf_idf"}, [q]))
        c.append(run_case(f"{p}_err_invert_mode", layer,
                          {"vocabulary": vocab, "invert": True, "output_mode": "count"}, [q]))
        c.append(run_case(f"{p}_err_oov_neg", layer, {"num_oov_indices": -1}, [q]))
        c.append(run_case(f"{p}_err_mask_in_vocab", layer,
                          {"vocabulary": vocab + [special], "mask_token": special}, [q]))
        c.append(run_case(f"{p}_err_empty_vocab", layer, {}, [q], set_vocab=([],)))
        c.append(run_case(f"{p}_err_mode", layer, {"output_mode": "bogus"}, [q]))
    c.append(run_case("sl_vocab_special", "StringLookup",
                      {"vocabulary": ["[UNK]", "a", "b"]}, [STR_Q]))
    c.append(run_case("sl_oov_token", "StringLookup",
                      {"vocabulary": ["a", "b"], "oov_token": "<?>", "invert": True},
                      [np.array([0, 1, 2, 7])]))
    c.append(run_case("sl_1d", "StringLookup", {"vocabulary": ["a", "b"]},
                      [np.array(["a", "q", "b"])]))
    c.append(run_case("il_vocab_dtype32", "IntegerLookup",
                      {"vocabulary": [4, 2], "vocabulary_dtype": "int32"},
                      [np.array([2, 4, 5], dtype=np.int32)]))
    return c


def hashing_cases():
    c = []
    s = np.array([["a"], ["hello"], [""], ["Ünïcode"], ["a longer string with many bytes " * 3]])
    i = np.array([[1], [2], [-5], [0], [123456789012]])
    for name, kw in (("plain", {"num_bins": 1000}), ("bins3", {"num_bins": 3}),
                     ("mask", {"num_bins": 10, "mask_value": ""}),
                     ("salt_int", {"num_bins": 1000, "salt": 7}),
                     ("salt_pair", {"num_bins": 1000, "salt": [133, 137]})):
        c.append(run_case(f"hash_{name}", "Hashing", kw, [s, s[:, 0]]))
    c.append(run_case("hash_int", "Hashing", {"num_bins": 1000}, [i]))
    c.append(run_case("hash_int_mask", "Hashing", {"num_bins": 1000, "mask_value": 0}, [i]))
    c.append(run_case("hash_int_salt", "Hashing", {"num_bins": 1000, "salt": 11}, [i]))
    for mode in ("one_hot", "multi_hot", "count"):
        c.append(run_case(f"hash_{mode}", "Hashing", {"num_bins": 6, "output_mode": mode},
                          [s, np.array([["a", "b", "a"]])] if mode != "one_hot" else [s]))
    c.append(run_case("hash_err_bins", "Hashing", {"num_bins": 0}, [s]))
    c.append(run_case("hash_err_salt", "Hashing", {"num_bins": 3, "salt": "x"}, [s]))
    c.append(run_case("hash_err_mode", "Hashing", {"num_bins": 3, "output_mode": "x"}, [s]))
    return c


def category_encoding_cases():
    c = []
    x = np.array([[0, 1], [0, 0], [1, 2], [3, 1]])
    for mode in ("one_hot", "multi_hot", "count"):
        xs = [np.array([3, 2, 0, 1])] if mode == "one_hot" else [x, np.array([1, 2, 1])]
        c.append(run_case(f"ce_{mode}", "CategoryEncoding",
                          {"num_tokens": 4, "output_mode": mode}, xs))
    c.append(run_case("ce_one_hot_col", "CategoryEncoding",
                      {"num_tokens": 4, "output_mode": "one_hot"}, [np.array([[3], [2]])]))
    c.append(run_case("ce_out_of_range", "CategoryEncoding",
                      {"num_tokens": 3, "output_mode": "multi_hot"},
                      [np.array([[0, 3]]), np.array([[-1, 0]])]))
    c.append(run_case("ce_err_mode", "CategoryEncoding",
                      {"num_tokens": 3, "output_mode": "int"}, [x]))
    c.append(run_case("ce_err_tokens", "CategoryEncoding",
                      {"num_tokens": None, "output_mode": "count"}, [x]))
    c.append(run_case("ce_err_tokens0", "CategoryEncoding",
                      {"num_tokens": 0, "output_mode": "count"}, [x]))
    return c


def hashes():
    rng = random.Random(17)
    strings = []
    for n in range(0, 201):
        strings.append(bytes(rng.randrange(256) for _ in range(n)))
    t = tf.constant(strings)
    fp = tf.fingerprint(t, method="farmhash64").numpy()
    fp64 = [int.from_bytes(bytes(r), "little") for r in fp]
    keys = [(1, 2), (133, 137), (2 ** 62 + 5, 2 ** 40)]
    strong = {f"{k0}_{k1}": [int(v) for v in tf.strings.to_hash_bucket_strong(
        t, 2 ** 63 - 1, key=[k0, k1]).numpy()] for k0, k1 in keys}
    return {"strings_hex": [s.hex() for s in strings], "farmhash64": fp64,
            "siphash_mod_2_63_minus_1": strong}


def h5_model():
    inp = keras.Input(shape=(1,), dtype="string", name="text")
    tv = L.TextVectorization(vocabulary=["the", "cat", "dog", "sat"],
                             output_sequence_length=4, name="tv")
    seq = tv(inp)
    emb = L.Embedding(6, 3, name="emb")(seq)
    pooled = L.GlobalAveragePooling1D()(emb)
    tok = keras.Input(shape=(2,), dtype="string", name="tok")
    sl = L.StringLookup(vocabulary=["x", "y"], output_mode="multi_hot", name="sl")(tok)
    h = L.Hashing(num_bins=5, salt=3, name="hash")(tok)
    hf = L.CategoryEncoding(num_tokens=5, output_mode="count", name="ce")(h)
    out = L.Concatenate()([pooled, sl, hf])
    model = keras.Model([inp, tok], out)
    model.get_layer("emb").set_weights([np.arange(18, dtype="float32").reshape(6, 3) / 10])
    path = os.path.join(OUT, "tf_text_model.h5")
    model.save(path)
    xs = [np.array([["the cat sat"], ["Dog! zzz"]]), np.array([["x", "q"], ["y", "y"]])]
    return {"name": "h5_model", "file": "tf_text_model.h5",
            "inputs": [encode(x) for x in xs], "expect": value(model.predict(xs, verbose=0))}


def main():
    os.makedirs(OUT, exist_ok=True)
    cases = (text_vectorization_cases() + lookup_cases() + hashing_cases()
             + category_encoding_cases() + [h5_model()])
    _golden.write_json(os.path.join(OUT, "cases.json"), cases)
    _golden.write_json(os.path.join(OUT, "hashes.json"), hashes())
    print(len(cases), "cases ->", OUT)


if __name__ == "__main__":
    main()
