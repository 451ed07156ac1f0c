"""Adagrad: per-coordinate rates scaled by the accumulated squared gradients."""
import numpy as np

from ckeras.optimizers.optimizer import Optimizer


class Adagrad(Optimizer):
    """Adagrad (tf.keras 2.11+ update rule).

    ```
    acc = acc + g**2                 # acc starts at initial_accumulator_value
    w  -= learning_rate * g / sqrt(acc + epsilon)
    ```

    Args:
        learning_rate: float or schedule (default 0.001).
        initial_accumulator_value: starting value of the accumulators (0.1),
            non-negative.
        epsilon: small constant for numerical stability (1e-7).
        name: name prefix ('Adagrad').
        **kwargs: the common optimizer arguments.

    Raises:
        ValueError: negative `initial_accumulator_value`.

    Example:
        >>> model.compile(optimizer=Adagrad(learning_rate=0.1), loss='mse')
    """

    _hyper_keys = ("initial_accumulator_value", "epsilon")
    _n_scratch = 1
    #: legacy: `g / (sqrt(acc) + epsilon)`.
    _eps_outside_sqrt = False

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-07,
                 name="Adagrad", **kwargs):
        super().__init__(name, learning_rate, **kwargs)
        if initial_accumulator_value < 0.0:
            raise ValueError("initial_accumulator_value must be non-negative: "
                             f"{initial_accumulator_value}")
        self.initial_accumulator_value = float(initial_accumulator_value)
        self.epsilon = 1e-07 if epsilon is None else float(epsilon)

    def _slot_groups(self):
        return [("accumulator",)]

    def _slot_fill(self, slot):
        return self.initial_accumulator_value

    def _coefficients(self, lr, step):
        return lr, self.epsilon

    def _apply(self, w, g, s, c):
        lr, eps = c
        acc, t = s
        np.multiply(g, g, out=t)
        acc += t
        if self._eps_outside_sqrt:
            np.sqrt(acc, out=t)
            t += eps
        else:
            np.add(acc, eps, out=t)
            np.sqrt(t, out=t)
        np.divide(g, t, out=t)
        t *= lr
        w -= t
