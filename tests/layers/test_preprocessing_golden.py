"""The numeric and image preprocessing layers against tf-keras 2.21
(tests/fixtures/preprocessing_layers, written by
tools/make_fixtures_preprocessing_layers.py): outputs of every resize
method, crops, rescaling, the adapted statistics of Normalization and
Discretization, the deterministic transforms of the random layers, and
get_config."""
import json
import pathlib

import numpy as np
import pytest

from ckeras import layers
from ckeras.kernels import use_kernels
from ckeras.layers.preprocessing import image_preprocessing as ip
from ckeras.testing import Golden

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures"
CASES, ARRAYS = Golden(FIXTURES, "preprocessing_layers").bundle()
BY_NAME = {c["name"]: c for c in CASES}


def _names(*prefixes, field="name"):
    return sorted(c["name"] for c in CASES if c["name"].startswith(prefixes))


def _args(case):
    """Constructor arguments from JSON: pairs given as tuples, as written."""
    args = dict(case["args"])
    for key in ("factor", "height_factor", "width_factor", "value_range", "axis"):
        if isinstance(args.get(key), list):
            args[key] = tuple(args[key])
    return args


def _run(case):
    layer = getattr(layers, case["layer"])(**_args(case))
    x = ARRAYS[case["x_key"]]
    return layer, layer(x, **case.get("call", {}))


def _close(got, want, rel):
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    assert got.shape == want.shape
    scale = max(1.0, float(np.abs(want).max()) if want.size else 1.0)
    np.testing.assert_allclose(got, want, rtol=0, atol=rel * scale)


@pytest.mark.parametrize("kernels", ["c", "numpy"])
@pytest.mark.parametrize("name", _names("resizing_", "center_crop_", "random_crop_inference"))
def test_resizing_and_crops_match_tf_keras(name, kernels):
    case = BY_NAME[name]
    with use_kernels(kernels):
        _, y = _run(case)
    y = np.asarray(y)
    assert y.dtype == np.float32
    # float32 rounding of TensorFlow's own accumulation order
    _close(y, ARRAYS[name + ".y"], 3e-6)
    if case["args"].get("interpolation") == "nearest" or name.startswith("center_crop_4"):
        np.testing.assert_array_equal(y, ARRAYS[name + ".y"])


@pytest.mark.parametrize("name", _names("rescaling_"))
def test_rescaling_matches_tf_keras(name):
    _, y = _run(BY_NAME[name])
    assert np.asarray(y).dtype == np.float32
    np.testing.assert_array_equal(np.asarray(y), ARRAYS[name + ".y"])


@pytest.mark.parametrize("kernels", ["c", "numpy"])
@pytest.mark.parametrize("name", _names("rotation_", "zoom_", "translation_"))
def test_affine_layers_match_tf_keras_transform(name, kernels):
    with use_kernels(kernels):
        _, y = _run(BY_NAME[name])
    # nearest picks the same pixels (same float32 sample points); bilinear
    # blends them in the same float order
    _close(y, ARRAYS[name + ".y"], 2e-6)


@pytest.mark.parametrize("name", _names("brightness_", "height_", "width_"))
def test_intensity_and_size_layers_match_tf_keras(name):
    _, y = _run(BY_NAME[name])
    _close(y, ARRAYS[name + ".y"], 3e-6)


@pytest.mark.parametrize("name", _names("adjust_contrast_"))
def test_contrast_transform_matches_tf_image_adjust_contrast(name):
    case = BY_NAME[name]
    y = np.clip(ip.adjust_contrast(ARRAYS[case["x_key"]], case["args"]["factor"]), 0, 255)
    _close(y, ARRAYS[name + ".y"], 2e-6)


@pytest.mark.parametrize("name", _names("normalization_"))
def test_normalization_adapt_and_call_match_tf_keras(name):
    case = BY_NAME[name]
    layer = layers.Normalization(**_args(case))
    if "mean" not in case["args"]:
        layer.adapt(ARRAYS[name + ".data"], **(case.get("adapt") or {}))
        mean, var, count = (ARRAYS[f"{name}.w{k}"] for k in range(3))
        got = layer.get_weights()
        # float32 moments: TensorFlow's reduction order differs from NumPy's
        _close(got[0], mean, 2e-6)
        _close(got[1], var, 2e-5)
        assert int(got[2]) == int(count)
    y = layer(ARRAYS[case["x_key"]])
    _close(y, ARRAYS[name + ".y"], 2e-5)


@pytest.mark.parametrize("name", _names("discretization_"))
def test_discretization_matches_tf_keras(name):
    case = BY_NAME[name]
    layer = layers.Discretization(**_args(case))
    if "bin_boundaries" in case:
        layer.adapt(ARRAYS[name + ".data"], **(case.get("adapt") or {}))
        np.testing.assert_allclose(layer.bin_boundaries, case["bin_boundaries"], rtol=1e-6)
    y = np.asarray(layer(ARRAYS[case["x_key"]]))
    want = ARRAYS[name + ".y"]
    assert y.dtype == want.dtype and y.shape == want.shape
    np.testing.assert_array_equal(y, want)


def _jsonable(cfg):
    return json.loads(json.dumps(cfg))


@pytest.mark.parametrize("name", _names("config_"))
def test_get_config_equals_tf_keras_and_round_trips(name):
    case = BY_NAME[name]
    layer = getattr(layers, case["layer"])(name=name, **_args(case))
    got = _jsonable(layer.get_config())
    assert got == case["config"]
    again = layers.deserialize({"class_name": case["layer"], "config": case["config"]})
    assert _jsonable(again.get_config()) == case["config"]


def test_tf_keras_h5_pipeline_loads_and_predicts_the_same():
    from ckeras import models
    model = models.load_model(str(FIXTURES / "preprocessing_layers" / "pipeline.h5"))
    kinds = [type(la).__name__ for la in model.layers]
    for name in ("Rescaling", "Normalization", "Resizing", "CenterCrop", "RandomFlip",
                 "RandomRotation", "Discretization"):
        assert name in kinds
    y0, y1, y2 = model.predict(ARRAYS["pipeline.x"], verbose=0)
    _close(y0, ARRAYS["pipeline.y0"], 2e-5)
    np.testing.assert_array_equal(y1, ARRAYS["pipeline.y1"])
    # the adapted Discretization: boundaries from tf-keras' shorter summary
    np.testing.assert_array_equal(y2, ARRAYS["pipeline.y2"])
    disc = [la for la in model.layers if isinstance(la, layers.Discretization)
            and la.num_bins == 5][0]
    assert len(disc.bin_boundaries) == 4
    norm = model.layers[kinds.index("Normalization")]
    assert int(norm.get_weights()[2]) == 4 * 10 * 12
