"""Keras 3 `.weights.h5` files, both directions.

Golden files: tests/fixtures/keras3/NAME.weights.h5 + NAME.npz written by real
Keras 3.15 (tools/make_fixtures_keras3.py); ck_NAME.weights.h5 written by
ckeras and loaded by Keras 3 (tools/make_ckeras_keras3_files.py, then
`make_fixtures_keras3.py reverse`, which asserted Keras 3's predictions).
"""
import os
import warnings

import h5py
import numpy as np
import pytest

import ckeras
from ckeras import layers
from ckeras.saving.keras3 import saveables

FIX = os.path.join(os.path.dirname(__file__), "..", "fixtures", "keras3")


def _npz(name):
    d = np.load(os.path.join(FIX, name + ".npz"))
    xs = [d[k] for k in sorted(d.files) if k.startswith("x")]
    ys = [d[k] for k in sorted(d.files) if k.startswith("y")]
    return xs, ys


def _predict(model, xs):
    out = model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
    return out if isinstance(out, list) else [out]


def _layout(path):
    """{dataset path: shape} of an HDF5 file."""
    out = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda k, o: out.__setitem__(k, o.shape)
                     if isinstance(o, h5py.Dataset) else None)
    return out


# ------------------------------------------------ the models of the fixtures
def seq_dense():
    m = ckeras.Sequential([ckeras.Input((5,)), layers.Dense(4, activation="relu"),
                           layers.Dense(3, activation="softmax")])
    m.compile(optimizer=ckeras.optimizers.Adam(0.01), loss="categorical_crossentropy")
    return m


def func_multi():
    tok = ckeras.Input((6,), dtype="int32")
    aux = ckeras.Input((3,))
    h = layers.Bidirectional(layers.GRU(3))(layers.Embedding(20, 4, mask_zero=True)(tok))
    c = layers.Concatenate()([h, layers.Dense(4, activation="tanh")(aux)])
    return ckeras.Model([tok, aux], [layers.Dense(2, activation="softmax")(c),
                                     layers.Dense(1)(c)])


def nested():
    inner = ckeras.Sequential([ckeras.Input((4,)), layers.Dense(3, activation="relu"),
                               layers.Dense(3)])
    i = ckeras.Input((4,))
    return ckeras.Model(i, layers.Dense(2)(inner(i)))


def rnn_td():
    return ckeras.Sequential([ckeras.Input((5, 3)), layers.LSTM(4, return_sequences=True),
                              layers.TimeDistributed(layers.Dense(2)),
                              layers.SimpleRNN(3)])


def shared():
    a = ckeras.Input((4,))
    sub = ckeras.Model(a, layers.Dense(3, activation="tanh")(a))
    x1, x2 = ckeras.Input((4,)), ckeras.Input((4,))
    dense = layers.Dense(3)
    h = layers.Add()([sub(x1), sub(x2), dense(x1), dense(x2)])
    seq = ckeras.Input((5, 2))
    r = layers.GRU(3)(seq, initial_state=layers.Dense(3)(h))
    t = layers.Bidirectional(layers.LSTM(2))(layers.Masking(0.0)(seq))
    return ckeras.Model([x1, x2, seq], layers.Concatenate()([h, r, t]))


def rnn_stacked():
    return ckeras.Sequential([
        ckeras.Input((4, 3)), layers.RNN([layers.LSTMCell(3), layers.GRUCell(2)],
                                         return_sequences=True),
        layers.Bidirectional(layers.SimpleRNN(2, return_sequences=True),
                             backward_layer=layers.GRU(2, go_backwards=True,
                                                       return_sequences=True)),
        layers.TimeDistributed(layers.Dense(1))])


