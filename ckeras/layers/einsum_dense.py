"""EinsumDense: a dense layer whose contraction is an einsum equation."""
import re

import numpy as np

from ckeras import activations, constraints, initializers, regularizers
from ckeras import backend as K
from ckeras.autograd.functions.linalg import Einsum
from ckeras.autograd.tensor import Tensor
from ckeras.backend import nn as _nn
from ckeras.engine.base_layer import Layer

_FORMS = (
    (re.compile(r"([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)$"), False),
    (re.compile(r"0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)$"), True),
    (re.compile(r"([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0$"), False),
)


def _split(equation):
    """`(input, kernel, output, left_elided)` index strings of `equation`."""
    plain = str(equation).replace("...", "0")
    for pattern, left in _FORMS:
        m = pattern.match(plain)
        if m:
            return m.group(1), m.group(2), m.group(3), left
    raise ValueError(f"Invalid einsum equation '{equation}'. Equations must be in the form "
                     "[X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]....")


def analyze(equation, bias_axes, input_shape, output_shape):
    """Kernel shape, bias shape (or None) and full output shape of an
    EinsumDense with `equation` on `input_shape` (tf-keras' rules: elided
    input axes pass through; the bias spans the output axes from the first
    bias axis on, 1 where an axis is not a bias axis)."""
    spec_in, spec_w, spec_out, left = _split(equation)
    input_shape = list(input_shape)
    elided = len(input_shape) - len(spec_in)
    out = [output_shape] if isinstance(output_shape, int) else list(output_shape)
    out.insert(0, input_shape[0])
    if elided > 0 and left:
        out[1:1] = input_shape[1:elided]
    elif elided > 0:
        out.extend(input_shape[len(input_shape) - elided:])
    if left:
        in_pos = {c: i + elided for i, c in enumerate(spec_in)}
        out_pos = {c: i + elided for i, c in enumerate(spec_out)}
    else:
        in_pos = {c: i for i, c in enumerate(spec_in)}
        out_pos = {c: i for i, c in enumerate(spec_out)}
    for c in spec_in:
        if c in out_pos and out[out_pos[c]] is not None and \
                out[out_pos[c]] != input_shape[in_pos[c]]:
            raise ValueError(
                f"Input shape and output shape do not match at shared dimension '{c}'. "
                f"Input shape is {input_shape[in_pos[c]]}, and output shape is "
                f"{out[out_pos[c]]}.")
    for c in spec_out:
        if c not in spec_in and c not in spec_w:
            raise ValueError(f"Dimension '{c}' was specified in the output '{spec_out}' but "
                             f"has no corresponding dim in the input spec '{spec_in}' or "
                             f"weight spec '{spec_w}'")
    kernel = []
    for c in spec_w:
        if c in in_pos:
            kernel.append(input_shape[in_pos[c]])
        elif c in out_pos:
            kernel.append(out[out_pos[c]])
        else:
            raise ValueError(f"Weight dimension '{c}' did not have a match in either the "
                             f"input spec '{spec_in}' or the output spec '{spec_out}'. For "
                             "this layer, the weight must be fully specified.")
    if any(d is None for d in kernel):
        raise ValueError(f"EinsumDense: the kernel shape {tuple(kernel)} of equation "
                         f"'{equation}' on input shape {tuple(input_shape)} has an undefined "
                         "dimension; define it in the input or in `output_shape`.")
    bias = None
    if bias_axes is not None:
        for c in bias_axes:
            if c not in spec_out:
                raise ValueError(f"Bias dimension '{c}' was requested, but is not part of "
                                 f"the output spec '{spec_out}'")
        first = min(spec_out.find(c) for c in bias_axes)
        shift = elided if left else 0
        bias = [out[spec_out.find(c) + shift] if c in bias_axes else 1
                for c in spec_out[first:]]
        if not left:
            bias += [1] * max(elided, 0)
    return kernel, bias, out


def dense_plan(equation, bias_axes):
    """`(contracted, kernel_free, bias_fused)` when `equation` is a plain
    dense product (input = free + contracted axes, kernel = contracted +
    new axes, output = free + new axes), so the layer can run the fused
    dense kernel on 2-D views; else None. `bias_fused`: the bias spans
    exactly the new axes."""
    spec_in, spec_w, spec_out, left = _split(equation)
    if "0" in equation.replace("...", "0") and not left:
        return None
    contracted = "".join(c for c in spec_in if c in spec_w and c not in spec_out)
    free = spec_in[:len(spec_in) - len(contracted)]
    new = spec_w[len(contracted):]
    if not contracted or spec_in != free + contracted or spec_w != contracted + new \
            or spec_out != free + new or any(c in spec_w for c in free) \
            or len(set(spec_in + spec_w)) != len(spec_in) + len(new):
        return None
    return len(contracted), len(new), bias_axes is not None and set(bias_axes) == set(new)


