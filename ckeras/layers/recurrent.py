"""Recurrent layers: RNN, the SimpleRNN/LSTM/GRU cells and layers, StackedRNNCells.

SimpleRNN, LSTM and GRU (and `RNN` around one of their cells) run the whole
sequence in one C kernel call with backpropagation through time
(`ckeras.autograd.functions.rnn`), dropout included (the cell's masks of the
call go to the kernel); any other cell or an activation the kernel does not
know take the generic per-step path (`K.rnn` over taped ops), which gives
the same numbers.
"""
import functools
import inspect

import numpy as np

from ckeras import activations, constraints, initializers, regularizers
from ckeras import backend as K
from ckeras._internal.nest import flatten
from ckeras.autograd.functions import nn as _N
from ckeras.autograd.functions import rnn as _rnn_fn
from ckeras.autograd.tensor import SymbolicTensor, Tensor
from ckeras.engine.base_layer import Layer
from ckeras.engine.call import signature
from ckeras.kernels.codes import RECURRENT_ACTS

__all__ = ["RNN", "SimpleRNNCell", "LSTMCell", "GRUCell", "StackedRNNCells",
           "SimpleRNN", "LSTM", "GRU"]



def _value(x):
    return x.value if isinstance(x, Tensor) else x


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def rnn_call_args(args, kwargs):
    """Keras' `RNN.__call__(inputs, initial_state=None, constants=None,
    **kwargs)` arguments, positional or not: `(inputs, initial_state,
    constants, other_kwargs)`, the states and constants as lists or None."""
    kwargs = dict(kwargs)
    names = ("inputs", "initial_state", "constants")
    if len(args) > len(names):
        raise TypeError(f"Too many positional arguments for a recurrent layer call: "
                        f"{len(args)} (inputs, initial_state, constants).")
    values = dict(zip(names, args))
    for name in names[len(args):]:
        values[name] = kwargs.pop(name, None)
    state, constants = values["initial_state"], values["constants"]
    return (values["inputs"], None if state is None else _as_list(state),
            None if constants is None else _as_list(constants), kwargs)


def folded_inputs(inputs, initial_state, constants):
    """`[inputs, *initial_state, *constants]`: how a graph call records them."""
    full = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    return full + list(initial_state or ()) + list(constants or ())


def is_symbolic(values):
    """Whether `values` (a tensor or a structure of them) holds a graph tensor."""
    return values is not None and any(isinstance(t, SymbolicTensor) for t in flatten(values))


def _training(training):
    if training is None:
        training = K.learning_phase()
    return bool(_value(training)) if not isinstance(training, bool) else training


def _kernel_code(fn):
    code = activations.fused_code(fn)
    return code if code in RECURRENT_ACTS else None


def state_sizes(cell):
    size = cell.state_size
    if isinstance(size, (list, tuple)):
        if all(type(s) is int for s in size):   # flat already (the built-in cells)
            return list(size)
        return [int(s) for s in flatten(list(size))]
    return [int(size)]


def initial_states(cell, batch_size, dtype):
    """The states a sequence starts from (no `initial_state` given): the
    cell's `get_initial_state(inputs=None, batch_size=, dtype=)` when it has
    one (tf-keras), else zeros of `(batch_size, size)`, as a flat list."""
    fn = getattr(cell, "get_initial_state", None)
    if fn is None:
        return [np.zeros((batch_size, s), dtype=dtype) for s in state_sizes(cell)]
    states = fn(inputs=None, batch_size=batch_size, dtype=dtype)
    states = flatten(list(states)) if isinstance(states, (list, tuple)) else [states]
    return [s if isinstance(s, Tensor) else np.asarray(s, dtype=dtype) for s in states]


def _zero_states(cell, inputs, batch_size, dtype):
    if inputs is not None:
        batch_size, dtype = inputs.shape[0], inputs.dtype
    dtype = np.dtype(dtype) if dtype is not None else np.dtype(cell.dtype)
    states = [np.zeros((int(batch_size), s), dtype=dtype) for s in state_sizes(cell)]
    return states if isinstance(cell.state_size, (list, tuple)) else states[0]


def _output_size(cell):
    size = getattr(cell, "output_size", None)
    if size is None:
        return state_sizes(cell)[0]
    return int(size)


class AbstractRNNCell(Layer):
    """Base class of RNN cells: a layer that processes one timestep.

    A subclass implements `call(inputs, states)` returning `(output,
    new_states)` and the properties `state_size` (an int, or a list of ints
    for several states) and `output_size`; `RNN(cell)` runs it over time.

    Example:
        >>> class MinimalRNNCell(AbstractRNNCell):
        ...     def __init__(self, units, **kwargs):
        ...         super().__init__(**kwargs)
        ...         self.units = units
        ...     @property
        ...     def state_size(self):
        ...         return self.units
        ...     @property
        ...     def output_size(self):
        ...         return self.units
        ...     def build(self, input_shape):
        ...         self.kernel = self.add_weight("kernel", (input_shape[-1], self.units))
        ...         self.built = True
        ...     def call(self, inputs, states):
        ...         h = K.dot(inputs, self.kernel) + states[0]
        ...         return h, [h]
        >>> RNN(MinimalRNNCell(4))(np.ones((2, 3, 5), "float32")).shape
        (2, 4)
    """

    def call(self, inputs, states):
        raise NotImplementedError

    @property
    def state_size(self):
        raise NotImplementedError

    @property
    def output_size(self):
        raise NotImplementedError

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        """Zero states of `state_size` (the batch size and dtype of `inputs`
        when given)."""
        return _zero_states(self, inputs, batch_size, dtype)


