"""AdamW: Adam with decoupled weight decay."""
from ckeras.optimizers.adam import Adam


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter).

    Before each Adam update, every variable not excluded with
    `exclude_from_weight_decay` shrinks by `learning_rate * weight_decay`:

    ```
    w -= learning_rate * weight_decay * w
    w -= alpha * m / (sqrt(v) + epsilon)            # the Adam update
    ```

    Slots and their order are Adam's (`m`, `v` per variable, then all
    `vhat` with amsgrad), named `AdamW/m/dense/kernel:0`.

    Args:
        learning_rate: float or schedule (default 0.001).
        weight_decay: the decoupled decay rate (0.004); required.
        beta_1: decay of the first moment (0.9).
        beta_2: decay of the second moment (0.999).
        epsilon: small constant for numerical stability (1e-7).
        amsgrad: whether to use the AMSGrad variant.
        name: name prefix ('AdamW').
        **kwargs: the common optimizer arguments (`clipnorm`, `use_ema`...).

    Raises:
        ValueError: `weight_decay=None`.

    Example:
        >>> opt = AdamW(learning_rate=1e-3, weight_decay=0.01)
        >>> opt.exclude_from_weight_decay(var_names=['bias'])
        >>> model.compile(optimizer=opt, loss='mse')
    """

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-07, amsgrad=False, name="AdamW", **kwargs):
        if weight_decay is None:
            raise ValueError("Missing value of `weight_decay` which is required and must be "
                             "a float value.")
        super().__init__(learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon,
                         amsgrad=amsgrad, name=name, weight_decay=weight_decay, **kwargs)
