"""Adam: adaptive moment estimation."""
import math

import numpy as np

from ckeras.kernels import kernels
from ckeras.optimizers.optimizer import Optimizer, fused_update


class Adam(Optimizer):
    """Adam, optionally AMSGrad.

    ```
    m = beta_1 * m + (1 - beta_1) * g
    v = beta_2 * v + (1 - beta_2) * g**2
    vhat = max(vhat, v)                              # amsgrad: use vhat for v
    alpha = learning_rate * sqrt(1 - beta_2**t) / (1 - beta_1**t)
    w -= alpha * m / (sqrt(v) + epsilon)
    ```

    `t` counts updates from 1. Slots: `m`, `v` interleaved per variable,
    then all `vhat` (amsgrad).

    Args:
        learning_rate: float or schedule (default 0.001).
        beta_1: decay of the first moment (0.9).
        beta_2: decay of the second moment (0.999).
        epsilon: small constant for numerical stability (1e-7).
        amsgrad: whether to use the AMSGrad variant.
        name: name prefix ('Adam').
        **kwargs: the common optimizer arguments.

    Example:
        >>> model.compile(optimizer=Adam(learning_rate=1e-3), loss='mse')
    """

    _hyper_keys = ("beta_1", "beta_2", "epsilon", "amsgrad")
    _f32_hypers = ("beta_1", "beta_2")
    _n_scratch = 0   # the fused C update needs no scratch
    _grouped = False   # legacy: all m, then all v

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-07,
                 amsgrad=False, name="Adam", **kwargs):
        super().__init__(name, learning_rate, **kwargs)
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)
        self.epsilon = 1e-07 if epsilon is None else float(epsilon)
        self.amsgrad = bool(amsgrad)

    def _slot_groups(self):
        groups = [("m",), ("v",)] if self._grouped else [("m", "v")]
        if self.amsgrad:
            groups.append(("vhat",))
        return groups

    def _coefficients(self, lr, step):
        b1, b2 = self.beta_1, self.beta_2
        alpha = lr * math.sqrt(1.0 - b2 ** step) / (1.0 - b1 ** step)
        # tf-keras forms the bias corrections in the variable's dtype: with
        # float32, 1 - 0.999f differs from 1 - 0.999 by 1e-5 relative.
        f32 = np.float32
        alpha32 = float(f32(lr) * np.sqrt(f32(1) - f32(b2) ** f32(step))
                        / (f32(1) - f32(b1) ** f32(step)))
        return 1.0 - b1, 1.0 - b2, (alpha, alpha32), self.epsilon, self.amsgrad

    def _apply_all(self, ws, gs, slots, c):
        # one kernel call for the whole step when every array may go to the
        # kernel as it is (float32 variables take alpha32, see _coefficients)
        dtype = ws[0].dtype
        if type(self)._apply is Adam._apply and dtype == np.float32 and all(
                w.dtype == dtype and w.flags.c_contiguous and g.flags.c_contiguous
                for w, g in zip(ws, gs)):
            one_b1, one_b2, alphas, eps, amsgrad = c
            kernels().adam_update_many(ws, gs, [s[0] for s in slots], [s[1] for s in slots],
                                       [s[2] for s in slots] if amsgrad else None,
                                       one_b1, one_b2, alphas[1], eps)
        else:
            super()._apply_all(ws, gs, slots, c)

    def _apply(self, w, g, s, c):
        # one fused pass in C, under flush-to-zero (ckeras.kernels optim)
        one_b1, one_b2, alphas, eps, amsgrad = c
        alpha = alphas[1] if w.dtype == np.float32 else alphas[0]
        vhat = s[2] if amsgrad else None
        if w.flags.c_contiguous and g.flags.c_contiguous:   # the usual case, one call less
            kernels().adam_update(w, g, s[0], s[1], vhat, one_b1, one_b2, alpha, eps)
        else:
            fused_update(kernels().adam_update, w, g, s[0], s[1], vhat, one_b1, one_b2,
                         alpha, eps)
