"""Argument and shape helpers shared by the convolution and pooling layers
(Keras 2's `keras.utils.conv_utils`)."""
import numpy as np

from ckeras.autograd.functions import shape as S


def normalize_tuple(value, n, name, layer=None, allow_zero=False):
    """`value` (an int or an iterable of n ints) as a tuple of n ints."""
    where = f' of layer "{layer}"' if layer else ""
    if isinstance(value, (int, np.integer)):
        out = (int(value),) * n
    else:
        try:
            out = tuple(int(v) for v in value)
        except (TypeError, ValueError):
            raise ValueError(f"The `{name}` argument{where} must be a tuple of {n} integers. "
                             f"Received: {value!r}") from None
        if len(out) != n:
            raise ValueError(f"The `{name}` argument{where} must be a tuple of {n} integers. "
                             f"Received: {value!r}")
    low = 0 if allow_zero else 1
    if any(v < low for v in out):
        raise ValueError(f"The `{name}` argument{where} must be a tuple of {n} integers "
                         f">= {low}. Received: {value!r}")
    return out


def normalize_padding(value, allowed=("valid", "same")):
    padding = str(value).lower() if isinstance(value, str) else value
    if padding not in allowed:
        raise ValueError(
            "The `padding` argument must be one of " + ", ".join(f'"{a}"' for a in allowed)
            + f". Received: {value!r}")
    return padding


def conv_output_length(length, k, padding, stride, dilation=1):
    """Keras' conv_output_length: None stays None."""
    if length is None:
        return None
    ek = (k - 1) * dilation + 1
    if padding in ("same", "causal"):
        out = length
    elif padding == "valid":
        out = length - ek + 1
    else:  # full
        out = length + ek - 1
    return (out + stride - 1) // stride


def deconv_output_length(length, k, padding, output_padding, stride, dilation=1):
    """Keras' deconv_output_length (transposed convolution)."""
    if length is None:
        return None
    k = k + (k - 1) * (dilation - 1)
    if output_padding is None:
        if padding == "valid":
            return length * stride + max(k - stride, 0)
        if padding == "full":
            return length * stride - (stride + k - 2)
        return length * stride
    pad = {"same": k // 2, "valid": 0, "full": k - 1}[padding]
    return (length - 1) * stride + k - 2 * pad + output_padding


def channels_to_last(x, rank):
    return S.Transpose.apply(x, axes=(0,) + tuple(range(2, rank + 2)) + (1,))


def channels_to_first(x, rank):
    return S.Transpose.apply(x, axes=(0, rank + 1) + tuple(range(1, rank + 1)))


def convert_kernel(kernel):
    """A convolution kernel with its spatial axes reversed (Keras 2's
    `conv_utils.convert_kernel`): turns Theano-style (true convolution)
    weights into the cross-correlation weights ckeras uses, and back.

    Args:
        kernel: (*spatial, in_channels, out_channels) array, 1 to 3 spatial axes.

    Returns:
        A new array of the same shape.

    Example:
        >>> convert_kernel(np.arange(3.).reshape(3, 1, 1))[:, 0, 0]
        array([2., 1., 0.])
    """
    kernel = np.asarray(kernel)
    if not 3 <= kernel.ndim <= 5:
        raise ValueError("convert_kernel: `kernel` must have 3 to 5 axes (spatial axes, then "
                         f"input and output channels); received shape {kernel.shape}.")
    return kernel[(slice(None, None, -1),) * (kernel.ndim - 2)].copy()
