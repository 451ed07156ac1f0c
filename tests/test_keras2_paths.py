"""Keras 2 import paths and aliases old programs use (issue #21): each path imports,
its names are the canonical objects, and the aliases behave as in Keras 2.3.1."""
import importlib

import numpy as np
import pytest

import ckeras
from ckeras import initializers, layers, losses, optimizers

# Keras 2.3.1 module -> the names it exposed that ckeras implements.
LAYER_MODULES = {
    "core": ["Dense", "Activation", "Dropout", "Flatten", "Reshape", "Permute", "RepeatVector",
             "Lambda", "ActivityRegularization", "Masking", "SpatialDropout1D",
             "SpatialDropout2D"],
    "convolutional": ["Conv1D", "Conv2D", "Conv2DTranspose", "SeparableConv1D",
                      "SeparableConv2D", "DepthwiseConv2D", "UpSampling1D", "UpSampling2D",
                      "ZeroPadding1D", "ZeroPadding2D", "Cropping1D", "Cropping2D",
                      "Convolution1D", "Convolution2D", "SeparableConvolution1D",
                      "SeparableConvolution2D",
                      # Keras 2 kept the pooling layers importable from here
                      "MaxPooling1D", "MaxPooling2D", "AveragePooling1D",
                      "AveragePooling2D"],
    "recurrent": ["RNN", "SimpleRNN", "GRU", "LSTM", "SimpleRNNCell", "GRUCell", "LSTMCell",
                  "StackedRNNCells"],
    "convolutional_recurrent": ["ConvLSTM2D"],
    "embeddings": ["Embedding"],
    "merge": ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate",
              "Dot", "add", "subtract", "multiply", "average", "maximum", "minimum",
              "concatenate", "dot"],
    "normalization": ["BatchNormalization"],
    "pooling": ["MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D",
                "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalAveragePooling1D",
                "GlobalAveragePooling2D", "MaxPool1D", "MaxPool2D", "AvgPool1D", "AvgPool2D",
                "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalAvgPool1D", "GlobalAvgPool2D"],
    "wrappers": ["TimeDistributed", "Bidirectional"],
    "advanced_activations": ["LeakyReLU", "PReLU", "ELU", "ThresholdedReLU", "Softmax",
                             "ReLU"],
    "noise": ["GaussianNoise", "GaussianDropout", "AlphaDropout"],
}


@pytest.mark.parametrize("module", sorted(LAYER_MODULES))
def test_keras2_layer_modules_expose_the_canonical_classes(module):
    mod = importlib.import_module(f"ckeras.layers.{module}")
    for name in LAYER_MODULES[module]:
        assert getattr(mod, name) is getattr(layers, name), f"ckeras.layers.{module}.{name}"


def test_keras1_style_imports_build_a_working_model():
    from ckeras.layers.convolutional import Convolution2D, MaxPooling2D
    from ckeras.layers.core import Activation, Dense, Flatten
    from ckeras.models import Sequential
    model = Sequential([Convolution2D(2, 3, kernel_initializer="ones", input_shape=(4, 4, 1)),
                        MaxPooling2D(), Flatten(), Dense(1, kernel_initializer="ones"),
                        Activation("linear")])
    # each 3x3 window of ones sums to 9, two filters, one pooled position
    np.testing.assert_allclose(model.predict(np.ones((1, 4, 4, 1)), verbose=0), [[18.0]])


def test_core_spatial_dropout_drops_whole_channels():
    from ckeras.layers.core import SpatialDropout1D
    y = np.asarray(SpatialDropout1D(0.5)(np.ones((4, 6, 8)), training=True))
    assert set(np.unique(y)) <= {0.0, 2.0}
    assert ((y == 0).all(axis=1) | (y == 2).all(axis=1)).all()


def test_engine_topology_names():
    from ckeras.engine import topology
    from ckeras.engine.node import Node
    assert topology.Layer is ckeras.layers.Layer
    assert topology.Input is ckeras.layers.Input
    assert topology.InputLayer is ckeras.layers.InputLayer
    assert topology.InputSpec is ckeras.layers.InputSpec
    assert topology.Node is Node
    assert topology.Network is ckeras.Model
    assert topology.get_source_inputs is ckeras.utils.get_source_inputs


def test_network_builds_a_functional_model_and_covers_every_model():
    from ckeras.engine.topology import Input, Network
    a = Input((3,))
    net = Network(a, layers.Dense(2, kernel_initializer="ones")(a))
    np.testing.assert_allclose(net.predict(np.ones((1, 3)), verbose=0), [[3.0, 3.0]])
    assert isinstance(net, Network)
    assert isinstance(ckeras.models.Sequential(), Network)


def test_get_source_inputs_walks_back_to_the_inputs_once_each():
    from ckeras.engine.topology import Input, get_source_inputs
    a, b = Input((3,)), Input((3,))
    shared = layers.Dense(3)
    y = layers.Add()([shared(a), shared(b), a])
    sources = get_source_inputs(y)
    assert len(sources) == 2 and sources[0] is a and sources[1] is b
    only = get_source_inputs(a)
    assert len(only) == 1 and only[0] is a
    plain = np.ones(2)
    assert get_source_inputs(plain)[0] is plain


