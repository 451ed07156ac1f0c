"""Text/categorical preprocessing layers beyond the golden cases: adapt from
lists, generators and Sequences, vocabulary files, string inputs in models
(predict, .h5 save/load, tf-keras' own .h5 files), callables, bad input."""
import json
import math
import pathlib

import numpy as np
import pytest

import ckeras
from ckeras import layers
from ckeras.kernels import use_kernels
from ckeras.layers.preprocessing import TextVectorization
from ckeras.testing import Golden
from ckeras.testing.golden import decode
from ckeras.utils.data_utils import Sequence

GOLD = Golden(pathlib.Path(__file__).resolve().parents[1] / "fixtures", "preprocessing_text")
CORPUS = ["The Cat sat on the mat.", "the dog ate my HOMEWORK!", "ÀBC déf! the-cat's toy",
          "A cat, a dog; a bird?", "the the the", ""]


def _out(y):
    return np.asarray(getattr(y, "value", y))


def test_exports():
    from ckeras.layers.experimental import preprocessing as exp
    for name in ("TextVectorization", "StringLookup", "IntegerLookup", "Hashing",
                 "CategoryEncoding"):
        assert getattr(exp, name) is getattr(layers, name)
    assert layers.deserialize({"class_name": "StringLookup", "config": {}}).__class__ \
        is layers.StringLookup


@pytest.mark.parametrize("kernels", ["c", "numpy"])
def test_both_kernel_modes_agree(kernels):
    with use_kernels(kernels):
        tv = TextVectorization(ngrams=2)
        tv.adapt(CORPUS)
        h = layers.Hashing(num_bins=7, salt=5)
        got = (tv.get_vocabulary(), _out(tv(np.array(CORPUS))).tolist(),
               _out(h(np.array(CORPUS))).tolist(),
               _out(layers.StringLookup(vocabulary=["a"], num_oov_indices=3)(
                   np.array(["a", "q", "zz", "é"]))).tolist())
    with use_kernels("c"):
        tv = TextVectorization(ngrams=2)
        tv.adapt(CORPUS)
        want = (tv.get_vocabulary(), _out(tv(np.array(CORPUS))).tolist(),
                _out(layers.Hashing(num_bins=7, salt=5)(np.array(CORPUS))).tolist(),
                _out(layers.StringLookup(vocabulary=["a"], num_oov_indices=3)(
                    np.array(["a", "q", "zz", "é"]))).tolist())
    assert got == want


class _Batches(Sequence):
    def __init__(self, data, size):
        self.data, self.size = data, size

    def __len__(self):
        return math.ceil(len(self.data) / self.size)

    def __getitem__(self, i):
        return np.array(self.data[i * self.size:(i + 1) * self.size])


@pytest.mark.parametrize("source", ["list", "array", "generator", "sequence", "batch_size"])
def test_adapt_sources_agree(source):
    want = TextVectorization(output_mode="tf_idf")
    want.adapt(np.array(CORPUS))
    tv = TextVectorization(output_mode="tf_idf")
    if source == "list":
        tv.adapt(CORPUS)
    elif source == "array":
        tv.adapt(np.array(CORPUS).reshape(-1, 1))
    elif source == "generator":
        tv.adapt(np.array(CORPUS[i:i + 4]) for i in range(0, len(CORPUS), 4))
    elif source == "sequence":
        tv.adapt(_Batches(CORPUS, 4))
    else:
        tv.adapt(CORPUS, batch_size=1)
    assert tv.get_vocabulary() == want.get_vocabulary()
    np.testing.assert_allclose(_out(tv(np.array(CORPUS))), _out(want(np.array(CORPUS))))


def test_adapt_steps_limits_batches():
    tv = TextVectorization()
    tv.adapt((np.array([s]) for s in ["a", "b b", "c c c"]), steps=2)
    assert tv.get_vocabulary() == ["", "[UNK]", "b", "a"]
    with pytest.raises(ValueError, match="`steps` must be a positive integer"):
        tv.adapt(CORPUS, steps=0)
    with pytest.raises(ValueError, match="`batch_size` must not be set"):
        tv.adapt(_Batches(CORPUS, 2), batch_size=2)
    with pytest.raises(TypeError, match="adapt\\(\\) expects"):
        tv.adapt(42)


def test_adapt_again_replaces_vocabulary():
    sl = layers.StringLookup()
    sl.adapt(["a", "a", "b"])
    sl.adapt(["c"])
    assert sl.get_vocabulary() == ["[UNK]", "c"]
    assert sl.is_adapted


