"""BackupAndRestore: an interrupted fit, rerun with the callback, ends with the same
weights, optimizer state and random draws as an uninterrupted run, bit for bit."""
import os

import numpy as np
import pytest

import ckeras
from ckeras import callbacks, layers, optimizers

EPOCHS = 5


class Crash(Exception):
    pass


class CrashAt(callbacks.Callback):
    """Raises in the middle of `epoch`, after `batch` was trained."""

    def __init__(self, epoch, batch):
        super().__init__()
        self.epoch, self.batch = epoch, batch
        self._current = None

    def on_epoch_begin(self, epoch, logs=None):
        self._current = epoch

    def on_train_batch_end(self, batch, logs=None):
        if (self._current, batch) == (self.epoch, self.batch):
            raise Crash(f"interrupted at epoch {self.epoch}, batch {batch}")


def _data():
    rng = np.random.RandomState(1)
    x = rng.uniform(-1, 1, (40, 6)).astype("float32")
    y = (x[:, :3].sum(1, keepdims=True) > 0).astype("float32")
    return x, y


def _model(init_seed=0):
    # unseeded Dropout draws from NumPy's global generator, the seeded one from its own
    # BatchNormalization's moving statistics are non-trainable state to restore too
    model = ckeras.Sequential([layers.Dense(8, activation="relu", input_shape=(6,)),
                               layers.BatchNormalization(),
                               layers.Dropout(0.3),
                               layers.Dense(8, activation="tanh"),
                               layers.Dropout(0.2, seed=11),
                               layers.Dense(1, activation="sigmoid")])
    rng = np.random.RandomState(init_seed)
    model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype(w.dtype)
                       for w in model.get_weights()])
    model.compile(optimizer=optimizers.Adam(0.05), loss="binary_crossentropy",
                  metrics=["accuracy"])
    return model


def _fit(model, cbs):
    x, y = _data()
    return model.fit(x, y, batch_size=8, epochs=EPOCHS, shuffle=True, verbose=0,
                     callbacks=cbs)


@pytest.fixture(scope="module")
def reference():
    ckeras.utils.set_random_seed(5)
    model = _model()
    history = _fit(model, [])
    return model.get_weights(), model.optimizer.get_weights(), history.history["loss"]


def _assert_same(model, reference):
    weights, opt_weights, _ = reference
    for a, b in zip(model.get_weights(), weights):
        np.testing.assert_array_equal(a, b)
    assert len(model.optimizer.get_weights()) == len(opt_weights)
    for a, b in zip(model.optimizer.get_weights(), opt_weights):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("save_freq, crash", [("epoch", (2, 3)), ("epoch", (1, 0)),
                                              (2, (2, 2)), (3, (1, 4)), (1, (4, 4))],
                         ids=["epoch-mid-epoch-2", "epoch-first-batch", "freq2-mid-epoch",
                              "freq3-end-of-epoch", "freq1-last-batch"])
@pytest.mark.parametrize("fresh_model", [False, True], ids=["same-model", "fresh-model"])
def test_interrupted_fit_resumes_bit_for_bit(tmp_path, reference, save_freq, crash,
                                             fresh_model):
    backup_dir = str(tmp_path / "backup")
    ckeras.utils.set_random_seed(5)
    model = _model()
    with pytest.raises(Crash):
        _fit(model, [callbacks.BackupAndRestore(backup_dir, save_freq=save_freq),
                     CrashAt(*crash)])
    # A new process would start from other random states and other weights.
    np.random.seed(1234)
    if fresh_model:
        model = _model(init_seed=99)
    backup = callbacks.BackupAndRestore(backup_dir, save_freq=save_freq)
    _fit(model, [backup])
    _assert_same(model, reference)
    assert not os.path.exists(backup_dir)      # delete_checkpoint=True after completion


