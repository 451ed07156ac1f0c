"""ckeras.initializers: math, fans, seeds, dtypes and (de)serialization."""
import json
import math

import numpy as np
import pytest

from ckeras import initializers
from ckeras._internal import config as backend_config
from ckeras.initializers import _compute_fans

TRUNC = 0.87962566103423978


# ------------------------------------------------------------------- fans
@pytest.mark.parametrize("shape, fans", [
    ((), (1, 1)),
    ((7,), (7, 7)),
    ((3, 5), (3, 5)),
    ((3, 8, 16), (24, 48)),            # Conv1D kernel (k, in, out)
    ((3, 3, 16, 32), (144, 288)),      # Conv2D kernel
    ((2, 3, 4, 5, 6), (24 * 5, 24 * 6)),  # Conv3D kernel
])
def test_compute_fans(shape, fans):
    assert _compute_fans(shape) == fans


def _check_uniform(x, limit):
    limit32 = np.float32(limit)
    assert np.abs(x).max() <= limit32
    assert np.abs(x).max() > 0.99 * limit      # the range is actually used
    assert abs(x.mean()) < 0.01 * limit
    assert x.var() == pytest.approx(limit ** 2 / 3, rel=0.02)


# ------------------------------------------------ variance-scaling family
def test_glorot_uniform_dense():
    x = initializers.GlorotUniform(seed=1)((400, 600))
    _check_uniform(x, math.sqrt(6 / 1000))


def test_glorot_uniform_conv_kernel_uses_receptive_field():
    x = initializers.glorot_uniform(seed=2)((3, 3, 16, 32))
    _check_uniform(x, math.sqrt(6 / (144 + 288)))


def test_he_uniform_and_lecun_uniform_limits():
    _check_uniform(initializers.HeUniform(seed=3)((500, 300)), math.sqrt(6 / 500))
    _check_uniform(initializers.LecunUniform(seed=4)((500, 300)), math.sqrt(3 / 500))
    _check_uniform(initializers.HeUniform(seed=3)((3, 3, 20, 40)), math.sqrt(6 / 180))


def _check_truncated(x, std_before, mean=0.0):
    """Truncated at 2 std of the untruncated normal; std shrinks by 0.8796."""
    assert np.abs(x - mean).max() <= 2 * std_before * (1 + 1e-6)
    assert np.abs(x - mean).max() > 1.95 * std_before
    assert abs(x.mean() - mean) < 0.01 * std_before
    assert x.std() == pytest.approx(std_before * TRUNC, rel=0.02)


def test_he_normal_std_is_sqrt_2_over_fan_in():
    x = initializers.HeNormal(seed=5)((256, 1000))
    assert x.std() == pytest.approx(math.sqrt(2 / 256), rel=0.02)
    _check_truncated(x, math.sqrt(2 / 256) / TRUNC)


def test_he_normal_conv_kernel():
    x = initializers.he_normal(seed=6)((3, 3, 32, 64))
    assert x.std() == pytest.approx(math.sqrt(2 / (9 * 32)), rel=0.02)


def test_glorot_normal_and_lecun_normal():
    x = initializers.GlorotNormal(seed=7)((400, 600))
    assert x.std() == pytest.approx(math.sqrt(2 / 1000), rel=0.02)
    _check_truncated(x, math.sqrt(2 / 1000) / TRUNC)
    y = initializers.LecunNormal(seed=8)((400, 600))
    assert y.std() == pytest.approx(math.sqrt(1 / 400), rel=0.02)
    _check_truncated(y, math.sqrt(1 / 400) / TRUNC)


@pytest.mark.parametrize("mode, n", [("fan_in", 200), ("fan_out", 800), ("fan_avg", 500)])
def test_variance_scaling_modes_uniform(mode, n):
    x = initializers.VarianceScaling(3.0, mode, "uniform", seed=9)((200, 800))
    _check_uniform(x, math.sqrt(3 * 3.0 / n))


def test_variance_scaling_untruncated_normal_has_tails():
    x = initializers.VarianceScaling(2.0, "fan_out", "untruncated_normal", seed=10)((100, 2000))
    std = math.sqrt(2.0 / 2000)
    assert x.std() == pytest.approx(std, rel=0.02)
    assert np.abs(x).max() > 3 * std       # not truncated


