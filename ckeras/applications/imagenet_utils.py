"""Shared pieces of the ImageNet applications: `preprocess_input` in its three
modes, `decode_predictions`, and the argument checks, input building and weight
loading every architecture module uses (as tf.keras.applications.imagenet_utils).

Example:
    >>> import numpy as np
    >>> from ckeras.applications import imagenet_utils
    >>> x = imagenet_utils.preprocess_input(np.full((1, 2, 2, 3), 255.0), mode="tf")
    >>> float(x[0, 0, 0, 0])
    1.0
"""
import json
import os
import warnings

import numpy as np

from ckeras import activations, backend
from ckeras.engine.input_layer import Input
from ckeras.utils.file_utils import get_file
from ckeras.utils.layer_utils import get_source_inputs

CLASS_INDEX_PATH = ("https://storage.googleapis.com/download.tensorflow.org/"
                    "data/imagenet_class_index.json")
CLASS_INDEX_HASH = "c2c37ea517e94d9795004a39431a14cb"
# The parsed class index, read once per process as Keras does.
CLASS_INDEX = None

MODES = ("caffe", "tf", "torch")
CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)
TORCH_MEAN = (0.485, 0.456, 0.406)
TORCH_STD = (0.229, 0.224, 0.225)


def preprocess_input(x, data_format=None, mode="caffe"):
    """Preprocesses a batch of images (or one image) for an ImageNet model.

    Args:
        x: a float NumPy array or a symbolic/eager tensor, 3D or 4D with 3
            colour channels, values in [0, 255]. A float NumPy array is
            overwritten in place (pass `np.copy(x)` to keep it); other dtypes
            are converted to floatx first.
        data_format: 'channels_last' or 'channels_first'; None means
            `backend.image_data_format()`.
        mode: 'caffe' (RGB to BGR, minus the ImageNet channel means, no
            scaling), 'tf' (scaled to [-1, 1]) or 'torch' (scaled to [0, 1],
            then normalized by the ImageNet channel mean and std).

    Returns:
        The preprocessed array or tensor.

    Raises:
        ValueError: unknown `mode` or `data_format`.

    Example:
        >>> x = preprocess_input(np.zeros((1, 2, 2, 3)), mode="caffe")
        >>> x[0, 0, 0].round(3).tolist()
        [-103.939, -116.779, -123.68]
    """
    if mode not in MODES:
        raise ValueError(f"preprocess_input: `mode` must be one of 'caffe', 'tf' or 'torch'. "
                         f"Received: mode={mode!r}")
    if data_format is None:
        data_format = backend.image_data_format()
    elif data_format not in ("channels_first", "channels_last"):
        raise ValueError("preprocess_input: `data_format` must be 'channels_first' or "
                         f"'channels_last'. Received: data_format={data_format!r}")
    if isinstance(x, np.ndarray):
        return _preprocess_numpy(x, data_format, mode)
    return _preprocess_tensor(x, data_format, mode)


def _channel_params(x_ndim, data_format, mode):
    """(reverse_channels, mean, std, channel axis) of a mode."""
    axis = -1 if data_format == "channels_last" else (0 if x_ndim == 3 else 1)
    if mode == "torch":
        return False, TORCH_MEAN, TORCH_STD, axis
    return True, CAFFE_MEAN_BGR, None, axis


def _preprocess_numpy(x, data_format, mode):
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(backend.floatx())
    if mode == "tf":
        x /= 127.5
        x -= 1.0
        return x
    if mode == "torch":
        x /= 255.0
    reverse, mean, std, axis = _channel_params(x.ndim, data_format, mode)
    if reverse:
        x = np.flip(x, axis=axis)
    shape = [1] * x.ndim
    shape[axis] = 3
    x -= np.asarray(mean, dtype=x.dtype).reshape(shape)
    if std is not None:
        x /= np.asarray(std, dtype=x.dtype).reshape(shape)
    return x


def _preprocess_tensor(x, data_format, mode):
    if mode == "tf":
        return x / 127.5 - 1.0
    if mode == "torch":
        x = x / 255.0
    ndim = len(backend.int_shape(x))
    reverse, mean, std, axis = _channel_params(ndim, data_format, mode)
    if reverse:
        index = [slice(None)] * ndim
        index[axis] = slice(None, None, -1)
        x = x[tuple(index)]
    shape = [1] * ndim
    shape[axis] = 3
    x = x - np.asarray(mean, dtype=backend.floatx()).reshape(shape)
    if std is not None:
        x = x / np.asarray(std, dtype=backend.floatx()).reshape(shape)
    return x


def decode_predictions(preds, top=5):
    """Decodes ImageNet predictions into (class_id, class_name, score) tuples.

    The class index `imagenet_class_index.json` is fetched once through
    `get_file` into Keras' cache (`~/.keras/models`), so a copy Keras already
    downloaded is reused.

    Args:
        preds: a NumPy array of shape (samples, 1000).
        top: how many of the best classes to return per sample.

    Returns:
        One list per sample of `top` tuples `(class_id, class_name, score)`,
        best first.

    Raises:
        ValueError: `preds` is not of shape (samples, 1000).

    Example:
        >>> decode_predictions(model.predict(x), top=3)   # doctest: +SKIP
        [[('n02504458', 'African_elephant', 0.82), ...]]
    """
    global CLASS_INDEX
    preds = np.asarray(preds)
    if preds.ndim != 2 or preds.shape[1] != 1000:
        raise ValueError("decode_predictions expects a batch of ImageNet predictions, a 2D "
                         f"array of shape (samples, 1000). Received an array of shape "
                         f"{preds.shape}")
    if CLASS_INDEX is None:
        path = get_file("imagenet_class_index.json", CLASS_INDEX_PATH, cache_subdir="models",
                        file_hash=CLASS_INDEX_HASH)
        with open(path, encoding="utf-8") as f:
            CLASS_INDEX = json.load(f)
    results = []
    for pred in preds:
        best = pred.argsort()[-top:][::-1]
        result = [tuple(CLASS_INDEX[str(i)]) + (pred[i],) for i in best]
        result.sort(key=lambda r: r[2], reverse=True)
        results.append(result)
    return results


