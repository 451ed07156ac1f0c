"""Golden fixtures of the attention family from real tf-keras 2.21.

Run by hand (never in CI), from the repo root::

    TF_USE_LEGACY_KERAS=1 <tfvenv>/bin/python tools/make_fixtures_attention.py

Writes ``tests/fixtures/attention/cases.json`` and one ``<case>.npz`` per case,
in the format of ``tests/fixtures/conv`` (the helpers are tools/_golden.py's):

- EinsumDense cases (``layer``: x0 input, w0.. weights, y output);
- call cases of MultiHeadAttention, Attention and AdditiveAttention
  (``style``: 'args' calls ``layer(x0, x1[, key=x2], **call_kwargs)``, 'list'
  calls ``layer([x0, x1[, x2]], **call_kwargs)``; ``attention_mask`` is the
  array ``am``; Keras masks ``qm``/``vm`` are set as ``_keras_mask`` of the
  query and value ('args') or passed as ``mask=[qm, vm]`` ('list'); outputs
  y0 (and y1, the scores));
- ``*_train``: small models trained for two SGD steps with train_on_batch;
  weights after each step (``s<step>_w<i>``);
- ``mha_model.h5``: the trained MultiHeadAttention model of ``mha_train``,
  saved by tf-keras (``y`` of that case is its prediction).
"""
import os

import make_fixtures as mf  # (sets the TF environment first)
from _golden import Group, clean_config, rng_for

np, tf, keras, L = mf.np, mf.tf, mf.keras, mf.L
K = keras.backend


def _weights(rng, layer, lo=-0.6, hi=0.6):
    new = [rng.uniform(lo, hi, w.shape).astype(w.dtype) for w in layer.get_weights()]
    if new:
        layer.set_weights(new)
    return new


def layer_case(g, name, cls_name, kwargs, input_shape, batch=2, args=(), wlo=-0.6, whi=0.6):
    """`cls_name(*args, **kwargs)` with random weights on one input."""
    K.clear_session()
    rng = rng_for("attention/" + name)
    x = rng.uniform(-2.0, 2.0, (batch,) + tuple(input_shape)).astype("float32")
    layer = getattr(L, cls_name)(*args, **kwargs)
    layer(tf.constant(x))
    ws = _weights(rng, layer, wlo, whi)
    y = np.asarray(layer(tf.constant(x)))
    g.add({"name": name, "layer": cls_name, "args": list(args), "kwargs": kwargs,
           "input_shapes": [list(input_shape)], "inputs": 1, "weights": len(ws),
           "weight_names": [w.name for w in layer.weights],
           "weight_shapes": [list(w.shape) for w in ws], "outputs": 1,
           "output_shapes": [list(y.shape)], "dtype": "float32",
           "config": clean_config(layer.get_config()), "notes": ""},
          {"x0": x, "y": y, **{"w%d" % i: w for i, w in enumerate(ws)}})


def einsum_case(g, name, kwargs, input_shape):
    layer_case(g, name, "EinsumDense", kwargs, input_shape)


def softmax_case(g, name, kwargs, shape, mask):
    """Softmax on logits of +-1e10 and 1, with a mask (tf-keras' adder loses
    the large logits; robust_masking keeps them)."""
    K.clear_session()
    rng = rng_for("attention/" + name)
    x = rng.uniform(-3.0, 3.0, (2,) + tuple(shape)).astype("float32")
    x[0, 0, 0] = 1e10
    layer = L.Softmax(**kwargs)
    y = np.asarray(layer(tf.constant(x), tf.constant(mask)))
    g.add({"name": name, "layer": "Softmax", "kwargs": kwargs, "style": "mask",
           "input_shapes": [list(shape)], "inputs": 1, "weights": 0, "weight_names": [],
           "weight_shapes": [], "outputs": 1, "output_shapes": [list(y.shape)],
           "dtype": "float32", "config": clean_config(layer.get_config()),
           "notes": "y = Softmax(**kwargs)(x0, mask=m)"},
          {"x0": x, "m": mask, "y": y})


