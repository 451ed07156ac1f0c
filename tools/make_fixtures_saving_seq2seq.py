"""Golden .h5 files for functional models whose layer calls pass tensors as
keywords (tests/fixtures/saving/seq2seq/): RNN `initial_state` (issue #19,
item 12) and an explicit `mask=`.

Run with the TensorFlow venv (never needed by the tests):

    TF_USE_LEGACY_KERAS=1 <tfvenv>/bin/python tools/make_fixtures_saving_seq2seq.py

Written with tf-keras 2.21 (`model.save("x.h5")`):
  tk_seq2seq.h5        the Keras lstm_seq2seq example at small sizes: encoder
                       LSTM(return_state) whose [h, c] are the decoder LSTM's
                       initial_state, Dense softmax; compiled with RMSprop and
                       trained one step. `tk_seq2seq.to_json.json` is its
                       `to_json()` (the tf-keras node format to match).
  tk_seq2seq_infer.h5  the example's inference decoder: the same decoder LSTM and
                       Dense called a second time, on state Inputs.
  tk_states_mask.h5    Bidirectional(LSTM, return_state) encoder whose four
                       states start a Bidirectional decoder, a GRU started from
                       one Dense tensor, and an LSTM given `mask=` a bool Input.
Each `<name>.npz` holds the inputs (x0, ...) and the predictions (y0, ...).

`--check-ckeras` builds the same models with ckeras (a subprocess running the
interpreter given by --ck-python, repo on sys.path, no TF there), saves them
with random weights, and loads them in tf-keras, printing the parameter counts
and the max |diff| of the predictions. It also has ckeras load and re-save
tk_seq2seq.h5 and checks the copy in tf-keras.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import _golden
import numpy as np
from _golden import as_list, numbered

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = _golden.fixtures_dir("saving", "seq2seq")
T_ENC, T_DEC, N_ENC, N_DEC, LATENT = 5, 4, 6, 5, 8


# ---------------------------------------------- models (tf-keras or ckeras)
def seq2seq(Input, Model, L):
    """The lstm_seq2seq example: the training model and the inference decoder."""
    enc_in = Input((None, N_ENC), name="encoder_inputs")
    _, h, c = L.LSTM(LATENT, return_state=True, name="encoder_lstm")(enc_in)
    dec_in = Input((None, N_DEC), name="decoder_inputs")
    dec_lstm = L.LSTM(LATENT, return_sequences=True, return_state=True, name="decoder_lstm")
    dec_seq, _, _ = dec_lstm(dec_in, initial_state=[h, c])
    dense = L.Dense(N_DEC, activation="softmax", name="decoder_dense")
    train = Model([enc_in, dec_in], dense(dec_seq), name="seq2seq")
    state_h = Input((LATENT,), name="state_h")
    state_c = Input((LATENT,), name="state_c")
    seq, h2, c2 = dec_lstm(dec_in, initial_state=[state_h, state_c])
    infer = Model([dec_in, state_h, state_c], [dense(seq), h2, c2], name="seq2seq_decoder")
    return train, infer


def states_and_mask(Input, Model, L):
    x = Input((T_ENC, 3), name="x")
    enc = L.Bidirectional(L.LSTM(4, return_state=True, name="enc"), name="bi_enc")(x)
    y = Input((T_DEC, 2), name="y")
    dec = L.Bidirectional(L.LSTM(4, return_sequences=True, name="dec"),
                          name="bi_dec")(y, initial_state=enc[1:])
    h0 = L.Dense(3, activation="tanh", name="h0")(enc[0])
    seq = L.GRU(3, return_sequences=True, name="gru")(dec, initial_state=h0)
    m = Input((T_DEC,), dtype="bool", name="m")
    out = L.LSTM(2, name="masked")(seq, mask=m)
    return Model([x, y, m], out, name="states_and_mask")


def inputs(rng):
    """{model name: list of inputs}; `rng` is a NumPy RandomState."""
    def one_hot(n, t, k):
        return np.eye(k, dtype="float32")[rng.randint(0, k, (n, t))]
    mask = np.ones((3, T_DEC), bool)
    mask[0, 2:] = False
    mask[1, 1] = False
    return {
        "seq2seq": [one_hot(3, T_ENC, N_ENC), one_hot(3, T_DEC, N_DEC)],
        "seq2seq_decoder": [one_hot(3, 1, N_DEC),
                            rng.standard_normal((3, LATENT)).astype("float32"),
                            rng.standard_normal((3, LATENT)).astype("float32")],
        "states_and_mask": [rng.standard_normal((3, T_ENC, 3)).astype("float32"),
                            rng.standard_normal((3, T_DEC, 2)).astype("float32"), mask],
    }


def set_weights(model):
    """Weights drawn from the model's own RNG (initializers are not reproducible)."""
    rng = _golden.rng_for(model.name + "/weights")
    model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32")
                       for w in model.get_weights()])


