"""The 3-D convolution family (Conv3D, Conv3DTranspose, Max/AveragePooling3D,
GlobalMax/AveragePooling3D, ZeroPadding3D, Cropping3D, UpSampling3D,
SpatialDropout3D), Conv1DTranspose, DepthwiseConv1D and channels_first /
groups / dilation across the family against tf-keras 2.21 goldens
(tests/fixtures/conv3d, tools/make_fixtures_conv3d.py): outputs, input and
weight gradients, two training steps, and models saved by tf-keras as .h5."""
import inspect
import pathlib

import numpy as np
import pytest

import ckeras
from ckeras import layers as L
from ckeras import optimizers
from ckeras.kernels import use_kernels
from ckeras.models import load_model
from ckeras.testing import Golden, golden_layer_test, layer_test

GOLDEN = Golden(pathlib.Path(__file__).resolve().parents[1] / "fixtures", "conv3d")
LAYER_CASES = [n for n in GOLDEN.names() if not n.startswith("train_")]
TRAIN_CASES = [n for n in GOLDEN.names() if n.startswith("train_")]
RANDOM = ("SpatialDropout3D",)


def _built(case, a):
    layer = getattr(L, case["layer"])(**case["kwargs"])
    layer(a["x0"])
    layer.set_weights([a[f"w{i}"] for i in range(case["weights"])])
    return layer


@pytest.mark.parametrize("name", LAYER_CASES)
def test_layer_golden(name):
    golden_layer_test(GOLDEN.load(name))


@pytest.mark.parametrize("name", LAYER_CASES)
def test_gradients_golden(name):
    """d sum(y * dy) / d(x, weights) equal tf.GradientTape's."""
    case, *_, a = GOLDEN.load(name)
    layer = _built(case, a)
    x = ckeras.convert_to_tensor(a["x0"])
    with ckeras.GradientTape() as tape:
        tape.watch(x)
        y = layer(x, training=False)
        loss = (y * a["dy"]).sum()
    grads = tape.gradient(loss, [x] + layer.trainable_weights)
    np.testing.assert_allclose(np.asarray(grads[0]), a["gx0"], rtol=1e-4, atol=1e-4,
                               err_msg="input gradient")
    for i, g in enumerate(grads[1:]):
        np.testing.assert_allclose(np.asarray(g), a[f"gw{i}"], rtol=1e-4, atol=1e-4,
                                   err_msg=f"gradient of weight {i}")


@pytest.mark.parametrize("name", [n for n in LAYER_CASES
                                  if GOLDEN.load(n).case["layer"] not in RANDOM])
