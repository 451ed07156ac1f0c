"""tf.keras.applications.resnet50: ResNet50 and its preprocessing, the same
objects as in `ckeras.applications.resnet`."""
from ckeras.applications.resnet import ResNet50, decode_predictions, preprocess_input

__all__ = ["ResNet50", "decode_predictions", "preprocess_input"]
