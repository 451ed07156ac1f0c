"""Callbacks and Progbar, driven directly with fake models and hand-made logs."""
import math
import os

import numpy as np
import pytest

from ckeras import callbacks
from ckeras.utils import generic_utils
from ckeras.utils.generic_utils import Progbar


# --------------------------------------------------------------------- fakes
class FakeOptimizer:
    def __init__(self, lr=0.1):
        self._lr = lr

    @property
    def lr(self):
        return self._lr

    @lr.setter
    def lr(self, value):
        self._lr = float(value)

    learning_rate = lr


class FakeModel:
    """Records saves; `weights` is a list of arrays."""

    def __init__(self, lr=0.1):
        self.stop_training = False
        self.optimizer = FakeOptimizer(lr)
        self.weights = [np.zeros(2)]
        self.saved = []

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        self.weights = [np.array(w) for w in weights]

    def save(self, filepath, overwrite=True):
        self.saved.append(("model", filepath))
        with open(filepath, "w") as f:
            f.write("model")

    def save_weights(self, filepath, overwrite=True):
        self.saved.append(("weights", filepath))
        with open(filepath, "w") as f:
            f.write("weights")


class Clock:
    def __init__(self, t=1000.0):
        self.t = t

    def time(self):
        return self.t


@pytest.fixture
def clock(monkeypatch):
    c = Clock()
    monkeypatch.setattr(generic_utils, "time", c)
    return c


@pytest.fixture
def static(monkeypatch):
    monkeypatch.setattr(generic_utils, "_dynamic_display", lambda: False)


@pytest.fixture
def dynamic(monkeypatch):
    monkeypatch.setattr(generic_utils, "_dynamic_display", lambda: True)


def run_epochs(cb, values, key="val_loss", model=None):
    """Drives `cb` through one epoch per value; returns the model."""
    model = model or FakeModel()
    cbs = callbacks.CallbackList([cb], model=model, epochs=len(values), steps=1, verbose=0)
    cbs.on_train_begin()
    for epoch, v in enumerate(values):
        cbs.on_epoch_begin(epoch)
        cbs.on_epoch_end(epoch, {key: v})
        if model.stop_training:
            break
    cbs.on_train_end()
    return model


# ----------------------------------------------------------- Callback basics
class Recorder(callbacks.Callback):
    def __init__(self, name, log):
        super().__init__()
        self.name, self.log = name, log

    def __getattribute__(self, attr):
        if attr.startswith("on_") and attr not in ("on_batch_begin", "on_batch_end"):
            log, name = object.__getattribute__(self, "log"), object.__getattribute__(
                self, "name")
            method = object.__getattribute__(self, attr)

            def wrapped(*args):
                log.append((name, attr) + tuple(a for a in args if not isinstance(a, dict)))
                return method(*args)
            return wrapped
        return object.__getattribute__(self, attr)


def test_callback_defaults():
    cb = callbacks.Callback()
    assert cb.model is None and cb.params == {}
    cb.set_params({"epochs": 3, "steps": 2, "verbose": 1})
    cb.set_model("m")
    assert cb.params["epochs"] == 3 and cb.model == "m"
    for hook in ("on_train_begin", "on_train_end", "on_test_begin", "on_test_end",
                 "on_predict_begin", "on_predict_end"):
        getattr(cb, hook)()
        getattr(cb, hook)({})
    for hook in ("on_epoch_begin", "on_epoch_end", "on_batch_begin", "on_batch_end",
                 "on_train_batch_begin", "on_train_batch_end", "on_test_batch_begin",
                 "on_test_batch_end", "on_predict_batch_begin", "on_predict_batch_end"):
        getattr(cb, hook)(0)
        getattr(cb, hook)(0, {})


def test_subclass_without_super_init():
    class NoInit(callbacks.Callback):
        def __init__(self):
            self.seen = []

        def on_batch_end(self, batch, logs=None):
            self.seen.append((batch, logs["loss"]))

    cb = NoInit()
    assert cb.model is None
    cbs = callbacks.CallbackList([cb], model=FakeModel(), epochs=1, steps=1, verbose=0)
    cbs.on_train_batch_end(0, {"loss": 0.5})
    assert cb.seen == [(0, 0.5)]


