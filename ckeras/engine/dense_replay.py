"""The training step (and the inference) of a chain of Dense layers, run
straight on the kernels.

`fit`/`train_on_batch` on a model that is a plain chain of `Dense` layers (the
common MLP) spend about a quarter of a small step in Python: each layer call
dispatches through the graph plan, the layer, the backend and a taped
Function, and the tape walks the nodes back. The replay runs the same
forward kernels on the same arrays, hands the last output to the compiled
loss exactly as the graph would (a softmax or sigmoid output stays a taped
node over its logits, so the loss sees the logits, see
`ckeras.backend.nn.logits_split`), takes the gradient of the loss with
respect to that output through the tape, and runs the same backward kernels
with the same arguments as `Dense.backward` in reverse. The gradients, the
loss, the metrics and the update are those of the taped step, bit for bit;
the optimizer, loss and metrics are the model's own, so everything they
support (schedules, clipping, sample and class weights) is unchanged.

When the compiled loss is a sparse categorical crossentropy of the logits
(`_SparseXent`: a softmax output or `from_logits=True`, batch mean, no
sample weights), the forward, the loss and the backward are one kernel call
(`chain_sparse_xent_step`: the same kernels in the same order, so the same
bits), and the checked gradients go to `Optimizer._apply_checked`: the
Python between the kernels ran several times slower than alone, its caches
evicted by the GEMMs.

When the compiled loss is a mean squared error of the output (`_MeanSquared`:
no sigmoid or softmax node after the last Dense, batch mean, no sample weights,
targets of the output's shape), its value and its gradient come from the
kernels the taped `MeanSquaredDifference` calls, with `Mean`'s arithmetic, so
the same bits without the taped loss.

The chain may start with an LSTM (a layer whose class sets
`replays_training`): its `replay_train` runs the layer's training call as
the taped step would (the same Function's forward on the same arrays and
dropout masks, drawn as the call draws them) and returns the backward that
turns the first Dense layer's input gradient into its own gradients. The
fused sparse crossentropy kernel needs the chain's input to be the batch,
so such a chain's loss is the compiled loss, as for other losses.

`infer` runs `predict`/`predict_on_batch`/`evaluate`'s forward of such a
chain the same way: the layers' `dense_fwd` calls in order, without the
graph plan, the layer calls and the backend. The chain it replays may start
with a layer whose class sets `replays_inference` (LSTM): its `replay_infer`
gives the layer's output from its kernel call, or None to take the model's
call.

Anything else takes the taped step: a layer that is not exactly `Dense`, an
activation without a fused kernel code, an activity regularizer, losses
from `add_loss` or weight regularizers, masks, variables that do not all
train, frozen variables, an open `GradientTape`, an input that is not a
C-contiguous 2-D array of the kernels' dtype and width (3-D for an LSTM
entry, which also declines what `LSTM._replay_args` lists: sequences or
states returned, stateful, time-major, other cells). `plan_for` checks
the structure once per compile and graph; `DenseReplay.run` checks what may
change between steps (activations, variables, flags) on every call.
"""
import numpy as np

from ckeras import activations
from ckeras import losses as losses_module
from ckeras.autograd.function import enable_grad, open_tapes
from ckeras.autograd.tape import grad
from ckeras.autograd.tensor import Tensor
from ckeras.backend.nn import logits_split
from ckeras.kernels import kernels
from ckeras.kernels.codes import Act


def infer(model, arrays):
    """The outputs of `model` on one batch (a list of one array) when it is
    a plain chain of Dense layers and `arrays` one C-contiguous 2-D array of
    the kernels' dtype and width: the kernels the layers' inference calls
    reach (`dense_fwd` with each layer's fused activation), in order, without
    the graph plan, the layer calls and the backend between them (about half
    of a batch-1 predict). The chain may start with a layer that replays its
    own inference (`replays_inference`: LSTM) on a C-contiguous array. None
    when anything else applies; then nothing was changed and the model's own
    call runs."""
    plan = getattr(model, "_plan", None)
    entry = model.__dict__.get("_dense_infer")
    if entry is None or entry[0] is not plan:
        entry = (plan, _inference_chain(model))
        model.__dict__["_dense_infer"] = entry
    layers = entry[1]
    if layers is None or len(arrays) != 1:
        return None
    h = arrays[0]
    if type(h) is not np.ndarray or not h.flags.c_contiguous:
        return None
    first = None if type(layers[0]).__dict__.get("replays_dense_step", False) else layers[0]
    if first is None and h.ndim != 2:
        return None
    dense = []
    for layer in layers if first is None else layers[1:]:
        args = _dense_args(layer, h.dtype)
        if args is None:
            return None
        dense.append(args)
    if first is not None:
        h = first.replay_infer(h)
        if h is None:
            return None
    k = kernels()
    for w, b, code in dense:
        if w.shape[0] != h.shape[1]:
            return None
        h = k.dense_fwd(h, w, b, code)
    return [h]