def make_small_layers(g):
    layer_case(g, "unitnorm_default", "UnitNormalization", {}, (4, 5))
    layer_case(g, "unitnorm_axes", "UnitNormalization", {"axis": [1, 2]}, (3, 4))
    layer_case(g, "groupnorm_g2", "GroupNormalization", {"groups": 2}, (5, 6), wlo=0.5,
               whi=1.5)
    layer_case(g, "groupnorm_axis1", "GroupNormalization", {"groups": 3, "axis": 1}, (6, 4),
               wlo=0.5, whi=1.5)
    layer_case(g, "groupnorm_instance", "GroupNormalization",
               {"groups": -1, "epsilon": 1e-5}, (3, 4))
    layer_case(g, "groupnorm_4d_noscale", "GroupNormalization",
               {"groups": 4, "scale": False}, (3, 2, 8))
    layer_case(g, "identity", "Identity", {}, (3, 4))
    layer_case(g, "sepconv2d_positional", "SeparableConv2D", {}, (5, 5, 2),
               args=(4, 3, 1, "same", None, 1, 2, "relu", False))
    layer_case(g, "sepconv1d_positional", "SeparableConv1D", {}, (6, 3),
               args=(2, 2, 1, "causal", None, 1, 1, "tanh"))
    mask = np.ones((2, 3, 4), bool)
    mask[0, 0, 1:] = False
    mask[1, 2, :2] = False
    softmax_case(g, "softmax_mask", {}, (3, 4), mask)
    softmax_case(g, "softmax_robust_mask", {"robust_masking": True}, (3, 4), mask)


def call_case(g, name, cls_name, kwargs, shapes, style, call_kwargs=None, attention_mask=None,
              masks=None, notes=""):
    """`shapes`: query, value (and key) shapes without the batch (2)."""
    K.clear_session()
    rng = rng_for("attention/" + name)
    call_kwargs = dict(call_kwargs or {})
    xs = [rng.uniform(-2.0, 2.0, (2,) + tuple(s)).astype("float32") for s in shapes]
    arrays = {"x%d" % i: x for i, x in enumerate(xs)}
    layer = getattr(L, cls_name)(**kwargs)

    def run():
        ts = [tf.constant(x) for x in xs]
        kw = dict(call_kwargs)
        if attention_mask is not None:
            kw["attention_mask"] = tf.constant(attention_mask)
        if style == "args":
            if masks is not None:
                ts[0]._keras_mask = tf.constant(masks[0])
                ts[1]._keras_mask = tf.constant(masks[1])
            if len(ts) > 2:
                kw["key"] = ts[2]
            return layer(ts[0], ts[1], **kw)
        if masks is not None:
            kw["mask"] = [tf.constant(m) for m in masks]
        return layer(ts, **kw)

    run()
    ws = _weights(rng, layer)
    out = run()
    ys = [np.asarray(o) for o in (out if isinstance(out, (list, tuple)) else [out])]
    if attention_mask is not None:
        arrays["am"] = attention_mask
    if masks is not None:
        arrays["qm"], arrays["vm"] = masks
    arrays.update({"w%d" % i: w for i, w in enumerate(ws)})
    arrays.update({"y%d" % i: y for i, y in enumerate(ys)})
    g.add({"name": name, "layer": cls_name, "kwargs": kwargs, "style": style,
           "call_kwargs": call_kwargs, "input_shapes": [list(s) for s in shapes],
           "inputs": len(xs), "weights": len(ws),
           "weight_names": [w.name for w in layer.weights],
           "weight_shapes": [list(w.shape) for w in ws], "outputs": len(ys),
           "output_shapes": [list(y.shape) for y in ys], "dtype": "float32",
           "config": clean_config(layer.get_config()), "notes": notes}, arrays)


