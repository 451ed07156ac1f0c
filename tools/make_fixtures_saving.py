"""Golden files for ckeras' Keras file interop (tests/fixtures/saving/).

Run with the TensorFlow venv (never needed by the tests):

    TF_USE_LEGACY_KERAS=1 <tfvenv>/bin/python tools/make_fixtures_saving.py

It writes, with tf-keras 2.21 (tk):
  tk_seq.h5 / tk_seq_w.h5       Sequential Dense-Dense-Activation-Dropout-Dense,
                                Adam, trained 1 step (optimizer_weights present)
  tk_seq_legacy.h5              the same with optimizers.legacy.Adam and a loss object
  tk_func.h5 / tk_func_w.h5     functional, 3 inputs (one int ids -> Embedding)
                                and 2 outputs, Concatenate/Add/Multiply, SGD momentum,
                                dict losses, loss_weights, per-output metrics
  tk_nested.h5 / tk_nested_w.h5 functional containing a Sequential with its own Input
                                and a frozen layer (node index 1, nested weight order)
and with Keras 3 (k3, a subprocess without TF_USE_LEGACY_KERAS):
  k3_func.h5                    the functional model saved by Keras 3 as legacy .h5
                                ({args, kwargs} nodes, batch_shape, DTypePolicy)
plus `<name>.npz` holding the inputs (x0, x1, ...), the predictions (y0, ...) and,
for compiled files, the targets (t0, ...) and the weights after two more
train_on_batch steps (w0, w1, ...), so ckeras can check training continuation.

Reverse direction: `--check-ckeras DIR` loads every `*.h5` written by ckeras
(tools/make_ckeras_saving_files.py) in tk and k3 and compares predictions with
the `.npz` next to each file; it prints one line per file and library.
"""
import argparse
import os
import subprocess
import sys

import _golden
import numpy as np
from _golden import as_list, numbered

OUT = _golden.fixtures_dir("saving")


def _save_npz(name, xs, ys, ts=(), ws=()):
    _golden.write_npz(os.path.join(OUT, name + ".npz"), numbered(xs=xs, ys=ys, ts=ts, ws=ws))


