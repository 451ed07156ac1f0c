"""Merge layers: Add, Subtract, Multiply, Average, Maximum, Minimum,
Concatenate, Dot, and their functional forms."""
import numpy as np

from ckeras import backend as K
from ckeras.engine.base_layer import Layer


def _is_shape(value):
    return isinstance(value, tuple) and all(
        d is None or isinstance(d, (int, np.integer)) for d in value)


def _is_shape_list(input_shape):
    """Whether `input_shape` is a non-empty list of shapes (several inputs)."""
    if isinstance(input_shape, tuple) and _is_shape(input_shape):
        return False
    return isinstance(input_shape, (list, tuple)) and len(input_shape) > 0 and all(
        isinstance(s, (tuple, list)) and _is_shape(tuple(s)) for s in input_shape)


class _Merge(Layer):
    """Base of the elementwise merge layers.

    Subclasses implement `_merge_function(inputs)` over a list of tensors of
    the same rank (lower-rank inputs get unit axes inserted after the batch
    axis, as tf.keras does; size-1 axes broadcast).
    """

    _min_inputs = 1

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def _check_list(self, input_shape):
        if not _is_shape_list(input_shape):
            raise ValueError(
                f'A merge layer ("{self.name}", {type(self).__name__}) should be called '
                f"on a list of inputs. Received: input_shape={input_shape} (not a list "
                "of shapes)")
        if len(input_shape) < self._min_inputs:
            raise ValueError(
                f'A merge layer ("{self.name}", {type(self).__name__}) should be called '
                f"on a list of at least {self._min_inputs} input(s). Got "
                f"{len(input_shape)} inputs. Full input_shape received: {input_shape}")

    def _compute_elemwise_op_output_shape(self, shape1, shape2):
        """Broadcast result of two shapes (batch axis excluded)."""
        if shape1 is None or shape2 is None:
            return None
        if len(shape1) < len(shape2):
            return self._compute_elemwise_op_output_shape(shape2, shape1)
        if not shape2:
            return tuple(shape1)
        output_shape = list(shape1[:-len(shape2)])
        for i, j in zip(shape1[-len(shape2):], shape2):
            if i is None or j is None:
                output_shape.append(None)
            elif i == 1:
                output_shape.append(j)
            elif j == 1:
                output_shape.append(i)
            else:
                if i != j:
                    raise ValueError(
                        f'Layer "{self.name}" ({type(self).__name__}): inputs have '
                        f"incompatible shapes. Received shapes {tuple(shape1)} and "
                        f"{tuple(shape2)}")
                output_shape.append(i)
        return tuple(output_shape)

    def _output_shape_of(self, input_shape):
        self._check_list(input_shape)
        input_shape = [tuple(s) for s in input_shape]
        batch_sizes = {s[0] for s in input_shape if s} - {None}
        if len(batch_sizes) > 1:
            raise ValueError(
                f'Layer "{self.name}" ({type(self).__name__}) cannot merge tensors with '
                f"different batch sizes. Got tensors with shapes {input_shape}")
        output_shape = input_shape[0][1:]
        for shape in input_shape[1:]:
            output_shape = self._compute_elemwise_op_output_shape(output_shape, shape[1:])
        batch = next(iter(batch_sizes)) if batch_sizes else None
        return (batch,) + tuple(output_shape)

    def build(self, input_shape):
        self._output_shape_of(input_shape)
        self.built = True

    def compute_output_shape(self, input_shape):
        return self._output_shape_of(input_shape)

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(
                f'A merge layer ("{self.name}", {type(self).__name__}) should be called '
                f"on a list of inputs. Received: inputs={inputs!r} (not a list of "
                "tensors)")
        ndims = [x.ndim for x in inputs]
        if len(set(ndims)) > 1:
            max_ndim = max(ndims)
            inputs = [K.reshape(x, (x.shape[0],) + (1,) * (max_ndim - x.ndim)
                                + tuple(x.shape[1:]))
                      if x.ndim < max_ndim else x for x in inputs]
        return self._merge_function(list(inputs))

    def _merge_function(self, inputs):
        raise NotImplementedError

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        if not isinstance(mask, (list, tuple)):
            raise ValueError(f"`mask` should be a list. Received: mask={mask!r}")
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"`inputs` should be a list. Received: inputs={inputs!r}")
        if len(mask) != len(inputs):
            raise ValueError(
                "The lists `inputs` and `mask` should have the same length. Received: "
                f"inputs={len(inputs)} tensors and mask={len(mask)} masks")
        masks = [np.asarray(m, dtype=bool) for m in mask if m is not None]
        if not masks:
            return None
        out = masks[0]
        for m in masks[1:]:
            out = np.logical_and(out, m)
        return out


