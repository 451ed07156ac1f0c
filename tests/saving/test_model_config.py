"""model_from_config: every layer class in a small model (config, JSON, YAML,
weights and whole-model round trips), tf-keras 2.13+ and Keras 3 dialects,
old Sequential forms, nested node indices, clone_model, Lambda safety."""
import copy
import json
import os

import numpy as np
import pytest

from ckeras import backend as K
from ckeras import layers as L
from ckeras.models import (
    Model,
    Sequential,
    clone_model,
    load_model,
    model_from_config,
    model_from_json,
    model_from_yaml,
)
from ckeras.saving import hdf5_format, model_config

FIX = os.path.join(os.path.dirname(__file__), "..", "fixtures", "saving")


def scale2(x):
    return x * 2.0


# class name -> (kwargs, input shape without batch, input dtype)
LAYER_CASES = {
    "Dense": ({"units": 3, "activation": "relu", "kernel_regularizer": "l2"}, (4,), "float32"),
    "Activation": ({"activation": "tanh"}, (4,), "float32"),
    "Dropout": ({"rate": 0.3}, (4,), "float32"),
    "Flatten": ({}, (2, 3), "float32"),
    "Reshape": ({"target_shape": (3, 2)}, (6,), "float32"),
    "Permute": ({"dims": (2, 1)}, (2, 3), "float32"),
    "RepeatVector": ({"n": 3}, (4,), "float32"),
    "Masking": ({"mask_value": 0.0}, (3, 2), "float32"),
    "ActivityRegularization": ({"l1": 0.01}, (4,), "float32"),
    "Lambda": ({"function": scale2}, (4,), "float32"),
    "Embedding": ({"input_dim": 10, "output_dim": 3}, (5,), "int32"),
    "ELU": ({"alpha": 0.5}, (4,), "float32"),
    "LeakyReLU": ({"alpha": 0.2}, (4,), "float32"),
    "PReLU": ({}, (4,), "float32"),
    "ReLU": ({"max_value": 6.0}, (4,), "float32"),
    "Softmax": ({"axis": -1}, (4,), "float32"),
    "ThresholdedReLU": ({"theta": 0.5}, (4,), "float32"),
    "GaussianNoise": ({"stddev": 0.1}, (4,), "float32"),
    "GaussianDropout": ({"rate": 0.1}, (4,), "float32"),
    "AlphaDropout": ({"rate": 0.1}, (4,), "float32"),
}
MERGE_CASES = {"Add": {}, "Subtract": {}, "Multiply": {}, "Average": {}, "Maximum": {},
               "Minimum": {}, "Concatenate": {"axis": -1}, "Dot": {"axes": 1}}
CUSTOM = {"scale2": scale2}


def _data(shape, dtype, n=3, seed=0):
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind == "i":
        return rng.integers(0, 10, (n,) + shape).astype(dtype)
    return rng.standard_normal((n,) + shape).astype(dtype)


def _single_layer_models(cls_name):
    kwargs, shape, dtype = LAYER_CASES[cls_name]
    cls = getattr(L, cls_name)
    seq = Sequential([L.Input(shape, dtype=dtype, name="inp"), cls(name="lay", **kwargs),
                      L.Flatten(name="flat_out"), L.Dense(2, name="head")], name="s")
    x = L.Input(shape, dtype=dtype, name="inp")
    func = Model(x, L.Dense(2, name="head")(L.Flatten(name="flat_out")(
        cls(name="lay", **kwargs)(x))), name="f")
    return [seq, func], _data(shape, dtype)


def _merge_model(cls_name):
    a = L.Input((4,), name="a")
    b = L.Input((4,), name="b")
    m = getattr(L, cls_name)(name="merge", **MERGE_CASES[cls_name])([a, b])
    return Model([a, b], L.Dense(2, name="head")(m)), [_data((4,), "float32"),
                                                       _data((4,), "float32", seed=1)]


