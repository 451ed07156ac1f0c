"""The training step of a chain of Dense layers, run straight on the kernels.

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

Anything else takes the taped step: a layer that is not exactly `Dense`, an
activation without a fused kernel code, an activity regularizer, losses
from `add_loss` or weight regularizers, masks, variables that do not all
train, frozen variables, an open `GradientTape`, an input that is not a
C-contiguous 2-D array of the kernels' dtype and width. `plan_for` checks
the structure once per compile and graph; `DenseReplay.run` checks what may
change between steps (activations, variables, flags) on every call.
"""
import numpy as np

from ckeras import activations
from ckeras.autograd.function import enable_grad, open_tapes
from ckeras.autograd.tape import grad
from ckeras.autograd.tensor import Tensor
from ckeras.backend.nn import logits_split
from ckeras.kernels import kernels


def plan_for(model):
    """A `DenseReplay` of `model`'s training step, or a `Taped` when the
    model is not a plain chain of Dense layers (see the module docstring)."""
    layers_slots = _chain(model)
    if layers_slots is None:
        return Taped(model)
    return DenseReplay(model, *layers_slots)


def _chain(model):
    """(Dense layers, slots of their variables in the trainable list), or
    None."""
    steps = getattr(model, "_plan", None)
    if not steps or getattr(model, "_added", ()) or getattr(model, "_outputs_maybe_masked", True):
        return None
    if len(getattr(model, "_input_ids", ())) != 1 or len(getattr(model, "_output_ids", ())) != 1:
        return None
    if getattr(model, "_frozen_vars", None):
        return None
    key = model._input_ids[0]
    layers = []
    for step in steps:
        layer = step.layer
        if not type(layer).__dict__.get("replays_dense_step", False):
            return None
        if not step.single_in or not step.single_out or step.wants_mask or step.args != key:
            return None
        key = step.out_keys[0]
        layers.append(layer)
    if key != model._output_ids[0]:
        return None
    index = {id(v): i for i, v in enumerate(model._train_vars)}
    slots = []
    for layer in layers:
        kernel, bias = layer.kernel, layer.bias
        if id(kernel) not in index or (bias is not None and id(bias) not in index):
            return None
        slots.append((index[id(kernel)], None if bias is None else index[id(bias)]))
    if len(model._train_vars) != sum(1 + (b is not None) for _, b in slots):
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
    touching anything when this step must take the taped path.
    """

    __slots__ = ("layers", "slots")

    def __init__(self, model, layers, slots):
        super().__init__(model)
        self.layers = layers
        self.slots = slots

    def _codes(self, x):
        """Fused activation codes of the layers, or None when a step must
        take the taped path."""
        if type(x) is not np.ndarray or x.ndim != 2 or not x.flags.c_contiguous:
            return None
        codes = []
        for layer in self.layers:
            kernel, bias = layer.kernel, layer.bias
            w = kernel.value
            if (layer.activity_regularizer is not None or not kernel.requires_grad
                    or (bias is not None and not bias.requires_grad)
                    or w.dtype != x.dtype or not w.flags.c_contiguous):
                return None
            if bias is not None and (bias.value.dtype != x.dtype
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
        if x.shape[1] != self.layers[0].kernel.value.shape[0]:
            return None
        return codes

    def run(self, model, x, y, sw):
        codes = self._codes(x)
        if codes is None or open_tapes() or model.losses:
            return None
        k = kernels()
        ins, outs = [], []
        h = x
        last = len(self.layers) - 1
        split = logits_split(codes[last])
        for i, (layer, code) in enumerate(zip(self.layers, codes)):
            b = layer.bias
            ins.append(h)
            # a softmax/sigmoid output is its own node over the logits (the
            # taped Dense computes the logits with the linear code)
            h = k.dense_fwd(h, layer.kernel.value, None if b is None else b.value,
                            0 if i == last and split is not None else code)
            outs.append(h)
        with enable_grad():
            logits = Tensor(h, True)
            y_pred = [split(logits) if split is not None else logits]
            total = self.loss(y, y_pred, sw, [])
        variables = self.train_vars
        grads = [None] * len(variables)
        if isinstance(total, Tensor) and total.requires_grad:
            g = grad(total, logits)
            for i in range(last, -1, -1):
                out = outs[i]
                g2 = g.reshape(out.shape)
                if g2.dtype != out.dtype or not g2.flags.c_contiguous:
                    g2 = np.ascontiguousarray(g2, dtype=out.dtype)
                kslot, bslot = self.slots[i]
                code = 0 if i == last and split is not None else codes[i]
                dx, dw, db = k.dense_bwd(ins[i], self.layers[i].kernel.value, out, g2, code,
                                         need_dx=i > 0, need_dw=True,
                                         need_db=bslot is not None)
                grads[kslot] = dw
                if bslot is not None:
                    grads[bslot] = db
                g = dx
        self.optimizer.apply_gradients(zip(grads, variables))
        return y_pred
