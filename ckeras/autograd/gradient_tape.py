"""GradientTape: tf.GradientTape's everyday surface on ckeras' tape.

ckeras records gradients on the tensors themselves (each taped Tensor links
to the Function that made it), so a GradientTape is a recording context
plus a record of what ran inside it:

- entering it opens a recording context (`enable_grad`): layer and model
  calls record, as Keras' `model(x)` rule wants, and every Function taped
  while it is open is noted in the tape. `gradient` walks only those
  Functions, so, as in TensorFlow, ops run outside the tape (or after
  `reset`, or under `stop_recording`) count as constants;
- trainable Variables that a taped op reads are watched automatically
  (`watch_accessed_variables=True`); other Tensors are watched with
  `watch`, which sets `requires_grad` until the tape exits.

Differences from TensorFlow, all by design of ckeras' backward (which
computes NumPy arrays, not taped Tensors):

- `gradient` returns NumPy arrays (or None). Inside another open tape it
  returns Tensors that the outer tape cannot differentiate: a second-order
  gradient (a gradient penalty, a Hessian) raises NotImplementedError
  instead of silently dropping that term;
- NumPy arrays cannot be watched: wrap them with `convert_to_tensor` first
  (`K.constant` returns a plain array, as ckeras' constants are arrays);
- `stop_recording` pauses every tape of the thread, not only this one;
- `==` on Tensors is identity (hashing and `in` checks rely on it), not
  TensorFlow's elementwise comparison: compare `t.numpy()` or use
  `K.equal`;
- a Variable follows its `requires_grad`, which `compile` sets from the
  model's trainable set: a weight frozen when some model was compiled gets
  no gradient until it is recompiled trainable (or `tape.watch`ed).
"""
import enum

import numpy as np

from ckeras._internal.nest import flatten, map_structure
from ckeras.autograd.function import Function, open_tapes, set_open_tapes, swap_mode
from ckeras.autograd.tape import grad
from ckeras.autograd.tensor import SymbolicTensor, Tensor, Variable
from ckeras.kernels import buffers

__all__ = ["GradientTape", "UnconnectedGradients"]

_NON_PERSISTENT = ("A non-persistent GradientTape can only be used to compute one set of "
                   "gradients (or jacobians)")


class UnconnectedGradients(str, enum.Enum):
    """What `gradient` returns for sources the target does not depend on
    (tf.UnconnectedGradients): NONE gives None, ZERO gives zeros."""

    NONE = "none"
    ZERO = "zero"


def _unconnected(value):
    if value is UnconnectedGradients.NONE or value is UnconnectedGradients.ZERO:
        return value.value
    if type(value) is str and (value == "none" or value == "zero"):
        return value
    try:
        return UnconnectedGradients(value).value
    except ValueError:
        raise ValueError(
            f"Unknown value for unconnected_gradients: {value!r}; expected 'none', "
            "'zero' or a member of UnconnectedGradients.") from None


class _SecondOrder(Function):
    """Stands for a gradient computed inside an outer open tape: ckeras'
    backward is not itself differentiable, so reaching it is an error."""

    def backward(self, *grads):
        raise NotImplementedError(
            "GradientTape.gradient reached a gradient computed by an inner "
            "GradientTape: ckeras does not compute second-order gradients (gradients "
            "of gradients, e.g. a gradient penalty or a Hessian).")


def _as_nested_second_order(g, tapes):
    # The returned value is a Tensor tied to a _SecondOrder Function noted in
    # every enclosing tape, so an outer `gradient` that depends on it fails.
    fn = object.__new__(_SecondOrder)
    fn.inputs = ()
    fn.needs_input_grad = ()
    fn.out_meta = ((g.shape, g.dtype),)
    for tape in tapes:
        tape.record(fn)
    return Tensor(g, True, fn, 0)


