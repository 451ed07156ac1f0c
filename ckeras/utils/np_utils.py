"""NumPy helpers of the Keras utils namespace."""
import numpy as np


def to_categorical(y, num_classes=None, dtype="float32"):
    """Converts a class vector (integers) to a one-hot class matrix.

    Args:
        y: array-like of class indices from 0 to num_classes - 1.
        num_classes: total number of classes (default: max(y) + 1).
        dtype: dtype of the result.

    Returns:
        An array of shape `y.shape + (num_classes,)` (a trailing axis of size
        1 in `y` is dropped first, as Keras does).

    Example:
        >>> to_categorical([0, 2], num_classes=3)
        array([[1., 0., 0.], [0., 0., 1.]], dtype=float32)
    """
    y = np.array(y, dtype="int64")
    shape = y.shape
    if shape and shape[-1] == 1 and len(shape) > 1:
        shape = shape[:-1]
    y = y.ravel()
    if num_classes is None:
        num_classes = int(np.max(y)) + 1 if y.size else 0
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(f"to_categorical: class indices must be in [0, {num_classes}); "
                         f"received values from {y.min()} to {y.max()}.")
    out = np.zeros((y.shape[0], num_classes), dtype=dtype)
    out[np.arange(y.shape[0]), y] = 1
    return out.reshape(shape + (num_classes,))


def normalize(x, axis=-1, order=2):
    """Normalizes an array to unit `order`-norm along `axis`."""
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, axis)


def to_ordinal(y, num_classes=None, dtype="float32"):
    """Converts a class vector (integers) to an ordinal regression matrix:
    class `k` becomes `k` ones followed by zeros.

    Args:
        y: array-like of class indices from 0 to num_classes - 1.
        num_classes: total number of classes (default: max(y) + 1).
        dtype: dtype of the result.

    Returns:
        An array of shape `y.shape + (num_classes - 1,)` (a trailing axis of
        size 1 in `y` is dropped first, as Keras does).

    Example:
        >>> to_ordinal([0, 2], num_classes=3)
        array([[0., 0.], [1., 1.]], dtype=float32)
    """
    y = np.array(y, dtype="int64")
    shape = y.shape
    if shape and shape[-1] == 1 and len(shape) > 1:
        shape = shape[:-1]
    y = y.ravel()
    if not num_classes:
        num_classes = int(np.max(y)) + 1 if y.size else 1
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(f"to_ordinal: class indices must be in [0, {num_classes}); "
                         f"received values from {y.min()} to {y.max()}.")
    out = (np.arange(num_classes - 1)[None, :] < y[:, None]).astype(dtype)
    return out.reshape(shape + (num_classes - 1,))
