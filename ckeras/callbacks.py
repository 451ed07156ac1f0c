"""Callbacks: hooks called by `fit`, `evaluate` and `predict`.

Behaviour follows tf.keras 2.x (see the ckeras API spec, section 6):
`History` and a `ProgbarLogger` are added to every `fit` automatically,
`epoch` arguments are 0-based, and the logs passed to the hooks are dicts of
Python floats keyed like tf.keras (`loss`, `accuracy`, `val_loss`, ...).

Example:
    >>> from ckeras.callbacks import EarlyStopping
    >>> stop = EarlyStopping(monitor='val_loss', patience=2)
    >>> # model.fit(x, y, validation_split=0.2, callbacks=[stop])
"""
import collections.abc
import csv
import io
import json
import logging
import os
import time
import types
import warnings

import numpy as np

from ckeras import backend as K
from ckeras.optimizers.optimizer import LearningRateValue
from ckeras.optimizers.schedules import LearningRateSchedule
from ckeras.utils.generic_utils import Progbar

_log = logging.getLogger("ckeras.callbacks")

__all__ = [
    "Callback", "CallbackList", "History", "ProgbarLogger", "EarlyStopping",
    "ModelCheckpoint", "LearningRateScheduler", "ReduceLROnPlateau", "CSVLogger",
    "LambdaCallback", "TerminateOnNaN", "BackupAndRestore", "BaseLogger", "RemoteMonitor",
    "TensorBoard",
]


def _print(message):
    print(message, flush=True)


def _warn(message):
    warnings.warn(message, RuntimeWarning, stacklevel=3)


