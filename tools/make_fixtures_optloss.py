"""Golden fixtures for AdamW, Lion, Adafactor and the focal losses, plus the API-names
snapshot, from real tf-keras 2.21 (issue 16 items 5-7).

Run BY HAND in the tfvenv (see tools/make_fixtures.py for the setup), from the repo root::

    TF_USE_LEGACY_KERAS=1 <tfvenv>/bin/python tools/make_fixtures_optloss.py

Writes tests/fixtures/optloss/ (cases.json + one .npz per case, and the h5_*.h5 model
files tf-keras saves with these optimizers) and
tests/fixtures/api_names_tf_keras_2_21.json. Deterministic like the other generators.

Optimizer cases follow make_fixtures.py's 'training' optimizer cases (same model, data
and keys), with three train_on_batch steps instead of two, and may name variables to
exclude from weight decay (`exclude_var_names`, passed as
`opt.exclude_from_weight_decay(var_names=...)`). `raw_*` cases apply fixed gradients to
free variables of several ranks (Adafactor's factored second moments need rank >= 2).
"""
import json
import os

import _golden
from _golden import Group, rng_for

_golden.tf_environment()

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf_keras as keras  # noqa: E402

K = keras.backend
L = keras.layers
STEPS = 3

OPT_CASES = [
    ("adamw_default", "AdamW", {}, None),
    ("adamw", "AdamW", {"learning_rate": 0.01, "weight_decay": 0.1}, None),
    ("adamw_amsgrad", "AdamW", {"learning_rate": 0.01, "weight_decay": 0.05, "amsgrad": True},
     None),
    ("adamw_exclude_bias", "AdamW", {"learning_rate": 0.01, "weight_decay": 0.5}, ["bias"]),
    ("adamw_clipnorm_ema", "AdamW", {"learning_rate": 0.01, "clipnorm": 0.5, "use_ema": True,
                                     "ema_momentum": 0.5}, None),
    ("lion_default", "Lion", {}, None),
    ("lion", "Lion", {"learning_rate": 0.01, "beta_1": 0.8, "beta_2": 0.95}, None),
    ("lion_weight_decay", "Lion", {"learning_rate": 0.01, "weight_decay": 0.1}, None),
    ("lion_clipvalue", "Lion", {"learning_rate": 0.01, "clipvalue": 0.05}, None),
    ("adafactor_default", "Adafactor", {}, None),
    ("adafactor", "Adafactor", {"learning_rate": 0.05, "relative_step": False,
                                "clip_threshold": 0.5, "beta_2_decay": -0.6,
                                "epsilon_2": 0.01}, None),
    ("adafactor_global_clipnorm", "Adafactor", {"learning_rate": 0.5, "global_clipnorm": 0.3},
     None),
    ("adafactor_ema_wd", "Adafactor", {"learning_rate": 0.02, "weight_decay": 0.1,
                                       "use_ema": True, "ema_momentum": 0.9,
                                       "ema_overwrite_frequency": 2}, None),
]

RAW_CASES = [
    ("raw_adafactor", "Adafactor", {"learning_rate": 0.1}),
    ("raw_adafactor_fixed", "Adafactor", {"learning_rate": 0.1, "relative_step": False}),
    ("raw_lion", "Lion", {"learning_rate": 0.1}),
    ("raw_adamw", "AdamW", {"learning_rate": 0.1}),
]
RAW_SHAPES = [(2, 3, 4), (3, 5), (4,), ()]


def opt_variables(opt):
    v = opt.variables
    return list(v() if callable(v) else v)


def set_random_weights(model, rng):
    ws = [rng.uniform(-1, 1, w.shape).astype(w.dtype) for w in model.get_weights()]
    model.set_weights(ws)
    return ws


