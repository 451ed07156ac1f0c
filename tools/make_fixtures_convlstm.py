"""Golden fixtures of ConvLSTM1D/2D/3D from real tf-keras 2.21.

Run by hand (never in CI), from the repo root::

    TF_USE_LEGACY_KERAS=1 <tfvenv>/bin/python tools/make_fixtures_convlstm.py

Writes ``tests/fixtures/convlstm/cases.json`` and one ``<case>.npz`` per case
(x0.. inputs, w0.. weights in ``get_weights`` order with non-trivial random
values, biases included; y0.. outputs). Kinds:

- ``layer``: ``layer(x0, training=False)``, outputs y0.. (several with
  return_state); dropout cases check that inference ignores dropout;
- ``mask``: ``layer(x0, mask=x1)`` with x1 a (N, T) bool mask;
- ``masking``: ``Input -> Masking(0.) -> layer`` on samples with zero frames;
- ``initial_state``: ``layer(x0, initial_state=[x1, x2])``;
- ``stateful``: ``stateful=True``, called on x0 then x1 (y0, y1), then
  ``reset_states()`` and x1 again (y2);
- ``grad``: y0 = layer(x0) and the gradients of sum(y0 * x1) on the input
  (g0) and on the weights (g1..), in ``get_weights`` order;
- ``train``: ``Input -> ConvLSTM2D -> Flatten -> Dense(1)``, Adam(0.01), MSE,
  two ``train_on_batch`` steps on (x0, x1): ``s1_w*``/``s2_w*`` the weights
  after each step, ``loss1``/``loss2`` the losses;
- ``h5``: that model saved by tf-keras as ``<case>.h5``; y0 its predictions
  on x0.
"""
import os

import make_fixtures as mf  # (sets the TF environment first)
from _golden import Group, clean_config, numbered, rng_for

np, tf, keras, L = mf.np, mf.tf, mf.keras, mf.L

N, T, C, F = 2, 3, 2, 3
SPATIAL = {1: (7,), 2: (5, 4), 3: (3, 4, 3)}
KSIZE = {1: 3, 2: 3, 3: 2}


def rand_weights(layer, rng, lo=-0.6, hi=0.6):
    ws = [rng.uniform(lo, hi, w.shape).astype(w.dtype) for w in layer.get_weights()]
    layer.set_weights(ws)
    return ws


def entry(name, rank, kwargs, kind, xs, ws, ys, layer):
    return {
        "name": name, "layer": f"ConvLSTM{rank}D", "rank": rank, "kwargs": kwargs,
        "kind": kind, "input_shapes": [list(x.shape) for x in xs],
        "weights": len(ws), "weight_names": [w.name for w in layer.weights],
        "weight_shapes": [list(w.shape) for w in ws], "outputs": len(ys),
        "output_shapes": [list(np.shape(y)) for y in ys],
        "config": clean_config(layer.get_config()),
    }


def x_for(rank, rng, channels_first=False, batch=N):
    shape = (batch, T) + ((C,) + SPATIAL[rank] if channels_first else SPATIAL[rank] + (C,))
    return rng.uniform(-1.5, 1.5, shape).astype("float32")


def layer_cases(g):
    variants = [
        ("default", {}),
        ("seq", {"return_sequences": True}),
        ("back_seq", {"go_backwards": True, "return_sequences": True}),
        ("state", {"return_state": True}),
        ("same_seq", {"padding": "same", "return_sequences": True}),
        ("acts", {"activation": "relu", "recurrent_activation": "sigmoid", "use_bias": False,
                  "return_sequences": True}),
        ("dropout_infer", {"dropout": 0.4, "recurrent_dropout": 0.3,
                           "return_sequences": True}),
    ]
    for rank in (1, 2, 3):
        for tag, kw in variants:
            kwargs = dict(filters=F, kernel_size=KSIZE[rank], **kw)
            add_layer(g, f"r{rank}_{tag}", rank, kwargs)
    add_layer(g, "r2_strides", 2, dict(filters=F, kernel_size=(2, 3), strides=(2, 1),
                                       padding="same", return_sequences=True))
    add_layer(g, "r1_dilation", 1, dict(filters=F, kernel_size=2, dilation_rate=2,
                                        return_sequences=True))
    add_layer(g, "r2_dilation", 2, dict(filters=F, kernel_size=2, dilation_rate=(1, 2),
                                        padding="same", return_state=True))
    for rank in (1, 2, 3):
        add_layer(g, f"r{rank}_channels_first", rank,
                  dict(filters=F, kernel_size=KSIZE[rank], data_format="channels_first",
                       padding="same", return_sequences=True), channels_first=True)
    add_layer(g, "r2_no_forget_bias", 2, dict(filters=F, kernel_size=3, unit_forget_bias=False))
    # activations without a kernel code (the taped step-by-step path)
    add_layer(g, "r2_elu_swish", 2, dict(filters=F, kernel_size=3, padding="same",
                                          activation="elu", recurrent_activation="swish",
                                          return_sequences=True))


