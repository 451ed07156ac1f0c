"""Tensor and Variable: NumPy arrays that remember how they were made.

A Tensor that requires grad was produced by a Function on the tape (or is a
leaf Variable); `ckeras.autograd.grad` walks those links backwards. Plain
NumPy arrays flow through the same ops untouched, which is what the inference
path relies on: no Tensor objects, no tape.
"""
import itertools

import numpy as np


class SymbolicTensor:
    """Marker base for graph placeholders (the engine's KerasTensor).

    Lives here so that Function.apply can recognise symbolic inputs without
    importing the engine, which sits below autograd in the layering.
    """

    __slots__ = ()


class Tensor:
    """An eager tensor: a NumPy value plus its place on the tape.

    Args:
        value: array-like; stored as a NumPy array.
        requires_grad: whether gradients should flow to this tensor.

    Example:
        >>> t = Tensor(np.ones((2, 3), 'float32'))
        >>> (t * 2).shape
        (2, 3)
    """

    __slots__ = ("value", "requires_grad", "_fn", "_idx", "_keras_mask", "__weakref__")
    # Make `ndarray <op> Tensor` defer to Tensor's reflected operators.
    __array_priority__ = 1000

    def __init__(self, value, requires_grad=False, _fn=None, _idx=0):
        self.value = value if type(value) is np.ndarray else np.asarray(value)
        self.requires_grad = requires_grad
        self._fn = _fn
        self._idx = _idx
        self._keras_mask = None

    # NumPy interop -------------------------------------------------------
    def numpy(self):
        """Returns the value as a NumPy array (shared, not copied)."""
        return self.value

    def __array__(self, dtype=None, copy=None):
        if dtype is None or self.value.dtype == dtype:
            return self.value
        return self.value.astype(dtype)

    @property
    def shape(self):
        return self.value.shape

    @property
    def dtype(self):
        return self.value.dtype

    @property
    def ndim(self):
        return self.value.ndim

    @property
    def size(self):
        return self.value.size

    def __len__(self):
        return len(self.value)

    def __float__(self):
        return float(self.value)

    def __int__(self):
        return int(self.value)

    def __bool__(self):
        return bool(self.value)

    def __repr__(self):
        return f"<{type(self).__name__} shape={self.shape} dtype={self.dtype}>\n{self.value!r}"

    def detach(self):
        """Returns a Tensor with the same value and no tape history."""
        return Tensor(self.value)


def _aligned_copy(value, dtype=None):
    """A C-ordered copy of `value` starting on a 64-byte boundary: the kernels
    stream weights with whole-cache-line vector loads, and NumPy's allocator
    only guarantees 16 bytes (a misaligned recurrent kernel made a batch-1
    LSTM step ~10% slower). Assignments write in place, so it stays aligned."""
    src = np.asarray(value, dtype=dtype)
    buf = np.empty(src.nbytes + 64, np.uint8)
    start = -buf.ctypes.data % 64
    arr = buf[start:start + src.nbytes].view(src.dtype).reshape(src.shape)
    arr[...] = src
    return arr


class Variable(Tensor):
    """A mutable, trainable tensor: the weights of layers.

    Args:
        value: initial value (array-like).
        dtype: dtype to store; defaults to the value's.
        name: the variable name, e.g. "dense/kernel:0".
        trainable: whether optimizers update it (also sets requires_grad).
        constraint: optional callable applied after optimizer updates.

    Example:
        >>> v = Variable(np.zeros(3), name='v')
        >>> v.assign(np.ones(3)); v.numpy()
        array([1., 1., 1.])
    """

    __slots__ = ("name", "trainable", "constraint", "_uid", "version")
    _ids = itertools.count()
    # Write stamps: a write (assign*, weight_sync.assign, or a caller's
    # mark_written) gives the variable the next stamp as its `version`, and
    # `Variable.clock` is the last stamp handed out, so one comparison says
    # whether any variable was written since a moment (DaskStrategy's fit
    # sends what a callback set to the replicas without comparing arrays).
    _stamps = itertools.count(1)
    clock = 0

    def __init__(self, value, dtype=None, name=None, trainable=True, constraint=None):
        super().__init__(_aligned_copy(value, dtype), requires_grad=trainable)
        self.name = name or f"Variable:{next(self._ids)}"
        self.trainable = trainable
        self.constraint = constraint
        self._uid = next(self._ids)
        self.version = 0

    def mark_written(self):
        """Records a write into the variable (made through `value` in place)."""
        self.version = Variable.clock = next(Variable._stamps)

    def assign(self, value):
        """Writes `value` into the variable in place (shape must match)."""
        value = np.asarray(value)
        if value.shape != self.value.shape:
            raise ValueError(
                f"Cannot assign to variable {self.name}: expected shape "
                f"{self.value.shape}, received {value.shape}.")
        self.value[...] = value
        self.mark_written()
        return self

    def assign_add(self, delta):
        self.value += np.asarray(delta, dtype=self.value.dtype)
        self.mark_written()
        return self

    def assign_sub(self, delta):
        self.value -= np.asarray(delta, dtype=self.value.dtype)
        self.mark_written()
        return self

    def __repr__(self):
        return (f"<ckeras.Variable '{self.name}' shape={self.shape} "
                f"dtype={self.dtype}, numpy=\n{self.value!r}>")


def convert_to_tensor(value, dtype=None, dtype_hint=None, name=None):
    """Converts `value` to a ckeras Tensor (tf.convert_to_tensor).

    What a `GradientTape` can `watch`: NumPy arrays are plain values in
    ckeras, so gradients with respect to an input image take
    `x = convert_to_tensor(img)`, then `tape.watch(x)`. Tensors and
    Variables are returned as they are; Python floats become float32 (as
    TensorFlow converts them), NumPy arrays keep their dtype.

    Args:
        value: a Tensor, NumPy array, or (nested lists of) Python numbers.
        dtype: the dtype to convert to (Tensors must already have it).
        dtype_hint: the dtype used when `value` is a Python number or list.
        name: ignored (TensorFlow compatibility).

    Returns:
        A Tensor (that does not require grad, unless `value` already did).

    Raises:
        ValueError: a Tensor whose dtype differs from `dtype`.

    Example:
        >>> x = convert_to_tensor(np.zeros((1, 4)))
        >>> x.shape
        (1, 4)
    """
    if isinstance(value, Tensor):
        if dtype is not None and np.dtype(dtype) != value.dtype:
            raise ValueError(
                f"Tensor conversion requested dtype {np.dtype(dtype).name} for Tensor "
                f"with dtype {value.dtype.name}.")
        return value
    if dtype is not None:
        return Tensor(np.asarray(value, dtype=dtype))
    if isinstance(value, (np.ndarray, np.generic)):
        return Tensor(np.asarray(value))
    a = np.asarray(value)
    if dtype_hint is not None:
        a = a.astype(dtype_hint)
    elif a.dtype == np.float64:
        a = a.astype(np.float32)
    elif a.dtype == np.int64:
        a = a.astype(np.int32)
    return Tensor(a)
