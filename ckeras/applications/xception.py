"""Xception (Chollet, CVPR 2017), as tf.keras.applications.xception.

Inputs are preprocessed with `preprocess_input` ('tf' mode: scaled to [-1, 1]).
"""
from ckeras import backend, layers
from ckeras.applications import imagenet_utils
from ckeras.models import Model

TF_WEIGHTS_PATH = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                   "xception/xception_weights_tf_dim_ordering_tf_kernels.h5")
TF_WEIGHTS_PATH_NO_TOP = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                          "xception/xception_weights_tf_dim_ordering_tf_kernels_notop.h5")
WEIGHTS_HASHES = ("0a58e3b7378bc2990ea3b43d5981f1f6", "b0042744bf5b25fce3cb969f33bebb97")


def _sepconv_bn(x, filters, name, axis):
    x = layers.SeparableConv2D(filters, (3, 3), padding="same", use_bias=False, name=name)(x)
    return layers.BatchNormalization(axis=axis, name=name + "_bn")(x)


def _entry_block(x, filters, block, axis, first_relu=True):
    """Two separable convolutions and a strided max pooling, added to a
    strided 1x1 projection of the input."""
    residual = layers.Conv2D(filters[1], (1, 1), strides=(2, 2), padding="same",
                             use_bias=False)(x)
    residual = layers.BatchNormalization(axis=axis)(residual)
    if first_relu:
        x = layers.Activation("relu", name=f"block{block}_sepconv1_act")(x)
    x = _sepconv_bn(x, filters[0], f"block{block}_sepconv1", axis)
    x = layers.Activation("relu", name=f"block{block}_sepconv2_act")(x)
    x = _sepconv_bn(x, filters[1], f"block{block}_sepconv2", axis)
    x = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same", name=f"block{block}_pool")(x)
    return layers.add([x, residual])


def Xception(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
             pooling=None, classes=1000, classifier_activation="softmax"):
    """Instantiates the Xception architecture.

    Args:
        include_top: whether to include the classifier on top.
        weights: None, 'imagenet' (downloaded once into `~/.keras/models`) or
            the path of a weights file.
        input_tensor: optional Keras tensor to use as the image input.
        input_shape: optional shape tuple, only when `include_top` is False
            or `weights` is not 'imagenet' (else (299, 299, 3)); 3 channels,
            sides at least 71.
        pooling: with `include_top=False`: None (4D output), 'avg' or 'max'.
        classes: number of classes, only without 'imagenet' weights.
        classifier_activation: activation of the top layer (None: logits).

    Returns:
        A `Model`.

    Raises:
        ValueError: invalid `weights`, `classes`, `input_shape` or
            `classifier_activation`.

    Example:
        >>> model = Xception(weights=None, input_shape=(71, 71, 3), classes=10)
        >>> model.output_shape
        (None, 10)
    """
    imagenet_utils.check_weights_args(weights, include_top, classes)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=299, min_size=71, data_format=backend.image_data_format(),
        require_flatten=include_top, weights=weights)
    img_input = imagenet_utils.image_input(input_tensor, input_shape)
    axis = 1 if backend.image_data_format() == "channels_first" else -1

    x = layers.Conv2D(32, (3, 3), strides=(2, 2), use_bias=False, name="block1_conv1")(img_input)
    x = layers.BatchNormalization(axis=axis, name="block1_conv1_bn")(x)
    x = layers.Activation("relu", name="block1_conv1_act")(x)
    x = layers.Conv2D(64, (3, 3), use_bias=False, name="block1_conv2")(x)
    x = layers.BatchNormalization(axis=axis, name="block1_conv2_bn")(x)
    x = layers.Activation("relu", name="block1_conv2_act")(x)

    x = _entry_block(x, (128, 128), 2, axis, first_relu=False)
    x = _entry_block(x, (256, 256), 3, axis)
    x = _entry_block(x, (728, 728), 4, axis)
    for i in range(8):
        residual = x
        prefix = f"block{i + 5}"
        for j in (1, 2, 3):
            x = layers.Activation("relu", name=f"{prefix}_sepconv{j}_act")(x)
            x = _sepconv_bn(x, 728, f"{prefix}_sepconv{j}", axis)
        x = layers.add([x, residual])
    x = _entry_block(x, (728, 1024), 13, axis)

    x = _sepconv_bn(x, 1536, "block14_sepconv1", axis)
    x = layers.Activation("relu", name="block14_sepconv1_act")(x)
    x = _sepconv_bn(x, 2048, "block14_sepconv2", axis)
    x = layers.Activation("relu", name="block14_sepconv2_act")(x)

    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D()(x)
    model = Model(imagenet_utils.model_inputs(input_tensor, img_input), x, name="xception")
    which = 0 if include_top else 1
    origin = (TF_WEIGHTS_PATH, TF_WEIGHTS_PATH_NO_TOP)[which]
    return imagenet_utils.load_weights(model, weights, origin.rsplit("/", 1)[1], origin,
                                       WEIGHTS_HASHES[which])


def preprocess_input(x, data_format=None):
    """`imagenet_utils.preprocess_input` in 'tf' mode (scaled to [-1, 1])."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top=5):
    """`imagenet_utils.decode_predictions`: (class_id, name, score) tuples."""
    return imagenet_utils.decode_predictions(preds, top=top)
