"""FTRL-Proximal (Follow The Regularized Leader)."""
import numpy as np

from ckeras.optimizers.optimizer import Optimizer


class Ftrl(Optimizer):
    """FTRL-Proximal, with L1, L2 and L2-shrinkage regularization.

    With `p = -learning_rate_power`, `l2' = l2 + beta / (2 * learning_rate)`:

    ```
    g' = g + 2 * l2_shrinkage * w
    n_new = n + g**2
    z += g' - (n_new**p - n**p) / learning_rate * w
    w = (clip(z, -l1, l1) - z) / (n_new**p / learning_rate + 2 * l2')
    n = n_new
    ```

    Slots (interleaved per variable): `accumulator` (n, starts at
    `initial_accumulator_value`), `linear` (z, starts at 0).

    Args:
        learning_rate: float or schedule (default 0.001).
        learning_rate_power: <= 0 (-0.5).
        initial_accumulator_value: >= 0 (0.1).
        l1_regularization_strength: >= 0.
        l2_regularization_strength: >= 0.
        l2_shrinkage_regularization_strength: >= 0 (magnitude penalty).
        beta: adds `beta / (2 * learning_rate)` to the L2 strength.
        name: name prefix ('Ftrl').
        **kwargs: the common optimizer arguments.

    Raises:
        ValueError: arguments out of range.

    Example:
        >>> model.compile(optimizer=Ftrl(learning_rate=0.1), loss='mse')
    """

    _hyper_keys = ("learning_rate_power", "initial_accumulator_value",
                   "l1_regularization_strength", "l2_regularization_strength",
                   "l2_shrinkage_regularization_strength", "beta")
    _f32_hypers = ("learning_rate_power", "l1_regularization_strength",
                   "l2_regularization_strength", "beta")
    _n_scratch = 2

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5,
                 initial_accumulator_value=0.1, l1_regularization_strength=0.0,
                 l2_regularization_strength=0.0, l2_shrinkage_regularization_strength=0.0,
                 beta=0.0, name="Ftrl", **kwargs):
        super().__init__(name, learning_rate, **kwargs)
        checks = (("initial_accumulator_value", initial_accumulator_value, "positive or zero"),
                  ("l1_regularization_strength", l1_regularization_strength,
                   "positive or zero"),
                  ("l2_regularization_strength", l2_regularization_strength,
                   "positive or zero"),
                  ("l2_shrinkage_regularization_strength",
                   l2_shrinkage_regularization_strength, "positive or zero"))
        for key, value, what in checks:
            if value < 0.0:
                raise ValueError(f"`{key}` needs to be {what}. Received: {key}={value}.")
        if learning_rate_power > 0.0:
            raise ValueError("`learning_rate_power` needs to be negative or zero. Received: "
                             f"learning_rate_power={learning_rate_power}.")
        self.learning_rate_power = float(learning_rate_power)
        self.initial_accumulator_value = float(initial_accumulator_value)
        self.l1_regularization_strength = float(l1_regularization_strength)
        self.l2_regularization_strength = float(l2_regularization_strength)
        self.l2_shrinkage_regularization_strength = float(l2_shrinkage_regularization_strength)
        self.beta = float(beta)

    def _slot_groups(self):
        return [("accumulator", "linear")]

    def _slot_fill(self, slot):
        return self.initial_accumulator_value if slot == "accumulator" else 0.0

    def _coefficients(self, lr, step):
        l2 = self.l2_regularization_strength + self.beta / (2.0 * lr)
        return (lr, -self.learning_rate_power, self.l1_regularization_strength, 2.0 * l2,
                2.0 * self.l2_shrinkage_regularization_strength)

    def _apply(self, w, g, s, c):
        lr, p, l1, two_l2, two_shrink = c
        acc, lin, t1, t2 = s
        pw = np.sqrt if p == 0.5 else (lambda x, out: np.power(x, p, out=out))
        pw(acc, out=t1)                   # n**p
        np.multiply(g, g, out=t2)
        acc += t2                         # acc = n_new
        pw(acc, out=t2)                   # n_new**p
        np.subtract(t2, t1, out=t1)
        t1 *= 1.0 / lr
        t1 *= w
        lin -= t1
        lin += g
        if two_shrink:
            np.multiply(w, two_shrink, out=t1)
            lin += t1
        t2 *= 1.0 / lr
        t2 += two_l2
        np.clip(lin, -l1, l1, out=t1)
        t1 -= lin
        np.divide(t1, t2, out=w)
