"""Keras preprocessing layers (`from ckeras.layers.preprocessing import ...`),
also exported from `ckeras.layers` and `ckeras.layers.experimental.preprocessing`."""
from ckeras.layers.preprocessing.base_preprocessing_layer import PreprocessingLayer
from ckeras.layers.preprocessing.category_encoding import CategoryEncoding
from ckeras.layers.preprocessing.hashing import Hashing
from ckeras.layers.preprocessing.integer_lookup import IntegerLookup
from ckeras.layers.preprocessing.string_lookup import StringLookup
from ckeras.layers.preprocessing.text_vectorization import TextVectorization

__all__ = [
    "PreprocessingLayer",
    "CategoryEncoding",
    "Hashing",
    "IntegerLookup",
    "StringLookup",
    "TextVectorization",
]
