"""compile/fit/evaluate against golden tf-keras histories, plus Keras' errors."""
import json
import os
import re

import numpy as np
import pytest

from ckeras import backend as K
from ckeras import callbacks, optimizers
from ckeras.layers import Dense, Embedding, Input, Lambda
from ckeras.models import Model, Sequential
from ckeras.utils import Sequence

FIX = os.path.join(os.path.dirname(__file__), "..", "fixtures", "training")


def _case(name):
    cases = json.load(open(os.path.join(FIX, "cases.json")))
    entry = [c for c in cases if c["name"] == name][0]
    return entry, np.load(os.path.join(FIX, name + ".npz"))


def _weights(data, prefix):
    keys = sorted((k for k in data if k.startswith(prefix)), key=lambda k: int(k.split("_")[-1]))
    return [data[k] for k in keys]


def _split_model(data):
    model = Sequential([Dense(3, activation="relu", input_shape=(4,)),
                        Dense(2, activation="softmax")])
    model.set_weights(_weights(data, "w_init_"))
    model.compile(optimizers.SGD(learning_rate=0.5), "categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def test_fit_with_validation_split_matches_tf_keras():
    entry, data = _case("fit_validation_split")
    model = _split_model(data)
    hist = model.fit(data["x"], data["y"], batch_size=4, epochs=2, validation_split=0.25,
                     shuffle=False, verbose=0)
    assert list(hist.history) == entry["history_keys"]
    for key, values in entry["history"].items():
        np.testing.assert_allclose(hist.history[key], values, rtol=1e-5, atol=1e-6)
    for got, want in zip(model.get_weights(), _weights(data, "w_final_")):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert hist.epoch == [0, 1]
    assert hist.params["epochs"] == 2 and hist.params["steps"] == 2
    assert model.metrics_names == entry["metrics_names"]
    # The validation set is the LAST quarter, taken before any shuffling.
    val = model.evaluate(data["x"][6:], data["y"][6:], verbose=0)
    np.testing.assert_allclose(val, [hist.history["val_loss"][-1],
                                     hist.history["val_accuracy"][-1]], rtol=1e-5)


def _center_loss_model():
    inp = Input(shape=(4,), name="inp")
    label = Input(shape=(1,), dtype="int32", name="label")
    feature = Dense(5, activation="relu", name="feature")(inp)
    predict = Dense(3, activation="softmax", name="softmax")(feature)
    centers = Embedding(3, 5, name="centers")(label)
    l2_loss = Lambda(lambda t: K.sum(K.square(t[0] - t[1][:, 0]), axis=1, keepdims=True),
                     name="centerlosslayer")([feature, centers])
    return Model(inputs=[inp, label], outputs=[predict, l2_loss])


def test_center_loss_two_inputs_two_outputs_matches_tf_keras():
    entry, data = _case("fit_center_loss")
    model = _center_loss_model()
    assert [w.name for w in model.weights] == entry["weight_names"]
    model.set_weights(_weights(data, "w_init_"))
    model.compile(optimizer=optimizers.SGD(learning_rate=0.05),
                  loss=["categorical_crossentropy", lambda y_true, y_pred: y_pred],
                  loss_weights=[1., 0.2], metrics={"softmax": "accuracy"})
    hist = model.fit([data["x"], data["y_int"]], [data["y_onehot"], data["dummy"]],
                     batch_size=4, epochs=2, validation_split=0.25, shuffle=False, verbose=0)
    assert list(hist.history) == entry["history_keys"]
    for key, values in entry["history"].items():
        np.testing.assert_allclose(hist.history[key], values, rtol=1e-5, atol=1e-6)
    for got, want in zip(model.get_weights(), _weights(data, "w_final_")):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert model.metrics_names == entry["metrics_names"]


def _toy(rng, n=32):
    x = rng.standard_normal((n, 5)).astype("float32")
    y = (x[:, :1] + x[:, 1:2] > 0).astype("float32")
    return x, y


def _binary_model():
    model = Sequential([Dense(8, activation="tanh", input_shape=(5,)),
                        Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    return model


@pytest.mark.parametrize("call,match", [
    (lambda m, x, y: m.fit(x, y[:-1], verbose=0), "Data cardinality is ambiguous"),
    (lambda m, x, y: m.fit(x, [y, y], verbose=0), "1 output"),
    (lambda m, x, y: m.fit(x, y, validation_split=1.0, verbose=0), "validation_split"),
    (lambda m, x, y: m.fit(x, y, validation_split=-0.1, verbose=0), "validation_split"),
    (lambda m, x, y: m.fit(x, y, batch_size=0, verbose=0), "batch_size"),
])
def test_bad_fit_arguments_raise_before_any_step(rng, call, match):
    x, y = _toy(rng)
    model = _binary_model()
    before = model.get_weights()
    with pytest.raises(ValueError, match=match):
        call(model, x, y)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kwargs,match", [
    (dict(optimizer="nope", loss="mse"), "nope"),
    (dict(optimizer="sgd", loss="not_a_loss"), "not_a_loss"),
    (dict(optimizer="sgd", loss="mse", metrics=["not_a_metric"]), "not_a_metric"),
    (dict(optimizer="sgd", loss=["mse", "mse", "mse"]), "3 entries"),
    (dict(optimizer="sgd", loss=["mse", "mse"], loss_weights=[1.0]), "loss_weights"),
    (dict(optimizer="sgd", loss="mse", metrics={"nope": "accuracy"}), "nope"),
])
def test_bad_compile_arguments(rng, kwargs, match):
    a = Input(shape=(3,))
    model = Model(a, [Dense(1, name="o1")(a), Dense(2, name="o2")(a)])
    with pytest.raises(ValueError, match=match):
        model.compile(**kwargs)
        model.fit(rng.standard_normal((4, 3)), [np.zeros((4, 1)), np.zeros((4, 2))],
                  verbose=0)


def test_training_reduces_loss_and_evaluate_agrees(rng):
    x, y = _toy(rng, 64)
    model = _binary_model()
    hist = model.fit(x, y, epochs=15, batch_size=16, verbose=0)
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    loss, acc = model.evaluate(x, y, verbose=0)
    p = model.predict(x)
    eps = 1e-7
    pc = np.clip(p, eps, 1 - eps)
    manual = -np.mean(y * np.log(pc + eps) + (1 - y) * np.log(1 - pc + eps))
    np.testing.assert_allclose(loss, manual, rtol=1e-4)
    np.testing.assert_allclose(acc, np.mean((p > 0.5) == y), rtol=1e-6)
    assert model.test_on_batch(x, y) == pytest.approx([loss, acc], rel=1e-5)


def test_frozen_layer_is_excluded_at_compile_only(rng):
    x, y = _toy(rng)
    model = Sequential([Dense(4, input_shape=(5,), trainable=False, name="frozen"),
                        Dense(1)])
    model.compile("sgd", "mse")
    frozen_before = model.get_layer("frozen").get_weights()
    model.fit(x, y, epochs=2, verbose=0)
    for a, b in zip(frozen_before, model.get_layer("frozen").get_weights()):
        np.testing.assert_array_equal(a, b)
    # Unfreezing takes effect only at the next compile, as in Keras.
    model.get_layer("frozen").trainable = True
    model.fit(x, y, epochs=1, verbose=0)
    np.testing.assert_array_equal(frozen_before[0], model.get_layer("frozen").get_weights()[0])
    model.compile("sgd", "mse")
    model.fit(x, y, epochs=1, verbose=0)
    assert not np.array_equal(frozen_before[0], model.get_layer("frozen").get_weights()[0])
    # Weight order does not change with freezing.
    assert [w.name for w in model.weights][0] == "frozen/kernel:0"


def test_custom_backend_loss_gets_gradients(rng):
    x, y = _toy(rng)

    def mean_abs_pred(y_true, y_pred):
        return K.mean(K.abs(y_pred - y_true), axis=-1)

    model = Sequential([Dense(1, input_shape=(5,))])
    model.compile("sgd", loss=mean_abs_pred, metrics=[mean_abs_pred])
    before = model.get_weights()[0].copy()
    hist = model.fit(x, y, epochs=1, batch_size=32, verbose=0)
    assert set(hist.history) == {"loss", "mean_abs_pred"}
    np.testing.assert_allclose(hist.history["loss"], hist.history["mean_abs_pred"], rtol=1e-5)
    assert not np.array_equal(before, model.get_weights()[0])


class _Batches(Sequence):
    def __init__(self, x, y, bs):
        self.x, self.y, self.bs = x, y, bs
        self.epochs_ended = 0

    def __len__(self):
        return -(-len(self.x) // self.bs)

    def __getitem__(self, i):
        return self.x[i * self.bs:(i + 1) * self.bs], self.y[i * self.bs:(i + 1) * self.bs]

    def on_epoch_end(self):
        self.epochs_ended += 1


def test_sequence_and_generator_train_like_arrays(rng):
    x, y = _toy(rng)
    ref = _binary_model()
    init = ref.get_weights()
    ref.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    seq_model = _binary_model()
    seq_model.set_weights(init)
    seq = _Batches(x, y, 8)
    seq_model.fit(seq, epochs=2, verbose=0)
    assert seq.epochs_ended == 2

    def gen():
        while True:
            for i in range(4):
                yield x[i * 8:(i + 1) * 8], y[i * 8:(i + 1) * 8]

    gen_model = _binary_model()
    gen_model.set_weights(init)
    gen_model.fit(gen(), steps_per_epoch=4, epochs=2, verbose=0)
    for a, b, c in zip(ref.get_weights(), seq_model.get_weights(), gen_model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6)
        np.testing.assert_allclose(a, c, rtol=1e-6)
    with pytest.raises(ValueError, match="steps_per_epoch"):
        gen_model.fit(gen(), epochs=1, verbose=0)


@pytest.mark.parametrize("steps", [None, 3])
def test_empty_sequence_is_refused(rng, steps):
    """An empty Sequence has no batch: fit, evaluate, predict and fit's
    validation refuse it with Keras' "Expected input data to be non-empty"
    and the Sequence's name, before changing anything (it raised
    ZeroDivisionError with steps, and returned a loss of 0.0 without)."""
    x, y = _toy(rng)
    empty = _Batches(x[:0], y[:0], 8)
    model = _binary_model()
    before = model.get_weights()
    msg = "non-empty: the Sequence _Batches has length 0"
    if steps is not None:
        msg += ".* for the 3 steps asked"
    for call in (lambda: model.fit(empty, steps_per_epoch=steps, verbose=0),
                 lambda: model.evaluate(empty, steps=steps, verbose=0),
                 lambda: model.predict(empty, steps=steps, verbose=0),
                 lambda: model.fit(x, y, validation_data=empty, validation_steps=steps,
                                   verbose=0)):
        with pytest.raises(ValueError, match=msg):
            call()
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert empty.epochs_ended == 0


def test_terminate_on_nan_stops_cleanly(rng, capsys):
    x, y = _toy(rng)
    x[5, 0] = np.nan
    model = _binary_model()
    hist = model.fit(x, y, batch_size=4, epochs=3, verbose=0, shuffle=False,
                     callbacks=[callbacks.TerminateOnNaN()])
    assert len(hist.history["loss"]) == 1
    assert "Batch 1: Invalid loss, terminating training" in capsys.readouterr().out


def test_sample_and_class_weights(rng):
    x, y = _toy(rng, 16)
    model = Sequential([Dense(1, input_shape=(5,), activation="sigmoid")])
    model.compile("sgd", "binary_crossentropy")
    w = np.r_[np.ones(8), np.zeros(8)].astype("float32")
    weighted = model.evaluate(x, y, sample_weight=w, verbose=0)
    per_sample = [model.evaluate(x[i:i + 1], y[i:i + 1], verbose=0) for i in range(16)]
    # Keras divides by the number of samples, not by the sum of the weights.
    np.testing.assert_allclose(weighted, np.sum(per_sample[:8]) / 16, rtol=1e-5)
    a = model.train_on_batch(x, y, class_weight={0: 1.0, 1: 0.0})
    labels = y[:, 0].astype(int)
    assert np.isfinite(a) and labels.sum() > 0


def test_train_on_batch_and_history_names_multi_output(rng):
    a = Input(shape=(3,))
    h = Dense(4, activation="relu")(a)
    model = Model(a, [Dense(1, name="reg")(h), Dense(3, activation="softmax", name="cls")(h)])
    model.compile("rmsprop", loss={"reg": "mse", "cls": "sparse_categorical_crossentropy"},
                  loss_weights={"reg": 0.5, "cls": 1.0}, metrics={"cls": ["acc"], "reg": "mae"})
    x = rng.standard_normal((8, 3)).astype("float32")
    yr = rng.standard_normal((8, 1)).astype("float32")
    yc = rng.integers(0, 3, (8, 1))
    out = model.train_on_batch(x, [yr, yc], return_dict=True)
    assert list(out) == ["loss", "reg_loss", "cls_loss", "reg_mae", "cls_acc"]
    np.testing.assert_allclose(out["loss"], 0.5 * out["reg_loss"] + out["cls_loss"], rtol=1e-5)
    hist = model.fit(x, {"reg": yr, "cls": yc}, epochs=1, verbose=0, validation_data=(x, [yr, yc]))
    assert list(hist.history) == ["loss", "reg_loss", "cls_loss", "reg_mae", "cls_acc",
                                  "val_loss", "val_reg_loss", "val_cls_loss", "val_reg_mae",
                                  "val_cls_acc"]


def _optimizer_cases():
    cases = json.load(open(os.path.join(FIX, "cases.json")))
    return [c["name"] for c in cases if c["kind"] == "optimizer"]


@pytest.mark.parametrize("name", _optimizer_cases())
def test_two_train_steps_match_tf_keras(name):
    """The whole path (layers, loss, tape, optimizer) gives tf-keras' weights."""
    entry, data = _case(name)
    module = optimizers.legacy if entry["implementation"] == "legacy" else optimizers
    opt = getattr(module, entry["class"])(**entry["kwargs"])
    model = Sequential([Dense(4, input_shape=(3,)), Dense(2)])
    model.set_weights(_weights(data, "w_init_"))
    model.compile(opt, loss="mse")
    losses = [model.train_on_batch(data["x"], data["y"]) for _ in range(2)]
    np.testing.assert_allclose(losses, data["loss"], rtol=1e-5)
    for got, want in zip(model.get_weights(), _weights(data, "w_step2_")):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_fit_progress_bar_and_epoch_lines(rng, capsys):
    x, y = _toy(rng, 16)
    model = _binary_model()
    model.fit(x, y, batch_size=8, epochs=2, verbose=1)
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "Epoch 2/2" in out
    assert "2/2 [==============================]" in out
    assert " - loss: " in out and " - accuracy: " in out
    model.fit(x, y, batch_size=8, epochs=1, verbose=2)
    line = [s for s in capsys.readouterr().out.splitlines() if s.startswith("2/2")][0]
    assert re.match(r"2/2 - \d+s - loss: \d\.\d{4} - accuracy: \d\.\d{4} - \d+[mu]?s/epoch - "
                    r"\d+[mu]?s/step$", line), line


def test_learning_rate_callbacks_drive_the_optimizer(rng):
    x, y = _toy(rng, 16)
    model = _binary_model()
    seen = []
    sched = callbacks.LearningRateScheduler(lambda epoch, lr: 0.1 / (epoch + 1))
    probe = callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: seen.append(model.optimizer.lr))
    hist = model.fit(x, y, epochs=3, verbose=0, callbacks=[sched, probe])
    np.testing.assert_allclose(seen, [0.1, 0.05, 0.1 / 3], rtol=1e-6)
    np.testing.assert_allclose(hist.history["lr"], [0.1, 0.05, 0.1 / 3], rtol=1e-6)


def test_early_stopping_restores_best_weights(rng):
    x, y = _toy(rng, 32)
    model = Sequential([Dense(1, input_shape=(5,), activation="sigmoid")])
    model.compile(optimizers.SGD(learning_rate=0.1), "binary_crossentropy")
    snapshots = []
    record = callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: snapshots.append(model.get_weights()))
    # mode='max' on a falling loss: epoch 0 stays the best, so training stops
    # after `patience` more epochs and epoch 0's weights come back.
    stop = callbacks.EarlyStopping(monitor="loss", mode="max", patience=2,
                                   restore_best_weights=True)
    hist = model.fit(x, y, epochs=30, batch_size=32, verbose=0, callbacks=[record, stop])
    assert len(hist.history["loss"]) == 3
    assert hist.history["loss"][0] > hist.history["loss"][2]
    for got, want in zip(model.get_weights(), snapshots[0]):
        np.testing.assert_array_equal(got, want)


