"""Saved weights in an older layout, converted to the layer's current one.

The rules of Keras 2.3.1's `preprocess_weights_for_loading`, applied to
every layer as its arrays are read (`ckeras.saving.hdf5_format`):

- wrappers and nested models convert their sublayers' shares
  (Bidirectional: forward half then backward half; TimeDistributed: the
  wrapped layer; models: trainable weights of each sublayer, then the
  non-trainable ones);
- Keras 1 files (`keras_version` absent, i.e. "1"): Conv1D kernels were
  4-D, channels-first (`dim_ordering='th'`) Conv2D/Conv3D kernels were
  `(filters, channels, *kernel)`, Conv2DTranspose kernels had their last
  two axes swapped, and LSTM/GRU/ConvLSTM2D stored one kernel, recurrent
  kernel and bias per gate (12 or 9 arrays, LSTM gates in i, c, f, o order;
  channels-first ConvLSTM2D gate kernels are transposed before they are
  joined, where Keras 2.3.1 joined them first and got a wrong shape);
- files written with the Theano backend (`backend='theano'`): Theano's
  convolutions are true convolutions, so the spatial axes of the kernels of
  Conv1D/2D/3D, Conv2DTranspose and ConvLSTM2D are flipped. TensorFlow and
  CNTK compute correlations: their kernels load as they are;
- CuDNN-layout LSTM/GRU weights (see `cudnn_recurrent`).
"""
import numpy as np

from ckeras.saving.legacy.cudnn_recurrent import convert_rnn_weights

CONV_LAYERS = ("Conv1D", "Conv2D", "Conv3D", "Conv2DTranspose", "ConvLSTM2D")
RECURRENT_LAYERS = ("LSTM", "GRU")
# Backends whose convolution flips the kernel (a true convolution).
_FLIPPING_BACKENDS = ("theano",)


def convert_kernel(kernel):
    """Flips the spatial axes of a convolution kernel (all but the last two).

    Turns a Theano (convolution) kernel into a TensorFlow (correlation) one
    and back: the conversion is its own inverse.

    Args:
        kernel: a 3-D, 4-D or 5-D array `(*spatial, in, out)`.

    Returns:
        A new array.

    Raises:
        ValueError: other ranks.

    Example:
        >>> convert_kernel(np.arange(4.).reshape(4, 1, 1))[:, 0, 0]
        array([3., 2., 1., 0.])
    """
    kernel = np.asarray(kernel)
    if not 3 <= kernel.ndim <= 5:
        raise ValueError(f"convert_kernel expects a 3-D, 4-D or 5-D kernel, received shape "
                         f"{kernel.shape}.")
    spatial = (slice(None, None, -1),) * (kernel.ndim - 2)
    return np.copy(kernel[spatial + (slice(None), slice(None))])


def flips_kernels(backend):
    """True when kernels saved with `backend` must be flipped for ckeras."""
    return backend in _FLIPPING_BACKENDS


def _class(layer):
    return type(layer).__name__


def _sublayers(layer):
    """The layers whose weights `layer`'s saved weights are made of."""
    name = _class(layer)
    if name == "Bidirectional":
        return [layer.forward_layer, layer.backward_layer]
    if name == "TimeDistributed":
        return [layer.layer]
    sub = getattr(layer, "layers", None)
    if isinstance(sub, list) and getattr(layer, "_is_graph_network", False):
        return sub
    return []


def may_convert(layer, keras_version, backend):
    """Whether saved arrays for `layer` may need converting (so their exact
    shapes can only be checked after `preprocess_weights_for_loading`)."""
    if getattr(layer, "_convert_saved_weights", None) is not None:
        return True
    name = _class(layer)
    if name in RECURRENT_LAYERS:
        return True
    if name in CONV_LAYERS and (keras_version == "1" or flips_kernels(backend)):
        return True
    return any(may_convert(s, keras_version, backend) for s in _sublayers(layer))


def _layer_weights(layer):
    trainable = layer.trainable_weights
    ids = {id(w) for w in trainable}
    return list(trainable) + [w for w in layer.weights if id(w) not in ids]


