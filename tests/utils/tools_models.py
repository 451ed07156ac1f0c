"""The models of tools/make_fixtures_tools.py, rebuilt layer for layer in
ckeras, for the summary() and model_to_dot golden tests."""
import numpy as np

from ckeras import layers as L
from ckeras.models import Model, Sequential


def sequential():
    return Sequential([L.Dense(32, input_shape=(784,), name="dense"),
                       L.Dropout(0.5, name="dropout"),
                       L.Dense(10, activation="softmax", name="dense_1")], name="sequential")


def long_name():
    return Sequential([L.Dense(2, input_shape=(3,), name="a_very_long_layer_name_indeed")],
                          name="long_name")


def two_towers():
    a = L.Input(shape=(3,), name="left")
    b = L.Input(shape=(4,), name="right")
    merged = L.Concatenate(name="merged")([L.Dense(8, name="dense")(a),
                                           L.Dense(8, activation="relu", name="dense_1")(b)])
    return Model([a, b], L.Dense(1, name="out")(merged), name="two_towers")


def with_frozen():
    model = Sequential([L.Dense(4, input_shape=(3,), name="frozen"),
                        L.BatchNormalization(name="bn"),
                        L.Dense(2, name="head")], name="with_frozen")
    model.layers[0].trainable = False
    return model


def nested():
    inner = Sequential([L.Dense(6, activation="tanh", input_shape=(5,), name="inner_a"),
                        L.Dense(4, name="inner_b")], name="encoder")
    x = L.Input(shape=(5,), name="x")
    return Model(x, L.Dense(1, activation="sigmoid", name="head")(inner(x)), name="outer")


def wrapped_model():
    inner = Sequential([L.Dense(3, input_shape=(2,), name="a")], name="inner")
    x = L.Input((4, 2), name="x")
    return Model(x, L.Dense(1, name="h")(L.TimeDistributed(inner, name="td")(x)),
                 name="wrapped_model")


def deep():
    core = Sequential([L.Dense(3, input_shape=(4,), name="core_a")], name="core")
    block = Sequential([L.Dense(4, input_shape=(5,), name="block_in"), core], name="block")
    block.layers[0].trainable = False
    x = L.Input(shape=(5,), name="x")
    return Model(x, L.Dense(1, name="head")(block(x)), name="deep")


def shared_and_states():
    seq = L.Input(shape=(7, 3), name="seq")
    out, h, c = L.LSTM(5, return_state=True, name="lstm")(seq)
    shared = L.Dense(2, name="shared")
    return Model(seq, [out, L.Add(name="add")([shared(h), shared(c)])], name="states")


class Mlp(Model):
    def __init__(self):
        super().__init__(name="mlp")
        self.hidden = L.Dense(4, activation="relu", name="hidden")
        self.out = L.Dense(1, name="out")

    def call(self, x):
        return self.out(self.hidden(x))


def subclassed():
    model = Mlp()
    model(np.zeros((1, 5), "float32"))
    return model


MODELS = {"sequential": sequential, "long_name": long_name, "two_towers": two_towers,
          "with_frozen": with_frozen, "wrapped_model": wrapped_model,
          "deep": deep,
          "nested": nested, "shared_and_states": shared_and_states, "subclassed": subclassed}

