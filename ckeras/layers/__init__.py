"""Keras layers (`from ckeras.layers import Dense, ...`) and layer (de)serialization."""
import importlib

from ckeras.engine import functional as _functional
from ckeras.engine import sequential as _sequential
from ckeras.engine.base_layer import Layer
from ckeras.engine.input_layer import Input, InputLayer
from ckeras.engine.input_spec import InputSpec
from ckeras.layers.advanced_activations import ELU, LeakyReLU, PReLU, ReLU, Softmax, ThresholdedReLU
from ckeras.layers.convolutional import (
    Conv1D,
    Conv1DTranspose,
    Conv2D,
    Conv2DTranspose,
    Conv3D,
    Conv3DTranspose,
    Convolution1D,
    Convolution1DTranspose,
    Convolution2D,
    Convolution2DTranspose,
    Convolution3D,
    Convolution3DTranspose,
    Cropping1D,
    Cropping2D,
    Cropping3D,
    DepthwiseConv1D,
    DepthwiseConv2D,
    SeparableConv1D,
    SeparableConv2D,
    SeparableConvolution1D,
    SeparableConvolution2D,
    UpSampling1D,
    UpSampling2D,
    UpSampling3D,
    ZeroPadding1D,
    ZeroPadding2D,
    ZeroPadding3D,
)
from ckeras.layers.core import (
    Activation,
    ActivityRegularization,
    Dense,
    Dropout,
    Flatten,
    Identity,
    Lambda,
    Masking,
    Permute,
    RepeatVector,
    Reshape,
    SpatialDropout1D,
    SpatialDropout2D,
    SpatialDropout3D,
)
from ckeras.layers.einsum_dense import EinsumDense
from ckeras.layers.embeddings import Embedding
from ckeras.layers.locally_connected import LocallyConnected1D, LocallyConnected2D
from ckeras.layers.merge import (
    Add,
    Average,
    Concatenate,
    Dot,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    average,
    concatenate,
    dot,
    maximum,
    minimum,
    multiply,
    subtract,
)
from ckeras.layers.noise import AlphaDropout, GaussianDropout, GaussianNoise
from ckeras.layers.normalization import (
    BatchNormalization,
    GroupNormalization,
    LayerNormalization,
    UnitNormalization,
)
from ckeras.layers.pooling import (
    AveragePooling1D,
    AveragePooling2D,
    AveragePooling3D,
    AvgPool1D,
    AvgPool2D,
    AvgPool3D,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalAveragePooling3D,
    GlobalAvgPool1D,
    GlobalAvgPool2D,
    GlobalAvgPool3D,
    GlobalMaxPool1D,
    GlobalMaxPool2D,
    GlobalMaxPool3D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    GlobalMaxPooling3D,
    MaxPool1D,
    MaxPool2D,
    MaxPool3D,
    MaxPooling1D,
    MaxPooling2D,
    MaxPooling3D,
)
from ckeras.layers.recurrent import (
    GRU,
    LSTM,
    RNN,
    AbstractRNNCell,
    GRUCell,
    LSTMCell,
    SimpleRNN,
    SimpleRNNCell,
    StackedRNNCells,
)
from ckeras.layers.spectral_normalization import SpectralNormalization
from ckeras.layers.wrappers import Bidirectional, TimeDistributed, Wrapper
from ckeras.saving import serialization as _serialization

# Loaded on first use: the preprocessing and attention layers are a sizable
# part of `import ckeras` that most programs never touch.
_LAZY = {
    "AdditiveAttention": "ckeras.layers.attention",
    "Attention": "ckeras.layers.attention",
    "CategoryEncoding": "ckeras.layers.preprocessing.category_encoding",
    "CenterCrop": "ckeras.layers.preprocessing.image_preprocessing",
    "Discretization": "ckeras.layers.preprocessing.discretization",
    "HashedCrossing": "ckeras.layers.preprocessing.hashed_crossing",
    "Hashing": "ckeras.layers.preprocessing.hashing",
    "IntegerLookup": "ckeras.layers.preprocessing.integer_lookup",
    "MultiHeadAttention": "ckeras.layers.attention",
    "Normalization": "ckeras.layers.preprocessing.normalization",
    "RandomBrightness": "ckeras.layers.preprocessing.image_preprocessing",
    "RandomContrast": "ckeras.layers.preprocessing.image_preprocessing",
    "RandomCrop": "ckeras.layers.preprocessing.image_preprocessing",
    "RandomFlip": "ckeras.layers.preprocessing.image_preprocessing",
    "RandomHeight": "ckeras.layers.preprocessing.image_preprocessing",
    "RandomRotation": "ckeras.layers.preprocessing.image_preprocessing",
    "RandomTranslation": "ckeras.layers.preprocessing.image_preprocessing",
    "RandomWidth": "ckeras.layers.preprocessing.image_preprocessing",
    "RandomZoom": "ckeras.layers.preprocessing.image_preprocessing",
    "Rescaling": "ckeras.layers.preprocessing.image_preprocessing",
    "Resizing": "ckeras.layers.preprocessing.image_preprocessing",
    "StringLookup": "ckeras.layers.preprocessing.string_lookup",
    "TextVectorization": "ckeras.layers.preprocessing.text_vectorization",
}


