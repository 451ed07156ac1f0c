"""MobileNetV2 (Sandler et al., CVPR 2018), as tf.keras.applications.mobilenet_v2.

Inputs are preprocessed with `preprocess_input` ('tf' mode: scaled to [-1, 1]).
"""
import warnings

from ckeras import backend, layers
from ckeras.applications import imagenet_utils
from ckeras.models import Model

BASE_WEIGHT_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v2/"
ALPHAS = (0.35, 0.5, 0.75, 1.0, 1.3, 1.4)
SIZES = (96, 128, 160, 192, 224)
# (filters, stride, expansion) of the 17 inverted residual blocks
BLOCKS = ((16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6), (32, 1, 6), (64, 2, 6),
          (64, 1, 6), (64, 1, 6), (64, 1, 6), (96, 1, 6), (96, 1, 6), (96, 1, 6), (160, 2, 6),
          (160, 1, 6), (160, 1, 6), (320, 1, 6))


def make_divisible(v, divisor, min_value=None):
    """`v` rounded to a multiple of `divisor` (at least `min_value`), never
    more than 10% below `v`."""
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def _rows_cols(shape, channels_first):
    return (shape[1], shape[2]) if channels_first else (shape[0], shape[1])


def MobileNetV2(input_shape=None, alpha=1.0, include_top=True, weights="imagenet",
                input_tensor=None, pooling=None, classes=1000,
                classifier_activation="softmax", **kwargs):
    """Instantiates the MobileNetV2 architecture.

    Args:
        input_shape: optional shape tuple (3 channels, sides at least 32).
        alpha: the width multiplier (ImageNet weights exist for 0.35, 0.5,
            0.75, 1.0, 1.3 and 1.4).
        include_top: whether to include the classifier on top.
        weights: None, 'imagenet' (downloaded once into `~/.keras/models`) or
            the path of a weights file.
        input_tensor: optional Keras tensor to use as the image input.
        pooling: with `include_top=False`: None (4D output), 'avg' or 'max'.
        classes: number of classes, only without 'imagenet' weights.
        classifier_activation: activation of the top layer (None: logits).

    Returns:
        A `Model`.

    Raises:
        ValueError: invalid `weights`, `classes`, `alpha`, `input_shape`,
            `input_tensor`, `classifier_activation` or an unknown keyword.

    Example:
        >>> model = MobileNetV2(alpha=0.35, weights=None, input_shape=(32, 32, 3))
        >>> model.output_shape
        (None, 1000)
    """
    if kwargs:
        raise ValueError(f"MobileNetV2: unknown argument(s): {sorted(kwargs)}")
    imagenet_utils.check_weights_args(weights, include_top, classes)
    channels_first = backend.image_data_format() == "channels_first"
    if input_tensor is not None and not backend.is_keras_tensor(input_tensor):
        raise ValueError("MobileNetV2: `input_tensor` must be a Keras tensor. "
                         f"Received: input_tensor={input_tensor!r}")
    if input_shape is not None and input_tensor is not None:
        side = backend.int_shape(input_tensor)[1 if channels_first else 2]
        if side != input_shape[1]:
            raise ValueError("MobileNetV2: `input_shape` and the shape of `input_tensor` "
                             f"differ. Received: input_shape={input_shape}, "
                             f"input_tensor.shape={backend.int_shape(input_tensor)}")
    default_size = 224
    if input_shape is not None:
        rows, cols = _rows_cols(input_shape, channels_first)
    elif input_tensor is not None:
        rows, cols = _rows_cols(backend.int_shape(input_tensor)[1:], channels_first)
    else:
        rows = cols = None
    if rows is not None and rows == cols and rows in SIZES:
        default_size = rows
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=default_size, min_size=32,
        data_format=backend.image_data_format(), require_flatten=include_top, weights=weights)
    rows, cols = _rows_cols(input_shape, channels_first)
    if weights == "imagenet":
        if alpha not in ALPHAS:
            raise ValueError("With weights='imagenet', `alpha` must be one of 0.35, 0.50, "
                             f"0.75, 1.0, 1.3 or 1.4. Received: alpha={alpha}")
        if rows != cols or rows not in SIZES:
            rows = 224
            warnings.warn("MobileNetV2: `input_shape` is undefined, not square or not one of "
                          "96, 128, 160, 192, 224; the weights for 224x224 are loaded.",
                          stacklevel=2)
    img_input = imagenet_utils.image_input(input_tensor, input_shape)
    channel_axis = 1 if channels_first else -1

    x = layers.Conv2D(make_divisible(32 * alpha, 8), kernel_size=3, strides=(2, 2),
                      padding="same", use_bias=False, name="Conv1")(img_input)
    x = layers.BatchNormalization(axis=channel_axis, epsilon=1e-3, momentum=0.999,
                                  name="bn_Conv1")(x)
    x = layers.ReLU(6.0, name="Conv1_relu")(x)
    for block_id, (filters, stride, expansion) in enumerate(BLOCKS):
        x = _inverted_res_block(x, expansion, stride, alpha, filters, block_id)
    last = make_divisible(1280 * alpha, 8) if alpha > 1.0 else 1280
    x = layers.Conv2D(last, kernel_size=1, use_bias=False, name="Conv_1")(x)
    x = layers.BatchNormalization(axis=channel_axis, epsilon=1e-3, momentum=0.999,
                                  name="Conv_1_bn")(x)
    x = layers.ReLU(6.0, name="out_relu")(x)

    if include_top:
        x = layers.GlobalAveragePooling2D()(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D()(x)
    model = Model(imagenet_utils.model_inputs(input_tensor, img_input), x,
                  name=f"mobilenetv2_{alpha:0.2f}_{rows}")
    if weights == "imagenet":
        top = "" if include_top else "_no_top"
        file_name = (f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{float(alpha)}_{rows}"
                     f"{top}.h5")
        return imagenet_utils.load_weights(model, weights, file_name,
                                           BASE_WEIGHT_PATH + file_name)
    return imagenet_utils.load_weights(model, weights)


def _inverted_res_block(inputs, expansion, stride, alpha, filters, block_id):
    """1x1 expansion (not in block 0), 3x3 depthwise, linear 1x1 projection,
    and a residual add when the shape is kept."""
    channel_axis = 1 if backend.image_data_format() == "channels_first" else -1
    in_channels = backend.int_shape(inputs)[channel_axis]
    pointwise_filters = make_divisible(int(filters * alpha), 8)
    x = inputs
    if block_id:
        prefix = f"block_{block_id}_"
        x = layers.Conv2D(expansion * in_channels, kernel_size=1, padding="same",
                          use_bias=False, activation=None, name=prefix + "expand")(x)
        x = layers.BatchNormalization(axis=channel_axis, epsilon=1e-3, momentum=0.999,
                                      name=prefix + "expand_BN")(x)
        x = layers.ReLU(6.0, name=prefix + "expand_relu")(x)
    else:
        prefix = "expanded_conv_"
    if stride == 2:
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, 3),
                                 name=prefix + "pad")(x)
    x = layers.DepthwiseConv2D(kernel_size=3, strides=stride, activation=None, use_bias=False,
                               padding="same" if stride == 1 else "valid",
                               name=prefix + "depthwise")(x)
    x = layers.BatchNormalization(axis=channel_axis, epsilon=1e-3, momentum=0.999,
                                  name=prefix + "depthwise_BN")(x)
    x = layers.ReLU(6.0, name=prefix + "depthwise_relu")(x)
    x = layers.Conv2D(pointwise_filters, kernel_size=1, padding="same", use_bias=False,
                      activation=None, name=prefix + "project")(x)
    x = layers.BatchNormalization(axis=channel_axis, epsilon=1e-3, momentum=0.999,
                                  name=prefix + "project_BN")(x)
    if in_channels == pointwise_filters and stride == 1:
        return layers.Add(name=prefix + "add")([inputs, x])
    return x


def preprocess_input(x, data_format=None):
    """`imagenet_utils.preprocess_input` in 'tf' mode (scaled to [-1, 1])."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top=5):
    """`imagenet_utils.decode_predictions`: (class_id, name, score) tuples."""
    return imagenet_utils.decode_predictions(preds, top=top)
