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


# ------------------------------------------------------- shuffled batches
def _epoch_batches(x, y, sw, batch_size, seed):
    from ckeras.engine import data_adapter
    np.random.seed(seed)
    return list(data_adapter.ArrayBatches(x, y, sw, batch_size, shuffle=True).epoch())


def test_shuffled_batches_hold_the_rows_of_the_epochs_permutation():
    """Every input, target and weight array of a batch holds the rows of
    the epoch's permutation (NumPy's global generator, as in Keras), the
    last batch partial; each batch is an array of its own."""
    rng = np.random.default_rng(0)
    n = 1000
    x = [rng.random((n, 784), dtype=np.float32), rng.random((n, 3, 4))]
    y = [rng.integers(0, 10, (n, 1)), rng.random(n).astype(np.float32)]
    sw = [rng.random(n), None]
    batches = _epoch_batches(x, y, sw, 128, seed=5)
    np.random.seed(5)
    order = np.random.permutation(n)
    assert len(batches) == 8
    for k, (bx, by, bsw) in enumerate(batches):
        idx = order[k * 128:(k + 1) * 128]
        assert len(idx) == (104 if k == 7 else 128)
        for got, want in zip(bx + by + bsw[:1], x + y + sw[:1]):
            assert got.dtype == want.dtype and got.flags.c_contiguous
            np.testing.assert_array_equal(got, want[idx])
            assert not np.shares_memory(got, want)
        assert bsw[1] is None
    # no two batches share memory: a batch kept by user code stays intact
    firsts = [bx[0] for bx, _, _ in batches]
    assert not any(np.shares_memory(a, b) for i, a in enumerate(firsts) for b in firsts[i + 1:])


def test_gathers_take_the_kernel_for_plain_arrays_and_numpy_otherwise(monkeypatch):
    from ckeras.engine import structure
    calls = []
    real = structure.kernels()

    class Spy:
        def gather_rows(self, a, idx):
            calls.append(a)
            return real.gather_rows(a, idx)

    monkeypatch.setattr(structure, "kernels", Spy)
    rng = np.random.default_rng(1)
    idx = rng.permutation(40)[:16]
    plain = rng.random((40, 6))
    strided = rng.random((80, 6))[::2]              # rows apart: NumPy indexing
    fortran = np.asfortranarray(rng.random((40, 6)))
    objects = np.array([object()] * 40)
    for a in (plain, strided, fortran, objects):
        got = structure.take_rows(a, idx)
        assert got.dtype == a.dtype
        np.testing.assert_array_equal(got, a[idx])
    assert len(calls) == 1 and calls[0] is plain
    # a slice (unshuffled batches) stays a view; int32 indices take NumPy's path
    assert np.shares_memory(structure.take_rows(plain, slice(3, 9)), plain)
    np.testing.assert_array_equal(structure.take_rows(plain, idx.astype(np.int32)), plain[idx])
    assert len(calls) == 1
    # nested structures (dict inputs of structured steps) gather every leaf
    nested = {"a": plain, "b": (plain[:, :2].copy(), None)}
    got = structure.slice_structure(nested, idx)
    np.testing.assert_array_equal(got["a"], plain[idx])
    np.testing.assert_array_equal(got["b"][0], plain[idx, :2])
    assert got["b"][1] is None and len(calls) == 3


def test_fit_with_the_c_gather_equals_fit_with_numpy_indexing(monkeypatch):
    """The trained weights and the history are the same whichever gathers
    the shuffled batches (the same permutation, the same rows)."""
    from ckeras.engine import structure
    rng = np.random.default_rng(2)
    x = rng.random((300, 5), dtype=np.float32)
    y = rng.integers(0, 3, (300, 1))
    sw = rng.random(300)
    runs = []
    for take in (structure.take_rows, lambda a, index: a[index]):
        monkeypatch.setattr(structure, "take_rows", take)
        model = _model(4)
        np.random.seed(7)
        hist = model.fit(x, y, sample_weight=sw, batch_size=64, epochs=2, verbose=0)
        runs.append((hist.history, model.get_weights()))
    assert runs[0][0] == runs[1][0]
    for a, b in zip(runs[0][1], runs[1][1]):
        np.testing.assert_array_equal(a, b)
