"""Metrics (Keras 2 / tf.keras 2.x API).

Metric FUNCTIONS (`binary_accuracy`, `categorical_accuracy`, ...) return
one value per sample and run on plain NumPy arrays (Tensors are read through
`.value`; nothing is taped). Every loss function is also available as a
metric function (`mse`, `mae`, `categorical_crossentropy`, ...).

Stateful metric CLASSES accumulate over batches: `update_state(y_true,
y_pred, sample_weight=None)`, `result()`, `reset_state()`. Their state lives
in small NumPy arrays of the metric's dtype (float32 by default), the
variables tf.keras keeps. Weighted means are Σ(w·v) / Σw, with the weights
broadcast against the values as tf.keras does.

`resolve()` implements the TF2 rule that turns `'accuracy'` / `'acc'` /
`'crossentropy'` / `'ce'` into a concrete function from the shapes of the
targets and outputs.
"""
import numpy as np

from ckeras import losses as _losses
from ckeras.autograd.tensor import Tensor
from ckeras.backend import config as _config
from ckeras.saving import serialization as _serialization

NEG_INF = -1e10


# -- helpers ----------------------------------------------------------------------------

def _np(x):
    """`x` as a NumPy array (Tensors are read through `.value`)."""
    if isinstance(x, Tensor):
        return x.value
    return x if type(x) is np.ndarray else np.asarray(x)


def _floatx():
    return np.dtype(_config.floatx())


def _float(x):
    """`x` as a float array (ints and bools become floatx)."""
    x = _np(x)
    return x if x.dtype.kind == "f" else x.astype(_floatx())


def _match_rank(y_true, y_pred):
    """tf-keras' rank alignment of targets and predictions (NumPy only)."""
    rt, rp = y_true.ndim, y_pred.ndim
    if rt == 1 and rp == 2:
        y_true = y_true[:, None]
        rt = 2
    if rp - rt == 1 and y_pred.shape[-1] == 1:
        y_pred = y_pred.reshape(y_pred.shape[:-1])
    elif rt - rp == 1 and y_true.shape[-1] == 1:
        y_true = y_true.reshape(y_true.shape[:-1])
    return y_true, y_pred


def _align_weights(values, sample_weight):
    """Weights with their rank aligned to `values` (tf-keras' squeeze/expand rule)."""
    w = sample_weight
    if w.ndim == 0:
        return w
    if w.ndim - values.ndim == 1 and w.shape[-1] == 1:
        w = w.reshape(w.shape[:-1])
    elif values.ndim - w.ndim == 1:
        w = w.reshape(w.shape + (1,))
    return w


def _divide_no_nan(a, b):
    a = np.asarray(a)
    b = np.asarray(b)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(b == 0, np.zeros((), a.dtype), a / np.where(b == 0, 1, b))
    return out.astype(a.dtype, copy=False)


# -- accuracy functions ------------------------------------------------------------------

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
    t, p = _np(y_true), _np(y_pred)
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
    t, p = _np(y_true), _float(y_pred)
    p = (p > np.asarray(threshold, p.dtype)).astype(p.dtype)
    return np.equal(t, p).astype(_floatx())


def _sparse_matches(y_true, y_pred):
    """1.0 where argmax(y_pred) equals the integer label (ties: first index)."""
    t, p = _np(y_true), _np(y_pred)
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
    return _sparse_matches(np.argmax(_np(y_true), axis=-1), y_pred)


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
    t, p = _np(y_true), _np(y_pred)
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
    return _sparse_top_k_matches(np.argmax(_np(y_true), axis=-1), y_pred, k)


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


# -- loss functions as metrics --------------------------------------------------------------

def mean_squared_error(y_true, y_pred):
    """Per-sample mean squared error (see `ckeras.losses.mean_squared_error`)."""
    return _losses.mean_squared_error(_np(y_true), _np(y_pred))


def mean_absolute_error(y_true, y_pred):
    """Per-sample mean absolute error (see `ckeras.losses.mean_absolute_error`)."""
    return _losses.mean_absolute_error(_np(y_true), _np(y_pred))


def mean_absolute_percentage_error(y_true, y_pred):
    """Per-sample MAPE (see `ckeras.losses.mean_absolute_percentage_error`)."""
    return _losses.mean_absolute_percentage_error(_np(y_true), _np(y_pred))


def mean_squared_logarithmic_error(y_true, y_pred):
    """Per-sample MSLE (see `ckeras.losses.mean_squared_logarithmic_error`)."""
    return _losses.mean_squared_logarithmic_error(_np(y_true), _np(y_pred))


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Per-sample binary crossentropy (see `ckeras.losses.binary_crossentropy`)."""
    return _losses.binary_crossentropy(_np(y_true), _np(y_pred), from_logits=from_logits,
                                       label_smoothing=label_smoothing, axis=axis)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Per-sample categorical crossentropy (see `ckeras.losses.categorical_crossentropy`)."""
    return _losses.categorical_crossentropy(_np(y_true), _np(y_pred), from_logits=from_logits,
                                            label_smoothing=label_smoothing, axis=axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, axis=-1,
                                    ignore_class=None):
    """Per-sample sparse categorical crossentropy (see the loss of the same name)."""
    return _losses.sparse_categorical_crossentropy(
        _np(y_true), _np(y_pred), from_logits=from_logits, axis=axis, ignore_class=ignore_class)


def kl_divergence(y_true, y_pred):
    """Per-sample Kullback-Leibler divergence (see `ckeras.losses.kl_divergence`)."""
    return _losses.kl_divergence(_np(y_true), _np(y_pred))


def poisson(y_true, y_pred):
    """Per-sample Poisson loss (see `ckeras.losses.poisson`)."""
    return _losses.poisson(_np(y_true), _np(y_pred))


def hinge(y_true, y_pred):
    """Per-sample hinge loss (see `ckeras.losses.hinge`)."""
    return _losses.hinge(_np(y_true), _np(y_pred))


