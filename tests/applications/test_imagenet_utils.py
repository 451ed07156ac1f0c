"""preprocess_input in every mode against tf-keras, decode_predictions with a
local class index, the public module paths, and Keras' ValueErrors."""
import json
import os

import numpy as np
import pytest

import ckeras
from ckeras import applications
from ckeras import backend as K
from ckeras.applications import imagenet_utils

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        "fixtures", "applications")
PRE = np.load(os.path.join(FIXTURES, "preprocess.npz"))
MODES = ("caffe", "tf", "torch")
FORMATS = ("channels_last", "channels_first")


def _src(fmt, rank):
    return PRE[f"x_{fmt[9:]}{rank}"]


@pytest.mark.parametrize("rank", (3, 4))
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("mode", MODES)
def test_preprocess_numpy_matches_tf_keras(mode, fmt, rank):
    src = _src(fmt, rank)
    got = imagenet_utils.preprocess_input(src.copy(), data_format=fmt, mode=mode)
    want = PRE[f"{mode}_{fmt}_{rank}_uint8"]
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-5)
    x = src.astype(np.float32)
    got = imagenet_utils.preprocess_input(x, data_format=fmt, mode=mode)
    np.testing.assert_allclose(got, PRE[f"{mode}_{fmt}_{rank}_float32"], rtol=1e-6, atol=1e-5)


def test_preprocess_float_input_is_overwritten_in_place():
    x = _src("channels_last", 4).astype(np.float32)
    out = imagenet_utils.preprocess_input(x, mode="tf")
    assert np.shares_memory(out, x)
    np.testing.assert_allclose(x, PRE["tf_channels_last_4_float32"], rtol=1e-6)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("mode", MODES)
def test_preprocess_symbolic_matches_tf_keras(mode, fmt):
    src = _src(fmt, 4).astype(np.float32)
    inp = ckeras.layers.Input(src.shape[1:])
    model = ckeras.Model(inp, imagenet_utils.preprocess_input(inp, data_format=fmt, mode=mode))
    np.testing.assert_allclose(model.predict(src, verbose=0),
                               PRE[f"{mode}_{fmt}_4_float32"], rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("module, mode", [
    ("vgg16", "caffe"), ("vgg19", "caffe"), ("resnet", "caffe"), ("resnet50", "caffe"),
    ("resnet_v2", "tf"), ("mobilenet", "tf"), ("mobilenet_v2", "tf"), ("inception_v3", "tf"),
    ("xception", "tf"), ("densenet", "torch")])
def test_module_preprocess_mode(module, mode):
    src = _src("channels_last", 4)
    got = getattr(applications, module).preprocess_input(src.astype(np.float32))
    np.testing.assert_allclose(got, PRE[f"{mode}_channels_last_4_float32"], rtol=1e-6,
                               atol=1e-5)


@pytest.mark.parametrize("module", ("mobilenet_v3", "efficientnet"))
def test_module_preprocess_is_identity_for_self_rescaling_models(module):
    x = _src("channels_last", 4).astype(np.float32)
    assert getattr(applications, module).preprocess_input(x) is x


def test_preprocess_bad_arguments():
    x = np.zeros((1, 2, 2, 3), np.float32)
    with pytest.raises(ValueError, match="mode.*'caffe'.*Received: mode='pytorch'"):
        imagenet_utils.preprocess_input(x, mode="pytorch")
    with pytest.raises(ValueError, match="data_format.*Received: data_format='NHWC'"):
        imagenet_utils.preprocess_input(x, data_format="NHWC")


@pytest.fixture
def class_index(server, monkeypatch, cache):
    index = {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}
    data = json.dumps(index).encode()
    (server.root / "imagenet_class_index.json").write_bytes(data)
    import hashlib
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_PATH",
                        server.url("imagenet_class_index.json"))
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_HASH", hashlib.md5(data).hexdigest())
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX", None)
    return server


def test_decode_predictions_with_local_class_index(class_index, cache):
    preds = np.zeros((2, 1000), np.float32)
    preds[0, [5, 17, 999]] = [0.2, 0.5, 0.3]
    preds[1, [0, 1]] = [0.9, 0.1]
    out = applications.resnet50.decode_predictions(preds, top=3)
    assert [r[:2] for r in out[0]] == [("n00000017", "class_17"), ("n00000999", "class_999"),
                                       ("n00000005", "class_5")]
    assert [float(r[2]) for r in out[0]] == pytest.approx([0.5, 0.3, 0.2])
    assert out[1][0][:2] == ("n00000000", "class_0") and len(out[1]) == 3
    assert (cache / "models" / "imagenet_class_index.json").is_file()
    applications.mobilenet_v2.decode_predictions(preds)  # read once per process
    assert class_index.requests == ["/imagenet_class_index.json"]


def test_decode_predictions_rejects_bad_shape():
    with pytest.raises(ValueError, match=r"\(samples, 1000\).*\(2, 10\)"):
        imagenet_utils.decode_predictions(np.zeros((2, 10)))


