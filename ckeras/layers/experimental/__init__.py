"""tf.keras.layers.experimental: the Keras 2.x home of the preprocessing layers
(`ckeras.layers.experimental.preprocessing`)."""
from ckeras.layers.experimental import preprocessing

__all__ = ["preprocessing"]
