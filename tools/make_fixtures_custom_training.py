"""Golden fixtures for subclassed models and custom training, from real tf-keras 2.21.

Run by hand in the tf-keras venv (see tools/make_fixtures.py), from the repo root::

    <tfvenv>/bin/python tools/make_fixtures_custom_training.py

Writes tests/fixtures/custom_training/: `cases.json` (histories, logs, names) and one
`<case>.npz` per case (`x0..` data, `w0..` initial weights, `s<k>_w<i>` weights after
step k or `final_w<i>`). Every model starts from weights drawn from
`rng_for(case name)`, so ckeras can start from the same ones.
"""
import _golden
from _golden import Group, rng_for

_golden.tf_environment()

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf_keras as keras  # noqa: E402

K = keras.backend
L = keras.layers


def fl(a):
    return np.asarray(a, dtype="float32")


def random_weights(model, rng):
    ws = [rng.uniform(-1, 1, w.shape).astype(w.dtype) for w in model.get_weights()]
    model.set_weights(ws)
    return ws


def numbered(prefix, arrays):
    return {f"{prefix}{i}": np.asarray(a) for i, a in enumerate(arrays)}


def history(h):
    return {k: [float(v) for v in vals] for k, vals in h.history.items()}


class TapeStep(keras.Model):
    """The Keras guide's first custom train_step, on a subclassed MLP."""

    def __init__(self):
        super().__init__()
        self.hidden = L.Dense(4, activation="relu")
        self.out = L.Dense(1)

    def call(self, x, training=None):
        return self.out(self.hidden(x))

    def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compiled_loss(y, y_pred, regularization_losses=self.losses)
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
        self.compiled_metrics.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


def case_tape_train_step(g):
    name = "tape_train_step"
    rng = rng_for(name)
    x, y = fl(rng.uniform(-1, 1, (8, 3))), fl(rng.uniform(-1, 1, (8, 1)))
    model = TapeStep()
    model(x[:1])
    w0 = random_weights(model, rng)
    model.compile(keras.optimizers.SGD(0.1), "mse", metrics=["mae"])
    h = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    g.add({"name": name, "history": history(h),
           "evaluate": [float(v) for v in model.evaluate(x, y, verbose=0)]},
          {"x0": x, "x1": y, **numbered("w", w0), **numbered("final_w", model.get_weights())})


class Tracked(keras.Model):
    """Layers held in a list (appended after assignment), a dict and attributes."""

    def __init__(self):
        super().__init__()
        self.blocks = []
        self.branches = {"b": L.Dense(3, name="branch_b"), "a": L.Dense(3, name="branch_a")}
        self.first = L.Dense(4, activation="tanh", name="first")
        self.blocks.append(L.Dense(2, activation="relu", name="block"))
        self.head = L.Dense(1, name="head")

    def call(self, x, training=None):
        h = self.first(x)
        h = self.branches["a"](h) + self.branches["b"](h)
        return self.head(self.blocks[0](h))


def case_subclass_default_fit(g):
    name = "subclass_default_fit"
    rng = rng_for(name)
    x, y = fl(rng.uniform(-1, 1, (10, 5))), fl(rng.uniform(-1, 1, (10, 1)))
    model = Tracked()
    model(x[:1])
    w0 = random_weights(model, rng)
    model.compile(keras.optimizers.Adam(0.05), "mse", metrics=["mae"])
    h = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    g.add({"name": name, "history": history(h), "layers": [layer.name for layer in model.layers],
           "weight_shapes": [list(w.shape) for w in model.get_weights()],
           "evaluate": [float(v) for v in model.evaluate(x, y, verbose=0)]},
          {"x0": x, "x1": y, **numbered("w", w0), **numbered("final_w", model.get_weights())})


def case_gan_frozen(g):
    name = "gan_frozen_discriminator"
    rng = rng_for(name)
    gen = keras.Sequential([L.Dense(4, activation="relu", input_shape=(2,)), L.Dense(3)])
    disc = keras.Sequential([L.Dense(4, activation="relu", input_shape=(3,)),
                             L.Dense(1, activation="sigmoid")])
    wg, wd = random_weights(gen, rng), random_weights(disc, rng)
    disc.compile(keras.optimizers.SGD(0.5), "binary_crossentropy")
    disc.trainable = False
    z = L.Input((2,))
    combined = keras.Model(z, disc(gen(z)))
    combined.compile(keras.optimizers.SGD(0.5), "binary_crossentropy")
    real = fl(rng.uniform(-1, 1, (6, 3)))
    noise = fl(rng.uniform(-1, 1, (6, 2)))
    fake = gen.predict(noise, verbose=0)
    xd = np.concatenate([real, fake])
    yd = fl(np.concatenate([np.ones((6, 1)), np.zeros((6, 1))]))
    losses = []
    for _ in range(2):
        losses.append(float(disc.train_on_batch(xd, yd)))
        losses.append(float(combined.train_on_batch(noise, fl(np.ones((6, 1))))))
    g.add({"name": name, "losses": losses},
          {"x0": xd, "x1": yd, "x2": noise, **numbered("wg", wg), **numbered("wd", wd),
           **numbered("final_wg", gen.get_weights()),
           **numbered("final_wd", disc.get_weights())})


