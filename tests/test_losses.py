"""ckeras.losses against the tf-keras 2.21 golden values, the spec's numbers and
finite differences."""
import json
import math
import pathlib

import numpy as np
import pytest

from ckeras import backend as K
from ckeras import losses
from ckeras.autograd import Tensor, grad, gradcheck

FIX = pathlib.Path(__file__).parent / "fixtures" / "training"
CASES = [c for c in json.loads((FIX / "cases.json").read_text()) if c["kind"] == "loss"]
CLASS_CASES = [c for c in CASES if c["class"]]


def _load(case):
    return np.load(FIX / f"{case['name']}.npz")


def _close(actual, expected, rtol=2e-6, atol=1e-6):
    actual = actual.value if isinstance(actual, Tensor) else actual
    assert np.shape(actual) == np.shape(expected)
    np.testing.assert_allclose(np.asarray(actual, dtype=np.float64),
                               np.asarray(expected, dtype=np.float64), rtol=rtol, atol=atol)


# -- golden values --------------------------------------------------------------------

@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_function_form_matches_tf_keras(case):
    d = _load(case)
    out = getattr(losses, case["function"])(d["y_true"], d["y_pred"], **case["kwargs"])
    assert isinstance(out, np.ndarray) and out.dtype == np.float32
    _close(out, d["fn"])


@pytest.mark.parametrize("case", CLASS_CASES, ids=[c["name"] for c in CLASS_CASES])
def test_class_form_every_reduction_matches_tf_keras(case):
    d = _load(case)
    cls = getattr(losses, case["class"])
    t, p, sw = d["y_true"], d["y_pred"], d["sample_weight"]
    _close(cls(**case["kwargs"])(t, p), d["auto"])
    _close(cls(**case["kwargs"])(t, p, sample_weight=sw), d["auto_sw"])
    _close(cls(reduction="sum", **case["kwargs"])(t, p, sample_weight=sw), d["sum_sw"])
    _close(cls(reduction="none", **case["kwargs"])(t, p, sample_weight=sw), d["none_sw"])
    _close(cls(reduction="sum_over_batch_size", **case["kwargs"])(t, p, sample_weight=sw),
           d["auto_sw"])
    assert cls(**case["kwargs"]).get_config() == case["config"]


def test_rank3_outputs_weights_b_and_bt():
    d = np.load(FIX / "loss_mse_rank3.npz")
    t, p = d["y_true"], d["y_pred"]
    assert losses.mse(t, p).shape == (2, 3)
    mse = losses.MeanSquaredError()
    _close(mse(t, p, sample_weight=d["sample_weight"]), d["auto_sw"])
    _close(mse(t, p, sample_weight=d["sample_weight_bt"]), d["auto_sw_bt"])
    # (B, 1) weights act like (B,).
    _close(mse(t, p, sample_weight=d["sample_weight"][:, None]), d["auto_sw"])
    # The divisor is B*T, not the sum of the weights.
    manual = np.sum(d["fn"] * d["sample_weight_bt"]) / 6
    _close(mse(t, p, sample_weight=d["sample_weight_bt"]), manual)


# -- the spec's verified numbers ----------------------------------------------------------

def test_spec_numbers():
    f = np.float32
    np.testing.assert_allclose(losses.binary_crossentropy(f([[0, 1]]), f([[.2, .8]])),
                               [0.22314], atol=1e-5)
    np.testing.assert_allclose(losses.huber(f([[0, 0]]), f([[0.5, 3]])), [1.3125], atol=1e-6)
    np.testing.assert_allclose(losses.log_cosh(f([[0, 0]]), f([[0.5, 3]])), [1.21472],
                               atol=1e-5)
    np.testing.assert_allclose(losses.categorical_crossentropy(f([[0, 1]]), f([[2, 2]])),
                               [math.log(2)], atol=1e-6)
    # mse with weights [1, 0, 2]: (0.04 + 0 + 0.5) / 3 = 0.18 (divisor = count, not sum w).
    t = f([[0.0], [0.0], [0.0]])
    p = f([[0.2], [0.7], [0.5]])
    w = f([1, 0, 2])
    np.testing.assert_allclose(losses.MeanSquaredError()(t, p, sample_weight=w), 0.18,
                               rtol=1e-6)
    per_sample = losses.mse(t, p)
    np.testing.assert_allclose(losses.compute_weighted_loss(per_sample, w), 0.18, rtol=1e-6)
    np.testing.assert_allclose(losses.compute_weighted_loss(per_sample, w, "sum"), 0.54,
                               rtol=1e-6)


