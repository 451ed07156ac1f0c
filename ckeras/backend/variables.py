"""Variables, constants and tensor introspection of the Keras 2 backend.

Every op of `ckeras.backend` accepts NumPy arrays (and returns arrays),
autograd Tensors/Variables (and returns taped Tensors when gradients are
recorded) and symbolic KerasTensors (and returns graph tensors).
"""
import contextlib
from typing import NamedTuple

import numpy as np

from ckeras._internal import config, naming
from ckeras._internal.config import floatx
from ckeras.autograd.functions import elementwise as E
from ckeras.autograd.functions import shape as S
from ckeras.autograd.tensor import SymbolicTensor, Tensor, Variable
from ckeras.kernels import buffers

TENSOR_TYPES = (Tensor, SymbolicTensor)


def as_input(x):
    """An op input: arrays and tensors pass; Python values become arrays.

    Python floats (and lists of them) become floatx, as TensorFlow converts
    them to float32.
    """
    if type(x) is np.ndarray or isinstance(x, TENSOR_TYPES):
        return x
    if isinstance(x, np.generic):
        return np.asarray(x)
    a = np.asarray(x)
    if a.dtype == np.float64:
        a = a.astype(floatx())
    return a


def as_operand(y):
    """A second operand: NumPy scalars and 0-d arrays become Python scalars.

    Keeps `float32_tensor * np.float64(2)` float32, as TensorFlow casts
    constants to the tensor's dtype.
    """
    if isinstance(y, np.generic) or (type(y) is np.ndarray and y.ndim == 0):
        return y.item()
    if isinstance(y, TENSOR_TYPES) or isinstance(y, (bool, int, float)):
        return y
    if type(y) is np.ndarray:
        return y
    return as_input(y)


def _dtype_name(dtype):
    return np.dtype(dtype if dtype is not None else floatx()).name


# -- creation ------------------------------------------------------------------

def variable(value, dtype=None, name=None, constraint=None):
    """A mutable tensor (a `ckeras.autograd.Variable`), floatx by default.

    Example:
        >>> v = K.variable([[1, 2], [3, 4]]); K.dtype(v)
        'float32'
    """
    if isinstance(value, Tensor):
        value = value.value
    return Variable(value, dtype=_dtype_name(dtype), name=name, constraint=constraint)


def constant(value, dtype=None, shape=None, name=None):
    """A constant array; a scalar `value` is broadcast to `shape`."""
    if isinstance(value, Tensor):
        value = value.value
    a = np.array(value, dtype=_dtype_name(dtype))
    if shape is not None:
        shape = tuple(int(s) for s in shape)
        if a.ndim == 0:
            a = np.full(shape, a, dtype=a.dtype)
        elif a.size == int(np.prod(shape)):
            a = a.reshape(shape)
        else:
            raise ValueError(
                f"K.constant: `value` has {a.size} elements, which cannot take "
                f"`shape`={shape}.")
    return a


def zeros(shape, dtype=None, name=None):
    """An all-zeros variable of `shape`."""
    return Variable(np.zeros(shape, dtype=_dtype_name(dtype)), name=name)


def ones(shape, dtype=None, name=None):
    """An all-ones variable of `shape`."""
    return Variable(np.ones(shape, dtype=_dtype_name(dtype)), name=name)


def eye(size, dtype=None, name=None):
    """An identity-matrix variable; `size` is n or (rows, cols)."""
    if isinstance(size, (tuple, list)):
        n, m = size
    else:
        n = m = size
    return Variable(np.eye(n, m, dtype=_dtype_name(dtype)), name=name)


def zeros_like(x, dtype=None, name=None):
    """Zeros with the shape (and, by default, dtype) of `x`."""
    return S.FillLike.apply(as_input(x), value=0, dtype=dtype and np.dtype(dtype))


def ones_like(x, dtype=None, name=None):
    """Ones with the shape (and, by default, dtype) of `x`."""
    return S.FillLike.apply(as_input(x), value=1, dtype=dtype and np.dtype(dtype))


def identity(x, name=None):
    """A tensor with the same content as `x` (a copy)."""
    x = as_input(x)
    return E.Cast.apply(x, dtype=np.dtype(dtype(x)))


def cast_to_floatx(x):
    """`x` cast to floatx (arrays stay arrays, tensors stay tensors)."""
    if isinstance(x, TENSOR_TYPES):
        return E.Cast.apply(x, dtype=np.dtype(floatx()))
    return np.asarray(x, dtype=floatx())


# -- reading and assigning values -----------------------------------------------

def _check_variable(x, fn):
    if not isinstance(x, Variable):
        raise ValueError(
            f"K.{fn}: `x` must be a variable (K.variable or a layer weight); "
            f"received {type(x).__name__}.")


def get_value(x):
    """The value of a variable or tensor as a NumPy array (a copy for tensors)."""
    if isinstance(x, Tensor):
        return np.array(x.value)
    if isinstance(x, SymbolicTensor):
        raise ValueError(
            "K.get_value: `x` is a symbolic tensor and has no value; evaluate it "
            "with K.function or model.predict.")
    return np.asarray(x)


def batch_get_value(tensors):
    """[get_value(x) for x in tensors]."""
    return [get_value(x) for x in tensors]


def set_value(x, value):
    """Assigns a NumPy value to variable `x` (same shape; cast to its dtype).

    `x` may also be `model.optimizer.lr`, as in classic Keras code."""
    if hasattr(x, "_keras_set_value"):
        x._keras_set_value(value)
        return
    _check_variable(x, "set_value")
    value = np.asarray(value.value if isinstance(value, Tensor) else value)
    if value.shape != x.value.shape:
        raise ValueError(
            f"K.set_value: `value` has shape {value.shape}, but variable "
            f"'{x.name}' has shape {x.value.shape}.")
    x.value[...] = value
    x.mark_written()


