"""The fit/evaluate loops skip batch hooks and per-batch logs when no
callback overrides a batch hook; the results must not change."""
import numpy as np

from ckeras import callbacks
from ckeras.layers import Dense
from ckeras.models import Sequential


def _model(seed):
    model = Sequential([Dense(8, activation="relu", input_shape=(5,),
                              kernel_initializer="glorot_uniform"),
                        Dense(3, activation="softmax")])
    rng = np.random.default_rng(seed)
    model.set_weights([rng.standard_normal(w.shape).astype("float32") * 0.3
                       for w in model.get_weights()])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _data():
    rng = np.random.default_rng(0)
    return rng.random((50, 5), dtype=np.float32), rng.integers(0, 3, (50, 1))


class _BatchLogs(callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.train, self.test = [], []

    def on_train_batch_end(self, batch, logs=None):
        self.train.append(dict(logs))

    def on_test_batch_end(self, batch, logs=None):
        self.test.append(dict(logs))


def test_epoch_logs_equal_with_and_without_batch_hooks():
    x, y = _data()
    np.random.seed(3)
    plain = _model(1).fit(x, y, batch_size=8, epochs=3, verbose=0, validation_data=(x, y))
    np.random.seed(3)
    seen = _BatchLogs()
    hooked = _model(1).fit(x, y, batch_size=8, epochs=3, verbose=0, validation_data=(x, y),
                           callbacks=[seen])
    assert plain.history.keys() == hooked.history.keys()
    for key in plain.history:
        np.testing.assert_allclose(plain.history[key], hooked.history[key], rtol=1e-6)
    # the hooks ran with per-batch logs: 7 train batches per epoch, and the
    # last batch's logs are the epoch's
    assert len(seen.train) == 21 and len(seen.test) == 21
    assert seen.train[-1]["loss"] == hooked.history["loss"][-1]
    assert set(seen.train[0]) == {"loss", "accuracy"}


def test_evaluate_without_hooks_equals_evaluate_with_hooks():
    x, y = _data()
    model = _model(2)
    seen = _BatchLogs()
    plain = model.evaluate(x, y, batch_size=8, verbose=0, return_dict=True)
    hooked = model.evaluate(x, y, batch_size=8, verbose=0, return_dict=True, callbacks=[seen])
    assert plain == hooked
    assert len(seen.test) == 7 and seen.test[-1] == hooked


def test_needs_batch_hooks_sees_subclass_and_instance_hooks():
    plain = callbacks.CallbackList([callbacks.Callback()], add_history=True)
    assert not plain.needs_batch_hooks("train")
    assert callbacks.CallbackList([_BatchLogs()]).needs_batch_hooks("train")
    assert callbacks.CallbackList([_BatchLogs()]).needs_batch_hooks("test")
    assert not callbacks.CallbackList([_BatchLogs()]).needs_batch_hooks("predict")
    lam = callbacks.LambdaCallback(on_batch_end=lambda batch, logs: None)
    assert callbacks.CallbackList([lam]).needs_batch_hooks("train")
