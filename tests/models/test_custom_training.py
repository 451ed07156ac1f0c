"""Overridable train_step/test_step/predict_step, compiled_loss and
compiled_metrics as a custom step uses them, add_loss/add_metric, the GAN
`trainable` rule, the Keras 2 generator methods, against tf-keras goldens."""
import pathlib
import warnings

import numpy as np
import pytest

from ckeras import GradientTape, optimizers
from ckeras import backend as K
from ckeras import layers as L
from ckeras import metrics as metrics_module
from ckeras.models import Model, Sequential
from ckeras.testing import Golden, numbered
from ckeras.utils import Sequence

GOLDEN = Golden(pathlib.Path(__file__).resolve().parents[1] / "fixtures", "custom_training")



def _close(got, want, atol=1e-6):
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=atol)


def _data(n=8, d=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)).astype("float32"), \
        rng.standard_normal((n, 1)).astype("float32")


# ------------------------------------------------------------ steps
def test_train_step_receives_keras_data_structures():
    seen = []

    class Spy(Model):
        def __init__(self):
            super().__init__()
            self.d = L.Dense(1)

        def call(self, x):
            return self.d(x[0] if isinstance(x, tuple) else x)

        def train_step(self, data):
            seen.append(data)
            return {"a": 1.0, "b": np.float32(2.0)}

        def test_step(self, data):
            seen.append(("test", data))
            return {"z": 3.0}

    x, y = _data()
    model = Spy()
    model.compile("sgd")
    hist = model.fit(x, epochs=1, batch_size=8, verbose=0)
    assert isinstance(seen[-1], np.ndarray) and seen[-1].shape == (8, 3)
    assert hist.history == {"a": [1.0], "b": [2.0]}
    model.fit([x, x], y, epochs=1, batch_size=8, verbose=0)
    assert isinstance(seen[-1], tuple) and isinstance(seen[-1][0], tuple)
    sw = np.ones(8, "float32")
    model.fit(x, y, sample_weight=sw, epochs=1, batch_size=4, verbose=0)
    assert len(seen[-1]) == 3 and seen[-1][2].shape == (4,)
    hist = model.fit({"a": x}, y, epochs=1, batch_size=8, verbose=0, validation_data=(x, y))
    assert isinstance(seen[-2][0], dict) and hist.history["val_z"] == [3.0]
    assert model.evaluate(x, y, verbose=0) == 3.0
    assert model.evaluate(x, y, verbose=0, return_dict=True) == {"z": 3.0}
    assert model.train_on_batch(x, y) == [1.0, 2.0]
    assert model.train_on_batch(x, y, return_dict=True) == {"a": 1.0, "b": 2.0}


def test_predict_step_override_shapes_predict():
    class Doubling(Model):
        def __init__(self):
            super().__init__()
            self.d = L.Dense(2)

        def call(self, x):
            return self.d(x)

        def predict_step(self, data):
            return {"raw": self(data), "twice": 2 * self(data)}

    x, _ = _data(n=5)
    model = Doubling()
    out = model.predict(x, batch_size=2)
    np.testing.assert_allclose(out["twice"], 2 * out["raw"], rtol=1e-6)
    assert out["raw"].shape == (5, 2)


def test_train_step_must_return_a_dict():
    class Bad(Model):
        def __init__(self):
            super().__init__()
            self.d = L.Dense(1)

        def call(self, x):
            return self.d(x)

        def train_step(self, data):
            return 1.0

    x, y = _data()
    model = Bad()
    model.compile("sgd", "mse")
    with pytest.raises(TypeError, match="dict of logs"):
        model.fit(x, y, verbose=0)


def test_super_train_step_equals_the_default_path_bit_for_bit():
    class Passthrough(Model):
        def train_step(self, data):
            return super().train_step(data)

    x, y = _data(n=12)
    inp = L.Input((3,))
    out = L.Dense(1)(L.Dense(4, activation="relu")(inp))
    custom = Passthrough(inp, out)
    plain = Model(inp, out)
    weights = [np.linspace(-1, 1, w.size).reshape(w.shape).astype("float32")
               for w in plain.get_weights()]
    results = []
    for model in (custom, plain):
        model.set_weights(weights)
        model.compile(optimizers.Adam(0.01), "mse", metrics=["mae"])
        hist = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
        results.append((hist.history, model.get_weights()))
    assert results[0][0] == results[1][0]
    for a, b in zip(results[0][1], results[1][1], strict=True):
        np.testing.assert_array_equal(a, b)