def test_lookup_tf_idf_adapt_formula():
    """tf-keras' idf: log(1 + docs / (1 + docs with the token)); OOV slots
    take the mean (tf-keras itself fails on this dense 2-D adapt)."""
    data = np.array([["a", "b", "c"], ["b", "c", "d"], ["c", "d", "d"], ["", "e", "a"]])
    sl = layers.StringLookup(output_mode="tf_idf")
    sl.adapt(data)
    assert sl.get_vocabulary() == ["[UNK]", "d", "c", "b", "a", "e", ""]
    docs = {"d": 2, "c": 3, "b": 2, "a": 2, "e": 1, "": 1}
    idf = np.array([math.log(1 + 4 / (1 + docs[t])) for t in "dcbae"] + [math.log(1 + 4 / 2)],
                   dtype=np.float32)
    want_w = np.concatenate([[idf.mean()], idf])
    np.testing.assert_allclose(sl.idf_weights, want_w, rtol=1e-6)
    got = _out(sl(np.array([["a", "a", "zz"]])))
    np.testing.assert_allclose(got, [want_w * np.array([1, 0, 0, 0, 2, 0, 0])], rtol=1e-6)
    il = layers.IntegerLookup(output_mode="tf_idf", mask_token=0, max_tokens=4,
                              pad_to_max_tokens=True)
    il.adapt(np.array([[5, 7], [7, 7], [0, 9]]))
    assert il.get_vocabulary() == [-1, 7, 9, 5]
    assert _out(il(np.array([[7, 0, 1]]))).shape == (1, 4)


def test_integer_lookup_int32_vocabulary():
    il = layers.IntegerLookup(vocabulary=[4, 2], vocabulary_dtype="int32")
    np.testing.assert_array_equal(_out(il(np.array([2, 4, 5], dtype=np.int32))), [2, 1, 0])
    with pytest.raises(ValueError, match="`vocabulary_dtype` must be an integer dtype"):
        layers.IntegerLookup(vocabulary_dtype="float32")


