"""ckeras.metrics against the tf-keras 2.21 golden values and the spec's rules."""
import pathlib

import numpy as np
import pytest

from ckeras import backend as K
from ckeras import losses, metrics
from ckeras.autograd import Tensor
from ckeras.testing import Golden

TRAINING = Golden(pathlib.Path(__file__).resolve().parent / "fixtures", "training")
FN_CASES = [TRAINING[n] for n in TRAINING.names(kind="metric_fn")]
CLS_CASES = [TRAINING[n] for n in TRAINING.names(kind="metric_class")]


def _load(case):
    return TRAINING.load(case["name"]).arrays


def _args(d, prefix):
    return [d[k] for k in sorted(d) if k.startswith(prefix)]


# -- golden values --------------------------------------------------------------------------

@pytest.mark.parametrize("case", FN_CASES, ids=[c["name"] for c in FN_CASES])
def test_metric_functions_match_tf_keras(case):
    d = _load(case)
    out = getattr(metrics, case["function"])(d["y_true"], d["y_pred"], **case["kwargs"])
    assert out.shape == d["y"].shape and out.dtype == np.float32
    np.testing.assert_array_equal(out, d["y"])


@pytest.mark.parametrize("case", CLS_CASES, ids=[c["name"] for c in CLS_CASES])
def test_metric_classes_match_tf_keras(case):
    d = _load(case)
    m = getattr(metrics, case["class"])(**case["kwargs"])
    m.update_state(*_args(d, "a1_"))
    r1 = m.result()
    if "sample_weight2" in d:
        m.update_state(*_args(d, "a2_"), sample_weight=d["sample_weight2"])
    else:
        m.update_state(*_args(d, "a2_"))
    r2 = m.result()
    np.testing.assert_allclose(r1, d["r1"], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(r2, d["r2"], rtol=1e-6, atol=1e-6)
    assert m.variable_names == [v.split(":")[0] for v in case["variables"]]
    for i, v in enumerate(m.variables):
        np.testing.assert_allclose(v, d[f"var_{i}"], rtol=1e-6, atol=1e-6)
    cfg = m.get_config()
    expected = dict(case["config"])
    # tf-keras made default names unique within its session ('auc_1', ...).
    assert cfg.pop("name").split("_")[0] == expected.pop("name").split("_")[0]
    assert cfg == expected
    # reset brings everything back to zero; a second pass gives the same numbers.
    m.reset_state()
    assert all(not np.any(v) for v in m.variables)
    m.update_state(*_args(d, "a1_"))
    np.testing.assert_allclose(m.result(), d["r1"], rtol=1e-6, atol=1e-6)


def test_default_names_are_unique_like_tf_keras():
    assert [metrics.AUC().name for _ in range(3)] == ["auc", "auc_1", "auc_2"]
    assert [metrics.Precision().name, metrics.Precision().name] == ["precision", "precision_1"]
    assert metrics.Recall(name="r").name == "r"
    assert metrics.TruePositives().name == "true_positives"
    assert [metrics.Accuracy().name, metrics.Accuracy().name] == ["accuracy", "accuracy"]


# -- functions ---------------------------------------------------------------------------------

def test_accuracy_functions_edge_cases():
    t = np.float32([[1, 0, 1]])
    p = np.float32([[0.5, 0.5, 0.51]])
    np.testing.assert_allclose(metrics.binary_accuracy(t, p), [2 / 3], rtol=1e-6)  # 0.5 -> 0
    # argmax ties -> first index.
    tie = np.float32([[0.4, 0.4, 0.2]])
    assert metrics.categorical_accuracy(np.float32([[1, 0, 0]]), tie)[0] == 1
    assert metrics.categorical_accuracy(np.float32([[0, 1, 0]]), tie)[0] == 0
    assert metrics.sparse_categorical_accuracy(np.array([0]), tie)[0] == 1
    assert metrics.sparse_categorical_accuracy(np.float32([[1]]), tie)[0] == 0
    # in_top_k: ties straddling the k-th place all count.
    assert metrics.sparse_top_k_categorical_accuracy(np.array([1]), tie, k=1)[0] == 1
    assert metrics.sparse_top_k_categorical_accuracy(np.array([2]), tie, k=2)[0] == 0
    assert metrics.top_k_categorical_accuracy(np.float32([[0, 0, 1]]), tie, k=3)[0] == 1
    # Rank-3 outputs.
    p3 = np.random.default_rng(0).uniform(size=(2, 3, 4)).astype("float32")
    lab = np.argmax(p3, -1)
    assert metrics.sparse_categorical_accuracy(lab, p3).shape == (2, 3)
    assert np.all(metrics.sparse_top_k_categorical_accuracy(lab[..., None], p3, k=1) == 1)
    np.testing.assert_array_equal(metrics.accuracy(np.array([[1, 2]]), np.array([[1, 3]])),
                                  [[1, 0]])


def test_loss_functions_as_metrics_are_plain_numpy():
    rng = np.random.default_rng(1)
    t = rng.uniform(0.1, 1, (3, 4)).astype("float32")
    p = Tensor(rng.uniform(0.1, 1, (3, 4)).astype("float32"), requires_grad=True)
    for name in ("mse", "mae", "mape", "msle", "kld", "poisson", "hinge", "squared_hinge",
                 "categorical_hinge", "logcosh", "binary_crossentropy",
                 "categorical_crossentropy"):
        out = getattr(metrics, name)(t, p)
        assert type(out) is np.ndarray
        np.testing.assert_allclose(out, getattr(losses, name)(t, p.value), rtol=1e-6)
    out = metrics.sparse_categorical_crossentropy(np.array([0, 1, 3]), p)
    assert type(out) is np.ndarray
    # The metric cosine similarity is positive (the loss is its negative).
    np.testing.assert_allclose(metrics.cosine_similarity(t, 2 * t), [1, 1, 1], rtol=1e-6)
    np.testing.assert_allclose(metrics.cosine_similarity(t, p),
                               -losses.cosine_similarity(t, p.value), rtol=1e-6)


# -- stateful classes --------------------------------------------------------------------------

def test_mean_sum_weighted_over_several_updates():
    m = metrics.Mean()
    m.update_state([1, 3])
    m.update_state(np.float32([5, 7]), sample_weight=[1, 0])
    assert m.result() == pytest.approx(3.0)  # (1 + 3 + 5) / 3
    m.update_state(np.float32([[1, 2], [3, 4]]), sample_weight=np.float32([1, 2]))
    # (B, 2) values with (B,) weights: each weight covers both values.
    assert m.result() == pytest.approx((9 + 1 + 2 + 6 + 8) / 9)
    assert float(m(np.float32([0.0]))) == pytest.approx(26 / 10)
    m.reset_states()
    assert m.result() == 0
    s = metrics.Sum()
    s.update_state([1, 3, 5, 7])
    s.update_state([1, 1], sample_weight=[2, 0])
    assert float(s.result()) == 18
    assert s.variable_names == ["total"]
    # Higher-rank weights reduce the values instead.
    m2 = metrics.Mean()
    m2.update_state(np.float32([1, 3]), sample_weight=np.float32([[1, 1], [1, 1], [0, 0]]))
    assert float(m2.result()) == pytest.approx(2.0)


def test_mean_metric_wrapper_over_batches_and_weights():
    acc = metrics.CategoricalAccuracy()
    t = np.eye(3, dtype="float32")[[0, 1, 2, 1]]
    p = np.float32([[.8, .1, .1], [.2, .7, .1], [.6, .2, .2], [.1, .1, .8]])
    acc.update_state(t, p)
    assert float(acc.result()) == 0.5
    acc.update_state(t, p, sample_weight=[0, 0, 1, 1])
    assert float(acc.result()) == pytest.approx(2 / 6)
    rmse = metrics.RootMeanSquaredError()
    rmse.update_state(np.float32([[0, 1]]), np.float32([[2, 1]]))
    rmse.update_state(np.float32([[1, 1]]), np.float32([[1, 1]]), sample_weight=[3])
    assert float(rmse.result()) == pytest.approx(np.sqrt(4 / 8))
    b = metrics.BinaryAccuracy(threshold=0.7)
    b.update_state(np.float32([1, 0, 1]), np.float32([[0.9], [0.1], [0.7]]))
    assert float(b.result()) == pytest.approx(2 / 3)
    sc = metrics.SparseCategoricalCrossentropy(ignore_class=-1)
    sc.update_state(np.array([1, -1]), np.float32([[0.5, 0.5], [0.9, 0.1]]))
    assert float(sc.result()) == pytest.approx(np.log(2), rel=1e-6)

    def my_metric(y_true, y_pred):
        return K.mean(K.abs(y_pred - y_true), axis=-1)

    w = metrics.MeanMetricWrapper(my_metric, name="mine")
    w.update_state(np.zeros((2, 2)), np.ones((2, 2)))
    assert float(w.result()) == 1.0
    cfg = w.get_config()
    assert cfg == {"name": "mine", "dtype": "float32", "fn": "my_metric"}
    w2 = metrics.MeanMetricWrapper(metrics.mae, name="m", dtype="float64")
    back = metrics.MeanMetricWrapper.from_config(w2.get_config())
    assert back._fn is metrics.mean_absolute_error and back.dtype == "float64"


def test_confusion_counts_and_precision_recall():
    t = np.float32([0, 1, 1, 1, 0])
    p = np.float32([1, 0, 1, 1, 0.4])
    assert float(metrics.TruePositives()(t, p)) == 2
    assert float(metrics.FalsePositives()(t, p)) == 1
    assert float(metrics.TrueNegatives()(t, p)) == 1
    assert float(metrics.FalseNegatives()(t, p)) == 1
    np.testing.assert_array_equal(metrics.TrueNegatives(thresholds=[0.3, 0.5])(t, p), [0, 1])
    assert float(metrics.Precision()(t, p)) == pytest.approx(2 / 3)
    assert float(metrics.Recall()(t, p)) == pytest.approx(2 / 3)
    pr = metrics.Precision(thresholds=[0.0, 0.5, 1.0])  # evenly spaced: bucket path
    np.testing.assert_allclose(pr(t, p), [2 / 4, 2 / 3, 0], rtol=1e-6)
    # class_id and top_k.
    t2 = np.float32([[1, 0, 1], [0, 1, 0]])
    p2 = np.float32([[0.9, 0.8, 0.1], [0.2, 0.6, 0.7]])
    assert float(metrics.Precision(class_id=1)(t2, p2)) == 0.5
    assert float(metrics.Recall(class_id=0)(t2, p2)) == 1.0
    assert float(metrics.Precision(top_k=1)(t2, p2)) == 0.5
    assert float(metrics.Recall(top_k=2)(t2, p2)) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="Threshold values must be in"):
        metrics.Recall(thresholds=1.5)
    r = metrics.Recall()
    assert float(r.result()) == 0  # divide_no_nan on an empty state


