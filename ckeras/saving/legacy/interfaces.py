"""Keras 1 layer configs in Keras 2 terms (the rules of Keras 2's legacy interfaces).

Keras 2 read Keras 1 files by letting every layer constructor accept the
Keras 1 argument names (`output_dim`, `init`, `border_mode`, `nb_filter`,
`dim_ordering`, `W_regularizer`, ...) and rename them. ckeras renames them
in the config instead, before the layer is built: `convert_layer_entry`
rewrites one `{'class_name', 'config'}` entry in place. A key is renamed only
when the Keras 1 name is present, so Keras 2 and Keras 3 configs pass
through unchanged.

Keras 1 serialized regularizers and constraints as `{'name': ..., <args>}`
dicts; they become Keras 2 `{'class_name', 'config'}` dicts.
"""
import warnings

# Keras 1 class names that Keras 2 kept only as aliases (or legacy layers
# that became a Keras 2 layer with an argument).
CLASS_RENAMES = {
    "Convolution1D": "Conv1D",
    "Convolution2D": "Conv2D",
    "Convolution3D": "Conv3D",
    "AtrousConvolution1D": "Conv1D",
    "AtrousConvolution2D": "Conv2D",
    "Deconvolution2D": "Conv2DTranspose",
    "SeparableConvolution2D": "SeparableConv2D",
}

_DIM_ORDERING = {"tf": "channels_last", "th": "channels_first", "default": None}
_CONSUME_LESS = {"cpu": 0, "mem": 1, "gpu": 2}

_WEIGHT_ARGS = [("init", "kernel_initializer"), ("W_regularizer", "kernel_regularizer"),
                ("b_regularizer", "bias_regularizer"), ("W_constraint", "kernel_constraint"),
                ("b_constraint", "bias_constraint"), ("bias", "use_bias")]
_CONV = [("nb_filter", "filters"), ("subsample", "strides"), ("border_mode", "padding"),
         ("dim_ordering", "data_format"), ("atrous_rate", "dilation_rate")] + _WEIGHT_ARGS
_CONV1D = [("nb_filter", "filters"), ("filter_length", "kernel_size"),
           ("subsample_length", "strides"), ("border_mode", "padding"),
           ("atrous_rate", "dilation_rate")] + _WEIGHT_ARGS
_RECURRENT = [("output_dim", "units"), ("init", "kernel_initializer"),
              ("inner_init", "recurrent_initializer"),
              ("inner_activation", "recurrent_activation"),
              ("W_regularizer", "kernel_regularizer"), ("b_regularizer", "bias_regularizer"),
              ("U_regularizer", "recurrent_regularizer"), ("dropout_W", "dropout"),
              ("dropout_U", "recurrent_dropout"), ("consume_less", "implementation")]
_POOL1D = [("pool_length", "pool_size"), ("stride", "strides"), ("border_mode", "padding")]
_POOLND = [("border_mode", "padding"), ("dim_ordering", "data_format")]
_ORDERING = [("dim_ordering", "data_format")]

