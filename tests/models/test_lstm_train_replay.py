"""The training step of an LSTM followed by Dense layers on the kernels
(ckeras.engine.dense_replay with LSTM.replay_train): the taped step's
results bit for bit, dropout masks included, used only where it applies."""
import numpy as np
import pytest

import ckeras
from ckeras import constraints, layers, regularizers
from ckeras.engine import dense_replay
from ckeras.models import Sequential

T, F = 7, 5


def _taped(monkeypatch):
    """Every model planned from now on (at its first step) takes the taped
    step."""
    monkeypatch.setattr(dense_replay, "plan_for", dense_replay.Taped)


def _model(lstm_kw=None, head=((3, "softmax"),), dtype="float32"):
    stack = [layers.LSTM(6, input_shape=(T, F), dtype=dtype, **(lstm_kw or {}))]
    stack += [layers.Dense(n, activation=a, dtype=dtype) for n, a in head]
    return Sequential(stack)


def _functional():
    inp = ckeras.Input((T, F))
    h = layers.LSTM(6, go_backwards=True, dropout=0.2)(inp)
    return ckeras.Model(inp, layers.Dense(3, activation="softmax")(
        layers.Dense(4, activation="relu")(h)))


def _pair(build, compile_kw):
    """Two models with the same (perturbed) weights, each compiled with its
    own optimizer."""
    a, b = build(), build()
    rng = np.random.default_rng(1)
    weights = [w + 0.3 * rng.standard_normal(w.shape).astype(w.dtype)
               for w in a.get_weights()]
    for m in (a, b):
        m.set_weights(weights)
        m.compile(**compile_kw)
    return a, b


def _assert_same_state(a, b):
    for p, q in zip(a.get_weights(), b.get_weights(), strict=True):
        np.testing.assert_array_equal(p, q)
    sa, sb = a.optimizer.variables(), b.optimizer.variables()
    assert len(sa) == len(sb) > 1
    for p, q in zip(sa, sb, strict=True):
        np.testing.assert_array_equal(np.asarray(p), np.asarray(q))


def _data(n, dtype=np.float32, classes=3):
    rng = np.random.default_rng(0)
    return (rng.standard_normal((n, T, F)).astype(dtype),
            rng.integers(0, classes, (n, 1)))


XENT = dict(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
BUILDS = {
    "lstm_dense": (lambda: _model(), XENT),
    "dropout_both": (lambda: _model(dict(dropout=0.3, recurrent_dropout=0.4)), XENT),
    "recurrent_dropout_only": (lambda: _model(dict(recurrent_dropout=0.5)), XENT),
    "shared_input_mask": (lambda: _model(dict(dropout=0.3, implementation=2)), XENT),
    "float64": (lambda: _model(dtype="float64"), XENT),
    "go_backwards_no_bias": (lambda: _model(dict(go_backwards=True, use_bias=False)), XENT),
    "two_dense_mse_rmsprop": (lambda: _model(head=((4, "tanh"), (2, None))),
                              dict(optimizer="rmsprop", loss="mse", metrics=["mae"])),
    "lstm_alone_mse": (lambda: _model(head=()), dict(optimizer="sgd", loss="mse")),
    "relu_hard_sigmoid": (lambda: _model(dict(activation="relu",
                                              recurrent_activation="hard_sigmoid")), XENT),
    "constraint": (lambda: _model(dict(recurrent_constraint=constraints.MaxNorm(0.5))), XENT),
    "functional": (_functional, XENT),
}


@pytest.mark.parametrize("build", sorted(BUILDS))
@pytest.mark.parametrize("n", [1, 5, 33])
def test_train_on_batch_is_bit_identical_to_the_taped_step(build, n, replay_spy, monkeypatch):
    make, compile_kw = BUILDS[build]
    dtype = np.float64 if build == "float64" else np.float32
    x, y = _data(n, dtype)
    if "mse" in build:
        y = np.random.default_rng(2).standard_normal((n, 6 if "alone" in build else 2))
    a, b = _pair(make, compile_kw)
    ckeras.utils.set_random_seed(4)
    got = [a.train_on_batch(x, y) for _ in range(3)]
    assert replay_spy == [True] * 3
    _taped(monkeypatch)
    ckeras.utils.set_random_seed(4)
    want = [b.train_on_batch(x, y) for _ in range(3)]
    assert len(replay_spy) == 3
    assert got == want
    _assert_same_state(a, b)


class _MyLSTM(layers.LSTM):
    pass


def _frozen_lstm():
    model = _model()
    model.layers[0].trainable = False
    return model


VARIANTS = {
    "return_sequences": (lambda: _model(dict(return_sequences=True)), False),
    "stateful": (lambda: Sequential([layers.LSTM(6, stateful=True, batch_input_shape=(5, T, F)),
                                     layers.Dense(3, activation="softmax")]), False),
    "masking_first": (lambda: Sequential([layers.Masking(0.0, input_shape=(T, F)),
                                          layers.LSTM(6), layers.Dense(3, activation="softmax")]),
                      None),
    "lstm_subclass": (lambda: Sequential([_MyLSTM(6, input_shape=(T, F)),
                                          layers.Dense(3, activation="softmax")]), None),
    "gru": (lambda: Sequential([layers.GRU(6, input_shape=(T, F)),
                                layers.Dense(3, activation="softmax")]), None),
    "custom_activation": (lambda: _model(dict(activation=lambda t: t * 0.5)), False),
    "regularizer": (lambda: _model(dict(kernel_regularizer=regularizers.l2(0.01))), False),
    "activity_regularizer": (lambda: _model(dict(activity_regularizer=regularizers.l1(0.01))),
                             False),
    "frozen_lstm": (_frozen_lstm, None),
    "fortran_input": (lambda: _model(), False),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_other_models_take_the_taped_step_with_the_same_results(variant, replay_spy,
                                                                 monkeypatch):
    """Models or batches the replay does not cover are found out (at plan
    time: no replay runs; or per step: the replay declines) and trained
    exactly as before."""
    make, per_step = VARIANTS[variant]
    x, y = _data(5)
    if variant == "fortran_input":
        x = np.asfortranarray(x)
    if variant == "return_sequences":
        y = np.zeros((5, T, 1))
    a, b = _pair(make, dict(optimizer="adam", loss="sparse_categorical_crossentropy"))
    ckeras.utils.set_random_seed(4)
    got = [a.train_on_batch(x, y) for _ in range(2)]
    # per_step False: the plan is a replay that declines every step; None:
    # the plan itself is taped
    assert replay_spy == ([] if per_step is None else [False, False])
    _taped(monkeypatch)
    ckeras.utils.set_random_seed(4)
    want = [b.train_on_batch(x, y) for _ in range(2)]
    assert got == want
    _assert_same_state(a, b)


def test_fit_with_dropout_is_bit_identical_to_the_taped_fit(replay_spy, monkeypatch):
    x, y = _data(40)
    a, b = _pair(lambda: _model(dict(dropout=0.2, recurrent_dropout=0.2)), XENT)
    ckeras.utils.set_random_seed(1)
    ha = a.fit(x, y, batch_size=16, epochs=2, verbose=0).history
    assert replay_spy == [True] * 6
    _taped(monkeypatch)
    ckeras.utils.set_random_seed(1)
    hb = b.fit(x, y, batch_size=16, epochs=2, verbose=0).history
    assert ha == hb
    _assert_same_state(a, b)
