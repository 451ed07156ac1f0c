"""Sequential: constructor, add/pop, deferred build, config."""
import numpy as np
import pytest

from ckeras.layers import Activation, Dense, Dropout, Input, InputLayer
from ckeras.models import Model, Sequential


def test_list_constructor_and_add_are_equivalent(rng):
    a = Sequential([Dense(32, input_shape=(784,)), Activation("relu"), Dense(10),
                    Activation("softmax")])
    b = Sequential()
    b.add(Dense(32, input_dim=784))
    b.add(Activation("relu"))
    b.add(Dense(10))
    b.add(Activation("softmax"))
    b.set_weights(a.get_weights())
    x = rng.standard_normal((3, 784)).astype("float32")
    np.testing.assert_allclose(a.predict(x), b.predict(x), rtol=1e-6)
    assert a.output_shape == (None, 10) and a.input_shape == (None, 784)
    assert [layer.name for layer in a.layers] == ["dense", "activation", "dense_1", "activation_1"]
    assert np.allclose(a.predict(x).sum(-1), 1, atol=1e-5)


def test_batch_input_shape_and_input_layer():
    model = Sequential([Dense(3, batch_input_shape=(8, 5))])
    assert model.input_shape == (8, 5)
    assert model.inputs[0]._keras_history[0].name == "dense_input"
    m2 = Sequential([InputLayer(input_shape=(4,)), Dense(2)])
    assert m2.output_shape == (None, 2)
    assert len(m2.layers) == 1  # the InputLayer is not listed
    m3 = Sequential([Input(shape=(6,)), Dense(2)])
    assert m3.input_shape == (None, 6)


def test_deferred_build(rng):
    model = Sequential()
    model.add(Dense(4))
    model.add(Dense(1))
    assert not model.built
    with pytest.raises(ValueError, match="not yet been created"):
        _ = model.weights
    out = model.predict(rng.standard_normal((3, 7)))
    assert out.shape == (3, 1) and model.built
    assert model.layers[0].get_weights()[0].shape == (7, 4)
    m2 = Sequential([Dense(2)])
    m2.build((None, 5))
    assert m2.output_shape == (None, 2)


def test_pop_and_add_errors():
    model = Sequential([Dense(4, input_shape=(3,)), Dense(2, name="last")])
    model.pop()
    assert model.output_shape == (None, 4)
    assert [layer.name for layer in model.layers] == ["dense"]
    model.pop()
    with pytest.raises(TypeError, match="There are no layers in the model"):
        model.pop()
    with pytest.raises(TypeError, match="must be an instance of class Layer"):
        model.add("dense")
    m = Sequential([Dense(2, input_shape=(3,), name="x")])
    with pytest.raises(ValueError, match='Name "x" is already the name'):
        m.add(Dense(2, name="x"))


def test_wrong_last_dimension_is_rejected_with_layer_name():
    model = Sequential([Dense(4, input_shape=(3,))])
    d = Dense(2, name="late")
    x = Input(shape=(5,))
    d(x)
    with pytest.raises(ValueError, match='layer "late".*axis -1.*value 5.*\\(None, 4\\)'):
        model.add(d)
    # The failed add left the model as it was.
    assert [layer.name for layer in model.layers] == ["dense"]
    assert model.output_shape == (None, 4)


def test_config_round_trip(rng):
    model = Sequential([Dense(8, activation="relu", input_shape=(5,)), Dropout(0.25),
                        Dense(3, activation="softmax")], name="clf")
    config = model.get_config()
    assert config["name"] == "clf"
    assert [e["class_name"] for e in config["layers"]] == ["InputLayer", "Dense", "Dropout",
                                                           "Dense"]
    clone = Sequential.from_config(config)
    clone.set_weights(model.get_weights())
    x = rng.standard_normal((4, 5)).astype("float32")
    np.testing.assert_allclose(clone.predict(x), model.predict(x), rtol=1e-6)
    clone2 = Model.from_config(Model(model.inputs, model.outputs).get_config())
    clone2.set_weights(model.get_weights())
    np.testing.assert_allclose(clone2.predict(x), model.predict(x), rtol=1e-6)


def test_set_weights_errors():
    model = Sequential([Dense(4, input_shape=(3,)), Dense(2)])
    with pytest.raises(ValueError, match="weight list of length 3, but the layer was "
                                         "expecting 4 weights"):
        model.set_weights(model.get_weights()[:3])
    bad = model.get_weights()
    bad[0] = np.zeros((3, 3))
    with pytest.raises(ValueError, match=r"weight shape \(3, 4\) is not compatible with "
                                         r"provided weight shape \(3, 3\)"):
        model.set_weights(bad)
    # Nothing was half-written by the failed call.
    assert model.get_weights()[0].shape == (3, 4)
