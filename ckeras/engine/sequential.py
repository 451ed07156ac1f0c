"""Sequential: a linear stack of layers."""
import warnings

from ckeras._internal import naming
from ckeras.engine.base_layer import Layer
from ckeras.engine.functional import Functional
from ckeras.engine.input_layer import Input, InputLayer
from ckeras.engine.keras_tensor import KerasTensor
from ckeras.engine.training import Model


class Sequential(Functional):
    """A plain stack of layers, each with one input and one output tensor.

    Args:
        layers: optional list of layers to add.
        name: model name (default 'sequential', 'sequential_1', ...).

    Example:
        >>> model = Sequential([Dense(32, input_shape=(784,)), Activation('relu'),
        ...                     Dense(10), Activation('softmax')])
        >>> model.output_shape
        (None, 10)
    """

    def __init__(self, layers=None, name=None):
        Model.__init__(self, name=name or naming.unique_name("sequential"))
        self._seq_layers = []
        self._chain = None
        self.built = False
        self.inputs, self.outputs = [], []
        for layer in layers or []:
            self.add(layer)

    # ------------------------------------------------------------ building
    def add(self, layer):
        """Adds a layer on top of the stack.

        Raises:
            TypeError: if `layer` is not a Layer.
            ValueError: if the name is already used, or the layer has several
                outputs.
        """
        if isinstance(layer, KerasTensor) and isinstance(layer._keras_history[0], InputLayer):
            layer = layer._keras_history[0]
        if not isinstance(layer, Layer):
            raise TypeError("The added layer must be an instance of class Layer. "
                            f"Received: layer={layer!r} of type {type(layer)}.")
        if any(other.name == layer.name for other in self._seq_layers):
            raise ValueError(
                "All layers added to a Sequential model should have unique names. "
                f'Name "{layer.name}" is already the name of a layer in this model. '
                "Update the `name` argument to pass a unique name.")
        if isinstance(layer, InputLayer):
            if self._seq_layers or self._chain:
                raise ValueError("An InputLayer can only be the first layer of a "
                                 "Sequential model.")
            self._chain = [layer._inbound_nodes[0].outputs]
            return
        self._seq_layers.append(layer)
        if self._chain is None and len(self._seq_layers) == 1:
            shape = layer._batch_input_shape
            if shape is None and isinstance(layer, Functional) and getattr(layer, "inputs", None):
                shape = layer.inputs[0].shape
            if shape is not None:
                self._chain = [Input(batch_shape=shape, dtype=layer.dtype,
                                     name=f"{layer.name}_input")]
        if self._chain is not None:
            try:
                self._append_to_graph(layer)
            except Exception:
                self._seq_layers.pop()
                raise

    def _append_to_graph(self, layer):
        out = layer(self._chain[-1])
        if not isinstance(out, KerasTensor):
            raise ValueError(
                "All layers in a Sequential model should have a single output tensor. "
                "For multi-output layers, use the functional API.")
        self._chain.append(out)
        self._init_graph_network(self._chain[0], out)

    def pop(self):
        """Removes the last layer of the model."""
        if not self._seq_layers:
            raise TypeError("There are no layers in the model.")
        self._seq_layers.pop()
        if self._chain is not None and len(self._chain) > 1:
            self._chain.pop()
            if len(self._chain) > 1:
                self._init_graph_network(self._chain[0], self._chain[-1])
            else:
                self.inputs, self.outputs, self.built = [], [], False

    def build(self, input_shape=None):
        """Builds the model for inputs of `input_shape` (batch dimension included)."""
        if self._chain is not None and len(self._chain) > 1:
            return
        if input_shape is None:
            raise ValueError("You must provide an `input_shape` argument.")
        self._chain = [Input(batch_shape=tuple(input_shape))]
        for layer in self._seq_layers:
            self._append_to_graph(layer)

    def _build_from_data(self, arrays):
        if not self._seq_layers:
            raise ValueError("This model has no layers to run.")
        import numpy as np
        a = np.asarray(arrays[0])
        self.build((None,) + a.shape[1:])

    def __call__(self, *args, **kwargs):
        if not self.built:
            inputs = args[0] if args else kwargs.get("inputs")
            self.build((None,) + tuple(inputs.shape[1:]))
        return super().__call__(*args, **kwargs)

    def _ensure_built(self, what):
        if not self.built:
            raise ValueError(
                f"This model has not yet been built. Build the model first by calling "
                f"`build()` or by calling the model on a batch of data ({what}).")

    # ---------------------------------------------------------- structure
    @property
    def layers(self):
        return list(self._seq_layers)

    def _flatten_layers(self):
        return list(self._seq_layers)

    @property
    def weights(self):
        if not self.built and any(not layer.built for layer in self._seq_layers):
            raise ValueError(
                f"Weights for model {self.name} have not yet been created. Weights are "
                "created when the Model is first called on inputs or `build()` is "
                "called with an `input_shape`.")
        return super().weights

    @property
    def input(self):
        if not self.built:
            raise AttributeError(f"Sequential model {self.name} has no input yet: "
                                 "it has not been built.")
        return super().input

    @property
    def output(self):
        if not self.built:
            raise AttributeError(f"Sequential model {self.name} has no output yet: "
                                 "it has not been built.")
        return super().output

    def summary(self, *args, **kwargs):
        self._ensure_built("summary")
        super().summary(*args, **kwargs)

    def predict_proba(self, x, batch_size=32, verbose=0):
        """Probabilities for the input samples (Keras 2.3; removed from
        tf-keras 2.6, where `predict` does the same).

        Warns when the outputs are not in [0, 1] (the last layer does not
        normalize, like softmax or sigmoid would).
        """
        _warn_removed("predict_proba", "model.predict(x)")
        preds = self.predict(x, batch_size=batch_size, verbose=verbose)
        if preds.min() < 0.0 or preds.max() > 1.0:
            warnings.warn("Network returning invalid probability values. The last layer "
                          "might not normalize predictions into probabilities (like "
                          "softmax or sigmoid would).", stacklevel=2)
        return preds

    def predict_classes(self, x, batch_size=32, verbose=0):
        """Class predictions for the input samples (Keras 2.3; removed from
        tf-keras 2.6): the argmax of several outputs, or 1 where a single
        output exceeds 0.5, as int32.

        Example:
            >>> model.predict_classes(x)      # e.g. array([2, 0, 1])
        """
        _warn_removed("predict_classes", "np.argmax(model.predict(x), axis=-1) (or "
                      "(model.predict(x) > 0.5).astype('int32') for one sigmoid output)")
        proba = self.predict(x, batch_size=batch_size, verbose=verbose)
        if proba.shape[-1] > 1:
            return proba.argmax(axis=-1)
        return (proba > 0.5).astype("int32")

    def get_config(self):
        from ckeras.layers import serialize as serialize_layer  # lazy: E3
        layers = []
        if self._chain:
            layers.append(serialize_layer(self._chain[0]._keras_history[0]))
        layers += [serialize_layer(layer) for layer in self._seq_layers]
        return {"name": self.name, "layers": layers}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ckeras.layers import deserialize as deserialize_layer  # lazy: E3
        if isinstance(config, list):
            config = {"layers": config}
        model = cls(name=config.get("name"))
        for entry in config["layers"]:
            model.add(deserialize_layer(entry, custom_objects=custom_objects))
        if not model.built and config.get("build_input_shape"):
            model.build(tuple(config["build_input_shape"]))
        return model


def _warn_removed(name, instead):
    warnings.warn(f"`model.{name}()` is deprecated (removed from tf-keras 2.6). Please "
                  f"use instead: {instead}.", DeprecationWarning, stacklevel=3)
