"""Inference of an LSTM followed by Dense layers straight on the kernels
(ckeras.engine.dense_replay.infer with LSTM.replay_infer): the model's own
call's bits, used only where it applies."""
import numpy as np
import pytest

import ckeras
from ckeras import layers
from ckeras.models import Sequential

T, F = 7, 5


def _x(n, dtype=np.float32, seed=0):
    return np.random.default_rng(seed).standard_normal((n, T, F)).astype(dtype)


def _model(lstm_kw=None, head=((3, "softmax"),), dtype="float32"):
    stack = [layers.LSTM(6, input_shape=(T, F), dtype=dtype, **(lstm_kw or {}))]
    stack += [layers.Dense(n, activation=a, dtype=dtype) for n, a in head]
    model = Sequential(stack)
    # Weights away from the initializers' zeros, so every term shows.
    rng = np.random.default_rng(1)
    model.set_weights([w + 0.3 * rng.standard_normal(w.shape).astype(w.dtype)
                       for w in model.get_weights()])
    return model


def _functional():
    inp = ckeras.Input((T, F))
    h = layers.LSTM(6, go_backwards=True)(inp)
    return ckeras.Model(inp, layers.Dense(2)(layers.Dense(4, activation="relu")(h)))


BUILDS = {
    "lstm_dense": lambda: _model(),
    "float64": lambda: _model(dtype="float64"),
    "go_backwards_no_bias": lambda: _model(dict(go_backwards=True, use_bias=False)),
    "two_dense": lambda: _model(head=((4, "tanh"), (1, None))),
    "lstm_alone": lambda: _model(head=()),
    "dropout_set": lambda: _model(dict(dropout=0.3, recurrent_dropout=0.3)),
    "relu_hard_sigmoid": lambda: _model(dict(activation="relu",
                                             recurrent_activation="hard_sigmoid")),
    "functional": _functional,
}


@pytest.mark.parametrize("build", sorted(BUILDS))
@pytest.mark.parametrize("n", [1, 5, 33])   # batch-1 split, rows, transposed tiles
def test_predict_on_the_kernels_gives_the_models_call_bits(build, n, infer_spy):
    model = BUILDS[build]()
    x = _x(n, np.float64 if build == "float64" else np.float32)
    used = infer_spy
    got = model.predict_on_batch(x)
    got_pred = model.predict(x, batch_size=16, verbose=0)
    assert used == [True] * (1 + -(-n // 16))
    want = used.called(model.predict_on_batch, x)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(got_pred, used.called(model.predict, x, batch_size=16,
                                                    verbose=0))


class _MyLSTM(layers.LSTM):
    pass


VARIANTS = {
    "return_sequences": lambda: _model(dict(return_sequences=True)),
    "stateful": lambda: Sequential([layers.LSTM(6, stateful=True, batch_input_shape=(4, T, F)),
                                    layers.Dense(2)]),
    "masking_first": lambda: Sequential([layers.Masking(0.0, input_shape=(T, F)),
                                         layers.LSTM(6), layers.Dense(2)]),
    "lstm_subclass": lambda: Sequential([_MyLSTM(6, input_shape=(T, F)), layers.Dense(2)]),
    "custom_activation": lambda: _model(dict(activation=lambda t: t * 0.5)),
    "custom_dense_activation": lambda: _model(head=((3, lambda t: t * 2.0),)),
    "gru": lambda: Sequential([layers.GRU(6, input_shape=(T, F)), layers.Dense(2)]),
    "dense_first": lambda: Sequential([layers.Dense(4, input_shape=(T, F)), layers.LSTM(6)]),
    "two_lstms": lambda: Sequential([layers.LSTM(6, return_sequences=True, input_shape=(T, F)),
                                     layers.LSTM(3)]),
    "fortran_input": lambda: _model(),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_other_models_and_inputs_take_the_models_call(variant, infer_spy):
    model = VARIANTS[variant]()
    x = _x(4)
    if variant == "fortran_input":
        x = np.asfortranarray(x)
    elif variant == "masking_first":
        x[1, 3:] = 0.0
    used = infer_spy
    got = model.predict_on_batch(x)
    if variant == "stateful":
        model.reset_states()
    assert used == [False]
    np.testing.assert_array_equal(got, used.called(model.predict_on_batch, x))


def test_predict_follows_the_weights_and_raises_the_models_error(infer_spy):
    model = _model()
    x = _x(3)
    used = infer_spy
    first = model.predict_on_batch(x)
    model.set_weights([w * 0.5 for w in model.get_weights()])
    second = model.predict_on_batch(x)
    assert used == [True, True]
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(second, used.called(model.predict_on_batch, x))
    with pytest.raises(ValueError, match=str(F)):
        model.predict_on_batch(_x(3)[:, :, :F - 1].copy())


def test_replay_infer_declines_without_touching_the_layer():
    layer = layers.LSTM(4, return_state=True)
    layer(_x(2))
    assert layer.replay_infer(_x(2)) is None
    plain = layers.LSTM(4)
    out = np.asarray(plain(_x(2)))
    np.testing.assert_array_equal(plain.replay_infer(_x(2)), out)
    assert plain.replay_infer(_x(2)[:, :, :3].copy()) is None   # features do not fit
    assert plain.replay_infer(_x(2).tolist()) is None