def test_layer_golden_numpy_kernels(name):
    case, *_, a = GOLDEN.load(name)
    layer = _built(case, a)
    with use_kernels("numpy"):
        y = layer(a["x0"])
    np.testing.assert_allclose(y, a["y"], atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("ext", [".h5", ".keras"])
@pytest.mark.parametrize("name", TRAIN_CASES)
def test_tf_keras_model_file_loads_with_equal_predictions(name, ext):
    case, *_, a = GOLDEN.load(name)
    model = load_model(str(GOLDEN.file(name + ext)), compile=False)
    assert [list(w.shape) for w in model.get_weights()] == case["weight_shapes"]
    np.testing.assert_allclose(model.predict(a["x0"], verbose=0), a["y"], rtol=1e-5,
                               atol=1e-5)


@pytest.mark.parametrize("name", TRAIN_CASES)
def test_two_training_steps(name):
    case, *_, a = GOLDEN.load(name)
    model = load_model(str(GOLDEN.file(name + ".h5")), compile=False)
    model.set_weights([a[f"w{i}"] for i in range(case["weights"])])
    np.testing.assert_allclose(model.predict(a["x0"], verbose=0), a["y0"], rtol=1e-5,
                               atol=1e-5)
    model.compile(optimizer=optimizers.SGD(learning_rate=0.1), loss="mse")
    for step in (1, 2):
        loss = model.train_on_batch(a["x0"], a["t"])
        np.testing.assert_allclose(loss, case["losses"][step - 1], rtol=1e-5, atol=1e-6)
        for i, w in enumerate(model.get_weights()):
            np.testing.assert_allclose(w, a[f"s{step}_w{i}"], rtol=1e-4, atol=1e-5,
                                       err_msg=f"step {step} weight {i}")


@pytest.mark.parametrize("ext", [".h5", ".keras"])
@pytest.mark.parametrize("name", TRAIN_CASES)
def test_model_round_trips_through_ckeras_files(tmp_path, name, ext):
    case, *_, a = GOLDEN.load(name)
    model = load_model(str(GOLDEN.file(name + ".h5")), compile=False)
    path = str(tmp_path / ("m" + ext))
    model.save(path)
    again = load_model(path, compile=False)
    assert [type(layer).__name__ for layer in again.layers] == \
        [type(layer).__name__ for layer in model.layers]
    np.testing.assert_allclose(again.predict(a["x0"], verbose=0), a["y"], rtol=1e-5,
                               atol=1e-5)


def test_aliases():
    assert L.Convolution3D is L.Conv3D
    assert L.Convolution3DTranspose is L.Conv3DTranspose
    assert L.Convolution1DTranspose is L.Conv1DTranspose
    assert L.MaxPool3D is L.MaxPooling3D and L.AvgPool3D is L.AveragePooling3D
    assert L.GlobalMaxPool3D is L.GlobalMaxPooling3D
    assert L.GlobalAvgPool3D is L.GlobalAveragePooling3D
    # Keras' class hierarchy: a transposed convolution is its convolution
    assert issubclass(L.Conv3DTranspose, L.Conv3D)
    assert issubclass(L.Conv1DTranspose, L.Conv1D)
    assert issubclass(L.Conv2DTranspose, L.Conv2D)


# tf-keras 2.21's signatures (inspect.signature of the tf_keras classes).
SIGNATURES = {
    "Conv3D": "filters kernel_size strides padding data_format dilation_rate groups "
              "activation use_bias kernel_initializer bias_initializer kernel_regularizer "
              "bias_regularizer activity_regularizer kernel_constraint bias_constraint",
    "Conv3DTranspose": "filters kernel_size strides padding output_padding data_format "
                       "dilation_rate activation use_bias kernel_initializer "
                       "bias_initializer kernel_regularizer bias_regularizer "
                       "activity_regularizer kernel_constraint bias_constraint",
    "DepthwiseConv1D": "kernel_size strides padding depth_multiplier data_format "
                       "dilation_rate activation use_bias depthwise_initializer "
                       "bias_initializer depthwise_regularizer bias_regularizer "
                       "activity_regularizer depthwise_constraint bias_constraint",
    "SeparableConv1D": "filters kernel_size strides padding data_format dilation_rate "
                       "depth_multiplier activation use_bias depthwise_initializer "
                       "pointwise_initializer bias_initializer depthwise_regularizer "
                       "pointwise_regularizer bias_regularizer activity_regularizer "
                       "depthwise_constraint pointwise_constraint bias_constraint",
    "MaxPooling3D": "pool_size strides padding data_format",
    "GlobalAveragePooling3D": "data_format keepdims",
    "UpSampling3D": "size data_format",
    "ZeroPadding3D": "padding data_format",
    "Cropping3D": "cropping data_format",
    "SpatialDropout3D": "rate data_format",
}
SIGNATURES["Conv1DTranspose"] = SIGNATURES["Conv3DTranspose"]
SIGNATURES["SeparableConv2D"] = SIGNATURES["SeparableConv1D"]


@pytest.mark.parametrize("name", sorted(SIGNATURES))
def test_signature_is_tf_keras(name):
    params = [p for p in inspect.signature(getattr(L, name).__init__).parameters
              if p not in ("self", "kwargs")]
    assert params == SIGNATURES[name].split()


@pytest.mark.parametrize("cls", [L.SeparableConv1D, L.SeparableConv2D])
def test_separable_conv_takes_activation_and_initializers_positionally(cls):
    rank = 1 if cls is L.SeparableConv1D else 2
    layer = cls(3, 2, 1, "same", None, 1, 2, "relu", False, "ones", "zeros")
    assert layer.activation is ckeras.activations.relu
    assert layer.depth_multiplier == 2 and not layer.use_bias
    x = np.ones((1,) + (4,) * rank + (2,), np.float32)
    layer(x)
    # pointwise kernel all zeros: the output is relu(0) everywhere
    np.testing.assert_array_equal(layer(x), 0.0)
    np.testing.assert_array_equal(layer.depthwise_kernel.numpy(), 1.0)


@pytest.mark.parametrize("cls,kwargs,shape", [
    (L.Conv3D, dict(filters=2, kernel_size=2, padding="same", activation="relu"),
     (2, 3, 4, 3, 2)),
    (L.Conv3D, dict(filters=4, kernel_size=(1, 2, 2), groups=2,
                    data_format="channels_first"), (2, 4, 3, 3, 3)),
    (L.Conv3DTranspose, dict(filters=2, kernel_size=2, strides=2, padding="same"),
     (2, 2, 3, 2, 3)),
    (L.Conv1DTranspose, dict(filters=2, kernel_size=3, strides=2, output_padding=1),
     (2, 4, 3)),
    (L.DepthwiseConv1D, dict(kernel_size=2, depth_multiplier=3), (2, 5, 2)),
    (L.MaxPooling3D, dict(pool_size=2, padding="same"), (2, 3, 4, 5, 2)),
    (L.AveragePooling3D, dict(pool_size=(1, 2, 2), data_format="channels_first"),
     (2, 2, 3, 4, 4)),
    (L.GlobalMaxPooling3D, dict(keepdims=True), (2, 2, 3, 2, 4)),
    (L.UpSampling3D, dict(size=(2, 1, 2)), (2, 2, 2, 2, 3)),
    (L.ZeroPadding3D, dict(padding=(1, 0, 2)), (2, 2, 2, 2, 3)),
    (L.Cropping3D, dict(cropping=1), (2, 3, 4, 3, 2)),
])
def test_layer_harness(cls, kwargs, shape):
    layer_test(cls, kwargs, input_shape=shape)


def test_spatial_dropout3d_drops_whole_volumes():
    x = np.ones((3, 2, 3, 4, 5), np.float32)
    y = np.asarray(L.SpatialDropout3D(0.5, seed=2)(x, training=True))
    flat = y.reshape(3, -1, 5)
    assert ((flat == 0).all(1) | (flat == 2).all(1)).all()
    assert (flat == 0).any() and (flat == 2).any()
    y = np.asarray(L.SpatialDropout3D(0.5, data_format="channels_first")(x, training=True))
    flat = y.reshape(3, 2, -1)
    assert ((flat == 0).all(2) | (flat == 2).all(2)).all()
    np.testing.assert_array_equal(L.SpatialDropout3D(0.5)(x, training=False), x)


def test_conv3d_groups_equals_split_convolutions():
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 4, 6)).astype(np.float32)
    g = L.Conv3D(4, 2, groups=2)
    y = np.asarray(g(x))
    k, b = g.get_weights()
    assert k.shape == (2, 2, 2, 3, 4)
    for gi in range(2):
        c = L.Conv3D(2, 2)
        c(x[..., :3])
        c.set_weights([k[..., gi * 2:gi * 2 + 2], b[gi * 2:gi * 2 + 2]])
        np.testing.assert_allclose(y[..., gi * 2:gi * 2 + 2], c(x[..., gi * 3:gi * 3 + 3]),
                                   atol=1e-5)