def squared_hinge(y_true, y_pred):
    """Per-sample squared hinge loss (see `ckeras.losses.squared_hinge`)."""
    return _losses.squared_hinge(_np(y_true), _np(y_pred))


def categorical_hinge(y_true, y_pred):
    """Per-sample categorical hinge loss (see `ckeras.losses.categorical_hinge`)."""
    return _losses.categorical_hinge(_np(y_true), _np(y_pred))


def log_cosh(y_true, y_pred):
    """Per-sample log-cosh error (see `ckeras.losses.log_cosh`)."""
    return _losses.log_cosh(_np(y_true), _np(y_pred))


def cosine_similarity(y_true, y_pred, axis=-1):
    """Cosine similarity along `axis` (POSITIVE: 1 for identical directions).

    Unlike the loss of the same name (its negative), the metric is the
    similarity itself, as in tf.keras.

    Args:
        y_true: targets.
        y_pred: predictions, same shape.
        axis: the axis along which the similarity is computed.

    Returns:
        Per-sample similarities (`axis` removed).

    Example:
        >>> cosine_similarity(np.array([[1., 0.]]), np.array([[2., 0.]]))
        array([1.])
    """
    return -_losses.cosine_similarity(_np(y_true), _np(y_pred), axis=axis)


# Aliases (as in tf.keras).
acc = ACC = accuracy
bce = BCE = binary_crossentropy
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh


# -- stateful metrics ------------------------------------------------------------------------

class Metric:
    """Base class of stateful metrics.

    Subclasses create their state with `add_weight` in `__init__` and
    implement `update_state` and `result`.

    Args:
        name: the metric name (default: the snake_case class name, made unique
            like layer names: 'auc', 'auc_1', ...).
        dtype: the dtype of the state and the result (default floatx).

    Example:
        >>> m = Mean()
        >>> m.update_state([1, 3]); float(m.result())
        2.0
    """

    def __init__(self, name=None, dtype=None, **kwargs):
        if kwargs:
            raise TypeError(f"Unrecognized keyword arguments: {sorted(kwargs)}")
        if name is None:
            from ckeras.engine.naming import to_snake_case, unique_name
            name = unique_name(to_snake_case(type(self).__name__))
        self.name = name
        self._dtype = np.dtype(dtype if dtype is not None else _config.floatx())
        self._weights = []

    @property
    def dtype(self):
        """The dtype name of the state ('float32')."""
        return self._dtype.name

    def add_weight(self, name, shape=(), dtype=None):
        """Creates a zero-initialised state array and returns it.

        Args:
            name: the variable name ('total', 'true_positives', ...).
            shape: its shape.
            dtype: defaults to the metric's dtype.

        Returns:
            The NumPy array (updated in place by `update_state`).
        """
        arr = np.zeros(shape, dtype=np.dtype(dtype) if dtype is not None else self._dtype)
        self._weights.append((name, arr))
        return arr

    @property
    def variables(self):
        """The state arrays, in creation order."""
        return [a for _, a in self._weights]

    weights = variables

    @property
    def variable_names(self):
        """The names of the state arrays, in creation order."""
        return [n for n, _ in self._weights]

    def update_state(self, *args, **kwargs):
        """Accumulates statistics; implemented by subclasses."""
        raise NotImplementedError("Must be implemented in subclasses.")

    def result(self):
        """The current value of the metric; implemented by subclasses."""
        raise NotImplementedError("Must be implemented in subclasses.")

    def reset_state(self):
        """Sets every state array back to zero."""
        for _, a in self._weights:
            a[...] = 0

    def reset_states(self):
        """Alias of `reset_state` (Keras 2 name)."""
        self.reset_state()

    def __call__(self, *args, **kwargs):
        """Updates the state with one batch and returns the new result."""
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        """Returns `{'name': ..., 'dtype': ...}`."""
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        """Builds the metric from the output of `get_config()`."""
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r}>"


class Reduce(Metric):
    """Accumulates values with a reduction: 'sum' or 'weighted_mean'.

    Args:
        reduction: 'sum' or 'weighted_mean'.
        name: the metric name.
        dtype: the state dtype.
    """

    def __init__(self, reduction, name, dtype=None):
        super().__init__(name=name, dtype=dtype)
        if reduction not in ("sum", "weighted_mean", "sum_over_batch_size"):
            raise ValueError(f"Unknown reduction: {reduction!r}")
        self.reduction = reduction
        self.total = self.add_weight("total")
        if reduction != "sum":
            self.count = self.add_weight("count")

    def update_state(self, values, sample_weight=None):
        """Adds `values` (weighted by `sample_weight`) to the state.

        Args:
            values: an array of any shape.
            sample_weight: None, a scalar, or weights broadcastable to `values`
                (a `(B,)` weight against `(B, d)` values gets a trailing
                axis); weights of a higher rank reduce the values instead.
        """
        dt = self._dtype
        values = np.asarray(_np(values), dtype=dt)
        if sample_weight is None:
            self.total += np.sum(values, dtype=dt)
            if self.reduction != "sum":
                self.count += dt.type(values.size)
            return
        w = _align_weights(values, np.asarray(_np(sample_weight), dtype=dt))
        try:
            w = np.broadcast_to(w, values.shape)
        except ValueError:
            axes = tuple(range(w.ndim, values.ndim))
            values = (np.sum if self.reduction == "sum" else np.mean)(values, axis=axes)
        values = values * w
        self.total += np.sum(values, dtype=dt)
        if self.reduction == "weighted_mean":
            self.count += np.sum(w, dtype=dt)
        elif self.reduction == "sum_over_batch_size":
            self.count += dt.type(values.size)

    def result(self):
        if self.reduction == "sum":
            return self.total.copy()[()]
        return _divide_no_nan(self.total, self.count)[()]


class Sum(Reduce):
    """The (weighted) sum of the given values.

    Args:
        name: default 'sum'.
        dtype: the state dtype.

    Example:
        >>> m = Sum(); m.update_state([1, 3, 5, 7]); float(m.result())
        16.0
    """

    def __init__(self, name="sum", dtype=None):
        super().__init__("sum", name=name, dtype=dtype)