class Add(_Merge):
    """Adds a list of inputs, all of the same shape (size-1 axes broadcast).

    Example:
        >>> x1 = Dense(8)(Input(shape=(16,))); x2 = Dense(8)(Input(shape=(32,)))
        >>> added = Add()([x1, x2])   # same as added = add([x1, x2])
    """

    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = output + x
        return output


class Subtract(_Merge):
    """Subtracts two inputs: `inputs[0] - inputs[1]` (exactly 2 inputs).

    Example:
        >>> subtracted = Subtract()([x1, x2])
    """

    def build(self, input_shape):
        if _is_shape_list(input_shape) and len(input_shape) != 2:
            raise ValueError(
                "A `Subtract` layer should be called on exactly 2 inputs. Received: "
                f'input_shape={input_shape} (layer "{self.name}")')
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        if _is_shape_list(input_shape) and len(input_shape) != 2:
            raise ValueError(
                "A `Subtract` layer should be called on exactly 2 inputs. Received: "
                f'input_shape={input_shape} (layer "{self.name}")')
        return super().compute_output_shape(input_shape)

    def _merge_function(self, inputs):
        if len(inputs) != 2:
            raise ValueError(
                "A `Subtract` layer should be called on exactly 2 inputs. Received "
                f'{len(inputs)} inputs (layer "{self.name}")')
        return inputs[0] - inputs[1]


class Multiply(_Merge):
    """Multiplies (elementwise) a list of inputs of the same shape.

    Example:
        >>> multiplied = Multiply()([x1, x2])
    """

    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = output * x
        return output


class Average(_Merge):
    """Averages a list of inputs of the same shape, elementwise.

    Example:
        >>> averaged = Average()([x1, x2])
    """

    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = output + x
        return output / np.asarray(len(inputs), dtype=output.dtype)


class Maximum(_Merge):
    """Elementwise maximum of a list of inputs of the same shape.

    Example:
        >>> maxed = Maximum()([x1, x2])
    """

    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = K.maximum(output, x)
        return output


class Minimum(_Merge):
    """Elementwise minimum of a list of inputs of the same shape.

    Example:
        >>> minned = Minimum()([x1, x2])
    """

    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = K.minimum(output, x)
        return output