def test_cosine_similarity_is_negative_and_hinge_maps_labels():
    v = np.float32([[1, 2, 3]])
    np.testing.assert_allclose(losses.cosine_similarity(v, 2 * v), [-1.0], rtol=1e-6)
    np.testing.assert_allclose(losses.cosine_similarity(v, np.zeros_like(v)), [0.0])
    t01 = np.float32([[0, 1, 1, 0]])
    tpm = 2 * t01 - 1
    p = np.float32([[0.3, -0.2, 2.0, -1.5]])
    _close(losses.hinge(t01, p), losses.hinge(tpm, p))
    _close(losses.squared_hinge(t01, p), losses.squared_hinge(tpm, p))
    # Labels not all in {0, 1} are not mapped.
    t = np.float32([[0, 2, 1, 0]])
    _close(losses.hinge(t, p), np.mean(np.maximum(1 - t * p, 0), -1))


def test_label_smoothing_formulas():
    t = np.float32([[0, 1, 0], [1, 0, 0]])
    z = np.float32([[1.0, 2.0, -1.0], [0.5, 0.1, 0.2]])
    ls = 0.3
    t_cce = t * (1 - ls) + ls / 3
    logp = z - np.log(np.sum(np.exp(z), -1, keepdims=True))
    _close(losses.categorical_crossentropy(t, z, from_logits=True, label_smoothing=ls),
           -np.sum(t_cce * logp, -1), rtol=1e-5)
    t_bce = t * (1 - ls) + 0.5 * ls
    ref = np.mean(np.maximum(z, 0) - z * t_bce + np.log1p(np.exp(-np.abs(z))), -1)
    _close(losses.binary_crossentropy(t, z, from_logits=True, label_smoothing=ls), ref,
           rtol=1e-5)


def test_from_logits_forms_are_stable():
    t = np.float32([[0, 1, 0], [1, 0, 0]])
    z = np.float32([[1000, -1000, 0], [-800, 900, 5]])
    for out in (losses.categorical_crossentropy(t, z, from_logits=True),
                losses.binary_crossentropy(t, z, from_logits=True),
                losses.sparse_categorical_crossentropy(np.array([1, 0]), z, from_logits=True),
                losses.log_cosh(t, z)):
        assert np.all(np.isfinite(out))
    np.testing.assert_allclose(losses.categorical_crossentropy(t, z, from_logits=True),
                               [2000, 1700], rtol=1e-6)


def test_probability_crossentropies_clip_and_renormalise():
    t = np.float32([[0, 1]])
    # p = 0 is clipped to eps: finite loss of -log(eps).
    np.testing.assert_allclose(losses.categorical_crossentropy(t, np.float32([[1, 0]])),
                               [-math.log(1e-7)], rtol=1e-4)
    assert np.isfinite(losses.binary_crossentropy(t, np.float32([[1, 0]]))).all()
    # Renormalised: scaling the predictions does not change the loss.
    p = np.float32([[0.3, 0.7]])
    _close(losses.categorical_crossentropy(t, 5 * p), losses.categorical_crossentropy(t, p))


# -- sparse categorical crossentropy ---------------------------------------------------------

