"""Writes `.keras` and `.weights.h5` files with ckeras, for Keras 3 to load.

The reverse direction of tools/make_fixtures_keras3.py:

    python tools/make_ckeras_keras3_files.py                      # ckeras env
    /work/tfvenv/bin/python tools/make_fixtures_keras3.py reverse # Keras 3

The first writes tests/fixtures/keras3/ck_NAME.keras (and some
ck_NAME.weights.h5) plus ck_NAME.npz with the inputs `x0, ...` and ckeras's
predictions `y0, ...`; the second loads every ck_* file with Keras 3
(`keras.saving.load_model`, and `load_weights` into the model it loaded;
the archives' members are recompressed first to keep the fixtures small)
and writes ck_NAME.k3.npz with Keras 3's predictions `y0, ...`, failing if
they differ from ckeras's by more than 1e-5.
tests/saving/test_keras_archive.py checks the committed results.
"""
import os

import numpy as np

import ckeras
from ckeras import layers

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures",
                   "keras3")


def _deflate(path):
    """Recompresses an archive's members (Keras writes them stored): the
    fixtures shrink about tenfold; the members are unchanged."""
    import zipfile
    with zipfile.ZipFile(path) as z:
        members = [(info, z.read(info)) for info in z.infolist()]
    with zipfile.ZipFile(path, "w") as z:
        for info, data in members:
            z.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)


def _randomize(model, rng):
    """Non-trivial weights everywhere (biases and BN statistics included)."""
    for w in model.weights:
        value = rng.normal(0, 0.5, w.value.shape).astype(w.value.dtype)
        if "variance" in w.name:
            value = np.abs(value) + 0.5
        w.value[...] = value


def _write(model, name, inputs, weights=False):
    model.save(os.path.join(OUT, f"ck_{name}.keras"))
    _deflate(os.path.join(OUT, f"ck_{name}.keras"))
    if weights:
        model.save_weights(os.path.join(OUT, f"ck_{name}.weights.h5"))
    out = model.predict(inputs if len(inputs) > 1 else inputs[0], verbose=0)
    out = out if isinstance(out, list) else [out]
    arrays = {f"x{i}": x for i, x in enumerate(inputs)}
    arrays.update({f"y{i}": y for i, y in enumerate(out)})
    np.savez(os.path.join(OUT, f"ck_{name}.npz"), **arrays)


