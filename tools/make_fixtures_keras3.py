"""Writes the Keras 3 golden files of tests/fixtures/keras3/ with real Keras 3.

Run with the interpreter that has Keras 3 (and tf-keras for the tk_* file):

    /work/tfvenv/bin/python tools/make_fixtures_keras3.py

For each model NAME it writes some of `NAME.keras` (`model.save`),
`NAME.weights.h5` (`model.save_weights`), `NAME.json` (`model.to_json()`)
and always `NAME.npz`: the inputs `x0, x1, ...` and Keras 3's predictions
`y0, y1, ...` on them. Seeds are fixed. The archives' members are
recompressed (deflate) to keep the fixtures small; Keras stores them.

    /work/tfvenv/bin/python tools/make_fixtures_keras3.py tk       # tf-keras 2.21
    /work/tfvenv/bin/python tools/make_fixtures_keras3.py reverse  # see
        tools/make_ckeras_keras3_files.py
"""
import os
import sys

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

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


def _save_npz(name, inputs, outputs):
    arrays = {f"x{i}": x for i, x in enumerate(inputs)}
    arrays.update({f"y{i}": np.asarray(y) for i, y in enumerate(outputs)})
    np.savez(os.path.join(OUT, name + ".npz"), **arrays)


def _predict(model, inputs):
    out = model.predict(inputs if len(inputs) > 1 else inputs[0], verbose=0)
    return out if isinstance(out, list) else [out]


def _write(model, name, inputs, keras=True, weights=True, json=False):
    if keras:
        model.save(os.path.join(OUT, name + ".keras"))
        _deflate(os.path.join(OUT, name + ".keras"))
    if weights:
        model.save_weights(os.path.join(OUT, name + ".weights.h5"))
    if json:
        with open(os.path.join(OUT, name + ".json"), "w") as fh:
            fh.write(model.to_json())
    _save_npz(name, inputs, _predict(model, inputs))