def make_layers(g):
    einsum_case(g, "einsum_ab_bc", {"equation": "ab,bc->ac", "output_shape": 4,
                                    "bias_axes": "c"}, (5,))
    einsum_case(g, "einsum_abc_cde", {"equation": "abc,cde->abde", "output_shape": [None, 2, 3],
                                      "bias_axes": "de"}, (4, 6))
    einsum_case(g, "einsum_left_ellipsis_relu", {"equation": "...b,bc->...c",
                                                 "output_shape": 4, "bias_axes": "c",
                                                 "activation": "relu"}, (3, 5))
    einsum_case(g, "einsum_right_ellipsis", {"equation": "ab...,bc->ac...",
                                             "output_shape": 3, "bias_axes": "c"}, (4, 2))
    einsum_case(g, "einsum_two_bound_nobias", {"equation": "abcd,cde->abe",
                                               "output_shape": [3, 6]}, (3, 4, 5))
    einsum_case(g, "einsum_bias_first_axis", {"equation": "abc,cd->abd",
                                              "output_shape": [4, 3], "bias_axes": "b"}, (4, 5))

    mha = "MultiHeadAttention"
    call_case(g, "mha_self", mha, {"num_heads": 2, "key_dim": 3}, [(4, 5), (4, 5)], "args")
    call_case(g, "mha_cross_key_value_dim", mha,
              {"num_heads": 3, "key_dim": 2, "value_dim": 4, "output_shape": 7},
              [(3, 6), (5, 6), (5, 6)], "args")
    call_case(g, "mha_nobias_scores", mha, {"num_heads": 2, "key_dim": 4, "use_bias": False},
              [(3, 5), (4, 5)], "args", {"return_attention_scores": True})
    am = rng_for("attention/mha_attention_mask/am").uniform(size=(2, 3, 5)) > 0.4
    am[1, 2] = False    # a fully masked row: uniform weights, as tf-keras' -1e9 adder gives
    call_case(g, "mha_attention_mask", mha, {"num_heads": 2, "key_dim": 3}, [(3, 4), (5, 4)],
              "args", {"return_attention_scores": True}, attention_mask=am)
    call_case(g, "mha_robust_masking", mha,
              {"num_heads": 2, "key_dim": 3, "softmax_robust_masking": True},
              [(3, 4), (5, 4)], "args", {"return_attention_scores": True}, attention_mask=am)
    call_case(g, "mha_causal", mha, {"num_heads": 2, "key_dim": 2}, [(5, 4), (5, 4)], "args",
              {"use_causal_mask": True, "return_attention_scores": True})
    qm = np.array([[1, 1, 1, 0], [1, 1, 0, 0]], bool)
    vm = np.array([[1, 1, 0, 0, 0], [1, 1, 1, 1, 0]], bool)
    call_case(g, "mha_keras_masks", mha, {"num_heads": 2, "key_dim": 3}, [(4, 6), (5, 6)],
              "args", {"return_attention_scores": True}, masks=(qm, vm),
              notes="qm and vm are the _keras_mask of query and value")
    call_case(g, "mha_axes_2d", mha, {"num_heads": 2, "key_dim": 2, "attention_axes": [2, 3]},
              [(2, 3, 4, 5), (2, 3, 4, 5)], "args", {"return_attention_scores": True})
    call_case(g, "mha_output_shape_2d", mha,
              {"num_heads": 2, "key_dim": 3, "output_shape": [2, 3]},
              [(4, 5), (4, 5)], "args")

    call_case(g, "attention_dot", "Attention", {}, [(3, 4), (5, 4)], "list",
              {"return_attention_scores": True})
    call_case(g, "attention_scaled_key", "Attention", {"use_scale": True},
              [(3, 4), (5, 2), (5, 4)], "list")
    call_case(g, "attention_concat", "Attention", {"score_mode": "concat", "use_scale": True},
              [(3, 4), (5, 4)], "list", {"return_attention_scores": True})
    call_case(g, "attention_masks_causal", "Attention", {}, [(5, 3), (5, 3)], "list",
              {"use_causal_mask": True, "return_attention_scores": True},
              masks=(np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool),
                     np.array([[1, 1, 0, 1, 0], [1, 1, 1, 1, 0]], bool)))
    call_case(g, "additive", "AdditiveAttention", {}, [(3, 4), (5, 4)], "list",
              {"return_attention_scores": True})
    call_case(g, "additive_noscale_masks", "AdditiveAttention", {"use_scale": False},
              [(4, 3), (5, 3)], "list",
              masks=(np.array([[1, 1, 0, 0], [1, 1, 1, 1]], bool),
                     np.array([[1, 0, 1, 0, 1], [1, 1, 1, 0, 0]], bool)))