def make_optimizers(g):
    drng = rng_for("training/optimizers/data")
    x = drng.uniform(-1, 1, (4, 3)).astype("float32")
    y = drng.uniform(-1, 1, (4, 2)).astype("float32")
    for name, cls_name, kw, exclude in OPT_CASES:
        K.clear_session()
        keras.utils.set_random_seed(0)
        model = keras.Sequential([L.Dense(4, input_shape=(3,)), L.Dense(2)])
        w0 = set_random_weights(model, rng_for("training/optimizers/weights"))
        opt = getattr(keras.optimizers, cls_name)(**kw)
        if exclude:
            opt.exclude_from_weight_decay(var_names=exclude)
        model.compile(optimizer=opt, loss="mse", run_eagerly=True)
        arrays = {"x": x, "y": y}
        losses = []
        for i, w in enumerate(w0):
            arrays["w_init_%d" % i] = w
        for step in range(1, STEPS + 1):
            losses.append(float(model.train_on_batch(x, y)))
            for i, w in enumerate(model.get_weights()):
                arrays["w_step%d_%d" % (step, i)] = w
        arrays["loss"] = np.array(losses, "float32")
        ovars = opt_variables(opt)
        ovals = [np.asarray(v) for v in ovars]
        for i, v in enumerate(ovals):
            arrays["opt_%d" % i] = v
        g.add({"name": "opt_" + name, "kind": "optimizer", "class": cls_name, "kwargs": kw,
               "exclude_var_names": exclude, "steps": STEPS,
               "implementation_class": type(opt).__module__ + "." + type(opt).__name__,
               "config": opt.get_config(),
               "serialized_legacy_format": keras.optimizers.serialize(
                   opt, use_legacy_format=True),
               "serialized": keras.optimizers.serialize(opt),
               "weight_names": [w.name for w in model.weights],
               "optimizer_variables": [v.name for v in ovars],
               "optimizer_variable_shapes": [list(v.shape) for v in ovals],
               "optimizer_variable_dtypes": [str(v.dtype) for v in ovals],
               "notes": ("Sequential([Dense(4, input_shape=(3,)), Dense(2)]) with w_init_*; "
                         "opt = keras.optimizers.<class>(**kwargs) (then "
                         "exclude_from_weight_decay(var_names=exclude_var_names) if set); "
                         "compile(opt, loss='mse', run_eagerly=True); loss[i] = "
                         "train_on_batch(x, y); w_step<k>_* = get_weights() after step k; "
                         "opt_* = optimizer variables after the last step.")}, arrays)

    for name, cls_name, kw in RAW_CASES:
        K.clear_session()
        rng = rng_for("optloss/" + name)
        inits = [rng.uniform(-1, 1, s).astype("float32") for s in RAW_SHAPES]
        tvars = [tf.Variable(v, name="v%d" % i) for i, v in enumerate(inits)]
        opt = getattr(keras.optimizers, cls_name)(**kw)
        arrays = {"w_init_%d" % i: v for i, v in enumerate(inits)}
        for step in range(1, STEPS + 1):
            grads = [rng.uniform(-1, 1, s).astype("float32") for s in RAW_SHAPES]
            for i, gr in enumerate(grads):
                arrays["g_step%d_%d" % (step, i)] = gr
            opt.apply_gradients(zip([tf.constant(gr) for gr in grads], tvars))
            for i, v in enumerate(tvars):
                arrays["w_step%d_%d" % (step, i)] = v.numpy()
        ovars = opt_variables(opt)
        for i, v in enumerate(ovars):
            arrays["opt_%d" % i] = np.asarray(v)
        g.add({"name": name, "kind": "optimizer_raw", "class": cls_name, "kwargs": kw,
               "steps": STEPS, "shapes": [list(s) for s in RAW_SHAPES],
               "weight_names": [v.name for v in tvars],
               "optimizer_variables": [v.name for v in ovars],
               "optimizer_variable_shapes": [list(v.shape) for v in ovars],
               "notes": ("tf.Variable(w_init_i, name='v<i>'); opt.apply_gradients(zip("
                         "g_step<k>_*, vars)) for k = 1..steps; w_step<k>_* after each.")},
              arrays)


