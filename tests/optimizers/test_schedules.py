"""Learning-rate schedules against golden tf-keras 2.21 values."""
import json
import os

import numpy as np
import pytest

from ckeras import optimizers
from ckeras.autograd import Variable
from ckeras.optimizers import schedules

FIX = os.path.join(os.path.dirname(__file__), "..", "fixtures", "training")
CASES = [c for c in json.load(open(os.path.join(FIX, "cases.json")))
         if c["kind"] == "schedule"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_schedule_values_match_tf_keras(case):
    data = np.load(os.path.join(FIX, case["name"] + ".npz"))
    sched = getattr(schedules, case["class"])(**case["kwargs"])
    got = [sched(int(s)) for s in data["steps"]]
    np.testing.assert_allclose(got, data["values"], rtol=1e-6, atol=1e-9)
    # steps given as NumPy ints or a Variable work too
    assert sched(np.int64(4)) == pytest.approx(got[2])
    assert sched(Variable(np.array(4, np.int64))) == pytest.approx(got[2])


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_schedule_config_matches_tf_keras_and_round_trips(case):
    sched = getattr(schedules, case["class"])(**case["kwargs"])
    assert sched.get_config() == case["config"]
    clone = schedules.deserialize(schedules.serialize(sched))
    assert type(clone) is type(sched) and clone.get_config() == case["config"]
    clone = schedules.deserialize(schedules.serialize(sched, use_legacy_format=False))
    assert clone.get_config() == case["config"]


def test_cosine_decay_warmup_and_restarts():
    s = schedules.CosineDecay(0.0, 10, warmup_target=1.0, warmup_steps=10)
    assert s(0) == 0.0 and s(5) == pytest.approx(0.5) and s(10) == pytest.approx(1.0)
    assert s(15) == pytest.approx(0.5) and s(100) == pytest.approx(0.0, abs=1e-12)
    r = schedules.CosineDecayRestarts(1.0, 10, t_mul=1.0, m_mul=0.5)
    assert r(0) == pytest.approx(1.0) and r(5) == pytest.approx(0.5)
    assert r(10) == pytest.approx(0.5)        # restart at half the rate
    r2 = schedules.CosineDecayRestarts(1.0, 10)   # t_mul=2: periods 10, 20, ...
    assert r2(10) == pytest.approx(1.0) and r2(20) == pytest.approx(0.5)


def test_polynomial_decay_cycle():
    s = schedules.PolynomialDecay(1.0, 10, end_learning_rate=0.0, cycle=True)
    assert s(0) == 1.0 and s(5) == pytest.approx(0.5)
    assert s(15) == pytest.approx(0.25)        # decay_steps becomes 20


def test_piecewise_constant_length_check_and_unknown_class():
    with pytest.raises(ValueError, match="length"):
        schedules.PiecewiseConstantDecay([1, 2], [1.0])
    with pytest.raises(ValueError, match="NoSuchDecay"):
        schedules.deserialize({"class_name": "NoSuchDecay", "config": {}})


def test_custom_schedule_in_optimizer_config():
    class Halving(schedules.LearningRateSchedule):
        def __init__(self, lr):
            self.lr = lr

        def __call__(self, step):
            return self.lr / 2 ** int(step)

        def get_config(self):
            return {"lr": self.lr}

    opt = optimizers.SGD(learning_rate=Halving(1.0))
    v = Variable(np.zeros(1, "float32"))
    for _ in range(3):
        opt.apply_gradients([(np.ones(1, "float32"), v)])
    np.testing.assert_allclose(v.numpy(), [-1.75])
    config = opt.get_config()
    clone = optimizers.SGD.from_config(config, custom_objects={"Halving": Halving})
    assert isinstance(clone._learning_rate, Halving) and clone.learning_rate == 1.0
    again = optimizers.deserialize(optimizers.serialize(opt, use_legacy_format=True),
                                   custom_objects={"Halving": Halving})
    assert isinstance(again._learning_rate, Halving)
