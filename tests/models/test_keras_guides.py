"""The core snippets of the TensorFlow 2 Keras guides "Making new layers and
models via subclassing" and "Customizing what happens in fit()", adapted to
ckeras imports (tf ops become their `ckeras.backend` twins). Each asserts
what the guide prints or promises."""
import numpy as np
import pytest

import ckeras as keras
from ckeras import GradientTape, layers
from ckeras import backend as K

RNG = np.random.default_rng(7)


# ------------------------------------------- making new layers and models
class Linear(layers.Layer):
    def __init__(self, units=32, input_dim=32):
        super().__init__()
        self.w = self.add_weight(shape=(input_dim, units), initializer="random_normal",
                                 trainable=True)
        self.b = self.add_weight(shape=(units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return K.dot(inputs, self.w) + self.b


def test_layer_with_weights_created_in_init():
    x = np.ones((2, 2), "float32")
    linear_layer = Linear(4, 2)
    y = linear_layer(x)
    assert linear_layer.weights == [linear_layer.w, linear_layer.b]
    np.testing.assert_allclose(y.numpy(), x @ linear_layer.w.numpy(), rtol=1e-6)


class ComputeSum(layers.Layer):
    def __init__(self, input_dim):
        super().__init__()
        self.total = self.add_weight(initializer="zeros", shape=(input_dim,),
                                     trainable=False)

    def call(self, inputs):
        self.total.assign_add(K.sum(inputs, axis=0))
        return self.total


def test_non_trainable_weight_accumulates():
    x = np.ones((2, 2), "float32")
    my_sum = ComputeSum(2)
    assert my_sum(x).numpy().tolist() == [2.0, 2.0]
    assert my_sum(x).numpy().tolist() == [4.0, 4.0]
    assert len(my_sum.weights) == 1
    assert len(my_sum.non_trainable_weights) == 1 and my_sum.trainable_weights == []


class LazyLinear(layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units),
                                 initializer="random_normal", trainable=True)
        self.b = self.add_weight(shape=(self.units,), initializer="random_normal",
                                 trainable=True)

    def call(self, inputs):
        return K.dot(inputs, self.w) + self.b

    def get_config(self):
        return {"units": self.units}


class MLPBlock(layers.Layer):
    def __init__(self):
        super().__init__()
        self.linear_1 = LazyLinear(32)
        self.linear_2 = LazyLinear(32)
        self.linear_3 = LazyLinear(1)

    def call(self, inputs):
        x = K.relu(self.linear_1(inputs))
        x = K.relu(self.linear_2(x))
        return self.linear_3(x)


def test_nested_layers_build_lazily_and_are_tracked():
    mlp = MLPBlock()
    y = mlp(np.ones((3, 64), "float32"))
    assert y.shape == (3, 1)
    assert len(mlp.weights) == 6 and len(mlp.trainable_weights) == 6


class ActivityRegularizationLayer(layers.Layer):
    def __init__(self, rate=1e-2):
        super().__init__()
        self.rate = rate

    def call(self, inputs):
        self.add_loss(self.rate * K.sum(inputs))
        return inputs


class OuterLayer(layers.Layer):
    def __init__(self):
        super().__init__()
        self.activity_reg = ActivityRegularizationLayer(1e-2)

    def call(self, inputs):
        return self.activity_reg(inputs)


def test_losses_are_reset_at_each_top_level_call():
    layer = OuterLayer()
    assert len(layer.losses) == 0
    layer(np.ones((1, 1), "float32"))
    assert len(layer.losses) == 1
    layer(np.full((1, 1), 3.0, "float32"))
    assert len(layer.losses) == 1
    np.testing.assert_allclose(float(layer.losses[0]), 0.03, rtol=1e-6)


def test_kernel_regularizer_losses_in_a_training_loop():
    class OuterLayerWithKernelRegularizer(layers.Layer):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(4, kernel_regularizer=keras.regularizers.l2(1e-3))

        def call(self, inputs):
            return self.dense(inputs)

    layer = OuterLayerWithKernelRegularizer()
    layer(np.zeros((1, 3), "float32"))
    assert len(layer.losses) == 1
    np.testing.assert_allclose(float(layer.losses[0]),
                               1e-3 * np.sum(layer.dense.kernel.numpy() ** 2), rtol=1e-5)
    optimizer = keras.optimizers.SGD(learning_rate=1e-1)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    x = RNG.standard_normal((16, 3)).astype("float32")
    y = (x[:, 0] > 0).astype("int64") + 2 * (x[:, 1] > 0)
    first = None
    for _ in range(30):
        with GradientTape() as tape:
            logits = layer(x)
            loss_value = loss_fn(y, logits)
            loss_value += sum(layer.losses)
        grads = tape.gradient(loss_value, layer.trainable_weights)
        optimizer.apply_gradients(zip(grads, layer.trainable_weights))
        first = float(loss_value) if first is None else first
    assert float(loss_value) < 0.8 * first


class LogisticEndpoint(layers.Layer):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)
        self.accuracy_fn = keras.metrics.BinaryAccuracy()

    def call(self, targets, logits, sample_weights=None):
        loss = self.loss_fn(targets, logits, sample_weights)
        self.add_loss(loss)
        acc = self.accuracy_fn(targets, logits, sample_weights)
        self.add_metric(acc, name="accuracy")
        return K.softmax(logits)