LOSS_SPECS = [
    ("bfce", "binary_focal_crossentropy", "BinaryFocalCrossentropy", {}, "bin"),
    ("bfce_logits", "binary_focal_crossentropy", "BinaryFocalCrossentropy",
     {"from_logits": True, "gamma": 3.0}, "bin_logits"),
    ("bfce_balanced", "binary_focal_crossentropy", "BinaryFocalCrossentropy",
     {"apply_class_balancing": True, "alpha": 0.4, "gamma": 1.5}, "bin"),
    ("bfce_smooth_logits_balanced", "binary_focal_crossentropy", "BinaryFocalCrossentropy",
     {"apply_class_balancing": True, "from_logits": True, "label_smoothing": 0.2},
     "bin_logits"),
    ("bfce_gamma0", "binary_focal_crossentropy", "BinaryFocalCrossentropy", {"gamma": 0.0},
     "bin"),
    ("cfce", "categorical_focal_crossentropy", "CategoricalFocalCrossentropy", {}, "cat"),
    ("cfce_logits", "categorical_focal_crossentropy", "CategoricalFocalCrossentropy",
     {"from_logits": True, "alpha": 0.5, "gamma": 1.0}, "cat_logits"),
    ("cfce_smooth", "categorical_focal_crossentropy", "CategoricalFocalCrossentropy",
     {"label_smoothing": 0.1}, "cat_unnormalised"),
    ("cfce_logits_smooth", "categorical_focal_crossentropy", "CategoricalFocalCrossentropy",
     {"from_logits": True, "label_smoothing": 0.2, "gamma": 3.0}, "cat_logits"),
]


def make_losses(g):
    rng = rng_for("optloss/losses")
    B, F = 3, 4
    sw = np.array([1.0, 0.0, 2.0], "float32")
    bin_t = np.array([[0, 1, 1, 0], [1, 0, 1, 1], [0, 0, 1, 0]], "float32")
    bin_logits = rng.uniform(-3, 3, (B, F)).astype("float32")
    logits = rng.uniform(-3, 3, (B, F)).astype("float32")
    probs = (np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)).astype("float32")
    data = {
        "bin": (bin_t, (1 / (1 + np.exp(-bin_logits))).astype("float32")),
        "bin_logits": (bin_t, bin_logits),
        "cat": (np.eye(F, dtype="float32")[[2, 0, 3]], probs),
        "cat_unnormalised": (np.eye(F, dtype="float32")[[2, 0, 3]],
                             probs * np.array([[2.0], [0.5], [3.0]], "float32")),
        "cat_logits": (np.eye(F, dtype="float32")[[1, 3, 0]], logits),
    }
    for name, fn_name, cls_name, kw, kind in LOSS_SPECS:
        t, p = data[kind]
        fn = getattr(keras.losses, fn_name)
        cls = getattr(keras.losses, cls_name)
        obj = cls(**kw)
        pt = tf.constant(p)
        with tf.GradientTape() as tape:
            tape.watch(pt)
            auto_sw = obj(t, pt, sample_weight=sw)
        grad = tape.gradient(auto_sw, pt)
        arrays = {"y_true": t, "y_pred": p, "sample_weight": sw,
                  "fn": np.asarray(fn(tf.constant(t), pt, **kw)),
                  "auto": np.asarray(obj(t, p)), "auto_sw": np.asarray(auto_sw),
                  "grad_auto_sw": np.asarray(grad),
                  "sum_sw": np.asarray(cls(reduction="sum", **kw)(t, p, sample_weight=sw)),
                  "none_sw": np.asarray(cls(reduction="none", **kw)(t, p, sample_weight=sw)),
                  "metric_fn": np.asarray(getattr(keras.metrics, fn_name)(t, p, **kw))}
        g.add({"name": "loss_" + name, "kind": "loss", "function": fn_name, "class": cls_name,
               "kwargs": kw, "config": obj.get_config(),
               "serialized": keras.losses.serialize(obj),
               "notes": ("fn = keras.losses.<function>(y_true, y_pred, **kwargs); auto/auto_sw/"
                         "sum_sw/none_sw = <class>(reduction=..., **kwargs)(y_true, y_pred"
                         "[, sample_weight]); grad_auto_sw = d auto_sw / d y_pred; metric_fn = "
                         "keras.metrics.<function>(y_true, y_pred, **kwargs)")}, arrays)

    # axis=1 on a rank-3 input (the class axis is not the last one)
    t3 = (rng.uniform(0, 1, (2, 3, 4)) > 0.5).astype("float32")
    p3 = rng.uniform(0.05, 0.95, (2, 3, 4)).astype("float32")
    onehot3 = np.eye(3, dtype="float32")[rng.randint(0, 3, (2, 4))].transpose(0, 2, 1)
    soft3 = rng.uniform(0.1, 1, (2, 3, 4)).astype("float32")
    soft3 /= soft3.sum(1, keepdims=True)
    for name, fn_name, t, p in (("bfce_axis1", "binary_focal_crossentropy", t3, p3),
                                ("cfce_axis1", "categorical_focal_crossentropy", onehot3,
                                 soft3)):
        fn = getattr(keras.losses, fn_name)
        arrays = {"y_true": t, "y_pred": p, "fn": np.asarray(fn(t, p, axis=1))}
        g.add({"name": "loss_" + name, "kind": "loss_fn", "function": fn_name,
               "kwargs": {"axis": 1},
               "notes": "fn = keras.losses.<function>(y_true, y_pred, axis=1), inputs (2,3,4)"},
              arrays)


