"""The optimizer base class (tf.keras 2.11+ `Optimizer` semantics, in NumPy).

An optimizer owns, per model variable, a few *slot* arrays (momenta,
accumulators...) of the variable's shape and dtype. `apply_gradients`
updates each variable's `.value` IN PLACE with preallocated NumPy buffers.

State layout (what `variables()`, `get_weights()` and `set_weights()` use;
it is tf-keras 2.21's `optimizer.variables()` order, checked against the
golden fixtures):

- new optimizers (`ckeras.optimizers.Adam`...): `iteration:0` (int64
  scalar), then, when `use_ema=True`, one `average` per variable, then the
  slots. Slots named in one group are interleaved per variable (Adam:
  `m/v0, v/v0, m/v1, v/v1`), groups follow each other (amsgrad `vhat`s come
  after all `m`/`v`; RMSprop's `velocity`, `momentum` and
  `average_gradient` are three groups). Names: `Adam/m/dense/kernel:0`.
- legacy optimizers (`ckeras.optimizers.legacy.Adam`...): `Adam/iter:0`,
  (Nadam: `Nadam/momentum_cache:0`), then slot-major: all `m`, then all `v`
  (Ftrl interleaves `accumulator`/`linear`). Names: `Adam/dense/kernel/m:0`.

`optimizer.iterations` is a `ckeras.autograd.Variable` holding an int64
0-d array (as tf-keras' tf.Variable): `int(opt.iterations)`,
`opt.iterations.numpy()` and `K.get_value(opt.iterations)` all work.

`optimizer.lr` / `optimizer.learning_rate` are Python floats. With a
`LearningRateSchedule` they are the rate of the most recent update (the
schedule at step 0 before any update), as in tf-keras.
"""
import logging
import math
import re

import numpy as np

from ckeras._internal import config as _backend_config
from ckeras.autograd.gradient_tape import GradientTape
from ckeras.autograd.tensor import Tensor, Variable
from ckeras.optimizers import schedules as _schedules

_log = logging.getLogger("ckeras.optimizers")

_NEW_ONLY_KWARGS = ("weight_decay", "use_ema", "ema_momentum", "ema_overwrite_frequency",
                    "jit_compile", "mesh")



class LearningRateValue(float):
    """The float `optimizer.lr` returns; it remembers its optimizer so that the
    classic `K.set_value(model.optimizer.lr, 0.01)` can set the rate."""

    def __new__(cls, value, optimizer):
        obj = super().__new__(cls, value)
        obj._optimizer = optimizer
        return obj

    def _keras_set_value(self, value):
        self._optimizer.learning_rate = float(np.asarray(value))

class CallableList(list):
    """A list that returns itself when called.

    `optimizer.variables` is a property in tf-keras' new optimizers and a
    method in the legacy ones; this makes both spellings work.
    """

    def __call__(self):
        return self


def _base_name(var):
    """'dense/kernel:0' -> 'dense/kernel' (tf's `_shared_name`)."""
    name = getattr(var, "name", None) or "variable"
    return re.sub(r":\d+$", "", name)


def _to_float(value, what):
    if isinstance(value, Tensor):
        value = value.value
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(f"`{what}` must be a number; received {value!r}.") from None


def _round_floatx(x):
    """`x` as tf-keras reports a float32 hyper-parameter (0.1 -> 0.10000000149011612)."""
    return float(np.asarray(x, dtype=_backend_config.floatx()))


def _round_f32(x):
    return float(np.float32(x))


class _VarState:
    """Per-variable optimizer state: slot Variables and scratch buffers."""

    __slots__ = ("var", "slots", "ordered", "scratch")

    def __init__(self, var, slots, ordered, scratch):
        self.var = var
        self.slots = slots        # {slot name: Variable}, EMA 'average' included
        self.ordered = ordered    # the update slots, in `_slot_groups` order
        self.scratch = scratch    # list of work arrays (not saved)


