"""Loss functions and Loss classes (Keras 2 / tf.keras 2.x API).

Two forms, as in tf.keras:

- loss FUNCTIONS (`mean_squared_error(y_true, y_pred)`, ...) return one value
  per sample: the mean (or sum) over the LAST axis, so `(B, F)` inputs give
  `(B,)` and `(B, T, F)` inputs give `(B, T)`;
- loss CLASSES (`MeanSquaredError()`, ...) call the function and reduce the
  per-sample values with optional sample weights: `'auto'` /
  `'sum_over_batch_size'` = Σ(loss·w) / (number of per-sample loss
  elements), `'sum'` = Σ(loss·w), `'none'` = loss·w.

The functions are written with autograd Functions, so they record the tape
when `y_pred` is a Tensor that requires grad (training) and are plain NumPy
on arrays (evaluation). `y_true` is cast to the dtype of `y_pred`.

Numerics follow tf-keras 2.x: `eps = K.epsilon() = 1e-7`; categorical
crossentropy renormalises the predictions to sum 1 and clips them to
[eps, 1 - eps]; binary crossentropy clips to [eps, 1 - eps] and adds eps
inside the logs; the `from_logits` forms are computed stably, and the
softmax crossentropy is one fused node whose backward is `softmax(z) - t`.
"""
import math
import warnings

import numpy as np

from ckeras import backend as K
from ckeras._internal import config as _config
from ckeras.autograd.function import Function
from ckeras.autograd.functions import reduction as _R
from ckeras.autograd.functions import shape as _S
from ckeras.autograd.functions._util import shape_of as _shape_of
from ckeras.autograd.functions._util import unbroadcast as _unbroadcast
from ckeras.autograd.tensor import SymbolicTensor, Tensor
from ckeras.backend.variables import as_input
from ckeras.saving import serialization as _serialization

# -- helpers --------------------------------------------------------------------------

def _value(x):
    """The NumPy value of a Tensor, the array itself otherwise."""
    return x.value if isinstance(x, Tensor) else x


def _is_tensor(x):
    return isinstance(x, (Tensor, SymbolicTensor))


def _pred(y_pred):
    """`y_pred` as an op input with a float dtype (ints/bools become floatx)."""
    p = y_pred if _is_tensor(y_pred) else as_input(y_pred)
    if np.dtype(p.dtype).kind != "f":
        p = K.cast(p, _config.floatx())
    return p


def _true(y_true, dtype):
    """`y_true` cast to `dtype`: a NumPy array (no copy when already right),
    or a cast Tensor when it is on the tape / symbolic."""
    if isinstance(y_true, Tensor) and not y_true.requires_grad:
        y_true = y_true.value
    if _is_tensor(y_true):
        return y_true if np.dtype(y_true.dtype) == np.dtype(dtype) else K.cast(y_true, dtype)
    return np.asarray(y_true, dtype=dtype)


def _prepare(y_true, y_pred):
    p = _pred(y_pred)
    return _true(y_true, p.dtype), p


def _ndim(x):
    return len(x.shape)


def _squeeze_last(x):
    """Drops a trailing axis of size 1 (one Reshape op on tensors)."""
    if isinstance(x, np.ndarray):
        return x.reshape(x.shape[:-1])
    return _S.Reshape.apply(x, shape=tuple(x.shape[:-1]))


def _match_rank(y_true, y_pred):
    """Aligns the ranks of targets and predictions as tf-keras training does.

    A rank-1 `y_true` with rank-2 `y_pred` gets a trailing axis; then a
    trailing axis of size 1 is squeezed from whichever of the two has one more
    dimension than the other (tf-keras' `squeeze_or_expand_dimensions`).
    """
    if y_true is None or y_pred is None:
        return y_true, y_pred
    if not hasattr(y_true, "shape"):
        y_true = np.asarray(y_true)
    if not hasattr(y_pred, "shape"):
        y_pred = as_input(y_pred)
    rt, rp = _ndim(y_true), _ndim(y_pred)
    if rt == 1 and rp == 2 and isinstance(y_true, np.ndarray):
        y_true = y_true[:, None]
        rt = 2
    if rp - rt == 1 and y_pred.shape[-1] == 1:
        y_pred = _squeeze_last(y_pred)
    elif rt - rp == 1 and y_true.shape[-1] == 1:
        y_true = _squeeze_last(y_true)
    return y_true, y_pred


def _is_binary_labels(t):
    """True when every label is 0 or 1 (hinge losses then map them to -1/+1)."""
    if isinstance(t, SymbolicTensor):
        return False
    v = np.asarray(_value(t))
    return bool(np.all((v == 0) | (v == 1)))


def _to_signed_labels(t):
    return 2.0 * t - 1.0 if _is_binary_labels(t) else t


def _check_axis(axis):
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise ValueError(f"`axis` must be of type `int`. Received: axis={axis!r} of type "
                         f"{type(axis).__name__}")
    return int(axis)


# -- fused Functions --------------------------------------------------------------------

class _HuberFn(Function):
    """Elementwise Huber loss of e = p - t: e²/2 if |e| <= delta else delta·|e| - delta²/2.

    Backward: clip(e, -delta, delta) (negated for t).
    """

    delta = 1.0

    def forward(self, t, p):
        e = np.subtract(p, t)
        a = np.abs(e)
        d = np.asarray(self.delta, dtype=e.dtype)
        half = np.asarray(0.5, dtype=e.dtype)
        self.e, self.d, self.st, self.sp = e, d, _shape_of(t), _shape_of(p)
        return np.where(a <= d, half * np.square(e), d * a - half * np.square(d))

    def backward(self, g):
        d = np.clip(self.e, -self.d, self.d) * g
        need = self.needs_input_grad
        gt = _unbroadcast(-d, self.st) if need[0] else None
        gp = _unbroadcast(d, self.sp) if need[1] else None
        return gt, gp


