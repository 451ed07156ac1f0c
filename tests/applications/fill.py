"""Deterministic weights and inputs for the applications goldens, shared by
tools/make_fixtures_applications.py (in tf-keras) and the tests (in ckeras):
NumPy only, exact integer hashing, so both sides build the same numbers.

Weights are filled by their index in `model.weights` and by what they are
(kernel, gamma, moving variance, ...), scaled so that a deep network keeps
its activations in a sane range.
"""
import numpy as np

CASES = {
    # case -> (function name, keyword arguments); weights=None, classifier_activation=None
    # unless given. Sides are the smallest each architecture takes.
    "vgg16": ("VGG16", {"input_shape": (32, 32, 3)}),
    "vgg19": ("VGG19", {"input_shape": (32, 32, 3)}),
    "resnet50": ("ResNet50", {"input_shape": (32, 32, 3)}),
    "resnet101": ("ResNet101", {"input_shape": (32, 32, 3)}),
    "resnet152": ("ResNet152", {"input_shape": (32, 32, 3)}),
    "resnet50v2": ("ResNet50V2", {"input_shape": (32, 32, 3)}),
    "resnet101v2": ("ResNet101V2", {"input_shape": (32, 32, 3)}),
    "resnet152v2": ("ResNet152V2", {"input_shape": (32, 32, 3)}),
    "mobilenet": ("MobileNet", {"input_shape": (32, 32, 3)}),
    "mobilenet_a050_dm2": ("MobileNet", {"input_shape": (32, 32, 3), "alpha": 0.5,
                                         "depth_multiplier": 2, "classes": 7}),
    "mobilenetv2": ("MobileNetV2", {"input_shape": (32, 32, 3)}),
    "mobilenetv2_a035": ("MobileNetV2", {"input_shape": (32, 32, 3), "alpha": 0.35}),
    "mobilenetv2_a140": ("MobileNetV2", {"input_shape": (32, 32, 3), "alpha": 1.4}),
    "mobilenetv3small": ("MobileNetV3Small", {"input_shape": (32, 32, 3)}),
    "mobilenetv3small_a075_min": ("MobileNetV3Small", {"input_shape": (32, 32, 3),
                                                       "alpha": 0.75, "minimalistic": True}),
    "mobilenetv3large": ("MobileNetV3Large", {"input_shape": (32, 32, 3)}),
    "mobilenetv3large_noprep_a125": ("MobileNetV3Large", {
        "input_shape": (32, 32, 3), "alpha": 1.25, "include_preprocessing": False,
        "dropout_rate": 0.0}),
    "densenet121": ("DenseNet121", {"input_shape": (32, 32, 3)}),
    "densenet169": ("DenseNet169", {"input_shape": (32, 32, 3)}),
    "densenet201": ("DenseNet201", {"input_shape": (32, 32, 3)}),
    "inceptionv3": ("InceptionV3", {"input_shape": (75, 75, 3)}),
    "xception": ("Xception", {"input_shape": (71, 71, 3)}),
    "efficientnetb0": ("EfficientNetB0", {"input_shape": (32, 32, 3)}),
    "efficientnetb1": ("EfficientNetB1", {"input_shape": (32, 32, 3)}),
    "efficientnetb2": ("EfficientNetB2", {"input_shape": (32, 32, 3)}),
    "efficientnetb3": ("EfficientNetB3", {"input_shape": (32, 32, 3)}),
    "efficientnetb4": ("EfficientNetB4", {"input_shape": (32, 32, 3)}),
    "efficientnetb5": ("EfficientNetB5", {"input_shape": (32, 32, 3)}),
    "efficientnetb6": ("EfficientNetB6", {"input_shape": (32, 32, 3)}),
    "efficientnetb7": ("EfficientNetB7", {"input_shape": (32, 32, 3)}),
    # the feature-extractor forms (no top, global pooling)
    "resnet50_notop_avg": ("ResNet50", {"include_top": False, "pooling": "avg",
                                        "input_shape": (32, 40, 3)}),
    "densenet121_notop_max": ("DenseNet121", {"include_top": False, "pooling": "max",
                                              "input_shape": (32, 32, 3)}),
    "mobilenetv2_notop": ("MobileNetV2", {"include_top": False, "input_shape": (33, 35, 3)}),
    "xception_notop_avg": ("Xception", {"include_top": False, "pooling": "avg",
                                        "input_shape": (71, 71, 3)}),
    "vgg16_notop_max": ("VGG16", {"include_top": False, "pooling": "max",
                                  "input_shape": (32, 32, 3)}),
}