def add_layer(g, name, rank, kwargs, channels_first=False):
    rng = rng_for("convlstm/" + name)
    x = x_for(rank, rng, channels_first)
    layer = getattr(L, f"ConvLSTM{rank}D")(**kwargs)
    layer(x)
    ws = rand_weights(layer, rng)
    ys = layer(x, training=False)
    ys = [np.asarray(y) for y in (ys if isinstance(ys, list) else [ys])]
    g.add(entry(name, rank, kwargs, "layer", [x], ws, ys, layer), numbered([x], ws, ys))


def mask_cases(g):
    for rank, kw in ((2, {"return_sequences": True}), (2, {"go_backwards": True}),
                     (1, {"return_sequences": True, "go_backwards": True}),
                     (3, {"return_state": True})):
        name = f"mask_r{rank}_" + "_".join(sorted(kw))
        rng = rng_for("convlstm/" + name)
        x = x_for(rank, rng, batch=3)
        m = np.array([[1, 1, 0], [0, 1, 1], [0, 0, 0]], bool)
        kwargs = dict(filters=F, kernel_size=KSIZE[rank], padding="same", **kw)
        layer = getattr(L, f"ConvLSTM{rank}D")(**kwargs)
        layer(x)
        ws = rand_weights(layer, rng)
        ys = layer(x, mask=tf.constant(m))
        ys = [np.asarray(y) for y in (ys if isinstance(ys, list) else [ys])]
        g.add(entry(name, rank, kwargs, "mask", [x, m], ws, ys, layer),
              numbered([x, m], ws, ys))


def masking_cases(g):
    """Masking(0.) in front: tf-keras passes its (N, T, *S) mask on, which
    masks whole frames here (zero-padded samples)."""
    for rank, kw in ((2, {"return_sequences": True}), (1, {"go_backwards": True})):
        name = f"masking_r{rank}"
        rng = rng_for("convlstm/" + name)
        x = x_for(rank, rng, batch=3)
        x[0, 2:] = 0.0
        x[1, :1] = 0.0
        kwargs = dict(filters=F, kernel_size=KSIZE[rank], padding="same", **kw)
        layer = getattr(L, f"ConvLSTM{rank}D")(**kwargs)
        model = keras.Sequential([keras.Input(x.shape[1:]), L.Masking(0.0), layer])
        ws = rand_weights(layer, rng)
        y = model.predict(x, verbose=0)
        g.add(entry(name, rank, kwargs, "masking", [x], ws, [y], layer), numbered([x], ws, [y]))