class Block(layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.d = layers.Dense(3, activation="relu")
        self.e = layers.Dense(2)

    def call(self, x):
        return self.e(self.d(x))


class Sub(ckeras.Model):
    """The subclassed model of the fixture: attributes, a list, a dict in
    insertion order b, a (Keras 3 keeps it), a custom layer, a private one."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.first = layers.Dense(4, activation="relu")
        self.blocks = [layers.Dense(4, activation="tanh"), layers.Dense(4)]
        self.heads = {"b": layers.Dense(2), "a": layers.Dense(2)}
        self.blk = Block()
        self.rnn = layers.GRU(2)
        self._priv = layers.Dense(2)

    def call(self, x):
        h = self.first(x)
        for b in self.blocks:
            h = b(h)
        s = self.heads["b"](h) + self.heads["a"](h) + self.blk(h) + self._priv(h)
        return self.rnn(s[:, None, :] * np.ones((1, 3, 1), "float32"))


def subclassed():
    m = Sub()
    m(np.zeros((1, 5), "float32"))
    return m


MODELS = {"seq_dense": seq_dense, "func_multi": func_multi, "nested": nested,
          "rnn_td": rnn_td, "rnn_stacked": rnn_stacked, "subclassed": subclassed,
          "shared": shared}


# ------------------------------------------------------ Keras 3 -> ckeras
@pytest.mark.parametrize("name", sorted(MODELS))
def test_keras3_weights_give_keras3_predictions(name):
    model = MODELS[name]()
    model.load_weights(os.path.join(FIX, name + ".weights.h5"))
    xs, ys = _npz(name)
    for got, want in zip(_predict(model, xs), ys):
        np.testing.assert_allclose(got, want, atol=2e-6)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_ckeras_writes_keras3_paths(name, tmp_path):
    # Same datasets at the same paths with the same shapes as Keras 3 wrote
    # for the same architecture (the optimizer too: seq_dense was trained).
    model = MODELS[name]()
    if name == "seq_dense":
        model.fit(np.zeros((2, 5)), np.zeros((2, 3)), verbose=0)
    model.save_weights(tmp_path / "w.weights.h5")
    assert _layout(tmp_path / "w.weights.h5") == _layout(
        os.path.join(FIX, name + ".weights.h5"))


def test_optimizer_state_is_loaded():
    model = seq_dense()
    model.load_weights(os.path.join(FIX, "seq_dense.weights.h5"))
    with h5py.File(os.path.join(FIX, "seq_dense.weights.h5"), "r") as f:
        saved = [f["optimizer/vars"][str(i)][()] for i in range(len(f["optimizer/vars"]))]
    state = model.optimizer.get_weights()
    assert int(model.optimizer.iterations) == int(saved[0]) == 1
    assert len(state) == len(saved) - 1      # Keras 3 also keeps the learning rate
    for got, want in zip(state[1:], saved[2:]):
        np.testing.assert_array_equal(got, want)


def test_subclassed_paths_follow_attribute_names():
    paths = dict(saveables.walk(subclassed()))
    by_path = {p: o.name for p, o in paths.items()}
    m = [o for p, o in paths.items() if p == ""][0]
    assert by_path["first"] == m.first.name
    assert by_path["blocks/dense_1"] == m.blocks[1].name
    assert by_path["heads/dense"] == m.heads["b"].name      # insertion order
    assert by_path["blk/e"] == m.blk.e.name
    assert by_path["layers/gru/cell"] == m.rnn.cell.name    # met first through `layers`
    assert by_path["layers/dense_5"] == m._priv.name
    assert "rnn" not in by_path


# ------------------------------------------------------ ckeras -> Keras 3
@pytest.mark.parametrize("name", ["seq_compiled", "func_multi", "nested", "shared"])
def test_ckeras_written_weights_loaded_by_keras3(name):
    # ck_NAME.k3.npz: predictions of Keras 3 after loading ck_NAME.keras and
    # then ck_NAME.weights.h5 (written by ckeras); ckeras agrees.
    model = ckeras.models.load_model(os.path.join(FIX, f"ck_{name}.keras"))
    for w in model.weights:
        w.value[...] = 0
    model.load_weights(os.path.join(FIX, f"ck_{name}.weights.h5"))
    xs, _ = _npz(f"ck_{name}")
    k3 = np.load(os.path.join(FIX, f"ck_{name}.k3.npz"))
    for i, got in enumerate(_predict(model, xs)):
        np.testing.assert_allclose(got, k3[f"y{i}"], atol=2e-6)


def test_ckeras_written_subclassed_weights_loaded_by_keras3():
    # ck_subclassed.k3.npz: Keras 3's Sub (the same attributes) after
    # load_weights of the ckeras-written file.
    model = subclassed()
    model.load_weights(os.path.join(FIX, "ck_subclassed.weights.h5"))
    xs, ys = _npz("ck_subclassed")
    k3 = np.load(os.path.join(FIX, "ck_subclassed.k3.npz"))["y0"]
    np.testing.assert_allclose(_predict(model, xs)[0], k3, atol=2e-6)
    np.testing.assert_allclose(k3, ys[0], atol=2e-6)


def test_roundtrip_with_optimizer(tmp_path):
    model = seq_dense()
    x = np.random.default_rng(0).random((4, 5)).astype("float32")
    model.fit(x, np.eye(3)[[0, 1, 2, 0]], verbose=0, epochs=2)
    model.save_weights(tmp_path / "w.weights.h5")
    other = seq_dense()
    other.load_weights(tmp_path / "w.weights.h5")
    np.testing.assert_array_equal(other.predict(x, verbose=0), model.predict(x, verbose=0))
    for a, b in zip(other.optimizer.get_weights(), model.optimizer.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_keras3_layout_detected_whatever_the_name(tmp_path):
    src = os.path.join(FIX, "nested.weights.h5")
    dst = tmp_path / "w.h5"
    dst.write_bytes(open(src, "rb").read())
    model = nested()
    model.load_weights(dst)
    xs, ys = _npz("nested")
    np.testing.assert_allclose(_predict(model, xs)[0], ys[0], atol=2e-6)


# ----------------------------------------------------------- Keras 3 errors
def _snapshot(model):
    return [np.array(w.value, copy=True) for w in model.weights]


def _unchanged(model, before):
    return all(np.array_equal(a, np.asarray(w.value)) for a, w in zip(before, model.weights))


def test_extra_model_layer_is_an_error_and_nothing_changes():
    model = ckeras.Sequential([ckeras.Input((5,)), layers.Dense(4), layers.Dense(3),
                               layers.Dense(2)])
    before = _snapshot(model)
    with pytest.raises(ValueError, match=r"A total of 1 objects could not be loaded(.|\n)*"
                       r"expected 2 variables, but received 0 variables during loading"):
        model.load_weights(os.path.join(FIX, "seq_dense.weights.h5"))
    assert _unchanged(model, before)


def test_shape_mismatch_is_an_error_and_nothing_changes():
    model = ckeras.Sequential([ckeras.Input((5,)), layers.Dense(4), layers.Dense(5)])
    before = _snapshot(model)
    with pytest.raises(ValueError, match=r"must match\. variable\.shape=\(4, 5\), "
                                         r"Received: value\.shape=\(4, 3\)"):
        model.load_weights(os.path.join(FIX, "seq_dense.weights.h5"))
    assert _unchanged(model, before)


def test_skip_mismatch_warns_and_loads_the_rest():
    model = ckeras.Sequential([ckeras.Input((5,)), layers.Dense(4), layers.Dense(5)])
    before = _snapshot(model)
    with pytest.warns(UserWarning, match="A total of 1 objects could not be loaded"):
        model.load_weights(os.path.join(FIX, "seq_dense.weights.h5"), skip_mismatch=True)
    with h5py.File(os.path.join(FIX, "seq_dense.weights.h5"), "r") as f:
        np.testing.assert_array_equal(model.layers[0].kernel.value,
                                      f["layers/dense/vars/0"][()])
    np.testing.assert_array_equal(model.layers[1].kernel.value, before[2])


def test_extra_file_entries_are_ignored():
    model = ckeras.Sequential([ckeras.Input((5,)), layers.Dense(4)])
    model.load_weights(os.path.join(FIX, "seq_dense.weights.h5"))
    with h5py.File(os.path.join(FIX, "seq_dense.weights.h5"), "r") as f:
        np.testing.assert_array_equal(model.layers[0].bias.value, f["layers/dense/vars/1"][()])


def test_sharded_weights_are_refused_clearly(tmp_path):
    p = tmp_path / "w.weights.json"
    p.write_text('{"metadata": {}, "weight_map": {}}')
    with pytest.raises(ValueError, match=r"Sharded Keras 3 weights.*w\.weights\.json"):
        seq_dense().load_weights(p)


def test_by_name_is_refused():
    with pytest.raises(ValueError, match="`by_name` only supports loading legacy"):
        seq_dense().load_weights(os.path.join(FIX, "seq_dense.weights.h5"), by_name=True)


def test_soft_link_is_refused(tmp_path):
    p = tmp_path / "w.weights.h5"
    seq_dense().save_weights(p)
    with h5py.File(p, "a") as f:
        del f["layers/dense/vars/0"]
        f["layers/dense/vars/0"] = h5py.SoftLink("/layers/dense_1/vars/0")
    model = seq_dense()
    before = _snapshot(model)
    with pytest.raises(ValueError, match=r"w\.weights\.h5.*link"):
        model.load_weights(p)
    assert _unchanged(model, before)


def test_non_numeric_dataset_is_refused(tmp_path):
    p = tmp_path / "w.weights.h5"
    seq_dense().save_weights(p)
    with h5py.File(p, "a") as f:
        del f["layers/dense_1/vars/1"]
        f["layers/dense_1/vars/1"] = np.array([b"a", b"b", b"c"])
    with pytest.raises(ValueError, match=r"Variable 1 of layer .*w\.weights\.h5.*numeric"):
        seq_dense().load_weights(p)


def test_failed_save_keeps_the_previous_file(tmp_path, monkeypatch):
    from ckeras.saving.keras3 import weights_store
    p = tmp_path / "w.weights.h5"
    seq_dense().save_weights(p)
    data = p.read_bytes()

    def boom(model, f, include_optimizer=True):
        raise RuntimeError("disk full")
    monkeypatch.setattr(weights_store, "write_weights", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        seq_dense().save_weights(p)
    assert p.read_bytes() == data
    assert os.listdir(tmp_path) == ["w.weights.h5"]


def test_unbuilt_model_is_refused(tmp_path):
    with pytest.raises(ValueError, match="not yet been built"):
        ckeras.Sequential([layers.Dense(2)]).save_weights(tmp_path / "w.weights.h5")


def test_walk_snake_case_matches_keras3():
    assert saveables.snake_case("Conv2DTranspose") == "conv2d_transpose"
    assert saveables.snake_case("LSTMCell") == "lstm_cell"
    assert saveables.snake_case("BatchNormalization") == "batch_normalization"
    assert saveables.snake_case("GRU") == "gru"


def test_no_warning_on_clean_load():
    model = func_multi()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.load_weights(os.path.join(FIX, "func_multi.weights.h5"))


# ---------------------------------------------------------- optimizer state
OPTIMIZERS = {
    "adam": lambda o: o.Adam(0.01), "amsgrad": lambda o: o.Adam(0.01, amsgrad=True),
    "sgd_momentum": lambda o: o.SGD(0.1, momentum=0.9),
    "rmsprop_centered": lambda o: o.RMSprop(0.01, momentum=0.5, centered=True),
    "adagrad": lambda o: o.Adagrad(0.1), "adamax": lambda o: o.Adamax(0.01),
    "nadam": lambda o: o.Nadam(0.01), "adadelta": lambda o: o.Adadelta(1.0),
    "ftrl": lambda o: o.Ftrl(0.1)}


def _dense_with(name):
    model = ckeras.Sequential([ckeras.Input((3,)), layers.Dense(2)])
    model.compile(optimizer=OPTIMIZERS[name](ckeras.optimizers), loss="mse")
    return model


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_keras3_optimizer_state_continues_training(name):
    # Keras 3 trained two steps and saved; its third step is in the npz. The
    # same step from the loaded state gives the same weights only if every
    # slot went to the right variable.
    model = _dense_with(name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.load_weights(os.path.join(FIX, f"opt_{name}.weights.h5"))
    assert int(model.optimizer.iterations) == 2
    d = np.load(os.path.join(FIX, f"opt_{name}.npz"))
    model.train_on_batch(d["x"], d["y"])
    np.testing.assert_allclose(model.layers[0].kernel.value, d["kernel"], atol=1e-6)
    np.testing.assert_allclose(model.layers[0].bias.value, d["bias"], atol=1e-6)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_ckeras_writes_keras3_optimizer_state(name, tmp_path):
    # Loaded from Keras 3's file and written again: the same datasets, dtypes
    # and values (Nadam's derived momentum product included).
    model = _dense_with(name)
    src = os.path.join(FIX, f"opt_{name}.weights.h5")
    model.load_weights(src)
    model.save_weights(tmp_path / "w.weights.h5")
    with h5py.File(src, "r") as a, h5py.File(tmp_path / "w.weights.h5", "r") as b:
        names = []
        a.visititems(lambda k, o: names.append(k) if isinstance(o, h5py.Dataset) else None)
        assert _layout(src) == _layout(tmp_path / "w.weights.h5")
        for k in names:
            assert a[k].dtype == b[k].dtype, k
            np.testing.assert_allclose(b[k][()], a[k][()], rtol=1e-6, err_msg=k)


def test_optimizer_mismatch_warns_and_keeps_fresh_state():
    model = ckeras.Sequential([ckeras.Input((3,)), layers.Dense(2)])
    model.compile(optimizer=ckeras.optimizers.Adam(0.01), loss="mse")
    with pytest.warns(UserWarning, match="Skipping variable loading for optimizer"):
        model.load_weights(os.path.join(FIX, "opt_sgd_momentum.weights.h5"))
    assert int(model.optimizer.iterations) == 0
    with h5py.File(os.path.join(FIX, "opt_sgd_momentum.weights.h5"), "r") as f:
        np.testing.assert_array_equal(model.layers[0].kernel.value, f["layers/dense/vars/0"])


def test_legacy_optimizer_state_not_exchanged(tmp_path):
    model = ckeras.Sequential([ckeras.Input((3,)), layers.Dense(2)])
    model.compile(optimizer=ckeras.optimizers.legacy.Adam(0.01), loss="mse")
    model.fit(np.ones((2, 3)), np.ones((2, 2)), verbose=0)
    model.save_weights(tmp_path / "w.weights.h5")
    with h5py.File(tmp_path / "w.weights.h5", "r") as f:
        assert "optimizer" not in f
    with pytest.warns(UserWarning, match="legacy optimizer"):
        model.load_weights(os.path.join(FIX, "opt_adam.weights.h5"))
    assert int(model.optimizer.iterations) == 1


class WithProperty(ckeras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._enc = layers.Dense(3)
        self.zz = layers.Dense(2)

    @property
    def encoder(self):
        return self._enc

    def call(self, x):
        return self.zz(self.encoder(x))


def test_properties_returning_layers_are_paths():
    # Keras 3 3.15 writes this model as encoder/vars (through the property,
    # which sorts before `layers`) and layers/dense_1/vars (`zz`, the second
    # Dense of `layers`, sorts after it).
    model = WithProperty()
    model(np.ones((1, 4), "float32"))
    paths = {p: o for p, o in saveables.walk(model)}
    assert paths["encoder"] is model._enc
    assert paths["layers/dense_1"] is model.zz
    assert set(paths) == {"", "encoder", "layers/dense_1"}
