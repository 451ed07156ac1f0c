"""ckeras.constraints: projection math and (de)serialization."""
import json

import numpy as np
import pytest

from ckeras import constraints
from ckeras.autograd import Variable

EPS = 1e-7


def _col_norms(w, axis=0):
    return np.sqrt(np.sum(np.square(w), axis=axis))


# -------------------------------------------------------------------- MaxNorm
def test_max_norm_clips_only_large_columns():
    w = np.array([[3.0, 0.3], [4.0, 0.4]], dtype="float32")    # column norms 5, 0.5
    before = w.copy()
    out = constraints.MaxNorm(max_value=2.0)(w)
    np.testing.assert_allclose(out[:, 0], np.array([3.0, 4.0]) * 2.0 / (EPS + 5.0), rtol=1e-6)
    np.testing.assert_allclose(out[:, 1], np.array([0.3, 0.4]) * 0.5 / (EPS + 0.5), rtol=1e-6)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(w, before)    # input not mutated


def test_max_norm_default_and_axes():
    c = constraints.MaxNorm()
    assert c.get_config() == {"max_value": 2, "axis": 0}
    rng = np.random.default_rng(0)
    w = rng.standard_normal((20, 5)) * 3
    assert _col_norms(c(w)).max() <= 2.0 + 1e-6
    rows = constraints.max_norm(1.0, axis=1)(w)
    assert _col_norms(rows, axis=1).max() <= 1.0 + 1e-6
    kernel = rng.standard_normal((3, 3, 4, 6)) * 3                 # conv: per filter
    out = constraints.MaxNorm(1.5, axis=[0, 1, 2])(kernel)
    norms = np.sqrt(np.sum(out ** 2, axis=(0, 1, 2)))
    np.testing.assert_allclose(norms, np.minimum(1.5, np.sqrt(np.sum(kernel ** 2, axis=(0, 1, 2)))),
                               rtol=1e-6)


def test_max_norm_of_zero_weights_is_finite():
    out = constraints.MaxNorm(1.0)(np.zeros((3, 2)))
    assert np.isfinite(out).all() and not out.any()


# ---------------------------------------------------------------- NonNeg
def test_non_neg():
    w = np.array([[-1.5, 2.0], [0.0, -0.1]], dtype="float32")
    out = constraints.NonNeg()(w)
    np.testing.assert_array_equal(out, [[0.0, 2.0], [0.0, 0.0]])
    assert out.dtype == np.float32 and (out >= 0).all()
    assert constraints.NonNeg().get_config() == {}


# -------------------------------------------------------------- UnitNorm
def test_unit_norm():
    rng = np.random.default_rng(1)
    w = rng.standard_normal((10, 4))
    out = constraints.UnitNorm()(w)
    np.testing.assert_allclose(_col_norms(out), 1.0, rtol=1e-6)
    np.testing.assert_allclose(out, w / (EPS + _col_norms(w)), rtol=1e-12)
    out1 = constraints.unit_norm(axis=1)(w)
    np.testing.assert_allclose(_col_norms(out1, axis=1), 1.0, rtol=1e-6)
    assert constraints.UnitNorm().get_config() == {"axis": 0}


# ------------------------------------------------------------ MinMaxNorm
def test_min_max_norm_strict():
    w = np.array([[0.03, 3.0, 0.6], [0.04, 4.0, 0.8]])           # norms .05, 5, 1
    out = constraints.MinMaxNorm(min_value=0.5, max_value=2.0)(w)
    np.testing.assert_allclose(_col_norms(out), [0.5, 2.0, 1.0], rtol=1e-5)
    # the direction never changes
    np.testing.assert_allclose(out / _col_norms(out), w / _col_norms(w), rtol=1e-6)


def test_min_max_norm_rate():
    w = np.array([[3.0], [4.0]])                                    # norm 5
    out = constraints.MinMaxNorm(0.0, 1.0, rate=0.25)(w)
    desired = 0.25 * 1.0 + 0.75 * 5.0
    np.testing.assert_allclose(out, w * desired / (EPS + 5.0), rtol=1e-12)
    assert constraints.MinMaxNorm().get_config() == {
        "min_value": 0.0, "max_value": 1.0, "rate": 1.0, "axis": 0}


# ------------------------------------------------------- RadialConstraint
def _radial(n):
    w = np.arange(n * n, dtype="float64").reshape(n, n, 1, 1)
    return constraints.RadialConstraint()(w)[..., 0, 0]