def test_batch_aliases_both_directions():
    calls = []

    class Old(callbacks.Callback):
        def on_batch_begin(self, batch, logs=None):
            calls.append(("old_begin", batch))

        def on_batch_end(self, batch, logs=None):
            calls.append(("old_end", batch, logs))

    class New(callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            calls.append(("new_begin", batch))

        def on_train_batch_end(self, batch, logs=None):
            calls.append(("new_end", batch, logs))

    cbs = callbacks.CallbackList([Old(), New()])
    cbs.on_train_batch_begin(0)
    cbs.on_train_batch_end(0, {"loss": 1.0})
    cbs.on_batch_begin(1)
    cbs.on_batch_end(1, {"loss": 2.0})
    assert calls == [("old_begin", 0), ("new_begin", 0),
                     ("old_end", 0, {"loss": 1.0}), ("new_end", 0, {"loss": 1.0}),
                     ("old_begin", 1), ("new_begin", 1),
                     ("old_end", 1, {"loss": 2.0}), ("new_end", 1, {"loss": 2.0})]
    # test/predict batches do not reach the train aliases
    calls.clear()
    cbs.on_test_batch_end(0, {})
    cbs.on_predict_batch_end(0, {})
    assert calls == []


# ---------------------------------------------------------------- CallbackList
def test_callback_list_dispatch_order_and_params():
    log = []
    a, b = Recorder("a", log), Recorder("b", log)
    model = FakeModel()
    cbs = callbacks.CallbackList([a, b], model=model, epochs=2, steps=3, verbose=0)
    assert a.model is model and b.model is model
    assert a.params == {"epochs": 2, "steps": 3, "verbose": 0} == cbs.params
    cbs.on_train_begin()
    cbs.on_epoch_begin(0)
    cbs.on_train_batch_begin(0)
    cbs.on_train_batch_end(0, {"loss": 1.0})
    cbs.on_test_begin()
    cbs.on_test_batch_begin(0)
    cbs.on_test_batch_end(0)
    cbs.on_test_end()
    cbs.on_epoch_end(0, {"loss": 1.0})
    cbs.on_train_end()
    cbs.on_predict_begin()
    cbs.on_predict_batch_begin(0)
    cbs.on_predict_batch_end(0)
    cbs.on_predict_end()
    hooks = ["on_train_begin", "on_epoch_begin", "on_train_batch_begin",
             "on_train_batch_end", "on_test_begin", "on_test_batch_begin",
             "on_test_batch_end", "on_test_end", "on_epoch_end", "on_train_end",
             "on_predict_begin", "on_predict_batch_begin", "on_predict_batch_end",
             "on_predict_end"]
    assert [e[:2] for e in log] == [(n, h) for h in hooks for n in ("a", "b")]
    assert ("a", "on_epoch_begin", 0) in log and ("b", "on_train_batch_end", 0) in log


def test_callback_list_default_callbacks():
    mine = callbacks.Callback()
    cbs = callbacks.CallbackList([mine], add_history=True, add_progbar=True,
                                 model=FakeModel(), epochs=1, steps=1, verbose=1)
    assert isinstance(cbs.callbacks[0], callbacks.ProgbarLogger)
    assert cbs.callbacks[0].use_steps
    assert cbs.callbacks[1] is mine
    assert isinstance(cbs.callbacks[2], callbacks.History)
    assert cbs.history is cbs.callbacks[2]
    assert cbs.model.history is cbs.history
    assert len(cbs) == 3 and list(cbs) == cbs.callbacks

    # nothing added when not requested; user-given History / ProgbarLogger reused
    assert callbacks.CallbackList([mine]).callbacks == [mine]
    assert callbacks.CallbackList().history is None
    hist, prog = callbacks.History(), callbacks.ProgbarLogger()
    user_list = [hist, prog]
    cbs = callbacks.CallbackList(user_list, add_history=True, add_progbar=True)
    assert cbs.callbacks == [hist, prog] and cbs.history is hist
    assert user_list == [hist, prog]  # caller's list untouched
    # a single callback is accepted
    assert callbacks.CallbackList(mine).callbacks == [mine]


def test_callback_list_logs_shared_copy():
    seen = {}

    class Adder(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["extra"] = 1.0

    class Reader(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.update(logs)

    cbs = callbacks.CallbackList([Adder(), Reader()])
    logs = {"loss": np.float32(0.5), "acc": np.array(0.25)}
    cbs.on_epoch_end(0, logs)
    assert seen == {"loss": 0.5, "acc": 0.25, "extra": 1.0}
    assert type(seen["loss"]) is float and type(seen["acc"]) is float
    assert logs == {"loss": 0.5, "acc": 0.25}  # caller's dict untouched
    seen.clear()
    cbs.on_epoch_end(1)  # logs=None → {}
    assert seen == {"extra": 1.0}


# -------------------------------------------------------------------- History
def test_history():
    model = FakeModel()
    cbs = callbacks.CallbackList(add_history=True, model=model, epochs=2, steps=4,
                                 verbose=0)
    hist = cbs.history
    cbs.on_train_begin()
    cbs.on_epoch_begin(0)
    cbs.on_epoch_end(0, {"loss": 1.0, "accuracy": 0.5})
    cbs.on_epoch_begin(1)
    cbs.on_epoch_end(1, {"loss": 0.5, "accuracy": 0.75, "val_loss": 0.6})
    cbs.on_train_end()
    assert hist.history == {"loss": [1.0, 0.5], "accuracy": [0.5, 0.75], "val_loss": [0.6]}
    assert hist.epoch == [0, 1]
    assert hist.params == {"epochs": 2, "steps": 4, "verbose": 0}
    assert hist.model is model and model.history is hist
    # a new fit resets `.epoch` (tf.keras keeps accumulating `.history`)
    hist.on_train_begin()
    assert hist.epoch == []


def test_history_resumed_epochs():
    hist = callbacks.History()
    hist.set_model(FakeModel())
    hist.on_train_begin()
    for e in (3, 4):
        hist.on_epoch_end(e, {"loss": float(e)})
    assert hist.epoch == [3, 4] and hist.history == {"loss": [3.0, 4.0]}


# -------------------------------------------------------------- EarlyStopping
def test_early_stopping_patience(capsys):
    es = callbacks.EarlyStopping(monitor="val_loss", patience=2, verbose=1)
    model = run_epochs(es, [1.0, 0.9, 0.95, 0.93, 0.8])
    assert model.stop_training and es.stopped_epoch == 3
    assert es.best == 0.9 and es.best_epoch == 1
    assert capsys.readouterr().out == "Epoch 4: early stopping\n"


def test_early_stopping_patience_zero_never_stops_first_epoch():
    es = callbacks.EarlyStopping(monitor="loss")
    model = FakeModel()
    es.set_model(model)
    es.on_train_begin()
    es.on_epoch_end(0, {"loss": 1.0})
    assert not model.stop_training
    es.on_epoch_end(1, {"loss": 0.5})
    assert not model.stop_training
    es.on_epoch_end(2, {"loss": 0.5})  # equal is not an improvement
    assert model.stop_training and es.stopped_epoch == 2


def test_early_stopping_silent_without_verbose(capsys):
    es = callbacks.EarlyStopping(monitor="val_loss", patience=0)
    assert run_epochs(es, [1.0, 2.0]).stop_training
    assert capsys.readouterr().out == ""


def test_early_stopping_min_delta():
    es = callbacks.EarlyStopping(monitor="val_loss", min_delta=0.1, patience=1)
    assert es.min_delta == -0.1
    model = run_epochs(es, [1.0, 0.95, 0.85])
    assert model.stop_training and es.stopped_epoch == 1 and es.best == 1.0
    # negative min_delta is taken by absolute value; max mode keeps it positive
    es = callbacks.EarlyStopping(monitor="val_accuracy", min_delta=-0.1, patience=1)
    assert es.min_delta == 0.1
    model = run_epochs(es, [0.5, 0.65, 0.8], key="val_accuracy")
    assert not model.stop_training and es.best == 0.8


@pytest.mark.parametrize("monitor,maximise", [
    ("val_loss", False), ("loss", False), ("acc", True), ("val_acc", True),
    ("val_accuracy", True), ("binary_accuracy", True), ("val_auc", True),
    ("accuracy_x", False), ("mae", False)])
def test_early_stopping_auto_mode(monitor, maximise):
    es = callbacks.EarlyStopping(monitor=monitor)
    assert (es.monitor_op is np.greater) == maximise


def test_early_stopping_explicit_and_unknown_mode():
    assert callbacks.EarlyStopping(monitor="val_acc", mode="min").monitor_op is np.less
    assert callbacks.EarlyStopping(monitor="loss", mode="max").monitor_op is np.greater
    with pytest.warns(RuntimeWarning, match="unknown"):
        es = callbacks.EarlyStopping(monitor="loss", mode="bogus")
    assert es.monitor_op is np.less
    es = callbacks.EarlyStopping(monitor="val_accuracy", patience=1)
    model = run_epochs(es, [0.5, 0.4, 0.3], key="val_accuracy")
    assert model.stop_training and es.stopped_epoch == 1 and es.best == 0.5


def test_early_stopping_baseline():
    # best never beats the baseline: wait is not reset by the first epoch
    es = callbacks.EarlyStopping(monitor="val_accuracy", baseline=0.9, patience=2)
    model = run_epochs(es, [0.5, 0.5, 0.5], key="val_accuracy")
    assert model.stop_training and es.stopped_epoch == 1
    # without baseline the same sequence stops one epoch later
    es = callbacks.EarlyStopping(monitor="val_accuracy", patience=2)
    run_epochs(es, [0.5, 0.5, 0.5], key="val_accuracy")
    assert es.stopped_epoch == 2
    # beating the baseline resets wait as usual
    es = callbacks.EarlyStopping(monitor="val_accuracy", baseline=0.9, patience=2)
    run_epochs(es, [0.95, 0.95, 0.95], key="val_accuracy")
    assert es.stopped_epoch == 2
    # improvements below the baseline do not stop training
    es = callbacks.EarlyStopping(monitor="val_loss", baseline=0.1, patience=1)
    model = run_epochs(es, [1.0, 0.9, 0.8, 0.7])
    assert not model.stop_training and es.wait == 4


def test_early_stopping_missing_monitor_warns():
    es = callbacks.EarlyStopping(monitor="val_loss", patience=0)
    with pytest.warns(RuntimeWarning, match="val_loss.*not available.*loss"):
        model = run_epochs(es, [1.0, 2.0, 3.0], key="loss")
    assert not model.stop_training and es.stopped_epoch == 0


def test_early_stopping_restore_best_weights(capsys):
    model = FakeModel()
    es = callbacks.EarlyStopping(monitor="val_loss", patience=1, verbose=1,
                                 restore_best_weights=True)
    cbs = callbacks.CallbackList([es], model=model)
    cbs.on_train_begin()
    for epoch, v in enumerate([1.0, 0.5, 0.7, 0.9]):
        model.weights = [np.full(2, float(epoch))]
        cbs.on_epoch_end(epoch, {"val_loss": v})
        if model.stop_training:
            break
    assert es.stopped_epoch == 2
    np.testing.assert_array_equal(model.weights[0], [2.0, 2.0])  # not restored yet
    cbs.on_train_end()
    np.testing.assert_array_equal(model.weights[0], [1.0, 1.0])
    assert capsys.readouterr().out == (
        "Epoch 3: early stopping\n"
        "Restoring model weights from the end of the best epoch: 2.\n")


def test_early_stopping_restore_without_stop():
    model = FakeModel()
    es = callbacks.EarlyStopping(monitor="loss", patience=5, restore_best_weights=True)
    es.set_model(model)
    es.on_train_begin()
    for epoch, v in enumerate([1.0, 0.2, 0.5]):
        model.weights = [np.full(2, float(epoch))]
        es.on_epoch_end(epoch, {"loss": v})
    es.on_train_end()
    assert not model.stop_training
    np.testing.assert_array_equal(model.weights[0], [1.0, 1.0])


def test_early_stopping_start_from_epoch():
    es = callbacks.EarlyStopping(monitor="loss", patience=1, start_from_epoch=2)
    model = run_epochs(es, [0.1, 0.1, 1.0, 0.9, 0.95, 0.99], key="loss")
    assert es.stopped_epoch == 4 and es.best == 0.9 and model.stop_training


def test_early_stopping_reusable():
    es = callbacks.EarlyStopping(monitor="loss", patience=0)
    run_epochs(es, [1.0, 2.0], key="loss")
    assert es.stopped_epoch == 1
    model = run_epochs(es, [1.0, 0.5], key="loss")
    assert not model.stop_training and es.stopped_epoch == 0 and es.best == 0.5


# ------------------------------------------------------------ ModelCheckpoint
def test_checkpoint_filepath_formatting(tmp_path):
    path = str(tmp_path / "w.{epoch:02d}-{val_loss:.2f}.h5")
    model = FakeModel()
    cp = callbacks.ModelCheckpoint(path)
    run_epochs(cp, [0.5, 0.123], model=model)
    names = [os.path.basename(p) for _, p in model.saved]
    assert names == ["w.01-0.50.h5", "w.02-0.12.h5"]
    assert [kind for kind, _ in model.saved] == ["model", "model"]
    assert sorted(os.listdir(tmp_path)) == names


def test_checkpoint_format_missing_key(tmp_path):
    cp = callbacks.ModelCheckpoint(str(tmp_path / "w.{val_acc:.2f}.h5"))
    with pytest.raises(KeyError, match="Failed to format"):
        run_epochs(cp, [0.5])


def test_checkpoint_weights_only_and_makedirs(tmp_path):
    path = str(tmp_path / "sub" / "dir" / "w.{epoch}.h5")
    model = FakeModel()
    run_epochs(callbacks.ModelCheckpoint(path, save_weights_only=True), [0.5], model=model)
    assert model.saved == [("weights", str(tmp_path / "sub" / "dir" / "w.1.h5"))]
    assert os.path.exists(model.saved[0][1])


def test_checkpoint_existing_directory(tmp_path):
    with pytest.raises(IOError, match="non-directory"):
        run_epochs(callbacks.ModelCheckpoint(str(tmp_path)), [0.5])


def test_checkpoint_save_best_only(tmp_path, capsys):
    path = str(tmp_path / "best.h5")
    model = FakeModel()
    cp = callbacks.ModelCheckpoint(path, save_best_only=True, verbose=1)
    run_epochs(cp, [0.5, 0.6, 0.4, 0.4], model=model)
    assert len(model.saved) == 2 and cp.best == 0.4  # strict improvement only
    assert capsys.readouterr().out == (
        f"\nEpoch 1: val_loss improved from inf to 0.50000, saving model to {path}\n"
        "\nEpoch 2: val_loss did not improve from 0.50000\n"
        f"\nEpoch 3: val_loss improved from 0.50000 to 0.40000, saving model to {path}\n"
        "\nEpoch 4: val_loss did not improve from 0.40000\n")


def test_checkpoint_modes(tmp_path):
    path = str(tmp_path / "e{epoch}.h5")
    for monitor, mode, values, saved in [
            ("val_acc", "auto", [0.5, 0.4, 0.6], ["e1.h5", "e3.h5"]),
            ("val_accuracy", "auto", [0.5, 0.4, 0.6], ["e1.h5", "e3.h5"]),
            ("fmeasure_x", "auto", [0.5, 0.4, 0.6], ["e1.h5", "e3.h5"]),
            ("val_loss", "max", [0.5, 0.4, 0.6], ["e1.h5", "e3.h5"]),
            ("val_acc", "min", [0.5, 0.4, 0.6], ["e1.h5", "e2.h5"]),
            ("val_loss", "auto", [0.5, 0.4, 0.6], ["e1.h5", "e2.h5"])]:
        model = FakeModel()
        cp = callbacks.ModelCheckpoint(path, monitor=monitor, mode=mode,
                                       save_best_only=True)
        run_epochs(cp, values, key=monitor, model=model)
        assert [os.path.basename(p) for _, p in model.saved] == saved, (monitor, mode)


def test_checkpoint_initial_value_threshold(tmp_path):
    model = FakeModel()
    cp = callbacks.ModelCheckpoint(str(tmp_path / "w{epoch}.h5"), save_best_only=True,
                                   initial_value_threshold=0.3)
    run_epochs(cp, [0.5, 0.2, 0.25], model=model)
    assert [os.path.basename(p) for _, p in model.saved] == ["w2.h5"]


def test_checkpoint_best_only_missing_monitor(tmp_path):
    model = FakeModel()
    cp = callbacks.ModelCheckpoint(str(tmp_path / "w.h5"), save_best_only=True)
    with pytest.warns(RuntimeWarning, match="val_loss available"):
        run_epochs(cp, [0.5], key="loss", model=model)
    assert model.saved == []


def test_checkpoint_save_freq_batches(tmp_path):
    model = FakeModel()
    cp = callbacks.ModelCheckpoint(str(tmp_path / "w{epoch}-{batch}.h5"), save_freq=2)
    cbs = callbacks.CallbackList([cp], model=model, epochs=2, steps=3, verbose=0)
    cbs.on_train_begin()
    for epoch in range(2):
        cbs.on_epoch_begin(epoch)
        for batch in range(3):
            cbs.on_train_batch_begin(batch)
            cbs.on_train_batch_end(batch, {"loss": 1.0})
        cbs.on_epoch_end(epoch, {"loss": 1.0, "val_loss": 1.0})
    cbs.on_train_end()
    assert [os.path.basename(p) for _, p in model.saved] == ["w1-2.h5", "w2-1.h5",
                                                            "w2-3.h5"]


def test_checkpoint_period(tmp_path):
    model = FakeModel()
    with pytest.warns(RuntimeWarning, match="period"):
        cp = callbacks.ModelCheckpoint(str(tmp_path / "w{epoch}.h5"), period=2)
    run_epochs(cp, [0.5, 0.4, 0.3, 0.2, 0.1], model=model)
    assert [os.path.basename(p) for _, p in model.saved] == ["w2.h5", "w4.h5"]


def test_checkpoint_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="save_freq"):
        callbacks.ModelCheckpoint(str(tmp_path / "w.h5"), save_freq="batch")
    with pytest.raises(TypeError):
        callbacks.ModelCheckpoint(str(tmp_path / "w.h5"), bogus=1)
    with pytest.warns(RuntimeWarning, match="unknown"):
        cp = callbacks.ModelCheckpoint(str(tmp_path / "w.h5"), mode="foo")
    assert cp.monitor_op is np.less and cp.best == np.inf


# ------------------------------------------------------ LearningRateScheduler
def test_lr_scheduler_two_args():
    model = FakeModel(lr=0.1)
    hist = callbacks.History()
    sched = callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5)
    cbs = callbacks.CallbackList([sched, hist], model=model)
    cbs.on_train_begin()
    for epoch in range(3):
        cbs.on_epoch_begin(epoch)
        cbs.on_epoch_end(epoch, {"loss": 1.0})
    assert model.optimizer.lr == pytest.approx(0.0125)
    assert hist.history["lr"] == pytest.approx([0.05, 0.025, 0.0125])


def test_lr_scheduler_one_arg_and_numpy(capsys):
    model = FakeModel(lr=0.1)
    sched = callbacks.LearningRateScheduler(lambda epoch: 1.0 / (epoch + 1), verbose=1)
    sched.set_model(model)
    sched.on_epoch_begin(1)
    assert model.optimizer.lr == 0.5
    assert capsys.readouterr().out == (
        "\nEpoch 2: LearningRateScheduler setting learning rate to 0.5.\n")
    sched = callbacks.LearningRateScheduler(lambda epoch, lr: np.float32(0.25))
    sched.set_model(model)
    sched.on_epoch_begin(0)
    assert model.optimizer.lr == 0.25
    logs = {}
    sched.on_epoch_end(0, logs)
    assert logs == {"lr": 0.25} and type(logs["lr"]) is float


@pytest.mark.parametrize("bad", [1, "0.1", None, np.int64(1), True])
def test_lr_scheduler_non_float(bad):
    sched = callbacks.LearningRateScheduler(lambda epoch, lr: bad)
    sched.set_model(FakeModel())
    with pytest.raises(ValueError, match="should be float"):
        sched.on_epoch_begin(0)


def test_lr_scheduler_needs_lr():
    class NoLr:
        pass

    model = FakeModel()
    model.optimizer = NoLr()
    sched = callbacks.LearningRateScheduler(lambda epoch, lr: 0.1)
    sched.set_model(model)
    with pytest.raises(ValueError, match='"lr" attribute'):
        sched.on_epoch_begin(0)


# ---------------------------------------------------------- ReduceLROnPlateau
def test_reduce_lr_cooldown_and_min_lr(capsys):
    model = FakeModel(lr=0.1)
    hist = callbacks.History()
    rl = callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1, cooldown=2,
                                     min_lr=0.02, verbose=1)
    cbs = callbacks.CallbackList([rl, hist], model=model)
    cbs.on_train_begin()
    lrs_after = []
    for epoch in range(8):
        cbs.on_epoch_end(epoch, {"loss": 1.0})
        lrs_after.append(model.optimizer.lr)
    # reductions at epochs 1, 3, 5 (patience 1, then 2 cooldown epochs)
    assert lrs_after == pytest.approx([0.1, 0.05, 0.05, 0.025, 0.025, 0.02, 0.02, 0.02])
    # `lr` is logged before any reduction of that epoch
    assert hist.history["lr"] == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025, 0.025,
                                                0.02, 0.02])
    out = capsys.readouterr().out
    assert out == ("\nEpoch 2: ReduceLROnPlateau reducing learning rate to "
                   "0.05000000074505806.\n"
                   "\nEpoch 4: ReduceLROnPlateau reducing learning rate to "
                   "0.02500000037252903.\n"
                   "\nEpoch 6: ReduceLROnPlateau reducing learning rate to "
                   "0.019999999552965164.\n")


