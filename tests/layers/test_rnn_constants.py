"""RNN `constants` (Keras 2 / tf-keras): tensors a cell reads at every step,
passed to its `call` as `constants=`; in a graph they (and graph initial
states) become inputs of the RNN's node."""
import json

import numpy as np
import pytest

import ckeras
from ckeras import backend as K
from ckeras import layers as L
from ckeras.saving.object_registry import CustomObjectScope

RNG = np.random.RandomState(11)
X = RNG.uniform(-1, 1, (3, 4, 5)).astype("float32")
C = RNG.uniform(-1, 1, (3, 2)).astype("float32")


class ConstantCell(L.Layer):
    """h_t = tanh(x_t W + h_{t-1} U + c V); built on [input, constant] shapes."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        if not isinstance(input_shape, list):
            raise TypeError("expects the constants' shape too")
        step, const = input_shape
        self.w = self.add_weight("w", (step[-1], self.units))
        self.u = self.add_weight("u", (self.units, self.units))
        self.v = self.add_weight("v", (const[-1], self.units))
        self.built = True

    def call(self, inputs, states, constants):
        h = K.tanh(K.dot(inputs, self.w) + K.dot(states[0], self.u) +
                   K.dot(constants[0], self.v))
        return h, [h]

    def get_config(self):
        return dict(super().get_config(), units=self.units)


def _reference(cell, x, c, h, backwards=False):
    w, u, v = (np.asarray(K.get_value(t)) for t in (cell.w, cell.u, cell.v))
    steps = range(x.shape[1] - 1, -1, -1) if backwards else range(x.shape[1])
    for t in steps:
        h = np.tanh(x[:, t] @ w + h @ u + c @ v)
    return h


def test_eager_call_with_constants():
    cell = ConstantCell(3)
    layer = L.RNN(cell)
    y = np.asarray(layer(X, constants=C))
    np.testing.assert_allclose(y, _reference(cell, X, C, np.zeros((3, 3))), rtol=1e-5,
                               atol=1e-6)
    h0 = RNG.uniform(-1, 1, (3, 3)).astype("float32")
    y = np.asarray(layer(X, initial_state=[h0], constants=[C]))
    np.testing.assert_allclose(y, _reference(cell, X, C, h0), rtol=1e-5, atol=1e-6)
    # The flat list form, once the layer knows how many constants it has.
    np.testing.assert_allclose(np.asarray(layer([X, h0, C])), y, rtol=1e-6)


def test_graph_model_with_constants_trains_saves_and_reloads(tmp_path):
    x, c, s = ckeras.Input((None, 5)), ckeras.Input((2,)), ckeras.Input((3,))
    layer = L.RNN(ConstantCell(3), name="rnn")
    y = layer(x, initial_state=s, constants=c)
    assert isinstance(layer.input, list) and len(layer.input) == 3
    model = ckeras.Model([x, s, c], y)
    model.compile("sgd", "mse")
    h0 = RNG.uniform(-1, 1, (3, 3)).astype("float32")
    before = model.predict([X, h0, C])
    np.testing.assert_allclose(before, _reference(layer.cell, X, C, h0), rtol=1e-5, atol=1e-6)
    model.train_on_batch([X, h0, C], np.zeros((3, 3)))
    assert not np.allclose(model.predict([X, h0, C]), before)   # v (the constant weight) trains
    config = layer.get_config()
    assert config["num_constants"] == 1
    path = str(tmp_path / "m.h5")
    model.save(path)
    with CustomObjectScope({"ConstantCell": ConstantCell}):
        again = ckeras.models.load_model(path)
        json.loads(model.to_json())
        rebuilt = L.RNN.from_config(config)
    np.testing.assert_allclose(again.predict([X, h0, C]), model.predict([X, h0, C]), rtol=1e-6)
    assert rebuilt._num_constants == 1


def test_stacked_cells_pass_constants_to_the_cells_that_take_them():
    cells = [L.GRUCell(4, name="g"), ConstantCell(3, name="k")]
    layer = L.RNN(cells)
    y = np.asarray(layer(X, constants=C))
    gru, const = layer.cell.cells
    kernel, rec, bias = gru.get_weights()
    h, g = np.zeros((3, 3)), np.zeros((3, 4))
    for t in range(4):
        xz = X[:, t] @ kernel + bias[0]
        hz = g @ rec + bias[1]
        z = 1 / (1 + np.exp(-(xz[:, :4] + hz[:, :4])))
        r = 1 / (1 + np.exp(-(xz[:, 4:8] + hz[:, 4:8])))
        n = np.tanh(xz[:, 8:] + r * hz[:, 8:])
        g = z * g + (1 - z) * n
        h = _reference(const, g[:, None], C, h)
    np.testing.assert_allclose(y, h, rtol=1e-5, atol=1e-5)


def test_bidirectional_with_constants_and_states():
    # The halves are copies of an RNN with an unregistered custom cell: the
    # copy finds the cell's class itself (tf-keras).
    bi = L.Bidirectional(L.RNN(ConstantCell(3)), merge_mode="concat")
    y = np.asarray(bi(X, constants=C))
    f, b = bi.forward_layer.cell, bi.backward_layer.cell
    np.testing.assert_allclose(y[:, :3], _reference(f, X, C, np.zeros((3, 3))), rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(y[:, 3:], _reference(b, X, C, np.zeros((3, 3)), True),
                               rtol=1e-5, atol=1e-6)
    hf, hb = (RNG.uniform(-1, 1, (3, 3)).astype("float32") for _ in range(2))
    y = np.asarray(bi(X, initial_state=[hf, hb], constants=C))
    np.testing.assert_allclose(y[:, :3], _reference(f, X, C, hf), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(y[:, 3:], _reference(b, X, C, hb, True), rtol=1e-5, atol=1e-6)
    config = bi.get_config()
    assert config["num_constants"] == 1
    with CustomObjectScope({"ConstantCell": ConstantCell}):
        again = L.Bidirectional.from_config(config)
    assert again.forward_layer._num_constants == again.backward_layer._num_constants == 1


def test_bidirectional_needs_states_for_both_halves():
    x = ckeras.Input((4, 5))
    states = L.Bidirectional(L.LSTM(3, return_state=True))(x)[1:]
    with pytest.raises(ValueError, match="even number of states.*received 1"):
        L.Bidirectional(L.LSTM(3))(ckeras.Input((4, 5)), initial_state=states[0])
    layer = L.Bidirectional(L.LSTM(3))
    out = layer(ckeras.Input((4, 5)), initial_state=states)
    assert isinstance(layer.input, list) and len(layer.input) == 5
    assert tuple(out.shape) == (None, 6)


def test_a_cell_without_constants_refuses_them():
    with pytest.raises(ValueError, match='cell of RNN layer "plain".*does not support '
                                         'constants'):
        L.RNN(L.SimpleRNNCell(2), name="plain")(X, constants=C)


def test_symbolic_initial_state_of_an_rnn():
    x = ckeras.Input((None, 5))
    layer = L.SimpleRNN(3, name="s")
    init = layer.get_initial_state(x)
    assert [K.int_shape(t) for t in init] == [(None, 3)]
    y = layer(x, initial_state=init)
    model = ckeras.Model(x, y)
    assert isinstance(layer.input, list) and len(layer.input) == 2
    reference = L.SimpleRNN(3)
    reference(X)
    reference.set_weights(layer.get_weights())
    np.testing.assert_allclose(model.predict(X), np.asarray(reference(X)), rtol=1e-6)


def test_initial_state_and_constants_may_be_positional():
    cell = ConstantCell(3)
    layer = L.RNN(cell)
    h0 = RNG.uniform(-1, 1, (3, 3)).astype("float32")
    y = np.asarray(layer(X, [h0], [C]))
    want = _reference(cell, X, C, h0)
    np.testing.assert_allclose(y, want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(layer(X, h0, constants=C)), want, rtol=1e-5, atol=1e-6)
    plain = L.SimpleRNN(2)
    s0 = np.ones((3, 2), np.float32)
    np.testing.assert_allclose(np.asarray(plain(X, s0)), np.asarray(plain(X, initial_state=[s0])),
                               rtol=1e-6)
    assert not np.allclose(np.asarray(plain(X, s0)), np.asarray(plain(X)))
    with pytest.raises(TypeError, match="Too many positional arguments"):
        layer(X, [h0], [C], None)
