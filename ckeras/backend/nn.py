"""Neural-network ops of the Keras 2 backend: activations, crossentropies,
l2_normalize, dropout, bias_add, the fused dense op, phase switches,
convolutions, pooling, batch normalization, in_top_k and rnn."""
import contextlib
import itertools

import numpy as np

from ckeras._internal import config
from ckeras.autograd.function import grad_enabled
from ckeras.autograd.functions import conv as C
from ckeras.autograd.functions import elementwise as E
from ckeras.autograd.functions import linalg as L
from ckeras.autograd.functions import math as M
from ckeras.autograd.functions import nn as N
from ckeras.autograd.functions import reduction as R
from ckeras.autograd.functions import shape as S
from ckeras.autograd.tensor import SymbolicTensor, Tensor
from ckeras.backend import math as KM
from ckeras.backend.variables import TENSOR_TYPES, as_input
from ckeras.kernels.codes import Act

# -- activations ------------------------------------------------------------------

def softmax(x, axis=-1):
    """Softmax along `axis`."""
    return N.Softmax.apply(as_input(x), axis=axis if not isinstance(axis, list) else tuple(axis))


def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit with Keras' options.

    x for x > threshold (capped at max_value), alpha * (x - threshold) otherwise.
    """
    if alpha == 0 and max_value is None and threshold == 0:
        return N.Relu.apply(as_input(x))
    return N.Relu.apply(as_input(x), alpha=float(alpha),
                        max_value=None if max_value is None else float(max_value),
                        threshold=float(threshold))


def elu(x, alpha=1.0):
    """x if x > 0 else alpha * (exp(x) - 1)."""
    return N.Elu.apply(as_input(x), alpha=float(alpha))


def sigmoid(x):
    return N.Sigmoid.apply(as_input(x))


def hard_sigmoid(x):
    """clip(0.2 x + 0.5, 0, 1)."""
    return N.HardSigmoid.apply(as_input(x))


def tanh(x):
    return N.Tanh.apply(as_input(x))


def softplus(x):
    """log(exp(x) + 1)."""
    return N.Softplus.apply(as_input(x))


def softsign(x):
    """x / (|x| + 1)."""
    return N.Softsign.apply(as_input(x))


# -- crossentropies -----------------------------------------------------------------

def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Crossentropy of probabilities (renormalised, clipped) or logits along `axis`.

    Note the (target, output) argument order.
    """
    target, output = as_input(target), as_input(output)
    if not from_logits:
        logits = _logits_of(output, N.Softmax, axis)
        if logits is not None:
            output, from_logits = logits, True
    if from_logits:
        return N.SoftmaxCrossentropy.apply(target, output, axis=int(axis))
    return N.CategoricalCrossentropy.apply(target, output, axis=int(axis),
                                           eps=config.epsilon())


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Crossentropy with integer labels `target` (shape output.shape[:-1] or (..., 1))."""
    if not from_logits:
        logits = _logits_of(output, N.Softmax, axis)
        if logits is not None:
            output, from_logits = logits, True
    return N.SparseCategoricalCrossentropy.apply(
        as_input(target), as_input(output), from_logits=bool(from_logits), axis=int(axis),
        eps=config.epsilon())


def binary_crossentropy(target, output, from_logits=False):
    """Elementwise binary crossentropy (no mean); eps is added inside the logs."""
    if not from_logits:
        logits = _logits_of(output, N.Sigmoid)
        if logits is not None:
            output, from_logits = logits, True
    target, output = as_input(target), as_input(output)
    if from_logits:
        return N.SigmoidCrossentropy.apply(target, output)
    return N.BinaryCrossentropy.apply(target, output, eps=config.epsilon())


def binary_focal_crossentropy(target, output, apply_class_balancing=False, alpha=0.25,
                              gamma=2.0, from_logits=False):
    """Binary crossentropy scaled by the focal factor (1 - p_t) ** gamma
    (elementwise, no mean), where p_t is the probability given to the target.

    Args:
        target: targets, same shape as `output`.
        output: probabilities, or logits with `from_logits=True`.
        apply_class_balancing: also weight class 1 by `alpha` and class 0 by
            `1 - alpha`.
        alpha: the class-1 weight of the balancing.
        gamma: the focusing exponent (0 gives the plain crossentropy).
        from_logits: whether `output` holds logits.

    Example:
        >>> K.binary_focal_crossentropy(np.array([1.]), np.array([0.9]))
        array([0.00105...])
    """
    target, output = as_input(target), as_input(output)
    prob = N.Sigmoid.apply(output) if from_logits else output
    p_t = E.Add.apply(E.Mul.apply(target, prob),
                      E.Mul.apply(E.Sub.apply(1.0, target), E.Sub.apply(1.0, prob)))
    focal = KM.pow(E.Sub.apply(1.0, p_t), gamma)
    loss = E.Mul.apply(focal, binary_crossentropy(target, output, from_logits=from_logits))
    if apply_class_balancing:
        weight = E.Add.apply(E.Mul.apply(target, float(alpha)),
                             E.Mul.apply(E.Sub.apply(1.0, target), 1.0 - float(alpha)))
        loss = E.Mul.apply(weight, loss)
    return loss


def categorical_focal_crossentropy(target, output, alpha=0.25, gamma=2.0, from_logits=False,
                                   axis=-1):
    """Categorical crossentropy with each class term scaled by
    alpha * (1 - p) ** gamma, summed along `axis`.

    `output` is renormalised to sum 1 and clipped to [eps, 1 - eps] (after a
    softmax with `from_logits=True`), as tf-keras does.

    Example:
        >>> K.categorical_focal_crossentropy(np.array([[0., 1.]]), np.array([[.2, .8]]))
        array([0.00223...])
    """
    target, output = as_input(target), as_input(output)
    if from_logits:
        output = N.Softmax.apply(output, axis=int(axis))
    output = E.Div.apply(output, KM.sum(output, axis=int(axis), keepdims=True))
    eps = config.epsilon()
    output = M.Clip.apply(output, lo=eps, hi=1.0 - eps)
    cce = E.Neg.apply(E.Mul.apply(target, M.Log.apply(output)))
    weight = E.Mul.apply(KM.pow(E.Sub.apply(1.0, output), gamma), float(alpha))
    return KM.sum(E.Mul.apply(weight, cce), axis=int(axis))


# -- normalisation, dropout, bias, dense -----------------------------------------------

def l2_normalize(x, axis=None):
    """x / sqrt(max(sum(x^2, axis), 1e-12)); axis None normalises over all elements."""
    if isinstance(axis, (list, tuple)):
        axis = tuple(int(a) for a in axis)
    elif axis is not None:
        axis = int(axis)
    return N.L2Normalize.apply(as_input(x), axis=axis)


def dropout(x, level, noise_shape=None, seed=None):
    """Sets a fraction `level` of entries to 0 and scales the rest by 1/(1 - level)."""
    level = float(level)
    if not 0 <= level < 1:
        raise ValueError(f"K.dropout: `level` must be in [0, 1); received level={level}.")
    return N.Dropout.apply(as_input(x), rate=level,
                           noise_shape=None if noise_shape is None else tuple(noise_shape),
                           seed=seed)


def bias_add(x, bias, data_format=None):
    """Adds `bias` along the channel axis of `x`."""
    data_format = config.normalize_data_format(data_format)
    return N.BiasAdd.apply(as_input(x), as_input(bias), data_format=data_format)


def dense(x, kernel, bias=None, activation_code=Act.LINEAR):
    """act(x @ kernel + bias) as one fused node (used by the Dense layer).

    Not a Keras name. `activation_code`: a `ckeras.kernels.codes.Act` (see
    `ckeras.activations.fused_code`). A NumPy
    `x` with nothing to record skips the tape machinery entirely.
    """
    if type(x) is np.ndarray:
        w, b = kernel, bias
        if type(w) is not np.ndarray or (b is not None and type(b) is not np.ndarray):
            if grad_enabled() and (getattr(w, "requires_grad", False)
                                   or getattr(b, "requires_grad", False)):
                return _taped_dense(x, kernel, bias, activation_code)
            if isinstance(w, Tensor):
                w = w.value
            if isinstance(b, Tensor):
                b = b.value
        return N.dense_forward(x, w, b, activation_code)
    return _taped_dense(x, kernel, bias, activation_code)


# On the tape, softmax and sigmoid outputs stay separate nodes over the logits,
# so that a crossentropy on them can work from the logits (see `_logits_of`):
# the backward is then the fused `p - t`, and nothing saturates at eps.
_LOGIT_ACTIVATIONS = {Act.SOFTMAX: lambda z: N.Softmax.apply(z, axis=-1),
                      Act.SIGMOID: lambda z: N.Sigmoid.apply(z)}


def _taped_dense(x, kernel, bias, code):
    if code in _LOGIT_ACTIVATIONS and grad_enabled():
        return _LOGIT_ACTIVATIONS[code](N.Dense.apply(x, kernel, bias, code=0))
    return N.Dense.apply(x, kernel, bias, code=code)


def logits_split(code):
    """How a taped `dense` with activation `code` applies it: a function of
    the logits Tensor (the separate softmax/sigmoid node that crossentropy
    losses look through), or None when the activation is fused.

    Not a Keras name (ckeras.engine.dense_replay runs the taped step of a
    Dense chain on the kernels and must apply it the same way).
    """
    return _LOGIT_ACTIVATIONS.get(code)


def _logits_of(output, fn_class, axis=-1):
    """The taped logits under a softmax/sigmoid output, else None (as tf-keras'
    `_keras_logits`)."""
    fn = getattr(output, "_fn", None)
    if isinstance(fn, fn_class) and getattr(fn, "axis", -1) in (-1, np.ndim(output) - 1) \
            and axis in (-1, np.ndim(output) - 1):
        return fn.inputs[0]
    return None


# -- phase switches ------------------------------------------------------------------

def _scalar_condition(c):
    if isinstance(c, (bool, int, np.bool_, np.integer)):
        return True, bool(c)
    if isinstance(c, Tensor) and c.value.ndim == 0:
        return True, bool(c.value)
    if isinstance(c, np.ndarray) and c.ndim == 0:
        return True, bool(c)
    return False, None


def switch(condition, then_expression, else_expression):
    """Selects between two expressions by `condition`.

    A scalar condition picks one branch (callables are called); a tensor
    condition selects elementwise (a lower-rank condition applies along the
    leading axes).
    """
    is_scalar, value = _scalar_condition(condition)
    if is_scalar:
        branch = then_expression if value else else_expression
        return branch() if callable(branch) else branch
    if callable(then_expression):
        then_expression = then_expression()
    if callable(else_expression):
        else_expression = else_expression()
    cond = as_input(condition)
    cnd = len(cond.shape)
    for e in (then_expression, else_expression):
        if isinstance(e, (TENSOR_TYPES, np.ndarray)) and cnd > len(e.shape):
            raise ValueError(
                "K.switch: the rank of `condition` should be less than or equal to the "
                f"rank of `then_expression` and `else_expression`; got rank {cnd} "
                f"and shape {tuple(e.shape)}.")
    t = then_expression if isinstance(then_expression, TENSOR_TYPES) else as_input(then_expression)
    e = else_expression if isinstance(else_expression, TENSOR_TYPES) else as_input(else_expression)
    return M.Where.apply(cond, t, e)


def in_train_phase(x, alt, training=None):
    """`x` in the training phase, `alt` otherwise (callables are called lazily).

    `training` defaults to the learning phase; a tensor selects with K.switch.
    """
    if training is None:
        training = config.learning_phase()
    if not isinstance(training, (Tensor, SymbolicTensor, np.ndarray)):
        if training == 1 or training is True:
            return x() if callable(x) else x
        if training == 0 or training is False:
            return alt() if callable(alt) else alt
    return switch(training, x, alt)


def in_test_phase(x, alt, training=None):
    """`x` in the test phase, `alt` otherwise."""
    return in_train_phase(alt, x, training=training)


@contextlib.contextmanager
def learning_phase_scope(value):
    """Sets the learning phase (0 = test, 1 = train) of this thread inside a
    `with` block and restores the previous one on exit.

    Example:
        >>> with K.learning_phase_scope(1):
        ...     K.learning_phase()
        1
    """
    if value not in {0, 1}:
        raise ValueError(f"K.learning_phase_scope: expected learning phase to be 0 or 1; "
                         f"received {value!r}.")
    previous = config.learning_phase()
    config.set_learning_phase(value)
    try:
        yield value
    finally:
        config.set_learning_phase(previous)


# -- convolution, pooling, rnn --------------------------------------------------------

def _tuple(v, n, name):
    if isinstance(v, (int, np.integer)):
        return (int(v),) * n
    v = tuple(int(a) for a in v)
    if len(v) != n:
        raise ValueError(f"`{name}` must be an int or a tuple of {n} ints; received {v}.")
    return v


def _channels_last(x, data_format, sp):
    if data_format == "channels_first":
        return S.Transpose.apply(x, axes=(0,) + tuple(range(2, sp + 2)) + (1,))
    return x


def _channels_back(y, data_format, sp):
    if data_format == "channels_first":
        return S.Transpose.apply(y, axes=(0, sp + 1) + tuple(range(1, sp + 1)))
    return y


def _conv(x, kernel, strides, padding, data_format, dilation_rate, sp, name):
    data_format = config.normalize_data_format(data_format)
    x, kernel = as_input(x), as_input(kernel)
    if len(x.shape) != sp + 2 or len(kernel.shape) != sp + 2:
        raise ValueError(
            f"K.{name}: `x` and `kernel` must have rank {sp + 2}; received shapes "
            f"{tuple(x.shape)} and {tuple(kernel.shape)}.")
    padding = str(padding).lower()
    if padding == "causal" and sp != 1:
        raise ValueError(f"K.{name}: `padding`='causal' is only supported by conv1d.")
    y = C.Conv.apply(_channels_last(x, data_format, sp), kernel,
                     strides=_tuple(strides, sp, "strides"), padding=padding,
                     dilations=_tuple(dilation_rate, sp, "dilation_rate"))
    return _channels_back(y, data_format, sp)


def conv1d(x, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """1-D convolution; kernel (width, in, out); padding 'valid', 'same' or 'causal'."""
    return _conv(x, kernel, strides, padding, data_format, dilation_rate, 1, "conv1d")


def conv2d(x, kernel, strides=(1, 1), padding="valid", data_format=None,
           dilation_rate=(1, 1)):
    """2-D convolution; kernel (rows, cols, in, out)."""
    return _conv(x, kernel, strides, padding, data_format, dilation_rate, 2, "conv2d")


def conv3d(x, kernel, strides=(1, 1, 1), padding="valid", data_format=None,
           dilation_rate=(1, 1, 1)):
    """3-D convolution; kernel (d1, d2, d3, in, out)."""
    return _conv(x, kernel, strides, padding, data_format, dilation_rate, 3, "conv3d")


def _pool(x, pool_size, strides, padding, data_format, pool_mode, sp, name):
    data_format = config.normalize_data_format(data_format)
    if pool_mode not in ("max", "avg"):
        raise ValueError(f"K.{name}: `pool_mode` must be 'max' or 'avg'; received {pool_mode!r}.")
    padding = str(padding).lower()
    if padding not in ("valid", "same"):
        raise ValueError(f"K.{name}: `padding` must be 'valid' or 'same'; received {padding!r}.")
    x = as_input(x)
    y = C.Pool.apply(_channels_last(x, data_format, sp),
                     pool_size=_tuple(pool_size, sp, "pool_size"),
                     strides=_tuple(strides, sp, "strides"), padding=padding, mode=pool_mode)
    return _channels_back(y, data_format, sp)


def pool2d(x, pool_size, strides=(1, 1), padding="valid", data_format=None, pool_mode="max"):
    """2-D max or average pooling ('avg' ignores padded entries)."""
    return _pool(x, pool_size, strides, padding, data_format, pool_mode, 2, "pool2d")


def pool3d(x, pool_size, strides=(1, 1, 1), padding="valid", data_format=None,
           pool_mode="max"):
    """3-D max or average pooling."""
    return _pool(x, pool_size, strides, padding, data_format, pool_mode, 3, "pool3d")


def conv2d_transpose(x, kernel, output_shape, strides=(1, 1), padding="valid",
                     data_format=None, dilation_rate=(1, 1)):
    """2-D transposed convolution (the gradient of `conv2d` with respect to its input).

    Args:
        x: a 4-D tensor.
        kernel: (rows, cols, output_channels, input_channels).
        output_shape: the 4-D output shape in `data_format` order (batch and
            channels included; the batch entry may be None).
        strides: as `conv2d`.
        padding: 'valid' or 'same'.
        data_format: as `conv2d`.
        dilation_rate: as `conv2d`.

    Returns:
        A tensor of shape `output_shape`.

    Example:
        >>> K.conv2d_transpose(np.ones((1, 2, 2, 1)), np.ones((2, 2, 1, 1)),
        ...                    (1, 3, 3, 1))[0, :, :, 0]
        array([[1., 2., 1.], [2., 4., 2.], [1., 2., 1.]])
    """
    data_format = config.normalize_data_format(data_format)
    x, kernel = as_input(x), as_input(kernel)
    if len(x.shape) != 4 or len(kernel.shape) != 4:
        raise ValueError("K.conv2d_transpose: `x` and `kernel` must have rank 4; received "
                         f"shapes {tuple(x.shape)} and {tuple(kernel.shape)}.")
    shape = tuple(output_shape)
    if len(shape) != 4:
        raise ValueError("K.conv2d_transpose: `output_shape` must have 4 entries (batch, "
                         f"rows, cols, channels in data_format order); received {shape}.")
    if data_format == "channels_first":
        shape = (shape[0], shape[2], shape[3], shape[1])
    if shape[3] is not None and kernel.shape[2] is not None and int(shape[3]) != kernel.shape[2]:
        raise ValueError(f"K.conv2d_transpose: `output_shape` has {shape[3]} channels but "
                         f"the kernel makes {kernel.shape[2]} (kernel shape "
                         f"{tuple(kernel.shape)}).")
    padding = str(padding).lower()
    if padding not in ("valid", "same"):
        raise ValueError("K.conv2d_transpose: `padding` must be 'valid' or 'same'; "
                         f"received {padding!r}.")
    y = C.ConvTranspose.apply(_channels_last(x, data_format, 2), kernel,
                              strides=_tuple(strides, 2, "strides"), padding=padding,
                              dilations=_tuple(dilation_rate, 2, "dilation_rate"),
                              out_sizes=(int(shape[1]), int(shape[2])))
    return _channels_back(y, data_format, 2)


def _depthwise(x, kernel, strides, padding, data_format, dilation_rate, name):
    x, kernel = as_input(x), as_input(kernel)
    if len(x.shape) != 4 or len(kernel.shape) != 4:
        raise ValueError(f"K.{name}: `x` and the depthwise kernel must have rank 4; received "
                         f"shapes {tuple(x.shape)} and {tuple(kernel.shape)}.")
    padding = str(padding).lower()
    if padding not in ("valid", "same"):
        raise ValueError(f"K.{name}: `padding` must be 'valid' or 'same'; received {padding!r}.")
    return C.DepthwiseConv.apply(_channels_last(x, data_format, 2), kernel,
                                 strides=_tuple(strides, 2, "strides"), padding=padding,
                                 dilations=_tuple(dilation_rate, 2, "dilation_rate"))


def depthwise_conv2d(x, depthwise_kernel, strides=(1, 1), padding="valid", data_format=None,
                     dilation_rate=(1, 1)):
    """Depthwise 2-D convolution: each input channel convolved with its own filters.

    Args:
        x: a 4-D tensor.
        depthwise_kernel: (rows, cols, input_channels, depth_multiplier).
        strides: as `conv2d`.
        padding: 'valid' or 'same'.
        data_format: as `conv2d`.
        dilation_rate: as `conv2d`.

    Returns:
        input_channels * depth_multiplier channels, channel c * M + m from filter
        m of channel c.
    """
    data_format = config.normalize_data_format(data_format)
    y = _depthwise(x, depthwise_kernel, strides, padding, data_format, dilation_rate,
                   "depthwise_conv2d")
    return _channels_back(y, data_format, 2)


def separable_conv2d(x, depthwise_kernel, pointwise_kernel, strides=(1, 1), padding="valid",
                     data_format=None, dilation_rate=(1, 1)):
    """Depthwise convolution followed by a 1x1 (pointwise) convolution.

    Args:
        x: a 4-D tensor.
        depthwise_kernel: (rows, cols, input_channels, depth_multiplier).
        pointwise_kernel: (1, 1, input_channels * depth_multiplier, filters).
        strides: of the depthwise step.
        padding: of the depthwise step ('valid' or 'same').
        data_format: 'channels_last' or 'channels_first'.
        dilation_rate: of the depthwise step.
    """
    data_format = config.normalize_data_format(data_format)
    pointwise_kernel = as_input(pointwise_kernel)
    if len(pointwise_kernel.shape) != 4 or tuple(pointwise_kernel.shape[:2]) != (1, 1):
        raise ValueError("K.separable_conv2d: `pointwise_kernel` must have shape (1, 1, "
                         f"channels, filters); received {tuple(pointwise_kernel.shape)}.")
    y = _depthwise(x, depthwise_kernel, strides, padding, data_format, dilation_rate,
                   "separable_conv2d")
    y = C.Conv.apply(y, pointwise_kernel, strides=(1, 1), padding="valid", dilations=(1, 1))
    return _channels_back(y, data_format, 2)


def separable_conv1d(x, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                     data_format=None, dilation_rate=1):
    """1-D separable convolution (Keras 2's K.separable_conv1d; tf-keras 2.x no
    longer exports it from the backend).

    Args:
        x: a 3-D tensor.
        depthwise_kernel: (width, input_channels, depth_multiplier).
        pointwise_kernel: (1, input_channels * depth_multiplier, filters).
        strides: of the depthwise step.
        padding: of the depthwise step ('valid' or 'same').
        data_format: 'channels_last' or 'channels_first'.
        dilation_rate: of the depthwise step.
    """
    data_format = config.normalize_data_format(data_format)
    x = as_input(x)
    if len(x.shape) != 3:
        raise ValueError(f"K.separable_conv1d: `x` must have rank 3; received shape "
                         f"{tuple(x.shape)}.")
    x = S.ExpandDims.apply(x, axis=2 if data_format == "channels_first" else 1)
    y = separable_conv2d(x, S.ExpandDims.apply(as_input(depthwise_kernel), axis=0),
                         S.ExpandDims.apply(as_input(pointwise_kernel), axis=0),
                         strides=(1,) + _tuple(strides, 1, "strides"), padding=padding,
                         data_format=data_format,
                         dilation_rate=(1,) + _tuple(dilation_rate, 1, "dilation_rate"))
    return S.Squeeze.apply(y, axis=2 if data_format == "channels_first" else 1)


def _local_conv(x, kernel, kernel_size, strides, output_shape, data_format, name):
    """Unshared-weight convolution: one (features, filters) matrix per output
    position, applied to the flattened window there (in the input's axis order)."""
    data_format = config.normalize_data_format(data_format)
    x, kernel = as_input(x), as_input(kernel)
    sp = len(output_shape)
    if len(x.shape) != sp + 2 or len(kernel.shape) != 3:
        raise ValueError(f"K.{name}: `inputs` must have rank {sp + 2} and `kernel` rank 3; "
                         f"received shapes {tuple(x.shape)} and {tuple(kernel.shape)}.")
    positions = list(itertools.product(*[range(int(n)) for n in output_shape]))
    if kernel.shape[0] != len(positions):
        raise ValueError(f"K.{name}: the kernel has {kernel.shape[0]} positions but the "
                         f"output shape {tuple(output_shape)} has {len(positions)}.")
    spatial_in = x.shape[2:] if data_format == "channels_first" else x.shape[1:-1]
    for n, out, s, k in zip(spatial_in, output_shape, strides, kernel_size):
        if n is not None and (int(out) - 1) * s + k > n:
            raise ValueError(f"K.{name}: {int(out)} windows of size {k} with stride {s} do not "
                             f"fit in the {n} input positions (input shape {tuple(x.shape)}).")
    features, filters = kernel.shape[1], kernel.shape[2]
    windows = []
    for pos in positions:
        key = [slice(None)] + [slice(p * s, p * s + k)
                               for p, s, k in zip(pos, strides, kernel_size)]
        key = key[:1] + [slice(None)] + key[1:] if data_format == "channels_first" \
            else key + [slice(None)]
        windows.append(S.Reshape.apply(S.GetItem.apply(x, key=tuple(key)),
                                       shape=(1, -1, features)))
    y = L.BatchDot.apply(S.Concatenate.apply(*windows, axis=0), kernel, axes=(2, 1))
    y = S.Reshape.apply(y, shape=tuple(int(n) for n in output_shape) + (-1, filters))
    spatial = tuple(range(sp))
    axes = (sp, sp + 1) + spatial if data_format == "channels_first" else \
        (sp,) + spatial + (sp + 1,)
    return S.Transpose.apply(y, axes=axes)


def local_conv1d(inputs, kernel, kernel_size, strides, data_format=None):
    """1-D convolution with unshared weights (LocallyConnected1D).

    Args:
        inputs: (batch, steps, channels) (or channels_first).
        kernel: (output_length, kernel_size * channels, filters).
        kernel_size: a tuple of 1 int.
        strides: a tuple of 1 int.

    Returns:
        (batch, output_length, filters) (or channels_first).
    """
    kernel = as_input(kernel)
    return _local_conv(inputs, kernel, _tuple(kernel_size, 1, "kernel_size"),
                       _tuple(strides, 1, "strides"), (kernel.shape[0],), data_format,
                       "local_conv1d")


def local_conv2d(inputs, kernel, kernel_size, strides, output_shape, data_format=None):
    """2-D convolution with unshared weights (LocallyConnected2D).

    Args:
        inputs: a 4-D tensor.
        kernel: (output_rows * output_cols, rows * cols * channels, filters).
        kernel_size: a tuple of 2 ints.
        strides: a tuple of 2 ints.
        output_shape: (output_rows, output_cols).

    Returns:
        (batch, output_rows, output_cols, filters) (or channels_first).
    """
    return _local_conv(inputs, kernel, _tuple(kernel_size, 2, "kernel_size"),
                       _tuple(strides, 2, "strides"), _tuple(output_shape, 2, "output_shape"),
                       data_format, "local_conv2d")


# -- batch normalization, in_top_k -------------------------------------------------------

def batch_normalization(x, mean, var, beta, gamma, axis=-1, epsilon=1e-3):
    """(x - mean) / sqrt(var + epsilon) * gamma + beta.

    The statistics broadcast against `x`; for a 4-D `x` with `axis` 1 or -1
    (3 or -3) they may also be 1-D, per channel of that axis (tf-keras' fused
    path). `beta` and `gamma` may be None.

    Example:
        >>> K.batch_normalization(np.array([[3.]]), np.array([1.]), np.array([4.]),
        ...                       None, None, epsilon=0.)
        array([[1.]])
    """
    x = as_input(x)
    nd = len(x.shape)
    params = [None if p is None else as_input(p) for p in (mean, var, beta, gamma)]
    if nd == 4 and axis in (1, -3):
        params = [None if p is None else S.Reshape.apply(p, shape=(-1, 1, 1)) for p in params]
    mean, var, beta, gamma = params
    y = E.Div.apply(E.Sub.apply(x, mean), M.Sqrt.apply(E.Add.apply(var, float(epsilon))))
    if gamma is not None:
        y = E.Mul.apply(y, gamma)
    if beta is not None:
        y = E.Add.apply(y, beta)
    return y


def normalize_batch_in_training(x, gamma, beta, reduction_axes, epsilon=1e-3):
    """Batch-normalizes `x` with the mean and variance over `reduction_axes`.

    Args:
        x: a tensor.
        gamma: scale, one per position of the kept axes (or None).
        beta: offset, one per position of the kept axes (or None).
        reduction_axes: the axes the statistics are taken over.
        epsilon: added to the variance.

    Returns:
        `(normalized, mean, variance)`; mean and variance have the kept axes
        only. `x` is normalized with the biased variance (divided by the count
        n). The variance returned is that one too, except for a 4-D `x`
        reduced over (0, 1, 2), where tf-keras 2.21 (on the CPU) takes its
        fused kernel, which returns the unbiased n / (n - 1) estimate; ckeras
        returns what tf-keras returns.
    """
    x = as_input(x)
    nd = len(x.shape)
    axes = sorted({int(a) % nd for a in reduction_axes})
    kept = tuple(1 if ax in axes else x.shape[ax] for ax in range(nd))
    mean = KM.mean(x, axis=axes, keepdims=True)
    var = KM.var(x, axis=axes, keepdims=True)
    gamma = None if gamma is None else S.Reshape.apply(as_input(gamma), shape=kept)
    beta = None if beta is None else S.Reshape.apply(as_input(beta), shape=kept)
    normed = batch_normalization(x, mean, var, beta, gamma, epsilon=epsilon)
    if nd == 4 and axes == [0, 1, 2]:
        # n from the values, so that a symbolic batch size works too
        n = KM.sum(S.FillLike.apply(x, value=1, dtype=None), axis=axes, keepdims=True)
        var = E.Div.apply(E.Mul.apply(var, n), KM.maximum(E.Sub.apply(n, 1.0), 1.0))
    stats = tuple(n for ax, n in enumerate(x.shape) if ax not in axes)
    return normed, S.Reshape.apply(mean, shape=stats), S.Reshape.apply(var, shape=stats)


def in_top_k(predictions, targets, k):
    """Whether each target is among the `k` largest predictions of its row.

    Args:
        predictions: (batch, classes) floats.
        targets: (batch,) int class indices.
        k: int.

    Returns:
        (batch,) bool. Classes tied with the k-th largest value count as in
        the top k, as in TensorFlow.

    Example:
        >>> K.in_top_k(np.array([[.1, .5, .4]]), np.array([2]), 1)
        array([False])
    """
    predictions, targets = as_input(predictions), as_input(targets)
    if len(predictions.shape) != 2 or len(targets.shape) != 1:
        raise ValueError("K.in_top_k: `predictions` must be (batch, classes) and `targets` "
                         f"(batch,); received shapes {tuple(predictions.shape)} and "
                         f"{tuple(targets.shape)}.")
    return R.InTopK.apply(predictions, targets, k=int(k))


def rnn(step_function, inputs, initial_states, go_backwards=False, mask=None, constants=None,
        unroll=False, input_length=None, time_major=False, zero_output_for_mask=False,
        return_all_outputs=True):
    """Iterates `step_function(x_t, states + constants) -> (output_t, new_states)` over time.

    Returns (last_output, outputs, new_states); outputs is (B, T, ...) (in
    processing order when `go_backwards`). At masked steps (mask (B, T) false)
    the states are carried over and the output repeats the previous one (or
    is zero with `zero_output_for_mask`). Built from taped ops, so it is
    differentiable; the recurrent layers use their own fused kernels.
    """
    inputs = as_input(inputs)
    if time_major:
        inputs = S.Transpose.apply(inputs, axes=(1, 0) + tuple(range(2, len(inputs.shape))))
    steps = inputs.shape[1]
    if steps is None:
        raise ValueError("K.rnn: the number of timesteps of `inputs` must be known.")
    if mask is not None:
        mask = as_input(mask)
        if len(mask.shape) == 3:
            mask = S.Reshape.apply(mask, shape=tuple(mask.shape[:2]))
        if time_major:
            mask = S.Transpose.apply(mask, axes=(1, 0))
    states = list(initial_states)
    constants = list(constants or [])
    order = range(steps - 1, -1, -1) if go_backwards else range(steps)
    outputs, prev = [], None
    for t in order:
        out, new_states = step_function(S.GetItem.apply(inputs, key=(slice(None), t)),
                                        states + constants)
        new_states = list(new_states)
        if mask is not None:
            m = S.GetItem.apply(mask, key=(slice(None), t))
            if zero_output_for_mask or prev is None:
                prev = S.FillLike.apply(out, value=0, dtype=None)
            out = M.Where.apply(m, out, prev)
            new_states = [M.Where.apply(m, ns, s) for ns, s in zip(new_states, states)]
        prev = out
        outputs.append(out)
        states = new_states
    if not outputs:
        raise ValueError("K.rnn: `inputs` has no timesteps.")
    stacked = S.Stack.apply(*outputs, axis=1) if return_all_outputs else \
        S.ExpandDims.apply(outputs[-1], axis=1)
    if time_major:
        stacked = S.Transpose.apply(stacked, axes=(1, 0) + tuple(range(2, len(stacked.shape))))
    return outputs[-1], stacked, states