H5_CASES = [("h5_adamw", "AdamW", {"learning_rate": 0.01, "weight_decay": 0.1}),
            ("h5_lion", "Lion", {"learning_rate": 0.01}),
            ("h5_adafactor", "Adafactor", {"learning_rate": 0.05, "relative_step": False})]


def make_h5_files(g):
    """Models compiled with the new optimizers, trained two steps and saved to .h5 by
    tf-keras: the training_config names ('Custom>AdamW') and optimizer weights."""
    for fn in os.listdir(g.dir):
        if fn.startswith("h5_") and fn.endswith(".h5"):
            os.remove(os.path.join(g.dir, fn))
    drng = rng_for("training/optimizers/data")
    x = drng.uniform(-1, 1, (4, 3)).astype("float32")
    y = drng.uniform(-1, 1, (4, 2)).astype("float32")
    for name, cls_name, kw in H5_CASES:
        K.clear_session()
        model = keras.Sequential([L.Dense(4, input_shape=(3,)), L.Dense(2)])
        set_random_weights(model, rng_for("optloss/" + name))
        opt = getattr(keras.optimizers, cls_name)(**kw)
        model.compile(optimizer=opt, loss=keras.losses.BinaryFocalCrossentropy(gamma=1.0),
                      run_eagerly=True)
        model.train_on_batch(x, y)
        model.train_on_batch(x, y)
        h5 = name + ".h5"
        model.save(os.path.join(g.dir, h5))
        arrays = {"x": x, "y": y, "loss_next": np.float32(model.train_on_batch(x, y))}
        for i, w in enumerate(model.get_weights()):
            arrays["w_next_%d" % i] = w
        g.add({"name": name, "kind": "h5", "class": cls_name, "kwargs": kw, "file": h5,
               "notes": ("Sequential([Dense(4, input_shape=(3,)), Dense(2)]); compile(opt, "
                         "loss=BinaryFocalCrossentropy(gamma=1.0)); two train_on_batch(x, y); "
                         "model.save(file); then one more train_on_batch: loss_next and "
                         "w_next_* (what the loaded model must reproduce).")}, arrays)


def public_names(module):
    return sorted(n for n in dir(module) if not n.startswith("_"))


def make_api_names():
    snap = {"tf_keras": keras.__version__}
    for mod in ("optimizers", "losses", "metrics", "callbacks", "layers"):
        snap[mod] = public_names(getattr(keras, mod))
    snap["optimizers.schedules"] = public_names(keras.optimizers.schedules)
    snap["optimizers.legacy"] = public_names(keras.optimizers.legacy)
    path = os.path.join(_golden.FIXTURES, "api_names_tf_keras_2_21.json")
    with open(path, "w") as f:
        json.dump(snap, f, indent=1)
        f.write("\n")
    print("api names -> %s" % path)


def main():
    g = Group("optloss")
    make_optimizers(g)
    make_losses(g)
    make_h5_files(g)
    g.close()
    make_api_names()


if __name__ == "__main__":
    main()