def keras3_models():
    import keras
    from keras import layers
    keras.utils.set_random_seed(3)
    rng = np.random.default_rng(3)

    # Sequential, compiled and trained one step (optimizer state in both files).
    m = keras.Sequential([keras.Input((5,)), layers.Dense(4, activation="relu"),
                          layers.Dense(3, activation="softmax")], name="seq")
    m.compile(optimizer=keras.optimizers.Adam(0.01), loss="categorical_crossentropy",
              metrics=["accuracy"])
    x = rng.random((6, 5), dtype=np.float32)
    m.fit(x, np.eye(3)[np.arange(6) % 3], epochs=1, verbose=0)
    _write(m, "seq_dense", [x])

    # Functional, two inputs and two outputs, Bidirectional(GRU) with masking.
    tok = keras.Input((6,), dtype="int32", name="tok")
    aux = keras.Input((3,), name="aux")
    h = layers.Embedding(20, 4, mask_zero=True)(tok)
    h = layers.Bidirectional(layers.GRU(3))(h)
    a = layers.Dense(4, activation="tanh")(aux)
    c = layers.Concatenate()([h, a])
    out_a = layers.Dense(2, activation="softmax", name="out_a")(c)
    out_b = layers.Dense(1, name="out_b")(c)
    m = keras.Model([tok, aux], [out_a, out_b], name="func")
    xt = rng.integers(1, 20, (4, 6)).astype("int32")
    xt[:, 4:] = 0
    _write(m, "func_multi", [xt, rng.random((4, 3), dtype=np.float32)])

    # A Sequential nested in a functional model.
    inner = keras.Sequential([keras.Input((4,)), layers.Dense(3, activation="relu"),
                              layers.Dense(3)], name="inner_seq")
    i = keras.Input((4,))
    m = keras.Model(i, layers.Dense(2)(inner(i)), name="outer")
    _write(m, "nested", [rng.random((3, 4), dtype=np.float32)])

    # A functional model nested and called twice, a shared layer, an RNN given
    # its initial state, a masked Bidirectional.
    a = keras.Input((4,))
    sub = keras.Model(a, layers.Dense(3, activation="tanh")(a), name="sub")
    x1, x2 = keras.Input((4,), name="x1"), keras.Input((4,), name="x2")
    shared = layers.Dense(3, name="shared")
    h = layers.Add()([sub(x1), sub(x2), shared(x1), shared(x2)])
    seq = keras.Input((5, 2), name="seq")
    r = layers.GRU(3)(seq, initial_state=layers.Dense(3)(h))
    t = layers.Bidirectional(layers.LSTM(2))(layers.Masking(0.0)(seq))
    m = keras.Model([x1, x2, seq], layers.Concatenate()([h, r, t]))
    xs = rng.random((3, 5, 2), dtype=np.float32)
    xs[:, 3:] = 0
    _write(m, "shared", [rng.random((3, 4), dtype=np.float32),
                         rng.random((3, 4), dtype=np.float32), xs])

    # Conv + BatchNormalization, trained so the moving statistics moved.
    m = keras.Sequential([keras.Input((6, 6, 2)), layers.Conv2D(3, 3),
                          layers.BatchNormalization(), layers.ReLU(),
                          layers.MaxPooling2D(), layers.Flatten(), layers.Dense(2)])
    x = rng.random((4, 6, 6, 2), dtype=np.float32)
    m.compile(optimizer="sgd", loss="mse")
    m.fit(x, rng.random((4, 2), dtype=np.float32), epochs=2, verbose=0)
    _write(m, "conv_bn", [x], weights=False)

    # RNN cells and TimeDistributed, plus its JSON (Orthogonal initializers).
    m = keras.Sequential([keras.Input((5, 3)), layers.LSTM(4, return_sequences=True),
                          layers.TimeDistributed(layers.Dense(2)), layers.SimpleRNN(3)])
    _write(m, "rnn_td", [rng.random((2, 5, 3), dtype=np.float32)], json=True)

    # Stacked RNN cells, a Bidirectional with its own backward layer.
    m = keras.Sequential([
        keras.Input((4, 3)), layers.RNN([layers.LSTMCell(3), layers.GRUCell(2)],
                                        return_sequences=True),
        layers.Bidirectional(layers.SimpleRNN(2, return_sequences=True),
                             backward_layer=layers.GRU(2, go_backwards=True,
                                                       return_sequences=True)),
        layers.TimeDistributed(layers.Dense(1))])
    _write(m, "rnn_stacked", [rng.random((2, 4, 3), dtype=np.float32)], keras=False)

    # Bidirectional LSTM text model (the benchmark's model).
    m = keras.Sequential([keras.Input((20,), dtype="int32"), layers.Embedding(50, 8),
                          layers.Bidirectional(layers.LSTM(8)),
                          layers.Dense(3, activation="softmax")])
    _write(m, "bilstm", [rng.integers(0, 50, (2, 20)).astype("int32")], weights=False)

    # A Lambda layer: Keras 3 stores the function as bytecode (safe_mode).
    m = keras.Sequential([keras.Input((2,)), layers.Lambda(lambda t: t * 2.0 + 1.0)])
    _write(m, "lambda", [rng.random((2, 2), dtype=np.float32)], weights=False)

    # Layer zoos: one functional model per family, many layer types each.
    i = keras.Input((8, 6))
    branches = [
        layers.Conv1D(3, 3, padding="same", activation="relu")(i),
        layers.SeparableConv1D(3, 3, depth_multiplier=2)(i),
        layers.LSTM(3, return_sequences=True, go_backwards=True)(i),
        layers.GRU(3, reset_after=False, return_sequences=True)(i),
        layers.SimpleRNN(2, return_sequences=True)(layers.Masking(0.0)(i)),
        layers.LayerNormalization()(i),
        layers.BatchNormalization(center=False)(i),
        layers.PReLU()(i), layers.LeakyReLU(negative_slope=0.2)(i), layers.ELU()(i),
        layers.Softmax()(i), layers.ReLU(max_value=1.0)(i), layers.Activation("swish")(i),
        layers.Dropout(0.5)(i), layers.GaussianNoise(0.1)(i),
        layers.ZeroPadding1D(1)(i), layers.Cropping1D((1, 2))(i),
        layers.UpSampling1D(2)(i), layers.MaxPooling1D(2)(i),
        layers.AveragePooling1D(2, padding="same")(i),
        layers.Permute((2, 1))(i), layers.Reshape((6, 8))(i),
        layers.Add()([i, i]), layers.Multiply()([i, i]), layers.Subtract()([i, i]),
        layers.Average()([i, i]), layers.Maximum()([i, i]), layers.Minimum()([i, i]),
        layers.Dot(axes=2)([i, i]),
    ]
    pooled = [layers.GlobalAveragePooling1D()(b) for b in branches]
    pooled += [layers.GlobalMaxPooling1D()(i), layers.Flatten()(i),
               layers.RepeatVector(2)(layers.Dense(2)(layers.Flatten()(i)))]
    pooled[-1] = layers.Flatten()(pooled[-1])
    m = keras.Model(i, layers.Dense(3)(layers.Concatenate()(pooled)), name="zoo1d")
    _write(m, "zoo1d", [rng.random((2, 8, 6), dtype=np.float32)], weights=False)

    i = keras.Input((8, 8, 2))
    branches = [
        layers.Conv2D(3, 3, strides=2, padding="same", dilation_rate=1)(i),
        layers.SeparableConv2D(2, 3)(i), layers.DepthwiseConv2D(3, depth_multiplier=2)(i),
        layers.Conv2DTranspose(2, 3, strides=2)(i),
        layers.MaxPooling2D()(i), layers.AveragePooling2D(3, strides=1)(i),
        layers.UpSampling2D(2, interpolation="bilinear")(i),
        layers.ZeroPadding2D(((1, 0), (0, 2)))(i), layers.Cropping2D(1)(i),
        layers.SpatialDropout2D(0.3)(i),
        layers.BatchNormalization(axis=-1, momentum=0.9)(i),
    ]
    pooled = [layers.Flatten()(b) for b in branches]
    pooled += [layers.GlobalMaxPooling2D()(i), layers.GlobalAveragePooling2D()(i)]
    m = keras.Model(i, layers.Dense(2)(layers.Concatenate()(pooled)), name="zoo2d")
    _write(m, "zoo2d", [rng.random((2, 8, 8, 2), dtype=np.float32)], weights=False)

    # Compiled with loss and metric objects per (dict) output, loss weights;
    # the npz also holds Keras 3's `evaluate` (e_<name>) on (x0, p, q).
    m = keras3_compiled()
    x = rng.random((4, 3), dtype=np.float32)
    targets = {"p": np.eye(2, dtype=np.float32)[[0, 1, 0, 1]],
               "q": np.ones((4, 1), np.float32)}
    m.fit(x, targets, verbose=0)
    m.save(os.path.join(OUT, "compiled_multi.keras"))
    _deflate(os.path.join(OUT, "compiled_multi.keras"))
    _save_compiled_npz("compiled_multi", m, x, targets)

    m = keras3_subclassed()
    x = rng.random((3, 5), dtype=np.float32)
    m(x)
    _write(m, "subclassed", [x], keras=False)


