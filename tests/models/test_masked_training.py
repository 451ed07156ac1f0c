"""Output masks reach the loss and the metrics in training and evaluation
(issue #21 item 1), against tf-keras 2.21 (tests/fixtures/conformance)."""
import pathlib

import numpy as np
import pytest

import ckeras
from ckeras import layers as L
from ckeras.testing import Golden

GOLD = Golden(pathlib.Path(__file__).resolve().parents[1] / "fixtures", "conformance")


def _td_dense():
    return ckeras.Sequential([L.Masking(0.0, input_shape=(3, 2)),
                              L.TimeDistributed(L.Dense(2))])


def _td_masking():
    inp = ckeras.Input((3, 2))
    h = L.TimeDistributed(L.Masking(0.0))(inp)
    return ckeras.Model(inp, L.TimeDistributed(L.Dense(2))(h))


def _issue_case():
    return ckeras.Sequential([L.Masking(0.0, input_shape=(None, 1)),
                              L.TimeDistributed(L.Dense(1, kernel_initializer="ones"))])


def _embedding_lstm():
    return ckeras.Sequential([L.Embedding(5, 3, mask_zero=True, input_length=4),
                              L.LSTM(2, return_sequences=True),
                              L.TimeDistributed(L.Dense(2, activation="sigmoid"))])


BUILDERS = {"td_dense_masked": _td_dense, "td_dense_masked_sw": _td_dense,
            "td_of_masking": _td_masking, "td_dense_issue21": _issue_case,
            "embedding_lstm_td": _embedding_lstm}


@pytest.mark.parametrize("name", GOLD.names(kind="masked_training"))
def test_masked_steps_count_in_no_loss_or_metric(name):
    case, _, _, _, arrays = GOLD.load(name)
    model = BUILDERS[name]()
    n = len([k for k in arrays if k.startswith("w_init_")])
    model.set_weights([arrays[f"w_init_{i}"] for i in range(n)])
    model.compile(ckeras.optimizers.SGD(learning_rate=0.1), case["loss"],
                  metrics=case["metrics"], weighted_metrics=case["weighted_metrics"])
    sw = arrays.get("sample_weight")
    x, y = arrays["x"], arrays["y"]
    train = [model.train_on_batch(x, y, sample_weight=sw) for _ in range(2)]
    assert model.metrics_names == case["metrics_names"]
    np.testing.assert_allclose(np.float32(train), arrays["train"], rtol=1e-5, atol=1e-6)
    evaluate = model.evaluate(x, y, sample_weight=sw, batch_size=len(x), verbose=0)
    np.testing.assert_allclose(np.float32(evaluate), arrays["evaluate"], rtol=1e-5, atol=1e-6)
    for i, w in enumerate(model.get_weights()):
        np.testing.assert_allclose(w, arrays[f"w_final_{i}"], rtol=1e-5, atol=1e-6)


def test_issue21_example_loss_is_zero():
    model = _issue_case()
    model.compile("sgd", "mse", metrics=["mae"])
    loss, mae = model.train_on_batch(np.float32([[[1], [1]], [[0], [0]]]), np.ones((2, 2, 1)))
    assert (loss, mae) == (0.0, 0.0)


def test_time_distributed_compute_mask_follows_tf_keras():
    x = np.float32([[[1, 2], [0, 0]], [[0, 0], [3, 0]]])
    # An inner layer whose mask is None: the input mask, reduced to (batch, time).
    td = L.TimeDistributed(L.GlobalAveragePooling1D())
    x4 = np.ones((2, 2, 2, 3), np.float32)
    mask3 = np.array([[[True, False], [False, False]], [[False, False], [True, True]]])
    np.testing.assert_array_equal(td.compute_mask(x4, mask3), [[True, False], [False, True]])
    assert td.compute_mask(x4, None) is None
    # An inner layer that passes its mask on: the per-step masks, reshaped.
    tdd = L.TimeDistributed(L.Dense(2))
    np.testing.assert_array_equal(tdd.compute_mask(x, mask3), mask3)
    # An inner Masking: its mask at every step, with no input mask at all.
    tm = L.TimeDistributed(L.Masking(0.0))
    np.testing.assert_array_equal(tm.compute_mask(x, None), [[True, False], [False, True]])
    np.testing.assert_array_equal(tm(x)._keras_mask, [[True, False], [False, True]])


class _Subclassed(ckeras.Model):
    def __init__(self):
        super().__init__()
        self.masking = L.Masking(0.0)
        self.td = L.TimeDistributed(L.Dense(1, kernel_initializer="ones"))

    def call(self, x):
        return self.td(self.masking(x))


class _OwnStep(ckeras.Sequential):
    def train_step(self, data):
        return super().train_step(data)


@pytest.mark.parametrize("build", [
    _Subclassed,
    lambda: _OwnStep([L.Masking(0.0, input_shape=(None, 1)),
                      L.TimeDistributed(L.Dense(1, kernel_initializer="ones"))])],
    ids=["subclassed", "overridden_train_step"])
def test_masks_count_on_every_step_path(build):
    # tf-keras 2.21 gives [0.0, 0.0], then evaluate [0.5, 0.5] (the second
    # sample's unmasked step predicts 2 against 1; its masked step counts not).
    model = build()
    model.compile("sgd", "mse", metrics=["mae"])
    assert model.train_on_batch(np.float32([[[1], [1]], [[0], [0]]]),
                                np.ones((2, 2, 1))) == [0.0, 0.0]
    assert model.evaluate(np.float32([[[1], [0]], [[2], [0]]]), np.ones((2, 2, 1)),
                          verbose=0) == [0.5, 0.5]
