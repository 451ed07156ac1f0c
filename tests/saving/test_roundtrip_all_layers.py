"""Every layer class survives config, JSON, YAML, weights and whole-model round
trips inside a model, and the reloaded model predicts the same."""
import numpy as np
import pytest

from ckeras import layers as L
from ckeras.engine.base_layer import Layer
from ckeras.models import Sequential, load_model, model_from_json, model_from_yaml

# (layer factory, input shape without batch, input kind: "f" floats, "i" integers fed
# to a float Input, "I" integers to an int64 Input, "s" digit strings to a string Input)
CASES = {
    "Dense": (lambda: L.Dense(3, activation="tanh"), (4,), "f"),
    "Activation": (lambda: L.Activation("relu"), (4,), "f"),
    "ActivityRegularization": (lambda: L.ActivityRegularization(l1=0.1), (4,), "f"),
    "Dropout": (lambda: L.Dropout(0.3), (4,), "f"),
    "AlphaDropout": (lambda: L.AlphaDropout(0.2), (4,), "f"),
    "GaussianDropout": (lambda: L.GaussianDropout(0.2), (4,), "f"),
    "GaussianNoise": (lambda: L.GaussianNoise(0.2), (4,), "f"),
    "Flatten": (lambda: L.Flatten(), (3, 2), "f"),
    "Reshape": (lambda: L.Reshape((2, -1)), (6,), "f"),
    "Permute": (lambda: L.Permute((2, 1)), (3, 2), "f"),
    "RepeatVector": (lambda: L.RepeatVector(3), (4,), "f"),
    "Masking": (lambda: L.Masking(0.0), (3, 2), "f"),
    "ELU": (lambda: L.ELU(0.5), (4,), "f"),
    "LeakyReLU": (lambda: L.LeakyReLU(0.2), (4,), "f"),
    "PReLU": (lambda: L.PReLU(alpha_initializer="ones"), (4,), "f"),
    "ReLU": (lambda: L.ReLU(max_value=2.0, negative_slope=0.1), (4,), "f"),
    "ThresholdedReLU": (lambda: L.ThresholdedReLU(0.5), (4,), "f"),
    "Softmax": (lambda: L.Softmax(), (4,), "f"),
    "Embedding": (lambda: L.Embedding(10, 3, mask_zero=True), (5,), "i"),
    "SimpleRNN": (lambda: L.SimpleRNN(3, return_sequences=True), (5, 2), "f"),
    "LSTM": (lambda: L.LSTM(3, go_backwards=True), (5, 2), "f"),
    "GRU": (lambda: L.GRU(3, reset_after=False), (5, 2), "f"),
    "RNN": (lambda: L.RNN(L.LSTMCell(3)), (5, 2), "f"),
    "LSTMCell": (lambda: L.RNN(L.LSTMCell(2)), (5, 2), "f"),
    "GRUCell": (lambda: L.RNN(L.GRUCell(2)), (5, 2), "f"),
    "SimpleRNNCell": (lambda: L.RNN(L.SimpleRNNCell(2)), (5, 2), "f"),
    "StackedRNNCells": (lambda: L.RNN(L.StackedRNNCells([L.GRUCell(2), L.LSTMCell(3)])),
                        (5, 2), "f"),
    "Bidirectional": (lambda: L.Bidirectional(L.LSTM(3, return_sequences=True),
                                              merge_mode="ave"), (5, 2), "f"),
    "TimeDistributed": (lambda: L.TimeDistributed(L.Dense(2)), (5, 3), "f"),
    "Conv1D": (lambda: L.Conv1D(3, 2, padding="causal"), (6, 2), "f"),
    "Conv2D": (lambda: L.Conv2D(3, 2, strides=2, padding="same"), (6, 6, 2), "f"),
    "Conv2DTranspose": (lambda: L.Conv2DTranspose(2, 3, strides=2), (4, 4, 2), "f"),
    "SeparableConv1D": (lambda: L.SeparableConv1D(3, 2), (6, 2), "f"),
    "SeparableConv2D": (lambda: L.SeparableConv2D(3, 2), (5, 5, 2), "f"),
    "DepthwiseConv2D": (lambda: L.DepthwiseConv2D(2, depth_multiplier=2), (5, 5, 2), "f"),
    "Cropping1D": (lambda: L.Cropping1D((1, 1)), (6, 2), "f"),
    "Cropping2D": (lambda: L.Cropping2D(((1, 0), (0, 1))), (5, 5, 2), "f"),
    "ZeroPadding1D": (lambda: L.ZeroPadding1D(2), (6, 2), "f"),
    "ZeroPadding2D": (lambda: L.ZeroPadding2D((1, 2)), (5, 5, 2), "f"),
    "UpSampling1D": (lambda: L.UpSampling1D(2), (6, 2), "f"),
    "UpSampling2D": (lambda: L.UpSampling2D(2, interpolation="bilinear"), (3, 3, 2), "f"),
    "Conv3D": (lambda: L.Conv3D(4, 2, groups=2, padding="same"), (3, 4, 3, 2), "f"),
    "Conv3DTranspose": (lambda: L.Conv3DTranspose(2, 2, strides=2, output_padding=1),
                        (2, 3, 2, 2), "f"),
    "Conv1DTranspose": (lambda: L.Conv1DTranspose(2, 3, strides=2, padding="same"), (5, 2),
                        "f"),
    "DepthwiseConv1D": (lambda: L.DepthwiseConv1D(3, depth_multiplier=2), (6, 2), "f"),
    "Cropping3D": (lambda: L.Cropping3D(((1, 0), (0, 1), 1)), (3, 3, 4, 2), "f"),
    "ZeroPadding3D": (lambda: L.ZeroPadding3D((1, 0, 2)), (2, 3, 2, 2), "f"),
    "UpSampling3D": (lambda: L.UpSampling3D((1, 2, 2)), (2, 2, 3, 2), "f"),
    "Rescaling": (lambda: L.Rescaling(0.5, offset=1.0), (4,), "f"),
    "Normalization": (lambda: L.Normalization(axis=(1, 2)), (3, 4), "f"),
    "Discretization": (lambda: L.Discretization(num_bins=3, epsilon=0.25,
                                                output_mode="count"), (4,), "f"),
    "Resizing": (lambda: L.Resizing(3, 2, interpolation="bicubic"), (4, 5, 2), "f"),
    "CenterCrop": (lambda: L.CenterCrop(2, 3), (4, 5, 2), "f"),
    "RandomCrop": (lambda: L.RandomCrop(2, 3, seed=1), (4, 5, 2), "f"),
    "RandomFlip": (lambda: L.RandomFlip("vertical", seed=1), (4, 5, 2), "f"),
    "RandomRotation": (lambda: L.RandomRotation((-0.1, 0.2), fill_mode="constant"),
                       (4, 5, 2), "f"),
    "RandomZoom": (lambda: L.RandomZoom(0.2, (-0.1, 0.3)), (4, 5, 2), "f"),
    "RandomTranslation": (lambda: L.RandomTranslation(0.2, 0.1, seed=3), (4, 5, 2), "f"),
    "RandomContrast": (lambda: L.RandomContrast((0.1, 0.3)), (4, 5, 2), "f"),
    "RandomBrightness": (lambda: L.RandomBrightness(0.2, value_range=(0, 1)), (4, 5, 2), "f"),
    "RandomHeight": (lambda: L.RandomHeight(0.2), (4, 5, 2), "f"),
    "RandomWidth": (lambda: L.RandomWidth((-0.2, 0.3), interpolation="area"), (4, 5, 2), "f"),
    "MaxPooling1D": (lambda: L.MaxPooling1D(2), (6, 2), "f"),
    "AveragePooling1D": (lambda: L.AveragePooling1D(2, padding="same"), (5, 2), "f"),
    "MaxPooling2D": (lambda: L.MaxPooling2D(2), (6, 6, 2), "f"),
    "AveragePooling2D": (lambda: L.AveragePooling2D(2), (6, 6, 2), "f"),
    "GlobalMaxPooling1D": (lambda: L.GlobalMaxPooling1D(), (6, 2), "f"),
    "GlobalAveragePooling1D": (lambda: L.GlobalAveragePooling1D(), (6, 2), "f"),
    "GlobalMaxPooling2D": (lambda: L.GlobalMaxPooling2D(), (4, 4, 2), "f"),
    "GlobalAveragePooling2D": (lambda: L.GlobalAveragePooling2D(), (4, 4, 2), "f"),
    "MaxPooling3D": (lambda: L.MaxPooling3D(2, padding="same"), (3, 4, 4, 2), "f"),
    "AveragePooling3D": (lambda: L.AveragePooling3D((1, 2, 2)), (2, 4, 4, 2), "f"),
    "GlobalMaxPooling3D": (lambda: L.GlobalMaxPooling3D(), (2, 3, 2, 2), "f"),
    "GlobalAveragePooling3D": (lambda: L.GlobalAveragePooling3D(keepdims=True), (2, 3, 2, 2),
                               "f"),
    "BatchNormalization": (lambda: L.BatchNormalization(momentum=0.5), (4, 3), "f"),
    "LayerNormalization": (lambda: L.LayerNormalization(), (4, 3), "f"),
    "EinsumDense": (lambda: L.EinsumDense("abc,cd->abd", (3, 4), bias_axes="d"), (3, 2), "f"),
    "GroupNormalization": (lambda: L.GroupNormalization(groups=2), (3, 4), "f"),
    "UnitNormalization": (lambda: L.UnitNormalization(axis=[1, 2]), (3, 4), "f"),
    "Identity": (lambda: L.Identity(), (4,), "f"),
    "SpatialDropout1D": (lambda: L.SpatialDropout1D(0.3), (6, 2), "f"),
    "SpatialDropout2D": (lambda: L.SpatialDropout2D(0.3), (4, 4, 2), "f"),
    "SpatialDropout3D": (lambda: L.SpatialDropout3D(0.3), (2, 3, 2, 2), "f"),
    "Lambda": (lambda: L.Lambda(np.tanh), (4,), "f"),
    "CategoryEncoding": (lambda: L.CategoryEncoding(10, output_mode="count"), (4,), "I"),
    "Hashing": (lambda: L.Hashing(7, salt=3, output_mode="multi_hot"), (4,), "I"),
    "LocallyConnected1D": (lambda: L.LocallyConnected1D(3, 2, implementation=3,
                                                         padding="same"), (5, 2), "f"),
    "LocallyConnected2D": (lambda: L.LocallyConnected2D(2, (2, 3), strides=(1, 2)), (4, 5, 2),
                           "f"),
    "SpectralNormalization": (lambda: L.SpectralNormalization(L.Dense(3), power_iterations=2),
                              (4,), "f"),
    "IntegerLookup": (lambda: L.IntegerLookup(vocabulary=[3, 1, 4], num_oov_indices=2),
                      (4,), "I"),
    "StringLookup": (lambda: L.StringLookup(vocabulary=["3", "1", "4"], mask_token="0",
                                            output_mode="count"), (4,), "s"),
    "TextVectorization": (lambda: L.TextVectorization(vocabulary=["3", "1"], ngrams=2,
                                                      output_mode="tf_idf",
                                                      idf_weights=[0.5, 1.5]), (1,), "s"),
}
# Aliases of a listed class, layers of several inputs (merge layers: round-tripped in
# tests/saving/test_model_config.py's MERGE_CASES; the attention layers in
# tests/layers/test_attention.py) and the bases.
EXEMPT = {"Layer", "InputLayer", "Add", "Subtract", "Multiply", "Average", "Maximum",
          "Minimum", "Concatenate", "Dot", "MultiHeadAttention", "Attention",
          "AdditiveAttention", "Wrapper", "AbstractRNNCell",
          # Several inputs: tests/layers/test_breadth.py saves it inside a functional model.
          "HashedCrossing"}


