"""OpLambda: a backend op applied to KerasTensors becomes a graph layer.

This is what lets `x[:, 0]`, `a + b` or `K.mean(x)` on symbolic tensors build
a functional model, as TF-Keras does with its TFOpLambda layers.
"""
import numpy as np

from ckeras import backend as K
from ckeras._internal import naming
from ckeras.autograd import function as function_module
from ckeras.autograd.functions import elementwise as E
from ckeras.autograd.functions import shape as S
from ckeras.autograd.tensor import SymbolicTensor
from ckeras.engine.base_layer import Layer
from ckeras.engine.tf_op_layer import SlicingOpLambda, TFOpLambda


class _Slot:
    __slots__ = ("index",)

    def __init__(self, index):
        self.index = index


def _template(value, tensors):
    """`value` with each symbolic tensor replaced by a numbered slot."""
    if isinstance(value, SymbolicTensor):
        tensors.append(value)
        return _Slot(len(tensors) - 1)
    if isinstance(value, (list, tuple)):
        return type(value)(_template(v, tensors) for v in value)
    return value


def _fill(value, inputs):
    if isinstance(value, _Slot):
        return inputs[value.index]
    if isinstance(value, (list, tuple)):
        return type(value)(_fill(v, inputs) for v in value)
    return value


class OpLambda(Layer):
    """Wraps one Function call whose inputs include KerasTensors."""

    def __init__(self, function, template, attrs, **kwargs):
        kwargs.setdefault("name", naming.unique_name(
            "op." + naming.to_snake_case(function.__name__)))
        super().__init__(**kwargs)
        self.function = function
        self.template = template
        self.attrs = attrs
        self.supports_masking = True

    def call(self, inputs):
        values = inputs if isinstance(inputs, list) else [inputs]
        return self.function.apply(*_fill(self.template, values), **self.attrs)

    def get_config(self):
        config = super().get_config()
        config["function"] = self.function.__name__
        return config


def _slice_spec(key):
    """A `__getitem__` key in tf-keras' saved form, or None if it has parts
    (arrays, Ellipsis) that form cannot hold."""
    def one(k):
        if isinstance(k, slice):
            parts = (k.start, k.stop, k.step)
            if all(p is None or isinstance(p, (int, np.integer)) for p in parts):
                return {"start": k.start, "stop": k.stop, "step": k.step}
            raise TypeError
        if k is None or isinstance(k, (int, np.integer)) and not isinstance(k, bool):
            return None if k is None else int(k)
        raise TypeError
    try:
        return [one(k) for k in key] if isinstance(key, tuple) else one(key)
    except TypeError:
        return None


# The binary Functions tf-keras records as TFOpLambda, by TF function name.
_TF_BINARY = {E.Add: "__operators__.add", E.Mul: "math.multiply",
              E.Sub: "math.subtract", E.Div: "math.truediv"}


def _tf_op(function, inputs, attrs):
    """The tf-keras TFOpLambda form of a Function call, `(layer, first,
    kwargs)`, for the ops tf-keras records that way; None otherwise."""
    symbolic = [isinstance(v, SymbolicTensor) for v in inputs]
    if function is S.GetItem and symbolic == [True]:
        spec = _slice_spec(attrs.get("key"))
        if spec is not None:
            return SlicingOpLambda("__operators__.getitem"), inputs[0], {"slice_spec": spec}
        return None
    if function not in _TF_BINARY or len(inputs) != 2 or attrs:
        return None
    a, b = inputs
    if not symbolic[0]:
        if function not in (E.Add, E.Mul):
            return None
        a, b = b, a
    b = b.item() if isinstance(b, np.generic) else b
    return TFOpLambda(_TF_BINARY[function]), a, {"y": b, "name": None}


def symbolic_apply(function, inputs, attrs):
    tf_op = _tf_op(function, inputs, attrs)
    if tf_op is not None:
        layer, first, kwargs = tf_op
        return layer(first, **kwargs)
    tensors = []
    template = _template(tuple(inputs), tensors)
    layer = OpLambda(function, template, attrs)
    return layer(tensors if len(tensors) > 1 else tensors[0])


function_module.symbolic_handler = symbolic_apply


class Keras3Op(Layer):
    """A Keras 3 `Operation` node of a saved functional graph (e.g. the
    `NotEqual` that Keras 3 records for `Embedding(mask_zero=True)` masks).

    Only the element-wise comparisons below are known; they are rebuilt by
    their `class_name` when a Keras 3 model config is loaded.
    """

    op_name = None

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = False

    def call(self, x, y=0):
        return getattr(K, self.op_name)(x, y)

    def compute_mask(self, inputs, mask=None):
        return None


class Keras3Reduction(Keras3Op):
    """A Keras 3 boolean reduction node (`Any` of a `Masking` layer's mask)."""

    def __init__(self, axis=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.axis, self.keepdims = axis, keepdims

    def call(self, x):
        return getattr(K, self.op_name)(x, axis=self.axis, keepdims=self.keepdims)

    def get_config(self):
        return dict(super().get_config(), axis=self.axis, keepdims=self.keepdims)


def _keras3_op(class_name, op_name, base=Keras3Op):
    return type(class_name, (base,), {"op_name": op_name, "__module__": __name__})


KERAS3_OPS = {name: _keras3_op(name, op) for name, op in (
    ("NotEqual", "not_equal"), ("Equal", "equal"), ("Greater", "greater"),
    ("GreaterEqual", "greater_equal"), ("Less", "less"), ("LessEqual", "less_equal"))}
KERAS3_OPS.update({name: _keras3_op(name, op, Keras3Reduction)
                   for name, op in (("Any", "any"), ("All", "all"))})
