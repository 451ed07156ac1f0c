"""The Dense-chain training step on the kernels (ckeras.engine.dense_replay)
gives the taped step's results bit for bit, is used only where it applies,
and is rebuilt when the model, loss, optimizer or trainable set change."""
import numpy as np
import pytest

import ckeras
from ckeras import layers, regularizers
from ckeras.engine import dense_replay
from ckeras.models import Sequential


def _taped(monkeypatch):
    """Every model built from now on takes the taped step."""
    monkeypatch.setattr(dense_replay, "plan_for", dense_replay.Taped)


def _mlp(acts=("relu", "tanh", "softmax"), dtype="float32", use_bias=(True, False, True),
         width=12, **kw):
    model = Sequential([layers.Dense(16, activation=acts[0], use_bias=use_bias[0],
                                     input_shape=(width,), dtype=dtype, **kw),
                        layers.Dense(8, activation=acts[1], use_bias=use_bias[1], dtype=dtype),
                        layers.Dense(5, activation=acts[2], use_bias=use_bias[2],
                                     dtype=dtype)])
    return model


def _data(n=40, width=12, dtype=np.float32, classes=5, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, width)).astype(dtype)
    return x, rng.integers(0, classes, (n, 1)), rng.random(n).astype(dtype)


def _pair(build, compile_kw):
    """Two models with the same weights, each compiled with its own
    optimizer (`compile_kw` may be a function returning the arguments)."""
    a, b = build(), build()
    b.set_weights(a.get_weights())
    for m in (a, b):
        m.compile(**(compile_kw() if callable(compile_kw) else compile_kw))
    return a, b


def _kind(model):
    return type(model.__dict__.get("_dense_replay")).__name__


def _assert_same_state(a, b):
    for p, q in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(p, q)
    sa, sb = a.optimizer.variables(), b.optimizer.variables()
    assert len(sa) == len(sb) > 1
    for p, q in zip(sa, sb):
        np.testing.assert_array_equal(np.asarray(p), np.asarray(q))