def _to_python(value):
    """NumPy scalars and 0-d arrays become Python scalars; the rest is kept."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value.item()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _get_lr(model):
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not hasattr(optimizer, "lr"):
        raise ValueError('Optimizer must have a "lr" attribute.')
    return float(optimizer.lr)


def _set_lr(model, value):
    model.optimizer.lr = float(value)


def _f32_text(value):
    """`value` printed the way tf.keras prints a float32 learning rate."""
    return str(float(np.float32(value)))


class Callback:
    """Base class used to build new callbacks.

    Subclasses override any of the `on_*` hooks.  `fit`, `evaluate` and
    `predict` call them through a `CallbackList`.

    Attributes:
        params: dict of training parameters (`verbose`, `epochs`, `steps`).
        model: the model being trained, evaluated or used for prediction.

    The `logs` dict passed to the hooks holds, for training batch/epoch
    hooks, the running averages of the loss and metrics over the current
    epoch (epoch hooks also get `val_*` entries when validation ran); test
    hooks get the evaluation values; predict hooks get nothing useful.

    `on_batch_begin`/`on_batch_end` are the Keras 2 names of
    `on_train_batch_begin`/`on_train_batch_end`: the default
    `on_train_batch_*` implementations call them, so overriding either name
    works.

    Example:
        >>> class LossRecorder(Callback):
        ...     def on_train_begin(self, logs=None):
        ...         self.losses = []
        ...     def on_batch_end(self, batch, logs=None):
        ...         self.losses.append(logs.get('loss'))
    """

    # Class-level defaults so subclasses that skip `super().__init__()` work.
    model = None
    params = {}
    validation_data = None

    def __init__(self):
        self.model = None
        self.params = {}
        self.validation_data = None

    def set_params(self, params):
        """Stores the training parameters dict."""
        self.params = params

    def set_model(self, model):
        """Stores a reference to the model."""
        self.model = model

    # ---------------------------------------------------------------- batch
    def on_batch_begin(self, batch, logs=None):
        """Keras 2 alias of `on_train_batch_begin` (called by it)."""

    def on_batch_end(self, batch, logs=None):
        """Keras 2 alias of `on_train_batch_end` (called by it)."""

    def on_train_batch_begin(self, batch, logs=None):
        """Called at the beginning of a training batch in `fit`.

        Args:
            batch: index of the batch within the current epoch (0-based).
            logs: dict, currently empty.
        """
        self.on_batch_begin(batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        """Called at the end of a training batch in `fit`.

        Args:
            batch: index of the batch within the current epoch (0-based).
            logs: dict of the running (epoch-average so far) metric values.
        """
        self.on_batch_end(batch, logs)

    def on_test_batch_begin(self, batch, logs=None):
        """Called at the beginning of a batch in `evaluate` (and validation)."""

    def on_test_batch_end(self, batch, logs=None):
        """Called at the end of a batch in `evaluate` (and validation)."""

    def on_predict_batch_begin(self, batch, logs=None):
        """Called at the beginning of a batch in `predict`."""

    def on_predict_batch_end(self, batch, logs=None):
        """Called at the end of a batch in `predict`."""

    # ---------------------------------------------------------------- epoch
    def on_epoch_begin(self, epoch, logs=None):
        """Called at the start of an epoch (training only).

        Args:
            epoch: index of the epoch (0-based).
            logs: dict, currently empty.
        """

    def on_epoch_end(self, epoch, logs=None):
        """Called at the end of an epoch (training only).

        Args:
            epoch: index of the epoch (0-based).
            logs: dict of the epoch's metric values, validation values
                prefixed with `val_`.  Callbacks may add entries (e.g. `lr`).
        """

    # ---------------------------------------------------------------- run
    def on_train_begin(self, logs=None):
        """Called at the beginning of training."""

    def on_train_end(self, logs=None):
        """Called at the end of training (logs: last epoch's logs)."""

    def on_test_begin(self, logs=None):
        """Called at the beginning of evaluation or validation."""

    def on_test_end(self, logs=None):
        """Called at the end of evaluation or validation."""

    def on_predict_begin(self, logs=None):
        """Called at the beginning of prediction."""

    def on_predict_end(self, logs=None):
        """Called at the end of prediction."""


class CallbackList:
    """Container abstracting a list of callbacks.

    Every hook call is forwarded to each callback in order.  The logs dict
    is copied once per call (NumPy scalars become Python floats) and that
    copy is shared by all callbacks, so entries added by one callback (such
    as `lr`) are seen by the ones after it, e.g. `History`.

    Args:
        callbacks: list (or single instance) of `Callback`s.
        add_history: whether to append a `History` callback if none is given.
        add_progbar: whether to add a `ProgbarLogger(count_mode='steps')` in
            front of the list if none is given.
        model: the model the callbacks act on.
        **params: training parameters (`epochs`, `steps`, `verbose`) passed
            to `set_params`.

    Attributes:
        history: the `History` callback of the list (None if there is none).
    """

    def __init__(self, callbacks=None, add_history=False, add_progbar=False,
                 model=None, **params):
        if callbacks is None:
            callbacks = []
        elif isinstance(callbacks, Callback):
            callbacks = [callbacks]
        self.callbacks = list(callbacks)
        self._add_default_callbacks(add_history, add_progbar)
        self.model = None
        self.params = {}
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)

    def _add_default_callbacks(self, add_history, add_progbar):
        self._progbar = None
        self._history = None
        for cb in self.callbacks:
            if isinstance(cb, ProgbarLogger):
                self._progbar = cb
            elif isinstance(cb, History):
                self._history = cb
        if self._progbar is None and add_progbar:
            # First, so the epoch's progress line precedes other messages.
            self._progbar = ProgbarLogger(count_mode="steps")
            self.callbacks.insert(0, self._progbar)
        if self._history is None and add_history:
            # Last, so it records entries added by other callbacks (`lr`).
            self._history = History()
            self.callbacks.append(self._history)

    @property
    def history(self):
        """The `History` callback held by the list (returned by `fit`)."""
        return self._history

    def append(self, callback):
        """Adds a callback at the end of the list."""
        self.callbacks.append(callback)

    def set_params(self, params):
        """Calls `set_params(params)` on every callback."""
        self.params = params
        for cb in self.callbacks:
            cb.set_params(params)

    def set_model(self, model):
        """Calls `set_model(model)` on every callback."""
        self.model = model
        if self._history is not None:
            model.history = self._history
        for cb in self.callbacks:
            cb.set_model(model)

    def __iter__(self):
        return iter(self.callbacks)

    def __len__(self):
        return len(self.callbacks)

    _BATCH_HOOKS = {"train": ("on_train_batch_begin", "on_train_batch_end", "on_batch_begin",
                              "on_batch_end"),
                    "test": ("on_test_batch_begin", "on_test_batch_end"),
                    "predict": ("on_predict_batch_begin", "on_predict_batch_end")}

    def needs_batch_hooks(self, mode):
        """Whether any callback overrides a batch hook of `mode` ('train',
        'test' or 'predict'): when none does, the loops skip the batch hooks
        and the per-batch logs (tf-keras skips them the same way)."""
        names = self._BATCH_HOOKS[mode]
        for cb in self.callbacks:
            for name in names:
                hook = getattr(cb, name)   # instances may set hooks (LambdaCallback)
                if getattr(hook, "__func__", hook) is not getattr(Callback, name):
                    return True
        return False

    @staticmethod
    def _process_logs(logs):
        if not logs:
            return {}
        return {k: _to_python(v) for k, v in logs.items()}

    def _call(self, hook, *args, logs=None):
        logs = self._process_logs(logs)
        for cb in self.callbacks:
            getattr(cb, hook)(*args, logs)

    # batch hooks
    def on_batch_begin(self, batch, logs=None):
        """Same as `on_train_batch_begin`."""
        self._call("on_train_batch_begin", batch, logs=logs)

    def on_batch_end(self, batch, logs=None):
        """Same as `on_train_batch_end`."""
        self._call("on_train_batch_end", batch, logs=logs)

    def on_train_batch_begin(self, batch, logs=None):
        """Dispatches `on_train_batch_begin(batch, logs)`."""
        self._call("on_train_batch_begin", batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        """Dispatches `on_train_batch_end(batch, logs)`."""
        self._call("on_train_batch_end", batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        """Dispatches `on_test_batch_begin(batch, logs)`."""
        self._call("on_test_batch_begin", batch, logs=logs)

    def on_test_batch_end(self, batch, logs=None):
        """Dispatches `on_test_batch_end(batch, logs)`."""
        self._call("on_test_batch_end", batch, logs=logs)

    def on_predict_batch_begin(self, batch, logs=None):
        """Dispatches `on_predict_batch_begin(batch, logs)`."""
        self._call("on_predict_batch_begin", batch, logs=logs)

    def on_predict_batch_end(self, batch, logs=None):
        """Dispatches `on_predict_batch_end(batch, logs)`."""
        self._call("on_predict_batch_end", batch, logs=logs)

    # epoch hooks
    def on_epoch_begin(self, epoch, logs=None):
        """Dispatches `on_epoch_begin(epoch, logs)`."""
        self._call("on_epoch_begin", epoch, logs=logs)

    def on_epoch_end(self, epoch, logs=None):
        """Dispatches `on_epoch_end(epoch, logs)`."""
        self._call("on_epoch_end", epoch, logs=logs)

    # run hooks
    def on_train_begin(self, logs=None):
        """Dispatches `on_train_begin(logs)`."""
        self._call("on_train_begin", logs=logs)

    def on_train_end(self, logs=None):
        """Dispatches `on_train_end(logs)`."""
        self._call("on_train_end", logs=logs)

    def on_test_begin(self, logs=None):
        """Dispatches `on_test_begin(logs)`."""
        self._call("on_test_begin", logs=logs)

    def on_test_end(self, logs=None):
        """Dispatches `on_test_end(logs)`."""
        self._call("on_test_end", logs=logs)

    def on_predict_begin(self, logs=None):
        """Dispatches `on_predict_begin(logs)`."""
        self._call("on_predict_begin", logs=logs)

    def on_predict_end(self, logs=None):
        """Dispatches `on_predict_end(logs)`."""
        self._call("on_predict_end", logs=logs)


class History(Callback):
    """Records the epoch logs into a `History` object.

    Added automatically to every `fit` call and returned by it.

    Attributes:
        history: dict mapping each logged name to the list of its values,
            one per epoch.
        epoch: list of the (0-based) epoch indices seen by this fit.
        params: the training parameters.
        model: the model (its `history` attribute is set to this object).

    Example:
        >>> # history = model.fit(x, y, epochs=3)
        >>> # history.history['loss']  ->  [0.71, 0.65, 0.61]
    """

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for name, value in (logs or {}).items():
            self.history.setdefault(name, []).append(value)
        if self.model is not None:
            self.model.history = self


class ProgbarLogger(Callback):
    """Prints the metrics to stdout with a `Progbar`.

    Added automatically (with `count_mode='steps'`) to `fit`/`evaluate`/
    `predict` when `verbose != 0`.  Prints `Epoch 3/10` before each epoch
    (when training more than one epoch), then drives a progress bar with
    the `verbose` of the training parameters: 1 updates a bar after every
    batch, 2 prints one line per epoch.  Validation inside `fit` is silent.

    ckeras' trainer logs running averages, so every logged value is shown
    as given (treated as a stateful metric), as in tf.keras.

    Args:
        count_mode: `'steps'` or `'samples'`: whether the bar counts batches
            or samples (samples need a `size` entry in the batch logs or a
            `samples` training parameter; otherwise batches are counted).
        stateful_metrics: names of metrics shown as given rather than
            averaged over the epoch.

    Raises:
        ValueError: in case of an invalid `count_mode`.
    """

    def __init__(self, count_mode="samples", stateful_metrics=None):
        super().__init__()
        if count_mode == "samples":
            self.use_steps = False
        elif count_mode == "steps":
            self.use_steps = True
        else:
            raise ValueError(f"Unknown `count_mode`: {count_mode}. Expected values are "
                             "['samples', 'steps']")
        self.stateful_metrics = set(stateful_metrics) if stateful_metrics else set()
        self.seen = 0
        self.progbar = None
        self.target = None
        self.verbose = 1
        self.epochs = 1
        self._called_in_fit = False

    def set_params(self, params):
        super().set_params(params)
        self.verbose = params.get("verbose", 1)
        self.epochs = params.get("epochs", 1)
        if self.use_steps:
            self.target = params.get("steps")
        else:
            self.target = params.get("samples")

    def on_train_begin(self, logs=None):
        # Validation inside fit stays silent.
        self._called_in_fit = True

    def on_train_end(self, logs=None):
        self._called_in_fit = False

    def on_test_begin(self, logs=None):
        if not self._called_in_fit:
            self._reset_progbar()
            self._maybe_init_progbar()

    def on_predict_begin(self, logs=None):
        self._reset_progbar()
        self._maybe_init_progbar()

    def on_epoch_begin(self, epoch, logs=None):
        self._reset_progbar()
        self._maybe_init_progbar()
        if self.verbose and self.epochs > 1:
            _print(f"Epoch {epoch + 1}/{self.epochs}")

    def on_train_batch_end(self, batch, logs=None):
        self._batch_update_progbar(batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        if not self._called_in_fit:
            self._batch_update_progbar(batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._batch_update_progbar(batch, None)  # outputs are not shown

    def on_epoch_end(self, epoch, logs=None):
        self._finalize_progbar(logs)

    def on_test_end(self, logs=None):
        if not self._called_in_fit:
            self._finalize_progbar(logs)

    def on_predict_end(self, logs=None):
        self._finalize_progbar(logs)

    def _reset_progbar(self):
        self.seen = 0
        self.progbar = None

    def _model_metric_names(self):
        names = set()
        for metric in getattr(self.model, "metrics", None) or ():
            name = metric if isinstance(metric, str) else getattr(metric, "name", None)
            if isinstance(name, str):
                names.add(name)
        return names

    def _maybe_init_progbar(self):
        self.stateful_metrics = set(self.stateful_metrics)
        if self.model is not None:
            try:
                self.stateful_metrics |= self._model_metric_names()
            except Exception:  # pragma: no cover - a model without metrics
                pass
        if self.progbar is None:
            self.progbar = Progbar(target=self.target, verbose=self.verbose,
                                   stateful_metrics=self.stateful_metrics,
                                   unit_name="step" if self.use_steps else "sample")
        self.progbar._update_stateful_metrics(self.stateful_metrics)

    def _batch_update_progbar(self, batch, logs):
        logs = dict(logs or {})
        self._maybe_init_progbar()
        if self.use_steps:
            self.seen = batch + 1
        else:
            size = logs.pop("size", None)
            num_steps = logs.pop("num_steps", 1)
            logs.pop("batch", None)
            self.seen += num_steps * (size if size is not None else 1)
        # Logged values are already running averages: show them as given.
        self.progbar._update_stateful_metrics(logs.keys())
        if self.verbose == 1:
            self.progbar.update(self.seen, list(logs.items()), finalize=False)

    def _finalize_progbar(self, logs):
        logs = dict(logs or {})
        for key in ("size", "num_steps", "batch"):
            logs.pop(key, None)
        if self.progbar is None:
            self._maybe_init_progbar()
        if self.target is None:
            self.target = self.seen
            self.progbar.target = self.target
        self.progbar._update_stateful_metrics(logs.keys())
        self.progbar.update(self.target, list(logs.items()), finalize=True)


def _check_mode(mode, owner):
    """`mode` if valid, else `'auto'` with a warning (as tf.keras does)."""
    if mode not in ("auto", "min", "max"):
        _warn(f"{owner} mode {mode} is unknown, fallback to auto mode.")
        return "auto"
    return mode


class EarlyStopping(Callback):
    """Stops training when a monitored quantity has stopped improving.

    At the end of every epoch (from `start_from_epoch` on) the monitored
    value `current` is compared with the best value so far: it improves when
    `current - min_delta` is better than the best (`min_delta` is taken with
    the sign of the mode).  An improvement records the new best and resets
    the wait counter (when `baseline` is given, only if `current` also beats
    the baseline); otherwise the counter grows and training stops
    (`model.stop_training = True`) once it reaches `patience`.  The check
    never stops training at the first epoch.

    Args:
        monitor: quantity to be monitored.
        min_delta: minimum change counting as an improvement.
        patience: number of epochs with no improvement after which training
            is stopped.
        verbose: 1 prints `Epoch N: early stopping` at the end of training.
        mode: `'min'`, `'max'` or `'auto'` (max when `monitor` ends with
            `acc`, `accuracy` or `auc`, min otherwise).
        baseline: value the monitored quantity must beat; training stops
            after `patience` epochs without beating it.
        restore_best_weights: whether to restore, at the end of training,
            the model weights of the epoch with the best monitored value
            (the weights of the first checked epoch if nothing improved).
        start_from_epoch: number of initial epochs during which improvement
            is not checked (warm-up).

    Example:
        >>> callback = EarlyStopping(monitor='loss', patience=3)
        >>> # model.fit(x, y, epochs=10, callbacks=[callback])
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0,
                 mode="auto", baseline=None, restore_best_weights=False,
                 start_from_epoch=0):
        super().__init__()
        self.monitor = monitor
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.min_delta = abs(min_delta)
        self.wait = 0
        self.stopped_epoch = 0
        self.restore_best_weights = restore_best_weights
        self.best_weights = None
        self.best_epoch = 0
        self.start_from_epoch = start_from_epoch
        mode = _check_mode(mode, "EarlyStopping")
        if mode == "min":
            self.monitor_op = np.less
        elif mode == "max":
            self.monitor_op = np.greater
        elif monitor.endswith(("acc", "accuracy", "auc")):
            self.monitor_op = np.greater
        else:
            self.monitor_op = np.less
        if self.monitor_op is np.less:
            self.min_delta *= -1
        self.best = np.inf if self.monitor_op is np.less else -np.inf

    def on_train_begin(self, logs=None):
        # Allow instances to be re-used.
        self.wait = 0
        self.stopped_epoch = 0
        self.best = np.inf if self.monitor_op is np.less else -np.inf
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            # Restore the first checked epoch's weights if nothing improves.
            self.best_weights = self.model.get_weights()

        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return

        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            _print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                _print("Restoring model weights from the end of the best epoch: "
                       f"{self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)

    def get_monitor_value(self, logs):
        """The monitored value from `logs`, or None (with a warning)."""
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None:
            _warn(f"Early stopping conditioned on metric `{self.monitor}` which is not "
                  f"available. Available metrics are: {','.join(logs.keys())}")
        return value

    def _is_improvement(self, value, reference):
        return bool(self.monitor_op(value - self.min_delta, reference))


class ModelCheckpoint(Callback):
    """Saves the model (or its weights) at some frequency.

    `filepath` may contain named formatting options filled with `epoch`
    (1-based), `batch` (1-based, when saving every N batches) and the
    entries of the logs, e.g. `'weights.{epoch:02d}-{val_loss:.2f}.h5'`.
    Missing parent directories are created.

    Args:
        filepath: path of the file to save.
        monitor: quantity compared when `save_best_only=True`.
        verbose: 1 prints a message whenever the callback saves or skips.
        save_best_only: only save when the monitored quantity strictly
            improves on the best value so far.
        save_weights_only: call `model.save_weights(filepath)` instead of
            `model.save(filepath)`.
        mode: `'min'`, `'max'` or `'auto'` (max when `'acc'` is in `monitor`
            or it starts with `fmeasure`, min otherwise).
        save_freq: `'epoch'` to save at the end of every epoch, or an integer
            N to save every N training batches (counted across epochs).
        options: accepted for API compatibility; ignored.
        initial_value_threshold: initial "best" value of the monitored
            quantity (only with `save_best_only=True`).
        **kwargs: `period` ([Keras 2.2], deprecated): save every `period`
            epochs.

    Raises:
        ValueError: if `save_freq` is neither `'epoch'` nor an integer.

    Example:
        >>> cb = ModelCheckpoint('w.{epoch:02d}-{val_loss:.2f}.h5',
        ...                      save_best_only=True, save_weights_only=True)
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch", options=None,
                 initial_value_threshold=None, **kwargs):
        super().__init__()
        self.monitor = monitor
        self.verbose = verbose
        self.filepath = os.fspath(filepath)
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self.epochs_since_last_save = 0
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = 0
        self._current_epoch = 0
        self.best = initial_value_threshold
        if "period" in kwargs:
            self.period = kwargs.pop("period")
            _warn("`period` argument is deprecated. Please use `save_freq` to specify the "
                  "frequency in number of batches seen.")
        else:
            self.period = 1
        self.load_weights_on_restart = kwargs.pop("load_weights_on_restart", False)
        if kwargs:
            raise TypeError(f"Unexpected keyword argument(s) passed to ModelCheckpoint: "
                            f"{sorted(kwargs)}")

        mode = _check_mode(mode, "ModelCheckpoint")
        if mode == "min":
            self.monitor_op = np.less
        elif mode == "max":
            self.monitor_op = np.greater
        elif "acc" in monitor or monitor.startswith("fmeasure"):
            self.monitor_op = np.greater
        else:
            self.monitor_op = np.less
        if self.best is None:
            self.best = np.inf if self.monitor_op is np.less else -np.inf

        if self.save_freq != "epoch" and not (isinstance(self.save_freq, (int, np.integer))
                                              and not isinstance(self.save_freq, bool)):
            raise ValueError(f"Unrecognized save_freq: {self.save_freq}. Expected save_freq "
                             "are 'epoch' or integer")

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            self._save_model(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self.epochs_since_last_save += 1
        if self.save_freq == "epoch":
            self._save_model(epoch, None, logs)

    def _should_save_on_batch(self, batch):
        if self.save_freq == "epoch":
            return False
        if batch <= self._last_batch_seen:  # a new epoch started
            added = batch + 1
        else:
            added = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += added
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _get_file_path(self, epoch, batch, logs):
        try:
            if batch is None or "batch" in logs:
                return self.filepath.format(epoch=epoch + 1, **logs)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **logs)
        except KeyError as e:
            raise KeyError(f'Failed to format this callback filepath: "{self.filepath}". '
                           f"Reason: {e}") from e

    def _write(self, filepath):
        if os.path.isdir(filepath):
            raise IOError("Please specify a non-directory filepath for ModelCheckpoint. "
                          f"Filepath used is an existing directory: {filepath}")
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)

    def _save_model(self, epoch, batch, logs):
        logs = dict(logs or {})
        if not (self.save_freq != "epoch" or self.epochs_since_last_save >= self.period):
            return
        self.epochs_since_last_save = 0
        filepath = self._get_file_path(epoch, batch, logs)
        dirname = os.path.dirname(filepath)
        if dirname and not os.path.exists(dirname):
            os.makedirs(dirname, exist_ok=True)

        if not self.save_best_only:
            if self.verbose > 0:
                _print(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            self._write(filepath)
            return
        current = logs.get(self.monitor)
        if current is None:
            _warn(f"Can save best model only with {self.monitor} available, skipping.")
            return
        if self.monitor_op(current, self.best):
            if self.verbose > 0:
                _print(f"\nEpoch {epoch + 1}: {self.monitor} improved from "
                       f"{self.best:.5f} to {current:.5f}, saving model to {filepath}")
            self.best = current
            self._write(filepath)
        elif self.verbose > 0:
            _print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from "
                   f"{self.best:.5f}")


class LearningRateScheduler(Callback):
    """Sets the learning rate at the beginning of every epoch.

    `schedule(epoch, lr)` (0-based epoch, current learning rate as a float)
    returns the new learning rate; a one-argument `schedule(epoch)` is also
    accepted (used when the two-argument call raises `TypeError`).  The
    learning rate in force is logged as `lr` at the end of every epoch.

    Args:
        schedule: the function described above; it must return a float.
        verbose: 1 prints a message whenever the learning rate is set.

    Raises:
        ValueError: if the optimizer has no `lr` attribute or `schedule`
            does not return a float.

    Example:
        >>> def scheduler(epoch, lr):
        ...     return lr if epoch < 10 else lr * 0.9
        >>> callback = LearningRateScheduler(scheduler)
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        try:
            lr = _get_lr(self.model)
            lr = self.schedule(epoch, lr)
        except TypeError:  # one-argument schedule (Keras < 2.2 API)
            lr = self.schedule(epoch)
        if isinstance(lr, bool) or not isinstance(lr, (float, np.floating)):
            raise ValueError(f'The output of the "schedule" function should be float. '
                             f"Got: {lr}")
        _set_lr(self.model, lr)
        if self.verbose > 0:
            _print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate "
                   f"to {lr}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["lr"] = _get_lr(self.model)


class ReduceLROnPlateau(Callback):
    """Reduces the learning rate when a metric has stopped improving.

    At the end of every epoch the current learning rate is logged as `lr`.
    Then: during a cooldown the cooldown counter is decremented and the wait
    counter reset; an improvement by more than `min_delta` over the best value
    resets the wait counter; otherwise (outside a cooldown) the wait counter
    grows and, once it reaches `patience` and the rate is above `min_lr`,
    the rate becomes `max(lr * factor, min_lr)`, a cooldown of `cooldown`
    epochs starts and the wait counter is reset.

    Args:
        monitor: quantity to be monitored.
        factor: factor by which the learning rate is reduced (< 1).
        patience: number of epochs with no improvement after which the
            learning rate is reduced.
        verbose: 1 prints a message when the rate is reduced.
        mode: `'min'`, `'max'` or `'auto'` (max when `'acc'` is in
            `monitor`, min otherwise).
        min_delta: threshold for measuring a new optimum.
        cooldown: number of epochs to wait after a reduction before resuming
            normal operation.
        min_lr: lower bound on the learning rate.
        **kwargs: `epsilon` ([Keras 2.2]), a deprecated alias of `min_delta`.

    Raises:
        ValueError: if `factor >= 1`.

    Example:
        >>> reduce_lr = ReduceLROnPlateau(monitor='val_loss', factor=0.2,
        ...                               patience=5, min_lr=0.001)
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0,
                 mode="auto", min_delta=1e-4, cooldown=0, min_lr=0, **kwargs):
        super().__init__()
        self.monitor = monitor
        if factor >= 1.0:
            raise ValueError("ReduceLROnPlateau does not support a factor >= 1.0. "
                             f"Got {factor}")
        if "epsilon" in kwargs:
            min_delta = kwargs.pop("epsilon")
            _warn("`epsilon` argument is deprecated and will be removed, use `min_delta` "
                  "instead.")
        if kwargs:
            raise TypeError(f"Unexpected keyword argument(s) passed to ReduceLROnPlateau: "
                            f"{sorted(kwargs)}")
        self.factor = factor
        self.min_lr = min_lr
        self.min_delta = min_delta
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.cooldown_counter = 0
        self.wait = 0
        self.best = 0
        self.mode = mode
        self.monitor_op = None
        self._reset()

    def _reset(self):
        self.mode = _check_mode(self.mode, "Learning rate reduction")
        if self.mode == "min" or (self.mode == "auto" and "acc" not in self.monitor):
            self.monitor_op = lambda a, b: np.less(a, b - self.min_delta)
            self.best = np.inf
        else:
            self.monitor_op = lambda a, b: np.greater(a, b + self.min_delta)
            self.best = -np.inf
        self.cooldown_counter = 0
        self.wait = 0

    def on_train_begin(self, logs=None):
        self._reset()

    def in_cooldown(self):
        """Whether the callback is in a cooldown period."""
        return self.cooldown_counter > 0

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            logs = {}
        logs["lr"] = _get_lr(self.model)
        current = logs.get(self.monitor)
        if current is None:
            _warn(f"Learning rate reduction is conditioned on metric `{self.monitor}` which "
                  f"is not available. Available metrics are: {','.join(logs.keys())}")
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self.monitor_op(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                old_lr = _get_lr(self.model)
                if np.float32(old_lr) > np.float32(self.min_lr):
                    new_lr = max(old_lr * self.factor, self.min_lr)
                    _set_lr(self.model, new_lr)
                    if self.verbose > 0:
                        _print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning "
                               f"rate to {_f32_text(new_lr)}.")
                    self.cooldown_counter = self.cooldown
                    self.wait = 0


def _csv_value(value):
    """Cell text for a logged value (float32-exact floats use float32 digits)."""
    if isinstance(value, str):
        return value
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if np.isfinite(value) and float(np.float32(value)) == value:
            return str(np.float32(value))
        return repr(value)
    if isinstance(value, collections.abc.Iterable):
        return f"\"[{', '.join(map(str, value))}]\""
    return value


class CSVLogger(Callback):
    """Streams the epoch results to a CSV file.

    The header is `epoch` followed by the sorted log keys of the first epoch
    (plus their `val_` versions when no `val_` key is present yet, since
    validation may start later); each epoch writes one row with the 0-based
    epoch and `NA` for missing values, and the file is flushed.

    Args:
        filename: path of the CSV file.
        separator: string used to separate the cells.
        append: append to an existing file (the header is only written when
            the file is empty) instead of overwriting it.

    Example:
        >>> csv_logger = CSVLogger('training.log')
        >>> # model.fit(x, y, callbacks=[csv_logger])
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.sep = separator
        self.filename = os.fspath(filename)
        self.append = append
        self.writer = None
        self.keys = None
        self.append_header = True
        self.csv_file = None

    def on_train_begin(self, logs=None):
        if self.append:
            if os.path.exists(self.filename):
                with open(self.filename, "r", newline="") as f:
                    self.append_header = not bool(len(f.readline()))
            mode = "a"
        else:
            mode = "w"
        self.csv_file = open(self.filename, mode, newline="")

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs.keys())
            if not any(k.startswith("val_") for k in self.keys):
                self.keys.extend(["val_" + k for k in self.keys])
        if self.writer is None:
            class _Dialect(csv.excel):
                delimiter = self.sep

            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch"] + self.keys,
                                         dialect=_Dialect)
            if self.append_header:
                self.writer.writeheader()
        row = {"epoch": epoch}
        row.update((key, _csv_value(logs.get(key, "NA"))) for key in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        if self.csv_file is not None:
            self.csv_file.close()
            self.csv_file = None
        self.writer = None


class LambdaCallback(Callback):
    """Callback built from simple anonymous functions.

    Epoch hooks are called as `f(epoch, logs)`, batch hooks as
    `f(batch, logs)` and train hooks as `f(logs)`.  Any other `on_*` hook
    can be given as a keyword argument (e.g. `on_test_end=...`).

    Args:
        on_epoch_begin: called at the beginning of every epoch.
        on_epoch_end: called at the end of every epoch.
        on_batch_begin: called at the beginning of every training batch.
        on_batch_end: called at the end of every training batch.
        on_train_begin: called at the beginning of training.
        on_train_end: called at the end of training.
        **kwargs: other attributes/hooks to set on the callback.

    Example:
        >>> batch_print = LambdaCallback(
        ...     on_batch_begin=lambda batch, logs: print(batch))
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_batch_begin=None,
                 on_batch_end=None, on_train_begin=None, on_train_end=None, **kwargs):
        super().__init__()
        self.__dict__.update(kwargs)
        hooks = {"on_epoch_begin": on_epoch_begin, "on_epoch_end": on_epoch_end,
                 "on_batch_begin": on_batch_begin, "on_batch_end": on_batch_end,
                 "on_train_begin": on_train_begin, "on_train_end": on_train_end}
        for name, fn in hooks.items():
            if fn is not None:
                setattr(self, name, fn)