def case_symbolic_add_loss(g):
    name = "symbolic_add_loss"
    rng = rng_for(name)
    dim = 6
    x = L.Input(shape=(dim,))
    h = L.Dense(4, activation="relu")(x)
    z_mean = L.Dense(2)(h)
    z_log_var = L.Dense(2)(h)
    decoded = L.Dense(dim, activation="sigmoid")(L.Dense(4, activation="relu")(z_mean))
    model = keras.Model(x, decoded)
    xent = dim * keras.metrics.binary_crossentropy(x, decoded)
    kl = -0.5 * K.sum(1 + z_log_var - K.square(z_mean) - K.exp(z_log_var), axis=-1)
    model.add_loss(K.mean(xent + kl))
    model.add_metric(K.mean(kl), name="kl")
    w0 = random_weights(model, rng)
    model.compile(optimizer=keras.optimizers.SGD(0.05))
    data = fl(rng.uniform(0, 1, (8, dim)) > 0.5)
    val = fl(rng.uniform(0, 1, (4, dim)) > 0.5)
    h = model.fit(data, batch_size=4, epochs=2, shuffle=False, verbose=0,
                  validation_data=(val, None))
    g.add({"name": name, "history": history(h),
           "evaluate": float(model.evaluate(val, verbose=0, return_dict=True)["loss"])},
          {"x0": data, "x1": val, **numbered("w", w0),
           **numbered("final_w", model.get_weights())})


class Probe(L.Layer):
    """A layer with a loss and a metric of its activations, added in call."""

    def call(self, x):
        self.add_loss(0.01 * K.sum(K.square(x)))
        self.add_metric(K.mean(x), name="act_mean")
        return x


def case_layer_add_loss_metric(g):
    name = "layer_add_loss_metric"
    rng = rng_for(name)
    inp = L.Input((3,))
    dense = L.Dense(2, name="dense")
    out = L.Dense(1, name="out")(Probe(name="probe")(dense(inp)))
    model = keras.Model(inp, out)
    model.add_loss(lambda: 0.1 * K.sum(K.abs(dense.kernel)))
    w0 = random_weights(model, rng)
    model.compile(keras.optimizers.SGD(0.1), "mse")
    x, y = fl(rng.uniform(-1, 1, (8, 3))), fl(rng.uniform(-1, 1, (8, 1)))
    h = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    probe = Probe()
    probe(x)
    probe(x[:2])
    g.add({"name": name, "history": history(h),
           "evaluate": model.evaluate(x, y, verbose=0, return_dict=True),
           "probe_losses_after_second_call": [float(v) for v in probe.losses]},
          {"x0": x, "x1": y, **numbered("w", w0), **numbered("final_w", model.get_weights())})


def case_partial_output_dicts(g):
    """Loss, target, sample-weight and loss-weight dicts naming only some outputs."""
    name = "partial_output_dicts"
    rng = rng_for(name)
    inp = L.Input((3,))
    model = keras.Model(inp, [L.Dense(1, name="a")(inp), L.Dense(2, name="b")(inp)])
    w0 = random_weights(model, rng)
    x = fl(rng.uniform(-1, 1, (6, 3)))
    ya, yb = fl(rng.uniform(-1, 1, (6, 1))), fl(rng.uniform(-1, 1, (6, 2)))
    swa = fl(rng.uniform(0, 1, (6,)))
    results = {}
    model.compile("sgd", loss={"a": "mse"}, metrics={"b": "mae"})
    results["a_only_y_a"] = model.evaluate(x, {"a": ya}, verbose=0, return_dict=True)
    results["a_only_y_ab"] = model.evaluate(x, {"a": ya, "b": yb}, verbose=0,
                                            return_dict=True)
    results["a_only_sw_a"] = model.evaluate(x, {"a": ya, "b": yb}, verbose=0,
                                            sample_weight={"a": swa}, return_dict=True)
    model.compile("sgd", loss={"a": "mse", "b": "mae"}, loss_weights={"a": 2.0})
    results["both_weight_a"] = model.evaluate(x, {"a": ya, "b": yb}, verbose=0,
                                              return_dict=True)
    results["both_y_a"] = model.evaluate(x, {"a": ya}, verbose=0, return_dict=True)
    model.compile(keras.optimizers.SGD(0.1), loss=["mse", None])
    results["list_none"] = model.evaluate(x, [ya, yb], verbose=0, return_dict=True)
    h = model.fit(x, {"a": ya}, batch_size=3, epochs=2, shuffle=False, verbose=0)
    g.add({"name": name, "results": results, "history": history(h)},
          {"x0": x, "x1": ya, "x2": yb, "x3": swa, **numbered("w", w0),
           **numbered("final_w", model.get_weights())})


def main():
    g = Group("custom_training")
    for make in (case_tape_train_step, case_subclass_default_fit, case_gan_frozen,
                 case_symbolic_add_loss, case_layer_add_loss_metric,
                 case_partial_output_dicts):
        K.clear_session()
        make(g)
    g.close()


if __name__ == "__main__":
    main()