def test_generic_utils_custom_objects():
    from ckeras.saving import object_registry, serialization
    from ckeras.utils import generic_utils as gu
    assert gu.get_custom_objects is object_registry.get_custom_objects
    assert gu.CustomObjectScope is object_registry.CustomObjectScope
    assert gu.custom_object_scope is object_registry.custom_object_scope
    assert gu.serialize_keras_object is serialization.serialize_keras_object
    assert gu.deserialize_keras_object is serialization.deserialize_keras_object

    def twice(x):
        return 2 * x
    with gu.custom_object_scope({"twice": twice}):
        layer = layers.deserialize({"class_name": "Activation",
                                    "config": {"activation": "twice"}})
    np.testing.assert_allclose(np.asarray(layer(np.array([[1.5]]))), [[3.0]])
    gu.get_custom_objects()["twice_g"] = twice
    try:
        assert ckeras.activations.get("twice_g") is twice
    finally:
        del gu.get_custom_objects()["twice_g"]


@pytest.mark.parametrize("alias,cls", [("sgd", "SGD"), ("rmsprop", "RMSprop"),
                                       ("adagrad", "Adagrad"), ("adadelta", "Adadelta"),
                                       ("adam", "Adam"), ("adamax", "Adamax"),
                                       ("nadam", "Nadam")])
def test_optimizer_lowercase_aliases_are_the_classes(alias, cls):
    assert getattr(optimizers, alias) is getattr(optimizers, cls)


def test_optimizer_alias_takes_keras2_lr():
    opt = optimizers.sgd(lr=0.5)
    assert isinstance(opt, optimizers.SGD)
    assert float(opt.learning_rate) == 0.5


def test_cosine_proximity_is_the_negative_cosine_similarity():
    assert losses.cosine_proximity is losses.cosine_similarity
    assert losses.cosine is losses.cosine_similarity
    t = np.array([[1.0, 0.0], [0.0, 1.0]])
    p = np.array([[2.0, 0.0], [1.0, 1.0]])
    np.testing.assert_allclose(np.asarray(losses.cosine_proximity(t, p)),
                               [-1.0, -np.sqrt(0.5)], rtol=1e-6)
    assert losses.get("cosine_proximity") is losses.cosine_similarity


def test_compile_with_cosine_proximity_trains():
    model = ckeras.models.Sequential([layers.Dense(2, input_shape=(2,),
                                                   kernel_initializer="identity")])
    model.compile("sgd", "cosine_proximity")
    loss = model.evaluate(np.array([[1.0, 0.0]]), np.array([[1.0, 0.0]]), verbose=0)
    np.testing.assert_allclose(loss, -1.0, rtol=1e-6)


@pytest.mark.parametrize("alias,cls", [
    ("normal", "RandomNormal"), ("uniform", "RandomUniform"), ("zero", "Zeros"),
    ("one", "Ones"), ("zeros", "Zeros"), ("ones", "Ones"), ("constant", "Constant"),
    ("random_normal", "RandomNormal"), ("random_uniform", "RandomUniform"),
    ("truncated_normal", "TruncatedNormal"), ("identity", "Identity"),
    ("orthogonal", "Orthogonal"), ("lecun_uniform", "LecunUniform"),
    ("lecun_normal", "LecunNormal"), ("glorot_normal", "GlorotNormal"),
    ("glorot_uniform", "GlorotUniform"), ("he_normal", "HeNormal"),
    ("he_uniform", "HeUniform")])
def test_initializer_aliases(alias, cls):
    assert getattr(initializers, alias) is getattr(initializers, cls)
    assert type(initializers.get(alias)) is getattr(initializers, cls)


def test_initializer_aliases_keep_keras2_arguments():
    w = initializers.normal(mean=3.0, stddev=0.0)((2, 2))
    np.testing.assert_array_equal(w, np.full((2, 2), 3.0, np.float32))
    np.testing.assert_array_equal(initializers.one()((3,)), np.ones(3, np.float32))
    np.testing.assert_array_equal(initializers.zero()((3,)), np.zeros(3, np.float32))
    u = initializers.uniform(minval=2.0, maxval=3.0, seed=1)((50,))
    assert ((u >= 2.0) & (u < 3.0)).all() and u.std() > 0


def test_objectives_is_the_losses_module_under_its_old_name():
    from ckeras import objectives
    assert objectives.categorical_crossentropy is losses.categorical_crossentropy
    assert objectives.mse is losses.mean_squared_error
    assert objectives.cosine_proximity is losses.cosine_similarity
    assert set(objectives.__all__) == set(losses.__all__)
    assert all(getattr(objectives, n) is getattr(losses, n) for n in losses.__all__)


def test_conv_utils_convert_kernel_flips_the_spatial_axes(rng):
    from ckeras.utils.conv_utils import convert_kernel
    k = rng.uniform(size=(3, 2, 4, 5))
    flipped = convert_kernel(k)
    np.testing.assert_array_equal(flipped, k[::-1, ::-1])
    np.testing.assert_array_equal(convert_kernel(flipped), k)
    # a true convolution with k equals the cross-correlation with the flipped kernel
    x = rng.uniform(size=(1, 6, 1))
    k1 = rng.uniform(size=(3, 1, 1))
    conv = np.convolve(x[0, :, 0], k1[:, 0, 0], mode="valid")
    corr = layers.Conv1D(1, 3, use_bias=False, weights=[convert_kernel(k1)])(x)
    np.testing.assert_allclose(np.asarray(corr)[0, :, 0], conv, rtol=1e-6)
    with pytest.raises(ValueError, match="3 to 5 axes"):
        convert_kernel(np.ones((2, 2)))