class TerminateOnNaN(Callback):
    """Stops training as soon as a batch's loss is NaN or infinite.

    Prints `Batch N: Invalid loss, terminating training` (0-based batch
    index) and sets `model.stop_training`.
    """

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is None:
            return
        loss = np.asarray(loss, dtype="float64")
        if np.any(np.isnan(loss)) or np.any(np.isinf(loss)):
            _print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True


class BaseLogger(Callback):
    """Accumulates epoch averages of the batch logs (the Keras 2 default logger).

    Each batch's values are weighted by the batch's `size` log entry (each
    batch counts as one when the logs carry no `size`, which `fit` does not
    write); at the end of the epoch the averages are written into the epoch
    logs, for the metric names in `params['metrics']` (every accumulated
    name when the params have no such list). Metrics named in
    `stateful_metrics` are already running values: the last one is kept.

    Args:
        stateful_metrics: iterable of metric names not to average.

    Example:
        >>> logger = BaseLogger(stateful_metrics=['auc'])
        >>> # model.fit(x, y, callbacks=[logger])
    """

    def __init__(self, stateful_metrics=None):
        super().__init__()
        self.stateful_metrics = set(stateful_metrics or [])

    def on_epoch_begin(self, epoch, logs=None):
        self.seen = 0
        self.totals = {}

    def on_batch_end(self, batch, logs=None):
        logs = logs or {}
        batch_size = logs.get("size", 1)
        self.seen += batch_size * logs.get("num_steps", 1)
        for k, v in logs.items():
            if k in self.stateful_metrics:
                self.totals[k] = v
            else:
                self.totals[k] = self.totals.get(k, 0) + v * batch_size

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        names = self.params.get("metrics")
        for k in (self.totals if names is None else names):
            if k not in self.totals:
                continue
            if k in self.stateful_metrics:
                logs[k] = self.totals[k]
            elif self.seen:
                logs[k] = self.totals[k] / self.seen


