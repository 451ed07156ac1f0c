"""Functional configs keep the tensors passed to a layer call as keywords or extra
arguments: RNN `initial_state` (the Keras seq2seq example), an explicit `mask=`,
other tensor arguments (as MultiHeadAttention's `value`/`key`), through
get_config, JSON, YAML and HDF5 (issue #19, item 12). Golden files:
tools/make_fixtures_saving_seq2seq.py (tf-keras 2.21)."""
import json
import os

import numpy as np
import pytest

from ckeras import layers as L
from ckeras.engine.functional import Functional
from ckeras.models import Model, load_model, model_from_json, model_from_yaml

FIX = os.path.join(os.path.dirname(__file__), "..", "fixtures", "saving", "seq2seq")
T_ENC, T_DEC, N_ENC, N_DEC, LATENT = 5, 4, 6, 5, 8   # as in the fixture tool


def _ref(name):
    ref = np.load(os.path.join(FIX, name + ".npz"))

    def group(p):
        return [ref[k] for k in sorted((k for k in ref if k[0] == p), key=lambda k: int(k[1:]))]
    return group("x"), group("y")


def _as_list(y):
    return y if isinstance(y, list) else [y]


# ------------------------------------------------- the fixture tool's models
def seq2seq():
    enc_in = L.Input((None, N_ENC), name="encoder_inputs")
    _, h, c = L.LSTM(LATENT, return_state=True, name="encoder_lstm")(enc_in)
    dec_in = L.Input((None, N_DEC), name="decoder_inputs")
    dec_lstm = L.LSTM(LATENT, return_sequences=True, return_state=True, name="decoder_lstm")
    dec_seq, _, _ = dec_lstm(dec_in, initial_state=[h, c])
    dense = L.Dense(N_DEC, activation="softmax", name="decoder_dense")
    train = Model([enc_in, dec_in], dense(dec_seq), name="seq2seq")
    state_h = L.Input((LATENT,), name="state_h")
    state_c = L.Input((LATENT,), name="state_c")
    seq, h2, c2 = dec_lstm(dec_in, initial_state=[state_h, state_c])
    infer = Model([dec_in, state_h, state_c], [dense(seq), h2, c2], name="seq2seq_decoder")
    return train, infer


def states_and_mask():
    x = L.Input((T_ENC, 3), name="x")
    enc = L.Bidirectional(L.LSTM(4, return_state=True, name="enc"), name="bi_enc")(x)
    y = L.Input((T_DEC, 2), name="y")
    dec = L.Bidirectional(L.LSTM(4, return_sequences=True, name="dec"),
                          name="bi_dec")(y, initial_state=enc[1:])
    h0 = L.Dense(3, activation="tanh", name="h0")(enc[0])
    seq = L.GRU(3, return_sequences=True, name="gru")(dec, initial_state=h0)
    m = L.Input((T_DEC,), dtype="bool", name="m")
    out = L.LSTM(2, name="masked")(seq, mask=m)
    return Model([x, y, m], out, name="states_and_mask")


class Mix(L.Layer):
    """A layer taking a second tensor positionally and a third by keyword."""

    def call(self, inputs, other, bias=None):
        out = inputs * 2.0 + other
        return out if bias is None else out + bias


class Scale(L.Layer):
    """A layer whose (list) input holds a constant array next to a tensor."""

    def call(self, inputs):
        return inputs[0] * inputs[1]


def mixing():
    a = L.Input((3,), name="a")
    b = L.Input((3,), name="b")
    c = L.Input((3,), name="c")
    h = Mix(name="mix")(L.Dense(3, name="da")(a), b, bias=L.Dense(3, name="dc")(c))
    return Model([a, b, c], Scale(name="scale")([h, np.array(3.0, "float32")]), name="mixing")


CUSTOM = {"Mix": Mix, "Scale": Scale}


def _inputs(model, rng):
    out = []
    for t in model.inputs:
        shape = [3 if d is None else d for d in t.shape]
        shape[0] = 3
        if t.dtype == "bool":
            m = np.ones(shape, bool)
            m[0, 2:] = False
            out.append(m)
        else:
            out.append(rng.standard_normal(shape).astype("float32"))
    return out


def _models():
    train, infer = seq2seq()
    return {"seq2seq": train, "seq2seq_decoder": infer, "states_and_mask": states_and_mask(),
            "mixing": mixing()}


# ------------------------------------------------------------------ golden
@pytest.mark.parametrize("name, params", [("tk_seq2seq", 973), ("tk_seq2seq_infer", 493),
                                          ("tk_states_mask", 672)])
def test_tf_keras_files_load_and_predict(name, params):
    xs, ys = _ref(name)
    model = load_model(os.path.join(FIX, name + ".h5"))
    assert model.count_params() == params
    for p, y in zip(_as_list(model.predict(xs)), ys):
        np.testing.assert_allclose(p, y, atol=1e-5)