def test_reduce_lr_patience_and_improvement():
    model = FakeModel(lr=1.0)
    rl = callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.1, patience=2)
    run_epochs(rl, [1.0, 0.9, 0.89995, 0.9, 0.8, 0.85, 0.85], model=model)
    # epoch 2 is within min_delta=1e-4 (no improvement) -> wait 1; epoch 3 -> wait 2: reduce
    # epoch 4 improves; epochs 5, 6 -> wait 2: reduce
    assert model.optimizer.lr == pytest.approx(0.01)
    assert rl.wait == 0 and rl.best == 0.8


def test_reduce_lr_mode_and_arguments():
    rl = callbacks.ReduceLROnPlateau(monitor="val_acc")
    assert rl.monitor_op(0.6, 0.5) and not rl.monitor_op(0.5, 0.6)
    assert rl.best == -np.inf
    rl = callbacks.ReduceLROnPlateau(monitor="val_accuracy", mode="min")
    assert rl.best == np.inf
    with pytest.raises(ValueError, match="factor >= 1.0"):
        callbacks.ReduceLROnPlateau(factor=1.0)
    with pytest.raises(ValueError):
        callbacks.ReduceLROnPlateau(factor=2)
    with pytest.warns(RuntimeWarning, match="epsilon"):
        rl = callbacks.ReduceLROnPlateau(epsilon=0.5)
    assert rl.min_delta == 0.5
    with pytest.raises(TypeError):
        callbacks.ReduceLROnPlateau(bogus=1)
    with pytest.warns(RuntimeWarning, match="unknown"):
        rl = callbacks.ReduceLROnPlateau(mode="up")
    assert rl.mode == "auto"