def _check_same(model, other, x):
    for a, b in zip(model.get_weights(), other.get_weights()):
        assert a.shape == b.shape
    other.set_weights(model.get_weights())
    np.testing.assert_allclose(np.asarray(model.predict(x)), np.asarray(other.predict(x)),
                               rtol=1e-6, atol=1e-6)


def _round_trips(model, x, tmp_path):
    cfg = {"class_name": type(model).__name__, "config": model.get_config()}
    by_config = model_from_config(json.loads(model_config.dumps(cfg)), custom_objects=CUSTOM)
    assert by_config.get_config() == json.loads(model_config.dumps(model.get_config())) or \
        json.loads(model_config.dumps(by_config.get_config())) == \
        json.loads(model_config.dumps(model.get_config()))
    _check_same(model, by_config, x)
    _check_same(model, model_from_json(model.to_json(), custom_objects=CUSTOM), x)
    _check_same(model, model_from_yaml(model.to_yaml(), custom_objects=CUSTOM), x)
    model.save_weights(tmp_path / "w.h5")
    fresh = model_from_json(model.to_json(), custom_objects=CUSTOM)
    fresh.load_weights(tmp_path / "w.h5")
    np.testing.assert_allclose(np.asarray(model.predict(x)), np.asarray(fresh.predict(x)),
                               rtol=1e-6, atol=1e-6)
    model.save(tmp_path / "m.h5")
    loaded = load_model(tmp_path / "m.h5", custom_objects=CUSTOM, compile=False)
    np.testing.assert_allclose(np.asarray(model.predict(x)), np.asarray(loaded.predict(x)),
                               rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("cls_name", sorted(LAYER_CASES))
def test_every_layer_round_trips_in_models(cls_name, tmp_path):
    models, x = _single_layer_models(cls_name)
    for model in models:
        _round_trips(model, x, tmp_path)


@pytest.mark.parametrize("cls_name", sorted(MERGE_CASES))
def test_every_merge_layer_round_trips(cls_name, tmp_path):
    model, xs = _merge_model(cls_name)
    _round_trips(model, xs, tmp_path)


def test_layer_case_table_covers_current_layers():
    from ckeras.layers import module_objects
    engine = {"Functional", "Model", "Sequential", "InputLayer", "Layer"}
    core = {"Dense", "Activation", "Dropout", "Flatten", "Reshape", "Permute", "RepeatVector",
            "Masking", "ActivityRegularization", "Lambda", "Embedding", "ELU", "LeakyReLU",
            "PReLU", "ReLU", "Softmax", "ThresholdedReLU", "GaussianNoise",
            "GaussianDropout", "AlphaDropout"} | set(MERGE_CASES)
    assert core <= set(module_objects()) - engine
    assert core <= set(LAYER_CASES) | set(MERGE_CASES)


# ------------------------------------------------------------- dialects
def test_tf_keras_213_keys_are_accepted():
    cfg = {"module": "keras", "class_name": "Sequential", "registered_name": None,
           "config": {"name": "s", "layers": [
               {"module": "keras.layers", "class_name": "InputLayer", "registered_name": None,
                "config": {"batch_input_shape": [None, 3], "dtype": "float32",
                           "sparse": False, "ragged": False, "name": "i", "optional": False}},
               {"module": "keras.layers", "class_name": "Dense", "registered_name": None,
                "build_config": {"input_shape": [None, 3]},
                "config": {"name": "d", "units": 2, "kernel_initializer": {
                    "module": "keras.initializers", "class_name": "GlorotUniform",
                    "config": {"seed": None}, "registered_name": None}}}]},
           "keras_version": "2.21.0", "backend": "tensorflow"}
    model = model_from_config(cfg)
    assert model.output_shape == (None, 2)


def test_keras3_sequential_config():
    policy = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
              "registered_name": None}
    cfg = {"module": "keras", "class_name": "Sequential", "registered_name": None,
           "config": {"name": "sequential", "trainable": True, "dtype": policy, "layers": [
               {"module": "keras.layers", "class_name": "InputLayer", "registered_name": None,
                "config": {"batch_shape": [None, 5], "dtype": "int32", "sparse": False,
                           "ragged": False, "name": "input_layer", "optional": False}},
               {"module": "keras.layers", "class_name": "Embedding", "registered_name": None,
                "build_config": {"input_shape": [None, 5]},
                "config": {"name": "embedding", "trainable": True, "dtype": policy,
                           "input_dim": 10, "output_dim": 4, "mask_zero": False,
                           "quantization_config": None, "embeddings_initializer": {
                               "module": "keras.initializers", "class_name": "RandomUniform",
                               "config": {"minval": -0.05, "maxval": 0.05, "seed": None},
                               "registered_name": None}}},
               {"module": "keras.layers", "class_name": "Flatten", "registered_name": None,
                "config": {"name": "flatten", "trainable": True, "dtype": policy,
                           "data_format": "channels_last"}},
               {"module": "keras.layers", "class_name": "Dense", "registered_name": None,
                "config": {"name": "dense", "trainable": True, "dtype": policy, "units": 3,
                           "activation": "softmax", "use_bias": True,
                           "quantization_config": None, "lora_rank": None}}],
               "build_input_shape": [None, 5]},
           "build_config": {"input_shape": [None, 5]},
           "compile_config": {"loss": "mse"}}
    model = model_from_config(cfg)
    assert [layer.name for layer in model.layers] == ["embedding", "flatten", "dense"]
    assert model.predict(np.zeros((2, 5), "int32")).shape == (2, 3)


