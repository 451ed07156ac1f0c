"""Stochastic gradient descent, with optional (Nesterov) momentum."""
from ckeras.kernels import kernels
from ckeras.optimizers.optimizer import Optimizer, fused_update


class SGD(Optimizer):
    """Gradient descent, with optional momentum and Nesterov momentum.

    Update (`g` gradient, `w` weight; the `m` slot always exists, as in
    tf-keras 2.11+):

    ```
    m = momentum * m - learning_rate * g
    w = w + m                                        # nesterov=False
    w = w + momentum * m - learning_rate * g         # nesterov=True
    ```

    With `momentum=0` this is `w -= learning_rate * g` (and `m = -lr * g`).

    Args:
        learning_rate: float or `LearningRateSchedule` (default 0.01).
        momentum: float in [0, 1] (default 0).
        nesterov: whether to use Nesterov momentum.
        name: name prefix of the slot variables ('SGD').
        **kwargs: the common optimizer arguments (`clipnorm`, `clipvalue`,
            `global_clipnorm`, `lr`, `decay`, `weight_decay`, `use_ema`...).

    Raises:
        ValueError: momentum outside [0, 1].

    Example:
        >>> opt = SGD(learning_rate=0.1, momentum=0.9)
        >>> model.compile(optimizer=opt, loss='mse')
    """

    _hyper_keys = ("momentum", "nesterov")
    _f32_hypers = ("momentum",)
    _n_scratch = 0   # the fused C update needs no scratch
    _slot = "m"

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, name="SGD",
                 **kwargs):
        super().__init__(name, learning_rate, **kwargs)
        if isinstance(momentum, (int, float)) and (momentum < 0 or momentum > 1):
            raise ValueError(f"`momentum` must be between [0, 1]. Received: momentum={momentum}")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)

    def _slot_groups(self):
        return [(self._slot,)]

    def _coefficients(self, lr, step):
        return lr, self.momentum, self.nesterov

    def _apply(self, w, g, s, c):
        # one fused pass in C, under flush-to-zero (ckeras.kernels optim);
        # legacy SGD without momentum has no slot
        lr, momentum, nesterov = c
        fused_update(kernels().sgd_update, w, g, s[0] if s else None, lr, momentum,
                     nesterov)