class RemoteMonitor(Callback):
    """Posts the epoch logs to a server at the end of every epoch (urllib only).

    The payload is the logs plus `epoch` (0-based). By default it is sent as
    an HTML form with one field, `field`, holding the JSON text; with
    `send_as_json=True` the body is the JSON itself
    (`Content-Type: application/json`). A server that cannot be reached
    gives a warning, not an error.

    Args:
        root: the server's root URL ('http://localhost:9000').
        path: the path appended to `root` ('/publish/epoch/end/').
        field: the form field holding the JSON ('data').
        headers: optional dict of extra HTTP headers.
        send_as_json: send the JSON as the request body.

    Example:
        >>> monitor = RemoteMonitor(root='http://127.0.0.1:9000', send_as_json=True)
        >>> # model.fit(x, y, callbacks=[monitor])
    """

    def __init__(self, root="http://localhost:9000", path="/publish/epoch/end/", field="data",
                 headers=None, send_as_json=False):
        super().__init__()
        self.root = root
        self.path = path
        self.field = field
        self.headers = headers
        self.send_as_json = send_as_json

    def on_epoch_end(self, epoch, logs=None):
        # urllib.request imports http.client and email: only this callback needs them.
        import urllib.error
        import urllib.parse
        import urllib.request

        send = {"epoch": epoch}
        for k, v in (logs or {}).items():
            send[k] = _to_python(v)
        headers = dict(self.headers or {})
        if self.send_as_json:
            body = json.dumps(send).encode("utf-8")
            headers.setdefault("Content-Type", "application/json")
        else:
            body = urllib.parse.urlencode({self.field: json.dumps(send)}).encode("utf-8")
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        request = urllib.request.Request(self.root + self.path, data=body, headers=headers,
                                         method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                response.read()
        except (urllib.error.URLError, OSError, ValueError):
            _log.warning("Warning: could not reach RemoteMonitor root server at %s",
                         self.root)


# -- BackupAndRestore ------------------------------------------------------------------

_BACKUP_FILE = "training_state.h5"


def _layers_of(model):
    """`model` and every nested layer, depth first, each once."""
    out, todo, seen = [], [model], set()
    while todo:
        layer = todo.pop(0)
        if id(layer) in seen:
            continue
        seen.add(id(layer))
        out.append(layer)
        flatten = getattr(layer, "_flatten_layers", None)
        todo[:0] = list(flatten()) if flatten is not None else []
    return out


def _layer_generators(model):
    """`(layer index, attribute, generator)` for the NumPy random generators held by
    the model's layers (seeded Dropout and friends draw their masks from one)."""
    out = []
    for i, layer in enumerate(_layers_of(model)):
        for attr, value in sorted(vars(layer).items()):
            if isinstance(value, np.random.Generator):
                out.append((i, attr, value))
    return out


def _dropout_states(model):
    """`(layer index, [key, counter])` of the layers' (and cells') dropout
    generator states (`ckeras.autograd.functions.nn.layer_generator`)."""
    return [(i, [int(v) for v in layer.__dict__["_dropout_state"]])
            for i, layer in enumerate(_layers_of(model)) if "_dropout_state" in vars(layer)]


def _jsonable_state(state):
    if isinstance(state, dict):
        return {k: _jsonable_state(v) for k, v in state.items()}
    if isinstance(state, np.ndarray):
        return {"__uint32__": state.tolist()}
    if isinstance(state, np.generic):
        return state.item()
    return state


def _state_from_json(state):
    if isinstance(state, dict):
        if "__uint32__" in state:
            return np.array(state["__uint32__"], dtype=np.uint32)
        return {k: _state_from_json(v) for k, v in state.items()}
    return state


def _rng_state(model):
    """Every random source `fit` draws from: NumPy's global generator (shuffling,
    unseeded dropout), Python's `random` and the layers' own generators."""
    import random

    return {"numpy": _jsonable_state(np.random.get_state(legacy=False)),
            "python": [random.getstate()[0], list(random.getstate()[1]),
                       random.getstate()[2]],
            "layers": [[i, attr, _jsonable_state(g.bit_generator.state)]
                       for i, attr, g in _layer_generators(model)],
            "dropout": [[i, st] for i, st in _dropout_states(model)]}


_BIT_GENERATORS = {name: getattr(np.random, name)
                   for name in ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")}


def _check_rng_state(model, state, path):
    n = len(_layers_of(model))
    for i, attr, value in state["layers"]:
        if not (isinstance(i, int) and 0 <= i < n and isinstance(attr, str)
                and value.get("bit_generator") in _BIT_GENERATORS):
            raise ValueError(f"The backup {path!r} holds the random state of a layer model "
                             f"{model.name!r} does not have: it was written by a different "
                             "model.")
    for entry in state.get("dropout", []):
        if not (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], int)
                and 0 <= entry[0] < n and isinstance(entry[1], list) and len(entry[1]) == 2
                and all(isinstance(v, int) and 0 <= v < 2**64 for v in entry[1])):
            raise ValueError(f"The backup {path!r} holds a dropout state model {model.name!r} "
                             "does not have: it was written by a different model.")


