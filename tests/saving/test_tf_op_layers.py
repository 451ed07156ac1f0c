"""TensorFlow-function nodes of tf-keras model files (TFOpLambda,
SlicingOpLambda): loaded from a real tf-keras 2.21 file, written back in
tf-keras' form by ckeras' own graphs, and refused clearly when unknown."""
import json
import math
import pathlib

import numpy as np
import pytest

from ckeras import Input, Model
from ckeras import layers as L
from ckeras.engine.tf_op_layer import SlicingOpLambda, TFOpLambda
from ckeras.models import load_model, model_from_json

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "tf_ops"


def _golden():
    data = np.load(FIXTURES / "ops_model.npz")
    return data["x"], [data[f"y{i}"] for i in range(3)]


def test_tf_keras_file_with_op_layers_loads_and_predicts_exactly(tmp_path):
    x, ys = _golden()
    model = load_model(FIXTURES / "ops_model.h5", compile=False)
    kinds = {type(layer).__name__ for layer in model.layers}
    assert {"TFOpLambda", "SlicingOpLambda"} <= kinds
    for got, want in zip(model.predict(x, verbose=0), ys):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    for path in (tmp_path / "again.h5", tmp_path / "again.keras"):
        model.save(path)
        again = load_model(path, compile=False)
        for got, want in zip(again.predict(x, verbose=0), ys):
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_symbolic_operators_are_saved_as_tf_keras_op_layers(tmp_path):
    inp = Input((4,))
    h = L.Dense(4)(inp)
    out = (2.0 * (L.ReLU(6.0)(h + 3.0) * (1.0 / 6.0)) - 1.0) / 4.0
    model = Model(inp, [out, out[:, 1:3], h[:, None, 0]])
    config = json.loads(model.to_json())["config"]
    ops = [(e["class_name"], e["config"]["function"]) for e in config["layers"]
           if "function" in e["config"]]
    assert ops == [("TFOpLambda", "__operators__.add"), ("TFOpLambda", "math.multiply"),
                   ("TFOpLambda", "math.multiply"), ("TFOpLambda", "math.subtract"),
                   ("TFOpLambda", "math.truediv"),
                   ("SlicingOpLambda", "__operators__.getitem"),
                   ("SlicingOpLambda", "__operators__.getitem")]
    add = next(e for e in config["layers"] if e["config"].get("function") == "__operators__.add")
    # tf-keras' raw node: the single input's ref with the other arguments.
    assert add["inbound_nodes"] == [["dense", 0, 0, {"y": 3.0, "name": None}]]
    assert add["name"].startswith("tf.__operators__.add")
    x = np.random.default_rng(0).normal(size=(3, 4)).astype("float32")
    want = model.predict(x, verbose=0)
    np.testing.assert_allclose(want[1], want[0][:, 1:3])
    model.save(tmp_path / "m.h5")
    again = load_model(tmp_path / "m.h5", compile=False)
    for got, w in zip(again.predict(x, verbose=0), want):
        np.testing.assert_allclose(got, w, rtol=1e-6)
    assert isinstance(again.layers[-1], SlicingOpLambda)


def test_array_operand_and_an_application_round_trip(tmp_path):
    from ckeras import applications
    inp = Input((2, 2, 3))
    model = Model(inp, inp * np.reshape([0.5, 2.0, 4.0], (1, 1, 1, 3)))
    x = np.ones((1, 2, 2, 3), "float32")
    model.save(tmp_path / "scale.h5")
    np.testing.assert_allclose(load_model(tmp_path / "scale.h5", compile=False).predict(
        x, verbose=0)[0, 0, 0], [0.5, 2.0, 4.0])
    net = applications.MobileNetV3Small(input_shape=(32, 32, 3), weights=None,
                                        minimalistic=False)
    images = np.random.default_rng(1).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    want = net.predict(images, verbose=0)
    net.save(tmp_path / "mnv3.h5")
    np.testing.assert_allclose(load_model(tmp_path / "mnv3.h5", compile=False).predict(
        images, verbose=0), want, rtol=1e-5, atol=1e-6)