def _nested_model(layer, weights, keras_version, backend):
    """Splits a nested model's list (all trainable weights, then the rest)
    per sublayer, converts each share and puts them back in that order."""
    trainable, rest = list(weights[:len(layer.trainable_weights)]), \
        list(weights[len(layer.trainable_weights):])
    new_t, new_nt = [], []
    for sub in layer.layers:
        k = len(sub.trainable_weights)
        nt = len(_layer_weights(sub)) - k
        part, trainable = trainable[:k], trainable[k:]
        extra, rest = rest[:nt], rest[nt:]
        if not part and not extra:
            continue
        conv = preprocess_weights_for_loading(sub, part + extra, keras_version, backend)
        new_t.extend(conv[:len(conv) - len(extra)])
        new_nt.extend(conv[len(conv) - len(extra):])
    if trainable or rest:  # a layout we do not understand: leave it to the checks
        return list(weights)
    return new_t + new_nt


def _keras1_gates(weights, order):
    """Keras 1's per-gate [W, U, b] triples joined along the last axis."""
    return [np.concatenate([weights[3 * g + i] for g in order], axis=-1) for i in range(3)]


def _keras1(layer, weights):
    name = _class(layer)
    if name == "Conv1D":
        kernel = weights[0]
        if kernel.ndim == 4:
            if kernel.shape[:2] != (layer.kernel_size[0], 1) or \
                    kernel.shape[3] != layer.filters:
                # Keras 1.1: (filters, input_dim, length, 1)
                kernel = np.transpose(kernel, (2, 3, 1, 0))
            weights[0] = kernel[:, 0, :, :]
    elif name in ("Conv2D", "Conv3D") and layer.data_format == "channels_first":
        spatial = tuple(range(2, weights[0].ndim))
        weights[0] = np.transpose(weights[0], spatial + (1, 0))
    elif name == "Conv2DTranspose":
        weights[0] = np.transpose(weights[0], (2, 3, 0, 1) if
                                  layer.data_format == "channels_first" else (0, 1, 3, 2))
    elif name == "GRU" and len(weights) == 9:
        weights = _keras1_gates(weights, (0, 1, 2))
    elif name in ("LSTM", "ConvLSTM2D") and len(weights) == 12:
        if name == "ConvLSTM2D" and layer.data_format == "channels_first":
            # (filters, channels, rows, cols) per gate. Keras 2.3.1 joined the
            # gates before transposing, along the column axis: a wrong kernel.
            weights = [np.transpose(w, (2, 3, 1, 0)) if w.ndim == 4 else w
                       for w in weights]
        weights = _keras1_gates(weights, (0, 2, 1, 3))  # i, c, f, o -> i, f, c, o
    return weights


def preprocess_weights_for_loading(layer, weights, keras_version=None, backend=None):
    """Converts a layer's saved arrays (file order) to its current layout.

    Args:
        layer: the layer receiving the weights.
        weights: list of NumPy arrays in file order.
        keras_version: the file's `keras_version` ("1" when absent).
        backend: the file's `backend` attribute (None when absent).

    Returns:
        A new list of arrays (count and shapes are checked by the caller).

    Raises:
        ValueError: CuDNN/GRU layouts that do not fit the layer, naming it.

    Example:
        >>> arrays = preprocess_weights_for_loading(conv, [k, b], '2.1.6', 'theano')
    """
    hook = getattr(layer, "_convert_saved_weights", None)
    if hook is not None:
        return list(hook(list(weights), keras_version, backend))
    weights = list(weights)
    name = _class(layer)
    if name == "Bidirectional":
        half = len(_layer_weights(layer.forward_layer))
        weights = (preprocess_weights_for_loading(layer.forward_layer, weights[:half],
                                                  keras_version, backend)
                   + preprocess_weights_for_loading(layer.backward_layer, weights[half:],
                                                    keras_version, backend))
    elif name == "TimeDistributed":
        weights = preprocess_weights_for_loading(layer.layer, weights, keras_version,
                                                 backend)
    elif _sublayers(layer):
        weights = _nested_model(layer, weights, keras_version, backend)
    if not weights:
        return weights
    if keras_version == "1":
        weights = _keras1(layer, weights)
    if name in CONV_LAYERS:
        if flips_kernels(backend):
            weights[0] = convert_kernel(weights[0])
            if name == "ConvLSTM2D":
                weights[1] = convert_kernel(weights[1])
    return convert_rnn_weights(layer, weights)
