"""Model: the base of Functional, Sequential and subclassed models.

Inference (`predict`, `predict_on_batch`, `__call__`) lives here; compile,
fit and evaluate in `training_loop.TrainingMixin`.
"""
import numpy as np

from ckeras._internal import naming
from ckeras.autograd.tensor import Tensor
from ckeras.engine import data_adapter, structure, weight_sync
from ckeras.engine.base_layer import Layer
from ckeras.engine.call import context as call_context
from ckeras.engine.training_loop import TrainingMixin
from ckeras.utils.generic_utils import Progbar
from ckeras.utils.layer_utils import print_summary


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
            from ckeras.engine.functional import Functional  # lazy: E7
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
            from ckeras.engine.functional import Functional  # lazy: E7
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
        batch_size = data_adapter.check_batch_size(batch_size)
        batches, total, arrays = self._predict_batches(x, batch_size, steps)
        progbar = None
        if verbose:
            progbar = Progbar(total)
        chunks = []
        for i, batch in enumerate(batches):
            chunks.append(self._predict_arrays(batch))
            if progbar is not None:
                progbar.update(i + 1)
        if not chunks:
            if arrays is None:
                raise ValueError("predict received no batches from the generator.")
            chunks.append(self._predict_arrays(arrays))
        outs = [np.concatenate([c[k] for c in chunks], axis=0)
                for k in range(len(chunks[0]))]
        return structure.pack_outputs(self, outs, unwrap_single=True)

    def _predict_batches(self, x, batch_size, steps):
        """(batches, their number, the input arrays or None for generators)."""
        if data_adapter.is_generator_like(x):
            source = data_adapter.GeneratorBatches(
                x, steps, lambda bx, by, bsw: structure.flatten_inputs(self, bx))
            return source.epoch(), len(source), None
        arrays = structure.flatten_inputs(self, x)
        n = arrays[0].shape[0] if arrays and arrays[0].ndim else 0
        total = -(-n // batch_size)
        if steps is not None:
            total = min(total, int(steps))
        batches = ([a[i * batch_size:(i + 1) * batch_size] for a in arrays]
                   for i in range(total))
        return batches, total, arrays

    def predict_on_batch(self, x):
        """Returns predictions for a single batch of samples (no batching)."""
        outs = self._predict_arrays(structure.flatten_inputs(self, x))
        return structure.pack_outputs(self, outs, unwrap_single=True)

    def _predict_arrays(self, arrays):
        """Runs one batch in inference mode (never taped); returns a list of
        arrays. A concurrent set_weights waits for the batch (engine.weight_sync)."""
        token = weight_sync.begin_read()
        try:
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
                             f"{[layer.name for layer in layers]}.")
        raise ValueError("Provide either a layer name or layer index at `get_layer`.")

    @property
    def layers(self):
        return list(self._flatten_layers())

    def summary(self, line_length=None, positions=None, print_fn=None,
                expand_nested=False, show_trainable=False):
        """Prints a string summary of the network (Keras 2 layout)."""
        print_summary(self, line_length=line_length, positions=positions,
                      print_fn=print_fn)

    # ---------------------------------------------------------- saving
    # Thin entry points; the formats live in ckeras.saving.
    def save(self, filepath, overwrite=True, include_optimizer=True, save_format=None,
             **kwargs):
        """Saves the model (architecture, weights, training config, optimizer
        state) to a Keras HDF5 file. See `ckeras.saving.save.save_model`."""
        from ckeras.saving.save import save_model  # lazy: E2
        save_model(self, filepath, overwrite=overwrite,
                   include_optimizer=include_optimizer, save_format=save_format, **kwargs)

    def save_weights(self, filepath, overwrite=True, save_format=None, options=None):
        """Saves all layer weights to a Keras HDF5 file. See
        `ckeras.saving.save.save_weights`."""
        from ckeras.saving.save import save_weights  # lazy: E2
        save_weights(self, filepath, overwrite=overwrite, save_format=save_format)

    def load_weights(self, filepath, by_name=False, skip_mismatch=False, options=None):
        """Loads weights from a Keras HDF5 weights or model file. See
        `ckeras.saving.save.load_weights`."""
        from ckeras.saving.save import load_weights  # lazy: E2
        load_weights(self, filepath, by_name=by_name, skip_mismatch=skip_mismatch)

    def to_json(self, **kwargs):
        """JSON of `{'class_name', 'config', 'keras_version', 'backend'}`;
        `kwargs` go to `json.dumps`."""
        from ckeras.saving.model_config import model_to_json  # lazy: E2
        return model_to_json(self, **kwargs)

    def to_yaml(self, **kwargs):
        """YAML of the same dict as `to_json` (`yaml.safe_dump`); `kwargs` go
        to `yaml.safe_dump`."""
        from ckeras.saving.model_config import model_to_yaml  # lazy: E2
        return model_to_yaml(self, **kwargs)

    def reset_states(self):
        """Resets the states of every stateful layer in the model."""
        for layer in self.layers:
            if hasattr(layer, "reset_states") and getattr(layer, "stateful", False):
                layer.reset_states()