class GradientTape:
    """Records operations for automatic differentiation (tf.GradientTape).

    Args:
        persistent: whether `gradient` may be called more than once.
        watch_accessed_variables: whether trainable Variables read inside
            the tape are watched automatically.

    Example:
        >>> with GradientTape() as tape:
        ...     y_pred = model(x, training=True)
        ...     loss = K.mean(K.square(y_pred - y))
        >>> grads = tape.gradient(loss, model.trainable_weights)
        >>> optimizer.apply_gradients(zip(grads, model.trainable_weights))

    Gradients with respect to an input (a saliency map):
        >>> x = ckeras.convert_to_tensor(image)
        >>> with GradientTape() as tape:
        ...     tape.watch(x)
        ...     score = model(x)[0, label]
        >>> saliency = np.abs(tape.gradient(score, x))
    """

    def __init__(self, persistent=False, watch_accessed_variables=True):
        self._persistent = bool(persistent)
        self._watch_accessed = bool(watch_accessed_variables)
        self._recorded = {}      # id(Function) -> Function taped inside the tape
        self._watched = {}       # id(Tensor) -> Tensor, in order of watching
        self._saved_flags = {}   # id(Tensor) -> (Tensor, requires_grad before watch)
        self._used = False
        self._recording = False
        self._prev_mode = None
        self._prev_tapes = None

    # -------------------------------------------------------------- context
    def __enter__(self):
        if self._recording:
            raise ValueError("This GradientTape is already recording.")
        self._push()
        return self

    def __exit__(self, *exc):
        self._pop()
        for t, flag in self._saved_flags.values():
            t.requires_grad = flag
        self._saved_flags.clear()
        return False

    def _push(self):
        self._prev_mode = swap_mode(True)
        self._prev_tapes = set_open_tapes(open_tapes() + (self,))
        self._recording = True

    def _pop(self):
        swap_mode(self._prev_mode)
        set_open_tapes(self._prev_tapes)
        self._recording = False

    def record(self, fn):
        """Notes a Function taped while this tape is open (called by
        `Function.apply`); watches the trainable Variables it reads."""
        self._recorded[id(fn)] = fn
        if self._watch_accessed:
            for x in fn.inputs:
                if isinstance(x, Variable) and x.requires_grad and id(x) not in self._watched:
                    self._watched[id(x)] = x

    class _Pause:
        def __init__(self, tape):
            self._tape = tape

        def __enter__(self):
            self._mode = swap_mode(False)
            self._tapes = set_open_tapes(())

        def __exit__(self, *exc):
            swap_mode(self._mode)
            set_open_tapes(self._tapes)
            return False

    def stop_recording(self):
        """A context in which operations are not recorded (on any tape of
        this thread).

        Example:
            >>> with GradientTape() as tape:
            ...     loss = compute_loss()
            ...     with tape.stop_recording():
            ...         log_value = K.mean(loss)   # not taped
        """
        if not self._recording:
            raise RuntimeError("GradientTape.stop_recording() can only be used in a "
                               "context where the tape is recording.")
        return self._Pause(self)

    def reset(self):
        """Clears what the tape recorded: targets computed before `reset` are
        constants for later `gradient` calls."""
        self._recorded.clear()
        self._watched.clear()
        self._used = False

    # ---------------------------------------------------------------- watch
    def watch(self, tensor):
        """Ensures `tensor` (a Tensor or Variable, or a nested structure of
        them) is traced by this tape.

        Raises:
            TypeError: for NumPy arrays and other values that are not
                ckeras Tensors (wrap them with `ckeras.convert_to_tensor`).
        """
        for t in flatten(tensor):
            if not isinstance(t, Tensor):
                raise TypeError(_not_a_tensor("GradientTape.watch", t))
            if not np.issubdtype(t.dtype, np.inexact):
                continue  # tf watches only floating tensors, silently
            if id(t) not in self._saved_flags:
                self._saved_flags[id(t)] = (t, t.requires_grad)
            t.requires_grad = True
            self._watched[id(t)] = t

    def watched_variables(self):
        """The Variables watched by this tape (explicitly, or read by a
        taped op), in the order they were first watched."""
        return tuple(t for t in self._watched.values() if isinstance(t, Variable))

    # ------------------------------------------------------------- gradient
    def _sources(self, sources):
        """The leaves of `sources` (`sources` itself when it is a flat list,
        as `model.trainable_weights` is), checked to be Tensors."""
        flat = sources if type(sources) is list and all(
            isinstance(s, Tensor) for s in sources) else flatten(sources)
        for s in flat:
            if not isinstance(s, Tensor):
                raise TypeError(_not_a_tensor("GradientTape.gradient: `sources`", s))
        return flat

    def _traced(self, s):
        if id(s) in self._watched:
            return True
        return s._fn is not None and id(s._fn) in self._recorded

    def _check_usable(self):
        if self._used and not self._persistent:
            raise RuntimeError(_NON_PERSISTENT)
        self._used = True

    def gradient(self, target, sources, output_gradients=None,
                 unconnected_gradients=UnconnectedGradients.NONE):
        """Gradients of `target` with respect to `sources`.

        Args:
            target: a Tensor, or a nested structure of Tensors (their sums
                are differentiated together). Values not recorded on this
                tape (NumPy arrays, Tensors made outside it) are constants.
            sources: a Tensor/Variable or a nested structure (list, tuple,
                dict) of them.
            output_gradients: optional seeds, one per element of the
                flattened `target` (default: ones).
            unconnected_gradients: 'none' (default) or 'zero': what sources
                that `target` does not depend on get.

        Returns:
            The gradients, as NumPy arrays, in the structure of `sources`.

        Raises:
            RuntimeError: a second call on a non-persistent tape.
            TypeError: a source that is not a ckeras Tensor or Variable.
            ValueError: an unknown `unconnected_gradients`.
        """
        mode = _unconnected(unconnected_gradients)
        self._check_usable()
        flat_sources = self._sources(sources)
        targets = flatten(target)
        for t in targets:
            if isinstance(t, SymbolicTensor):
                raise TypeError(
                    "GradientTape.gradient: `target` is a symbolic tensor; compute it "
                    "eagerly inside the tape (e.g. model(x)) or use K.gradients.")
        seeds = None
        if output_gradients is not None:
            seeds = flatten(output_gradients)
            if len(seeds) != len(targets):
                raise ValueError(
                    f"GradientTape.gradient: `output_gradients` has {len(seeds)} "
                    f"element(s) but `target` has {len(targets)}.")
        unique = {id(s): s for s in flat_sources}
        traced = [s for s in unique.values() if self._traced(s)]
        with buffers.cached():
            found = grad(targets, traced, seeds, unconnected_gradients="none",
                         recorded=self._recorded) if traced else []
        result = dict(zip((id(s) for s in traced), found))
        outer = tuple(t for t in open_tapes() if t is not self)
        if outer or mode == "zero":
            for key, s in unique.items():
                g = result.get(key)
                if g is None and mode == "zero":
                    g = np.zeros_like(s.value)
                elif g is not None and outer:
                    g = _as_nested_second_order(g, outer)
                result[key] = g
        if not self._persistent:
            self._recorded = {}
        if flat_sources is sources:
            return [result.get(id(s)) for s in sources]
        return map_structure(lambda s: result.get(id(s)), sources)

    def jacobian(self, target, sources, unconnected_gradients=UnconnectedGradients.NONE,
                 parallel_iterations=None, experimental_use_pfor=True):
        """The Jacobian of `target` with respect to `sources`: for each
        source of shape S, an array of shape `target.shape + S`.

        Computed with one backward pass per element of `target`, so it
        suits small targets (a scalar loss, a few outputs).
        """
        mode = _unconnected(unconnected_gradients)
        self._check_usable()
        flat_sources = self._sources(sources)
        if not isinstance(target, Tensor):
            raise TypeError(_not_a_tensor("GradientTape.jacobian: `target`", target))
        traced = [s for s in flat_sources if self._traced(s)]
        rows = {id(s): [] for s in traced}
        seed = np.zeros(target.shape, target.dtype)
        flat_seed = seed.reshape(-1)
        for i in range(flat_seed.size):
            flat_seed[i] = 1
            grads = grad(target, traced, [seed], unconnected_gradients="none",
                         recorded=self._recorded) if traced else []
            flat_seed[i] = 0
            for s, g in zip(traced, grads):
                rows[id(s)].append(g)
        if not self._persistent:
            self._recorded = {}
        return map_structure(lambda s: _stack_rows(s, rows, target, mode), sources)

    def batch_jacobian(self, target, source, unconnected_gradients=UnconnectedGradients.NONE,
                       parallel_iterations=None, experimental_use_pfor=True):
        """Per-example Jacobians: for `target` of shape (B, *Y) and `source`
        of shape (B, *X), an array of shape (B, *Y, *X) whose entry `[i]` is
        the Jacobian of `target[i]` with respect to `source[i]` (examples
        are assumed independent, as in TensorFlow).
        """
        mode = _unconnected(unconnected_gradients)
        self._check_usable()
        if not isinstance(target, Tensor):
            raise TypeError(_not_a_tensor("GradientTape.batch_jacobian: `target`", target))
        (source,) = self._sources([source])
        if target.ndim < 1 or source.ndim < 1 or target.shape[0] != source.shape[0]:
            raise ValueError(
                f"Need first dimension of target shape ({target.shape}) and source "
                f"shape ({source.shape}) to match.")
        batch = target.shape[0]
        inner = target.shape[1:]
        out = np.zeros((batch, int(np.prod(inner, dtype=np.int64))) + source.shape[1:],
                       source.dtype)
        connected = False
        if self._traced(source):
            seed = np.zeros((batch, out.shape[1]), target.dtype)
            for j in range(out.shape[1]):
                seed[:, j] = 1
                g = grad(target, [source], [seed.reshape(target.shape)],
                         unconnected_gradients="none", recorded=self._recorded)[0]
                seed[:, j] = 0
                if g is not None:
                    connected = True
                    out[:, j] = g
        if not self._persistent:
            self._recorded = {}
        if not connected and mode == "none":
            return None
        return out.reshape((batch,) + inner + source.shape[1:])


def _stack_rows(s, rows, target, mode):
    found = rows.get(id(s))
    if not found or all(g is None for g in found):
        return None if mode == "none" else np.zeros(target.shape + s.shape, s.dtype)
    zero = np.zeros(s.shape, s.dtype)
    return np.stack([zero if g is None else g for g in found]).reshape(
        target.shape + s.shape)


def _not_a_tensor(where, value):
    kind = type(value).__name__
    hint = ""
    if isinstance(value, (np.ndarray, np.generic, float, int, list)):
        hint = (" Wrap arrays with `ckeras.convert_to_tensor(x)` (and `tape.watch` "
                "them) to differentiate with respect to them.")
    elif hasattr(value, "trainable_weights"):
        hint = " Pass its weights, e.g. `layer.trainable_weights`."
    return (f"{where} expects ckeras Tensors or Variables (or nested lists, tuples or "
            f"dicts of them); received a {kind}.{hint}")