class Mean(Reduce):
    """The (weighted) mean of the given values: Σ(w·v) / Σw.

    Args:
        name: default 'mean'.
        dtype: the state dtype.

    Example:
        >>> m = Mean(); m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
        >>> float(m.result())
        2.0
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__("weighted_mean", name=name, dtype=dtype)


class MeanMetricWrapper(Mean):
    """Weighted mean of a per-sample metric function `fn(y_true, y_pred, **kwargs)`.

    Targets and predictions are cast to the metric dtype and their ranks
    aligned (tf-keras' rule) before `fn` is called.

    Args:
        fn: the metric function.
        name: the metric name.
        dtype: the state dtype.
        **kwargs: keyword arguments passed to `fn`.

    Example:
        >>> m = MeanMetricWrapper(binary_accuracy, name='acc')
        >>> float(m(np.array([[1.], [0.]]), np.array([[0.9], [0.8]])))
        0.5
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Adds the per-sample values of `fn` on one batch (optionally weighted)."""
        dt = self._dtype
        y_true = np.asarray(_np(y_true), dtype=dt)
        y_pred = np.asarray(_np(y_pred), dtype=dt)
        y_true, y_pred = _match_rank(y_true, y_pred)
        matches = _np(self._fn(y_true, y_pred, **self._fn_kwargs))
        mask = self._mask(y_true, matches)
        if mask is not None:
            mask = mask.reshape(np.shape(matches)).astype(dt)
            if sample_weight is None:
                sample_weight = mask
            else:
                sw = _align_weights(mask, np.asarray(_np(sample_weight), dtype=dt))
                sample_weight = sw * mask
        super().update_state(matches, sample_weight=sample_weight)

    def _mask(self, y_true, matches):
        return None

    def get_config(self):
        config = super().get_config()
        for k, v in self._fn_kwargs.items():
            config[k] = v.item() if isinstance(v, np.generic) else v
        if type(self) is MeanMetricWrapper:
            config["fn"] = getattr(self._fn, "__name__", None) or type(self._fn).__name__
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        fn = config.pop("fn", None)
        if cls is MeanMetricWrapper:
            return cls(get(fn), **config)
        return cls(**config)


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


class MeanSquaredError(MeanMetricWrapper):
    """Running mean of the per-sample mean squared error.

    Args:
        name: default 'mean_squared_error'.
        dtype: the state dtype.

    Example:
        >>> float(MeanSquaredError()(np.array([[0., 1.]]), np.array([[1., 1.]])))
        0.5
    """

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, name=name, dtype=dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    """Running mean of the per-sample mean absolute error.

    Args:
        name: default 'mean_absolute_error'.
        dtype: the state dtype.

    Example:
        >>> float(MeanAbsoluteError()(np.array([[0., 1.]]), np.array([[1., 1.]])))
        0.5
    """

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name=name, dtype=dtype)


class MeanAbsolutePercentageError(MeanMetricWrapper):
    """Running mean of the per-sample mean absolute percentage error.

    Args:
        name: default 'mean_absolute_percentage_error'.
        dtype: the state dtype.

    Example:
        >>> float(MeanAbsolutePercentageError()(np.array([[2., 4.]]), np.array([[1., 4.]])))
        25.0
    """

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(mean_absolute_percentage_error, name=name, dtype=dtype)


class MeanSquaredLogarithmicError(MeanMetricWrapper):
    """Running mean of the per-sample mean squared logarithmic error.

    Args:
        name: default 'mean_squared_logarithmic_error'.
        dtype: the state dtype.

    Example:
        >>> float(MeanSquaredLogarithmicError()(np.array([[0.]]), np.array([[0.]])))
        0.0
    """

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(mean_squared_logarithmic_error, name=name, dtype=dtype)


class RootMeanSquaredError(Mean):
    """sqrt of the (weighted) mean of the elementwise squared errors.

    Args:
        name: default 'root_mean_squared_error'.
        dtype: the state dtype.

    Example:
        >>> float(RootMeanSquaredError()(np.array([[0., 1.]]), np.array([[2., 1.]])))
        1.414...
    """

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Adds the squared errors of one batch (optionally weighted)."""
        dt = self._dtype
        y_true = np.asarray(_np(y_true), dtype=dt)
        y_pred = np.asarray(_np(y_pred), dtype=dt)
        y_true, y_pred = _match_rank(y_true, y_pred)
        super().update_state(np.square(y_pred - y_true), sample_weight=sample_weight)

    def result(self):
        return np.sqrt(_divide_no_nan(self.total, self.count))[()]


class BinaryCrossentropy(MeanMetricWrapper):
    """Running mean of the binary crossentropy.

    Args:
        name: default 'binary_crossentropy'.
        dtype: the state dtype.
        from_logits: whether predictions are logits.
        label_smoothing: see `ckeras.losses.binary_crossentropy`.

    Example:
        >>> float(BinaryCrossentropy()(np.array([[0., 1.]]), np.array([[0.2, 0.8]])))
        0.2231...
    """

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0):
        super().__init__(binary_crossentropy, name=name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing)


class CategoricalCrossentropy(MeanMetricWrapper):
    """Running mean of the categorical crossentropy.

    Args:
        name: default 'categorical_crossentropy'.
        dtype: the state dtype.
        from_logits: whether predictions are logits.
        label_smoothing: see `ckeras.losses.categorical_crossentropy`.
        axis: the class axis.

    Example:
        >>> float(CategoricalCrossentropy()(np.array([[0., 1.]]), np.array([[0.5, 0.5]])))
        0.6931...
    """

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0, axis=-1):
        super().__init__(categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """Running mean of the sparse categorical crossentropy.

    Args:
        name: default 'sparse_categorical_crossentropy'.
        dtype: the state dtype.
        from_logits: whether predictions are logits.
        ignore_class: optional label value left out of the mean.
        axis: the class axis.

    Example:
        >>> float(SparseCategoricalCrossentropy()(np.array([1]), np.array([[0.5, 0.5]])))
        0.6931...
    """

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False,
                 ignore_class=None, axis=-1):
        super().__init__(sparse_categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, ignore_class=ignore_class, axis=axis)

    def _mask(self, y_true, matches):
        ignore = self._fn_kwargs.get("ignore_class")
        if ignore is None:
            return None
        return y_true != ignore