def _dense_args(layer, dtype):
    """(kernel, bias or None, fused activation code) of a Dense layer whose
    inference the replay runs on arrays of `dtype`, or None."""
    code = activations.fused_code(layer.activation)
    w, b = layer.kernel.value, layer.bias
    b = None if b is None else b.value
    if (code is None or layer.activity_regularizer is not None or w.dtype != dtype
            or not w.flags.c_contiguous
            or (b is not None and (b.dtype != dtype or not b.flags.c_contiguous))):
        return None
    return w, b, code


def _inference_chain(model):
    """The layers of a model whose call is its graph plan alone, in order:
    Dense layers, the first of which may instead be a layer that replays
    its inference (`replays_inference`); or None."""
    from ckeras.engine.functional import Functional  # lazy: E7
    if getattr(type(model), "call", None) is not Functional.call:
        return None
    return _plan_layers(model, entry="replays_inference")


def _plan_layers(model, entry=None):
    """The layers of `model`'s graph plan when it is a single-input,
    single-output chain of layers that replay a Dense step, in order, or
    None. With `entry`, the first layer may instead be one whose class sets
    that flag."""
    steps = getattr(model, "_plan", None)
    if not steps or getattr(model, "_added", ()):
        return None
    if len(getattr(model, "_input_ids", ())) != 1 or len(getattr(model, "_output_ids", ())) != 1:
        return None
    key = model._input_ids[0]
    layers = []
    # Masks: an entry layer's input (the model's) carries none, and its
    # replay gives none (LSTM.replay_infer: no sequences, no states); the
    # graph still marks what follows an RNN as maybe masked (RNN has its
    # own compute_mask).
    unmasked = False
    for step in steps:
        layer = step.layer
        flags = type(layer).__dict__
        if not flags.get("replays_dense_step", False) and not (
                entry is not None and not layers and flags.get(entry, False)):
            return None
        if not step.single_in or not step.single_out or step.args != key or (
                step.wants_mask and not unmasked):
            return None
        unmasked = unmasked or not flags.get("replays_dense_step", False)
        key = step.out_keys[0]
        layers.append(layer)
    if getattr(model, "_outputs_maybe_masked", True) and not unmasked:
        return None
    return layers if key == model._output_ids[0] else None


def plan_for(model):
    """A `DenseReplay` of `model`'s training step, or a `Taped` when the
    model is not a plain chain of Dense layers, maybe after an LSTM (see the
    module docstring)."""
    layers_slots = _chain(model)
    if layers_slots is None:
        return Taped(model)
    return DenseReplay(model, *layers_slots)


def _chain(model):
    """(layers, slots of their variables in the trainable list), or None:
    Dense layers, the first of which may be a layer that replays its
    training call (`replays_training`: LSTM), whose slots are those of its
    cell's kernel, recurrent kernel and bias."""
    if getattr(model, "_frozen_vars", None):
        return None
    layers = _plan_layers(model, entry="replays_training")
    if layers is None:
        return None
    index = {id(v): i for i, v in enumerate(model._train_vars)}
    slots = []
    for layer in layers:
        if type(layer).__dict__.get("replays_dense_step", False):
            owned = (layer.kernel, layer.bias)
        else:
            cell = layer.cell
            owned = (cell.kernel, cell.recurrent_kernel, cell.bias)
        if any(v is not None and id(v) not in index for v in owned):
            return None
        slots.append(tuple(None if v is None else index[id(v)] for v in owned))
    if len(model._train_vars) != sum(s is not None for slot in slots for s in slot):
        return None
    return layers, slots


class Taped:
    """What `plan_for` found for one model: valid while its graph, trainable
    set (captured by compile), loss and optimizer are the same objects."""

    __slots__ = ("plan", "train_vars", "loss", "optimizer")

    def __init__(self, model):
        self.plan = getattr(model, "_plan", None)
        self.train_vars = model._train_vars
        self.loss = model.compiled_loss
        self.optimizer = model.optimizer

    def matches(self, model):
        """Whether the answer still holds for `model`."""
        return (getattr(model, "_plan", None) is self.plan
                and model._train_vars is self.train_vars
                and model.compiled_loss is self.loss and model.optimizer is self.optimizer)

    def run(self, model, x, y, sw):
        """None: this model's steps are taped."""
        return None


