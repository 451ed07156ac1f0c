"""Reverse-mode differentiation over the Functions recorded on the tape."""
import numpy as np

from ckeras.autograd.tensor import Tensor


def _topological(outputs):
    """Functions reachable from `outputs`, each after all that consume it."""
    order, seen = [], set()
    stack = [(t._fn, False) for t in outputs if t._fn is not None]
    while stack:
        fn, done = stack.pop()
        if done:
            order.append(fn)
            continue
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        stack.append((fn, True))
        for x in fn.inputs:
            if isinstance(x, Tensor) and x._fn is not None and id(x._fn) not in seen:
                stack.append((x._fn, False))
    order.reverse()
    return order


def _accumulate(store, key, g):
    prev = store.get(key)
    store[key] = g if prev is None else prev + g


def grad(outputs, inputs, grad_outputs=None, unconnected_gradients="zero",
         recorded=None):
    """Gradients of `outputs` with respect to `inputs`.

    Args:
        outputs: a Tensor or list of Tensors produced on the tape (other
            values are constants: they contribute nothing).
        inputs: a Tensor/Variable or list of them.
        grad_outputs: seeds, one per output; default ones.
        unconnected_gradients: what an input that the outputs do not depend
            on gets: "zero" (zeros of its shape) or "none" (None, as
            tf.GradientTape gives by default).
        recorded: optional dict, id -> Function, of the Functions that may
            be walked, in the order they were taped (a GradientTape's
            record); others are treated as constants.

    Returns:
        A list of NumPy arrays, one per input (or one array for one input).

    Example:
        >>> w = Variable(np.array([1.0, 2.0]))
        >>> with enable_grad():
        ...     y = (w * w).sum()
        >>> grad(y, w)
        array([2., 4.])
    """
    outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
    single = not isinstance(inputs, (list, tuple))
    inputs = [inputs] if single else list(inputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    grads = {}
    for t, g in zip(outputs, grad_outputs):
        if not isinstance(t, Tensor) or (
                recorded is not None and t._fn is not None and id(t._fn) not in recorded):
            continue
        g = np.ones_like(t.value) if g is None else np.asarray(g, dtype=t.value.dtype)
        key = (id(t._fn), t._idx) if t._fn is not None else id(t)
        _accumulate(grads, key, g)
    if recorded is None:
        order = _topological([t for t in outputs if isinstance(t, Tensor)])
    else:
        # A Function is taped after the Functions that made its inputs, so the
        # record read backwards visits every consumer before its producers,
        # without the walk (Functions no output reaches get no gradient and
        # are skipped below).
        order = list(recorded.values())
        order.reverse()
    for fn in order:
        if fn.n_outputs == 1:
            g = grads.get((id(fn), 0))
            if g is None:
                continue
            in_grads = fn.backward(g)
        else:
            out_grads = [grads.get((id(fn), i)) for i in range(fn.n_outputs)]
            if all(g is None for g in out_grads):
                continue
            if not fn.takes_none_grads:
                out_grads = [np.zeros(shape, dtype) if g is None else g
                             for g, (shape, dtype) in zip(out_grads, fn.out_meta)]
            in_grads = fn.backward(*out_grads)
        if not isinstance(in_grads, tuple):
            in_grads = (in_grads,)
        for x, g, need in zip(fn.inputs, in_grads, fn.needs_input_grad):
            if not need or g is None:
                continue
            key = (id(x._fn), x._idx) if x._fn is not None else id(x)
            prev = grads.get(key)
            grads[key] = g if prev is None else prev + g
    zero = unconnected_gradients == "zero"
    result = []
    for x in inputs:
        g = grads.get(id(x)) if x._fn is None else grads.get((id(x._fn), x._idx))
        result.append(np.zeros_like(x.value) if g is None and zero else g)
    return result[0] if single else result
