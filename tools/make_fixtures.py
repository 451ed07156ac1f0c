"""Generate golden test fixtures from real tf-keras 2.21 (the Keras 2 line).

ckeras itself never imports TensorFlow: this script is run BY HAND in a separate venv and
its output (small ``.npz`` + ``.json`` files under ``tests/fixtures/``) is committed. The
tests read the fixtures with NumPy only.

One-time setup (outside the repo)::

    python3 -m venv <tfvenv>
    <tfvenv>/bin/pip install tensorflow-cpu==2.21.0 tf-keras==2.21.0

Regenerate (from the repo root)::

    TF_USE_LEGACY_KERAS=1 <tfvenv>/bin/python tools/make_fixtures.py [group ...]

(`CKERAS_FIXTURES_DIR=DIR` writes under DIR instead of tests/fixtures.) The
helpers shared with the other generators are in tools/_golden.py.

Groups: core, backend, training (default: all). Output is deterministic: every case draws
its data from ``np.random.RandomState(crc32(case_name))``, oneDNN is disabled, and the npz
archives are written with fixed zip timestamps, so rerunning gives byte-identical files
(as long as the TF/tf-keras versions are the same).

Layout (see ``tests/fixtures/README.md``)::

    tests/fixtures/<group>/cases.json     list of case dicts
    tests/fixtures/<group>/<case>.npz     x0.. inputs, w0.. weights, y / y0.. outputs
"""
import json
import os
import sys

import _golden
from _golden import Group, clean_config, rng_for, write_npz

_golden.tf_environment()

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf_keras as keras  # noqa: E402

K = keras.backend
L = keras.layers

ROOT = _golden.FIXTURES

VERSIONS = {"tensorflow": tf.__version__, "tf_keras": keras.__version__, "numpy": np.__version__}


def fl(a, dtype="float32"):
    return np.asarray(a, dtype=dtype)


# --------------------------------------------------------------------------------------------
# group: core
# --------------------------------------------------------------------------------------------
ACTIVATIONS = ["linear", "relu", "sigmoid", "tanh", "softmax", "elu", "selu", "softplus",
               "softsign", "hard_sigmoid", "exponential", "swish", "silu", "gelu", "relu6",
               "mish"]


def layer_case(g, name, cls_name, kwargs, input_shapes, batch=3, lo=-2.0, hi=2.0, notes="",
               dtype="float32", inputs=None, layer=None, weights_lo=-1.0, weights_hi=1.0,
               extra_entry=None):
    """Build `cls_name(**kwargs)`, give it random weights, record layer(x, training=False)."""
    K.clear_session()
    rng = rng_for("core/" + name)
    if inputs is None:
        inputs = [rng.uniform(lo, hi, (batch,) + tuple(s)).astype(dtype) for s in input_shapes]
    if layer is None:
        layer = getattr(L, cls_name)(**kwargs)
    multi = cls_name in ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum",
                         "Concatenate", "Dot")
    call_in = [tf.constant(x) for x in inputs]
    arg = call_in if multi else call_in[0]
    layer(arg)  # build
    ws = layer.get_weights()
    new_ws = [rng.uniform(weights_lo, weights_hi, w.shape).astype(w.dtype) for w in ws]
    if new_ws:
        layer.set_weights(new_ws)
    y = layer(arg, training=False)
    ys = y if isinstance(y, (list, tuple)) else [y]
    ys = [np.asarray(t) for t in ys]
    arrays = {"x%d" % i: x for i, x in enumerate(inputs)}
    arrays.update({"w%d" % i: w for i, w in enumerate(new_ws)})
    if len(ys) == 1:
        arrays["y"] = ys[0]
    else:
        arrays.update({"y%d" % i: t for i, t in enumerate(ys)})
    entry = {
        "name": name,
        "layer": type(layer).__name__,
        "kwargs": kwargs,
        "input_shapes": [list(x.shape[1:]) for x in inputs],
        "inputs": len(inputs),
        "weights": len(new_ws),
        "weight_names": [w.name for w in layer.weights],
        "weight_shapes": [list(w.shape) for w in new_ws],
        "outputs": len(ys),
        "output_shapes": [list(t.shape) for t in ys],
        "dtype": dtype,
        "config": clean_config(layer.get_config()),
        "notes": notes,
    }
    if extra_entry:
        entry.update(extra_entry)
    g.add(entry, arrays)


def activation_input(name, dtype="float32"):
    """(4, 6): three random rows in [-4, 4] plus a row of edge values."""
    rng = rng_for("core/actinput/" + name)
    x = rng.uniform(-4, 4, (3, 6))
    edge = np.array([[-7.0, -2.5, 0.0, 2.5, 6.0, 7.5]])
    return np.concatenate([x, edge]).astype(dtype)


def lambda_case(g, name, fn, arguments, input_shape, fn_text, notes="", batch=3, lo=-3, hi=3,
                inputs=None):
    K.clear_session()
    rng = rng_for("core/" + name)
    if inputs is None:
        inputs = [rng.uniform(lo, hi, (batch,) + tuple(input_shape)).astype("float32")]
    layer = L.Lambda(fn, arguments=arguments)
    y = np.asarray(layer(tf.constant(inputs[0]), training=False))
    cfg = clean_config(layer.get_config(), fn_text)
    cfg["function"] = fn_text
    entry = {
        "name": name, "layer": "Lambda",
        "kwargs": {"function": fn_text, "arguments": arguments},
        "input_shapes": [list(inputs[0].shape[1:])], "inputs": 1, "weights": 0,
        "weight_names": [], "weight_shapes": [], "outputs": 1, "output_shapes": [list(y.shape)],
        "dtype": "float32", "config": cfg,
        "notes": ("Lambda(%s, arguments=%r); function is given as text. " % (fn_text, arguments))
        + notes,
    }
    g.add(entry, {"x0": inputs[0], "y": y})


