"""Golden fixtures for the Keras 2 conformance items of issue #21, from real tf-keras 2.21.

Run BY HAND in the TensorFlow venv (never in CI), from the repo root::

    TF_USE_LEGACY_KERAS=1 <tfvenv>/bin/python tools/make_fixtures_conformance.py

Writes ``tests/fixtures/conformance/``: ``cases.json`` and one ``<case>.npz`` per case
(``CKERAS_FIXTURES_DIR=DIR`` writes under DIR instead). Two kinds of case:

- ``masked_training``: a model whose output carries a Keras mask, compiled with a loss and
  metrics; ``train_on_batch`` twice, then ``evaluate``. The npz holds ``x``, ``y``,
  ``sample_weight`` (when the case uses one), ``w_init_*``, ``w_final_*``, ``train`` (the
  two ``[loss, *metrics]`` rows) and ``evaluate``.
- ``metric_class``: ``m = cls(*args, **kwargs); m.update_state(*a1); r1 = m.result();
  m.update_state(*a2[, sample_weight=sample_weight2]); r2 = m.result()``, with predictions
  outside [0, 1]. The npz holds ``a1_*``, ``a2_*``, ``r1``, ``r2`` and ``var_*`` (the
  metric variables after the second call, named in ``variables``).
- ``random_image``: ``np.random.seed(seed); y = image.<function>(x, *args, **kwargs)`` on a
  square image (tf-keras and ckeras agree on the centre of square images only). The npz
  holds ``x`` and ``y``. Needs SciPy (and Pillow for random_brightness) in the venv.
"""
import sys

import _golden
from _golden import Group, rng_for

_golden.tf_environment()

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf_keras as keras  # noqa: E402

L = keras.layers


def _set_weights(model, rng):
    ws = [rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in model.get_weights()]
    model.set_weights(ws)
    return ws


def _masked_case(g, name, build, x, y, metrics, notes, sample_weight=None,
                 weighted_metrics=None, loss="mse"):
    keras.backend.clear_session()
    rng = rng_for("conformance/" + name)
    model = build()
    w0 = _set_weights(model, rng)
    model.compile(keras.optimizers.SGD(learning_rate=0.1), loss, metrics=metrics,
                  weighted_metrics=weighted_metrics)
    train = [model.train_on_batch(x, y, sample_weight=sample_weight) for _ in range(2)]
    evaluate = model.evaluate(x, y, sample_weight=sample_weight, batch_size=len(x), verbose=0)
    arrays = {"x": x, "y": y, "train": np.float32(train), "evaluate": np.float32(evaluate)}
    if sample_weight is not None:
        arrays["sample_weight"] = sample_weight
    arrays.update({"w_init_%d" % i: w for i, w in enumerate(w0)})
    arrays.update({"w_final_%d" % i: w for i, w in enumerate(model.get_weights())})
    g.add({"name": name, "kind": "masked_training", "metrics": metrics,
           "weighted_metrics": weighted_metrics, "loss": loss,
           "metrics_names": model.metrics_names,
           "model_config": _golden.to_jsonable(model.get_config()),
           "notes": notes + " compile(SGD(0.1), %r, metrics=%r, weighted_metrics=%r); "
                    "train_on_batch(x, y[, sample_weight]) twice, then evaluate with one "
                    "batch." % (loss, metrics, weighted_metrics)}, arrays)