class CosineSimilarity(MeanMetricWrapper):
    """Running mean of the cosine similarity (positive; 1 = same direction).

    Args:
        name: default 'cosine_similarity'.
        dtype: the state dtype.
        axis: the axis along which the similarity is computed.

    Example:
        >>> float(CosineSimilarity()(np.array([[1., 0.]]), np.array([[2., 0.]])))
        1.0
    """

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(cosine_similarity, name=name, dtype=dtype, axis=axis)


class KLDivergence(MeanMetricWrapper):
    """Running mean of the Kullback-Leibler divergence.

    Args:
        name: default 'kullback_leibler_divergence'.
        dtype: the state dtype.
    """

    def __init__(self, name="kullback_leibler_divergence", dtype=None):
        super().__init__(kl_divergence, name=name, dtype=dtype)


class Poisson(MeanMetricWrapper):
    """Running mean of the Poisson loss.

    Args:
        name: default 'poisson'.
        dtype: the state dtype.
    """

    def __init__(self, name="poisson", dtype=None):
        super().__init__(poisson, name=name, dtype=dtype)


class Hinge(MeanMetricWrapper):
    """Running mean of the hinge loss.

    Args:
        name: default 'hinge'.
        dtype: the state dtype.
    """

    def __init__(self, name="hinge", dtype=None):
        super().__init__(hinge, name=name, dtype=dtype)


class SquaredHinge(MeanMetricWrapper):
    """Running mean of the squared hinge loss.

    Args:
        name: default 'squared_hinge'.
        dtype: the state dtype.
    """

    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, name=name, dtype=dtype)


class CategoricalHinge(MeanMetricWrapper):
    """Running mean of the categorical hinge loss.

    Args:
        name: default 'categorical_hinge'.
        dtype: the state dtype.
    """

    def __init__(self, name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, name=name, dtype=dtype)


class LogCoshError(MeanMetricWrapper):
    """Running mean of the log-cosh error.

    Args:
        name: default 'logcosh'.
        dtype: the state dtype.
    """

    def __init__(self, name="logcosh", dtype=None):
        super().__init__(log_cosh, name=name, dtype=dtype)


# -- confusion-matrix metrics -------------------------------------------------------------------

def _parse_thresholds(thresholds, default):
    if thresholds is not None:
        values = [thresholds] if np.ndim(thresholds) == 0 else list(thresholds)
        bad = [t for t in values if t is None or t < 0 or t > 1]
        if bad:
            raise ValueError(f"Threshold values must be in [0, 1]. Received: {bad}")
        return [float(t) for t in values]
    return [float(default)]


def _is_evenly_distributed(thresholds):
    """Whether the thresholds are i/(n-1), i = 0..n-1 (within eps), n >= 3."""
    n = len(thresholds)
    if n < 3:
        return False
    even = np.arange(n, dtype=np.float32) / (n - 1)
    return bool(np.allclose(thresholds, even, atol=_config.epsilon()))


def _filter_top_k(x, k):
    """Keeps the k largest entries of the last axis (ties: lower index); others -> -1e10."""
    idx = np.argsort(-x, axis=-1, kind="stable")[..., :k]
    mask = np.zeros(x.shape, dtype=bool)
    np.put_along_axis(mask, idx, True, axis=-1)
    return np.where(mask, x, np.asarray(NEG_INF, x.dtype)).astype(x.dtype, copy=False)


def _update_confusion_matrix(variables, y_true, y_pred, thresholds, top_k=None, class_id=None,
                             sample_weight=None, multi_label=False, label_weights=None,
                             evenly=False, dtype=np.float32):
    """Adds the weighted confusion counts of one batch to `variables`.

    `variables` maps 'tp', 'fp', 'tn', 'fn' to arrays of shape `(T,)` (or
    `(T, L)` with `multi_label`); a prediction is positive at threshold t when
    `prediction > t` (tf-keras' `update_confusion_matrix_variables`).
    """
    dtype = np.dtype(dtype)
    y_true = np.asarray(_np(y_true), dtype=dtype)
    y_pred = np.asarray(_np(y_pred), dtype=dtype)
    if y_pred.size and not (np.all(y_pred >= 0) and np.all(y_pred <= 1)):
        raise ValueError(
            "predictions must be >= 0 and <= 1; received values in "
            f"[{np.nanmin(y_pred)}, {np.nanmax(y_pred)}].")
    y_true, y_pred = _match_rank(y_true, y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"Shapes {y_pred.shape} and {y_true.shape} are incompatible: y_true and y_pred "
            "must have the same shape.")
    if sample_weight is not None:
        sample_weight = _align_weights(y_pred, np.asarray(_np(sample_weight), dtype=dtype))
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        y_true = y_true[..., class_id]
        y_pred = y_pred[..., class_id]
        if sample_weight is not None and sample_weight.ndim > y_pred.ndim:
            sample_weight = sample_weight[..., 0 if sample_weight.shape[-1] == 1 else class_id]

    weights = None
    if sample_weight is not None:
        weights = np.broadcast_to(sample_weight, y_pred.shape)
    if label_weights is not None and not multi_label:
        lw = np.broadcast_to(np.asarray(label_weights, dtype=dtype)[None], y_pred.shape)
        weights = lw if weights is None else weights * lw
    if not multi_label:
        y_true = y_true.reshape(-1)
        y_pred = y_pred.reshape(-1)
        if weights is not None:
            weights = weights.reshape(-1)

    n_thr = len(thresholds)
    if evenly:
        # Bucket each prediction: (i/(n-1), (i+1)/(n-1)] -> i, then reverse cumsums.
        w = 1.0 if weights is None else weights.astype(np.float64)
        pred = np.clip(y_pred, 0, 1)
        pos = (y_true != 0).astype(np.float64)
        true_labels = np.broadcast_to(pos * w, pred.shape)
        false_labels = np.broadcast_to((1.0 - pos) * w, pred.shape)
        bucket = np.ceil(pred * dtype.type(n_thr - 1)) - 1
        if thresholds[0] < 0:
            bucket = np.maximum(bucket, 0)
        bucket = bucket.astype(np.int64)
        ok = bucket >= 0
        if multi_label:
            n_lab = pred.shape[-1]
            idx = bucket * n_lab + np.arange(n_lab)
            size, shape = n_thr * n_lab, (n_thr, n_lab)
        else:
            idx, size, shape = bucket, n_thr, (n_thr,)
        tp = np.bincount(idx[ok], weights=true_labels[ok], minlength=size).reshape(shape)
        fp = np.bincount(idx[ok], weights=false_labels[ok], minlength=size).reshape(shape)
        tp = np.cumsum(tp[::-1], axis=0)[::-1]
        fp = np.cumsum(fp[::-1], axis=0)[::-1]
        axis = 0 if multi_label else None
        counts = {"tp": tp, "fp": fp}
        if "tn" in variables:
            counts["tn"] = np.sum(false_labels, axis=axis) - fp
        if "fn" in variables:
            counts["fn"] = np.sum(true_labels, axis=axis) - tp
    else:
        thr = np.asarray(thresholds, dtype=dtype)
        thr = thr.reshape((n_thr,) + (1,) * y_pred.ndim)
        pred_pos = y_pred[None] > thr
        label_pos = (y_true != 0)[None]
        conds = {"tp": lambda: label_pos & pred_pos, "fp": lambda: ~label_pos & pred_pos,
                 "tn": lambda: ~label_pos & ~pred_pos, "fn": lambda: label_pos & ~pred_pos}
        counts = {}
        for key in variables:
            c = conds[key]()
            if weights is None:
                counts[key] = np.sum(c, axis=1, dtype=np.float64)
            else:
                counts[key] = np.sum(c * weights[None].astype(np.float64), axis=1)
    for key, var in variables.items():
        var += counts[key].astype(var.dtype)


