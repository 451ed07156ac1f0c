"""Model: the base of Functional, Sequential and subclassed models.

Inference (`predict`, `predict_on_batch`, `__call__`) lives here; compile,
fit and evaluate in `training_loop.TrainingMixin`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ckeras._internal import distribution, naming
from ckeras._internal.nest import flatten, map_structure
from ckeras.autograd.function import no_grad
from ckeras.autograd.tensor import SymbolicTensor, Tensor
from ckeras.engine import data_adapter, dense_replay, structure, weight_sync
from ckeras.engine.base_layer import Layer
from ckeras.engine.call import call_state
from ckeras.engine.call import context as call_context
from ckeras.engine.training_loop import TrainingMixin
from ckeras.utils.generic_utils import Progbar
from ckeras.utils.layer_utils import print_summary

if TYPE_CHECKING:
    from ckeras._internal.types import FilePath, H5Group, ModelData
    from ckeras.callbacks import Callback


class Model(TrainingMixin, Layer):
    """Groups layers into an object with inference (and later training) features.

    `Model(inputs, outputs, name=None)` builds a functional model (see
    `Functional`); subclass `Model` and define `call` for a subclassed model.

    Example:
        >>> inputs = Input(shape=(3,))
        >>> outputs = Dense(2)(inputs)
        >>> model = Model(inputs=inputs, outputs=outputs)
        >>> model.predict(np.zeros((4, 3))).shape
        (4, 2)
    """

    # Subclassed models define `call`; Functional and Sequential clear this.
    _subclassed = True
    _weights_by_layer = True

    def __new__(cls, *args, **kwargs):
        graph_args = args or any(k in kwargs for k in ("inputs", "outputs", "input", "output"))
        if cls is Model and graph_args or cls._subclassed and _functional_init(args, kwargs):
            from ckeras.engine.functional import Functional  # lazy: E7
            # `Model(inputs, outputs)` is a Functional; so is a subclass of
            # Model given symbolic inputs (tf-keras: functional subclassing,
            # e.g. a custom train_step on a graph of layers).
            return super().__new__(Functional if cls is Model else
                                   _functional_subclass(cls, Functional))
        return super().__new__(cls)

    def __init__(self, name=None, trainable=True, **kwargs):
        if name is None:
            name = naming.unique_name(naming.to_snake_case(type(self).__name__))
        Layer.__init__(self, name=name, trainable=trainable, **kwargs)
        self._is_graph_network = False
        self._build_input_shape = None
        self.stop_training = False
        self.optimizer = None
        self.compiled_loss = None

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuilds a functional model from `get_config()` output."""
        if cls is Model:
            from ckeras.engine.functional import Functional  # lazy: E7
            return Functional.from_config(config, custom_objects=custom_objects)
        return cls(**config)

    # --------------------------------------------------- subclassed models
    def build(self, input_shape):
        """Builds a subclassed model for inputs of `input_shape` (batch
        dimension included, None for unknown sizes) by running `call` once
        on zeros, which creates the weights of its layers.

        Args:
            input_shape: a shape tuple, or a list/dict of them for several
                inputs.

        Raises:
            ValueError: for a subclassed model whose `call` cannot run on
                such inputs (the error names the model).
        """
        if not self._subclassed or self.built:
            self.built = True
            return
        if input_shape is None:
            raise ValueError(f"Model {self.name}: build() needs an `input_shape`.")
        dummies = _zeros_for(input_shape, self._dtype)
        with no_grad(), call_context(False, may_record=False):
            state = call_state()
            tracing, state.tracing = state.tracing, True
            try:
                self.call(dummies, training=False)
            except Exception as e:
                raise ValueError(
                    f"Model {self.name}: could not build the model by calling it on "
                    f"inputs of shape {input_shape}: {e}. Call the model on a batch of "
                    "real data instead.") from e
            finally:
                state.tracing = tracing
        self._build_input_shape = input_shape
        self.built = True

    def _maybe_build(self, input_shapes):
        if not self._subclassed:
            return super()._maybe_build(input_shapes)
        # The first call builds the layers it uses; a `build` the subclass
        # defines runs first (tf-keras skips only Model's own default build).
        if type(self).build is not Model.build:
            self.build(input_shapes)
        self._build_input_shape = input_shapes
        self.built = True
        return None

    def _assert_built(self, what):
        if self._subclassed and not self.built:
            raise ValueError(
                "This model has not yet been built. Build the model first by calling "
                f"`build()` or by calling the model on a batch of data ({what}).")

    # ----------------------------------------------------------- inference
    def predict(self, x: ModelData, batch_size: int | None = None, verbose: int | str = 0,
                steps: int | None = None, callbacks: list[Callback] | None = None,
                max_queue_size: int = 10, workers: int = 1,
                use_multiprocessing: bool = False) -> Any:
        """Generates output predictions for the input samples, batch by batch.

        Args:
            x: a NumPy array, a list of arrays (one per input), a dict
                keyed by input name, or a generator / `ckeras.utils.Sequence`
                yielding `x` or `(x, y[, sample_weight])` batches.
            batch_size: samples per batch (default 32; arrays only).
            verbose: 0 silent, 1 progress bar.
            steps: number of batches to run (default: all).

        Returns:
            A NumPy array, or a list of arrays for several outputs.
        """
        batch_size = data_adapter.check_batch_size(batch_size)
        if distribution.holds_dask(x):
            from ckeras.distribute import dispatch  # lazy: E9
            return dispatch.predict(self, x=x, batch_size=batch_size, verbose=verbose,
                                    steps=steps, callbacks=callbacks)
        feed = data_adapter.feed_options(workers, use_multiprocessing, max_queue_size)
        if self._structured("predict_step"):
            return self._predict_structured(x, batch_size, verbose, steps, callbacks, feed)
        source, batches, total, arrays = self._predict_batches(x, batch_size, steps, feed)
        hooks = _PredictHooks(self, callbacks, verbose, total)
        chunks = []
        try:
            for i, batch in enumerate(batches):
                hooks.batch_begin(i)
                chunks.append(self._predict_arrays(batch))
                hooks.batch_end(i, lambda c=chunks[-1]: structure.pack_outputs(
                    self, c, unwrap_single=True))
        finally:
            if source is not None:
                source.close()
        hooks.end()
        if not chunks:
            if arrays is None:
                raise ValueError("predict received no batches from the generator.")
            chunks.append(self._predict_arrays(arrays))
        outs = [np.concatenate([c[k] for c in chunks], axis=0)
                for k in range(len(chunks[0]))]
        return structure.pack_outputs(self, outs, unwrap_single=True)

    def _predict_structured(self, x, batch_size, verbose, steps, callbacks=None,
                            feed=(1, False, 10)):
        """predict through `predict_step`, on the user's input structure."""
        if data_adapter.is_generator_like(x):
            source = data_adapter.GeneratorBatches(
                x, steps, lambda bx, by, bsw: structure.as_structures(bx), *feed)
        else:
            source = data_adapter.ArrayBatches(structure.as_structures(x)[0], None, None,
                                               batch_size, False, steps)
        hooks = _PredictHooks(self, callbacks, verbose, len(source))
        chunks = []
        try:
            for i, (bx, _, _) in enumerate(source.epoch()):
                hooks.batch_begin(i)
                chunks.append(map_structure(_numpy, self.predict_step(
                    data_adapter.pack_x_y_sample_weight(structure.densify_all(bx[0])))))
                hooks.batch_end(i, lambda c=chunks[-1]: c)
        finally:
            source.close()
        hooks.end()
        if not chunks:
            raise ValueError("predict received no batches.")
        return _concatenate(chunks)

    def _predict_batches(self, x, batch_size, steps, feed=(1, False, 10)):
        """(the generator source or None, the batches, their number, the
        input arrays or None for generators)."""
        if data_adapter.is_generator_like(x):
            source = data_adapter.GeneratorBatches(
                x, steps, lambda bx, by, bsw: structure.flatten_inputs(self, bx), *feed)
            return source, source.epoch(), len(source), None
        arrays = structure.flatten_inputs(self, x)
        n = arrays[0].shape[0] if arrays and arrays[0].ndim else 0
        total = -(-n // batch_size)
        if steps is not None:
            total = min(total, int(steps))
        batches = ([a[i * batch_size:(i + 1) * batch_size] for a in arrays]
                   for i in range(total))
        return None, batches, total, arrays

    def predict_on_batch(self, x: ModelData) -> Any:
        """Returns predictions for a single batch of samples (no batching)."""
        if self._structured("predict_step"):
            (bx,), _, _ = structure.as_structures(x)
            return map_structure(_numpy, self.predict_step(
                data_adapter.pack_x_y_sample_weight(structure.densify_all(bx))))
        outs = self._predict_arrays(structure.flatten_inputs(self, x))
        return structure.pack_outputs(self, outs, unwrap_single=True)

    def _predict_arrays(self, arrays):
        """Runs one batch in inference mode (never taped); returns a list of
        arrays. A concurrent set_weights waits for the batch (engine.weight_sync)."""
        arrays = structure.densify_all(arrays)
        token = weight_sync.begin_read()
        try:
            outs = dense_replay.infer(self, arrays)
            if outs is not None:
                return outs
            with call_context(False, may_record=False):
                out = self.call(arrays if len(arrays) > 1 else arrays[0], training=False)
        finally:
            weight_sync.end_read(token)
        return [o.value if isinstance(o, Tensor) else np.asarray(o)
                for o in structure.flatten_outputs(out)]

    def _build_from_data(self, arrays):
        raise ValueError(
            f"Model {self.name} cannot run predict before it is built: call it on "
            "data or build() it with an input shape first.")

    # ----------------------------------------------------------- structure
    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """Retrieves a layer by its name or its index in `model.layers`."""
        if index is not None and name is not None:
            raise ValueError("Provide only a layer name or a layer index. Received: "
                             f"index={index}, name={name}.")
        layers = self.layers
        if index is not None:
            if len(layers) <= index:
                raise ValueError(f"Was asked to retrieve layer at index {index} but "
                                 f"model only has {len(layers)} layers.")
            return layers[index]
        if name is not None:
            for layer in layers:
                if layer.name == name:
                    return layer
            raise ValueError(f"No such layer: {name}. Existing layers are: "
                             f"{[layer.name for layer in layers]}.")
        raise ValueError("Provide either a layer name or layer index at `get_layer`.")

    @property
    def layers(self):
        return list(self._flatten_layers())

    def summary(self, line_length=None, positions=None, print_fn=None,
                expand_nested=False, show_trainable=False, layer_range=None):
        """Prints a string summary of the network, in tf-keras 2.x's layout.

        Args:
            line_length: total width of the lines.
            positions: where each column ends, relative (<= 1) or absolute.
            print_fn: called with each line (default `print`).
            expand_nested: also list the layers of nested models.
            show_trainable: add a `Trainable` column.
            layer_range: two layer-name regexes bounding the layers listed.

        Raises:
            ValueError: if the model is not built yet.

        See `ckeras.utils.layer_utils.print_summary`.
        """
        self._assert_built("summary")
        print_summary(self, line_length=line_length, positions=positions,
                      print_fn=print_fn, expand_nested=expand_nested,
                      show_trainable=show_trainable, layer_range=layer_range)

    # ---------------------------------------------------------- saving
    # Thin entry points; the formats live in ckeras.saving.
    def save(self, filepath: FilePath | H5Group, overwrite: bool = True,
             include_optimizer: bool = True, save_format: str | None = None,
             **kwargs: Any) -> None:
        """Saves the model (architecture, weights, training config, optimizer
        state): a `.keras` name writes Keras 3's archive, a `.h5` name the
        tf.keras 2 HDF5 layout. See `ckeras.saving.save.save_model`."""
        from ckeras.saving.save import save_model  # lazy: E2
        save_model(self, filepath, overwrite=overwrite,
                   include_optimizer=include_optimizer, save_format=save_format, **kwargs)

    def save_weights(self, filepath: FilePath | H5Group, overwrite: bool = True,
                     save_format: str | None = None, options: Any = None) -> None:
        """Saves all layer weights: a `.weights.h5` name writes Keras 3's
        layout, other names the tf.keras 2 HDF5 layout. See
        `ckeras.saving.save.save_weights`."""
        from ckeras.saving.save import save_weights  # lazy: E2
        save_weights(self, filepath, overwrite=overwrite, save_format=save_format)

    def load_weights(self, filepath: FilePath | H5Group, by_name: bool = False,
                     skip_mismatch: bool = False, options: Any = None) -> Any:
        """Loads weights from a Keras HDF5 weights or model file. See
        `ckeras.saving.save.load_weights`."""
        from ckeras.saving.save import load_weights  # lazy: E2
        if self._subclassed and not self.built:
            raise ValueError(
                f"Unable to load weights into the subclassed model {self.name}, which "
                "has not created its variables yet. Call the model on a batch of data "
                "(or build() it) first, then load the weights.")
        load_weights(self, filepath, by_name=by_name, skip_mismatch=skip_mismatch)

    def to_json(self, **kwargs: Any) -> str:
        """JSON of `{'class_name', 'config', 'keras_version', 'backend'}`;
        `kwargs` go to `json.dumps`."""
        from ckeras.saving.model_config import model_to_json  # lazy: E2
        return model_to_json(self, **kwargs)

    def to_yaml(self, **kwargs: Any) -> str:
        """YAML of the same dict as `to_json` (`yaml.safe_dump`); `kwargs` go
        to `yaml.safe_dump`."""
        from ckeras.saving.model_config import model_to_yaml  # lazy: E2
        return model_to_yaml(self, **kwargs)

    def reset_states(self):
        """Resets the states of every stateful layer in the model."""
        for layer in self.layers:
            if hasattr(layer, "reset_states") and getattr(layer, "stateful", False):
                layer.reset_states()


_functional_classes = {}


def _functional_init(args, kwargs):
    """Whether constructor arguments build a graph network: inputs given as
    symbolic tensors (`Model(inputs, outputs)`, `Model(input=, output=)`)."""
    inputs = args[0] if args else kwargs.get("inputs", kwargs.get("input"))
    return any(isinstance(t, SymbolicTensor) for t in flatten(inputs))


def _functional_subclass(cls, functional):
    """`cls` with Functional spliced in before Model: its own methods (a
    custom `train_step`, ...) first, then the graph network's. Cached, so
    every instance of `cls` built from tensors shares one class."""
    sub = _functional_classes.get(cls)
    if sub is None:
        sub = type(cls.__name__, (cls, functional),
                   {"__module__": cls.__module__, "__qualname__": cls.__qualname__,
                    "_subclassed": False})
        _functional_classes[cls] = sub
    return sub


def _zeros_for(shape, dtype):
    """Zeros of `shape` (None -> 1), or a list/tuple/dict of them."""
    if isinstance(shape, dict):
        return {k: _zeros_for(v, dtype) for k, v in shape.items()}
    if isinstance(shape, (list, tuple)) and shape and all(
            isinstance(d, (list, tuple, dict)) for d in shape):
        return [_zeros_for(tuple(d) if isinstance(d, list) else d, dtype) for d in shape]
    return np.zeros([1 if d is None else int(d) for d in shape], dtype)


def _numpy(value):
    return value.value if isinstance(value, Tensor) else np.asarray(value)


def _concatenate(chunks):
    """Per-batch prediction structures joined along the batch axis."""
    first = chunks[0]
    if isinstance(first, dict):
        return {k: _concatenate([c[k] for c in chunks]) for k in first}
    if isinstance(first, (list, tuple)):
        return type(first)(_concatenate([c[i] for c in chunks]) for i in range(len(first)))
    return np.concatenate([np.asarray(c) for c in chunks], axis=0)


class _PredictHooks:
    """The progress bar and the `on_predict_*` callbacks of one `predict`
    (tf-keras' order: begin, batch_begin/batch_end({'outputs': ...}) per
    batch, end). Without callbacks it costs nothing per batch."""

    __slots__ = ("_cbs", "_progbar")

    def __init__(self, model, callbacks, verbose, steps):
        self._progbar = Progbar(steps) if verbose else None
        self._cbs = None
        if callbacks:
            from ckeras import callbacks as callbacks_module  # lazy: startup
            self._cbs = callbacks_module.CallbackList(callbacks, model=model,
                                                      verbose=verbose, epochs=1,
                                                      steps=steps)
            self._cbs.on_predict_begin()

    def batch_begin(self, step):
        if self._cbs is not None:
            self._cbs.on_predict_batch_begin(step)

    def batch_end(self, step, outputs):
        if self._cbs is not None:
            self._cbs.on_predict_batch_end(step, {"outputs": outputs()})
        if self._progbar is not None:
            self._progbar.update(step + 1)

    def end(self):
        if self._cbs is not None:
            self._cbs.on_predict_end()