def obtain_input_shape(input_shape, default_size, min_size, data_format, require_flatten,
                       weights=None):
    """The input shape of an application model, checked as Keras checks it.

    Args:
        input_shape: the user's shape (3 values) or None.
        default_size: the side the model was trained at (224, 299, ...).
        min_size: the smallest side the architecture accepts.
        data_format: 'channels_last' or 'channels_first'.
        require_flatten: True when the classifier top is included (the shape
            must then be fully static).
        weights: the `weights` argument ('imagenet' fixes the shape with a top).

    Returns:
        The shape tuple of the model's input, without the batch dimension.

    Raises:
        ValueError: a shape the weights or the architecture cannot take.
    """
    channels_first = data_format == "channels_first"
    if weights != "imagenet" and input_shape and len(input_shape) == 3:
        channels = input_shape[0] if channels_first else input_shape[-1]
        if channels not in (1, 3):
            warnings.warn("This model usually expects 1 or 3 input channels; the given "
                          f"input_shape has {channels}.", stacklevel=3)
        default_shape = ((channels, default_size, default_size) if channels_first
                         else (default_size, default_size, channels))
    else:
        default_shape = ((3, default_size, default_size) if channels_first
                         else (default_size, default_size, 3))
    if weights == "imagenet" and require_flatten:
        if input_shape is not None and tuple(input_shape) != default_shape:
            raise ValueError("With include_top=True and weights='imagenet', `input_shape` "
                             f"must be {default_shape}. Received: input_shape={input_shape}")
        return default_shape
    if input_shape:
        if len(input_shape) != 3:
            raise ValueError("`input_shape` must be a tuple of three integers. "
                             f"Received: input_shape={input_shape}")
        channels = input_shape[0] if channels_first else input_shape[-1]
        sides = input_shape[1:] if channels_first else input_shape[:2]
        if channels != 3 and weights == "imagenet":
            raise ValueError("With weights='imagenet' the input must have 3 channels. "
                             f"Received: input_shape={input_shape}")
        if any(s is not None and s < min_size for s in sides):
            raise ValueError(f"Input size must be at least {min_size}x{min_size}. "
                             f"Received: input_shape={input_shape}")
        input_shape = tuple(input_shape)
    elif require_flatten:
        input_shape = default_shape
    else:
        input_shape = (3, None, None) if channels_first else (None, None, 3)
    if require_flatten and None in input_shape:
        raise ValueError("With include_top=True the input shape must be static. "
                         f"Received: input_shape={input_shape}")
    return input_shape


def correct_pad(inputs, kernel_size):
    """The ZeroPadding2D padding that makes a strided 'valid' convolution
    match TensorFlow's 'same' output size (more on the bottom/right)."""
    img_dim = 2 if backend.image_data_format() == "channels_first" else 1
    size = backend.int_shape(inputs)[img_dim:img_dim + 2]
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    adjust = (1, 1) if size[0] is None else (1 - size[0] % 2, 1 - size[1] % 2)
    correct = (kernel_size[0] // 2, kernel_size[1] // 2)
    return ((correct[0] - adjust[0], correct[0]), (correct[1] - adjust[1], correct[1]))


def validate_activation(classifier_activation, weights):
    """Pretrained weights take only a softmax or linear classifier."""
    if weights is None:
        return
    fn = activations.get(classifier_activation)
    if fn not in (activations.get("softmax"), activations.get(None)):
        raise ValueError("With pretrained weights, `classifier_activation` must be None or "
                         f"'softmax'. Received: classifier_activation={classifier_activation!r}")


def check_weights_args(weights, include_top, classes):
    """Keras' checks of `weights` and `classes`, done before building."""
    if not (weights in ("imagenet", None) or
            (isinstance(weights, (str, os.PathLike)) and os.path.exists(weights))):
        raise ValueError("The `weights` argument must be None (random initialization), "
                         "'imagenet' (pre-training on ImageNet) or the path to a weights file "
                         f"that exists. Received: weights={weights!r}")
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError("With weights='imagenet' and include_top=True, `classes` must be "
                         f"1000. Received: classes={classes}")


def image_input(input_tensor, input_shape):
    """The model's image input: a new Input, or the given tensor."""
    if input_tensor is None:
        return Input(shape=input_shape)
    if not backend.is_keras_tensor(input_tensor):
        return Input(tensor=input_tensor, shape=input_shape)
    return input_tensor


def model_inputs(input_tensor, img_input):
    """The inputs the Model is built from (the sources of `input_tensor`)."""
    if input_tensor is not None:
        return get_source_inputs(input_tensor)
    return img_input


def load_weights(model, weights, file_name=None, origin=None, file_hash=None):
    """Loads `weights` into `model`: 'imagenet' fetches `file_name` from
    `origin` through `get_file` into Keras' cache (`cache_subdir='models'`);
    a path loads that file; None keeps the random initialization."""
    if weights == "imagenet":
        path = get_file(file_name, origin, cache_subdir="models", file_hash=file_hash)
        model.load_weights(path)
    elif weights is not None:
        model.load_weights(weights)
    return model