def test_memory_and_weights_stay_bounded_over_many_epochs(rng):
    import tracemalloc
    x, y = _toy(rng, 64)
    model = _binary_model()
    model.fit(x, y, epochs=5, batch_size=16, verbose=0)
    tracemalloc.start()
    model.fit(x, y, epochs=20, batch_size=16, verbose=0)
    first, _ = tracemalloc.get_traced_memory()
    model.fit(x, y, epochs=100, batch_size=16, verbose=0)
    second, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # History objects grow a little; nothing per batch may accumulate.
    assert second - first < 200_000


def test_regularization_penalties_are_part_of_the_loss(rng):
    from ckeras import regularizers
    x, y = _toy(rng, 8)
    model = Sequential([Dense(2, input_shape=(5,), kernel_regularizer=regularizers.l2(0.1),
                              activity_regularizer=regularizers.l1(0.01), name="d")])
    model.compile("sgd", "mse")
    w, b = model.get_weights()
    out = x @ w + b
    yy = np.repeat(y, 2, axis=1)
    mse = np.mean((out - yy) ** 2)
    # TF2 divides the activity penalty by the batch size.
    expected = mse + 0.1 * np.sum(w ** 2) + 0.01 * np.abs(out).sum() / len(x)
    got = model.train_on_batch(x, yy)
    np.testing.assert_allclose(got, expected, rtol=1e-5)


