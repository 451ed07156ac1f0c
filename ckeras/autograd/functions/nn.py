"""Neural-network Functions: activations, softmax, crossentropies, dense, dropout.

sigmoid, tanh, hard_sigmoid, plain relu, softmax over the last axis and the
fused dense layer run on the kernels of `ckeras.kernels` (C, or the NumPy
reference); the other activations are NumPy expressions here.
"""
import math

import numpy as np

from ckeras._internal.config import floatx
from ckeras.autograd.function import Function
from ckeras.autograd.functions._special import erfc
from ckeras.autograd.functions._util import shape_of, unbroadcast
from ckeras.kernels import kernels
from ckeras.kernels.codes import Act


def _kernel_input(a):
    """`a` as a C-contiguous float32/float64 array, and the dtype to give back.

    float16 is computed in float32 and cast back; integer and bool inputs
    become floatx (as Keras casts them).
    """
    a = np.asarray(a)
    dt = a.dtype
    if dt == np.float32 or dt == np.float64:
        return (a if a.flags.c_contiguous else np.ascontiguousarray(a)), None
    if dt.kind == "f":
        return a.astype(np.float32), dt
    return a.astype(floatx()), None


def _as_float(a):
    a = np.asarray(a)
    return a if a.dtype.kind == "f" else a.astype(floatx())


def sigmoid_np(a):
    """Overflow-free logistic function."""
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)


def make_rng(seed):
    """A NumPy Generator: seeded when `seed` is given, else drawn from np.random.

    Drawing the seed from the legacy global state makes `np.random.seed(n)`
    reproduce unseeded dropout and random ops, as Keras 2 users expect.
    """
    if seed is None:
        seed = np.random.randint(0, 2**31 - 1)
    return np.random.default_rng(seed)


def new_generator(seed=None):
    """A dropout generator state for ``kernels().dropout_mask``: [key,
    counter] (uint64). The key mixes `seed`, or a seed drawn from NumPy's
    global state (so `np.random.seed(n)` reproduces unseeded dropout)."""
    if seed is None:
        seed = np.random.randint(0, 2**31 - 1)
    z = (int(seed) * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019) % 2**64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) % 2**64
    return np.array([z ^ (z >> 27), 0], np.uint64)


def layer_generator(owner, seed=None):
    """The one dropout generator state of a layer (or cell), made on first
    use: every mask it draws continues its stream."""
    state = owner.__dict__.get("_dropout_state")
    if state is None:
        state = owner.__dict__["_dropout_state"] = new_generator(seed)
    return state


def dropout_mask(state, rate, shape, dtype):
    """A mask of `shape` (0 or 1/(1-rate)) drawn in C from `state`, in
    `dtype` (float32 or float64 directly; other floats converted)."""
    dt = np.dtype(dtype)
    name = dt.name if dt.name in ("float32", "float64") else "float32"
    mask = kernels().dropout_mask(state, float(rate), tuple(int(s) for s in shape), name)
    return mask if mask.dtype == dt else mask.astype(dt)


# -- activations ---------------------------------------------------------------

class _KernelActivation(Function):
    """Elementwise activation computed by kernel `code`; backward from the output."""

    code = None

    def forward(self, a):
        a, back = _kernel_input(a)
        y = kernels().act_fwd(type(self).code, a)
        self.y, self.back = y, back
        return y if back is None else y.astype(back)

    def backward(self, g):
        y = self.y
        g = np.ascontiguousarray(g, dtype=y.dtype)
        dx = kernels().act_bwd(type(self).code, y, g)
        return dx if self.back is None else dx.astype(self.back)


class Sigmoid(_KernelActivation):
    code = Act.SIGMOID


class Tanh(_KernelActivation):
    code = Act.TANH


class HardSigmoid(_KernelActivation):
    """clip(0.2 x + 0.5, 0, 1) (the tf-keras 2.x definition)."""

    code = Act.HARD_SIGMOID