def make_core():
    g = Group("core")

    # ---- Dense ---------------------------------------------------------------------------
    for act in ACTIVATIONS:
        layer_case(g, "dense_" + act, "Dense", {"units": 4, "activation": act}, [(5,)],
                   notes="y = act(x @ w0 + w1)")
    layer_case(g, "dense_no_bias", "Dense", {"units": 4, "use_bias": False}, [(5,)],
               notes="y = x @ w0")
    layer_case(g, "dense_3d", "Dense", {"units": 4, "activation": "tanh"}, [(3, 5)], batch=2,
               notes="Dense on (B,T,F): acts on the last axis")
    layer_case(g, "dense_4d_relu", "Dense", {"units": 3, "activation": "relu"}, [(2, 3, 4)],
               batch=2, notes="Dense on rank-4 input")
    layer_case(g, "dense_float64", "Dense", {"units": 3, "activation": "sigmoid",
                                             "dtype": "float64"}, [(4,)], dtype="float64",
               notes="float64 layer; all arrays float64")

    # ---- Activation layer ---------------------------------------------------------------
    for act in ACTIVATIONS:
        layer_case(g, "activation_" + act, "Activation", {"activation": act}, None,
                   inputs=[activation_input(act)],
                   notes="input rows 0-2 uniform(-4,4); row 3 = [-7,-2.5,0,2.5,6,7.5]")
    layer_case(g, "activation_softmax_3d", "Activation", {"activation": "softmax"}, [(3, 5)],
               batch=2, lo=-3, hi=3, notes="softmax over the last axis of a 3-D input")

    # ---- activations.* with arguments via Lambda ----------------------------------------
    relu_args = [
        {"alpha": 0.1},
        {"max_value": 2.0},
        {"threshold": 0.5},
        {"alpha": 0.2, "max_value": 2.5},
        {"alpha": 0.1, "threshold": 1.0},
        {"alpha": 0.3, "max_value": 2.0, "threshold": 0.5},
        {"max_value": 1.5, "threshold": 0.5},
    ]
    for i, a in enumerate(relu_args):
        lambda_case(g, "lambda_relu_args_%d" % i, keras.activations.relu, a, (8,),
                    "keras.activations.relu", lo=-4, hi=4, batch=3)
    lambda_case(g, "lambda_softmax_axis1", keras.activations.softmax, {"axis": 1}, (3, 4),
                "keras.activations.softmax", batch=2,
                notes="softmax along axis 1 of a (B,3,4) input")
    lambda_case(g, "lambda_elu_alpha", keras.activations.elu, {"alpha": 0.5}, (6,),
                "keras.activations.elu")
    lambda_case(g, "lambda_gelu_approximate", keras.activations.gelu, {"approximate": True}, (6,),
                "keras.activations.gelu")

    # ---- reshaping layers ---------------------------------------------------------------
    layer_case(g, "flatten_2d", "Flatten", {}, [(5,)], notes="rank-2 input: identity")
    layer_case(g, "flatten_1d", "Flatten", {}, [()], batch=4, notes="rank-1 input (B,) -> (B,1)")
    layer_case(g, "flatten_4d", "Flatten", {}, [(2, 3, 4)], batch=2)
    layer_case(g, "flatten_4d_channels_first", "Flatten", {"data_format": "channels_first"},
               [(2, 3, 4)], batch=2,
               notes="channels_first: input transposed to channels_last order before flattening")
    layer_case(g, "flatten_3d_channels_first", "Flatten", {"data_format": "channels_first"},
               [(3, 4)], batch=2)
    layer_case(g, "reshape_minus1", "Reshape", {"target_shape": [-1, 2]}, [(3, 4)], batch=2)
    layer_case(g, "reshape_2x6", "Reshape", {"target_shape": [2, 6]}, [(3, 4)], batch=2)
    layer_case(g, "reshape_flat_to_3d", "Reshape", {"target_shape": [2, -1, 3]}, [(12,)],
               batch=2)
    layer_case(g, "permute_21", "Permute", {"dims": [2, 1]}, [(3, 4)], batch=2)
    layer_case(g, "permute_312", "Permute", {"dims": [3, 1, 2]}, [(2, 3, 4)], batch=2)
    layer_case(g, "repeatvector_3", "RepeatVector", {"n": 3}, [(4,)], batch=2)

    # ---- merge layers -------------------------------------------------------------------
    for cls in ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"]:
        layer_case(g, cls.lower() + "_2", cls, {}, [(4,), (4,)])
        if cls != "Subtract":
            layer_case(g, cls.lower() + "_3", cls, {}, [(2, 4), (2, 4), (2, 4)], batch=2)
    layer_case(g, "add_broadcast", "Add", {}, [(3, 4), (1, 4)], batch=2,
               notes="TF2 broadcasts size-1 dims between inputs")
    layer_case(g, "concatenate_last", "Concatenate", {"axis": -1}, [(3,), (5,)])
    layer_case(g, "concatenate_last_3", "Concatenate", {"axis": -1}, [(2, 3), (2, 1), (2, 2)],
               batch=2)
    layer_case(g, "concatenate_axis1", "Concatenate", {"axis": 1}, [(3, 4), (2, 4)], batch=2)
    layer_case(g, "dot_axes1", "Dot", {"axes": 1}, [(5,), (5,)], notes="(B,n).(B,n) -> (B,1)")
    layer_case(g, "dot_axes_1_2", "Dot", {"axes": [1, 2]}, [(4, 3), (5, 4)], batch=2,
               notes="x (B,4,3), y (B,5,4); contract x axis 1 with y axis 2 -> (B,3,5)")
    layer_case(g, "dot_axes2_3d", "Dot", {"axes": 2}, [(3, 4), (5, 4)], batch=2,
               notes="contract last axes -> (B,3,5)")
    layer_case(g, "dot_normalize", "Dot", {"axes": 1, "normalize": True}, [(5,), (5,)],
               notes="cosine similarity")
    layer_case(g, "dot_normalize_3d", "Dot", {"axes": [1, 2], "normalize": True},
               [(4, 3), (5, 4)], batch=2, notes="inputs l2-normalised along their dot axes")

    # ---- advanced activation layers ----------------------------------------------------
    layer_case(g, "leakyrelu_default", "LeakyReLU", {}, [(6,)], lo=-3, hi=3, notes="alpha=0.3")
    layer_case(g, "leakyrelu_0.1", "LeakyReLU", {"alpha": 0.1}, [(6,)], lo=-3, hi=3)
    layer_case(g, "prelu", "PReLU", {}, [(6,)], lo=-3, hi=3,
               notes="alpha weight (6,) random uniform(-1,1)")
    layer_case(g, "prelu_3d", "PReLU", {}, [(3, 4)], batch=2, lo=-3, hi=3,
               notes="alpha weight (3,4)")
    layer_case(g, "prelu_shared_axes", "PReLU", {"shared_axes": [1]}, [(3, 4)], batch=2, lo=-3,
               hi=3, notes="alpha weight (1,4) shared over axis 1")
    layer_case(g, "prelu_shared_axes_12", "PReLU", {"shared_axes": [1, 2]}, [(2, 3, 4)], batch=2,
               lo=-3, hi=3, notes="alpha weight (1,1,4) (conv style)")
    layer_case(g, "elu_default", "ELU", {}, [(6,)], lo=-3, hi=3)
    layer_case(g, "elu_0.5", "ELU", {"alpha": 0.5}, [(6,)], lo=-3, hi=3)
    layer_case(g, "relu_default", "ReLU", {}, [(8,)], lo=-8, hi=8)
    layer_case(g, "relu_max6", "ReLU", {"max_value": 6.0}, [(8,)], lo=-8, hi=8)
    layer_case(g, "relu_max6_slope_thresh", "ReLU",
               {"max_value": 6.0, "negative_slope": 0.1, "threshold": 0.5}, [(8,)], lo=-8, hi=8)
    layer_case(g, "relu_slope_thresh", "ReLU", {"negative_slope": 0.2, "threshold": 1.0},
               [(8,)], lo=-4, hi=4)
    layer_case(g, "thresholdedrelu_default", "ThresholdedReLU", {}, [(8,)], lo=-3, hi=3,
               notes="theta=1.0: x if x > theta else 0")
    layer_case(g, "thresholdedrelu_0.5", "ThresholdedReLU", {"theta": 0.5}, [(8,)], lo=-3, hi=3)
    layer_case(g, "softmax_layer_last", "Softmax", {"axis": -1}, [(3, 4)], batch=2, lo=-3, hi=3)
    layer_case(g, "softmax_layer_axis1", "Softmax", {"axis": 1}, [(3, 4)], batch=2, lo=-3, hi=3)
    layer_case(g, "softmax_layer_2d", "Softmax", {}, [(5,)], lo=-3, hi=3)

    # ---- noise / dropout (identity at inference) ---------------------------------------
    layer_case(g, "dropout_inference", "Dropout", {"rate": 0.5}, [(6,)],
               notes="training=False -> identity")
    layer_case(g, "gaussiannoise_inference", "GaussianNoise", {"stddev": 0.3}, [(6,)])
    layer_case(g, "gaussiandropout_inference", "GaussianDropout", {"rate": 0.3}, [(6,)])
    layer_case(g, "alphadropout_inference", "AlphaDropout", {"rate": 0.2}, [(6,)])

    make_core_models(g)
    g.close()


