"""The smaller layers of issue 16: UnitNormalization, GroupNormalization,
Identity, Softmax(robust_masking), SeparableConv positional arguments (tf-keras
2.21 goldens in tests/fixtures/attention), the Wrapper base class and
AbstractRNNCell."""
import pathlib

import numpy as np
import pytest

from ckeras import backend as K
from ckeras import layers as L
from ckeras.autograd import Tensor, enable_grad, grad
from ckeras.models import Sequential
from ckeras.testing import Golden, assert_config_matches, golden_layer_test

GOLDEN = Golden(pathlib.Path(__file__).resolve().parents[1] / "fixtures", "attention")


@pytest.mark.parametrize("name", GOLDEN.names(layer=("UnitNormalization", "GroupNormalization",
                                                     "Identity")))
def test_golden(name):
    golden_layer_test(GOLDEN.load(name))


@pytest.mark.parametrize("name", ["sepconv2d_positional", "sepconv1d_positional"])
def test_separable_conv_positional_arguments(name):
    case, xs, ws, ys, _ = GOLDEN.load(name)
    K.clear_session()
    layer = getattr(L, case["layer"])(*case["args"])
    layer(xs[0])
    assert [w.name for w in layer.weights] == case["weight_names"]
    layer.set_weights(ws)
    np.testing.assert_allclose(layer(xs[0]), ys[0], rtol=1e-5, atol=1e-5)
    assert_config_matches(layer.get_config(), case["config"])


@pytest.mark.parametrize("name", ["softmax_mask", "softmax_robust_mask"])
def test_softmax_masks_golden(name):
    case, xs, _, ys, a = GOLDEN.load(name)
    layer = L.Softmax(**case["kwargs"])
    np.testing.assert_allclose(layer(xs[0], mask=a["m"]), ys[0], rtol=1e-6, atol=1e-7)
    assert_config_matches(layer.get_config(), case["config"])
    # row 0: the huge unmasked logit takes all the weight, the masked get none
    np.testing.assert_allclose(ys[0][0, 0], [1.0, 0, 0, 0], atol=1e-7)


def test_group_normalization_mask_weights_the_statistics():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 5, 4)).astype("float32")
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
    layer = L.GroupNormalization(groups=2, epsilon=1e-3)
    y = np.asarray(layer(x, mask=mask))
    for b in range(2):
        for grp in range(2):
            sl = x[b, mask[b], 2 * grp:2 * grp + 2]
            mean, var = sl.mean(), sl.var()
            want = (x[b, :, 2 * grp:2 * grp + 2] - mean) / np.sqrt(var + 1e-3)
            np.testing.assert_allclose(y[b, :, 2 * grp:2 * grp + 2], want, rtol=1e-4,
                                       atol=1e-5)


def test_group_normalization_bad_groups_and_gradients():
    with pytest.raises(ValueError, match=r"Number of groups \(4\) must be a multiple"):
        L.GroupNormalization(groups=4)(np.ones((2, 6), "float32"))
    with pytest.raises(ValueError, match=r"Number of groups \(8\) cannot be more"):
        L.GroupNormalization(groups=8)(np.ones((2, 6), "float32"))
    layer = L.GroupNormalization(groups=3, dtype="float64")
    x = Tensor(np.random.default_rng(1).standard_normal((3, 6)), requires_grad=True)
    with enable_grad():
        loss = K.sum(layer(x) * np.arange(6.0))
    gx, gg, gb = grad(loss, [x, layer.gamma, layer.beta])
    np.testing.assert_allclose(gb, 3 * np.arange(6.0))
    np.testing.assert_allclose(gx.reshape(3, 3, 2).sum(-1), 0, atol=1e-12)  # mean-free


def test_unit_normalization_bad_axis():
    with pytest.raises(TypeError, match="Invalid value for `axis`"):
        L.UnitNormalization(axis="x")
    with pytest.raises(ValueError, match="Invalid value for `axis` argument"):
        L.UnitNormalization(axis=3)(np.ones((2, 3), "float32"))


class Twice(L.Wrapper):
    def call(self, inputs):
        return self.layer(self.layer(inputs))


def test_wrapper_base_class():
    assert issubclass(L.TimeDistributed, L.Wrapper)
    assert issubclass(L.Bidirectional, L.Wrapper)
    with pytest.raises(ValueError, match="supplied to wrapper is not a supported layer"):
        Twice("dense")
    w = Twice(L.Dense(3, kernel_initializer="ones", use_bias=False))
    x = np.ones((2, 3), "float32")
    np.testing.assert_allclose(w(x), 9.0)
    assert [v.name for v in w.weights] == [v.name for v in w.layer.weights]
    config = w.get_config()
    assert config["layer"]["class_name"] == "Dense"
    clone = L.deserialize({"class_name": "Twice", "config": config},
                          custom_objects={"Twice": Twice})
    assert isinstance(clone.layer, L.Dense) and clone.layer.units == 3
    # Bidirectional's template layer is not one of its weights' owners
    bi = L.Bidirectional(L.LSTM(2))
    bi(np.ones((1, 3, 2), "float32"))
    assert not bi.layer.built and len(bi.weights) == 6


class MinimalRNNCell(L.AbstractRNNCell):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    @property
    def state_size(self):
        return self.units

    @property
    def output_size(self):
        return self.units

    def build(self, input_shape):
        self.kernel = self.add_weight("kernel", (input_shape[-1], self.units))
        self.recurrent = self.add_weight("recurrent", (self.units, self.units))
        self.built = True

    def call(self, inputs, states):
        h = K.tanh(K.dot(inputs, self.kernel) + K.dot(states[0], self.recurrent))
        return h, [h]


def test_abstract_rnn_cell_runs_in_rnn_and_trains():
    x = np.random.default_rng(2).standard_normal((4, 5, 3)).astype("float32")
    cell = MinimalRNNCell(2)
    rnn = L.RNN(cell, return_sequences=True)
    y = np.asarray(rnn(x))
    h = np.zeros((4, 2), "float32")
    for t in range(5):
        h = np.tanh(x[:, t] @ cell.kernel.value + h @ cell.recurrent.value)
        np.testing.assert_allclose(y[:, t], h, rtol=1e-5, atol=1e-6)
    init = cell.get_initial_state(batch_size=3, dtype="float32")
    assert init.shape == (3, 2) and not init.any()
    model = Sequential([L.RNN(MinimalRNNCell(2), input_shape=(5, 3)), L.Dense(1)])
    model.compile("sgd", "mse")
    before = model.get_weights()
    model.train_on_batch(x, np.ones((4, 1), "float32"))
    assert all(np.any(a != b) for a, b in zip(before, model.get_weights(), strict=True))
    with pytest.raises(NotImplementedError):
        L.AbstractRNNCell().state_size  # noqa: B018


def test_embedding_accepts_sparse_as_tf_keras():
    ids = np.array([[1, 0, 3], [2, 2, 0]])
    dense = L.Embedding(5, 2, embeddings_initializer="ones")
    sparse = L.Embedding(5, 2, embeddings_initializer="ones", sparse=True)
    np.testing.assert_array_equal(sparse(ids), dense(ids))
    assert sparse.sparse and "sparse" not in sparse.get_config()
    with pytest.raises(ValueError, match="`mask_zero` cannot be enabled"):
        L.Embedding(5, 2, mask_zero=True, sparse=True)
