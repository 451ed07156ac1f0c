"""Layer wrappers: the Wrapper base class, Bidirectional and TimeDistributed."""
import inspect

import numpy as np

from ckeras import backend as K
from ckeras.autograd.functions import sequence as _seq
from ckeras.engine.base_layer import Layer
from ckeras.engine.call import signature
from ckeras.layers.recurrent import (
    RNN,
    folded_inputs,
    is_symbolic,
    rnn_call_args,
    state_sizes,
)

__all__ = ["Bidirectional", "TimeDistributed", "Wrapper"]

_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


def _prefix(layer, outer):
    """Weight names as tf-keras scopes them: '<outer>/<inner name>/...'."""
    for w in layer.weights:
        if not w.name.startswith(outer + "/"):
            w.name = f"{outer}/{w.name}"


def _clone(layer, name, **overrides):
    """A fresh copy of `layer` from its config. The classes of its cell (and
    of a stack's cells) are handed to `from_config`, as tf-keras does, so a
    custom cell needs no registration to be copied."""
    config = dict(layer.get_config(), name=name, **overrides)
    cell = getattr(layer, "cell", None)
    if cell is None or "custom_objects" not in inspect.signature(
            type(layer).from_config).parameters:
        return type(layer).from_config(config)
    classes = {type(c).__name__: type(c) for c in [cell] + list(getattr(cell, "cells", []))}
    return type(layer).from_config(config, custom_objects=classes)