def test_endpoint_layer_adds_its_loss_and_metric():
    layer = LogisticEndpoint()
    layer(np.ones((2, 2), "float32"), np.ones((2, 2), "float32"))
    assert [type(m).__name__ for m in layer.metrics] == ["BinaryAccuracy"]
    assert float(layer.metrics[0].result()) == 1.0
    inputs = keras.Input(shape=(3,), name="inputs")
    targets = keras.Input(shape=(10,), name="targets")
    logits = layers.Dense(10)(inputs)
    predictions = LogisticEndpoint(name="predictions")(logits, targets)
    model = keras.Model(inputs=[inputs, targets], outputs=predictions)
    model.compile(optimizer="adam")     # no loss argument
    data = {"inputs": RNG.random((3, 3)), "targets": RNG.random((3, 10))}
    hist = model.fit(data, verbose=0)
    # tf-keras 2.21 logs the tracked metric under its own name.
    assert list(hist.history) == ["loss", "binary_accuracy"]
    assert model.metrics_names == ["loss", "binary_accuracy"]


def test_get_config_round_trip_through_custom_objects():
    layer = LazyLinear(64)
    config = layer.get_config()
    new_layer = LazyLinear.from_config(config)
    assert new_layer.units == 64
    inp = keras.Input((3,))
    model = keras.Model(inp, LazyLinear(2)(inp))
    clone = keras.Model.from_config(model.get_config(),
                                    custom_objects={"LazyLinear": LazyLinear})
    assert clone.output_shape == (None, 2)


class CustomDropout(layers.Layer):
    def __init__(self, rate, **kwargs):
        super().__init__(**kwargs)
        self.rate = rate

    def call(self, inputs, training=None):
        if training:
            return K.dropout(inputs, level=self.rate)
        return inputs


def test_training_argument_reaches_call():
    layer = CustomDropout(0.5)
    x = np.ones((50, 40), "float32")
    np.testing.assert_array_equal(layer(x).numpy(), x)
    dropped = layer(x, training=True).numpy()
    assert 0.3 < np.mean(dropped == 0) < 0.7
    model = keras.Sequential([keras.Input((40,)), CustomDropout(0.5)])
    # fit runs with training=True, predict with training=False.
    np.testing.assert_array_equal(model.predict(x), x)


class Sampling(layers.Layer):
    """Uses (z_mean, z_log_var) to sample z."""

    def call(self, inputs):
        z_mean, z_log_var = inputs
        epsilon = K.random_normal(shape=K.shape(z_mean))
        return z_mean + K.exp(0.5 * z_log_var) * epsilon


class Encoder(layers.Layer):
    def __init__(self, latent_dim=2, intermediate_dim=16, name="encoder", **kwargs):
        super().__init__(name=name, **kwargs)
        self.dense_proj = layers.Dense(intermediate_dim, activation="relu")
        self.dense_mean = layers.Dense(latent_dim)
        self.dense_log_var = layers.Dense(latent_dim)
        self.sampling = Sampling()

    def call(self, inputs):
        x = self.dense_proj(inputs)
        z_mean = self.dense_mean(x)
        z_log_var = self.dense_log_var(x)
        return z_mean, z_log_var, self.sampling((z_mean, z_log_var))