def test_sparse_labels_shapes_and_dtypes():
    p = np.float32([[0.1, 0.6, 0.3], [0.5, 0.25, 0.25]])
    ref = -np.log(np.float32([0.6, 0.5]))
    for labels in (np.array([1, 0]), np.array([[1], [0]]), np.float32([1, 0]),
                   np.float32([[1], [0]]), np.int32([1, 0])):
        _close(losses.sparse_categorical_crossentropy(labels, p), ref, rtol=1e-6)
        _close(losses.SparseCategoricalCrossentropy()(labels, p), ref.mean(), rtol=1e-6)
    # Same as the categorical form with one-hot targets.
    _close(losses.sparse_categorical_crossentropy(np.array([1, 0]), p),
           losses.categorical_crossentropy(np.eye(3, dtype="float32")[[1, 0]], p))


def test_sparse_label_out_of_range_names_label_and_classes():
    p = np.float32([[0.1, 0.6, 0.3]])
    with pytest.raises(ValueError, match=r"5.*\[0, 3\)"):
        losses.sparse_categorical_crossentropy(np.array([5]), p)
    with pytest.raises(ValueError, match=r"-1"):
        losses.SparseCategoricalCrossentropy()(np.array([-1]), p)


def test_sparse_ignore_class():
    p = np.float32([[0.1, 0.6, 0.3], [0.5, 0.25, 0.25], [0.2, 0.2, 0.6]])
    labels = np.array([1, -1, 2])
    per = losses.sparse_categorical_crossentropy(labels, p, ignore_class=-1)
    _close(per, [-np.log(0.6), 0.0, -np.log(0.6)], rtol=1e-6)
    # The mean is over the valid entries only.
    loss = losses.SparseCategoricalCrossentropy(ignore_class=-1)(labels, p)
    _close(loss, -np.log(0.6), rtol=1e-6)
    total = losses.SparseCategoricalCrossentropy(ignore_class=-1, reduction="sum")(labels, p)
    _close(total, -2 * np.log(0.6), rtol=1e-6)


# -- reductions and weights ----------------------------------------------------------------

def test_invalid_reduction_raises():
    with pytest.raises(ValueError, match="Reduction"):
        losses.MeanSquaredError(reduction="mean")
    with pytest.raises(ValueError):
        losses.compute_weighted_loss(np.ones(3), reduction="avg")


def test_compute_weighted_loss_broadcasting():
    per = np.float32([1.0, 2.0, 3.0])
    np.testing.assert_allclose(losses.compute_weighted_loss(per), 2.0)
    np.testing.assert_allclose(losses.compute_weighted_loss(per, 2.0), 4.0)
    np.testing.assert_allclose(losses.compute_weighted_loss(per, np.float32([[1], [0], [1]])),
                               4 / 3, rtol=1e-6)
    np.testing.assert_allclose(
        losses.compute_weighted_loss(per, np.float32([1, 0, 1]), reduction="none"), [1, 0, 3])
    per2 = np.float32([[1, 2], [3, 4]])
    np.testing.assert_allclose(losses.compute_weighted_loss(per2, np.float32([1, 0])), 0.75)
    np.testing.assert_allclose(losses.compute_weighted_loss(per2, np.float32([[1, 0], [0, 1]])),
                               1.25)
    assert losses.compute_weighted_loss(np.zeros((0,), "float32")) == 0
    with pytest.raises(ValueError, match="broadcast"):
        losses.compute_weighted_loss(per, np.ones(4))
    assert losses.compute_weighted_loss(per).dtype == np.float32


def test_rank_alignment_of_targets_in_the_wrapper():
    p = np.float32([[0.2], [0.7], [0.5]])
    t = np.float32([0.0, 1.0, 0.0])
    # A (B,) target against a (B, 1) output behaves like (B, 1) targets.
    _close(losses.MeanSquaredError()(t, p), losses.MeanSquaredError()(t[:, None], p))
    _close(losses.MeanSquaredError(reduction="none")(t, p, sample_weight=np.ones(3)),
           losses.mse(t[:, None], p))


def test_keras_mask_of_predictions_excludes_entries():
    p = Tensor(np.float32([[1.0], [3.0], [5.0]]))
    p._keras_mask = np.array([True, False, True])
    t = np.zeros((3, 1), "float32")
    _close(losses.MeanAbsoluteError()(t, p), 3.0)


