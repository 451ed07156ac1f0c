"""MobileNetV3Small and MobileNetV3Large (Howard et al., ICCV 2019), as
tf.keras.applications.mobilenet_v3.

The models rescale their [0, 255] input themselves (`include_preprocessing`),
so `preprocess_input` returns its input unchanged.
"""
import warnings

from ckeras import backend, layers
from ckeras.applications import imagenet_utils
from ckeras.applications.mobilenet_v2 import make_divisible
from ckeras.models import Model

BASE_WEIGHT_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v3/"
# weights key -> (md5 with top, md5 without top)
WEIGHTS_HASHES = {
    "large_224_0.75_float": ("765b44a33ad4005b3ac83185abf1d0eb",
                             "40af19a13ebea4e2ee0c676887f69a2e"),
    "large_224_1.0_float": ("59e551e166be033d707958cf9e29a6a7",
                            "07fb09a5933dd0c8eaafa16978110389"),
    "large_minimalistic_224_1.0_float": ("675e7b876c45c57e9e63e6d90a36599c",
                                         "ec5221f64a2f6d1ef965a614bdae7973"),
    "small_224_0.75_float": ("cb65d4e5be93758266aa0a7f2c6708b7",
                             "ebdb5cc8e0b497cd13a7c275d475c819"),
    "small_224_1.0_float": ("8768d4c2e7dee89b9d02b2d03d65d862",
                            "d3e8ec802a04aa4fc771ee12a9a9b836"),
    "small_minimalistic_224_1.0_float": ("99cd97fb2fcdad2bf028eb838de69e37",
                                         "cde8136e733e811080d9fcd8a252f7e4"),
}
# (expansion, filters, kernel ("k": the model's kernel), stride, squeeze-excite,
#  activation ("a": the model's, "relu": always ReLU)) of each inverted block
SMALL_BLOCKS = ((1, 16, 3, 2, True, "relu"), (72 / 16, 24, 3, 2, False, "relu"),
                (88 / 24, 24, 3, 1, False, "relu"), (4, 40, "k", 2, True, "a"),
                (6, 40, "k", 1, True, "a"), (6, 40, "k", 1, True, "a"),
                (3, 48, "k", 1, True, "a"), (3, 48, "k", 1, True, "a"),
                (6, 96, "k", 2, True, "a"), (6, 96, "k", 1, True, "a"),
                (6, 96, "k", 1, True, "a"))
LARGE_BLOCKS = ((1, 16, 3, 1, False, "relu"), (4, 24, 3, 2, False, "relu"),
                (3, 24, 3, 1, False, "relu"), (3, 40, "k", 2, True, "relu"),
                (3, 40, "k", 1, True, "relu"), (3, 40, "k", 1, True, "relu"),
                (6, 80, 3, 2, False, "a"), (2.5, 80, 3, 1, False, "a"),
                (2.3, 80, 3, 1, False, "a"), (2.3, 80, 3, 1, False, "a"),
                (6, 112, 3, 1, True, "a"), (6, 112, 3, 1, True, "a"),
                (6, 160, "k", 2, True, "a"), (6, 160, "k", 1, True, "a"),
                (6, 160, "k", 1, True, "a"))


def relu(x):
    return layers.ReLU()(x)


def hard_sigmoid(x):
    return layers.ReLU(6.0)(x + 3.0) * (1.0 / 6.0)


def hard_swish(x):
    return layers.Multiply()([x, hard_sigmoid(x)])