def _set_rng_state(model, state):
    import random

    np.random.set_state(_state_from_json(state["numpy"]))
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    all_layers = _layers_of(model)
    for i, attr, value in state["layers"]:
        value = _state_from_json(value)
        gen = vars(all_layers[i]).get(attr)
        if not isinstance(gen, np.random.Generator):
            # a fresh model's layer creates its generator on first use
            bit_generator = _BIT_GENERATORS[value["bit_generator"]]()
            gen = np.random.Generator(bit_generator)
            setattr(all_layers[i], attr, gen)
        gen.bit_generator.state = value
    for i, st in state.get("dropout", []):
        vars(all_layers[i])["_dropout_state"] = np.array(st, dtype=np.uint64)


class BackupAndRestore(Callback):
    """Backs up the training state so that an interrupted `fit` resumes exactly.

    At the end of every epoch (or every `save_freq` batches) the callback
    writes `backup_dir/training_state.h5`: the model's weights, the
    optimizer's variables and learning rate, the epoch (and batch) reached,
    and the state of every random generator `fit` draws from (NumPy's global
    one, Python's `random`, the layers' own). The file is replaced
    atomically, so a crash while writing leaves the previous backup intact.

    When `fit` starts and a backup exists, everything is restored and
    training continues after the last backed-up epoch (or batch): the final
    weights are then the same, bit for bit, as those of an uninterrupted run
    with the same data and seeds. After a `fit` that completes, the backup
    is deleted (unless `delete_checkpoint=False`). A `fit` stopped by an
    exception keeps it. Metric values, `History` and the state of other
    callbacks are not backed up (as in tf-keras).

    Args:
        backup_dir: the folder of the backup (created if needed). Use a
            different folder for each training job.
        save_freq: `'epoch'`, or an integer N: back up every N batches (a
            resumed run then skips the batches already trained in its epoch,
            in the same shuffled order).
        delete_checkpoint: delete the backup when training completes.
        save_before_preemption: accepted for tf-keras compatibility;
            ckeras receives no preemption notices, so it adds no backup.

    Raises:
        ValueError: an empty `backup_dir`, an invalid `save_freq`, neither
            `save_freq` nor `save_before_preemption`; at restore time, a
            backup that does not fit the model or its optimizer (nothing is
            changed then).

    Example:
        >>> backup = BackupAndRestore(backup_dir='/tmp/backup')
        >>> # model.fit(x, y, epochs=10, callbacks=[backup])
        >>> # interrupted at epoch 4? the same call resumes at epoch 5.
    """

    def __init__(self, backup_dir, save_freq="epoch", delete_checkpoint=True,
                 save_before_preemption=False):
        super().__init__()
        if not backup_dir:
            raise ValueError("Empty `backup_dir` argument passed")
        if save_freq != "epoch" and save_freq is not False and save_freq is not None and (
                isinstance(save_freq, bool) or not isinstance(save_freq, (int, np.integer))
                or save_freq < 1):
            raise ValueError("Invalid value for argument `save_freq`. Expected 'epoch', a "
                             f"positive integer or False; received save_freq={save_freq!r}")
        if not save_freq and not save_before_preemption:
            raise ValueError("Either `save_freq` or `save_before_preemption` must be set.")
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.delete_checkpoint = delete_checkpoint
        self.save_before_preemption = save_before_preemption
        self._batches_count = 0
        self._current_epoch = 0
        self._epoch_rng = None
        self._pending_rng = None

    @property
    def _path(self):
        return os.path.join(self.backup_dir, _BACKUP_FILE)

    # ---------------------------------------------------------------- hooks
    def on_train_begin(self, logs=None):
        self._batches_count = 0
        self._pending_rng = None
        optimizer = getattr(self.model, "optimizer", None)
        if not getattr(self.model, "built", True):
            if os.path.exists(self._path):
                raise ValueError(
                    f"BackupAndRestore found a backup in {self.backup_dir!r}, but model "
                    f"{self.model.name!r} is not built: build it (call it on a batch, or "
                    "give its input shape) before `fit()` so the backup can be restored.")
            _log.warning("To use the BackupAndRestore callback, your model must be built "
                         "before you call `fit()`. Model %s is unbuilt.", self.model.name)
            return
        if optimizer is not None:
            # slots must exist before their backed-up values can be restored
            optimizer.build(self.model.trainable_weights)
        if os.path.exists(self._path):
            self._restore()

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch
        if self._pending_rng is None:
            # the state the epoch's shuffle is drawn from (for mid-epoch backups)
            self._epoch_rng = _rng_state(self.model) if self.save_freq != "epoch" else None

    def on_train_batch_begin(self, batch, logs=None):
        if self._pending_rng is not None:
            # A mid-epoch resume: the epoch's shuffle was redrawn from the
            # epoch-start state; the remaining batches continue from the backup's.
            _set_rng_state(self.model, self._pending_rng)
            self._pending_rng = None

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq and self.save_freq != "epoch":
            self._batches_count += 1
            if self._batches_count >= self.save_freq:
                self._batches_count = 0
                self._backup(self._current_epoch, batch)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._backup(epoch, None)

    def on_train_end(self, logs=None):
        if not self.delete_checkpoint:
            return
        try:
            os.remove(self._path)
        except FileNotFoundError:
            pass
        try:
            os.rmdir(self.backup_dir)
        except OSError:
            pass  # not empty: other files are the user's

    # -------------------------------------------------------------- the file
    def _state_arrays(self):
        model_vars = list(self.model.weights)
        optimizer = getattr(self.model, "optimizer", None)
        opt_vars = list(optimizer.variables) if optimizer is not None else []
        return model_vars, opt_vars

    def _backup(self, epoch, batch):
        from ckeras.saving.hdf5_format import atomic_h5_write  # lazy: E8

        model_vars, opt_vars = self._state_arrays()
        optimizer = getattr(self.model, "optimizer", None)
        lr = getattr(optimizer, "learning_rate", None)
        meta = {"epoch": int(epoch), "batch": None if batch is None else int(batch),
                "steps": self.params.get("steps"),
                # a set rate (callbacks change it); schedules follow the iterations
                "learning_rate": float(lr) if isinstance(lr, LearningRateValue) else None,
                "model_weights": [v.name for v in model_vars],
                "optimizer_weights": [v.name for v in opt_vars],
                "rng": _rng_state(self.model), "epoch_rng": self._epoch_rng}

        def write(f):
            f.create_dataset("meta", data=json.dumps(meta))
            for group, variables in (("model", model_vars), ("optimizer", opt_vars)):
                g = f.create_group(group)
                for i, v in enumerate(variables):
                    g.create_dataset(str(i), data=np.asarray(v.value))

        os.makedirs(self.backup_dir, exist_ok=True)
        atomic_h5_write(self._path, write)

    def _read(self):
        from ckeras.saving.hdf5_access import h5py_module  # lazy: E8

        with h5py_module().File(self._path, "r") as f:
            meta = f["meta"][()]
            meta = json.loads(meta.decode("utf-8") if isinstance(meta, bytes) else meta)
            arrays = {group: [f[group][str(i)][()] for i in range(len(f[group]))]
                      for group in ("model", "optimizer")}
        return meta, arrays

    def _check(self, kind, variables, arrays):
        if len(variables) != len(arrays):
            raise ValueError(
                f"The backup {self._path!r} holds {len(arrays)} {kind} weights, but the "
                f"{kind} of model {self.model.name!r} has {len(variables)}: it was written "
                "by a different model. Use another `backup_dir` or delete the backup.")
        for v, a in zip(variables, arrays):
            if tuple(v.value.shape) != tuple(a.shape):
                raise ValueError(
                    f"The backup {self._path!r} holds {kind} weight {v.name!r} with shape "
                    f"{tuple(a.shape)}, but the model's has shape {tuple(v.value.shape)}: it "
                    "was written by a different model.")

    def _restore(self):
        meta, arrays = self._read()
        model_vars, opt_vars = self._state_arrays()
        self._check("model", model_vars, arrays["model"])
        self._check("optimizer", opt_vars, arrays["optimizer"])
        _check_rng_state(self.model, meta["rng"], self._path)
        for v, a in zip(model_vars, arrays["model"]):
            v.value[...] = a
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None:
            optimizer.set_weights(arrays["optimizer"])
            if meta["learning_rate"] is not None:
                optimizer.learning_rate = meta["learning_rate"]
        epoch, batch, steps = meta["epoch"], meta["batch"], meta["steps"]
        if batch is None or (steps is not None and batch + 1 >= steps):
            _set_rng_state(self.model, meta["rng"])
            self.model._resume_point = (epoch + 1, 0)
        else:
            _set_rng_state(self.model, meta["epoch_rng"])
            self._epoch_rng = meta["epoch_rng"]
            self._pending_rng = meta["rng"]
            self.model._resume_point = (epoch, batch + 1)