class Relu(Function):
    """Keras relu(x, alpha, max_value, threshold).

    x if threshold < x (clipped to [0, max_value] when max_value is given),
    alpha * (x - threshold) otherwise; exactly the tf-keras composition.
    Attributes default to the plain relu, which runs on the kernel.
    """

    alpha = 0.0
    max_value = None
    threshold = 0.0

    def forward(self, a):
        al, mx, thr = self.alpha, self.max_value, self.threshold
        self.plain = al == 0 and mx is None and thr == 0
        if self.plain:
            a, back = _kernel_input(a)
            y = kernels().act_fwd(Act.RELU, a)
            self.y, self.back = y, back
            return y if back is None else y.astype(back)
        a = _as_float(a)
        self.a = a
        pos = np.where(a > thr, a, 0) if thr != 0 else np.maximum(a, 0)
        if mx is not None:
            pos = np.clip(pos, 0, mx)
        if al != 0:
            pos = pos - al * np.maximum(thr - a, 0)
        return pos.astype(a.dtype, copy=False)

    def backward(self, g):
        if self.plain:
            y = self.y
            dx = kernels().act_bwd(1, y, np.ascontiguousarray(g, dtype=y.dtype))
            return dx if self.back is None else dx.astype(self.back)
        a, al, mx, thr = self.a, self.alpha, self.max_value, self.threshold
        d = a > thr
        if mx is not None:
            pre = np.where(d, a, 0)
            if thr == 0 and mx == 6:
                d = d & (a < 6)           # tf.nn.relu6's gradient
            else:
                d = d & (pre >= 0) & (pre <= mx)
        d = d.astype(g.dtype)
        if al != 0:
            d = d + (a < thr).astype(g.dtype) * al
        return g * d


class Elu(Function):
    alpha = 1.0

    def forward(self, a):
        a = _as_float(a)
        self.a = a
        neg = np.expm1(np.minimum(a, 0))
        if self.alpha != 1:
            neg = self.alpha * neg
        return np.where(a > 0, a, neg).astype(a.dtype, copy=False)

    def backward(self, g):
        a = self.a
        return g * np.where(a > 0, 1, self.alpha * np.exp(np.minimum(a, 0))).astype(
            g.dtype, copy=False)


SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805


class Selu(Function):
    def forward(self, a):
        a = _as_float(a)
        self.a = a
        neg = SELU_ALPHA * np.expm1(np.minimum(a, 0))
        return (SELU_SCALE * np.where(a > 0, a, neg)).astype(a.dtype, copy=False)

    def backward(self, g):
        a = self.a
        d = np.where(a > 0, SELU_SCALE, SELU_SCALE * SELU_ALPHA * np.exp(np.minimum(a, 0)))
        return g * d.astype(g.dtype, copy=False)


class Softplus(Function):
    def forward(self, a):
        a = _as_float(a)
        self.a = a
        return np.logaddexp(0, a)

    def backward(self, g):
        return g * sigmoid_np(self.a)


class Softsign(Function):
    def forward(self, a):
        a = _as_float(a)
        self.den = 1 + np.abs(a)
        return a / self.den

    def backward(self, g):
        return g / np.square(self.den)


class Swish(Function):
    """x * sigmoid(x) (also called silu)."""

    def forward(self, a):
        a = _as_float(a)
        self.a, self.s = a, sigmoid_np(a)
        return a * self.s

    def backward(self, g):
        s, a = self.s, self.a
        return g * (s * (1 + a * (1 - s)))


_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
_INV_SQRT_2 = 1 / math.sqrt(2)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)


class Gelu(Function):
    """0.5 x (1 + erf(x / sqrt 2)), or the tanh form when `approximate`."""

    approximate = False

    def forward(self, a):
        a = _as_float(a)
        self.a = a
        if self.approximate:
            self.t = np.tanh(_SQRT_2_OVER_PI * (a + 0.044715 * a * a * a))
            return 0.5 * a * (1 + self.t)
        # 1 + erf(x/sqrt2) == erfc(-x/sqrt2), which keeps precision for x << 0.
        self.c = erfc(-_INV_SQRT_2 * a)
        return 0.5 * a * self.c

    def backward(self, g):
        a = self.a
        if self.approximate:
            t = self.t
            return g * (0.5 * (1 + t) + 0.5 * a * (1 - t * t) * _SQRT_2_OVER_PI
                        * (1 + 3 * 0.044715 * a * a))
        return g * (0.5 * self.c + a * _INV_SQRT_2PI * np.exp(-0.5 * a * a))


