"""Keras' preprocessing layers (also exported from `ckeras.layers` and
`ckeras.layers.experimental.preprocessing`)."""
from ckeras.layers.preprocessing.discretization import Discretization
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
from ckeras.layers.preprocessing.normalization import Normalization

__all__ = [
    "CenterCrop", "Discretization", "Normalization", "RandomBrightness", "RandomContrast",
    "RandomCrop", "RandomFlip", "RandomHeight", "RandomRotation", "RandomTranslation",
    "RandomWidth", "RandomZoom", "Rescaling", "Resizing"]