def test_vocabulary_file(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("the\ncat\nÀbc\n", encoding="utf-8")
    tv = TextVectorization(vocabulary=str(path))
    assert tv.get_vocabulary() == ["", "[UNK]", "the", "cat", "Àbc"]
    np.testing.assert_array_equal(_out(tv(np.array(["The ÀBC cat dog"]))), [[2, 4, 3, 1]])
    assert tv.get_config()["vocabulary"] == str(path)
    sl = layers.StringLookup(vocabulary=path, invert=True)
    assert _out(sl(np.array([0, 1, 3]))).tolist() == ["[UNK]", "the", "Àbc"]
    with pytest.raises(ValueError, match="Vocabulary file .*missing.txt does not exist"):
        layers.StringLookup(vocabulary=str(tmp_path / "missing.txt"))
    with pytest.raises(ValueError, match="does not support loading a vocabulary from file"):
        TextVectorization(output_mode="tf_idf", vocabulary=str(path), idf_weights=[1.0])


def test_string_inputs_bytes_and_objects():
    sl = layers.StringLookup(vocabulary=["é", "b"])
    want = [[1, 2, 0]]
    for x in (np.array([["é", "b", "c"]]), np.array([["é".encode(), b"b", b"c"]]),
              np.array([["é", b"b", "c"]], dtype=object)):
        np.testing.assert_array_equal(_out(sl(x)), want)


def test_bad_input_errors():
    sl = layers.StringLookup(vocabulary=["a"], name="lk")
    with pytest.raises(ValueError, match=r"Layer lk: input b'\\xff\\xfe' is not valid utf-8"):
        sl(np.array([b"\xff\xfe"], dtype=object))
    with pytest.raises(ValueError, match="Layer lk expects string inputs"):
        sl(np.array([1.5, "a"], dtype=object))
    tv = TextVectorization(vocabulary=["a"], name="tv")
    with pytest.raises(ValueError, match=r"Layer tv: input b'\\xc3' is not valid utf-8"):
        tv(np.array([b"\xc3"]))
    with pytest.raises(ValueError, match="Layer tv \\(TextVectorization\\) expects string"):
        tv(np.array([1.0, 2.0]))
    il = layers.IntegerLookup(vocabulary=[1], name="il")
    with pytest.raises(ValueError, match="Layer il \\(IntegerLookup\\) expects integer"):
        il(np.array(["x"]))
    h = layers.Hashing(num_bins=3, name="h")
    with pytest.raises(ValueError, match="Layer h \\(Hashing\\) expects strings or integers"):
        h(np.array([1.5]))
    ce = layers.CategoryEncoding(num_tokens=3, name="ce")
    with pytest.raises(ValueError, match="ce \\(CategoryEncoding\\) expects integer"):
        ce(np.array([0.5]))
    with pytest.raises(ValueError, match="`sparse=True` is not supported"):
        layers.CategoryEncoding(num_tokens=3, sparse=True)
    with pytest.raises(ValueError, match="`sparse=True` is not supported"):
        layers.StringLookup(output_mode="count", sparse=True)


def test_empty_strings():
    tv = TextVectorization(output_sequence_length=3)
    tv.adapt(["", "  ", "a"])
    assert tv.get_vocabulary() == ["", "[UNK]", "a"]
    np.testing.assert_array_equal(_out(tv(np.array(["", "a a a a"]))), [[0, 0, 0], [2, 2, 2]])
    empty = TextVectorization(vocabulary=["a"])
    assert _out(empty(np.array(["", " "]))).shape == (2, 0)


def test_callables_and_output_mode_none():
    tv = TextVectorization(standardize=lambda x: np.char.upper(x.astype(str)),
                           split=lambda x: [s.split("-") for s in x], output_mode=None)
    out = _out(tv(np.array(["a-b", "c"])))
    assert out.tolist() == [["A", "B"], ["C", ""]]
    tok = TextVectorization(output_mode=None)
    assert _out(tok(np.array(["Hi there!"]))).tolist() == [["hi", "there"]]


def test_count_weights_and_one_hot():
    ce = layers.CategoryEncoding(num_tokens=3, output_mode="count")
    np.testing.assert_allclose(_out(ce(np.array([[0, 1, 1]]), count_weights=np.array(
        [[0.5, 1.0, 2.0]]))), [[0.5, 3.0, 0.0]])
    with pytest.raises(ValueError, match="`count_weights` is not used"):
        layers.CategoryEncoding(num_tokens=3, output_mode="multi_hot")(
            np.array([[0]]), count_weights=np.array([[1.0]]))


def _text_model():
    inp = layers.Input(shape=(1,), dtype="string")
    tv = TextVectorization(max_tokens=20, output_sequence_length=5)
    tv.adapt(CORPUS)
    x = layers.Embedding(20, 4)(tv(inp))
    x = layers.GlobalAveragePooling1D()(x)
    out = layers.Dense(1, activation="sigmoid")(x)
    return ckeras.Model(inp, out)


def test_model_on_raw_strings_fit_predict_save_load(tmp_path):
    model = _text_model()
    assert model.layers[0].get_config()["dtype"] == "string"
    model.compile("adam", "binary_crossentropy")
    x = np.array([[s] for s in CORPUS])
    model.fit(x, np.array([1, 0, 1, 0, 1, 0]), epochs=1, verbose=0)
    want = model.predict(x, verbose=0)
    assert want.shape == (6, 1)
    np.testing.assert_allclose(model.predict(np.array(CORPUS), verbose=0), want)
    path = str(tmp_path / "m.h5")
    model.save(path)
    loaded = ckeras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), want, rtol=1e-6)
    cfg = json.loads(loaded.to_json())
    tv_cfg = [c for c in cfg["config"]["layers"] if c["class_name"] == "TextVectorization"]
    assert tv_cfg[0]["config"]["vocabulary"][:2] == ["", "[UNK]"]
    seq = ckeras.Sequential([layers.Input(shape=(1,), dtype="string"),
                             layers.StringLookup(vocabulary=["a", "b"],
                                                 output_mode="one_hot")])
    np.testing.assert_array_equal(seq.predict(np.array([["b"], ["z"]]), verbose=0),
                                  [[0, 0, 1], [1, 0, 0]])


def test_load_tf_keras_h5_file():
    """A model with TextVectorization, StringLookup, Hashing and
    CategoryEncoding on string inputs, saved by tf-keras 2.21."""
    case = [c for c in GOLD.read_json("cases.json") if c["name"] == "h5_model"][0]
    model = ckeras.models.load_model(GOLD.file(case["file"]))
    xs = [decode(x) for x in case["inputs"]]
    np.testing.assert_allclose(model.predict(xs, verbose=0), decode(case["expect"]),
                               rtol=1e-6, atol=1e-7)