class Mish(Function):
    """x * tanh(softplus(x))."""

    def forward(self, a):
        a = _as_float(a)
        self.a = a
        self.t = np.tanh(np.logaddexp(0, a))
        return a * self.t

    def backward(self, g):
        a, t = self.a, self.t
        return g * (t + a * (1 - t * t) * sigmoid_np(a))


class Softmax(Function):
    """exp(x - max) / sum along `axis` (int or tuple); last axis runs on the kernel."""

    axis = -1

    def forward(self, a):
        ax = self.axis
        a = np.asarray(a)
        nd = a.ndim
        self.fast = isinstance(ax, (int, np.integer)) and nd >= 1 and (ax == -1 or ax == nd - 1)
        if self.fast:
            a, back = _kernel_input(a)
            y = kernels().act_fwd(Act.SOFTMAX, a.reshape(-1, a.shape[-1])).reshape(a.shape)
            self.y, self.back = y, back
            return y if back is None else y.astype(back)
        a = _as_float(a)
        ax = tuple(ax) if isinstance(ax, list) else ax
        e = np.exp(a - np.max(a, axis=ax, keepdims=True))
        self.y = e / np.sum(e, axis=ax, keepdims=True)
        return self.y

    def backward(self, g):
        y = self.y
        if self.fast:
            g2 = np.ascontiguousarray(g, dtype=y.dtype).reshape(-1, y.shape[-1])
            dx = kernels().act_bwd(4, y.reshape(-1, y.shape[-1]), g2).reshape(y.shape)
            return dx if self.back is None else dx.astype(self.back)
        ax = tuple(self.axis) if isinstance(self.axis, list) else self.axis
        return y * (g - np.sum(g * y, axis=ax, keepdims=True))


# -- crossentropies ------------------------------------------------------------

def _target_like(t, o):
    """The target in the output's float dtype (as Keras losses cast y_true)."""
    t = np.asarray(t)
    return t if t.dtype == o.dtype else t.astype(o.dtype)


def _target_grad(g, t_src):
    """Gradient for the target, in its own dtype (None for integer targets)."""
    dt = np.result_type(t_src)
    if dt.kind != "f":
        return None
    return g if g.dtype == dt else g.astype(dt)


def _check_same_shape(name, t, o):
    if np.shape(t) != np.shape(o):
        raise ValueError(
            f"K.{name}: `target` and `output` must have the same shape; received "
            f"target.shape={np.shape(t)}, output.shape={np.shape(o)}.")


class CategoricalCrossentropy(Function):
    """-sum(t * log(clip(o / sum(o), eps, 1 - eps))) along `axis` (probabilities)."""

    axis = -1
    eps = 1e-7

    def forward(self, t, o):
        _check_same_shape("categorical_crossentropy", t, o)
        ax, eps = self.axis, self.eps
        o = _as_float(o)
        self.t_src, t = t, _target_like(t, o)
        s = np.sum(o, axis=ax, keepdims=True)
        p = o / s
        c = np.clip(p, eps, 1 - eps)
        logc = np.log(c)
        self.t, self.s, self.p, self.c, self.logc = t, s, p, c, logc
        return -np.sum(t * logc, axis=ax).astype(o.dtype, copy=False)

    def backward(self, g):
        ax, eps = self.axis, self.eps
        ge = np.expand_dims(g, ax)
        need = self.needs_input_grad
        gt = go = None
        if need[0]:
            gt = _target_grad(-self.logc * ge, self.t_src)
        if need[1]:
            p = self.p
            inside = (p >= eps) & (p <= 1 - eps)
            dp = np.where(inside, -self.t / self.c, 0) * ge
            go = ((dp - np.sum(dp * p, axis=ax, keepdims=True)) / self.s).astype(
                g.dtype, copy=False)
        return gt, go