def make_masked(g):
    x = np.float32([[[1, 2], [0, 0], [3, -1]],
                    [[0, 0], [0, 0], [2, 2]],
                    [[-1, 1], [1, 1], [0, 0]]])
    y = np.float32(np.arange(18).reshape(3, 3, 2) % 4 - 1.5)

    def td_dense():
        return keras.Sequential([L.Masking(0.0, input_shape=(3, 2)),
                                 L.TimeDistributed(L.Dense(2))])
    _masked_case(g, "td_dense_masked", td_dense, x, y, ["mae"],
                 "Sequential([Masking(0., input_shape=(3, 2)), TimeDistributed(Dense(2))]):"
                 " steps whose inputs are all 0 are masked.")
    _masked_case(g, "td_dense_masked_sw", td_dense, x, y, ["mae"],
                 "The same model with sample weights of shape (B,).",
                 sample_weight=np.float32([1.0, 2.0, 0.5]), weighted_metrics=["mse"])

    def td_masking():
        inp = keras.Input((3, 2))
        h = L.TimeDistributed(L.Masking(0.0))(inp)
        return keras.Model(inp, L.TimeDistributed(L.Dense(2))(h))
    _masked_case(g, "td_of_masking", td_masking, x, y, ["mae"],
                 "Input((3, 2)) -> TimeDistributed(Masking(0.)) -> TimeDistributed(Dense(2)):"
                 " the mask comes from the inner Masking at every step.")

    xb = np.float32([[[1], [1]], [[0], [0]]])

    def issue_case():
        return keras.Sequential([L.Masking(0.0, input_shape=(None, 1)),
                                 L.TimeDistributed(L.Dense(1, kernel_initializer="ones"))])
    _masked_case(g, "td_dense_issue21", issue_case, xb, np.ones((2, 2, 1), "float32"),
                 ["mae", "accuracy"],
                 "The example of issue #21 (Masking(0., input_shape=(None, 1)), "
                 "TimeDistributed(Dense(1))), with random initial weights.")

    xe = np.int32([[3, 1, 0, 0], [2, 0, 0, 0], [1, 2, 3, 4]])
    ye = np.float32(np.arange(24).reshape(3, 4, 2) % 3 == 0)

    def embed_lstm():
        return keras.Sequential([L.Embedding(5, 3, mask_zero=True, input_length=4),
                                 L.LSTM(2, return_sequences=True),
                                 L.TimeDistributed(L.Dense(2, activation="sigmoid"))])
    _masked_case(g, "embedding_lstm_td", embed_lstm, xe, ye, ["binary_accuracy"],
                 "Embedding(5, 3, mask_zero=True) -> LSTM(2, return_sequences=True) -> "
                 "TimeDistributed(Dense(2, sigmoid)); loss binary_crossentropy.",
                 loss="binary_crossentropy")


def make_metrics(g):
    rng = rng_for("conformance/metrics")
    t1 = (rng.uniform(0, 1, (6, 3)) > 0.5).astype("float32")
    p1 = rng.uniform(-1.5, 2.5, (6, 3)).astype("float32")
    t2 = (rng.uniform(0, 1, (6, 3)) > 0.4).astype("float32")
    p2 = rng.uniform(-0.5, 1.5, (6, 3)).astype("float32")
    p2[0] = [0.0, 1.0, 0.5]
    sw2 = rng.uniform(0, 2, (6,)).astype("float32")
    specs = [
        ("TruePositives", [], {}, False),
        ("FalsePositives", [], {"thresholds": [0.0, 0.5, 1.0]}, True),
        ("TrueNegatives", [], {"thresholds": [0.2, 0.7]}, False),
        ("FalseNegatives", [], {}, True),
        ("Precision", [], {}, False),
        ("Precision", [], {"class_id": 2}, True),
        ("Recall", [], {"thresholds": [0.0, 0.25, 0.5, 0.75, 1.0]}, True),
        ("Recall", [], {"top_k": 2}, False),
        ("AUC", [], {}, True),
        ("AUC", [], {"curve": "PR", "num_thresholds": 11}, False),
        ("SensitivityAtSpecificity", [0.5], {}, False),
        ("SensitivityAtSpecificity", [0.8], {"num_thresholds": 5}, True),
        ("SpecificityAtSensitivity", [0.6], {}, True),
        ("SpecificityAtSensitivity", [0.4], {"num_thresholds": 1}, False),
        ("PrecisionAtRecall", [0.7], {}, False),
        ("PrecisionAtRecall", [0.5], {"num_thresholds": 21, "class_id": 1}, True),
        ("RecallAtPrecision", [0.5], {}, True),
        ("RecallAtPrecision", [0.99], {"num_thresholds": 3}, False),
    ]
    specs = [(c, a, k, w, (t1, p1), (t2, p2), sw2) for c, a, k, w in specs]
    specs += more_metric_specs()
    for i, (cls_name, args, kw, weighted2, a1, a2, sw) in enumerate(specs):
        m = getattr(keras.metrics, cls_name)(*args, **kw)
        m.update_state(*a1)
        r1 = np.asarray(m.result())
        if weighted2:
            m.update_state(*a2, sample_weight=sw)
        else:
            m.update_state(*a2)
        r2 = np.asarray(m.result())
        arrays = {"r1": r1, "r2": r2}
        arrays.update({"a1_%d" % j: a for j, a in enumerate(a1)})
        arrays.update({"a2_%d" % j: a for j, a in enumerate(a2)})
        arrays.update({"var_%d" % j: np.asarray(v) for j, v in enumerate(m.variables)})
        if weighted2:
            arrays["sample_weight2"] = sw
        g.add({"name": "metric_%02d_%s" % (i, cls_name), "kind": "metric_class",
               "class": cls_name, "args": args, "kwargs": kw,
               "config": _golden.to_jsonable(m.get_config()),
               "variables": [v.name for v in m.variables],
               "stateful": bool(m.stateful), "weighted2": weighted2,
               "notes": "update_state(*a1), then update_state(*a2[, sample_weight2]); the "
                        "threshold metrics get predictions outside [0, 1], which tf-keras "
                        "2.21 takes as they are"},
              arrays)


