"""TimeDistributed(Conv2D) on 5-D input, both data formats (the tutorial's case):
each time step is the wrapped Conv2D on that slice, with shared weights."""
import numpy as np
import pytest

from ckeras.autograd import Tensor, grad
from ckeras.layers import Conv2D, TimeDistributed
from ckeras.models import Sequential


@pytest.mark.parametrize("data_format,shape", [("channels_last", (4, 7, 6, 3)),
                                               ("channels_first", (4, 3, 7, 6))])
def test_time_distributed_conv2d_matches_per_step_conv(data_format, shape):
    rng = np.random.default_rng(0)
    conv = Conv2D(5, (3, 3), strides=(1, 2), padding="same", activation="relu",
                  data_format=data_format)
    model = Sequential([TimeDistributed(conv, input_shape=shape)])
    weights = [rng.uniform(-1, 1, w.shape).astype("float32") for w in model.get_weights()]
    model.set_weights(weights)
    x = rng.standard_normal((2,) + shape).astype("float32")
    out = model.predict(x)
    per_step = np.stack([conv(x[:, t]) for t in range(shape[0])], axis=1)
    np.testing.assert_allclose(out, per_step, rtol=1e-5, atol=1e-6)
    expected_step = (7, 3, 5) if data_format == "channels_last" else (5, 7, 3)
    assert model.output_shape == (None, 4) + expected_step
    assert out.shape == (2, 4) + expected_step
    # One kernel shared by all steps: its gradient sums the steps' gradients.
    g_all = grad(TimeDistributed(conv)(Tensor(x)).sum(), conv.kernel)
    g_steps = sum(grad(conv(Tensor(x[:, t])).sum(), conv.kernel) for t in range(shape[0]))
    np.testing.assert_allclose(g_all, g_steps, rtol=1e-4, atol=1e-4)
