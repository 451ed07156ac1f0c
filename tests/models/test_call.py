"""One way to call a layer (engine/call.py): training and mask propagation, and
activity regularization, against tf-keras' behaviour."""
import numpy as np
import pytest

from ckeras import regularizers
from ckeras.engine.base_layer import Layer
from ckeras.layers import LSTM, Dense, Dropout, Embedding, Input, add
from ckeras.models import Model, Sequential


# -------------------------------------------------------- training and masks
class _Noisy(Layer):
    """Calls a sub-layer through __call__ without passing `training`."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.drop = Dropout(0.5, seed=1)

    def call(self, x):
        return self.drop(x)


def test_nested_call_inherits_training_from_the_enclosing_call():
    inp = Input(shape=(200,))
    model = Model(inp, _Noisy()(inp))
    x = np.ones((2, 200), "float32")
    np.testing.assert_array_equal(np.asarray(model(x)), x)
    train = np.asarray(model(x, training=True))
    assert set(np.unique(train)) == {0.0, 2.0}       # dropped or scaled by 1/(1-0.5)
    np.testing.assert_array_equal(np.asarray(model(x, training=False)), x)


def test_eager_layer_chain_and_model_agree_on_masks(rng):
    emb = Embedding(6, 3, mask_zero=True)
    lstm = LSTM(2)
    model = Sequential([emb, lstm])
    ids = np.array([[1, 2, 3, 0, 0], [4, 5, 0, 0, 0]])
    eager = lstm(emb(ids))                        # the mask rides on the Tensor
    np.testing.assert_array_equal(emb(ids)._keras_mask, ids != 0)
    np.testing.assert_allclose(np.asarray(eager), model.predict(ids), rtol=1e-6)
    unmasked = LSTM(2)
    unmasked.build((None, 5, 3))
    unmasked.set_weights(lstm.get_weights())
    plain = unmasked(np.asarray(emb(ids)))        # same values, mask dropped
    assert not np.allclose(np.asarray(plain), np.asarray(eager), atol=1e-4)


# ------------------------------------------------------ activity regularizers
def _activity_model():
    model = Sequential([Dense(1, input_shape=(1,), kernel_initializer="ones", use_bias=False,
                              activity_regularizer=regularizers.l2(0.01))])
    model.compile("sgd", "mse")
    return model


X3 = np.full((2, 1), 3.0, "float32")
Y0 = np.zeros((2, 1), "float32")
# mse = 3^2 = 9; the activity penalty is 0.01 * sum(out^2) / batch = 0.01 * 18 / 2
WITH_ACTIVITY = 9.09


@pytest.mark.parametrize("run", [
    lambda m: m.evaluate(X3, Y0, verbose=0),
    lambda m: m.test_on_batch(X3, Y0),
    lambda m: m.train_on_batch(X3, Y0),
    lambda m: m.fit(X3, Y0, batch_size=2, verbose=0).history["loss"][0],
], ids=["evaluate", "test_on_batch", "train_on_batch", "fit"])
def test_activity_loss_counts_in_training_and_evaluation(run):
    # tf-keras 2.21 gives 9.09000015258789 for all four
    np.testing.assert_allclose(run(_activity_model()), WITH_ACTIVITY, rtol=1e-6)


def test_model_losses_hold_the_last_calls_activity_loss():
    model = _activity_model()
    model.evaluate(X3, Y0, verbose=0)
    np.testing.assert_allclose([float(v) for v in model.losses], [0.09], rtol=1e-6)
    model(np.full((4, 1), 1.0, "float32"))       # replaced, not accumulated
    np.testing.assert_allclose([float(v) for v in model.losses], [0.01], rtol=1e-6)


def _shared_activity_model():
    shared = Dense(1, kernel_initializer="ones", use_bias=False,
                   activity_regularizer=regularizers.l1(0.1))
    a, b = Input((2,)), Input((2,))
    model = Model([a, b], add([shared(a), shared(b)]))
    model.compile("sgd", "mse")
    return model


X1 = np.array([[1., 2.], [3., 4.]], "float32")
X2 = np.array([[-1., 0.5], [2., 2.]], "float32")


def test_shared_layer_keeps_one_activity_loss_per_call():
    model = _shared_activity_model()
    for _ in range(2):
        model([X1, X2])
        # l1(0.1) of [3, 7] and of [-0.5, 4], each over the batch of 2
        np.testing.assert_allclose([float(v) for v in model.losses], [0.5, 0.225], rtol=1e-6)


@pytest.mark.parametrize("method", ["evaluate", "test_on_batch", "train_on_batch"])
def test_shared_layer_activity_losses_match_tf_keras(method):
    model = _shared_activity_model()
    kwargs = {"verbose": 0} if method == "evaluate" else {}
    # mse of [2.5, 11] = 63.625, plus 0.5 + 0.225; tf-keras 2.21: 64.3499984741211
    value = getattr(model, method)([X1, X2], np.zeros((2, 1), "float32"), **kwargs)
    np.testing.assert_allclose(value, 64.35, rtol=1e-6)
