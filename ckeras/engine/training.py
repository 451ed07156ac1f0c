"""Model: the base of Functional, Sequential and subclassed models.

Inference (`predict`, `predict_on_batch`, `__call__`) lives here; compile,
fit and evaluate in `training_loop.TrainingMixin`.
"""
import numpy as np

from ckeras.autograd.function import no_grad
from ckeras.autograd.tensor import Tensor
from ckeras.engine import naming, weight_sync
from ckeras.engine.base_layer import Layer
from ckeras.engine.training_loop import TrainingMixin


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

    def __new__(cls, *args, **kwargs):
        if cls is Model and (args or "inputs" in kwargs or "outputs" in kwargs
                             or "input" in kwargs or "output" in kwargs):
            from ckeras.engine.functional import Functional
            return super().__new__(Functional)
        return super().__new__(cls)

    def __init__(self, name=None, trainable=True, **kwargs):
        if name is None:
            name = naming.unique_name(naming.to_snake_case(type(self).__name__))
        Layer.__init__(self, name=name, trainable=trainable, **kwargs)
        self._is_graph_network = False
        self.stop_training = False
        self.optimizer = None
        self.compiled_loss = None

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuilds a functional model from `get_config()` output."""
        if cls is Model:
            from ckeras.engine.functional import Functional
            return Functional.from_config(config, custom_objects=custom_objects)
        return cls(**config)

    # ----------------------------------------------------------- inference
    def predict(self, x, batch_size=None, verbose=0, steps=None, callbacks=None,
                max_queue_size=10, workers=1, use_multiprocessing=False):
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
        if batch_size is None:
            batch_size = 32
        if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"`batch_size` must be a positive integer, received: "
                             f"{batch_size!r}")
        from ckeras.engine import data_adapter
        if data_adapter.is_generator_like(x):
            batches = data_adapter.GeneratorBatches(x, steps, self.input_names,
                                                    self.output_names)
            total = len(batches)
            arrays = None
            source = (self._standardize_inputs(bx if len(bx) > 1 else bx[0])
                      for bx, _, _ in batches.epoch())
        else:
            arrays = self._standardize_inputs(x)
            n = arrays[0].shape[0] if arrays and arrays[0].ndim else 0
            total = -(-n // batch_size)
            if steps is not None:
                total = min(total, int(steps))
            source = ([a[i * batch_size:(i + 1) * batch_size] for a in arrays]
                      for i in range(total))
        progbar = None
        if verbose:
            from ckeras.utils.generic_utils import Progbar
            progbar = Progbar(total)
        chunks = []
        with no_grad():
            for i, batch in enumerate(source):
                chunks.append(self._predict_arrays(batch))
                if progbar is not None:
                    progbar.update(i + 1)
        if not chunks:
            if arrays is None:
                raise ValueError("predict received no batches from the generator.")
            with no_grad():
                chunks.append(self._predict_arrays(arrays))
        outs = [np.concatenate([c[k] for c in chunks], axis=0)
                for k in range(len(chunks[0]))]
        return self._pack_predictions(outs)

    def predict_on_batch(self, x):
        """Returns predictions for a single batch of samples (no batching)."""
        arrays = self._standardize_inputs(x)
        with no_grad():
            outs = self._predict_arrays(arrays)
        return self._pack_predictions(outs)

    def _pack_predictions(self, outs):
        nested = getattr(self, "_nested_outputs", None)
        if isinstance(nested, dict):
            return dict(zip(sorted(nested), outs))
        if len(outs) == 1 and not isinstance(nested, (list, tuple)):
            return outs[0]
        if len(outs) == 1 and isinstance(nested, (list, tuple)) and len(nested) == 1:
            return outs[0]
        return outs

    def _predict_arrays(self, arrays):
        """Runs one batch in inference mode; returns a list of arrays."""
        token = weight_sync.begin_read()   # set_weights waits for the batch
        try:
            out = self.call(arrays if len(arrays) > 1 else arrays[0], training=False)
        finally:
            weight_sync.end_read(token)
        outs = out if isinstance(out, (list, tuple)) else [out]
        return [o.value if isinstance(o, Tensor) else np.asarray(o) for o in outs]

    def _standardize_inputs(self, x):
        """Checks and converts user inputs to a list of arrays, one per input."""
        inputs = getattr(self, "inputs", None)
        if type(x) is np.ndarray and self.built and inputs and len(inputs) == 1:
            spec = inputs[0]
            if x.dtype == spec.dtype and x.ndim == len(spec.shape) and all(
                    d is None or d == s for d, s in zip(spec.shape[1:], x.shape[1:])):
                return [x]
        if isinstance(x, dict):
            names = self.input_names
            unknown = [k for k in x if k not in names]
            missing = [n for n in names if n not in x]
            if missing or unknown:
                raise ValueError(
                    f'Model "{self.name}" expects inputs named {names}; received '
                    f"keys {sorted(x)}.")
            x = [x[n] for n in names]
        elif isinstance(x, (list, tuple)) and not (
                len(getattr(self, "inputs", None) or []) <= 1 and
                all(np.isscalar(v) for v in x)):
            x = list(x)
        else:
            x = [x]
        if not self.built or not getattr(self, "inputs", None):
            self._build_from_data(x)
        expected = self.inputs
        if len(x) != len(expected):
            raise ValueError(
                f'Layer "{self.name}" expects {len(expected)} input(s), but it '
                f"received {len(x)} input tensors.")
        arrays = []
        for i, (value, spec) in enumerate(zip(x, expected)):
            a = value.value if isinstance(value, Tensor) else np.asarray(value)
            shape = spec.shape
            if a.ndim == len(shape) - 1 and shape[-1] == 1:
                a = a[..., None]
            if a.ndim != len(shape) or any(
                    d is not None and d != s for d, s in zip(shape[1:], a.shape[1:])):
                raise ValueError(
                    f'Input {i} of layer "{self.name}" is incompatible with the '
                    f"layer: expected shape={shape}, found shape={a.shape}")
            if a.dtype != spec.dtype and (a.dtype.kind in "fiub"):
                if np.dtype(spec.dtype).kind == "f" or a.dtype.kind != "f":
                    a = a.astype(spec.dtype)
            arrays.append(a)
        n = {a.shape[0] for a in arrays}
        if len(n) > 1:
            raise ValueError(
                f"All input arrays must have the same number of samples; received "
                f"sizes {[a.shape[0] for a in arrays]}.")
        return arrays

    def _build_from_data(self, arrays):
        raise ValueError(
            f"Model {self.name} cannot run predict before it is built: call it on "
            "data or build() it with an input shape first.")

    # ----------------------------------------------------------- structure
    def get_layer(self, name=None, index=None):
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
                             f"{[l.name for l in layers]}.")
        raise ValueError("Provide either a layer name or layer index at `get_layer`.")

    @property
    def layers(self):
        return list(self._flatten_layers())

    def summary(self, line_length=None, positions=None, print_fn=None,
                expand_nested=False, show_trainable=False):
        """Prints a string summary of the network (Keras 2 layout)."""
        from ckeras.utils.layer_utils import print_summary
        print_summary(self, line_length=line_length, positions=positions,
                      print_fn=print_fn)

    # ---------------------------------------------------------- saving
    # Thin entry points; the formats live in ckeras.saving.
    def save(self, filepath, overwrite=True, include_optimizer=True, save_format=None,
             **kwargs):
        """Saves the model (architecture, weights, training config, optimizer
        state) to a Keras HDF5 file. See `ckeras.saving.save.save_model`."""
        from ckeras.saving.save import save_model
        save_model(self, filepath, overwrite=overwrite,
                   include_optimizer=include_optimizer, save_format=save_format, **kwargs)

    def save_weights(self, filepath, overwrite=True, save_format=None, options=None):
        """Saves all layer weights to a Keras HDF5 file. See
        `ckeras.saving.save.save_weights`."""
        from ckeras.saving.save import save_weights
        save_weights(self, filepath, overwrite=overwrite, save_format=save_format)

    def load_weights(self, filepath, by_name=False, skip_mismatch=False, options=None):
        """Loads weights from a Keras HDF5 weights or model file. See
        `ckeras.saving.save.load_weights`."""
        from ckeras.saving.save import load_weights
        load_weights(self, filepath, by_name=by_name, skip_mismatch=skip_mismatch)

    def to_json(self, **kwargs):
        """JSON of `{'class_name', 'config', 'keras_version', 'backend'}`;
        `kwargs` go to `json.dumps`."""
        from ckeras.saving.model_config import model_to_json
        return model_to_json(self, **kwargs)

    def to_yaml(self, **kwargs):
        """YAML of the same dict as `to_json` (`yaml.safe_dump`); `kwargs` go
        to `yaml.safe_dump`."""
        from ckeras.saving.model_config import model_to_yaml
        return model_to_yaml(self, **kwargs)

    def reset_states(self):
        """Resets the states of every stateful layer in the model."""
        for layer in self.layers:
            if hasattr(layer, "reset_states") and getattr(layer, "stateful", False):
                layer.reset_states()