class RecurrentCellBase(Layer):
    """What the SimpleRNN, LSTM and GRU cells share: argument checks, the
    kernel/recurrent_kernel/bias weights, their config, and the dropout masks
    (drawn once per layer call and reused at every timestep)."""

    def reset_dropout_mask(self):
        self._dp_mask = None
        self._rdp_mask = None

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        """Zero states: one array `(batch, units)`, or a list for LSTM's two
        (the batch size and dtype of `inputs` when given)."""
        return _zero_states(self, inputs, batch_size, dtype)

    def _masks(self, attr, rate, like, count, training):
        """The `count` per-gate masks of `attr` for this call, drawn on first
        use. Under `implementation=2` (tf-keras) the gates share one input
        mask; recurrent dropout always has one mask per gate (it forces
        `implementation=1`)."""
        if not training or rate <= 0:
            return None
        masks = getattr(self, attr, None)
        if masks is None:
            state = _N.layer_generator(self)
            shared = attr == "_dp_mask" and getattr(self, "implementation", 1) != 1
            masks = [_N.dropout_mask(state, rate, like.shape, self.dtype)
                     for _ in range(1 if shared else count)]
            masks = masks * count if shared else masks
            setattr(self, attr, masks)
        return masks

    def _common_init(self, units, activation, use_bias, kernel_initializer,
                     recurrent_initializer, bias_initializer, kernel_regularizer,
                     recurrent_regularizer, bias_regularizer, kernel_constraint,
                     recurrent_constraint, bias_constraint, dropout, recurrent_dropout):
        try:
            units = int(units)
        except (TypeError, ValueError):
            raise ValueError("Received an invalid value for argument `units`, expected a "
                             f"positive integer, got {units!r}.") from None
        if units <= 0:
            raise ValueError("Received an invalid value for argument `units`, expected a "
                             f"positive integer, got {units}.")
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        self.reset_dropout_mask()

    def _make_weights(self, input_dim, gates, bias_shape, bias_init=None):
        n = gates * self.units
        self.kernel = self.add_weight(
            "kernel", shape=(input_dim, n), initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            "recurrent_kernel", shape=(self.units, n), initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer, constraint=self.recurrent_constraint)
        if self.use_bias:
            self.bias = self.add_weight(
                "bias", shape=bias_shape, initializer=bias_init or self.bias_initializer,
                regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        else:
            self.bias = None
        self.built = True

    def _common_config(self):
        return {
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
        }


def _input_dim(input_shape):
    if isinstance(input_shape, list):
        input_shape = input_shape[0]
    dim = tuple(input_shape)[-1]
    if dim is None:
        raise ValueError("The last dimension of the inputs to a recurrent cell should be "
                         f"defined. Found None. Full input shape received: {input_shape}")
    return int(dim)


# ------------------------------------------------------------------ cells
class SimpleRNNCell(RecurrentCellBase):
    """Cell class for SimpleRNN: `h_t = activation(x_t W + h_{t-1} U + b)`.

    Args:
        units: positive integer, dimensionality of the output space.
        activation: activation function (default `tanh`).
        use_bias: whether to use a bias vector.
        kernel_initializer: initializer of `kernel` (F, units).
        recurrent_initializer: initializer of `recurrent_kernel` (units,
            units) (default orthogonal).
        bias_initializer: initializer of `bias` (units,).
        kernel_regularizer: regularizer of `kernel`.
        recurrent_regularizer: regularizer of `recurrent_kernel`.
        bias_regularizer: regularizer of `bias`.
        kernel_constraint: constraint of `kernel`.
        recurrent_constraint: constraint of `recurrent_kernel`.
        bias_constraint: constraint of `bias`.
        dropout: fraction of the input units to drop (training only).
        recurrent_dropout: fraction of the recurrent units to drop.

    Call arguments:
        inputs: (batch, features) tensor of one timestep.
        states: list with the previous state `[h]`.
        training: whether dropout applies.

    Example:
        >>> layer = RNN(SimpleRNNCell(4))
        >>> layer(np.ones((2, 3, 5))).shape
        (2, 4)
    """

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        self._common_init(units, activation, use_bias, kernel_initializer,
                          recurrent_initializer, bias_initializer, kernel_regularizer,
                          recurrent_regularizer, bias_regularizer, kernel_constraint,
                          recurrent_constraint, bias_constraint, dropout, recurrent_dropout)

    @property
    def state_size(self):
        return self.units

    @property
    def output_size(self):
        return self.units

    def build(self, input_shape):
        self._make_weights(_input_dim(input_shape), 1, (self.units,))

    def call(self, inputs, states, training=None):
        training = _training(training)
        h_tm1 = states[0] if isinstance(states, (list, tuple)) else states
        dp = self._masks("_dp_mask", self.dropout, inputs, 1, training)
        rdp = self._masks("_rdp_mask", self.recurrent_dropout, h_tm1, 1, training)
        x = inputs * dp[0] if dp else inputs
        h = K.dot(x, self.kernel)
        if self.bias is not None:
            h = h + self.bias
        hp = h_tm1 * rdp[0] if rdp else h_tm1
        out = self.activation(h + K.dot(hp, self.recurrent_kernel))
        return out, [out]

    def get_config(self):
        config = super().get_config()
        config.update(self._common_config())
        return config


class LSTMCell(RecurrentCellBase):
    """Cell class for the LSTM layer (gate order i, f, c, o in every weight).

    Args:
        units: positive integer, dimensionality of the output space.
        activation: activation of the candidate and of the output (default
            `tanh`).
        recurrent_activation: activation of the gates (default `sigmoid`).
        use_bias: whether to use a bias vector.
        kernel_initializer: initializer of `kernel` (F, 4u).
        recurrent_initializer: initializer of `recurrent_kernel` (u, 4u)
            (default orthogonal).
        bias_initializer: initializer of `bias` (4u,).
        unit_forget_bias: if True, add 1 to the forget-gate bias at
            initialization (and use zeros for the rest of the bias).
        kernel_regularizer: regularizer of `kernel`.
        recurrent_regularizer: regularizer of `recurrent_kernel`.
        bias_regularizer: regularizer of `bias`.
        kernel_constraint: constraint of `kernel`.
        recurrent_constraint: constraint of `recurrent_kernel`.
        bias_constraint: constraint of `bias`.
        dropout: fraction of the inputs dropped (training only).
        recurrent_dropout: fraction of the recurrent state dropped (training
            only).
        **kwargs: `implementation` (1 or 2, as in tf-keras: with 2, the
            default, input dropout draws one mask shared by the four gates,
            with 1 one per gate; `recurrent_dropout` forces 1; otherwise the
            same numbers), and the base Layer arguments.

    Example:
        >>> RNN(LSTMCell(4))(np.ones((2, 3, 5))).shape
        (2, 4)
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, **kwargs):
        self.implementation = int(kwargs.pop("implementation", 2))
        super().__init__(**kwargs)
        self._common_init(units, activation, use_bias, kernel_initializer,
                          recurrent_initializer, bias_initializer, kernel_regularizer,
                          recurrent_regularizer, bias_regularizer, kernel_constraint,
                          recurrent_constraint, bias_constraint, dropout, recurrent_dropout)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = bool(unit_forget_bias)
        if self.recurrent_dropout:
            self.implementation = 1    # as tf-keras: recurrent dropout needs it

    @property
    def state_size(self):
        return [self.units, self.units]

    @property
    def output_size(self):
        return self.units

    def build(self, input_shape):
        u = self.units
        init = None
        if self.unit_forget_bias:
            base = self.bias_initializer

            def init(shape, dtype=None):
                return np.concatenate([np.asarray(base((u,), dtype=dtype)),
                                       np.ones((u,), dtype=dtype),
                                       np.asarray(base((2 * u,), dtype=dtype))]).astype(dtype)
        self._make_weights(_input_dim(input_shape), 4, (4 * u,), init)

    def call(self, inputs, states, training=None):
        training = _training(training)
        h_tm1, c_tm1 = states[0], states[1]
        u = self.units
        dp = self._masks("_dp_mask", self.dropout, inputs, 4, training)
        rdp = self._masks("_rdp_mask", self.recurrent_dropout, h_tm1, 4, training)
        W, R, b = self.kernel, self.recurrent_kernel, self.bias
        if dp is None and rdp is None:
            z = K.dot(inputs, W) + K.dot(h_tm1, R)
            if b is not None:
                z = z + b
            zs = [z[:, k * u:(k + 1) * u] for k in range(4)]
        else:
            zs = []
            for k in range(4):
                xk = inputs * dp[k] if dp else inputs
                hk = h_tm1 * rdp[k] if rdp else h_tm1
                zk = K.dot(xk, W[:, k * u:(k + 1) * u]) + K.dot(hk, R[:, k * u:(k + 1) * u])
                if b is not None:
                    zk = zk + b[k * u:(k + 1) * u]
                zs.append(zk)
        i = self.recurrent_activation(zs[0])
        f = self.recurrent_activation(zs[1])
        c = f * c_tm1 + i * self.activation(zs[2])
        o = self.recurrent_activation(zs[3])
        h = o * self.activation(c)
        return h, [h, c]

    def get_config(self):
        config = super().get_config()
        config.update(self._common_config())
        config.update({
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "unit_forget_bias": self.unit_forget_bias,
            "implementation": self.implementation,
        })
        return config


class GRUCell(RecurrentCellBase):
    """Cell class for the GRU layer (gate order z, r, h in every weight).

    `h_t = z * h_{t-1} + (1 - z) * h~`; with `reset_after=True` (TF2 default)
    the reset gate applies after the recurrent matmul and the bias is
    (2, 3u) (input bias, recurrent bias); with False before it, bias (3u,).

    Args:
        units: positive integer, dimensionality of the output space.
        activation: candidate activation (default `tanh`).
        recurrent_activation: gate activation (default `sigmoid`).
        reset_after: see above.
        dropout: fraction of the inputs dropped (training only).
        recurrent_dropout: fraction of the recurrent state dropped (training
            only).
        **kwargs: `implementation` (1 or 2, as for `LSTMCell`: dropout masks
            per gate or shared), and the base Layer arguments.

    `use_bias`, the initializers (`recurrent_initializer` defaults to
    orthogonal), the regularizers and the constraints are as in `LSTMCell`.

    Example:
        >>> RNN(GRUCell(4))(np.ones((2, 3, 5))).shape
        (2, 4)
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, reset_after=True, **kwargs):
        self.implementation = int(kwargs.pop("implementation", 2))
        super().__init__(**kwargs)
        self._common_init(units, activation, use_bias, kernel_initializer,
                          recurrent_initializer, bias_initializer, kernel_regularizer,
                          recurrent_regularizer, bias_regularizer, kernel_constraint,
                          recurrent_constraint, bias_constraint, dropout, recurrent_dropout)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.reset_after = bool(reset_after)
        if self.recurrent_dropout:
            self.implementation = 1    # as tf-keras: recurrent dropout needs it

    @property
    def state_size(self):
        return self.units

    @property
    def output_size(self):
        return self.units

    def build(self, input_shape):
        u = self.units
        self._make_weights(_input_dim(input_shape), 3,
                           (2, 3 * u) if self.reset_after else (3 * u,))

    def call(self, inputs, states, training=None):
        training = _training(training)
        h_tm1 = states[0] if isinstance(states, (list, tuple)) else states
        u = self.units
        dp = self._masks("_dp_mask", self.dropout, inputs, 3, training)
        rdp = self._masks("_rdp_mask", self.recurrent_dropout, h_tm1, 3, training)
        W, R, b = self.kernel, self.recurrent_kernel, self.bias
        if b is not None:
            b_in, b_rec = (b[0], b[1]) if self.reset_after else (b, None)
        xs = [K.dot(inputs * dp[k] if dp else inputs, W[:, k * u:(k + 1) * u])
              for k in range(3)]
        if b is not None:
            xs = [xs[k] + b_in[k * u:(k + 1) * u] for k in range(3)]
        hs = [h_tm1 * rdp[k] if rdp else h_tm1 for k in range(3)]
        if self.reset_after:
            rec = [K.dot(hs[k], R[:, k * u:(k + 1) * u]) for k in range(3)]
            if b is not None:
                rec = [rec[k] + b_rec[k * u:(k + 1) * u] for k in range(3)]
            z = self.recurrent_activation(xs[0] + rec[0])
            r = self.recurrent_activation(xs[1] + rec[1])
            hh = self.activation(xs[2] + r * rec[2])
        else:
            z = self.recurrent_activation(xs[0] + K.dot(hs[0], R[:, :u]))
            r = self.recurrent_activation(xs[1] + K.dot(hs[1], R[:, u:2 * u]))
            hh = self.activation(xs[2] + K.dot(r * hs[2], R[:, 2 * u:]))
        h = z * h_tm1 + (1 - z) * hh
        return h, [h]

    def get_config(self):
        config = super().get_config()
        config.update(self._common_config())
        config.update({
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "implementation": self.implementation,
            "reset_after": self.reset_after,
        })
        return config


