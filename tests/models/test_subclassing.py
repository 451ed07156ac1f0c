"""Subclassed models and custom layers that nest layers: tracking, building,
fit/evaluate/predict, summary, weights files, and tf-keras golden training."""
import pathlib

import numpy as np
import pytest

from ckeras import backend as K
from ckeras import layers as L
from ckeras import optimizers
from ckeras.autograd import Variable
from ckeras.models import Model, Sequential
from ckeras.testing import Golden, numbered

GOLDEN = Golden(pathlib.Path(__file__).resolve().parents[1] / "fixtures", "custom_training")


class Tracked(Model):
    """Layers in a list (appended after assignment), a dict and attributes
    (the model of tools/make_fixtures_custom_training.py)."""

    def __init__(self):
        super().__init__()
        self.blocks = []
        self.branches = {"b": L.Dense(3, name="branch_b"), "a": L.Dense(3, name="branch_a")}
        self.first = L.Dense(4, activation="tanh", name="first")
        self.blocks.append(L.Dense(2, activation="relu", name="block"))
        self.head = L.Dense(1, name="head")

    def call(self, x, training=None):
        h = self.first(x)
        h = self.branches["a"](h) + self.branches["b"](h)
        return self.head(self.blocks[0](h))


class Mlp(Model):
    def __init__(self, units=4, **kwargs):
        super().__init__(**kwargs)
        self.hidden = L.Dense(units, activation="relu")
        self.out = L.Dense(1)

    def call(self, x, training=None):
        return self.out(self.hidden(x))



def _data(n=8, d=5, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)).astype("float32"), \
        rng.standard_normal((n, 1)).astype("float32")


def test_layers_are_tracked_in_assignment_order_as_tf_keras():
    case, *_, a = GOLDEN.load("subclass_default_fit")
    model = Tracked()
    assert [layer.name for layer in model.layers] == case["layers"]
    assert not model.built
    model(a["x0"][:1])
    assert model.built
    assert [list(w.shape) for w in model.get_weights()] == case["weight_shapes"]


def test_subclass_with_default_train_step_matches_tf_keras():
    case, *_, a = GOLDEN.load("subclass_default_fit")
    model = Tracked()
    model(a["x0"][:1])
    model.set_weights(numbered(a, "w"))
    model.compile(optimizers.Adam(0.05), "mse", metrics=["mae"])
    hist = model.fit(a["x0"], a["x1"], batch_size=4, epochs=2, shuffle=False, verbose=0)
    for key, values in case["history"].items():
        np.testing.assert_allclose(hist.history[key], values, rtol=1e-5, atol=1e-6)
    for got, want in zip(model.get_weights(), numbered(a, "final_w"), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)   # Adam in float32
    np.testing.assert_allclose(model.evaluate(a["x0"], a["x1"], verbose=0), case["evaluate"],
                               rtol=1e-5)
    assert model.metrics_names == ["loss", "mae"]


def test_fit_builds_an_unbuilt_subclassed_model_and_predict_matches_call():
    x, y = _data()
    model = Mlp()
    model.compile("sgd", "mse")
    assert model.metrics == [] and not model.built
    model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    assert model.built and len(model.weights) == 4
    np.testing.assert_allclose(model.predict(x, batch_size=3), model(x).numpy(), rtol=1e-6)
    np.testing.assert_allclose(model.predict_on_batch(x), model(x).numpy(), rtol=1e-6)


def test_reassigned_and_deleted_attributes_stop_being_tracked():
    model = Mlp()
    old = model.hidden
    model.hidden = L.Dense(3)
    assert old not in model.layers and model.hidden in model.layers
    alias = model.out
    model.also = alias
    del model.out
    assert alias in model.layers          # still held by `also`
    del model.also
    assert alias not in model.layers


def test_custom_layer_tracks_nested_layers_variables_and_containers():
    class Block(L.Layer):
        def __init__(self):
            super().__init__()
            self.parts = [L.Dense(2), {"scale": L.Dense(2, use_bias=False)}]
            self.offset = Variable(np.zeros(2, "float32"), name="offset")
            self.frozen = Variable(np.ones(2, "float32"), trainable=False, name="frozen")

        def call(self, x):
            return self.parts[1]["scale"](self.parts[0](x)) + self.offset * self.frozen

    block = Block()
    out = block(np.ones((3, 4), "float32"))
    assert out.shape == (3, 2)
    # tf-keras 2.21's order (checked there): trainable first, own before the
    # sub-layers'; then the non-trainable ones. A frozen layer lists its own
    # weights first.
    names = [w.name.split("/")[-1] for w in block.weights]
    assert names == ["offset", "kernel:0", "bias:0", "kernel:0", "frozen"]
    assert len(block.trainable_weights) == 4
    assert [w.name for w in block.non_trainable_weights] == ["frozen"]
    block.trainable = False
    names = [w.name.split("/")[-1] for w in block.weights]
    assert names == ["offset", "frozen", "kernel:0", "bias:0", "kernel:0"]


def test_model_lists_each_layer_then_its_own_weights_trainable_first():
    class M(Model):
        def __init__(self):
            super().__init__()
            self.d = L.Dense(2)
            self.bn = L.BatchNormalization()

        def build(self, shape):
            self.own = self.add_weight("own", shape=(2,), trainable=False)
            self.own2 = self.add_weight("own2", shape=(2,))

        def call(self, x):
            return self.bn(self.d(x)) + self.own + self.own2

    m = M()
    m(np.ones((3, 4), "float32"))
    names = [w.name.split("/")[-1].split(":")[0] for w in m.weights]
    assert names == ["kernel", "bias", "gamma", "beta", "moving_mean", "moving_variance",
                     "own2", "own"]


