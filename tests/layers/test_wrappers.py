"""Bidirectional's halves as attributes (issue #21 item 3), as tf-keras 2.21 has them."""
import json

import numpy as np
import pytest

from ckeras import layers as L


def test_forward_and_backward_layers_are_copies_of_the_template():
    inner = L.LSTM(2, name="fw", return_sequences=True)
    bi = L.Bidirectional(inner, name="bi")
    assert bi.layer is inner
    fwd, bwd = bi.forward_layer, bi.backward_layer
    assert fwd is not inner and bwd is not inner and fwd is not bwd
    assert (fwd.name, bwd.name) == ("forward_fw", "backward_fw")
    assert (fwd.go_backwards, bwd.go_backwards) == (False, True)
    assert fwd.return_sequences and bwd.return_sequences
    x = np.random.RandomState(0).uniform(-1, 1, (2, 4, 3)).astype("float32")
    y = np.asarray(bi(x))
    assert not inner.built and fwd.built and bwd.built
    # The halves are what runs: the output is [forward(x), reversed backward(x)].
    np.testing.assert_allclose(y[..., :2], np.asarray(fwd(x)), rtol=1e-6)
    np.testing.assert_allclose(y[..., 2:], np.asarray(bwd(x))[:, ::-1], rtol=1e-6)
    assert [w.name for w in bi.weights][:1] == ["bi/forward_fw/lstm_cell/kernel:0"]
    assert bi.weights == fwd.weights + bwd.weights


def test_custom_backward_layer_is_used_and_round_trips_through_config():
    bwd = L.GRU(3, go_backwards=True, name="bw", return_sequences=True)
    bi = L.Bidirectional(L.LSTM(2, name="fw", return_sequences=True), backward_layer=bwd,
                         name="bi")
    assert bi.backward_layer is bwd and bwd.name == "backward_bw"
    x = np.ones((1, 4, 3), np.float32)
    assert np.shape(bi(x)) == (1, 4, 5)
    config = json.loads(json.dumps(bi.get_config()))
    assert config["layer"]["class_name"] == "LSTM"
    assert config["backward_layer"]["class_name"] == "GRU"
    assert config["backward_layer"]["config"]["name"] == "bw"   # the name before the rename
    again = L.Bidirectional.from_config(config)
    assert type(again.backward_layer).__name__ == "GRU"
    assert (again.forward_layer.name, again.backward_layer.name) == ("forward_fw", "backward_bw")
    assert again.backward_layer.units == 3 and again.forward_layer.units == 2
    again(x)
    again.set_weights(bi.get_weights())
    np.testing.assert_allclose(np.asarray(again(x)), np.asarray(bi(x)), rtol=1e-6)


@pytest.mark.parametrize("kwargs,match", [
    ({"go_backwards": False}, "should have different `go_backwards`"),
    ({"return_sequences": False}, "same value for attribute 'return_sequences'"),
])
def test_backward_layer_checks(kwargs, match):
    back = dict(go_backwards=True, return_sequences=True)
    back.update(kwargs)
    with pytest.raises(ValueError, match=match):
        L.Bidirectional(L.LSTM(2, return_sequences=True), backward_layer=L.LSTM(2, **back))
    with pytest.raises(ValueError, match="`backward_layer` need to be"):
        L.Bidirectional(L.LSTM(2), backward_layer=L.Dense(2))
