"""ckeras.preprocessing.image: parity with tf-keras golden values
(tests/fixtures/preprocessing_image, from tools/make_fixtures_image.py) on the
C and on the NumPy-reference kernels, transforms, iterators, errors."""
import importlib
import os
import pathlib
import warnings

import numpy as np
import pytest

from ckeras.preprocessing import image as im
from ckeras.preprocessing.image import ImageDataGenerator
from ckeras.testing import Golden
from ckeras.utils.data_utils import Sequence

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures"
IMAGES = Golden(FIXTURES, "preprocessing_image")



@pytest.fixture(scope="module")
def golden():
    return IMAGES.bundle()


def _quiet():
    return warnings.catch_warnings()


# ---------------------------------------------------------------------------
# golden values
# ---------------------------------------------------------------------------

def test_apply_transform_matches_tf_keras(golden, impl):
    cases, arrays = golden
    assert len(cases["apply"]) > 100
    for case in cases["apply"]:
        x = arrays[case["image"]]
        if case["data_format"] == "channels_first":
            x = np.ascontiguousarray(x.transpose(2, 0, 1))
        gen = ImageDataGenerator(fill_mode=case["fill_mode"], cval=case["cval"],
                                 data_format=case["data_format"])
        x_before = x.copy()
        y = gen.apply_transform(x, case["params"])
        np.testing.assert_array_equal(x, x_before)  # input untouched
        ref = arrays[case["key"]]
        assert y.shape == ref.shape, case
        np.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-3, err_msg=str(case))


def test_get_random_transform_matches_tf_keras(golden):
    cases, _ = golden
    for case in cases["random"]:
        gen = ImageDataGenerator(**case["config"])
        got = gen.get_random_transform(tuple(case["shape"]), seed=case["seed"])
        assert set(got) == set(case["params"])
        for k, v in case["params"].items():
            if v is None:
                assert got[k] is None, (k, case)
            else:
                assert got[k] == pytest.approx(v, rel=1e-12, abs=1e-12), (k, case)


def test_standardize_after_fit_matches_tf_keras(golden):
    cases, arrays = golden
    for case in cases["standardize"]:
        fmt = case["data_format"]
        with _quiet():
            warnings.simplefilter("ignore")
            gen = ImageDataGenerator(data_format=fmt, **case["config"])
        data, batch = arrays["fit_data"], arrays["fit_batch"]
        if fmt == "channels_first":
            data, batch = data.transpose(0, 3, 1, 2), batch.transpose(0, 3, 1, 2)
        data0 = data.copy()
        gen.fit(data)
        np.testing.assert_array_equal(data, data0)
        key = case["key"]
        for attr in ("mean", "std", "zca_whitening_matrix"):
            if key + "_" + attr in arrays:
                np.testing.assert_allclose(getattr(gen, attr), arrays[key + "_" + attr],
                                           rtol=1e-4, atol=1e-5, err_msg=f"{case} {attr}")
            else:
                assert getattr(gen, attr) is None
        b0 = batch.copy()
        out = gen.standardize(batch)
        np.testing.assert_array_equal(batch, b0)  # ckeras never modifies the argument
        np.testing.assert_allclose(out, arrays[key], rtol=1e-4, atol=2e-4, err_msg=str(case))


def test_flow_batches_match_tf_keras(golden):
    cases, arrays = golden
    xs, ys = arrays["flow_x"], arrays["flow_y"]
    for case in cases["flow"]:
        i = case["index"]
        gen = ImageDataGenerator(**case["config"])
        it = gen.flow(xs, ys, batch_size=4, seed=42)
        for b in range(4):
            bx, by = next(it)
            np.testing.assert_array_equal(by, arrays[f"flow_{i}_{b}_y"])
            np.testing.assert_allclose(bx, arrays[f"flow_{i}_{b}_x"], rtol=1e-5, atol=1e-3)
        bx, by = gen.flow(xs, ys, batch_size=4, seed=5, shuffle=True)[1]
        np.testing.assert_array_equal(by, arrays[f"flow_{i}_getitem_y"])
        np.testing.assert_allclose(bx, arrays[f"flow_{i}_getitem_x"], rtol=1e-5, atol=1e-3)


