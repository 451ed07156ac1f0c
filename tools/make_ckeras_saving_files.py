"""Writes ckeras `.h5` model files + expected outputs for the reverse check.

    python tools/make_ckeras_saving_files.py DIR
    TF_USE_LEGACY_KERAS=1 <tfvenv>/bin/python tools/make_fixtures_saving.py --check-ckeras DIR

Files: ck_seq.h5 (Sequential, compiled Adam, trained 1 step), ck_func.h5
(3 inputs incl. int ids -> Embedding, 2 outputs, Add/Multiply/Concatenate,
SGD, dict losses), ck_nested.h5 (functional with a nested Sequential that has
its own Input; tf-keras node-index rule), each with `<name>.npz` (x*, y*).
"""
import os
import sys

import numpy as np
from _golden import as_list, numbered, two_io_model

from ckeras import layers as L
from ckeras.models import Model, Sequential


def main(folder):
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(1)

    def dump(name, model, xs):
        ys = as_list(model.predict(xs if len(xs) > 1 else xs[0]))
        model.save(os.path.join(folder, name + ".h5"))
        np.savez(os.path.join(folder, name + ".npz"), **numbered(xs=xs, ys=ys))

    s = Sequential([L.Dense(8, activation="relu", input_shape=(4,), name="d1"),
                    L.Dropout(0.1, name="drop"), L.Activation("tanh", name="act"),
                    L.Dense(3, activation="softmax", name="out")], name="ck_seq")
    s.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    x = rng.standard_normal((5, 4)).astype("float32")
    s.train_on_batch(x, rng.integers(0, 3, 5))
    dump("ck_seq", s, [x])

    f = two_io_model(L.Input, Model, L, "ck_func")
    f.compile("sgd", {"out1": "binary_crossentropy", "out2": "categorical_crossentropy"},
              loss_weights={"out1": 1.0, "out2": 0.5})
    xs = [rng.standard_normal((5, 4)).astype("float32"),
          rng.standard_normal((5, 6)).astype("float32"),
          rng.integers(0, 20, (5, 5)).astype("int32")]
    dump("ck_func", f, xs)

    inner = Sequential([L.Input((4,)), L.Dense(3, activation="relu", name="inner_d1")],
                       name="inner_seq")
    xin = L.Input((5,), name="x")
    n = Model(xin, L.Dense(2, name="head")(inner(L.Dense(4, name="pre")(xin))),
              name="ck_nested")
    dump("ck_nested", n, [rng.standard_normal((5, 5)).astype("float32")])


if __name__ == "__main__":
    main(sys.argv[1])