class SoftmaxCrossentropy(Function):
    """-sum(t * log_softmax(z)) along `axis` (logits); gradient p*sum(t) - t."""

    axis = -1

    def forward(self, t, z):
        _check_same_shape("categorical_crossentropy", t, z)
        ax = self.axis
        z = _as_float(z)
        self.t_src, t = t, _target_like(t, z)
        sh = z - np.max(z, axis=ax, keepdims=True)
        logp = sh - np.log(np.sum(np.exp(sh), axis=ax, keepdims=True))
        self.t, self.logp = t, logp
        return -np.sum(t * logp, axis=ax).astype(z.dtype, copy=False)

    def backward(self, g):
        ax = self.axis
        ge = np.expand_dims(g, ax)
        need = self.needs_input_grad
        gt = _target_grad(-self.logp * ge, self.t_src) if need[0] else None
        gz = None
        if need[1]:
            t = self.t
            p = np.exp(self.logp)
            gz = (ge * (p * np.sum(t, axis=ax, keepdims=True) - t)).astype(
                g.dtype, copy=False)
        return gt, gz


def _check_label_range(labels, n_cls):
    # One reduction finds a label outside [0, n_cls): as unsigned, the
    # negative ones are the largest.
    if labels.size and np.maximum.reduce(
            labels.view(labels.dtype.str.replace("i", "u"))) >= n_cls:
        bad = labels[(labels < 0) | (labels >= n_cls)][0]
        raise ValueError(
            f"K.sparse_categorical_crossentropy: received a label value of {bad} "
            f"which is outside the valid range of [0, {n_cls}).")


class SparseCategoricalCrossentropy(Function):
    """Crossentropy with integer labels, as tf-keras computes it.

    Probabilities are clipped to [eps, 1 - eps], their log is taken and
    log-softmax renormalises them; logits go straight to log-softmax. Labels of
    shape output.shape[:-1] or with a trailing 1 are accepted.
    """

    axis = -1
    eps = 1e-7
    from_logits = False

    def forward(self, target, output):
        out = _as_float(output)
        if out.ndim == 0:
            raise ValueError("K.sparse_categorical_crossentropy: `output` must have rank >= 1.")
        ax = self.axis % out.ndim
        om = out if ax == out.ndim - 1 else np.moveaxis(out, ax, -1)
        n_cls = om.shape[-1]
        labels = np.asarray(target)
        if labels.dtype.kind != "i":
            labels = labels.astype(np.int64)
        labels = labels.reshape(-1)
        z = om.reshape(-1, n_cls)
        if labels.shape[0] != z.shape[0]:
            raise ValueError(
                "K.sparse_categorical_crossentropy: `target` must hold one label per "
                f"row of `output`; received target.shape={np.shape(target)}, "
                f"output.shape={out.shape}.")
        self.ax, self.om_shape = ax, om.shape
        if self.from_logits and (z.dtype == np.float32 or z.dtype == np.float64):
            # one kernel pass: the softmax (kept for the backward) and the
            # per-row log-sum-exp (ckeras.engine.dense_replay calls the same
            # kernels, so its step keeps these bits); the kernel checks the
            # labels, Keras' message comes from the check below
            labels = np.ascontiguousarray(labels, dtype=np.int64)
            try:
                loss, self.p = kernels().sparse_xent_fwd(np.ascontiguousarray(z), labels)
            except ValueError:
                _check_label_range(labels, n_cls)
                raise
            self.labels = labels
            return loss.reshape(om.shape[:-1])
        _check_label_range(labels, n_cls)
        self.p = None
        if not self.from_logits:
            eps = self.eps
            self.inside = (z >= eps) & (z <= 1 - eps)
            self.c = np.clip(z, eps, 1 - eps)
            z = np.log(self.c)
        # the ufuncs' reduce directly: np.max/np.sum add microseconds of wrapper
        sh = z - np.maximum.reduce(z, axis=-1, keepdims=True)
        logp = sh - np.log(np.add.reduce(np.exp(sh), axis=-1, keepdims=True))
        rows = np.arange(labels.shape[0])
        self.logp, self.labels, self.rows = logp, labels, rows
        return (-logp[rows, labels]).reshape(om.shape[:-1])

    def backward(self, g):
        if self.p is not None:
            p = self.p
            # a mean's gradient arrives as one value for every row
            scale = np.full(p.shape[0], g, p.dtype) if g.ndim == 0 else np.ascontiguousarray(
                np.broadcast_to(g, self.om_shape[:-1]), dtype=p.dtype).reshape(-1)
            d = kernels().sparse_xent_bwd(p, self.labels, scale)
            d = d.reshape(self.om_shape)
            return None, (d if self.ax == len(self.om_shape) - 1 else
                          np.moveaxis(d, -1, self.ax))
        d = np.exp(self.logp)
        d[self.rows, self.labels] -= 1
        d *= g.reshape(-1, 1)
        if not self.from_logits:
            d = np.where(self.inside, d / self.c, 0).astype(d.dtype, copy=False)
        d = d.reshape(self.om_shape)
        if self.ax != len(self.om_shape) - 1:
            d = np.moveaxis(d, -1, self.ax)
        return None, d