def _exact_roc_auc(t, s):
    pos, neg = s[t == 1], s[t == 0]
    return np.mean((pos[:, None] > neg[None]) + 0.5 * (pos[:, None] == neg[None]))


def test_auc_variants():
    rng = np.random.default_rng(5)
    t = (rng.uniform(size=400) > 0.6).astype("float32")
    s = np.clip(0.35 * t + rng.uniform(size=400) * 0.65, 0, 1).astype("float32")
    m = metrics.AUC(num_thresholds=1000)
    m.update_state(t[:200], s[:200])
    m.update_state(t[200:], s[200:])
    assert float(m.result()) == pytest.approx(_exact_roc_auc(t, s), abs=2e-3)
    # The bucketed update (even thresholds) agrees with the direct comparisons.
    a = metrics.AUC(num_thresholds=7)
    b = metrics.AUC(num_thresholds=7)
    b._thresholds_distributed_evenly = False
    w = rng.uniform(size=400).astype("float32")
    a.update_state(t, s, sample_weight=w)
    b.update_state(t, s, sample_weight=w)
    for va, vb in zip(a.variables, b.variables):
        np.testing.assert_allclose(va, vb, rtol=1e-5)
    # Explicit thresholds; minoring <= interpolation <= majoring.
    vals = []
    for method in ("minoring", "interpolation", "majoring"):
        am = metrics.AUC(thresholds=[0.2, 0.5, 0.8], summation_method=method)
        am.update_state(t, s)
        vals.append(float(am.result()))
    assert vals[0] <= vals[1] <= vals[2]
    cfg = metrics.AUC(thresholds=[0.8, 0.2]).get_config()
    assert cfg["thresholds"] == [0.2, 0.8] and cfg["num_thresholds"] == 4
    assert metrics.AUC.from_config(cfg).thresholds == metrics.AUC(thresholds=[0.2, 0.8]).thresholds
    # PR curve with 'majoring' runs the Riemann branch.
    pr = metrics.AUC(curve="pr", summation_method="majoring")
    pr.update_state(t, s)
    assert 0 < float(pr.result()) <= 1
    # from_logits applies a sigmoid.
    lg = metrics.AUC(from_logits=True)
    lg.update_state(t, np.log(s + 1e-3) - np.log(1 - s + 1e-3))
    assert float(lg.result()) == pytest.approx(float(m.result()), abs=0.02)
    with pytest.raises(ValueError, match="num_thresholds"):
        metrics.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match="curve"):
        metrics.AUC(curve="XY")
    with pytest.raises(ValueError, match="summation"):
        metrics.AUC(summation_method="avg")


