"""Multi-output compile/fit/evaluate with loss, target, sample-weight and
loss-weight dicts that name only some outputs (tf-keras golden values)."""
import pathlib

import numpy as np

from ckeras import layers as L
from ckeras import optimizers
from ckeras.models import Model
from ckeras.testing import Golden, numbered

GOLDEN = Golden(pathlib.Path(__file__).resolve().parents[1] / "fixtures", "custom_training")



def _check(got, want):
    assert list(got) == list(want)
    for key, value in want.items():
        np.testing.assert_allclose(got[key], value, rtol=1e-5, atol=1e-6, err_msg=key)


def test_dicts_naming_some_outputs_match_tf_keras():
    case, *_, a = GOLDEN.load("partial_output_dicts")
    want = case["results"]
    inp = L.Input((3,))
    model = Model(inp, [L.Dense(1, name="a")(inp), L.Dense(2, name="b")(inp)])
    model.set_weights(numbered(a, "w"))
    x, ya, yb, swa = a["x0"], a["x1"], a["x2"], a["x3"]
    model.compile("sgd", loss={"a": "mse"}, metrics={"b": "mae"})
    # A metric whose output has no target is never updated: 0.0, as tf-keras.
    _check(model.evaluate(x, {"a": ya}, verbose=0, return_dict=True), want["a_only_y_a"])
    _check(model.evaluate(x, {"a": ya, "b": yb}, verbose=0, return_dict=True),
           want["a_only_y_ab"])
    _check(model.evaluate(x, {"a": ya, "b": yb}, sample_weight={"a": swa}, verbose=0,
                          return_dict=True), want["a_only_sw_a"])
    model.compile("sgd", loss={"a": "mse", "b": "mae"}, loss_weights={"a": 2.0})
    _check(model.evaluate(x, {"a": ya, "b": yb}, verbose=0, return_dict=True),
           want["both_weight_a"])
    # A loss whose output has no target is left out of the total.
    _check(model.evaluate(x, {"a": ya}, verbose=0, return_dict=True), want["both_y_a"])
    model.compile(optimizers.SGD(0.1), loss=["mse", None])
    _check(model.evaluate(x, [ya, yb], verbose=0, return_dict=True), want["list_none"])
    hist = model.fit(x, {"a": ya}, batch_size=3, epochs=2, shuffle=False, verbose=0)
    _check({k: v for k, v in hist.history.items()}, case["history"])
    for got, w in zip(model.get_weights(), numbered(a, "final_w"), strict=True):
        np.testing.assert_allclose(got, w, rtol=1e-5, atol=1e-6)


def test_validation_split_with_a_partial_target_dict():
    inp = L.Input((3,))
    model = Model(inp, [L.Dense(1, name="a")(inp), L.Dense(2, name="b")(inp)])
    model.compile("sgd", loss={"a": "mse"})
    x = np.ones((8, 3), "float32")
    hist = model.fit(x, {"a": np.ones((8, 1), "float32")}, validation_split=0.25,
                     epochs=1, verbose=0)
    assert sorted(hist.history) == ["a_loss", "loss", "val_a_loss", "val_loss"]