class EinsumDense(Layer):
    """A dense layer of arbitrary dimensionality: `einsum(equation, inputs, kernel)`,
    plus an optional bias, then the activation.

    The kernel's shape follows from the equation: each kernel index takes its
    size from the input, or else from `output_shape`.

    Args:
        equation: 'ab,bc->ac' form, with `...` allowed at the left or right of
            the input and output ('...b,bc->...c'); the first string is the
            input's, the second the kernel's.
        output_shape: the output shape without the batch axis (an int for a
            rank-2 output); `None` for a dimension taken from the input.
        activation: activation function; None means linear.
        bias_axes: output indices the bias spans (e.g. 'c'), or None for no
            bias.
        kernel_initializer: initializer of the kernel.
        bias_initializer: initializer of the bias.
        kernel_regularizer: regularizer of the kernel.
        bias_regularizer: regularizer of the bias.
        activity_regularizer: regularizer applied to the output.
        kernel_constraint: constraint of the kernel.
        bias_constraint: constraint of the bias.

    Example:
        >>> layer = EinsumDense("abc,cde->abde", output_shape=(None, 4, 8),
        ...                     bias_axes="de")
        >>> layer(np.ones((2, 5, 16), "float32")).shape
        (2, 5, 4, 8)
    """

    def __init__(self, equation, output_shape, activation=None, bias_axes=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        _split(equation)
        self.equation = equation
        self.partial_output_shape = [output_shape] if isinstance(output_shape, int) \
            else list(output_shape)
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def build(self, input_shape):
        kernel, bias, self.full_output_shape = analyze(
            self.equation, self.bias_axes, input_shape, self.partial_output_shape)
        self.kernel = self.add_weight(
            "kernel", shape=kernel, initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
            dtype=self.dtype, trainable=True)
        self.bias = None if bias is None else self.add_weight(
            "bias", shape=bias, initializer=self.bias_initializer,
            regularizer=self.bias_regularizer, constraint=self.bias_constraint,
            dtype=self.dtype, trainable=True)
        self._plan = dense_plan(self.equation, self.bias_axes)
        self.built = True

    def _dense_call(self, x):
        """The product as the fused dense kernel on 2-D views (bias and a
        fusable activation included)."""
        n_contracted, n_new, bias_fused = self._plan
        kshape = tuple(self.kernel.shape)
        k = int(np.prod(kshape[:n_contracted]))
        m = int(np.prod(kshape[n_contracted:]))
        fused = activations.fused_code(self.activation) if (
            bias_fused or self.bias is None) else None
        code = fused if fused is not None else activations.fused_code(activations.linear)
        bias = K.reshape(self.bias, (m,)) if bias_fused else None
        shape = tuple(x.shape)
        y = _nn.dense(K.reshape(x, (-1, k)), K.reshape(self.kernel, (k, m)), bias, code)
        y = K.reshape(y, shape[:len(shape) - n_contracted] + kshape[n_contracted:])
        if self.bias is not None and not bias_fused:
            y = y + self.bias
        if fused is None and self.activation is not activations.linear:
            y = self.activation(y)
        return y

    def call(self, inputs):
        x = inputs
        if not isinstance(x, Tensor) and x.dtype != self.kernel.dtype:
            x = x.astype(self.kernel.dtype)
        if self._plan is not None:
            return self._dense_call(x)
        y = Einsum.apply(x, self.kernel, equation=self.equation)
        if self.bias is not None:
            y = y + self.bias
        if self.activation is not None and self.activation is not activations.linear:
            y = self.activation(y)
        return y

    def compute_output_shape(self, input_shape):
        return tuple(analyze(self.equation, self.bias_axes, input_shape,
                             self.partial_output_shape)[2])

    def get_config(self):
        config = super().get_config()
        config.update({
            "output_shape": self.partial_output_shape,
            "equation": self.equation,
            "activation": activations.serialize(self.activation),
            "bias_axes": self.bias_axes,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        })
        return config
