"""Generate the golden fixtures of tf.GradientTape from real tf-keras 2.21.

Run by hand in the tf-keras venv (see tools/make_fixtures.py), from the
repository root::

    TF_USE_LEGACY_KERAS=1 <tfvenv>/bin/python tools/make_fixtures_tape.py

Group `tape` (tests/fixtures/tape): per case, a small model with fixed
weights, one batch, and what a tf.GradientTape gives:

- `x0` inputs, `x1` targets, `w0..` the model weights (model.get_weights order);
- `y0` the loss, `y1..` the gradients of the loss w.r.t. `trainable_weights`,
  then the gradient w.r.t. the watched input;
- `t0..` (cases with `steps`): the weights after that many custom-loop steps
  (tape, gradient, `optimizer.apply_gradients`) on the same batch.
"""
import _golden
from _golden import Group, numbered, rng_for

_golden.tf_environment()

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf_keras as keras  # noqa: E402

L = keras.layers


def mlp():
    return keras.Sequential([L.Dense(5, activation="tanh", input_shape=(3,)), L.Dense(2)])


def classifier():
    inp = keras.Input(shape=(4,))
    h = L.Dense(6, activation="relu")(inp)
    out = L.Dense(3, activation="softmax")(h)
    return keras.Model(inp, out)


CASES = [
    # name, model builder, loss, optimizer (for the loop), steps, target kind
    ("mlp_mse", mlp, "mse", None, 0, "regression"),
    ("classifier_cce", classifier, "categorical_crossentropy", None, 0, "onehot"),
    ("mlp_mse_adam_loop", mlp, "mse", ("Adam", {"learning_rate": 0.05}), 3, "regression"),
    ("classifier_cce_sgd_loop", classifier, "categorical_crossentropy",
     ("SGD", {"learning_rate": 0.1, "momentum": 0.9}), 3, "onehot"),
]


def make_case(g, name, build, loss_name, opt_spec, steps, target):
    keras.backend.clear_session()
    rng = rng_for("tape/" + name)
    model = build()
    weights = [rng.uniform(-1, 1, w.shape).astype("float32") for w in model.get_weights()]
    model.set_weights(weights)
    n_in = model.input_shape[-1]
    n_out = model.output_shape[-1]
    x = rng.uniform(-2, 2, (8, n_in)).astype("float32")
    if target == "onehot":
        y = np.eye(n_out, dtype="float32")[rng.randint(0, n_out, 8)]
    else:
        y = rng.uniform(-1, 1, (8, n_out)).astype("float32")
    loss_fn = keras.losses.get(loss_name)
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        loss = tf.reduce_mean(loss_fn(y, model(xt, training=True)))
    grads = tape.gradient(loss, model.trainable_weights + [xt])
    ys = [loss.numpy()] + [gr.numpy() for gr in grads]
    after = []
    entry = {"name": name, "loss": loss_name, "target": target, "steps": steps,
             "outputs": len(ys), "weights": len(weights)}
    if steps:
        cls, kwargs = opt_spec
        opt = getattr(keras.optimizers, cls)(**kwargs)
        entry.update(optimizer=cls, optimizer_kwargs=kwargs)
        for _ in range(steps):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(loss_fn(y, model(x, training=True)))
            grads = tape.gradient(loss, model.trainable_weights)
            opt.apply_gradients(zip(grads, model.trainable_weights))
        after = model.get_weights()
    g.add(entry, numbered(xs=[x, y], ws=weights, ys=ys, ts=after))


def main():
    g = Group("tape")
    for case in CASES:
        make_case(g, *case)
    g.close()


if __name__ == "__main__":
    main()