def test_errors_name_the_layer_and_say_what_was_expected():
    with pytest.raises(ValueError, match=r'"vol".*expected ndim=5, found ndim=4'):
        L.Conv3D(2, 2, name="vol")(np.zeros((1, 4, 4, 2), np.float32))
    with pytest.raises(ValueError, match=r'"grp".*groups=2.*3 channels'):
        L.Conv3D(2, 2, groups=2, name="grp")(np.zeros((1, 3, 3, 3, 3), np.float32))
    with pytest.raises(ValueError, match="filters must be evenly divisible"):
        L.Conv3D(3, 2, groups=2)
    with pytest.raises(ValueError, match=r'"small".*larger than the padded input'):
        L.Conv3D(2, 3, name="small")(np.zeros((1, 2, 4, 4, 1), np.float32))
    with pytest.raises(ValueError, match="must be greater than output padding"):
        L.Conv3DTranspose(2, 3, strides=2, output_padding=2)
    with pytest.raises(ValueError, match="padding"):
        L.Conv1DTranspose(2, 3, padding="causal")
    with pytest.raises(ValueError, match="padding"):
        L.DepthwiseConv1D(3, padding="causal")
    with pytest.raises(ValueError, match=r'"mp3".*expected ndim=5'):
        L.MaxPooling3D(name="mp3")(np.zeros((1, 4, 4, 2), np.float32))
    with pytest.raises(ValueError, match=r'"mp3b".*pool size'):
        L.MaxPooling3D(3, name="mp3b")(np.zeros((1, 2, 4, 4, 2), np.float32))
    with pytest.raises(ValueError, match="`padding` should have 3 elements"):
        L.ZeroPadding3D((1, 2))
    with pytest.raises(ValueError, match="`padding` cannot be negative. Received: -1"):
        L.ZeroPadding3D(-1)
    with pytest.raises(ValueError, match="`cropping` cannot be negative"):
        L.Cropping3D((1, -1, 0))
    with pytest.raises(ValueError, match="`cropping` should have 3 elements"):
        L.Cropping3D(((1, 1), (1, 1)))
    with pytest.raises(ValueError, match=r'"crop".*too large'):
        L.Cropping3D(2, name="crop")(np.zeros((1, 4, 6, 6, 1), np.float32))
    with pytest.raises(ValueError, match="size"):
        L.UpSampling3D((2, 2))
    with pytest.raises(ValueError, match="strides > 1"):
        L.Conv3D(2, 2, strides=2, dilation_rate=2)


def test_conv3d_transpose_ignores_dilation_as_tf_keras():
    """tf-keras' Conv3DTranspose accepts dilation_rate, never applies it and
    leaves it out of get_config."""
    x = np.random.default_rng(1).standard_normal((1, 2, 3, 2, 2)).astype(np.float32)
    plain = L.Conv3DTranspose(2, 2)
    dilated = L.Conv3DTranspose(2, 2, dilation_rate=2)
    plain(x)
    dilated(x)
    dilated.set_weights(plain.get_weights())
    np.testing.assert_array_equal(dilated(x), plain(x))
    assert "dilation_rate" not in dilated.get_config()
