"""The tf.keras 2.21 `keras.utils` data helpers exist under ckeras.utils and
behave as their preprocessing originals."""
import numpy as np
import pytest

import ckeras.utils as U
from ckeras.preprocessing.image import utils as image_utils

TF_KERAS_UTILS_DATA = ["get_file", "image_dataset_from_directory", "text_dataset_from_directory",
                       "timeseries_dataset_from_array", "load_img", "img_to_array",
                       "array_to_img", "save_img", "pad_sequences", "to_categorical",
                       "to_ordinal", "normalize", "Sequence", "Progbar", "set_random_seed",
                       "get_registered_object", "serialize_keras_object",
                       "deserialize_keras_object"]


def test_names_exported():
    missing = [n for n in TF_KERAS_UTILS_DATA if not callable(getattr(U, n, None))]
    assert missing == []
    assert set(TF_KERAS_UTILS_DATA) <= set(U.__all__)


def test_image_aliases_round_trip(tmp_path):
    pytest.importorskip("PIL")
    x = np.random.default_rng(0).integers(0, 256, (5, 7, 3)).astype("float32")
    path = tmp_path / "a.png"
    U.save_img(path, x, scale=False)
    img = U.load_img(path)
    np.testing.assert_array_equal(U.img_to_array(img), x)
    np.testing.assert_array_equal(U.img_to_array(U.load_img(path, target_size=(2, 3))),
                                  image_utils.img_to_array(image_utils.load_img(
                                      path, target_size=(2, 3))))
    assert U.array_to_img(x, scale=False).size == (7, 5)
    gray = U.img_to_array(U.load_img(path, color_mode="grayscale"))
    assert gray.shape == (5, 7, 1)


def test_to_ordinal():
    np.testing.assert_array_equal(U.to_ordinal([0, 1, 2, 3]),
                                  [[0, 0, 0], [1, 0, 0], [1, 1, 0], [1, 1, 1]])
    out = U.to_ordinal(np.array([[2], [0]]), num_classes=4, dtype="int32")
    assert out.shape == (2, 3) and out.dtype == np.int32
    np.testing.assert_array_equal(out, [[1, 1, 0], [0, 0, 0]])
    with pytest.raises(ValueError, match="class indices"):
        U.to_ordinal([3], num_classes=2)