def test_keras3_functional_nodes_from_golden_file():
    config = hdf5_format.load_model_config(os.path.join(FIX, "k3_func.h5"))
    model = model_from_config(config)
    assert model.input_names == ["in_a", "in_b", "in_c"]
    assert model.output_names == ["out1", "out2"]


def test_time_major_false_is_dropped_and_mixed_policy_warns():
    from ckeras.saving.model_config import normalize_config
    cfg = {"class_name": "LSTM", "config": {"name": "l", "units": 2, "time_major": False,
                                            "dtype": {"class_name": "Policy",
                                                      "config": {"name": "mixed_float16"}}}}
    with pytest.warns(UserWarning, match="mixed_float16"):
        out = normalize_config(cfg)
    assert "time_major" not in out["config"] and out["config"]["dtype"] == "float32"
    assert cfg["config"]["time_major"] is False  # input untouched


def test_old_sequential_forms():
    dense = {"class_name": "Dense", "config": {"name": "d", "units": 2,
                                               "batch_input_shape": [None, 3]}}
    as_list = model_from_config({"class_name": "Sequential", "config": [dense]})
    assert as_list.output_shape == (None, 2)
    no_input = model_from_config({"class_name": "Sequential",
                                  "config": {"name": "s", "layers": [dense]}})
    assert no_input.predict(np.zeros((1, 3), "float32")).shape == (1, 2)


def test_tf_keras_raw_structure_and_constant_nodes():
    cfg = {"class_name": "Functional", "config": {
        "name": "m", "layers": [
            {"class_name": "InputLayer", "name": "x", "inbound_nodes": [],
             "config": {"batch_input_shape": [None, 3], "dtype": "float32", "name": "x"}},
            {"class_name": "Dense", "name": "d", "config": {"name": "d", "units": 3},
             "inbound_nodes": [["x", 0, 0, {}]]},  # unwrapped single ref
            {"class_name": "Add", "name": "add", "config": {"name": "add"},
             "inbound_nodes": [[["d", 0, 0, {}], ["x", 0, 0, {}]]]}],
        "input_layers": [["x", 0, 0]], "output_layers": [["add", 0, 0]]}}
    model = model_from_config(cfg)
    assert model.output_shape == (None, 3)


