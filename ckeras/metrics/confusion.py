"""Confusion-matrix metrics: `TruePositives`, `FalsePositives`,
`TrueNegatives`, `FalseNegatives`, `Precision`, `Recall`, `AUC` and the
"X at Y" metrics (`SensitivityAtSpecificity`, `SpecificityAtSensitivity`,
`PrecisionAtRecall`, `RecallAtPrecision`), all counting weighted outcomes at
a list of thresholds (a prediction is positive at threshold t when it is
> t, as in tf-keras; predictions may be any real numbers)."""
import numpy as np

from ckeras._internal import config as _config
from ckeras.metrics.base import Metric
from ckeras.metrics.metrics_utils import align_weights, divide_no_nan, match_rank, to_numpy

NEG_INF = -1e10


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
    y_true = np.asarray(to_numpy(y_true), dtype=dtype)
    # tf-keras 2.21 takes any real-valued predictions (Keras 2.3 asserted
    # [0, 1]): compared with each threshold as they are, and clipped to
    # [0, 1] on the evenly-spaced bucket path.
    y_pred = np.asarray(to_numpy(y_pred), dtype=dtype)
    y_true, y_pred = match_rank(y_true, y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"Shapes {y_pred.shape} and {y_true.shape} are incompatible: y_true and y_pred "
            "must have the same shape.")
    if sample_weight is not None:
        sample_weight = align_weights(y_pred, np.asarray(to_numpy(sample_weight), dtype=dtype))
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
            y_pred: scores (any real values), same shape.
            sample_weight: optional weights broadcastable to `y_pred`.
        """
        _update_confusion_matrix({"tp": self.true_positives, self._second: self._other},
                                 y_true, y_pred, self.thresholds, top_k=self.top_k,
                                 class_id=self.class_id, sample_weight=sample_weight,
                                 evenly=self._thresholds_distributed_evenly, dtype=self._dtype)

    def result(self):
        r = divide_no_nan(self.true_positives, self.true_positives + self._other)
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
        y_pred = to_numpy(y_pred)
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
        return divide_no_nan(np.sum(by_label * self.label_weights, dtype=self._dtype),
                              np.sum(self.label_weights, dtype=self._dtype))

    def _interpolate_pr_auc(self):
        n = self.num_thresholds
        tp, fp, fn = self.true_positives, self.false_positives, self.false_negatives
        dtp = tp[:n - 1] - tp[1:]
        p = tp + fp
        dp = p[:n - 1] - p[1:]
        slope = divide_no_nan(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        ratio = np.where((p[:n - 1] > 0) & (p[1:] > 0),
                         divide_no_nan(p[:n - 1], np.maximum(p[1:], 0)), np.ones_like(p[1:]))
        with np.errstate(divide="ignore", invalid="ignore"):
            log_ratio = np.log(ratio)
        inc = divide_no_nan(slope * (dtp + intercept * log_ratio),
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
        recall = divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = divide_no_nan(fp, fp + tn), recall
        else:
            x, y = recall, divide_no_nan(tp, tp + fp)
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


class _AtConstraint(Metric):
    """The best value of one rate among the thresholds where another rate
    reaches a target (tf-keras' SensitivitySpecificityBase).

    Subclasses name the target argument (`_arg`) and the two rates: the
    result is the largest `_dependent` rate over the thresholds whose
    `_constrained` rate is >= the target, or 0 when none is.
    """

    _arg = None
    _constrained = None
    _dependent = None

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        if value < 0 or value > 1:
            raise ValueError(f"Argument `{self._arg}` must be in the range [0, 1]. "
                             f"Received: {self._arg}={value}")
        if num_thresholds <= 0:
            raise ValueError("Argument `num_thresholds` must be an integer > 0. "
                             f"Received: num_thresholds={num_thresholds}")
        super().__init__(name=name, dtype=dtype)
        self.value = value
        setattr(self, self._arg, value)
        self.num_thresholds = num_thresholds
        self.class_id = class_id
        n = int(num_thresholds)
        self.true_positives = self.add_weight("true_positives", shape=(n,))
        self.true_negatives = self.add_weight("true_negatives", shape=(n,))
        self.false_positives = self.add_weight("false_positives", shape=(n,))
        self.false_negatives = self.add_weight("false_negatives", shape=(n,))
        if n == 1:
            self.thresholds = [0.5]
            self._thresholds_distributed_evenly = False
        else:
            self.thresholds = [0.0] + [(i + 1) * 1.0 / (n - 1) for i in range(n - 2)] + [1.0]
            self._thresholds_distributed_evenly = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Adds the four confusion counts of one batch at every threshold.

        Args:
            y_true: 0/1 labels.
            y_pred: scores (any real values), same shape.
            sample_weight: optional weights broadcastable to `y_pred`.
        """
        _update_confusion_matrix(
            {"tp": self.true_positives, "tn": self.true_negatives,
             "fp": self.false_positives, "fn": self.false_negatives},
            y_true, y_pred, self.thresholds, class_id=self.class_id,
            sample_weight=sample_weight, evenly=self._thresholds_distributed_evenly,
            dtype=self._dtype)

    def _rate(self, which):
        tp, tn = self.true_positives, self.true_negatives
        fp, fn = self.false_positives, self.false_negatives
        if which == "sensitivity" or which == "recall":
            return divide_no_nan(tp, tp + fn)
        if which == "specificity":
            return divide_no_nan(tn, tn + fp)
        return divide_no_nan(tp, tp + fp)   # precision

    def result(self):
        constrained = self._rate(self._constrained)
        dependent = self._rate(self._dependent)
        feasible = constrained >= self._dtype.type(self.value)
        if not feasible.any():
            return self._dtype.type(0)
        return self._dtype.type(dependent[feasible].max())

    def get_config(self):
        config = super().get_config()
        config.update({"class_id": self.class_id, "num_thresholds": self.num_thresholds,
                       self._arg: self.value})
        return config


class SensitivityAtSpecificity(_AtConstraint):
    """The best sensitivity (recall) among the thresholds whose specificity
    `TN / (TN + FP)` is at least `specificity`.

    Args:
        specificity: the target specificity, in [0, 1].
        num_thresholds: thresholds evenly spaced over [0, 1] (default 200;
            1 gives the single threshold 0.5).
        class_id: compute the metric for this class (last axis) only.
        name: default 'sensitivity_at_specificity' (made unique).
        dtype: the state dtype.

    Example:
        >>> m = SensitivityAtSpecificity(0.5)
        >>> float(m([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8]))
        0.5
    """

    _arg, _constrained, _dependent = "specificity", "specificity", "sensitivity"

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(specificity, num_thresholds, class_id, name, dtype)


class SpecificityAtSensitivity(_AtConstraint):
    """The best specificity among the thresholds whose sensitivity
    `TP / (TP + FN)` is at least `sensitivity`.

    Args:
        sensitivity: the target sensitivity, in [0, 1].
        num_thresholds: thresholds evenly spaced over [0, 1] (default 200;
            1 gives the single threshold 0.5).
        class_id: compute the metric for this class (last axis) only.
        name: default 'specificity_at_sensitivity' (made unique).
        dtype: the state dtype.

    Example:
        >>> m = SpecificityAtSensitivity(0.5)
        >>> float(m([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8]))
        0.666...
    """

    _arg, _constrained, _dependent = "sensitivity", "sensitivity", "specificity"

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)


