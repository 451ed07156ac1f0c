"""Adadelta: adaptive rates from running averages of gradients and updates."""
import numpy as np

from ckeras.optimizers.optimizer import Optimizer


class Adadelta(Optimizer):
    """Adadelta.

    ```
    ag = rho * ag + (1 - rho) * g**2
    delta = g * sqrt(ad + epsilon) / sqrt(ag + epsilon)
    ad = rho * ad + (1 - rho) * delta**2
    w -= learning_rate * delta
    ```

    Slots (interleaved per variable): `accumulated_grad`,
    `accumulated_delta_var`.

    Args:
        learning_rate: float or schedule (default 0.001; the original paper,
            and Keras 2.2, use 1.0).
        rho: decay rate (0.95).
        epsilon: small constant for numerical stability (1e-7).
        name: name prefix ('Adadelta').
        **kwargs: the common optimizer arguments.

    Example:
        >>> model.compile(optimizer=Adadelta(learning_rate=1.0), loss='mse')
    """

    _hyper_keys = ("rho", "epsilon")
    _f32_hypers = ("rho",)
    _n_scratch = 2

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-07, name="Adadelta",
                 **kwargs):
        super().__init__(name, learning_rate, **kwargs)
        self.rho = float(rho)
        self.epsilon = 1e-07 if epsilon is None else float(epsilon)

    def _slot_groups(self):
        return [("accumulated_grad", "accumulated_delta_var")]

    def _coefficients(self, lr, step):
        return lr, self.rho, self.epsilon

    def _apply(self, w, g, s, c):
        lr, rho, eps = c
        ag, ad, t1, t2 = s
        np.multiply(g, g, out=t1)
        t1 -= ag
        t1 *= 1.0 - rho
        ag += t1
        np.add(ad, eps, out=t1)
        np.add(ag, eps, out=t2)
        np.divide(t1, t2, out=t1)
        np.sqrt(t1, out=t1)
        t1 *= g                      # t1 = delta
        np.multiply(t1, t1, out=t2)
        t2 -= ad
        t2 *= 1.0 - rho
        ad += t2
        t1 *= lr
        w -= t1
