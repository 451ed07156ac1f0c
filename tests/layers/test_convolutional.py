"""Conv1D, Conv2D, Conv2DTranspose, SeparableConv1D/2D, DepthwiseConv2D,
ZeroPadding, Cropping, UpSampling and SpatialDropout against tf-keras goldens,
plus argument errors and training."""
import pathlib

import numpy as np
import pytest

from ckeras import layers as L
from ckeras.engine.sequential import Sequential
from ckeras.kernels import use_kernels
from ckeras.testing import Golden, golden_layer_test, layer_test

GOLDEN = Golden(pathlib.Path(__file__).resolve().parents[1] / "fixtures", "conv")

CONV = ("Conv1D", "Conv2D", "Conv2DTranspose", "SeparableConv1D", "SeparableConv2D",
        "DepthwiseConv2D")
RESHAPING = ("ZeroPadding1D", "ZeroPadding2D", "Cropping1D", "Cropping2D", "UpSampling1D",
             "UpSampling2D", "SpatialDropout1D", "SpatialDropout2D")


@pytest.mark.parametrize("name", GOLDEN.names(layer=CONV))
def test_conv_golden(name):
    golden_layer_test(GOLDEN.load(name))


@pytest.mark.parametrize("name", GOLDEN.names(layer=CONV))
def test_conv_golden_numpy_kernels(name):
    case, *_, a = GOLDEN.load(name)
    layer = getattr(L, case["layer"])(**case["kwargs"])
    layer(a["x0"])
    layer.set_weights([a[f"w{i}"] for i in range(case["weights"])])
    with use_kernels("numpy"):
        y = layer(a["x0"])
    np.testing.assert_allclose(y, a["y"], atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("name", GOLDEN.names(layer=RESHAPING))
def test_reshaping_golden(name):
    golden_layer_test(GOLDEN.load(name))


def test_alias_and_spec_shapes():
    assert L.Convolution2D is L.Conv2D
    assert L.Conv2D(8, 3, strides=2, padding="same").compute_output_shape(
        (None, 7, 7, 3)) == (None, 4, 4, 8)
    assert L.Conv1D(2, 3, padding="causal", dilation_rate=2).compute_output_shape(
        (None, 10, 4)) == (None, 10, 2)
    assert L.Conv2D(2, 3, data_format="channels_first").compute_output_shape(
        (None, 3, 8, 6)) == (None, 2, 6, 4)


def test_weight_shapes_of_spec_table():
    cases = [(L.Conv1D(6, 3), (1, 10, 2), [(3, 2, 6), (6,)]),
             (L.Conv2D(6, (3, 5)), (1, 10, 10, 2), [(3, 5, 2, 6), (6,)]),
             (L.Conv2DTranspose(6, 3), (1, 10, 10, 2), [(3, 3, 6, 2), (6,)]),
             (L.DepthwiseConv2D(3, depth_multiplier=2), (1, 10, 10, 2),
              [(3, 3, 2, 2), (4,)]),
             (L.SeparableConv2D(6, 3), (1, 10, 10, 2), [(3, 3, 2, 1), (1, 1, 2, 6), (6,)])]
    for layer, shape, want in cases:
        layer(np.zeros(shape, np.float32))
        assert [w.shape for w in layer.get_weights()] == want


def test_errors_name_the_layer():
    with pytest.raises(ValueError, match="my_conv"):
        L.Conv2D(2, 5, name="my_conv")(np.zeros((1, 3, 3, 1), np.float32))
    with pytest.raises(ValueError, match="c1d"):
        L.Conv1D(2, 3, name="c1d")(np.zeros((1, 5, 2, 2), np.float32))
    with pytest.raises(ValueError, match="padding"):
        L.Conv2D(2, 3, padding="full")
    with pytest.raises(ValueError, match="padding"):
        L.Conv2D(2, 3, padding="causal")
    with pytest.raises(ValueError, match="data_format"):
        L.Conv2D(2, 3, data_format="channels_middle")
    layer = L.Conv2D(2, 3, name="built_conv")
    layer(np.zeros((1, 5, 5, 3), np.float32))
    with pytest.raises(ValueError, match="built_conv"):
        layer(np.zeros((1, 5, 5, 4), np.float32))
    with pytest.raises(ValueError, match="pool"):
        L.MaxPooling2D(3, name="pool")(np.zeros((1, 2, 2, 1), np.float32))
    with pytest.raises(ValueError):
        L.Conv2D(0, 3)
    with pytest.raises(ValueError):
        L.Conv2D(2, 3, strides=2, dilation_rate=2)


@pytest.mark.parametrize("cls,kwargs,shape", [
    (L.Conv2D, dict(filters=3, kernel_size=3, padding="same", activation="relu"), (2, 6, 5, 2)),
    (L.Conv2D, dict(filters=4, kernel_size=2, groups=2), (2, 5, 5, 4)),
    (L.Conv1D, dict(filters=3, kernel_size=2, padding="causal", activation="elu"), (2, 6, 3)),
    (L.Conv2DTranspose, dict(filters=2, kernel_size=3, strides=2, padding="same",
                             data_format="channels_first"), (2, 3, 4, 4)),
    (L.SeparableConv1D, dict(filters=2, kernel_size=3, strides=2), (2, 9, 3)),
])
def test_layer_harness(cls, kwargs, shape):
    layer_test(cls, kwargs, input_shape=shape)


def test_groups_equals_split_convolutions():
    x = np.random.default_rng(0).standard_normal((2, 5, 5, 4)).astype(np.float32)
    g = L.Conv2D(4, 3, groups=2)
    y = g(x)
    k, b = g.get_weights()
    assert k.shape == (3, 3, 2, 4)
    for gi in range(2):
        c = L.Conv2D(2, 3)
        c(x[..., :2])
        c.set_weights([k[..., gi * 2:gi * 2 + 2], b[gi * 2:gi * 2 + 2]])
        np.testing.assert_allclose(y[..., gi * 2:gi * 2 + 2], c(x[..., gi * 2:gi * 2 + 2]),
                                   atol=1e-5)


def test_spatial_dropout_drops_whole_channels():
    x = np.ones((3, 6, 5, 4), np.float32)
    y = np.asarray(L.SpatialDropout2D(0.5, seed=1)(x, training=True))
    flat = y.reshape(3, -1, 4)
    assert ((flat == 0).all(1) | (flat == 2).all(1)).all()
    y = np.asarray(L.SpatialDropout2D(0.5, data_format="channels_first")(x, training=True))
    flat = y.reshape(3, 6, -1)
    assert ((flat == 0).all(2) | (flat == 2).all(2)).all()
    np.testing.assert_array_equal(L.SpatialDropout1D(0.5)(x[:, 0], training=False), x[:, 0])


def test_small_cnn_trains():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 8, 8, 1)).astype(np.float32)
    y = (x.mean(axis=(1, 2, 3)) > 0).astype(np.float32)[:, None]
    model = Sequential([L.Conv2D(4, 3, activation="relu", input_shape=(8, 8, 1)),
                        L.MaxPooling2D(), L.Conv2D(4, 2, padding="same"),
                        L.BatchNormalization(), L.GlobalAveragePooling2D(),
                        L.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy")
    first = model.train_on_batch(x, y)
    for _ in range(30):
        last = model.train_on_batch(x, y)
    assert last < first


def test_upsampling2d_takes_every_tf_image_resize_method_as_tf_keras_2():
    from ckeras import backend as K
    x = np.arange(2 * 3 * 4 * 2, dtype="float32").reshape(2, 3, 4, 2)
    for method in ("bicubic", "area", "lanczos3", "mitchellcubic"):
        layer = L.UpSampling2D((2, 3), interpolation=method)
        # K.resize_images is checked against tf-keras for each method.
        np.testing.assert_array_equal(
            layer(x).numpy(), K.resize_images(x, 2, 3, "channels_last", method))
        assert L.UpSampling2D.from_config(layer.get_config()).interpolation == method
    with pytest.raises(ValueError, match="should be one of: 'area'"):
        L.UpSampling2D(interpolation="cubic")