def test_shared_layer_node_indices_round_trip():
    shared = L.Dense(3, name="shared")
    a = L.Input((3,), name="a")
    h1 = shared(a)
    h2 = shared(h1)
    model = Model(a, L.Concatenate(name="cat")([h1, h2]))
    cfg = model.get_config()
    shared_entry = [layer for layer in cfg["layers"] if layer["name"] == "shared"][0]
    assert shared_entry["inbound_nodes"] == [[["a", 0, 0, {}]], [["shared", 0, 0, {}]]]
    cat = [layer for layer in cfg["layers"] if layer["name"] == "cat"][0]
    assert cat["inbound_nodes"] == [[["shared", 0, 0, {}], ["shared", 1, 0, {}]]]
    clone = Model.from_config(json.loads(json.dumps(cfg)))
    x = np.random.default_rng(0).standard_normal((2, 3)).astype("float32")
    _check_same(model, clone, x)


def test_nested_model_uses_tf_keras_node_index_one():
    inner = Sequential([L.Input((4,)), L.Dense(3, name="i1")], name="inner")
    x = L.Input((4,), name="x")
    model = Model(x, L.Dense(2, name="h")(inner(x)))
    cfg = model.get_config()
    head = [layer for layer in cfg["layers"] if layer["name"] == "h"][0]
    assert head["inbound_nodes"] == [[["inner", 1, 0, {}]]]
    clone = model_from_json(model.to_json())
    _check_same(model, clone, np.ones((2, 4), "float32"))
    # the tf-keras golden file uses the same rule
    tk = hdf5_format.load_model_config(os.path.join(FIX, "tk_nested.h5"))
    head = [layer for layer in tk["config"]["layers"] if layer["name"] == "head"][0]
    assert head["inbound_nodes"] == [[["inner_seq", 1, 0, {}]]]


def test_unknown_class_and_unresolvable_graph():
    with pytest.raises(ValueError, match="Unknown layer: 'NoSuchLayer'"):
        model_from_config({"class_name": "Sequential", "config": {"name": "s", "layers": [
            {"class_name": "NoSuchLayer", "config": {"name": "n"}}]}})
    cfg = {"class_name": "Functional", "config": {
        "name": "m", "layers": [
            {"class_name": "InputLayer", "name": "x", "inbound_nodes": [],
             "config": {"batch_input_shape": [None, 3], "name": "x"}},
            {"class_name": "Dense", "name": "d", "config": {"name": "d", "units": 3},
             "inbound_nodes": [[["ghost", 0, 0, {}]]]}],
        "input_layers": [["x", 0, 0]], "output_layers": [["d", 0, 0]]}}
    with pytest.raises(ValueError, match="ghost"):
        model_from_config(cfg)
    with pytest.raises(ValueError, match="class_name"):
        model_from_config({"config": {}})
    with pytest.raises(TypeError, match="dictionary"):
        model_from_config([])


# ------------------------------------------------------------ clone_model
def test_clone_model_fresh_weights_same_architecture():
    model = Sequential([L.Dense(4, input_shape=(3,), name="a"), L.Dense(2, name="b")])
    clone = clone_model(model)
    assert clone is not model and [layer.name for layer in clone.layers] == ["a", "b"]
    assert not np.array_equal(clone.get_weights()[0], model.get_weights()[0])
    _check_same(model, clone, np.ones((2, 3), "float32"))
    new_in = L.Input((3,), name="new_in")
    on_tensor = clone_model(model, input_tensors=new_in)
    assert on_tensor.inputs[0] is new_in


def test_clone_functional_with_input_tensors():
    a = L.Input((3,), name="a")
    b = L.Input((2,), name="b")
    model = Model([a, b], L.Dense(1, name="o")(L.Concatenate(name="c")([a, b])))
    ta, tb = L.Input((3,), name="ta"), L.Input((2,), name="tb")
    clone = clone_model(model, input_tensors=[ta, tb])
    assert clone.inputs[0] is ta and clone.inputs[1] is tb
    _check_same(model, clone, [np.ones((2, 3), "float32"), np.ones((2, 2), "float32")])
    assert clone_model(model).layers[0] is not model.layers[0]