def test_tf_keras_seq2seq_is_compiled_and_resaves(tmp_path):
    model = load_model(os.path.join(FIX, "tk_seq2seq.h5"))
    assert type(model.optimizer).__name__ == "RMSprop"
    assert int(model.optimizer.iterations) == 1
    model.save(tmp_path / "again.h5")
    again = load_model(tmp_path / "again.h5")
    xs, ys = _ref("tk_seq2seq")
    np.testing.assert_allclose(again.predict(xs), ys[0], atol=1e-5)
    assert again.count_params() == 973


def test_explicit_mask_of_the_golden_file_is_used():
    xs, ys = _ref("tk_states_mask")
    assert not xs[2].all()
    model = load_model(os.path.join(FIX, "tk_states_mask.h5"))
    unmasked = [xs[0], xs[1], np.ones_like(xs[2])]
    assert np.abs(model.predict(unmasked) - ys[0]).max() > 1e-3


def test_node_format_matches_tf_keras_to_json():
    with open(os.path.join(FIX, "tk_seq2seq.to_json.json")) as fh:
        tk = json.load(fh)["config"]
    ck = json.loads(seq2seq()[0].to_json())["config"]
    assert [layer["name"] for layer in ck["layers"]] == [layer["name"] for layer in tk["layers"]]
    for mine, theirs in zip(ck["layers"], tk["layers"]):
        assert mine["inbound_nodes"] == theirs["inbound_nodes"], mine["name"]
    assert ck["input_layers"] == tk["input_layers"]
    assert ck["output_layers"] == tk["output_layers"]


def test_keyword_tensors_are_refs_in_the_config():
    layers = {layer["name"]: layer for layer in states_and_mask().get_config()["layers"]}
    assert layers["masked"]["inbound_nodes"] == [[["gru", 0, 0, {"mask": ["m", 0, 0]}]]]
    assert layers["bi_dec"]["inbound_nodes"] == [[["y", 0, 0, {}]] + [
        ["bi_enc", 0, i, {}] for i in range(1, 5)]]
    assert layers["gru"]["inbound_nodes"] == [[["bi_dec", 0, 0, {}], ["h0", 0, 0, {}]]]
    mix = {layer["name"]: layer for layer in mixing().get_config()["layers"]}
    kwargs = {"other": ["b", 0, 0], "bias": ["dc", 0, 0]}
    assert mix["mix"]["inbound_nodes"] == [[["da", 0, 0, kwargs]]]
    assert mix["scale"]["inbound_nodes"] == [[["mix", 0, 0, {}],
                                              ["_CONSTANT_VALUE", -1, 3.0, {}]]]


def test_tf_keras_style_tensor_kwargs_are_read():
    """The node tf-keras writes for `mha(query, value, key=k)`-like calls."""
    model = mixing()
    cfg = json.loads(json.dumps(model.get_config()))
    rebuilt = Functional.from_config(cfg, custom_objects=CUSTOM)
    node = rebuilt.get_layer("mix")._inbound_nodes[0]
    assert [t._keras_history[0].name for t in node.input_tensors] == ["da", "dc", "b"]
    assert sorted(node.call_kwargs) == ["bias", "other"]


# ------------------------------------------------------------- round trips
def _config_round_trip(model):
    return Functional.from_config(json.loads(json.dumps(model.get_config())),
                                  custom_objects=CUSTOM)


def _json_round_trip(model):
    return model_from_json(model.to_json(), custom_objects=CUSTOM)


def _yaml_round_trip(model):
    return model_from_yaml(model.to_yaml(), custom_objects=CUSTOM)


@pytest.mark.parametrize("route", [_config_round_trip, _json_round_trip, _yaml_round_trip])
@pytest.mark.parametrize("name", ["seq2seq", "seq2seq_decoder", "states_and_mask", "mixing"])
def test_config_round_trip_keeps_every_layer(route, name):
    model = _models()[name]
    clone = route(model)
    assert clone.count_params() == model.count_params()
    assert sorted(lyr.name for lyr in clone.layers) == sorted(lyr.name for lyr in model.layers)
    assert [w.name for w in clone.weights] == [w.name for w in model.weights]
    clone.set_weights(model.get_weights())
    xs = _inputs(model, np.random.default_rng(0))
    for a, b in zip(_as_list(clone.predict(xs)), _as_list(model.predict(xs))):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", ["seq2seq", "seq2seq_decoder", "states_and_mask", "mixing"])
def test_h5_round_trip_keeps_every_layer(tmp_path, name):
    model = _models()[name]
    model.save(tmp_path / "m.h5")
    again = load_model(tmp_path / "m.h5", custom_objects=CUSTOM)
    assert again.count_params() == model.count_params()
    xs = _inputs(model, np.random.default_rng(1))
    for a, b in zip(_as_list(again.predict(xs)), _as_list(model.predict(xs))):
        np.testing.assert_array_equal(a, b)


def test_unnamed_extra_positional_arguments_are_refused():
    class Star(L.Layer):
        def call(self, inputs, *rest):
            return inputs + rest[0]

    a = L.Input((2,), name="a")
    b = L.Input((2,), name="b")
    model = Model([a, b], Star(name="star")(a, b))
    with pytest.raises(ValueError, match=r"Layer star was called with 1 positional "
                                         r"argument\(s\) after its inputs"):
        model.get_config()