# -- TensorBoard -----------------------------------------------------------------------

_TB_MISSING = ("The TensorBoard callback writes its event files with the `tensorboard` package, "
               "which is not installed: `pip install tensorboard` (or `pip install "
               "ckeras[tensorboard]`).")
_profile_note_shown = False


def _tensorboard():
    """The parts of the `tensorboard` package the callback writes with."""
    try:
        from tensorboard.compat.proto import event_pb2, summary_pb2  # lazy: heavy
        from tensorboard.plugins.histogram import summary_v2 as histogram  # lazy: heavy
        from tensorboard.plugins.image import metadata as image_metadata  # lazy: heavy
        from tensorboard.plugins.scalar import summary_v2 as scalar  # lazy: heavy
        from tensorboard.summary.writer import event_file_writer  # lazy: heavy
        from tensorboard.util import tensor_util  # lazy: heavy
    except ImportError as e:
        raise ImportError(_TB_MISSING) from e
    return types.SimpleNamespace(
        event_pb2=event_pb2, summary_pb2=summary_pb2, histogram=histogram,
        image_metadata=image_metadata, scalar=scalar, event_file_writer=event_file_writer,
        tensor_util=tensor_util)


def _profile_range(profile_batch):
    """`(start, stop)` batches of `profile_batch` as Keras validates it."""
    message = ("profile_batch must be a non-negative integer or 2-tuple of positive integers. "
               "A pair of positive integers signifies a range of batches to profile. "
               f"Found: {profile_batch}")
    value = profile_batch
    if isinstance(value, str):
        try:
            value = [int(v) for v in value.split(",")]
        except ValueError:
            raise ValueError(message) from None
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        start = stop = int(value)
    elif isinstance(value, (tuple, list)) and len(value) == 2:
        start, stop = value
    else:
        raise ValueError(message)
    if start < 0 or stop < start:
        raise ValueError(message)
    return start, stop


