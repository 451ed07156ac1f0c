"""`tf.keras.layers.experimental.preprocessing`: the preprocessing layers under
their Keras 2.x experimental path (the same classes as `ckeras.layers`)."""
from ckeras.layers.preprocessing import *  # noqa: F401,F403
from ckeras.layers.preprocessing import __all__  # noqa: F401
