"""VGG19 (Simonyan & Zisserman, ICLR 2015), as tf.keras.applications.vgg19.

Inputs are preprocessed with `preprocess_input` ('caffe' mode).
"""
from ckeras.applications import imagenet_utils
from ckeras.applications.vgg16 import VGG

WEIGHTS_PATH = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                "vgg19/vgg19_weights_tf_dim_ordering_tf_kernels.h5")
WEIGHTS_PATH_NO_TOP = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                       "vgg19/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5")
WEIGHTS_HASHES = ("cbe5617147190e668d6c5d5026f83318", "253f8cb515780f3b799900260a226db6")


def VGG19(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
          pooling=None, classes=1000, classifier_activation="softmax"):
    """Instantiates the VGG19 architecture (VGG16 with 4 convolutions in each
    of the last three blocks); the arguments are those of `VGG16`.

    Returns:
        A `Model`.

    Example:
        >>> model = VGG19(weights=None, include_top=False, pooling="avg")
        >>> model.output_shape
        (None, 512)
    """
    return VGG((2, 2, 4, 4, 4), "vgg19", (WEIGHTS_PATH, WEIGHTS_PATH_NO_TOP), WEIGHTS_HASHES,
               include_top, weights, input_tensor, input_shape, pooling, classes,
               classifier_activation)


def preprocess_input(x, data_format=None):
    """`imagenet_utils.preprocess_input` in 'caffe' mode."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


def decode_predictions(preds, top=5):
    """`imagenet_utils.decode_predictions`: (class_id, name, score) tuples."""
    return imagenet_utils.decode_predictions(preds, top=top)
