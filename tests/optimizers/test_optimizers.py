"""Optimizers against golden tf-keras 2.21 fixtures, plus state, config and error checks.

The fixture model is Sequential([Dense(4, input_shape=(3,)), Dense(2)]) with
loss='mse', trained with train_on_batch twice; its gradients are computed here
in NumPy, so these tests depend only on ckeras.optimizers and Variable.
"""
import json
import os

import numpy as np
import pytest
from mlp_grads import mse_grads

from ckeras import optimizers
from ckeras.autograd import Variable
from ckeras.optimizers import schedules

FIX = os.path.join(os.path.dirname(__file__), "..", "fixtures", "training")
CASES = [c for c in json.load(open(os.path.join(FIX, "cases.json")))
         if c["kind"] == "optimizer"]
RTOL, ATOL = 1e-5, 1e-6


def _data(name):
    return np.load(os.path.join(FIX, name + ".npz"))



def _variables(case, data, dtype="float32"):
    return [Variable(data["w_init_%d" % i].astype(dtype), name=n)
            for i, n in enumerate(case["weight_names"])]


def _make(case):
    module = optimizers.legacy if case["implementation"] == "legacy" else optimizers
    return getattr(module, case["class"])(**case["kwargs"])


def _step(opt, variables, data):
    loss, grads = mse_grads([v.value for v in variables], data["x"].astype(variables[0].dtype),
                             data["y"].astype(variables[0].dtype))
    opt.apply_gradients(zip(grads, variables))
    return loss


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_two_steps_match_tf_keras(case):
    data = _data(case["name"])
    opt = _make(case)
    variables = _variables(case, data)
    for step in (1, 2):
        loss = _step(opt, variables, data)
        np.testing.assert_allclose(loss, data["loss"][step - 1], rtol=RTOL, atol=ATOL)
        for i, v in enumerate(variables):
            assert v.dtype == np.float32
            np.testing.assert_allclose(v.numpy(), data["w_step%d_%d" % (step, i)],
                                       rtol=RTOL, atol=ATOL)
    assert [v.name for v in opt.variables()] == case["optimizer_variables"]
    assert [list(w.shape) for w in opt.get_weights()] == case["optimizer_variable_shapes"]
    weights = opt.get_weights()
    assert weights[0].dtype == np.int64 and int(weights[0]) == 2
    for i, w in enumerate(weights):
        np.testing.assert_allclose(w, data["opt_%d" % i], rtol=RTOL, atol=ATOL)
    assert int(opt.iterations) == 2 and opt.iterations.numpy() == 2


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_get_config_matches_tf_keras_and_round_trips(case):
    opt = _make(case)
    assert opt.get_config() == case["config"]
    clone = type(opt).from_config(opt.get_config())
    assert type(clone) is type(opt) and clone.get_config() == case["config"]
    # deserialize picks the same implementation (new / legacy) back.
    for fmt in (True, False):
        again = optimizers.deserialize(optimizers.serialize(opt, use_legacy_format=fmt))
        assert type(again) is type(opt)
        assert again.get_config() == case["config"]


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
    for x, y in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("case", [c for c in CASES if not c["kwargs"]],
                         ids=[c["name"] for c in CASES if not c["kwargs"]])
def test_float64_variables_stay_float64(case):
    data = _data(case["name"])
    opt = _make(case)
    variables = _variables(case, data, "float64")
    for step in (1, 2):
        _step(opt, variables, data)
        for i, v in enumerate(variables):
            assert v.dtype == np.float64
            np.testing.assert_allclose(v.numpy(), data["w_step%d_%d" % (step, i)],
                                       rtol=1e-4, atol=1e-5)
    assert all(w.dtype == np.float64 for w in opt.get_weights()[1:])


ALL_CLASSES = [getattr(optimizers, n) for n in
               ("SGD", "RMSprop", "Adagrad", "Adadelta", "Adam", "Adamax", "Nadam", "Ftrl")]
ALL_CLASSES += [getattr(optimizers.legacy, c.__name__) for c in ALL_CLASSES]


@pytest.mark.parametrize("cls", ALL_CLASSES,
                         ids=[("legacy." if c._is_legacy else "") + c.__name__
                              for c in ALL_CLASSES])
