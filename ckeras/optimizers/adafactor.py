"""Adafactor: adaptive rates with factored second moments."""
import math

import numpy as np

from ckeras.optimizers.optimizer import Optimizer


def _rms(x):
    return math.sqrt(float(np.mean(np.square(x, dtype=np.float64)))) if x.size else 0.0


class Adafactor(Optimizer):
    """Adafactor (Shazeer & Stern, 2018), as tf-keras 2.21 implements it.

    For a variable of rank >= 2 the second moment is stored factored: `r`
    (the mean over the last axis, shape `w.shape[:-1]`) and `c` (the mean
    over the second-to-last axis, `w.shape[:-2] + w.shape[-1:]`); `v` is
    rebuilt from them each step. Lower-rank variables keep a full `v`.
    At 1-based step `t`:

    ```
    rho = min(learning_rate, 1 / sqrt(t))
    alpha = max(epsilon_2, rms(w)) * rho
    g2 = g**2 + epsilon_1
    b = 1 - t**beta_2_decay
    rank >= 2: r = b r + (1-b) mean(g2, -1);  c = b c + (1-b) mean(g2, -2)
               v = (r / mean(r, -1))[..., None] * c[..., None, :]
    else:      v = b v + (1-b) g2
    u = g / sqrt(v)
    w -= alpha * u / max(1, rms(u) / clip_threshold)
    ```

    Slots per variable, in order: `r`, `c` (rank >= 2 only), `v`
    (`Adafactor/r/dense/kernel:0`).

    Args:
        learning_rate: float or schedule (default 0.001).
        beta_2_decay: exponent of the second-moment decay schedule (-0.8).
        epsilon_1: added to the squared gradient (1e-30).
        epsilon_2: lower bound of the parameter scale (1e-3).
        clip_threshold: threshold of the update's RMS (1.0).
        relative_step: accepted and serialized; in tf-keras 2.21 the rate is
            `min(learning_rate, 1/sqrt(t))` whatever its value, and so here.
        name: name prefix ('Adafactor').
        **kwargs: the common optimizer arguments (`weight_decay`,
            `clipnorm`, `use_ema`...).

    Example:
        >>> model.compile(optimizer=Adafactor(learning_rate=0.01), loss='mse')
    """

    _hyper_keys = ("beta_2_decay", "epsilon_1", "epsilon_2", "clip_threshold",
                   "relative_step")
    _n_scratch = 1

    def __init__(self, learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30,
                 epsilon_2=1e-3, clip_threshold=1.0, relative_step=True, name="Adafactor",
                 **kwargs):
        super().__init__(name, learning_rate, **kwargs)
        self.beta_2_decay = beta_2_decay
        self.epsilon_1 = epsilon_1
        self.epsilon_2 = epsilon_2
        self.clip_threshold = clip_threshold
        self.relative_step = relative_step

    def _slot_groups(self):
        return [("r", "c", "v")]

    def _slot_shape(self, slot, shape):
        if slot == "v":
            return shape
        if len(shape) < 2:
            return None
        return shape[:-1] if slot == "r" else shape[:-2] + shape[-1:]

    def _coefficients(self, lr, step):
        rho = min(lr, 1.0 / math.sqrt(step))
        beta_2 = 1.0 - float(step) ** self.beta_2_decay
        return rho, beta_2, float(self.epsilon_1), float(self.epsilon_2), \
            float(self.clip_threshold)

    def _apply(self, w, g, s, c):
        rho, b2, eps1, eps2, clip = c
        alpha = max(eps2, _rms(w)) * rho
        g2 = np.square(g)
        g2 += eps1
        if w.ndim >= 2:
            r, col, v = s[0], s[1], s[2]
            r *= b2
            r += (1.0 - b2) * g2.mean(axis=-1)
            col *= b2
            col += (1.0 - b2) * g2.mean(axis=-2)
            np.multiply((r / r.mean(axis=-1, keepdims=True))[..., None], col[..., None, :],
                        out=v)
        else:
            v = s[0]
            v *= b2
            v += (1.0 - b2) * g2
        u = s[-1]
        np.sqrt(v, out=u)
        np.divide(g, u, out=u)
        u *= alpha / max(1.0, _rms(u) / clip)
        w -= u