def test_variance_scaling_truncated_normal_default():
    assert initializers.VarianceScaling().get_config() == {
        "scale": 1.0, "mode": "fan_in", "distribution": "truncated_normal", "seed": None}
    init = initializers.VarianceScaling(seed=11)
    x = init((300, 700))
    assert x.std() == pytest.approx(math.sqrt(1 / 300), rel=0.02)
    _check_truncated(x, math.sqrt(1 / 300) / TRUNC)


def test_variance_scaling_legacy_normal_alias_is_corrected_truncated():
    init = initializers.VarianceScaling(2.0, distribution="normal", seed=12)
    assert init.distribution == "truncated_normal"
    assert init.get_config()["distribution"] == "truncated_normal"
    x = init((400, 500))
    assert x.std() == pytest.approx(math.sqrt(2 / 400), rel=0.02)  # 0.8796 correction applied
    _check_truncated(x, math.sqrt(2 / 400) / TRUNC)


def test_variance_scaling_zero_fans_do_not_divide_by_zero():
    x = initializers.VarianceScaling(distribution="uniform", seed=0)((0, 5))
    assert x.shape == (0, 5)
    y = initializers.GlorotUniform(seed=0)(())
    assert y.shape == () and abs(float(y)) <= math.sqrt(3.0)


@pytest.mark.parametrize("kwargs, word", [
    ({"scale": 0.0}, "scale"), ({"scale": -1.0}, "scale"),
    ({"mode": "fan_sum"}, "mode"), ({"distribution": "gaussian"}, "distribution"),
])
def test_variance_scaling_invalid_arguments(kwargs, word):
    with pytest.raises(ValueError, match=word):
        initializers.VarianceScaling(**kwargs)


# ------------------------------------------------------- basic random inits
def test_random_normal_defaults_and_moments():
    init = initializers.RandomNormal()
    assert init.get_config() == {"mean": 0.0, "stddev": 0.05, "seed": None}
    x = initializers.RandomNormal(mean=1.5, stddev=2.0, seed=13)((500, 400))
    assert x.mean() == pytest.approx(1.5, abs=0.02)
    assert x.std() == pytest.approx(2.0, rel=0.01)
    assert np.abs(x - 1.5).max() > 8.0       # a plain normal has tails


def test_random_uniform_defaults_and_bounds():
    assert initializers.RandomUniform().get_config() == {
        "minval": -0.05, "maxval": 0.05, "seed": None}
    x = initializers.RandomUniform(2.0, 5.0, seed=14)((1000, 200))
    assert x.min() >= 2.0 and x.max() <= 5.0
    assert x.min() < 2.01 and x.max() > 4.99
    assert x.mean() == pytest.approx(3.5, abs=0.01)


def test_random_uniform_integer_dtype():
    x = initializers.RandomUniform(0, 10, seed=15)((10000,), dtype="int32")
    assert x.dtype == np.int32
    assert x.min() == 0 and x.max() == 9


def test_truncated_normal_bounded_by_two_stddev():
    init = initializers.TruncatedNormal()
    assert init.get_config() == {"mean": 0.0, "stddev": 0.05, "seed": None}
    x = initializers.TruncatedNormal(mean=-1.0, stddev=0.5, seed=16)((400, 500))
    _check_truncated(x, 0.5, mean=-1.0)


# --------------------------------------------------------- deterministic
def test_zeros_ones_constant():
    np.testing.assert_array_equal(initializers.Zeros()((2, 3)), np.zeros((2, 3)))
    np.testing.assert_array_equal(initializers.ones()((4,)), np.ones(4))
    c = initializers.Constant(2.5)((2, 2))
    np.testing.assert_array_equal(c, np.full((2, 2), 2.5))
    assert initializers.Constant().get_config() == {"value": 0}
    np.testing.assert_array_equal(initializers.constant(0)((3,)), np.zeros(3))
    assert initializers.Ones()((2,), dtype="int64").dtype == np.int64


