"""tf-keras 2.21 metrics against golden values (tests/fixtures/conformance):
the threshold metrics on any real-valued predictions and the "X at Y"
metrics (issue #21), the IoU family, the F-scores, R2Score,
MeanRelativeError and MeanTensor."""
import pathlib

import numpy as np
import pytest

from ckeras import metrics
from ckeras.testing import Golden, numbered

GOLD = Golden(pathlib.Path(__file__).resolve().parent / "fixtures", "conformance")



@pytest.mark.parametrize("name", GOLD.names(kind="metric_class"))
def test_metric_matches_tf_keras(name):
    case, _, _, _, a = GOLD.load(name)
    cls = getattr(metrics, case["class"])
    m = cls(*case["args"], **case["kwargs"])
    m.update_state(*numbered(a, "a1_"))
    np.testing.assert_allclose(m.result(), a["r1"], rtol=1e-6, atol=1e-7)
    m.update_state(*numbered(a, "a2_"), sample_weight=a.get("sample_weight2"))
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


def test_iou_refuses_bad_class_ids_and_targets():
    with pytest.raises(ValueError, match="Target class id 3 is out of range"):
        metrics.IoU(num_classes=3, target_class_ids=[0, 3])
    m = metrics.MeanIoU(num_classes=2, name="miou")
    with pytest.raises(ValueError, match='"miou": class ids must be in \\[0, 2\\)'):
        m.update_state([0, 2], [0, 1])
    with pytest.raises(ValueError, match="sample_weight has 3 entries for 2 labels"):
        m.update_state([0, 1], [0, 1], sample_weight=[1, 1, 1])
    assert not m.total_cm.any()   # a refused batch changes nothing
    # ignore_class drops the entries before the range check (tf-keras).
    m = metrics.MeanIoU(num_classes=2, ignore_class=-1)
    m.update_state([0, -1, 1], [0, 1, 1])
    np.testing.assert_array_equal(m.total_cm, [[1, 0], [0, 1]])
    assert float(m.result()) == 1.0


def test_fscore_and_r2_argument_checks():
    with pytest.raises(ValueError, match="Invalid `average`"):
        metrics.FBetaScore(average="mean")
    with pytest.raises(ValueError, match="`beta` argument value. It should be a Python float"):
        metrics.FBetaScore(beta=2)
    with pytest.raises(ValueError, match="0 < threshold <= 1"):
        metrics.F1Score(threshold=1.5)
    with pytest.raises(ValueError, match="FBetaScore expects 2D inputs"):
        metrics.FBetaScore().update_state([1, 0], [0.2, 0.9])
    with pytest.raises(ValueError, match="`class_aggregation`"):
        metrics.R2Score(class_aggregation="median")
    with pytest.raises(ValueError, match="`num_regressors`"):
        metrics.R2Score(num_regressors=-1)
    with pytest.raises(ValueError, match="R2Score expects 2D inputs"):
        metrics.R2Score().update_state([1.0, 2.0], [1.0, 2.0])
    r2 = metrics.R2Score(num_regressors=5)
    r2.update_state([[0.0], [1.0], [2.0]], [[0.0], [1.0], [1.0]])
    with pytest.warns(UserWarning, match="More independent predictors than datapoints"):
        assert float(r2.result()) == 0.5   # falls back to the plain R2


def test_mean_tensor_shape_rules():
    m = metrics.MeanTensor()
    with pytest.raises(ValueError, match="does not have any value yet"):
        m.result()
    m.update_state([[1.0, 2.0]], sample_weight=[[1.0, 0.0]])
    m.update_state([[3.0, 4.0]])
    np.testing.assert_array_equal(m.result(), [[2.0, 4.0]])
    with pytest.raises(ValueError, match="must always have the same shape"):
        m.update_state([1.0, 2.0, 3.0])
    m.reset_state()
    np.testing.assert_array_equal(m.count, [[0.0, 0.0]])