class DenseReplay(Taped):
    """One model's Dense-chain training step (built by `plan_for`).

    `run(model, x, y, sw)` updates the model and returns its outputs (a
    list, as the taped forward gives them), or returns None without
    touching anything when this step must take the taped path. The chain
    may start with a layer that replays its own training call (`entry`,
    an LSTM: `replay_train`); its gradients come from the backward that
    call returns, given the first Dense layer's input gradient.
    """

    __slots__ = ("entry", "entry_slots", "layers", "slots", "xent", "mse")

    def __init__(self, model, layers, slots):
        super().__init__(model)
        dense = type(layers[0]).__dict__.get("replays_dense_step", False)
        self.entry = None if dense else layers[0]
        self.entry_slots = None if dense else slots[0]
        self.layers = layers if dense else layers[1:]
        self.slots = slots if dense else slots[1:]
        self.xent = _UNSET
        self.mse = _UNSET

    def _codes(self, dtype, width):
        """Fused activation codes of the Dense layers on inputs of `dtype`
        and `width` columns, or None when a step must take the taped path."""
        codes = []
        for layer in self.layers:
            kernel, bias = layer.kernel, layer.bias
            w = kernel.value
            if (layer.activity_regularizer is not None or not kernel.requires_grad
                    or (bias is not None and not bias.requires_grad)
                    or w.dtype != dtype or not w.flags.c_contiguous):
                return None
            if bias is not None and (bias.value.dtype != dtype
                                     or not bias.value.flags.c_contiguous):
                return None
            code = activations.fused_code(layer.activation)
            if code is None:
                return None
            codes.append(code)
        # Below the last layer a softmax/sigmoid would be its own node with
        # its own backward on the tape.
        if any(logits_split(c) is not None for c in codes[:-1]):
            return None
        if codes and width != self.layers[0].kernel.value.shape[0]:
            return None
        return codes

    def _entry_width(self):
        """The width of the entry layer's output, or None when its variables
        do not all train (the tape would leave them out)."""
        cell = self.entry.cell
        if any(v is not None and not v.requires_grad
               for v in (cell.kernel, cell.recurrent_kernel, cell.bias)):
            return None
        return cell.units

    def run(self, model, x, y, sw):
        if type(x) is not np.ndarray or open_tapes() or model.losses:
            return None
        entry = self.entry
        if entry is None:
            if x.ndim != 2 or not x.flags.c_contiguous:
                return None
            codes = self._codes(x.dtype, x.shape[1])
        else:
            width = self._entry_width()
            codes = None if width is None else self._codes(x.dtype, width)
        if codes is None:
            return None
        last = len(self.layers) - 1
        if entry is None:
            if self.xent is _UNSET:
                self.xent = _SparseXent.of(self.loss, codes[last])
            if self.xent is not None and self.xent.valid(self.loss, codes[last]):
                labels = self.xent.labels(y, sw, x.shape[0],
                                          self.layers[last].kernel.value.shape[1])
                if labels is not None:
                    return self._fused(x, labels, codes)
            h = x
        else:
            # the entry's replay checks x itself; it draws its dropout masks
            # only once it runs
            replayed = entry.replay_train(x)
            if replayed is None:
                return None
            h, entry_backward = replayed
        k = kernels()
        ins, outs = [], []
        split = logits_split(codes[last]) if codes else None
        for i, (layer, code) in enumerate(zip(self.layers, codes)):
            b = layer.bias
            ins.append(h)
            # a softmax/sigmoid output is its own node over the logits (the
            # taped Dense computes the logits with the linear code)
            h = k.dense_fwd(h, layer.kernel.value, None if b is None else b.value,
                            0 if i == last and split is not None else code)
            outs.append(h)
        variables = self.train_vars
        grads = [None] * len(variables)
        g = self._mse_gradient(h, y, sw, codes[last] if codes else 0)
        if g is not None:
            y_pred = [h]
        else:
            with enable_grad():
                logits = Tensor(h, True)
                y_pred = [split(logits) if split is not None else logits]
                total = self.loss(y, y_pred, sw, [])
            if isinstance(total, Tensor) and total.requires_grad:
                g = grad(total, logits)
        if g is not None:
            for i in range(last, -1, -1):
                out = outs[i]
                g2 = g.reshape(out.shape)
                if g2.dtype != out.dtype or not g2.flags.c_contiguous:
                    g2 = np.ascontiguousarray(g2, dtype=out.dtype)
                kslot, bslot = self.slots[i]
                code = 0 if i == last and split is not None else codes[i]
                dx, dw, db = k.dense_bwd(ins[i], self.layers[i].kernel.value, out, g2, code,
                                         need_dx=i > 0 or entry is not None, need_dw=True,
                                         need_db=bslot is not None)
                grads[kslot] = dw
                if bslot is not None:
                    grads[bslot] = db
                g = dx
            if entry is not None:
                for slot, value in zip(self.entry_slots, entry_backward(g)):
                    if slot is not None:
                        grads[slot] = value
        self.optimizer.apply_gradients(zip(grads, variables))
        return y_pred

    def _mse_gradient(self, out, y, sw, code):
        """The gradient of a mean squared error loss on the outputs `out`,
        its value tracked, when the compiled loss is one (`_MeanSquared`)
        and this batch's targets suit it; else None, with nothing done."""
        if self.mse is _UNSET:
            self.mse = _MeanSquared.of(self.loss, code)
        mse = self.mse
        if mse is None or not mse.valid(self.loss, code):
            return None
        t = mse.targets(y, sw, out)
        return None if t is None else mse.gradient(self.loss, out, t)

    def _fused(self, x, labels, codes):
        """The step with the loss a `_SparseXent`: forward, loss and
        backward in one kernel call, then the model's optimizer."""
        weights = [layer.kernel.value for layer in self.layers]
        biases = [None if layer.bias is None else layer.bias.value for layer in self.layers]
        scale = self.xent.scale_for(x.shape[0], x.dtype)
        loss, out, flat = kernels().chain_sparse_xent_step(
            x, weights, biases, codes, codes[-1] == Act.SOFTMAX, labels, scale)
        _track_mean(self.loss, loss)
        variables = self.train_vars
        grads = [None] * len(variables)
        for i, (kslot, bslot) in enumerate(self.slots):
            grads[kslot] = flat[2 * i]
            if bslot is not None:
                grads[bslot] = flat[2 * i + 1]
        opt = self.optimizer
        # the gradients are checked by construction (the variables' dtypes
        # and shapes, none missing): skip apply_gradients' checks unless the
        # optimizer defines its own
        from ckeras.optimizers.optimizer import Optimizer  # lazy: startup
        if type(opt).apply_gradients is Optimizer.apply_gradients and all(
                id(v) in opt._state for v in variables):
            opt._apply_checked(grads, variables)
        else:
            opt.apply_gradients(zip(grads, variables))
        return [out]