def test_overridden_metrics_property_is_reset_each_epoch_and_logged():
    loss_tracker = metrics_module.Mean(name="loss")
    mae = metrics_module.MeanAbsoluteError(name="mae")
    batches = []

    class Manual(Model):
        def __init__(self):
            super().__init__()
            self.d = L.Dense(1)

        def call(self, x):
            return self.d(x)

        def train_step(self, data):
            x, y = data
            y_pred = self(x, training=True)
            loss_tracker.update_state(np.mean((y - y_pred.numpy()) ** 2))
            mae.update_state(y, y_pred)
            batches.append(float(loss_tracker.count))
            return {"loss": loss_tracker.result(), "mae": mae.result()}

        @property
        def metrics(self):
            return [loss_tracker, mae]

    x, y = _data(n=8)
    model = Manual()
    model.compile(optimizer="adam")      # no loss: the step computes its own
    model.fit(x, y, batch_size=4, epochs=2, verbose=0)
    # Two batches per epoch, and the trackers restart at each epoch.
    assert batches == [1.0, 2.0, 1.0, 2.0]


def test_compiled_loss_and_metrics_take_structures_and_sample_weights():
    x, y = _data(n=6)
    model = Sequential([L.Dense(1, input_shape=(3,), kernel_initializer="ones")])
    model.compile("sgd", "mse", metrics=["mae"])
    pred = model(x)
    sw = np.array([1, 0, 1, 0, 1, 0], "float32")
    total = model.compiled_loss(y, pred, sample_weight=sw)
    err = (y[:, 0] - pred.numpy()[:, 0]) ** 2
    # tf-keras' default reduction: sum over samples / number of samples.
    np.testing.assert_allclose(float(total), np.sum(err * sw) / 6, rtol=1e-5)
    model.compiled_metrics.update_state(y, pred, sample_weight=sw)
    assert [m.name for m in model.metrics] == ["loss", "mae"]
    np.testing.assert_allclose(float(model.metrics[1].result()),
                               np.mean(np.abs(y[:, 0] - pred.numpy()[:, 0])), rtol=1e-5)
    model.reset_metrics()
    assert float(model.metrics[0].result()) == 0.0


def test_missing_targets_and_missing_loss_give_keras_errors():
    x, y = _data()

    class Plain(Model):
        def __init__(self):
            super().__init__()
            self.d = L.Dense(1)

        def call(self, x):
            return self.d(x)

    model = Plain()
    model.compile("sgd")
    with pytest.raises(ValueError, match="No loss found"):
        model.fit(x, y, verbose=0)
    model = Plain()
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="Target data is missing"):
        model.fit(x, verbose=0)


# ----------------------------------------------------- losses, metrics
class Probe(L.Layer):
    def call(self, x):
        self.add_loss(0.01 * K.sum(K.square(x)))
        self.add_metric(K.mean(x), name="act_mean")
        return x


def test_layer_add_loss_add_metric_and_callable_loss_match_tf_keras():
    case, *_, a = GOLDEN.load("layer_add_loss_metric")
    inp = L.Input((3,))
    dense = L.Dense(2, name="dense")
    out = L.Dense(1, name="out")(Probe(name="probe")(dense(inp)))
    model = Model(inp, out)
    model.add_loss(lambda: 0.1 * K.sum(K.abs(dense.kernel)))
    model.set_weights(numbered(a, "w"))
    model.compile(optimizers.SGD(0.1), "mse")
    hist = model.fit(a["x0"], a["x1"], batch_size=4, epochs=2, shuffle=False, verbose=0)
    for key, values in case["history"].items():
        np.testing.assert_allclose(hist.history[key], values, rtol=1e-5, atol=1e-6)
    _close(model.get_weights(), numbered(a, "final_w"))
    got = model.evaluate(a["x0"], a["x1"], verbose=0, return_dict=True)
    assert set(got) == set(case["evaluate"])
    for key, value in case["evaluate"].items():
        np.testing.assert_allclose(got[key], value, rtol=1e-5, atol=1e-6)
    probe = Probe()
    probe(a["x0"])
    probe(a["x0"][:2])
    # Each top-level call replaces the losses of the previous one.
    np.testing.assert_allclose([float(v) for v in probe.losses],
                               case["probe_losses_after_second_call"], rtol=1e-5)