def set_random_weights(model, rng):
    ws = [rng.uniform(-1, 1, w.shape).astype(w.dtype) for w in model.get_weights()]
    model.set_weights(ws)
    return ws


def make_core_models(g):
    # functional: 2 inputs, 2 outputs, shared Dense used twice
    K.clear_session()
    name = "model_functional_2in_2out"
    rng = rng_for("core/" + name)
    in_a = L.Input(shape=(5,), name="in_a")
    in_b = L.Input(shape=(3,), name="in_b")
    da = L.Dense(4, activation="relu", name="branch_a")(in_a)
    db = L.Dense(4, activation="tanh", name="branch_b")(in_b)
    shared = L.Dense(4, activation="sigmoid", name="shared")
    sa, sb = shared(da), shared(db)
    cat = L.Concatenate(name="concat")([sa, sb])
    out_main = L.Dense(3, activation="softmax", name="out_main")(cat)
    out_aux = L.Dense(2, name="out_aux")(L.Subtract(name="diff")([sa, sb]))
    model = keras.Model([in_a, in_b], [out_main, out_aux], name="two_in_two_out")
    ws = set_random_weights(model, rng)
    xa = rng.uniform(-2, 2, (4, 5)).astype("float32")
    xb = rng.uniform(-2, 2, (4, 3)).astype("float32")
    ya, yb = model.predict([xa, xb], verbose=0)
    cfg_file = g.write_model_config(name, model.get_config())
    arrays = {"x0": xa, "x1": xb, "y0": ya, "y1": yb}
    arrays.update({"w%d" % i: w for i, w in enumerate(ws)})
    g.add({
        "name": name, "layer": "Model", "kwargs": {},
        "input_shapes": [[5], [3]], "inputs": 2, "weights": len(ws),
        "weight_names": [w.name for w in model.weights],
        "weight_shapes": [list(w.shape) for w in ws], "outputs": 2,
        "output_shapes": [list(ya.shape), list(yb.shape)], "dtype": "float32",
        "config": model.get_config(), "model_config_file": cfg_file,
        "layer_names": [lyr.name for lyr in model.layers],
        "notes": ("in_a(5)->branch_a Dense(4,relu); in_b(3)->branch_b Dense(4,tanh); "
                  "shared=Dense(4,sigmoid,name='shared') applied to both; "
                  "out_main=Dense(3,softmax)(Concatenate([sa,sb])); "
                  "out_aux=Dense(2)(Subtract([sa,sb])). y0/y1 = model.predict([x0,x1]). "
                  "Weights in model.get_weights() order (shared layer appears once)."),
    }, arrays)

    # Sequential MLP 8-16-4 softmax
    K.clear_session()
    name = "model_sequential_mlp"
    rng = rng_for("core/" + name)
    model = keras.Sequential([
        L.Dense(16, activation="relu", input_shape=(8,)),
        L.Dense(4, activation="softmax"),
    ])
    ws = set_random_weights(model, rng)
    x = rng.uniform(-1, 1, (4, 8)).astype("float32")
    y = model.predict(x, verbose=0)
    cfg_file = g.write_model_config(name, model.get_config())
    arrays = {"x0": x, "y": y}
    arrays.update({"w%d" % i: w for i, w in enumerate(ws)})
    g.add({
        "name": name, "layer": "Sequential", "kwargs": {},
        "input_shapes": [[8]], "inputs": 1, "weights": len(ws),
        "weight_names": [w.name for w in model.weights],
        "weight_shapes": [list(w.shape) for w in ws], "outputs": 1,
        "output_shapes": [list(y.shape)], "dtype": "float32",
        "config": model.get_config(), "model_config_file": cfg_file,
        "layer_names": [lyr.name for lyr in model.layers],
        "notes": "Sequential([Dense(16,relu,input_shape=(8,)), Dense(4,softmax)]); y = predict(x0)",
    }, arrays)