def test_reduce_lr_missing_monitor():
    model = FakeModel(lr=1.0)
    rl = callbacks.ReduceLROnPlateau(monitor="val_loss", patience=0)
    with pytest.warns(RuntimeWarning, match="not available"):
        run_epochs(rl, [1.0, 1.0, 1.0], key="loss", model=model)
    assert model.optimizer.lr == 1.0


def test_reduce_lr_stops_at_min_lr():
    model = FakeModel(lr=0.001)
    rl = callbacks.ReduceLROnPlateau(monitor="loss", factor=0.1, patience=0,
                                     min_lr=0.001)
    run_epochs(rl, [1.0, 1.0, 1.0], key="loss", model=model)
    assert model.optimizer.lr == 0.001


# -------------------------------------------------------------------- CSVLogger
def _csv_run(cb, rows, start=0):
    cb.set_model(FakeModel())
    cb.on_train_begin()
    for i, logs in enumerate(rows):
        cb.on_epoch_end(start + i, logs)
    cb.on_train_end()


def test_csv_logger(tmp_path):
    path = str(tmp_path / "log.csv")
    cb = callbacks.CSVLogger(path)
    cb.set_model(FakeModel())
    cb.on_train_begin()
    cb.on_epoch_end(0, {"loss": 0.5, "acc": 0.25})
    # flushed after every epoch
    with open(path, newline="") as f:
        assert f.read() == "epoch,acc,loss,val_acc,val_loss\r\n0,0.25,0.5,NA,NA\r\n"
    cb.on_epoch_end(1, {"loss": float(np.float32(0.1)), "acc": 0.1, "val_loss": 0.75,
                        "val_acc": 1e-8})
    cb.on_train_end()
    with open(path, newline="") as f:
        assert f.read() == ("epoch,acc,loss,val_acc,val_loss\r\n"
                            "0,0.25,0.5,NA,NA\r\n"
                            "1,0.1,0.1,1e-08,0.75\r\n")


