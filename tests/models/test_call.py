"""One way to call a layer (engine/call.py): the `model(x)` rule, training and
mask propagation, and activity regularization, against tf-keras' behaviour."""
import numpy as np
import pytest

from ckeras import backend as K
from ckeras import regularizers
from ckeras.autograd import Tensor, enable_grad, grad, recording
from ckeras.autograd.functions import rnn as rnn_functions
from ckeras.engine.base_layer import Layer
from ckeras.layers import LSTM, Dense, Dropout, Embedding, Input, add
from ckeras.models import Model, Sequential


@pytest.fixture
def lstm_kernels(monkeypatch):
    """Counts which LSTM kernel runs: the inference one (no gates saved;
    the layer's Function and predict's replay both call it through
    `rnn_functions.lstm_infer`) or the training one."""
    calls = {"infer": 0, "train": 0}
    infer, forward = rnn_functions.lstm_infer, rnn_functions.LSTMSequence.forward

    def counting_infer(*args):
        calls["infer"] += 1
        return infer(*args)

    def counting_forward(self, *args):
        if self.needs_input_grad is not None:
            calls["train"] += 1
        return forward(self, *args)

    monkeypatch.setattr(rnn_functions, "lstm_infer", counting_infer)
    monkeypatch.setattr(rnn_functions.LSTMSequence, "forward", counting_forward)
    return calls


def _lstm_model():
    model = Sequential([LSTM(4, input_shape=(5, 3)), Dense(1)])
    model.compile("sgd", "mse")
    return model


# ------------------------------------------------------------ model(x) rule
def test_layer_call_on_arrays_outside_recording_records_nothing(rng):
    layer = Dense(3)
    out = layer(rng.standard_normal((2, 4)).astype("float32"))
    assert not recording()
    assert isinstance(out, Tensor)          # an eager tensor, as tf.keras returns
    assert not out.requires_grad and out._fn is None
    inside = None
    with enable_grad():
        inside = layer(rng.standard_normal((2, 4)).astype("float32"))
    assert inside.requires_grad and inside._fn is not None


@pytest.mark.parametrize("how", ["layer", "model", "predict", "predict_on_batch",
                                 "K.function", "evaluate"])
def test_calls_outside_training_run_the_lstm_inference_kernel(how, rng, lstm_kernels):
    model = _lstm_model()
    x = rng.standard_normal((2, 5, 3)).astype("float32")
    run = {
        "layer": lambda: model.layers[0](x),
        "model": lambda: model(x),
        "predict": lambda: model.predict(x),
        "predict_on_batch": lambda: model.predict_on_batch(x),
        "K.function": lambda: K.function([model.input], [model.output])([x]),
        "evaluate": lambda: model.evaluate(x, np.zeros((2, 1)), verbose=0),
    }[how]
    out = run()
    assert lstm_kernels == {"infer": 1, "train": 0}
    if how in ("layer", "model"):
        assert out._fn is None and not out.requires_grad


def test_predict_never_records_even_inside_a_recording_context(rng, lstm_kernels):
    model = _lstm_model()
    x = rng.standard_normal((2, 5, 3)).astype("float32")
    with enable_grad():
        out = model.predict(x)
    assert type(out) is np.ndarray
    assert lstm_kernels == {"infer": 1, "train": 0}


def test_training_step_records_and_uses_the_training_kernel(rng, lstm_kernels):
    model = _lstm_model()
    x = rng.standard_normal((2, 5, 3)).astype("float32")
    before = model.get_weights()
    model.train_on_batch(x, np.ones((2, 1)))
    assert lstm_kernels == {"infer": 0, "train": 1}
    assert all(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_model_call_inside_a_recording_context_gives_exact_gradients(rng):
    K.set_floatx("float64")
    inp = Input(shape=(4,))
    dense = Dense(2)
    model = Model(inp, dense(inp))
    x = rng.standard_normal((3, 4))
    with enable_grad():
        loss = K.sum(model(x))
    g_kernel, g_bias = grad(loss, [dense.kernel, dense.bias])
    # d sum(x W + b) / dW = column sums of x, broadcast over the units
    np.testing.assert_allclose(g_kernel, np.repeat(x.sum(0)[:, None], 2, axis=1), rtol=1e-12)
    np.testing.assert_allclose(g_bias, [3.0, 3.0])


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


def test_compute_mask_on_graph_tensors_builds_a_graph_tensor():
    from ckeras import backend as K
    from ckeras.layers import Embedding, Input, Masking

    inp = Input((None, 2))
    layer = Masking(0.0)
    mask = layer.compute_mask(inp)
    assert mask is not True and mask.shape == (None, None) and mask.dtype == "bool"
    x = np.array([[[1, 2], [0, 0], [3, 0]], [[0, 0], [0, 0], [1, 1]]], "float32")
    np.testing.assert_array_equal(K.function([inp], [mask])([x])[0], layer.compute_mask(x))
    ids = Input((4,), dtype="int32")
    embedding = Embedding(5, 3, mask_zero=True)
    got = K.function([ids], [embedding.compute_mask(ids)])([np.array([[1, 0, 2, 0]])])[0]
    np.testing.assert_array_equal(got, [[True, False, True, False]])