# --------------------------------------------------------------------------------------------
# group: backend
# --------------------------------------------------------------------------------------------
def make_backend():
    g = Group("backend")
    arrays = {}
    cases = []
    rng = rng_for("backend")

    def u(*shape, lo=-1.0, hi=1.0):
        return rng.uniform(lo, hi, shape).astype("float32")

    def case(name, expr, fn, inputs, notes=""):
        out = fn(*[tf.constant(x) for x in inputs])
        outs = out if isinstance(out, (list, tuple)) else [out]
        outs = [np.asarray(o) for o in outs]
        for i, x in enumerate(inputs):
            arrays["%s__x%d" % (name, i)] = x
        if len(outs) == 1:
            arrays["%s__y" % name] = outs[0]
        else:
            for i, o in enumerate(outs):
                arrays["%s__y%d" % (name, i)] = o
        cases.append({"name": name, "expr": expr, "inputs": len(inputs), "outputs": len(outs),
                      "input_shapes": [list(x.shape) for x in inputs],
                      "input_dtypes": [str(x.dtype) for x in inputs],
                      "output_shapes": [list(o.shape) for o in outs],
                      "output_dtypes": [str(o.dtype) for o in outs], "notes": notes})

    # dot / batch_dot
    case("dot_2d_2d", "K.dot(x0, x1)", K.dot, [u(2, 3), u(3, 4)])
    case("dot_2d_3d", "K.dot(x0, x1)", K.dot, [u(2, 3), u(4, 3, 5)],
         notes="contract last axis of x0 with second-to-last of x1 -> (2,4,5)")
    case("dot_3d_2d", "K.dot(x0, x1)", K.dot, [u(2, 3, 4), u(4, 5)])
    case("dot_3d_3d", "K.dot(x0, x1)", K.dot, [u(2, 3, 4), u(3, 4, 2)], notes="-> (2,3,3,2)")
    case("batch_dot_axes_1_2", "K.batch_dot(x0, x1, axes=(1, 2))",
         lambda a, b: K.batch_dot(a, b, axes=(1, 2)), [u(3, 4, 1), u(3, 5, 4)],
         notes="spec example (32,20,1),(32,30,20) scaled down -> (3,1,5)")
    case("batch_dot_2d_2d", "K.batch_dot(x0, x1)", K.batch_dot, [u(3, 4), u(3, 4)],
         notes="-> (B,1)")
    case("batch_dot_2d_2d_axes1", "K.batch_dot(x0, x1, axes=1)",
         lambda a, b: K.batch_dot(a, b, axes=1), [u(3, 4), u(3, 4)])
    case("batch_dot_3d_3d_default", "K.batch_dot(x0, x1)", K.batch_dot,
         [u(3, 2, 4), u(3, 4, 5)], notes="default axes (2, 1) -> (3,2,5)")
    case("batch_dot_3d_2d_default", "K.batch_dot(x0, x1)", K.batch_dot, [u(3, 2, 4), u(3, 4)],
         notes="y 2-D: default axes (last, last) -> (3,2)")
    case("batch_dot_axes_2_2", "K.batch_dot(x0, x1, axes=[2, 2])",
         lambda a, b: K.batch_dot(a, b, axes=[2, 2]), [u(3, 2, 4), u(3, 5, 4)])
    case("batch_dot_axes_int1_3d", "K.batch_dot(x0, x1, axes=1)",
         lambda a, b: K.batch_dot(a, b, axes=1), [u(3, 4, 2), u(3, 4, 5)])

    # l2_normalize
    x = u(3, 4)
    case("l2_normalize_last", "K.l2_normalize(x0, axis=-1)",
         lambda a: K.l2_normalize(a, axis=-1), [x])
    case("l2_normalize_none", "K.l2_normalize(x0, axis=None)",
         lambda a: K.l2_normalize(a, axis=None), [x])
    case("l2_normalize_axis0", "K.l2_normalize(x0, axis=0)",
         lambda a: K.l2_normalize(a, axis=0), [x])
    case("l2_normalize_zero_row", "K.l2_normalize(x0, axis=-1)",
         lambda a: K.l2_normalize(a, axis=-1), [fl([[0, 0, 0], [1e-7, 0, 0], [3, 4, 0]])],
         notes="max(sum x^2, 1e-12) guard")

    # crossentropies
    logits = u(3, 4, lo=-3, hi=3)
    probs = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    onehot = np.eye(4, dtype="float32")[[1, 3, 0]]
    soft_t = fl([[0.1, 0.6, 0.2, 0.1], [0, 0, 0.5, 0.5], [1, 0, 0, 0]])
    unnorm = fl([[2, 2, 1, 1], [0.5, 0.1, 0.2, 0.3], [0, 1, 2, 3]])
    for fl_ in (False, True):
        t = "True" if fl_ else "False"
        case("categorical_crossentropy_logits_%s" % t,
             "K.categorical_crossentropy(x0, x1, from_logits=%s)" % t,
             lambda a, b, f=fl_: K.categorical_crossentropy(a, b, from_logits=f),
             [onehot, logits if fl_ else probs])
        case("categorical_crossentropy_soft_logits_%s" % t,
             "K.categorical_crossentropy(x0, x1, from_logits=%s)" % t,
             lambda a, b, f=fl_: K.categorical_crossentropy(a, b, from_logits=f),
             [soft_t, logits if fl_ else probs], notes="soft targets")
        case("sparse_categorical_crossentropy_logits_%s" % t,
             "K.sparse_categorical_crossentropy(x0, x1, from_logits=%s)" % t,
             lambda a, b, f=fl_: K.sparse_categorical_crossentropy(a, b, from_logits=f),
             [np.array([1, 3, 0], dtype="int64"), logits if fl_ else probs],
             notes="x0 int64 labels (B,)")
        bl = u(3, 4, lo=-3, hi=3)
        bt = fl([[0, 1, 1, 0], [1, 1, 0, 0], [0.3, 0.7, 1, 0]])
        case("binary_crossentropy_logits_%s" % t,
             "K.binary_crossentropy(x0, x1, from_logits=%s)" % t,
             lambda a, b, f=fl_: K.binary_crossentropy(a, b, from_logits=f),
             [bt, bl if fl_ else 1 / (1 + np.exp(-bl))],
             notes="elementwise, no mean; row 2 has soft targets")
    case("categorical_crossentropy_unnormalised", "K.categorical_crossentropy(x0, x1)",
         K.categorical_crossentropy, [onehot, unnorm],
         notes="output renormalised to sum 1 along the axis; row 2: true class has "
               "probability 0 (clipped to eps)")
    case("sparse_categorical_crossentropy_2d_labels",
         "K.sparse_categorical_crossentropy(x0, x1)", K.sparse_categorical_crossentropy,
         [np.array([[1], [3], [0]], dtype="int64"), probs], notes="labels (B,1)")
    case("binary_crossentropy_extremes", "K.binary_crossentropy(x0, x1)",
         K.binary_crossentropy, [fl([[0, 1, 0, 1]]), fl([[0, 1, 1, 0]])],
         notes="predictions exactly 0/1: clipping to [eps, 1-eps]. float32 arithmetic: "
               "1-(1-eps) rounds to 1.19e-7, so t=0,p=1 gives 15.3332 while t=1,p=0 gives "
               "15.4249")
    case("categorical_crossentropy_zero_prob", "K.categorical_crossentropy(x0, x1)",
         K.categorical_crossentropy, [fl([[0, 1, 0]]), fl([[0.5, 0.0, 0.5]])],
         notes="true class with probability 0: clipped to eps")

    # activations
    ax = np.concatenate([u(3, 6, lo=-4, hi=4), fl([[-7, -2.5, 0, 2.5, 6, 7.5]])])
    case("softmax", "K.softmax(x0)", K.softmax, [ax])
    case("softmax_axis0", "K.softmax(x0, axis=0)", lambda a: K.softmax(a, axis=0), [ax])
    case("elu", "K.elu(x0)", K.elu, [ax])
    case("elu_alpha0.5", "K.elu(x0, alpha=0.5)", lambda a: K.elu(a, alpha=0.5), [ax])
    for i, kw in enumerate([{}, {"alpha": 0.1}, {"max_value": 2.0}, {"threshold": 0.5},
                            {"alpha": 0.2, "max_value": 2.5, "threshold": 0.5},
                            {"alpha": 0.1, "threshold": -1.0}, {"max_value": 6.0}]):
        expr = "K.relu(x0%s)" % "".join(", %s=%r" % kv for kv in kw.items())
        case("relu_%d" % i, expr, lambda a, kw=kw: K.relu(a, **kw), [ax])
    case("hard_sigmoid", "K.hard_sigmoid(x0)", K.hard_sigmoid, [ax])
    case("sigmoid", "K.sigmoid(x0)", K.sigmoid, [ax])
    case("tanh", "K.tanh(x0)", K.tanh, [ax])
    case("softplus", "K.softplus(x0)", K.softplus, [ax])
    case("softsign", "K.softsign(x0)", K.softsign, [ax])

    # reductions
    x = u(2, 3, 4, lo=-2, hi=2)
    for fn_name in ("std", "var"):
        f = getattr(K, fn_name)
        case(fn_name + "_all", "K.%s(x0)" % fn_name, f, [x])
        case(fn_name + "_axis0", "K.%s(x0, axis=0)" % fn_name, lambda a, f=f: f(a, axis=0), [x])
        case(fn_name + "_axis_last_keepdims", "K.%s(x0, axis=-1, keepdims=True)" % fn_name,
             lambda a, f=f: f(a, axis=-1, keepdims=True), [x])
        case(fn_name + "_axis_01", "K.%s(x0, axis=[0, 1])" % fn_name,
             lambda a, f=f: f(a, axis=[0, 1]), [x])
    for fn_name in ("mean", "sum", "max", "min", "prod"):
        f = getattr(K, fn_name)
        case(fn_name + "_axis1_keepdims", "K.%s(x0, axis=1, keepdims=True)" % fn_name,
             lambda a, f=f: f(a, axis=1, keepdims=True), [x])
    case("argmax", "K.argmax(x0)", K.argmax, [x])
    case("argmin_axis0", "K.argmin(x0, axis=0)", lambda a: K.argmin(a, axis=0), [x])
    case("sqrt_negative", "K.sqrt(x0)", K.sqrt, [fl([[-1, 0, 4, 2]])],
         notes="negative input")

    # clip
    case("clip", "K.clip(x0, -0.5, 0.7)", lambda a: K.clip(a, -0.5, 0.7), [x])
    case("clip_max_lt_min", "K.clip(x0, 4.0, 2.0)", lambda a: K.clip(a, 4.0, 2.0), [x],
         notes="max < min")

    # shape ops
    y = u(2, 3)
    case("repeat_elements_axis1", "K.repeat_elements(x0, 2, axis=1)",
         lambda a: K.repeat_elements(a, 2, axis=1), [y])
    case("repeat_elements_axis0", "K.repeat_elements(x0, 3, axis=0)",
         lambda a: K.repeat_elements(a, 3, axis=0), [y])
    case("repeat", "K.repeat(x0, 3)", lambda a: K.repeat(a, 3), [y])
    case("one_hot", "K.one_hot(x0, 5)", lambda a: K.one_hot(a, 5),
         [np.array([[0, 4, 2], [1, 1, 3]], dtype="int32")])
    case("permute_dimensions", "K.permute_dimensions(x0, (2, 0, 1))",
         lambda a: K.permute_dimensions(a, (2, 0, 1)), [x])
    case("reverse_axis1", "K.reverse(x0, 1)", lambda a: K.reverse(a, 1), [x])
    case("reverse_axes_0_2", "K.reverse(x0, [0, 2])", lambda a: K.reverse(a, [0, 2]), [x])
    case("gather", "K.gather(x0, x1)", K.gather,
         [u(5, 3), np.array([4, 0, 2, 2], dtype="int32")])
    case("gather_2d_indices", "K.gather(x0, x1)", K.gather,
         [u(5, 3), np.array([[4, 0], [1, 1]], dtype="int32")])
    case("batch_flatten", "K.batch_flatten(x0)", K.batch_flatten, [x])
    case("tile", "K.tile(x0, (2, 1))", lambda a: K.tile(a, (2, 1)), [y])
    case("concatenate_axis0", "K.concatenate([x0, x1], axis=0)",
         lambda a, b: K.concatenate([a, b], axis=0), [y, u(1, 3)])
    case("cumsum_axis1", "K.cumsum(x0, axis=1)", lambda a: K.cumsum(a, axis=1), [y])

    write_npz(os.path.join(g.dir, "backend.npz"), arrays)
    g.cases = cases
    g.close()