def MobileNetV3(blocks, last_point_ch, input_shape=None, alpha=1.0, model_type="large",
                minimalistic=False, include_top=True, weights="imagenet", input_tensor=None,
                classes=1000, pooling=None, dropout_rate=0.2, classifier_activation="softmax",
                include_preprocessing=True):
    """The MobileNetV3 skeleton shared by `MobileNetV3Small`/`Large`.

    The arguments not listed here are those of `MobileNetV3Small`.

    Args:
        blocks: the inverted blocks (`SMALL_BLOCKS` or `LARGE_BLOCKS`).
        last_point_ch: the channels of the last 1x1 convolution of the top.
        model_type: 'small' or 'large' (the Model's name and weights key).

    Returns:
        A `Model`.
    """
    imagenet_utils.check_weights_args(weights, include_top, classes)
    channels_first = backend.image_data_format() == "channels_first"
    if input_tensor is not None and not backend.is_keras_tensor(input_tensor):
        raise ValueError(f"MobileNetV3{model_type.capitalize()}: `input_tensor` must be a "
                         f"Keras tensor. Received: input_tensor={input_tensor!r}")
    if input_shape is not None and input_tensor is not None:
        side = backend.int_shape(input_tensor)[1 if channels_first else 2]
        if side != input_shape[1]:
            raise ValueError("`input_shape` and the shape of `input_tensor` differ. Received: "
                             f"input_shape={input_shape}, "
                             f"input_tensor.shape={backend.int_shape(input_tensor)}")
    if input_shape is None and input_tensor is not None:
        shape = backend.int_shape(input_tensor)
        input_shape = (3,) + tuple(shape[2:4]) if channels_first else tuple(shape[1:3]) + (3,)
    if input_shape is None:
        input_shape = (3, None, None) if channels_first else (None, None, 3)
    rows, cols = (input_shape[1], input_shape[2]) if channels_first else input_shape[:2]
    if rows and cols and (rows < 32 or cols < 32):
        raise ValueError("Input size must be at least 32x32. "
                         f"Received: input_shape={input_shape}")
    if weights == "imagenet":
        if (not minimalistic and alpha not in (0.75, 1.0)) or (minimalistic and alpha != 1.0):
            raise ValueError("With weights='imagenet', `alpha` must be 0.75 or 1.0 (1.0 only "
                             f"when minimalistic). Received: alpha={alpha}, "
                             f"minimalistic={minimalistic}")
        if rows != cols or rows != 224:
            warnings.warn("MobileNetV3: `input_shape` is undefined, not square or not 224; the "
                          "weights for 224x224 are loaded.", stacklevel=3)
    img_input = imagenet_utils.image_input(input_tensor, input_shape)
    channel_axis = 1 if channels_first else -1
    if minimalistic:
        kernel, activation, se_ratio = 3, relu, None
    else:
        kernel, activation, se_ratio = 5, hard_swish, 0.25

    x = img_input
    if include_preprocessing:
        x = layers.Rescaling(scale=1.0 / 127.5, offset=-1.0)(x)
    x = layers.Conv2D(16, kernel_size=3, strides=(2, 2), padding="same", use_bias=False,
                      name="Conv")(x)
    x = layers.BatchNormalization(axis=channel_axis, epsilon=1e-3, momentum=0.999,
                                  name="Conv/BatchNorm")(x)
    x = activation(x)
    for block_id, (expansion, filters, k, stride, se, act) in enumerate(blocks):
        x = _inverted_res_block(x, expansion, make_divisible(filters * alpha, 8),
                                kernel if k == "k" else k, stride, se_ratio if se else None,
                                relu if act == "relu" else activation, block_id)
    last_conv_ch = make_divisible(backend.int_shape(x)[channel_axis] * 6, 8)
    if alpha > 1.0:
        last_point_ch = make_divisible(last_point_ch * alpha, 8)
    x = layers.Conv2D(last_conv_ch, kernel_size=1, padding="same", use_bias=False,
                      name="Conv_1")(x)
    x = layers.BatchNormalization(axis=channel_axis, epsilon=1e-3, momentum=0.999,
                                  name="Conv_1/BatchNorm")(x)
    x = activation(x)

    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Conv2D(last_point_ch, kernel_size=1, padding="same", use_bias=True,
                          name="Conv_2")(x)
        x = activation(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate)(x)
        x = layers.Conv2D(classes, kernel_size=1, padding="same", name="Logits")(x)
        x = layers.Flatten()(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Activation(activation=classifier_activation, name="Predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D(name="max_pool")(x)
    model = Model(imagenet_utils.model_inputs(input_tensor, img_input), x,
                  name="MobilenetV3" + model_type)
    if weights == "imagenet":
        key = f"{model_type}{'_minimalistic' if minimalistic else ''}_224_{alpha}_float"
        file_name = f"weights_mobilenet_v3_{key}{'' if include_top else '_no_top_v2'}.h5"
        return imagenet_utils.load_weights(model, weights, file_name,
                                           BASE_WEIGHT_PATH + file_name,
                                           WEIGHTS_HASHES[key][0 if include_top else 1])
    return imagenet_utils.load_weights(model, weights)


def _se_block(inputs, filters, se_ratio, prefix):
    """Squeeze-and-excite: channel gates from the global average."""
    x = layers.GlobalAveragePooling2D(keepdims=True, name=prefix + "squeeze_excite/AvgPool")(
        inputs)
    x = layers.Conv2D(make_divisible(filters * se_ratio, 8), kernel_size=1, padding="same",
                      name=prefix + "squeeze_excite/Conv")(x)
    x = layers.ReLU(name=prefix + "squeeze_excite/Relu")(x)
    x = layers.Conv2D(filters, kernel_size=1, padding="same",
                      name=prefix + "squeeze_excite/Conv_1")(x)
    x = hard_sigmoid(x)
    return layers.Multiply(name=prefix + "squeeze_excite/Mul")([inputs, x])


def _inverted_res_block(x, expansion, filters, kernel_size, stride, se_ratio, activation,
                        block_id):
    channel_axis = 1 if backend.image_data_format() == "channels_first" else -1
    shortcut = x
    prefix = "expanded_conv/"
    infilters = backend.int_shape(x)[channel_axis]
    if block_id:
        prefix = f"expanded_conv_{block_id}/"
        x = layers.Conv2D(make_divisible(infilters * expansion, 8), kernel_size=1,
                          padding="same", use_bias=False, name=prefix + "expand")(x)
        x = layers.BatchNormalization(axis=channel_axis, epsilon=1e-3, momentum=0.999,
                                      name=prefix + "expand/BatchNorm")(x)
        x = activation(x)
    if stride == 2:
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, kernel_size),
                                 name=prefix + "depthwise/pad")(x)
    x = layers.DepthwiseConv2D(kernel_size, strides=stride,
                               padding="same" if stride == 1 else "valid", use_bias=False,
                               name=prefix + "depthwise")(x)
    x = layers.BatchNormalization(axis=channel_axis, epsilon=1e-3, momentum=0.999,
                                  name=prefix + "depthwise/BatchNorm")(x)
    x = activation(x)
    if se_ratio:
        x = _se_block(x, make_divisible(infilters * expansion, 8), se_ratio, prefix)
    x = layers.Conv2D(filters, kernel_size=1, padding="same", use_bias=False,
                      name=prefix + "project")(x)
    x = layers.BatchNormalization(axis=channel_axis, epsilon=1e-3, momentum=0.999,
                                  name=prefix + "project/BatchNorm")(x)
    if stride == 1 and infilters == filters:
        x = layers.Add(name=prefix + "Add")([shortcut, x])
    return x