def test_config_round_trip_with_non_default_values(cls):
    kwargs = dict(learning_rate=0.05, clipvalue=0.3, name="custom")
    if cls.__name__ == "Nadam" and cls._is_legacy:
        kwargs["schedule_decay"] = 0.01
    else:
        kwargs["decay"] = 0.01
    opt = cls(**kwargs)
    config = opt.get_config()
    assert config["name"] == "custom" and config["clipvalue"] == 0.3
    assert config["decay"] == 0.01
    clone = cls.from_config(config)
    assert clone.get_config() == config
    # a schedule round-trips as {'class_name', 'config'}
    if not (cls.__name__ == "Nadam" and cls._is_legacy):
        sched = schedules.ExponentialDecay(0.1, 10, 0.5)
        opt = cls(learning_rate=sched)
        config = opt.get_config()
        assert config["learning_rate"] == {"class_name": "ExponentialDecay",
                                           "config": sched.get_config()}
        clone = cls.from_config(config)
        assert isinstance(clone._learning_rate, schedules.ExponentialDecay)
        assert clone.get_config() == config


# ---------------------------------------------------------------- clipping
def _one_step(opt, grads, values):
    variables = [Variable(np.array(v, "float32")) for v in values]
    opt.apply_gradients(zip([np.array(g, "float32") for g in grads], variables))
    return [v.numpy() for v in variables]


def test_clipnorm_is_per_tensor_and_global_clipnorm_is_joint():
    grads = [[3.0, 4.0], [0.0, 0.3]]         # norms 5 and 0.3, joint 5.009
    w = _one_step(optimizers.SGD(1.0, clipnorm=1.0), grads, [[0, 0], [0, 0]])
    np.testing.assert_allclose(w[0], [-0.6, -0.8], rtol=1e-6)
    np.testing.assert_allclose(w[1], [0.0, -0.3], rtol=1e-6)
    w = _one_step(optimizers.SGD(1.0, global_clipnorm=1.0), grads, [[0, 0], [0, 0]])
    scale = 1.0 / np.sqrt(25.09)
    np.testing.assert_allclose(w[0], [-3 * scale, -4 * scale], rtol=1e-6)
    np.testing.assert_allclose(w[1], [0.0, -0.3 * scale], rtol=1e-6)
    w = _one_step(optimizers.SGD(1.0, clipvalue=0.5), grads, [[0, 0], [0, 0]])
    np.testing.assert_allclose(w[0], [-0.5, -0.5])
    np.testing.assert_allclose(w[1], [0.0, -0.3], rtol=1e-6)


def test_clipping_order_new_vs_legacy():
    grads = [[3.0, 4.0]]
    # new: clipnorm wins, clipvalue is not applied on top.
    w = _one_step(optimizers.SGD(1.0, clipnorm=1.0, clipvalue=0.7), grads, [[0, 0]])
    np.testing.assert_allclose(w[0], [-0.6, -0.8], rtol=1e-6)
    # legacy: clipvalue first ([0.7, 0.7], norm 0.99 < 1), then clipnorm.
    w = _one_step(optimizers.legacy.SGD(1.0, clipnorm=1.0, clipvalue=0.7), grads, [[0, 0]])
    np.testing.assert_allclose(w[0], [-0.7, -0.7], rtol=1e-6)


def test_caller_gradients_are_not_modified():
    g = np.array([3.0, 4.0], "float32")
    v = Variable(np.zeros(2, "float32"))
    optimizers.Adam(clipnorm=1.0).apply_gradients([(g, v)])
    optimizers.SGD(clipvalue=1.0).apply_gradients([(g, v)])
    np.testing.assert_array_equal(g, [3.0, 4.0])


# ------------------------------------------------------------- constraints
def test_constraint_applied_after_update():
    v = Variable(np.array([0.5, -0.5, 2.0], "float32"), constraint=lambda w: np.clip(w, -1, 1))
    optimizers.SGD(1.0).apply_gradients([(np.array([-1.0, 1.0, 0.0], "float32"), v)])
    np.testing.assert_array_equal(v.numpy(), [1.0, -1.0, 1.0])


