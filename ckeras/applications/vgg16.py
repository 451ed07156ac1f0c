"""VGG16 (Simonyan & Zisserman, ICLR 2015), as tf.keras.applications.vgg16.

Inputs are preprocessed with `preprocess_input` ('caffe' mode: BGR, minus the
ImageNet channel means).
"""
from ckeras import backend, layers
from ckeras.applications import imagenet_utils
from ckeras.models import Model

WEIGHTS_PATH = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                "vgg16/vgg16_weights_tf_dim_ordering_tf_kernels.h5")
WEIGHTS_PATH_NO_TOP = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                       "vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5")
WEIGHTS_HASHES = ("64373286793e3c8b2b4e3219cbf3544b", "6d6bbae143d832006294945121d1f1fc")


def VGG(convs, model_name, weights_paths, weights_hashes, include_top=True,
        weights="imagenet", input_tensor=None, input_shape=None, pooling=None, classes=1000,
        classifier_activation="softmax"):
    """The VGG family: five blocks of `convs[i]` 3x3 convolutions and a max
    pooling each, then two 4096-unit layers and the classifier.

    The arguments not listed here are those of `VGG16`.

    Args:
        convs: the number of convolutions of each of the five blocks.
        model_name: the Model's name ('vgg16', 'vgg19').
        weights_paths: the (top, no-top) URLs of the ImageNet weights.
        weights_hashes: their (top, no-top) md5 digests.

    Returns:
        A `Model`.
    """
    imagenet_utils.check_weights_args(weights, include_top, classes)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape, default_size=224, min_size=32,
        data_format=backend.image_data_format(),
        require_flatten=include_top, weights=weights)
    img_input = imagenet_utils.image_input(input_tensor, input_shape)
    x = img_input
    for block, (filters, n) in enumerate(zip((64, 128, 256, 512, 512), convs), start=1):
        for i in range(1, n + 1):
            x = layers.Conv2D(filters, (3, 3), activation="relu", padding="same",
                              name=f"block{block}_conv{i}")(x)
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{block}_pool")(x)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D()(x)
    model = Model(imagenet_utils.model_inputs(input_tensor, img_input), x, name=model_name)
    which = 0 if include_top else 1
    origin = weights_paths[which]
    return imagenet_utils.load_weights(model, weights, origin.rsplit("/", 1)[1], origin,
                                       weights_hashes[which])


def VGG16(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
          pooling=None, classes=1000, classifier_activation="softmax"):
    """Instantiates the VGG16 architecture.

    Args:
        include_top: whether to include the 3 fully-connected layers on top.
        weights: None (random initialization), 'imagenet' (Keras' ImageNet
            weights, downloaded once into `~/.keras/models`) or the path of a
            weights file.
        input_tensor: optional Keras tensor (output of `layers.Input()`) to use
            as the image input.
        input_shape: optional shape tuple, only when `include_top` is False
            or `weights` is not 'imagenet' (else it must be (224, 224, 3));
            3 channels, sides at least 32.
        pooling: with `include_top=False`: None (the 4D output of the last
            block), 'avg' or 'max' (global pooling to a 2D output).
        classes: number of classes, only without 'imagenet' weights.
        classifier_activation: activation of the top layer (None returns
            logits); pretrained weights take only None or 'softmax'.

    Returns:
        A `Model`.

    Raises:
        ValueError: invalid `weights`, `classes`, `input_shape` or
            `classifier_activation`.

    Example:
        >>> model = VGG16(weights=None, include_top=False, input_shape=(32, 32, 3))
        >>> model.output_shape
        (None, 1, 1, 512)
    """
    return VGG((2, 2, 3, 3, 3), "vgg16", (WEIGHTS_PATH, WEIGHTS_PATH_NO_TOP), WEIGHTS_HASHES,
               include_top, weights, input_tensor, input_shape, pooling, classes,
               classifier_activation)


def preprocess_input(x, data_format=None):
    """`imagenet_utils.preprocess_input` in 'caffe' mode (RGB to BGR, minus
    the ImageNet channel means, no scaling)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


def decode_predictions(preds, top=5):
    """`imagenet_utils.decode_predictions`: (class_id, name, score) tuples."""
    return imagenet_utils.decode_predictions(preds, top=top)
