"""tf-keras model files whose graphs hold TensorFlow-function nodes
(TFOpLambda, SlicingOpLambda), from real tf-keras 2.21.

Run by hand (never in CI), from the repo root::

    TF_USE_LEGACY_KERAS=1 <tfvenv>/bin/python tools/make_fixtures_tf_ops.py

Writes ``tests/fixtures/tf_ops/ops_model.h5`` (a functional model using the
operators and tf functions tf-keras records as layers, as MobileNetV3 and
EfficientNet do) and ``ops_model.npz`` (``x`` input, ``y<i>`` outputs).
"""
import os

import make_fixtures as mf  # (sets the TF environment first)
from _golden import fixtures_dir, rng_for, write_npz

np, tf, keras, L = mf.np, mf.tf, mf.keras, mf.L


def main():
    folder = fixtures_dir("tf_ops")
    os.makedirs(folder, exist_ok=True)
    rng = rng_for("tf_ops/ops_model")
    inp = keras.Input((3, 4))
    h = L.Dense(4)(inp)
    hs = L.ReLU(6.0)(h + 3.0) * (1.0 / 6.0)
    a = h * hs - 0.5
    b = a / np.array([1.0, 2.0, 4.0, 8.0], "float32")
    c = tf.nn.relu6(b) + tf.math.sigmoid(h)
    d = tf.math.reduce_mean(c, axis=1, keepdims=True)
    e = tf.concat([c, tf.reshape(d, (-1, 1, 4))], axis=1)
    f = tf.transpose(e, perm=[0, 2, 1])[:, 1:3, None, ::2]
    g = tf.math.maximum(h, tf.math.square(h) - 1.0)
    model = keras.Model(inp, [e, f, g])
    model.set_weights([rng.uniform(-1, 1, w.shape).astype("float32")
                       for w in model.get_weights()])
    x = rng.uniform(-2, 2, (5, 3, 4)).astype("float32")
    ys = model.predict(x, verbose=0)
    model.save(os.path.join(folder, "ops_model.h5"))
    write_npz(os.path.join(folder, "ops_model.npz"),
              {"x": x, **{"y%d" % i: y for i, y in enumerate(ys)}})
    print([layer["class_name"] + ":" + str(layer["config"].get("function"))
           for layer in model.get_config()["layers"]])


if __name__ == "__main__":
    main()
