"""Golden fixtures of LocallyConnected1D/2D from real tf-keras 2.21.

Run by hand (never in CI), from the repo root::

    TF_USE_LEGACY_KERAS=1 <tfvenv>/bin/python tools/make_fixtures_locally_connected.py

Writes ``tests/fixtures/locally_connected/cases.json`` and one ``<case>.npz``
per case (tools/_golden.py's format):

- layer cases for each implementation (1, 2, 3), data format, padding and
  stride (x0 input, w0.. weights, y output);
- ``*_train``: a small model trained for two SGD steps with train_on_batch;
  weights after each step (``s<step>_w<i>``), its prediction ``y``;
- ``lc<impl>_model.h5``: the trained models, saved by tf-keras.
"""
import os

import make_fixtures as mf  # (sets the TF environment first)
from _golden import Group, clean_config, rng_for

np, tf, keras, L = mf.np, mf.tf, mf.keras, mf.L
K = keras.backend

LAYER_CASES = [
    # name, class, kwargs, input shape (without batch)
    ("lc1d_impl1", "LocallyConnected1D", {"filters": 3, "kernel_size": 3}, (7, 4)),
    ("lc1d_impl1_stride", "LocallyConnected1D",
     {"filters": 2, "kernel_size": 2, "strides": 3, "activation": "tanh"}, (8, 3)),
    ("lc1d_impl1_first", "LocallyConnected1D",
     {"filters": 3, "kernel_size": 3, "data_format": "channels_first"}, (4, 7)),
    ("lc1d_impl2_same", "LocallyConnected1D",
     {"filters": 3, "kernel_size": 4, "padding": "same", "implementation": 2}, (6, 2)),
    ("lc1d_impl2_first", "LocallyConnected1D",
     {"filters": 2, "kernel_size": 3, "strides": 2, "implementation": 2,
      "data_format": "channels_first"}, (3, 7)),
    ("lc1d_impl3_same", "LocallyConnected1D",
     {"filters": 3, "kernel_size": 3, "padding": "same", "implementation": 3,
      "use_bias": False}, (5, 2)),
    ("lc1d_impl3_first", "LocallyConnected1D",
     {"filters": 2, "kernel_size": 2, "strides": 2, "padding": "same", "implementation": 3,
      "data_format": "channels_first"}, (3, 7)),
    ("lc2d_impl1", "LocallyConnected2D", {"filters": 3, "kernel_size": (2, 3)}, (5, 6, 2)),
    ("lc2d_impl1_stride_relu", "LocallyConnected2D",
     {"filters": 2, "kernel_size": 3, "strides": (2, 1), "activation": "relu"}, (7, 5, 3)),
    ("lc2d_impl1_first", "LocallyConnected2D",
     {"filters": 3, "kernel_size": (3, 2), "data_format": "channels_first"}, (2, 5, 4)),
    ("lc2d_impl2_same", "LocallyConnected2D",
     {"filters": 2, "kernel_size": (2, 3), "padding": "same", "implementation": 2},
     (4, 5, 2)),
    ("lc2d_impl2_first", "LocallyConnected2D",
     {"filters": 2, "kernel_size": 2, "strides": 2, "implementation": 2,
      "data_format": "channels_first"}, (3, 5, 4)),
    ("lc2d_impl3", "LocallyConnected2D",
     {"filters": 2, "kernel_size": 3, "implementation": 3}, (5, 4, 2)),
    ("lc2d_impl3_same_first", "LocallyConnected2D",
     {"filters": 3, "kernel_size": (3, 2), "strides": (1, 2), "padding": "same",
      "implementation": 3, "data_format": "channels_first"}, (2, 4, 5)),
]


def layer_case(g, name, cls_name, kwargs, input_shape):
    K.clear_session()
    rng = rng_for("locally_connected/" + name)
    x = rng.uniform(-2.0, 2.0, (2,) + tuple(input_shape)).astype("float32")
    layer = getattr(L, cls_name)(**kwargs)
    layer(tf.constant(x))
    ws = [rng.uniform(-0.6, 0.6, w.shape).astype("float32") for w in layer.get_weights()]
    layer.set_weights(ws)
    y = np.asarray(layer(tf.constant(x)))
    g.add({"name": name, "layer": cls_name, "kwargs": kwargs,
           "input_shapes": [list(input_shape)], "inputs": 1, "weights": len(ws),
           "weight_names": [w.name for w in layer.weights],
           "weight_shapes": [list(w.shape) for w in ws], "outputs": 1,
           "output_shapes": [list(y.shape)], "dtype": "float32",
           "config": clean_config(layer.get_config()), "notes": ""},
          {"x0": x, "y": y, **{"w%d" % i: w for i, w in enumerate(ws)}})


def _model(impl):
    if impl == 1:
        inp = keras.Input((6, 5, 2))
        h = L.LocallyConnected2D(3, 3, activation="relu", implementation=1)(inp)
    else:
        inp = keras.Input((8, 3))
        h = L.LocallyConnected1D(4, 3, padding="same", activation="tanh",
                                 implementation=impl)(inp)
    h = L.Flatten()(h)
    out = L.Dense(2)(h)
    return keras.Model(inp, out), tuple(inp.shape[1:])


def make_training(g):
    for impl in (1, 2, 3):
        name = "lc%d_train" % impl
        K.clear_session()
        rng = rng_for("locally_connected/" + name)
        model, shape = _model(impl)
        new = [rng.uniform(-0.6, 0.6, w.shape).astype("float32") for w in model.get_weights()]
        model.set_weights(new)
        model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
        x = rng.uniform(-2, 2, (8,) + shape).astype("float32")
        t = rng.uniform(-1, 1, (8, 2)).astype("float32")
        arrays = {"t": t, "x0": x, **{"w%d" % i: w for i, w in enumerate(new)}}
        losses = []
        for step in (1, 2):
            losses.append(float(model.train_on_batch(x, t)))
            for i, w in enumerate(model.get_weights()):
                arrays["s%d_w%d" % (step, i)] = w
        arrays["y"] = model.predict(x, verbose=0)
        g.add({"name": name, "layer": "model", "kwargs": {}, "input_shapes": [list(shape)],
               "inputs": 1, "weights": len(new),
               "weight_names": [v.name for v in model.weights],
               "weight_shapes": [list(w.shape) for w in new], "outputs": 1,
               "output_shapes": [list(arrays["y"].shape)], "losses": losses,
               "model_config": clean_config(model.get_config()),
               "notes": "compile(SGD(0.1), 'mse'); train_on_batch(x0, t) twice; "
                        "s<step>_w<i> = get_weights() after each step; y = predict(x0); "
                        "the trained model is lc<impl>_model.h5"},
              arrays)
        model.save(os.path.join(g.dir, "lc%d_model.h5" % impl))


def main():
    g = Group("locally_connected")
    for fn in os.listdir(g.dir):
        if fn.endswith(".h5"):
            os.remove(os.path.join(g.dir, fn))
    for case in LAYER_CASES:
        layer_case(g, *case)
    make_training(g)
    g.close()


if __name__ == "__main__":
    main()