class StackedRNNCells(Layer):
    """Wrapper making a stack of RNN cells behave as a single cell.

    States are every cell's states, cell after cell (in reverse cell order
    with `reverse_state_order`); the output is the last cell's output.

    Args:
        cells: list of cell instances.
        reverse_state_order: Keras 2's option to order the states from the
            last cell to the first (not saved in the config, as in
            tf-keras, which deprecates it).

    Attributes:
        state_size: a tuple with the `state_size` of every cell, in state
            order (tf-keras 2.x; Keras 2.3 flattened it).

    Example:
        >>> RNN(StackedRNNCells([LSTMCell(8), GRUCell(4)]))(np.ones((2, 3, 5))).shape
        (2, 4)
    """

    def __init__(self, cells, reverse_state_order=False, **kwargs):
        for cell in cells:
            if not hasattr(cell, "call") or not hasattr(cell, "state_size"):
                raise ValueError("All cells must have a `call` method and a `state_size` "
                                 f"attribute. Received cells: {cells}")
        super().__init__(**kwargs)
        self.cells = list(cells)
        self.reverse_state_order = bool(reverse_state_order)

    def _state_order(self):
        return self.cells[::-1] if self.reverse_state_order else self.cells

    @property
    def state_size(self):
        return tuple(cell.state_size for cell in self._state_order())

    @property
    def output_size(self):
        return _output_size(self.cells[-1])

    def build(self, input_shape):
        constants_shapes = ()
        if isinstance(input_shape, list) and input_shape and \
                isinstance(input_shape[0], (list, tuple)):
            input_shape, constants_shapes = input_shape[0], input_shape[1:]
        dim = _input_dim(input_shape)
        for cell in self.cells:
            _build_cell(cell, (None, dim), self.name, constants_shapes)
            dim = _output_size(cell)
        self.built = True

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        """Every cell's initial states, in state order, as one flat list."""
        if inputs is not None:
            batch_size, dtype = inputs.shape[0], inputs.dtype
        dtype = dtype if dtype is not None else self.dtype
        return [s for cell in self._state_order()
                for s in initial_states(cell, batch_size, dtype)]

    def reset_dropout_mask(self):
        for cell in self.cells:
            if hasattr(cell, "reset_dropout_mask"):
                cell.reset_dropout_mask()

    def call(self, inputs, states, constants=None, training=None):
        states = list(states)
        per_cell = []
        for cell in self._state_order():
            n = len(state_sizes(cell))
            per_cell.append(states[:n])
            states = states[n:]
        if self.reverse_state_order:
            per_cell.reverse()
        new_states = []
        x = inputs
        for cell, own in zip(self.cells, per_cell):
            consts = constants if constants is not None and takes_constants(cell) else None
            x, ns = _cell_step(cell, x, own, training, consts)
            new_states.append(list(ns) if isinstance(ns, (list, tuple)) else [ns])
        if self.reverse_state_order:
            new_states.reverse()
        return x, [s for group in new_states for s in group]

    def get_config(self):
        from ckeras.layers import serialize
        config = super().get_config()
        config["cells"] = [serialize(c) for c in self.cells]
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ckeras.layers import deserialize
        config = dict(config)
        cells = [deserialize(c, custom_objects=custom_objects) for c in config.pop("cells")]
        return cls(cells, **config)


