"""Intersection-over-union metrics: `IoU`, `MeanIoU`, `BinaryIoU`,
`OneHotIoU` and `OneHotMeanIoU` (tf-keras 2.x; `MeanIoU` is also Keras 2.3's).

All accumulate a weighted confusion matrix `cm[true, predicted]` over the
batches; the IoU of class c is `cm[c, c] / (row_c + column_c - cm[c, c])`,
and the result is the mean over the target classes whose denominator is not
0 (0 when none is)."""
import numpy as np

from ckeras.metrics.base import Metric
from ckeras.metrics.metrics_utils import divide_no_nan, to_numpy

__all__ = ["IoU", "MeanIoU", "BinaryIoU", "OneHotIoU", "OneHotMeanIoU"]


class _IoUBase(Metric):
    """The confusion-matrix state and its update, shared by the IoU metrics."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(name=name, dtype=dtype)
        self.num_classes = num_classes
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        self.total_cm = self.add_weight("total_confusion_matrix", (num_classes, num_classes))

    def _labels(self, values, sparse):
        values = np.asarray(to_numpy(values))
        if not sparse:
            values = np.argmax(values, axis=self.axis)
        # tf-keras casts to the metric dtype, then the confusion matrix casts
        # to int64: fractional labels truncate toward zero.
        return values.astype(self._dtype).reshape(-1)

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Adds one batch to the confusion matrix.

        Args:
            y_true: class ids (or one-hot rows when `sparse_y_true=False`).
            y_pred: class ids (or scores when `sparse_y_pred=False`).
            sample_weight: optional weights, one per entry (or a scalar).

        Raises:
            ValueError: a class id outside `[0, num_classes)`, or weights
                that do not fit the entries.
        """
        t = self._labels(y_true, self.sparse_y_true)
        p = self._labels(y_pred, self.sparse_y_pred)
        if t.size != p.size:
            raise ValueError(f'Metric "{self.name}": y_true has {t.size} entries and y_pred '
                             f"{p.size}; they must match.")
        w = None
        if sample_weight is not None:
            w = np.asarray(to_numpy(sample_weight), dtype=self._dtype)
            w = np.broadcast_to(w, t.shape) if w.ndim == 0 else w.reshape(-1)
            if w.size != t.size:
                raise ValueError(f'Metric "{self.name}": sample_weight has {w.size} entries '
                                 f"for {t.size} labels.")
        if self.ignore_class is not None:
            keep = t != self._dtype.type(self.ignore_class)
            t, p = t[keep], p[keep]
            w = None if w is None else w[keep]
        t, p = t.astype(np.int64), p.astype(np.int64)
        n = self.num_classes
        bad = (t < 0) | (t >= n) | (p < 0) | (p >= n)
        if bad.any():
            raise ValueError(
                f'Metric "{self.name}": class ids must be in [0, {n}); received '
                f"y_true in [{t.min()}, {t.max()}] and y_pred in [{p.min()}, {p.max()}].")
        counts = np.bincount(t * n + p, weights=w, minlength=n * n)
        self.total_cm += counts.reshape(n, n).astype(self._dtype)