# The names tf.keras.applications 2.21 exports from each of these modules.
MODULE_NAMES = {
    "densenet": {"DenseNet121", "DenseNet169", "DenseNet201"},
    "efficientnet": {f"EfficientNetB{i}" for i in range(8)},
    "imagenet_utils": set(),
    "inception_v3": {"InceptionV3"},
    "mobilenet": {"MobileNet"},
    "mobilenet_v2": {"MobileNetV2"},
    "mobilenet_v3": set(),
    "resnet": {"ResNet50", "ResNet101", "ResNet152"},
    "resnet50": {"ResNet50"},
    "resnet_v2": {"ResNet50V2", "ResNet101V2", "ResNet152V2"},
    "vgg16": {"VGG16"},
    "vgg19": {"VGG19"},
    "xception": {"Xception"},
}


@pytest.mark.parametrize("module", sorted(MODULE_NAMES))
def test_module_paths(module):
    import importlib

    mod = importlib.import_module(f"ckeras.applications.{module}")
    assert mod is getattr(applications, module)
    for name in MODULE_NAMES[module] | {"preprocess_input", "decode_predictions"}:
        assert callable(getattr(mod, name)), name
        if name[0].isupper():
            assert getattr(applications, name) is getattr(mod, name)


def test_mobilenet_v3_classes_at_top_level():
    from ckeras.applications.mobilenet_v3 import MobileNetV3Large, MobileNetV3Small
    assert applications.MobileNetV3Small is MobileNetV3Small
    assert applications.MobileNetV3Large is MobileNetV3Large


@pytest.mark.parametrize("fn, kwargs, match", [
    ("ResNet50", {"weights": "imagenet", "classes": 10}, "classes.*1000.*Received: classes=10"),
    ("VGG16", {"weights": "/no/such/file.h5"}, "weights.*Received: weights='/no/such"),
    ("DenseNet121", {"weights": None, "input_shape": (31, 64, 3), "include_top": False},
     "at least 32x32.*\\(31, 64, 3\\)"),
    ("InceptionV3", {"weights": None, "input_shape": (74, 80, 3), "include_top": False},
     "at least 75x75"),
    ("Xception", {"weights": "imagenet", "input_shape": (224, 224, 3)},
     "must be \\(299, 299, 3\\).*Received: input_shape=\\(224, 224, 3\\)"),
    ("ResNet50", {"weights": None, "input_shape": (None, None, 3)}, "static"),
    ("ResNet50", {"weights": "imagenet", "include_top": False, "input_shape": (64, 64, 1)},
     "3 channels"),
    ("ResNet50", {"weights": None, "input_shape": (64, 64)}, "three integers"),
    ("MobileNet", {"weights": "imagenet", "alpha": 0.3}, "alpha.*Received: alpha=0.3"),
    ("MobileNet", {"weights": "imagenet", "depth_multiplier": 2}, "depth_multiplier"),
    ("MobileNetV2", {"weights": "imagenet", "alpha": 0.9}, "alpha.*Received: alpha=0.9"),
    ("MobileNetV3Small", {"weights": "imagenet", "alpha": 0.75, "minimalistic": True},
     "alpha.*minimalistic=True"),
    ("MobileNetV3Large", {"weights": None, "input_shape": (16, 64, 3)}, "at least 32x32"),
    ("EfficientNetB0", {"weights": "imagenet", "classifier_activation": "relu"},
     "classifier_activation.*'relu'"),
    ("ResNet50", {"weights": None, "layers": None}, "unknown argument.*layers"),
])
def test_keras_value_errors(fn, kwargs, match):
    K.clear_session()
    with pytest.raises(ValueError, match=match):
        getattr(applications, fn)(**kwargs)


def test_densenet_custom_blocks_have_no_imagenet_weights():
    K.clear_session()
    model = applications.densenet.DenseNet([1, 1, 1, 1], weights=None, input_shape=(32, 32, 3))
    assert model.name == "densenet"
    assert model.get_layer("conv5_block1_concat") is not None
    with pytest.raises(ValueError, match="blocks=\\[1, 1, 1, 1\\]"):
        applications.densenet.DenseNet([1, 1, 1, 1], weights="imagenet")


def test_input_tensor_and_pooling():
    K.clear_session()
    inp = ckeras.layers.Input((40, 48, 3))
    model = applications.ResNet50V2(weights=None, include_top=False, input_tensor=inp,
                                    pooling="max")
    assert model.inputs[0] is inp
    assert model.output_shape == (None, 2048)
    assert model.layers[-1].name == "max_pool"
    x = np.random.RandomState(0).rand(1, 40, 48, 3).astype(np.float32)
    features = ckeras.Model(inp, model.get_layer("post_relu").output).predict(x, verbose=0)
    np.testing.assert_allclose(model.predict(x, verbose=0), features.max(axis=(1, 2)),
                               rtol=1e-6)


def test_channels_first_shape_and_default_size():
    K.clear_session()
    K.set_image_data_format("channels_first")
    try:
        model = applications.MobileNetV2(weights=None, input_shape=(3, 96, 96), alpha=0.35,
                                         classes=4)
        assert model.input_shape == (None, 3, 96, 96)
        assert model.name == "mobilenetv2_0.35_96"
        assert model.get_layer("Conv_1_bn").axis in (1, [1])
    finally:
        K.set_image_data_format("channels_last")


def test_reachable_as_ckeras_attribute():
    import subprocess
    import sys

    code = ("import ckeras, sys; assert 'ckeras.applications' not in sys.modules; "
            "print(ckeras.applications.ResNet50.__module__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "ckeras.applications.resnet"