class _ConfusionMatrixConditionCount(Metric):
    """Counts one confusion-matrix cell at each threshold."""

    _key = None
    _var_name = None

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = _parse_thresholds(thresholds, 0.5)
        self._thresholds_distributed_evenly = _is_evenly_distributed(self.thresholds)
        self.accumulator = self.add_weight(self._var_name, shape=(len(self.thresholds),))

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Adds the (weighted) counts of one batch."""
        _update_confusion_matrix({self._key: self.accumulator}, y_true, y_pred, self.thresholds,
                                 sample_weight=sample_weight,
                                 evenly=self._thresholds_distributed_evenly, dtype=self._dtype)

    def result(self):
        if len(self.thresholds) == 1:
            return self.accumulator[0]
        return self.accumulator.copy()

    def get_config(self):
        config = super().get_config()
        config["thresholds"] = self.init_thresholds
        return config


class TruePositives(_ConfusionMatrixConditionCount):
    """Weighted count of true positives (`prediction > threshold` and label 1).

    Args:
        thresholds: a float or list of floats in [0, 1] (default 0.5).
        name: default 'true_positives' (made unique).
        dtype: the state dtype.

    Example:
        >>> float(TruePositives()([0, 1, 1, 1], [1, 0, 1, 1]))
        2.0
    """

    _key, _var_name = "tp", "accumulator"


class FalsePositives(_ConfusionMatrixConditionCount):
    """Weighted count of false positives (`prediction > threshold` and label 0).

    Args:
        thresholds: a float or list of floats in [0, 1] (default 0.5).
        name: default 'false_positives' (made unique).
        dtype: the state dtype.

    Example:
        >>> float(FalsePositives()([0, 1, 0, 0], [0, 0, 1, 1]))
        2.0
    """

    _key, _var_name = "fp", "accumulator"


class TrueNegatives(_ConfusionMatrixConditionCount):
    """Weighted count of true negatives (`prediction <= threshold` and label 0).

    Args:
        thresholds: a float or list of floats in [0, 1] (default 0.5).
        name: default 'true_negatives' (made unique).
        dtype: the state dtype.

    Example:
        >>> float(TrueNegatives()([0, 1, 0, 0], [1, 1, 0, 0]))
        2.0
    """

    _key, _var_name = "tn", "accumulator"


class FalseNegatives(_ConfusionMatrixConditionCount):
    """Weighted count of false negatives (`prediction <= threshold` and label 1).

    Args:
        thresholds: a float or list of floats in [0, 1] (default 0.5).
        name: default 'false_negatives' (made unique).
        dtype: the state dtype.

    Example:
        >>> float(FalseNegatives()([0, 1, 1, 1], [0, 1, 0, 0]))
        2.0
    """

    _key, _var_name = "fn", "accumulator"


class _PrecisionRecall(Metric):
    _second = None  # 'fp' (precision) or 'fn' (recall)

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        default = NEG_INF if top_k is not None else 0.5
        self.thresholds = _parse_thresholds(thresholds, default)
        self._thresholds_distributed_evenly = _is_evenly_distributed(self.thresholds)
        n = len(self.thresholds)
        self.true_positives = self.add_weight("true_positives", shape=(n,))
        second = "false_positives" if self._second == "fp" else "false_negatives"
        self._other = self.add_weight(second, shape=(n,))

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Adds the (weighted) true positives and the other count of one batch.

        Args:
            y_true: 0/1 labels.
            y_pred: scores in [0, 1], same shape.
            sample_weight: optional weights broadcastable to `y_pred`.
        """
        _update_confusion_matrix({"tp": self.true_positives, self._second: self._other},
                                 y_true, y_pred, self.thresholds, top_k=self.top_k,
                                 class_id=self.class_id, sample_weight=sample_weight,
                                 evenly=self._thresholds_distributed_evenly, dtype=self._dtype)

    def result(self):
        r = _divide_no_nan(self.true_positives, self.true_positives + self._other)
        return r[0] if len(self.thresholds) == 1 else r

    def get_config(self):
        config = super().get_config()
        config.update({"thresholds": self.init_thresholds, "top_k": self.top_k,
                       "class_id": self.class_id})
        return config


