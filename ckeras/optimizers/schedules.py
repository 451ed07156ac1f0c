"""Learning-rate schedules (tf.keras 2.x `keras.optimizers.schedules`).

A schedule is a callable `schedule(step) -> learning rate`. Pass one as the
`learning_rate` of any optimizer: the optimizer evaluates it at its
`iterations` count (0 for the first update) before each update.

Schedules return Python floats computed in float64. tf-keras computes them in
float32, so values agree to float32 precision (about 1e-7 relative).

Example:
    >>> s = ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    >>> s(10)
    0.05
    >>> opt = ckeras.optimizers.SGD(learning_rate=s)
"""
import math

from ckeras.saving import serialization as _serialization


def _step_value(step):
    """`step` (int, float, NumPy scalar, 0-d array or Variable) as a float."""
    value = getattr(step, "value", step)
    return float(value)


class LearningRateSchedule:
    """Base class of learning-rate schedules.

    Subclasses implement `__call__(step)` (returning the learning rate for
    the 0-based update `step`) and `get_config()`.

    Example:
        >>> class Halving(LearningRateSchedule):
        ...     def __init__(self, lr): self.lr = lr
        ...     def __call__(self, step): return self.lr / 2 ** int(step)
        ...     def get_config(self): return {'lr': self.lr}
    """

    def __call__(self, step):
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `__call__(self, step)`.")

    def get_config(self):
        """Returns the constructor arguments as a JSON-able dict."""
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `get_config()` "
            "in order to be serializable.")

    @classmethod
    def from_config(cls, config):
        """Builds the schedule from the output of `get_config()`."""
        return cls(**config)

    def __repr__(self):
        try:
            args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        except NotImplementedError:
            args = ""
        return f"{type(self).__name__}({args})"


class ExponentialDecay(LearningRateSchedule):
    """`initial_learning_rate * decay_rate ** (step / decay_steps)`.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: positive number of steps of one decay period.
        decay_rate: the factor applied per period.
        staircase: if True, `step / decay_steps` is floored (decay in jumps).
        name: optional name (kept in the config).

    Example:
        >>> ExponentialDecay(0.1, 10, 0.5, staircase=True)(19)
        0.05
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name=None):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        p = _step_value(step) / float(self.decay_steps)
        if self.staircase:
            p = math.floor(p)
        return float(self.initial_learning_rate) * float(self.decay_rate) ** p

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class PiecewiseConstantDecay(LearningRateSchedule):
    """A constant rate per interval of steps.

    `values[0]` while `step <= boundaries[0]`, `values[1]` while
    `boundaries[0] < step <= boundaries[1]`, ..., `values[-1]` after the last
    boundary.

    Args:
        boundaries: increasing list of step numbers.
        values: list of `len(boundaries) + 1` rates.
        name: optional name.

    Raises:
        ValueError: if `len(values) != len(boundaries) + 1`.

    Example:
        >>> s = PiecewiseConstantDecay([5, 10], [1.0, 0.5, 0.1])
        >>> s(5), s(6), s(11)
        (1.0, 0.5, 0.1)
    """

    def __init__(self, boundaries, values, name=None):
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "The length of boundaries should be 1 less than the length of values. "
                f"Received: boundaries={boundaries} of length {len(boundaries)}, and "
                f"values={values} of length {len(values)}.")
        self.boundaries = list(boundaries)
        self.values = list(values)
        self.name = name

    def __call__(self, step):
        s = _step_value(step)
        for boundary, value in zip(self.boundaries, self.values):
            if s <= boundary:
                return float(value)
        return float(self.values[-1])

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """Polynomial decay from `initial_learning_rate` to `end_learning_rate`.

    `(initial - end) * (1 - step / decay_steps) ** power + end`, with `step`
    capped at `decay_steps`; with `cycle=True` the decay restarts with
    `decay_steps` multiplied by `ceil(step / decay_steps)` instead.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: positive number of decay steps.
        end_learning_rate: the final rate.
        power: the polynomial power (1.0 = linear).
        cycle: whether to restart after `decay_steps`.
        name: optional name.

    Example:
        >>> PolynomialDecay(0.1, 10, end_learning_rate=0.0)(5)
        0.05
    """

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001,
                 power=1.0, cycle=False, name=None):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def __call__(self, step):
        s = _step_value(step)
        decay_steps = float(self.decay_steps)
        if self.cycle:
            mult = 1.0 if s == 0 else math.ceil(s / decay_steps)
            decay_steps = decay_steps * mult
        else:
            s = min(s, decay_steps)
        init = float(self.initial_learning_rate)
        end = float(self.end_learning_rate)
        return (init - end) * (1.0 - s / decay_steps) ** float(self.power) + end

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "end_learning_rate": self.end_learning_rate,
                "power": self.power, "cycle": self.cycle, "name": self.name}


class InverseTimeDecay(LearningRateSchedule):
    """`initial_learning_rate / (1 + decay_rate * step / decay_steps)`.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: how often to apply the decay.
        decay_rate: the decay rate.
        staircase: if True, `step / decay_steps` is floored.
        name: optional name.

    Example:
        >>> InverseTimeDecay(0.1, 10, 0.5)(20)
        0.05
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name=None):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        p = _step_value(step) / float(self.decay_steps)
        if self.staircase:
            p = math.floor(p)
        return float(self.initial_learning_rate) / (1.0 + float(self.decay_rate) * p)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class CosineDecay(LearningRateSchedule):
    """Cosine decay, optionally after a linear warmup.

    Without warmup: `initial * ((1 - alpha) * 0.5 * (1 + cos(pi * s / decay_steps)) + alpha)`
    with `s = min(step, decay_steps)`. With `warmup_target` set, the rate
    first rises linearly from `initial_learning_rate` to `warmup_target` over
    `warmup_steps`, then decays from `warmup_target` over `decay_steps`.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: number of decay steps.
        alpha: the floor, as a fraction of the starting rate.
        name: optional name.
        warmup_target: None (no warmup) or the rate reached after warmup.
        warmup_steps: number of warmup steps.

    Example:
        >>> CosineDecay(0.1, 20, alpha=0.1)(20)
        0.010000000000000002
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name=None,
                 warmup_target=None, warmup_steps=0):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_target = warmup_target
        self.warmup_steps = warmup_steps

    def _decay(self, s, decay_steps, start):
        cosine = 0.5 * (1.0 + math.cos(math.pi * s / decay_steps))
        alpha = float(self.alpha)
        return start * ((1.0 - alpha) * cosine + alpha)

    def __call__(self, step):
        s = _step_value(step)
        init = float(self.initial_learning_rate)
        decay_steps = float(self.decay_steps)
        if self.warmup_target is None:
            return self._decay(min(s, decay_steps), decay_steps, init)
        target = float(self.warmup_target)
        warmup = float(self.warmup_steps)
        s = min(s, decay_steps + warmup)
        if s < warmup:
            return (target - init) * (s / warmup) + init
        return self._decay(s - warmup, decay_steps, target)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name,
                "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR).

    The first period lasts `first_decay_steps`; each next period is `t_mul`
    times longer and starts from `m_mul` times the previous starting rate.

    Args:
        initial_learning_rate: the rate at step 0.
        first_decay_steps: length of the first period.
        t_mul: period length multiplier.
        m_mul: starting-rate multiplier per restart.
        alpha: the floor, as a fraction of the starting rate.
        name: optional name.

    Example:
        >>> CosineDecayRestarts(0.1, 10)(10)   # a restart
        0.1
    """

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0,
                 alpha=0.0, name=None):
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name

    def __call__(self, step):
        fraction = _step_value(step) / float(self.first_decay_steps)
        t_mul = float(self._t_mul)
        if t_mul == 1.0:
            i_restart = math.floor(fraction)
            fraction -= i_restart
        else:
            i_restart = math.floor(math.log(1.0 - fraction * (1.0 - t_mul)) / math.log(t_mul))
            sum_r = (1.0 - t_mul ** i_restart) / (1.0 - t_mul)
            fraction = (fraction - sum_r) / t_mul ** i_restart
        m_fac = float(self._m_mul) ** i_restart
        cosine = 0.5 * m_fac * (1.0 + math.cos(math.pi * fraction))
        alpha = float(self.alpha)
        return float(self.initial_learning_rate) * ((1.0 - alpha) * cosine + alpha)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self._t_mul,
                "m_mul": self._m_mul, "alpha": self.alpha, "name": self.name}