class Decoder(layers.Layer):
    def __init__(self, original_dim, intermediate_dim=16, name="decoder", **kwargs):
        super().__init__(name=name, **kwargs)
        self.dense_proj = layers.Dense(intermediate_dim, activation="relu")
        self.dense_output = layers.Dense(original_dim, activation="sigmoid")

    def call(self, inputs):
        return self.dense_output(self.dense_proj(inputs))


class VariationalAutoEncoder(keras.Model):
    def __init__(self, original_dim, intermediate_dim=16, latent_dim=2,
                 name="autoencoder", **kwargs):
        super().__init__(name=name, **kwargs)
        self.original_dim = original_dim
        self.encoder = Encoder(latent_dim=latent_dim, intermediate_dim=intermediate_dim)
        self.decoder = Decoder(original_dim, intermediate_dim=intermediate_dim)

    def call(self, inputs):
        z_mean, z_log_var, z = self.encoder(inputs)
        reconstructed = self.decoder(z)
        kl_loss = -0.5 * K.mean(z_log_var - K.square(z_mean) - K.exp(z_log_var) + 1)
        self.add_loss(kl_loss)
        return reconstructed


def test_subclassed_vae_trains_in_a_loop_and_with_fit():
    x_train = (RNG.random((64, 12)) > 0.5).astype("float32")
    vae = VariationalAutoEncoder(12, 16, 2)
    optimizer = keras.optimizers.Adam(learning_rate=1e-2)
    mse_loss_fn = keras.losses.MeanSquaredError()
    loss_metric = keras.metrics.Mean()
    first = None
    for _ in range(2):
        loss_metric.reset_state()
        for step in range(4):
            x_batch = x_train[step * 16:(step + 1) * 16]
            with GradientTape() as tape:
                reconstructed = vae(x_batch)
                loss = mse_loss_fn(x_batch, reconstructed)
                loss += sum(vae.losses)
            grads = tape.gradient(loss, vae.trainable_weights)
            optimizer.apply_gradients(zip(grads, vae.trainable_weights))
            loss_metric(loss)
        first = float(loss_metric.result()) if first is None else first
    assert len(vae.losses) == 1 and len(vae.trainable_weights) == 10
    vae.compile(optimizer, loss=keras.losses.MeanSquaredError())
    hist = vae.fit(x_train, x_train, epochs=3, batch_size=16, verbose=0)
    assert hist.history["loss"][-1] < first


# -------------------------------------------- customizing what fit() does
class CustomModel(keras.Model):
    def train_step(self, data):
        if len(data) == 3:
            x, y, sample_weight = data
        else:
            sample_weight = None
            x, y = data
        with GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compiled_loss(y, y_pred, sample_weight=sample_weight,
                                      regularization_losses=self.losses)
        trainable_vars = self.trainable_variables
        gradients = tape.gradient(loss, trainable_vars)
        self.optimizer.apply_gradients(zip(gradients, trainable_vars))
        self.compiled_metrics.update_state(y, y_pred, sample_weight=sample_weight)
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        x, y = data
        y_pred = self(x, training=False)
        self.compiled_loss(y, y_pred, regularization_losses=self.losses)
        self.compiled_metrics.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


def _regression(n=64, d=8):
    x = RNG.random((n, d)).astype("float32")
    return x, (x @ np.linspace(-1, 1, d, dtype="float32"))[:, None]


def test_custom_train_step_with_compiled_loss_and_metrics():
    x, y = _regression()
    inputs = keras.Input(shape=(8,))
    outputs = layers.Dense(1)(inputs)
    model = CustomModel(inputs, outputs)
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    hist = model.fit(x, y, epochs=3, verbose=0)
    assert list(hist.history) == ["loss", "mae"]
    assert hist.history["loss"][2] < hist.history["loss"][0]
    sw = RNG.random((64,)).astype("float32")
    hist = model.fit(x, y, sample_weight=sw, epochs=1, verbose=0)
    assert hist.history["loss"][0] > 0
    results = model.evaluate(x, y, verbose=0)
    np.testing.assert_allclose(results[0], np.mean((model.predict(x) - y) ** 2), rtol=1e-4)