CASES = {
    "sparse_cce_softmax": (dict(), dict(optimizer="adam", loss="sparse_categorical_crossentropy",
                                        metrics=["accuracy"])),
    "cce_from_logits_linear": (dict(acts=("relu", "relu", "linear")),
                               lambda: dict(optimizer=ckeras.optimizers.SGD(0.1, momentum=0.9),
                                            loss=ckeras.losses.SparseCategoricalCrossentropy(
                                                from_logits=True))),
    "mse_sigmoid_rmsprop": (dict(acts=("elu", "selu", "sigmoid")),
                            dict(optimizer="rmsprop", loss="mse", metrics=["mae"])),
    "mse_linear_sgd": (dict(acts=("relu", "tanh", "linear")),
                       lambda: dict(optimizer=ckeras.optimizers.SGD(0.05), loss="mse",
                                    metrics=["mae"])),
    "float64_adam_clipnorm": (dict(dtype="float64"),
                              lambda: dict(optimizer=ckeras.optimizers.Adam(clipnorm=0.5),
                                           loss="sparse_categorical_crossentropy")),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_train_on_batch_is_bit_identical_to_the_taped_step(case, monkeypatch):
    build_kw, compile_kw = CASES[case]
    dtype = np.float64 if build_kw.get("dtype") == "float64" else np.float32
    x, y, sw = _data(dtype=dtype)
    if "mse" in case:
        y = np.eye(5, dtype=dtype)[y[:, 0]]
    a, b = _pair(lambda: _mlp(**build_kw), compile_kw)
    got = [a.train_on_batch(x, y) for _ in range(4)]
    got.append(a.train_on_batch(x, y, sample_weight=sw))
    assert _kind(a) == "DenseReplay"
    _taped(monkeypatch)
    want = [b.train_on_batch(x, y) for _ in range(4)]
    want.append(b.train_on_batch(x, y, sample_weight=sw))
    assert _kind(b) == "Taped"
    assert got == want
    _assert_same_state(a, b)


def test_fit_is_bit_identical_to_the_taped_fit(monkeypatch):
    x, y, _ = _data(n=100)
    kw = dict(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    a, b = _pair(_mlp, kw)
    cw = {0: 1.0, 1: 2.0, 2: 0.5, 3: 1.0, 4: 3.0}
    ckeras.utils.set_random_seed(1)
    ha = a.fit(x, y, batch_size=32, epochs=2, class_weight=cw, verbose=0).history
    assert _kind(a) == "DenseReplay"
    _taped(monkeypatch)
    ckeras.utils.set_random_seed(1)
    hb = b.fit(x, y, batch_size=32, epochs=2, class_weight=cw, verbose=0).history
    assert ha == hb
    _assert_same_state(a, b)


@pytest.mark.parametrize("variant", [
    "dropout", "regularizer", "activity", "softmax_inside", "custom_activation",
    "dense_subclass", "frozen_layer"])
def test_other_models_take_the_taped_step_with_the_same_results(variant, monkeypatch):
    """Models the replay does not cover are found out (at plan time or per
    step) and trained exactly as before."""
    def build():
        if variant == "dropout":
            return Sequential([layers.Dense(16, activation="relu", input_shape=(12,)),
                               layers.Dropout(0.0), layers.Dense(5, activation="softmax")])
        if variant == "regularizer":
            return _mlp(kernel_regularizer=regularizers.l2(0.01))
        if variant == "activity":
            return _mlp(activity_regularizer=regularizers.l1(0.01))
        if variant == "softmax_inside":
            return _mlp(acts=("softmax", "relu", "softmax"))
        if variant == "custom_activation":
            return _mlp(acts=(lambda t: t * 2.0, "relu", "softmax"))
        if variant == "dense_subclass":
            class MyDense(layers.Dense):
                pass
            return Sequential([MyDense(16, activation="relu", input_shape=(12,)),
                               layers.Dense(5, activation="softmax")])
        model = _mlp()
        model.layers[1].trainable = False
        return model

    x, y, _ = _data()
    kw = dict(optimizer="adam", loss="sparse_categorical_crossentropy")
    a, b = _pair(build, kw)
    got = [a.train_on_batch(x, y) for _ in range(3)]
    if variant in ("dropout", "dense_subclass", "frozen_layer"):
        assert _kind(a) == "Taped"
    _taped(monkeypatch)
    want = [b.train_on_batch(x, y) for _ in range(3)]
    assert got == want
    _assert_same_state(a, b)


def test_the_plan_follows_compile_and_the_trainable_set(monkeypatch):
    x, y, _ = _data()
    model = _mlp()
    model.compile("adam", "sparse_categorical_crossentropy")
    model.train_on_batch(x, y)
    first = model.__dict__["_dense_replay"]
    assert _kind(model) == "DenseReplay"
    model.train_on_batch(x, y)
    assert model.__dict__["_dense_replay"] is first
    # a new optimizer and loss: a new plan bound to them
    model.compile("sgd", "sparse_categorical_crossentropy")
    model.train_on_batch(x, y)
    second = model.__dict__["_dense_replay"]
    assert second is not first and second.optimizer is model.optimizer
    # freezing a layer takes effect at the next compile (Keras): then the
    # chain no longer trains all its variables and steps are taped
    model.layers[0].trainable = False
    frozen = model.layers[0].kernel.value.copy()
    model.train_on_batch(x, y)
    assert not np.array_equal(model.layers[0].kernel.value, frozen)
    model.compile("adam", "sparse_categorical_crossentropy")
    frozen = model.layers[0].kernel.value.copy()
    before = model.layers[2].kernel.value.copy()
    model.train_on_batch(x, y)
    assert _kind(model) == "Taped"
    np.testing.assert_array_equal(model.layers[0].kernel.value, frozen)
    assert not np.array_equal(model.layers[2].kernel.value, before)
    # a layer added after compile changes the graph: the plan is redone
    model.layers[0].trainable = True
    model.add(layers.Dense(3, activation="softmax"))
    model.compile("adam", "sparse_categorical_crossentropy")
    model.train_on_batch(x, np.minimum(y, 2))
    assert _kind(model) == "DenseReplay"
    assert len(model.__dict__["_dense_replay"].layers) == 4


def test_per_step_conditions_fall_back_exactly(monkeypatch):
    """An activation swapped after the plan was built, an open GradientTape
    and a non-contiguous batch each send that step to the taped path."""
    x, y, _ = _data()
    kw = dict(optimizer="adam", loss="sparse_categorical_crossentropy")
    a, b = _pair(_mlp, kw)

    def steps(model):
        out = [model.train_on_batch(x, y)]
        model.layers[0].activation = lambda t: t * 0.5
        out.append(model.train_on_batch(x, y))
        model.layers[0].activation = ckeras.activations.get("relu")
        with ckeras.GradientTape():
            out.append(model.train_on_batch(x, y))
        out.append(model.train_on_batch(np.asfortranarray(x), y))
        out.append(model.train_on_batch(x, y))
        return out

    got = steps(a)
    assert _kind(a) == "DenseReplay"
    _taped(monkeypatch)
    want = steps(b)
    assert got == want
    _assert_same_state(a, b)


def test_the_replay_steps_are_used(replay_spy):
    """The replay must actually run for a plain MLP (it is the point)."""
    x, y, _ = _data()
    model = _mlp()
    model.compile("adam", "sparse_categorical_crossentropy")
    model.train_on_batch(x, y)
    model.fit(x, y, batch_size=20, epochs=1, verbose=0)
    assert replay_spy == [True, True, True]


def test_bad_input_still_raises_the_clear_error():
    model = _mlp()
    model.compile("adam", "sparse_categorical_crossentropy")
    x, y, _ = _data(width=11)
    with pytest.raises(ValueError, match="12|11"):
        model.train_on_batch(x, y)


def _spy_fused(monkeypatch):
    """Counts the steps that ran forward, loss and backward in one kernel call."""
    calls = []
    original = dense_replay.DenseReplay._fused

    def spy(self, *args):
        calls.append(1)
        return original(self, *args)
    monkeypatch.setattr(dense_replay.DenseReplay, "_fused", spy)
    return calls


@pytest.mark.parametrize("loss", ["sparse_categorical_crossentropy", "class", "from_logits",
                                  "int32_labels", "float_labels"])
def test_the_one_call_step_runs_for_sparse_crossentropy_with_the_same_bits(loss, monkeypatch):
    acts = ("relu", "tanh", "linear" if loss == "from_logits" else "softmax")
    spec = {"class": lambda: ckeras.losses.SparseCategoricalCrossentropy(),
            "from_logits": lambda: ckeras.losses.SparseCategoricalCrossentropy(
                from_logits=True)}.get(loss, lambda: "sparse_categorical_crossentropy")
    x, y, _ = _data()
    if loss == "int32_labels":
        y = y.astype(np.int32)
    elif loss == "float_labels":
        y = y[:, 0].astype(np.float32)
    a, b = _pair(lambda: _mlp(acts=acts),
                 lambda: dict(optimizer="adam", loss=spec(), metrics=["accuracy", "mse"]))
    calls = _spy_fused(monkeypatch)
    got = [a.train_on_batch(x, y) for _ in range(3)]
    got.append(a.evaluate(x, y, verbose=0))
    assert len(calls) == 3
    _taped(monkeypatch)
    want = [b.train_on_batch(x, y) for _ in range(3)]
    want.append(b.evaluate(x, y, verbose=0))
    assert got == want
    _assert_same_state(a, b)


@pytest.mark.parametrize("variant", ["sample_weight", "sigmoid_from_logits", "loss_weight",
                                     "ignore_class", "cce_onehot"])
def test_other_losses_and_weighted_batches_skip_the_one_call_step(variant, monkeypatch):
    x, y, sw = _data()
    acts, loss, kw = ("relu", "tanh", "softmax"), "sparse_categorical_crossentropy", {}
    if variant == "sigmoid_from_logits":
        acts = ("relu", "tanh", "sigmoid")
        loss = ckeras.losses.SparseCategoricalCrossentropy(from_logits=True)
    elif variant == "loss_weight":
        kw = dict(loss_weights=[0.5])
    elif variant == "ignore_class":
        loss = ckeras.losses.SparseCategoricalCrossentropy(ignore_class=1)
    elif variant == "cce_onehot":
        loss, y = "categorical_crossentropy", np.eye(5, dtype=np.float32)[y[:, 0]]
    a, b = _pair(lambda: _mlp(acts=acts), lambda: dict(optimizer="adam", loss=loss, **kw))
    weights = sw if variant == "sample_weight" else None
    calls = _spy_fused(monkeypatch)
    got = [a.train_on_batch(x, y, sample_weight=weights) for _ in range(2)]
    assert calls == [] and _kind(a) == "DenseReplay"
    _taped(monkeypatch)
    want = [b.train_on_batch(x, y, sample_weight=weights) for _ in range(2)]
    assert got == want
    _assert_same_state(a, b)


def test_a_bad_label_raises_the_taped_losses_error_and_changes_nothing():
    x, y, _ = _data()
    model = _mlp()
    model.compile("adam", "sparse_categorical_crossentropy")
    model.train_on_batch(x, y)
    before = model.get_weights()
    y_bad = y.copy()
    y_bad[3] = 5
    with pytest.raises(ValueError, match="label value of 5 which is outside the valid range"):
        model.train_on_batch(x, y_bad)
    for p, q in zip(before, model.get_weights()):
        np.testing.assert_array_equal(p, q)


def test_the_one_call_step_follows_the_compiled_loss(monkeypatch):
    """The loss object found at the first step is checked at every step: a
    loss changed in place (its arguments, its reduction, another object in
    the container) sends the step back to the taped loss."""
    x, y, _ = _data()
    model = _mlp()
    model.compile("adam", ckeras.losses.SparseCategoricalCrossentropy())
    calls = _spy_fused(monkeypatch)
    model.train_on_batch(x, y)
    assert len(calls) == 1
    obj = model.compiled_loss.losses[0]
    obj.reduction = "sum"
    model.train_on_batch(x, y)
    assert len(calls) == 1
    obj.reduction = "auto"
    model.train_on_batch(x, y)
    assert len(calls) == 2
    obj._fn_kwargs["from_logits"] = True   # the softmax output is then no logits
    model.train_on_batch(x, y)
    assert len(calls) == 2
    obj._fn_kwargs["from_logits"] = False
    model.compiled_loss.losses[0] = ckeras.losses.SparseCategoricalCrossentropy()
    model.train_on_batch(x, y)
    assert len(calls) == 2
    model.compile("adam", "sparse_categorical_crossentropy")
    model.train_on_batch(x, y)
    assert len(calls) == 3


@pytest.mark.parametrize("build_kw", [dict(), dict(acts=("tanh", "relu", "sigmoid")),
                                      dict(dtype="float64"), dict(use_bias=(False,) * 3),
                                      dict(acts=("linear", "hard_sigmoid", "linear"))])
def test_inference_on_the_kernels_gives_the_models_call_bits(build_kw, infer_spy):
    dtype = np.float64 if build_kw.get("dtype") == "float64" else np.float32
    model = _mlp(**build_kw)
    x, _, _ = _data(n=70, dtype=dtype)
    used = infer_spy
    got_batch = model.predict_on_batch(x)
    got_one = model.predict_on_batch(x[:1])
    got_pred = model.predict(x, batch_size=32)
    assert used == [True] * 5
    np.testing.assert_array_equal(got_batch, used.called(model.predict_on_batch, x))
    np.testing.assert_array_equal(got_one, used.called(model.predict_on_batch, x[:1]))
    np.testing.assert_array_equal(got_pred, used.called(model.predict, x, batch_size=32))


@pytest.mark.parametrize("variant", ["dropout", "custom_activation", "dense_subclass",
                                     "activity", "fortran_input", "functional_subclass_call"])
def test_other_models_and_inputs_take_the_models_call(variant, infer_spy):
    x, _, _ = _data()
    if variant == "dropout":
        model = Sequential([layers.Dense(16, activation="relu", input_shape=(12,)),
                            layers.Dropout(0.5), layers.Dense(5, activation="softmax")])
    elif variant == "custom_activation":
        model = _mlp(acts=("relu", lambda t: t * 2.0, "softmax"))
    elif variant == "dense_subclass":
        class MyDense(layers.Dense):
            pass
        model = Sequential([MyDense(16, activation="relu", input_shape=(12,)),
                            layers.Dense(5, activation="softmax")])
    elif variant == "activity":
        model = _mlp(activity_regularizer=regularizers.l1(0.01))
    elif variant == "functional_subclass_call":
        class Doubling(ckeras.Model):
            def call(self, inputs, training=None):
                return super().call(inputs, training=training) * 2.0
        inp = ckeras.Input((12,))
        model = Doubling(inp, layers.Dense(5)(layers.Dense(16, activation="relu")(inp)))
    else:
        model = _mlp()
    if variant == "fortran_input":
        x = np.asfortranarray(x)
    used = infer_spy
    got = model.predict_on_batch(x)
    assert used == [False]
    np.testing.assert_array_equal(got, used.called(model.predict_on_batch, x))
    if variant == "functional_subclass_call":
        inner = ckeras.Model(model.inputs, model.outputs)
        np.testing.assert_array_equal(got, 2.0 * inner.predict_on_batch(x))


def test_inference_follows_the_model(infer_spy):
    """Weights set, an activation swapped and a layer added after the first
    batch all show in the next one; a wrong width raises the model's error."""
    model = _mlp()
    x, _, _ = _data()
    used = infer_spy
    first = model.predict_on_batch(x)
    model.set_weights([w * 0.5 for w in model.get_weights()])
    second = model.predict_on_batch(x)
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(second, used.called(model.predict_on_batch, x))
    model.layers[1].activation = ckeras.activations.get("relu")
    np.testing.assert_array_equal(model.predict_on_batch(x),
                                  used.called(model.predict_on_batch, x))
    model.add(layers.Dense(3, activation="softmax"))
    out = model.predict_on_batch(x)
    assert out.shape == (40, 3)
    np.testing.assert_array_equal(out, used.called(model.predict_on_batch, x))
    assert used == [True] * 4
    with pytest.raises(ValueError, match="12|11"):
        model.predict_on_batch(x[:, :11].copy())


def test_an_optimizer_with_its_own_apply_gradients_is_called(monkeypatch):
    """The one-call step hands checked gradients to the update directly,
    except to an optimizer that defines apply_gradients itself."""
    seen = []

    class Recording(ckeras.optimizers.SGD):
        def apply_gradients(self, grads_and_vars, name=None, **kwargs):
            pairs = list(grads_and_vars)
            seen.append([g.shape for g, _ in pairs])
            return super().apply_gradients(pairs)

    x, y, _ = _data()
    a, b = _pair(_mlp, lambda: dict(optimizer=Recording(0.1),
                                    loss="sparse_categorical_crossentropy"))
    calls = _spy_fused(monkeypatch)
    got = [a.train_on_batch(x, y) for _ in range(2)]
    assert len(calls) == 2 and len(seen) == 2
    assert seen[0] == [w.shape for w in a.get_weights()]
    _taped(monkeypatch)
    assert got == [b.train_on_batch(x, y) for _ in range(2)]
    _assert_same_state(a, b)


def test_evaluate_on_the_kernels_gives_the_models_results(infer_spy):
    x, y, sw = _data(n=70)
    model = _mlp(kernel_regularizer=regularizers.l2(0.01))
    model.compile("adam", "sparse_categorical_crossentropy",
                  metrics=["accuracy", "sparse_top_k_categorical_accuracy"])
    used = infer_spy
    got = [model.evaluate(x, y, batch_size=32, verbose=0),
           model.evaluate(x, y, sample_weight=sw, batch_size=32, verbose=0),
           model.test_on_batch(x, y)]
    assert used == [True] * 7
    want = [used.called(model.evaluate, x, y, batch_size=32, verbose=0),
            used.called(model.evaluate, x, y, sample_weight=sw, batch_size=32, verbose=0),
            used.called(model.test_on_batch, x, y)]
    assert got == want


@pytest.mark.parametrize("targets", ["float32", "float64", "int", "rank1", "weighted",
                                     "mse_object", "sigmoid_output"])
def test_mean_squared_error_on_the_kernels_gives_the_taped_losss_bits(targets, monkeypatch):
    """A mean squared error on the model's output runs on the loss kernels
    (`_MeanSquared`) when the batch's targets have the output's shape and
    no sample weights come; otherwise the taped loss; the bits match."""
    width = 1 if targets == "rank1" else 5
    x, y, sw = _data()
    rng = np.random.default_rng(3)
    t = rng.standard_normal((len(x), width))
    t = {"float32": t.astype(np.float32), "int": (t > 0).astype(np.int64),
         "rank1": t[:, 0]}.get(targets, t)
    loss = ckeras.losses.MeanSquaredError() if targets == "mse_object" else "mse"
    acts = ("relu", "tanh", "sigmoid" if targets == "sigmoid_output" else "linear")
    ran = []
    original = dense_replay._MeanSquared.gradient

    def spy(self, *args):
        ran.append(True)
        return original(self, *args)
    monkeypatch.setattr(dense_replay._MeanSquared, "gradient", spy)

    def build():
        model = _mlp(acts=acts)
        if width == 1:
            model = Sequential(model.layers[:2] + [layers.Dense(1, activation=acts[2])])
        return model
    a, b = _pair(build, lambda: dict(optimizer="adam", loss=loss, metrics=["mse"]))
    weights = sw if targets == "weighted" else None
    got = [a.train_on_batch(x, t, sample_weight=weights) for _ in range(3)]
    fused = targets in ("float32", "float64", "int", "mse_object")
    assert ran == [True] * 3 if fused else not ran
    assert _kind(a) == "DenseReplay"
    _taped(monkeypatch)
    want = [b.train_on_batch(x, t, sample_weight=weights) for _ in range(3)]
    assert got == want
    _assert_same_state(a, b)
