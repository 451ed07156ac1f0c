"""`ckeras.layers.experimental.preprocessing`: the preprocessing layers under
tf.keras 2.x's experimental import path (the same classes as in
`ckeras.layers`)."""
from ckeras.layers.preprocessing import (
    CenterCrop,
    Discretization,
    Normalization,
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

__all__ = [
    "CenterCrop", "Discretization", "Normalization", "RandomBrightness", "RandomContrast",
    "RandomCrop", "RandomFlip", "RandomHeight", "RandomRotation", "RandomTranslation",
    "RandomWidth", "RandomZoom", "Rescaling", "Resizing"]