def test_constraints_apply_after_each_update(rng):
    from ckeras import constraints
    x, y = _toy(rng, 16)
    model = Sequential([Dense(3, input_shape=(5,), kernel_constraint=constraints.NonNeg()),
                        Dense(1)])
    model.compile("sgd", "mse")
    model.fit(x, -10 * np.abs(y) - 5, epochs=3, verbose=0)
    assert model.layers[0].get_weights()[0].min() >= 0


def test_reduce_lr_and_csv_logger_in_fit(rng, tmp_path):
    x, y = _toy(rng, 16)
    model = _binary_model()
    model.optimizer.lr = 0.01
    path = tmp_path / "log.csv"
    reduce = callbacks.ReduceLROnPlateau(monitor="loss", mode="max", factor=0.5, patience=1,
                                         min_lr=0.002)
    hist = model.fit(x, y, epochs=5, verbose=0,
                     callbacks=[reduce, callbacks.CSVLogger(str(path))])
    # Like tf-keras, each epoch logs the rate it trained with, then reduces it.
    np.testing.assert_allclose(hist.history["lr"], [0.01, 0.01, 0.005, 0.0025, 0.002],
                               rtol=1e-6)
    assert model.optimizer.lr == 0.002
    rows = path.read_text().splitlines()
    # tf-keras adds val_ columns (filled with NA) when fit has no validation.
    assert rows[0] == "epoch,accuracy,loss,lr,val_accuracy,val_loss,val_lr" and len(rows) == 6
    assert rows[1].endswith(",NA,NA,NA")
    assert rows[1].startswith("0,")


