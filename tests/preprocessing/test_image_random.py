"""The random augmentations of one image (issue #21 item 5): the same draws
as Keras from NumPy's global state, the transform they must apply, and the
outputs of tf-keras 2.21 (tests/fixtures/conformance, random_* cases)."""
import pathlib

import numpy as np
import pytest

from ckeras.preprocessing import image as im
from ckeras.testing import Golden

GOLD = Golden(pathlib.Path(__file__).resolve().parents[1] / "fixtures", "conformance")
RNG = np.random.RandomState(3)
FIRST = RNG.uniform(0, 255, (2, 7, 10)).astype("float32")     # channels first, not square
LAST = RNG.uniform(-1, 2, (10, 7, 3)).astype("float32")       # channels last
CL = {"row_axis": 0, "col_axis": 1, "channel_axis": 2}


def _close(got, want, order=1):
    if order == 0:
        np.testing.assert_array_equal(got, want)
    else:
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("name", GOLD.names(kind="random_image"))
def test_matches_tf_keras(name):
    case, _, _, _, arrays = GOLD.load(name)
    x = arrays["x"]
    x0 = x.copy()
    np.random.seed(case["seed"])
    y = getattr(im, case["function"])(x, *case["args"], **case["kwargs"])
    np.testing.assert_array_equal(x, x0)
    assert y.shape == arrays["y"].shape
    _close(y, arrays["y"], case["kwargs"].get("interpolation_order", 1))
    # The draw consumed exactly what Keras' did: the next number agrees.
    assert np.random.uniform() == np.random.RandomState(case["seed"]).uniform(
        size=_draws(case) + 1)[-1]


def _draws(case):
    fn = case["function"]
    if fn == "random_zoom":
        return 0 if list(case["args"][0]) == [1, 1] else 2
    return 1


@pytest.mark.parametrize("x,axes", [(FIRST, {}), (LAST, CL)])
def test_each_applies_the_transform_of_its_draws(x, axes):
    h, w = x.shape[axes.get("row_axis", 1)], x.shape[axes.get("col_axis", 2)]
    opts = dict(axes, fill_mode="constant", cval=0.25, interpolation_order=2)
    affine = dict(axes, fill_mode="constant", cval=0.25, order=2)

    np.random.seed(5)
    got = im.random_rotation(x, 35, **opts)
    np.random.seed(5)
    _close(got, im.apply_affine_transform(x, theta=np.random.uniform(-35, 35), **affine))

    np.random.seed(6)
    got = im.random_shift(x, 0.2, 0.3, **opts)
    np.random.seed(6)
    tx = np.random.uniform(-0.3, 0.3) * h   # rows: the height range, drawn first
    ty = np.random.uniform(-0.2, 0.2) * w
    _close(got, im.apply_affine_transform(x, tx=tx, ty=ty, **affine))

    np.random.seed(7)
    got = im.random_shear(x, 20, **opts)
    np.random.seed(7)
    _close(got, im.apply_affine_transform(x, shear=np.random.uniform(-20, 20), **affine))

    np.random.seed(8)
    got = im.random_zoom(x, (0.6, 1.4), **opts)
    np.random.seed(8)
    zx, zy = np.random.uniform(0.6, 1.4, 2)
    _close(got, im.apply_affine_transform(x, zx=zx, zy=zy, **affine))
    assert not np.allclose(got, x)


def test_shift_moves_rows_by_the_height_range():
    x = np.zeros((1, 8, 8), np.float32)
    x[0, 2, 5] = 1
    np.random.seed(4)
    tx = np.random.uniform(-0.25, 0.25) * 8
    assert round(tx) == 2
    np.random.seed(4)
    y = im.random_shift(x, 0.0, 0.25, fill_mode="constant", interpolation_order=0)
    # Only the row changes (positive tx moves the content up).
    assert np.argwhere(y[0] == 1).tolist() == [[0, 5]]


def test_channel_shift_and_brightness_use_their_draws():
    np.random.seed(9)
    got = im.random_channel_shift(FIRST, 30.0)
    np.random.seed(9)
    shift = np.random.uniform(-30, 30)
    np.testing.assert_allclose(got, np.clip(FIRST + shift, FIRST.min(), FIRST.max()))
    img = LAST * 50 + 80
    np.random.seed(10)
    got = im.random_brightness(img, (0.3, 0.6), scale=False)
    np.random.seed(10)
    np.testing.assert_allclose(
        got, im.apply_brightness_shift(img, np.random.uniform(0.3, 0.6), False))
    assert got.mean() < img.mean()


def test_identity_zoom_draws_nothing():
    np.random.seed(1)
    y = im.random_zoom(FIRST, [1, 1])
    np.testing.assert_array_equal(y, FIRST)
    assert np.random.uniform() == np.random.RandomState(1).uniform()


@pytest.mark.parametrize("fn,bad,name", [
    (im.random_zoom, (0.5,), "zoom_range"), (im.random_zoom, 0.5, "zoom_range"),
    (im.random_brightness, [0.1, 0.2, 0.3], "brightness_range")])
def test_ranges_must_be_two_floats(fn, bad, name):
    with pytest.raises(ValueError, match=f"`{name}` should be a tuple or list of two floats"):
        fn(LAST, bad)


def test_bad_images_and_axes_are_refused():
    with pytest.raises(ValueError, match="rank 3"):
        im.random_rotation(np.ones((4, 4)), 10)
    with pytest.raises(ValueError, match="fill_mode"):
        im.random_shear(FIRST, 10, fill_mode="mirror")
    with pytest.raises(ValueError, match="`order` must be an int in \\[0, 5\\]"):
        im.random_zoom(FIRST, (0.9, 1.1), interpolation_order=7)