def test_resumed_history_has_only_the_remaining_epochs(tmp_path, reference):
    backup_dir = str(tmp_path / "b")
    ckeras.utils.set_random_seed(5)
    model = _model()
    with pytest.raises(Crash):
        _fit(model, [callbacks.BackupAndRestore(backup_dir), CrashAt(3, 0)])
    assert os.path.exists(os.path.join(backup_dir, "training_state.h5"))
    history = _fit(model, [callbacks.BackupAndRestore(backup_dir)])
    assert history.epoch == [3, 4]
    np.testing.assert_allclose(history.history["loss"], reference[2][3:], rtol=1e-6)


def test_without_the_backup_a_rerun_differs(tmp_path, reference):
    """The resume test above would pass vacuously if runs were insensitive to the
    interruption: restarting from scratch after the crash gives other weights."""
    ckeras.utils.set_random_seed(5)
    model = _model()
    with pytest.raises(Crash):
        _fit(model, [CrashAt(2, 3)])
    _fit(model, [])
    assert not np.array_equal(model.get_weights()[0], reference[0][0])


def test_delete_checkpoint_false_keeps_the_backup(tmp_path):
    backup_dir = str(tmp_path / "keep")
    model = _model()
    _fit(model, [callbacks.BackupAndRestore(backup_dir, delete_checkpoint=False)])
    assert os.path.exists(os.path.join(backup_dir, "training_state.h5"))
    # a finished backup resumes after the last epoch: nothing more is trained
    before = model.get_weights()
    history = _fit(model, [callbacks.BackupAndRestore(backup_dir, delete_checkpoint=False)])
    assert history.epoch == []
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(a, b)


def test_backup_of_another_model_is_refused_and_changes_nothing(tmp_path):
    backup_dir = str(tmp_path / "other")
    model = _model()
    with pytest.raises(Crash):
        _fit(model, [callbacks.BackupAndRestore(backup_dir), CrashAt(1, 0)])
    other = ckeras.Sequential([layers.Dense(3, input_shape=(6,)), layers.Dense(1)])
    other.compile(optimizer="adam", loss="mse")
    before = other.get_weights()
    with pytest.raises(ValueError, match="different model"):
        _fit(other, [callbacks.BackupAndRestore(backup_dir)])
    for a, b in zip(other.get_weights(), before):
        np.testing.assert_array_equal(a, b)
    assert os.path.exists(os.path.join(backup_dir, "training_state.h5"))


def test_backups_replace_the_file_atomically(tmp_path, monkeypatch):
    from ckeras.saving import hdf5_format

    backup_dir = str(tmp_path / "atomic")
    model = _model()
    with pytest.raises(Crash):
        _fit(model, [callbacks.BackupAndRestore(backup_dir), CrashAt(1, 0)])
    path = os.path.join(backup_dir, "training_state.h5")
    saved = open(path, "rb").read()

    def failing_write(filepath, write_fn):
        def write(f):
            write_fn(f)
            raise OSError("disk full")
        return original(filepath, write)

    original = hdf5_format.atomic_h5_write
    monkeypatch.setattr(hdf5_format, "atomic_h5_write", failing_write)
    with pytest.raises(OSError, match="disk full"):
        _fit(model, [callbacks.BackupAndRestore(backup_dir)])
    assert open(path, "rb").read() == saved
    assert os.listdir(backup_dir) == ["training_state.h5"]


@pytest.mark.parametrize("kwargs, match", [
    ({"backup_dir": ""}, "Empty `backup_dir`"),
    ({"backup_dir": "b", "save_freq": "batch"}, "save_freq"),
    ({"backup_dir": "b", "save_freq": 0}, "save_freq"),
    ({"backup_dir": "b", "save_freq": -3}, "save_freq"),
    ({"backup_dir": "b", "save_freq": False}, "Either `save_freq` or"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        callbacks.BackupAndRestore(**kwargs)


def test_defaults_as_tf_keras():
    b = callbacks.BackupAndRestore("dir")
    assert (b.backup_dir, b.save_freq, b.delete_checkpoint, b.save_before_preemption) == \
        ("dir", "epoch", True, False)
    callbacks.BackupAndRestore("dir", save_freq=False, save_before_preemption=True)