def test_build_with_a_shape_creates_the_weights_and_count_params():
    model = Mlp(units=3)
    with pytest.raises(ValueError, match="isn't built"):
        model.count_params()
    model.build((None, 5))
    assert model.built and model.count_params() == 5 * 3 + 3 + 3 + 1
    # No graph bookkeeping is left behind by building.
    assert model.hidden._inbound_nodes == []


def test_build_that_cannot_run_names_the_model():
    class NeedsTwo(Model):
        def __init__(self):
            super().__init__(name="needs_two")
            self.d = L.Dense(1)

        def call(self, inputs):
            a, b = inputs
            return self.d(a + b)

    with pytest.raises(ValueError, match="needs_two"):
        NeedsTwo().build((None, 3))


def test_summary_needs_a_built_model_then_lists_the_layers():
    model = Mlp()
    with pytest.raises(ValueError, match="has not yet been built"):
        model.summary()
    model(np.zeros((1, 5), "float32"))
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "multiple" in text and "Total params: 29" in text


def test_save_weights_load_weights_round_trip_and_unbuilt_load_error(tmp_path):
    x, _ = _data()
    a = Mlp()
    a(x)
    a.save_weights(tmp_path / "w.h5")
    b = Mlp()
    with pytest.raises(ValueError, match="has not created its variables yet"):
        b.load_weights(tmp_path / "w.h5")
    b(x)
    b.load_weights(tmp_path / "w.h5")
    np.testing.assert_array_equal(b.predict(x), a.predict(x))


def test_whole_model_h5_save_refuses_subclassed_models_and_keeps_the_file(tmp_path):
    model = Mlp()
    model(np.zeros((1, 5), "float32"))
    path = tmp_path / "m.h5"
    path.write_bytes(b"previous")
    with pytest.raises(NotImplementedError, match="subclassed models"):
        model.save(path)
    assert path.read_bytes() == b"previous"


def test_dict_and_tuple_inputs_and_dict_outputs_reach_call_as_given():
    seen = []

    class TwoHeads(Model):
        def __init__(self):
            super().__init__()
            self.a = L.Dense(1)
            self.b = L.Dense(2)

        def call(self, inputs):
            seen.append(type(inputs).__name__)
            h = K.concatenate([inputs["left"], inputs["right"]], axis=-1)
            return {"score": self.a(h), "probs": self.b(h)}

    rng = np.random.default_rng(1)
    x = {"left": rng.standard_normal((6, 2)).astype("float32"),
         "right": rng.standard_normal((6, 3)).astype("float32")}
    y = {"score": np.zeros((6, 1), "float32"), "probs": np.zeros((6, 2), "float32")}
    model = TwoHeads()
    model.compile("sgd", {"score": "mse", "probs": "mae"}, loss_weights={"score": 2.0,
                                                                        "probs": 1.0})
    hist = model.fit(x, y, batch_size=3, epochs=1, verbose=0)
    assert set(hist.history) == {"loss", "probs_loss", "score_loss"}
    h = hist.history
    # The logged loss is the weighted sum of the per-output means.
    np.testing.assert_allclose(h["loss"][0], 2 * h["score_loss"][0] + h["probs_loss"][0],
                               rtol=1e-5)
    pred = model.predict(x, batch_size=4)
    assert set(pred) == {"score", "probs"} and pred["probs"].shape == (6, 2)
    assert seen and all(s == "dict" for s in seen)


def test_functional_subclass_gets_a_custom_step_and_stays_functional():
    calls = []

    class Logged(Model):
        def train_step(self, data):
            calls.append(type(data).__name__)
            return super().train_step(data)

    inp = L.Input((5,))
    model = Logged(inp, L.Dense(1)(inp), name="logged")
    assert isinstance(model, Logged) and type(model).__name__ == "Logged"
    assert model.name == "logged" and model.output_shape == (None, 1)
    x, y = _data()
    model.compile("sgd", "mse")
    hist = model.fit(x, y, batch_size=4, epochs=2, verbose=0)
    assert calls == ["tuple"] * 4 and len(hist.history["loss"]) == 2
    # Its config round-trips like any functional model's.
    config = model.get_config()
    assert [entry["class_name"] for entry in config["layers"]] == ["InputLayer", "Dense"]


def test_a_subclassed_model_nests_in_a_functional_model():
    x, y = _data()
    sub = Mlp()
    inp = L.Input((5,))
    outer = Model(inp, L.Dense(1)(sub(inp)))
    assert sub in outer.layers and len(outer.weights) == 6
    outer.compile("sgd", "mse")
    before = [w.copy() for w in sub.get_weights()]
    outer.fit(x, y, epochs=1, verbose=0)
    assert any(not np.array_equal(b, w) for b, w in zip(before, sub.get_weights()))


def test_nested_subclassed_models_share_losses_and_weights_once():
    shared = L.Dense(2, kernel_regularizer="l2")

    class Pair(Model):
        def __init__(self):
            super().__init__()
            self.left = Sequential([shared])
            self.right = shared

        def call(self, x):
            return self.left(x) + self.right(x)

    model = Pair()
    model(np.ones((2, 3), "float32"))
    assert len(model.weights) == 2
    assert len(model.losses) == 1     # the shared layer's penalty, counted once