def test_keras_constraint_object():
    from ckeras import constraints
    v = Variable(np.array([[3.0, 0.0], [4.0, 1.0]], "float32"),
                 constraint=constraints.MaxNorm(1.0))
    optimizers.SGD(0.0).apply_gradients([(np.zeros((2, 2), "float32"), v)])
    np.testing.assert_allclose(np.linalg.norm(v.numpy(), axis=0), [1.0, 1.0], rtol=1e-5)


# ------------------------------------------------------- learning rate / lr
def test_lr_alias_read_write():
    opt = optimizers.SGD(lr=0.5)
    assert opt.learning_rate == 0.5 and opt.lr == 0.5
    opt.lr = 0.25
    assert opt.learning_rate == 0.25
    opt.learning_rate = np.float32(0.125)
    assert opt.lr == 0.125
    v = Variable(np.zeros(1, "float32"))
    opt.apply_gradients([(np.ones(1, "float32"), v)])
    np.testing.assert_allclose(v.numpy(), [-0.125])
    opt.lr = Variable(np.array(2.0))      # tensors are read as floats
    assert opt.lr == 2.0


def test_schedule_driven_optimizer():
    sched = schedules.PiecewiseConstantDecay([1], [1.0, 0.5])
    opt = optimizers.SGD(learning_rate=sched)
    assert opt.lr == 1.0
    v = Variable(np.zeros(1, "float32"))
    for _ in range(3):
        opt.apply_gradients([(np.ones(1, "float32"), v)])
    # steps 0, 1 use 1.0 (step <= boundary), step 2 uses 0.5
    np.testing.assert_allclose(v.numpy(), [-2.5])
    assert opt.lr == 0.5      # the rate of the most recent update
    with pytest.raises(TypeError, match="LearningRateSchedule"):
        opt.lr = 0.1
    opt.learning_rate = schedules.ExponentialDecay(1.0, 1, 0.5)   # a schedule may replace it


def test_decay_kwarg():
    opt = optimizers.SGD(learning_rate=1.0, decay=1.0)
    v = Variable(np.zeros(1, "float32"))
    for _ in range(3):
        opt.apply_gradients([(np.ones(1, "float32"), v)])
    np.testing.assert_allclose(v.numpy(), [-(1 + 1 / 2 + 1 / 3)], rtol=1e-6)
    legacy = optimizers.legacy.Adam(lr=0.01, decay=0.5)
    assert legacy.get_config()["decay"] == 0.5 and legacy.learning_rate == 0.01


def test_weight_decay_and_ema():
    opt = optimizers.SGD(1.0, weight_decay=0.004)
    a, b = Variable(np.array(2.0, "float32"), name="a"), Variable(np.array(2.0, "float32"),
                                                                     name="b")
    opt.exclude_from_weight_decay(var_names=["b"])
    opt.apply_gradients([(np.zeros((), "float32"), a), (np.zeros((), "float32"), b)])
    np.testing.assert_allclose([a.numpy(), b.numpy()], [1.992, 2.0], rtol=1e-6)
    # tf-keras' EMA docstring example: overwrite every 3 steps.
    opt = optimizers.SGD(1.0, use_ema=True, ema_momentum=0.5, ema_overwrite_frequency=3)
    v = Variable(np.array(2.0, "float32"), name="v")
    for expected in (1.0, 0.0, -0.125):
        opt.apply_gradients([(np.ones((), "float32"), v)])
        np.testing.assert_allclose(v.numpy(), expected, rtol=1e-6)
    assert [x.name for x in opt.variables()] == ["iteration:0", "SGD/average/v:0", "SGD/m/v:0"]


# ------------------------------------------------------------- state API
def test_iterations_and_slots():
    opt = optimizers.Adam()
    assert int(opt.iterations) == 0 and len(opt.variables()) == 1
    v = Variable(np.zeros((2, 3), "float32"), name="dense/kernel:0")
    opt.apply_gradients([(np.ones((2, 3), "float32"), v)])
    assert opt.get_slot(v, "m").name == "Adam/m/dense/kernel:0"
    assert opt.get_slot_names() == ["m", "v"]
    assert opt.variables is not None and opt.variables() == opt.variables
    opt.iterations = 10
    assert int(opt.iterations) == 10


