"""AdamW, Lion and Adafactor against golden tf-keras 2.21 fixtures (tests/fixtures/optloss,
written by tools/make_fixtures_optloss.py): three training steps of the fixture model,
free variables of rank 0-3 (Adafactor's factored moments), state names/order, configs,
serialization and argument errors."""
import json
import os

import numpy as np
import pytest
from mlp_grads import mse_grads

from ckeras import optimizers
from ckeras.autograd import Variable

FIX = os.path.join(os.path.dirname(__file__), "..", "fixtures", "optloss")
ALL = json.load(open(os.path.join(FIX, "cases.json")))
CASES = [c for c in ALL if c["kind"] == "optimizer"]
RAW = [c for c in ALL if c["kind"] == "optimizer_raw"]
RTOL, ATOL = 1e-5, 1e-6


def _data(name):
    return np.load(os.path.join(FIX, name + ".npz"))



def _make(case):
    opt = getattr(optimizers, case["class"])(**case["kwargs"])
    if case.get("exclude_var_names"):
        opt.exclude_from_weight_decay(var_names=case["exclude_var_names"])
    return opt


def _variables(case, data, dtype="float32"):
    return [Variable(data["w_init_%d" % i].astype(dtype), name=n)
            for i, n in enumerate(case["weight_names"])]


