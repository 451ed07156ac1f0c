"""MobileNet (Howard et al., 2017), as tf.keras.applications.mobilenet.

Inputs are preprocessed with `preprocess_input` ('tf' mode: scaled to [-1, 1]).
"""
import warnings

from ckeras import backend, layers
from ckeras.applications import imagenet_utils
from ckeras.models import Model

BASE_WEIGHT_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet/"
ALPHA_TEXT = {1.0: "1_0", 0.75: "7_5", 0.5: "5_0", 0.25: "2_5"}
SIZES = (128, 160, 192, 224)
# (pointwise filters, strides) of the 13 depthwise-separable blocks
BLOCKS = ((64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1),
          (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1))


def _rows_cols(input_shape):
    if backend.image_data_format() == "channels_first":
        return input_shape[1], input_shape[2]
    return input_shape[0], input_shape[1]


def MobileNet(input_shape=None, alpha=1.0, depth_multiplier=1, dropout=1e-3, include_top=True,
              weights="imagenet", input_tensor=None, pooling=None, classes=1000,
              classifier_activation="softmax", **kwargs):
    """Instantiates the MobileNet architecture.

    Args:
        input_shape: optional shape tuple (3 channels, sides at least 32);
            with 'imagenet' weights and a top, one of the square sizes 128,
            160, 192 or 224.
        alpha: the width multiplier: every layer's filters are scaled by it
            (ImageNet weights exist for 0.25, 0.5, 0.75 and 1.0).
        depth_multiplier: the depth multiplier of the depthwise convolutions
            (1 with ImageNet weights).
        dropout: dropout rate before the classifier.
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
        ValueError: invalid `weights`, `classes`, `alpha`, `depth_multiplier`,
            `input_shape`, `classifier_activation` or an unknown keyword.

    Example:
        >>> model = MobileNet(alpha=0.25, weights=None, input_shape=(32, 32, 3), classes=10)
        >>> model.output_shape
        (None, 10)
    """
    if kwargs:
        raise ValueError(f"MobileNet: unknown argument(s): {sorted(kwargs)}")
    imagenet_utils.check_weights_args(weights, include_top, classes)
    default_size = 224
    if input_shape is not None:
        rows, cols = _rows_cols(input_shape)
        if rows == cols and rows in SIZES:
            default_size = rows
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=default_size, min_size=32,
        data_format=backend.image_data_format(), require_flatten=include_top, weights=weights)
    rows, cols = _rows_cols(input_shape)
    if weights == "imagenet":
        if depth_multiplier != 1:
            raise ValueError("With weights='imagenet', `depth_multiplier` must be 1. "
                             f"Received: depth_multiplier={depth_multiplier}")
        if alpha not in ALPHA_TEXT:
            raise ValueError("With weights='imagenet', `alpha` must be one of 0.25, 0.50, "
                             f"0.75 or 1.0. Received: alpha={alpha}")
        if rows != cols or rows not in SIZES:
            rows = 224
            warnings.warn("MobileNet: `input_shape` is undefined, not square or not one of "
                          "128, 160, 192, 224; the weights for 224x224 are loaded.",
                          stacklevel=2)
    img_input = imagenet_utils.image_input(input_tensor, input_shape)
    channel_axis = 1 if backend.image_data_format() == "channels_first" else -1

    x = layers.Conv2D(int(32 * alpha), (3, 3), padding="same", use_bias=False, strides=(2, 2),
                      name="conv1")(img_input)
    x = layers.BatchNormalization(axis=channel_axis, name="conv1_bn")(x)
    x = layers.ReLU(6.0, name="conv1_relu")(x)
    for block_id, (filters, stride) in enumerate(BLOCKS, start=1):
        x = _depthwise_conv_block(x, filters, alpha, depth_multiplier, stride, block_id)

    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Dropout(dropout, name="dropout")(x)
        x = layers.Conv2D(classes, (1, 1), padding="same", name="conv_preds")(x)
        x = layers.Reshape((classes,), name="reshape_2")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Activation(activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D()(x)
    model = Model(imagenet_utils.model_inputs(input_tensor, img_input), x,
                  name=f"mobilenet_{alpha:0.2f}_{rows}")
    if weights == "imagenet":
        top = "" if include_top else "_no_top"
        file_name = f"mobilenet_{ALPHA_TEXT[alpha]}_{rows}_tf{top}.h5"
        return imagenet_utils.load_weights(model, weights, file_name,
                                           BASE_WEIGHT_PATH + file_name)
    return imagenet_utils.load_weights(model, weights)


def _depthwise_conv_block(inputs, filters, alpha, depth_multiplier, stride, block_id):
    """A 3x3 depthwise convolution and a 1x1 pointwise one, each with batch
    norm and ReLU6; a strided block pads bottom/right as TensorFlow does."""
    channel_axis = 1 if backend.image_data_format() == "channels_first" else -1
    x = inputs
    if stride != 1:
        x = layers.ZeroPadding2D(((0, 1), (0, 1)), name=f"conv_pad_{block_id}")(x)
    x = layers.DepthwiseConv2D((3, 3), padding="same" if stride == 1 else "valid",
                               depth_multiplier=depth_multiplier, strides=(stride, stride),
                               use_bias=False, name=f"conv_dw_{block_id}")(x)
    x = layers.BatchNormalization(axis=channel_axis, name=f"conv_dw_{block_id}_bn")(x)
    x = layers.ReLU(6.0, name=f"conv_dw_{block_id}_relu")(x)
    x = layers.Conv2D(int(filters * alpha), (1, 1), padding="same", use_bias=False,
                      strides=(1, 1), name=f"conv_pw_{block_id}")(x)
    x = layers.BatchNormalization(axis=channel_axis, name=f"conv_pw_{block_id}_bn")(x)
    return layers.ReLU(6.0, name=f"conv_pw_{block_id}_relu")(x)


def preprocess_input(x, data_format=None):
    """`imagenet_utils.preprocess_input` in 'tf' mode (scaled to [-1, 1])."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top=5):
    """`imagenet_utils.decode_predictions`: (class_id, name, score) tuples."""
    return imagenet_utils.decode_predictions(preds, top=top)
