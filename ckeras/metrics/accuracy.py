"""Accuracy metrics: the per-sample functions (`binary_accuracy`,
`categorical_accuracy`, `top_k_categorical_accuracy`, ...) and the stateful
classes that average them."""
import numpy as np

from ckeras._internal import config as _config
from ckeras.metrics.base import MeanMetricWrapper
from ckeras.metrics.metrics_utils import to_numpy


def _floatx():
    return np.dtype(_config.floatx())


def _float(x):
    """`x` as a float array (ints and bools become floatx)."""
    x = to_numpy(x)
    return x if x.dtype.kind == "f" else x.astype(_floatx())


def accuracy(y_true, y_pred):
    """Elementwise equality of `y_true` and `y_pred` (as floats).

    Args:
        y_true: targets.
        y_pred: predictions of the same shape (cast to `y_true`'s dtype).

    Returns:
        1.0 where equal, 0.0 elsewhere, same shape as the inputs.

    Example:
        >>> accuracy(np.array([[1, 2]]), np.array([[1, 3]]))
        array([[1., 0.]], dtype=float32)
    """
    t, p = to_numpy(y_true), to_numpy(y_pred)
    if t.shape != p.shape:
        raise ValueError(f"Shapes {p.shape} and {t.shape} are incompatible")
    if p.dtype != t.dtype:
        p = p.astype(t.dtype)
    return np.equal(t, p).astype(_floatx())


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """How often predictions above `threshold` match binary targets, per sample.

    `mean(y_true == (y_pred > threshold), axis=-1)`; a prediction equal to the
    threshold counts as class 0.

    Args:
        y_true: 0/1 targets, shape `(B, .., d)`.
        y_pred: scores, same shape.
        threshold: the decision threshold.

    Returns:
        Per-sample accuracies, shape `(B, ..)`.

    Example:
        >>> binary_accuracy(np.array([[1., 0.]]), np.array([[0.6, 0.5]]))
        array([1.], dtype=float32)
    """
    return np.mean(_binary_matches(y_true, y_pred, threshold), axis=-1)


def _binary_matches(y_true, y_pred, threshold=0.5):
    """Elementwise 1.0 where `y_true == (y_pred > threshold)` (BinaryAccuracy's values)."""
    t, p = to_numpy(y_true), _float(y_pred)
    p = (p > np.asarray(threshold, p.dtype)).astype(p.dtype)
    return np.equal(t, p).astype(_floatx())


def _sparse_matches(y_true, y_pred):
    """1.0 where argmax(y_pred) equals the integer label (ties: first index)."""
    t, p = to_numpy(y_true), to_numpy(y_pred)
    org_shape = t.shape
    reshape = False
    if t.ndim == p.ndim:
        if t.shape[-1] != 1:
            raise ValueError(
                "Sparse accuracy expects labels of shape y_pred.shape[:-1] or with a "
                f"trailing 1; received y_true.shape={t.shape}, y_pred.shape={p.shape}.")
        t = t.reshape(t.shape[:-1])
        reshape = True
    pred = np.argmax(p, axis=-1)
    if pred.dtype != t.dtype:
        pred = pred.astype(t.dtype)
    matches = np.equal(t, pred).astype(_floatx())
    return matches.reshape(org_shape) if reshape else matches


def _squeeze_trailing(m):
    return m.reshape(m.shape[:-1]) if m.ndim > 1 and m.shape[-1] == 1 else m