def _mha_model():
    inp = keras.Input((6, 8), name="x")
    h = L.MultiHeadAttention(2, 4, name="mha")(inp, inp)
    h = L.LayerNormalization(name="ln")(L.Add(name="res")([inp, h]))
    h = L.GlobalAveragePooling1D(name="pool")(h)
    return keras.Model(inp, L.Dense(3, name="out")(h), name="mha_model"), (6, 8), 3


def _attention_model():
    q = keras.Input((5, 4), name="q")
    v = keras.Input((6, 4), name="v")
    h = L.Attention(use_scale=True, name="att")([q, v])
    h2 = L.AdditiveAttention(name="add_att")([q, v])
    h = L.Flatten(name="flat")(L.Concatenate(name="cat")([h, h2]))
    return keras.Model([q, v], L.Dense(2, name="out")(h), name="att_model"), \
        [(5, 4), (6, 4)], 2


def make_training(g):
    for name, make in (("mha_train", _mha_model), ("attention_train", _attention_model)):
        K.clear_session()
        rng = rng_for("attention/" + name)
        model, in_shapes, out_dim = make()
        new = [rng.uniform(-0.6, 0.6, w.shape).astype("float32") for w in model.get_weights()]
        model.set_weights(new)
        model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
        shapes = in_shapes if isinstance(in_shapes, list) else [in_shapes]
        xs = [rng.uniform(-2, 2, (8,) + s).astype("float32") for s in shapes]
        t = rng.uniform(-1, 1, (8, out_dim)).astype("float32")
        arrays = {"t": t, **{"x%d" % i: x for i, x in enumerate(xs)},
                  **{"w%d" % i: w for i, w in enumerate(new)}}
        losses = []
        for step in (1, 2):
            losses.append(float(model.train_on_batch(xs, t)))
            for i, w in enumerate(model.get_weights()):
                arrays["s%d_w%d" % (step, i)] = w
        arrays["y"] = model.predict(xs, verbose=0)
        g.add({"name": name, "layer": "model", "kwargs": {},
               "input_shapes": [list(s) for s in shapes], "inputs": len(xs),
               "weights": len(new), "weight_names": [v.name for v in model.weights],
               "weight_shapes": [list(w.shape) for w in new], "outputs": 1,
               "output_shapes": [list(arrays["y"].shape)], "losses": losses,
               "model_config": clean_config(model.get_config()),
               "notes": "compile(SGD(0.1), 'mse'); train_on_batch(x, t) twice; "
                        "s<step>_w<i> = get_weights() after each step; y = predict(x)"},
              arrays)
        if name == "mha_train":
            model.save(os.path.join(g.dir, "mha_model.h5"))


def main():
    g = Group("attention")
    for fn in os.listdir(g.dir):
        if fn.endswith(".h5"):
            os.remove(os.path.join(g.dir, fn))
    make_layers(g)
    make_small_layers(g)
    make_training(g)
    g.close()


if __name__ == "__main__":
    main()