#: Every name `deserialize` accepts for a built-in schedule.
ALL_OBJECTS = {
    "LearningRateSchedule": LearningRateSchedule,
    "ExponentialDecay": ExponentialDecay,
    "PiecewiseConstantDecay": PiecewiseConstantDecay,
    "PolynomialDecay": PolynomialDecay,
    "InverseTimeDecay": InverseTimeDecay,
    "CosineDecay": CosineDecay,
    "CosineDecayRestarts": CosineDecayRestarts,
}


def serialize(learning_rate_schedule, use_legacy_format=True):
    """Serializes a schedule to `{'class_name': ..., 'config': ...}`.

    Args:
        learning_rate_schedule: a LearningRateSchedule.
        use_legacy_format: True (the default here) gives the two-key form
            that tf-keras writes inside optimizer configs of `.h5` files;
            False adds `module` and `registered_name`.

    Returns:
        A JSON-able dict.

    Example:
        >>> serialize(ExponentialDecay(0.1, 10, 0.5))['class_name']
        'ExponentialDecay'
    """
    return _serialization.serialize_keras_object(
        learning_rate_schedule,
        module=None if use_legacy_format else "keras.optimizers.schedules")


def deserialize(config, custom_objects=None, use_legacy_format=False):
    """Builds a schedule from a (Keras 2 or Keras 3) config dict.

    Args:
        config: `{'class_name': ..., 'config': ...}` (a `module` and
            `registered_name` are accepted too).
        custom_objects: optional dict of user schedule classes.
        use_legacy_format: accepted for API compatibility; both forms are read.

    Returns:
        A LearningRateSchedule.

    Raises:
        ValueError: unknown class names (named in the message).

    Example:
        >>> deserialize({'class_name': 'InverseTimeDecay', 'config': {
        ...     'initial_learning_rate': 0.1, 'decay_steps': 10, 'decay_rate': 0.5}})(10)
        0.06666666666666667
    """
    return _serialization.deserialize_keras_object(
        config, module_objects=ALL_OBJECTS, custom_objects=custom_objects,
        printable_module_name="decay")


__all__ = ["LearningRateSchedule", "ExponentialDecay", "PiecewiseConstantDecay",
           "PolynomialDecay", "InverseTimeDecay", "CosineDecay", "CosineDecayRestarts",
           "serialize", "deserialize"]
