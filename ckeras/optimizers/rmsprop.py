"""RMSprop: divide the gradient by a running RMS of recent gradients."""
import numpy as np

from ckeras.optimizers.optimizer import Optimizer


class RMSprop(Optimizer):
    """RMSprop (tf.keras 2.11+ update rule).

    ```
    v = rho * v + (1 - rho) * g**2
    a = rho * a + (1 - rho) * g                     # centered only
    d = v - a**2 + epsilon   (centered)   or   v + epsilon
    inc = learning_rate * g / sqrt(d)
    mom = momentum * mom + inc; w -= mom            # momentum > 0
    w -= inc                                        # momentum == 0
    ```

    Slots: `velocity`, then `momentum` (if momentum > 0), then
    `average_gradient` (if centered), each group over all variables.

    Args:
        learning_rate: float or schedule (default 0.001).
        rho: discounting factor of the gradient history (0.9).
        momentum: momentum factor (0.0).
        epsilon: small constant for numerical stability (1e-7).
        centered: if True, normalize by the estimated variance of the
            gradient instead of its second moment.
        name: name prefix ('RMSprop').
        **kwargs: the common optimizer arguments.

    Example:
        >>> model.compile(optimizer=RMSprop(learning_rate=0.01), loss='mse')
    """

    _hyper_keys = ("rho", "momentum", "epsilon", "centered")
    _f32_hypers = ("rho", "momentum")
    _default_ema_overwrite_frequency = 100
    _n_scratch = 1
    _names = ("velocity", "momentum", "average_gradient")
    #: legacy without momentum: `lr * g / (sqrt(d) + eps)` instead of `sqrt(d + eps)`.
    _eps_outside_sqrt = False

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-07,
                 centered=False, name="RMSprop", **kwargs):
        super().__init__(name, learning_rate, **kwargs)
        self.rho = float(rho)
        self.momentum = float(momentum)
        self.epsilon = 1e-07 if epsilon is None else float(epsilon)
        self.centered = bool(centered)

    def _slot_groups(self):
        groups = [(self._names[0],)]
        if self.momentum > 0:
            groups.append((self._names[1],))
        if self.centered:
            groups.append((self._names[2],))
        return groups

    def _coefficients(self, lr, step):
        return lr, self.rho, self.momentum, self.epsilon, self.centered

    def _apply(self, w, g, s, c):
        lr, rho, momentum, eps, centered = c
        v = s[0]
        t = s[-1]
        mom = s[1] if momentum > 0 else None
        np.multiply(g, g, out=t)
        t -= v
        t *= 1.0 - rho
        v += t
        if centered:
            a = s[-2]
            np.subtract(g, a, out=t)
            t *= 1.0 - rho
            a += t
            np.multiply(a, a, out=t)
            np.subtract(v, t, out=t)
        else:
            t[...] = v
        if self._eps_outside_sqrt and mom is None:
            np.sqrt(t, out=t)
            t += eps
        else:
            t += eps
            np.sqrt(t, out=t)
        np.divide(g, t, out=t)
        t *= lr
        if mom is not None:
            mom *= momentum
            mom += t
            w -= mom
        else:
            w -= t