def state_cases(g):
    rng = rng_for("convlstm/initial_state")
    x = x_for(2, rng)
    kwargs = dict(filters=F, kernel_size=3, padding="same", return_sequences=True)
    layer = L.ConvLSTM2D(**kwargs)
    h0 = rng.uniform(-1, 1, (N,) + SPATIAL[2] + (F,)).astype("float32")
    c0 = rng.uniform(-1, 1, h0.shape).astype("float32")
    layer(x, initial_state=[tf.constant(h0), tf.constant(c0)])
    ws = rand_weights(layer, rng)
    y = np.asarray(layer(x, initial_state=[tf.constant(h0), tf.constant(c0)]))
    g.add(entry("initial_state", 2, kwargs, "initial_state", [x, h0, c0], ws, [y], layer),
          numbered([x, h0, c0], ws, [y]))

    rng = rng_for("convlstm/stateful")
    x0, x1 = x_for(2, rng), x_for(2, rng)
    kwargs = dict(filters=F, kernel_size=3, stateful=True)
    inp = keras.Input(batch_shape=x0.shape)
    layer = L.ConvLSTM2D(**kwargs)
    model = keras.Model(inp, layer(inp))
    ws = rand_weights(layer, rng)
    y0 = model.predict_on_batch(x0)
    y1 = model.predict_on_batch(x1)
    layer.reset_states()
    y2 = model.predict_on_batch(x1)
    g.add(entry("stateful", 2, kwargs, "stateful", [x0, x1], ws, [y0, y1, y2], layer),
          numbered([x0, x1], ws, [y0, y1, y2]))


def grad_cases(g):
    specs = [("grad_r2_seq", 2, {"return_sequences": True}),
             ("grad_r2_back_state", 2, {"go_backwards": True, "padding": "same"}),
             ("grad_r1_strides", 1, {"strides": 2, "return_sequences": True}),
             ("grad_r3", 3, {"padding": "same"})]
    for name, rank, kw in specs:
        rng = rng_for("convlstm/" + name)
        x = x_for(rank, rng)
        kwargs = dict(filters=F, kernel_size=KSIZE[rank], **kw)
        layer = getattr(L, f"ConvLSTM{rank}D")(**kwargs)
        layer(x)
        ws = rand_weights(layer, rng)
        xt = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(xt)
            y = layer(xt)
            r = tf.constant(rng.uniform(-1, 1, y.shape).astype("float32"))
            loss = tf.reduce_sum(y * r)
        grads = tape.gradient(loss, [xt] + layer.trainable_weights)
        arrays = numbered([x, np.asarray(r)], ws, [np.asarray(y)])
        arrays.update({f"g{i}": np.asarray(v) for i, v in enumerate(grads)})
        g.add(entry(name, rank, kwargs, "grad", [x, np.asarray(r)], ws, [np.asarray(y)], layer),
              arrays)


def small_model(rng):
    inp = keras.Input((T,) + SPATIAL[2] + (C,))
    h = L.ConvLSTM2D(F, 3, padding="same", name="convlstm")(inp)
    out = L.Dense(1, name="out")(L.Flatten(name="flat")(h))
    model = keras.Model(inp, out)
    ws = [rng.uniform(-0.5, 0.5, w.shape).astype(w.dtype) for w in model.get_weights()]
    model.set_weights(ws)
    return model, ws


def train_cases(g, folder):
    rng = rng_for("convlstm/train")
    model, ws = small_model(rng)
    model.compile(keras.optimizers.Adam(0.01), "mse")
    x = x_for(2, rng, batch=4)
    y = rng.uniform(-1, 1, (4, 1)).astype("float32")
    loss1 = model.train_on_batch(x, y)
    s1 = model.get_weights()
    loss2 = model.train_on_batch(x, y)
    s2 = model.get_weights()
    arrays = numbered([x, y], ws, [])
    arrays.update({f"s1_w{i}": w for i, w in enumerate(s1)})
    arrays.update({f"s2_w{i}": w for i, w in enumerate(s2)})
    arrays.update(loss1=np.float32(loss1), loss2=np.float32(loss2))
    g.add(entry("train", 2, {}, "train", [x, y], ws, [], model.layers[1]), arrays)

    rng = rng_for("convlstm/h5")
    model, ws = small_model(rng)
    x = x_for(2, rng)
    y = model.predict(x, verbose=0)
    model.save(os.path.join(folder, "h5_model.h5"))
    e = entry("h5", 2, {}, "h5", [x], ws, [y], model.layers[1])
    e["file"] = "h5_model.h5"
    g.add(e, numbered([x], ws, [y]))


def main():
    g = Group("convlstm")
    layer_cases(g)
    mask_cases(g)
    masking_cases(g)
    state_cases(g)
    grad_cases(g)
    train_cases(g, g.dir)
    g.close()


if __name__ == "__main__":
    main()