def test_shift_axes_follow_the_documentation(impl):
    x = np.zeros((5, 7, 1), np.float32)
    x[2, 3] = 1
    gen = ImageDataGenerator(fill_mode="constant")
    assert tuple(np.argwhere(gen.apply_transform(x, {"tx": 1})[..., 0])[0]) == (1, 3)
    assert tuple(np.argwhere(gen.apply_transform(x, {"ty": 1})[..., 0])[0]) == (2, 2)
    # height_shift_range feeds tx (rows), width_shift_range feeds ty (cols)
    p = ImageDataGenerator(height_shift_range=[2]).get_random_transform((5, 7, 1), seed=0)
    assert abs(p["tx"]) == 2 and p["ty"] == 0


def test_zoom_is_about_the_true_centre_of_non_square_images(impl):
    x = np.arange(4 * 8, dtype=np.float32).reshape(4, 8, 1)
    y = ImageDataGenerator(fill_mode="constant").apply_transform(x, {"zx": 0.5, "zy": 0.5})
    # zooming in about the centre keeps the centre value and stays inside the image
    assert np.all(y != 0)
    np.testing.assert_allclose(y.mean(), x.mean(), rtol=1e-6)


def test_identity_and_dtypes(impl):
    x = np.random.default_rng(0).random((4, 5, 3)).astype(np.float64)
    gen = ImageDataGenerator()
    y = gen.apply_transform(x, {})
    assert y is not x and y.dtype == np.float64
    np.testing.assert_array_equal(y, x)
    y = gen.apply_transform(x, {"theta": 360.0})
    np.testing.assert_allclose(y, x, atol=1e-9)
    xi = (x * 255).astype(np.uint8)
    assert gen.apply_transform(xi, {"theta": 10}).dtype == np.float32


# ---------------------------------------------------------------------------
# brightness, channel shift, flips
# ---------------------------------------------------------------------------

def test_brightness_matches_pillow_and_channels_first():
    PIL = pytest.importorskip("PIL")  # noqa: F841
    from PIL import Image, ImageEnhance
    rng = np.random.default_rng(3)
    for c in (1, 3, 4):
        x = (rng.random((6, 5, c)) * 255).astype(np.float32)
        for f in (0.0, 0.37, 1.0, 1.9):
            got = im.apply_brightness_shift(x, f, scale=False)
            img = im.array_to_img(x, scale=False)
            ref = im.img_to_array(ImageEnhance.Brightness(img).enhance(f))
            np.testing.assert_array_equal(got, ref)
            got_cf = im.apply_brightness_shift(x.transpose(2, 0, 1), f, False, channel_axis=0)
            np.testing.assert_array_equal(got_cf.transpose(1, 2, 0), got)
    assert Image is not None


def test_channel_shift_and_flips():
    x = np.arange(24, dtype=np.float32).reshape(2, 4, 3)
    y = im.apply_channel_shift(x, 5.0, 2)
    np.testing.assert_array_equal(y, np.clip(x + 5, 0, 23))
    gen = ImageDataGenerator()
    np.testing.assert_array_equal(gen.apply_transform(x, {"flip_horizontal": True}), x[:, ::-1])
    np.testing.assert_array_equal(gen.apply_transform(x, {"flip_vertical": True}), x[::-1])


# ---------------------------------------------------------------------------
# iterators
# ---------------------------------------------------------------------------

