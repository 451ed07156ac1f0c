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
"""
import threading

import numpy as np

from ckeras.autograd.tensor import SymbolicTensor, Tensor

_state = threading.local()

# Set by the engine: builds a graph node when an op meets a KerasTensor.
symbolic_handler = None


def grad_enabled():
    """Whether Functions record the tape in this thread (default True)."""
    return getattr(_state, "enabled", True)


class no_grad:
    """Context manager that turns the tape off in the current thread.

    Example:
        >>> with no_grad():
        ...     y = model(x)   # plain arrays, nothing recorded
    """

    __slots__ = ("_prev",)

    def __enter__(self):
        self._prev = grad_enabled()
        _state.enabled = False
        return self

    def __exit__(self, *exc):
        _state.enabled = self._prev
        return False


class enable_grad(no_grad):
    """Context manager that turns the tape on in the current thread."""

    __slots__ = ()

    def __enter__(self):
        self._prev = grad_enabled()
        _state.enabled = True
        return self


class Function:
    """Base class of differentiable operations (see module docstring)."""

    needs_input_grad = None
    n_outputs = 1

    def __init__(self, **attrs):
        self.__dict__.update(attrs)

    def forward(self, *arrays):
        raise NotImplementedError

    def backward(self, *grads):
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs, **attrs):
        arrays = []
        taped = False
        for x in inputs:
            if type(x) is np.ndarray:
                arrays.append(x)
            elif isinstance(x, Tensor):
                arrays.append(x.value)
                taped = taped or x.requires_grad
            elif isinstance(x, SymbolicTensor):
                return symbolic_handler(cls, inputs, attrs)
            elif isinstance(x, (list, tuple)) and any(
                    isinstance(v, SymbolicTensor) for v in x):
                return symbolic_handler(cls, inputs, attrs)
            else:
                arrays.append(x)
        # Functions take no constructor arguments of their own: skipping
        # __init__ saves a call on every op of the inference path.
        fn = object.__new__(cls)
        if attrs:
            fn.__dict__.update(attrs)
        if not (taped and getattr(_state, "enabled", True)):
            return fn.forward(*arrays)
        fn.needs_input_grad = tuple(
            isinstance(x, Tensor) and x.requires_grad for x in inputs)
        out = fn.forward(*arrays)
        fn.inputs = inputs
        if isinstance(out, tuple):
            fn.n_outputs = len(out)
            fn.out_meta = tuple((o.shape, o.dtype) for o in out)
            return tuple(Tensor(o, True, fn, i) for i, o in enumerate(out))
        fn.out_meta = ((out.shape, out.dtype),)
        return Tensor(out, True, fn, 0)