def test_ops_without_a_tf_keras_form_stay_graph_ops():
    inp = Input((4,))
    out = 1.0 - inp            # a constant first operand of a subtraction
    model = Model(inp, out)
    assert not any(isinstance(layer, TFOpLambda) for layer in model.layers)
    np.testing.assert_allclose(model.predict(np.ones((1, 4), "float32"), verbose=0), 0.0)


def test_unknown_tensorflow_function_is_refused_by_name():
    inp = Input((4,))
    model = Model(inp, L.Dense(2)(inp) + 1.0)
    config = json.loads(model.to_json())
    for entry in config["config"]["layers"]:
        if entry["class_name"] == "TFOpLambda":
            entry["config"]["function"] = "io.write_file"
    with pytest.raises(ValueError, match=r"tf\.io\.write_file, which ckeras has no op for"):
        model_from_json(json.dumps(config))


def _sigmoid(v):
    return 1 / (1 + np.exp(-v))


_X = np.random.default_rng(3).uniform(0.5, 2.0, (2, 1, 3))
_M = np.random.default_rng(4).normal(size=(2, 3, 4))
# (function, positional args, keyword args, NumPy's answer): TensorFlow's
# definitions, for the ops the fixture file does not use.
_OPS = [
    ("math.divide", (_X,), {"y": 2.0}, _X / 2.0),
    ("math.negative", (_X,), {}, -_X),
    ("math.pow", (_X,), {"y": 3.0}, _X ** 3),
    ("math.minimum", (_X,), {"y": 1.0}, np.minimum(_X, 1.0)),
    ("math.abs", (-_X,), {}, _X),
    ("math.sqrt", (_X,), {}, np.sqrt(_X)),
    ("math.rsqrt", (_X,), {}, 1 / np.sqrt(_X)),
    ("math.exp", (_X,), {}, np.exp(_X)),
    ("math.log", (_X,), {}, np.log(_X)),
    ("math.tanh", (_X,), {}, np.tanh(_X)),
    ("math.reduce_sum", (_X,), {"axis": [0, 2]}, _X.sum(axis=(0, 2))),
    ("math.reduce_max", (_X,), {"axis": -1, "keepdims": True}, _X.max(-1, keepdims=True)),
    ("math.reduce_min", (_X,), {}, _X.min()),
    ("nn.relu", (_X - 1,), {}, np.maximum(_X - 1, 0)),
    ("nn.silu", (_X,), {}, _X * _sigmoid(_X)),
    ("nn.softmax", (_X,), {}, np.exp(_X) / np.exp(_X).sum(-1, keepdims=True)),
    ("nn.l2_normalize", (_X,), {"axis": -1},
     _X / np.linalg.norm(_X, axis=-1, keepdims=True)),
    ("expand_dims", (_X,), {"axis": 0}, _X[None]),
    ("squeeze", (_X,), {}, _X[:, 0]),
    ("squeeze", (_X,), {"axis": [1]}, _X[:, 0]),
    ("stack", ([_X, _X],), {"axis": 1}, np.stack([_X, _X], 1)),
    ("cast", (_X,), {"dtype": "int32"}, _X.astype("int32")),
    ("identity", (_X,), {}, _X),
    ("clip_by_value", (_X,), {"clip_value_min": 0.8, "clip_value_max": 1.5},
     np.clip(_X, 0.8, 1.5)),
    ("linalg.matmul", (_M,), {"b": _M, "transpose_b": True}, _M @ _M.transpose(0, 2, 1)),
    ("linalg.matmul", (_M,), {"b": _M, "transpose_a": True}, _M.transpose(0, 2, 1) @ _M),
    ("transpose", (_M,), {}, _M.transpose(2, 1, 0)),
    ("nn.gelu", (_X - 1,), {},
     0.5 * (_X - 1) * (1 + np.vectorize(math.erf)((_X - 1) / math.sqrt(2)))),
]


@pytest.mark.parametrize("function, args, kwargs, want", _OPS,
                         ids=[f"{o[0]}-{i}" for i, o in enumerate(_OPS)])
def test_op_table_follows_tensorflow_definitions(function, args, kwargs, want):
    layer = TFOpLambda(function)
    got = np.asarray(layer(*args, **kwargs))
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-12)
    assert got.shape == np.shape(want)