class Wrapper(Layer):
    """Base class of the layers that wrap another layer (`self.layer`).

    Args:
        layer: the wrapped Layer instance.

    A subclass implements `call` (and usually `build`); `get_config` holds
    the wrapped layer's serialization under `layer`, and `from_config`
    rebuilds it (with `custom_objects`).

    Example:
        >>> class Twice(Wrapper):
        ...     def call(self, inputs):
        ...         return self.layer(self.layer(inputs))
        >>> Twice(Dense(4))(np.ones((2, 4), "float32")).shape
        (2, 4)
    """

    # Bidirectional keeps `layer` as an untracked template (it runs copies).
    _tracks_layer = True

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"Layer {layer} supplied to wrapper is not a supported layer "
                             "type. Please ensure wrapped layer is a valid TF-Keras layer.")
        super().__init__(**kwargs)
        if self._tracks_layer:
            self.layer = layer
        else:
            object.__setattr__(self, "_template", layer)

    def build(self, input_shape=None):
        if not self.layer.built:
            self.layer._maybe_build(input_shape)
        self.built = True

    def _adopt_weight_names(self):
        """Renames the wrapped layer's weights into this wrapper's scope, as
        tf-keras names them when the wrapper builds its layer."""
        inner = self.layer.name + "/"
        for w in self.layer.weights:
            if w.name.startswith(inner):
                w.name = f"{self.name}/{w.name[len(inner):]}"

    def get_config(self):
        from ckeras.layers import serialize
        config = super().get_config()
        config["layer"] = serialize(self.layer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ckeras.layers import deserialize
        config = dict(config)
        layer = deserialize(config.pop("layer"), custom_objects=custom_objects)
        return cls(layer, **config)


class Bidirectional(Wrapper):
    """Bidirectional wrapper for RNNs: runs a forward and a backward copy of
    `layer` on the same input and merges their outputs.

    Args:
        layer: an `RNN` instance (LSTM, GRU, SimpleRNN, RNN(cell)); it is
            copied from its config (fresh weights) as `forward_<name>`.
        merge_mode: 'concat' (default), 'sum', 'mul', 'ave' or None (a list
            `[forward, backward]`).
        weights: initial weights (forward's then backward's).
        backward_layer: optional RNN to use as the backward half; it must
            have the opposite `go_backwards` and the same `return_sequences`,
            `return_state` and `stateful`.

    Attributes:
        forward_layer: the forward half, a fresh copy of `layer` named
            `forward_<name>`.
        backward_layer: the backward half: a copy of `layer` with the
            opposite `go_backwards`, or the `backward_layer` given (itself,
            renamed `backward_<name>`).
        layer: `layer` itself (not built, and not run).

    With `return_sequences` the backward output is reversed in time before
    merging, so step t of both halves refers to input step t. With
    `return_state` the output is `[merged, *forward_states, *backward_states]`.

    Example:
        >>> Bidirectional(LSTM(4, return_sequences=True))(np.ones((2, 5, 3))).shape
        (2, 5, 8)
    """

    _tracks_layer = False

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None,
                 **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError("Please initialize `Bidirectional` layer with a "
                             f"`tf.keras.layers.Layer` instance. Received: {layer}")
        if not isinstance(layer, RNN):
            raise ValueError(f'`Bidirectional` needs a recurrent layer (RNN, LSTM, GRU, '
                             f'SimpleRNN); layer "{layer.name}" is a {type(layer).__name__}.')
        if backward_layer is not None and not isinstance(backward_layer, RNN):
            raise ValueError("`backward_layer` need to be a `tf.keras.layers.Layer` RNN "
                             f"instance. Received: {backward_layer}")
        if merge_mode not in _MERGE_MODES:
            raise ValueError(f"Invalid merge mode. Received: {merge_mode}. Merge mode "
                             "should be one of {'sum', 'mul', 'ave', 'concat', None}")
        num_constants = int(kwargs.pop("num_constants", 0) or 0)
        super().__init__(layer, **kwargs)
        self.forward_layer = _clone(layer, "forward_" + layer.name)
        if backward_layer is None:
            self.backward_layer = _clone(layer, "backward_" + layer.name,
                                         go_backwards=not layer.go_backwards)
            self._custom_backward = False
        else:
            if backward_layer.go_backwards == layer.go_backwards:
                raise ValueError(
                    "Forward layer and backward layer should have different `go_backwards` "
                    f"value. forward_layer.go_backwards = {layer.go_backwards}, "
                    f"backward_layer.go_backwards = {backward_layer.go_backwards}")
            for attr in ("stateful", "return_sequences", "return_state"):
                if getattr(layer, attr) != getattr(backward_layer, attr):
                    raise ValueError(
                        "Forward layer and backward layer are expected to have the same value "
                        f"for attribute {attr!r}, got {getattr(layer, attr)} for forward "
                        f"layer and {getattr(backward_layer, attr)} for backward layer")
            from ckeras.layers import serialize
            self._backward_config = serialize(backward_layer)   # before the rename
            self.backward_layer = backward_layer
            self.backward_layer._name = "backward_" + backward_layer.name
            self._custom_backward = True
        for half in (self.forward_layer, self.backward_layer):
            half.zero_output_for_mask = half.return_sequences
        self.merge_mode = merge_mode
        if weights is not None:
            self._initial_weights = list(weights)
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.stateful = layer.stateful
        self.supports_masking = True
        self._set_num_constants(num_constants)

    def __call__(self, *args, **kwargs):
        inputs, initial_state, constants, kwargs = rnn_call_args(args, kwargs)
        if initial_state is not None:
            self._check_state_count(initial_state)
        if constants is None and not is_symbolic(initial_state):
            if initial_state is not None:
                kwargs["initial_state"] = initial_state
            return super().__call__(inputs, **kwargs)
        # As RNN: constants, and initial states that are graph tensors, join
        # the inputs; both halves read the same constants.
        self._set_num_constants(len(constants or ()))
        return super().__call__(folded_inputs(inputs, initial_state, constants), **kwargs)

    def _check_state_count(self, states):
        if len(states) % 2:
            raise ValueError(
                f'Layer "{self.name}" (Bidirectional) needs the initial states of both '
                "halves, forward then backward (an even number of states); received "
                f"{len(states)}.")

    def _set_num_constants(self, n):
        self._num_constants = n
        self.forward_layer._num_constants = n
        self.backward_layer._num_constants = n

    @property
    def layer(self):
        """The RNN the wrapper was made from (tf-keras' `Wrapper.layer`):
        a template, never built; `forward_layer` is the copy that runs."""
        return self._template

    def build(self, input_shape):
        for half in (self.forward_layer, self.backward_layer):
            half._maybe_build(input_shape)
            _prefix(half, self.name)
        self.built = True
        weights, self._initial_weights = self._initial_weights, None
        if weights is not None:
            self._set_initial_weights(weights)

    def _set_initial_weights(self, weights):
        """`weights=`: the forward half's weights, then the backward half's,
        each in its layer's get_weights order."""
        nf, nb = len(self.forward_layer.weights), len(self.backward_layer.weights)
        if len(weights) != nf + nb:
            raise ValueError(
                f'Layer "{self.name}" (Bidirectional) received {len(weights)} initial '
                f"weights, but its forward and backward layers have {nf} + {nb} = {nf + nb} "
                f"weights ({self.forward_layer.name} then {self.backward_layer.name}).")
        self.forward_layer.set_weights(weights[:nf])
        self.backward_layer.set_weights(weights[nf:])

    def call(self, inputs, mask=None, training=None, initial_state=None, constants=None):
        if isinstance(inputs, (list, tuple)):
            inputs = list(inputs)
            n = self._num_constants
            if n and constants is None and len(inputs) > n:
                inputs, constants = inputs[:-n], inputs[-n:]
            if initial_state is None and len(inputs) > 1:
                initial_state = list(inputs[1:])
            inputs = inputs[0]
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        kw = {"training": training}
        fkw, bkw = dict(kw), dict(kw)
        if mask is not None:
            fkw["mask"] = bkw["mask"] = mask
        if constants is not None:
            fkw["constants"] = bkw["constants"] = constants
        if initial_state is not None:
            self._check_state_count(initial_state)
            half = len(initial_state) // 2
            fkw["initial_state"] = list(initial_state[:half])
            bkw["initial_state"] = list(initial_state[half:])
        y_f = self.forward_layer(inputs, **fkw)
        y_b = self.backward_layer(inputs, **bkw)
        states = []
        if self.return_state:
            states = list(y_f[1:]) + list(y_b[1:])
            y_f, y_b = y_f[0], y_b[0]
        # The backward half's sequence is in its processing order: reversing
        # it in time aligns step t of both halves with input step t.
        time_axis = 0 if getattr(self.forward_layer, "time_major", False) else 1
        reverse = bool(self.return_sequences)
        if self.merge_mode is None:
            out = [y_f, _seq.reverse_time(y_b, time_axis) if reverse else y_b]
        else:
            out = _seq.bidirectional_merge(y_f, y_b, self.merge_mode, reverse, time_axis)
        if self.return_state:
            return (out if isinstance(out, list) else [out]) + states
        return out

    def compute_output_shape(self, input_shape):
        shape = self.forward_layer.compute_output_shape(input_shape)
        states = []
        if self.return_state:
            shape, states = shape[0], list(shape[1:])
        shape = tuple(shape)
        if self.merge_mode == "concat":
            out = [shape[:-1] + (None if shape[-1] is None else 2 * shape[-1],)]
        elif self.merge_mode is None:
            out = [shape, shape]
        else:
            out = [shape]
        if self.return_state:
            return out + states + states
        return out if self.merge_mode is None else out[0]

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        out = mask if self.return_sequences else None
        outs = [out, out] if self.merge_mode is None else [out]
        if self.return_state:
            n = len(state_sizes(self.forward_layer.cell))
            return outs + [None] * (2 * n)
        return outs if self.merge_mode is None else outs[0]

    def reset_states(self, states=None):
        if not self.stateful:
            raise AttributeError("Layer must be stateful.")
        if states is None:
            self.forward_layer.reset_states()
            self.backward_layer.reset_states()
            return
        half = len(states) // 2
        self.forward_layer.reset_states(states[:half])
        self.backward_layer.reset_states(states[half:])

    def get_config(self):
        config = super().get_config()
        config["merge_mode"] = self.merge_mode
        if self._custom_backward:
            config["backward_layer"] = self._backward_config
        if self._num_constants:
            config["num_constants"] = self._num_constants
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ckeras.layers import deserialize
        config = dict(config)
        layer = deserialize(config.pop("layer"), custom_objects=custom_objects)
        backward = config.pop("backward_layer", None)
        if backward is not None:
            backward = deserialize(backward, custom_objects=custom_objects)
        return cls(layer, backward_layer=backward, **config)


class TimeDistributed(Wrapper):
    """Applies `layer` to every temporal slice of an input (axis 1), with
    the same weights at every step.

    Args:
        layer: a Layer instance.

    Input shape:
        `(batch, time, ...)`, rank >= 3.

    Example:
        >>> TimeDistributed(Dense(8))(np.ones((32, 10, 16))).shape
        (32, 10, 8)
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError("Please initialize `TimeDistributed` layer with a "
                             f"`tf.keras.layers.Layer` instance. Received: {layer}")
        super().__init__(layer, **kwargs)
        self.supports_masking = True

    def _check(self, input_shape):
        shape = tuple(input_shape)
        if len(shape) < 3:
            raise ValueError(
                f'`TimeDistributed` layer "{self.name}" requires an input of rank >= 3 '
                f"(batch, time, ...). Received input_shape={shape}")
        return shape

    def build(self, input_shape):
        shape = self._check(input_shape)
        self.layer._maybe_build((None,) + shape[2:])
        self._adopt_weight_names()
        self.built = True

    def call(self, inputs, mask=None, training=None):
        shape = self._check(inputs.shape)
        B, T = shape[0], shape[1]
        x = K.reshape(inputs, (B * T,) + tuple(shape[2:]))
        kwargs = {}
        sig = signature(type(self.layer))
        if sig.training:
            kwargs["training"] = training
        if mask is not None and sig.mask:
            kwargs["mask"] = np.reshape(np.asarray(getattr(mask, "value", mask)), (B * T,) +
                                        tuple(np.shape(mask)[2:]))
        y = self.layer.call(x, **kwargs)
        return K.reshape(y, (B, T) + tuple(y.shape[1:]))

    def compute_output_shape(self, input_shape):
        shape = self._check(input_shape)
        inner = self.layer.compute_output_shape((shape[0],) + shape[2:])
        return (shape[0], shape[1]) + tuple(inner[1:])

    def compute_mask(self, inputs, mask=None):
        """tf-keras' rule: the inner layer's mask of every step, shaped
        `(batch, time, ...)`; when the inner layer gives none (e.g. Dense),
        the input mask reduced to `(batch, time)` by `any`."""
        sig = signature(type(self.layer))
        if mask is None and not sig.computes_mask:
            return None
        shape = tuple(np.shape(inputs))
        B, T = shape[0], shape[1]
        inner_mask = None
        if mask is not None:
            mask = np.asarray(getattr(mask, "value", mask))
            inner_mask = mask.reshape((B * T,) + mask.shape[2:])
        inner_out = None
        if sig.computes_mask or (inner_mask is not None and self.layer.supports_masking):
            x = np.reshape(np.asarray(getattr(inputs, "value", inputs)), (B * T,) + shape[2:])
            inner_out = self.layer.compute_mask(x, inner_mask)
        if inner_out is None:
            if mask is None:
                return None
            return mask.reshape(mask.shape[:2] + (-1,)).any(axis=-1) if mask.ndim > 2 \
                else mask
        inner_out = np.asarray(getattr(inner_out, "value", inner_out))
        return inner_out.reshape((B, T) + inner_out.shape[1:])

