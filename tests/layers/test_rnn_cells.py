"""RNN cells that are not Layers, and cells' get_initial_state (issue #21 item 4).

Keras 2 and tf-keras 2.21 run any object with `call(inputs, states)` and
`state_size` in `RNN(cell)`; such a cell's variables are not tracked by the
RNN (tf-keras 2.21: `weights == []`, `fit` leaves them as they are) and
its config needs the cell's own `get_config`.
"""
import numpy as np
import pytest

import ckeras
from ckeras import backend as K
from ckeras import layers as L

RNG = np.random.RandomState(7)
X = RNG.uniform(-1, 1, (2, 3, 4)).astype("float32")


class VariableCell:
    """A plain class owning two `K.variable`s."""

    def __init__(self, units, input_dim):
        self.units = units
        self.state_size = units
        self.kernel = K.variable(RNG.uniform(-1, 1, (input_dim, units)))
        self.recurrent = K.variable(RNG.uniform(-1, 1, (units, units)))

    def call(self, inputs, states):
        h = K.tanh(K.dot(inputs, self.kernel) + K.dot(states[0], self.recurrent))
        return h, [h]


class LayerInsideCell:
    """Weights from a nested Dense; two states, an output_size and its own
    initial state."""

    def __init__(self, units):
        self.state_size = [units, units]
        self.output_size = units
        self.dense = L.Dense(units, activation="tanh")

    def call(self, inputs, states):
        h = self.dense(K.concatenate([inputs, states[0]]))
        return h, [h, states[1] + h]

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        return [np.ones((batch_size, 2), dtype), np.zeros((batch_size, 2), dtype)]


class ConfigCell(VariableCell):
    def __init__(self, units, input_dim=4):
        super().__init__(units, input_dim)

    def get_config(self):
        return {"units": self.units}


def _reference(cell, x, h):
    k, r = np.asarray(K.get_value(cell.kernel)), np.asarray(K.get_value(cell.recurrent))
    seq = []
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ k + h @ r)
        seq.append(h)
    return np.stack(seq, 1)


def test_plain_cell_with_variables_runs_and_is_not_tracked():
    cell = VariableCell(2, 4)
    rnn = L.RNN(cell, return_sequences=True, return_state=True)
    seq, h = rnn(X)
    want = _reference(cell, X, np.zeros((2, 2)))
    np.testing.assert_allclose(np.asarray(seq), want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(h), want[:, -1], rtol=1e-5, atol=1e-6)
    assert rnn.weights == [] and rnn.trainable_weights == []
    # go_backwards and a mask take the same generic path.
    back = L.RNN(cell, go_backwards=True)(X)
    np.testing.assert_allclose(np.asarray(back), _reference(cell, X[:, ::-1],
                                                            np.zeros((2, 2)))[:, -1],
                               rtol=1e-5, atol=1e-6)


def test_plain_cell_in_a_trained_model_keeps_its_variables_as_tf_keras():
    cell = VariableCell(2, 4)
    before = np.asarray(K.get_value(cell.kernel)).copy()
    inp = ckeras.Input((3, 4))
    model = ckeras.Model(inp, L.Dense(1)(L.RNN(cell)(inp)))
    model.compile("sgd", "mse")
    first = model.train_on_batch(X, np.ones((2, 1)))
    model.train_on_batch(X, np.ones((2, 1)))
    assert model.train_on_batch(X, np.ones((2, 1))) < first   # the Dense does learn
    np.testing.assert_array_equal(np.asarray(K.get_value(cell.kernel)), before)
    assert len(model.weights) == 2