class Precision(_PrecisionRecall):
    """Precision = TP / (TP + FP) at each threshold (`prediction > threshold`).

    Args:
        thresholds: a float or list of floats in [0, 1]; default 0.5 (or
            "in the top k" when `top_k` is set).
        top_k: only the k largest predictions of each row count as positive.
        class_id: compute the metric for this class (last axis) only.
        name: default 'precision' (made unique).
        dtype: the state dtype.

    Example:
        >>> float(Precision()([0, 1, 1, 1], [1, 0, 1, 1]))
        0.666...
    """

    _second = "fp"

    @property
    def false_positives(self):
        return self._other


class Recall(_PrecisionRecall):
    """Recall = TP / (TP + FN) at each threshold (`prediction > threshold`).

    Args:
        thresholds: a float or list of floats in [0, 1]; default 0.5 (or
            "in the top k" when `top_k` is set).
        top_k: only the k largest predictions of each row count as positive.
        class_id: compute the metric for this class (last axis) only.
        name: default 'recall' (made unique).
        dtype: the state dtype.

    Example:
        >>> float(Recall()([0, 1, 1, 1], [1, 0, 1, 1]))
        0.666...
    """

    _second = "fn"

    @property
    def false_negatives(self):
        return self._other


class AUC(Metric):
    """Area under the ROC or PR curve, from confusion counts at fixed thresholds.

    With `num_thresholds` n, the thresholds are `-eps, 1/(n-1), ..., (n-2)/(n-1),
    1 + eps`. The ROC area is a Riemann sum with trapezoids
    (`summation_method='interpolation'`) or lower/upper rectangles
    ('minoring'/'majoring'); the PR area with 'interpolation' uses the
    Davis & Goadrich interpolation, as tf.keras does.

    Args:
        num_thresholds: number of thresholds (> 1), default 200.
        curve: 'ROC' or 'PR'.
        summation_method: 'interpolation', 'minoring' or 'majoring'.
        name: default 'auc' (made unique).
        dtype: the state dtype.
        thresholds: explicit thresholds in [0, 1] (then `num_thresholds` is
            ignored; -eps and 1 + eps are added).
        multi_label: one curve per label (last axis), averaged.
        num_labels: number of labels with `multi_label` (else taken from the
            first batch).
        label_weights: non-negative per-label weights.
        from_logits: apply a sigmoid to the predictions first.

    Example:
        >>> float(AUC(num_thresholds=3)([0, 0, 1, 1], [0, 0.5, 0.3, 0.9]))
        0.75
    """

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False):
        super().__init__(name=name, dtype=dtype)
        c = str(getattr(curve, "value", curve)).upper()
        if c not in ("ROC", "PR"):
            raise ValueError(f'Invalid AUC curve value: "{curve}". Expected values are '
                             '["PR", "ROC"]')
        s = str(getattr(summation_method, "value", summation_method)).lower()
        if s not in ("interpolation", "majoring", "minoring"):
            raise ValueError(
                f'Invalid AUC summation method value: "{summation_method}". Expected values '
                'are ["interpolation", "majoring", "minoring"]')
        self.curve, self.summation_method = c, s
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            thresholds = sorted(_parse_thresholds(thresholds, 0.5))
            self.num_thresholds = len(thresholds) + 2
            self._thresholds_distributed_evenly = _is_evenly_distributed(
                np.array([0.0] + thresholds + [1.0]))
        else:
            if num_thresholds <= 1:
                raise ValueError("Argument `num_thresholds` must be an integer > 1. "
                                 f"Received: num_thresholds={num_thresholds}")
            self.num_thresholds = int(num_thresholds)
            thresholds = [(i + 1) * 1.0 / (num_thresholds - 1)
                          for i in range(num_thresholds - 2)]
            self._thresholds_distributed_evenly = True
        eps = _config.epsilon()
        self._thresholds = np.array([0.0 - eps] + thresholds + [1.0 + eps])
        self.multi_label = bool(multi_label)
        self.num_labels = num_labels
        if label_weights is not None:
            label_weights = np.asarray(label_weights, dtype=self._dtype)
            if np.any(label_weights < 0):
                raise ValueError("All values of `label_weights` must be non-negative.")
        self.label_weights = label_weights
        self._from_logits = bool(from_logits)
        self._built = False
        if self.multi_label:
            if num_labels:
                self._build(int(num_labels))
        else:
            if num_labels:
                raise ValueError("`num_labels` is needed only when `multi_label` is True.")
            self._build(None)

    @property
    def thresholds(self):
        """The thresholds, including the -eps and 1 + eps end points."""
        return list(self._thresholds)

    def _build(self, num_labels):
        shape = (self.num_thresholds,) if num_labels is None else (self.num_thresholds,
                                                                    num_labels)
        if num_labels is not None:
            self.num_labels = num_labels
        self.true_positives = self.add_weight("true_positives", shape=shape)
        self.true_negatives = self.add_weight("true_negatives", shape=shape)
        self.false_positives = self.add_weight("false_positives", shape=shape)
        self.false_negatives = self.add_weight("false_negatives", shape=shape)
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Adds the confusion counts of one batch at every threshold.

        Args:
            y_true: 0/1 labels.
            y_pred: scores in [0, 1] (or logits with `from_logits`).
            sample_weight: optional weights broadcastable to `y_pred`.
        """
        y_pred = _np(y_pred)
        if not self._built:
            if y_pred.ndim != 2:
                raise ValueError("`y_pred` must have rank 2 when `multi_label=True`; "
                                 f"received shape {y_pred.shape}.")
            self._build(int(y_pred.shape[1]))
        if self.multi_label or self.label_weights is not None:
            n_lab = np.shape(y_pred)[-1] if np.ndim(y_pred) else 1
            expected = self.num_labels if self.multi_label else len(self.label_weights)
            if n_lab != expected:
                raise ValueError(
                    f"Number of labels is not consistent: expected {expected}, received "
                    f"y_pred.shape={np.shape(y_pred)}.")
        if self._from_logits:
            y = np.asarray(y_pred, dtype=self._dtype)
            e = np.exp(-np.abs(y))
            y_pred = np.where(y >= 0, 1 / (1 + e), e / (1 + e)).astype(self._dtype)
        _update_confusion_matrix(
            {"tp": self.true_positives, "tn": self.true_negatives,
             "fp": self.false_positives, "fn": self.false_negatives},
            y_true, y_pred, self._thresholds, sample_weight=sample_weight,
            multi_label=self.multi_label,
            label_weights=None if self.multi_label else self.label_weights,
            evenly=self._thresholds_distributed_evenly, dtype=self._dtype)

    def _average(self, by_label):
        if self.label_weights is None:
            return np.mean(by_label, dtype=self._dtype)
        return _divide_no_nan(np.sum(by_label * self.label_weights, dtype=self._dtype),
                              np.sum(self.label_weights, dtype=self._dtype))

    def _interpolate_pr_auc(self):
        n = self.num_thresholds
        tp, fp, fn = self.true_positives, self.false_positives, self.false_negatives
        dtp = tp[:n - 1] - tp[1:]
        p = tp + fp
        dp = p[:n - 1] - p[1:]
        slope = _divide_no_nan(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        ratio = np.where((p[:n - 1] > 0) & (p[1:] > 0),
                         _divide_no_nan(p[:n - 1], np.maximum(p[1:], 0)), np.ones_like(p[1:]))
        with np.errstate(divide="ignore", invalid="ignore"):
            log_ratio = np.log(ratio)
        inc = _divide_no_nan(slope * (dtp + intercept * log_ratio),
                             np.maximum(tp[1:] + fn[1:], 0))
        if self.multi_label:
            return self._average(np.sum(inc, axis=0, dtype=self._dtype))
        return np.sum(inc, dtype=self._dtype)

    def result(self):
        if not self._built:
            return self._dtype.type(0)
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._dtype.type(self._interpolate_pr_auc())
        n = self.num_thresholds
        tp, fp = self.true_positives, self.false_positives
        tn, fn = self.true_negatives, self.false_negatives
        recall = _divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = _divide_no_nan(fp, fp + tn), recall
        else:
            x, y = recall, _divide_no_nan(tp, tp + fp)
        if self.summation_method == "interpolation":
            heights = (y[:n - 1] + y[1:]) / self._dtype.type(2)
        elif self.summation_method == "minoring":
            heights = np.minimum(y[:n - 1], y[1:])
        else:
            heights = np.maximum(y[:n - 1], y[1:])
        terms = (x[:n - 1] - x[1:]) * heights
        if self.multi_label:
            return self._dtype.type(self._average(np.sum(terms, axis=0, dtype=self._dtype)))
        return np.sum(terms, dtype=self._dtype)

    def get_config(self):
        lw = self.label_weights
        config = super().get_config()
        config.update({
            "num_thresholds": self.num_thresholds, "curve": self.curve,
            "summation_method": self.summation_method, "multi_label": self.multi_label,
            "num_labels": self.num_labels,
            "label_weights": None if lw is None else [float(v) for v in lw],
            "from_logits": self._from_logits,
        })
        if self._init_from_thresholds:
            config["thresholds"] = [float(t) for t in self._thresholds[1:-1]]
        return config


# -- resolution of 'accuracy' / 'crossentropy' ------------------------------------------------

def resolve(name, y_true_shape, y_pred_shape, loss_fn=None):
    """The metric function for `'accuracy'`/`'acc'`/`'crossentropy'`/`'ce'` (TF2 rule).

    By shapes: an output whose last dim is 1 gives the binary form; a target
    of lower rank than the output, or a target with last dim 1 against an
    output with last dim > 1, gives the sparse form; anything else the
    categorical form. `loss_fn` is accepted for the Keras 2.2 rule and not
    used. Other names are looked up with `get`.

    Args:
        name: the user's metric string.
        y_true_shape: shape of the targets.
        y_pred_shape: shape of the model output.
        loss_fn: the output's loss (unused by the TF2 rule).

    Returns:
        The metric function (the logged name stays the user's string).

    Example:
        >>> resolve('accuracy', (32, 10), (32, 10)) is categorical_accuracy
        True
        >>> resolve('acc', (32,), (32, 10)) is sparse_categorical_accuracy
        True
    """
    if name not in ("accuracy", "acc", "crossentropy", "ce"):
        return get(name)
    t_shape, p_shape = tuple(y_true_shape or ()), tuple(y_pred_shape or ())
    t_last = t_shape[-1] if t_shape else None
    p_last = p_shape[-1] if p_shape else None
    is_binary = p_last == 1
    is_sparse = len(t_shape) < len(p_shape) or (
        t_last == 1 and p_last is not None and p_last > 1)
    if name in ("accuracy", "acc"):
        if is_binary:
            return binary_accuracy
        return sparse_categorical_accuracy if is_sparse else categorical_accuracy
    if is_binary:
        return binary_crossentropy
    return sparse_categorical_crossentropy if is_sparse else categorical_crossentropy


# -- lookup -------------------------------------------------------------------------------------

#: Every name `get` / `deserialize` accept for a built-in metric.
ALL_OBJECTS = {
    "Metric": Metric, "Reduce": Reduce, "Sum": Sum, "Mean": Mean,
    "MeanMetricWrapper": MeanMetricWrapper, "Accuracy": Accuracy,
    "BinaryAccuracy": BinaryAccuracy, "CategoricalAccuracy": CategoricalAccuracy,
    "SparseCategoricalAccuracy": SparseCategoricalAccuracy,
    "TopKCategoricalAccuracy": TopKCategoricalAccuracy,
    "SparseTopKCategoricalAccuracy": SparseTopKCategoricalAccuracy,
    "MeanSquaredError": MeanSquaredError, "MeanAbsoluteError": MeanAbsoluteError,
    "MeanAbsolutePercentageError": MeanAbsolutePercentageError,
    "MeanSquaredLogarithmicError": MeanSquaredLogarithmicError,
    "RootMeanSquaredError": RootMeanSquaredError, "BinaryCrossentropy": BinaryCrossentropy,
    "CategoricalCrossentropy": CategoricalCrossentropy,
    "SparseCategoricalCrossentropy": SparseCategoricalCrossentropy,
    "CosineSimilarity": CosineSimilarity, "KLDivergence": KLDivergence, "Poisson": Poisson,
    "Hinge": Hinge, "SquaredHinge": SquaredHinge, "CategoricalHinge": CategoricalHinge,
    "LogCoshError": LogCoshError, "Precision": Precision, "Recall": Recall, "AUC": AUC,
    "TruePositives": TruePositives, "FalsePositives": FalsePositives,
    "TrueNegatives": TrueNegatives, "FalseNegatives": FalseNegatives,
    "accuracy": accuracy, "acc": acc, "ACC": ACC,
    "binary_accuracy": binary_accuracy, "categorical_accuracy": categorical_accuracy,
    "sparse_categorical_accuracy": sparse_categorical_accuracy,
    "top_k_categorical_accuracy": top_k_categorical_accuracy,
    "sparse_top_k_categorical_accuracy": sparse_top_k_categorical_accuracy,
    "mean_squared_error": mean_squared_error, "mse": mse, "MSE": MSE,
    "mean_absolute_error": mean_absolute_error, "mae": mae, "MAE": MAE,
    "mean_absolute_percentage_error": mean_absolute_percentage_error, "mape": mape,
    "MAPE": MAPE,
    "mean_squared_logarithmic_error": mean_squared_logarithmic_error, "msle": msle,
    "MSLE": MSLE,
    "binary_crossentropy": binary_crossentropy, "bce": bce, "BCE": BCE,
    "categorical_crossentropy": categorical_crossentropy,
    "sparse_categorical_crossentropy": sparse_categorical_crossentropy,
    "kl_divergence": kl_divergence, "kld": kld, "KLD": KLD,
    "kullback_leibler_divergence": kullback_leibler_divergence,
    "poisson": poisson, "hinge": hinge, "squared_hinge": squared_hinge,
    "categorical_hinge": categorical_hinge, "log_cosh": log_cosh, "logcosh": logcosh,
    "cosine_similarity": cosine_similarity,
}


def serialize(metric, use_legacy_format=False):
    """Serializes a metric: functions by name, Metric objects to a config dict.

    Args:
        metric: a metric function or Metric instance.
        use_legacy_format: True gives `{'class_name', 'config'}`; the default
            adds `module` and `registered_name` as tf-keras 2.13+ does.

    Returns:
        A name or a JSON-able dict.

    Example:
        >>> serialize(AUC())['config']['curve']
        'ROC'
    """
    return _serialization.serialize_keras_object(
        metric, module=None if use_legacy_format else "keras.metrics")


def deserialize(config, custom_objects=None, use_legacy_format=False):
    """Builds a metric from a name or a config dict.

    Args:
        config: a function name (gives the function), a class name (gives an
            instance with default arguments) or a config dict.
        custom_objects: optional dict of user metrics.
        use_legacy_format: accepted for API compatibility; both forms are read.

    Returns:
        A metric function or Metric instance.

    Raises:
        ValueError: for an unknown name ("Unknown metric function: 'foo'. ...").

    Example:
        >>> deserialize('mae') is mean_absolute_error
        True
    """
    return _serialization.deserialize_keras_object(
        config, module_objects=ALL_OBJECTS, custom_objects=custom_objects,
        printable_module_name="metric function")


def get(identifier):
    """Retrieves a metric function or Metric object.

    Args:
        identifier: None; a string (snake_case names give the FUNCTION, class
            names an instance); a config dict; a Metric class (instantiated
            with defaults); a Metric instance or any callable (returned as is).

    Returns:
        A metric function, a Metric instance, or None for None.

    Raises:
        ValueError: unknown names or uninterpretable identifiers.

    Example:
        >>> get('categorical_accuracy') is categorical_accuracy
        True
    """
    if identifier is None:
        return None
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret metric identifier: {identifier!r}")


__all__ = [
    "Metric", "Reduce", "Sum", "Mean", "MeanMetricWrapper", "Accuracy", "BinaryAccuracy",
    "CategoricalAccuracy", "SparseCategoricalAccuracy", "TopKCategoricalAccuracy",
    "SparseTopKCategoricalAccuracy", "MeanSquaredError", "MeanAbsoluteError",
    "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError", "RootMeanSquaredError",
    "BinaryCrossentropy", "CategoricalCrossentropy", "SparseCategoricalCrossentropy",
    "CosineSimilarity", "KLDivergence", "Poisson", "Hinge", "SquaredHinge",
    "CategoricalHinge", "LogCoshError", "Precision", "Recall", "AUC", "TruePositives",
    "FalsePositives", "TrueNegatives", "FalseNegatives",
    "accuracy", "acc", "ACC", "binary_accuracy", "categorical_accuracy",
    "sparse_categorical_accuracy", "top_k_categorical_accuracy",
    "sparse_top_k_categorical_accuracy", "mean_squared_error", "mse", "MSE",
    "mean_absolute_error", "mae", "MAE", "mean_absolute_percentage_error", "mape", "MAPE",
    "mean_squared_logarithmic_error", "msle", "MSLE", "binary_crossentropy", "bce", "BCE",
    "categorical_crossentropy", "sparse_categorical_crossentropy", "kl_divergence", "kld",
    "KLD", "kullback_leibler_divergence", "poisson", "hinge", "squared_hinge",
    "categorical_hinge", "log_cosh", "logcosh", "cosine_similarity",
    "resolve", "serialize", "deserialize", "get",
]