def test_lower_level_train_step_with_own_trackers():
    loss_tracker = keras.metrics.Mean(name="loss")
    mae_metric = keras.metrics.MeanAbsoluteError(name="mae")

    class LowLevel(keras.Model):
        def train_step(self, data):
            x, y = data
            with GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = keras.losses.mean_squared_error(y, y_pred)
            trainable_vars = self.trainable_variables
            gradients = tape.gradient(loss, trainable_vars)
            self.optimizer.apply_gradients(zip(gradients, trainable_vars))
            loss_tracker.update_state(loss)
            mae_metric.update_state(y, y_pred)
            return {"loss": loss_tracker.result(), "mae": mae_metric.result()}

        @property
        def metrics(self):
            return [loss_tracker, mae_metric]

    x, y = _regression()
    inputs = keras.Input(shape=(8,))
    model = LowLevel(inputs, layers.Dense(1)(inputs))
    model.compile(optimizer="adam")
    hist = model.fit(x, y, epochs=3, verbose=0)
    assert hist.history["loss"][2] < hist.history["loss"][0]
    # The trackers are reset at each epoch: the last epoch saw 2 batches.
    assert float(loss_tracker.count) == 64


def test_gan_guide_train_step_with_two_optimizers():
    latent_dim = 4
    discriminator = keras.Sequential([keras.Input((6,)), layers.Dense(8, activation="relu"),
                                      layers.Dense(1)], name="discriminator")
    generator = keras.Sequential([keras.Input((latent_dim,)),
                                  layers.Dense(8, activation="relu"), layers.Dense(6)],
                                 name="generator")

    class GAN(keras.Model):
        def __init__(self, discriminator, generator, latent_dim):
            super().__init__()
            self.discriminator = discriminator
            self.generator = generator
            self.latent_dim = latent_dim

        def compile(self, d_optimizer, g_optimizer, loss_fn):
            super().compile()
            self.d_optimizer = d_optimizer
            self.g_optimizer = g_optimizer
            self.loss_fn = loss_fn

        def train_step(self, real_images):
            if isinstance(real_images, tuple):
                real_images = real_images[0]
            batch_size = K.shape(real_images)[0]
            noise = K.random_normal(shape=(batch_size, self.latent_dim))
            generated = self.generator(noise)
            combined = K.concatenate([generated, real_images], axis=0)
            labels = K.concatenate([K.ones((batch_size, 1)),
                                    K.zeros((real_images.shape[0], 1))], axis=0)
            labels += 0.05 * K.random_uniform(K.shape(labels))
            with GradientTape() as tape:
                d_loss = self.loss_fn(labels, self.discriminator(combined))
            grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
            self.d_optimizer.apply_gradients(zip(grads,
                                                 self.discriminator.trainable_weights))
            noise = K.random_normal(shape=(batch_size, self.latent_dim))
            misleading = K.zeros((batch_size, 1))
            with GradientTape() as tape:
                g_loss = self.loss_fn(misleading, self.discriminator(self.generator(noise)))
            grads = tape.gradient(g_loss, self.generator.trainable_weights)
            self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_weights))
            return {"d_loss": d_loss, "g_loss": g_loss}

    gan = GAN(discriminator, generator, latent_dim)
    gan.compile(d_optimizer=keras.optimizers.Adam(learning_rate=0.003),
                g_optimizer=keras.optimizers.Adam(learning_rate=0.003),
                loss_fn=keras.losses.BinaryCrossentropy(from_logits=True))
    d0 = [w.copy() for w in discriminator.get_weights()]
    g0 = [w.copy() for w in generator.get_weights()]
    real = RNG.random((32, 6)).astype("float32")
    hist = gan.fit(real, batch_size=8, epochs=1, verbose=0)
    assert set(hist.history) == {"d_loss", "g_loss"}
    assert all(np.isfinite(v[0]) for v in hist.history.values())
    assert any(not np.array_equal(a, b) for a, b in zip(d0, discriminator.get_weights()))
    assert any(not np.array_equal(a, b) for a, b in zip(g0, generator.get_weights()))
    assert len(gan.trainable_weights) == 8


def test_calling_gradient_twice_on_a_non_persistent_tape_fails_as_tf():
    layer = layers.Dense(1)
    with GradientTape() as tape:
        loss = K.sum(layer(np.ones((2, 3), "float32")))
    tape.gradient(loss, layer.trainable_weights)
    with pytest.raises(RuntimeError, match="non-persistent GradientTape"):
        tape.gradient(loss, layer.trainable_weights)
