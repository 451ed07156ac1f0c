"""RMSprop: divide the gradient by a running RMS of recent gradients."""
from ckeras.kernels import kernels
from ckeras.optimizers.optimizer import Optimizer, fused_update


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
    _n_scratch = 0   # the fused C update needs no scratch
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
        # one fused pass in C, under flush-to-zero (ckeras.kernels optim)
        lr, rho, momentum, eps, centered = c
        fused_update(kernels().rmsprop_update, w, g, s[0], s[-1] if centered else None,
                     s[1] if momentum > 0 else None, 1.0 - rho, momentum, lr, eps,
                     self._eps_outside_sqrt)