def test_y_true_cast_to_prediction_dtype():
    p = np.float32([[0.5, 1.5]])
    assert losses.mse(np.array([[0, 1]]), p).dtype == np.float32
    assert losses.mse(np.array([[0.0, 1.0]]), p).dtype == np.float32
    assert losses.mse(np.array([[0.0, 1.0]]), p.astype("float64")).dtype == np.float64
    # Integer predictions become floatx.
    assert losses.mae(np.float32([[0, 1]]), np.array([[1, 1]])).dtype == np.float32


def test_custom_loss_subclass_and_function_wrapper():
    class MeanError(losses.Loss):
        def call(self, y_true, y_pred):
            return K.mean(y_pred - y_true, axis=-1)

    t, p = np.zeros((2, 3), "float32"), np.ones((2, 3), "float32")
    np.testing.assert_allclose(MeanError()(t, p, sample_weight=np.float32([1, 3])), 2.0)
    with pytest.raises(NotImplementedError):
        losses.Loss()(t, p)
    w = losses.LossFunctionWrapper(losses.huber, name="h", delta=0.5)
    _close(w(t, p), losses.Huber(delta=0.5)(t, p))
    cfg = w.get_config()
    assert cfg == {"reduction": "auto", "name": "h", "delta": 0.5, "fn": "huber"}
    w2 = losses.LossFunctionWrapper.from_config(cfg)
    assert w2.fn is losses.huber and w2.get_config() == cfg


def test_inputs_are_never_modified():
    rng = np.random.default_rng(3)
    t = (rng.uniform(0, 1, (4, 5)) > 0.5).astype("float32")
    p = rng.uniform(0.01, 1, (4, 5)).astype("float32")
    labels = np.array([[1], [0], [4], [2]], dtype="float32")
    sw = np.float32([1, 0, 2, 0.5])
    t0, p0, l0, sw0 = t.copy(), p.copy(), labels.copy(), sw.copy()
    for case in CLASS_CASES:
        cls = getattr(losses, case["class"])
        y = labels if "Sparse" in case["class"] else t
        for red in ("auto", "sum", "none"):
            cls(reduction=red, **case["kwargs"])(y, p, sample_weight=sw)
        getattr(losses, case["function"])(y, p, **case["kwargs"])
    for a, b in ((t, t0), (p, p0), (labels, l0), (sw, sw0)):
        np.testing.assert_array_equal(a, b)


# -- gradients ---------------------------------------------------------------------------

_r = np.random.default_rng(7)
_B, _F = 3, 4
_REG_T, _REG_P = _r.uniform(-2, 2, (_B, _F)), _r.uniform(-2, 2, (_B, _F))
_POS_T, _POS_P = _r.uniform(0.1, 3, (_B, _F)), _r.uniform(0.1, 3, (_B, _F))
_BIN_T = np.array([[0, 1, 1, 0], [1, 0, 1, 1], [0, 0, 1, 0]], dtype="float64")
_PROB = _r.uniform(0.1, 1, (_B, _F))
_PROB /= _PROB.sum(-1, keepdims=True)
_ONEHOT = np.eye(_F)[[2, 0, 3]]
_UNIT = _r.uniform(0.05, 0.95, (_B, _F))