def test_predict_accepts_sequence_and_generator(rng):
    x, y = _toy(rng, 20)
    model = _binary_model()
    expected = model.predict(x)
    np.testing.assert_allclose(model.predict(_Batches(x, y, 8)), expected, rtol=1e-6)
    gen = (x[i:i + 5] for i in range(0, 20, 5))
    np.testing.assert_allclose(model.predict(gen, steps=4), expected, rtol=1e-6)


def test_model_checkpoint_saves_best_models_in_fit(rng, tmp_path):
    from ckeras.models import load_model
    x, y = _toy(rng, 32)
    model = _binary_model()
    pattern = str(tmp_path / "w.{epoch:02d}-{val_loss:.2f}.h5")
    best = str(tmp_path / "best.h5")
    hist = model.fit(x, y, epochs=4, validation_split=0.25, verbose=0, callbacks=[
        callbacks.ModelCheckpoint(pattern, save_weights_only=True),
        callbacks.ModelCheckpoint(best, monitor="val_loss", save_best_only=True)])
    names = sorted(p.name for p in tmp_path.iterdir())
    expected = [f"w.{e + 1:02d}-{v:.2f}.h5" for e, v in enumerate(hist.history["val_loss"])]
    assert names == sorted(expected + ["best.h5"])
    restored = load_model(best)
    best_epoch = int(np.argmin(hist.history["val_loss"]))
    np.testing.assert_allclose(restored.evaluate(x[24:], y[24:], verbose=0)[0],
                               hist.history["val_loss"][best_epoch], rtol=1e-5)
    weights_only = _binary_model()
    weights_only.load_weights(str(tmp_path / expected[-1]))
    for a, b in zip(weights_only.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_softmax_crossentropy_is_fused_from_the_logits():
    """As tf-keras does with `_keras_logits`: training works from the logits, so the
    gradient is p - t and a saturated softmax does not stall at eps."""
    from ckeras.autograd import grad
    from ckeras.autograd.functions.nn import SoftmaxCrossentropy
    model = Sequential([Dense(3, activation="softmax", input_shape=(2,), name="out")])
    model.set_weights([np.array([[60.0, 0.0, 0.0], [0.0, 0.0, 0.0]], "float32"),
                       np.zeros(3, "float32")])
    model.compile("sgd", "categorical_crossentropy")
    x = np.array([[1.0, 0.0]], "float32")
    y = np.array([[0.0, 1.0, 0.0]], "float32")
    from ckeras.autograd import enable_grad
    with enable_grad():
        out = model._forward([x], training=True)[0]
        total = model.compiled_loss([y], [out], [None], [])
    node = total._fn
    while not isinstance(node, SoftmaxCrossentropy):
        node = node.inputs[0]._fn
    # The clipped probability path would give -log(1e-7) = 16.12; the logits give 60.
    np.testing.assert_allclose(float(total.value), 60.0, rtol=1e-5)
    g_kernel = grad(total, model.layers[0].kernel)
    p = np.exp([60.0, 0, 0] - np.float64(60.0))
    p /= p.sum()
    np.testing.assert_allclose(g_kernel[0], p - y[0], atol=1e-6)


def test_validation_freq_initial_epoch_and_steps(rng):
    x, y = _toy(rng, 32)
    model = _binary_model()
    hist = model.fit(x, y, epochs=4, verbose=0, validation_data=(x, y), validation_freq=2)
    assert len(hist.history["loss"]) == 4 and len(hist.history["val_loss"]) == 2
    hist = model.fit(x, y, epochs=5, initial_epoch=3, verbose=0)
    assert hist.epoch == [3, 4]
    hist = model.fit(x, y, epochs=2, verbose=0, validation_data=(x, y), validation_freq=[2])
    assert len(hist.history["val_loss"]) == 1
    seen = []
    counter = callbacks.LambdaCallback(on_batch_end=lambda batch, logs: seen.append(batch))
    model.fit(x, y, batch_size=4, steps_per_epoch=3, epochs=1, verbose=0, callbacks=[counter])
    assert seen == [0, 1, 2]


def test_k_set_value_on_optimizer_lr():
    model = _binary_model()
    K.set_value(model.optimizer.lr, 0.05)
    assert model.optimizer.lr == pytest.approx(0.05)
    assert K.get_value(model.optimizer.lr) == pytest.approx(0.05)
    model.optimizer.learning_rate = 0.2
    assert float(model.optimizer.lr) == pytest.approx(0.2)


class _HookRecorder(callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.events = []

    def __getattribute__(self, name):
        if name.startswith("on_"):
            events = object.__getattribute__(self, "events")

            def record(*args, **kwargs):
                logs = args[-1] if args and isinstance(args[-1], dict) else kwargs.get("logs")
                index = [a for a in args if isinstance(a, int)]
                events.append((name, index[0] if index else None, sorted(logs or ())))
            return record
        return object.__getattribute__(self, name)


def _epoch_events(epoch, keys):
    val = keys + ["val_" + k for k in keys]
    return ([("on_epoch_begin", epoch, [])]
            + [e for b in (0, 1) for e in (("on_train_batch_begin", b, []),
                                           ("on_train_batch_end", b, keys))]
            + [("on_test_begin", None, [])]
            + [e for b in (0, 1) for e in (("on_test_batch_begin", b, []),
                                           ("on_test_batch_end", b, keys))]
            + [("on_test_end", None, keys), ("on_epoch_end", epoch, val)])


def test_fit_with_validation_calls_the_test_hooks_in_tf_keras_order():
    model = Sequential([Dense(1, input_shape=(1,))])
    model.compile("sgd", "mse", metrics=["mae"])
    rec = _HookRecorder()
    model.fit(np.ones((4, 1)), np.ones((4, 1)), batch_size=2, epochs=2, verbose=0,
              validation_data=(np.ones((3, 1)), np.ones((3, 1))), callbacks=[rec])
    keys = ["loss", "mae"]
    # the sequence tf-keras 2.21 records for the same fit
    expected = ([("on_train_begin", None, [])] + _epoch_events(0, keys)
                + _epoch_events(1, keys)
                + [("on_train_end", None, keys + ["val_loss", "val_mae"])])
    assert rec.events == expected


def _bn_model(units, loss):
    from ckeras.layers import BatchNormalization
    model = Sequential([BatchNormalization(input_shape=(3,)), Dense(units)])
    model.compile("sgd", loss)
    return model


@pytest.mark.parametrize("loss,units,y_shape,match", [
    ("mse", 2, (4, 3), r"A target array with shape \(4, 3\) was passed for an output of "
                       r"shape \(None, 2\) while using as loss `mean_squared_error`"),
    ("categorical_crossentropy", 2, (4, 3), r"shape \(None, 2\) while using as loss "
                                            "`categorical_crossentropy`"),
    ("categorical_crossentropy", 3, (4, 1), r"You are passing a target array of shape "
                                            r"\(4, 1\) while using as loss"),
    ("binary_crossentropy", 2, (4, 2, 3), r"A target array with shape \(4, 2, 3\)"),
])
@pytest.mark.parametrize("call", ["fit", "train_on_batch", "evaluate", "test_on_batch"])
def test_targets_that_do_not_fit_the_output_are_refused_before_any_step(
        rng, loss, units, y_shape, match, call):
    model = _bn_model(units, loss)
    before = model.get_weights()      # BatchNormalization's moving statistics included
    x = rng.standard_normal((4, 3)).astype("float32")
    kwargs = {"verbose": 0} if call in ("fit", "evaluate") else {}
    with pytest.raises(ValueError, match=match):
        getattr(model, call)(x, np.ones(y_shape, "float32"), **kwargs)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("loss,units,y_shape", [
    ("binary_crossentropy", 1, (4, 2)),             # broadcasts, as in tf-keras
    ("sparse_categorical_crossentropy", 2, (4,)),
    ("mse", 2, (4,)),
    ("mse", 1, (4,)),
    ("mse", 2, (4, 2, 1)),
])
def test_targets_tf_keras_accepts_still_train(rng, loss, units, y_shape):
    model = _bn_model(units, loss)
    moving_mean = model.layers[0].get_weights()[2].copy()
    model.fit(rng.standard_normal((4, 3)).astype("float32"), np.ones(y_shape, "float32"),
              verbose=0)
    assert not np.array_equal(moving_mean, model.layers[0].get_weights()[2])
