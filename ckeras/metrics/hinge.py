"""Hinge metrics: the hinge, squared hinge and categorical hinge losses as
per-sample functions and as running means."""
from ckeras import losses as _losses
from ckeras.metrics.base import MeanMetricWrapper
from ckeras.metrics.metrics_utils import to_numpy


def hinge(y_true, y_pred):
    """Per-sample hinge loss (see `ckeras.losses.hinge`)."""
    return _losses.hinge(to_numpy(y_true), to_numpy(y_pred))


def squared_hinge(y_true, y_pred):
    """Per-sample squared hinge loss (see `ckeras.losses.squared_hinge`)."""
    return _losses.squared_hinge(to_numpy(y_true), to_numpy(y_pred))


def categorical_hinge(y_true, y_pred):
    """Per-sample categorical hinge loss (see `ckeras.losses.categorical_hinge`)."""
    return _losses.categorical_hinge(to_numpy(y_true), to_numpy(y_pred))


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