class _LogCoshFn(Function):
    """Elementwise log(cosh(e)), e = p - t, as e + softplus(-2e) - ln 2 (overflow-free).

    Backward: tanh(e) (negated for t).
    """

    def forward(self, t, p):
        e = np.subtract(p, t)
        self.e, self.st, self.sp = e, _shape_of(t), _shape_of(p)
        return e + np.logaddexp(np.asarray(0, e.dtype), -2 * e) - np.asarray(math.log(2.0),
                                                                              e.dtype)

    def backward(self, g):
        d = np.tanh(self.e) * g
        need = self.needs_input_grad
        gt = _unbroadcast(-d, self.st) if need[0] else None
        gp = _unbroadcast(d, self.sp) if need[1] else None
        return gt, gp


class _WeightedReduce(Function):
    """Σ(losses · w) (mode 'sum') or Σ(losses · w) / size(losses · w) (mode 'mean').

    One node for the weighted reduction of per-sample losses; an empty batch
    gives 0 (tf's divide_no_nan).
    """

    mode = "mean"

    def forward(self, losses, w):
        lw = np.multiply(losses, w)
        self.l, self.w, self.shape = losses, w, lw.shape
        self.n = lw.size if self.mode == "mean" else 1
        total = np.sum(lw)
        if self.mode == "mean":
            total = total / self.n if self.n else np.zeros((), lw.dtype)
        return np.asarray(total, dtype=lw.dtype)

    def backward(self, g):
        scale = g / self.n if self.n else np.zeros_like(g)
        need = self.needs_input_grad
        gl = gw = None
        if need[0]:
            gl = _unbroadcast(np.broadcast_to(scale * self.w, self.shape).astype(
                np.result_type(self.l), copy=False), _shape_of(self.l))
        if need[1]:
            gw = _unbroadcast(np.broadcast_to(scale * self.l, self.shape), _shape_of(self.w))
        return gl, gw


# -- loss functions ----------------------------------------------------------------------

