"""Regression metrics: the loss functions used as metrics (`mse`, `mae`,
`mape`, `msle`, `log_cosh`), `cosine_similarity` (positive, unlike the loss),
the classes averaging them (`RootMeanSquaredError` among them),
`MeanRelativeError` and `R2Score`."""
import warnings

import numpy as np

from ckeras import losses as _losses
from ckeras.metrics.base import Mean, MeanMetricWrapper, Metric
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


class MeanRelativeError(Mean):
    """Running mean of `|y_true - y_pred| / normalizer` (0 where the
    normalizer is 0).

    Args:
        normalizer: the values to divide by, broadcastable to the
            predictions.
        name: default 'mean_relative_error' (made unique).
        dtype: the state dtype.

    Example:
        >>> m = MeanRelativeError(normalizer=[1, 3, 2, 3])
        >>> float(m([1, 3, 2, 3], [2, 4, 6, 8]))
        1.25
    """

    def __init__(self, normalizer, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.normalizer = np.asarray(to_numpy(normalizer), dtype=self._dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Adds the relative errors of one batch (optionally weighted)."""
        dt = self._dtype
        y_true = np.asarray(to_numpy(y_true), dtype=dt)
        y_pred = np.asarray(to_numpy(y_pred), dtype=dt)
        y_true, y_pred = match_rank(y_true, y_pred)
        norm = self.normalizer
        if norm.ndim == y_pred.ndim + 1 and norm.shape[-1] == 1:
            norm = norm.reshape(norm.shape[:-1])
        elif y_pred.ndim == norm.ndim + 1 and y_pred.shape[-1] == 1:
            y_pred = y_pred.reshape(y_pred.shape[:-1])
            y_true = y_true.reshape(y_true.shape[:-1])
        super().update_state(divide_no_nan(np.abs(y_true - y_pred), norm),
                             sample_weight=sample_weight)

    def get_config(self):
        config = super().get_config()
        config["normalizer"] = self.normalizer.tolist()
        return config


class R2Score(Metric):
    """The coefficient of determination, per output column, aggregated.

    `R2 = 1 - sum(w (y - y_pred)^2) / sum(w (y - mean_w(y))^2)` for each
    column, accumulated over batches; a column whose targets do not vary
    scores 0 where the ratio is infinite, as in tf-keras.

    Args:
        class_aggregation: 'uniform_average' (mean over columns),
            'variance_weighted_average' (weighted by the columns' variance)
            or None (one score per column).
        num_regressors: the number of independent variables, for the
            adjusted R2 `1 - (1 - R2) (n - 1) / (n - p - 1)` with n the
            number of target entries seen (0: no adjustment).
        name: default 'r2_score'.
        dtype: the state dtype.

    Inputs are 2D: `(batch, outputs)`.

    Example:
        >>> float(R2Score()([[0.], [1.], [2.]], [[0.], [1.], [1.]]))
        0.5
    """

    def __init__(self, class_aggregation="uniform_average", num_regressors=0,
                 name="r2_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        allowed = (None, "uniform_average", "variance_weighted_average")
        if class_aggregation not in allowed:
            raise ValueError("Invalid value for argument `class_aggregation`. Expected one of "
                             f"{allowed}. Received: class_aggregation={class_aggregation}")
        if num_regressors < 0:
            raise ValueError("Invalid value for argument `num_regressors`. Expected a value "
                             f">= 0. Received: num_regressors={num_regressors}")
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors
        self.num_samples = self.add_weight("num_samples", dtype="int32")
        self.built = False

    def _build(self, true_shape, pred_shape):
        if len(pred_shape) != 2 or len(true_shape) != 2:
            raise ValueError(
                "R2Score expects 2D inputs with shape (batch_size, output_dim). Received "
                f"input shapes: y_pred.shape={pred_shape} and y_true.shape={true_shape}.")
        n = pred_shape[-1]
        self.squared_sum = self.add_weight("squared_sum", (n,))
        self.sum = self.add_weight("sum", (n,))
        self.total_mse = self.add_weight("residual", (n,))
        self.count = self.add_weight("count", (n,))
        self.built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Adds one batch of `(batch, outputs)` targets and predictions.

        Args:
            y_true: the targets.
            y_pred: the predictions.
            sample_weight: optional `(batch,)` or `(batch, outputs)` weights.
        """
        dt = self._dtype
        y_true = np.asarray(to_numpy(y_true), dtype=dt)
        y_pred = np.asarray(to_numpy(y_pred), dtype=dt)
        if not self.built:
            self._build(y_true.shape, y_pred.shape)
        w = np.asarray(1 if sample_weight is None else to_numpy(sample_weight), dtype=dt)
        if w.ndim == 1:
            w = w[:, None]
        w = np.broadcast_to(w, y_true.shape)
        weighted = y_true * w
        self.sum += np.sum(weighted, axis=0, dtype=dt)
        self.squared_sum += np.sum(y_true * weighted, axis=0, dtype=dt)
        self.total_mse += np.sum((y_true - y_pred) ** 2 * w, axis=0, dtype=dt)
        self.count += np.sum(w, axis=0, dtype=dt)
        self.num_samples += np.int32(y_true.size)

    def result(self):
        dt = self._dtype
        if not self.built:
            return dt.type(0)
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = self.sum / self.count
            total = self.squared_sum - self.sum * mean
            raw = 1 - self.total_mse / total
        raw = np.where(np.isinf(raw), dt.type(0), raw).astype(dt)
        if self.class_aggregation == "uniform_average":
            score = np.mean(raw, dtype=dt)
        elif self.class_aggregation == "variance_weighted_average":
            with np.errstate(divide="ignore", invalid="ignore"):
                score = dt.type(np.sum(total * raw, dtype=dt) / np.sum(total, dtype=dt))
        else:
            score = raw
        p = self.num_regressors
        if p:
            n = int(self.num_samples)
            if p > n - 1:
                warnings.warn("More independent predictors than datapoints in adjusted R2 "
                              "score. Falling back to standard R2 score.", stacklevel=2)
            elif p == n - 1:
                warnings.warn("Division by zero in Adjusted R2 score. Falling back to "
                              "standard R2 score.", stacklevel=2)
            else:
                score = (1 - (1 - score) * dt.type(n - 1) / dt.type(n - p - 1)).astype(dt)
        return score

    def get_config(self):
        config = super().get_config()
        config.update({"class_aggregation": self.class_aggregation,
                       "num_regressors": self.num_regressors})
        return config
