"""Adamax: Adam with the infinity norm."""
import numpy as np

from ckeras.optimizers.optimizer import Optimizer


class Adamax(Optimizer):
    """Adamax (the infinity-norm variant of Adam).

    ```
    m = beta_1 * m + (1 - beta_1) * g
    u = max(beta_2 * u, |g|)
    w -= learning_rate / (1 - beta_1**t) * m / (u + epsilon)
    ```

    Slots: `m`, `u` interleaved per variable.

    Args:
        learning_rate: float or schedule (default 0.001).
        beta_1: decay of the first moment (0.9).
        beta_2: decay of the infinity norm (0.999).
        epsilon: small constant for numerical stability (1e-7).
        name: name prefix ('Adamax').
        **kwargs: the common optimizer arguments.

    Example:
        >>> model.compile(optimizer=Adamax(learning_rate=0.002), loss='mse')
    """

    _hyper_keys = ("beta_1", "beta_2", "epsilon")
    _f32_hypers = ("beta_1", "beta_2")
    _n_scratch = 1
    _names = ("m", "u")
    _grouped = False

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-07,
                 name="Adamax", **kwargs):
        super().__init__(name, learning_rate, **kwargs)
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)
        self.epsilon = 1e-07 if epsilon is None else float(epsilon)

    def _slot_groups(self):
        m, u = self._names
        return [(m,), (u,)] if self._grouped else [(m, u)]

    def _coefficients(self, lr, step):
        return 1.0 - self.beta_1, self.beta_2, lr / (1.0 - self.beta_1 ** step), self.epsilon

    def _apply(self, w, g, s, c):
        one_b1, b2, scale, eps = c
        m, u, t = s
        np.subtract(g, m, out=t)
        t *= one_b1
        m += t
        u *= b2
        np.abs(g, out=t)
        np.maximum(u, t, out=u)
        np.add(u, eps, out=t)
        np.divide(m, t, out=t)
        t *= scale
        w -= t
