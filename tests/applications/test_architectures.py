"""Every architecture of ckeras.applications against tf-keras 2.21 goldens:
layer names and classes in order, weight names and shapes in order (the
order and names weight files load by), parameter counts, output shape, and
the predictions with the same deterministic weights (fill.py) in both."""
import gzip
import json
import os

import fill
import numpy as np
import pytest

from ckeras import applications
from ckeras import backend as K

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        "fixtures", "applications")
with gzip.open(os.path.join(FIXTURES, "architectures.json.gz")) as _f:
    GOLDEN = json.load(_f)
PREDICTIONS = np.load(os.path.join(FIXTURES, "predictions.npz"))
@pytest.fixture(scope="module", params=sorted(fill.CASES))
def built(request):
    """(case, model, golden) with the model built once per case and its
    weights filled; pytest groups the tests by case, so one model lives at a
    time."""
    case = request.param
    fn_name, kwargs = fill.case_kwargs(case)
    K.clear_session()
    model = getattr(applications, fn_name)(**kwargs)
    fill.fill(model, fill.gain_for(fn_name))
    yield case, model, GOLDEN[case]
    K.clear_session()


def test_layer_names_and_classes(built):
    case, model, golden = built
    got = [[layer.name, type(layer).__name__] for layer in model.layers]
    assert len(got) == len(golden["layers"])
    # `x + 3.0` / `x * c` on Keras tensors are TFOpLambda layers named after
    # the TF op in both libraries.
    assert got == golden["layers"], case


def test_weight_names_and_shapes(built):
    case, model, golden = built
    got = [[w.name, list(w.shape)] for w in model.weights]
    assert got == golden["weights"]


def test_parameter_counts_and_output(built):
    case, model, golden = built
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    non_trainable = sum(int(np.prod(w.shape)) for w in model.non_trainable_weights)
    assert (trainable, non_trainable) == (golden["trainable"], golden["non_trainable"])
    assert list(model.output_shape) == golden["output_shape"]
    assert model.name == golden["name"]


def test_predictions_match_tf_keras(built):
    case, model, golden = built
    fn_name, kwargs = fill.case_kwargs(case)
    x = fill.image_batch(fn_name, kwargs["input_shape"])
    want = PREDICTIONS[case]
    got = model.predict(x, verbose=0)
    assert got.shape == want.shape
    scale = float(np.abs(want).max())
    assert scale > 0
    np.testing.assert_allclose(got, want, rtol=1e-3, atol=2e-4 * scale)
    # the samples differ, so the comparison is not of a constant output
    assert np.abs(want[0] - want[1]).max() > 5e-3 * scale