def test_auc_multi_label_and_label_weights():
    rng = np.random.default_rng(2)
    t = (rng.uniform(size=(50, 3)) > 0.5).astype("float32")
    s = np.clip(0.3 * t + 0.7 * rng.uniform(size=(50, 3)), 0, 1).astype("float32")
    ml = metrics.AUC(multi_label=True, num_thresholds=50)
    ml.update_state(t, s)
    assert ml.true_positives.shape == (50, 3)
    per = []
    for j in range(3):
        one = metrics.AUC(num_thresholds=50)
        one.update_state(t[:, j], s[:, j])
        per.append(float(one.result()))
    assert float(ml.result()) == pytest.approx(np.mean(per), rel=1e-5)
    wl = metrics.AUC(multi_label=True, num_labels=3, label_weights=[1, 0, 1])
    wl.update_state(t, s)
    assert wl.get_config()["label_weights"] == [1.0, 0.0, 1.0]
    with pytest.raises(ValueError, match="non-negative"):
        metrics.AUC(label_weights=[-1, 1])
    with pytest.raises(ValueError, match="num_labels"):
        metrics.AUC(num_labels=3)


def test_inputs_are_never_modified():
    rng = np.random.default_rng(4)
    t = (rng.uniform(size=(4, 3)) > 0.5).astype("float32")
    p = rng.uniform(size=(4, 3)).astype("float32")
    sw = np.float32([1, 0, 2, 0.5])
    t0, p0, sw0 = t.copy(), p.copy(), sw.copy()
    for cls in (metrics.AUC, metrics.Precision, metrics.Recall, metrics.BinaryAccuracy,
                metrics.CategoricalAccuracy, metrics.TopKCategoricalAccuracy,
                metrics.MeanSquaredError, metrics.RootMeanSquaredError,
                metrics.CosineSimilarity, metrics.BinaryCrossentropy, metrics.TruePositives):
        cls().update_state(t, p, sample_weight=sw)
    metrics.Precision(top_k=1).update_state(t, p, sample_weight=sw)
    metrics.Mean().update_state(p, sample_weight=sw)
    for a, b in ((t, t0), (p, p0), (sw, sw0)):
        np.testing.assert_array_equal(a, b)