def keras3_compiled():
    import keras
    from keras import layers
    a = keras.Input((3,), name="a")
    h = layers.Dense(4)(a)
    m = keras.Model(a, {"p": layers.Dense(2, activation="softmax", name="p")(h),
                        "q": layers.Dense(1, name="q")(h)})
    m.compile(optimizer=keras.optimizers.RMSprop(0.01),
              loss={"p": keras.losses.CategoricalCrossentropy(label_smoothing=0.1),
                    "q": "mse"},
              loss_weights={"p": 1.0, "q": 0.5},
              metrics={"p": ["accuracy", keras.metrics.AUC()],
                       "q": [keras.metrics.MeanAbsoluteError()]})
    return m


def _save_compiled_npz(name, model, x, targets):
    scores = model.evaluate(x, targets, verbose=0, return_dict=True)
    np.savez(os.path.join(OUT, name + ".npz"), x0=x, p=targets["p"], q=targets["q"],
             **{f"e_{k}": np.float64(v) for k, v in scores.items()})


def keras3_optimizers():
    """opt_NAME.weights.h5: Dense(2) trained two steps with each optimizer;
    opt_NAME.npz: the batch (x, y) and the weights after a third step."""
    import keras
    from keras import layers
    rng = np.random.default_rng(5)
    x = rng.random((4, 3), dtype=np.float32)
    y = rng.random((4, 2), dtype=np.float32)
    o = keras.optimizers
    makers = {
        "adam": lambda: o.Adam(0.01), "amsgrad": lambda: o.Adam(0.01, amsgrad=True),
        "sgd_momentum": lambda: o.SGD(0.1, momentum=0.9),
        "rmsprop_centered": lambda: o.RMSprop(0.01, momentum=0.5, centered=True),
        "adagrad": lambda: o.Adagrad(0.1), "adamax": lambda: o.Adamax(0.01),
        "nadam": lambda: o.Nadam(0.01), "adadelta": lambda: o.Adadelta(1.0),
        "ftrl": lambda: o.Ftrl(0.1)}
    for name, make in makers.items():
        keras.utils.set_random_seed(1)
        m = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
        m.compile(optimizer=make(), loss="mse")
        m.train_on_batch(x, y)
        m.train_on_batch(x, y)
        m.save_weights(os.path.join(OUT, f"opt_{name}.weights.h5"))
        m.train_on_batch(x, y)
        kernel, bias = m.get_weights()
        np.savez(os.path.join(OUT, f"opt_{name}.npz"), x=x, y=y, kernel=kernel, bias=bias)