def categorical_accuracy(y_true, y_pred):
    """1.0 where argmax(y_true) == argmax(y_pred) (ties go to the first index).

    Args:
        y_true: one-hot targets, shape `(B, .., K)`.
        y_pred: scores, same shape.

    Returns:
        Per-sample accuracies, shape `(B, ..)`.

    Example:
        >>> categorical_accuracy(np.array([[0., 1.]]), np.array([[0.3, 0.7]]))
        array([1.], dtype=float32)
    """
    return _sparse_matches(np.argmax(to_numpy(y_true), axis=-1), y_pred)


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where the integer label equals argmax(y_pred) (ties: first index).

    Args:
        y_true: integer labels (int or float), shape `(B, ..)` or `(B, .., 1)`.
        y_pred: scores, shape `(B, .., K)`.

    Returns:
        Per-sample accuracies, shape `(B, ..)`.

    Example:
        >>> sparse_categorical_accuracy(np.array([1, 0]), np.array([[0.3, 0.7], [0.4, 0.6]]))
        array([1., 0.], dtype=float32)
    """
    return _squeeze_trailing(_sparse_matches(y_true, y_pred))


def _sparse_top_k_matches(y_true, y_pred, k):
    """1.0 where the label is among the k largest scores (ties straddling the
    k-th place all count, as tf.math.in_top_k)."""
    t, p = to_numpy(y_true), to_numpy(y_pred)
    org_shape = t.shape
    reshape = False
    if p.ndim > 2:
        p = p.reshape(-1, p.shape[-1])
    if t.ndim > 1:
        reshape = True
        t = t.reshape(-1)
    labels = t.astype(np.int64)
    n = p.shape[-1]
    valid = (labels >= 0) & (labels < n)
    rows = np.arange(labels.shape[0])
    target = p[rows, np.where(valid, labels, 0)]
    above = np.sum(p > target[:, None], axis=-1)
    matches = (valid & np.isfinite(target) & (above < k)).astype(_floatx())
    return matches.reshape(org_shape) if reshape else matches


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the one-hot target class is among the top `k` predictions.

    Args:
        y_true: one-hot targets, shape `(B, K)`.
        y_pred: scores, shape `(B, K)`.
        k: how many top predictions count.

    Returns:
        Per-sample values, shape `(B,)`.

    Example:
        >>> top_k_categorical_accuracy(np.array([[0., 0., 1.]]), np.array([[0.5, 0.3, 0.2]]), k=2)
        array([0.], dtype=float32)
    """
    return _sparse_top_k_matches(np.argmax(to_numpy(y_true), axis=-1), y_pred, k)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the integer label is among the top `k` predictions.

    Args:
        y_true: integer labels, shape `(B,)` or `(B, 1)`.
        y_pred: scores, shape `(B, K)`.
        k: how many top predictions count.

    Returns:
        Per-sample values, shape `(B,)`.

    Example:
        >>> sparse_top_k_categorical_accuracy(np.array([1]), np.array([[0.5, 0.3, 0.2]]), k=2)
        array([1.], dtype=float32)
    """
    return _squeeze_trailing(_sparse_top_k_matches(y_true, y_pred, k))


# Aliases (as in tf.keras).
acc = ACC = accuracy


class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels (elementwise).

    Args:
        name: default 'accuracy'.
        dtype: the state dtype.

    Example:
        >>> float(Accuracy()(np.array([[1], [2], [3], [4]]), np.array([[0], [2], [3], [4]])))
        0.75
    """

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)


class BinaryAccuracy(MeanMetricWrapper):
    """How often thresholded predictions match binary labels.

    Args:
        name: default 'binary_accuracy'.
        dtype: the state dtype.
        threshold: predictions above it are class 1.

    Example:
        >>> float(BinaryAccuracy()(np.array([[1.], [0.]]), np.array([[0.9], [0.5]])))
        1.0
    """

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        # Elementwise matches (as tf.keras): the count grows by the number of labels.
        super().__init__(_binary_matches, name=name, dtype=dtype, threshold=threshold)


class CategoricalAccuracy(MeanMetricWrapper):
    """How often argmax(predictions) equals argmax(one-hot labels).

    Args:
        name: default 'categorical_accuracy'.
        dtype: the state dtype.

    Example:
        >>> float(CategoricalAccuracy()(np.array([[0., 1.]]), np.array([[0.2, 0.8]])))
        1.0
    """

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often argmax(predictions) equals integer labels.

    Args:
        name: default 'sparse_categorical_accuracy'.
        dtype: the state dtype.

    Example:
        >>> float(SparseCategoricalAccuracy()(np.array([1, 0]),
        ...                                   np.array([[0.2, 0.8], [0.1, 0.9]])))
        0.5
    """

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot target is in the top `k` predictions.

    Args:
        k: how many top predictions count (default 5).
        name: default 'top_k_categorical_accuracy'.
        dtype: the state dtype.

    Example:
        >>> float(TopKCategoricalAccuracy(k=1)(np.array([[0., 1.]]), np.array([[0.2, 0.8]])))
        1.0
    """

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer target is in the top `k` predictions.

    Args:
        k: how many top predictions count (default 5).
        name: default 'sparse_top_k_categorical_accuracy'.
        dtype: the state dtype.

    Example:
        >>> float(SparseTopKCategoricalAccuracy(k=1)(np.array([1]), np.array([[0.2, 0.8]])))
        1.0
    """

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None):
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
