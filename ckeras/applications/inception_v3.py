"""InceptionV3 (Szegedy et al., CVPR 2016), as tf.keras.applications.inception_v3.

Inputs are preprocessed with `preprocess_input` ('tf' mode: scaled to [-1, 1]).
"""
from ckeras import backend, layers
from ckeras.applications import imagenet_utils
from ckeras.models import Model

WEIGHTS_PATH = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                "inception_v3/inception_v3_weights_tf_dim_ordering_tf_kernels.h5")
WEIGHTS_PATH_NO_TOP = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                       "inception_v3/inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5")
WEIGHTS_HASHES = ("9a0d58056eeedaa3f26cb7ebd46da564", "bcbd6486424b2319ff4ef7d526e38f63")


def conv2d_bn(x, filters, num_row, num_col, padding="same", strides=(1, 1), name=None):
    """A bias-free convolution, a batch norm without scale, and a relu."""
    bn_axis = 1 if backend.image_data_format() == "channels_first" else 3
    x = layers.Conv2D(filters, (num_row, num_col), strides=strides, padding=padding,
                      use_bias=False, name=None if name is None else name + "_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis, scale=False,
                                  name=None if name is None else name + "_bn")(x)
    return layers.Activation("relu", name=name)(x)


def _avg_branch(x, filters):
    branch = layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same")(x)
    return conv2d_bn(branch, filters, 1, 1)


def _module_a(x, pool_filters, axis, name):
    b1 = conv2d_bn(x, 64, 1, 1)
    b5 = conv2d_bn(x, 48, 1, 1)
    b5 = conv2d_bn(b5, 64, 5, 5)
    b3 = conv2d_bn(x, 64, 1, 1)
    b3 = conv2d_bn(b3, 96, 3, 3)
    b3 = conv2d_bn(b3, 96, 3, 3)
    bp = _avg_branch(x, pool_filters)
    return layers.concatenate([b1, b5, b3, bp], axis=axis, name=name)


def _module_c(x, filters, axis, name):
    b1 = conv2d_bn(x, 192, 1, 1)
    b7 = conv2d_bn(x, filters, 1, 1)
    b7 = conv2d_bn(b7, filters, 1, 7)
    b7 = conv2d_bn(b7, 192, 7, 1)
    b7d = conv2d_bn(x, filters, 1, 1)
    b7d = conv2d_bn(b7d, filters, 7, 1)
    b7d = conv2d_bn(b7d, filters, 1, 7)
    b7d = conv2d_bn(b7d, filters, 7, 1)
    b7d = conv2d_bn(b7d, 192, 1, 7)
    bp = _avg_branch(x, 192)
    return layers.concatenate([b1, b7, b7d, bp], axis=axis, name=name)


def _module_e(x, axis, index):
    b1 = conv2d_bn(x, 320, 1, 1)
    b3 = conv2d_bn(x, 384, 1, 1)
    b3_1 = conv2d_bn(b3, 384, 1, 3)
    b3_2 = conv2d_bn(b3, 384, 3, 1)
    b3 = layers.concatenate([b3_1, b3_2], axis=axis, name=f"mixed9_{index}")
    b3d = conv2d_bn(x, 448, 1, 1)
    b3d = conv2d_bn(b3d, 384, 3, 3)
    b3d_1 = conv2d_bn(b3d, 384, 1, 3)
    b3d_2 = conv2d_bn(b3d, 384, 3, 1)
    b3d = layers.concatenate([b3d_1, b3d_2], axis=axis)
    bp = _avg_branch(x, 192)
    return layers.concatenate([b1, b3, b3d, bp], axis=axis, name=f"mixed{9 + index}")


def InceptionV3(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax"):
    """Instantiates the InceptionV3 architecture.

    Args:
        include_top: whether to include the classifier on top.
        weights: None, 'imagenet' (downloaded once into `~/.keras/models`) or
            the path of a weights file.
        input_tensor: optional Keras tensor to use as the image input.
        input_shape: optional shape tuple, only when `include_top` is False
            or `weights` is not 'imagenet' (else (299, 299, 3)); 3 channels,
            sides at least 75.
        pooling: with `include_top=False`: None (4D output), 'avg' or 'max'.
        classes: number of classes, only without 'imagenet' weights.
        classifier_activation: activation of the top layer (None: logits).

    Returns:
        A `Model`.

    Raises:
        ValueError: invalid `weights`, `classes`, `input_shape` or
            `classifier_activation`.

    Example:
        >>> model = InceptionV3(weights=None, input_shape=(75, 75, 3), classes=10)
        >>> model.output_shape
        (None, 10)
    """
    imagenet_utils.check_weights_args(weights, include_top, classes)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=299, min_size=75, data_format=backend.image_data_format(),
        require_flatten=include_top, weights=weights)
    img_input = imagenet_utils.image_input(input_tensor, input_shape)
    axis = 1 if backend.image_data_format() == "channels_first" else 3

    x = conv2d_bn(img_input, 32, 3, 3, strides=(2, 2), padding="valid")
    x = conv2d_bn(x, 32, 3, 3, padding="valid")
    x = conv2d_bn(x, 64, 3, 3)
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = conv2d_bn(x, 80, 1, 1, padding="valid")
    x = conv2d_bn(x, 192, 3, 3, padding="valid")
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)

    x = _module_a(x, 32, axis, "mixed0")
    x = _module_a(x, 64, axis, "mixed1")
    x = _module_a(x, 64, axis, "mixed2")

    b3 = conv2d_bn(x, 384, 3, 3, strides=(2, 2), padding="valid")
    b3d = conv2d_bn(x, 64, 1, 1)
    b3d = conv2d_bn(b3d, 96, 3, 3)
    b3d = conv2d_bn(b3d, 96, 3, 3, strides=(2, 2), padding="valid")
    bp = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = layers.concatenate([b3, b3d, bp], axis=axis, name="mixed3")

    x = _module_c(x, 128, axis, "mixed4")
    x = _module_c(x, 160, axis, "mixed5")
    x = _module_c(x, 160, axis, "mixed6")
    x = _module_c(x, 192, axis, "mixed7")

    b3 = conv2d_bn(x, 192, 1, 1)
    b3 = conv2d_bn(b3, 320, 3, 3, strides=(2, 2), padding="valid")
    b7 = conv2d_bn(x, 192, 1, 1)
    b7 = conv2d_bn(b7, 192, 1, 7)
    b7 = conv2d_bn(b7, 192, 7, 1)
    b7 = conv2d_bn(b7, 192, 3, 3, strides=(2, 2), padding="valid")
    bp = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = layers.concatenate([b3, b7, bp], axis=axis, name="mixed8")

    x = _module_e(x, axis, 0)
    x = _module_e(x, axis, 1)

    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D()(x)
    model = Model(imagenet_utils.model_inputs(input_tensor, img_input), x, name="inception_v3")
    which = 0 if include_top else 1
    origin = (WEIGHTS_PATH, WEIGHTS_PATH_NO_TOP)[which]
    return imagenet_utils.load_weights(model, weights, origin.rsplit("/", 1)[1], origin,
                                       WEIGHTS_HASHES[which])


def preprocess_input(x, data_format=None):
    """`imagenet_utils.preprocess_input` in 'tf' mode (scaled to [-1, 1])."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top=5):
    """`imagenet_utils.decode_predictions`: (class_id, name, score) tuples."""
    return imagenet_utils.decode_predictions(preds, top=top)