# --------------------------------------------------------------------------------------------
# group: training
# --------------------------------------------------------------------------------------------
def make_losses(g):
    rng = rng_for("training/losses")
    B, F = 3, 4
    sw = fl([1.0, 0.0, 2.0])

    logits = rng.uniform(-3, 3, (B, F)).astype("float32")
    probs = (np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)).astype("float32")
    onehot = np.eye(F, dtype="float32")[[2, 0, 3]]
    sparse = np.array([2, 0, 3], dtype="int64")
    bin_t = fl([[0, 1, 1, 0], [1, 0, 1, 1], [0, 0, 1, 0]])
    bin_logits = rng.uniform(-3, 3, (B, F)).astype("float32")
    bin_p = (1 / (1 + np.exp(-bin_logits))).astype("float32")
    reg_t = rng.uniform(-2, 2, (B, F)).astype("float32")
    reg_p = rng.uniform(-2, 2, (B, F)).astype("float32")
    pos_t = rng.uniform(0, 3, (B, F)).astype("float32")
    pos_p = rng.uniform(0.05, 3, (B, F)).astype("float32")
    pm1 = np.where(bin_t > 0, 1.0, -1.0).astype("float32")
    dist_t = rng.uniform(0, 1, (B, F)).astype("float32")
    dist_t /= dist_t.sum(-1, keepdims=True)

    # (case name, function name, class name, fn kwargs (also class kwargs), y_true, y_pred, notes)
    specs = [
        ("mse", "mean_squared_error", "MeanSquaredError", {}, reg_t, reg_p, ""),
        ("mae", "mean_absolute_error", "MeanAbsoluteError", {}, reg_t, reg_p, ""),
        ("mape", "mean_absolute_percentage_error", "MeanAbsolutePercentageError", {}, reg_t,
         reg_p, ""),
        ("msle", "mean_squared_logarithmic_error", "MeanSquaredLogarithmicError", {}, pos_t,
         pos_p, ""),
        ("msle_negative", "mean_squared_logarithmic_error", "MeanSquaredLogarithmicError", {},
         reg_t, reg_p, "negative values clipped to eps before log1p"),
        ("bce", "binary_crossentropy", "BinaryCrossentropy", {}, bin_t, bin_p, ""),
        ("bce_logits", "binary_crossentropy", "BinaryCrossentropy", {"from_logits": True},
         bin_t, bin_logits, ""),
        ("bce_smooth", "binary_crossentropy", "BinaryCrossentropy", {"label_smoothing": 0.2},
         bin_t, bin_p, ""),
        ("bce_logits_smooth", "binary_crossentropy", "BinaryCrossentropy",
         {"from_logits": True, "label_smoothing": 0.2}, bin_t, bin_logits, ""),
        ("cce", "categorical_crossentropy", "CategoricalCrossentropy", {}, onehot, probs, ""),
        ("cce_unnormalised", "categorical_crossentropy", "CategoricalCrossentropy", {}, onehot,
         probs * fl([[2.0], [0.5], [3.0]]), "predictions not summing to 1 (renormalised)"),
        ("cce_logits", "categorical_crossentropy", "CategoricalCrossentropy",
         {"from_logits": True}, onehot, logits, ""),
        ("cce_smooth", "categorical_crossentropy", "CategoricalCrossentropy",
         {"label_smoothing": 0.1}, onehot, probs, ""),
        ("cce_logits_smooth", "categorical_crossentropy", "CategoricalCrossentropy",
         {"from_logits": True, "label_smoothing": 0.1}, onehot, logits, ""),
        ("scce", "sparse_categorical_crossentropy", "SparseCategoricalCrossentropy", {}, sparse,
         probs, "y_true int64 (B,)"),
        ("scce_logits", "sparse_categorical_crossentropy", "SparseCategoricalCrossentropy",
         {"from_logits": True}, sparse, logits, "y_true int64 (B,)"),
        ("scce_labels_b1", "sparse_categorical_crossentropy", "SparseCategoricalCrossentropy",
         {}, sparse[:, None].astype("float32"), probs, "y_true float (B,1)"),
        ("kld", "kl_divergence", "KLDivergence", {}, dist_t, probs, ""),
        ("poisson", "poisson", "Poisson", {}, pos_t, pos_p, ""),
        ("cosine_similarity", "cosine_similarity", "CosineSimilarity", {}, reg_t, reg_p, ""),
        ("hinge_01", "hinge", "Hinge", {}, bin_t, reg_p, "{0,1} labels are mapped to -1/+1"),
        ("hinge_pm1", "hinge", "Hinge", {}, pm1, reg_p, "-1/+1 labels"),
        ("squared_hinge_01", "squared_hinge", "SquaredHinge", {}, bin_t, reg_p, ""),
        ("squared_hinge_pm1", "squared_hinge", "SquaredHinge", {}, pm1, reg_p, ""),
        ("categorical_hinge", "categorical_hinge", "CategoricalHinge", {}, onehot, reg_p, ""),
        ("huber", "huber", "Huber", {}, reg_t, reg_p, "delta=1.0"),
        ("huber_delta0.5", "huber", "Huber", {"delta": 0.5}, reg_t, reg_p, ""),
        ("log_cosh", "log_cosh", "LogCosh", {}, reg_t, reg_p, ""),
    ]
    for name, fn_name, cls_name, kw, t, p, notes in specs:
        fn = getattr(keras.losses, fn_name)
        cls = getattr(keras.losses, cls_name)
        per_sample = np.asarray(fn(tf.constant(t), tf.constant(p), **kw))
        obj = cls(**kw)
        auto = np.asarray(obj(t, p))
        auto_sw = np.asarray(obj(t, p, sample_weight=sw))
        s = np.asarray(cls(reduction="sum", **kw)(t, p, sample_weight=sw))
        none = np.asarray(cls(reduction="none", **kw)(t, p, sample_weight=sw))
        arrays = {"y_true": t, "y_pred": p, "sample_weight": sw, "fn": per_sample,
                  "auto": auto, "auto_sw": auto_sw, "sum_sw": s, "none_sw": none}
        g.add({"name": "loss_" + name, "kind": "loss", "function": fn_name, "class": cls_name,
               "kwargs": kw, "config": obj.get_config(),
               "expr": {"fn": "keras.losses.%s(y_true, y_pred, **kwargs)" % fn_name,
                        "auto": "keras.losses.%s(**kwargs)(y_true, y_pred)" % cls_name,
                        "auto_sw": "keras.losses.%s(**kwargs)(y_true, y_pred, "
                                   "sample_weight=sample_weight)" % cls_name,
                        "sum_sw": "keras.losses.%s(reduction='sum', **kwargs)(y_true, y_pred, "
                                  "sample_weight=sample_weight)" % cls_name,
                        "none_sw": "keras.losses.%s(reduction='none', **kwargs)(y_true, "
                                   "y_pred, sample_weight=sample_weight)" % cls_name},
               "notes": notes}, arrays)

    # rank-3 outputs: per-sample losses (B,T), weights (B,) and (B,T)
    t3 = rng.uniform(-1, 1, (2, 3, 4)).astype("float32")
    p3 = rng.uniform(-1, 1, (2, 3, 4)).astype("float32")
    sw_b = fl([1.0, 3.0])
    sw_bt = fl([[1, 0, 2], [0.5, 1, 0]])
    mse = keras.losses.MeanSquaredError()
    arrays = {"y_true": t3, "y_pred": p3, "sample_weight": sw_b, "sample_weight_bt": sw_bt,
              "fn": np.asarray(keras.losses.mean_squared_error(t3, p3)),
              "auto": np.asarray(mse(t3, p3)),
              "auto_sw": np.asarray(mse(t3, p3, sample_weight=sw_b)),
              "auto_sw_bt": np.asarray(mse(t3, p3, sample_weight=sw_bt)),
              "sum_sw": np.asarray(keras.losses.MeanSquaredError(reduction="sum")(
                  t3, p3, sample_weight=sw_b)),
              "none_sw": np.asarray(keras.losses.MeanSquaredError(reduction="none")(
                  t3, p3, sample_weight=sw_b))}
    g.add({"name": "loss_mse_rank3", "kind": "loss", "function": "mean_squared_error",
           "class": "MeanSquaredError", "kwargs": {}, "config": mse.get_config(),
           "expr": {"auto_sw_bt": "MeanSquaredError()(y_true, y_pred, "
                                  "sample_weight=sample_weight_bt)"},
           "notes": "y (2,3,4): per-sample loss (2,3); sample_weight (B,) broadcast over T; "
                    "sample_weight_bt (B,T); auto divides by B*T"}, arrays)

    # spec's verified numbers
    checks = [
        ("bce_spec", "binary_crossentropy", {}, fl([[0, 1]]), fl([[0.2, 0.8]])),
        ("huber_spec", "huber", {}, fl([[0, 0]]), fl([[0.5, 3]])),
        ("log_cosh_spec", "log_cosh", {}, fl([[0, 0]]), fl([[0.5, 3]])),
        ("cce_spec_unnormalised", "categorical_crossentropy", {}, fl([[0, 1]]), fl([[2, 2]])),
    ]
    for name, fn_name, kw, t, p in checks:
        v = np.asarray(getattr(keras.losses, fn_name)(t, p, **kw))
        g.add({"name": "loss_" + name, "kind": "loss", "function": fn_name, "class": None,
               "kwargs": kw, "config": None,
               "expr": {"fn": "keras.losses.%s(y_true, y_pred)" % fn_name},
               "notes": "numbers quoted in the spec"}, {"y_true": t, "y_pred": p, "fn": v})


