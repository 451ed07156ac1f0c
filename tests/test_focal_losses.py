"""The focal crossentropies (losses and metric functions) against golden tf-keras 2.21
values (tests/fixtures/optloss, tools/make_fixtures_optloss.py): per-sample values, every
reduction, the gradient of the weighted loss, configs, and float64 finite differences."""
import json
import pathlib

import numpy as np
import pytest

from ckeras import losses, metrics
from ckeras.autograd import Tensor, grad, gradcheck

FIX = pathlib.Path(__file__).parent / "fixtures" / "optloss"
ALL = json.loads((FIX / "cases.json").read_text())
CASES = [c for c in ALL if c["kind"] == "loss"]
FN_CASES = [c for c in ALL if c["kind"] == "loss_fn"]


def _load(case):
    return np.load(FIX / f"{case['name']}.npz")


def _close(actual, expected, rtol=2e-6, atol=1e-6):
    actual = actual.value if isinstance(actual, Tensor) else actual
    assert np.shape(actual) == np.shape(expected)
    np.testing.assert_allclose(np.asarray(actual, dtype=np.float64),
                               np.asarray(expected, dtype=np.float64), rtol=rtol, atol=atol)


@pytest.mark.parametrize("case", CASES + FN_CASES, ids=[c["name"] for c in CASES + FN_CASES])
def test_function_form_matches_tf_keras(case):
    d = _load(case)
    out = getattr(losses, case["function"])(d["y_true"], d["y_pred"], **case["kwargs"])
    assert isinstance(out, np.ndarray) and out.dtype == np.float32
    _close(out, d["fn"])


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_metric_function_matches_tf_keras(case):
    d = _load(case)
    _close(getattr(metrics, case["function"])(d["y_true"], d["y_pred"], **case["kwargs"]),
           d["metric_fn"])


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_class_form_every_reduction_matches_tf_keras(case):
    d = _load(case)
    cls = getattr(losses, case["class"])
    t, p, sw = d["y_true"], d["y_pred"], d["sample_weight"]
    _close(cls(**case["kwargs"])(t, p), d["auto"])
    _close(cls(**case["kwargs"])(t, p, sample_weight=sw), d["auto_sw"])
    _close(cls(reduction="sum", **case["kwargs"])(t, p, sample_weight=sw), d["sum_sw"])
    _close(cls(reduction="none", **case["kwargs"])(t, p, sample_weight=sw), d["none_sw"])


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_gradient_matches_tf_keras(case):
    d = _load(case)
    p = Tensor(d["y_pred"].copy(), requires_grad=True)
    out = getattr(losses, case["class"])(**case["kwargs"])(d["y_true"], p,
                                                           sample_weight=d["sample_weight"])
    (dp,) = grad([out], [p])
    assert dp.dtype == np.float32
    _close(dp, d["grad_auto_sw"], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_config_and_serialization_match_tf_keras(case):
    obj = getattr(losses, case["class"])(**case["kwargs"])
    assert obj.get_config() == case["config"]
    assert losses.serialize(obj) == case["serialized"]
    again = losses.deserialize(case["serialized"])
    assert type(again) is type(obj) and again.get_config() == case["config"]
    assert losses.get(case["function"]) is getattr(losses, case["function"])
    assert type(losses.get(case["class"])) is type(obj)


_r = np.random.default_rng(7)
_BIN_T = (_r.uniform(0, 1, (3, 4)) > 0.5).astype(np.float64)
_PROB = _r.uniform(0.1, 0.9, (3, 4))
_ONEHOT = np.eye(4)[[1, 3, 0]]
_LOGITS = _r.uniform(-2, 2, (3, 4))


@pytest.mark.parametrize("fn, t, p, kw", [
    ("binary_focal_crossentropy", _BIN_T, _PROB, {}),
    ("binary_focal_crossentropy", _BIN_T, _LOGITS,
     {"from_logits": True, "apply_class_balancing": True, "label_smoothing": 0.1}),
    ("binary_focal_crossentropy", _BIN_T, _PROB, {"gamma": 0.5, "axis": 0}),
    ("categorical_focal_crossentropy", _ONEHOT, _PROB / _PROB.sum(-1, keepdims=True), {}),
    ("categorical_focal_crossentropy", _ONEHOT, _LOGITS,
     {"from_logits": True, "gamma": 3.0, "label_smoothing": 0.2}),
], ids=lambda v: v if isinstance(v, str) else None)
def test_float64_gradient_against_finite_differences(fn, t, p, kw):
    gradcheck(lambda pp: getattr(losses, fn)(t, pp, **kw), [p])
    gradcheck(lambda pp: getattr(losses, fn)(t, pp, **kw), [p * 0.97])


def test_gamma_zero_is_binary_crossentropy():
    t, p = _BIN_T, _PROB
    np.testing.assert_allclose(losses.binary_focal_crossentropy(t, p, gamma=0.0),
                               losses.binary_crossentropy(t, p), rtol=1e-12)


def test_bad_axis_is_a_clear_error():
    with pytest.raises(ValueError, match="axis"):
        losses.categorical_focal_crossentropy(_ONEHOT, _PROB, axis=True)
    with pytest.raises(ValueError, match="axis"):
        losses.BinaryFocalCrossentropy(axis=1.5)(_BIN_T, _PROB)
