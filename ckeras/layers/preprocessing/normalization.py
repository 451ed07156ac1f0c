"""Keras' Normalization preprocessing layer."""
import numpy as np

from ckeras import backend as K
from ckeras.layers.preprocessing.base_preprocessing_layer import PreprocessingLayer, adapt_batches

__all__ = ["Normalization"]


def _listify(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


class Normalization(PreprocessingLayer):
    """Shifts and scales inputs to mean 0 and variance 1 per `axis` feature.

    Computes `(inputs - mean) / max(sqrt(variance), epsilon)` (epsilon =
    `K.epsilon()`), or with `invert=True` the inverse `mean + inputs *
    max(sqrt(variance), epsilon)`. The statistics come from the `mean` and
    `variance` arguments, or from `adapt(data)`, which folds them batch by
    batch in float32 exactly as tf-keras does; adapted statistics are the
    layer's (non-trainable) weights `mean`, `variance` and `count`, so they
    are saved with the model's weights. The layer is differentiable.

    Args:
        axis: the axis or axes that keep their own statistics (default -1:
            one mean and variance per feature of the last axis); None: one
            mean and variance for all values.
        mean: the mean to use (a scalar, or broadcastable to the kept axes);
            with `variance`, instead of `adapt`.
        variance: the variance to use (with `mean`).
        invert: apply the inverse transformation (undo a normalization).

    Example:
        >>> layer = Normalization(axis=None)
        >>> layer.adapt(np.array([0., 2.]))
        >>> np.asarray(layer(np.array([0., 1., 2.])))
        array([-1.,  0.,  1.], dtype=float32)
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        elif isinstance(axis, (int, np.integer)):
            axis = (int(axis),)
        else:
            axis = tuple(int(a) for a in axis)
        self.axis = axis
        if (mean is not None) != (variance is not None):
            raise ValueError("When setting values directly, both `mean` and `variance` must be "
                             f"set. Got mean: {mean} and variance: {variance}")
        self.input_mean = mean
        self.input_variance = variance
        self.invert = bool(invert)
        self.adapt_mean = self.adapt_variance = self.count = None

    def build(self, input_shape):
        if isinstance(input_shape, list) and input_shape and \
                isinstance(input_shape[0], (tuple, list)):
            raise ValueError("Normalization only accepts a single input. If you are passing a "
                             "python list or tuple as a single input, please convert to a numpy "
                             "array.")
        input_shape = list(input_shape)
        ndim = len(input_shape)
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError("All `axis` values must be in the range [-ndim, ndim). Found ndim: "
                             f"`{ndim}`, axis: {self.axis}")
        keep = sorted(a + ndim if a < 0 else a for a in self.axis)
        for d in keep:
            if input_shape[d] is None:
                raise ValueError("All `axis` values to be kept must have known shape. Got axis: "
                                 f"{self.axis}, input shape: {input_shape}, with unknown axis at "
                                 f"index: {d}")
        self._reduce_axis = tuple(d for d in range(ndim) if d not in keep)
        self._broadcast_shape = tuple(input_shape[d] if d in keep else 1 for d in range(ndim))
        stat_shape = tuple(input_shape[d] for d in keep)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(name="mean", shape=stat_shape, dtype=self.dtype,
                                              initializer="zeros", trainable=False)
            self.adapt_variance = self.add_weight(name="variance", shape=stat_shape,
                                                  dtype=self.dtype, initializer="ones",
                                                  trainable=False)
            self.count = self.add_weight(name="count", shape=(), dtype="int64",
                                         initializer="zeros", trainable=False)
        else:
            ones = np.ones(stat_shape)
            self._fixed_mean = (np.asarray(self.input_mean) * ones).reshape(
                self._broadcast_shape).astype(self.dtype)
            self._fixed_variance = (np.asarray(self.input_variance) * ones).reshape(
                self._broadcast_shape).astype(self.dtype)
        super().build(tuple(input_shape))

    # ---------------------------------------------------------------- adapt
    def adapt(self, data, batch_size=None, steps=None):
        """Computes the mean and variance of `data` per kept axis.

        Args:
            data: a NumPy array or list (cut into batches of `batch_size`,
                default 32), or a generator, iterator or `Sequence` of
                batches (a tuple `(x, y)` counts as `x`).
            batch_size: samples per state update, for arrays and lists.
            steps: at most this many batches.

        Raises:
            ValueError: a layer given `mean` and `variance`, empty data, or
                data whose kept axes do not match the built layer.
        """
        if self.input_mean is not None:
            raise ValueError("Cannot `adapt` a Normalization layer that is initialized with "
                             f"static `mean` and `variance`, you passed mean {self.input_mean} "
                             f"and variance {self.input_variance}.")
        if self.built:
            self.reset_state()
        for batch in adapt_batches(data, batch_size, steps, self.name):
            if not self.built:
                if self._batch_input_shape is None:
                    self._batch_input_shape = (None,) * batch.ndim
                self.build((None,) + batch.shape[1:])
                self.reset_state()
            self.update_state(batch)
        self._is_adapted = True

    def update_state(self, data):
        """Folds one batch into the adapted statistics (tf-keras' float32
        update: the batch moments, weighted by the batch's share of the
        running count)."""
        x = np.asarray(data).astype(self.dtype, copy=False)
        if x.ndim != len(self._broadcast_shape) or any(
                b != 1 and b != s for b, s in zip(self._broadcast_shape, x.shape)):
            raise ValueError(f"Normalization layer '{self.name}' was built for inputs of shape "
                             f"{self._built_shape()}; adapt received a batch of shape "
                             f"{x.shape}.")
        dt = x.dtype.type
        mean = x.mean(axis=self._reduce_axis, dtype=dt)
        var = np.square(x - x.mean(axis=self._reduce_axis, dtype=dt, keepdims=True)).mean(
            axis=self._reduce_axis, dtype=dt)
        batch_count = int(np.prod([x.shape[d] for d in self._reduce_axis], dtype=np.int64))
        total = batch_count + int(self.count.value)
        w_batch = dt(batch_count) / dt(total)
        w_old = dt(1.0) - w_batch
        old_mean, old_var = self.adapt_mean.value, self.adapt_variance.value
        new_mean = old_mean * w_old + mean * w_batch
        new_var = ((old_var + (old_mean - new_mean) ** 2) * w_old
                   + (var + (mean - new_mean) ** 2) * w_batch)
        self.adapt_mean.assign(new_mean.astype(self.dtype))
        self.adapt_variance.assign(new_var.astype(self.dtype))
        self.count.assign(np.int64(total))

    def _built_shape(self):
        return tuple(None if b == 1 else b for b in self._broadcast_shape)

    def reset_state(self):
        """Forgets the adapted statistics (mean 0, variance 1, count 0)."""
        if self.input_mean is not None or not self.built:
            return
        self.adapt_mean.assign(np.zeros(self.adapt_mean.shape, self.dtype))
        self.adapt_variance.assign(np.ones(self.adapt_variance.shape, self.dtype))
        self.count.assign(np.int64(0))

    # ----------------------------------------------------------------- call
    @property
    def mean(self):
        """The mean in use, shaped to broadcast against the inputs."""
        if self.input_mean is not None:
            return self._fixed_mean
        return np.reshape(self.adapt_mean.value, self._broadcast_shape)

    @property
    def variance(self):
        """The variance in use, shaped to broadcast against the inputs."""
        if self.input_mean is not None:
            return self._fixed_variance
        return np.reshape(self.adapt_variance.value, self._broadcast_shape)

    def call(self, inputs):
        x = inputs
        if self.axis and (x.ndim != len(self._broadcast_shape) or any(
                b != 1 and b != s for b, s in zip(self._broadcast_shape, x.shape))):
            raise ValueError(f"Normalization layer '{self.name}' was built for inputs of shape "
                             f"{self._built_shape()}; received shape {tuple(x.shape)}.")
        if np.dtype(x.dtype) != np.dtype(self.dtype):
            x = K.cast(x, self.dtype)
        dt = np.dtype(self.dtype).type
        scale = np.maximum(np.sqrt(self.variance), dt(K.epsilon())).astype(self.dtype)
        if self.invert:
            return self.mean + x * scale
        return (x - self.mean) / scale

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"axis": self.axis, "invert": self.invert,
                       "mean": _listify(self.input_mean),
                       "variance": _listify(self.input_variance)})
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("axis"), list):
            config["axis"] = tuple(config["axis"])
        return cls(**config)
