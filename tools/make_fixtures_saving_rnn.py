"""Golden whole-model .h5 files with recurrent, wrapper, conv and normalization
layers (tests/fixtures/saving/rnn/), for ckeras' load_model.

Run with the TensorFlow venv (never needed by the tests):

    TF_USE_LEGACY_KERAS=1 <tfvenv>/bin/python tools/make_fixtures_saving_rnn.py

Written with tf-keras 2.21 (`model.save("x.h5")`):
  tk_bilstm.h5      Embedding(mask_zero) -> Bidirectional(LSTM(4)) -> Dense,
                    compiled with Adam and trained one step (optimizer weights)
  tk_gru_ra1.h5     GRU(reset_after=True, return_sequences) -> GRU -> Dense
  tk_gru_ra0.h5     GRU(reset_after=False) -> Dense
  tk_td_dense.h5    TimeDistributed(Dense) -> Flatten -> Dense
  tk_td_conv.h5     TimeDistributed(Conv2D) -> TimeDistributed(Flatten) -> LSTM
  tk_cnn_bn.h5      Conv2D -> BatchNormalization -> MaxPooling2D -> Flatten -> Dense,
                    trained one step (non-trivial moving statistics)
  tk_lstm_back.h5   LSTM(return_sequences, go_backwards) -> LSTM(go_backwards) -> Dense
and with Keras 3 (legacy .h5 writer, a subprocess without TF_USE_LEGACY_KERAS):
  k3_bilstm.h5      the Bidirectional model with the weights of tk_bilstm.h5
Each `<name>.npz` holds the inputs (x0, ...) and the predictions (y0, ...).

`--check-ckeras` then loads tk_bilstm.h5 with ckeras (repo on sys.path, no TF
there: a subprocess with the ckeras interpreter given by --ck-python), saves it
again, and loads the ckeras-written copy in tf-keras and Keras 3, printing the
max |diff| of the predictions and whether the optimizer came back.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import _golden
import numpy as np
from _golden import as_list, numbered

OUT = _golden.fixtures_dir("saving", "rnn")
VOCAB, SEQ = 12, 6


def _save_npz(name, xs, ys):
    _golden.write_npz(os.path.join(OUT, name + ".npz"), numbered(xs=xs, ys=ys))


def _ids(rng):
    x = rng.integers(1, VOCAB, (4, SEQ)).astype("int32")
    x[0, 4:] = 0          # trailing padding
    x[1, :2] = 0          # leading padding
    x[2, 2] = 0           # a hole
    return x


def _bilstm(keras, L):
    inp = keras.Input((SEQ,), dtype="int32", name="ids")
    h = L.Embedding(VOCAB, 3, mask_zero=True, name="emb")(inp)
    h = L.Bidirectional(L.LSTM(4, name="lstm"), name="bi")(h)
    out = L.Dense(2, activation="softmax", name="out")(h)
    return keras.Model(inp, out, name="bilstm")


def make_tk():
    os.environ["TF_USE_LEGACY_KERAS"] = "1"
    import tensorflow as tf
    import tf_keras as keras
    from tf_keras import layers as L
    tf.random.set_seed(0)
    rng = np.random.default_rng(0)
    os.makedirs(OUT, exist_ok=True)

    def save(name, m, xs):
        m.save(os.path.join(OUT, name + ".h5"))
        _save_npz(name, xs, as_list(m.predict(xs if len(xs) > 1 else xs[0], verbose=0)))

    # Bidirectional LSTM over a masked Embedding, compiled + trained one step
    m = _bilstm(keras, L)
    m.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
    x = _ids(rng)
    m.train_on_batch(x, np.array([0, 1, 1, 0]))
    save("tk_bilstm", m, [x])
    _golden.save_k3_input(OUT, [x], m.get_weights())

    xs = rng.standard_normal((3, 5, 3)).astype("float32")
    # GRU, both reset_after values
    m = keras.Sequential([keras.Input((5, 3)),
                          L.GRU(4, reset_after=True, return_sequences=True, name="g1"),
                          L.GRU(3, reset_after=True, name="g2"), L.Dense(2, name="out")])
    save("tk_gru_ra1", m, [xs])
    m = keras.Sequential([keras.Input((5, 3)), L.GRU(4, reset_after=False, name="g"),
                          L.Dense(2, name="out")])
    save("tk_gru_ra0", m, [xs])

    # TimeDistributed(Dense)
    m = keras.Sequential([keras.Input((5, 3)), L.TimeDistributed(L.Dense(4, activation="tanh"),
                                                                 name="td"),
                          L.Flatten(), L.Dense(2, name="out")])
    save("tk_td_dense", m, [xs])

    # TimeDistributed(Conv2D)
    xv = rng.standard_normal((2, 3, 6, 6, 2)).astype("float32")
    m = keras.Sequential([keras.Input((3, 6, 6, 2)),
                          L.TimeDistributed(L.Conv2D(3, 3, activation="relu"), name="td_conv"),
                          L.TimeDistributed(L.Flatten(), name="td_flat"),
                          L.LSTM(3, name="lstm"), L.Dense(2, name="out")])
    save("tk_td_conv", m, [xv])

    # Conv2D -> BN -> MaxPool -> Flatten -> Dense, one train step
    xi = rng.standard_normal((4, 8, 8, 2)).astype("float32")
    m = keras.Sequential([keras.Input((8, 8, 2)), L.Conv2D(4, 3, name="conv"),
                          L.BatchNormalization(momentum=0.5, name="bn"),
                          L.MaxPooling2D(2, name="pool"), L.Flatten(name="flat"),
                          L.Dense(3, activation="softmax", name="out")])
    m.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    m.train_on_batch(xi, np.array([0, 1, 2, 1]))
    save("tk_cnn_bn", m, [xi])

    # LSTM go_backwards
    m = keras.Sequential([keras.Input((5, 3)),
                          L.LSTM(4, return_sequences=True, go_backwards=True, name="l1"),
                          L.LSTM(3, go_backwards=True, name="l2"), L.Dense(2, name="out")])
    save("tk_lstm_back", m, [xs])


def make_k3():
    import keras
    from keras import layers as L
    (x,), ws = _golden.take_k3_input(OUT)
    m = _bilstm(keras, L)
    m.set_weights(ws)
    m.save(os.path.join(OUT, "k3_bilstm.h5"))
    _save_npz("k3_bilstm", [x], [m.predict(x, verbose=0)])


CK_SAVE = """
import sys, numpy as np
sys.path.insert(0, {root!r})   # this checkout's ckeras, whatever is installed
from ckeras.models import load_model
m = load_model({src!r})
m.save({dst!r})
"""


def check_ckeras(ck_python):
    src = os.path.join(OUT, "tk_bilstm.h5")
    with tempfile.TemporaryDirectory() as d:
        dst = os.path.join(d, "ck_bilstm.h5")
        env = {k: v for k, v in os.environ.items() if k != "TF_USE_LEGACY_KERAS"}
        subprocess.run([ck_python, "-c", CK_SAVE.format(root=_golden.REPO, src=src, dst=dst)],
                       check=True, env=env, cwd=d)
        for lib in ("tk", "k3"):
            code = ("import os, numpy as np\n"
                    + ("os.environ['TF_USE_LEGACY_KERAS']='1'\nimport tf_keras as keras\n"
                       "load = keras.models.load_model\n" if lib == "tk" else
                       "import keras\nload = keras.saving.load_model\n")
                    + f"m = load({dst!r})\nref = np.load({os.path.join(OUT, 'tk_bilstm.npz')!r})\n"
                    "p = m.predict(ref['x0'], verbose=0)\n"
                    "opt = m.optimizer\n"
                    "nvars = len(opt.variables) if opt is not None and callable(getattr("
                    "opt, 'variables', None)) else len(getattr(opt, 'variables', []) or [])\n"
                    f"print({lib!r}, 'ck_bilstm.h5 loaded; max |diff| = %.2e' % "
                    "float(np.max(np.abs(p - ref['y0']))), '; optimizer:', "
                    "type(opt).__name__, 'vars:', nvars)\n")
            env = {k: v for k, v in os.environ.items() if k != "TF_USE_LEGACY_KERAS"}
            r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                               text=True)
            print(r.stdout.strip() or f"{lib} FAILED: {r.stderr.strip()[-600:]}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--k3", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--check-ckeras", action="store_true")
    p.add_argument("--ck-python", default="python3",
                   help="interpreter with ckeras' dependencies (default: python3)")
    args = p.parse_args()
    if args.check_ckeras:
        check_ckeras(args.ck_python)
        return
    if args.k3:
        make_k3()
        return
    make_tk()
    _golden.run_keras3_twin(__file__)
    _golden.report_size(OUT)


if __name__ == "__main__":
    main()