def _prefix_weights(cell, prefix):
    for w in cell.weights:
        if not w.name.startswith(prefix + "/"):
            w.name = f"{prefix}/{w.name}"


def _build_cell(cell, input_shape, prefix, constants_shapes=()):
    """Builds a Layer cell and scopes its weight names; a cell that reads
    constants is built on `[input_shape, *constants_shapes]` (Keras). A cell
    that is not a Layer builds nothing: as in Keras 2 and tf-keras, its
    variables are its own business and are not tracked by the RNN (not in
    `weights`, not trained by `fit`, not saved)."""
    if not isinstance(cell, Layer):
        return
    if not cell.built:
        if constants_shapes and takes_constants(cell):
            input_shape = [tuple(input_shape)] + [tuple(c) for c in constants_shapes]
        cell.build(input_shape)
        cell.built = True
    _prefix_weights(cell, prefix)


@functools.lru_cache(maxsize=None)
def _call_params(fn):
    params = inspect.signature(fn).parameters
    var_kw = any(p.kind is p.VAR_KEYWORD for p in params.values())
    return ("training" in params or var_kw, "constants" in params or var_kw)


def takes_constants(cell):
    """Whether `cell.call` accepts `constants=` (Keras' test for cells that
    read constant inputs at every step)."""
    return _call_params(type(cell).call)[1]


@functools.lru_cache(maxsize=None)
def _plain_call_takes_training(cls):
    params = inspect.signature(cls.__call__).parameters
    return "training" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def _cell_step(cell, x, states, training, constants=None):
    if isinstance(cell, Layer) or not callable(cell):
        fn, takes_training = cell.call, signature(type(cell)).training
    else:   # a plain callable cell is called, as tf-keras does
        fn, takes_training = cell, _plain_call_takes_training(type(cell))
    kwargs = {"training": training} if takes_training else {}
    if constants is not None:
        kwargs["constants"] = constants
    # States go in as a list, also for a single-state cell (as tf-keras does).
    out, new = fn(x, states, **kwargs)
    if not isinstance(new, (list, tuple)):
        new = [new]
    return out, list(new)


_GATES = {"LSTMCell": 4, "GRUCell": 3, "SimpleRNNCell": 1}
# The cells whose whole sequence runs in one kernel call: their state count.
_KERNEL_CELLS = {LSTMCell: 2, GRUCell: 1, SimpleRNNCell: 1}