def make_metrics(g):
    rng = rng_for("training/metrics")
    B, F = 4, 3
    p = rng.uniform(0, 1, (B, F)).astype("float32")
    p[3] = [0.3, 0.3, 0.2]  # argmax tie -> first index
    oh = np.eye(F, dtype="float32")[[1, 0, 2, 1]]
    sp = np.array([1, 0, 2, 1], dtype="int64")
    bt = fl([[1, 0, 1], [0, 0, 1], [1, 1, 0], [0, 1, 0]])
    bp = fl([[0.6, 0.5, 0.51], [0.2, 0.7, 0.9], [0.5, 0.8, 0.1], [0.49, 0.4, 0.3]])
    fn_specs = [
        ("binary_accuracy", {}, bt, bp, "0.5 -> class 0"),
        ("binary_accuracy", {"threshold": 0.7}, bt, bp, ""),
        ("categorical_accuracy", {}, oh, p, "row 3 has an argmax tie"),
        ("sparse_categorical_accuracy", {}, sp, p, "labels (B,)"),
        ("sparse_categorical_accuracy", {}, sp[:, None].astype("float32"), p, "labels (B,1)"),
        ("top_k_categorical_accuracy", {"k": 2}, oh, p, ""),
        ("top_k_categorical_accuracy", {"k": 1}, oh, p, ""),
        ("sparse_top_k_categorical_accuracy", {"k": 2}, sp, p, ""),
    ]
    for i, (fn_name, kw, t, pr, notes) in enumerate(fn_specs):
        v = np.asarray(getattr(keras.metrics, fn_name)(tf.constant(t), tf.constant(pr), **kw))
        g.add({"name": "metric_fn_%02d_%s" % (i, fn_name), "kind": "metric_fn",
               "function": fn_name, "kwargs": kw,
               "expr": "keras.metrics.%s(y_true, y_pred, **kwargs)" % fn_name, "notes": notes},
              {"y_true": t, "y_pred": pr, "y": v})

    # stateful classes: two update_state calls, result after each
    reg_t = rng.uniform(-1, 1, (B, F)).astype("float32")
    reg_p = rng.uniform(-1, 1, (B, F)).astype("float32")
    bin_scores = rng.uniform(0, 1, (B, F)).astype("float32")
    bin_t2 = (rng.uniform(0, 1, (B, F)) > 0.5).astype("float32")
    sw2 = fl([1, 0, 2, 0.5])
    int_t = np.array([[1, 2], [0, 2], [1, 1], [3, 0]], dtype="int64")
    int_p = np.array([[1, 2], [1, 2], [1, 0], [3, 3]], dtype="int64")
    int_t2 = np.array([[2, 2], [0, 1], [1, 1], [0, 0]], dtype="int64")
    specs = [
        ("Accuracy", {}, (int_t, int_p), (int_t2, int_p), False),
        ("BinaryAccuracy", {}, (bt, bp), (bin_t2, bin_scores), True),
        ("BinaryAccuracy", {"threshold": 0.3}, (bt, bp), (bin_t2, bin_scores), False),
        ("CategoricalAccuracy", {}, (oh, p), (oh[::-1].copy(), p), True),
        ("SparseCategoricalAccuracy", {}, (sp, p), (sp[::-1].copy(), p), False),
        ("TopKCategoricalAccuracy", {"k": 2}, (oh, p), (oh[::-1].copy(), p), False),
        ("AUC", {}, (bt, bp), (bin_t2, bin_scores), False),
        ("AUC", {"curve": "PR"}, (bt, bp), (bin_t2, bin_scores), False),
        ("AUC", {"num_thresholds": 5}, (bt, bp), (bin_t2, bin_scores), True),
        ("Precision", {}, (bt, bp), (bin_t2, bin_scores), False),
        ("Precision", {"thresholds": 0.3}, (bt, bp), (bin_t2, bin_scores), True),
        ("Recall", {}, (bt, bp), (bin_t2, bin_scores), False),
        ("Recall", {"top_k": 1}, (bt, bp), (bin_t2, bin_scores), False),
        ("MeanSquaredError", {}, (reg_t, reg_p), (reg_p, reg_t * 2), True),
        ("Mean", {}, (reg_t,), (reg_p,), True),
    ]
    for i, (cls_name, kw, a1, a2, weighted2) in enumerate(specs):
        m = getattr(keras.metrics, cls_name)(**kw)
        m.update_state(*a1)
        r1 = np.asarray(m.result())
        if weighted2:
            m.update_state(*a2, sample_weight=sw2)
        else:
            m.update_state(*a2)
        r2 = np.asarray(m.result())
        arrays = {"r1": r1, "r2": r2}
        for j, v in enumerate(m.variables):
            arrays["var_%d" % j] = np.asarray(v)
        for j, a in enumerate(a1):
            arrays["a1_%d" % j] = a
        for j, a in enumerate(a2):
            arrays["a2_%d" % j] = a
        if weighted2:
            arrays["sample_weight2"] = sw2
        cfg = m.get_config()
        g.add({"name": "metric_cls_%02d_%s" % (i, cls_name), "kind": "metric_class",
               "class": cls_name, "kwargs": kw, "config": cfg,
               "expr": ("m = keras.metrics.%s(**kwargs); m.update_state(*a1); r1 = m.result(); "
                        "m.update_state(*a2%s); r2 = m.result()"
                        % (cls_name, ", sample_weight=sample_weight2" if weighted2 else "")),
               "variables": [v.name for v in m.variables],
               "notes": ("a1_0=y_true, a1_1=y_pred of the first call (Mean: a1_0 = values); "
                         "var_* = metric variables after the second call")},
              arrays)


