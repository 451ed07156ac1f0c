"""SpectralNormalization: a wrapper that rescales its layer's kernel by the
kernel's largest singular value, estimated by power iteration."""
import numpy as np

from ckeras import initializers
from ckeras.engine.input_spec import InputSpec
from ckeras.layers.wrappers import Wrapper


def _l2_normalize(v):
    # tf.math.l2_normalize's floor on the squared norm.
    return v / np.sqrt(np.maximum(np.sum(v * v), 1e-12))


class SpectralNormalization(Wrapper):
    """Spectral normalization of the wrapped layer's `kernel` (or `embeddings`).

    In training, each call first runs `power_iterations` steps of power
    iteration from the stored vector `u`, then divides the kernel (viewed as
    a `(-1, kernel.shape[-1])` matrix) by the estimated spectral norm, in
    place, and stores the new `u`; a kernel of zeros is left alone. In
    inference the layer calls the wrapped layer unchanged.

    Args:
        layer: a layer with a `kernel` or `embeddings` weight.
        power_iterations: power-iteration steps per training call (>= 1).

    Returns:
        The wrapped layer's output.

    Example:
        >>> sn = SpectralNormalization(Dense(4))
        >>> sn(np.ones((2, 3), "float32"), training=True).shape
        (2, 4)
    """

    def __init__(self, layer, power_iterations=1, **kwargs):
        super().__init__(layer, **kwargs)
        if power_iterations <= 0:
            raise ValueError("`power_iterations` should be greater than zero. Received: "
                             f"`power_iterations={power_iterations}`")
        self.power_iterations = power_iterations

    def build(self, input_shape):
        super().build(input_shape)
        self._adopt_weight_names()
        self.input_spec = InputSpec(shape=(None,) + tuple(input_shape)[1:])
        kernel = getattr(self.layer, "kernel", None)
        if kernel is None:
            kernel = getattr(self.layer, "embeddings", None)
        if kernel is None:
            raise ValueError(f"{type(self.layer).__name__} object has no attribute 'kernel' "
                             "nor 'embeddings'")
        object.__setattr__(self, "_kernel", kernel)
        self.vector_u = self.add_weight(
            "vector_u", shape=(1, kernel.shape[-1]),
            initializer=initializers.TruncatedNormal(stddev=0.02), trainable=False,
            dtype=kernel.dtype)

    def call(self, inputs, training=False):
        if training:
            self._normalize_kernel()
        return self.layer(inputs)

    def _normalize_kernel(self):
        kernel = np.asarray(self._kernel.value)
        if not np.any(kernel):
            return
        w = kernel.reshape(-1, kernel.shape[-1])
        u = np.asarray(self.vector_u.value)
        for _ in range(self.power_iterations):
            v = _l2_normalize(u @ w.T)
            u = _l2_normalize(v @ w)
        sigma = (v @ w) @ u.T
        self._kernel.assign((w / sigma).reshape(kernel.shape))
        self.vector_u.assign(u)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config["power_iterations"] = self.power_iterations
        return config
