"""ckeras.regularizers: penalties, gradients, configs and (de)serialization."""
import json

import numpy as np
import pytest

from ckeras import regularizers
from ckeras.autograd import Tensor, Variable, grad, gradcheck

W = np.array([[1.0, -2.0], [3.0, 0.0]], dtype="float32")
F32_001 = 0.009999999776482582   # 0.01 after the float32 round trip


# ------------------------------------------------------------------ values
@pytest.mark.parametrize("reg, expected", [
    (regularizers.get("l1"), 0.06),
    (regularizers.get("l2"), 0.14),
    (regularizers.get("l1_l2"), 0.20),
    (regularizers.l1(), 0.06),
    (regularizers.l2(), 0.14),
    (regularizers.l1_l2(), 0.20),
    (regularizers.L1(0.5), 3.0),
    (regularizers.L2(0.5), 7.0),
    (regularizers.L1L2(l1=0.1, l2=0.2), 0.6 + 2.8),
    (regularizers.L1L2(l2=0.1), 1.4),
    (regularizers.L1L2(), 0.0),
])
def test_penalty_values_from_spec(reg, expected):
    value = reg(W)
    assert not isinstance(value, Tensor)
    assert np.ndim(value) == 0
    assert float(value) == pytest.approx(expected, rel=1e-6, abs=1e-7)


def test_penalty_keeps_weight_dtype():
    assert np.asarray(regularizers.L1L2(0.01, 0.01)(W)).dtype == np.float32
    assert np.asarray(regularizers.L2()(W.astype("float64"))).dtype == np.float64
    assert np.asarray(regularizers.L1L2()(W)).dtype == np.float32


def test_defaults():
    assert regularizers.L1L2().get_config() == {"l1": 0.0, "l2": 0.0}
    assert regularizers.L1().get_config() == {"l1": F32_001}
    assert regularizers.L2().get_config() == {"l2": F32_001}
    assert regularizers.l1_l2().get_config() == {"l1": F32_001, "l2": F32_001}
    # None means the default
    assert regularizers.L1(None).get_config() == {"l1": F32_001}
    assert regularizers.L1L2(None, None).get_config() == {"l1": 0.0, "l2": 0.0}
    # the legacy keyword `l`
    assert regularizers.L2(l=0.5).get_config() == {"l2": 0.5}
    assert regularizers.L1(l=0.25).get_config() == {"l1": 0.25}


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), "0.1", [0.1]])
def test_invalid_penalty_numbers(bad):
    with pytest.raises(ValueError, match="regularization penalty"):
        regularizers.L1(bad)
    with pytest.raises(ValueError, match="regularization penalty"):
        regularizers.L1L2(l2=bad)


def test_unknown_kwarg():
    with pytest.raises(TypeError):
        regularizers.L2(l3=0.1)


# --------------------------------------------------------------- gradients
@pytest.mark.parametrize("l1, l2", [(0.1, 0.0), (0.0, 0.2), (0.1, 0.2), (0.01, 0.01)])
def test_gradient_is_l1_sign_plus_2_l2_w(l1, l2):
    v = Variable(W)
    penalty = regularizers.L1L2(l1=l1, l2=l2)(v)
    assert isinstance(penalty, Tensor) and penalty.requires_grad
    g = grad(penalty, v)
    np.testing.assert_allclose(g, l1 * np.sign(W) + 2 * l2 * W, rtol=1e-6, atol=1e-8)
    assert float(penalty.value) == pytest.approx(
        l1 * np.abs(W).sum() + l2 * np.square(W).sum(), rel=1e-6)


def test_gradient_of_l1_and_l2_classes():
    v = Variable(W)
    np.testing.assert_allclose(grad(regularizers.L1(0.3)(v), v), 0.3 * np.sign(W), rtol=1e-6)
    np.testing.assert_allclose(grad(regularizers.L2(0.3)(v), v), 0.6 * W, rtol=1e-6)


def test_gradcheck_l1l2():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4)) + 0.5   # keep away from the kink at 0
    x[np.abs(x) < 0.1] = 0.5
    assert gradcheck(lambda t: regularizers.L1L2(0.3, 0.7)(t), [x])


# ------------------------------------------------------- orthogonal regularizer
def test_orthogonal_regularizer_values():
    reg = regularizers.OrthogonalRegularizer(factor=0.2)
    assert float(reg(np.eye(3))) == pytest.approx(0.0, abs=1e-12)
    # two identical rows: normalized Gram off-diagonal = [1, 1]; one pair.
    assert float(reg(np.array([[1.0, 0.0], [2.0, 0.0]]))) == pytest.approx(0.2)
    cols = regularizers.OrthogonalRegularizer(factor=0.2, mode="columns")
    assert float(cols(np.array([[1.0, 2.0], [0.0, 0.0]]))) == pytest.approx(0.2)
    assert float(cols(np.array([[1.0, 0.0], [2.0, 0.0]]))) == pytest.approx(0.0)
    assert reg.get_config() == {"factor": pytest.approx(0.2), "mode": "rows"}
    with pytest.raises(ValueError):
        reg(np.ones((2, 2, 2)))
    with pytest.raises(ValueError):
        regularizers.OrthogonalRegularizer(mode="diagonal")