def keras3_subclassed():
    """A subclassed model: layers as attributes, in a list and in a dict, a
    custom sub-layer, a private attribute (tests/saving/test_keras3_weights.py
    defines the same model with ckeras)."""
    import keras
    from keras import layers

    class Block(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.d = layers.Dense(3, activation="relu")
            self.e = layers.Dense(2)

        def call(self, x):
            return self.e(self.d(x))

    class Sub(keras.Model):
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


def tf_keras_models():
    os.environ["TF_USE_LEGACY_KERAS"] = "1"
    import tf_keras as tk
    tk.utils.set_random_seed(3)
    rng = np.random.default_rng(4)
    m = tk.Sequential([tk.Input((5,)), tk.layers.Dense(4, activation="relu"),
                       tk.layers.Dense(2)])
    m.compile(optimizer="adam", loss="mse", metrics=["mae"])
    x = rng.random((4, 5), dtype=np.float32)
    m.fit(x, rng.random((4, 2), dtype=np.float32), epochs=1, verbose=0)
    m.save(os.path.join(OUT, "tk_seq.keras"))
    _deflate(os.path.join(OUT, "tk_seq.keras"))
    _save_npz("tk_seq", [x], [m.predict(x, verbose=0)])

    # Functional: a nested Sequential, Bidirectional(LSTM) over a masked
    # Embedding, TimeDistributed, BatchNormalization.
    L = tk.layers
    inner = tk.Sequential([tk.Input((3,)), L.Dense(3, activation="relu"), L.Dense(2)],
                          name="inner")
    tok, aux = tk.Input((5,), dtype="int32"), tk.Input((3,))
    h = L.Bidirectional(L.LSTM(2, return_sequences=True))(L.Embedding(9, 3,
                                                                     mask_zero=True)(tok))
    h = L.GlobalAveragePooling1D()(L.TimeDistributed(L.Dense(2))(h))
    out = L.Dense(2)(L.Concatenate()([h, inner(L.BatchNormalization()(aux))]))
    m = tk.Model([tok, aux], out)
    m.compile(optimizer="sgd", loss="mse")
    xt = rng.integers(1, 9, (3, 5)).astype("int32")
    xt[:, 3:] = 0
    xa = rng.random((3, 3), dtype=np.float32)
    m.fit([xt, xa], rng.random((3, 2), dtype=np.float32), epochs=2, verbose=0)
    m.save(os.path.join(OUT, "tk_func.keras"))
    _deflate(os.path.join(OUT, "tk_func.keras"))
    _save_npz("tk_func", [xt, xa], [m.predict([xt, xa], verbose=0)])


def reverse():
    """Keras 3 loads the ckeras-written ck_* files (tools/make_ckeras_keras3_files.py)."""
    import glob

    import keras
    for path in sorted(glob.glob(os.path.join(OUT, "ck_*.keras"))):
        name = os.path.basename(path)[:-len(".keras")]
        if name == "ck_compiled_multi":
            continue
        data = np.load(os.path.join(OUT, name + ".npz"))
        inputs = [data[k] for k in sorted(data.files) if k.startswith("x")]
        expected = [data[k] for k in sorted(data.files) if k.startswith("y")]
        model = keras.saving.load_model(path, safe_mode=name != "ck_lambda")
        outputs = _predict(model, inputs)
        weights = os.path.join(OUT, name + ".weights.h5")
        if os.path.exists(weights):
            for w in model.weights:
                w.assign(np.zeros(w.shape, w.dtype))
            model.load_weights(weights)
            again = _predict(model, inputs)
            assert all(np.allclose(a, b, atol=1e-6) for a, b in zip(outputs, again)), name
        diff = max(float(np.abs(a - b).max()) for a, b in zip(outputs, expected))
        print(f"{name}: Keras 3 vs ckeras max |diff| = {diff:.3g}")
        assert diff < 1e-5, name
        np.savez(os.path.join(OUT, name + ".k3.npz"),
                 **{f"y{i}": np.asarray(y) for i, y in enumerate(outputs)})
    # The compiled model written by ckeras: Keras 3 evaluates it.
    data = np.load(os.path.join(OUT, "ck_compiled_multi.npz"))
    model = keras.saving.load_model(os.path.join(OUT, "ck_compiled_multi.keras"))
    scores = model.evaluate(data["x0"], {"p": data["p"], "q": data["q"]}, verbose=0,
                            return_dict=True)
    for k, v in scores.items():
        assert abs(v - float(data[f"e_{k}"])) < 1e-5, (k, v, float(data[f"e_{k}"]))
    print("ck_compiled_multi: Keras 3 evaluate = ckeras evaluate")
    np.savez(os.path.join(OUT, "ck_compiled_multi.k3.npz"),
             **{f"e_{k}": np.float64(v) for k, v in scores.items()})
    # The subclassed model's weights, written by ckeras, into Keras 3's Sub.
    data = np.load(os.path.join(OUT, "ck_subclassed.npz"))
    model = keras3_subclassed()
    model(data["x0"])
    model.load_weights(os.path.join(OUT, "ck_subclassed.weights.h5"))
    out = model.predict(data["x0"], verbose=0)
    diff = float(np.abs(out - data["y0"]).max())
    print(f"ck_subclassed (weights): Keras 3 vs ckeras max |diff| = {diff:.3g}")
    assert diff < 1e-5
    np.savez(os.path.join(OUT, "ck_subclassed.k3.npz"), y0=out)


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    if "tk" in sys.argv[1:]:
        tf_keras_models()
    elif "reverse" in sys.argv[1:]:
        reverse()
    else:
        keras3_models()
        keras3_optimizers()
