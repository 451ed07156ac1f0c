"""Array helpers shared by the metric modules (tf-keras keeps them in
`keras.utils.metrics_utils`): conversion of Tensors and array-likes, tf-keras'
rank alignment of targets, predictions and sample weights, and a division
that gives 0 where the denominator is 0."""
import numpy as np

from ckeras.autograd.tensor import SymbolicTensor, Tensor


def to_numpy(x):
    """`x` as a NumPy array (Tensors are read through `.value`). Symbolic
    tensors pass through, so a metric function applied to a model's tensors
    builds graph ops (the Keras 2 `model.add_loss(metrics.mse(x, y))` form)."""
    if isinstance(x, Tensor):
        return x.value
    if isinstance(x, SymbolicTensor):
        return x
    return x if type(x) is np.ndarray else np.asarray(x)


def match_rank(y_true, y_pred):
    """tf-keras' rank alignment of targets and predictions (NumPy only)."""
    rt, rp = y_true.ndim, y_pred.ndim
    if rt == 1 and rp == 2:
        y_true = y_true[:, None]
        rt = 2
    if rp - rt == 1 and y_pred.shape[-1] == 1:
        y_pred = y_pred.reshape(y_pred.shape[:-1])
    elif rt - rp == 1 and y_true.shape[-1] == 1:
        y_true = y_true.reshape(y_true.shape[:-1])
    return y_true, y_pred


def align_weights(values, sample_weight):
    """Weights with their rank aligned to `values` (tf-keras' squeeze/expand rule)."""
    w = sample_weight
    if w.ndim == 0:
        return w
    if w.ndim - values.ndim == 1 and w.shape[-1] == 1:
        w = w.reshape(w.shape[:-1])
    elif values.ndim - w.ndim == 1:
        w = w.reshape(w.shape + (1,))
    return w


def divide_no_nan(a, b):
    """`a / b`, with 0 where `b` is 0, in the dtype of `a`."""
    a = np.asarray(a)
    b = np.asarray(b)
    if a.ndim == 0 and b.ndim == 0:     # the running means of every batch: keep it cheap
        return a / b if b != 0 else np.zeros((), a.dtype)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(b == 0, np.zeros((), a.dtype), a / np.where(b == 0, 1, b))
    return out.astype(a.dtype, copy=False)
