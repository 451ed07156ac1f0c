"""`ckeras.layers.experimental`: tf.keras 2.x's earlier home of the
preprocessing layers, kept as an import path."""
from ckeras.layers.experimental import preprocessing

__all__ = ["preprocessing"]