def _call_dropout_masks(cell, x, h0):
    """The dropout masks of one call, as the cell's first step draws them
    (input masks, then recurrent ones, from the cell's one generator):
    (gates, B, F) and (gates, B, u), each None without that dropout;
    (1, B, F) when the gates share one input mask (implementation=2). Each
    kind is one draw: the generator is counter-based, so a (gates, B, n)
    draw holds the same values as `gates` successive (B, n) ones."""
    n = _GATES[type(cell).__name__]
    B, F, u = x.shape[0], x.shape[2], _value(h0).shape[-1]
    shared = getattr(cell, "implementation", 1) != 1
    cell.reset_dropout_mask()   # a call starts without the masks of an earlier one
    out = []
    for rate, count, width in ((cell.dropout, 1 if shared else n, F),
                               (cell.recurrent_dropout, n, u)):
        if rate <= 0:
            out.append(None)
            continue
        out.append(_N.dropout_mask(_N.layer_generator(cell), rate, (count, B, width),
                                   cell.dtype))
    return tuple(out)


# ------------------------------------------------------------------- RNN
class RNN(Layer):
    """Base class for recurrent layers: iterates a cell over the time axis.

    Args:
        cell: an RNN cell: any object with `call(inputs, states)` returning
            `(output, new_states)` and a `state_size` attribute (an int or
            a list of ints), optionally `output_size` and
            `get_initial_state(inputs=None, batch_size=None, dtype=None)`
            (a cell that is not a Layer but is callable is called rather than
            its `call`, as in tf-keras); or a list of cells (stacked with
            `StackedRNNCells`). A cell that is not a `Layer` works as in
            Keras 2 and tf-keras: its variables are not tracked (not in
            `weights`, not trained, not saved), and the RNN's config needs
            the cell's own `get_config`.
        return_sequences: return the full sequence `(batch, time, units)`
            instead of the last output `(batch, units)`.
        return_state: also return the final states: `[output, *states]`.
        go_backwards: process the input sequence backwards (the output
            sequence is then in processing order).
        stateful: the final states of batch i are the initial states of
            batch i + 1 (needs a fixed batch size).
        unroll: accepted; no effect on the numbers.
        time_major: inputs (and sequence outputs) are `(time, batch, ...)`.

    Call arguments:
        inputs: `(batch, time, features)`; or a list `[inputs, *initial_states]`.
        mask: `(batch, time)` boolean; masked steps carry the states.
        training: whether dropout applies.
        initial_state: list of initial state tensors.
        constants: list of tensors the cell reads at every step, passed to
            its `call` as `constants=` (the cell's `call` must accept it; a
            Layer cell is then built on `[step_input_shape, *constant_shapes]`).
            In a graph they become inputs: the call's inputs are
            `[inputs, *initial_state, *constants]`.

    Example:
        >>> layer = RNN(LSTMCell(4), return_sequences=True)
        >>> layer(np.ones((2, 3, 5))).shape
        (2, 3, 4)
    """

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, time_major=False, **kwargs):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if not hasattr(cell, "call"):
            raise ValueError(f"Argument `cell` should have a `call` method. Received: {cell}")
        if not hasattr(cell, "state_size"):
            raise ValueError("The RNN cell should have a `state_size` attribute (tuple of "
                             f"integers, one integer per RNN state). Received: {cell}")
        zero_output_for_mask = bool(kwargs.pop("zero_output_for_mask", False))
        num_constants = int(kwargs.pop("num_constants", 0) or 0)
        super().__init__(**kwargs)
        # How many of the trailing list inputs are constants (set by a call
        # with `constants=`, or by the config).
        self._num_constants = num_constants
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.time_major = bool(time_major)
        self.supports_masking = True
        self._states = None
        self._stateful_batch = None
        # Bidirectional sets it (to return_sequences): masked steps output zeros.
        self.zero_output_for_mask = zero_output_for_mask

    # --------------------------------------------------------------- shapes
    def _seq_shape(self, input_shape):
        if isinstance(input_shape, list):
            input_shape = input_shape[0]
        shape = tuple(input_shape)
        if len(shape) != 3:
            raise ValueError(
                f'Input 0 of layer "{self.name}" is incompatible with the layer: expected '
                f"ndim=3, found ndim={len(shape)}. Full shape received: {shape}")
        if self.time_major:
            shape = (shape[1], shape[0], shape[2])
        return shape

    def __call__(self, *args, **kwargs):
        inputs, initial_state, constants, kwargs = rnn_call_args(args, kwargs)
        if constants is None and not is_symbolic(initial_state):
            if initial_state is not None:
                kwargs["initial_state"] = initial_state
            return super().__call__(inputs, **kwargs)
        # As tf-keras: constants, and initial states that are graph tensors,
        # join the inputs, so a graph records them as inputs and `build`
        # sees their shapes.
        self._num_constants = len(constants or ())
        return super().__call__(folded_inputs(inputs, initial_state, constants), **kwargs)

    def _constants_shapes(self, input_shape):
        n = self._num_constants
        if n and isinstance(input_shape, list) and len(input_shape) > n:
            return [tuple(s) for s in input_shape[-n:]]
        return []

    def build(self, input_shape):
        B, _, F = self._seq_shape(input_shape)
        if self.stateful:
            if B is None:
                raise ValueError(
                    f'If a RNN is stateful, it needs to know its batch size (layer '
                    f'"{self.name}"). Specify the batch size of your input tensors:\n'
                    "- If using a Sequential model, specify the batch size by passing a "
                    "`batch_input_shape` argument to your first layer.\n- If using the "
                    "functional API, specify the batch size by passing a `batch_shape` "
                    "argument to your Input layer.")
            self._stateful_batch = int(B)
        _build_cell(self.cell, (B, F), self.name, self._constants_shapes(input_shape))
        if self.stateful:
            self.reset_states()
        self.built = True

    def compute_output_shape(self, input_shape):
        B, T, _ = self._seq_shape(input_shape)
        u = _output_size(self.cell)
        if self.return_sequences:
            out = (T, B, u) if self.time_major else (B, T, u)
        else:
            out = (B, u)
        if self.return_state:
            return [out] + [(B, s) for s in state_sizes(self.cell)]
        return out

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, list):
            mask = mask[0]
        out = mask if self.return_sequences else None
        if self.return_state:
            return [out] + [None] * len(state_sizes(self.cell))
        return out

    # --------------------------------------------------------------- states
    @property
    def states(self):
        if self._states is None:
            return [None] * len(state_sizes(self.cell))
        return list(self._states)

    def get_initial_state(self, inputs):
        """The states a call on `inputs` starts from: the cell's
        `get_initial_state` when it has one, else zeros. On a symbolic input
        (batch size unknown) they are zero tensors of the graph, shaped
        `(None, size)`."""
        if isinstance(inputs, SymbolicTensor):
            # One zero per sample, from the input itself, widened per state.
            zero = K.expand_dims(K.sum(K.zeros_like(inputs), axis=(1, 2)))
            return [K.tile(zero, [1, s]) for s in state_sizes(self.cell)]
        B = int(inputs.shape[1 if self.time_major else 0])
        return initial_states(self.cell, B, self.dtype)

    def reset_states(self, states=None):
        """Resets the states of a stateful layer to zeros, or to `states`."""
        if not self.stateful:
            raise AttributeError("Layer must be stateful.")
        B = self._stateful_batch
        if B is None:
            raise ValueError(
                f'If a RNN is stateful, it needs to know its batch size (layer "{self.name}"). '
                "Specify the batch size of your input tensors.")
        sizes = state_sizes(self.cell)
        if states is None:
            self._states = [np.zeros((B, s), dtype=self.dtype) for s in sizes]
            return
        if not isinstance(states, (list, tuple)):
            states = [states]
        if len(states) != len(sizes):
            raise ValueError(f'Layer "{self.name}" expects {len(sizes)} states, but it '
                             f"received {len(states)} state values. States received: {states}")
        new = []
        for i, (v, s) in enumerate(zip(states, sizes)):
            v = np.asarray(_value(v), dtype=self.dtype)
            if v.shape != (B, s):
                raise ValueError(f'State {i} is incompatible with layer "{self.name}": '
                                 f"expected shape={(B, s)} but found shape={v.shape}")
            new.append(v.copy())
        self._states = new

    # ----------------------------------------------------------------- call
    def _split_inputs(self, inputs, initial_state, constants=None):
        if isinstance(inputs, (list, tuple)):
            inputs = list(inputs)
            n = self._num_constants
            if n and constants is None and len(inputs) > n:
                inputs, constants = inputs[:-n], inputs[-n:]
            if initial_state is None and len(inputs) > 1:
                initial_state = list(inputs[1:])
            inputs = inputs[0]
        if initial_state is not None and not isinstance(initial_state, (list, tuple)):
            initial_state = [initial_state]
        if constants is not None:
            constants = _as_list(constants)
            if not takes_constants(self.cell):
                raise ValueError(f'The cell of RNN layer "{self.name}" ({self.cell!r}) does '
                                 "not support constants: its `call` has no `constants` "
                                 f"argument. Received: constants={constants}")
        return inputs, initial_state, constants

    def _check_states(self, initial_state, B):
        sizes = state_sizes(self.cell)
        if len(initial_state) != len(sizes):
            raise ValueError(
                f'Layer "{self.name}" expects {len(sizes)} state(s), but it received '
                f"{len(initial_state)} initial state(s). Input received: {initial_state}")
        out = []
        for i, (s, size) in enumerate(zip(initial_state, sizes)):
            shape = tuple(s.shape)
            if len(shape) != 2 or shape[1] != size or shape[0] != B:
                raise ValueError(
                    f'Initial state {i} of layer "{self.name}" has shape {shape}, expected '
                    f"({B}, {size}).")
            if not isinstance(s, Tensor):
                s = np.asarray(s, dtype=self.dtype)
            out.append(s)
        return out

    def call(self, inputs, mask=None, training=None, initial_state=None, constants=None):
        x, initial_state, constants = self._split_inputs(inputs, initial_state, constants)
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        self._seq_shape(tuple(x.shape))
        if self.time_major:
            x = K.permute_dimensions(x, (1, 0, 2))
        if not isinstance(x, Tensor):
            x = np.asarray(x)
            if x.dtype != self.dtype:
                x = x.astype(self.dtype)
        B, T = int(x.shape[0]), int(x.shape[1])
        if mask is not None:
            mask = np.asarray(_value(mask)).astype(bool)
            if mask.ndim == 3 and mask.shape[-1] == 1:
                mask = mask[..., 0]
            if mask.shape != (B, T):
                raise ValueError(
                    f'The mask given to layer "{self.name}" has shape {mask.shape}, which '
                    f"does not fit its input of shape {tuple(x.shape)} (expected ({B}, {T})).")
            if mask.all():
                mask = None
        if self.stateful and self._stateful_batch is not None and B != self._stateful_batch:
            raise ValueError(
                f'Layer "{self.name}" is stateful with batch size {self._stateful_batch}, but '
                f"it was called on a batch of size {B}. A stateful RNN needs the same batch "
                "size at every call.")
        if initial_state is not None:
            states = self._check_states(initial_state, B)
        elif self.stateful:
            if self._states is None:
                self._stateful_batch = B
                self.reset_states()
            states = list(self._states)
        elif type(self.cell) in _KERNEL_CELLS:
            # what the cell's get_initial_state gives, without the checks
            # (a batch-1 predict spends ~5 us there)
            states = [np.zeros((B, self.cell.units), self.dtype)
                      for _ in range(_KERNEL_CELLS[type(self.cell)])]
        else:
            states = self._check_states(initial_states(self.cell, B, self.dtype), B)
        training = _training(training)
        out, final = self._run(x, states, mask, training, constants)
        if self.stateful:
            self._states = [np.array(_value(s), dtype=self.dtype, copy=True) for s in final]
        if self.time_major and self.return_sequences:
            out = K.permute_dimensions(out, (1, 0, 2))
        if self.return_state:
            return [out] + list(final)
        return out

    def _fast_fn(self, training):
        cell = self.cell
        kind = type(cell)
        if kind not in _KERNEL_CELLS:
            return None
        acts = (cell.activation, getattr(cell, "recurrent_activation", activations.sigmoid))
        cached = self.__dict__.get("_fast_cache")
        if cached is not None and cached[0] is acts[0] and cached[1] is acts[1]:
            return cached[2]
        act, ract = _kernel_code(acts[0]), _kernel_code(acts[1])
        fast = None if act is None or ract is None else (kind, act, ract)
        self.__dict__["_fast_cache"] = acts + (fast,)
        return fast

    def _run(self, x, states, mask, training, constants=None):
        fast = None if constants is not None else self._fast_fn(training)
        cell = self.cell
        if fast is not None:
            kind, act, ract = fast
            attrs = dict(mask=mask, go_backwards=self.go_backwards,
                         zero_output_for_mask=self.zero_output_for_mask,
                         return_sequences=self.return_sequences, act=act, ract=ract)
            if training:
                attrs["dpx"], attrs["dph"] = _call_dropout_masks(cell, x, states[0])
            w = (x, cell.kernel, cell.recurrent_kernel, cell.bias)
            if kind is LSTMCell:
                out, h, c = _rnn_fn.LSTMSequence.apply(*w, states[0], states[1], **attrs)
                return out, [h, c]
            if kind is GRUCell:
                out, h = _rnn_fn.GRUSequence.apply(*w, states[0], reset_after=cell.reset_after,
                                                   **attrs)
                return out, [h]
            out, h = _rnn_fn.SimpleRNNSequence.apply(*w, states[0], **attrs)
            return out, [h]
        # Generic path: any cell, stepped through taped ops.
        if hasattr(cell, "reset_dropout_mask"):
            cell.reset_dropout_mask()

        def step(x_t, st):
            return _cell_step(cell, x_t, list(st), training, constants)

        try:
            last, outputs, final = K.rnn(step, x, states, go_backwards=self.go_backwards,
                                         mask=mask, return_all_outputs=self.return_sequences,
                                         zero_output_for_mask=self.zero_output_for_mask)
        finally:
            if hasattr(cell, "reset_dropout_mask"):
                cell.reset_dropout_mask()
        return (outputs if self.return_sequences else last), list(final)

    # --------------------------------------------------------------- config
    def get_config(self):
        from ckeras.layers import serialize
        config = super().get_config()
        config.update({
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
            "time_major": self.time_major,
            "cell": serialize(self.cell) if hasattr(self.cell, "get_config") else
            self._unserializable_cell(),
        })
        if self.zero_output_for_mask:
            config["zero_output_for_mask"] = True
        if self._num_constants:
            config["num_constants"] = self._num_constants
        return config

    def _unserializable_cell(self):
        raise TypeError(
            f'Cannot serialize the cell of RNN layer "{self.name}": {self.cell!r} of type '
            f"{type(self.cell)}. To be serializable, a class must implement the "
            "`get_config()` method.")

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ckeras.layers import deserialize
        config = dict(config)
        cell = deserialize(config.pop("cell"), custom_objects=custom_objects)
        return cls(cell, **config)