GRAD_CASES = [
    ("mean_squared_error", _REG_T, _REG_P, {}),
    ("mean_absolute_error", _REG_T, _REG_P, {}),
    ("mean_absolute_percentage_error", _REG_T, _REG_P, {}),
    ("mean_squared_logarithmic_error", _POS_T, _POS_P, {}),
    ("binary_crossentropy", _BIN_T, _UNIT, {}),
    ("binary_crossentropy", _BIN_T, _UNIT, {"label_smoothing": 0.2}),
    ("binary_crossentropy", _BIN_T, _REG_P, {"from_logits": True}),
    ("binary_crossentropy", _BIN_T, _REG_P, {"from_logits": True, "label_smoothing": 0.2}),
    ("categorical_crossentropy", _ONEHOT, _PROB, {}),
    ("categorical_crossentropy", _ONEHOT, 3 * _PROB, {}),
    ("categorical_crossentropy", _ONEHOT, _PROB, {"label_smoothing": 0.1}),
    ("categorical_crossentropy", _ONEHOT, _REG_P, {"from_logits": True}),
    ("categorical_crossentropy", _ONEHOT, _REG_P, {"from_logits": True, "label_smoothing": 0.1}),
    ("sparse_categorical_crossentropy", np.array([2, 0, 3]), _PROB, {}),
    ("sparse_categorical_crossentropy", np.array([[2], [0], [3]]), _REG_P, {"from_logits": True}),
    ("kl_divergence", _PROB[::-1].copy(), _PROB, {}),
    ("poisson", _POS_T, _POS_P, {}),
    ("cosine_similarity", _REG_T, _REG_P, {}),
    ("hinge", _BIN_T, 0.77 * _REG_P, {}),
    ("squared_hinge", _BIN_T, 0.77 * _REG_P, {}),
    ("categorical_hinge", _ONEHOT, _REG_P, {}),
    ("huber", _REG_T, _REG_P, {}),
    ("huber", _REG_T, _REG_P, {"delta": 0.5}),
    ("log_cosh", _REG_T, _REG_P, {}),
]


@pytest.mark.parametrize("name,t,p,kw", GRAD_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(GRAD_CASES)])
def test_gradient_of_every_loss_function(name, t, p, kw):
    fn = getattr(losses, name)
    gradcheck(lambda pp: fn(t, pp, **kw), [p])


@pytest.mark.parametrize("reduction", ["auto", "sum", "none"])
@pytest.mark.parametrize("weights", [None, "b", "b1", "bt"])
def test_gradient_through_class_reductions(reduction, weights):
    t = _r.uniform(-1, 1, (2, 3, 4))
    p = _r.uniform(-1, 1, (2, 3, 4))
    sw = {None: None, "b": np.array([1.0, 3.0]), "b1": np.array([[1.0], [3.0]]),
          "bt": np.array([[1.0, 0.0, 2.0], [0.5, 1.0, 0.0]])}[weights]
    gradcheck(lambda pp: losses.MeanSquaredError(reduction=reduction)(t, pp, sample_weight=sw),
              [p])
    gradcheck(lambda pp: losses.LogCosh(reduction=reduction)(t, pp, sample_weight=sw), [p])


def test_fused_softmax_crossentropy_backward_is_softmax_minus_target():
    z = Tensor(_REG_P.copy(), requires_grad=True)
    out = losses.categorical_crossentropy(_ONEHOT, z, from_logits=True)
    assert out._fn is not None and type(out._fn).__name__ == "SoftmaxCrossentropy"
    g = _r.uniform(0.5, 2, _B)
    (dz,) = grad([out], [z], grad_outputs=[g])
    sm = np.exp(_REG_P) / np.exp(_REG_P).sum(-1, keepdims=True)
    np.testing.assert_allclose(dz, (sm - _ONEHOT) * g[:, None], rtol=1e-12, atol=1e-14)
    gradcheck(lambda tt, zz: K.categorical_crossentropy(tt, zz, from_logits=True),
              [_PROB, _REG_P])


def test_training_path_is_taped_and_eval_path_is_plain():
    p = Tensor(_UNIT.copy(), requires_grad=True)
    for cls in (losses.BinaryCrossentropy, losses.MeanSquaredError, losses.Huber):
        out = cls()(_BIN_T, p, sample_weight=np.array([1.0, 0.0, 2.0]))
        assert isinstance(out, Tensor) and out.requires_grad
        assert out.shape == ()
        plain = cls()(_BIN_T, _UNIT, sample_weight=np.array([1.0, 0.0, 2.0]))
        assert not isinstance(plain, Tensor)
        np.testing.assert_allclose(out.value, plain)


