"""SpatialDropout1D/2D: dropout of whole feature maps (channels)."""
from ckeras._internal import config as _config
from ckeras.engine.input_spec import InputSpec
from ckeras.layers.core import Dropout


class SpatialDropout1D(Dropout):
    """Drops entire 1-D feature maps: the mask has shape `(batch, 1, channels)`,
    so adjacent (strongly correlated) steps are dropped together.

    Args:
        rate: fraction of channels to drop, in [0, 1].

    Example:
        >>> y = SpatialDropout1D(0.5)(np.ones((2, 4, 3)), training=True)
        >>> bool(((y == 0).all(1) | (y == 2).all(1)).all())
        True
    """

    def __init__(self, rate, **kwargs):
        kwargs.pop("noise_shape", None)
        super().__init__(rate, **kwargs)
        self.input_spec = InputSpec(ndim=3)

    def _spatial_noise_shape(self, shape):
        return (shape[0], 1, shape[2])

    def call(self, inputs, training=None):
        self.noise_shape = self._spatial_noise_shape(tuple(inputs.shape))
        try:
            return super().call(inputs, training=training)
        finally:
            self.noise_shape = None


class SpatialDropout2D(SpatialDropout1D):
    """Drops entire 2-D feature maps: mask `(batch, 1, 1, channels)`
    (channels_last) or `(batch, channels, 1, 1)` (channels_first)."""

    def __init__(self, rate, data_format=None, **kwargs):
        super().__init__(rate, **kwargs)
        self.data_format = _config.normalize_data_format(data_format)
        self.input_spec = InputSpec(ndim=4)

    def _spatial_noise_shape(self, shape):
        if self.data_format == "channels_first":
            return (shape[0], shape[1], 1, 1)
        return (shape[0], 1, 1, shape[3])
