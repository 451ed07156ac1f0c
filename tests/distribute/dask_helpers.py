"""Models and data shared by the Dask tests."""
import numpy as np

from ckeras import Input, Model, Sequential, layers


def mlp(seed=1, **dense_kwargs):
    np.random.seed(seed)
    return Sequential([Input((4,)), layers.Dense(8, activation="tanh", **dense_kwargs),
                       layers.Dense(1)])


def two_in_two_out(seed=2):
    np.random.seed(seed)
    a, b = Input((3,), name="a"), Input((2,), name="b")
    h = layers.Dense(6, activation="relu")(layers.Concatenate()([a, b]))
    return Model([a, b], [layers.Dense(1, name="reg")(h),
                          layers.Dense(3, activation="softmax", name="cls")(h)])


def regression(n=300, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    y = (np.tanh(x) @ np.array([1.0, -2.0, 0.5, 3.0], "float32"))[:, None]
    return x, y