class _CellLayer(RNN):
    """Shared plumbing of SimpleRNN/LSTM/GRU: a fixed cell, flat config."""

    _cell_class = None
    _cell_name = None
    _delegated = ("units", "activation", "recurrent_activation", "use_bias",
                  "kernel_initializer", "recurrent_initializer", "bias_initializer",
                  "unit_forget_bias", "kernel_regularizer", "recurrent_regularizer",
                  "bias_regularizer", "kernel_constraint", "recurrent_constraint",
                  "bias_constraint", "dropout", "recurrent_dropout", "reset_after",
                  "implementation")

    def _init(self, cell_kwargs, return_sequences, return_state, go_backwards, stateful,
              unroll, time_major, kwargs):
        cell = self._cell_class(name=self._cell_name, dtype=kwargs.get("dtype"),
                                trainable=kwargs.get("trainable", True), **cell_kwargs)
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         time_major=time_major, **kwargs)

    def get_config(self):
        config = super().get_config()
        del config["cell"]
        cell_config = self.cell.get_config()
        for key in ("name", "trainable", "dtype"):
            cell_config.pop(key, None)
        config.update(cell_config)
        config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)


def _delegate(cls):
    for attr in cls._delegated:
        setattr(cls, attr, property(lambda self, a=attr: getattr(self.cell, a)))
    return cls