_UNSET = object()


class _FusedLoss:
    """A compiled loss whose value and gradient a replay computes from the
    kernels its taped Function calls: `of` finds it in a built container
    holding one loss of `types` around `fn`, and `valid` checks it is still
    there, unchanged, on an output of activation code `code`."""

    __slots__ = ("obj", "reduction", "scale")
    types = ()
    fn = None

    def __init__(self, obj, code):
        self.obj = obj
        self.reduction = obj.reduction
        self.scale = np.zeros(0)

    @classmethod
    def of(cls, container, code):
        """An instance for a compiled loss container and the last layer's
        activation code, or None."""
        obj = _one_loss(container, cls.types, cls.fn)
        if obj is None:
            return None
        fused = cls(obj, code)
        return fused if fused.valid(container, code) else None

    def scale_for(self, n, dtype):
        """Mean.backward of a ones seed: 1/n in the loss dtype for every row."""
        scale = self.scale
        if scale.shape[0] != n or scale.dtype != dtype:
            scale = self.scale = np.full(n, 1.0 / n, dtype=dtype)
        return scale


class _SparseXent(_FusedLoss):
    """The compiled loss when it is one sparse categorical crossentropy of
    the logits (of a softmax output, or `from_logits=True`), averaged over
    the batch without sample weights: its value and its gradient with
    respect to the logits, from the kernels the taped
    `SparseCategoricalCrossentropy` Function calls and with `Mean`'s
    arithmetic, so the bits are the taped step's; the softmax the kernel
    returns has the bits of the model's softmax output. Skips the taped
    loss's Tensors, Functions and tape walk (about 0.2 ms of a 0.4 ms Python
    share of an MLP step). Anything else (sample weights, bad labels, which
    must raise the taped path's error) returns None and the step takes the
    taped loss.
    """

    __slots__ = ("kwargs", "code")
    types = (losses_module.LossFunctionWrapper, losses_module.SparseCategoricalCrossentropy)
    fn = staticmethod(losses_module.sparse_categorical_crossentropy)

    def __init__(self, obj, code):
        super().__init__(obj, code)
        self.kwargs = dict(obj._fn_kwargs)
        self.code = code

    def valid(self, container, code):
        """Whether the container still holds this loss, unchanged."""
        kw = self.kwargs
        obj = self.obj
        if (container.losses[0] is not obj or obj.reduction != self.reduction
                or obj._fn_kwargs != kw or code != self.code
                or container.loss_weights[0] != 1.0
                or container._per_output_metrics[0] is not None):
            return False
        if self.reduction not in (losses_module.Reduction.AUTO,
                                  losses_module.Reduction.SUM_OVER_BATCH_SIZE):
            return False
        if set(kw) - {"from_logits", "axis", "ignore_class"} or \
                kw.get("ignore_class") is not None or kw.get("axis", -1) not in (-1, 1):
            return False
        # from probabilities, only a softmax output is crossed at its logits;
        # from logits, the output itself must be them (a sigmoid output is
        # the replay's split node, which the loss would take as logits)
        if kw.get("from_logits", False):
            return logits_split(code) is None
        return code == Act.SOFTMAX

    def labels(self, y, sw, n, n_cls):
        """The targets as the kernels' int64 labels (n,), or None when this
        batch takes the taped loss (sample weights, other shapes, a label
        outside [0, n_cls), which the taped loss reports)."""
        if y is None or y[0] is None or (sw is not None and sw[0] is not None) or n == 0:
            return None
        labels = y[0]
        if labels.ndim not in (1, 2) or labels.size != n or labels.shape[0] != n:
            return None
        if labels.dtype.kind not in "iufb":
            return None
        labels = np.ascontiguousarray(labels.reshape(-1), dtype=np.int64)
        if np.maximum.reduce(labels.view(np.uint64)) >= n_cls:
            return None
        return labels