class Concatenate(_Merge):
    """Concatenates a list of inputs along `axis`.

    All inputs must have the same shape except along the concatenation axis.

    Args:
        axis: the concatenation axis (default -1, the last).

    Example:
        >>> a = Input(shape=(3,)); b = Input(shape=(5,))
        >>> Concatenate()([a, b]).shape
        (None, 8)
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = int(axis)

    def _check_shapes(self, input_shape):
        if not _is_shape_list(input_shape):
            raise ValueError(
                f'A `Concatenate` layer ("{self.name}") should be called on a list of '
                f"at least 1 input. Received: input_shape={input_shape}")
        shapes = [tuple(s) for s in input_shape]
        err = ("A `Concatenate` layer requires inputs with matching shapes except "
               f'for the concatenation axis (layer "{self.name}", axis={self.axis}). '
               f"Received: input_shape={shapes}")
        ranks = {len(s) for s in shapes}
        if len(ranks) != 1:
            raise ValueError(err)
        rank = ranks.pop()
        if rank == 0 or not -rank <= self.axis < rank:
            raise ValueError(
                f'Invalid axis {self.axis} for `Concatenate` layer "{self.name}" with '
                f"inputs of rank {rank}. Received: input_shape={shapes}")
        axis = self.axis % rank
        for dim in range(1, rank):
            if dim == axis:
                continue
            sizes = {s[dim] for s in shapes if s[dim] is not None}
            if len(sizes) > 1:
                raise ValueError(err)
        return shapes, axis

    def build(self, input_shape):
        self._check_shapes(input_shape)
        self.built = True

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(
                f'A `Concatenate` layer ("{self.name}") should be called on a list of '
                f"inputs. Received: inputs={inputs!r}")
        return K.concatenate(list(inputs), axis=self.axis)

    def compute_output_shape(self, input_shape):
        shapes, axis = self._check_shapes(input_shape)
        output_shape = list(shapes[0])
        for shape in shapes[1:]:
            if output_shape[axis] is None or shape[axis] is None:
                output_shape[axis] = None
                break
            output_shape[axis] += shape[axis]
        for dim in range(1, len(output_shape)):
            if output_shape[dim] is None:
                known = [s[dim] for s in shapes if s[dim] is not None]
                if known and dim != axis:
                    output_shape[dim] = known[0]
        return tuple(output_shape)

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        if not isinstance(mask, (list, tuple)):
            raise ValueError(f"`mask` should be a list. Received mask={mask!r}")
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"`inputs` should be a list. Received: inputs={inputs!r}")
        if len(mask) != len(inputs):
            raise ValueError(
                "The lists `inputs` and `mask` should have the same length. Received: "
                f"inputs={len(inputs)} tensors and mask={len(mask)} masks")
        if all(m is None for m in mask):
            return None
        full = []
        for x, m in zip(inputs, mask):
            shape = tuple(x.shape)
            if m is None:
                full.append(np.ones(shape, dtype=bool))
                continue
            m = np.asarray(m, dtype=bool)
            m = m.reshape(m.shape + (1,) * (len(shape) - m.ndim))
            full.append(np.broadcast_to(m, shape))
        return np.all(np.concatenate(full, axis=self.axis), axis=-1)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


class Dot(_Merge):
    """Computes a dot product between samples of two tensors.

    For inputs `a` of shape `(batch, n)` and `b` of shape `(batch, n)` the
    output has shape `(batch, 1)`: entry `i` is the dot product of `a[i]` and
    `b[i]`. Higher-rank inputs are contracted along `axes` (batch excluded),
    as `K.batch_dot` does.

    Args:
        axes: integer, or pair of integers: the axis (axes) along which to take
            the dot product; a single integer applies to both inputs.
        normalize: whether to L2-normalise the samples along the dot axes
            first; the output is then the cosine similarity.

    Example:
        >>> x = np.arange(10).reshape(1, 5, 2); y = np.arange(10, 20).reshape(1, 2, 5)
        >>> Dot(axes=(1, 2))([x, y]).shape
        (1, 2, 2)
    """

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axes, (int, np.integer)):
            if not isinstance(axes, (list, tuple)):
                raise TypeError(
                    "Invalid type for argument `axes`: it should be a list or an int. "
                    f"Received: axes={axes!r}")
            if len(axes) != 2:
                raise ValueError(
                    "Invalid format for argument `axes`: it should contain two "
                    f"elements. Received: axes={axes}")
            if not all(isinstance(a, (int, np.integer)) for a in axes):
                raise ValueError(
                    "Invalid format for argument `axes`: list elements should be "
                    f"integers. Received: axes={axes}")
            axes = [int(a) for a in axes]
        else:
            axes = int(axes)
        self.axes = axes
        self.normalize = bool(normalize)

    def _resolve_axes(self, rank1, rank2):
        if isinstance(self.axes, int):
            if self.axes < 0:
                return [self.axes % rank1, self.axes % rank2]
            return [self.axes] * 2
        return [a % r if a < 0 else a for a, r in zip(self.axes, (rank1, rank2))]

    def _check(self, input_shape):
        if not _is_shape_list(input_shape) or len(input_shape) != 2:
            raise ValueError(
                f'A `Dot` layer ("{self.name}") should be called on a list of 2 '
                f"inputs. Received: input_shape={input_shape}")
        shape1, shape2 = tuple(input_shape[0]), tuple(input_shape[1])
        axes = self._resolve_axes(len(shape1), len(shape2))
        for ax, shape in zip(axes, (shape1, shape2)):
            if ax == 0 or ax >= len(shape):
                raise ValueError(
                    f'Invalid `axes` {self.axes} for `Dot` layer "{self.name}": an axis '
                    f"must be a non-batch axis of its input. Full input shapes: "
                    f"{shape1}, {shape2}")
        d1, d2 = shape1[axes[0]], shape2[axes[1]]
        if d1 is not None and d2 is not None and d1 != d2:
            raise ValueError(
                f'Layer "{self.name}" (Dot): incompatible input shapes: axis values '
                f"{d1} (at axis {axes[0]}) != {d2} (at axis {axes[1]}). Full input "
                f"shapes: {shape1}, {shape2}")
        return shape1, shape2, axes

    def build(self, input_shape):
        self._check(input_shape)
        self.built = True

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError(
                f'A `Dot` layer ("{self.name}") should be called on exactly 2 inputs.')
        x1, x2 = inputs
        axes = self._resolve_axes(x1.ndim, x2.ndim)
        if self.normalize:
            x1 = K.l2_normalize(x1, axis=axes[0])
            x2 = K.l2_normalize(x2, axis=axes[1])
        return K.batch_dot(x1, x2, axes)

    def compute_output_shape(self, input_shape):
        shape1, shape2, axes = self._check(input_shape)
        shape1, shape2 = list(shape1), list(shape2)
        shape1.pop(axes[0])
        shape2.pop(axes[1])
        shape2.pop(0)
        output_shape = shape1 + shape2
        if len(output_shape) == 1:
            output_shape += [1]
        return tuple(output_shape)

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        config = super().get_config()
        config.update({"axes": self.axes, "normalize": self.normalize})
        return config


# ------------------------------------------------------------ functional forms
def add(inputs, **kwargs):
    """Functional interface to the `Add` layer: `add([x1, x2])`.

    Args:
        inputs: a list of input tensors with the same shape.
        **kwargs: standard layer keyword arguments (e.g. `name`).

    Returns:
        The sum of the inputs.
    """
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """Functional interface to the `Subtract` layer: `subtract([x1, x2])`.

    Returns:
        `inputs[0] - inputs[1]`.
    """
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """Functional interface to the `Multiply` layer.

    Returns:
        The elementwise product of the inputs.
    """
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """Functional interface to the `Average` layer.

    Returns:
        The elementwise average of the inputs.
    """
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """Functional interface to the `Maximum` layer.

    Returns:
        The elementwise maximum of the inputs.
    """
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """Functional interface to the `Minimum` layer.

    Returns:
        The elementwise minimum of the inputs.
    """
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    """Functional interface to the `Concatenate` layer.

    Args:
        inputs: a list of input tensors.
        axis: concatenation axis.
        **kwargs: standard layer keyword arguments.

    Returns:
        The concatenation of the inputs along `axis`.
    """
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes, normalize=False, **kwargs):
    """Functional interface to the `Dot` layer.

    Args:
        inputs: a list of 2 input tensors.
        axes: integer or pair of integers, the dot-product axes.
        normalize: whether to L2-normalise along the axes first (cosine).
        **kwargs: standard layer keyword arguments.

    Returns:
        The batch-wise dot product of the inputs.
    """
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