def test_constant_array_values():
    np.testing.assert_array_equal(
        initializers.Constant([1, 2, 3, 4])((2, 2)), [[1, 2], [3, 4]])
    np.testing.assert_array_equal(
        initializers.Constant([1, 2])((3, 2)), [[1, 2]] * 3)
    with pytest.raises(ValueError):
        initializers.Constant([1, 2, 3])((2, 2))
    cfg = initializers.Constant(np.array([1.0, 2.0])).get_config()
    assert cfg == {"value": [1.0, 2.0]} and json.dumps(cfg)


def _orthonormal_cols(m, gain=1.0):
    np.testing.assert_allclose(m.T @ m, gain ** 2 * np.eye(m.shape[1]), atol=1e-5)


def test_orthogonal_square_tall_wide_and_gain():
    sq = initializers.Orthogonal(seed=1)((6, 6))
    _orthonormal_cols(sq)
    np.testing.assert_allclose(sq @ sq.T, np.eye(6), atol=1e-5)
    tall = initializers.Orthogonal(seed=2)((10, 4))
    _orthonormal_cols(tall)
    wide = initializers.orthogonal(seed=3)((4, 10))
    np.testing.assert_allclose(wide @ wide.T, np.eye(4), atol=1e-5)
    g = initializers.Orthogonal(gain=2.0, seed=4)((8, 5))
    _orthonormal_cols(g, gain=2.0)
    assert initializers.Orthogonal().get_config() == {"gain": 1.0, "seed": None}


def test_orthogonal_conv_kernel_is_flattened():
    k = initializers.Orthogonal(seed=5)((3, 3, 4, 8))
    assert k.shape == (3, 3, 4, 8)
    _orthonormal_cols(k.reshape(36, 8))


def test_orthogonal_is_not_biased_by_qr_signs():
    # q *= sign(diag(r)) makes the distribution uniform (Haar); without it the
    # first entry's sign would be biased. Check the mean over many draws.
    init = initializers.Orthogonal()
    initializers.set_seed(0)
    firsts = np.array([init((3, 3))[0, 0] for _ in range(2000)])
    assert abs(firsts.mean()) < 0.05


def test_orthogonal_rank_one_raises():
    with pytest.raises(ValueError, match="two-dimensional"):
        initializers.Orthogonal()((5,))


def test_identity():
    np.testing.assert_array_equal(initializers.Identity()((3, 3)), np.eye(3))
    np.testing.assert_array_equal(initializers.identity(gain=2.0)((2, 3)),
                                  2.0 * np.eye(2, 3))
    np.testing.assert_array_equal(initializers.Identity()((4, 2)), np.eye(4, 2))
    assert initializers.Identity().get_config() == {"gain": 1.0}
    for bad in [(3,), (2, 2, 2)]:
        with pytest.raises(ValueError, match="2D"):
            initializers.Identity()(bad)


# ------------------------------------------------------------ seeds & dtype
SEEDABLE = [initializers.RandomNormal, initializers.RandomUniform,
            initializers.TruncatedNormal, initializers.VarianceScaling,
            initializers.GlorotUniform, initializers.GlorotNormal,
            initializers.HeUniform, initializers.HeNormal,
            initializers.LecunUniform, initializers.LecunNormal,
            initializers.Orthogonal]


@pytest.mark.parametrize("cls", SEEDABLE, ids=lambda c: c.__name__)
def test_seeds_reproducible_and_distinct(cls):
    a = cls(seed=42)((20, 30))
    np.testing.assert_array_equal(a, cls(seed=42)((20, 30)))    # new instance
    init = cls(seed=42)
    np.testing.assert_array_equal(init((20, 30)), init((20, 30)))  # same instance
    assert not np.array_equal(a, cls(seed=43)((20, 30)))
    unseeded = cls()
    assert not np.array_equal(unseeded((20, 30)), unseeded((20, 30)))


@pytest.mark.parametrize("cls", SEEDABLE, ids=lambda c: c.__name__)
def test_set_seed_makes_unseeded_reproducible(cls):
    initializers.set_seed(123)
    a = cls()((5, 7))
    initializers.set_seed(123)
    b = cls()((5, 7))
    np.testing.assert_array_equal(a, b)
    initializers.set_seed(124)
    assert not np.array_equal(a, cls()((5, 7)))