def make_tk():
    os.environ["TF_USE_LEGACY_KERAS"] = "1"
    import tensorflow as tf
    import tf_keras as keras
    from tf_keras import layers as L
    tf.random.set_seed(0)
    rng = np.random.default_rng(0)
    os.makedirs(OUT, exist_ok=True)

    # ---- Sequential
    def seq(opt, loss):
        m = keras.Sequential([
            L.Dense(8, activation="relu", input_shape=(4,), name="d1"),
            L.Dense(6, name="d2"), L.Activation("tanh", name="act"),
            L.Dropout(0.0, name="drop"), L.Dense(3, activation="softmax", name="out")],
            name="seq")
        m.compile(optimizer=opt, loss=loss, metrics=["accuracy"])
        return m

    x = rng.standard_normal((6, 4)).astype("float32")
    t = rng.integers(0, 3, 6)
    for name, opt, loss in (
            ("tk_seq", keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy"),
            ("tk_seq_legacy", keras.optimizers.legacy.Adam(0.01),
             keras.losses.SparseCategoricalCrossentropy())):
        m = seq(opt, loss)
        m.train_on_batch(x, t)
        m.save(os.path.join(OUT, name + ".h5"))
        if name == "tk_seq":
            m.save_weights(os.path.join(OUT, name + "_w.h5"))
        y = m.predict(x, verbose=0)
        for _ in range(2):
            m.train_on_batch(x, t)
        _save_npz(name, [x], [y], [t], m.get_weights())

    # ---- functional 3 in / 2 out
    f = _golden.two_io_model(keras.Input, keras.Model, L, "two_io",
                             kernel_regularizer=keras.regularizers.l2(0.01))
    f.compile(optimizer=keras.optimizers.SGD(0.1, momentum=0.9),
              loss={"out1": "binary_crossentropy", "out2": "categorical_crossentropy"},
              loss_weights={"out1": 1.0, "out2": 0.5},
              metrics={"out1": ["accuracy"], "out2": ["mae"]})
    xs = [rng.standard_normal((6, 4)).astype("float32"),
          rng.standard_normal((6, 6)).astype("float32"),
          rng.integers(0, 20, (6, 5)).astype("int32")]
    ts = [rng.integers(0, 2, (6, 1)).astype("float32"),
          np.eye(3, dtype="float32")[rng.integers(0, 3, 6)]]
    f.train_on_batch(xs, ts)
    f.save(os.path.join(OUT, "tk_func.h5"))
    f.save_weights(os.path.join(OUT, "tk_func_w.h5"))
    ys = as_list(f.predict(xs, verbose=0))
    func_weights_before = f.get_weights()
    for _ in range(2):
        f.train_on_batch(xs, ts)
    _save_npz("tk_func", xs, ys, ts, f.get_weights())
    with open(os.path.join(OUT, "tk_func.to_json.json"), "w") as fh:
        fh.write(f.to_json())

    # ---- nested Sequential with its own Input, a frozen inner layer
    inner = keras.Sequential([keras.Input((4,)), L.Dense(4, name="inner_d1", trainable=False),
                              L.Dense(3, activation="relu", name="inner_d2")],
                             name="inner_seq")
    xin = keras.Input((5,), name="x")
    h = L.Dense(4, name="pre")(xin)
    out = L.Dense(2, name="head")(inner(h))
    n = keras.Model(xin, out, name="nested")
    n.compile(optimizer="adam", loss="mse")
    xn = rng.standard_normal((6, 5)).astype("float32")
    tn = rng.standard_normal((6, 2)).astype("float32")
    n.train_on_batch(xn, tn)
    n.save(os.path.join(OUT, "tk_nested.h5"))
    n.save_weights(os.path.join(OUT, "tk_nested_w.h5"))
    yn = n.predict(xn, verbose=0)
    for _ in range(2):
        n.train_on_batch(xn, tn)
    _save_npz("tk_nested", [xn], [yn], [tn], n.get_weights())

    # inputs/weights for the Keras 3 twin of the functional model
    _golden.save_k3_input(OUT, xs, func_weights_before)


def make_k3():
    import keras
    from keras import layers as L
    xs, ws = _golden.take_k3_input(OUT)
    f = _golden.two_io_model(keras.Input, keras.Model, L, "two_io")
    f.set_weights(ws)
    f.compile(optimizer=keras.optimizers.Adam(0.01),
              loss=["binary_crossentropy", "categorical_crossentropy"])
    ts = [np.zeros((6, 1), "float32"), np.eye(3, dtype="float32")[[0, 1, 2, 0, 1, 2]]]
    f.train_on_batch(xs, ts)
    f.save(os.path.join(OUT, "k3_func.h5"))
    ys = as_list(f.predict(xs, verbose=0))
    _save_npz("k3_func", xs, ys)


def check_ckeras(folder, which):
    results = []
    if which == "tk":
        os.environ["TF_USE_LEGACY_KERAS"] = "1"
        import tf_keras as keras
        load = keras.models.load_model
    else:
        os.environ.pop("TF_USE_LEGACY_KERAS", None)
        import keras
        load = keras.saving.load_model
    for fn in sorted(os.listdir(folder)):
        if not fn.endswith(".h5") or fn.endswith("_w.h5"):
            continue
        path = os.path.join(folder, fn)
        ref = np.load(path[:-3] + ".npz")
        xs = [ref[k] for k in sorted(k for k in ref if k.startswith("x"))]
        ys = [ref[k] for k in sorted(k for k in ref if k.startswith("y"))]
        try:
            m = load(path)
            pred = as_list(m.predict(xs if len(xs) > 1 else xs[0], verbose=0))
            err = max(float(np.max(np.abs(np.asarray(p) - y)))
                      for p, y in zip(pred, ys, strict=True))
            results.append(f"{which} {fn}: loaded, compiled={m.optimizer is not None}, "
                           f"max |diff| = {err:.2e}")
        except Exception as e:  # noqa: BLE001 - report every failure
            results.append(f"{which} {fn}: FAILED {type(e).__name__}: {str(e)[:300]}")
    print("\n".join(results))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--k3", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--check-ckeras", metavar="DIR")
    p.add_argument("--lib", choices=("tk", "k3"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.check_ckeras:
        if args.lib:
            check_ckeras(args.check_ckeras, args.lib)
            return
        for lib in ("tk", "k3"):
            env = dict(os.environ)
            env.pop("TF_USE_LEGACY_KERAS", None)
            subprocess.run([sys.executable, __file__, "--check-ckeras", args.check_ckeras,
                            "--lib", lib], check=False, env=env)
        return
    if args.k3:
        make_k3()
        return
    make_tk()
    _golden.run_keras3_twin(__file__)
    _golden.report_size(OUT)


if __name__ == "__main__":
    main()
