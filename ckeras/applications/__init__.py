"""Keras Applications: ImageNet architectures with Keras' pre-trained weights
(tf.keras.applications).

Each architecture takes Keras' arguments (`include_top`, `weights`,
`input_tensor`, `input_shape`, `pooling`, `classes`, `classifier_activation`
and the model's own ones), builds Keras' layers under Keras' names, and with
`weights='imagenet'` loads Keras' published weight file, downloaded once
through `ckeras.utils.get_file` into Keras' cache (`~/.keras/models`), so a
file Keras already downloaded is reused. Each module (`resnet50`, `vgg16`,
`mobilenet_v2`, `efficientnet`, ...) has the matching `preprocess_input` and
`decode_predictions`.

Example:
    >>> from ckeras.applications import MobileNetV2
    >>> model = MobileNetV2(weights=None, input_shape=(96, 96, 3), classes=5)
    >>> model.output_shape
    (None, 5)
"""
from ckeras.applications import (
    densenet,
    efficientnet,
    imagenet_utils,
    inception_v3,
    mobilenet,
    mobilenet_v2,
    mobilenet_v3,
    resnet,
    resnet50,
    resnet_v2,
    vgg16,
    vgg19,
    xception,
)
from ckeras.applications.densenet import DenseNet121, DenseNet169, DenseNet201
from ckeras.applications.efficientnet import (
    EfficientNetB0,
    EfficientNetB1,
    EfficientNetB2,
    EfficientNetB3,
    EfficientNetB4,
    EfficientNetB5,
    EfficientNetB6,
    EfficientNetB7,
)
from ckeras.applications.inception_v3 import InceptionV3
from ckeras.applications.mobilenet import MobileNet
from ckeras.applications.mobilenet_v2 import MobileNetV2
from ckeras.applications.mobilenet_v3 import MobileNetV3Large, MobileNetV3Small
from ckeras.applications.resnet import ResNet50, ResNet101, ResNet152
from ckeras.applications.resnet_v2 import ResNet50V2, ResNet101V2, ResNet152V2
from ckeras.applications.vgg16 import VGG16
from ckeras.applications.vgg19 import VGG19
from ckeras.applications.xception import Xception

__all__ = [
    "densenet", "efficientnet", "imagenet_utils", "inception_v3", "mobilenet", "mobilenet_v2",
    "mobilenet_v3", "resnet", "resnet50", "resnet_v2", "vgg16", "vgg19", "xception",
    "DenseNet121", "DenseNet169", "DenseNet201",
    "EfficientNetB0", "EfficientNetB1", "EfficientNetB2", "EfficientNetB3", "EfficientNetB4",
    "EfficientNetB5", "EfficientNetB6", "EfficientNetB7",
    "InceptionV3", "MobileNet", "MobileNetV2", "MobileNetV3Large", "MobileNetV3Small",
    "ResNet50", "ResNet101", "ResNet152", "ResNet50V2", "ResNet101V2", "ResNet152V2",
    "VGG16", "VGG19", "Xception",
]