ALL_CLASSES = SEEDABLE + [initializers.Zeros, initializers.Ones,
                          initializers.Constant, initializers.Identity]


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_dtype_honoured(cls, dtype):
    x = cls()((6, 4), dtype=dtype)
    assert x.dtype == np.dtype(dtype) and x.shape == (6, 4)
    assert np.isfinite(x).all()


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
def test_default_dtype_is_floatx(cls):
    assert cls()((3, 3)).dtype == np.float32
    backend_config.set_floatx("float64")
    try:
        assert cls()((3, 3)).dtype == np.float64
    finally:
        backend_config.set_floatx("float32")


@pytest.mark.parametrize("cls", [initializers.RandomNormal, initializers.TruncatedNormal,
                                 initializers.GlorotUniform, initializers.Orthogonal])
def test_float_only_initializers_reject_int_dtype(cls):
    with pytest.raises(ValueError, match="floating"):
        cls()((3, 3), dtype="int32")


# ------------------------------------------------- get / (de)serialization
ALIASES = {
    "zeros": initializers.Zeros, "ones": initializers.Ones,
    "constant": initializers.Constant, "random_normal": initializers.RandomNormal,
    "random_uniform": initializers.RandomUniform,
    "truncated_normal": initializers.TruncatedNormal,
    "variance_scaling": initializers.VarianceScaling,
    "glorot_uniform": initializers.GlorotUniform,
    "glorot_normal": initializers.GlorotNormal,
    "he_uniform": initializers.HeUniform, "he_normal": initializers.HeNormal,
    "lecun_uniform": initializers.LecunUniform,
    "lecun_normal": initializers.LecunNormal,
    "orthogonal": initializers.Orthogonal, "identity": initializers.Identity,
}


@pytest.mark.parametrize("name, cls", sorted(ALIASES.items()))
def test_get_by_snake_case_and_class_name(name, cls):
    assert getattr(initializers, name) is cls
    assert type(initializers.get(name)) is cls
    assert type(initializers.get(cls.__name__)) is cls
    assert type(initializers.get(cls)) is cls        # classes are instantiated


def test_get_compat_aliases():
    assert type(initializers.get("normal")) is initializers.RandomNormal
    assert type(initializers.get("uniform")) is initializers.RandomUniform
    assert type(initializers.get("one")) is initializers.Ones
    assert type(initializers.get("zero")) is initializers.Zeros
    assert type(initializers.get("GlorotUniformV2")) is initializers.GlorotUniform


def test_get_passes_through_and_rejects():
    assert initializers.get(None) is None
    inst = initializers.HeNormal(seed=1)
    assert initializers.get(inst) is inst

    def my_init(shape, dtype=None):
        return np.full(shape, 7.0, dtype or "float32")

    assert initializers.get(my_init) is my_init
    with pytest.raises(ValueError, match="no_such_init"):
        initializers.get("no_such_init")
    with pytest.raises(ValueError, match="NoSuchInit"):
        initializers.get({"class_name": "NoSuchInit", "config": {}})
    with pytest.raises(ValueError):
        initializers.get(42)


INSTANCES = [
    initializers.Zeros(), initializers.Ones(), initializers.Constant(3.5),
    initializers.RandomNormal(1.0, 2.0, seed=1), initializers.RandomUniform(-1.0, 2.0, seed=2),
    initializers.TruncatedNormal(0.5, 0.1, seed=3),
    initializers.VarianceScaling(2.0, "fan_out", "uniform", seed=4),
    initializers.GlorotUniform(seed=5), initializers.GlorotNormal(seed=6),
    initializers.HeUniform(seed=7), initializers.HeNormal(seed=8),
    initializers.LecunUniform(seed=9), initializers.LecunNormal(seed=10),
    initializers.Orthogonal(gain=1.5, seed=11), initializers.Identity(gain=0.5),
]


