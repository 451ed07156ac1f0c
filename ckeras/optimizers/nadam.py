"""Nadam: Adam with Nesterov momentum."""

import numpy as np

from ckeras.optimizers.optimizer import Optimizer


def _apply_nadam(w, g, s, c):
    """w -= lr * (c_m * m + c_g * g) / (sqrt(c_v * v) + eps), after the m/v updates."""
    one_b1, one_b2, c_m, c_g, c_v, lr, eps = c
    m, v, t1, t2 = s
    np.subtract(g, m, out=t1)
    t1 *= one_b1
    m += t1
    np.multiply(g, g, out=t1)
    t1 -= v
    t1 *= one_b2
    v += t1
    np.multiply(m, c_m, out=t1)
    np.multiply(g, c_g, out=t2)
    t1 += t2
    np.multiply(v, c_v, out=t2)
    np.sqrt(t2, out=t2)
    t2 += eps
    np.divide(t1, t2, out=t1)
    t1 *= lr
    w -= t1


class Nadam(Optimizer):
    """Nadam (tf.keras 2.11+ update rule).

    With `u_t = beta_1 * (1 - 0.5 * 0.96**t)` and `P_t = u_1 * ... * u_t`:

    ```
    m = beta_1 * m + (1 - beta_1) * g
    v = beta_2 * v + (1 - beta_2) * g**2
    m_hat = u_{t+1} * m / (1 - P_t * u_{t+1}) + (1 - u_t) * g / (1 - P_t)
    v_hat = v / (1 - beta_2**t)
    w -= learning_rate * m_hat / (sqrt(v_hat) + epsilon)
    ```

    `P_t` is derived from `iterations`, so a restored optimizer continues
    exactly (tf-keras keeps it in an unsaved variable). The legacy class
    (`optimizers.legacy.Nadam`) uses `0.96**(0.004 * t)` instead.

    Args:
        learning_rate: float or schedule (default 0.001).
        beta_1: decay of the first moment (0.9).
        beta_2: decay of the second moment (0.999).
        epsilon: small constant for numerical stability (1e-7).
        name: name prefix ('Nadam').
        **kwargs: the common optimizer arguments.

    Example:
        >>> model.compile(optimizer=Nadam(learning_rate=0.002), loss='mse')
    """

    _hyper_keys = ("beta_1", "beta_2", "epsilon")
    _f32_hypers = ("beta_1", "beta_2")
    _n_scratch = 2

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-07,
                 name="Nadam", **kwargs):
        super().__init__(name, learning_rate, **kwargs)
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)
        self.epsilon = 1e-07 if epsilon is None else float(epsilon)
        self._u_cache = (0, 1.0)   # (step, u_1 * ... * u_step)

    def _slot_groups(self):
        return [("m", "v")]

    def _u(self, step):
        return self.beta_1 * (1.0 - 0.5 * 0.96 ** step)

    def _u_product(self, step):
        cached_step, product = self._u_cache
        if cached_step == step - 1:
            product *= self._u(step)
        elif cached_step != step:
            k = np.arange(1, step + 1, dtype=np.float64)
            product = float(np.prod(self.beta_1 * (1.0 - 0.5 * 0.96 ** k)))
        self._u_cache = (step, product)
        return product

    def _on_state_restored(self):
        self._u_cache = (0, 1.0)

    def _coefficients(self, lr, step):
        u_t, u_t1 = self._u(step), self._u(step + 1)
        p_t = self._u_product(step)
        p_t1 = p_t * u_t1
        return (1.0 - self.beta_1, 1.0 - self.beta_2, u_t1 / (1.0 - p_t1),
                (1.0 - u_t) / (1.0 - p_t), 1.0 / (1.0 - self.beta_2 ** step), lr,
                self.epsilon)

    _apply = staticmethod(_apply_nadam)
