"""ResNet50V2, ResNet101V2 and ResNet152V2 (He et al., "Identity Mappings in
Deep Residual Networks", ECCV 2016), as tf.keras.applications.resnet_v2.

Inputs are preprocessed with `preprocess_input` ('tf' mode: scaled to [-1, 1]).
"""
from ckeras.applications import imagenet_utils
from ckeras.applications.resnet import ResNet, stack2


def _stages2(counts):
    def stack_fn(x):
        x = stack2(x, 64, counts[0], name="conv2")
        x = stack2(x, 128, counts[1], name="conv3")
        x = stack2(x, 256, counts[2], name="conv4")
        return stack2(x, 512, counts[3], stride1=1, name="conv5")
    return stack_fn


def ResNet50V2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
               pooling=None, classes=1000, classifier_activation="softmax"):
    """Instantiates the ResNet50V2 architecture; arguments as
    `ckeras.applications.ResNet50`.

    Returns:
        A `Model`.

    Example:
        >>> model = ResNet50V2(weights=None, input_shape=(32, 32, 3), classes=10)
        >>> model.output_shape
        (None, 10)
    """
    return ResNet(_stages2((3, 4, 6, 3)), True, True, "resnet50v2", include_top, weights,
                  input_tensor, input_shape, pooling, classes, classifier_activation)


def ResNet101V2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax"):
    """Instantiates the ResNet101V2 architecture; arguments as `ResNet50V2`.

    Returns:
        A `Model`.
    """
    return ResNet(_stages2((3, 4, 23, 3)), True, True, "resnet101v2", include_top, weights,
                  input_tensor, input_shape, pooling, classes, classifier_activation)


def ResNet152V2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax"):
    """Instantiates the ResNet152V2 architecture; arguments as `ResNet50V2`.

    Returns:
        A `Model`.
    """
    return ResNet(_stages2((3, 8, 36, 3)), True, True, "resnet152v2", include_top, weights,
                  input_tensor, input_shape, pooling, classes, classifier_activation)


def preprocess_input(x, data_format=None):
    """`imagenet_utils.preprocess_input` in 'tf' mode (scaled to [-1, 1])."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top=5):
    """`imagenet_utils.decode_predictions`: (class_id, name, score) tuples."""
    return imagenet_utils.decode_predictions(preds, top=top)
