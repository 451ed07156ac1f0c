"""Graph-level backend functions: placeholder, function, gradients.

Symbolic gradients (the Keras 2 deep-dream / style-transfer pattern,
`grads = K.gradients(loss, model.input)[0]`, then
`K.function([model.input], [loss, grads])`): `K.gradients` returns, for each
source, a placeholder tensor of the source's shape that stands for the
gradient, and remembers `(loss, source)` for it. Further ops on it build an
ordinary graph. `K.function` finds the gradient placeholders its outputs
depend on; each call first runs the graph that computes the losses from its
inputs (as Tensors that require grad, inside a recording context),
differentiates, then feeds the gradients to the placeholders.
"""
import itertools
import weakref

import numpy as np

from ckeras._internal import config
from ckeras._internal.nest import flatten
from ckeras.autograd.function import enable_grad, no_grad
from ckeras.autograd.tape import grad
from ckeras.autograd.tensor import SymbolicTensor, Tensor, Variable

# gradient placeholder (a KerasTensor) -> (loss, source) it stands for
_GRADIENTS = weakref.WeakKeyDictionary()
_gradient_ids = itertools.count(1)


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
        slots = _gradient_slots(outputs)
        self._slots = slots
        self._grad_graph = None
        if slots:
            losses = list({id(loss): loss for _, loss, _ in slots}.values())
            sources = [src for _, _, src in slots
                       if isinstance(src, KerasTensor) and not any(src is t for t in tensors)]
            try:
                self._grad_graph = Functional(tensors, losses + sources,
                                              name=(name or "k_function") + "_gradients")
            except ValueError as e:
                raise ValueError(
                    "K.function: a gradient among the outputs needs values that the "
                    f"inputs do not determine ({e}). List every input its loss "
                    "depends on.") from None
        self._graph = Functional.__new__(Functional)
        Functional.__init__(self._graph, tensors + [ph for ph, _, _ in slots], outputs,
                            name=name or "k_function")

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
        if self._slots:
            grads, known = self._gradients(arrays, training)
            # [loss, grads] (deep dream): the outputs are all known from the
            # gradient pass, whose dropout draws they must share.
            known.update((id(ph), g) for (ph, _, _), g in zip(self._slots, grads))
            if all(k in known for k in graph._output_ids):
                outs = [np.asarray(known[k]) for k in graph._output_ids]
                return outs[0] if self._single else outs
            arrays = arrays + grads
        with no_grad():
            store = dict(zip(graph._input_ids, arrays))
            graph._run(store, training=training, masks={})
        outs = [np.asarray(store[k]) for k in graph._output_ids]
        return outs[0] if self._single else outs

    def _gradients(self, arrays, training):
        """The values of the gradient placeholders for one call, and the
        values of the tensors of the gradient graph (by id)."""
        graph = self._grad_graph
        variables = [src for _, _, src in self._slots if isinstance(src, Variable)]
        flags = [v.requires_grad for v in variables]
        leaves = [Tensor(a, requires_grad=True) if a.dtype.kind == "f" else a
                  for a in arrays]
        try:
            for v in variables:
                v.requires_grad = True
            with enable_grad():
                store = dict(zip(graph._input_ids, leaves))
                graph._run(store, training=training, masks={})
        finally:
            for v, flag in zip(variables, flags):
                v.requires_grad = flag
        by_loss = {}
        for i, (_, loss, src) in enumerate(self._slots):
            value = src if isinstance(src, Variable) else store[id(src)]
            by_loss.setdefault(id(loss), (store[id(loss)], []))[1].append((i, value))
        values = [None] * len(self._slots)
        for loss_value, pairs in by_loss.values():
            found = grad(loss_value, [v for _, v in pairs if isinstance(v, Tensor)])
            found = iter(found)
            for i, v in pairs:
                g = next(found) if isinstance(v, Tensor) else None
                values[i] = np.zeros(np.shape(v), self._slots[i][0].dtype) if g is None \
                    else np.asarray(g, self._slots[i][0].dtype)
        return values, store


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
    """Gradients of `loss` with respect to `variables` (Keras 2 `K.gradients`).

    Args:
        loss: a symbolic tensor (from `model.input`/`model.output`, e.g.
            `K.mean(model.output[:, 0])`), or an eager Tensor recorded on
            the tape. A non-scalar loss is summed.
        variables: a tensor or Variable, or a list of them: symbolic
            tensors of the loss's graph (`model.input`, a layer's output)
            or weights (`model.trainable_weights`) for a symbolic loss;
            Tensors/Variables for an eager one.

    Returns:
        A list with one gradient per variable, None where `loss` does not
        depend on it (as Keras 2 with TensorFlow 1). For a symbolic loss the
        gradients are symbolic tensors, to be evaluated with `K.function`
        (whose inputs must include every input the loss depends on).

    Example:
        >>> loss = K.mean(model.output[:, 0])
        >>> grads = K.gradients(loss, model.input)[0]
        >>> iterate = K.function([model.input], [loss, grads])
        >>> loss_value, grads_value = iterate([x])
    """
    sources = flatten(variables)
    if isinstance(loss, SymbolicTensor):
        return _symbolic_gradients(loss, sources)
    if not isinstance(loss, Tensor):
        raise ValueError("K.gradients needs a tensor: a symbolic one (from a model) or "
                         "a Tensor recorded on the tape; received "
                         f"{type(loss).__name__}.")
    for s in sources:
        if not isinstance(s, Tensor):
            raise ValueError("K.gradients: `variables` of an eager loss must be Tensors or "
                             f"Variables; received {type(s).__name__}.")
    return grad(loss, sources, unconnected_gradients="none")


