"""Keras preprocessing layers (`from ckeras.layers.preprocessing import ...`),
also exported from `ckeras.layers` and `ckeras.layers.experimental.preprocessing`."""
from ckeras.layers.preprocessing.base_preprocessing_layer import PreprocessingLayer
from ckeras.layers.preprocessing.category_encoding import CategoryEncoding
from ckeras.layers.preprocessing.discretization import Discretization
from ckeras.layers.preprocessing.hashed_crossing import HashedCrossing
from ckeras.layers.preprocessing.hashing import Hashing
from ckeras.layers.preprocessing.image_preprocessing import (
    CenterCrop,
    RandomBrightness,
    RandomContrast,
    RandomCrop,
    RandomFlip,
    RandomHeight,
    RandomRotation,
    RandomTranslation,
    RandomWidth,
    RandomZoom,
    Rescaling,
    Resizing,
)
from ckeras.layers.preprocessing.integer_lookup import IntegerLookup
from ckeras.layers.preprocessing.normalization import Normalization
from ckeras.layers.preprocessing.string_lookup import StringLookup
from ckeras.layers.preprocessing.text_vectorization import TextVectorization

__all__ = [
    "PreprocessingLayer",
    "CategoryEncoding",
    "HashedCrossing",
    "Hashing",
    "IntegerLookup",
    "StringLookup",
    "TextVectorization",
    "CenterCrop",
    "Discretization",
    "Normalization",
    "RandomBrightness",
    "RandomContrast",
    "RandomCrop",
    "RandomFlip",
    "RandomHeight",
    "RandomRotation",
    "RandomTranslation",
    "RandomWidth",
    "RandomZoom",
    "Rescaling",
    "Resizing",
]
