"""Lion: evolved sign momentum."""
import numpy as np

from ckeras.optimizers.optimizer import Optimizer


class Lion(Optimizer):
    """The Lion optimizer (Chen et al., 2023): sign updates of an interpolated momentum.

    ```
    w -= learning_rate * sign(beta_1 * m + (1 - beta_1) * g)
    m = beta_2 * m + (1 - beta_2) * g
    ```

    Every coordinate moves by exactly `learning_rate` (or 0), so Lion wants
    a learning rate 3-10x smaller than Adam's. One slot per variable, `m`
    (`Lion/m/dense/kernel:0`).

    Args:
        learning_rate: float or schedule (default 0.0001).
        beta_1: interpolation between momentum and gradient for the update
            (0.9); must be in (0, 1].
        beta_2: decay of the momentum (0.99).
        name: name prefix ('Lion').
        **kwargs: the common optimizer arguments (`weight_decay`,
            `clipnorm`, `use_ema`...).

    Raises:
        ValueError: `beta_1` outside (0, 1].

    Example:
        >>> model.compile(optimizer=Lion(learning_rate=1e-4), loss='mse')
    """

    _hyper_keys = ("beta_1", "beta_2")
    _n_scratch = 1

    def __init__(self, learning_rate=0.0001, beta_1=0.9, beta_2=0.99, name="Lion", **kwargs):
        super().__init__(name, learning_rate, **kwargs)
        if beta_1 <= 0 or beta_1 > 1:
            raise ValueError(f"`beta_1`={beta_1} must be between ]0, 1]. Otherwise, the "
                             "optimizer degenerates to SignSGD.")
        self.beta_1 = beta_1
        self.beta_2 = beta_2

    def _slot_groups(self):
        return [("m",)]

    def _coefficients(self, lr, step):
        return lr, float(self.beta_1), float(self.beta_2)

    def _apply(self, w, g, s, c):
        lr, b1, b2 = c
        m, t = s[0], s[1]
        np.multiply(m, b1, out=t)
        t += g * (1.0 - b1)
        np.sign(t, out=t)
        t *= lr
        w -= t
        m *= b2
        m += g * (1.0 - b2)