OPT_CASES = [
    ("sgd", "SGD", {"learning_rate": 0.1}),
    ("sgd_momentum", "SGD", {"learning_rate": 0.1, "momentum": 0.9}),
    ("sgd_nesterov", "SGD", {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True}),
    ("sgd_clipnorm", "SGD", {"learning_rate": 0.1, "clipnorm": 0.5}),
    ("sgd_clipvalue", "SGD", {"learning_rate": 0.1, "clipvalue": 0.1}),
    ("sgd_global_clipnorm", "SGD", {"learning_rate": 0.1, "global_clipnorm": 0.5}),
    ("sgd_default", "SGD", {}),
    ("rmsprop", "RMSprop", {"learning_rate": 0.01}),
    ("rmsprop_centered", "RMSprop", {"learning_rate": 0.01, "centered": True}),
    ("rmsprop_momentum", "RMSprop", {"learning_rate": 0.01, "momentum": 0.9}),
    ("rmsprop_default", "RMSprop", {}),
    ("adagrad", "Adagrad", {"learning_rate": 0.1}),
    ("adagrad_default", "Adagrad", {}),
    ("adadelta", "Adadelta", {"learning_rate": 1.0}),
    ("adadelta_default", "Adadelta", {}),
    ("adam", "Adam", {"learning_rate": 0.01}),
    ("adam_amsgrad", "Adam", {"learning_rate": 0.01, "amsgrad": True}),
    ("adam_default", "Adam", {}),
    ("adamax", "Adamax", {"learning_rate": 0.01}),
    ("adamax_default", "Adamax", {}),
    ("nadam", "Nadam", {"learning_rate": 0.01}),
    ("nadam_default", "Nadam", {}),
    ("ftrl", "Ftrl", {"learning_rate": 0.1}),
    ("ftrl_l1_l2", "Ftrl", {"learning_rate": 0.1, "l1_regularization_strength": 0.01,
                            "l2_regularization_strength": 0.02, "beta": 0.5,
                            "l2_shrinkage_regularization_strength": 0.03}),
    ("ftrl_default", "Ftrl", {}),
]


LEGACY_OPT_CASES = [
    ("legacy_sgd_momentum", "SGD", {"learning_rate": 0.1, "momentum": 0.9}),
    ("legacy_sgd_nesterov", "SGD", {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True}),
    ("legacy_sgd_clipnorm", "SGD", {"learning_rate": 0.1, "clipnorm": 0.5}),
    ("legacy_rmsprop", "RMSprop", {"learning_rate": 0.01}),
    ("legacy_rmsprop_centered", "RMSprop", {"learning_rate": 0.01, "centered": True}),
    ("legacy_rmsprop_momentum", "RMSprop", {"learning_rate": 0.01, "momentum": 0.9}),
    ("legacy_adagrad", "Adagrad", {"learning_rate": 0.1}),
    ("legacy_adadelta", "Adadelta", {"learning_rate": 1.0}),
    ("legacy_adam", "Adam", {"learning_rate": 0.01}),
    ("legacy_adam_amsgrad", "Adam", {"learning_rate": 0.01, "amsgrad": True}),
    ("legacy_adamax", "Adamax", {"learning_rate": 0.01}),
    ("legacy_nadam", "Nadam", {"learning_rate": 0.01}),
    ("legacy_ftrl", "Ftrl", {"learning_rate": 0.1}),
]


def opt_variables(opt):
    v = opt.variables
    return list(v() if callable(v) else v)


def make_optimizers(g):
    from tf_keras.src.optimizers import optimizer as new_opt_mod

    drng = rng_for("training/optimizers/data")
    x = drng.uniform(-1, 1, (4, 3)).astype("float32")
    y = drng.uniform(-1, 1, (4, 2)).astype("float32")
    all_cases = [(n, c, kw, False) for n, c, kw in OPT_CASES]
    all_cases += [(n, c, kw, True) for n, c, kw in LEGACY_OPT_CASES]
    for name, cls_name, kw, legacy in all_cases:
        K.clear_session()
        keras.utils.set_random_seed(0)
        model = keras.Sequential([L.Dense(4, input_shape=(3,)), L.Dense(2)])
        w0 = set_random_weights(model, rng_for("training/optimizers/weights"))
        mod = keras.optimizers.legacy if legacy else keras.optimizers
        opt = getattr(mod, cls_name)(**kw)
        # run_eagerly=True: identical numbers to graph mode for every optimizer except the new
        # Nadam, whose u_product cache is broken under tf.function (see README).
        model.compile(optimizer=opt, loss="mse", run_eagerly=True)
        l1 = float(model.train_on_batch(x, y))
        w1 = model.get_weights()
        l2 = float(model.train_on_batch(x, y))
        w2 = model.get_weights()
        ovars = opt_variables(opt)
        ovals = [np.asarray(v) for v in ovars]
        arrays = {"x": x, "y": y, "loss": fl([l1, l2])}
        for tag, ws in (("w_init", w0), ("w_step1", w1), ("w_step2", w2)):
            for i, w in enumerate(ws):
                arrays["%s_%d" % (tag, i)] = w
        for i, v in enumerate(ovals):
            arrays["opt_%d" % i] = v
        impl = "new" if isinstance(opt, new_opt_mod.Optimizer) else "legacy"
        default_impl = type(getattr(keras.optimizers, cls_name)()).__module__
        g.add({"name": "opt_" + name, "kind": "optimizer", "class": cls_name, "kwargs": kw,
               "implementation": impl,
               "implementation_class": type(opt).__module__ + "." + type(opt).__name__,
               "constructor": "keras.optimizers.%s%s(**kwargs)" % (
                   "legacy." if legacy else "", cls_name),
               "default_keras_optimizers_class_is": (
                   "new" if "legacy" not in default_impl else "legacy"),
               "run_eagerly": True,
               "config": opt.get_config(),
               "weight_names": [w.name for w in model.weights],
               "optimizer_variables": [v.name for v in ovars],
               "optimizer_variable_shapes": [list(v.shape) for v in ovals],
               "notes": ("Sequential([Dense(4, input_shape=(3,)), Dense(2)]) with w_init_*; "
                         "compile(optimizer, loss='mse', run_eagerly=True); "
                         "loss[i] = train_on_batch(x, y) "
                         "(computed with the pre-update weights); w_step1_*, w_step2_* = "
                         "get_weights() after each step; opt_* = optimizer variables after "
                         "step 2 in optimizer_variables order (iteration first).")}, arrays)

    # learning-rate schedules
    steps = [0, 1, 4, 5, 6, 9, 10, 11, 20, 25, 100]
    sched = [
        ("exponential_decay", "ExponentialDecay",
         {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5}),
        ("exponential_decay_staircase", "ExponentialDecay",
         {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5,
          "staircase": True}),
        ("piecewise_constant", "PiecewiseConstantDecay",
         {"boundaries": [5, 10], "values": [1.0, 0.5, 0.1]}),
        ("inverse_time_decay", "InverseTimeDecay",
         {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5}),
        ("polynomial_decay", "PolynomialDecay",
         {"initial_learning_rate": 0.1, "decay_steps": 20, "end_learning_rate": 0.01,
          "power": 2.0}),
        ("cosine_decay", "CosineDecay",
         {"initial_learning_rate": 0.1, "decay_steps": 20, "alpha": 0.1}),
    ]
    for name, cls_name, kw in sched:
        s = getattr(keras.optimizers.schedules, cls_name)(**kw)
        vals = [float(np.asarray(s(st))) for st in steps]
        g.add({"name": "schedule_" + name, "kind": "schedule", "class": cls_name, "kwargs": kw,
               "config": s.get_config(), "steps": steps, "values": vals,
               "notes": "values[i] = schedule(steps[i]); also in the npz as float64"},
              {"steps": np.array(steps, dtype="int64"), "values": np.array(vals)})


