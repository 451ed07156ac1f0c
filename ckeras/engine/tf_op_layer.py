"""TFOpLambda and SlicingOpLambda: the TensorFlow-function nodes of tf-keras
model files.

tf-keras 2.4+ records a TensorFlow function applied to KerasTensors (`x + 3`,
`tf.nn.relu6(x)`, `x[:, 0]`) as a layer whose config names the function
(`"__operators__.add"`, `"nn.relu6"`); MobileNetV3 and EfficientNet are
built that way. Loading maps each name through the table below to ckeras
backend ops with TensorFlow's argument names. Nothing is looked up or run
by name outside the table: an unknown function is a clear error.
"""
import numpy as np

from ckeras import activations
from ckeras import backend as K
from ckeras._internal import naming
from ckeras.engine.base_layer import Layer


def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def _reduce(op):
    def reduce(input_tensor, axis=None, keepdims=False):
        return op(input_tensor, axis=_axis(axis), keepdims=keepdims)
    return reduce


def _transpose(a, perm=None, conjugate=False):
    if perm is None:
        perm = tuple(range(len(a.shape)))[::-1]
    return K.permute_dimensions(a, tuple(perm))


def _swap_last(t):
    n = len(t.shape)
    return K.permute_dimensions(t, tuple(range(n - 2)) + (n - 1, n - 2))


def _matmul(a, b, transpose_a=False, transpose_b=False, **_):
    return (_swap_last(a) if transpose_a else a) @ (_swap_last(b) if transpose_b else b)


def _squeeze(input, axis=None):  # noqa: A002
    if axis is None:
        axis = [i for i, d in enumerate(input.shape) if d == 1]
    for a in sorted((a % len(input.shape) for a in (axis if isinstance(axis, list)
                                                     else [axis])), reverse=True):
        input = K.squeeze(input, a)
    return input


def _l2_normalize(x, axis=None, epsilon=1e-12):
    axis = _axis(axis)
    return x / K.sqrt(K.maximum(K.sum(K.square(x), axis=axis, keepdims=True), epsilon))


def _gelu(features, approximate=False):
    return activations.gelu(features, approximate=approximate)


def _operand(y):
    # JSON keeps a constant array operand as nested lists.
    return np.asarray(y, dtype=K.floatx()) if isinstance(y, list) else y


def _binary(op):
    return lambda x, y: op(x, _operand(y))


# TensorFlow function name (as tf-keras saves it) -> the op, with TF's
# argument names (the first one is the node's input tensor).
TF_OPS = {
    "__operators__.add": _binary(lambda x, y: x + y),
    "math.add": _binary(lambda x, y: x + y),
    "math.subtract": _binary(lambda x, y: x - y),
    "math.multiply": _binary(lambda x, y: x * y),
    "math.truediv": _binary(lambda x, y: x / y),
    "math.divide": _binary(lambda x, y: x / y),
    "math.negative": lambda x: -x,
    "math.pow": lambda x, y: K.pow(x, y),
    "math.maximum": lambda x, y: K.maximum(x, y),
    "math.minimum": lambda x, y: K.minimum(x, y),
    "math.abs": lambda x: K.abs(x),
    "math.square": lambda x: K.square(x),
    "math.sqrt": lambda x: K.sqrt(x),
    "math.rsqrt": lambda x: 1.0 / K.sqrt(x),
    "math.exp": lambda x: K.exp(x),
    "math.log": lambda x: K.log(x),
    "math.sigmoid": lambda x: K.sigmoid(x),
    "math.tanh": lambda x: K.tanh(x),
    "math.reduce_mean": _reduce(K.mean),
    "math.reduce_sum": _reduce(K.sum),
    "math.reduce_max": _reduce(K.max),
    "math.reduce_min": _reduce(K.min),
    "nn.relu": lambda features: K.relu(features),
    "nn.relu6": lambda features: K.relu(features, max_value=6.0),
    "nn.silu": lambda features, beta=1.0: features * K.sigmoid(beta * features),
    "nn.swish": lambda features, beta=1.0: features * K.sigmoid(beta * features),
    "nn.gelu": _gelu,
    "nn.softmax": lambda logits, axis=None: K.softmax(logits, axis=-1 if axis is None
                                                     else axis),
    "nn.l2_normalize": _l2_normalize,
    "reshape": lambda tensor, shape: K.reshape(tensor, tuple(shape)),
    "expand_dims": lambda input, axis: K.expand_dims(input, axis),  # noqa: A006
    "squeeze": _squeeze,
    "concat": lambda values, axis: K.concatenate(list(values), axis=axis),
    "stack": lambda values, axis=0: K.stack(list(values), axis=axis),
    "transpose": _transpose,
    "compat.v1.transpose": _transpose,
    "cast": lambda x, dtype: K.cast(x, dtype),
    "identity": lambda input: input,  # noqa: A006
    "clip_by_value": lambda t, clip_value_min, clip_value_max: K.clip(
        t, clip_value_min, clip_value_max),
    "linalg.matmul": _matmul,
}


def _dict_to_slice(x):
    if isinstance(x, dict):
        return slice(x["start"], x["stop"], x["step"])
    return x


class TFOpLambda(Layer):
    """A TensorFlow function node of a tf-keras model config.

    Args:
        function: the TensorFlow function's name as tf-keras saves it
            (e.g. `"math.multiply"`); it must be one of `TF_OPS`.

    Raises:
        ValueError: for a function ckeras has no op for.
    """

    # Saved as tf-keras does: a node is the bare call structure of its
    # single input, `[name, node, tensor, kwargs]`, not a list of them.
    _saves_raw_node = True

    def __init__(self, function, **kwargs):
        kwargs.pop("symbol", None)
        if not kwargs.get("name"):
            kwargs["name"] = naming.unique_name("tf." + str(function))
        super().__init__(**kwargs)
        if function not in self._ops():
            raise ValueError(
                f"Layer {self.name} ({type(self).__name__}) applies the TensorFlow function "
                f"tf.{function}, which ckeras has no op for. Known: "
                f"{', '.join(sorted(self._ops()))}.")
        self.function = function
        self.supports_masking = True

    @staticmethod
    def _ops():
        return TF_OPS

    def call(self, *args, **kwargs):
        for engine_keyword in ("name", "training", "mask"):
            kwargs.pop(engine_keyword, None)
        return self._ops()[self.function](*args, **kwargs)

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        config = super().get_config()
        config["function"] = self.function
        return config


class SlicingOpLambda(TFOpLambda):
    """`x[...]` on a KerasTensor in a tf-keras model config (`slice_spec`
    holds the key, slices saved as `{'start', 'stop', 'step'}` dicts)."""

    @staticmethod
    def _ops():
        return {"__operators__.getitem": None}

    def call(self, x, slice_spec=None, var=None, name=None, **engine_keywords):
        spec = slice_spec
        key = tuple(_dict_to_slice(s) for s in spec) if isinstance(spec, list) \
            else _dict_to_slice(spec)
        if isinstance(key, tuple) and any(k is None for k in key):
            key = tuple(np.newaxis if k is None else k for k in key)
        return x[key]