def test_add_loss_of_a_concrete_value_outside_call_is_refused():
    layer = L.Dense(1)
    with pytest.raises(ValueError, match="zero-argument `lambda`"):
        layer.add_loss(np.float32(1.0))
    with pytest.raises(ValueError, match="provide a name"):
        layer.add_metric(np.float32(1.0))
    with pytest.raises(ValueError, match="aggregation"):
        layer.add_metric(np.float32(1.0), name="m", aggregation="sum")


def test_callable_losses_are_evaluated_when_read():
    layer = L.Dense(1, kernel_initializer="ones")
    layer.build((None, 2))
    layer.add_loss(lambda: K.sum(layer.kernel))
    assert float(layer.losses[0]) == 2.0
    layer.kernel.assign(np.full((2, 1), 3.0, "float32"))
    assert float(layer.losses[0]) == 6.0


def test_symbolic_add_loss_and_add_metric_train_like_tf_keras():
    case, *_, a = GOLDEN.load("symbolic_add_loss")
    dim = 6
    x = L.Input(shape=(dim,))
    h = L.Dense(4, activation="relu")(x)
    z_mean = L.Dense(2)(h)
    z_log_var = L.Dense(2)(h)
    decoded = L.Dense(dim, activation="sigmoid")(L.Dense(4, activation="relu")(z_mean))
    model = Model(x, decoded)
    xent = dim * metrics_module.binary_crossentropy(x, decoded)
    kl = -0.5 * K.sum(1 + z_log_var - K.square(z_mean) - K.exp(z_log_var), axis=-1)
    model.add_loss(K.mean(xent + kl))
    model.add_metric(K.mean(kl), name="kl")
    model.set_weights(numbered(a, "w"))
    model.compile(optimizer=optimizers.SGD(0.05))
    hist = model.fit(a["x0"], batch_size=4, epochs=2, shuffle=False, verbose=0,
                     validation_data=(a["x1"], None))
    assert list(hist.history) == list(case["history"])
    for key, values in case["history"].items():
        np.testing.assert_allclose(hist.history[key], values, rtol=1e-5, atol=1e-5)
    _close(model.get_weights(), numbered(a, "final_w"), atol=1e-5)
    got = model.evaluate(a["x1"], verbose=0, return_dict=True)["loss"]
    np.testing.assert_allclose(got, case["evaluate"], rtol=1e-5)
    # As in tf-keras, the layers only the loss uses (z_log_var) join the
    # model after the others; the outputs stay the decoded tensor.
    layers = model.layers
    assert any(layer is z_log_var._keras_history[0] for layer in layers[5:])
    assert len(model.weights) == 10
    assert model.predict(a["x1"]).shape == (4, dim)


def test_symbolic_add_loss_from_an_unrelated_graph_is_refused():
    a = L.Input((2,))
    model = Model(a, L.Dense(1)(a))
    other = L.Input((2,))
    with pytest.raises(ValueError, match="not computed from the model's inputs"):
        model.add_loss(K.mean(L.Dense(1)(other)))


