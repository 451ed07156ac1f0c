"""GradientTape against tf.GradientTape (tests/fixtures/tape, made by
tools/make_fixtures_tape.py with real tf-keras 2.21)."""
import pathlib

import numpy as np
import pytest

import ckeras
from ckeras import losses, optimizers
from ckeras.layers import Dense, Input
from ckeras.models import Model, Sequential
from ckeras.testing import Golden

TAPE = Golden(pathlib.Path(__file__).parents[1] / "fixtures", "tape")


def _build(name):
    if name.startswith("mlp"):
        return Sequential([Dense(5, activation="tanh", input_shape=(3,)), Dense(2)])
    inp = Input(shape=(4,))
    return Model(inp, Dense(3, activation="softmax")(Dense(6, activation="relu")(inp)))


@pytest.mark.parametrize("name", TAPE.names())
def test_tape_gradients_match_tf(name):
    case = TAPE.load(name)
    model = _build(name)
    model.set_weights(case.ws)
    x, y = case.xs
    loss_fn = losses.get(case.case["loss"])
    xt = ckeras.convert_to_tensor(x)
    with ckeras.GradientTape() as tape:
        tape.watch(xt)
        loss = ckeras.backend.mean(loss_fn(y, model(xt, training=True)))
    grads = tape.gradient(loss, model.trainable_weights + [xt])
    np.testing.assert_allclose(float(loss), case.ys[0], rtol=1e-6)
    assert len(grads) == len(case.ys) - 1
    for got, want in zip(grads, case.ys[1:]):
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=1e-6)


@pytest.mark.parametrize("name", TAPE.names(steps=3))
def test_custom_loop_steps_match_tf(name):
    case = TAPE.load(name)
    model = _build(name)
    model.set_weights(case.ws)
    x, y = case.xs
    loss_fn = losses.get(case.case["loss"])
    opt = getattr(optimizers, case.case["optimizer"])(**case.case["optimizer_kwargs"])
    for _ in range(case.case["steps"]):
        with ckeras.GradientTape() as tape:
            loss = ckeras.backend.mean(loss_fn(y, model(x, training=True)))
        grads = tape.gradient(loss, model.trainable_weights)
        opt.apply_gradients(zip(grads, model.trainable_weights))
    after = [case.arrays[f"t{i}"] for i in range(len(case.ws))]
    for got, want in zip(model.get_weights(), after):
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-6)