def test_csv_logger_val_keys_and_separator(tmp_path):
    path = str(tmp_path / "log.tsv")
    _csv_run(callbacks.CSVLogger(path, separator="\t"),
             [{"val_loss": 0.5, "loss": 0.25}, {"loss": 0.125, "extra": 3.0}])
    with open(path, newline="") as f:
        assert f.read() == "epoch\tloss\tval_loss\r\n0\t0.25\t0.5\r\n1\t0.125\tNA\r\n"


def test_csv_logger_append(tmp_path):
    path = str(tmp_path / "log.csv")
    _csv_run(callbacks.CSVLogger(path, append=True), [{"loss": 1.0}])
    _csv_run(callbacks.CSVLogger(path, append=True), [{"loss": 0.5}], start=1)
    with open(path, newline="") as f:
        assert f.read() == ("epoch,loss,val_loss\r\n0,1.0,NA\r\n1,0.5,NA\r\n")
    # append=False overwrites
    _csv_run(callbacks.CSVLogger(path), [{"loss": 2.0}])
    with open(path, newline="") as f:
        assert f.read() == "epoch,loss,val_loss\r\n0,2.0,NA\r\n"
    # append to an existing empty file writes the header
    open(path, "w").close()
    _csv_run(callbacks.CSVLogger(path, append=True), [{"loss": 2.0}])
    with open(path, newline="") as f:
        assert f.read() == "epoch,loss,val_loss\r\n0,2.0,NA\r\n"