def test_none_gradients():
    opt = optimizers.SGD(0.1)
    a, b = Variable(np.zeros(2, "float32"), name="a"), Variable(np.zeros(2, "float32"), name="b")
    opt.apply_gradients([(None, a), (np.ones(2, "float32"), b)])
    np.testing.assert_array_equal(a.numpy(), [0, 0])
    np.testing.assert_allclose(b.numpy(), [-0.1, -0.1])
    with pytest.raises(ValueError, match="No gradients provided"):
        opt.apply_gradients([(None, a), (None, b)])
    assert opt.apply_gradients([]) is opt.iterations and int(opt.iterations) == 1


def test_set_weights_errors():
    opt = optimizers.Adam()
    with pytest.raises(ValueError, match="build"):
        opt.set_weights([np.array(0), np.zeros(2), np.zeros(2)])
    v = Variable(np.zeros(2, "float32"))
    opt.build([v])
    with pytest.raises(ValueError, match="shape"):
        opt.set_weights([np.array(3), np.zeros(3), np.zeros(2)])
    opt.set_weights([np.array(3), np.ones(2), np.ones(2)])
    assert int(opt.iterations) == 3
    np.testing.assert_array_equal(opt.get_slot(v, "v").numpy(), [1, 1])


def test_gradient_dtype_and_tensor_inputs():
    from ckeras.autograd import Tensor
    v = Variable(np.zeros(2, "float32"))
    optimizers.SGD(1.0).apply_gradients([(Tensor(np.ones(2, "float64")), v)])
    assert v.dtype == np.float32
    np.testing.assert_array_equal(v.numpy(), [-1, -1])
    with pytest.raises(ValueError, match="shape"):
        optimizers.SGD(1.0).apply_gradients([(np.ones(3, "float32"), v)])


def test_custom_optimizer_update_step():
    class SignSGD(optimizers.Optimizer):
        def __init__(self, learning_rate=0.1, name="SignSGD", **kwargs):
            super().__init__(name, learning_rate, **kwargs)

        def build(self, var_list):
            super().build(var_list)
            self.counts = [self.add_variable_from_reference(v, "count") for v in var_list]

        def update_step(self, gradient, variable):
            variable.assign_sub(self.learning_rate * np.sign(gradient))

    opt = SignSGD()
    v = Variable(np.zeros(2, "float32"), name="w:0")
    opt.apply_gradients([(np.array([3.0, -0.1], "float32"), v)])
    np.testing.assert_allclose(v.numpy(), [-0.1, 0.1])
    assert [x.name for x in opt.variables()] == ["iteration:0", "SignSGD/count/w:0"]


def test_minimize_with_autograd():
    from ckeras.autograd.functions import reduction as R
    v = Variable(np.array([1.0, -2.0], "float32"))
    opt = optimizers.SGD(0.25)
    opt.minimize(lambda: R.Sum.apply(v * v, axis=None, keepdims=False), [v])
    np.testing.assert_allclose(v.numpy(), [0.5, -1.0])


# ------------------------------------------------------------ get / deserialize
@pytest.mark.parametrize("name,cls", [
    ("sgd", optimizers.SGD), ("SGD", optimizers.SGD), ("rmsprop", optimizers.RMSprop),
    ("Adagrad", optimizers.Adagrad), ("adadelta", optimizers.Adadelta),
    ("ADAM", optimizers.Adam), ("adamax", optimizers.Adamax), ("nadam", optimizers.Nadam),
    ("ftrl", optimizers.Ftrl)])
def test_get_by_name(name, cls):
    opt = optimizers.get(name)
    assert type(opt) is cls and not opt._is_legacy


def test_get_other_identifiers():
    opt = optimizers.Adam()
    assert optimizers.get(opt) is opt
    assert type(optimizers.get(optimizers.Nadam)) is optimizers.Nadam
    assert type(optimizers.get({"class_name": "adam", "config": {}})) is optimizers.Adam
    assert type(optimizers.get("adam", use_legacy_optimizer=True)) is optimizers.legacy.Adam
    with pytest.raises(ValueError, match="nope"):
        optimizers.get("nope")
    with pytest.raises(ValueError, match="Nope"):
        optimizers.get({"class_name": "Nope", "config": {"learning_rate": 0.1}})
    with pytest.raises(ValueError):
        optimizers.get(42)