class Optimizer:
    """Base class of the optimizers (tf.keras 2.x new-optimizer API).

    Subclasses describe their slots (`_slot_groups`, `_slot_fill`), the
    per-step scalars (`_coefficients`) and the in-place update of one
    variable (`_apply`). A user optimizer may instead override
    `build(var_list)` (creating state with `add_variable_from_reference`) and
    `update_step(gradient, variable)`, as in tf-keras.

    Args:
        name: the optimizer name; prefixes the names of its variables.
        learning_rate: a float or a `schedules.LearningRateSchedule`.
        clipnorm: if set, each gradient is rescaled so that its own L2 norm
            is at most this value.
        clipvalue: if set, each gradient is clipped elementwise to
            `[-clipvalue, clipvalue]`.
        global_clipnorm: if set, all gradients are rescaled together so that
            their joint L2 norm is at most this value. Only one of `clipnorm`
            and `global_clipnorm` may be set. (New optimizers apply only one
            clipping: clipnorm, else global_clipnorm, else clipvalue; legacy
            ones apply clipvalue, then clipnorm, then global_clipnorm.)
        **kwargs: `lr` (alias of `learning_rate`), `decay` (classic
            time-based decay: `lr / (1 + decay * iterations)`),
            `weight_decay`, `use_ema`, `ema_momentum`,
            `ema_overwrite_frequency`, `jit_compile` (accepted, ignored),
            `is_legacy_optimizer` (ignored; written by `get_config`).

    Raises:
        TypeError: unknown keyword arguments (named in the message).
        ValueError: both `clipnorm` and `global_clipnorm`, negative clipping
            values or `decay`.

    Example:
        >>> opt = ckeras.optimizers.SGD(learning_rate=0.1)
        >>> v = Variable(np.array([1.0, 2.0], 'float32'))
        >>> _ = opt.apply_gradients([(np.array([1.0, 1.0], 'float32'), v)])
        >>> v.numpy()
        array([0.9, 1.9], dtype=float32)
    """

    #: True for `ckeras.optimizers.legacy.*` (tf.keras OptimizerV2 behaviour).
    _is_legacy = False
    #: Config keys of the hyper-parameters after `learning_rate`, in order.
    _hyper_keys = ()
    #: Legacy only: hyper-parameters tf-keras reports rounded to float32.
    _f32_hypers = ()
    #: Number of scratch buffers `_apply` needs per variable.
    _n_scratch = 1

    def __init__(self, name, learning_rate=0.001, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, **kwargs):
        if "lr" in kwargs:
            lr = kwargs.pop("lr")
            if lr is not None:
                learning_rate = lr
        decay = kwargs.pop("decay", 0.0)
        kwargs.pop("is_legacy_optimizer", None)
        new_kwargs = {}
        if not self._is_legacy:
            for key in _NEW_ONLY_KWARGS:
                if key in kwargs:
                    new_kwargs[key] = kwargs.pop(key)
        if kwargs:
            raise TypeError(
                f"Unexpected keyword argument(s) passed to optimizer "
                f"{type(self).__name__}: {', '.join(sorted(kwargs))}.")
        for key, value in (("clipnorm", clipnorm), ("clipvalue", clipvalue),
                           ("global_clipnorm", global_clipnorm)):
            if value is not None and value < 0:
                raise ValueError(f"Expected {key} >= 0, received: {value}")
        if clipnorm is not None and global_clipnorm is not None:
            raise ValueError(
                "At most one of `clipnorm` and `global_clipnorm` can be set. "
                f"Received: clipnorm={clipnorm}, global_clipnorm={global_clipnorm}.")
        decay = 0.0 if decay is None else _to_float(decay, "decay")
        if decay < 0:
            raise ValueError(f"decay cannot be less than 0. Received: decay={decay}.")
        self.name = name
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.decay = decay
        self.weight_decay = new_kwargs.get("weight_decay")
        self.use_ema = bool(new_kwargs.get("use_ema", False))
        self.ema_momentum = new_kwargs.get("ema_momentum", 0.99)
        self.ema_overwrite_frequency = new_kwargs.get(
            "ema_overwrite_frequency", getattr(self, "_default_ema_overwrite_frequency", None))
        # ckeras never JIT-compiles; tf-keras also reports False on CPU.
        self.jit_compile = False
        if self.use_ema:
            if not 0 <= self.ema_momentum <= 1:
                raise ValueError("`ema_momentum` must be in the range [0, 1]. "
                                 f"Received: ema_momentum={self.ema_momentum}")
            f = self.ema_overwrite_frequency
            if f and (not isinstance(f, int) or f < 1):
                raise ValueError("`ema_overwrite_frequency` must be an integer > 1 or None. "
                                 f"Received: ema_overwrite_frequency={f}")
        self._learning_rate = self._check_learning_rate(learning_rate)
        self._last_lr = None
        iter_name = f"{name}/iter:0" if self._is_legacy else "iteration:0"
        self._iterations = Variable(np.zeros((), np.int64), name=iter_name, trainable=False)
        self._state = {}           # id(model variable) -> _VarState
        self._var_list = []        # model variables, in build order
        self._custom_variables = []
        self._exclude_wd_ids = set()
        self._exclude_wd_names = []
        self._built = False

    # ------------------------------------------------------------ hyper-parameters
    @staticmethod
    def _check_learning_rate(learning_rate):
        if isinstance(learning_rate, _schedules.LearningRateSchedule):
            return learning_rate
        if callable(learning_rate) and not isinstance(learning_rate, Tensor):
            return learning_rate   # a zero-argument callable, evaluated per step
        return _to_float(learning_rate, "learning_rate")

    @property
    def learning_rate(self):
        """The learning rate as a float (see the module docstring for schedules)."""
        lr = self._learning_rate
        if isinstance(lr, _schedules.LearningRateSchedule):
            if self._last_lr is None:
                return float(lr(int(self._iterations.value)))
            return self._last_lr
        if callable(lr):
            return float(lr())
        return LearningRateValue(lr, self)

    @learning_rate.setter
    def learning_rate(self, value):
        if isinstance(value, _schedules.LearningRateSchedule):
            self._learning_rate = value
            self._last_lr = None
            return
        if isinstance(self._learning_rate, _schedules.LearningRateSchedule):
            raise TypeError(
                "This optimizer was created with a `LearningRateSchedule` object as its "
                "`learning_rate` constructor argument, hence its learning rate is not "
                "settable. If you need the learning rate to be settable, you should "
                "instantiate the optimizer with a float `learning_rate` argument.")
        self._learning_rate = _to_float(value, "learning_rate")

    lr = learning_rate  # the Keras 2 alias (read/write)

    def _lr_at(self, step):
        """The learning rate of the update made at 0-based `step`."""
        lr = self._learning_rate
        if isinstance(lr, _schedules.LearningRateSchedule):
            lr = float(lr(step))
            self._last_lr = lr
        elif callable(lr):
            lr = float(lr())
        decay = self._time_decay()
        if decay:
            lr = lr / (1.0 + decay * step)
        return lr

    def _time_decay(self):
        """The `decay` of `lr / (1 + decay * iterations)`."""
        return self.decay

    @property
    def iterations(self):
        """The number of updates applied: a Variable holding an int64 scalar."""
        return self._iterations

    @iterations.setter
    def iterations(self, value):
        self._iterations.value[...] = int(getattr(value, "value", value))

    # ----------------------------------------------------------------- slots
    def _slot_groups(self):
        """Slot names per variable, grouped as tf-keras orders them."""
        return []

    def _slot_fill(self, slot):
        """Initial value of a slot."""
        return 0.0

    def _slot_name(self, var, slot):
        if self._is_legacy:
            return f"{self.name}/{_base_name(var)}/{slot}:0"
        return f"{self.name}/{slot}/{_base_name(var)}:0"

    def _all_groups(self):
        groups = list(self._slot_groups())
        if self.use_ema and not self._is_legacy:
            groups.insert(0, ("average",))
        return groups

    def _slot_shape(self, slot, shape):
        """The shape of `slot` for a variable of `shape`, or None when that
        variable has no such slot (Adafactor factors only rank >= 2)."""
        return shape

    def _extra_variables(self):
        """Non-slot state variables listed right after the iteration counter."""
        return []

    def build(self, var_list):
        """Creates the slots of every variable of `var_list` not seen before.

        Called automatically by `apply_gradients`; call it yourself before
        `set_weights` on a fresh optimizer.

        Args:
            var_list: list of `ckeras.autograd.Variable` (the model's
                trainable weights, in order).
        """
        names = [n for g in self._all_groups() for n in g]
        update_names = [n for g in self._slot_groups() for n in g]
        for var in var_list:
            if id(var) in self._state:
                continue
            value = var.value
            slots = {}
            for slot in names:
                if slot == "average":
                    init = np.array(value, copy=True)
                else:
                    shape = self._slot_shape(slot, value.shape)
                    if shape is None:
                        continue
                    init = np.full(shape, self._slot_fill(slot), dtype=value.dtype)
                slots[slot] = Variable(init, name=self._slot_name(var, slot), trainable=False)
            scratch = [np.empty_like(value) for _ in range(self._n_scratch)]
            ordered = [slots[n] for n in update_names if n in slots]
            self._state[id(var)] = _VarState(var, slots, ordered, scratch)
            self._var_list.append(var)
        self._built = True

    def add_variable_from_reference(self, model_variable, variable_name, shape=None,
                                    initial_value=None):
        """Creates an extra state variable shaped like `model_variable`.

        For custom optimizers written tf-keras style (`build` +
        `update_step`). Named `'<optimizer>/<variable_name>/<var>:0'`.

        Returns:
            The new `Variable` (also listed by `variables()`).
        """
        value = model_variable.value
        if initial_value is None:
            init = np.zeros(value.shape if shape is None else shape, dtype=value.dtype)
        else:
            init = np.array(getattr(initial_value, "value", initial_value), dtype=value.dtype)
        v = Variable(init, name=f"{self.name}/{variable_name}/{_base_name(model_variable)}:0",
                     trainable=False)
        self._custom_variables.append(v)
        return v

    def get_slot(self, var, slot_name):
        """The slot Variable `slot_name` (e.g. 'm') of model variable `var`."""
        state = self._state.get(id(var))
        if state is None or slot_name not in state.slots:
            raise KeyError(f"No slot '{slot_name}' for variable "
                           f"{getattr(var, 'name', var)!r} in optimizer {self.name}.")
        return state.slots[slot_name]

    def get_slot_names(self):
        """The slot names each variable gets (update order)."""
        return [n for g in self._slot_groups() for n in g]

    @property
    def variables(self):
        """All state variables in tf-keras order (callable for the legacy spelling)."""
        out = [self._iterations]
        out.extend(self._extra_variables())
        for group in self._all_groups():
            for var in self._var_list:
                slots = self._state[id(var)].slots
                for slot in group:
                    if slot in slots:
                        out.append(slots[slot])
        out.extend(self._custom_variables)
        return CallableList(out)

    @property
    def weights(self):
        """Alias of `variables()` (the legacy optimizer attribute)."""
        return self.variables

    def get_weights(self):
        """Copies of the state arrays, in `variables()` order.

        Returns:
            A list of NumPy arrays: the int64 iteration count first, then the
            per-variable slots (see the module docstring for the order).
        """
        return [np.array(v.value, copy=True) for v in self.variables]

    def set_weights(self, weights):
        """Restores the state written by `get_weights()` (in place).

        Args:
            weights: list of arrays in `variables()` order. On a fresh
                optimizer, call `build(model.trainable_weights)` first.

        Raises:
            ValueError: wrong count or shapes.
        """
        params = self.variables
        weights = list(weights)
        if len(params) != len(weights):
            hint = ""
            if not self._state:
                hint = (" The optimizer has no slots yet: call "
                        "`optimizer.build(trainable_variables)` first.")
            raise ValueError(
                f"You called `set_weights(weights)` on optimizer {self.name} with a weight "
                f"list of length {len(weights)}, but the optimizer was expecting "
                f"{len(params)} weights.{hint}")
        arrays = []
        for p, w in zip(params, weights):
            w = np.asarray(getattr(w, "value", w))
            if w.shape != p.value.shape:
                raise ValueError(
                    f"Optimizer weight shape {p.value.shape} of '{p.name}' not compatible "
                    f"with provided weight shape {w.shape}.")
            arrays.append(w)
        for p, w in zip(params, arrays):
            p.value[...] = w
        self._on_state_restored()

    def _on_state_restored(self):
        """Hook: invalidate caches derived from the state."""

    # -------------------------------------------------------------- updating
    def _coefficients(self, lr, step):
        """Scalars shared by all variables for the update at 1-based `step`."""
        return lr

    def _apply(self, w, g, s, c):
        """Updates `w` in place; `s` = slot arrays (in `get_slot_names()` order)
        followed by the scratch buffers."""
        raise NotImplementedError

    def _apply_all(self, ws, gs, slots, c):
        """`_apply` of every variable of a step (subclasses fuse them)."""
        apply = self._apply
        for w, g, s in zip(ws, gs, slots):
            apply(w, g, s, c)

    def update_step(self, gradient, variable):
        """tf-keras hook for custom optimizers: update one variable in place."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement `update_step(gradient, variable)`.")

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Excludes variables (or names matching regexes) from `weight_decay`."""
        if self._built:
            raise ValueError("`exclude_from_weight_decay()` can only be configued before "
                             "the optimizer is built.")
        self._exclude_wd_ids = {id(v) for v in (var_list or [])}
        self._exclude_wd_names = list(var_names or [])

    def _use_weight_decay(self, var):
        if id(var) in self._exclude_wd_ids:
            return False
        name = getattr(var, "name", "") or ""
        return not any(re.search(p, name) for p in self._exclude_wd_names)

    def _clip(self, grads):
        if self._is_legacy:
            if self.clipvalue is not None:
                grads = [np.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
            if self.clipnorm is not None:
                grads = [_clip_by_norm(g, self.clipnorm) for g in grads]
            if self.global_clipnorm is not None:
                grads = _clip_by_global_norm(grads, self.global_clipnorm)
            return grads
        if self.clipnorm and self.clipnorm > 0:
            return [_clip_by_norm(g, self.clipnorm) for g in grads]
        if self.global_clipnorm and self.global_clipnorm > 0:
            return _clip_by_global_norm(grads, self.global_clipnorm)
        if self.clipvalue and self.clipvalue > 0:
            return [np.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        return grads

    def apply_gradients(self, grads_and_vars, name=None, **kwargs):
        """Applies one update step.

        Args:
            grads_and_vars: iterable of `(gradient, variable)`: NumPy arrays
                (or Tensors) and `ckeras.autograd.Variable`s. Pairs with a
                None gradient are skipped (with a warning).
            name: accepted for tf-keras compatibility, ignored.
            **kwargs: accepted for tf-keras compatibility
                (`skip_gradients_aggregation`, ...), ignored.

        Returns:
            The `iterations` Variable (incremented by one).

        Raises:
            ValueError: if every gradient is None, or a gradient's shape
                differs from its variable's.
        """
        pairs = list(grads_and_vars)
        if not pairs:
            return self._iterations
        state = self._state
        for _, v in pairs:
            if id(v) not in state:
                self.build([v for _, v in pairs])
                break
        grads, variables = [], []
        missing = []
        for g, v in pairs:
            if g is None:
                missing.append(v)
                continue
            w = v.value
            if type(g) is not np.ndarray:
                g = np.asarray(getattr(g, "value", g))
            if g.dtype != w.dtype:
                g = g.astype(w.dtype)
            if g.shape != w.shape:
                raise ValueError(
                    f"Gradient of shape {g.shape} does not match variable "
                    f"{getattr(v, 'name', '?')!r} of shape {w.shape}.")
            grads.append(g)
            variables.append(v)
        if not variables:
            raise ValueError(
                "No gradients provided for any variable: "
                f"{[getattr(v, 'name', '?') for _, v in pairs]}.")
        if missing:
            _log.warning("Gradients do not exist for variables %s when minimizing the loss.",
                         [getattr(v, "name", "?") for v in missing])
        return self._apply_checked(grads, variables)

    def _apply_checked(self, grads, variables):
        """The update of `apply_gradients` once its arguments are checked:
        `grads` arrays of their variables' dtypes and shapes, none missing,
        the state built for every variable (the Dense-chain training step of
        ckeras.engine.dense_replay calls this directly)."""
        state = self._state
        if self.clipnorm is not None or self.clipvalue is not None or \
                self.global_clipnorm is not None:
            grads = self._clip(grads)
        step = int(self._iterations.value)
        lr = self._lr_at(step)
        if self.weight_decay and not self._is_legacy:
            for v in variables:
                if self._use_weight_decay(v):
                    w = v.value
                    w -= w * (self.weight_decay * lr)
        custom = type(self).update_step is not Optimizer.update_step
        if custom:
            for g, v in zip(grads, variables):
                self.update_step(g, v)
        else:
            slots = []
            for v in variables:
                st = state[id(v)]
                s = [sv.value for sv in st.ordered]
                s.extend(st.scratch)
                slots.append(s)
            self._apply_all([v.value for v in variables], grads, slots,
                            self._coefficients(lr, step + 1))
        if self.use_ema and not self._is_legacy:
            self._update_ema(variables, step)
        for v in variables:
            constraint = v.constraint
            if constraint is not None:
                w = v.value
                w[...] = _constraint_value(constraint, w)
        self._iterations.value += 1
        return self._iterations

    def _update_ema(self, variables, step):
        m = float(self.ema_momentum)
        overwrite = bool(self.ema_overwrite_frequency) and \
            (step + 1) % self.ema_overwrite_frequency == 0
        for v in variables:
            st = self._state[id(v)]
            avg = st.slots["average"].value
            w = v.value
            t = st.scratch[0] if st.scratch else np.empty_like(w)
            avg *= m
            np.multiply(w, 1.0 - m, out=t)
            avg += t
            if overwrite:
                w[...] = avg

    def finalize_variable_values(self, var_list):
        """With `use_ema=True`, overwrites `var_list` with their moving averages.

        `fit()` calls this after the last epoch, as tf-keras does.
        """
        if not self.use_ema or self._is_legacy:
            return
        for v in var_list:
            st = self._state.get(id(v))
            if st is not None:
                v.value[...] = st.slots["average"].value

    def minimize(self, loss, var_list, grad_loss=None, name=None, tape=None):
        """Minimizes `loss` by updating `var_list` (one step).

        Args:
            loss: a zero-argument callable returning the loss (run inside a
                new GradientTape, or inside `tape`), or a loss Tensor
                recorded by `tape`.
            var_list: list of Variables, or a zero-argument callable
                returning it (called after `loss`, so that variables it
                creates exist).
            grad_loss: optional seed for the gradient of `loss`.
            name: ignored (tf-keras compatibility).
            tape: the `GradientTape` that recorded a Tensor `loss`. As the
                third positional argument (tf-keras' new optimizers), a tape
                is taken as `tape`.

        Returns:
            The `iterations` Variable.

        Raises:
            ValueError: a Tensor `loss` without `tape`; no gradient for any
                variable.

        Example:
            >>> var = ckeras.backend.variable(1.0)
            >>> opt = ckeras.optimizers.SGD(learning_rate=0.1)
            >>> opt.minimize(lambda: (var ** 2) / 2.0, [var])
            >>> float(var)
            0.9
        """
        if isinstance(grad_loss, GradientTape) and tape is None:
            tape, grad_loss = grad_loss, None
        return self.apply_gradients(self.compute_gradients(loss, var_list, grad_loss, tape))

    def compute_gradients(self, loss, var_list, grad_loss=None, tape=None):
        """The `(gradient, variable)` pairs of `loss` (see `minimize`)."""
        if not callable(loss) and tape is None:
            raise ValueError("`tape` is required when a `Tensor` loss is passed. "
                             f"Received: loss={loss!r}, tape={tape!r}.")
        if tape is None:
            tape = GradientTape()
        if callable(loss):
            with tape:
                if not callable(var_list):
                    tape.watch(var_list)
                loss = loss()
                if callable(var_list):
                    var_list = var_list()
        elif callable(var_list):
            var_list = var_list()
        var_list = list(var_list)
        grads = tape.gradient(loss, var_list, output_gradients=grad_loss)
        return list(zip(grads, var_list))

    # ---------------------------------------------------------- serialization
    def _serialize_lr(self):
        lr = self._learning_rate
        if isinstance(lr, _schedules.LearningRateSchedule):
            return _schedules.serialize(lr)
        if callable(lr):
            lr = lr()
        return _round_floatx(lr)

    def _hyper_value(self, key):
        value = getattr(self, key)
        if self._is_legacy and key in self._f32_hypers and isinstance(value, (int, float)) \
                and not isinstance(value, bool):
            return _round_f32(value)
        return value

    def get_config(self):
        """The constructor arguments, with tf-keras 2.21's keys.

        New optimizers: name, weight_decay, clipnorm, global_clipnorm,
        clipvalue, use_ema, ema_momentum, ema_overwrite_frequency,
        jit_compile, is_legacy_optimizer (False), learning_rate (float32
        round-trip, or a serialized schedule), then the hyper-parameters;
        plus `decay` only when it is non-zero (a ckeras extension: tf-keras'
        new optimizers reject `decay`). Legacy optimizers: name, the clipping
        values that are set, learning_rate, decay, hyper-parameters.

        Returns:
            A JSON-able dict.
        """
        if self._is_legacy:
            config = {"name": self.name}
            for key in ("clipnorm", "clipvalue", "global_clipnorm"):
                if getattr(self, key) is not None:
                    config[key] = getattr(self, key)
            config["learning_rate"] = self._serialize_lr()
            config["decay"] = self.decay
        else:
            config = {
                "name": self.name, "weight_decay": self.weight_decay,
                "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm,
                "clipvalue": self.clipvalue, "use_ema": self.use_ema,
                "ema_momentum": self.ema_momentum,
                "ema_overwrite_frequency": self.ema_overwrite_frequency,
                "jit_compile": self.jit_compile, "is_legacy_optimizer": False,
                "learning_rate": self._serialize_lr(),
            }
        for key in self._hyper_keys:
            config[key] = self._hyper_value(key)
        if self.decay and not self._is_legacy:
            config["decay"] = self.decay
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Builds an optimizer from `get_config()` output.

        Also reads Keras 2.2 configs (`lr`) and Keras 3 configs (drops
        `loss_scale_factor` / `gradient_accumulation_steps` when None).

        Args:
            config: the config dict.
            custom_objects: dict of user classes (for custom schedules).

        Returns:
            An optimizer.
        """
        config = dict(config)
        if "lr" in config:
            lr = config.pop("lr")
            config.setdefault("learning_rate", lr)
        for key in ("loss_scale_factor", "gradient_accumulation_steps"):
            if key in config and config[key] is None:
                del config[key]
        lr = config.get("learning_rate")
        if isinstance(lr, dict):
            config["learning_rate"] = _schedules.deserialize(lr, custom_objects=custom_objects)
        return cls(**config)

    def __repr__(self):
        return f"<ckeras.optimizers.{'legacy.' if self._is_legacy else ''}" \
               f"{type(self).__name__} name={self.name!r} learning_rate={self.learning_rate}>"


def fused_update(kernel, w, g, *args):
    """Runs a fused update kernel of ``ckeras.kernels`` (optim family) on
    variable `w` in place: the kernels take C-contiguous arrays, so a strided
    gradient is copied, and a strided variable is updated through a copy."""
    if not g.flags.c_contiguous:
        g = np.ascontiguousarray(g)
    if w.flags.c_contiguous:
        kernel(w, g, *args)
        return
    wc = np.ascontiguousarray(w)
    kernel(wc, g, *args)
    w[...] = wc


def _constraint_value(constraint, w):
    out = constraint(w)
    return out.value if isinstance(out, Tensor) else out


def _sum_squares(g):
    flat = g.reshape(-1)
    return float(np.dot(flat, flat))


def _clip_by_norm(g, clip_norm):
    """`g * clip_norm / max(||g||, clip_norm)` (tf.clip_by_norm); a new array."""
    norm = math.sqrt(_sum_squares(g))
    if norm > clip_norm:
        return g * (clip_norm / norm)
    return g


def _clip_by_global_norm(grads, clip_norm):
    """tf.clip_by_global_norm: one scale for all gradients; new arrays."""
    total = math.sqrt(sum(_sum_squares(g) for g in grads))
    if not math.isfinite(total):
        return [np.full_like(g, np.nan) for g in grads]
    if total > clip_norm:
        scale = clip_norm / total
        return [g * scale for g in grads]
    return grads
