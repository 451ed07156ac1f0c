"""A whole application model saved as .h5 (config + weights) loads back as
the same architecture with the same predictions."""
import fill
import numpy as np
import pytest

import ckeras
from ckeras import applications
from ckeras import backend as K


@pytest.mark.parametrize("case", ["efficientnetb0", "densenet121", "resnet50v2"])
def test_saved_model_loads_with_equal_predictions(case, tmp_path):
    fn_name, kwargs = fill.case_kwargs(case)
    K.clear_session()
    model = getattr(applications, fn_name)(**kwargs)
    fill.fill(model, fill.gain_for(fn_name))
    x = fill.image_batch(fn_name, kwargs["input_shape"])
    want = model.predict(x, verbose=0)
    path = tmp_path / f"{case}.h5"
    model.save(path)
    K.clear_session()
    loaded = ckeras.models.load_model(path)
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    assert loaded.name == model.name
    np.testing.assert_allclose(loaded.predict(x, verbose=0), want, rtol=1e-6, atol=1e-7)