def _step(opt, variables, data):
    loss, grads = mse_grads([v.value for v in variables], data["x"].astype(variables[0].dtype),
                             data["y"].astype(variables[0].dtype))
    opt.apply_gradients(zip(grads, variables))
    return loss


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_training_steps_match_tf_keras(case):
    data = _data(case["name"])
    opt = _make(case)
    variables = _variables(case, data)
    for step in range(1, case["steps"] + 1):
        loss = _step(opt, variables, data)
        np.testing.assert_allclose(loss, data["loss"][step - 1], rtol=RTOL, atol=ATOL)
        for i, v in enumerate(variables):
            assert v.dtype == np.float32
            np.testing.assert_allclose(v.numpy(), data["w_step%d_%d" % (step, i)],
                                       rtol=RTOL, atol=ATOL)
    assert [v.name for v in opt.variables] == case["optimizer_variables"]
    weights = opt.get_weights()
    assert [list(w.shape) for w in weights] == case["optimizer_variable_shapes"]
    assert [str(w.dtype) for w in weights] == case["optimizer_variable_dtypes"]
    for i, w in enumerate(weights):
        np.testing.assert_allclose(w, data["opt_%d" % i], rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("case", RAW, ids=[c["name"] for c in RAW])
def test_free_variables_of_every_rank_match_tf_keras(case):
    data = _data(case["name"])
    opt = getattr(optimizers, case["class"])(**case["kwargs"])
    variables = [Variable(data["w_init_%d" % i], name=n)
                 for i, n in enumerate(case["weight_names"])]
    for step in range(1, case["steps"] + 1):
        grads = [data["g_step%d_%d" % (step, i)] for i in range(len(variables))]
        opt.apply_gradients(zip(grads, variables))
        for i, v in enumerate(variables):
            np.testing.assert_allclose(v.numpy(), data["w_step%d_%d" % (step, i)],
                                       rtol=RTOL, atol=ATOL)
    assert [v.name for v in opt.variables] == case["optimizer_variables"]
    assert [list(w.shape) for w in opt.get_weights()] == case["optimizer_variable_shapes"]
    for i, w in enumerate(opt.get_weights()):
        np.testing.assert_allclose(w, data["opt_%d" % i], rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_config_and_serialization_match_tf_keras(case):
    opt = _make(case)
    assert opt.get_config() == case["config"]
    legacy = optimizers.serialize(opt, use_legacy_format=True)
    assert legacy == case["serialized_legacy_format"]
    assert optimizers.serialize(opt) == case["serialized"]
    for form in (legacy, optimizers.serialize(opt), case["serialized"]):
        again = optimizers.deserialize(form)
        assert type(again) is type(opt) and again.get_config() == case["config"]
    assert type(opt).from_config(opt.get_config()).get_config() == case["config"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_restored_state_continues_exactly(case):
    data = _data(case["name"])
    a = _make(case)
    va = _variables(case, data)
    _step(a, va, data)
    _step(a, va, data)
    b = _make(case)
    vb = [Variable(v.numpy(), name=v.name) for v in va]
    b.build(vb)
    b.set_weights(a.get_weights())
    _step(a, va, data)
    _step(b, vb, data)
    for x, y in zip(va, vb):
        np.testing.assert_array_equal(x.numpy(), y.numpy())


@pytest.mark.parametrize("case", [c for c in CASES if c["name"].endswith("_default")],
                         ids=lambda c: c["name"])
def test_float64_variables_stay_float64(case):
    data = _data(case["name"])
    opt = _make(case)
    variables = _variables(case, data, "float64")
    for step in range(1, case["steps"] + 1):
        _step(opt, variables, data)
        for i, v in enumerate(variables):
            assert v.dtype == np.float64
            np.testing.assert_allclose(v.numpy(), data["w_step%d_%d" % (step, i)],
                                       rtol=1e-4, atol=1e-5)
    assert all(w.dtype == np.float64 for w in opt.get_weights()[1:])


@pytest.mark.parametrize("name, cls", [("adamw", optimizers.AdamW), ("AdamW", optimizers.AdamW),
                                       ("lion", optimizers.Lion),
                                       ("adafactor", optimizers.Adafactor),
                                       ("Custom>Lion", optimizers.Lion)])
def test_get_by_name(name, cls):
    assert type(optimizers.get(name)) is cls
    assert type(optimizers.get(name, use_legacy_optimizer=True)) is cls


def test_defaults_as_tf_keras():
    assert optimizers.AdamW().weight_decay == 0.004
    assert optimizers.AdamW().learning_rate == pytest.approx(0.001)
    assert optimizers.Lion().learning_rate == pytest.approx(1e-4)
    cfg = optimizers.Adafactor().get_config()
    assert (cfg["beta_2_decay"], cfg["epsilon_1"], cfg["epsilon_2"], cfg["clip_threshold"],
            cfg["relative_step"]) == (-0.8, 1e-30, 1e-3, 1.0, True)


def test_adamw_excluded_variable_gets_plain_adam_update():
    g = np.array([0.5, -0.25], "float32")
    w_adam = Variable(np.array([1.0, 2.0], "float32"), name="dense/bias:0")
    w_adamw = Variable(np.array([1.0, 2.0], "float32"), name="dense/bias:0")
    optimizers.Adam(0.1).apply_gradients([(g, w_adam)])
    opt = optimizers.AdamW(0.1, weight_decay=0.5)
    opt.exclude_from_weight_decay(var_names=["bias"])
    opt.apply_gradients([(g, w_adamw)])
    np.testing.assert_array_equal(w_adam.numpy(), w_adamw.numpy())
    decayed = Variable(np.array([1.0, 2.0], "float32"), name="dense/kernel:0")
    optimizers.AdamW(0.1, weight_decay=0.5).apply_gradients([(g, decayed)])
    # decoupled decay: w * (1 - lr * wd) before the Adam step
    np.testing.assert_allclose(decayed.numpy(), w_adam.numpy() - np.array([0.05, 0.1]),
                               rtol=1e-6)


def test_bad_arguments_raise_as_tf_keras():
    with pytest.raises(ValueError, match="weight_decay"):
        optimizers.AdamW(weight_decay=None)
    for beta_1 in (0, -0.1, 1.5):
        with pytest.raises(ValueError, match="beta_1"):
            optimizers.Lion(beta_1=beta_1)
    with pytest.raises(TypeError, match="bogus"):
        optimizers.Adafactor(bogus=1)
    with pytest.raises(ValueError, match="clipnorm"):
        optimizers.Lion(clipnorm=1.0, global_clipnorm=1.0)


H5 = [c for c in ALL if c["kind"] == "h5"]


@pytest.mark.parametrize("case", H5, ids=[c["name"] for c in H5])
def test_h5_written_by_tf_keras_loads_and_continues_training(case, tmp_path):
    from ckeras.models import load_model

    data = _data(case["name"])
    model = load_model(os.path.join(FIX, case["file"]))
    opt = model.optimizer
    assert type(opt) is getattr(optimizers, case["class"])
    assert int(opt.iterations) == 2
    assert type(model.loss).__name__ == "BinaryFocalCrossentropy" and model.loss.gamma == 1.0
    # saved again by ckeras, loaded again: the same state
    path = str(tmp_path / "again.h5")
    model.save(path)
    again = load_model(path)
    assert type(again.optimizer) is type(opt)
    assert [v.name for v in again.optimizer.variables] == [v.name for v in opt.variables]
    for a, b in zip(again.optimizer.get_weights(), opt.get_weights()):
        np.testing.assert_array_equal(a, b)
    for m in (model, again):
        loss = float(m.train_on_batch(data["x"], data["y"]))
        np.testing.assert_allclose(loss, data["loss_next"], rtol=RTOL, atol=ATOL)
        for i, w in enumerate(m.get_weights()):
            np.testing.assert_allclose(w, data["w_next_%d" % i], rtol=RTOL, atol=ATOL)
