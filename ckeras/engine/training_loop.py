"""compile / fit / evaluate / train_on_batch / test_on_batch for Model."""
from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from ckeras._internal import distribution
from ckeras._internal.nest import flatten
from ckeras.autograd.function import enable_grad, no_grad
from ckeras.autograd.tape import grad
from ckeras.autograd.tensor import Tensor
from ckeras.engine import compile_utils, data_adapter, dense_replay, structure
from ckeras.engine.base_layer import layers_may_hold_metrics
from ckeras.engine.call import context as call_context
from ckeras.engine.call import signature as call_signature
from ckeras.kernels import buffers

if TYPE_CHECKING:
    from ckeras._internal.types import ModelData
    from ckeras.callbacks import Callback, History


class TrainingMixin:
    """Keras' training API; mixed into Model."""

    # ------------------------------------------------------------- compile
    def compile(self, optimizer: Any = "rmsprop", loss: Any = None, metrics: Any = None,
                loss_weights: Any = None, sample_weight_mode: Any = None,
                weighted_metrics: Any = None, target_tensors: Any = None,
                run_eagerly: bool | None = None, steps_per_execution: int | None = None,
                **kwargs: Any) -> None:
        """Configures the model for training.

        Args:
            optimizer: name (e.g. 'adam') or optimizer instance.
            loss: name, function `f(y_true, y_pred)` or Loss instance; a list
                (one per output) or a dict keyed by output name.
            metrics: list of metrics (names, functions, Metric objects), a
                list of lists, or a dict keyed by output name.
            loss_weights: list or dict of scalar weights of the output losses.
            weighted_metrics: metrics that receive the sample weights.

        Raises:
            ValueError: unknown names, wrong list lengths or dict keys.
        """
        from ckeras import optimizers  # lazy: startup
        if kwargs:
            raise TypeError(f"Invalid keyword argument(s) in `compile()`: {sorted(kwargs)}")
        if target_tensors is not None:
            raise ValueError("`target_tensors` is not supported; pass targets to fit().")
        # Functional models know their outputs now; subclassed models name
        # theirs from the first batch of predictions (tf-keras).
        names = getattr(self, "output_names", None) or (
            [self.layers[-1].name] if self.layers and not self._subclassed else None)
        self.optimizer = optimizers.get(optimizer)
        self.compiled_loss = compile_utils.LossesContainer(loss, loss_weights, names)
        self.compiled_metrics = compile_utils.MetricsContainer(
            metrics, weighted_metrics, names, self.compiled_loss)
        self.loss = loss
        self.loss_weights = loss_weights
        self.sample_weight_mode = sample_weight_mode
        # Like Keras, the trainable set is captured here: later `trainable`
        # changes take effect at the next compile (the GAN pattern: a
        # discriminator frozen in the combined model still trains on its own).
        self._train_vars = None
        if self.built and not self._subclassed:
            self._capture_trainable()
        self.stop_training = False
        self._is_compiled = True
        self._distribute_strategy = distribution.current_strategy()

    def _capture_trainable(self):
        self._train_vars = self.trainable_weights
        train_ids = {id(v) for v in self._train_vars}
        # Variables this model must not train although they take gradients
        # elsewhere: switched off while its training step records.
        self._frozen_vars = [v for v in self.weights
                             if v.requires_grad and id(v) not in train_ids]

    def _assert_compiled(self, what):
        if not getattr(self, "_is_compiled", False):
            raise RuntimeError(f"You must compile your model before {what}. "
                               "Use `model.compile(optimizer, loss)`.")

    @property
    def metrics(self):
        """The Metric objects whose results `fit`/`evaluate` log: the loss
        trackers, the compiled metrics (once they have seen a batch), then
        the metrics added with `add_metric`. `reset_metrics` resets these,
        so a `train_step` override can track its own by overriding this
        property."""
        out = []
        if getattr(self, "_is_compiled", False):
            out += self.compiled_loss.metrics + self.compiled_metrics.metrics
        if layers_may_hold_metrics():
            out += [m for layer in self._all_layers() for m in layer._metrics]
        return out

    @property
    def metrics_names(self):
        """The log names of `model.metrics` (the order of the values that
        `evaluate` and `train_on_batch` return)."""
        return [m.name for m in self.metrics]

    def reset_metrics(self):
        """Resets the state of every metric in `model.metrics`."""
        for m in self.metrics:
            m.reset_state()

    # ------------------------------------------------------------- steps
    def _custom(self, step):
        """Whether a subclass overrides `train_step`/`test_step`/`predict_step`."""
        return getattr(type(self), step) is not getattr(TrainingMixin, step)

    def _structured(self, step):
        """Whether batches go to `step` as the user's structures (a
        subclassed model or an overridden step) rather than as the lists of
        arrays of the functional fast path."""
        return self._subclassed or self._custom(step)

    def train_step(self, data):
        """One training step: forward, loss, gradients, update, metrics.

        Override it to customize what `fit` does; `fit` calls it once per
        batch with `data` as `x`, `(x, y)` or `(x, y, sample_weight)`.

        Args:
            data: the batch (see `ckeras.utils.unpack_x_y_sample_weight`).

        Returns:
            A dict of logs: `{m.name: m.result() for m in self.metrics}`.

        Example:
            >>> class MyModel(Model):
            ...     def train_step(self, data):
            ...         x, y = data
            ...         with GradientTape() as tape:
            ...             y_pred = self(x, training=True)
            ...             loss = self.compiled_loss(y, y_pred,
            ...                                       regularization_losses=self.losses)
            ...         grads = tape.gradient(loss, self.trainable_variables)
            ...         self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
            ...         self.compiled_metrics.update_state(y, y_pred)
            ...         return {m.name: m.result() for m in self.metrics}
        """
        x, y, sample_weight = data_adapter.unpack_x_y_sample_weight(data)
        with enable_grad(), self._freezing():
            y_pred = self(x, training=True)
            if self._train_vars is None:
                self._capture_trainable()
            total = self.compiled_loss(y, y_pred, sample_weight,
                                       regularization_losses=self.losses)
        self._apply_gradients(total)
        self.compiled_metrics.update_state(y, y_pred, sample_weight)
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        """One evaluation step (override it to customize `evaluate`).

        Args:
            data: the batch, as in `train_step`.

        Returns:
            A dict of logs.
        """
        x, y, sample_weight = data_adapter.unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        self.compiled_loss(y, y_pred, sample_weight, regularization_losses=self.losses)
        self.compiled_metrics.update_state(y, y_pred, sample_weight)
        return {m.name: m.result() for m in self.metrics}

    def predict_step(self, data):
        """The predictions for one batch (override it to customize `predict`).

        Args:
            data: the batch: `x`, or a tuple whose first entry is `x`.
        """
        x, _, _ = data_adapter.unpack_x_y_sample_weight(data)
        return self(x, training=False)

    def _freezing(self):
        return _Freeze(getattr(self, "_frozen_vars", None)
                       if self._train_vars is not None else None)

    def _apply_gradients(self, total):
        if isinstance(total, Tensor) and total.requires_grad:
            grads = grad(total, self._train_vars)
        else:
            grads = [None] * len(self._train_vars)
        self.optimizer.apply_gradients(zip(grads, self._train_vars))

    def _forward(self, x, training):
        inputs = x if len(x) > 1 else x[0]
        with call_context(training):
            out = self.call(inputs, training=training)
            # As Layer.__call__ does: the output masks ride on the outputs as
            # `_keras_mask`, so that masked steps count in no loss or metric.
            masks = (self.compute_mask(inputs, None)
                     if call_signature(type(self)).computes_mask else None)
        return structure.attach_masks(structure.flatten_outputs(out), masks)

    def _train_step(self, x, y, sw):
        """The functional fast path of the default `train_step` (lists of
        arrays, one per input and output)."""
        if self._train_vars is None:
            self._capture_trainable()
        if len(x) == 1:
            y_pred = self._replay_step(x[0], y, sw)
            if y_pred is not None:
                self.compiled_metrics.update_state(y, y_pred, sw)
                return
        with enable_grad(), self._freezing():
            y_pred = self._forward(x, training=True)
            total = self.compiled_loss(y, y_pred, sw, self.losses)
        self._apply_gradients(total)
        self.compiled_metrics.update_state(y, y_pred, sw)

    def _replay_step(self, x, y, sw):
        """The step of a plain Dense chain on the kernels (engine.dense_replay):
        the model outputs, or None when this model or batch takes the taped
        step. The plan is rebuilt when the graph, the trainable set (compile),
        the loss or the optimizer change."""
        replay = self.__dict__.get("_dense_replay")
        if replay is None or not replay.matches(self):
            replay = dense_replay.plan_for(self)
            self.__dict__["_dense_replay"] = replay
        return replay.run(self, x, y, sw)

    def _test_step(self, x, y, sw):
        with no_grad():
            # a plain Dense chain runs its kernels straight (engine.dense_replay)
            y_pred = dense_replay.infer(self, x)
            if y_pred is None:
                y_pred = self._forward(x, training=False)
            self.compiled_loss(y, y_pred, sw, self.losses)
        self.compiled_metrics.update_state(y, y_pred, sw)

    def _run_step(self, step, bx, by, bsw, logs=True):
        """One batch through `train_step`/`test_step`; returns the logs (None
        when `logs` is False and the step is the built-in one: the loop reads
        `_logs()` when it needs them, since the metrics hold them). Its
        arrays come from the buffer cache (ckeras.kernels.buffers): the
        next step finds them again instead of faulting fresh pages in."""
        with buffers.cached():
            if self._structured(step):
                data = data_adapter.pack_x_y_sample_weight(
                    structure.densify_all(bx[0]), None if by is None else by[0],
                    None if bsw is None else bsw[0])
                return _python_logs(getattr(self, step)(data))
            bx = structure.densify_all(bx)
            by, bsw = self._prepare_targets(by, bsw, len(self.output_names))
            (self._train_step if step == "train_step" else self._test_step)(bx, by, bsw)
            return self._logs() if logs else None

    def _logs(self):
        return {m.name: float(m.result()) for m in self.metrics}

    # -------------------------------------------------------------- data
    def _targets(self, y, sample_weight, class_weight=None):
        """Targets and sample weights as lists of arrays, one per output,
        checked against the output shapes before anything runs."""
        names = self.output_names
        y_arrays = structure.flatten_targets(y, names, "y")
        if y_arrays is not None:
            if len(y_arrays) != len(names):
                raise ValueError(
                    f"The model has {len(names)} output(s) but received {len(y_arrays)} "
                    "target array(s).")
            outputs = getattr(self, "outputs", None)
            if outputs:
                self.compiled_loss.check_targets(y_arrays, [t.shape for t in outputs])
        sw = None
        if sample_weight is not None:
            sw = structure.flatten_targets(sample_weight, names, "sample_weight")
            if len(sw) == 1 and len(names) > 1:
                sw = sw * len(names)
        if class_weight is not None:
            sw = self._class_weights(class_weight, y_arrays, sw)
        return y_arrays, sw

    def _batch_arrays(self, x, y, sample_weight):
        """One generator batch through the same rules as array data."""
        return (structure.flatten_inputs(self, x),) + self._targets(y, sample_weight)

    def _batch_structures(self, x, y, sample_weight):
        """One generator batch for a structured step: the user's structures,
        each as the single entry of its list."""
        return structure.as_structures(x, y, sample_weight)

    @staticmethod
    def _class_weights(class_weight, y_arrays, sw):
        if isinstance(class_weight, dict) and len(y_arrays) > 1:
            raise ValueError("`class_weight` is only supported for single-output models.")
        y = y_arrays[0]
        labels = y.argmax(-1) if y.ndim > 1 and y.shape[-1] > 1 else y.reshape(len(y), -1)[:, 0]
        labels = labels.astype(np.int64)
        missing = set(np.unique(labels).tolist()) - set(class_weight)
        if missing:
            raise ValueError(f"`class_weight` has no entry for classes {sorted(missing)}.")
        weights = np.array([class_weight[int(c)] for c in labels], dtype="float32")
        if sw is not None and sw[0] is not None:
            weights = weights * sw[0]
        return [weights]

    def _batches(self, x, y, sample_weight, class_weight, batch_size, shuffle, steps,
                 step="train_step", feed=(1, False, 10)):
        """The batches of `x` (arrays or a generator/Sequence); `feed` is
        `(workers, use_multiprocessing, max_queue_size)` for generators."""
        structured = self._structured(step)
        if data_adapter.is_generator_like(x):
            if y is not None or sample_weight is not None:
                raise ValueError("`y` and `sample_weight` must be None when `x` is a "
                                 "generator or a Sequence (it yields them).")
            return data_adapter.GeneratorBatches(
                x, steps, self._batch_structures if structured else self._batch_arrays,
                *feed)
        if structured:
            if class_weight is not None:
                y, sample_weight = self._structured_class_weights(y, sample_weight,
                                                                  class_weight)
            x_arrays, y_arrays, sw = structure.as_structures(x, y, sample_weight)
        else:
            x_arrays = structure.flatten_inputs(self, x)
            y_arrays, sw = self._targets(y, sample_weight, class_weight)
        return data_adapter.ArrayBatches(x_arrays, y_arrays, sw, batch_size, shuffle, steps)

    def _structured_class_weights(self, y, sample_weight, class_weight):
        if y is None or isinstance(y, (dict, list, tuple)):
            raise ValueError("`class_weight` is only supported for single-output models.")
        y = structure.as_array(y)
        sw = None if sample_weight is None else [structure.as_array(sample_weight)]
        return y, self._class_weights(class_weight, [y], sw)[0]

    def _prepare_targets(self, y, sw, n_out):
        # No targets at all is fine for a model whose loss comes from
        # add_loss; compiled_loss names the missing targets otherwise.
        if y is not None:
            y = [None if t is None else np.asarray(t) for t in y]
        if sw is None:
            sw = [None] * n_out
        return y, sw

    # ---------------------------------------------------------------- fit
    def fit(self, x: ModelData = None, y: ModelData = None, batch_size: int | None = None,
            epochs: int = 1, verbose: int | str = 1,
            callbacks: list[Callback] | None = None, validation_split: float = 0.0,
            validation_data: Any = None, shuffle: bool | str = True,
            class_weight: dict[int, float] | None = None, sample_weight: Any = None,
            initial_epoch: int = 0, steps_per_epoch: int | None = None,
            validation_steps: int | None = None,
            validation_batch_size: int | None = None, validation_freq: int | Any = 1,
            max_queue_size: int = 10, workers: int = 1,
            use_multiprocessing: bool = False) -> History:
        """Trains the model for a fixed number of epochs.

        Args:
            x, y: arrays (lists/dicts for several inputs/outputs), or a
                generator / `ckeras.utils.Sequence` yielding `(x, y)` or
                `(x, y, sample_weight)` (then `y` is None).
            batch_size: samples per gradient update (default 32).
            epochs: index of the last epoch.
            verbose: 0 silent, 1 progress bar, 2 one line per epoch.
            callbacks: list of `ckeras.callbacks.Callback`.
            validation_split: fraction of the data (taken from the END, before
                shuffling) held out for validation.
            validation_data: `(x_val, y_val)` or `(x_val, y_val, sw)` or a
                generator/Sequence.
            shuffle: shuffle the training samples before each epoch.
            class_weight: dict mapping class indices to loss weights.
            sample_weight: per-sample loss weights.
            initial_epoch: epoch at which to start (to resume training).
            steps_per_epoch: batches per epoch (required for generators).
            validation_steps: batches per validation run.
            validation_freq: validate every N epochs, or at the listed epochs.

        Returns:
            A `History` object whose `history` dict holds the logged values.
        """
        self._assert_compiled("training")
        if getattr(self, "_distribute_strategy", None) is not None or \
                distribution.holds_dask(x, y, sample_weight):
            from ckeras.distribute import dispatch  # lazy: E9
            return dispatch.fit(
                self, x=x, y=y, batch_size=batch_size, epochs=epochs, verbose=verbose,
                callbacks=callbacks, validation_split=validation_split,
                validation_data=validation_data, shuffle=shuffle, class_weight=class_weight,
                sample_weight=sample_weight, initial_epoch=initial_epoch,
                steps_per_epoch=steps_per_epoch, validation_steps=validation_steps,
                validation_batch_size=validation_batch_size, validation_freq=validation_freq)
        batch_size = data_adapter.check_batch_size(batch_size)
        if not 0.0 <= float(validation_split) < 1.0:
            raise ValueError(f"`validation_split` must be in [0, 1), received "
                             f"{validation_split!r}.")
        if validation_split and validation_data is None:
            if data_adapter.is_generator_like(x):
                raise ValueError("`validation_split` is only supported for arrays; use "
                                 "`validation_data` with a generator.")
            x, y, sample_weight, validation_data = self._split(
                x, y, sample_weight, validation_split)
        feed = data_adapter.feed_options(workers, use_multiprocessing, max_queue_size)
        train = self._batches(x, y, sample_weight, class_weight, batch_size, shuffle,
                              steps_per_epoch, "train_step", feed)
        val = None
        try:
            if validation_data is not None:
                val = self._validation_batches(validation_data,
                                               validation_batch_size or batch_size,
                                               validation_steps, feed)
            return self._fit_loop(train, val, callbacks, verbose, epochs, initial_epoch,
                                  validation_freq)
        finally:
            train.close()
            if val is not None:
                val.close()

    def _fit_loop(self, train, val, callbacks, verbose, epochs, initial_epoch,
                  validation_freq):
        from ckeras import callbacks as callbacks_module  # lazy: startup
        cbs = callbacks_module.CallbackList(
            callbacks, add_history=True, add_progbar=verbose != 0, model=self,
            verbose=verbose, epochs=epochs, steps=len(train))
        self.stop_training = False
        cbs.on_train_begin()
        # BackupAndRestore restored an interrupted run: continue where its backup ends.
        skip = 0
        resume = self.__dict__.pop("_resume_point", None)
        if resume is not None:
            initial_epoch, skip = resume
        epoch_logs = {}
        hooks = cbs.needs_batch_hooks("train")
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            cbs.on_epoch_begin(epoch)
            logs = {}
            for step, (bx, by, bsw) in enumerate(train.epoch()):
                if skip:
                    skip -= 1
                    continue
                if hooks:
                    cbs.on_train_batch_begin(step)
                    logs = self._run_step("train_step", bx, by, bsw)
                    cbs.on_train_batch_end(step, logs)
                else:
                    logs = self._run_step("train_step", bx, by, bsw, logs=False)
                if self.stop_training:
                    break
            epoch_logs = dict(self._logs() if logs is None else logs)
            if val is not None and self._should_validate(epoch, validation_freq):
                val_logs = self._run_evaluation(val, cbs)
                epoch_logs.update({"val_" + k: v for k, v in val_logs.items()})
            cbs.on_epoch_end(epoch, epoch_logs)
            if self.stop_training:
                break
        cbs.on_train_end(epoch_logs)
        return cbs.history

    @staticmethod
    def _should_validate(epoch, freq):
        if isinstance(freq, int):
            return (epoch + 1) % freq == 0
        return epoch + 1 in freq

    def _split(self, x, y, sample_weight, validation_split):
        if self._structured("train_step"):
            return structure.split_structures(x, y, sample_weight, validation_split)
        x_arrays = structure.flatten_inputs(self, x)
        n = structure.check_cardinality({"x": x_arrays})
        split = int(n * (1.0 - validation_split))
        if split == 0 or split == n:
            raise ValueError(f"validation_split={validation_split} leaves no samples for "
                             f"training or validation ({n} samples).")

        def cut(data, lo, hi):
            if data is None:
                return None
            if structure.is_sparse(data):
                return data.tocsr()[lo:hi]
            if isinstance(data, dict):
                return {k: None if v is None else np.asarray(v)[lo:hi]
                        for k, v in data.items()}
            if isinstance(data, (list, tuple)) and not isinstance(data, np.ndarray) and \
                    len(data) and isinstance(data[0], (np.ndarray, Tensor, list)):
                return [np.asarray(getattr(v, "value", v))[lo:hi] for v in data]
            return np.asarray(getattr(data, "value", data))[lo:hi]

        xs = x_arrays if len(x_arrays) > 1 else x_arrays[0]
        val = (cut(xs, split, None), cut(y, split, None), cut(sample_weight, split, None))
        return (cut(xs, 0, split), cut(y, 0, split), cut(sample_weight, 0, split), val)

    def _validation_batches(self, validation_data, batch_size, steps, feed=(1, False, 10)):
        if data_adapter.is_generator_like(validation_data):
            return data_adapter.GeneratorBatches(
                validation_data, steps, self._batch_structures
                if self._structured("test_step") else self._batch_arrays, *feed)
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
            raise ValueError("`validation_data` must be a tuple (x_val, y_val) or "
                             "(x_val, y_val, val_sample_weight), or a generator; received "
                             f"{type(validation_data).__name__}.")
        vx, vy = validation_data[0], validation_data[1]
        vsw = validation_data[2] if len(validation_data) == 3 else None
        return self._batches(vx, vy, vsw, None, batch_size, False, steps, "test_step")

    def _run_evaluation(self, batches, cbs=None):
        self.reset_metrics()
        if cbs is not None:
            cbs.on_test_begin()
        logs = {}
        hooks = cbs is not None and cbs.needs_batch_hooks("test")
        for step, (bx, by, bsw) in enumerate(batches.epoch()):
            if hooks:
                cbs.on_test_batch_begin(step)
                logs = self._run_step("test_step", bx, by, bsw)
                cbs.on_test_batch_end(step, logs)
            else:
                logs = self._run_step("test_step", bx, by, bsw, logs=False)
        if logs is None:
            logs = self._logs()
        if cbs is not None:
            cbs.on_test_end(logs)
        return logs

    # ----------------------------------------------------------- evaluate
    def evaluate(self, x: ModelData = None, y: ModelData = None,
                 batch_size: int | None = None, verbose: int | str = 1,
                 sample_weight: Any = None, steps: int | None = None,
                 callbacks: list[Callback] | None = None, max_queue_size: int = 10,
                 workers: int = 1, use_multiprocessing: bool = False,
                 return_dict: bool = False) -> Any:
        """Returns the loss and metric values of the model in test mode.

        Returns:
            The scalar loss if there is nothing else to report, else a list
            `[loss, ...]` in the order of `model.metrics_names`, or a dict
            with `return_dict=True`.
        """
        from ckeras import callbacks as callbacks_module  # lazy: startup
        self._assert_compiled("evaluating")
        if distribution.holds_dask(x, y, sample_weight):
            from ckeras.distribute import dispatch  # lazy: E9
            return dispatch.evaluate(self, x=x, y=y, batch_size=batch_size, verbose=verbose,
                                     sample_weight=sample_weight, steps=steps,
                                     callbacks=callbacks, return_dict=return_dict)
        batch_size = data_adapter.check_batch_size(batch_size)
        batches = self._batches(x, y, sample_weight, None, batch_size, False, steps,
                                "test_step", data_adapter.feed_options(workers, use_multiprocessing,
                                                   max_queue_size))
        try:
            cbs = callbacks_module.CallbackList(callbacks, add_progbar=verbose != 0,
                                                model=self, verbose=verbose, epochs=1,
                                                steps=len(batches))
            logs = self._run_evaluation(batches, cbs)
        finally:
            batches.close()
        return self._format_results(logs, return_dict)

    def _format_results(self, logs, return_dict):
        if return_dict:
            return dict(logs)
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    # ------------------------------------------------- Keras 2 generators
    def fit_generator(self, generator, steps_per_epoch=None, epochs=1, verbose=1,
                      callbacks=None, validation_data=None, validation_steps=None,
                      validation_freq=1, class_weight=None, max_queue_size=10, workers=1,
                      use_multiprocessing=False, shuffle=True, initial_epoch=0):
        """Fits the model on batches from a generator or `Sequence`
        (deprecated in tf-keras 2: `fit` takes generators).

        Returns:
            The `History` of `fit`.
        """
        _deprecated("fit_generator", "fit")
        return self.fit(generator, steps_per_epoch=steps_per_epoch, epochs=epochs,
                        verbose=verbose, callbacks=callbacks,
                        validation_data=validation_data, validation_steps=validation_steps,
                        validation_freq=validation_freq, class_weight=class_weight,
                        max_queue_size=max_queue_size, workers=workers,
                        use_multiprocessing=use_multiprocessing, shuffle=shuffle,
                        initial_epoch=initial_epoch)

    def evaluate_generator(self, generator, steps=None, callbacks=None, max_queue_size=10,
                           workers=1, use_multiprocessing=False, verbose=0):
        """Evaluates the model on batches from a generator or `Sequence`
        (deprecated in tf-keras 2: `evaluate` takes generators)."""
        _deprecated("evaluate_generator", "evaluate")
        return self.evaluate(generator, steps=steps, callbacks=callbacks,
                             max_queue_size=max_queue_size, workers=workers,
                             use_multiprocessing=use_multiprocessing, verbose=verbose)

    def predict_generator(self, generator, steps=None, callbacks=None, max_queue_size=10,
                          workers=1, use_multiprocessing=False, verbose=0):
        """Predicts on batches from a generator or `Sequence` (deprecated in
        tf-keras 2: `predict` takes generators)."""
        _deprecated("predict_generator", "predict")
        return self.predict(generator, steps=steps, callbacks=callbacks,
                            max_queue_size=max_queue_size, workers=workers,
                            use_multiprocessing=use_multiprocessing, verbose=verbose)

    def train_on_batch(self, x: ModelData, y: ModelData = None, sample_weight: Any = None,
                       class_weight: dict[int, float] | None = None,
                       reset_metrics: bool = True, return_dict: bool = False) -> Any:
        """Runs one gradient update on a single batch of data."""
        self._assert_compiled("training")
        batch = self._one_batch("train_step", x, y, sample_weight, class_weight)
        if reset_metrics:
            self.reset_metrics()
        return self._format_results(self._run_step("train_step", *batch), return_dict)

    def test_on_batch(self, x: ModelData, y: ModelData = None, sample_weight: Any = None,
                      reset_metrics: bool = True, return_dict: bool = False) -> Any:
        """Returns the loss and metrics of the model on a single batch."""
        self._assert_compiled("evaluating")
        batch = self._one_batch("test_step", x, y, sample_weight, None)
        if reset_metrics:
            self.reset_metrics()
        return self._format_results(self._run_step("test_step", *batch), return_dict)

    def _one_batch(self, step, x, y, sample_weight, class_weight):
        """(x, y, sample_weight) of `train_on_batch`/`test_on_batch`, as the
        batches of `fit` give them."""
        if self._structured(step):
            if class_weight is not None:
                y, sample_weight = self._structured_class_weights(y, sample_weight,
                                                                  class_weight)
            batch = structure.as_structures(x, y, sample_weight)
            structure.check_cardinality({"data": [a for part in batch if part
                                                  for a in flatten(part)]})
            return batch
        x_arrays = structure.flatten_inputs(self, x)
        y_arrays, sw = self._targets(y, sample_weight, class_weight)
        structure.check_cardinality({"x": x_arrays,
                                     "y": [a for a in y_arrays or [] if a is not None]})
        return x_arrays, y_arrays, sw


class _Freeze:
    """Switches off, for the duration of one training step, the gradients of
    variables the model must not train (frozen when it was compiled) but
    which record elsewhere, e.g. a discriminator shared with a GAN."""

    __slots__ = ("_vars",)

    def __init__(self, variables):
        self._vars = variables

    def __enter__(self):
        for v in self._vars or ():
            v.requires_grad = False
        return self

    def __exit__(self, *exc):
        for v in self._vars or ():
            v.requires_grad = True
        return False


def _deprecated(old, new):
    warnings.warn(f"`Model.{old}` is deprecated and will be removed in a future version. "
                  f"Please use `Model.{new}`, which supports generators.",
                  DeprecationWarning, stacklevel=3)


def _python_logs(logs):
    """A step's logs as Python numbers (tf-keras converts tensors to NumPy)."""
    if not isinstance(logs, dict):
        raise TypeError("train_step/test_step must return a dict of logs; received "
                        f"{type(logs).__name__}.")
    out = {}
    for k, v in logs.items():
        v = v.value if isinstance(v, Tensor) else v
        a = np.asarray(v)
        out[k] = float(a) if a.size == 1 and a.dtype.kind in "fiub" else a
    return out