@pytest.mark.parametrize("init", INSTANCES, ids=lambda i: type(i).__name__)
@pytest.mark.parametrize("legacy", [False, True])
def test_serialize_round_trip(init, legacy):
    cfg = initializers.serialize(init, use_legacy_format=legacy)
    cfg = json.loads(json.dumps(cfg))
    assert cfg["class_name"] == type(init).__name__
    if legacy:
        assert set(cfg) == {"class_name", "config"}
    else:
        assert cfg["module"] == "keras.initializers" and cfg["registered_name"] is None
    back = initializers.deserialize(cfg)
    assert type(back) is type(init)
    assert back.get_config() == init.get_config()
    np.testing.assert_array_equal(back((4, 4)), init((4, 4)))
    assert type(initializers.get(cfg)) is type(init)


def test_exact_tf_keras_configs():
    # As tf-keras 2.21 writes them inside layer configs (spec 3.5 / 3.7).
    assert initializers.serialize(initializers.GlorotUniform()) == {
        "module": "keras.initializers", "class_name": "GlorotUniform",
        "config": {"seed": None}, "registered_name": None}
    assert initializers.serialize(initializers.Orthogonal())["config"] == {
        "gain": 1.0, "seed": None}
    assert initializers.serialize(initializers.Zeros())["config"] == {}
    assert initializers.serialize(initializers.RandomUniform())["config"] == {
        "minval": -0.05, "maxval": 0.05, "seed": None}


def test_deserialize_keras3_dicts():
    k3 = {"module": "keras.initializers", "class_name": "GlorotUniform",
          "config": {"seed": 3, "input_axes": None, "output_axes": None},
          "registered_name": None}
    init = initializers.get(k3)
    assert type(init) is initializers.GlorotUniform and init.seed == 3
    assert k3["config"]["input_axes"] is None          # caller's dict untouched
    vs = initializers.deserialize({"module": "keras.initializers", "class_name": "VarianceScaling",
                                   "config": {"scale": 2.0, "mode": "fan_in",
                                              "distribution": "uniform", "seed": None},
                                   "registered_name": None})
    assert vs.scale == 2.0 and vs.distribution == "uniform"
    legacy_snake = initializers.deserialize({"class_name": "he_normal", "config": {"seed": 1}})
    assert type(legacy_snake) is initializers.HeNormal


def test_deserialize_never_imports_named_module():
    import sys
    bad = {"module": "os", "class_name": "system", "config": {}, "registered_name": None}
    with pytest.raises(ValueError, match="system"):
        initializers.deserialize(bad)
    with pytest.raises(ValueError):
        initializers.deserialize({"module": "ckeras_evil_mod_xyz", "class_name": "X",
                                  "config": {}, "registered_name": None})
    assert "ckeras_evil_mod_xyz" not in sys.modules


def test_custom_initializer_via_custom_objects():
    class Fives(initializers.Initializer):
        def __call__(self, shape, dtype=None, **kwargs):
            return np.full(shape, 5.0, dtype or "float32")

    cfg = {"class_name": "Fives", "config": {}}
    with pytest.raises(ValueError, match="Fives"):
        initializers.deserialize(cfg)
    init = initializers.deserialize(cfg, custom_objects={"Fives": Fives})
    np.testing.assert_array_equal(init((2,)), [5.0, 5.0])


def test_orthogonal_runs_its_qr_with_numpy_blas_on_one_thread(monkeypatch):
    # A threaded QR left NumPy's OpenBLAS workers spinning on the core the
    # kernels' helper thread needs right after the model is built.
    from ckeras import kernels
    blas = kernels.c_module("blas")
    before = blas.numpy_pool_threads(2)
    seen, real_qr = [], np.linalg.qr

    def qr(a):
        seen.append(blas.numpy_pool_threads())
        return real_qr(a)

    monkeypatch.setattr(np.linalg, "qr", qr)
    try:
        w = initializers.Orthogonal(seed=3)((64, 32))
        assert seen == [1]
        assert blas.numpy_pool_threads() == 2
    finally:
        blas.numpy_pool_threads(before)
    np.testing.assert_allclose(w.T @ w, np.eye(32), atol=1e-5)
