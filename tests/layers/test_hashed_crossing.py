"""HashedCrossing: bins equal tf-keras 2.21's bit for bit (the tf.sparse.cross_hashed
chain of FarmHash fingerprints), in every input shape and output mode."""
import pathlib

import numpy as np
import pytest

from ckeras import Input, Model
from ckeras import layers as L
from ckeras.models import load_model
from ckeras.testing import Golden, assert_config_matches

GOLDEN = Golden(pathlib.Path(__file__).resolve().parents[1] / "fixtures", "breadth")


def _features(case, a):
    return [a[f"x{i}"] for i in range(case["inputs"])]


@pytest.mark.parametrize("name", GOLDEN.names(layer="HashedCrossing"))
def test_golden(name):
    case, _, _, _, a = GOLDEN.load(name)
    layer = L.HashedCrossing(**case["kwargs"])
    y = np.asarray(layer(_features(case, a)))
    np.testing.assert_array_equal(y, a["y"])
    assert y.dtype == a["y"].dtype
    assert layer.compute_output_shape([f.shape for f in _features(case, a)]) == a["y"].shape
    assert_config_matches(layer.get_config(), case["config"])


def test_object_and_bytes_features_hash_as_their_utf8_text():
    case, _, _, _, a = GOLDEN.load("hc_str_int")
    words, ints = _features(case, a)
    as_bytes = np.array([w.encode() for w in words], dtype=object)
    y = L.HashedCrossing(**case["kwargs"])([as_bytes, ints])
    np.testing.assert_array_equal(np.asarray(y), a["y"])
    # Integers hash as their 64-bit value, whatever their NumPy width.
    small = np.array([0, 1, -1, 7])
    layer = L.HashedCrossing(1000)
    np.testing.assert_array_equal(np.asarray(layer([words[:4], small.astype("int32")])),
                                  np.asarray(layer([words[:4], small.astype("int64")])))


def test_inside_a_saved_model(tmp_path):
    case, _, _, _, a = GOLDEN.load("hc_column")
    x0, x1 = (Input((1,), dtype="string") for _ in range(2))
    model = Model([x0, x1], L.HashedCrossing(97)([x0, x1]))
    want = a["y"]
    np.testing.assert_array_equal(model.predict(_features(case, a), verbose=0), want)
    model.save(tmp_path / "m.keras")
    again = load_model(tmp_path / "m.keras")
    np.testing.assert_array_equal(again.predict(_features(case, a), verbose=0), want)


def test_errors():
    layer = L.HashedCrossing(5)
    with pytest.raises(ValueError, match="list or tuple"):
        layer(np.array([1, 2]))
    with pytest.raises(ValueError, match="at least two"):
        layer([np.array([1, 2])])
    with pytest.raises(ValueError, match="equal shape"):
        layer([np.array([1, 2]), np.array([1, 2, 3])])
    with pytest.raises(ValueError, match=r"`\[batch_size, 1\]`"):
        layer([np.ones((2, 2), "int64"), np.ones((2, 2), "int64")])
    with pytest.raises(ValueError, match="integer or string"):
        layer([np.array([1.5]), np.array([1])])
    with pytest.raises(ValueError, match="`dtype` should be an integer"):
        L.HashedCrossing(5, dtype="float32")
    with pytest.raises(ValueError, match="output_mode"):
        L.HashedCrossing(5, output_mode="count")
