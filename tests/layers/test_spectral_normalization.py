"""SpectralNormalization against tf-keras 2.21: inference, the in-place
normalization of a training call, two training steps, a tf-keras .h5 file."""
import pathlib

import numpy as np
import pytest

from ckeras import Input, Model, optimizers
from ckeras import backend as K
from ckeras import layers as L
from ckeras.models import load_model
from ckeras.testing import Golden, assert_config_matches

GOLDEN = Golden(pathlib.Path(__file__).resolve().parents[1] / "fixtures", "breadth")


@pytest.mark.parametrize("name", GOLDEN.names(layer="SpectralNormalization"))
def test_golden_call_normalizes_the_kernel_in_training(name):
    case, xs, ws, _, a = GOLDEN.load(name)
    K.clear_session()
    inner = L.deserialize(case["inner"])
    layer = L.SpectralNormalization(inner, **case["kwargs"])
    layer(xs[0])
    assert [w.name for w in layer.weights] == case["weight_names"]
    layer.set_weights(ws)
    np.testing.assert_allclose(layer(xs[0], training=False), a["y_infer"], rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_array_equal(layer.get_weights()[0], ws[0])
    np.testing.assert_allclose(layer(xs[0], training=True), a["y"], rtol=1e-5, atol=1e-6)
    for i, w in enumerate(layer.get_weights()):
        np.testing.assert_allclose(w, a[f"s1_w{i}"], rtol=1e-5, atol=1e-6, err_msg=f"w{i}")
    assert_config_matches(layer.get_config(), case["config"])


def _model():
    inp = Input((5,))
    h = L.SpectralNormalization(L.Dense(4, activation="tanh", name="d1"), name="sn")(inp)
    return Model(inp, L.Dense(2, name="out")(h))


def test_two_training_steps():
    case, xs, _, _, a = GOLDEN.load("sn_train")
    K.clear_session()
    model = _model()
    assert [w.name for w in model.weights] == case["weight_names"]
    model.set_weights([a[f"w{i}"] for i in range(case["weights"])])
    model.compile(optimizer=optimizers.SGD(learning_rate=0.1), loss="mse")
    for step in (1, 2):
        loss = model.train_on_batch(xs[0], a["t"])
        np.testing.assert_allclose(loss, case["losses"][step - 1], rtol=1e-5, atol=1e-6)
        for i, w in enumerate(model.get_weights()):
            np.testing.assert_allclose(w, a[f"s{step}_w{i}"], rtol=1e-5, atol=1e-5,
                                       err_msg=f"step {step} weight {i}")


def test_loads_tf_keras_h5(tmp_path):
    case, xs, _, _, a = GOLDEN.load("sn_train")
    K.clear_session()
    model = load_model(GOLDEN.file("sn_model.h5"))
    assert isinstance(model.get_layer("sn"), L.SpectralNormalization)
    np.testing.assert_allclose(model.predict(xs[0], verbose=0), a["y"], rtol=1e-5, atol=1e-5)
    model.save(tmp_path / "m.keras")
    again = load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(again.predict(xs[0], verbose=0), a["y"], rtol=1e-5, atol=1e-5)


def test_zero_kernel_is_left_alone_and_errors():
    layer = L.SpectralNormalization(L.Dense(2, kernel_initializer="zeros"))
    layer(np.ones((1, 3), "float32"), training=True)
    assert not np.any(layer.get_weights()[0])
    with pytest.raises(ValueError, match="greater than zero"):
        L.SpectralNormalization(L.Dense(2), power_iterations=0)
    with pytest.raises(ValueError, match="no attribute 'kernel' nor 'embeddings'"):
        L.SpectralNormalization(L.Flatten())(np.ones((1, 3), "float32"))