def subclassed():
    """The ckeras twin of tools/make_fixtures_keras3.py's `keras3_subclassed`."""
    class Block(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.d = layers.Dense(3, activation="relu")
            self.e = layers.Dense(2)

        def call(self, x):
            return self.e(self.d(x))

    class Sub(ckeras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.first = layers.Dense(4, activation="relu")
            self.blocks = [layers.Dense(4, activation="tanh"), layers.Dense(4)]
            self.heads = {"b": layers.Dense(2), "a": layers.Dense(2)}
            self.blk = Block()
            self.rnn = layers.GRU(2)
            self._priv = layers.Dense(2)

        def call(self, x):
            h = self.first(x)
            for b in self.blocks:
                h = b(h)
            s = self.heads["b"](h) + self.heads["a"](h) + self.blk(h) + self._priv(h)
            return self.rnn(s[:, None, :] * np.ones((1, 3, 1), "float32"))

    return Sub()


def main():
    rng = np.random.default_rng(11)

    m = ckeras.Sequential([ckeras.Input((5,)), layers.Dense(4, activation="relu"),
                           layers.Dense(3, activation="softmax")])
    _randomize(m, rng)
    x = rng.random((4, 5), dtype=np.float32)
    m.compile(optimizer=ckeras.optimizers.Adam(0.01), loss="categorical_crossentropy",
              metrics=["accuracy"])
    m.fit(x, np.eye(3)[np.arange(4) % 3], epochs=1, verbose=0)
    _write(m, "seq_compiled", [x], weights=True)

    tok = ckeras.Input((6,), dtype="int32", name="tok")
    aux = ckeras.Input((3,), name="aux")
    h = layers.Embedding(20, 4, mask_zero=True)(tok)
    h = layers.Bidirectional(layers.GRU(3))(h)
    a = layers.Dense(4, activation="tanh")(aux)
    c = layers.Concatenate()([h, a])
    m = ckeras.Model([tok, aux], [layers.Dense(2, activation="softmax", name="out_a")(c),
                                  layers.Dense(1, name="out_b")(c)])
    _randomize(m, rng)
    xt = rng.integers(1, 20, (4, 6)).astype("int32")
    xt[:, 4:] = 0
    _write(m, "func_multi", [xt, rng.random((4, 3), dtype=np.float32)], weights=True)

    inner = ckeras.Sequential([ckeras.Input((4,)), layers.Dense(3, activation="relu"),
                               layers.Dense(3)], name="inner_seq")
    i = ckeras.Input((4,))
    m = ckeras.Model(i, layers.Dense(2)(inner(i)))
    _randomize(m, rng)
    _write(m, "nested", [rng.random((3, 4), dtype=np.float32)], weights=True)

    m = ckeras.Sequential([ckeras.Input((6, 6, 2)), layers.Conv2D(3, 3),
                           layers.BatchNormalization(), layers.ReLU(),
                           layers.MaxPooling2D(), layers.Flatten(), layers.Dense(2)])
    _randomize(m, rng)
    _write(m, "conv_bn", [rng.random((2, 6, 6, 2), dtype=np.float32)])

    # A functional model nested and called twice, a shared layer, an RNN
    # given its initial state, a wrapper with masking. (Not a masked RNN with
    # an initial state: Keras 3 drops the mask then, tf-keras and ckeras
    # apply it; Keras 3 writes the same config for it.)
    a = ckeras.Input((4,))
    sub = ckeras.Model(a, layers.Dense(3, activation="tanh")(a), name="sub")
    x1, x2 = ckeras.Input((4,), name="x1"), ckeras.Input((4,), name="x2")
    shared = layers.Dense(3, name="shared")
    h = layers.Add()([sub(x1), sub(x2), shared(x1), shared(x2)])
    seq = ckeras.Input((5, 2), name="seq")
    masked = layers.Masking(0.0)(seq)
    state = layers.Dense(3)(h)
    r = layers.GRU(3)(seq, initial_state=state)
    t = layers.Bidirectional(layers.LSTM(2))(masked)
    m = ckeras.Model([x1, x2, seq], layers.Concatenate()([h, r, t]))
    _randomize(m, rng)
    xs = rng.random((3, 5, 2), dtype=np.float32)
    xs[:, 3:] = 0
    _write(m, "shared", [rng.random((3, 4), dtype=np.float32),
                         rng.random((3, 4), dtype=np.float32), xs], weights=True)

    # Compiled with loss and metric objects per (dict) output, loss weights,
    # trained one step; Keras 3 evaluates it (e_<metric> in the npz: ckeras's).
    a = ckeras.Input((3,), name="a")
    h = layers.Dense(4)(a)
    m = ckeras.Model(a, {"p": layers.Dense(2, activation="softmax", name="p")(h),
                         "q": layers.Dense(1, name="q")(h)})
    m.compile(optimizer=ckeras.optimizers.RMSprop(0.01),
              loss={"p": ckeras.losses.CategoricalCrossentropy(label_smoothing=0.1),
                    "q": "mse"},
              loss_weights={"p": 1.0, "q": 0.5},
              metrics={"p": ["accuracy", ckeras.metrics.AUC()],
                       "q": [ckeras.metrics.MeanAbsoluteError()]})
    x = rng.random((4, 3), dtype=np.float32)
    targets = {"p": np.eye(2, dtype=np.float32)[[0, 1, 0, 1]],
               "q": np.ones((4, 1), np.float32)}
    m.fit(x, targets, verbose=0)
    m.save(os.path.join(OUT, "ck_compiled_multi.keras"))
    _deflate(os.path.join(OUT, "ck_compiled_multi.keras"))
    scores = m.evaluate(x, targets, verbose=0, return_dict=True)
    np.savez(os.path.join(OUT, "ck_compiled_multi.npz"), x0=x, **targets,
             **{f"e_{k}": np.float64(v) for k, v in scores.items()})

    # A Lambda layer (bytecode: Keras 3 loads it with safe_mode=False).
    m = ckeras.Sequential([ckeras.Input((2,)), layers.Lambda(lambda t: t * 3.0 - 1.0)])
    _write(m, "lambda", [rng.random((2, 2), dtype=np.float32)])

    # A subclassed model's weights (Keras 3 loads them into its own twin).
    m = subclassed()
    x = rng.random((3, 5), dtype=np.float32)
    m(x)
    _randomize(m, rng)
    m.save_weights(os.path.join(OUT, "ck_subclassed.weights.h5"))
    np.savez(os.path.join(OUT, "ck_subclassed.npz"), x0=x, y0=m.predict(x, verbose=0))

    # The Keras 3 layer zoos (loaded by ckeras from Keras 3's files), written back.
    for name in ("zoo1d", "zoo2d"):
        m = ckeras.models.load_model(os.path.join(OUT, name + ".keras"))
        data = np.load(os.path.join(OUT, name + ".npz"))
        _write(m, name, [data["x0"]])

    m = ckeras.Sequential([ckeras.Input((5, 3)), layers.LSTM(4, return_sequences=True),
                           layers.TimeDistributed(layers.Dense(2)), layers.SimpleRNN(3)])
    _randomize(m, rng)
    _write(m, "rnn_td", [rng.random((2, 5, 3), dtype=np.float32)])


if __name__ == "__main__":
    main()
