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

The package is laid out as tf-keras' `keras.metrics`: `base` (Metric,
Reduce, Sum, Mean, MeanMetricWrapper), `accuracy`, `regression`,
`probabilistic`, `hinge`, `confusion`, `iou` and `f_score`; every name is
importable from `ckeras.metrics` itself.
"""
import importlib

from ckeras.metrics.accuracy import (
    ACC,
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
    acc,
    accuracy,
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)
from ckeras.metrics.base import Mean, MeanMetricWrapper, MeanTensor, Metric, Reduce, Sum
from ckeras.metrics.hinge import (
    CategoricalHinge,
    Hinge,
    SquaredHinge,
    categorical_hinge,
    hinge,
    squared_hinge,
)
from ckeras.metrics.probabilistic import (
    BCE,
    KLD,
    BinaryCrossentropy,
    CategoricalCrossentropy,
    KLDivergence,
    Poisson,
    SparseCategoricalCrossentropy,
    bce,
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    kl_divergence,
    kld,
    kullback_leibler_divergence,
    poisson,
    sparse_categorical_crossentropy,
)
from ckeras.metrics.regression import (
    MAE,
    MAPE,
    MSE,
    MSLE,
    CosineSimilarity,
    LogCoshError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanRelativeError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    R2Score,
    RootMeanSquaredError,
    cosine_similarity,
    log_cosh,
    logcosh,
    mae,
    mape,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    mse,
    msle,
)
from ckeras.saving import serialization as _serialization

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


# Loaded on first use (thresholds, IoU, F-scores are rarely needed at startup).
_LAZY = {
    "AUC": "ckeras.metrics.confusion",
    "BinaryIoU": "ckeras.metrics.iou",
    "F1Score": "ckeras.metrics.f_score",
    "FBetaScore": "ckeras.metrics.f_score",
    "FalseNegatives": "ckeras.metrics.confusion",
    "FalsePositives": "ckeras.metrics.confusion",
    "IoU": "ckeras.metrics.iou",
    "MeanIoU": "ckeras.metrics.iou",
    "OneHotIoU": "ckeras.metrics.iou",
    "OneHotMeanIoU": "ckeras.metrics.iou",
    "Precision": "ckeras.metrics.confusion",
    "PrecisionAtRecall": "ckeras.metrics.confusion",
    "Recall": "ckeras.metrics.confusion",
    "RecallAtPrecision": "ckeras.metrics.confusion",
    "SensitivityAtSpecificity": "ckeras.metrics.confusion",
    "SpecificityAtSensitivity": "ckeras.metrics.confusion",
    "TrueNegatives": "ckeras.metrics.confusion",
    "TruePositives": "ckeras.metrics.confusion",
}


def __getattr__(name):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'ckeras.metrics' has no attribute {name!r}")
    value = globals()[name] = getattr(importlib.import_module(module), name)
    return value


class _Objects(dict):
    """`ALL_OBJECTS`, loading a lazy metric class when a name asks for it."""

    def __contains__(self, name):
        return dict.__contains__(self, name) or name in _LAZY

    def __missing__(self, name):
        if name not in _LAZY:
            raise KeyError(name)
        value = self[name] = __getattr__(name)
        return value

    def get(self, name, default=None):
        return self[name] if name in self else default


#: Every name `get` / `deserialize` accept for a built-in metric.
ALL_OBJECTS = _Objects({
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
    "LogCoshError": LogCoshError, "R2Score": R2Score, "MeanRelativeError": MeanRelativeError,
    "MeanTensor": MeanTensor,
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
    "binary_focal_crossentropy": binary_focal_crossentropy,
    "categorical_focal_crossentropy": categorical_focal_crossentropy,
    "kl_divergence": kl_divergence, "kld": kld, "KLD": KLD,
    "kullback_leibler_divergence": kullback_leibler_divergence,
    "poisson": poisson, "hinge": hinge, "squared_hinge": squared_hinge,
    "categorical_hinge": categorical_hinge, "log_cosh": log_cosh, "logcosh": logcosh,
    "cosine_similarity": cosine_similarity,
})


def serialize(metric, use_legacy_format=False):
    """Serializes a metric: functions by name, Metric objects to a config dict.

    Args:
        metric: a metric function or Metric instance.
        use_legacy_format: True gives `{'class_name', 'config'}`; the default
            adds `module` and `registered_name` as tf-keras 2.13+ does.

    Returns:
        A name or a JSON-able dict.

    Examples:
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
    "FalsePositives", "TrueNegatives", "FalseNegatives", "SensitivityAtSpecificity",
    "SpecificityAtSensitivity", "PrecisionAtRecall", "RecallAtPrecision", "IoU", "MeanIoU",
    "BinaryIoU", "OneHotIoU", "OneHotMeanIoU", "FBetaScore", "F1Score", "R2Score",
    "MeanRelativeError", "MeanTensor",
    "accuracy", "acc", "ACC", "binary_accuracy", "categorical_accuracy",
    "sparse_categorical_accuracy", "top_k_categorical_accuracy",
    "sparse_top_k_categorical_accuracy", "mean_squared_error", "mse", "MSE",
    "mean_absolute_error", "mae", "MAE", "mean_absolute_percentage_error", "mape", "MAPE",
    "mean_squared_logarithmic_error", "msle", "MSLE", "binary_crossentropy", "bce", "BCE",
    "categorical_crossentropy", "sparse_categorical_crossentropy",
    "binary_focal_crossentropy", "categorical_focal_crossentropy", "kl_divergence", "kld",
    "KLD", "kullback_leibler_divergence", "poisson", "hinge", "squared_hinge",
    "categorical_hinge", "log_cosh", "logcosh", "cosine_similarity",
    "resolve", "serialize", "deserialize", "get",
]
