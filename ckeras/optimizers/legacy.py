"""Legacy optimizers: tf.keras `keras.optimizers.legacy.*` (OptimizerV2).

These reproduce tf-keras 2.21's legacy classes (what TF <= 2.10 used by
default and what Keras 2.2-era files describe). Differences from the default
(new) classes, all checked against the golden fixtures:

- state names and order: `Adam/iter:0`, then slot-major
  `Adam/dense/kernel/m:0`, ..., `Adam/dense/kernel/v:0` (Ftrl interleaves
  accumulator/linear; Nadam adds `Nadam/momentum_cache:0` after `iter`);
- SGD has a `momentum` slot only when momentum > 0;
- RMSprop without momentum divides by `sqrt(v) + epsilon` (with momentum, as
  the new class, by `sqrt(v + epsilon)`); slots `rms`, `momentum`, `mg`;
- Adagrad divides by `sqrt(acc) + epsilon`;
- Adadelta slots `accum_grad` (all), then `accum_var` (all); Adamax `m`, `v`;
- Nadam uses `u_t = beta_1 * (1 - 0.5 * 0.96**(decay * t))` with
  `decay = schedule_decay = 0.004`, keeps the running product in
  `momentum_cache`, ignores `decay` for the learning rate, and refuses
  learning-rate schedules;
- clipping applies clipvalue, then clipnorm (per tensor), then
  global_clipnorm, instead of only one of them;
- `decay` is always in the config; `weight_decay`, `use_ema` & co. are
  rejected (TypeError).

`optimizers.deserialize` returns these classes for configs without
`is_legacy_optimizer` (as tf-keras does), e.g. Keras 2.2 / TF <= 2.10 files.
"""
import numpy as np

from ckeras.autograd.tensor import Variable
from ckeras.optimizers import adadelta as _adadelta
from ckeras.optimizers import adagrad as _adagrad
from ckeras.optimizers import adam as _adam
from ckeras.optimizers import adamax as _adamax
from ckeras.optimizers import ftrl as _ftrl
from ckeras.optimizers import nadam as _nadam
from ckeras.optimizers import rmsprop as _rmsprop
from ckeras.optimizers import schedules as _schedules
from ckeras.optimizers import sgd as _sgd
from ckeras.optimizers.optimizer import Optimizer as _Optimizer


class Optimizer(_Optimizer):
    """Base class of the legacy optimizers (tf.keras OptimizerV2 behaviour).

    Args:
        name: the optimizer name.
        learning_rate: float or schedule.
        **kwargs: `clipnorm`, `clipvalue`, `global_clipnorm`, `lr`, `decay`.
    """

    _is_legacy = True


class SGD(_sgd.SGD):
    """Legacy SGD: as `optimizers.SGD`, with a `momentum` slot only if momentum > 0.

    Example:
        >>> opt = ckeras.optimizers.legacy.SGD(lr=0.01, momentum=0.9, decay=1e-6)
    """

    _is_legacy = True
    _slot = "momentum"

    def _slot_groups(self):
        return [("momentum",)] if self.momentum > 0 else []


class RMSprop(_rmsprop.RMSprop):
    """Legacy RMSprop: `sqrt(v) + epsilon` when momentum is 0.

    Example:
        >>> opt = ckeras.optimizers.legacy.RMSprop(learning_rate=0.001)
    """

    _is_legacy = True
    _names = ("rms", "momentum", "mg")
    _eps_outside_sqrt = True


class Adagrad(_adagrad.Adagrad):
    """Legacy Adagrad: `g / (sqrt(acc) + epsilon)`.

    Example:
        >>> opt = ckeras.optimizers.legacy.Adagrad(learning_rate=0.01)
    """

    _is_legacy = True
    _eps_outside_sqrt = True


class Adadelta(_adadelta.Adadelta):
    """Legacy Adadelta: same update, slots `accum_grad`, `accum_var` (slot-major).

    Example:
        >>> opt = ckeras.optimizers.legacy.Adadelta(learning_rate=1.0)
    """

    _is_legacy = True

    def _slot_groups(self):
        return [("accum_grad",), ("accum_var",)]