def test_flow_iterator_semantics():
    x = np.random.default_rng(0).random((10, 4, 4, 3)).astype(np.float32)
    y = np.arange(10)
    w = np.linspace(0.1, 1, 10)
    it = ImageDataGenerator().flow(x, y, batch_size=4, shuffle=False, sample_weight=w)
    assert isinstance(it, Sequence) and len(it) == 3
    sizes = [len(next(it)[0]) for _ in range(4)]
    assert sizes == [4, 4, 2, 4]
    bx, by, bw = it[2]
    np.testing.assert_array_equal(by, [8, 9])
    np.testing.assert_array_equal(bw, w[8:])
    np.testing.assert_array_equal(bx, x[8:])
    with pytest.raises(ValueError, match="length 3"):
        it[3]
    only_x = ImageDataGenerator().flow(x, batch_size=5, shuffle=False)[0]
    assert isinstance(only_x, np.ndarray) and only_x.shape == (5, 4, 4, 3)
    misc = ImageDataGenerator().flow((x, [y, y * 2]), y, batch_size=3, shuffle=False)[1]
    assert isinstance(misc[0], list) and len(misc[0]) == 3
    np.testing.assert_array_equal(misc[0][2], [6, 8, 10])


def test_same_seed_same_batches():
    x = np.random.default_rng(0).random((9, 5, 5, 3)).astype(np.float32) * 255
    y = np.arange(9) % 3
    gen = ImageDataGenerator(rotation_range=30, width_shift_range=0.2, height_shift_range=2,
                             zoom_range=0.2, horizontal_flip=True, brightness_range=(.5, 1.5))
    a = [gen.flow(x, y, batch_size=4, seed=11)[i] for i in range(3)]
    b = [gen.flow(x, y, batch_size=4, seed=11)[i] for i in range(3)]
    for (xa, ya), (xb, yb) in zip(a, b):
        np.testing.assert_array_equal(xa, xb)
        np.testing.assert_array_equal(ya, yb)
    c = gen.flow(x, y, batch_size=4, seed=12)[0]
    assert not np.array_equal(a[0][0], c[0])


def test_validation_split_subsets():
    x = np.random.default_rng(0).random((10, 3, 3, 1)).astype(np.float32)
    y = np.array([0, 1] * 5)
    gen = ImageDataGenerator(validation_split=0.3)
    val = gen.flow(x, y, batch_size=10, shuffle=False, subset="validation")
    tr = gen.flow(x, y, batch_size=10, shuffle=False, subset="training")
    assert val.n == 3 and tr.n == 7
    np.testing.assert_array_equal(val[0][1], y[:3])  # validation = FIRST samples
    np.testing.assert_array_equal(tr[0][1], y[3:])
    with pytest.raises(ValueError, match="different number of classes"):
        gen.flow(x, np.array([0] * 3 + [1] * 7), subset="training")
    gen.flow(x, np.array([0] * 3 + [1] * 7), subset="training", ignore_class_split=True)
    with pytest.raises(ValueError, match="subset"):
        gen.flow(x, y, subset="test")


def test_flow_on_no_samples_is_empty_as_in_keras():
    # tf-keras 2.21: an iterator of length 0 whose next() gives empty batches
    gen = ImageDataGenerator(rotation_range=10)
    x = np.zeros((0, 4, 4, 3), np.float32)
    it = gen.flow(x, np.zeros(0), batch_size=2)
    assert len(it) == 0
    bx, by = next(it)
    assert bx.shape == (0, 4, 4, 3) and by.shape == (0,)
    with pytest.raises(ValueError, match="has length 0"):
        it[0]
    assert next(gen.flow(x, batch_size=2, shuffle=True, seed=1)).shape == (0, 4, 4, 3)
    # where Keras fails with a bare IndexError (#19 item 11): a clear error
    for bad in ([], [x], (x, np.zeros(0), np.zeros(0))):
        with pytest.raises(ValueError, match=r"`x` must be an array of images \(rank 4\) or "
                                             r"a pair .* got a (list|tuple) of [013] items"):
            gen.flow(bad)


