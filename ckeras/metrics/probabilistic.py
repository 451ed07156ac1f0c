"""Probabilistic metrics: the crossentropies, the Kullback-Leibler
divergence and the Poisson loss as per-sample functions and as running means."""
from ckeras import losses as _losses
from ckeras.metrics.base import MeanMetricWrapper
from ckeras.metrics.metrics_utils import to_numpy


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Per-sample binary crossentropy (see `ckeras.losses.binary_crossentropy`)."""
    return _losses.binary_crossentropy(to_numpy(y_true), to_numpy(y_pred),
                                       from_logits=from_logits,
                                       label_smoothing=label_smoothing, axis=axis)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Per-sample categorical crossentropy (see `ckeras.losses.categorical_crossentropy`)."""
    return _losses.categorical_crossentropy(to_numpy(y_true), to_numpy(y_pred),
                                            from_logits=from_logits,
                                            label_smoothing=label_smoothing, axis=axis)


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25,
                              gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1):
    """Per-sample binary focal crossentropy (see the loss of the same name)."""
    return _losses.binary_focal_crossentropy(
        to_numpy(y_true), to_numpy(y_pred), apply_class_balancing=apply_class_balancing,
        alpha=alpha, gamma=gamma, from_logits=from_logits, label_smoothing=label_smoothing,
        axis=axis)


def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    """Per-sample categorical focal crossentropy (see the loss of the same name)."""
    return _losses.categorical_focal_crossentropy(
        to_numpy(y_true), to_numpy(y_pred), alpha=alpha, gamma=gamma, from_logits=from_logits,
        label_smoothing=label_smoothing, axis=axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, axis=-1,
                                    ignore_class=None):
    """Per-sample sparse categorical crossentropy (see the loss of the same name)."""
    return _losses.sparse_categorical_crossentropy(
        to_numpy(y_true), to_numpy(y_pred), from_logits=from_logits, axis=axis,
        ignore_class=ignore_class)


def kl_divergence(y_true, y_pred):
    """Per-sample Kullback-Leibler divergence (see `ckeras.losses.kl_divergence`)."""
    return _losses.kl_divergence(to_numpy(y_true), to_numpy(y_pred))


def poisson(y_true, y_pred):
    """Per-sample Poisson loss (see `ckeras.losses.poisson`)."""
    return _losses.poisson(to_numpy(y_true), to_numpy(y_pred))


# Aliases (as in tf.keras).
bce = BCE = binary_crossentropy
kld = KLD = kullback_leibler_divergence = kl_divergence


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