# ------------------------------------------------------------------ Lambda
def test_lambda_body_refused_by_default_and_allowed_by_opt_in(tmp_path):
    x = L.Input((3,))
    model = Model(x, L.Lambda(lambda t: K.concatenate([t, t * 3.0], axis=-1), name="lam")(x))
    cfg = model.get_config()
    lam = [layer for layer in cfg["layers"] if layer["name"] == "lam"][0]["config"]
    assert lam["function_type"] == "lambda" and isinstance(lam["function"], list)
    data = np.random.default_rng(0).standard_normal((2, 3)).astype("float32")
    for loader, arg in ((model_from_json, model.to_json()), (model_from_yaml, model.to_yaml())):
        with pytest.raises(ValueError, match="safe_mode=False"):
            loader(arg)
        np.testing.assert_allclose(loader(arg, safe_mode=False).predict(data),
                                   model.predict(data))
    model.save(tmp_path / "m.h5")
    with pytest.raises(ValueError, match=r"Lambda layer 'lam'.*bytecode"):
        load_model(tmp_path / "m.h5")
    np.testing.assert_allclose(load_model(tmp_path / "m.h5", safe_mode=False).predict(data),
                               model.predict(data))
    by_custom = load_model(tmp_path / "m.h5", custom_objects={
        "lam": lambda t: K.concatenate([t, t * 3.0], axis=-1)})
    np.testing.assert_allclose(by_custom.predict(data), model.predict(data))


def test_lambda_bytecode_never_unmarshalled_in_safe_mode(monkeypatch):
    import marshal
    calls = []
    monkeypatch.setattr(marshal, "loads", lambda *a: calls.append(a))
    cfg = {"class_name": "Lambda", "config": {
        "name": "evil", "function": ["AAAA", None, None], "function_type": "lambda",
        "module": "os", "arguments": {}}}
    with pytest.raises(ValueError, match="bytecode"):
        L.deserialize(copy.deepcopy(cfg))
    assert calls == []


def test_clone_model_keeps_lambda_functions_in_memory():
    from ckeras.layers import Dense, Input, Lambda
    from ckeras.models import Model, Sequential, clone_model

    def double(t):
        return t * 2

    seq = Sequential([Dense(2, input_shape=(3,)), Lambda(lambda t: t + 1),
                      Lambda(double, output_shape=lambda s: s)])
    inp = Input((3,))
    masked = Lambda(lambda t: t * 3, mask=lambda t, m: K.not_equal(t, 0))(inp)
    func = Model(inp, Dense(1)(Lambda(double)(masked)))
    x = np.arange(6, dtype="float32").reshape(2, 3)
    for model in (seq, func):
        clone = clone_model(model)
        clone.set_weights(model.get_weights())
        np.testing.assert_array_equal(clone.predict(x), model.predict(x))
        lambdas = [(a, b) for a, b in zip(model.layers, clone.layers, strict=True)
                   if isinstance(a, Lambda)]
        assert lambdas and all(a is not b and a.function is b.function for a, b in lambdas)
    assert clone.layers[1].mask is func.layers[1].mask


def test_a_model_with_a_lambda_saves_its_code_and_loads_it_only_when_asked(tmp_path):
    from ckeras.layers import Dense, Lambda
    from ckeras.models import Sequential, load_model

    model = Sequential([Dense(2, input_shape=(3,)), Lambda(lambda t: t * 5)])
    model.save(tmp_path / "m.h5")
    with pytest.raises(ValueError, match="safe_mode=False"):
        load_model(tmp_path / "m.h5")
    loaded = load_model(tmp_path / "m.h5", safe_mode=False)
    x = np.ones((1, 3), "float32")
    np.testing.assert_allclose(loaded.predict(x), model.predict(x), rtol=1e-6)