# The models that rescale their [0, 255] input themselves.
RAW_PIXELS = ("MobileNetV3", "EfficientNet")
# The variance gain of the kernels (4 elsewhere): enough that the
# squeeze-excite, swish and ReLU6 families keep their input's signal up to the
# top, without reaching the chaotic regime where float32 rounding grows through
# the depth (EfficientNetB6 is there with 8, so it takes less).
GAINS = {"EfficientNetB6": 7.0, "MobileNet": 7.0}            # by exact name
FAMILY_GAINS = {"EfficientNetB": 8.0, "MobileNetV3": 6.0, "InceptionV3": 6.0}


def gain_for(fn_name):
    """The kernel gain of an architecture."""
    if fn_name in GAINS:
        return GAINS[fn_name]
    return next((g for k, g in FAMILY_GAINS.items() if fn_name.startswith(k)), 4.0)


# The tf-keras .h5 weights-file case: a small model written by tf-keras'
# save_weights, loaded by ckeras; also the file served by the download test
# (it is the no-top file of 'small_minimalistic_224_1.0_float'). Its weights
# are rounded to H5_QUANTUM, so that the file compresses well.
H5_QUANTUM, H5_OFFSET = 1.0 / 256, 0.05
H5_CASE = ("MobileNetV3Small", {"input_shape": (32, 32, 3), "minimalistic": True,
                                "include_top": False, "pooling": "avg"})


def case_kwargs(case):
    """The function name and the full keyword arguments of a case."""
    fn, kwargs = CASES[case]
    out = {"weights": None}
    if kwargs.get("include_top", True):
        out["classifier_activation"] = None
    out.update(kwargs)
    return fn, out


def _uniform(n, seed):
    """n numbers in [-1, 1) from an exact integer hash of (position, seed)."""
    k = np.arange(n, dtype=np.uint64)
    h = (k * np.uint64(2654435761) + np.uint64(seed) * np.uint64(40503) + np.uint64(12345))
    h = (h ^ (h >> np.uint64(13))) * np.uint64(2246822519)
    h = h & np.uint64(0xFFFFFFFF)
    return h.astype(np.float64) / 2.0 ** 31 - 1.0


def weight_value(index, name, shape, gain=4.0, quantum=None, offset=0.001):
    """The value of weight number `index` of a model, named `name` (e.g.
    'conv1_conv/kernel:0'), of the given shape; kernels have variance
    `gain / (3 * fan_in)`, biases and means are within `offset` of 0. With
    `quantum`, values are rounded to multiples of
    it (a weights file of few distinct values compresses well)."""
    shape = tuple(int(d) for d in shape)
    n = int(np.prod(shape)) if shape else 1
    s = _uniform(n, index + 1).reshape(shape)
    kind = name.split("/")[-1].split(":")[0]
    if kind == "count":
        return np.zeros(shape, dtype=np.int64)
    if kind in ("kernel", "depthwise_kernel", "pointwise_kernel"):
        fan_in = int(np.prod(shape[:2])) if kind == "depthwise_kernel" else int(np.prod(shape[:-1]))
        value = s * np.sqrt(gain / fan_in)
    elif kind == "gamma":
        value = 1.0 + 0.2 * s
    elif kind in ("moving_variance", "variance"):
        value = 1.0 + 0.25 * (s + 1.0)
    else:  # bias, beta, moving_mean, mean: small, or they drown the input's signal
        value = offset * s
    if quantum:
        value = np.round(value / quantum) * quantum
    return value.astype(np.float32)


def fill(model, gain=4.0, quantum=None, offset=0.001):
    """Sets every weight of `model` (a tf-keras or ckeras Model) by
    `weight_value`; returns the list of values."""
    values = [weight_value(i, w.name, w.shape, gain, quantum, offset)
              for i, w in enumerate(model.weights)]
    model.set_weights(values)
    return values


def image_batch(fn_name, input_shape, batch=2):
    """The input batch of a case: [0, 255] pixels for the models that
    rescale themselves, [-1, 1] otherwise."""
    x = np.round(127.5 * (_uniform(batch * int(np.prod(input_shape)), 7) + 1.0))
    x = x.reshape((batch,) + tuple(input_shape)).astype(np.float32)
    if fn_name.startswith(RAW_PIXELS):
        return x
    return x / 127.5 - 1.0
