"""Shape-manipulation ops of the Keras 2 backend."""
import builtins

import numpy as np

from ckeras._internal.config import floatx
from ckeras.autograd.functions import shape as S
from ckeras.backend.variables import as_input


def _ints(v):
    if isinstance(v, (int, np.integer)):
        return int(v)
    return tuple(int(a) for a in v)


def transpose(x):
    """Reverses the axes of `x` (the matrix transpose for 2-D)."""
    return S.Transpose.apply(as_input(x), axes=None)


def permute_dimensions(x, pattern):
    """Permutes axes; `pattern` is 0-indexed and includes the batch axis."""
    x = as_input(x)
    pattern = _ints(pattern)
    nd = len(x.shape)
    if sorted(p % nd if nd else p for p in pattern) != list(range(nd)):
        raise ValueError(
            f"K.permute_dimensions: `pattern`={pattern} is not a permutation of the "
            f"{nd} axes of `x` (shape {tuple(x.shape)}).")
    return S.Transpose.apply(x, axes=pattern)


def reshape(x, shape):
    """Reshapes `x` to `shape` (batch axis included; one -1 allowed)."""
    return S.Reshape.apply(as_input(x), shape=_ints(shape))


def flatten(x):
    """A 1-D tensor with all elements of `x`."""
    return S.Reshape.apply(as_input(x), shape=(-1,))


def batch_flatten(x):
    """(B, d1, d2, ...) -> (B, d1*d2*...)."""
    return S.BatchFlatten.apply(as_input(x))


def expand_dims(x, axis=-1):
    """Inserts an axis of size 1 at `axis`."""
    return S.ExpandDims.apply(as_input(x), axis=int(axis))


def squeeze(x, axis):
    """Removes axis `axis`, which must have size 1."""
    return S.Squeeze.apply(as_input(x), axis=int(axis))


def concatenate(tensors, axis=-1):
    """Concatenates a list of tensors along `axis`."""
    if not isinstance(tensors, (list, tuple)) or not tensors:
        raise ValueError("K.concatenate: `tensors` must be a non-empty list of tensors.")
    return S.Concatenate.apply(*[as_input(t) for t in tensors], axis=int(axis))


def stack(x, axis=0):
    """Stacks a list of same-shape tensors along a new axis."""
    if not isinstance(x, (list, tuple)) or not x:
        raise ValueError("K.stack: `x` must be a non-empty list of tensors.")
    return S.Stack.apply(*[as_input(t) for t in x], axis=int(axis))


def reverse(x, axes):
    """Reverses `x` along `axes` (an int or a list of ints)."""
    return S.Flip.apply(as_input(x), axes=_ints(axes))


def repeat(x, n):
    """Repeats a 2-D tensor: (B, F) -> (B, n, F)."""
    x = as_input(x)
    if len(x.shape) != 2:
        raise ValueError(
            f"K.repeat: `x` must be 2-D (batch, features); received shape {tuple(x.shape)}.")
    return S.Tile.apply(S.ExpandDims.apply(x, axis=1), reps=(1, int(n), 1))


def repeat_elements(x, rep, axis):
    """Repeats each element `rep` times along `axis`, like np.repeat."""
    return S.RepeatElements.apply(as_input(x), rep=int(rep), axis=int(axis))


def tile(x, n):
    """Tiles `x` by `n` (an int or one count per axis)."""
    if isinstance(n, (int, np.integer)):
        n = [n]
    return S.Tile.apply(as_input(x), reps=_ints(n))


def gather(reference, indices):
    """reference[indices] along axis 0 (indices of any shape)."""
    return S.Gather.apply(as_input(reference), as_input(indices))


def one_hot(indices, num_classes):
    """One-hot encoding (floatx) along a new last axis of `num_classes`."""
    return S.OneHot.apply(as_input(indices), num_classes=int(num_classes),
                          dtype=np.dtype(floatx()))


def slice(x, start, size):  # noqa: A001  (Keras name)
    """`x[start[0]:start[0] + size[0], ...]`: one start and one size per axis
    (a size of -1 takes the rest of that axis), as Keras 2's K.slice (tf.slice).

    tf-keras 2.x no longer exports it from the backend; Keras 2 programs call it.

    Example:
        >>> K.slice(np.arange(10).reshape(2, 5), (0, 1), (2, 3))
        array([[1, 2, 3], [6, 7, 8]])
    """
    x = as_input(x)
    start, size = _ints(start), _ints(size)
    start = (start,) if isinstance(start, int) else start
    size = (size,) if isinstance(size, int) else size
    nd = len(x.shape)
    if len(start) != nd or len(size) != nd:
        raise ValueError(f"K.slice: `start` and `size` need one entry per axis of `x` (rank "
                         f"{nd}); received start={start}, size={size}.")
    key = []
    for n, b, s in zip(x.shape, start, size):
        end = n if s == -1 else b + s
        if b < 0 or s < -1 or (n is not None and end > n):
            raise ValueError(f"K.slice: start={start}, size={size} fall outside the shape "
                             f"{tuple(x.shape)} of `x`.")
        key.append(builtins.slice(b, end))
    return S.GetItem.apply(x, key=tuple(key))
