"""Function: one forward/backward pair, the unit of the tape.

A subclass implements `forward(*arrays)` on NumPy arrays (returning one array
or a tuple) and `backward(*grads)` returning one gradient per input (None for
inputs that need none). Keyword attributes given to `apply` are set on the
instance before `forward`, and `forward` may store on `self` whatever
`backward` needs.

`apply` chooses among three paths:
- a symbolic input (KerasTensor): the op becomes a node of the Keras graph;
- an input that requires grad, with grad mode on: the result is a Tensor
  linked to this Function (taped);
- otherwise: plain NumPy in, plain NumPy out, nothing recorded.

The recording switch is one thread-local mode with three values:
- default: Functions record (the taped path) when an input requires grad, so
  autograd can be used directly (gradchecks, `K.gradients` on Tensors);
- `enable_grad()`: an explicit recording context. `recording()` is true only
  here. Layer and model calls follow Keras' rule: they record only inside
  such a context (the engine's training step; a GradientTape builds on the
  same switch) and run the inference path elsewhere (see `engine/call.py`);
- `no_grad()`: nothing records (predict, evaluate, K.function).
"""
import threading

import numpy as np

from ckeras.autograd.tensor import SymbolicTensor, Tensor


class _State(threading.local):
    # None (default), True (enable_grad) or False (no_grad). A class default,
    # since getattr with a default on a missing thread-local attribute costs
    # an exception (~0.4 us) on every op of the default path.
    mode = None
    # The GradientTapes open and recording in this thread, innermost last;
    # each is told of the Functions taped while it is open.
    tapes = ()


_state = _State()

# Set by the engine: builds a graph node when an op meets a KerasTensor.
symbolic_handler = None


def grad_enabled():
    """Whether Functions record the tape in this thread (true unless in
    `no_grad`)."""
    return _state.mode is not False


def recording():
    """Whether this thread is inside an explicit recording context
    (`enable_grad`): only then do layer and model calls record the tape.

    Example:
        >>> recording()
        False
        >>> with enable_grad():
        ...     recording()
        True
    """
    return _state.mode is True


def open_tapes():
    """The GradientTapes recording in this thread, innermost last."""
    return _state.tapes


def set_open_tapes(tapes):
    """Sets the tuple of recording GradientTapes of this thread; returns the
    previous one (GradientTape's enter, exit and `stop_recording`)."""
    prev = _state.tapes
    _state.tapes = tapes
    return prev


def swap_mode(mode):
    """Sets this thread's recording mode and returns the previous one.

    `mode` is None (default), True (recording context) or False (nothing
    records). The primitive under `no_grad`/`enable_grad`, for hot paths
    that switch it without a context manager object (the engine's call
    context, once per layer call).
    """
    prev = _state.mode
    _state.mode = mode
    return prev


class no_grad:
    """Context manager that turns the tape off in the current thread.

    Example:
        >>> with no_grad():
        ...     y = model(x)   # plain arrays, nothing recorded
    """

    __slots__ = ("_prev",)
    _mode = False

    def __enter__(self):
        self._prev = _state.mode
        _state.mode = self._mode
        return self

    def __exit__(self, *exc):
        _state.mode = self._prev
        return False


class enable_grad(no_grad):
    """Context manager that opens a recording context in the current thread:
    Functions and layer/model calls record the tape (see `recording()`).

    Example:
        >>> with enable_grad():
        ...     loss = K.mean(model(x))    # taped
        >>> grads = grad(loss, model.trainable_weights)
    """

    __slots__ = ()
    _mode = True


class Function:
    """Base class of differentiable operations (see module docstring)."""

    needs_input_grad = None
    n_outputs = 1
    # A multi-output Function whose backward takes None for an output nothing
    # used (else the tape passes zeros of its shape).
    takes_none_grads = False

    def __init__(self, **attrs):
        self.__dict__.update(attrs)

    def forward(self, *arrays):
        raise NotImplementedError

    def backward(self, *grads):
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs, **attrs):
        arrays = []
        need = []   # which inputs take a gradient, found in the same pass
        taped = False
        for x in inputs:
            if type(x) is np.ndarray:
                arrays.append(x)
                need.append(False)
            elif isinstance(x, Tensor):
                arrays.append(x.value)
                r = x.requires_grad
                need.append(r)
                taped = taped or r
            elif isinstance(x, SymbolicTensor):
                return symbolic_handler(cls, inputs, attrs)
            elif isinstance(x, (list, tuple)) and any(
                    isinstance(v, SymbolicTensor) for v in x):
                return symbolic_handler(cls, inputs, attrs)
            else:
                arrays.append(x)
                need.append(False)
        # Functions take no constructor arguments of their own: skipping
        # __init__ saves a call on every op of the inference path.
        fn = object.__new__(cls)
        if attrs:
            fn.__dict__.update(attrs)
        if not (taped and _state.mode is not False):
            return fn.forward(*arrays)
        fn.needs_input_grad = tuple(need)
        out = fn.forward(*arrays)
        fn.inputs = inputs
        tapes = _state.tapes
        if tapes:
            for tape in tapes:
                tape.record(fn)
        if isinstance(out, tuple):
            fn.n_outputs = len(out)
            fn.out_meta = tuple((o.shape, o.dtype) for o in out)
            return tuple(Tensor(o, True, fn, i) for i, o in enumerate(out))
        fn.out_meta = ((out.shape, out.dtype),)
        return Tensor(out, True, fn, 0)
