"""Activation functions (`ckeras.activations`), as in tf-keras 2.x.

Each takes a tensor (NumPy array, autograd Tensor or symbolic KerasTensor)
and returns one of the same kind. `get` resolves the `activation=` argument
of layers; `fused_code` tells the Dense layer which activations its fused
kernel can apply.
"""
from ckeras.autograd.functions import math as _M
from ckeras.autograd.functions import nn as _N
from ckeras.backend import nn as _Knn
from ckeras.backend.variables import as_input
from ckeras.kernels.codes import Act
from ckeras.saving.serialization import deserialize_keras_object, serialize_keras_object


def linear(x):
    """Identity: returns `x` unchanged."""
    return x


def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit.

    `x` if threshold < x < max_value, `max_value` if x >= max_value,
    `alpha * (x - threshold)` otherwise.

    Example:
        >>> relu(np.array([-2., 0.5, 8.]), alpha=0.1, max_value=6.)
        array([-0.2,  0.5,  6. ])
    """
    return _Knn.relu(x, alpha=alpha, max_value=max_value, threshold=threshold)


def elu(x, alpha=1.0):
    """x if x > 0 else alpha * (exp(x) - 1)."""
    return _N.Elu.apply(as_input(x), alpha=float(alpha))


def selu(x):
    """scale * elu(x, alpha) with alpha=1.67326..., scale=1.05070..."""
    return _N.Selu.apply(as_input(x))


def softplus(x):
    """log(exp(x) + 1)."""
    return _N.Softplus.apply(as_input(x))


def softsign(x):
    """x / (|x| + 1)."""
    return _N.Softsign.apply(as_input(x))


def sigmoid(x):
    """1 / (1 + exp(-x))."""
    return _N.Sigmoid.apply(as_input(x))


def tanh(x):
    """Hyperbolic tangent."""
    return _N.Tanh.apply(as_input(x))


def hard_sigmoid(x):
    """clip(0.2 x + 0.5, 0, 1) (the tf-keras 2.x definition)."""
    return _N.HardSigmoid.apply(as_input(x))


def exponential(x):
    """exp(x)."""
    return _M.Exp.apply(as_input(x))


def softmax(x, axis=-1):
    """Softmax along `axis` (an int or a tuple of ints); 1-D input is an error."""
    x = as_input(x)
    if len(x.shape) <= 1:
        raise ValueError(
            f"Cannot apply softmax to a tensor that is 1D. Received input: {x!r}")
    return _N.Softmax.apply(x, axis=tuple(axis) if isinstance(axis, list) else axis)


def swish(x):
    """x * sigmoid(x) (also known as silu)."""
    return _N.Swish.apply(as_input(x))


silu = swish


def gelu(x, approximate=False):
    """0.5 x (1 + erf(x / sqrt(2))); with `approximate`, the tanh formula."""
    return _N.Gelu.apply(as_input(x), approximate=bool(approximate))


def relu6(x):
    """min(max(x, 0), 6)."""
    return _N.Relu.apply(as_input(x), max_value=6.0)


def mish(x):
    """x * tanh(softplus(x))."""
    return _N.Mish.apply(as_input(x))


_ACTIVATIONS = {
    fn.__name__: fn for fn in (
        linear, relu, elu, selu, softplus, softsign, sigmoid, tanh, hard_sigmoid,
        exponential, softmax, swish, gelu, relu6, mish)
}
_ACTIVATIONS["silu"] = swish

_FUSED = {linear: Act.LINEAR, relu: Act.RELU, sigmoid: Act.SIGMOID, tanh: Act.TANH,
          softmax: Act.SOFTMAX, hard_sigmoid: Act.HARD_SIGMOID, _Knn.relu: Act.RELU,
          _Knn.sigmoid: Act.SIGMOID, _Knn.tanh: Act.TANH, _Knn.softmax: Act.SOFTMAX,
          _Knn.hard_sigmoid: Act.HARD_SIGMOID}


def fused_code(fn):
    """Kernel code of `fn` if the fused dense kernel can apply it, else None.

    A `ckeras.kernels.codes.Act` (softmax over the last axis); only these
    functions themselves (default arguments) qualify.
    """
    try:
        return _FUSED.get(fn)
    except TypeError:       # unhashable callable
        return None


_LAYER_CLASSES = ("LeakyReLU", "PReLU", "ELU", "ThresholdedReLU", "Softmax", "ReLU")


def _module_objects():
    """Built-in names: the functions above plus the activation layer classes."""
    objects = dict(_ACTIVATIONS)
    try:
        from ckeras import layers  # lazy: E4
    except ImportError:
        return objects
    for name in _LAYER_CLASSES:
        cls = getattr(layers, name, None)
        if cls is not None:
            objects[name] = cls
    return objects


def serialize(activation):
    """The name of an activation function, as layer configs store it.

    Objects with `get_config` (e.g. activation layers) serialize to
    `{'class_name': ..., 'config': ...}`.

    Example:
        >>> serialize(relu)
        'relu'
    """
    return serialize_keras_object(activation)


def deserialize(name, custom_objects=None):
    """The activation named `name` (a string or a serialized dict).

    `custom_objects`, custom_object_scope and registered objects are searched
    before the built-ins. Unknown names raise ValueError.
    """
    if (isinstance(name, dict) and name.get("class_name") in _ACTIVATIONS
            and not name.get("config")):
        name = name["class_name"]
    return deserialize_keras_object(
        name, module_objects=_module_objects(), custom_objects=custom_objects,
        printable_module_name="activation function")


def get(identifier):
    """Resolves the `activation=` argument of layers to a function.

    None -> linear; a name or serialized dict -> deserialized; a callable ->
    itself; anything else -> TypeError.

    Example:
        >>> get('relu') is relu, get(None) is linear
        (True, True)
    """
    if identifier is None:
        return linear
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise TypeError(
        f"Could not interpret activation function identifier: {identifier!r}")
