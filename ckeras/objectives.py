"""Keras 1 and 2's `keras.objectives` import path: the loss functions of
`ckeras.losses` under their old module name (`from keras.objectives import
categorical_crossentropy`)."""
from ckeras.losses import *  # noqa: F403
from ckeras.losses import __all__  # noqa: F401