class PrecisionAtRecall(_AtConstraint):
    """The best precision among the thresholds whose recall is at least
    `recall`.

    Args:
        recall: the target recall, in [0, 1].
        num_thresholds: thresholds evenly spaced over [0, 1] (default 200;
            1 gives the single threshold 0.5).
        class_id: compute the metric for this class (last axis) only.
        name: default 'precision_at_recall' (made unique).
        dtype: the state dtype.

    Example:
        >>> m = PrecisionAtRecall(0.5)
        >>> float(m([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8]))
        0.5
    """

    _arg, _constrained, _dependent = "recall", "recall", "precision"

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(recall, num_thresholds, class_id, name, dtype)


class RecallAtPrecision(_AtConstraint):
    """The best recall among the thresholds whose precision is at least
    `precision`.

    Args:
        precision: the target precision, in [0, 1].
        num_thresholds: thresholds evenly spaced over [0, 1] (default 200;
            1 gives the single threshold 0.5).
        class_id: compute the metric for this class (last axis) only.
        name: default 'recall_at_precision' (made unique).
        dtype: the state dtype.

    Example:
        >>> m = RecallAtPrecision(0.8)
        >>> float(m([0, 0, 1, 1], [0.5, 0.1, 0.6, 0.9]))
        1.0
    """

    _arg, _constrained, _dependent = "precision", "precision", "recall"

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(precision, num_thresholds, class_id, name, dtype)
