"""Convolutional LSTM layers: ConvLSTM1D, ConvLSTM2D, ConvLSTM3D.

An LSTM whose input and recurrent transformations are convolutions. A layer
call is one `ConvLSTMConvSequence` node over the C time loop of the
`convlstm` kernels, which run each step's input convolution and stride-1
'same' recurrent convolution as one GEMM, then the gates, and
backpropagation through time. Activations without a kernel code step
through taped ops instead (the input convolution of all N*T frames as one
`autograd.functions.conv.Conv`).
channels_first inputs are transposed to channels_last around both.
"""
import re

import numpy as np

from ckeras import activations, constraints, initializers, regularizers
from ckeras import backend as K
from ckeras._internal import config as _config
from ckeras._internal import naming
from ckeras.autograd.functions import conv as C
from ckeras.autograd.functions.convlstm import ConvLSTMConvSequence
from ckeras.autograd.tensor import Tensor
from ckeras.engine.base_layer import Layer
from ckeras.kernels.codes import RECURRENT_ACTS
from ckeras.layers.recurrent import folded_inputs, is_symbolic, rnn_call_args
from ckeras.utils.conv_utils import conv_output_length, normalize_padding, normalize_tuple

__all__ = ["ConvLSTMCell", "ConvLSTM", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"]


def _value(x):
    return x.value if isinstance(x, Tensor) else x


def _kernel_code(fn):
    code = activations.fused_code(fn)
    return code if code in RECURRENT_ACTS else None


def _to_last(x, rank, lead):
    """(lead axes, C, *S) -> (lead axes, *S, C)."""
    axes = tuple(range(lead)) + tuple(range(lead + 1, lead + 1 + rank)) + (lead,)
    return K.permute_dimensions(x, axes)


def _to_first(x, rank, lead):
    axes = tuple(range(lead)) + (lead + rank,) + tuple(range(lead, lead + rank))
    return K.permute_dimensions(x, axes)


class ConvLSTMCell(Layer):
    """The weights and per-step arguments of a ConvLSTM layer (tf-keras'
    `ConvLSTMCell`, named `conv_lstm_cell`; its `kernel`, `recurrent_kernel`
    and `bias` are named after the layer, as tf-keras 2.21 names them).

    Args:
        rank: number of spatial axes (1, 2 or 3).
        **kwargs: the other arguments of `ConvLSTM2D` (any activation and
            recurrent_activation work: those without a kernel code step
            through taped ops).
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, activation="tanh",
                 recurrent_activation="hard_sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        if rank not in (1, 2, 3):
            raise ValueError(f"Rank {rank} convolutions are not currently implemented. "
                             f"Received: rank={rank}")
        self.rank = rank
        try:
            filters = int(filters)
        except (TypeError, ValueError):
            raise ValueError("Invalid value for argument `filters`. Expected a strictly "
                             f"positive value. Received filters={filters!r}.") from None
        if filters <= 0:
            raise ValueError("Invalid value for argument `filters`. Expected a strictly "
                             f"positive value. Received filters={filters}.")
        self.filters = filters
        self.kernel_size = normalize_tuple(kernel_size, rank, "kernel_size")
        self.strides = normalize_tuple(strides, rank, "strides")
        self.padding = normalize_padding(padding)
        self.data_format = _config.normalize_data_format(data_format)
        self.dilation_rate = normalize_tuple(dilation_rate, rank, "dilation_rate")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                "`strides > 1` not supported in conjunction with `dilation_rate > 1`. "
                f"Received: strides={self.strides} and dilation_rate={self.dilation_rate}")
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        self.state_size = (self.filters, self.filters)

    def build(self, input_shape):
        axis = 1 if self.data_format == "channels_first" else -1
        input_dim = tuple(input_shape)[axis]
        if input_dim is None:
            raise ValueError(
                "The channel dimension of the inputs (last axis) should be defined. Found "
                f"None. Full input shape received: input_shape={tuple(input_shape)}")
        f = self.filters
        self.kernel = self.add_weight(
            "kernel", shape=self.kernel_size + (int(input_dim), 4 * f),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            "recurrent_kernel", shape=self.kernel_size + (f, 4 * f),
            initializer=self.recurrent_initializer, regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint)
        if self.use_bias:
            init = self.bias_initializer
            if self.unit_forget_bias:
                base = self.bias_initializer

                def init(shape, dtype=None):
                    return np.concatenate([np.asarray(base((f,), dtype=dtype)),
                                           np.ones((f,), dtype=dtype),
                                           np.asarray(base((2 * f,), dtype=dtype))]
                                          ).astype(dtype)
            self.bias = self.add_weight(
                "bias", shape=(4 * f,), initializer=init, regularizer=self.bias_regularizer,
                constraint=self.bias_constraint)
        else:
            self.bias = None
        self.built = True

    def output_spatial(self, spatial):
        """The spatial sizes of the states and outputs for input sizes `spatial`."""
        return tuple(conv_output_length(n, k, self.padding, s, d) for n, k, s, d in
                     zip(spatial, self.kernel_size, self.strides, self.dilation_rate))

    def get_config(self):
        config = super().get_config()
        config.update({
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "unit_forget_bias": self.unit_forget_bias,
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
        })
        return config


_CELL_ARGS = ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
              "activation", "recurrent_activation", "use_bias", "kernel_initializer",
              "recurrent_initializer", "bias_initializer", "unit_forget_bias",
              "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
              "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout",
              "recurrent_dropout")


class ConvLSTM(Layer):
    """Base of the N-D convolutional LSTM layers (`rank` spatial axes); see
    `ConvLSTM2D` for the arguments."""

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, activation="tanh",
                 recurrent_activation="hard_sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, dropout=0.0, recurrent_dropout=0.0, **kwargs):
        if kwargs.pop("unroll", False):
            raise TypeError("Unrolling is not possible with convolutional RNNs. "
                            "Received: unroll=True")
        kwargs.pop("time_major", None)
        kwargs.pop("cell", None)
        if not kwargs.get("name"):
            # tf-keras' snake case splits before capitals followed by
            # lowercase only: "ConvLSTM2D" -> "conv_lstm2d".
            kwargs["name"] = naming.unique_name(
                re.sub("([a-z])([A-Z])", r"\1_\2",
                       re.sub("(.)([A-Z][a-z]+)", r"\1_\2", type(self).__name__)).lower())
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.cell = ConvLSTMCell(
            rank, filters, kernel_size, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate, activation=activation,
            recurrent_activation=recurrent_activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, unit_forget_bias=unit_forget_bias,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
            dropout=dropout, recurrent_dropout=recurrent_dropout, name="conv_lstm_cell",
            dtype=kwargs.get("dtype"), trainable=kwargs.get("trainable", True))
        self.rank = rank
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = False
        self.supports_masking = True
        self._states = None
        self._stateful_batch = None
        self._batch_shape = None

    # ------------------------------------------------------------ shapes
    def _seq_shape(self, input_shape):
        if isinstance(input_shape, list):
            input_shape = input_shape[0]
        shape = tuple(input_shape)
        if len(shape) != self.rank + 3:
            raise ValueError(
                f'Input 0 of layer "{self.name}" is incompatible with the layer: expected '
                f"ndim={self.rank + 3}, found ndim={len(shape)}. Full shape received: {shape}")
        return shape

    def _spatial(self, shape):
        return shape[3:] if self.data_format == "channels_first" else shape[2:-1]

    def _state_shape(self, shape):
        """The (batch, ...) shape of each state for an input of `shape`."""
        out = self.cell.output_spatial(self._spatial(shape))
        if self.data_format == "channels_first":
            return (shape[0], self.filters) + out
        return (shape[0],) + out + (self.filters,)

    def compute_output_shape(self, input_shape):
        shape = self._seq_shape(input_shape)
        state = self._state_shape(shape)
        out = state[:1] + (shape[1],) + state[1:] if self.return_sequences else state
        if self.return_state:
            return [out, state, state]
        return out

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        out = mask if self.return_sequences else None
        if self.return_state:
            return [out, None, None]
        return out

    # ------------------------------------------------------------- build
    def __call__(self, *args, **kwargs):
        inputs, initial_state, constants, kwargs = rnn_call_args(args, kwargs)
        if constants is not None:
            raise ValueError(f'Layer "{self.name}" does not support constants. '
                             f"Received: constants={constants}")
        if not is_symbolic(initial_state):
            if initial_state is not None:
                kwargs["initial_state"] = initial_state
            return super().__call__(inputs, **kwargs)
        # Graph initial states join the inputs, as in tf-keras.
        return super().__call__(folded_inputs(inputs, initial_state, None), **kwargs)

    def build(self, input_shape):
        shape = self._seq_shape(input_shape)
        if self.stateful:
            if shape[0] is None or None in self._spatial(shape):
                raise ValueError(
                    "If a RNN is stateful, it needs to know its batch size. Specify the batch "
                    "size of your input tensors: \n- If using a Sequential model, specify "
                    "the batch size by passing a `batch_input_shape` argument to your first "
                    "layer.\n- If using the functional API, specify the time dimension by "
                    "passing a `batch_shape` argument to your Input layer.\nThe same thing "
                    "goes for the number of rows and columns.")
            self._stateful_batch = int(shape[0])
            self._batch_shape = shape
        if not self.cell.built:
            self.cell.build((shape[0],) + shape[2:])
        # tf-keras 2.21 builds the cell outside its name scope: its weights are
        # "<layer>/kernel:0", without the cell's name, in every file it writes.
        for w in self.cell.weights:
            w.name = f"{self.name}/{w.name.split('/')[-1]}"
        if self.stateful:
            self.reset_states()
        self.built = True

    # ------------------------------------------------------------ states
    @property
    def states(self):
        if self._states is None:
            return [None, None]
        return list(self._states)

    def reset_states(self, states=None):
        """Resets the states of a stateful layer to zeros, or to `states`."""
        if not self.stateful:
            raise AttributeError("Layer must be stateful.")
        if self._batch_shape is None:
            raise ValueError(
                f'Layer "{self.name}" is stateful: it needs to know its batch size and '
                "input shape before its states can be reset (build it first).")
        shape = self._state_shape(self._batch_shape)
        if states is None:
            self._states = [np.zeros(shape, self.dtype), np.zeros(shape, self.dtype)]
            return
        if not isinstance(states, (list, tuple)):
            states = [states]
        if len(states) != 2:
            raise ValueError(f"Layer {self.name} expects 2 states, but it received "
                             f"{len(states)} state values. States received: {states}")
        new = []
        for index, v in enumerate(states):
            v = np.asarray(_value(v), dtype=self.dtype)
            if v.shape != shape:
                raise ValueError(f"State {index} is incompatible with layer {self.name}: "
                                 f"expected shape={shape}, found shape={v.shape}")
            new.append(v.copy())
        self._states = new

    # -------------------------------------------------------------- call
    def call(self, inputs, mask=None, training=None, initial_state=None):
        if isinstance(inputs, (list, tuple)):
            inputs = list(inputs)
            if initial_state is None and len(inputs) > 1:
                initial_state = inputs[1:]
            inputs = inputs[0]
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        shape = self._seq_shape(tuple(inputs.shape))
        cell, rank = self.cell, self.rank
        x = inputs
        if not isinstance(x, Tensor):
            x = np.asarray(x)
            if x.dtype != self.dtype:
                x = x.astype(self.dtype)
        first = cell.data_format == "channels_first"
        if first:
            x = _to_last(x, rank, 2)
        N, T = int(shape[0]), int(shape[1])
        training = self._training(training)
        out_shape = tuple(int(v) for v in cell.output_spatial(tuple(x.shape[2:-1])))
        act, ract = _kernel_code(cell.activation), _kernel_code(cell.recurrent_activation)
        h0, c0 = self._initial(initial_state, N, out_shape)
        xmask = None
        if training and 0 < cell.dropout < 1:
            # Keras 2: one mask per sample and gate, the same at every timestep.
            ones = np.ones((N,) + tuple(int(v) for v in x.shape[2:]), self.dtype)
            xmask = np.stack([_value(K.dropout(ones, cell.dropout)) for _ in range(4)])
        rmask = None
        if training and 0 < cell.recurrent_dropout < 1:
            ones = np.ones((N,) + out_shape + (self.filters,), self.dtype)
            rmask = np.stack([_value(K.dropout(ones, cell.recurrent_dropout))
                              for _ in range(4)])
        mask = self._mask(mask, N, T)
        if act is None or ract is None:
            xz = self._input_conv(x, N, T, xmask)
            out, h, c = self._steps(xz, h0, c0, mask, rmask)
        else:
            # the input convolution runs inside the kernels' time loop
            args = (x, cell.kernel, cell.recurrent_kernel, h0, c0)
            if cell.bias is not None:
                args += (cell.bias,)
            out, h, c = ConvLSTMConvSequence.apply(
                *args, mask=mask, xmask=xmask, rmask=rmask, go_backwards=self.go_backwards,
                return_sequences=self.return_sequences, act=act, ract=ract,
                strides=cell.strides, dilations=cell.dilation_rate, padding=cell.padding)
        if self.stateful:
            self._states = [np.array(_value(s), dtype=self.dtype, copy=True) for s in (h, c)]
        if first:
            out = _to_first(out, rank, 2 if self.return_sequences else 1)
            h, c = _to_first(h, rank, 1), _to_first(c, rank, 1)
        if self.return_state:
            return [out, h, c]
        return out

    @staticmethod
    def _training(training):
        if training is None:
            training = K.learning_phase()
        return bool(_value(training))

    def _input_conv(self, x, N, T, xmask):
        """The input convolution of all N*T frames, with the bias: (N, T, *S', 4F)
        (for the step-by-step path; gate g convolves x * xmask[g] when set)."""
        cell = self.cell
        frames = K.reshape(x, (N * T,) + tuple(int(v) for v in x.shape[2:]))
        attrs = dict(strides=cell.strides, dilations=cell.dilation_rate, padding=cell.padding)
        if xmask is not None:
            f = self.filters
            parts = []
            for g in range(4):
                xg = frames * np.repeat(xmask[g], T, axis=0)
                b = None if cell.bias is None else cell.bias[g * f:(g + 1) * f]
                parts.append(C.Conv.apply(xg, cell.kernel[..., g * f:(g + 1) * f], b, **attrs))
            z = K.concatenate(parts, axis=-1)
        elif cell.bias is None:
            z = C.Conv.apply(frames, cell.kernel, **attrs)
        else:
            z = C.Conv.apply(frames, cell.kernel, cell.bias, **attrs)
        return K.reshape(z, (N, T) + tuple(int(v) for v in z.shape[1:]))

    def _steps(self, xz, h, c, mask, rmask):
        """The recurrence step by step on taped ops, for activations the
        kernel has no code for (same rules as ConvLSTMConvSequence)."""
        cell, f, rank = self.cell, self.filters, self.rank
        R = cell.recurrent_kernel
        attrs = dict(strides=(1,) * rank, dilations=(1,) * rank, padding="same")
        N, T = int(xz.shape[0]), int(xz.shape[1])
        out, outs = None, []
        for t in (range(T - 1, -1, -1) if self.go_backwards else range(T)):
            if rmask is None:
                rz = C.Conv.apply(h, R, **attrs)
            else:
                rz = K.concatenate([C.Conv.apply(h * rmask[g], R[..., g * f:(g + 1) * f],
                                                 **attrs) for g in range(4)], axis=-1)
            z = xz[:, t] + rz
            i = cell.recurrent_activation(z[..., :f])
            fg = cell.recurrent_activation(z[..., f:2 * f])
            o = cell.recurrent_activation(z[..., 3 * f:])
            c_new = fg * c + i * cell.activation(z[..., 2 * f:3 * f])
            h_new = o * cell.activation(c_new)
            if mask is None:
                h, c, out = h_new, c_new, h_new
            else:
                # masked samples carry their states and repeat the previous output
                m = mask[:, t].reshape((N,) + (1,) * (rank + 1)).astype(self.dtype)
                h, c = h_new * m + h * (1 - m), c_new * m + c * (1 - m)
                out = h_new * m if out is None else h_new * m + out * (1 - m)
            outs.append(out)
        return (K.stack(outs, axis=1) if self.return_sequences else out), h, c

    def _mask(self, mask, N, T):
        if mask is None:
            return None
        mask = np.asarray(_value(mask)).astype(bool)
        if mask.ndim > 2 and mask.shape[:2] == (N, T):
            # A (N, T, *S) mask (Masking in front) that masks whole frames is
            # Keras' per-sample rule; tf-keras also masks single positions,
            # which the kernel does not do.
            shape, frames = mask.shape, mask.reshape(N, T, -1)
            mask = frames.any(axis=-1)
            if (frames.all(axis=-1) != mask).any():
                raise ValueError(
                    f'Layer "{self.name}" received a mask of shape {shape} that masks single '
                    "positions of a frame; ConvLSTM layers take masks of whole timesteps, of "
                    f"shape ({N}, {T}) (or constant over each frame).")
        if mask.shape != (N, T):
            raise ValueError(
                f'The mask given to layer "{self.name}" has shape {mask.shape}, which does '
                f"not fit its input (expected ({N}, {T})).")
        return None if mask.all() else mask

    def _initial(self, initial_state, N, out_shape):
        want = (N,) + out_shape + (self.filters,)
        first = self.cell.data_format == "channels_first"
        if initial_state is not None:
            if not isinstance(initial_state, (list, tuple)):
                initial_state = [initial_state]
            if len(initial_state) != 2:
                raise ValueError(
                    f'Layer "{self.name}" expects 2 states, but it received '
                    f"{len(initial_state)} initial state(s). Input received: {initial_state}")
            states = []
            for i, s in enumerate(initial_state):
                if not isinstance(s, Tensor):
                    s = np.asarray(s, dtype=self.dtype)
                if first:
                    s = _to_last(s, self.rank, 1)
                if tuple(s.shape) != want:
                    expect = _to_first_shape(want, self.rank) if first else want
                    raise ValueError(
                        f'Initial state {i} of layer "{self.name}" has shape '
                        f"{tuple(initial_state[i].shape)}, expected {expect}.")
                states.append(s)
            return states
        if self.stateful:
            if self._states is None:
                self.reset_states()
            if self._stateful_batch != N:
                raise ValueError(
                    f'Layer "{self.name}" is stateful with batch size {self._stateful_batch}, '
                    f"but it was called on a batch of size {N}. A stateful RNN needs the same "
                    "batch size at every call.")
            states = self._states
            return [_to_last(s, self.rank, 1) for s in states] if first else list(states)
        zero = np.zeros(want, self.dtype)
        return [zero, zero]

    def get_config(self):
        config = {
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": False,
            "time_major": False,
        }
        config.update(super().get_config())
        cell = self.cell.get_config()
        for key in ("name", "trainable", "dtype"):
            cell.pop(key, None)
        config.update(cell)
        config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _delegate(cls):
    for name in _CELL_ARGS:
        setattr(cls, name, property(lambda self, a=name: getattr(self.cell, a)))
    return cls


_delegate(ConvLSTM)


def _to_first_shape(shape, rank):
    return (shape[0], shape[-1]) + tuple(shape[1:-1])


_ARGS_DOC = """
    Args:
        filters: number of output filters of the convolutions.
        kernel_size: int or tuple of {rank} ints: the convolution window.
        strides: int or tuple of {rank} ints (input convolution only; the
            recurrent convolution has stride 1). Strides > 1 cannot be
            combined with `dilation_rate` > 1.
        padding: 'valid' or 'same' (input convolution; the recurrent one is
            always 'same').
        data_format: 'channels_last' (inputs `(batch, time, {axes}, channels)`)
            or 'channels_first' (`(batch, time, channels, {axes})`); None
            uses `image_data_format()`.
        dilation_rate: int or tuple of {rank} ints (input convolution).
        activation: of the candidate and the output (default 'tanh').
        recurrent_activation: of the gates (default 'hard_sigmoid').
        use_bias, kernel_initializer, recurrent_initializer ('orthogonal'),
        bias_initializer, unit_forget_bias (True: forget-gate bias starts at
        1), kernel_regularizer, recurrent_regularizer, bias_regularizer,
        activity_regularizer, kernel_constraint, recurrent_constraint,
        bias_constraint: as in `LSTM`.
        return_sequences: return the whole output sequence, not the last output.
        return_state: also return the final states `[output, h, c]`.
        go_backwards: process the sequence backwards.
        stateful: the final states of batch i start batch i + 1.
        dropout: fraction of the input dropped (training only; one mask per
            sample and gate for the whole sequence).
        recurrent_dropout: fraction of the recurrent state dropped (same rule).

    Call arguments:
        inputs: a {nd}-D tensor; mask: `(batch, time)` boolean; training;
        initial_state: `[h0, c0]`, each of the state shape.

    Returns:
        `(batch, [time,] {axes}', filters)` (channels_last), plus the two
        states when `return_state`.
"""


class ConvLSTM1D(ConvLSTM):
    __doc__ = """1-D convolutional LSTM.
""" + _ARGS_DOC.format(rank=1, axes="rows", nd=4) + """
    Example:
        >>> ConvLSTM1D(4, 3)(np.ones((2, 5, 10, 3), "float32")).shape
        (2, 8, 4)
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="hard_sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, dropout=0.0,
                 recurrent_dropout=0.0, **kwargs):
        super().__init__(1, **_args(locals()), **kwargs)


class ConvLSTM2D(ConvLSTM):
    __doc__ = """2-D convolutional LSTM (Shi et al., 2015).
""" + _ARGS_DOC.format(rank=2, axes="rows, cols", nd=5) + """
    Example:
        >>> ConvLSTM2D(4, 3, padding="same")(np.ones((2, 5, 8, 8, 3), "float32")).shape
        (2, 8, 8, 4)
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 data_format=None, dilation_rate=(1, 1), activation="tanh",
                 recurrent_activation="hard_sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, dropout=0.0, recurrent_dropout=0.0, **kwargs):
        super().__init__(2, **_args(locals()), **kwargs)


class ConvLSTM3D(ConvLSTM):
    __doc__ = """3-D convolutional LSTM.
""" + _ARGS_DOC.format(rank=3, axes="depth, rows, cols", nd=6) + """
    Example:
        >>> ConvLSTM3D(2, 2)(np.ones((1, 3, 4, 4, 4, 1), "float32")).shape
        (1, 3, 3, 3, 2)
    """

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 data_format=None, dilation_rate=(1, 1, 1), activation="tanh",
                 recurrent_activation="hard_sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, dropout=0.0, recurrent_dropout=0.0, **kwargs):
        super().__init__(3, **_args(locals()), **kwargs)


def _args(local):
    return {k: v for k, v in local.items() if k not in ("self", "kwargs", "__class__")}