def test_fit_accepts_iterator():
    from ckeras.layers import Dense, Flatten
    from ckeras.models import Sequential
    x = np.random.default_rng(0).random((12, 4, 4, 1)).astype(np.float32)
    y = (x.mean(axis=(1, 2, 3)) > 0.5).astype(np.float32)
    model = Sequential([Flatten(input_shape=(4, 4, 1)), Dense(1, activation="sigmoid")])
    model.compile("sgd", "binary_crossentropy")
    it = ImageDataGenerator(horizontal_flip=True).flow(x, y, batch_size=5, seed=1)
    hist = model.fit(it, epochs=2, verbose=0)
    assert len(hist.history["loss"]) == 2
    model.evaluate(it, verbose=0)
    # Model.predict does not take Sequences yet (engine); feed it the batches.
    batches = ImageDataGenerator().flow(x, batch_size=5, shuffle=False)
    pred = np.concatenate([model.predict(batches[i], verbose=0) for i in range(len(batches))])
    assert pred.shape == (12, 1)


# ---------------------------------------------------------------------------
# files (Pillow)
# ---------------------------------------------------------------------------

def _make_tree(root, counts=(("cats", 3), ("dogs", 5)), size=(6, 8)):
    rng = np.random.default_rng(0)
    for name, n in counts:
        os.makedirs(os.path.join(root, name), exist_ok=True)
        for i in range(n):
            arr = (rng.random(size + (3,)) * 255).astype(np.float32)
            im.save_img(os.path.join(root, name, f"img_{i}.png"), arr, scale=False)
    with open(os.path.join(root, "cats", "notes.txt"), "w") as f:
        f.write("not an image")


def test_flow_from_directory(tmp_path, capsys):
    pytest.importorskip("PIL")
    _make_tree(str(tmp_path))
    gen = ImageDataGenerator(rescale=1 / 255.0, validation_split=0.4)
    it = gen.flow_from_directory(str(tmp_path), target_size=(4, 5), batch_size=3,
                                 shuffle=False)
    assert "Found 8 images belonging to 2 classes." in capsys.readouterr().out
    assert it.class_indices == {"cats": 0, "dogs": 1}
    assert it.classes.dtype == np.int32 and list(it.classes) == [0] * 3 + [1] * 5
    assert it.filenames[0] == os.path.join("cats", "img_0.png")
    bx, by = it[0]
    assert bx.shape == (3, 4, 5, 3) and by.shape == (3, 2) and by.dtype == np.float32
    assert bx.max() <= 1.0
    for mode, shape in (("binary", (2,)), ("sparse", (2,)), ("input", (2, 4, 5, 3))):
        _, yb = gen.flow_from_directory(str(tmp_path), target_size=(4, 5), batch_size=3,
                                        class_mode=mode, shuffle=False)[2]
        assert yb.shape == shape and yb.dtype == np.float32
    xb = gen.flow_from_directory(str(tmp_path), target_size=(4, 5), class_mode=None,
                                 color_mode="grayscale")[0]
    assert isinstance(xb, np.ndarray) and xb.shape == (8, 4, 5, 1)
    val = gen.flow_from_directory(str(tmp_path), subset="validation", target_size=(4, 5))
    tr = gen.flow_from_directory(str(tmp_path), subset="training", target_size=(4, 5))
    assert val.samples == 1 + 2 and tr.samples == 2 + 3
    assert val.filenames[0] == os.path.join("cats", "img_0.png")
    rgba = gen.flow_from_directory(str(tmp_path), color_mode="rgba", target_size=(4, 5))[0][0]
    assert rgba.shape[-1] == 4


def test_flow_from_directory_errors(tmp_path):
    gen = ImageDataGenerator()
    with pytest.raises(FileNotFoundError, match="not found"):
        gen.flow_from_directory(str(tmp_path / "missing"))
    os.makedirs(tmp_path / "a")
    with pytest.raises(ValueError, match="class_mode"):
        gen.flow_from_directory(str(tmp_path), class_mode="multi")
    with pytest.raises(ValueError, match="color mode"):
        gen.flow_from_directory(str(tmp_path), color_mode="cmyk")


