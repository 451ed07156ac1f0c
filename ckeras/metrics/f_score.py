"""F-scores: `FBetaScore` and `F1Score` (tf-keras 2.x), per class or
averaged, from weighted true/false positive and false negative counts."""
import numpy as np

from ckeras.metrics.base import Metric
from ckeras.metrics.metrics_utils import divide_no_nan, to_numpy

__all__ = ["FBetaScore", "F1Score"]

_AVERAGES = (None, "micro", "macro", "weighted")


class FBetaScore(Metric):
    """`(1 + beta^2) * precision * recall / (beta^2 * precision + recall)`.

    Args:
        average: None (one score per class), 'micro' (counts pooled over
            classes), 'macro' (mean of the class scores) or 'weighted'
            (mean weighted by each class's number of true labels).
        beta: a float > 0, the weight of recall.
        threshold: a float in (0, 1]: a prediction is positive when it is
            above it; None: the largest score of each row is positive
            (unless it is 0).
        name: default 'fbeta_score'.
        dtype: the state dtype.

    Inputs are 2D: `(batch, classes)` one-hot or multi-label targets and
    scores.

    Example:
        >>> m = FBetaScore(beta=2.0, threshold=0.5)
        >>> [round(float(v), 3) for v in m([[1, 0], [0, 1]], [[0.9, 0.2], [0.6, 0.4]])]
        [0.833, 0.0]
    """

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score",
                 dtype=None):
        super().__init__(name=name, dtype=dtype)
        if average not in _AVERAGES:
            raise ValueError("Invalid `average` argument value. Expected one of: {None, "
                             f"'micro', 'macro', 'weighted'}}. Received: average={average}")
        if not isinstance(beta, float):
            raise ValueError("Invalid `beta` argument value. It should be a Python float. "
                             f"Received: beta={beta} of type '{type(beta)}'")
        if beta <= 0.0:
            raise ValueError(f"Invalid `beta` argument value. It should be > 0. Received: "
                             f"beta={beta}")
        if threshold is not None:
            if not isinstance(threshold, float):
                raise ValueError("Invalid `threshold` argument value. It should be a Python "
                                 f"float. Received: threshold={threshold} of type "
                                 f"'{type(threshold)}'")
            if threshold > 1.0 or threshold <= 0.0:
                raise ValueError("Invalid `threshold` argument value. It should verify "
                                 f"0 < threshold <= 1. Received: threshold={threshold}")
        self.average = average
        self.beta = beta
        self.threshold = threshold
        self.axis = None if average == "micro" else 0
        self.built = False

    def _build(self, true_shape, pred_shape):
        if len(pred_shape) != 2 or len(true_shape) != 2:
            raise ValueError(
                f"{type(self).__name__} expects 2D inputs with shape (batch_size, "
                f"output_dim). Received input shapes: y_pred.shape={pred_shape} and "
                f"y_true.shape={true_shape}.")
        shape = () if self.average == "micro" else (pred_shape[-1],)
        self.true_positives = self.add_weight("true_positives", shape)
        self.false_positives = self.add_weight("false_positives", shape)
        self.false_negatives = self.add_weight("false_negatives", shape)
        self.intermediate_weights = self.add_weight("intermediate_weights", shape)
        self.built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Adds the weighted counts of one batch.

        Args:
            y_true: `(batch, classes)` 0/1 targets.
            y_pred: `(batch, classes)` scores.
            sample_weight: optional `(batch,)` weights.
        """
        dt = self._dtype
        y_true = np.asarray(to_numpy(y_true), dtype=dt)
        y_pred = np.asarray(to_numpy(y_pred), dtype=dt)
        if not self.built:
            self._build(y_true.shape, y_pred.shape)
        if self.threshold is None:
            top = np.max(y_pred, axis=-1, keepdims=True)
            positive = (y_pred >= top) & (np.abs(y_pred) > 1e-9)
        else:
            positive = y_pred > dt.type(self.threshold)
        y_pred = positive.astype(dt)
        w = None
        if sample_weight is not None:
            w = np.asarray(to_numpy(sample_weight), dtype=dt)
            w = w[:, None] if w.ndim == 1 else w

        def weighted_sum(values):
            if w is not None:
                values = values * w
            return np.sum(values, axis=self.axis, dtype=dt)

        self.true_positives += weighted_sum(y_pred * y_true)
        self.false_positives += weighted_sum(y_pred * (1 - y_true))
        self.false_negatives += weighted_sum((1 - y_pred) * y_true)
        self.intermediate_weights += weighted_sum(y_true)

    def result(self):
        dt = self._dtype
        if not self.built:
            return dt.type(0)
        tp = self.true_positives
        precision = divide_no_nan(tp, tp + self.false_positives)
        recall = divide_no_nan(tp, tp + self.false_negatives)
        beta2 = dt.type(self.beta) ** 2
        score = divide_no_nan(precision * recall, beta2 * precision + recall) * (1 + beta2)
        if self.average == "weighted":
            weights = divide_no_nan(self.intermediate_weights,
                                    np.sum(self.intermediate_weights, dtype=dt))
            return np.sum(score * weights, dtype=dt)
        if self.average is not None:
            return np.mean(score, dtype=dt)
        return score.copy()

    def get_config(self):
        config = super().get_config()
        config.update({"average": self.average, "beta": self.beta,
                       "threshold": self.threshold})
        return config


class F1Score(FBetaScore):
    """The harmonic mean of precision and recall (`FBetaScore` with beta 1).

    Args:
        average: None, 'micro', 'macro' or 'weighted' (see `FBetaScore`).
        threshold: a float in (0, 1], or None (the row maximum is positive).
        name: default 'f1_score'.
        dtype: the state dtype.

    Example:
        >>> m = F1Score(threshold=0.5)
        >>> [round(float(v), 3) for v in m([[1, 1], [0, 1]], [[0.9, 0.2], [0.6, 0.8]])]
        [0.667, 0.667]
    """

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name,
                         dtype=dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config