class IoU(_IoUBase):
    """The mean intersection-over-union of the classes `target_class_ids`.

    Args:
        num_classes: the number of classes (the confusion matrix is
            `(num_classes, num_classes)`).
        target_class_ids: the classes whose IoUs are averaged.
        name: default 'io_u' (made unique).
        dtype: the state dtype.
        ignore_class: a class id whose entries are left out (e.g. a "void"
            class of a segmentation map).
        sparse_y_true: labels are class ids (else one-hot rows, argmax'ed).
        sparse_y_pred: predictions are class ids (else scores, argmax'ed).
        axis: the class axis for the argmax.

    Example:
        >>> m = IoU(num_classes=2, target_class_ids=[0])
        >>> float(m([0, 0, 1, 1], [0, 1, 0, 1]))
        0.333...
    """

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None,
                 ignore_class=None, sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred, axis=axis)
        if max(target_class_ids) >= num_classes:
            raise ValueError(f"Target class id {max(target_class_ids)} is out of range, which "
                             f"is [0, {num_classes}).")
        self.target_class_ids = list(target_class_ids)

    def result(self):
        cm = self.total_cm
        tp = np.diagonal(cm)
        denominator = cm.sum(axis=0) + cm.sum(axis=1) - tp
        ids = self.target_class_ids
        tp, denominator = tp[ids], denominator[ids]
        valid = np.sum(denominator != 0, dtype=self._dtype)
        iou = divide_no_nan(tp, denominator)
        return divide_no_nan(np.sum(iou, dtype=self._dtype), valid)[()]

    def get_config(self):
        config = super().get_config()
        config.update({"num_classes": self.num_classes,
                       "target_class_ids": self.target_class_ids,
                       "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                       "sparse_y_pred": self.sparse_y_pred, "axis": self.axis})
        return config


class BinaryIoU(IoU):
    """IoU of a binary task on scores: a prediction is class 1 when it is
    `>= threshold`, else class 0.

    Args:
        target_class_ids: `[0]`, `[1]` or `[0, 1]` (the default: their mean).
        threshold: the score from which a prediction is class 1.
        name: default 'binary_io_u' (made unique).
        dtype: the state dtype.

    Example:
        >>> m = BinaryIoU(target_class_ids=[0, 1], threshold=0.3)
        >>> float(m([0, 1, 0, 1], [0.1, 0.2, 0.4, 0.7]))
        0.333...
    """

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(num_classes=2, target_class_ids=target_class_ids, name=name,
                         dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Adds one batch: `y_true` 0/1 labels, `y_pred` scores."""
        y_pred = np.asarray(to_numpy(y_pred), dtype=self._dtype)
        y_pred = (y_pred >= self._dtype.type(self.threshold)).astype(self._dtype)
        super().update_state(y_true, y_pred, sample_weight)

    def get_config(self):
        return {"target_class_ids": self.target_class_ids, "threshold": self.threshold,
                "name": self.name, "dtype": self.dtype}


class MeanIoU(IoU):
    """The mean IoU over all `num_classes` classes (those that occur).

    Args:
        num_classes: the number of classes.
        name: default 'mean_io_u' (made unique).
        dtype: the state dtype.
        ignore_class: a class id whose entries are left out.
        sparse_y_true: labels are class ids (else one-hot rows).
        sparse_y_pred: predictions are class ids (else scores).
        axis: the class axis for the argmax.

    Example:
        >>> m = MeanIoU(num_classes=2)
        >>> float(m([0, 0, 1, 1], [0, 1, 0, 1]))
        0.333...
    """

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, list(range(num_classes)), name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=sparse_y_true,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class OneHotIoU(IoU):
    """`IoU` for one-hot labels and score predictions (both argmax'ed over
    `axis`).

    Args:
        num_classes: the number of classes.
        target_class_ids: the classes whose IoUs are averaged.
        name: default 'one_hot_io_u' (made unique).
        dtype: the state dtype.
        ignore_class: a class id whose entries are left out.
        sparse_y_pred: predictions are class ids (default False: scores).
        axis: the class axis.

    Example:
        >>> m = OneHotIoU(num_classes=3, target_class_ids=[0, 2])
        >>> float(m(np.eye(3)[[2, 0, 1]], np.eye(3)[[2, 2, 1]]))
        0.25
    """

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None,
                 ignore_class=None, sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, target_class_ids, name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "target_class_ids": self.target_class_ids,
                "name": self.name, "dtype": self.dtype, "ignore_class": self.ignore_class,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class OneHotMeanIoU(MeanIoU):
    """`MeanIoU` for one-hot labels and score predictions.

    Args:
        num_classes: the number of classes.
        name: default 'one_hot_mean_io_u' (made unique).
        dtype: the state dtype.
        ignore_class: a class id whose entries are left out.
        sparse_y_pred: predictions are class ids (default False: scores).
        axis: the class axis.

    Example:
        >>> m = OneHotMeanIoU(num_classes=3)
        >>> float(m(np.eye(3)[[2, 0, 1]], np.eye(3)[[2, 2, 1]]))
        0.5
    """

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}