_DOC_ARGS = """
    Args:
        input_shape: optional shape tuple (sides at least 32; None sides are
            allowed, the model is fully convolutional up to its top).
        alpha: the width multiplier (ImageNet weights exist for 0.75 and 1.0,
            and 1.0 when minimalistic).
        minimalistic: no squeeze-and-excite, no hard-swish, 3x3 kernels only.
        include_top: whether to include the classifier on top.
        weights: None, 'imagenet' (downloaded once into `~/.keras/models`) or
            the path of a weights file.
        input_tensor: optional Keras tensor to use as the image input.
        classes: number of classes, only without 'imagenet' weights.
        pooling: with `include_top=False`: None (4D output), 'avg' or 'max'.
        dropout_rate: dropout rate before the last 1x1 convolution.
        classifier_activation: activation of the top layer (None: logits).
        include_preprocessing: rescale the [0, 255] input to [-1, 1] inside
            the model (a `Rescaling` layer first).

    Returns:
        A `Model`.

    Raises:
        ValueError: invalid `weights`, `classes`, `alpha`, `input_shape`,
            `input_tensor` or `classifier_activation`.
"""


def MobileNetV3Small(input_shape=None, alpha=1.0, minimalistic=False, include_top=True,
                     weights="imagenet", input_tensor=None, classes=1000, pooling=None,
                     dropout_rate=0.2, classifier_activation="softmax",
                     include_preprocessing=True):
    return MobileNetV3(SMALL_BLOCKS, 1024, input_shape, alpha, "small", minimalistic,
                       include_top, weights, input_tensor, classes, pooling, dropout_rate,
                       classifier_activation, include_preprocessing)


def MobileNetV3Large(input_shape=None, alpha=1.0, minimalistic=False, include_top=True,
                     weights="imagenet", input_tensor=None, classes=1000, pooling=None,
                     dropout_rate=0.2, classifier_activation="softmax",
                     include_preprocessing=True):
    return MobileNetV3(LARGE_BLOCKS, 1280, input_shape, alpha, "large", minimalistic,
                       include_top, weights, input_tensor, classes, pooling, dropout_rate,
                       classifier_activation, include_preprocessing)


MobileNetV3Small.__doc__ = ("Instantiates the MobileNetV3Small architecture.\n" + _DOC_ARGS +
                            """
    Example:
        >>> model = MobileNetV3Small(weights=None, input_shape=(32, 32, 3), classes=10)
        >>> model.output_shape
        (None, 10)
""")
MobileNetV3Large.__doc__ = ("Instantiates the MobileNetV3Large architecture.\n" + _DOC_ARGS +
                            """
    Example:
        >>> model = MobileNetV3Large(weights=None, include_top=False, pooling="avg")
        >>> model.output_shape
        (None, 960)
""")


def preprocess_input(x, data_format=None):
    """A placeholder kept for API compatibility: the MobileNetV3 models
    rescale their input themselves, so `x` is returned unchanged."""
    return x


def decode_predictions(preds, top=5):
    """`imagenet_utils.decode_predictions`: (class_id, name, score) tuples."""
    return imagenet_utils.decode_predictions(preds, top=top)