def test_deserialize_tf_keras_training_config_forms():
    # tf-keras 2.21 .h5 training_config (keras_formats.md section 5)
    new = optimizers.deserialize({"class_name": "Custom>SGD", "config": {
        "name": "SGD", "weight_decay": None, "clipnorm": None, "global_clipnorm": None,
        "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
        "ema_overwrite_frequency": None, "jit_compile": False, "is_legacy_optimizer": False,
        "learning_rate": 0.10000000149011612, "momentum": 0.9, "nesterov": False}})
    assert type(new) is optimizers.SGD and new.momentum == 0.9
    # legacy / TF <= 2.10 form: no is_legacy_optimizer -> legacy class (as tf-keras)
    old = optimizers.deserialize({"class_name": "Adam", "config": {
        "name": "Adam", "learning_rate": 0.0010000000474974513, "decay": 0.0,
        "beta_1": 0.8999999761581421, "beta_2": 0.9990000128746033, "epsilon": 1e-07,
        "amsgrad": False}})
    assert type(old) is optimizers.legacy.Adam
    # Keras 2.2.4 config with `lr` and Nadam's schedule_decay
    k22 = optimizers.deserialize({"class_name": "Nadam", "config": {
        "lr": 0.002, "beta_1": 0.9, "beta_2": 0.999, "schedule_decay": 0.004,
        "epsilon": 1e-07}})
    assert type(k22) is optimizers.legacy.Nadam and k22.learning_rate == 0.002
    # Keras 3 config
    k3 = optimizers.deserialize({"module": "keras.optimizers", "class_name": "Adam", "config": {
        "name": "adam", "learning_rate": 0.01, "weight_decay": None, "clipnorm": None,
        "global_clipnorm": None, "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
        "ema_overwrite_frequency": None, "loss_scale_factor": None,
        "gradient_accumulation_steps": None, "beta_1": 0.9, "beta_2": 0.999,
        "epsilon": 1e-07, "amsgrad": False}, "registered_name": None})
    assert type(k3) is optimizers.Adam and k3.learning_rate == 0.01


def test_serialize_h5_form():
    ser = optimizers.serialize(optimizers.SGD(0.1, momentum=0.9), use_legacy_format=True)
    assert ser["class_name"] == "Custom>SGD"
    assert ser["config"]["learning_rate"] == 0.10000000149011612
    ser = optimizers.serialize(optimizers.legacy.Adam(), use_legacy_format=True)
    assert ser["class_name"] == "Adam" and "is_legacy_optimizer" not in ser["config"]


# ------------------------------------------------------------------ errors
def test_constructor_errors():
    with pytest.raises(ValueError, match="clipnorm"):
        optimizers.Adam(clipnorm=1.0, global_clipnorm=1.0)
    with pytest.raises(ValueError, match="clipnorm"):
        optimizers.legacy.Adam(clipnorm=1.0, global_clipnorm=1.0)
    with pytest.raises(TypeError, match="foo"):
        optimizers.Adam(foo=1)
    with pytest.raises(TypeError, match="weight_decay"):
        optimizers.legacy.Adam(weight_decay=0.1)
    with pytest.raises(ValueError, match="momentum"):
        optimizers.SGD(momentum=1.5)
    with pytest.raises(ValueError):
        optimizers.Ftrl(learning_rate_power=0.5)
    with pytest.raises(ValueError):
        optimizers.Ftrl(l1_regularization_strength=-1)
    with pytest.raises(ValueError):
        optimizers.legacy.Adagrad(initial_accumulator_value=-1)
    with pytest.raises(ValueError, match="decay"):
        optimizers.SGD(decay=-1)
    with pytest.raises(ValueError, match="LearningRateSchedule"):
        optimizers.legacy.Nadam(learning_rate=schedules.ExponentialDecay(0.1, 10, 0.5))
    # tf-keras accepts a negative learning rate (gradient ascent): so do we.
    v = Variable(np.zeros(1, "float32"))
    optimizers.SGD(-1.0).apply_gradients([(np.ones(1, "float32"), v)])
    np.testing.assert_array_equal(v.numpy(), [1.0])