def __getattr__(name):
    if name == "experimental":      # tf.keras 2.x's import path of the preprocessing layers
        return importlib.import_module("ckeras.layers.experimental")
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'ckeras.layers' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


class _Objects(dict):
    """The name -> class registry, loading the lazy layers only when a
    config names them (`in` and `[]` are what the deserializer uses)."""

    def __contains__(self, name):
        return dict.__contains__(self, name) or name in _LAZY

    def __missing__(self, name):
        if name not in _LAZY:
            raise KeyError(name)
        value = self[name] = __getattr__(name)
        return value


def module_objects():
    """Every built-in layer class, plus the model classes, by class name
    (what `deserialize` resolves class names against)."""
    objects = _Objects((name, obj) for name, obj in globals().items()
                       if isinstance(obj, type) and issubclass(obj, Layer))
    objects.update({"Model": _functional.Functional, "Functional": _functional.Functional,
                    "Sequential": _sequential.Sequential, "InputLayer": InputLayer})
    return objects


def serialize(layer):
    """Serializes a layer (or model) to `{'class_name': ..., 'config': ...}`.

    Args:
        layer: a Layer instance.

    Returns:
        A JSON-able dict; `config` is `layer.get_config()`.

    Example:
        >>> serialize(Dense(2, name='d'))['class_name']
        'Dense'
    """
    return _serialization.serialize_keras_object(layer)


def deserialize(config, custom_objects=None):
    """Instantiates a layer (or model) from a `{'class_name', 'config'}` dict.

    Args:
        config: the dict written by `serialize` (Keras 2 or tf-keras form;
            the `module`/`registered_name` keys are accepted and ignored).
        custom_objects: optional dict mapping names to custom classes or
            functions (custom layers, `Lambda` functions, activations, ...).

    Returns:
        A Layer, Functional or Sequential instance.

    Raises:
        ValueError: for an unknown class name.

    Example:
        >>> layer = deserialize({'class_name': 'Dense', 'config': {'units': 2}})
    """
    return _serialization.deserialize_keras_object(config, module_objects=module_objects(),
                                    custom_objects=custom_objects,
                                    printable_module_name="layer")


__all__ = ["AbstractRNNCell", "AdditiveAttention", "Attention", "EinsumDense",
           "GroupNormalization", "Identity", "MultiHeadAttention", "UnitNormalization",
           "Wrapper",
           "Activation", "ActivityRegularization", "Add", "AlphaDropout", "Average",
           "AveragePooling1D", "AveragePooling2D", "AvgPool1D", "AvgPool2D", "BatchNormalization",
           "Bidirectional", "Concatenate", "Conv1D", "Conv2D", "Conv2DTranspose", "Convolution1D",
           "Convolution2D", "Convolution2DTranspose", "Cropping1D", "Cropping2D", "Dense",
           "DepthwiseConv2D", "Dot", "Dropout", "ELU", "Embedding", "Flatten", "GRU", "GRUCell",
           "GaussianDropout", "GaussianNoise", "GlobalAveragePooling1D", "GlobalAveragePooling2D",
           "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalMaxPool1D", "GlobalMaxPool2D",
           "GlobalMaxPooling1D", "GlobalMaxPooling2D", "Input", "InputLayer", "InputSpec", "LSTM",
           "LSTMCell", "Lambda", "Layer", "LayerNormalization", "LeakyReLU", "Masking",
           "MaxPool1D", "MaxPool2D", "MaxPooling1D", "MaxPooling2D", "Maximum", "Minimum",
           "Multiply", "PReLU", "Permute", "RNN", "ReLU", "RepeatVector", "Reshape",
           "SeparableConv1D", "SeparableConv2D", "SeparableConvolution1D",
           "SeparableConvolution2D", "SimpleRNN", "SimpleRNNCell", "Softmax", "SpatialDropout1D",
           "SpatialDropout2D", "StackedRNNCells", "Subtract", "ThresholdedReLU", "TimeDistributed",
           "UpSampling1D", "UpSampling2D", "ZeroPadding1D", "ZeroPadding2D", "add", "average",
           "concatenate", "deserialize", "dot", "maximum", "minimum", "multiply", "serialize",
           "subtract"]
__all__ += ["AveragePooling3D", "AvgPool3D", "Conv1DTranspose", "Conv3D", "Conv3DTranspose",
            "Convolution1DTranspose", "Convolution3D", "Convolution3DTranspose", "Cropping3D",
            "DepthwiseConv1D", "GlobalAveragePooling3D", "GlobalAvgPool3D", "GlobalMaxPool3D",
            "GlobalMaxPooling3D", "MaxPool3D", "MaxPooling3D", "SpatialDropout3D",
            "UpSampling3D", "ZeroPadding3D"]
__all__ += ["CategoryEncoding", "Hashing", "IntegerLookup", "StringLookup",
            "TextVectorization"]
__all__ += ["CenterCrop", "Discretization", "Normalization", "RandomBrightness",
            "RandomContrast", "RandomCrop", "RandomFlip", "RandomHeight", "RandomRotation",
            "RandomTranslation", "RandomWidth", "RandomZoom", "Rescaling", "Resizing"]
__all__ += ["LocallyConnected1D", "LocallyConnected2D"]
__all__ += ["HashedCrossing", "SpectralNormalization"]