def test_cell_with_a_nested_layer_uses_its_initial_state_and_output_size():
    cell = LayerInsideCell(2)
    rnn = L.RNN(cell, return_state=True)
    out, h, acc = (np.asarray(t) for t in rnn(X))
    assert rnn.compute_output_shape((None, 3, 4)) == [(None, 2), (None, 2), (None, 2)]
    kernel, bias = cell.dense.get_weights()
    state, total = np.ones((2, 2)), np.zeros((2, 2))
    for t in range(3):
        state = np.tanh(np.concatenate([X[:, t], state], 1) @ kernel + bias)
        total = total + state
    np.testing.assert_allclose(out, state, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(h, state, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(acc, total, rtol=1e-5, atol=1e-6)
    assert rnn.weights == []
    np.testing.assert_array_equal(rnn.get_initial_state(X)[0], np.ones((2, 2)))


def test_plain_cell_in_a_stack_with_a_layer_cell():
    plain = VariableCell(3, 4)
    stack = L.RNN([plain, L.SimpleRNNCell(2, name="s")], return_sequences=True)
    y = np.asarray(stack(X))
    kernel, rec, bias = stack.cell.cells[1].get_weights()
    first = _reference(plain, X, np.zeros((2, 3)))
    h, want = np.zeros((2, 2)), []
    for t in range(3):
        h = np.tanh(first[:, t] @ kernel + h @ rec + bias)
        want.append(h)
    np.testing.assert_allclose(y, np.stack(want, 1), rtol=1e-5, atol=1e-6)
    assert len(stack.weights) == 3   # the SimpleRNNCell's only


def test_config_needs_the_cells_get_config():
    rnn = L.RNN(VariableCell(2, 4), name="plain")
    with pytest.raises(TypeError, match='cell of RNN layer "plain".*must implement the '
                                        '`get_config\\(\\)` method'):
        rnn.get_config()
    config = L.RNN(ConfigCell(2), name="cfg").get_config()
    assert config["cell"]["class_name"] == "ConfigCell"
    assert config["cell"]["config"] == {"units": 2}
    again = L.RNN.from_config(config, custom_objects={"ConfigCell": ConfigCell})
    assert isinstance(again.cell, ConfigCell) and again.cell.units == 2


def test_builtin_cells_have_tf_keras_get_initial_state():
    gru = L.GRUCell(3).get_initial_state(batch_size=2, dtype="float32")
    assert isinstance(gru, np.ndarray) and gru.shape == (2, 3) and not gru.any()
    h, c = L.LSTMCell(4).get_initial_state(inputs=np.ones((5, 2), "float64"))
    assert h.shape == c.shape == (5, 4) and h.dtype == np.float64
    stack = L.StackedRNNCells([L.LSTMCell(2), L.GRUCell(3)])
    assert [s.shape for s in stack.get_initial_state(batch_size=4, dtype="float32")] == \
        [(4, 2), (4, 2), (4, 3)]


def test_layer_cell_initial_state_is_honoured():
    class OnesCell(L.SimpleRNNCell):
        def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
            return np.ones((batch_size, self.units), dtype)

    rnn = L.RNN(OnesCell(2, name="c"))
    y = np.asarray(rnn(X))
    kernel, rec, bias = rnn.get_weights()
    h = np.ones((2, 2))
    for t in range(3):
        h = np.tanh(X[:, t] @ kernel + h @ rec + bias)
    np.testing.assert_allclose(y, h, rtol=1e-5, atol=1e-6)


def test_plain_callable_cell_is_called_with_training():
    seen = []

    class CallableCell:
        state_size = 1

        def call(self, inputs, states):
            raise AssertionError("tf-keras calls a callable cell, not its call")

        def __call__(self, inputs, states, training=None):
            seen.append(training)
            h = states[0] + K.sum(inputs, axis=-1, keepdims=True)
            return h, [h]

    y = np.asarray(L.RNN(CallableCell())(X, training=True))
    np.testing.assert_allclose(y, X.sum(axis=(1, 2))[:, None], rtol=1e-5)
    assert seen == [True] * 3


def test_stacked_cells_state_size_and_reverse_state_order():
    stack = L.StackedRNNCells([L.LSTMCell(2), L.GRUCell(3), VariableCell(4, 3)])
    assert stack.state_size == ([2, 2], 3, 4)   # tf-keras: one entry per cell
    plain = L.RNN(L.StackedRNNCells([L.LSTMCell(2, name="a"), L.GRUCell(3, name="b")]),
                  return_state=True)
    rev = L.RNN(L.StackedRNNCells([L.LSTMCell(2, name="a"), L.GRUCell(3, name="b")],
                                  reverse_state_order=True), return_state=True)
    assert rev.cell.state_size == (3, [2, 2])
    assert rev.compute_output_shape((None, 3, 4)) == [(None, 3), (None, 3), (None, 2),
                                                       (None, 2)]
    plain(X)
    rev(X)
    rev.set_weights(plain.get_weights())
    h0 = [RNG.uniform(-1, 1, (2, n)).astype("float32") for n in (2, 2, 3)]
    out, lh, lc, gh = (np.asarray(t) for t in plain(X, initial_state=h0))
    rout, rgh, rlh, rlc = (np.asarray(t) for t in rev(X, initial_state=[h0[2], h0[0], h0[1]]))
    for got, want in ((rout, out), (rgh, gh), (rlh, lh), (rlc, lc)):
        np.testing.assert_allclose(got, want, rtol=1e-6)
    assert [s.shape for s in rev.get_initial_state(X)] == [(2, 3), (2, 2), (2, 2)]