def test_save_to_dir_and_image_round_trip(tmp_path):
    pytest.importorskip("PIL")
    x = (np.random.default_rng(0).random((4, 5, 6, 3)) * 255).astype(np.float32)
    it = ImageDataGenerator().flow(x, batch_size=2, shuffle=False, save_to_dir=str(tmp_path),
                                   save_prefix="aug", save_format="png")
    it[0]
    files = sorted(os.listdir(tmp_path))
    assert len(files) == 2 and all(f.startswith("aug_") and f.endswith(".png") for f in files)
    img = im.load_img(os.path.join(tmp_path, files[0]))
    assert img.size == (6, 5)
    arr = im.img_to_array(img)
    assert arr.shape == (5, 6, 3)
    cf = im.img_to_array(img, data_format="channels_first")
    assert cf.shape == (3, 5, 6)
    g = im.load_img(os.path.join(tmp_path, files[0]), color_mode="grayscale",
                    target_size=(3, 4), interpolation="bilinear", keep_aspect_ratio=True)
    assert g.size == (4, 3) and g.mode == "L"
    with pytest.raises(ValueError, match="interpolation"):
        im.load_img(os.path.join(tmp_path, files[0]), target_size=(3, 4), interpolation="x")
    with pytest.raises(ValueError, match="rank 3"):
        im.array_to_img(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="channel"):
        im.array_to_img(np.zeros((2, 2, 2)))


def test_missing_pillow_message(monkeypatch):
    import builtins
    real_import = builtins.__import__

    def fake(name, *args, **kwargs):
        if name == "PIL" or name.startswith("PIL."):
            raise ImportError("no PIL")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake)
    with pytest.raises(ImportError, match=r"ckeras\[image\]"):
        im.array_to_img(np.zeros((2, 2, 3)))
    # brightness shifts do not need Pillow
    im.apply_brightness_shift(np.ones((2, 2, 3)) * 10, 0.5)


# ---------------------------------------------------------------------------
# bad arguments
# ---------------------------------------------------------------------------

def test_constructor_errors():
    with pytest.raises(ValueError, match="data_format"):
        ImageDataGenerator(data_format="channels_middle")
    with pytest.raises(ValueError, match="validation_split"):
        ImageDataGenerator(validation_split=1.5)
    with pytest.raises(ValueError, match="zoom_range"):
        ImageDataGenerator(zoom_range=(0.1, 0.2, 0.3))
    with pytest.raises(ValueError, match="brightness_range"):
        ImageDataGenerator(brightness_range=0.5)
    with pytest.raises(ValueError, match="fill_mode"):
        ImageDataGenerator(fill_mode="mirror")
    with pytest.raises(ValueError, match="interpolation_order"):
        ImageDataGenerator(interpolation_order=6)
    with pytest.warns(UserWarning, match="featurewise_center"):
        g = ImageDataGenerator(featurewise_std_normalization=True)
    assert g.featurewise_center
    with pytest.warns(UserWarning):
        g = ImageDataGenerator(zca_whitening=True, featurewise_std_normalization=True)
    assert g.featurewise_center and not g.featurewise_std_normalization
    assert ImageDataGenerator(zoom_range=0.2).zoom_range == [0.8, 1.2]