# --------------------------------------------------------------- LambdaCallback
def test_lambda_callback():
    calls = []
    cb = callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: calls.append(("eb", epoch)),
        on_epoch_end=lambda epoch, logs: calls.append(("ee", epoch, logs["loss"])),
        on_batch_begin=lambda batch, logs: calls.append(("bb", batch)),
        on_batch_end=lambda batch, logs: calls.append(("be", batch, logs["loss"])),
        on_train_begin=lambda logs: calls.append(("tb",)),
        on_train_end=lambda logs: calls.append(("te",)),
        on_test_end=lambda logs: calls.append(("test_end", logs["loss"])))
    cbs = callbacks.CallbackList([cb], model=FakeModel())
    cbs.on_train_begin()
    cbs.on_epoch_begin(0)
    cbs.on_train_batch_begin(0)
    cbs.on_train_batch_end(0, {"loss": 1.0})
    cbs.on_test_begin()
    cbs.on_test_end({"loss": 3.0})
    cbs.on_epoch_end(0, {"loss": 2.0})
    cbs.on_train_end()
    assert calls == [("tb",), ("eb", 0), ("bb", 0), ("be", 0, 1.0), ("test_end", 3.0),
                     ("ee", 0, 2.0), ("te",)]
    # unset hooks are no-ops
    cb = callbacks.LambdaCallback()
    cb.on_epoch_end(0, {})
    cb.on_train_batch_end(0, {})


# --------------------------------------------------------------- TerminateOnNaN
@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -np.inf, np.float32("nan")])
def test_terminate_on_nan(capsys, bad):
    model = FakeModel()
    cbs = callbacks.CallbackList([callbacks.TerminateOnNaN()], model=model)
    cbs.on_train_batch_end(0, {"loss": 0.5})
    cbs.on_train_batch_end(1, {})
    assert not model.stop_training
    cbs.on_train_batch_end(2, {"loss": bad})
    assert model.stop_training
    assert capsys.readouterr().out == "Batch 2: Invalid loss, terminating training\n"


# ------------------------------------------------------------------- Progbar
def test_progbar_static_prints_final_line_only(clock, static, capsys):
    bar = Progbar(4, stateful_metrics=["acc"])
    for step in range(1, 5):
        clock.t += 0.1
        bar.update(step, [("loss", 0.1 * step), ("acc", 0.25 * step)])
    # loss averaged (0.25), acc shown as given; first step excluded from step time
    assert capsys.readouterr().out == (
        "4/4 [==============================] - 0s 100ms/step - loss: 0.2500 - acc: 1.0000\n")


def test_progbar_dynamic_redraw(clock, dynamic, capsys):
    bar = Progbar(4)
    clock.t += 0.1
    bar.update(1, [("loss", 0.5)])
    first = "1/4 [======>.......................] - ETA: 0s - loss: 0.5000"
    assert capsys.readouterr().out == "\r" + first
    clock.t += 0.02
    bar.update(2, [("loss", 0.3)])  # within `interval`: not drawn
    assert capsys.readouterr().out == ""
    clock.t += 0.08
    bar.update(4, [("loss", 0.1)])
    # (0.5 + 0.3 + 2 * 0.1) / 4 = 0.25; 0.1 s for 3 steps after the first
    final = "4/4 [==============================] - 0s 33ms/step - loss: 0.2500"
    assert capsys.readouterr().out == "\b" * len(first) + "\r" + final + "\n"


def test_progbar_dynamic_pads_shorter_line(clock, dynamic, capsys):
    bar = Progbar(10, stateful_metrics=["a", "b"])
    clock.t += 1
    bar.update(1, [("a", 1e-4), ("b", 2.0)])
    first = "\r 1/10 [==>...........................] - ETA: 9s - a: 1.0000e-04 - b: 2.0000"
    assert capsys.readouterr().out == first
    clock.t += 1
    bar.update(5, [("a", 0.5)])
    second = " 5/10 [==============>...............] - ETA: 1s - a: 0.5000 - b: 2.0000"
    pad = len(first) - 1 - len(second)
    assert pad > 0
    assert capsys.readouterr().out == "\b" * (len(first) - 1) + "\r" + second + " " * pad


def test_progbar_eta_formats(clock, dynamic, capsys):
    for target, per_step, eta in [(100, 1.0, "1:39"), (10000, 1.0, "2:46:39"),
                                  (10, 2.5, "22s")]:
        bar = Progbar(target)
        clock.t += per_step
        bar.update(1)
        assert capsys.readouterr().out.endswith(f" - ETA: {eta}")


def test_progbar_time_units(clock, static, capsys):
    for seconds, text in [(2.0, "2s/step"), (0.0016, "2ms/step"), (5e-5, "50us/step"),
                          (0.0, "0s/step")]:
        bar = Progbar(1)
        clock.t += seconds
        bar.update(1)
        assert capsys.readouterr().out.split("] - ")[1].split(" ", 1)[1] == text + "\n"