def _track_mean(container, loss):
    """Mean.forward of the per-row losses `loss`, added to the container's
    'loss' tracker as LossesContainer does."""
    n = loss.shape[0]
    # 1/n rounded to the loss dtype, times the sum in that dtype: the
    # arithmetic of np.multiply(sum, 1.0 / n, dtype=dtype)
    total = float(np.add.reduce(loss) * loss.dtype.type(1.0 / n))
    mean = container._loss_metric
    dt = mean.total.dtype.type
    mean.total += dt(total) * dt(n)
    mean.count += dt(n)


def _one_loss(container, types, fn):
    """The built container's one loss object when it is of `types` around
    `fn`, or None."""
    if not getattr(container, "built", False) or len(container.losses) != 1:
        return None
    obj = container.losses[0]
    if type(obj) not in types or obj.fn is not fn:
        return None
    return obj


class _MeanSquared(_FusedLoss):
    """The compiled loss when it is one mean squared error of the model's
    output (no sigmoid or softmax node after the last Dense), averaged over
    the batch without sample weights: its value and its gradient with
    respect to the output from the kernels the taped `MeanSquaredDifference`
    calls (`mse_fwd`, then `mse_bwd` of `Mean`'s backward, 1/n per row), so
    the bits are the taped step's. Skips the taped loss's Tensors,
    Functions and tape walk, whose Python ran cold after an LSTM's
    kernels (about 0.06-0.1 ms of an LSTM(128) step). Targets of another
    shape, or sample weights, take the taped loss.
    """

    __slots__ = ()
    types = (losses_module.LossFunctionWrapper, losses_module.MeanSquaredError)
    fn = staticmethod(losses_module.mean_squared_error)

    def valid(self, container, code):
        """Whether the container still holds this loss, unchanged, on an
        output the loss sees as it is."""
        obj = self.obj
        return (container.losses[0] is obj and obj.reduction == self.reduction
                and not obj._fn_kwargs and container.loss_weights[0] == 1.0
                and container._per_output_metrics[0] is None
                and self.reduction in (losses_module.Reduction.AUTO,
                                       losses_module.Reduction.SUM_OVER_BATCH_SIZE)
                and logits_split(code) is None)

    @staticmethod
    def targets(y, sw, out):
        """The targets in the outputs' dtype and shape, C-contiguous, or None
        when this batch takes the taped loss."""
        if y is None or y[0] is None or (sw is not None and sw[0] is not None):
            return None
        t = y[0]
        if (type(t) is not np.ndarray or t.shape != out.shape or out.ndim != 2
                or out.shape[0] == 0 or out.shape[1] == 0 or t.dtype.kind not in "biuf"):
            return None
        return np.ascontiguousarray(t, dtype=out.dtype)

    def gradient(self, container, out, t):
        """The loss's gradient on `out` (its value added to the 'loss'
        tracker)."""
        k = kernels()
        loss, d = k.mse_fwd(out, t)
        _track_mean(container, loss)
        return k.mse_bwd(d, self.scale_for(loss.shape[0], out.dtype))