@_delegate
class SimpleRNN(_CellLayer):
    """Fully-connected RNN where the output is fed back to the input.

    Args:
        units: positive integer, dimensionality of the output space.
        activation: default `tanh`.

    `use_bias`, the initializers (`recurrent_initializer` defaults to
    orthogonal), the regularizers (also `activity_regularizer`), the
    constraints, `dropout` and `recurrent_dropout` are as in `SimpleRNNCell`;
    `return_sequences`, `return_state`, `go_backwards`, `stateful`, `unroll`
    and `time_major` as in `RNN`.

    Example:
        >>> SimpleRNN(4)(np.ones((32, 10, 8))).shape
        (32, 4)
    """

    _cell_class = SimpleRNNCell
    _cell_name = "simple_rnn_cell"
    _delegated = tuple(a for a in _CellLayer._delegated
                       if a not in ("recurrent_activation", "unit_forget_bias", "reset_after",
                                    "implementation"))

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, unroll=False,
                 **kwargs):
        time_major = kwargs.pop("time_major", False)
        kwargs.pop("implementation", None)
        cell_kwargs = dict(
            units=units, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout)
        kwargs["activity_regularizer"] = activity_regularizer
        self._init(cell_kwargs, return_sequences, return_state, go_backwards, stateful,
                   unroll, time_major, kwargs)