# class name (Keras 2) -> [(Keras 1 key, Keras 2 key)]
RENAMES = {
    "Dense": [("output_dim", "units")] + _WEIGHT_ARGS,
    "Dropout": [("p", "rate")],
    "SpatialDropout1D": [("p", "rate")],
    "SpatialDropout2D": [("p", "rate")] + _ORDERING,
    "SpatialDropout3D": [("p", "rate")] + _ORDERING,
    "GaussianDropout": [("p", "rate")],
    "GaussianNoise": [("sigma", "stddev")],
    "Embedding": [("init", "embeddings_initializer"),
                  ("W_regularizer", "embeddings_regularizer"),
                  ("W_constraint", "embeddings_constraint")],
    "PReLU": [("init", "alpha_initializer")],
    "MaxPooling1D": _POOL1D, "AveragePooling1D": _POOL1D,
    "MaxPooling2D": _POOLND, "AveragePooling2D": _POOLND,
    "MaxPooling3D": _POOLND, "AveragePooling3D": _POOLND,
    "GlobalMaxPooling2D": _ORDERING, "GlobalAveragePooling2D": _ORDERING,
    "GlobalMaxPooling3D": _ORDERING, "GlobalAveragePooling3D": _ORDERING,
    "UpSampling1D": [("length", "size")],
    "UpSampling2D": _ORDERING, "UpSampling3D": _ORDERING,
    "ZeroPadding2D": _ORDERING, "ZeroPadding3D": _ORDERING,
    "Cropping2D": _ORDERING, "Cropping3D": _ORDERING,
    "Conv1D": _CONV1D,
    "Conv2D": _CONV, "Conv3D": _CONV, "Conv2DTranspose": _CONV,
    "SeparableConv2D": [p for p in _CONV if p[0] not in ("init", "W_regularizer",
                                                          "W_constraint")],
    "LSTM": _RECURRENT, "GRU": _RECURRENT, "SimpleRNN": _RECURRENT,
    "ConvLSTM2D": _CONV + [("inner_init", "recurrent_initializer"),
                           ("U_regularizer", "recurrent_regularizer"),
                           ("inner_activation", "recurrent_activation"),
                           ("dropout_W", "dropout"), ("dropout_U", "recurrent_dropout")],
    "BatchNormalization": [("beta_init", "beta_initializer"),
                           ("gamma_init", "gamma_initializer")],
    "InputLayer": [("input_dtype", "dtype")],
}

# Keras 1 `Merge` modes and the Keras 2 merge layer computing the same.
MERGE_MODES = {"sum": "Add", "mul": "Multiply", "ave": "Average", "max": "Maximum",
               "concat": "Concatenate", "dot": "Dot"}
_MERGE_KEYS = ("mode", "concat_axis", "dot_axes", "output_shape", "output_shape_type",
               "output_mask", "output_mask_type", "arguments", "mode_type", "node_indices",
               "tensor_indices")

# Keras 1 regularizer/constraint class names -> Keras 2 class, argument renames.
_KERAS1_OBJECTS = {
    "WeightRegularizer": ("L1L2", {}),
    "L1L2Regularizer": ("L1L2", {}),
    "ActivityRegularizer": ("L1L2", {}),
    "MaxNorm": ("MaxNorm", {"m": "max_value"}),
    "NonNeg": ("NonNeg", {}),
    "UnitNorm": ("UnitNorm", {}),
}


def is_keras1_object(value):
    """A Keras 1 regularizer/constraint dict: `{'name': ..., <args>}`."""
    return isinstance(value, dict) and "class_name" not in value and \
        isinstance(value.get("name"), str)


def _keras1_object(value, layer, key):
    cls, renames = _KERAS1_OBJECTS.get(value["name"], (None, None))
    if cls is None:
        raise ValueError(
            f"Layer '{layer}': the Keras 1 {key} {value['name']!r} has no Keras 2 "
            f"equivalent (known: {sorted(_KERAS1_OBJECTS)}).")
    config = {renames.get(k, k): v for k, v in value.items() if k != "name"}
    return {"class_name": cls, "config": config}


def _layer_name(config):
    return config.get("name", "?") if isinstance(config, dict) else "?"


def _kernel_size(config):
    """Keras 1 `nb_row`/`nb_col` and `kernel_dim1..3` as `kernel_size`."""
    for keys in (("nb_row", "nb_col"), ("kernel_dim1", "kernel_dim2", "kernel_dim3")):
        if all(k in config for k in keys):
            config["kernel_size"] = [config.pop(k) for k in keys]


def _zero_padding(config):
    pad = config.get("padding")
    if isinstance(pad, dict) and set(pad) <= {"top_pad", "bottom_pad", "left_pad",
                                              "right_pad"}:
        config["padding"] = [[pad.get("top_pad", 0), pad.get("bottom_pad", 0)],
                             [pad.get("left_pad", 0), pad.get("right_pad", 0)]]


def _recurrent(config):
    if "forget_bias_init" in config:
        if config.pop("forget_bias_init") in ("one", "ones"):
            config["unit_forget_bias"] = True