def test_rank_and_length_errors():
    gen = ImageDataGenerator()
    with pytest.raises(ValueError, match="rank 4"):
        gen.flow(np.zeros((3, 4, 4)))
    with pytest.raises(ValueError, match="rank 4"):
        gen.fit(np.zeros((3, 4, 4)))
    with pytest.raises(ValueError, match="rank 3"):
        gen.apply_transform(np.zeros((4, 4)), {"theta": 3})
    with pytest.raises(ValueError, match="rank 3"):
        gen.random_transform(np.zeros((1, 4, 4, 3)))
    with pytest.raises(ValueError, match="same length"):
        gen.flow(np.zeros((3, 4, 4, 3)), np.zeros(2))
    with pytest.raises(ValueError, match="sample_weight"):
        gen.flow(np.zeros((3, 4, 4, 3)), np.zeros(3), sample_weight=np.zeros(4))
    with pytest.raises(ValueError, match="same length"):
        gen.flow((np.zeros((3, 4, 4, 3)), np.zeros(2)))
    with pytest.warns(UserWarning, match="channels"):
        gen.flow(np.zeros((3, 4, 4, 5)))
    with pytest.warns(UserWarning, match="channels"):
        gen.fit(np.zeros((3, 4, 4, 5)))
    with pytest.raises(ValueError, match="Unsupported channel"):
        im.apply_brightness_shift(np.zeros((3, 3, 2)), 0.5)


def test_standardize_warns_when_not_fit_and_random_transform_is_seeded():
    gen = ImageDataGenerator(featurewise_center=True, rotation_range=40, zoom_range=0.3)
    x = np.random.default_rng(1).random((5, 5, 3)).astype(np.float32)
    with pytest.warns(UserWarning, match="hasn't been fit"):
        gen.standardize(x)
    a = gen.random_transform(x, seed=3)
    b = gen.random_transform(x, seed=3)
    np.testing.assert_array_equal(a, b)


def test_fit_augment_and_preprocessing_function():
    x = np.random.default_rng(2).random((6, 4, 4, 3)).astype(np.float32)
    gen = ImageDataGenerator(featurewise_center=True, rotation_range=20,
                             preprocessing_function=lambda a: a * 2)
    gen.fit(x, augment=True, rounds=2, seed=1)
    assert gen.mean.shape == (1, 1, 3)
    out = gen.standardize(x[0])
    np.testing.assert_allclose(out, x[0] * 2 - gen.mean, rtol=1e-6)


# ---------------------------------------------------------------------------
# the package
# ---------------------------------------------------------------------------

def test_public_names_and_their_modules():
    assert sorted(im.__all__) == sorted([
        "ImageDataGenerator", "Iterator", "NumpyArrayIterator", "DirectoryIterator",
        "DataFrameIterator", "array_to_img", "img_to_array", "load_img", "save_img",
        "apply_affine_transform", "apply_channel_shift", "apply_brightness_shift", "flip_axis",
        "transform_matrix_offset_center", "random_rotation", "random_shift", "random_shear",
        "random_zoom", "random_channel_shift", "random_brightness"])
    homes = {"utils": ("array_to_img", "img_to_array", "load_img", "save_img"),
             "affine": ("apply_affine_transform", "apply_channel_shift",
                        "apply_brightness_shift", "flip_axis", "transform_matrix_offset_center"),
             "random_transforms": ("random_rotation", "random_shift", "random_shear",
                                   "random_zoom", "random_channel_shift", "random_brightness"),
             "iterator": ("Iterator",), "numpy_array_iterator": ("NumpyArrayIterator",),
             "directory_iterator": ("DirectoryIterator",),
             "dataframe_iterator": ("DataFrameIterator",),
             "image_data_generator": ("ImageDataGenerator",)}
    for module, names in homes.items():
        mod = importlib.import_module(f"ckeras.preprocessing.image.{module}")
        for name in names:
            assert getattr(im, name) is getattr(mod, name)
            assert getattr(mod, name).__module__ == mod.__name__
    # the NumPy oracle of the resampling kernels is the kernel reference now
    for gone in ("affine_transform_reference", "spline_filter_reference", "dispatch"):
        assert not hasattr(im, gone)
    from ckeras.preprocessing.image import DirectoryIterator, Iterator
    assert issubclass(DirectoryIterator, Iterator) and issubclass(im.DataFrameIterator, Iterator)
