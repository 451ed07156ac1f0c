"""Functional graphs: several inputs/outputs, shared layers, nesting, config."""
import json

import numpy as np
import pytest

from ckeras import backend as K
from ckeras.layers import Add, Concatenate, Dense, Input, Lambda, concatenate
from ckeras.models import Model, Sequential


def _np_dense(x, layer, act=lambda z: z):
    w, b = layer.get_weights()
    return act(x @ w + b)


def _two_in_two_out():
    a = Input(shape=(3,), name="a")
    b = Input(shape=(4,), name="b")
    shared = Dense(5, name="shared")
    ha = shared(Dense(4, name="pre")(a))
    hb = shared(b)
    merged = Concatenate(name="merged")([ha, hb])
    out1 = Dense(2, activation="softmax", name="out1")(merged)
    out2 = Dense(1, name="out2")(hb)
    return Model([a, b], [out1, out2], name="m")


def test_multi_io_predict_matches_numpy(rng):
    model = _two_in_two_out()
    xa = rng.standard_normal((7, 3)).astype("float32")
    xb = rng.standard_normal((7, 4)).astype("float32")
    p1, p2 = model.predict([xa, xb], batch_size=3)
    L = model.get_layer
    ha = _np_dense(_np_dense(xa, L("pre")), L("shared"))
    hb = _np_dense(xb, L("shared"))
    z = np.concatenate([ha, hb], -1) @ L("out1").get_weights()[0] + L("out1").get_weights()[1]
    e = np.exp(z - z.max(-1, keepdims=True))
    np.testing.assert_allclose(p1, e / e.sum(-1, keepdims=True), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(p2, _np_dense(hb, L("out2")), rtol=1e-5, atol=1e-5)
    assert p1.dtype == np.float32


def test_model_properties():
    model = _two_in_two_out()
    # Keras' order: by decreasing depth, ties in order of discovery from the outputs.
    assert [layer.name for layer in model.layers] == ["a", "pre", "b", "shared", "merged",
                                              "out1", "out2"]
    assert model.input_names == ["a", "b"]
    assert model.output_names == ["out1", "out2"]
    assert model.input_shape == [(None, 3), (None, 4)]
    assert model.output_shape == [(None, 2), (None, 1)]
    assert len(model.inputs) == 2 and len(model.outputs) == 2
    assert isinstance(model.input, list) and len(model.output) == 2
    # The shared layer was called twice: its output is ambiguous.
    with pytest.raises(AttributeError, match="multiple inbound nodes"):
        _ = model.get_layer("shared").output
    assert model.get_layer(index=2).name == "b"
    # Weights in layer order: pre, shared, out1, out2 (2 each).
    assert [w.shape for w in model.get_weights()] == [(3, 4), (4,), (4, 5), (5,),
                                                      (10, 2), (2,), (5, 1), (1,)]


def test_dict_inputs_and_wrong_input_count(rng):
    model = _two_in_two_out()
    xa = rng.standard_normal((2, 3))
    xb = rng.standard_normal((2, 4))
    by_list = model.predict([xa, xb])
    by_dict = model.predict({"a": xa, "b": xb})
    np.testing.assert_array_equal(by_list[0], by_dict[0])
    with pytest.raises(ValueError, match=r'expects 2 input\(s\), but it received 1'):
        model.predict(xa)
    with pytest.raises(ValueError, match=r"expected shape=\(None, 4\), found shape=\(2, 5\)"):
        model.predict([xa, np.zeros((2, 5))])


def test_get_layer_errors():
    model = _two_in_two_out()
    with pytest.raises(ValueError, match="No such layer: nope"):
        model.get_layer("nope")
    with pytest.raises(ValueError, match="retrieve layer at index 10 but model only has 7"):
        model.get_layer(index=10)
    with pytest.raises(ValueError, match="Provide either a layer name or layer index"):
        model.get_layer()


def test_intermediate_output_model_shares_weights(rng):
    x = Input(shape=(6,))
    h = Dense(5, activation="relu", name="my_layer")(x)
    y = Dense(1, name="head")(h)
    model = Model(x, y)
    inter = Model(inputs=model.input, outputs=model.get_layer("my_layer").output)
    data = rng.standard_normal((4, 6)).astype("float32")
    expected = _np_dense(data, model.get_layer("my_layer"), lambda z: np.maximum(z, 0))
    np.testing.assert_allclose(inter.predict(data), expected, rtol=1e-5, atol=1e-6)
    # Changing the original layer's weights changes the intermediate model.
    w, b = model.get_layer("my_layer").get_weights()
    model.get_layer("my_layer").set_weights([w * 0, b + 1])
    np.testing.assert_allclose(inter.predict(data), np.ones((4, 5)), rtol=1e-6)


def test_nested_model_as_layer(rng):
    inner = Sequential([Dense(4, activation="tanh", input_shape=(3,)), Dense(2)], name="inner")
    x = Input(shape=(3,))
    y = Dense(1, name="top")(inner(x))
    outer = Model(x, y)
    data = rng.standard_normal((5, 3)).astype("float32")
    expected = _np_dense(inner.predict(data), outer.get_layer("top"))
    np.testing.assert_allclose(outer.predict(data), expected, rtol=1e-5, atol=1e-6)
    assert len(outer.weights) == 6
    assert outer.layers[1] is inner


def test_graph_disconnected_error():
    a = Input(shape=(3,))
    b = Input(shape=(3,))
    out = Add()([Dense(2)(a), Dense(2)(b)])
    with pytest.raises(ValueError, match="Graph disconnected"):
        Model(a, out)


def test_operators_and_slicing_on_keras_tensors(rng):
    x = Input(shape=(4,))
    y = x[:, :2] * 2.0 + 1.0
    model = Model(x, y)
    data = rng.standard_normal((3, 4)).astype("float32")
    np.testing.assert_allclose(model.predict(data), data[:, :2] * 2 + 1, rtol=1e-6)
    assert model.output_shape == (None, 2)


def test_k_function_on_intermediate_output(rng):
    model = Sequential([Dense(8, activation="relu", input_shape=(5,)), Dense(6),
                        Dense(4, activation="tanh", name="third"), Dense(1)])
    data = rng.standard_normal((3, 5)).astype("float32")
    get_3rd = K.function([model.layers[0].input], [model.layers[2].output])
    out = get_3rd([data])[0]
    inter = Model(model.input, model.get_layer("third").output)
    np.testing.assert_allclose(out, inter.predict(data), rtol=1e-6)
    # The classic form with the learning phase as an extra input.
    f = K.function([model.layers[0].input, K.learning_phase()], [model.layers[2].output])
    np.testing.assert_allclose(f([data, 0])[0], out, rtol=1e-6)


def test_config_round_trip_rebuilds_same_graph(rng):
    model = _two_in_two_out()
    config = model.get_config()
    json.dumps(config)
    clone = Model.from_config(config)
    assert [layer.name for layer in clone.layers] == [layer.name for layer in model.layers]
    clone.set_weights(model.get_weights())
    xa = rng.standard_normal((2, 3)).astype("float32")
    xb = rng.standard_normal((2, 4)).astype("float32")
    for p, q in zip(model.predict([xa, xb]), clone.predict([xa, xb])):
        np.testing.assert_allclose(p, q, rtol=1e-6)
    # The shared layer keeps its two calls.
    shared = [e for e in config["layers"] if e["name"] == "shared"][0]
    assert shared["inbound_nodes"] == [[["pre", 0, 0, {}]], [["b", 0, 0, {}]]]
    assert config["input_layers"] == [["a", 0, 0], ["b", 0, 0]]
    assert config["output_layers"] == [["out1", 0, 0], ["out2", 0, 0]]


def test_predict_does_not_modify_inputs_and_casts(rng):
    model = Sequential([Dense(2, input_shape=(3,))])
    data = rng.standard_normal((4, 3))  # float64
    before = data.copy()
    out = model.predict(data)
    np.testing.assert_array_equal(data, before)
    assert out.dtype == np.float32


def test_model_call_on_arrays_and_lambda(rng):
    x = Input(shape=(3,))
    y = Lambda(lambda t: K.sum(t, axis=-1, keepdims=True) * 2)(x)
    model = Model(x, y)
    data = rng.standard_normal((2, 3)).astype("float32")
    out = model(data)
    np.testing.assert_allclose(np.asarray(out), data.sum(-1, keepdims=True) * 2, rtol=1e-6)


def test_eager_mask_flows_through_layers_without_mask_argument():
    from ckeras.autograd import Tensor
    from ckeras.layers import Masking
    x = np.array([[[1.0, 2.0], [0.0, 0.0], [3.0, 1.0]]], dtype="float32")
    masked = Masking(mask_value=0.0)(Tensor(x, requires_grad=True))
    np.testing.assert_array_equal(masked._keras_mask, [[True, False, True]])
    dense_out = Dense(3)(masked)
    # Dense supports masking and has no `mask` argument: the mask still passes.
    np.testing.assert_array_equal(dense_out._keras_mask, [[True, False, True]])


def test_model_call_runs_the_graph_once_and_returns_its_masks(monkeypatch):
    """Calling a model whose output may carry a mask runs each layer once
    (the output mask comes from the same run), with the masks Keras gives."""
    from ckeras.layers import Embedding, Masking
    calls = []
    seq = Sequential([Embedding(10, 4, mask_zero=True, input_length=5),
                      Dense(3)])
    dense = seq.layers[1]
    original = type(dense).call

    def counting(self, inputs):
        calls.append(self.name)
        return original(self, inputs)

    monkeypatch.setattr(type(dense), "call", counting)
    tokens = np.array([[1, 2, 0, 0, 0], [3, 0, 4, 5, 0]])
    out = seq(tokens)
    assert calls == [dense.name]
    np.testing.assert_array_equal(out._keras_mask, tokens != 0)
    # a nested model inside a functional one: both masks still right
    inp = Input(shape=(3, 2))
    inner = Sequential([Masking(0.0, input_shape=(3, 2)), Dense(2)])
    outer = Model(inp, Dense(1)(inner(inp)))
    x = np.array([[[1.0, 2.0], [0.0, 0.0], [3.0, 1.0]]], "float32")
    calls.clear()
    y = outer(x)
    assert len(calls) == 2    # the inner Dense and the outer one, once each
    np.testing.assert_array_equal(y._keras_mask, [[True, False, True]])


def test_a_layer_call_keeps_the_list_it_received():
    """#21 item 3: DenseNet's `feats.append(y); concatenate(feats)` pattern
    grows the list a layer was called on; the graph keeps the list as called."""
    x = Input((4,))
    feats = [x]
    for _ in range(3):
        y = Dense(2, kernel_initializer="ones")(concatenate(feats) if len(feats) > 1 else x)
        feats.append(y)
    model = Model(x, concatenate(feats))
    out = model.predict(np.ones((2, 4), "float32"))
    # widths 4 + 2 + 2 + 2; with ones kernels and zero biases: y1 = 4,
    # y2 = 4 + 2*4 = 12, y3 = 4 + 8 + 24 = 36 per unit
    np.testing.assert_allclose(out[0], [1, 1, 1, 1, 4, 4, 12, 12, 36, 36])
    assert model.count_params() == 4 * 2 + 2 + 6 * 2 + 2 + 8 * 2 + 2