def test_radial_constraint_matches_tf_keras_rings():
    k = np.arange(16.0).reshape(4, 4)
    expected4 = np.full((4, 4), k[3, 3])
    expected4[1:3, 1:3] = k[1, 1]
    np.testing.assert_array_equal(_radial(4), expected4)
    k3 = np.arange(9.0).reshape(3, 3)
    expected3 = np.full((3, 3), k3[1, 1])
    expected3[1, 1] = k3[0, 0]
    np.testing.assert_array_equal(_radial(3), expected3)
    k5 = np.arange(25.0).reshape(5, 5)
    expected5 = np.full((5, 5), k5[3, 3])
    expected5[1:4, 1:4] = k5[2, 2]
    expected5[2, 2] = k5[1, 1]
    np.testing.assert_array_equal(_radial(5), expected5)


def test_radial_constraint_per_channel_and_filter():
    rng = np.random.default_rng(2)
    w = rng.standard_normal((4, 4, 3, 2)).astype("float32")
    out = constraints.RadialConstraint()(w)
    assert out.shape == w.shape and out.dtype == np.float32
    for c in range(3):
        for f in range(2):
            one = constraints.RadialConstraint()(w[:, :, c:c + 1, f:f + 1])[..., 0, 0]
            np.testing.assert_array_equal(out[:, :, c, f], one)
            assert out[0, 0, c, f] == w[3, 3, c, f] and out[1, 2, c, f] == w[1, 1, c, f]


def test_radial_constraint_needs_rank_4():
    with pytest.raises(ValueError, match="rank 4"):
        constraints.RadialConstraint()(np.ones((3, 3)))


def test_constraints_accept_variables():
    v = Variable(np.array([[-1.0, 2.0]], dtype="float32"))
    out = constraints.NonNeg()(v)
    assert isinstance(out, np.ndarray)
    np.testing.assert_array_equal(out, [[0.0, 2.0]])


# ------------------------------------------------- get / (de)serialization
ALIASES = {
    "max_norm": constraints.MaxNorm, "non_neg": constraints.NonNeg,
    "unit_norm": constraints.UnitNorm, "min_max_norm": constraints.MinMaxNorm,
    "radial_constraint": constraints.RadialConstraint,
    "maxnorm": constraints.MaxNorm, "nonneg": constraints.NonNeg,
    "unitnorm": constraints.UnitNorm,
}


@pytest.mark.parametrize("name, cls", sorted(ALIASES.items()))
def test_get_by_alias_and_class_name(name, cls):
    assert getattr(constraints, name) is cls
    assert type(constraints.get(name)) is cls
    assert type(constraints.get(cls.__name__)) is cls
    assert type(constraints.get(cls)) is cls


def test_get_passes_through_and_rejects():
    assert constraints.get(None) is None
    inst = constraints.MaxNorm(3)
    assert constraints.get(inst) is inst

    def clip(w):
        return np.clip(w, -1, 1)

    assert constraints.get(clip) is clip
    with pytest.raises(ValueError, match="no_such_constraint"):
        constraints.get("no_such_constraint")
    with pytest.raises(ValueError):
        constraints.get(3)


INSTANCES = [constraints.MaxNorm(3.0, axis=[0, 1]), constraints.NonNeg(),
             constraints.UnitNorm(axis=1), constraints.MinMaxNorm(0.1, 2.0, 0.5, 1),
             constraints.RadialConstraint()]


@pytest.mark.parametrize("c", INSTANCES, ids=lambda c: type(c).__name__)
@pytest.mark.parametrize("legacy", [False, True])
def test_serialize_round_trip(c, legacy):
    cfg = json.loads(json.dumps(constraints.serialize(c, use_legacy_format=legacy)))
    assert cfg["class_name"] == type(c).__name__
    if not legacy:
        assert cfg["module"] == "keras.constraints" and cfg["registered_name"] is None
    back = constraints.deserialize(cfg)
    assert type(back) is type(c) and back.get_config() == c.get_config()
    w = np.random.default_rng(3).standard_normal((3, 3, 2, 2))
    np.testing.assert_allclose(back(w), c(w))


def test_deserialize_keras3_dict():
    k3 = {"module": "keras.constraints", "class_name": "MaxNorm",
          "config": {"max_value": 1.0, "axis": 0}, "registered_name": None}
    c = constraints.get(k3)
    assert type(c) is constraints.MaxNorm and c.max_value == 1.0
