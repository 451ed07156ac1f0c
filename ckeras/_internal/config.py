"""Global backend settings (floatx, epsilon, image data format, learning
phase, clear_session), exposed as the `ckeras.backend` functions of the same
names; a leaf, so every layer of ckeras may read them."""
import threading

from ckeras._internal import naming

_FLOATX = "float32"
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"
_phase = threading.local()


def floatx():
    """Returns the default float type, as a string ('float32')."""
    return _FLOATX


def set_floatx(value):
    """Sets the default float type: 'float16', 'float32' or 'float64'."""
    global _FLOATX
    if value not in {"float16", "float32", "float64"}:
        raise ValueError(
            "Unknown floatx type: " + str(value) +
            ". Expected one of 'float16', 'float32', 'float64'.")
    _FLOATX = str(value)


def epsilon():
    """Returns the fuzz factor used in numeric expressions (1e-7)."""
    return _EPSILON


def set_epsilon(value):
    """Sets the fuzz factor used in numeric expressions."""
    global _EPSILON
    _EPSILON = float(value)


def image_data_format():
    """Returns 'channels_last' or 'channels_first'."""
    return _IMAGE_DATA_FORMAT


def set_image_data_format(data_format):
    """Sets the default image data format."""
    global _IMAGE_DATA_FORMAT
    if data_format not in {"channels_last", "channels_first"}:
        raise ValueError(
            "The `data_format` argument must be one of 'channels_last', "
            f"'channels_first'. Received: {data_format!r}")
    _IMAGE_DATA_FORMAT = str(data_format)


def normalize_data_format(value):
    """Resolves None to the global image data format and checks the value."""
    if value is None:
        value = image_data_format()
    value = str(value).lower()
    if value not in {"channels_last", "channels_first"}:
        raise ValueError(
            "The `data_format` argument must be one of 'channels_first', "
            f"'channels_last'. Received: {value!r}")
    return value


def learning_phase():
    """Returns the learning phase: 0 (inference, default) or 1 (training)."""
    return getattr(_phase, "value", 0)


def set_learning_phase(value):
    """Sets the learning phase for this thread: 0 or 1."""
    if value not in {0, 1}:
        raise ValueError(f"Expected learning phase to be 0 or 1. Received: {value!r}")
    _phase.value = value


def clear_session():
    """Resets global state: the default layer-name counters."""
    naming.reset()