# ------------------------------------------------------------- the GAN rule
def test_gan_frozen_discriminator_trains_alone_as_tf_keras():
    case, *_, a = GOLDEN.load("gan_frozen_discriminator")
    gen = Sequential([L.Dense(4, activation="relu", input_shape=(2,)), L.Dense(3)])
    disc = Sequential([L.Dense(4, activation="relu", input_shape=(3,)),
                       L.Dense(1, activation="sigmoid")])
    gen.set_weights(numbered(a, "wg"))
    disc.set_weights(numbered(a, "wd"))
    disc.compile(optimizers.SGD(0.5), "binary_crossentropy")
    disc.trainable = False
    z = L.Input((2,))
    combined = Model(z, disc(gen(z)))
    combined.compile(optimizers.SGD(0.5), "binary_crossentropy")
    losses = []
    for _ in range(2):
        before = [w.copy() for w in disc.get_weights()]
        losses.append(float(disc.train_on_batch(a["x0"], a["x1"])))
        assert any(not np.array_equal(b, w) for b, w in zip(before, disc.get_weights()))
        trained = [w.copy() for w in disc.get_weights()]
        losses.append(float(combined.train_on_batch(a["x2"], np.ones((6, 1), "float32"))))
        for b, w in zip(trained, disc.get_weights(), strict=True):
            np.testing.assert_array_equal(b, w)
    np.testing.assert_allclose(losses, case["losses"], rtol=1e-5, atol=1e-6)
    _close(gen.get_weights(), numbered(a, "final_wg"))
    _close(disc.get_weights(), numbered(a, "final_wd"))


def test_trainable_change_takes_effect_at_the_next_compile():
    x, y = _data()
    model = Sequential([L.Dense(2, input_shape=(3,)), L.Dense(1)])
    model.compile("sgd", "mse")
    model.layers[0].trainable = False
    first = model.layers[0].get_weights()
    model.train_on_batch(x, y)
    assert not np.array_equal(first[0], model.layers[0].get_weights()[0])
    model.compile("sgd", "mse")
    frozen = model.layers[0].get_weights()
    model.train_on_batch(x, y)
    np.testing.assert_array_equal(frozen[0], model.layers[0].get_weights()[0])


# ---------------------------------------------------- Keras 2 generators
class Batches(Sequence):
    def __init__(self, x, y, size):
        self.x, self.y, self.size = x, y, size

    def __len__(self):
        return len(self.x) // self.size

    def __getitem__(self, i):
        s = slice(i * self.size, (i + 1) * self.size)
        return self.x[s], self.y[s]


def test_generator_methods_delegate_with_a_deprecation_warning():
    x, y = _data(n=8)
    weights = [np.full((3, 1), 0.5, "float32"), np.zeros(1, "float32")]
    a = Sequential([L.Dense(1, input_shape=(3,))])
    b = Sequential([L.Dense(1, input_shape=(3,))])
    for m in (a, b):
        m.set_weights(weights)
        m.compile("sgd", "mse")
    with pytest.warns(DeprecationWarning, match="fit_generator"):
        hist_a = a.fit_generator(Batches(x, y, 4), epochs=2, verbose=0, shuffle=False)
    hist_b = b.fit(Batches(x, y, 4), epochs=2, verbose=0, shuffle=False)
    assert hist_a.history == hist_b.history
    with pytest.warns(DeprecationWarning, match="evaluate_generator"):
        assert a.evaluate_generator(Batches(x, y, 4)) == a.evaluate(x, y, batch_size=4,
                                                                     verbose=0)
    with pytest.warns(DeprecationWarning, match="predict_generator"):
        np.testing.assert_allclose(a.predict_generator(Batches(x, y, 4)), a.predict(x),
                                   rtol=1e-6)


def test_predict_classes_and_predict_proba_keras_2_3_semantics():
    x = np.array([[1.0, 0.0], [0.0, 1.0], [3.0, -1.0]], "float32")
    soft = Sequential([L.Dense(3, input_shape=(2,), activation="softmax",
                               kernel_initializer="ones")])
    soft.set_weights([np.array([[2.0, 0.0, 1.0], [0.0, 2.0, 1.0]], "float32"),
                      np.zeros(3, "float32")])
    with pytest.warns(DeprecationWarning, match="predict_classes"):
        np.testing.assert_array_equal(soft.predict_classes(x), [0, 1, 0])
    sig = Sequential([L.Dense(1, input_shape=(2,), activation="sigmoid")])
    sig.set_weights([np.array([[1.0], [-1.0]], "float32"), np.zeros(1, "float32")])
    with pytest.warns(DeprecationWarning):
        classes = sig.predict_classes(x)
    assert classes.dtype == np.int32 and classes.tolist() == [[1], [0], [1]]
    linear = Sequential([L.Dense(1, input_shape=(2,))])
    linear.set_weights([np.array([[5.0], [0.0]], "float32"), np.zeros(1, "float32")])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        proba = linear.predict_proba(x)
    assert any("invalid probability values" in str(w.message) for w in caught)
    np.testing.assert_allclose(proba, linear.predict(x))


