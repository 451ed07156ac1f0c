"""One way to call a layer on concrete values (arrays or eager Tensors).

`Layer.__call__` and the functional plan's steps both call `invoke`, so the
Keras rules live here once:

- `training` goes to `call` when it accepts one and the caller left it
  unset; a nested call inherits the `training` of the call around it;
- the input mask goes to `call` as `mask=` when it accepts one, and
  `compute_mask` gives the output mask;
- the activity regularizer's loss is recorded on every call (tf-keras):
  `layer.losses` then holds the penalties of the last top-level call, for
  training steps and evaluation alike. A layer called several times inside
  one top-level call (a shared layer) keeps one penalty per call;
- Keras' `model(x)` rule: outside a recording context (`enable_grad`, the
  engine's training step) a call runs the inference path under `no_grad`,
  so nothing is taped and the inference kernels run.
"""
import functools
import inspect
import itertools
import threading

import numpy as np

from ckeras._internal.nest import flatten, map_structure
from ckeras.autograd.function import swap_mode
from ckeras.kernels import buffers


def _defines_own(cls, name):
    # The root class (Layer) defines the default; any other definition in
    # the MRO is an override. Read from the MRO so that no import of Layer
    # is needed here (base_layer imports this module).
    return sum(name in vars(k) for k in cls.__mro__) > 1


class CallSignature:
    """What the `call` of one layer class accepts, and whether the class
    computes masks of its own.

    Attributes:
        training: `call` takes `training` (or `**kwargs`).
        mask: `call` takes `mask` (or `**kwargs`).
        computes_mask: the class overrides `compute_mask`, so it is asked
            even when no mask comes in (e.g. `Embedding(mask_zero=True)`).
    """

    __slots__ = ("training", "mask", "computes_mask")

    def __init__(self, cls):
        params = inspect.signature(cls.call).parameters
        var_kw = any(p.kind is p.VAR_KEYWORD for p in params.values())
        self.training = "training" in params or var_kw
        self.mask = "mask" in params or var_kw
        self.computes_mask = _defines_own(cls, "compute_mask")


@functools.lru_cache(maxsize=None)
def _signature(cls, call_fn, compute_mask_fn):
    return CallSignature(cls)


def signature(cls):
    """The `CallSignature` of a layer class (cached; follows a patched
    `call` or `compute_mask`)."""
    return _signature(cls, cls.call, getattr(cls, "compute_mask", None))


class _CallState:
    __slots__ = ("depth", "training", "generation", "tracing")

    def __init__(self):
        self.depth = 0             # nesting of layer calls in this thread
        self.training = None       # `training` of the innermost enclosing call
        self.generation = None     # token of the current top-level call
        self.tracing = False       # a trial run for output shapes: record nothing


_local = threading.local()
_generations = itertools.count()


def call_state():
    """This thread's call state: `depth` (nesting of layer calls),
    `training`, `generation` (token of the current top-level call) and
    `tracing` (inside a trial run that finds output shapes)."""
    try:
        return _local.state
    except AttributeError:
        _local.state = _CallState()
        return _local.state


class context:
    """The dynamic context of one layer or model call.

    Entered by `Layer.__call__` and by the engine's own entry points
    (the training and test steps, predict) around a top-level `call`.
    Resolves `training` (explicit, else the enclosing call's), opens a new
    activity-loss generation at the top level, and applies the `model(x)`
    rule: outside a recording context the call runs under `no_grad`.

    Args:
        training: the call's explicit `training` argument, or None.
        may_record: False for calls that never record, even inside a
            recording context (predict).
        buffers: whether a top-level call allocates through the buffer cache
            (`ckeras.kernels.buffers`); Layer.__call__ passes False for small
            inputs, whose call makes no array the cache would keep and would
            only pay for switching NumPy's allocator (about 1 us).
    """

    __slots__ = ("training", "_may_record", "_state", "_saved", "_mode", "_buffers")

    def __init__(self, training=None, may_record=True, buffers=True):
        self.training = training
        self._may_record = may_record
        self._buffers = buffers

    def __enter__(self):
        st = self._state = call_state()
        self._saved = (st.depth, st.training, st.generation)
        if self.training is None:
            self.training = st.training
        if not st.depth:
            st.generation = next(_generations)
            self._buffers = buffers.enter() if self._buffers else None
        else:
            self._buffers = None
        st.depth += 1
        st.training = self.training
        # Nothing records, unless the call may and the thread is recording.
        self._mode = swap_mode(False)
        if self._mode is True and self._may_record:
            swap_mode(True)
        return self

    def __exit__(self, *exc):
        swap_mode(self._mode)
        st = self._state
        st.depth, st.training, st.generation = self._saved
        buffers.leave(self._buffers)
        return False


def invoke(layer, inputs, args, kwargs, *, training, in_mask, sig=None):
    """Calls `layer.call` with Keras' rules; returns `(outputs, out_mask)`.

    Args:
        layer: the layer.
        inputs: its first argument (arrays/Tensors, or a list/dict of them).
        args, kwargs: the other arguments of the call; `kwargs` is updated.
        training: the call's training flag; None leaves `call`'s default.
        in_mask: the input mask structure, or None when nothing is masked.
        sig: the layer's `CallSignature` (looked up when None).

    Returns:
        The outputs, and the output mask (None when nothing is masked).
    """
    if sig is None:
        sig = signature(type(layer))
    if sig.training:
        if training is not None and kwargs.get("training") is None:
            kwargs["training"] = training
    elif kwargs:
        kwargs.pop("training", None)
    if sig.mask:
        if in_mask is not None and kwargs.get("mask") is None:
            kwargs["mask"] = in_mask
    elif kwargs:
        kwargs.pop("mask", None)
    if args or kwargs:
        outputs = layer.call(inputs, *args, **kwargs)
    else:   # the common plan step; unpacking empty *args/**kwargs costs ~0.15 us
        outputs = layer.call(inputs)
    if layer.activity_regularizer is not None:
        _record_activity(layer, outputs)
    if sig.computes_mask or (in_mask is not None and layer.supports_masking):
        return outputs, layer.compute_mask(inputs, in_mask)
    return outputs, None


def _record_activity(layer, outputs):
    # tf-keras: the regularizer of each output, divided by its batch size.
    for o in flatten(outputs):
        n = max(int(np.shape(o)[0]), 1) if np.ndim(o) else 1
        record_loss(layer, layer.activity_regularizer(o) / n)


_loss_holders = [False]


def note_loss_holder():
    """Notes that some layer has a loss (a regularized weight, an `add_loss`
    callable or a loss recorded in a call), so `Layer.losses` must look."""
    _loss_holders[0] = True


def layers_may_hold_losses():
    """False until `note_loss_holder` is called: then `Layer.losses` is []
    without walking the layers (once per training step)."""
    return _loss_holders[0]


def record_loss(layer, loss):
    """Adds a loss computed during a call to `layer.losses`. The first loss
    of a new top-level call replaces those of the previous one (tf-keras
    clears them when a top-level call starts); a layer called several times
    within one top-level call (a shared layer) keeps one loss per call.
    Trial runs for output shapes record nothing."""
    state = call_state()
    if state.tracing:
        return
    _loss_holders[0] = True
    generation = state.generation
    if generation is None or layer._loss_generation != generation:
        layer._eager_losses = []
        layer._loss_generation = generation
    layer._eager_losses.append(loss)


def input_mask(inputs):
    """The `_keras_mask` structure of eager inputs, or None if none is set."""
    masks = map_structure(lambda t: getattr(t, "_keras_mask", None), inputs)
    return masks if any(m is not None for m in flatten(masks)) else None