def _is_embedding(layer):
    return any(c.__name__ == "Embedding" for c in type(layer).__mro__)


class TensorBoard(Callback):
    """Writes TensorBoard event files: loss and metric curves, weight
    histograms (and images), and the model's graph.

    The files go to `log_dir/train` and `log_dir/validation`, with tf-keras'
    tags: `epoch_<name>` every epoch (training values under `train/`, the
    `val_` ones under `validation/`), `batch_<name>` every `update_freq`
    training batches, `evaluation_<name>_vs_iterations` after each evaluation
    (step: the optimizer's iterations), `<weight name>/histogram` every
    `histogram_freq` epochs, and the model's config as the `keras` summary
    the graph dashboard draws. Run `tensorboard --logdir log_dir` to see them.

    The `tensorboard` package writes the files (`pip install
    ckeras[tensorboard]`); it is imported when the callback is created.

    Args:
        log_dir: the folder of the event files.
        histogram_freq: write weight histograms every this many epochs (0:
            never).
        write_graph: write the model's graph (Sequential and functional
            models).
        write_images: with `histogram_freq`, also write each weight as an
            image (needs Pillow).
        write_steps_per_second: also log training steps per second.
        update_freq: `'epoch'`, `'batch'` (every batch) or an int N (every N
            training batches) for the `batch_*` scalars.
        profile_batch: accepted and validated as in Keras, then ignored:
            ckeras has no TensorFlow profiler.
        embeddings_freq: every this many epochs, write each `Embedding`
            layer's matrix as a TSV file for TensorBoard's projector.
        embeddings_metadata: a metadata file name for all Embedding layers,
            or a dict from layer name to file name.
        **kwargs: Keras 1's `write_grads`, `batch_size`,
            `embeddings_layer_names`, `embeddings_data` are ignored with a
            warning.

    Example:
        >>> tb = TensorBoard(log_dir="./logs", histogram_freq=1)
        >>> # model.fit(x, y, epochs=5, callbacks=[tb])
    """

    _IGNORED = {"write_grads": "`write_grads` will be ignored in TensorFlow 2.0 for the "
                               "`TensorBoard` Callback.",
                "batch_size": "`batch_size` is no longer needed in the `TensorBoard` Callback "
                              "and will be ignored in TensorFlow 2.0.",
                "embeddings_layer_names": "`embeddings_layer_names` is not supported in "
                                          "TensorFlow 2.0. Instead, all `Embedding` layers "
                                          "will be visualized.",
                "embeddings_data": "`embeddings_data` is not supported in TensorFlow 2.0. "
                                   "Instead, all `Embedding` variables will be visualized."}

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0,
                 embeddings_freq=0, embeddings_metadata=None, **kwargs):
        super().__init__()
        unknown = set(kwargs) - set(self._IGNORED)
        if unknown:
            raise ValueError(f"Unrecognized arguments in `TensorBoard` Callback: {unknown}. "
                             f"Supported kwargs are: {set(self._IGNORED)}")
        for name, message in self._IGNORED.items():
            if kwargs.get(name):
                _log.warning(message)
        if update_freq == "batch":
            update_freq = 1
        if update_freq != "epoch" and (not isinstance(update_freq, (int, np.integer))
                                       or isinstance(update_freq, bool) or update_freq < 1):
            raise ValueError("TensorBoard: update_freq must be 'epoch', 'batch' or a positive "
                             f"integer. Received: update_freq={update_freq!r}")
        self._tb = _tensorboard()
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = histogram_freq
        self.write_graph = write_graph
        self.write_images = write_images
        self.write_steps_per_second = write_steps_per_second
        self.update_freq = update_freq
        self.embeddings_freq = embeddings_freq
        self.embeddings_metadata = embeddings_metadata
        start, _ = _profile_range(profile_batch)
        global _profile_note_shown
        if start > 0 and not _profile_note_shown:
            _profile_note_shown = True
            _warn("TensorBoard: profile_batch is ignored: ckeras has no TensorFlow profiler "
                  "to trace batches with.")
        self._writers = {}
        self._train_step = 0
        self._batch_start = self._epoch_start = 0.0
        self._epoch_start_iterations = 0

    # ---------------------------------------------------------------- writing
    def _writer(self, run):
        if run not in self._writers:
            folder = os.path.join(self.log_dir, run)
            self._writers[run] = self._tb.event_file_writer.EventFileWriter(folder)
        return self._writers[run]

    def _write(self, run, summary, step):
        event = self._tb.event_pb2.Event(wall_time=time.time(), step=int(step),
                                         summary=summary)
        self._writer(run).add_event(event)

    def _scalar(self, run, tag, value, step):
        value = _to_python(value)
        if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
            self._write(run, self._tb.scalar.scalar_pb(tag, float(value)), step)

    def _close_writers(self):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    def _write_model_config(self):
        """The model's JSON config as the `keras` summary: TensorBoard's graph
        dashboard draws it as the model's conceptual graph."""
        if not (getattr(self.model, "_is_graph_network", False)
                or type(self.model).__name__ == "Sequential"):
            return
        try:
            config = self.model.to_json()
        except Exception as e:  # noqa: BLE001 - a model that cannot serialize still trains
            _log.warning("Model failed to serialize as JSON. Ignoring... %s", e)
            return
        tb = self._tb
        metadata = tb.summary_pb2.SummaryMetadata()
        metadata.plugin_data.plugin_name = "graph_keras_model"
        metadata.plugin_data.content = b"1"
        summary = tb.summary_pb2.Summary()
        summary.value.add(tag="keras", metadata=metadata,
                          tensor=tb.tensor_util.make_tensor_proto(
                              np.array(config.encode("utf-8"), dtype=object)))
        self._write("train", summary, 0)
        self._writer("train").flush()

    # ---------------------------------------------------------------- hooks
    def set_model(self, model):
        """Stores the model, starts new event files and writes its graph."""
        self.model = model
        self._close_writers()
        if self.write_graph:
            self._write_model_config()
        if self.embeddings_freq:
            self._check_embeddings_metadata()

    def on_train_begin(self, logs=None):
        self._train_step = 0

    def on_train_end(self, logs=None):
        self._close_writers()

    def on_train_batch_begin(self, batch, logs=None):
        if self.write_steps_per_second:
            self._batch_start = time.time()

    def on_train_batch_end(self, batch, logs=None):
        self._train_step += 1
        if self.update_freq == "epoch" or self._train_step % self.update_freq:
            return
        if self.write_steps_per_second:
            elapsed = max(time.time() - self._batch_start, 1e-9)
            self._scalar("train", "batch_steps_per_second", 1.0 / elapsed, self._train_step)
        for name, value in (logs or {}).items():
            self._scalar("train", "batch_" + name, value, self._train_step)

    def on_epoch_begin(self, epoch, logs=None):
        if self.write_steps_per_second:
            self._epoch_start = time.time()
            self._epoch_start_iterations = self._iterations()

    def _iterations(self):
        optimizer = getattr(self.model, "optimizer", None)
        iterations = getattr(optimizer, "iterations", None)
        return None if iterations is None else int(np.asarray(iterations))

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        if train or val:
            self._add_learning_rate(train)
            if self.write_steps_per_second:
                steps = (self._iterations() or 0) - (self._epoch_start_iterations or 0)
                train["steps_per_second"] = steps / max(time.time() - self._epoch_start, 1e-9)
        for run, values in (("train", train), ("validation", val)):
            for name, value in values.items():
                self._scalar(run, "epoch_" + name, value, epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)
        if self.embeddings_freq and epoch % self.embeddings_freq == 0:
            self._log_embeddings(epoch)
        for writer in self._writers.values():
            writer.flush()

    def on_test_end(self, logs=None):
        iterations = self._iterations()
        if iterations is None:
            return
        for name, value in (logs or {}).items():
            self._scalar("validation", f"evaluation_{name}_vs_iterations", value, iterations)
        self._writer("validation").flush()

    def _add_learning_rate(self, logs):
        optimizer = getattr(self.model, "optimizer", None)
        schedule = getattr(optimizer, "_learning_rate", None)
        if isinstance(schedule, LearningRateSchedule):
            logs["learning_rate"] = float(schedule(self._iterations()))

    # ---------------------------------------------------------------- weights
    def _log_weights(self, epoch):
        for layer in self.model.layers:
            for weight in layer.weights:
                name = weight.name.replace(":", "_")
                value = np.asarray(weight.numpy() if hasattr(weight, "numpy") else weight)
                self._write("train", self._tb.histogram.histogram_pb(name + "/histogram", value),
                            epoch)
                if self.write_images:
                    self._log_weight_as_image(value, name + "/image", epoch)

    def _log_weight_as_image(self, value, tag, epoch):
        """A weight as a grey image, shaped as tf-keras does: a bias as one
        row, a kernel with its longer side across, conv kernels one image
        per input channel."""
        img = np.squeeze(value)
        if img.ndim == 1:
            img = img.reshape(1, img.shape[0], 1, 1)
        elif img.ndim == 2:
            if img.shape[0] > img.shape[1]:
                img = img.T
            img = img.reshape(1, img.shape[0], img.shape[1], 1)
        elif img.ndim == 3:
            if K.image_data_format() == "channels_last":
                img = np.transpose(img, (2, 0, 1))
            img = img.reshape(img.shape + (1,))
        if img.ndim != 4 or img.shape[-1] not in (1, 3, 4):
            return
        try:
            from PIL import Image  # lazy: heavy
        except ImportError:
            _log.warning("TensorBoard: write_images needs Pillow to encode PNG images; "
                         "skipping %s.", tag)
            return
        # As tf.summary.image converts floats: [0, 1] scaled to 0..255, clipped.
        pixels = np.floor(np.clip(img, 0.0, 1.0) * 255.5).astype(np.uint8)
        encoded = []
        for picture in pixels[:3]:
            buffer = io.BytesIO()
            mode = {1: "L", 3: "RGB", 4: "RGBA"}[picture.shape[-1]]
            data = picture[..., 0] if mode == "L" else picture
            Image.fromarray(data, mode).save(buffer, format="PNG")
            encoded.append(buffer.getvalue())
        tb = self._tb
        content = [str(img.shape[2]).encode(), str(img.shape[1]).encode()] + encoded
        summary = tb.summary_pb2.Summary()
        summary.value.add(tag=tag, metadata=tb.image_metadata.create_summary_metadata(
                              display_name=None, description=None),
                          tensor=tb.tensor_util.make_tensor_proto(
                              np.array(content, dtype=object)))
        self._write("train", summary, epoch)

    # ---------------------------------------------------------------- embeddings
    def _check_embeddings_metadata(self):
        if not isinstance(self.embeddings_metadata, dict):
            return
        names = {layer.name for layer in self.model.layers if _is_embedding(layer)}
        unknown = set(self.embeddings_metadata) - names
        if unknown:
            raise ValueError("Unrecognized `Embedding` layer names passed to "
                             "`keras.callbacks.TensorBoard` `embeddings_metadata` argument: "
                             f"{unknown}")

    def _log_embeddings(self, epoch):
        """Each Embedding matrix as `<layer>_embeddings.tsv` in `log_dir`, and
        the projector config naming them (TensorBoard's projector reads TSV
        tensors through `tensor_path`; tf-keras writes a TF checkpoint)."""
        lines = []
        for layer in self.model.layers:
            if not _is_embedding(layer):
                continue
            filename = f"{layer.name}_embeddings.tsv"
            np.savetxt(os.path.join(self.log_dir, filename),
                       np.asarray(layer.embeddings.numpy()), delimiter="\t", fmt="%.8g")
            lines += ["embeddings {", f'  tensor_name: "{layer.name}/embeddings"',
                      f'  tensor_path: "{filename}"']
            metadata = self.embeddings_metadata
            if isinstance(metadata, dict):
                metadata = metadata.get(layer.name)
            if metadata:
                lines.append(f'  metadata_path: "{metadata}"')
            lines.append("}")
        os.makedirs(self.log_dir, exist_ok=True)
        with open(os.path.join(self.log_dir, "projector_config.pbtxt"), "w",
                  encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