def more_metric_specs():
    """IoU, F-score, R2, relative-error and mean-tensor cases: (class, args,
    kwargs, weighted2, a1, a2, sample_weight2)."""
    rng = rng_for("conformance/metrics2")
    ids1 = rng.randint(0, 3, (8,)).astype("int32")
    ids2 = rng.randint(0, 3, (2, 4)).astype("int32")
    pid1 = rng.randint(0, 3, (8,)).astype("int32")
    pid2 = rng.randint(0, 3, (2, 4)).astype("int32")
    ids2[0, 0] = 255
    sw_ids = rng.uniform(0, 2, (2, 4)).astype("float32")
    bt1 = (rng.uniform(0, 1, (6,)) > 0.5).astype("float32")
    bp1 = rng.uniform(0, 1, (6,)).astype("float32")
    bt2 = (rng.uniform(0, 1, (6,)) > 0.5).astype("float32")
    bp2 = rng.uniform(0, 1, (6,)).astype("float32")
    sw6 = rng.uniform(0, 2, (6,)).astype("float32")
    oh1 = np.eye(3, dtype="float32")[ids1]
    sc1 = rng.uniform(0, 1, (8, 3)).astype("float32")
    oh2 = np.eye(3, dtype="float32")[pid1]
    sc2 = rng.uniform(0, 1, (8, 3)).astype("float32")
    sw8 = rng.uniform(0, 2, (8,)).astype("float32")
    ml1 = (rng.uniform(0, 1, (6, 3)) > 0.5).astype("float32")
    ml2 = (rng.uniform(0, 1, (6, 3)) > 0.5).astype("float32")
    ms1 = rng.uniform(0, 1, (6, 3)).astype("float32")
    ms2 = rng.uniform(0, 1, (6, 3)).astype("float32")
    ms2[1] = 0.0
    rt1 = rng.uniform(-1, 1, (6, 2)).astype("float32")
    rp1 = (rt1 + rng.uniform(-0.5, 0.5, (6, 2))).astype("float32")
    rt2 = rng.uniform(-1, 1, (6, 2)).astype("float32")
    rp2 = (rt2 + rng.uniform(-0.5, 0.5, (6, 2))).astype("float32")
    norm = rng.uniform(0.5, 2, (6, 2)).astype("float32")
    norm[0, 0] = 0.0
    mt1 = rng.uniform(-1, 1, (2, 3)).astype("float32")
    mt2 = rng.uniform(-1, 1, (2, 3)).astype("float32")
    sw23 = rng.uniform(0, 2, (2, 3)).astype("float32")
    cls3 = {"num_classes": 3}
    return [
        ("MeanIoU", [], cls3, False, (ids1, pid1), (ids2 % 3, pid2), None),
        ("MeanIoU", [], dict(cls3, ignore_class=255), True, (ids1, pid1), (ids2, pid2),
         sw_ids),
        ("IoU", [], dict(cls3, target_class_ids=[0, 2]), False, (ids1, pid1),
         (ids2 % 3, pid2), None),
        ("IoU", [], dict(cls3, target_class_ids=[1], sparse_y_true=False,
                         sparse_y_pred=False), True, (oh1, sc1), (oh2, sc2), sw8),
        ("BinaryIoU", [], {}, False, (bt1, bp1), (bt2, bp2), None),
        ("BinaryIoU", [], {"target_class_ids": [1], "threshold": 0.3}, True, (bt1, bp1),
         (bt2, bp2), sw6),
        ("OneHotIoU", [], dict(cls3, target_class_ids=[0, 1]), True, (oh1, sc1), (oh2, sc2),
         sw8),
        ("OneHotMeanIoU", [], cls3, False, (oh1, sc1), (oh2, sc2), None),
        ("FBetaScore", [], {}, False, (ml1, ms1), (ml2, ms2), None),
        ("FBetaScore", [], {"average": "micro", "beta": 2.0, "threshold": 0.4}, True,
         (ml1, ms1), (ml2, ms2), sw6),
        ("FBetaScore", [], {"average": "weighted", "beta": 0.5}, True, (ml1, ms1),
         (ml2, ms2), sw6),
        ("F1Score", [], {"average": "macro", "threshold": 0.5}, False, (ml1, ms1),
         (ml2, ms2), None),
        ("R2Score", [], {}, False, (rt1, rp1), (rt2, rp2), None),
        ("R2Score", [], {"class_aggregation": "variance_weighted_average"}, True, (rt1, rp1),
         (rt2, rp2), sw6),
        ("R2Score", [], {"class_aggregation": None, "num_regressors": 2}, False, (rt1, rp1),
         (rt2, rp2), None),
        ("MeanRelativeError", [norm], {}, False, (rt1, rp1), (rt2, rp2), None),
        ("MeanRelativeError", [norm], {}, True, (rt1, rp1), (rt2, rp2), sw6),
        ("MeanTensor", [], {}, True, (mt1,), (mt2,), sw23),
    ]