def test_orthogonal_regularizer_gradcheck():
    x = np.random.default_rng(1).standard_normal((4, 3))
    assert gradcheck(lambda t: regularizers.OrthogonalRegularizer(0.5)(t), [x])
    assert gradcheck(lambda t: regularizers.OrthogonalRegularizer(0.5, "columns")(t), [x])


# ------------------------------------------------- get / (de)serialization
def test_get_names_and_aliases():
    assert regularizers.get(None) is None
    assert type(regularizers.get("l1")) is regularizers.L1
    assert type(regularizers.get("l2")) is regularizers.L2
    l1l2 = regularizers.get("l1_l2")
    assert type(l1l2) is regularizers.L1L2
    assert l1l2.get_config() == {"l1": F32_001, "l2": F32_001}
    assert regularizers.get("L1L2").get_config() == {"l1": 0.0, "l2": 0.0}
    assert regularizers.l1 is regularizers.L1 and regularizers.l2 is regularizers.L2
    assert type(regularizers.get(regularizers.L2)) is regularizers.L2


def test_get_passes_through_and_rejects():
    inst = regularizers.L2(0.3)
    assert regularizers.get(inst) is inst

    def my_reg(w):
        return 0.5 * np.sum(w)

    assert regularizers.get(my_reg) is my_reg
    with pytest.raises(ValueError, match="l3"):
        regularizers.get("l3")
    with pytest.raises(ValueError, match="L3"):
        regularizers.get({"class_name": "L3", "config": {}})
    with pytest.raises(ValueError):
        regularizers.get(0.01)


@pytest.mark.parametrize("reg, class_name, config", [
    (regularizers.L1L2(0.1, 0.2), "L1L2", {"l1": 0.10000000149011612, "l2": 0.20000000298023224}),
    (regularizers.L1(0.01), "L1", {"l1": F32_001}),
    (regularizers.L2(0.01), "L2", {"l2": F32_001}),
    (regularizers.l1_l2(), "L1L2", {"l1": F32_001, "l2": F32_001}),
    (regularizers.OrthogonalRegularizer(0.5, "columns"), "OrthogonalRegularizer",
     {"factor": 0.5, "mode": "columns"}),
])
@pytest.mark.parametrize("legacy", [False, True])
def test_serialize_round_trip(reg, class_name, config, legacy):
    cfg = json.loads(json.dumps(regularizers.serialize(reg, use_legacy_format=legacy)))
    assert cfg["class_name"] == class_name
    assert cfg["config"] == config
    if legacy:
        assert set(cfg) == {"class_name", "config"}
    else:
        assert cfg["module"] == "keras.regularizers" and cfg["registered_name"] is None
    back = regularizers.deserialize(cfg)
    assert type(back) is type(reg) and back.get_config() == reg.get_config()
    x = np.random.default_rng(2).standard_normal((3, 3)).astype("float32")
    assert float(back(x)) == pytest.approx(float(reg(x)))


def test_deserialize_tf_keras_and_keras3_dicts():
    tk = {"module": "keras.regularizers", "class_name": "L2",
          "config": {"l2": 0.009999999776482582}, "registered_name": None}
    assert regularizers.get(tk).get_config() == {"l2": F32_001}
    k3 = {"module": "keras.regularizers", "class_name": "L1L2",
          "config": {"l1": 0.0, "l2": 0.01}, "registered_name": None}
    assert float(regularizers.get(k3)(W)) == pytest.approx(0.14)
    old = {"class_name": "L1L2", "config": {"l1": 0.01, "l2": 0.0}}   # TF <= 2.12
    assert float(regularizers.get(old)(W)) == pytest.approx(0.06)
    fn_form = {"class_name": "l1_l2", "config": {"l1": 0.0, "l2": 0.5}}
    assert float(regularizers.get(fn_form)(W)) == pytest.approx(7.0)


def test_custom_regularizer_via_custom_objects():
    class Half(regularizers.Regularizer):
        def __init__(self, k=0.5):
            self.k = k

        def __call__(self, x):
            return self.k * np.sum(x)

        def get_config(self):
            return {"k": self.k}

    cfg = regularizers.serialize(Half(2.0))
    assert cfg["class_name"] == "Half"
    with pytest.raises(ValueError, match="Half"):
        regularizers.deserialize(cfg)
    back = regularizers.deserialize(cfg, custom_objects={"Half": Half})
    assert back.k == 2.0 and float(back(W)) == pytest.approx(4.0)


def test_base_regularizer():
    assert regularizers.Regularizer()(W) == 0.0
    with pytest.raises(NotImplementedError):
        regularizers.Regularizer().get_config()