def test_private_functions_gradcheck_wrt_targets_too():
    gradcheck(lambda tt, pp: losses.huber(tt, pp, delta=0.7), [_REG_T, _REG_P])
    gradcheck(lambda tt, pp: losses.log_cosh(tt, pp), [_REG_T, _REG_P])
    w = _r.uniform(0, 1, (3,))
    for red in ("sum_over_batch_size", "sum", "none"):
        gradcheck(lambda ll, red=red: losses.compute_weighted_loss(ll, w, reduction=red),
                  [_r.uniform(0, 1, (3, 2))])


# -- lookup and serialization ------------------------------------------------------------------

ALIASES = {
    "mean_squared_error": ["mse", "MSE"],
    "mean_absolute_error": ["mae", "MAE"],
    "mean_absolute_percentage_error": ["mape", "MAPE"],
    "mean_squared_logarithmic_error": ["msle", "MSLE"],
    "kl_divergence": ["kld", "KLD", "kullback_leibler_divergence"],
    "log_cosh": ["logcosh"],
    "huber": ["huber_loss"],
    "binary_crossentropy": [], "categorical_crossentropy": [],
    "sparse_categorical_crossentropy": [], "poisson": [], "cosine_similarity": [],
    "hinge": [], "squared_hinge": [], "categorical_hinge": [],
}


@pytest.mark.parametrize("name", sorted(ALIASES))
def test_get_strings_give_functions(name):
    fn = getattr(losses, name)
    assert losses.get(name) is fn
    for alias in ALIASES[name]:
        assert getattr(losses, alias) is fn
        assert losses.get(alias) is fn


@pytest.mark.parametrize("case", [c for c in CLASS_CASES if not c["kwargs"]] +
                         [c for c in CLASS_CASES if c["kwargs"]][:3],
                         ids=lambda c: c["name"])
def test_class_names_config_dicts_and_round_trips(case):
    cls = getattr(losses, case["class"])
    obj = losses.get(case["class"])
    assert type(obj) is cls
    inst = cls(**case["kwargs"])
    for legacy in (True, False):
        s = losses.serialize(inst, use_legacy_format=legacy)
        assert s["class_name"] == case["class"]
        back = losses.deserialize(s)
        assert type(back) is cls and back.get_config() == inst.get_config()
    back = losses.get({"class_name": case["class"], "config": case["config"]})
    assert back.get_config() == case["config"]
    assert type(cls.from_config(inst.get_config())) is cls


def test_get_passthrough_none_and_errors():
    assert losses.get(None) is None
    inst = losses.Huber(delta=2.0)
    assert losses.get(inst) is inst
    fn = lambda t, p: p  # noqa: E731
    assert losses.get(fn) is fn
    assert isinstance(losses.get(losses.Poisson), losses.Poisson)
    with pytest.raises(ValueError, match="Unknown loss function: 'foo'"):
        losses.get("foo")
    with pytest.raises(ValueError, match="Unknown loss function"):
        losses.deserialize({"class_name": "Nope", "config": {}})
    # Keras 2's name, which tf-keras dropped: resolved so Keras 2 programs compile (#21)
    assert losses.get("cosine_proximity") is losses.cosine_similarity
    with pytest.raises(ValueError):
        losses.get(42)
    assert losses.serialize(losses.mse) == "mean_squared_error"
    assert losses.deserialize("mean_squared_error") is losses.mean_squared_error


def test_custom_objects_in_deserialize():
    def my_loss(y_true, y_pred):
        return K.mean(K.abs(y_pred - y_true), axis=-1)

    assert losses.deserialize("my_loss", custom_objects={"my_loss": my_loss}) is my_loss
    cfg = losses.serialize(losses.LossFunctionWrapper(my_loss, name="mine"),
                           use_legacy_format=True)
    back = losses.deserialize(cfg, custom_objects={"my_loss": my_loss})
    assert back.fn is my_loss and back.name == "mine"
