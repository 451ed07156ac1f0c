"""Golden fixtures of SpectralNormalization and HashedCrossing from real tf-keras 2.21.

Run by hand (never in CI), from the repo root::

    TF_USE_LEGACY_KERAS=1 <tfvenv>/bin/python tools/make_fixtures_breadth.py

Writes ``tests/fixtures/breadth/cases.json`` and one ``<case>.npz`` per case
(tools/_golden.py's format):

- ``sn_*``: SpectralNormalization around Dense, Conv2D and Embedding with set
  weights (w0.. in tf-keras' weight order): ``y_infer`` = call(x0,
  training=False), then ``y`` = call(x0, training=True) and ``s1_w<i>`` the
  weights after that call (kernel normalized, vector_u updated);
- ``sn_train``: a Dense model with a SpectralNormalization layer trained for
  two SGD steps (``s<step>_w<i>``), ``sn_model.h5`` saved by tf-keras;
- ``hc_*``: HashedCrossing on string/int features (``x0``, ``x1``, ...), ``y``.
"""
import os

import make_fixtures as mf  # (sets the TF environment first)
from _golden import Group, clean_config, rng_for

np, tf, keras, L = mf.np, mf.tf, mf.keras, mf.L
K = keras.backend


def sn_case(g, name, inner, input_shape, power_iterations=1, int_input=None):
    K.clear_session()
    rng = rng_for("breadth/" + name)
    if int_input:
        x = rng.randint(0, int_input, (3,) + tuple(input_shape)).astype("int32")
    else:
        x = rng.uniform(-2.0, 2.0, (3,) + tuple(input_shape)).astype("float32")
    layer = L.SpectralNormalization(inner, power_iterations=power_iterations)
    layer(tf.constant(x))
    ws = [rng.uniform(-0.6, 0.6, w.shape).astype("float32") for w in layer.get_weights()]
    layer.set_weights(ws)
    y_infer = np.asarray(layer(tf.constant(x), training=False))
    y = np.asarray(layer(tf.constant(x), training=True))
    arrays = {"x0": x, "y": y, "y_infer": y_infer, **{"w%d" % i: w for i, w in enumerate(ws)}}
    for i, w in enumerate(layer.get_weights()):
        arrays["s1_w%d" % i] = w
    g.add({"name": name, "layer": "SpectralNormalization",
           "inner": {"class_name": type(inner).__name__,
                     "config": clean_config(inner.get_config())},
           "kwargs": {"power_iterations": power_iterations},
           "input_shapes": [list(input_shape)], "inputs": 1, "weights": len(ws),
           "weight_names": [w.name for w in layer.weights],
           "weight_shapes": [list(w.shape) for w in ws], "outputs": 1,
           "output_shapes": [list(y.shape)], "dtype": "float32",
           "config": clean_config(layer.get_config()),
           "notes": "y_infer = layer(x0, training=False); y = layer(x0, training=True); "
                    "s1_w<i> = weights after it"},
          arrays)


def sn_train(g):
    K.clear_session()
    name = "sn_train"
    rng = rng_for("breadth/" + name)
    inp = keras.Input((5,))
    h = L.SpectralNormalization(L.Dense(4, activation="tanh", name="d1"), name="sn")(inp)
    model = keras.Model(inp, L.Dense(2, name="out")(h))
    new = [rng.uniform(-0.6, 0.6, w.shape).astype("float32") for w in model.get_weights()]
    model.set_weights(new)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    x = rng.uniform(-2, 2, (8, 5)).astype("float32")
    t = rng.uniform(-1, 1, (8, 2)).astype("float32")
    arrays = {"t": t, "x0": x, **{"w%d" % i: w for i, w in enumerate(new)}}
    losses = []
    for step in (1, 2):
        losses.append(float(model.train_on_batch(x, t)))
        for i, w in enumerate(model.get_weights()):
            arrays["s%d_w%d" % (step, i)] = w
    arrays["y"] = model.predict(x, verbose=0)
    g.add({"name": name, "layer": "model", "kwargs": {}, "input_shapes": [[5]], "inputs": 1,
           "weights": len(new), "weight_names": [v.name for v in model.weights],
           "weight_shapes": [list(w.shape) for w in new], "outputs": 1,
           "output_shapes": [list(arrays["y"].shape)], "losses": losses,
           "model_config": clean_config(model.get_config()),
           "notes": "compile(SGD(0.1), 'mse'); train_on_batch(x0, t) twice; "
                    "s<step>_w<i> = get_weights() after each step; y = predict(x0)"},
          arrays)
    model.save(os.path.join(g.dir, "sn_model.h5"))


def hc_case(g, name, features, num_bins, output_mode="int"):
    K.clear_session()
    layer = L.HashedCrossing(num_bins=num_bins, output_mode=output_mode)
    y = np.asarray(layer([tf.constant(f) for f in features]))
    arrays = {"y": y}
    kinds = []
    for i, f in enumerate(features):
        f = np.asarray(f)
        if f.dtype.kind in "OSU":
            arrays["x%d" % i] = f.astype("U")
            kinds.append("str")
        else:
            arrays["x%d" % i] = f
            kinds.append("int")
    g.add({"name": name, "layer": "HashedCrossing",
           "kwargs": {"num_bins": num_bins, "output_mode": output_mode},
           "feature_kinds": kinds, "inputs": len(features), "weights": 0,
           "outputs": 1, "output_shapes": [list(y.shape)],
           "config": clean_config(layer.get_config()),
           "notes": "y = HashedCrossing(**kwargs)([x0, x1, ...])"},
          arrays)


def main():
    g = Group("breadth")
    for fn in os.listdir(g.dir):
        if fn.endswith(".h5"):
            os.remove(os.path.join(g.dir, fn))
    sn_case(g, "sn_dense", L.Dense(4), (5,))
    sn_case(g, "sn_dense_3iter", L.Dense(3, use_bias=False), (6,), power_iterations=3)
    sn_case(g, "sn_conv2d", L.Conv2D(3, 2), (5, 5, 2))
    sn_case(g, "sn_embedding", L.Embedding(7, 3), (4,), int_input=7)
    sn_train(g)
    words = np.array(["a", "b", "hello", "", "ünïcode", "a" * 40])
    ints = np.array([0, 1, -1, 2 ** 40, 7, -123456789012], dtype="int64")
    hc_case(g, "hc_str_int", [words, ints], 1000)
    hc_case(g, "hc_three", [words, ints, words[::-1].copy()], 2 ** 62)
    hc_case(g, "hc_column", [words[:, None], words[::-1, None].copy()], 97)
    hc_case(g, "hc_one_hot", [ints[:4], ints[2:]], 5, output_mode="one_hot")
    hc_case(g, "hc_scalar", [np.array("x"), np.array(3, dtype="int64")], 11)
    g.close()


if __name__ == "__main__":
    main()