def _symbolic_gradients(loss, sources):
    from ckeras.engine.input_layer import Input  # lazy: E1
    tensor_ids, layers, constants = _ancestry([loss])
    if any(t in _GRADIENTS for t in _walk_tensors([loss])):
        raise NotImplementedError(
            "K.gradients: `loss` depends on another gradient; ckeras does not compute "
            "second-order gradients.")
    weight_ids = {id(w) for layer in layers for w in layer.weights}
    weight_ids.update(id(c) for c in constants if isinstance(c, Variable))
    result = []
    for s in sources:
        if isinstance(s, SymbolicTensor):
            connected = id(s) in tensor_ids
        elif isinstance(s, Variable):
            connected = id(s) in weight_ids
        else:
            raise ValueError(
                "K.gradients: `variables` of a symbolic loss must be symbolic tensors "
                "of its graph (e.g. model.input) or weights (model.trainable_weights); "
                f"received {type(s).__name__}.")
        if not connected or np.dtype(s.dtype).kind != "f":
            result.append(None)
            continue
        ph = Input(batch_shape=tuple(s.shape), dtype=np.dtype(s.dtype).name,
                   name=f"gradients_{next(_gradient_ids)}")
        _GRADIENTS[ph] = (loss, s)
        result.append(ph)
    return result


def _walk_tensors(tensors):
    """The symbolic tensors feeding `tensors` (themselves included)."""
    seen, stack = {}, list(tensors)
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen[id(t)] = t
        if t._keras_history is not None:
            stack.extend(t.node.input_tensors)
    return list(seen.values())


def _ancestry(tensors):
    """(ids of the tensors, layers, non-tensor call values) feeding `tensors`."""
    walked = _walk_tensors(tensors)
    layers, nodes = {}, {}
    for t in walked:
        if t._keras_history is not None:
            node = t.node
            nodes[id(node)] = node
            layers[id(node.layer)] = node.layer
    constants = []
    for node in nodes.values():
        constants.extend(flatten((node.call_args, node.call_kwargs)))
        constants.extend(flatten(getattr(node.layer, "template", ())))
    return {id(t) for t in walked}, list(layers.values()), constants


def _gradient_slots(outputs):
    """(placeholder, loss, source) of each gradient placeholder feeding `outputs`."""
    return [(t,) + _GRADIENTS[t] for t in _walk_tensors(outputs) if t in _GRADIENTS]