class Adam(_adam.Adam):
    """Legacy Adam: same update, slots all `m`, all `v`, all `vhat`.

    Example:
        >>> opt = ckeras.optimizers.legacy.Adam(lr=0.001, decay=1e-4)
    """

    _is_legacy = True
    _grouped = True


class Adamax(_adamax.Adamax):
    """Legacy Adamax: same update, slots all `m`, then all `v`.

    Example:
        >>> opt = ckeras.optimizers.legacy.Adamax(learning_rate=0.002)
    """

    _is_legacy = True
    _names = ("m", "v")
    _grouped = True


class Nadam(_nadam.Nadam):
    """Legacy Nadam (Keras 2.2 momentum schedule).

    `u_t = beta_1 * (1 - 0.5 * 0.96**(decay * t))`, `decay` being the Keras
    2.2 `schedule_decay` (default 0.004); the running product of the `u_t` is
    the `momentum_cache` state variable. The learning rate is not decayed.

    Args:
        learning_rate: a float (schedules are refused, as in tf-keras).
        beta_1, beta_2, epsilon, name: as `optimizers.Nadam`.
        **kwargs: `schedule_decay` (or `decay`), `lr`, clipping arguments.

    Raises:
        ValueError: when `learning_rate` is a `LearningRateSchedule`.

    Example:
        >>> opt = ckeras.optimizers.legacy.Nadam(learning_rate=0.002)
    """

    _is_legacy = True

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-07,
                 name="Nadam", **kwargs):
        schedule_decay = kwargs.pop("schedule_decay", None)
        decay = kwargs.pop("decay", None)
        if schedule_decay is None:
            schedule_decay = 0.004 if decay is None else decay
        learning_rate = kwargs.get("lr", learning_rate)
        if isinstance(learning_rate, _schedules.LearningRateSchedule):
            raise ValueError("The Nadam optimizer does not support "
                             "tf.keras.optimizers.LearningRateSchedules as the learning rate.")
        super().__init__(learning_rate, beta_1, beta_2, epsilon, name=name,
                         decay=schedule_decay, **kwargs)
        self._m_cache = None

    def _slot_groups(self):
        return [("m",), ("v",)]

    def _extra_variables(self):
        return [] if self._m_cache is None else [self._m_cache]

    def build(self, var_list):
        var_list = list(var_list)
        if self._m_cache is None and var_list:
            self._m_cache = Variable(np.ones((), dtype=var_list[0].value.dtype),
                                     name=f"{self.name}/momentum_cache:0", trainable=False)
        super().build(var_list)

    def _time_decay(self):
        return 0.0   # `decay` is the momentum schedule's, not the learning rate's

    def _on_state_restored(self):
        pass

    def _coefficients(self, lr, step):
        b1, b2, d = self.beta_1, self.beta_2, self.decay
        m_t = b1 * (1.0 - 0.5 * 0.96 ** (d * step))
        m_t1 = b1 * (1.0 - 0.5 * 0.96 ** (d * (step + 1)))
        cache = self._m_cache.value
        m_sched = float(cache) * m_t
        cache[...] = m_sched
        m_sched_next = m_sched * m_t1
        return (1.0 - b1, 1.0 - b2, m_t1 / (1.0 - m_sched_next), (1.0 - m_t) / (1.0 - m_sched),
                1.0 / (1.0 - b2 ** step), lr, self.epsilon)


class Ftrl(_ftrl.Ftrl):
    """Legacy Ftrl: same update and slot order as `optimizers.Ftrl`.

    Example:
        >>> opt = ckeras.optimizers.legacy.Ftrl(learning_rate=0.1)
    """

    _is_legacy = True
    _hyper_keys = ("initial_accumulator_value", "learning_rate_power",
                   "l1_regularization_strength", "l2_regularization_strength", "beta",
                   "l2_shrinkage_regularization_strength")


__all__ = ["Optimizer", "SGD", "RMSprop", "Adagrad", "Adadelta", "Adam", "Adamax", "Nadam",
           "Ftrl"]