class BinaryCrossentropy(Function):
    """Elementwise -(t log(c + eps) + (1 - t) log(1 - c + eps)), c = clip(o, eps, 1-eps)."""

    eps = 1e-7

    def forward(self, t, o):
        eps = self.eps
        o = _as_float(o)
        self.t_src, t = t, _target_like(t, o)
        self.t, self.o = t, o
        c = np.clip(o, eps, 1 - eps)
        self.a1, self.a2 = c + eps, 1 - c + eps
        self.l1, self.l2 = np.log(self.a1), np.log(self.a2)
        return -(t * self.l1 + (1 - t) * self.l2)

    def backward(self, g):
        eps, t, o = self.eps, self.t, self.o
        need = self.needs_input_grad
        gt = (_target_grad(unbroadcast(-g * (self.l1 - self.l2), shape_of(t)), self.t_src)
              if need[0] else None)
        go = None
        if need[1]:
            inside = (o >= eps) & (o <= 1 - eps)
            d = np.where(inside, (1 - t) / self.a2 - t / self.a1, 0)
            go = unbroadcast((g * d).astype(g.dtype, copy=False), shape_of(o))
        return gt, go


class SigmoidCrossentropy(Function):
    """Elementwise sigmoid crossentropy from logits (stable form)."""

    def forward(self, t, z):
        z = _as_float(z)
        self.t_src, t = t, _target_like(t, z)
        self.t, self.z = t, z
        return np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z)))

    def backward(self, g):
        t, z = self.t, self.z
        need = self.needs_input_grad
        gt = _target_grad(unbroadcast(-g * z, shape_of(t)), self.t_src) if need[0] else None
        gz = unbroadcast(g * (sigmoid_np(z) - t), shape_of(z)) if need[1] else None
        return gt, gz


# -- normalisation, dropout, bias, dense ---------------------------------------

class L2Normalize(Function):
    """x / sqrt(max(sum(x^2, axis), 1e-12))."""

    axis = None

    def forward(self, a):
        a = _as_float(a)
        ax = tuple(self.axis) if isinstance(self.axis, list) else self.axis
        sq = np.sum(np.square(a), axis=ax, keepdims=True)
        self.big = sq > 1e-12
        self.inv = 1 / np.sqrt(np.maximum(sq, 1e-12))
        self.y = a * self.inv
        return self.y

    def backward(self, g):
        ax = tuple(self.axis) if isinstance(self.axis, list) else self.axis
        y = self.y
        proj = np.where(self.big, np.sum(g * y, axis=ax, keepdims=True), 0)
        return (self.inv * (g - y * proj)).astype(g.dtype, copy=False)


class Dropout(Function):
    """Inverted dropout: keep with probability 1 - rate, scale kept by 1/(1 - rate).

    `noise_shape` (None entries take the input's size) broadcasts one mask
    over axes. The mask is drawn in C from `generator` (a layer's state, see
    `layer_generator`), else from a new state of `seed`.
    """

    noise_shape = None
    seed = None
    generator = None

    def forward(self, a):
        a = _as_float(a)
        shape = a.shape
        if self.noise_shape is not None:
            ns = tuple(self.noise_shape)
            if len(ns) != a.ndim:
                raise ValueError(
                    f"K.dropout: `noise_shape`={ns} must have one entry per axis of "
                    f"`x` (shape {a.shape}).")
            shape = tuple(s if d is None else int(d) for d, s in zip(ns, a.shape))
        state = self.generator if self.generator is not None else new_generator(self.seed)
        self.mask = dropout_mask(state, self.rate, shape, a.dtype)
        self.src = a.shape
        return a * self.mask

    def backward(self, g):
        return unbroadcast(g * self.mask, self.src)