def batch_set_value(tuples):
    """Assigns each (variable, value) pair of `tuples`."""
    for x, value in tuples:
        set_value(x, value)


def eval(x):  # noqa: A001  (Keras name)
    """The value of `x` as a NumPy array."""
    return get_value(x)


def update(x, new_x):
    """Assigns `new_x` to variable `x`; returns `x`."""
    set_value(x, new_x)
    return x


def update_add(x, increment):
    """x += increment (in place); returns `x`."""
    _check_variable(x, "update_add")
    x.assign_add(increment.value if isinstance(increment, Tensor) else increment)
    return x


def update_sub(x, decrement):
    """x -= decrement (in place); returns `x`."""
    _check_variable(x, "update_sub")
    x.assign_sub(decrement.value if isinstance(decrement, Tensor) else decrement)
    return x


def moving_average_update(x, value, momentum):
    """x = x * momentum + value * (1 - momentum), in place; returns `x`."""
    _check_variable(x, "moving_average_update")
    v = np.asarray(value.value if isinstance(value, Tensor) else value)
    x.value[...] = x.value * momentum + v * (1 - momentum)
    return x


# -- introspection -------------------------------------------------------------

def int_shape(x):
    """The shape as a tuple of ints (None for unknown dimensions)."""
    try:
        return tuple(x.shape)
    except AttributeError:
        return np.shape(x)


def shape(x):
    """The runtime shape as an int32 vector (a graph tensor for symbolic `x`)."""
    return S.Shape.apply(as_input(x))


def ndim(x):
    """The rank of `x`."""
    return len(int_shape(x))


def dtype(x):
    """The dtype of `x` as a string, e.g. 'float32'."""
    dt = getattr(x, "dtype", None)
    return np.dtype(dt).name if dt is not None else np.asarray(x).dtype.name


def count_params(x):
    """The number of elements of `x`."""
    return int(np.prod(int_shape(x), dtype=np.int64))


def is_keras_tensor(x):
    """Whether `x` is a symbolic KerasTensor.

    Tensors that hold values give False: autograd Tensors and Variables, and
    NumPy arrays, which are ckeras' eager tensors (what `K.constant` and every
    op return on values; tf-keras, whose eager tensors are `tf.Tensor`s, raises
    for a raw NumPy array instead). Anything else (Python numbers, lists,
    strings, None) raises ValueError, as in Keras.
    """
    if isinstance(x, SymbolicTensor):
        return True
    if isinstance(x, (Tensor, np.ndarray)):
        return False
    raise ValueError(
        f"Unexpectedly found an instance of type `{type(x)}`. "
        "Expected a symbolic tensor instance.")


class SparseTensor(NamedTuple):
    """A sparse 2-D tensor as `K.ctc_label_dense_to_sparse` returns it (the fields
    of TensorFlow's SparseTensor). The other ops take dense arrays: convert it
    with `K.to_dense`.

    Attributes:
        indices: int64 (n, rank) positions of the stored values.
        values: (n,) the values.
        dense_shape: int64 (rank,) shape of the dense tensor.
    """
    indices: np.ndarray
    values: np.ndarray
    dense_shape: np.ndarray


def is_sparse(tensor):
    """Whether `tensor` is a `SparseTensor` (only `K.ctc_label_dense_to_sparse`
    makes them; every other tensor of ckeras is dense)."""
    return isinstance(tensor, SparseTensor)


def to_dense(tensor):
    """A `SparseTensor` as a dense array (zeros where nothing is stored); any
    other tensor is returned unchanged.

    Example:
        >>> K.to_dense(K.ctc_label_dense_to_sparse(np.array([[5, 6]]), np.array([1])))
        array([[5, 0]])
    """
    if not is_sparse(tensor):
        return tensor
    dense = np.zeros(tuple(int(n) for n in tensor.dense_shape), tensor.values.dtype)
    dense[tuple(tensor.indices.T)] = tensor.values
    return dense


# -- session-era names -------------------------------------------------------------

def backend():
    """The name of the backend: `'ckeras'`.

    tf-keras returns `'tensorflow'`; Keras 2 programs test it to choose
    TensorFlow-only code (`tf.Session` configs, `import tensorflow as tf` ops),
    which would fail here, so ckeras names itself and such branches are skipped.
    """
    return "ckeras"


def get_uid(prefix=""):
    """The next number for `prefix`: 1 on the first call, then 2, 3, ...

    Shares the counters of default layer names, as tf-keras does: after one
    `Dense()`, `get_uid('dense')` is 2. `reset_uids` or `clear_session`
    restarts them.
    """
    return naming.next_uid(prefix)


def reset_uids():
    """Restarts every `get_uid` counter (and so the default layer names)."""
    naming.reset()


def clear_session():
    """Resets global state: the default layer names (as `reset_uids`), and
    frees the array buffers ckeras keeps from one step to the next
    (`ckeras.kernels.buffers`).

    Example:
        >>> K.clear_session()
        >>> Dense(1).name
        'dense'
    """
    config.clear_session()
    buffers.release()


def manual_variable_initialization(value):
    """Accepted for compatibility, without effect: as in tf-keras 2.x eager
    mode, every variable holds its value from the moment it is created."""
    if not isinstance(value, (bool, int, np.bool_)):
        raise TypeError("K.manual_variable_initialization: `value` must be a bool; "
                        f"received {value!r}.")


@contextlib.contextmanager
def name_scope(name):
    """Accepted for compatibility; names are not scoped in ckeras."""
    yield name
