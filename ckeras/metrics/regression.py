"""Regression metrics: the loss functions used as metrics (`mse`, `mae`,
`mape`, `msle`, `log_cosh`), `cosine_similarity` (positive, unlike the loss)
and the classes averaging them, `RootMeanSquaredError` among them."""
import numpy as np

from ckeras import losses as _losses
from ckeras.metrics.base import Mean, MeanMetricWrapper
from ckeras.metrics.metrics_utils import divide_no_nan, match_rank, to_numpy


def mean_squared_error(y_true, y_pred):
    """Per-sample mean squared error (see `ckeras.losses.mean_squared_error`)."""
    return _losses.mean_squared_error(to_numpy(y_true), to_numpy(y_pred))


def mean_absolute_error(y_true, y_pred):
    """Per-sample mean absolute error (see `ckeras.losses.mean_absolute_error`)."""
    return _losses.mean_absolute_error(to_numpy(y_true), to_numpy(y_pred))


def mean_absolute_percentage_error(y_true, y_pred):
    """Per-sample MAPE (see `ckeras.losses.mean_absolute_percentage_error`)."""
    return _losses.mean_absolute_percentage_error(to_numpy(y_true), to_numpy(y_pred))


def mean_squared_logarithmic_error(y_true, y_pred):
    """Per-sample MSLE (see `ckeras.losses.mean_squared_logarithmic_error`)."""
    return _losses.mean_squared_logarithmic_error(to_numpy(y_true), to_numpy(y_pred))


def log_cosh(y_true, y_pred):
    """Per-sample log-cosh error (see `ckeras.losses.log_cosh`)."""
    return _losses.log_cosh(to_numpy(y_true), to_numpy(y_pred))


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
    return -_losses.cosine_similarity(to_numpy(y_true), to_numpy(y_pred), axis=axis)


# Aliases (as in tf.keras).
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
logcosh = log_cosh


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
        y_true = np.asarray(to_numpy(y_true), dtype=dt)
        y_pred = np.asarray(to_numpy(y_pred), dtype=dt)
        y_true, y_pred = match_rank(y_true, y_pred)
        super().update_state(np.square(y_pred - y_true), sample_weight=sample_weight)

    def result(self):
        return np.sqrt(divide_no_nan(self.total, self.count))[()]


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


class LogCoshError(MeanMetricWrapper):
    """Running mean of the log-cosh error.

    Args:
        name: default 'logcosh'.
        dtype: the state dtype.
    """

    def __init__(self, name="logcosh", dtype=None):
        super().__init__(log_cosh, name=name, dtype=dtype)