def test_progbar_value_formatting(clock, static, capsys):
    bar = Progbar(2, stateful_metrics=["a", "b", "c", "d", "e"])
    bar.update(2, [("a", 0.0012345), ("b", 0.001), ("c", -0.5), ("d", -1e-5),
                   ("e", np.array([1.0, 2.0]))])
    out = capsys.readouterr().out
    assert out.endswith(" - a: 0.0012 - b: 1.0000e-03 - c: -0.5000 - d: -1.0000e-05"
                        " - e: 1.5000\n")


def test_progbar_unknown_target(clock, dynamic, capsys):
    bar = Progbar(None)
    clock.t += 0.5
    bar.update(3, [("loss", 1.0)])
    assert capsys.readouterr().out == "\r      3/Unknown - 0s 167ms/step - loss: 1.0000"
    bar.target = 3
    clock.t += 1
    bar.update(3, [("loss", 1.0)], finalize=True)
    out = capsys.readouterr().out
    assert out.endswith("3/3 [==============================] - 2s 500ms/step - loss: 1.0000\n")


def test_progbar_verbose2(clock, capsys):
    bar = Progbar(4, verbose=2, stateful_metrics=["cos"])
    for step in range(1, 5):
        clock.t += 0.225
        bar.update(step, [("loss", 1.0642), ("cos", -0.5)])
        if step < 4:
            assert capsys.readouterr().out == ""
    # tf.keras' verbose=2 line compares the signed value, so negatives use %.4e
    assert capsys.readouterr().out == (
        "4/4 - 1s - loss: 1.0642 - cos: -5.0000e-01 - 900ms/epoch - 225ms/step\n")


def test_progbar_verbose0_and_add(clock, capsys):
    bar = Progbar(3, verbose=0)
    bar.add(1, [("loss", 1.0)])
    bar.add(2, [("loss", 4.0)])
    assert bar._seen_so_far == 3
    assert bar._values["loss"] == [9.0, 3]
    assert capsys.readouterr().out == ""


def test_progbar_dynamic_display_env(monkeypatch):
    monkeypatch.setenv("CKERAS_PROGBAR_DYNAMIC", "1")
    assert generic_utils._dynamic_display()
    monkeypatch.setenv("CKERAS_PROGBAR_DYNAMIC", "0")
    assert not generic_utils._dynamic_display()
    monkeypatch.delenv("CKERAS_PROGBAR_DYNAMIC")
    # pytest's captured stdout is not a terminal
    assert generic_utils._dynamic_display() == ("ipykernel" in __import__("sys").modules)


# -------------------------------------------------------------- ProgbarLogger
def _fit(cbs, epochs, steps, batch_logs, epoch_logs, clock, validate=False):
    cbs.on_train_begin()
    for epoch in range(epochs):
        cbs.on_epoch_begin(epoch)
        for step in range(steps):
            cbs.on_train_batch_begin(step)
            clock.t += 0.1
            cbs.on_train_batch_end(step, batch_logs(epoch, step))
        if validate:
            cbs.on_test_begin()
            cbs.on_test_batch_begin(0)
            cbs.on_test_batch_end(0, {"loss": 9.0})
            cbs.on_test_end({"loss": 9.0})
        cbs.on_epoch_end(epoch, epoch_logs(epoch))
    cbs.on_train_end(epoch_logs(epochs - 1))


def test_progbar_logger_verbose1(clock, static, capsys):
    cbs = callbacks.CallbackList(add_history=True, add_progbar=True, model=FakeModel(),
                                 verbose=1, epochs=2, steps=3)
    _fit(cbs, 2, 3, lambda e, s: {"loss": 1.0 / (s + 1), "accuracy": 0.5},
         lambda e: {"loss": 0.3 - 0.1 * e, "accuracy": 0.5, "val_loss": 0.4,
                    "val_accuracy": 0.0005}, clock, validate=True)
    assert capsys.readouterr().out == (
        "Epoch 1/2\n"
        "3/3 [==============================] - 0s 100ms/step - loss: 0.3000"
        " - accuracy: 0.5000 - val_loss: 0.4000 - val_accuracy: 5.0000e-04\n"
        "Epoch 2/2\n"
        "3/3 [==============================] - 0s 100ms/step - loss: 0.2000"
        " - accuracy: 0.5000 - val_loss: 0.4000 - val_accuracy: 5.0000e-04\n")
    assert cbs.history.history["loss"] == pytest.approx([0.3, 0.2])


def test_progbar_logger_verbose1_dynamic_shows_running_values(clock, dynamic, capsys):
    cbs = callbacks.CallbackList(add_progbar=True, model=FakeModel(), verbose=1,
                                 epochs=1, steps=2)
    _fit(cbs, 1, 2, lambda e, s: {"loss": [2.0, 1.0][s]}, lambda e: {"loss": 1.0}, clock)
    out = capsys.readouterr().out
    assert not out.startswith("Epoch")  # no "Epoch 1/1" line (tf.keras)
    first = "1/2 [==============>...............] - ETA: 0s - loss: 2.0000"
    second = "2/2 [==============================] - ETA: 0s - loss: 1.0000"
    final = "2/2 [==============================] - 0s 100ms/step - loss: 1.0000"
    # values are shown as given (the trainer logs running averages)
    assert out == ("\r" + first + "\b" * len(first) + "\r" + second
                   + "\b" * len(second) + "\r" + final + "\n")


def test_progbar_logger_verbose2(clock, capsys):
    cbs = callbacks.CallbackList(add_progbar=True, model=FakeModel(), verbose=2,
                                 epochs=2, steps=3)
    _fit(cbs, 2, 3, lambda e, s: {"loss": 5.0},
         lambda e: {"loss": 1.0642, "softmax_loss": 0.5}, clock)
    line = "3/3 - 0s - loss: 1.0642 - softmax_loss: 0.5000 - 300ms/epoch - 100ms/step\n"
    assert capsys.readouterr().out == "Epoch 1/2\n" + line + "Epoch 2/2\n" + line


