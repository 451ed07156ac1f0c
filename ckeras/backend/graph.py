"""Graph-level backend functions: placeholder, function, gradients."""
import numpy as np

from ckeras._internal import config
from ckeras.autograd.function import no_grad
from ckeras.autograd.tape import grad
from ckeras.autograd.tensor import SymbolicTensor, Tensor


class LearningPhase(int):
    """The value of `K.learning_phase()`: an int (0 or 1) that `K.function`
    also recognises as an input slot selecting the phase."""


def learning_phase():
    """Returns the learning phase (0 = test, 1 = train) of this thread.

    It can also be listed among the inputs of `K.function`; the value fed for
    it then selects the phase of that call.
    """
    return LearningPhase(config.learning_phase())


def placeholder(shape=None, ndim=None, dtype=None, sparse=False, name=None):
    """A symbolic input tensor (batch dimension included in `shape`)."""
    from ckeras.engine.input_layer import Input  # lazy: E1
    if shape is None:
        if ndim is None:
            raise ValueError("placeholder needs a `shape` or an `ndim` argument.")
        shape = (None,) * ndim
    return Input(batch_shape=tuple(shape), dtype=dtype or config.floatx(), name=name)


class GraphFunction:
    """Callable returned by `K.function`: evaluates graph tensors on arrays."""

    def __init__(self, inputs, outputs, name=None):
        from ckeras.engine.functional import Functional  # lazy: E1
        from ckeras.engine.keras_tensor import KerasTensor  # lazy: E1
        inputs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        self._single = not isinstance(outputs, (list, tuple))
        outputs = [outputs] if self._single else list(outputs)
        self._phase_slot = None
        tensors = []
        for i, x in enumerate(inputs):
            if isinstance(x, LearningPhase):
                self._phase_slot = i
            elif isinstance(x, KerasTensor):
                tensors.append(x)
            else:
                raise ValueError(
                    "K.function inputs must be symbolic tensors (e.g. model.input) or "
                    f"K.learning_phase(); received {x!r} at position {i}.")
        for o in outputs:
            if not isinstance(o, KerasTensor):
                raise ValueError(f"K.function outputs must be symbolic tensors; "
                                 f"received {o!r}.")
        self.inputs, self.outputs = tensors, outputs
        self._graph = Functional.__new__(Functional)
        Functional.__init__(self._graph, tensors, outputs, name=name or "k_function")

    def __call__(self, values):
        values = list(values) if isinstance(values, (list, tuple)) else [values]
        training = False
        if self._phase_slot is not None:
            if len(values) != len(self.inputs) + 1:
                raise ValueError(f"K.function expected {len(self.inputs) + 1} input "
                                 f"values, received {len(values)}.")
            training = bool(values.pop(self._phase_slot))
        elif len(values) != len(self.inputs):
            raise ValueError(f"K.function expected {len(self.inputs)} input values, "
                             f"received {len(values)}.")
        arrays = []
        for v, t in zip(values, self.inputs):
            a = np.asarray(v)
            if a.dtype.kind == "f" and np.dtype(t.dtype).kind == "f" and a.dtype != t.dtype:
                a = a.astype(t.dtype)
            arrays.append(a)
        graph = self._graph
        with no_grad():
            store = dict(zip(graph._input_ids, arrays))
            graph._run(store, training=training, masks={})
        outs = [np.asarray(store[k]) for k in graph._output_ids]
        return outs[0] if self._single else outs


def function(inputs, outputs=None, updates=None, name=None, **kwargs):
    """Instantiates a callable that evaluates `outputs` given `inputs`.

    Args:
        inputs: list of symbolic tensors (model inputs or intermediate
            tensors); may include `K.learning_phase()`.
        outputs: a symbolic tensor or a list of them.
        updates: not supported (Keras 1 style variable updates); must be None.

    When `outputs` is omitted, the last tensor of `inputs` is the output and
    the others are the inputs: the form some Keras tutorials print,
    `K.function([model.layers[0].input, model.layers[3].output])`.

    Returns:
        A function taking a list of NumPy arrays and returning a list of
        arrays (or one array when `outputs` is a single tensor).

    Example:
        >>> get_3rd_layer_output = K.function([model.layers[0].input],
        ...                                   [model.layers[3].output])
        >>> layer_output = get_3rd_layer_output([x])[0]
    """
    if updates:
        raise ValueError("K.function does not support `updates`; train with "
                         "model.fit or an optimizer instead.")
    if outputs is None:
        if not isinstance(inputs, (list, tuple)) or len(inputs) < 2:
            raise TypeError("K.function needs `outputs` (or a list whose last tensor "
                            "is the output).")
        inputs, outputs = list(inputs[:-1]), [inputs[-1]]
    return GraphFunction(inputs, outputs, name=name)


def gradients(loss, variables):
    """Gradients of an eager `loss` Tensor with respect to `variables`.

    Works on Tensors recorded on the tape (e.g. computed from a layer's
    weights); symbolic (KerasTensor) losses are not differentiable here.
    """
    if isinstance(loss, SymbolicTensor):
        raise RuntimeError(
            "K.gradients cannot differentiate a symbolic tensor. Compute the loss "
            "eagerly from Tensors (e.g. model(x)) and call K.gradients on it.")
    if not isinstance(loss, Tensor):
        raise ValueError("K.gradients needs a Tensor recorded on the tape; received "
                         f"{type(loss).__name__}.")
    single = not isinstance(variables, (list, tuple))
    result = grad(loss, [variables] if single else list(variables))
    return result
