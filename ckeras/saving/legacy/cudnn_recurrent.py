"""`CuDNNLSTM` / `CuDNNGRU` files: the configs as LSTM / GRU, the weights converted.

Keras 2's CuDNN layers computed what `LSTM(activation='tanh',
recurrent_activation='sigmoid', use_bias=True)` and
`GRU(..., reset_after=True)` compute, with their weights in cuDNN's layout:

- the input kernel of each gate (`(input_dim, units)` slices of
  `(input_dim, n*units)`) holds the transposed gate matrix in column-major
  order: `cudnn = keras.T.reshape(keras.shape, order='F')`;
- the recurrent kernel of each gate is transposed;
- the bias is `(2*n*units,)`: input and recurrent biases one after the other.
  An LSTM adds the two (the native LSTM has one bias); a GRU keeps both,
  which is the `(2, 3*units)` bias of `GRU(reset_after=True)`.

The same layout is recognised from the bias shape when CuDNN weights are
loaded into a plain LSTM/GRU (also by name), as Keras 2.3.1 did.
"""
import numpy as np

CUDNN_CLASSES = ("CuDNNLSTM", "CuDNNGRU")

# The arguments of the CuDNN layers' configs that LSTM/GRU take as they are.
_KEPT = ("name", "trainable", "dtype", "batch_input_shape", "batch_size", "units",
         "kernel_initializer", "recurrent_initializer", "bias_initializer",
         "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
         "activity_regularizer", "kernel_constraint", "recurrent_constraint",
         "bias_constraint", "return_sequences", "return_state", "go_backwards", "stateful",
         "time_major")


def convert_cudnn_config(class_name, config):
    """`CuDNNLSTM`/`CuDNNGRU` configs as the `LSTM`/`GRU` configs computing the same.

    Args:
        class_name: the saved class name.
        config: the saved config dict.

    Returns:
        `(class_name, config)`, unchanged for other classes.
    """
    if class_name not in CUDNN_CLASSES or not isinstance(config, dict):
        return class_name, config
    new = {k: v for k, v in config.items() if k in _KEPT}
    new.update(activation="tanh", recurrent_activation="sigmoid", use_bias=True)
    if class_name == "CuDNNLSTM":
        new["unit_forget_bias"] = config.get("unit_forget_bias", True)
        return "LSTM", new
    new["reset_after"] = True
    return "GRU", new


def _per_gate(kernel, fn, n_gates):
    return np.hstack([fn(k) for k in np.hsplit(kernel, n_gates)])


def _from_cudnn_input(kernel):
    return kernel.T.reshape(kernel.shape, order="F")


def _kernels_from_cudnn(weights, n_gates):
    return (_per_gate(weights[0], _from_cudnn_input, n_gates),
            _per_gate(weights[1], np.transpose, n_gates))


def _describe(layer):
    return f"layer {layer.name!r} ({type(layer).__name__})"


def convert_rnn_weights(layer, weights):
    """CuDNN-layout weights of an LSTM/GRU in the layer's native layout.

    The source is recognised from the bias shape: `(8u,)` is a CuDNNLSTM,
    `(6u,)` a CuDNNGRU; native shapes pass through.

    Args:
        layer: the target layer (converted only for `LSTM` and `GRU`).
        weights: `[kernel, recurrent_kernel, bias]` arrays (other lists are
            returned as they are).

    Returns:
        The converted list.

    Raises:
        ValueError: a bias shape no LSTM/GRU has, or GRU weights whose
            `reset_after` does not match the layer's (the equations differ).
    """
    target = type(layer).__name__
    if target not in ("LSTM", "GRU") or len(weights) != 3:
        return weights
    units = weights[1].shape[0]
    bias = weights[2].shape
    if target == "LSTM":
        if bias == (8 * units,):
            kernel, recurrent = _kernels_from_cudnn(weights, 4)
            return [kernel, recurrent, weights[2][:4 * units] + weights[2][4 * units:]]
        if bias != (4 * units,):
            raise ValueError(f"Invalid bias shape {bias} for {_describe(layer)}: an LSTM "
                             f"of {units} units has a ({4 * units},) bias, a CuDNNLSTM "
                             f"({8 * units},).")
        return weights
    sources = {(6 * units,): "CuDNNGRU", (2, 3 * units): "GRU(reset_after=True)",
               (3 * units,): "GRU(reset_after=False)"}
    source = sources.get(bias)
    if source is None:
        raise ValueError(f"Invalid bias shape {bias} for {_describe(layer)} of {units} "
                         f"units: expected one of {sorted(sources, key=len)} "
                         f"({', '.join(sources.values())}).")
    wanted = "GRU(reset_after=True)" if layer.reset_after else "GRU(reset_after=False)"
    if source == wanted:
        return weights
    if wanted == "GRU(reset_after=False)" or source == "GRU(reset_after=False)":
        raise ValueError(f"{source} weights are not compatible with {wanted} "
                         f"({_describe(layer)}): the two compute different equations.")
    kernel, recurrent = _kernels_from_cudnn(weights, 3)
    return [kernel, recurrent, np.asarray(weights[2]).reshape(2, -1)]