class BiasAdd(Function):
    """x + bias along the channel axis ('channels_last' or 'channels_first')."""

    data_format = "channels_last"

    def forward(self, x, b):
        x = np.asarray(x)
        b = np.asarray(b)
        nd = x.ndim
        if b.ndim != 1 and b.ndim != nd - 1:
            raise ValueError(
                f"K.bias_add: unexpected `bias` dimensions {b.ndim}, expected 1 or "
                f"{nd - 1} (x.shape={x.shape}, bias.shape={b.shape}).")
        self.bshape = b.shape
        if self.data_format == "channels_first" and nd > 2:
            if b.ndim == 1:
                bb = b.reshape((1, -1) + (1,) * (nd - 2))
            else:
                # tf-keras reshapes (not transposes) a channels-last-shaped bias
                # to (channels, *spatial): the same values in the same order
                bb = b.reshape((1, b.shape[-1]) + b.shape[:-1])
        else:
            bb = b
        self.bb_shape = bb.shape
        self.xshape = x.shape
        return x + bb

    def backward(self, g):
        need = self.needs_input_grad
        gx = unbroadcast(g, self.xshape) if need[0] else None
        gb = None
        if need[1]:
            gb = unbroadcast(g, self.bb_shape).reshape(self.bshape)
        return gx, gb


def _dense_inputs(x, w, b):
    """x as a C-contiguous 2-D array of w's dtype; w and b C-contiguous too."""
    dt = w.dtype
    shp = x.shape
    if shp[-1] != w.shape[0]:
        raise ValueError(
            f"Dense: the last axis of the input ({shp[-1]}) must equal "
            f"kernel.shape[0] ({w.shape[0]}); input shape {shp}, kernel shape {w.shape}.")
    if x.dtype != dt:
        x = x.astype(dt)
    if len(shp) != 2:
        x = x.reshape(-1, shp[-1])
    if not x.flags.c_contiguous:
        x = np.ascontiguousarray(x)
    if not w.flags.c_contiguous:
        w = np.ascontiguousarray(w)
    if b is not None and (b.dtype != dt or not b.flags.c_contiguous):
        b = np.ascontiguousarray(b, dtype=dt)
    return x, w, b


def dense_forward(x, w, b, code):
    """act(x @ w + b) on plain arrays, nothing saved: the inference path of Dense.

    A C-contiguous 2-D `x` of the kernel's dtype goes straight to the kernel
    (which validates w and b); anything else is converted first.
    """
    shp = x.shape
    if len(shp) == 2 and x.dtype == w.dtype and x.flags.c_contiguous:
        try:
            return kernels().dense_fwd(x, w, b, code)
        except ValueError:
            pass    # let _dense_inputs convert or raise a clearer error
    x2, w, b = _dense_inputs(x, w, b)
    y = kernels().dense_fwd(x2, w, b, code)
    return y if len(shp) == 2 else y.reshape(shp[:-1] + (w.shape[1],))


class Dense(Function):
    """act(x @ kernel + bias) fused: one node, forward and backward on the kernels.

    `x` may be N-D (the product is over its last axis); `bias` may be None;
    `code` is the fused activation (`ckeras.kernels.codes.Act`). The backward
    starts from the saved output.
    """

    code = Act.LINEAR

    def forward(self, x, w, b):
        shp = x.shape
        self.xdtype = x.dtype
        x2, w, b = _dense_inputs(x, w, b)
        y = kernels().dense_fwd(x2, w, b, self.code)
        self.x2, self.w, self.y, self.xshape, self.has_b = x2, w, y, shp, b is not None
        return y if len(shp) == 2 else y.reshape(shp[:-1] + (w.shape[1],))

    def backward(self, g):
        need = self.needs_input_grad
        y = self.y
        g2 = g.reshape(y.shape)
        if g2.dtype != y.dtype or not g2.flags.c_contiguous:
            g2 = np.ascontiguousarray(g2, dtype=y.dtype)
        dx, dw, db = kernels().dense_bwd(
            self.x2, self.w, y, g2, self.code, need_dx=bool(need[0]),
            need_dw=bool(need[1]), need_db=bool(need[2]) and self.has_b)
        if dx is not None:
            dx = dx.reshape(self.xshape)
            if dx.dtype != self.xdtype:
                dx = dx.astype(self.xdtype) if self.xdtype.kind == "f" else None
        return dx, dw, db
