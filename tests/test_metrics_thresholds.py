"""Threshold metrics on any real-valued predictions and the "X at Y" metrics
(issue #21), against tf-keras 2.21 (tests/fixtures/conformance)."""
import pathlib

import numpy as np
import pytest

from ckeras import metrics
from ckeras.testing import Golden

GOLD = Golden(pathlib.Path(__file__).resolve().parent / "fixtures", "conformance")


@pytest.mark.parametrize("name", GOLD.names(kind="metric_class"))
def test_metric_matches_tf_keras(name):
    case, _, _, _, a = GOLD.load(name)
    cls = getattr(metrics, case["class"])
    m = cls(*case["args"], **case["kwargs"])
    m.update_state(a["a1_0"], a["a1_1"])
    np.testing.assert_allclose(m.result(), a["r1"], rtol=1e-6, atol=1e-7)
    m.update_state(a["a2_0"], a["a2_1"], sample_weight=a.get("sample_weight2"))
    np.testing.assert_allclose(m.result(), a["r2"], rtol=1e-6, atol=1e-7)
    for i, v in enumerate(m.variables):
        np.testing.assert_allclose(v, a[f"var_{i}"], rtol=1e-6, atol=1e-6)
    assert m.variable_names == [n.split(":")[0] for n in case["variables"]]
    config = m.get_config()
    want = dict(case["config"], name=m.name)
    assert config == want
    assert m.stateful is case["stateful"] is True
    back = cls.from_config(config)
    assert back.get_config() == config
    assert metrics.deserialize(metrics.serialize(m)).get_config() == config


@pytest.mark.parametrize("cls,arg", [(metrics.SensitivityAtSpecificity, "specificity"),
                                     (metrics.SpecificityAtSensitivity, "sensitivity"),
                                     (metrics.PrecisionAtRecall, "recall"),
                                     (metrics.RecallAtPrecision, "precision")])
def test_at_metrics_check_their_arguments(cls, arg):
    with pytest.raises(ValueError, match=f"`{arg}` must be in the range \\[0, 1\\].*1.5"):
        cls(1.5)
    with pytest.raises(ValueError, match="`num_thresholds` must be an integer > 0"):
        cls(0.5, num_thresholds=0)
    m = cls(0.25, num_thresholds=4)
    assert getattr(m, arg) == 0.25
    np.testing.assert_allclose(m.thresholds, [0, 1 / 3, 2 / 3, 1])
    assert float(m.result()) == 0.0   # no threshold satisfies the constraint yet


def test_at_metric_picks_the_best_feasible_threshold():
    # Thresholds 0, .5, 1; at .5: TP=1, FN=1, TN=2, FP=1 -> specificity 2/3,
    # sensitivity 1/2; at 0: every positive score is positive -> specificity 1/3.
    t = np.float32([0, 0, 0, 1, 1])
    p = np.float32([0, 0.3, 0.8, 0.3, 0.8])
    assert float(metrics.SensitivityAtSpecificity(0.5, num_thresholds=3)(t, p)) == 0.5
    assert float(metrics.SensitivityAtSpecificity(0.3, num_thresholds=3)(t, p)) == 1.0
    assert float(metrics.SpecificityAtSensitivity(1.0, num_thresholds=3)(t, p)) == \
        pytest.approx(1 / 3)


def test_threshold_metrics_take_predictions_outside_unit_interval():
    t = np.float32([1, 0, 1, 0])
    p = np.float32([2.5, -1.0, -0.2, 1.7])
    assert float(metrics.TruePositives()(t, p)) == 1
    assert float(metrics.FalsePositives()(t, p)) == 1
    assert float(metrics.Precision()(t, p)) == 0.5
    # The evenly-spaced path clips to [0, 1]: -1 and -0.2 fall on threshold 0,
    # above which nothing of them counts.
    np.testing.assert_array_equal(metrics.TruePositives(thresholds=[0.0, 0.5, 1.0])(t, p),
                                  [1, 1, 0])