def _merge(config):
    """A Keras 1 `Merge` layer's config as the Keras 2 merge layer's."""
    name = _layer_name(config)
    if config.get("layers"):
        raise ValueError(
            f"Layer '{name}': a Keras 1 `Merge` of branch models is rebuilt only as the "
            "first layer of a Sequential model (as Keras 1 wrote it).")
    mode = config.get("mode")
    if not isinstance(mode, str) or mode not in MERGE_MODES:
        raise ValueError(
            f"Layer '{name}': the Keras 1 `Merge` mode {mode!r} has no Keras 2 merge layer "
            f"(expressible modes: {sorted(MERGE_MODES)}; 'cos' and function modes are "
            "not).")
    new = {k: v for k, v in config.items() if k not in _MERGE_KEYS}
    if mode == "concat":
        new["axis"] = config.get("concat_axis", -1)
    elif mode == "dot":
        axes = config.get("dot_axes", -1)
        new["axes"] = axes
    return MERGE_MODES[mode], new


def convert_layer_config(class_name, config):
    """The Keras 2 class name and config of a (possibly) Keras 1 layer config.

    Args:
        class_name: the saved class name (`'Convolution2D'`, `'Dense'`, ...).
        config: the saved config dict (modified in place).

    Returns:
        `(class_name, config)`; unchanged for Keras 2 and 3 configs.

    Raises:
        ValueError: Keras 1 values without a Keras 2 equivalent (Merge modes
            'cos' and functions, BatchNormalization modes 1 and 2, unknown
            regularizer classes), naming the layer.

    Example:
        >>> convert_layer_config('Convolution2D', {'nb_filter': 8, 'nb_row': 3,
        ...                      'nb_col': 3, 'dim_ordering': 'th'})
        ('Conv2D', {'filters': 8, 'kernel_size': [3, 3], 'data_format': 'channels_first'})
    """
    if not isinstance(config, dict):
        return class_name, config
    if class_name == "Merge":
        return _merge(config)
    class_name = CLASS_RENAMES.get(class_name, class_name)
    name = _layer_name(config)
    if class_name == "BatchNormalization" and "mode" in config:
        if config.pop("mode") != 0:
            raise ValueError(f"Layer '{name}': Keras 1 BatchNormalization modes 1 and 2 "
                             "have no Keras 2 equivalent (only mode 0).")
    if class_name == "Embedding" and "dropout" in config:
        if config.pop("dropout"):
            warnings.warn(f"Layer '{name}': the Keras 1 Embedding `dropout` is dropped "
                          "(Keras 2 has no such argument; it only acted in training).",
                          stacklevel=5)
    if class_name in ("Conv2DTranspose", "Conv2D", "Conv3D", "SeparableConv2D",
                      "ConvLSTM2D"):
        _kernel_size(config)
    if class_name == "Conv2DTranspose":
        config.pop("output_shape", None)
    if class_name == "SeparableConv2D" and "init" in config:
        init = config.pop("init")
        config.setdefault("depthwise_initializer", init)
        config.setdefault("pointwise_initializer", init)
    if class_name in ("LSTM", "GRU", "SimpleRNN", "ConvLSTM2D"):
        _recurrent(config)
    if class_name == "ZeroPadding2D":
        _zero_padding(config)
    for old, new in RENAMES.get(class_name, ()):
        if old not in config:
            continue
        if new in config:
            raise ValueError(f"Layer '{name}': the config holds both the Keras 1 key "
                             f"{old!r} and the Keras 2 key {new!r}.")
        value = config.pop(old)
        if old == "dim_ordering":
            value = _DIM_ORDERING.get(value, value)
        elif old == "consume_less":
            value = _CONSUME_LESS.get(value, value)
        config[new] = value
    # Keras 1's `input_dtype` typed the input placeholder, not the weights:
    # only an InputLayer keeps it (renamed `dtype` above).
    config.pop("input_dtype", None)
    if class_name not in ("Embedding", "InputLayer"):
        # Keras 1 layers record the input size they were built with; the
        # first layer also has `batch_input_shape`, which is what Keras 2 reads.
        config.pop("input_dim", None)
        config.pop("input_length", None)
    for key, value in list(config.items()):
        if is_keras1_object(value) and (key.endswith("_regularizer")
                                        or key.endswith("_constraint")):
            config[key] = _keras1_object(value, name, key)
    return class_name, config