def test_every_layer_class_is_covered():
    exported = {n for n, o in vars(L).items() if isinstance(o, type) and issubclass(o, Layer)}
    canonical = {n for n in exported if getattr(L, n).__name__ == n}
    missing = canonical - set(CASES) - EXEMPT
    assert not missing, f"layers without a round-trip case: {sorted(missing)}"


@pytest.mark.parametrize("name", sorted(CASES))
def test_round_trips(name, tmp_path):
    factory, shape, kind = CASES[name]
    rng = np.random.default_rng(0)
    if kind in "Is":   # integer and string inputs: an Input of that dtype
        dtype = "string" if kind == "s" else "int64"
        model = Sequential([L.Input(shape, dtype=dtype), factory()], name="m")
    else:
        model = Sequential([factory()], name="m")
        model.build((None,) + shape)
    # Positive values keep BatchNormalization's moving variance valid.
    model.set_weights([rng.uniform(0.1, 0.6, w.shape).astype(w.dtype)
                       for w in model.get_weights()])
    x = (rng.integers(0, 10, (3,) + shape) if kind in "iIs"
         else rng.standard_normal((3,) + shape).astype("float32"))
    if kind == "s":   # strings of digits (and digit pairs for text)
        x = np.char.add(x.astype(str), " 3 1") if name == "TextVectorization" else x.astype(str)
    expected = model.predict(x)
    objects = {"tanh": np.tanh}

    def check(other):
        other.set_weights(model.get_weights())
        np.testing.assert_allclose(other.predict(x), expected, rtol=1e-5, atol=1e-6)

    check(Sequential.from_config(model.get_config(), custom_objects=objects))
    check(model_from_json(model.to_json(), custom_objects=objects))
    check(model_from_yaml(model.to_yaml(), custom_objects=objects))
    path = str(tmp_path / "w.h5")
    model.save_weights(path)
    fresh = model_from_json(model.to_json(), custom_objects=objects)
    fresh.load_weights(path)
    np.testing.assert_allclose(fresh.predict(x), expected, rtol=1e-5, atol=1e-6)
    model.save(str(tmp_path / "m.h5"))
    loaded = load_model(str(tmp_path / "m.h5"), custom_objects=objects)
    np.testing.assert_allclose(loaded.predict(x), expected, rtol=1e-5, atol=1e-6)