def mean_squared_error(y_true, y_pred):
    """Mean squared error per sample: `mean(square(y_pred - y_true), axis=-1)`.

    Args:
        y_true: targets, shape `(B, d0, .. dN)`.
        y_pred: predictions, same shape.

    Returns:
        Per-sample losses, shape `(B, d0, .. dN-1)`.

    Example:
        >>> mean_squared_error(np.array([[0., 1.]]), np.array([[1., 1.]]))
        array([0.5])
    """
    t, p = _prepare(y_true, y_pred)
    if getattr(t, "shape", None) == getattr(p, "shape", None) and len(p.shape) > 0:
        return _R.MeanSquaredDifference.apply(p, t)
    return K.mean(K.square(p - t), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """Mean absolute error per sample: `mean(abs(y_pred - y_true), axis=-1)`.

    Args:
        y_true: targets, shape `(B, d0, .. dN)`.
        y_pred: predictions, same shape.

    Returns:
        Per-sample losses, shape `(B, d0, .. dN-1)`.

    Example:
        >>> mean_absolute_error(np.array([[0., 1.]]), np.array([[1., 1.]]))
        array([0.5])
    """
    t, p = _prepare(y_true, y_pred)
    return K.mean(K.abs(p - t), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """Mean absolute percentage error per sample.

    `100 * mean(abs((y_true - y_pred) / max(abs(y_true), eps)), axis=-1)`.

    Args:
        y_true: targets, shape `(B, d0, .. dN)`.
        y_pred: predictions, same shape.

    Returns:
        Per-sample losses, shape `(B, d0, .. dN-1)`.

    Example:
        >>> mean_absolute_percentage_error(np.array([[2., 4.]]), np.array([[1., 4.]]))
        array([25.])
    """
    t, p = _prepare(y_true, y_pred)
    diff = K.abs((t - p) / K.maximum(K.abs(t), K.epsilon()))
    return 100.0 * K.mean(diff, axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """Mean squared logarithmic error per sample.

    `mean(square(log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1)), axis=-1)`
    (negative values are clipped to eps first).

    Args:
        y_true: targets, shape `(B, d0, .. dN)`.
        y_pred: predictions, same shape.

    Returns:
        Per-sample losses, shape `(B, d0, .. dN-1)`.

    Example:
        >>> mean_squared_logarithmic_error(np.array([[0.]]), np.array([[np.e - 1]]))
        array([0.99999...])
    """
    t, p = _prepare(y_true, y_pred)
    first = K.log(K.maximum(p, K.epsilon()) + 1.0)
    second = K.log(K.maximum(t, K.epsilon()) + 1.0)
    return K.mean(K.square(first - second), axis=-1)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary crossentropy, averaged over `axis` (the last one by default).

    Probabilities are clipped to [eps, 1 - eps] and eps is added inside the
    logs: `-(t·log(p + eps) + (1 - t)·log(1 - p + eps))`. With
    `from_logits=True` the stable sigmoid form
    `max(x, 0) - x·t + log(1 + exp(-|x|))` is used.

    Args:
        y_true: targets in [0, 1], shape `(B, d0, .. dN)`.
        y_pred: probabilities (or logits), same shape.
        from_logits: whether `y_pred` holds logits.
        label_smoothing: in [0, 1]; targets become `t·(1 - ls) + 0.5·ls`.
        axis: the axis the mean is taken over.

    Returns:
        Per-sample losses, shape `(B, d0, .. dN-1)`.

    Example:
        >>> binary_crossentropy(np.array([[0., 1.]]), np.array([[0.2, 0.8]]))
        array([0.22314...])
    """
    axis = _check_axis(axis)
    t, p = _prepare(y_true, y_pred)
    if label_smoothing:
        ls = float(label_smoothing)
        t = t * (1.0 - ls) + 0.5 * ls
    return K.mean(K.binary_crossentropy(t, p, from_logits=from_logits), axis=axis)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Categorical crossentropy over `axis`.

    Probabilities are renormalised to sum 1 along `axis`, then clipped to
    [eps, 1 - eps]: `-Σ t·log(p)`. With `from_logits=True`: one fused
    log-softmax + crossentropy node whose gradient is `softmax(z) - t`.

    Args:
        y_true: one-hot (or soft) targets, shape `(B, .., K)`.
        y_pred: probabilities (or logits), same shape.
        from_logits: whether `y_pred` holds logits.
        label_smoothing: in [0, 1]; targets become `t·(1 - ls) + ls/K`.
        axis: the class axis.

    Returns:
        Per-sample losses (the class axis removed).

    Example:
        >>> categorical_crossentropy(np.array([[0., 1.]]), np.array([[2., 2.]]))
        array([0.69314...])
    """
    axis = _check_axis(axis)
    t, p = _prepare(y_true, y_pred)
    if p.shape and p.shape[-1] == 1:
        warnings.warn(
            "In loss categorical_crossentropy, expected y_pred.shape to be "
            "(batch_size, num_classes) with num_classes > 1. Received: "
            f"y_pred.shape={tuple(p.shape)}. Consider using 'binary_crossentropy' if "
            "you only have 2 classes.", SyntaxWarning, stacklevel=2)
    if label_smoothing:
        ls = float(label_smoothing)
        t = t * (1.0 - ls) + ls / t.shape[axis]
    return K.categorical_crossentropy(t, p, from_logits=from_logits, axis=axis)


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25,
                              gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary focal crossentropy (Lin et al., 2017), averaged over `axis`.

    Each element's binary crossentropy is scaled by `(1 - p_t) ** gamma`,
    where `p_t` is the probability the prediction gives to the target, so
    well-classified elements count less. With `apply_class_balancing`, the
    1-targets are further weighted by `alpha` and the 0-targets by
    `1 - alpha`.

    Args:
        y_true: targets in [0, 1], shape `(B, d0, .. dN)`.
        y_pred: probabilities (or logits), same shape.
        apply_class_balancing: whether to apply the `alpha` weighting.
        alpha: the weight of class 1 when balancing (0.25).
        gamma: the focusing exponent (2.0; 0 gives binary crossentropy).
        from_logits: whether `y_pred` holds logits.
        label_smoothing: in [0, 1]; targets become `t·(1 - ls) + 0.5·ls`.
        axis: the axis the mean is taken over.

    Returns:
        Per-sample losses, shape `(B, d0, .. dN-1)`.

    Example:
        >>> binary_focal_crossentropy(np.array([[0., 1.]]), np.array([[0.4, 0.6]]),
        ...                           gamma=2.0)
        array([0.08173...])
    """
    axis = _check_axis(axis)
    t, p = _prepare(y_true, y_pred)
    if label_smoothing:
        ls = float(label_smoothing)
        t = t * (1.0 - ls) + 0.5 * ls
    return K.mean(K.binary_focal_crossentropy(
        t, p, apply_class_balancing=apply_class_balancing, alpha=alpha, gamma=gamma,
        from_logits=from_logits), axis=axis)


def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    """Categorical focal crossentropy (Lin et al., 2017) over `axis`.

    `-Σ alpha·(1 - p)**gamma · t·log(p)`, with `p` renormalised to sum 1
    along `axis` and clipped to [eps, 1 - eps] (after a softmax when
    `from_logits=True`).

    Args:
        y_true: one-hot (or soft) targets, shape `(B, .., K)`.
        y_pred: probabilities (or logits), same shape.
        alpha: the weighting factor (0.25).
        gamma: the focusing exponent (2.0).
        from_logits: whether `y_pred` holds logits.
        label_smoothing: in [0, 1]; targets become `t·(1 - ls) + ls/n` with
            `n` the size of the LAST axis (as tf-keras does, whatever `axis`).
        axis: the class axis.

    Returns:
        Per-sample losses (the class axis removed).

    Example:
        >>> categorical_focal_crossentropy(np.array([[0., 1.]]), np.array([[.2, .8]]))
        array([0.00223...])
    """
    axis = _check_axis(axis)
    t, p = _prepare(y_true, y_pred)
    if p.shape and p.shape[-1] == 1:
        warnings.warn(
            "In loss categorical_focal_crossentropy, expected y_pred.shape to be "
            "(batch_size, num_classes) with num_classes > 1. Received: "
            f"y_pred.shape={tuple(p.shape)}. Consider using 'binary_crossentropy' if "
            "you only have 2 classes.", SyntaxWarning, stacklevel=2)
    if label_smoothing:
        ls = float(label_smoothing)
        t = t * (1.0 - ls) + ls / t.shape[-1]
    return K.categorical_focal_crossentropy(t, p, alpha=alpha, gamma=gamma,
                                            from_logits=from_logits, axis=axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, axis=-1,
                                    ignore_class=None):
    """Categorical crossentropy with integer targets.

    Args:
        y_true: integer class indices (int or float dtype), shape
            `y_pred.shape[:-1]` or with a trailing axis of size 1.
        y_pred: probabilities (or logits), shape `(B, .., K)`.
        from_logits: whether `y_pred` holds logits.
        axis: the class axis.
        ignore_class: optional label value whose positions get a loss of 0
            (and are left out of the class-form mean).

    Returns:
        Per-sample losses, shape `y_pred.shape[:-1]`.

    Raises:
        ValueError: for a label outside [0, K) (the message names it).

    Example:
        >>> sparse_categorical_crossentropy(np.array([1]), np.array([[0.5, 0.5]]))
        array([0.69314...])
    """
    axis = _check_axis(axis)
    p = _pred(y_pred)
    labels = np.asarray(_value(y_true)) if not isinstance(y_true, SymbolicTensor) else y_true
    if ignore_class is None:
        return K.sparse_categorical_crossentropy(labels, p, from_logits=from_logits, axis=axis)
    valid = labels != ignore_class
    safe = np.where(valid, labels, 0).astype(labels.dtype, copy=False)
    res = K.sparse_categorical_crossentropy(safe, p, from_logits=from_logits, axis=axis)
    mask = valid.reshape(tuple(res.shape))
    res = res * mask.astype(np.dtype(res.dtype))
    if isinstance(res, Tensor):
        res._keras_mask = mask
    return res


def kl_divergence(y_true, y_pred):
    """Kullback-Leibler divergence per sample: `Σ t·log(t / p)` over the last axis.

    Both arguments are clipped to [eps, 1] first.

    Args:
        y_true: target distributions, shape `(B, .., K)`.
        y_pred: predicted distributions, same shape.

    Returns:
        Per-sample losses (the last axis removed).

    Example:
        >>> kl_divergence(np.array([[0.5, 0.5]]), np.array([[0.5, 0.5]]))
        array([0.])
    """
    t, p = _prepare(y_true, y_pred)
    t = K.clip(t, K.epsilon(), 1)
    p = K.clip(p, K.epsilon(), 1)
    return K.sum(t * K.log(t / p), axis=-1)


def poisson(y_true, y_pred):
    """Poisson loss per sample: `mean(y_pred - y_true·log(y_pred + eps), axis=-1)`.

    Args:
        y_true: targets, shape `(B, d0, .. dN)`.
        y_pred: predicted rates, same shape.

    Returns:
        Per-sample losses, shape `(B, d0, .. dN-1)`.

    Example:
        >>> poisson(np.array([[0.]]), np.array([[1.]]))
        array([1.])
    """
    t, p = _prepare(y_true, y_pred)
    return K.mean(p - t * K.log(p + K.epsilon()), axis=-1)


def cosine_similarity(y_true, y_pred, axis=-1):
    """NEGATIVE cosine similarity along `axis` (-1 for identical directions).

    `-Σ l2_normalize(t)·l2_normalize(p)`; a zero vector gives 0.

    Args:
        y_true: targets.
        y_pred: predictions, same shape.
        axis: the axis along which the similarity is computed.

    Returns:
        Per-sample losses (`axis` removed).

    Example:
        >>> cosine_similarity(np.array([[1., 0.]]), np.array([[2., 0.]]))
        array([-1.])
    """
    axis = _check_axis(axis)
    t, p = _prepare(y_true, y_pred)
    return -K.sum(K.l2_normalize(t, axis=axis) * K.l2_normalize(p, axis=axis), axis=axis)


def hinge(y_true, y_pred):
    """Hinge loss per sample: `mean(max(1 - t·p, 0), axis=-1)`.

    Targets should be -1 or 1; targets that are all 0 or 1 are mapped to -1/1.

    Args:
        y_true: targets, shape `(B, d0, .. dN)`.
        y_pred: predictions, same shape.

    Returns:
        Per-sample losses, shape `(B, d0, .. dN-1)`.

    Example:
        >>> hinge(np.array([[1., 0.]]), np.array([[0.5, -2.]]))
        array([0.25])
    """
    t, p = _prepare(y_true, y_pred)
    t = _to_signed_labels(t)
    return K.mean(K.maximum(1.0 - t * p, 0.0), axis=-1)


def squared_hinge(y_true, y_pred):
    """Squared hinge loss per sample: `mean(max(1 - t·p, 0)², axis=-1)`.

    Targets should be -1 or 1; targets that are all 0 or 1 are mapped to -1/1.

    Args:
        y_true: targets, shape `(B, d0, .. dN)`.
        y_pred: predictions, same shape.

    Returns:
        Per-sample losses, shape `(B, d0, .. dN-1)`.

    Example:
        >>> squared_hinge(np.array([[1., 0.]]), np.array([[0.5, -2.]]))
        array([0.125])
    """
    t, p = _prepare(y_true, y_pred)
    t = _to_signed_labels(t)
    return K.mean(K.square(K.maximum(1.0 - t * p, 0.0)), axis=-1)


def categorical_hinge(y_true, y_pred):
    """Categorical hinge per sample: `max(0, max((1 - t)·p) - Σ t·p + 1)`.

    Args:
        y_true: one-hot targets, shape `(B, .., K)`.
        y_pred: scores, same shape.

    Returns:
        Per-sample losses (the last axis removed).

    Example:
        >>> categorical_hinge(np.array([[0., 1.]]), np.array([[0.2, 0.7]]))
        array([0.5])
    """
    t, p = _prepare(y_true, y_pred)
    pos = K.sum(t * p, axis=-1)
    neg = K.max((1.0 - t) * p, axis=-1)
    return K.maximum(neg - pos + 1.0, 0.0)


def huber(y_true, y_pred, delta=1.0):
    """Huber loss per sample, with e = y_pred - y_true.

    `mean(e²/2 if |e| <= delta else delta·|e| - delta²/2, axis=-1)`.

    Args:
        y_true: targets, shape `(B, d0, .. dN)`.
        y_pred: predictions, same shape.
        delta: where the loss turns from quadratic to linear.

    Returns:
        Per-sample losses, shape `(B, d0, .. dN-1)`.

    Example:
        >>> huber(np.array([[0., 0.]]), np.array([[0.5, 3.]]))
        array([1.3125])
    """
    t, p = _prepare(y_true, y_pred)
    return K.mean(_HuberFn.apply(t, p, delta=float(delta)), axis=-1)


def log_cosh(y_true, y_pred):
    """Log-cosh loss per sample: `mean(log(cosh(y_pred - y_true)), axis=-1)`.

    Computed as `e + softplus(-2e) - log(2)`, which cannot overflow.

    Args:
        y_true: targets, shape `(B, d0, .. dN)`.
        y_pred: predictions, same shape.

    Returns:
        Per-sample losses, shape `(B, d0, .. dN-1)`.

    Example:
        >>> log_cosh(np.array([[0., 0.]]), np.array([[0.5, 3.]]))
        array([1.21472...])
    """
    t, p = _prepare(y_true, y_pred)
    return K.mean(_LogCoshFn.apply(t, p), axis=-1)


# Aliases (the same functions, as in tf.keras).
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh
bce = BCE = binary_crossentropy
huber_loss = huber
# Keras 2's names of the negative cosine similarity (tf-keras dropped them; `get`
# still resolves them here so Keras 2 programs compile).
cosine_proximity = cosine = cosine_similarity


# -- reduction --------------------------------------------------------------------------

class Reduction:
    """The reduction names of Loss objects (tf.keras' `ReductionV2`)."""

    AUTO = "auto"
    NONE = "none"
    SUM = "sum"
    SUM_OVER_BATCH_SIZE = "sum_over_batch_size"

    @classmethod
    def all(cls):
        return (cls.AUTO, cls.NONE, cls.SUM, cls.SUM_OVER_BATCH_SIZE)

    @classmethod
    def validate(cls, key):
        if key not in cls.all():
            raise ValueError(
                f'Invalid Reduction Key: {key!r}. Expected keys are "{cls.all()}"')


ReductionV2 = Reduction


def _weights_like(losses, sample_weight):
    """`sample_weight` as an array of the losses' dtype, its rank aligned to them.

    tf-keras' rule: a weight with one more axis (of size 1) than the losses
    loses it; a weight with one axis fewer gets a trailing axis; then NumPy
    broadcasting applies.
    """
    if isinstance(sample_weight, Tensor):
        sample_weight = sample_weight.value
    dtype = np.dtype(losses.dtype)
    w = np.asarray(sample_weight, dtype=dtype)
    if w.ndim == 0:
        return w
    rl = _ndim(losses)
    if w.ndim - rl == 1 and w.shape[-1] == 1:
        w = w.reshape(w.shape[:-1])
    elif rl - w.ndim == 1:
        w = w.reshape(w.shape + (1,))
    try:
        np.broadcast_shapes(tuple(losses.shape), w.shape)
    except ValueError:
        raise ValueError(
            f"sample_weight of shape {np.shape(sample_weight)} cannot be broadcast to the "
            f"per-sample losses of shape {tuple(losses.shape)}.") from None
    return w


def compute_weighted_loss(losses, sample_weight=None, reduction="sum_over_batch_size"):
    """Reduces per-sample losses, weighted by `sample_weight`.

    Args:
        losses: per-sample losses (array or Tensor), e.g. `(B,)` or `(B, T)`.
        sample_weight: None, a scalar, or weights of shape `(B,)`, `(B, 1)` or
            `(B, T)` (broadcast against `losses`).
        reduction: `'auto'` / `'sum_over_batch_size'` (Σ(loss·w) / number of
            loss elements; the divisor is the COUNT, not Σw), `'sum'` or
            `'none'` (the weighted losses themselves).

    Returns:
        A scalar (or the weighted losses for `'none'`); a taped Tensor when
        `losses` is one.

    Example:
        >>> float(compute_weighted_loss(np.array([0.04, 0.3, 0.25]), np.array([1., 0., 2.])))
        0.18...
    """
    Reduction.validate(reduction)
    if reduction == Reduction.AUTO:
        reduction = Reduction.SUM_OVER_BATCH_SIZE
    if not _is_tensor(losses):
        losses = np.asarray(losses)
    if np.dtype(losses.dtype).kind != "f":
        losses = K.cast(losses, "float32")
    if sample_weight is None:
        if reduction == Reduction.NONE:
            return losses
        if reduction == Reduction.SUM:
            return _R.Sum.apply(losses, axis=None, keepdims=False)
        if not isinstance(losses, SymbolicTensor) and math.prod(losses.shape) == 0:
            return np.zeros((), np.dtype(losses.dtype))
        return _R.Mean.apply(losses, axis=None, keepdims=False)
    w = _weights_like(losses, sample_weight)
    if reduction == Reduction.NONE:
        return losses * w
    return _WeightedReduce.apply(losses, w, mode="sum" if reduction == Reduction.SUM else "mean")


def _mask_to_weights(losses, sample_weight, mask, reduction):
    """Folds a boolean mask of valid entries into the sample weights (tf-keras)."""
    if mask is None:
        return sample_weight
    dtype = np.dtype(losses.dtype)
    mask = np.asarray(_value(mask)).astype(dtype)
    if mask.shape != tuple(losses.shape) and mask.size == int(np.prod(losses.shape)):
        mask = mask.reshape(tuple(losses.shape))
    if reduction in (Reduction.AUTO, Reduction.SUM_OVER_BATCH_SIZE):
        valid = mask.sum()
        mask = mask * (mask.size / valid) if valid else mask
    if sample_weight is None:
        return mask
    w = _weights_like(mask, sample_weight)
    return w * mask


# -- classes ------------------------------------------------------------------------------

class Loss:
    """Base class of losses.

    Subclasses implement `call(y_true, y_pred)` returning per-sample losses;
    `__call__` reduces them.

    Args:
        reduction: `'auto'` (= `'sum_over_batch_size'`), `'sum_over_batch_size'`,
            `'sum'` or `'none'`.
        name: the loss name.

    Raises:
        ValueError: for an unknown reduction.

    Example:
        >>> class MeanError(Loss):
        ...     def call(self, y_true, y_pred):
        ...         return K.mean(y_pred - y_true, axis=-1)
        >>> float(MeanError()(np.zeros((2, 3)), np.ones((2, 3))))
        1.0
    """

    def __init__(self, reduction="auto", name=None):
        Reduction.validate(reduction)
        self.reduction = reduction
        self.name = name

    def __call__(self, y_true, y_pred, sample_weight=None):
        """Per-sample losses of `call`, weighted and reduced.

        Args:
            y_true: targets (array).
            y_pred: predictions (array, or a Tensor on the tape).
            sample_weight: optional weights, broadcast against the per-sample
                losses (`(B,)`, `(B, 1)`, `(B, T)` or a scalar).

        Returns:
            The reduced loss (a scalar, or per-sample values for `'none'`).
        """
        losses = self.call(y_true, y_pred)
        if not _is_tensor(losses):
            losses = np.asarray(losses)
        mask = self._loss_mask(y_true, y_pred, losses)
        sample_weight = _mask_to_weights(losses, sample_weight, mask, self.reduction)
        return compute_weighted_loss(losses, sample_weight, reduction=self.reduction)

    def _loss_mask(self, y_true, y_pred, losses):
        """Boolean mask of the valid loss entries (Keras mask of y_pred or losses)."""
        masks = [m for m in (getattr(y_pred, "_keras_mask", None),
                             getattr(losses, "_keras_mask", None))
                 if m is not None and not isinstance(m, SymbolicTensor)]
        if not masks:
            return None
        mask = np.asarray(_value(masks[0])).astype(bool)
        for m in masks[1:]:
            mask = mask & np.asarray(_value(m)).astype(bool)
        return mask

    def call(self, y_true, y_pred):
        """Per-sample losses; to be implemented by subclasses."""
        raise NotImplementedError("Must be implemented in subclasses.")

    def get_config(self):
        """Returns `{'reduction': ..., 'name': ...}`."""
        return {"reduction": self.reduction, "name": self.name}

    @classmethod
    def from_config(cls, config):
        """Builds the loss from the output of `get_config()`."""
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r} reduction={self.reduction!r}>"


class LossFunctionWrapper(Loss):
    """Wraps a loss function `fn(y_true, y_pred, **kwargs)` into a Loss.

    Before calling `fn`, the ranks are aligned as tf-keras training does: a
    rank-1 target with rank-2 predictions gets a trailing axis, and a trailing
    axis of size 1 is squeezed from the operand that has one axis more.

    Args:
        fn: the loss function.
        reduction: see `Loss`.
        name: the loss name.
        **kwargs: keyword arguments passed to `fn`.

    Example:
        >>> float(LossFunctionWrapper(mean_squared_error, name='mse')(
        ...     np.zeros((2, 2)), np.ones((2, 2))))
        1.0
    """

    def __init__(self, fn, reduction="auto", name=None, **kwargs):
        super().__init__(reduction=reduction, name=name)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        y_true, y_pred = _match_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        config = super().get_config()
        for k, v in self._fn_kwargs.items():
            config[k] = v.item() if isinstance(v, np.generic) else v
        config["fn"] = getattr(self.fn, "__name__", None) or type(self.fn).__name__
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        fn = config.pop("fn", None)
        if cls is LossFunctionWrapper:
            return cls(get(fn), **config)
        return cls(**config)


class MeanSquaredError(LossFunctionWrapper):
    """Mean of squares of errors: `mean(square(y_true - y_pred))`.

    Args:
        reduction: see `Loss`.
        name: default 'mean_squared_error'.

    Example:
        >>> float(MeanSquaredError()(np.array([[0., 1.], [0., 0.]]),
        ...                          np.array([[1., 1.], [1., 0.]])))
        0.5
    """

    def __init__(self, reduction="auto", name="mean_squared_error"):
        super().__init__(mean_squared_error, reduction=reduction, name=name)


class MeanAbsoluteError(LossFunctionWrapper):
    """Mean of absolute errors: `mean(abs(y_true - y_pred))`.

    Args:
        reduction: see `Loss`.
        name: default 'mean_absolute_error'.

    Example:
        >>> float(MeanAbsoluteError()(np.array([[0., 1.]]), np.array([[1., 1.]])))
        0.5
    """

    def __init__(self, reduction="auto", name="mean_absolute_error"):
        super().__init__(mean_absolute_error, reduction=reduction, name=name)


class MeanAbsolutePercentageError(LossFunctionWrapper):
    """Mean absolute percentage error: `100 * mean(abs((t - p) / t))`.

    Args:
        reduction: see `Loss`.
        name: default 'mean_absolute_percentage_error'.

    Example:
        >>> float(MeanAbsolutePercentageError()(np.array([[2., 4.]]), np.array([[1., 4.]])))
        25.0
    """

    def __init__(self, reduction="auto", name="mean_absolute_percentage_error"):
        super().__init__(mean_absolute_percentage_error, reduction=reduction, name=name)


class MeanSquaredLogarithmicError(LossFunctionWrapper):
    """Mean squared logarithmic error: `mean(square(log(p + 1) - log(t + 1)))`.

    Args:
        reduction: see `Loss`.
        name: default 'mean_squared_logarithmic_error'.

    Example:
        >>> float(MeanSquaredLogarithmicError()(np.array([[0.]]), np.array([[np.e - 1]])))
        0.99999...
    """

    def __init__(self, reduction="auto", name="mean_squared_logarithmic_error"):
        super().__init__(mean_squared_logarithmic_error, reduction=reduction, name=name)


class BinaryCrossentropy(LossFunctionWrapper):
    """Binary crossentropy between targets in [0, 1] and probabilities (or logits).

    Args:
        from_logits: whether `y_pred` holds logits.
        label_smoothing: targets become `t·(1 - ls) + 0.5·ls`.
        axis: the axis the per-sample mean is taken over.
        reduction: see `Loss`.
        name: default 'binary_crossentropy'.

    Example:
        >>> float(BinaryCrossentropy()(np.array([[0., 1.]]), np.array([[0.2, 0.8]])))
        0.22314...
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="auto",
                 name="binary_crossentropy"):
        super().__init__(binary_crossentropy, reduction=reduction, name=name,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits


class CategoricalCrossentropy(LossFunctionWrapper):
    """Categorical crossentropy between one-hot targets and probabilities (or logits).

    Args:
        from_logits: whether `y_pred` holds logits.
        label_smoothing: targets become `t·(1 - ls) + ls/K`.
        axis: the class axis.
        reduction: see `Loss`.
        name: default 'categorical_crossentropy'.

    Example:
        >>> float(CategoricalCrossentropy()(np.array([[0., 1.]]), np.array([[2., 2.]])))
        0.69314...
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="auto",
                 name="categorical_crossentropy"):
        super().__init__(categorical_crossentropy, reduction=reduction, name=name,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class BinaryFocalCrossentropy(LossFunctionWrapper):
    """Binary focal crossentropy: see `binary_focal_crossentropy`.

    Args:
        apply_class_balancing: weight 1-targets by `alpha`, 0-targets by
            `1 - alpha`.
        alpha: the class-1 weight when balancing (0.25).
        gamma: the focusing exponent (2.0).
        from_logits: whether `y_pred` holds logits.
        label_smoothing: targets become `t·(1 - ls) + 0.5·ls`.
        axis: the axis the per-sample mean is taken over.
        reduction: see `Loss`.
        name: default 'binary_focal_crossentropy'.

    Example:
        >>> loss = BinaryFocalCrossentropy(gamma=2.0, from_logits=True)
        >>> model.compile(optimizer='adam', loss=loss)
    """

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                 label_smoothing=0.0, axis=-1, reduction="auto",
                 name="binary_focal_crossentropy"):
        super().__init__(binary_focal_crossentropy, reduction=reduction, name=name,
                         apply_class_balancing=apply_class_balancing, alpha=alpha, gamma=gamma,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.apply_class_balancing = apply_class_balancing
        self.alpha = alpha
        self.gamma = gamma


class CategoricalFocalCrossentropy(LossFunctionWrapper):
    """Categorical focal crossentropy: see `categorical_focal_crossentropy`.

    Args:
        alpha: the weighting factor (0.25).
        gamma: the focusing exponent (2.0).
        from_logits: whether `y_pred` holds logits.
        label_smoothing: targets become `t·(1 - ls) + ls/K`.
        axis: the class axis.
        reduction: see `Loss`.
        name: default 'categorical_focal_crossentropy'.

    Example:
        >>> loss = CategoricalFocalCrossentropy(alpha=0.25, gamma=2.0)
        >>> model.compile(optimizer='adam', loss=loss)
    """

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="auto", name="categorical_focal_crossentropy"):
        super().__init__(categorical_focal_crossentropy, reduction=reduction, name=name,
                         alpha=alpha, gamma=gamma, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.alpha = alpha
        self.gamma = gamma


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Categorical crossentropy with integer targets.

    Args:
        from_logits: whether `y_pred` holds logits.
        ignore_class: optional label value left out of the loss (its positions
            get 0 and the `'sum_over_batch_size'` mean is over the others).
        reduction: see `Loss`.
        name: default 'sparse_categorical_crossentropy'.

    Example:
        >>> float(SparseCategoricalCrossentropy()(np.array([1, 0]),
        ...                                       np.array([[0.5, 0.5], [1., 0.]])))
        0.34657...
    """

    def __init__(self, from_logits=False, ignore_class=None, reduction="auto",
                 name="sparse_categorical_crossentropy"):
        super().__init__(sparse_categorical_crossentropy, reduction=reduction, name=name,
                         from_logits=from_logits, ignore_class=ignore_class)

    def call(self, y_true, y_pred):
        # Integer targets keep their own rank (the function accepts (B,) and (B, 1)).
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def _loss_mask(self, y_true, y_pred, losses):
        mask = super()._loss_mask(y_true, y_pred, None)
        ignore = self._fn_kwargs.get("ignore_class")
        if ignore is None:
            return mask
        valid = (np.asarray(_value(y_true)) != ignore).reshape(tuple(losses.shape))
        return valid if mask is None else valid & mask.reshape(valid.shape)


class KLDivergence(LossFunctionWrapper):
    """Kullback-Leibler divergence: `Σ t·log(t / p)` per sample.

    Args:
        reduction: see `Loss`.
        name: default 'kl_divergence'.

    Example:
        >>> float(KLDivergence()(np.array([[0.5, 0.5]]), np.array([[0.5, 0.5]])))
        0.0
    """

    def __init__(self, reduction="auto", name="kl_divergence"):
        super().__init__(kl_divergence, reduction=reduction, name=name)


class Poisson(LossFunctionWrapper):
    """Poisson loss: `mean(p - t·log(p + eps))`.

    Args:
        reduction: see `Loss`.
        name: default 'poisson'.

    Example:
        >>> float(Poisson()(np.array([[0.]]), np.array([[1.]])))
        1.0
    """

    def __init__(self, reduction="auto", name="poisson"):
        super().__init__(poisson, reduction=reduction, name=name)


class CosineSimilarity(LossFunctionWrapper):
    """Negative cosine similarity between targets and predictions along `axis`.

    Args:
        axis: the axis along which the similarity is computed.
        reduction: see `Loss`.
        name: default 'cosine_similarity'.

    Example:
        >>> float(CosineSimilarity()(np.array([[1., 0.]]), np.array([[2., 0.]])))
        -1.0
    """

    def __init__(self, axis=-1, reduction="auto", name="cosine_similarity"):
        super().__init__(cosine_similarity, reduction=reduction, name=name, axis=axis)


class Hinge(LossFunctionWrapper):
    """Hinge loss: `mean(max(1 - t·p, 0))`, {0,1} targets mapped to -1/1.

    Args:
        reduction: see `Loss`.
        name: default 'hinge'.

    Example:
        >>> float(Hinge()(np.array([[1., 0.]]), np.array([[0.5, -2.]])))
        0.25
    """

    def __init__(self, reduction="auto", name="hinge"):
        super().__init__(hinge, reduction=reduction, name=name)


class SquaredHinge(LossFunctionWrapper):
    """Squared hinge loss: `mean(max(1 - t·p, 0)²)`, {0,1} targets mapped to -1/1.

    Args:
        reduction: see `Loss`.
        name: default 'squared_hinge'.

    Example:
        >>> float(SquaredHinge()(np.array([[1., 0.]]), np.array([[0.5, -2.]])))
        0.125
    """

    def __init__(self, reduction="auto", name="squared_hinge"):
        super().__init__(squared_hinge, reduction=reduction, name=name)


class CategoricalHinge(LossFunctionWrapper):
    """Categorical hinge loss: `max(0, max((1 - t)·p) - Σ t·p + 1)`.

    Args:
        reduction: see `Loss`.
        name: default 'categorical_hinge'.

    Example:
        >>> float(CategoricalHinge()(np.array([[0., 1.]]), np.array([[0.2, 0.7]])))
        0.5
    """

    def __init__(self, reduction="auto", name="categorical_hinge"):
        super().__init__(categorical_hinge, reduction=reduction, name=name)


class Huber(LossFunctionWrapper):
    """Huber loss: quadratic for |e| <= delta, linear beyond.

    Args:
        delta: the switch point.
        reduction: see `Loss`.
        name: default 'huber_loss'.

    Example:
        >>> float(Huber()(np.array([[0., 0.]]), np.array([[0.5, 3.]])))
        1.3125
    """

    def __init__(self, delta=1.0, reduction="auto", name="huber_loss"):
        super().__init__(huber, reduction=reduction, name=name, delta=delta)


class LogCosh(LossFunctionWrapper):
    """Log-cosh loss: `mean(log(cosh(p - t)))`.

    Args:
        reduction: see `Loss`.
        name: default 'log_cosh'.

    Example:
        >>> float(LogCosh()(np.array([[0., 0.]]), np.array([[0.5, 3.]])))
        1.21472...
    """

    def __init__(self, reduction="auto", name="log_cosh"):
        super().__init__(log_cosh, reduction=reduction, name=name)


# -- lookup ---------------------------------------------------------------------------------

#: Every name `get` / `deserialize` accept for a built-in loss.
ALL_OBJECTS = {
    "Loss": Loss, "LossFunctionWrapper": LossFunctionWrapper,
    "MeanSquaredError": MeanSquaredError, "MeanAbsoluteError": MeanAbsoluteError,
    "MeanAbsolutePercentageError": MeanAbsolutePercentageError,
    "MeanSquaredLogarithmicError": MeanSquaredLogarithmicError,
    "BinaryCrossentropy": BinaryCrossentropy,
    "CategoricalCrossentropy": CategoricalCrossentropy,
    "BinaryFocalCrossentropy": BinaryFocalCrossentropy,
    "CategoricalFocalCrossentropy": CategoricalFocalCrossentropy,
    "binary_focal_crossentropy": binary_focal_crossentropy,
    "categorical_focal_crossentropy": categorical_focal_crossentropy,
    "SparseCategoricalCrossentropy": SparseCategoricalCrossentropy,
    "KLDivergence": KLDivergence, "Poisson": Poisson, "CosineSimilarity": CosineSimilarity,
    "Hinge": Hinge, "SquaredHinge": SquaredHinge, "CategoricalHinge": CategoricalHinge,
    "Huber": Huber, "LogCosh": LogCosh,
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
    "poisson": poisson, "cosine_similarity": cosine_similarity,
    "cosine_proximity": cosine_proximity, "cosine": cosine,
    "hinge": hinge, "squared_hinge": squared_hinge, "categorical_hinge": categorical_hinge,
    "huber": huber, "huber_loss": huber, "log_cosh": log_cosh, "logcosh": logcosh,
}


def serialize(loss, use_legacy_format=False):
    """Serializes a loss: functions by name, Loss objects to a config dict.

    Args:
        loss: a loss function or Loss instance.
        use_legacy_format: True gives `{'class_name', 'config'}`; the default
            adds `module` and `registered_name` as tf-keras 2.13+ does.

    Returns:
        A name or a JSON-able dict.

    Example:
        >>> serialize(mean_squared_error)
        'mean_squared_error'
    """
    return _serialization.serialize_keras_object(
        loss, module=None if use_legacy_format else "keras.losses")


def deserialize(name, custom_objects=None, use_legacy_format=False):
    """Builds a loss from a name or a config dict.

    Args:
        name: a function name (gives the function), a class name (gives an
            instance with default arguments) or a config dict.
        custom_objects: optional dict of user losses.
        use_legacy_format: accepted for API compatibility; both forms are read.

    Returns:
        A loss function or Loss instance.

    Raises:
        ValueError: for an unknown name ("Unknown loss function: 'foo'. ...").

    Example:
        >>> deserialize('mse') is mean_squared_error
        True
    """
    return _serialization.deserialize_keras_object(
        name, module_objects=ALL_OBJECTS, custom_objects=custom_objects,
        printable_module_name="loss function")


def get(identifier):
    """Retrieves a loss function or Loss object.

    Args:
        identifier: None; a string (snake_case names give the FUNCTION, class
            names an instance); a config dict; a Loss class (instantiated with
            defaults); a Loss instance or any callable (returned as is).

    Returns:
        A loss function, a Loss instance, or None for None.

    Raises:
        ValueError: unknown names or uninterpretable identifiers.

    Example:
        >>> get('categorical_crossentropy') is categorical_crossentropy
        True
        >>> type(get('CategoricalCrossentropy')).__name__
        'CategoricalCrossentropy'
    """
    if identifier is None:
        return None
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret loss function identifier: {identifier!r}")


__all__ = [
    "Loss", "LossFunctionWrapper", "Reduction", "ReductionV2", "compute_weighted_loss",
    "MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError",
    "MeanSquaredLogarithmicError", "BinaryCrossentropy", "CategoricalCrossentropy",
    "BinaryFocalCrossentropy", "CategoricalFocalCrossentropy", "binary_focal_crossentropy",
    "categorical_focal_crossentropy",
    "SparseCategoricalCrossentropy", "KLDivergence", "Poisson", "CosineSimilarity", "Hinge",
    "SquaredHinge", "CategoricalHinge", "Huber", "LogCosh",
    "mean_squared_error", "mse", "MSE", "mean_absolute_error", "mae", "MAE",
    "mean_absolute_percentage_error", "mape", "MAPE", "mean_squared_logarithmic_error",
    "msle", "MSLE", "binary_crossentropy", "bce", "BCE", "categorical_crossentropy",
    "sparse_categorical_crossentropy", "kl_divergence", "kld", "KLD",
    "kullback_leibler_divergence", "poisson", "cosine_similarity", "cosine_proximity",
    "cosine", "hinge", "squared_hinge",
    "categorical_hinge", "huber", "huber_loss", "log_cosh", "logcosh",
    "serialize", "deserialize", "get",
]
