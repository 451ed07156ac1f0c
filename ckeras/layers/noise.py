"""Regularization layers that add noise in training: GaussianNoise,
GaussianDropout and AlphaDropout. All are the identity at inference."""
import numpy as np

from ckeras import backend as K
from ckeras.engine.base_layer import Layer
from ckeras.layers.core import call_seed, python_number


def _training(training):
    if training is None:
        training = K.learning_phase()
    return bool(training)


class _Noise(Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def compute_output_shape(self, input_shape):
        return input_shape


class GaussianNoise(_Noise):
    """Applies additive zero-centered Gaussian noise (training only).

    A regularization layer, useful to mitigate overfitting (a form of random
    data augmentation) for real-valued inputs. Identity at inference.

    Args:
        stddev: float, standard deviation of the noise distribution.
        seed: integer seed of the random generator.

    Call arguments:
        inputs: input tensor (of any rank).
        training: whether to add noise (default `K.learning_phase()`).

    Example:
        >>> layer = GaussianNoise(0.1)
        >>> noisy = layer(np.zeros((2, 3)), training=True)
    """

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.stddev = python_number(stddev)
        self.seed = python_number(seed)

    def call(self, inputs, training=None):
        if not _training(training):
            return inputs
        noise = K.random_normal(tuple(inputs.shape), mean=0.0, stddev=self.stddev,
                                dtype=inputs.dtype.name, seed=call_seed(self))
        return inputs + np.asarray(noise, dtype=inputs.dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"stddev": self.stddev, "seed": self.seed})
        return config


class GaussianDropout(_Noise):
    """Multiplicative 1-centered Gaussian noise (training only).

    The noise has standard deviation `sqrt(rate / (1 - rate))`. Identity at
    inference, and for `rate` outside the open interval (0, 1).

    Args:
        rate: float, drop probability (as with `Dropout`).
        seed: integer seed of the random generator.

    Example:
        >>> layer = GaussianDropout(0.2)
        >>> y = layer(np.ones((2, 3)), training=True)
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = python_number(rate)
        self.seed = python_number(seed)

    def call(self, inputs, training=None):
        if not (0 < self.rate < 1) or not _training(training):
            return inputs
        stddev = np.sqrt(self.rate / (1.0 - self.rate))
        noise = K.random_normal(tuple(inputs.shape), mean=1.0, stddev=stddev,
                                dtype=inputs.dtype.name, seed=call_seed(self))
        return inputs * np.asarray(noise, dtype=inputs.dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed})
        return config


class AlphaDropout(_Noise):
    """Dropout that keeps the mean and variance of its inputs (for SELU nets).

    In training, dropped units are set to the SELU saturation value
    `-scale * alpha` instead of 0, then an affine correction `a * x + b`
    restores zero mean and unit variance for normalised inputs. Identity at
    inference, and for `rate` outside the open interval (0, 1).

    Args:
        rate: float, drop probability.
        noise_shape: 1-D shape of the binary keep/drop mask (None entries take
            the input's size).
        seed: integer seed of the random generator.

    Example:
        >>> model = Sequential([Dense(64, activation='selu', input_shape=(20,)),
        ...                     AlphaDropout(0.1)])
    """

    _ALPHA = 1.6732632423543772848170429916717
    _SCALE = 1.0507009873554804934193349852946

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = python_number(rate)
        self.noise_shape = tuple(noise_shape) if noise_shape is not None else None
        self.seed = python_number(seed)

    def call(self, inputs, training=None):
        if not (0.0 < self.rate < 1.0) or not _training(training):
            return inputs
        rate = self.rate
        shape = tuple(inputs.shape)
        if self.noise_shape is not None:
            noise_shape = tuple(s if n is None else int(n)
                                for n, s in zip(self.noise_shape, shape))
        else:
            noise_shape = shape
        dtype = inputs.dtype
        alpha_p = -self._ALPHA * self._SCALE
        uniform = np.asarray(K.random_uniform(noise_shape, dtype=dtype.name,
                                              seed=call_seed(self)))
        kept = (uniform >= rate).astype(dtype)
        a = ((1 - rate) * (1 + rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * rate
        x = inputs * kept + np.asarray(alpha_p * (1 - kept), dtype=dtype)
        return x * np.asarray(a, dtype=dtype) + np.asarray(b, dtype=dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed})
        return config