def test_progbar_logger_evaluate_and_predict(clock, static, capsys):
    cbs = callbacks.CallbackList(add_progbar=True, model=FakeModel(), verbose=1,
                                 epochs=1, steps=2)
    cbs.on_test_begin()
    for step in range(2):
        clock.t += 0.01
        cbs.on_test_batch_end(step, {"loss": 0.5, "mae": 0.25})
    cbs.on_test_end({"loss": 0.5, "mae": 0.25})
    assert capsys.readouterr().out == (
        "2/2 [==============================] - 0s 10ms/step - loss: 0.5000"
        " - mae: 0.2500\n")
    cbs.on_predict_begin()
    for step in range(2):
        clock.t += 0.002
        cbs.on_predict_batch_end(step, {"outputs": np.zeros(3)})
    cbs.on_predict_end()
    assert capsys.readouterr().out == "2/2 [==============================] - 0s 2ms/step\n"


def test_progbar_logger_unknown_steps_and_samples(clock, static, capsys):
    cbs = callbacks.CallbackList(add_progbar=True, model=FakeModel(), verbose=1,
                                 epochs=1, steps=None)
    _fit(cbs, 1, 5, lambda e, s: {"loss": 1.0}, lambda e: {"loss": 1.0}, clock)
    assert capsys.readouterr().out.startswith("5/5 [=====")

    logger = callbacks.ProgbarLogger(count_mode="samples")
    cbs = callbacks.CallbackList([logger], model=FakeModel(), verbose=1, epochs=1,
                                 samples=10)
    _fit(cbs, 1, 3, lambda e, s: {"loss": 1.0, "size": 4 if s < 2 else 2, "batch": s},
         lambda e: {"loss": 1.0}, clock)
    out = capsys.readouterr().out
    assert out.startswith("10/10 [======") and "ms/sample - loss: 1.0000\n" in out
    assert "size" not in out and "batch" not in out


def test_progbar_logger_silent_and_bad_mode(clock, static, capsys):
    cbs = callbacks.CallbackList([callbacks.ProgbarLogger("steps")], model=FakeModel(),
                                 verbose=0, epochs=2, steps=2)
    _fit(cbs, 2, 2, lambda e, s: {"loss": 1.0}, lambda e: {"loss": 1.0}, clock)
    assert capsys.readouterr().out == ""
    with pytest.raises(ValueError, match="count_mode"):
        callbacks.ProgbarLogger(count_mode="batches")


def test_progbar_logger_stops_mid_epoch(clock, static, capsys):
    """TerminateOnNaN stops after batch 1: the bar still closes at the target."""
    model = FakeModel()
    cbs = callbacks.CallbackList([callbacks.TerminateOnNaN()], add_progbar=True,
                                 model=model, verbose=1, epochs=1, steps=4)
    cbs.on_train_begin()
    cbs.on_epoch_begin(0)
    for step, loss in enumerate([1.0, math.nan]):
        clock.t += 0.1
        cbs.on_train_batch_end(step, {"loss": loss})
        if model.stop_training:
            break
    cbs.on_epoch_end(0, {"loss": math.nan})
    out = capsys.readouterr().out
    assert out.splitlines() == [
        "Batch 1: Invalid loss, terminating training",
        "4/4 [==============================] - 0s 33ms/step - loss: nan"]


def test_predict_calls_the_predict_hooks_in_tf_keras_order_with_batch_outputs():
    from ckeras.layers import Dense
    from ckeras.models import Sequential

    calls, outputs = [], []

    class Recorder(callbacks.Callback):
        def on_predict_begin(self, logs=None):
            calls.append(("begin", sorted(logs or {})))

        def on_predict_batch_begin(self, batch, logs=None):
            calls.append(("batch_begin", batch))

        def on_predict_batch_end(self, batch, logs=None):
            calls.append(("batch_end", batch, sorted(logs)))
            outputs.append(logs["outputs"])

        def on_predict_end(self, logs=None):
            calls.append(("end", sorted(logs or {})))

    model = Sequential([Dense(2, input_shape=(3,))])
    x = np.arange(15, dtype="float32").reshape(5, 3)
    pred = model.predict(x, batch_size=2, callbacks=[Recorder()])
    assert calls == [("begin", []), ("batch_begin", 0), ("batch_end", 0, ["outputs"]),
                     ("batch_begin", 1), ("batch_end", 1, ["outputs"]),
                     ("batch_begin", 2), ("batch_end", 2, ["outputs"]), ("end", [])]
    np.testing.assert_array_equal(np.concatenate(outputs), pred)


def test_fit_and_evaluate_call_the_hooks_in_tf_keras_order():
    from ckeras.layers import Dense
    from ckeras.models import Sequential

    calls = []

    class Recorder(callbacks.Callback):
        pass

    for hook in ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
                 "on_train_batch_begin", "on_train_batch_end", "on_test_begin",
                 "on_test_end", "on_test_batch_begin", "on_test_batch_end"):
        def record(self, *args, _hook=hook):
            calls.append((_hook,) + args[:-1] + (sorted(args[-1] or {}),))
        setattr(Recorder, hook, record)

    model = Sequential([Dense(1, input_shape=(2,))])
    model.compile("sgd", "mse")
    x, y = np.zeros((4, 2), "float32"), np.zeros((4, 1), "float32")
    model.fit(x, y, batch_size=2, epochs=1, validation_data=(x, y), callbacks=[Recorder()],
              verbose=0)
    # The sequence tf-keras 2.21 produces for the same call.
    assert calls == [
        ("on_train_begin", []), ("on_epoch_begin", 0, []),
        ("on_train_batch_begin", 0, []), ("on_train_batch_end", 0, ["loss"]),
        ("on_train_batch_begin", 1, []), ("on_train_batch_end", 1, ["loss"]),
        ("on_test_begin", []), ("on_test_batch_begin", 0, []),
        ("on_test_batch_end", 0, ["loss"]), ("on_test_batch_begin", 1, []),
        ("on_test_batch_end", 1, ["loss"]), ("on_test_end", ["loss"]),
        ("on_epoch_end", 0, ["loss", "val_loss"]), ("on_train_end", ["loss", "val_loss"])]