def make_fit(g):
    # ---- tiny fit with validation_split -----------------------------------------------------
    K.clear_session()
    keras.utils.set_random_seed(0)
    name = "fit_validation_split"
    rng = rng_for("training/" + name)
    model = keras.Sequential([L.Dense(3, activation="relu", input_shape=(4,)),
                              L.Dense(2, activation="softmax")])
    w0 = set_random_weights(model, rng)
    x = rng.uniform(-1, 1, (8, 4)).astype("float32")
    y = np.eye(2, dtype="float32")[(x[:, 0] + x[:, 1] > 0).astype(int)]
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.5),
                  loss="categorical_crossentropy", metrics=["accuracy"])
    hist = model.fit(x, y, batch_size=4, epochs=2, validation_split=0.25, shuffle=False,
                     verbose=0)
    w_end = model.get_weights()
    arrays = {"x": x, "y": y}
    arrays.update({"w_init_%d" % i: w for i, w in enumerate(w0)})
    arrays.update({"w_final_%d" % i: w for i, w in enumerate(w_end)})
    cfg_file = g.write_model_config(name, model.get_config())
    g.add({"name": name, "kind": "fit", "history": hist.history,
           "history_keys": list(hist.history.keys()), "epoch": hist.epoch,
           "params": hist.params, "metrics_names": model.metrics_names,
           "model_config_file": cfg_file,
           "notes": ("Sequential([Dense(3,relu,input_shape=(4,)), Dense(2,softmax)]) with "
                     "w_init_*; compile(SGD(learning_rate=0.5), 'categorical_crossentropy', "
                     "metrics=['accuracy']); fit(x, y, batch_size=4, epochs=2, "
                     "validation_split=0.25, shuffle=False): trains on x[:6] (batches 4+2), "
                     "validates on x[6:]. w_final_* = weights after fit.")}, arrays)

    # ---- center-loss style two-input / two-output model -------------------------------------
    K.clear_session()
    keras.utils.set_random_seed(0)
    name = "fit_center_loss"
    rng = rng_for("training/" + name)
    n, n_cls, feat = 12, 3, 5
    inp = L.Input(shape=(4,), name="inp")
    lab = L.Input(shape=(1,), name="label", dtype="int32")
    h = L.Dense(feat, activation="relu", name="feature")(inp)
    out1 = L.Dense(n_cls, activation="softmax", name="softmax")(h)
    centers = L.Embedding(n_cls, feat, name="centers")(lab)
    lam_text = ("lambda t: K.sum(K.square(t[0] - t[1][:, 0]), axis=1, keepdims=True)")
    out2 = L.Lambda(lambda t: K.sum(K.square(t[0] - t[1][:, 0]), axis=1, keepdims=True),
                    name="centerlosslayer")([h, centers])
    model = keras.Model([inp, lab], [out1, out2])
    w0 = set_random_weights(model, rng)
    x = rng.uniform(-1, 1, (n, 4)).astype("float32")
    y_int = (np.arange(n) % n_cls).astype("int32")
    rng.shuffle(y_int)
    y_oh = np.eye(n_cls, dtype="float32")[y_int]
    dummy = np.zeros((n, 1), dtype="float32")
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05),
                  loss=["categorical_crossentropy", lambda y_true, y_pred: y_pred],
                  loss_weights=[1.0, 0.2], metrics={"softmax": "accuracy"})
    hist = model.fit([x, y_int[:, None]], [y_oh, dummy], batch_size=4, epochs=2,
                     validation_split=0.25, shuffle=False, verbose=0)
    w_end = model.get_weights()
    arrays = {"x": x, "y_int": y_int[:, None], "y_onehot": y_oh, "dummy": dummy}
    arrays.update({"w_init_%d" % i: w for i, w in enumerate(w0)})
    arrays.update({"w_final_%d" % i: w for i, w in enumerate(w_end)})
    cfg = clean_config(model.get_config(), lam_text)
    cfg_file = g.write_model_config(name, cfg)
    g.add({"name": name, "kind": "fit", "history": hist.history,
           "history_keys": list(hist.history.keys()), "epoch": hist.epoch,
           "params": hist.params, "metrics_names": model.metrics_names,
           "output_names": model.output_names,
           "weight_names": [w.name for w in model.weights],
           "model_config_file": cfg_file,
           "notes": ("inp(4) -> feature=Dense(5,relu) -> softmax=Dense(3,softmax) (output 1); "
                     "label(1,int32) -> centers=Embedding(3,5); centerlosslayer=Lambda(%s)"
                     "([feature, centers]) (output 2). compile(SGD(learning_rate=0.05), "
                     "loss=['categorical_crossentropy', lambda y_true, y_pred: y_pred], "
                     "loss_weights=[1., 0.2], metrics={'softmax': 'accuracy'}); "
                     "fit([x, y_int], [y_onehot, dummy], batch_size=4, epochs=2, "
                     "validation_split=0.25, shuffle=False): 9 train samples (batches 4,4,1), "
                     "3 validation samples." % lam_text)}, arrays)


def make_training():
    g = Group("training")
    make_losses(g)
    make_metrics(g)
    make_optimizers(g)
    make_fit(g)
    g.close()


# --------------------------------------------------------------------------------------------
def main(argv):
    groups = {"core": make_core, "backend": make_backend, "training": make_training}
    todo = argv[1:] or list(groups)
    for name in todo:
        groups[name]()
    with open(os.path.join(ROOT, "versions.json"), "w") as f:
        json.dump(VERSIONS, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv)