def make_random_image(g):
    from tf_keras.preprocessing import image as kimage
    rng = rng_for("conformance/random_image")
    first = rng.uniform(0, 255, (3, 9, 9)).astype("float32")      # channels first
    last = rng.uniform(-1, 2, (9, 9, 3)).astype("float32")        # channels last
    cl = {"row_axis": 0, "col_axis": 1, "channel_axis": 2}
    specs = [
        ("random_rotation", first, [40], {}),
        ("random_rotation", last, [90], dict(cl, fill_mode="constant", cval=0.5)),
        ("random_rotation", first, [25], {"fill_mode": "reflect", "interpolation_order": 3}),
        ("random_shear", first, [30], {"fill_mode": "wrap"}),
        ("random_shear", last, [15], dict(cl, interpolation_order=0)),
        ("random_zoom", first, [(0.7, 1.3)], {}),
        ("random_zoom", last, [[0.5, 0.9]], dict(cl, fill_mode="constant", cval=-1.0)),
        ("random_zoom", first, [(1, 1)], {}),
        ("random_channel_shift", first, [40.0], {}),
        ("random_channel_shift", last, [0.8], {"channel_axis": 2}),
        ("random_brightness", (last * 80 + 60), [(0.5, 1.5)], {}),
        ("random_brightness", last, [[0.2, 0.9]], {"scale": False}),
    ]
    for i, (fn, x, args, kw) in enumerate(specs):
        seed = 100 + i
        np.random.seed(seed)
        y = getattr(kimage, fn)(x.copy(), *args, **kw)
        g.add({"name": "random_%02d_%s" % (i, fn), "kind": "random_image", "function": fn,
               "args": [list(a) if isinstance(a, tuple) else a for a in args], "kwargs": kw,
               "seed": seed,
               "notes": "np.random.seed(seed); y = image.%s(x, *args, **kwargs)" % fn},
              {"x": x, "y": np.asarray(y)})


def main(argv):
    g = Group("conformance")
    make_masked(g)
    make_metrics(g)
    make_random_image(g)
    g.close()
    print("tf", tf.__version__, "tf_keras", keras.__version__)


if __name__ == "__main__":
    main(sys.argv)