@_delegate
class LSTM(_CellLayer):
    """Long Short-Term Memory layer (Hochreiter 1997), Keras 2 / tf.keras semantics.

    Args:
        units: positive integer, dimensionality of the output space.
        activation: default `tanh`.
        recurrent_activation: default `sigmoid`.
        **kwargs: `implementation`, accepted (same numbers), and the base
            Layer arguments.

    `use_bias`, the initializers (`recurrent_initializer` defaults to
    orthogonal), `unit_forget_bias` (default True), the regularizers (also
    `activity_regularizer`), the constraints, `dropout` and
    `recurrent_dropout` are as in `LSTMCell`; `return_sequences`,
    `return_state`, `go_backwards`, `stateful`, `unroll` and `time_major` as
    in `RNN`.

    Example:
        >>> out, h, c = LSTM(4, return_state=True)(np.ones((32, 10, 8)))
        >>> out.shape, h.shape, c.shape
        ((32, 4), (32, 4), (32, 4))
    """

    _cell_class = LSTMCell
    _cell_name = "lstm_cell"
    _delegated = tuple(a for a in _CellLayer._delegated if a != "reset_after")
    # ckeras.engine.dense_replay's predict and training replays call
    # `replay_infer` and `replay_train`; they look the flags up in the
    # class's own dict, so subclasses (which may override `call`) take their
    # call.
    replays_inference = True
    replays_training = True

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, time_major=False, unroll=False,
                 **kwargs):
        implementation = kwargs.pop("implementation", 2)
        cell_kwargs = dict(
            units=units, activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            unit_forget_bias=unit_forget_bias, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, implementation=implementation)
        kwargs["activity_regularizer"] = activity_regularizer
        self._init(cell_kwargs, return_sequences, return_state, go_backwards, stateful,
                   unroll, time_major, kwargs)

    def _replay_args(self, x):
        """(W, R, b, act, ract) when `self.call(x)` is one kernel call on an
        unmasked (batch, time, features) array of the layer's dtype,
        C-contiguous, with no state kept or returned and the last output
        alone; None when anything else applies (sequences, time-major,
        constants, an activation with no kernel code, weights of another
        dtype or layout)."""
        cell = self.cell
        if (type(x) is not np.ndarray or x.ndim != 3 or x.dtype != self.dtype
                or not x.flags.c_contiguous or type(cell) is not LSTMCell or self.stateful
                or self.return_state or self.return_sequences or self.time_major
                or self._num_constants or self.activity_regularizer is not None):
            return None
        fast = self._fast_fn(False)
        W, R = cell.kernel.value, cell.recurrent_kernel.value
        b = None if cell.bias is None else cell.bias.value
        if fast is None or W.shape[0] != x.shape[2]:
            return None
        for w in (W, R) if b is None else (W, R, b):
            if w.dtype != x.dtype or not w.flags.c_contiguous:
                return None
        return W, R, b, fast[1], fast[2]

    def replay_infer(self, x):
        """`self.call(x, training=False)` as one kernel call: the same call
        with the same arrays as `LSTMSequence`'s inference, so the same
        bits, without the layer call, the Function and the state arrays
        between (about a fifth of a batch-1 LSTM(128) predict). None when
        `_replay_args` finds the call is not one kernel call; then nothing
        was changed and the layer's own call runs."""
        args = self._replay_args(x)
        if args is None:
            return None
        W, R, b, act, ract = args
        h0 = np.zeros((x.shape[0], self.cell.units), x.dtype)   # the kernel only reads it
        return _rnn_fn.lstm_infer(x, W, R, b, h0, h0, None, self.go_backwards, act, ract,
                                  False)[1]

    def replay_train(self, x):
        """`self.call(x, training=True)` of a taped training step without
        the layer call and the tape: the same `LSTMSequence` forward on the
        same arrays and dropout masks (drawn as the call draws them), so the
        same bits. Returns `(output, backward)`, where `backward(g)` takes
        the gradient on the output and returns the gradients on the kernel,
        the recurrent kernel and the bias (None without one), as the tape
        would; or None, with nothing changed, when `_replay_args` finds the
        call is not one kernel call.

        The layer call and the tape's Python run between kernels that evict
        its caches: an LSTM(128)+Dense(1) Adam step at batch 32 takes 7.74
        ms with the replay against 7.94 ms taped (8.98 against 9.14 ms with
        dropout; thread time, one thread, medians of 300 alternating
        steps)."""
        args = self._replay_args(x)
        if args is None:
            return None
        W, R, b, act, ract = args
        cell = self.cell
        states = [np.zeros((x.shape[0], cell.units), x.dtype) for _ in range(2)]
        dpx, dph = _call_dropout_masks(cell, x, states[0])
        fn = _rnn_fn.LSTMSequence(go_backwards=self.go_backwards,
                                  zero_output_for_mask=self.zero_output_for_mask, act=act,
                                  ract=ract, dpx=dpx, dph=dph)
        fn.needs_input_grad = (False, cell.kernel.requires_grad,
                               cell.recurrent_kernel.requires_grad,
                               b is not None and cell.bias.requires_grad, False, False)
        out, h, c = fn.forward(x, W, R, b, *states)

        def backward(g):
            _, dW, dR, db, _, _ = fn.backward(g, np.zeros_like(h), np.zeros_like(c))
            return dW, dR, db
        return out, backward


@_delegate
class GRU(_CellLayer):
    """Gated Recurrent Unit (Cho et al. 2014), Keras 2 / tf.keras semantics.

    Args:
        units: positive integer, dimensionality of the output space.
        activation: default `tanh`.
        recurrent_activation: default `sigmoid`.
        reset_after: True (TF2 default, bias (2, 3u)) or False (Keras 2.2
            and earlier, bias (3u,)).
        **kwargs: `implementation`, accepted (same numbers), and the base
            Layer arguments.

    `use_bias`, the initializers (`recurrent_initializer` defaults to
    orthogonal), the regularizers (also `activity_regularizer`), the
    constraints, `dropout` and `recurrent_dropout` are as in `GRUCell`;
    `return_sequences`, `return_state`, `go_backwards`, `stateful`, `unroll`
    and `time_major` as in `RNN`.

    Example:
        >>> GRU(4, return_sequences=True)(np.ones((32, 10, 8))).shape
        (32, 10, 4)
    """

    _cell_class = GRUCell
    _cell_name = "gru_cell"
    _delegated = tuple(a for a in _CellLayer._delegated if a != "unit_forget_bias")

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, time_major=False, reset_after=True, **kwargs):
        implementation = kwargs.pop("implementation", 2)
        cell_kwargs = dict(
            units=units, activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
            dropout=dropout, recurrent_dropout=recurrent_dropout, reset_after=reset_after,
            implementation=implementation)
        kwargs["activity_regularizer"] = activity_regularizer
        self._init(cell_kwargs, return_sequences, return_state, go_backwards, stateful,
                   unroll, time_major, kwargs)
