"""The stateful metric base classes: `Metric`, the reductions `Reduce`, `Sum`
and `Mean`, and `MeanMetricWrapper`, the weighted mean of a per-sample
function that most built-in metrics are."""
import numpy as np

from ckeras._internal import config as _config
from ckeras._internal import naming
from ckeras.metrics.metrics_utils import align_weights, divide_no_nan, match_rank, to_numpy


class Metric:
    """Base class of stateful metrics.

    Subclasses create their state with `add_weight` in `__init__` and
    implement `update_state` and `result`.

    Args:
        name: the metric name (default: the snake_case class name, made unique
            like layer names: 'auc', 'auc_1', ...).
        dtype: the dtype of the state and the result (default floatx).

    Attributes:
        stateful: True, as in tf-keras: a metric keeps state across batches
            (a layer's `stateful` is False unless it carries state).

    Example:
        >>> m = Mean()
        >>> m.update_state([1, 3]); float(m.result())
        2.0
    """

    stateful = True

    def __init__(self, name=None, dtype=None, **kwargs):
        if kwargs:
            raise TypeError(f"Unrecognized keyword arguments: {sorted(kwargs)}")
        if name is None:
            name = naming.unique_name(naming.to_snake_case(type(self).__name__))
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
        # Kept so that `layer.add_metric(metric(y, p))` can tell the result
        # came from this metric and log the metric itself (tf-keras).
        self._last_result = self.result()
        return self._last_result

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
        values = np.asarray(to_numpy(values), dtype=dt)
        if sample_weight is None:   # np.sum's own reduce, without its wrapper (per batch)
            self.total += np.add.reduce(values, axis=None, dtype=dt)
            if self.reduction != "sum":
                self.count += dt.type(values.size)
            return
        w = align_weights(values, np.asarray(to_numpy(sample_weight), dtype=dt))
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
        return divide_no_nan(self.total, self.count)[()]


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


class MeanTensor(Metric):
    """The element-wise (weighted) mean of same-shaped value tensors.

    Args:
        name: default 'mean_tensor'.
        dtype: the state dtype.
        shape: the values' shape (else taken from the first update).

    Example:
        >>> m = MeanTensor()
        >>> m.update_state([0, 1, 2, 3]); m.update_state([4, 5, 6, 7])
        >>> m.result().tolist()
        [2.0, 3.0, 4.0, 5.0]
    """

    def __init__(self, name="mean_tensor", dtype=None, shape=None):
        super().__init__(name=name, dtype=dtype)
        self._shape = None
        self._total = None
        self._count = None
        if shape is not None:
            self._build(shape)

    def _build(self, shape):
        self._shape = tuple(shape)
        self._total = self.add_weight("total", self._shape)
        self._count = self.add_weight("count", self._shape)

    @property
    def total(self):
        return self._total

    @property
    def count(self):
        return self._count

    def update_state(self, values, sample_weight=None):
        """Adds `values` (always of the same shape), optionally weighted.

        Raises:
            ValueError: values of another shape than the first ones.
        """
        dt = self._dtype
        values = np.asarray(to_numpy(values), dtype=dt)
        if self._shape is None:
            self._build(values.shape)
        elif values.shape != self._shape:
            raise ValueError("MeanTensor input values must always have the same shape. "
                             f"Expected shape (set during the first call): {self._shape}. "
                             f"Got: {values.shape}.")
        counts = np.ones_like(values)
        if sample_weight is not None:
            w = align_weights(values, np.asarray(to_numpy(sample_weight), dtype=dt))
            try:
                w = np.broadcast_to(w, values.shape)
            except ValueError:
                raise ValueError(f'Metric "{self.name}": sample_weight of shape {w.shape} '
                                 f"does not broadcast to the values' shape {values.shape}."
                                 ) from None
            counts = counts * w
            values = values * w
        self._total += values
        self._count += counts

    def result(self):
        if self._shape is None:
            raise ValueError("MeanTensor does not have any value yet. Please call the "
                             "MeanTensor instance or use `.update_state(value)` before "
                             "retrieving the result.")
        return divide_no_nan(self._total, self._count)


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
        y_true = np.asarray(to_numpy(y_true), dtype=dt)
        y_pred = np.asarray(to_numpy(y_pred), dtype=dt)
        y_true, y_pred = match_rank(y_true, y_pred)
        matches = to_numpy(self._fn(y_true, y_pred, **self._fn_kwargs))
        mask = self._mask(y_true, matches)
        if mask is not None:
            mask = mask.reshape(np.shape(matches)).astype(dt)
            if sample_weight is None:
                sample_weight = mask
            else:
                sw = align_weights(mask, np.asarray(to_numpy(sample_weight), dtype=dt))
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
            # The name lookup is the package's, and the package imports this module.
            from ckeras.metrics import get
            return cls(get(fn), **config)
        return cls(**config)
