"""Weight files: an .h5 written by tf-keras loads (by order and by name) with
equal predictions; weights='imagenet' downloads Keras' file name through
get_file into Keras' models cache (a local HTTP server stands in for
storage.googleapis.com), reuses a file already there, and rejects a file
whose hash is not Keras'."""
import gzip
import hashlib
import os
import shutil

import fill
import numpy as np
import pytest

from ckeras import backend as K
from ckeras.applications import MobileNetV3Small, mobilenet_v3

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        "fixtures", "applications")
KEY = "small_minimalistic_224_1.0_float"
FILE_NAME = f"weights_mobilenet_v3_{KEY}_no_top_v2.h5"
CASE = np.load(os.path.join(FIXTURES, "h5_case.npz"))
KWARGS = fill.H5_CASE[1]


@pytest.fixture
def h5_file(tmp_path):
    path = tmp_path / "tf_keras_weights.h5"
    with gzip.open(os.path.join(FIXTURES, "mobilenet_v3_small_min.h5.gz")) as src, \
            open(path, "wb") as dst:
        shutil.copyfileobj(src, dst)
    return path


def _md5(path):
    return hashlib.md5(open(path, "rb").read()).hexdigest()


def _check_predictions(model):
    np.testing.assert_allclose(model.predict(CASE["x"], verbose=0), CASE["y"],
                               rtol=1e-4, atol=1e-5 * float(np.abs(CASE["y"]).max()))


def test_h5_written_by_tf_keras_loads_by_path(h5_file):
    K.clear_session()
    model = MobileNetV3Small(weights=str(h5_file), **KWARGS)
    _check_predictions(model)


def test_h5_written_by_tf_keras_loads_by_name(h5_file):
    K.clear_session()
    model = MobileNetV3Small(weights=None, **KWARGS)
    before = model.predict(CASE["x"], verbose=0)
    assert not np.allclose(before, CASE["y"], rtol=1e-2)
    model.load_weights(str(h5_file), by_name=True)
    _check_predictions(model)


@pytest.fixture
def served(server, h5_file, monkeypatch, cache):
    """The tf-keras file served under Keras' file name, with Keras' URL base
    and hash table pointed at it."""
    shutil.copy(h5_file, server.root / FILE_NAME)
    monkeypatch.setattr(mobilenet_v3, "BASE_WEIGHT_PATH", server.url())
    monkeypatch.setitem(mobilenet_v3.WEIGHTS_HASHES, KEY,
                        (mobilenet_v3.WEIGHTS_HASHES[KEY][0], _md5(h5_file)))
    return server


def test_imagenet_downloads_into_keras_cache_once(served, cache):
    K.clear_session()
    with pytest.warns(UserWarning, match="224"):
        model = MobileNetV3Small(weights="imagenet", **KWARGS)
    _check_predictions(model)
    assert served.requests == ["/" + FILE_NAME]
    cached = cache / "models" / FILE_NAME
    assert cached.is_file() and _md5(cached) == _md5(served.root / FILE_NAME)
    K.clear_session()
    with pytest.warns(UserWarning):
        again = MobileNetV3Small(weights="imagenet", **KWARGS)
    _check_predictions(again)
    assert len(served.requests) == 1  # the cached file is reused


def test_imagenet_reuses_file_already_downloaded_by_keras(server, h5_file, monkeypatch, cache):
    (cache / "models").mkdir(parents=True)
    shutil.copy(h5_file, cache / "models" / FILE_NAME)
    monkeypatch.setattr(mobilenet_v3, "BASE_WEIGHT_PATH", server.url())
    monkeypatch.setitem(mobilenet_v3.WEIGHTS_HASHES, KEY,
                        (mobilenet_v3.WEIGHTS_HASHES[KEY][0], _md5(h5_file)))
    K.clear_session()
    with pytest.warns(UserWarning):
        model = MobileNetV3Small(weights="imagenet", **KWARGS)
    _check_predictions(model)
    assert server.requests == []


def test_imagenet_file_with_wrong_hash_is_rejected(server, h5_file, monkeypatch, cache):
    # Keras' real hash of the published file: the local stand-in cannot match it
    shutil.copy(h5_file, server.root / FILE_NAME)
    monkeypatch.setattr(mobilenet_v3, "BASE_WEIGHT_PATH", server.url())
    K.clear_session()
    with pytest.warns(UserWarning), pytest.raises(ValueError, match="hash|Hash"):
        MobileNetV3Small(weights="imagenet", **KWARGS)
    assert not (cache / "models" / FILE_NAME).exists()


@pytest.mark.parametrize("module, fn, kwargs, file_name", [
    ("resnet", "ResNet50", {"include_top": False},
     "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5"),
    ("resnet_v2", "ResNet50V2", {},
     "resnet50v2_weights_tf_dim_ordering_tf_kernels.h5"),
    ("vgg16", "VGG16", {"include_top": False},
     "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"),
    ("densenet", "DenseNet121", {"include_top": False},
     "densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5"),
    ("mobilenet", "MobileNet", {"alpha": 0.25, "include_top": False,
                                "input_shape": (128, 128, 3)},
     "mobilenet_2_5_128_tf_no_top.h5"),
    ("mobilenet_v2", "MobileNetV2", {"alpha": 0.35, "input_shape": (96, 96, 3)},
     "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_96.h5"),
    ("efficientnet", "EfficientNetB0", {"include_top": False},
     "efficientnetb0_notop.h5"),
    ("inception_v3", "InceptionV3", {"include_top": False},
     "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"),
    ("xception", "Xception", {},
     "xception_weights_tf_dim_ordering_tf_kernels.h5"),
])
def test_imagenet_asks_get_file_for_keras_file(monkeypatch, module, fn, kwargs, file_name):
    """Each architecture asks get_file for Keras' file name, URL, md5 and the
    'models' cache folder (get_file itself is stubbed: nothing downloads)."""
    import importlib

    from ckeras.applications import imagenet_utils

    mod = importlib.import_module(f"ckeras.applications.{module}")
    calls = []

    class Stop(Exception):
        pass

    def fake_get_file(fname, origin, **kw):
        calls.append((fname, origin, kw))
        raise Stop

    monkeypatch.setattr(imagenet_utils, "get_file", fake_get_file)
    K.clear_session()
    with pytest.raises(Stop):
        getattr(mod, fn)(weights="imagenet", **kwargs)
    (fname, origin, kw), = calls
    assert fname == file_name
    assert origin.startswith("https://storage.googleapis.com/") and origin.endswith(
        "/" + file_name)
    assert kw["cache_subdir"] == "models"
    if module not in ("mobilenet", "mobilenet_v2"):  # Keras publishes no hash for these
        assert len(kw["file_hash"]) == 32