# ------------------------------------------------- the guide's tape step
class TapeStep(Model):
    """The first custom train_step of the Keras guide "Customizing what
    happens in fit()", on a subclassed MLP."""

    def __init__(self):
        super().__init__()
        self.hidden = L.Dense(4, activation="relu")
        self.out = L.Dense(1)

    def call(self, x, training=None):
        return self.out(self.hidden(x))

    def train_step(self, data):
        x, y = data
        with GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compiled_loss(y, y_pred, regularization_losses=self.losses)
        trainable_vars = self.trainable_variables
        gradients = tape.gradient(loss, trainable_vars)
        self.optimizer.apply_gradients(zip(gradients, trainable_vars))
        self.compiled_metrics.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


def test_tape_train_step_matches_tf_keras():
    case, *_, a = GOLDEN.load("tape_train_step")
    model = TapeStep()
    model(a["x0"][:1])
    model.set_weights(numbered(a, "w"))
    model.compile(optimizers.SGD(0.1), "mse", metrics=["mae"])
    hist = model.fit(a["x0"], a["x1"], batch_size=4, epochs=2, shuffle=False, verbose=0)
    for key, values in case["history"].items():
        np.testing.assert_allclose(hist.history[key], values, rtol=1e-5, atol=1e-6)
    _close(model.get_weights(), numbered(a, "final_w"))
    np.testing.assert_allclose(model.evaluate(a["x0"], a["x1"], verbose=0), case["evaluate"],
                               rtol=1e-5)


def test_add_update_runs_now_and_updates_stay_empty_as_tf_keras_2():
    counter = L.Dense(1)
    counter.build((None, 1))
    counter.add_update(lambda: counter.bias.assign_add(np.ones(1, "float32")))
    assert counter.bias.numpy().tolist() == [1.0]
    with pytest.warns(UserWarning, match="updates"):
        assert counter.updates == []
    reg = L.Dense(1, kernel_regularizer="l2")
    reg.build((None, 2))
    with pytest.warns(UserWarning, match="get_losses_for"):
        assert len(reg.get_losses_for(None)) == 1
    with pytest.warns(UserWarning, match="get_updates_for"):
        assert reg.get_updates_for(None) == []


class CountPositives(metrics_module.Metric):
    """A user metric as the Keras guides write them: state from add_weight,
    update_state/result/reset_state."""

    def __init__(self, name="positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.count = self.add_weight("count")

    def update_state(self, y_true, y_pred, sample_weight=None):
        self.count += np.sum(np.asarray(y_pred) > 0)

    def result(self):
        return self.count.copy()

    def reset_state(self):
        self.count[...] = 0


def test_user_metric_subclass_in_compile_and_in_a_custom_step():
    x, y = _data(n=8)
    model = Sequential([L.Dense(1, input_shape=(3,), kernel_initializer="ones")])
    model.compile("sgd", "mse", metrics=[CountPositives()])
    hist = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    assert list(hist.history) == ["loss", "positives"]
    # reset at each epoch: never more than the 8 samples of one epoch
    assert all(0 <= v <= 8 for v in hist.history["positives"])

    counter = CountPositives(name="pos")
    seen = []

    class Stepper(Model):
        def __init__(self):
            super().__init__()
            self.d = L.Dense(1, kernel_initializer="ones")

        def call(self, x):
            return self.d(x)

        def train_step(self, data):
            x, _ = data
            counter.update_state(None, self(x).numpy())
            seen.append(float(counter.result()))
            return {"pos": counter.result()}

        @property
        def metrics(self):
            return [counter]

    stepper = Stepper()
    stepper.compile("sgd")
    stepper.fit(np.ones((8, 3), "float32"), np.zeros((8, 1)), batch_size=4, epochs=2,
                verbose=0)
    assert seen == [4.0, 8.0, 4.0, 8.0]