# -- resolve --------------------------------------------------------------------------------

@pytest.mark.parametrize("name,t_shape,p_shape,expected", [
    ("accuracy", (32, 1), (32, 1), "binary_accuracy"),
    ("acc", (32,), (32, 1), "binary_accuracy"),
    ("accuracy", (32, 10), (32, 10), "categorical_accuracy"),  # one-hot, e.g. with mse loss
    ("acc", (32, 3), (32, 3), "categorical_accuracy"),
    ("accuracy", (32,), (32, 10), "sparse_categorical_accuracy"),
    ("acc", (32, 1), (32, 10), "sparse_categorical_accuracy"),
    ("accuracy", (8, 5), (8, 5, 7), "sparse_categorical_accuracy"),
    ("crossentropy", (32, 1), (32, 1), "binary_crossentropy"),
    ("ce", (32, 10), (32, 10), "categorical_crossentropy"),
    ("ce", (32,), (32, 10), "sparse_categorical_crossentropy"),
    ("crossentropy", (32, 1), (32, 4), "sparse_categorical_crossentropy"),
])
def test_resolve_tf2_shape_rule(name, t_shape, p_shape, expected):
    fn = metrics.resolve(name, t_shape, p_shape, loss_fn=losses.mse)
    assert fn is getattr(metrics, expected)


def test_resolve_other_names_and_unknown():
    assert metrics.resolve("mae", (4, 1), (4, 1)) is metrics.mean_absolute_error
    with pytest.raises(ValueError, match="Unknown metric function: 'nope'"):
        metrics.resolve("nope", (4, 1), (4, 1))


# -- lookup and serialization ---------------------------------------------------------------

def test_get_serialize_deserialize():
    for name in ("binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
                 "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy", "mse",
                 "mae", "mape", "msle", "cosine_similarity", "binary_crossentropy",
                 "categorical_crossentropy", "sparse_categorical_crossentropy", "kld",
                 "hinge", "squared_hinge", "categorical_hinge", "poisson", "logcosh",
                 "accuracy", "acc"):
        fn = metrics.get(name)
        assert callable(fn) and fn is getattr(metrics, name)
        assert metrics.deserialize(metrics.serialize(fn)) is fn
    assert metrics.get(None) is None
    inst = metrics.Precision(thresholds=[0.2, 0.6], name="p")
    assert metrics.get(inst) is inst
    assert isinstance(metrics.get("AUC"), metrics.AUC)
    assert isinstance(metrics.get(metrics.Mean), metrics.Mean)
    for legacy in (True, False):
        back = metrics.deserialize(metrics.serialize(inst, use_legacy_format=legacy))
        assert type(back) is metrics.Precision and back.get_config() == inst.get_config()
    for cls in (metrics.BinaryAccuracy, metrics.TopKCategoricalAccuracy, metrics.AUC,
                metrics.Recall, metrics.MeanSquaredError, metrics.CategoricalCrossentropy,
                metrics.RootMeanSquaredError, metrics.Sum, metrics.FalseNegatives):
        m = cls(name="x")
        back = metrics.get({"class_name": cls.__name__, "config": m.get_config()})
        assert type(back) is cls and back.get_config() == m.get_config()
    with pytest.raises(ValueError, match="Unknown metric function: 'foo'"):
        metrics.get("foo")
    with pytest.raises(ValueError):
        metrics.get(3.5)