def save_npz(folder, name, xs, ys):
    _golden.write_npz(os.path.join(folder, name + ".npz"), numbered(xs=xs, ys=ys))


# ------------------------------------------------------------ tf-keras side
def make_tk():
    _golden.tf_environment()
    import tensorflow as tf
    import tf_keras as keras
    from tf_keras import layers as L
    tf.config.experimental.enable_op_determinism()
    tf.random.set_seed(0)
    os.makedirs(OUT, exist_ok=True)
    data = inputs(_golden.rng_for("seq2seq"))

    def save(name, model, file_name):
        xs = data[model.name]
        model.save(os.path.join(OUT, file_name + ".h5"))
        save_npz(OUT, file_name, xs, as_list(model.predict(xs, verbose=0)))

    train, infer = seq2seq(keras.Input, keras.Model, L)
    set_weights(train)       # the inference decoder shares the decoder's layers
    train.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    xs = data["seq2seq"]
    train.train_on_batch(xs, np.roll(xs[1], -1, axis=1))
    save("seq2seq", train, "tk_seq2seq")
    with open(os.path.join(OUT, "tk_seq2seq.to_json.json"), "w") as fh:
        fh.write(train.to_json())
    save("seq2seq_decoder", infer, "tk_seq2seq_infer")
    model = states_and_mask(keras.Input, keras.Model, L)
    set_weights(model)
    save("states_and_mask", model, "tk_states_mask")


# ------------------------------------------------------ reverse direction
CK_BUILD = """
import sys
sys.path.insert(0, {root!r})   # this checkout's ckeras, whatever is installed
sys.path.insert(0, {tools!r})
import numpy as np
import _golden
from ckeras import layers as L
from ckeras.models import Model, load_model
from ckeras.utils import set_random_seed
import make_fixtures_saving_seq2seq as fx

set_random_seed(1)
data = fx.inputs(_golden.rng_for("ckeras"))
train, infer = fx.seq2seq(L.Input, Model, L)
for model in (train, infer, fx.states_and_mask(L.Input, Model, L)):
    xs = data[model.name]
    model.save({folder!r} + "/ck_" + model.name + ".h5")
    fx.save_npz({folder!r}, "ck_" + model.name, xs, _golden.as_list(model.predict(xs)))
    print("ckeras", model.name, "params", model.count_params())
m = load_model({tk_file!r})
m.save({folder!r} + "/ck_resaved_tk_seq2seq.h5")
ref = np.load({tk_npz!r})
fx.save_npz({folder!r}, "ck_resaved_tk_seq2seq", [ref["x0"], ref["x1"]],
            [m.predict([ref["x0"], ref["x1"]])])
"""

TK_LOAD = """
import os, sys
os.environ["TF_USE_LEGACY_KERAS"] = "1"
import numpy as np
import tf_keras as keras
folder = {folder!r}
for fn in sorted(os.listdir(folder)):
    if not fn.endswith(".h5"):
        continue
    ref = np.load(os.path.join(folder, fn[:-3] + ".npz"))
    xs = [ref[k] for k in sorted((k for k in ref if k[0] == "x"), key=lambda k: int(k[1:]))]
    ys = [ref[k] for k in sorted((k for k in ref if k[0] == "y"), key=lambda k: int(k[1:]))]
    try:
        m = keras.models.load_model(os.path.join(folder, fn))
        pred = m.predict(xs, verbose=0)
        pred = list(pred) if isinstance(pred, (list, tuple)) else [pred]
        err = max(float(np.max(np.abs(np.asarray(p) - y))) for p, y in zip(pred, ys))
        print(f"tf-keras {{fn}}: loaded, params {{m.count_params()}}, max |diff| = {{err:.2e}}")
    except Exception as e:  # noqa: BLE001 - report every failure
        print(f"tf-keras {{fn}}: FAILED {{type(e).__name__}}: {{str(e)[:300]}}")
"""


def check_ckeras(ck_python):
    with tempfile.TemporaryDirectory() as d:
        env = {k: v for k, v in os.environ.items() if k != "TF_USE_LEGACY_KERAS"}
        code = CK_BUILD.format(root=_golden.REPO, tools=HERE, folder=d,
                               tk_file=os.path.join(OUT, "tk_seq2seq.h5"),
                               tk_npz=os.path.join(OUT, "tk_seq2seq.npz"))
        subprocess.run([ck_python, "-c", code], check=True, env=env, cwd=d)
        r = subprocess.run([sys.executable, "-c", TK_LOAD.format(folder=d)], env=env,
                           capture_output=True, text=True, check=False)
        print(r.stdout.strip() or f"tf-keras FAILED: {r.stderr.strip()[-600:]}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--check-ckeras", action="store_true")
    p.add_argument("--ck-python", default="python3",
                   help="interpreter with ckeras' dependencies (default: python3)")
    args = p.parse_args()
    if args.check_ckeras:
        check_ckeras(args.ck_python)
        return
    make_tk()
    _golden.report_size(OUT)


if __name__ == "__main__":
    main()
