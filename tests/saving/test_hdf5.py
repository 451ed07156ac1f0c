"""HDF5 weights and whole-model files: layout, round trips, tf-keras/Keras 3
golden files, errors, crash safety."""
import json
import os
import warnings

import h5py
import numpy as np
import pytest

from ckeras import layers as L
from ckeras.models import Model, Sequential, load_model
from ckeras.saving import hdf5_access, hdf5_format

FIX = os.path.join(os.path.dirname(__file__), "..", "fixtures", "saving")


def _seq(name="seq", units=(5, 3)):
    return Sequential([L.Dense(units[0], activation="relu", input_shape=(4,), name="a"),
                       L.Dropout(0.2, name="drop"),
                       L.Dense(units[1], activation="softmax", name="b")], name=name)


def _func():
    a = L.Input((4,), name="in_a")
    b = L.Input((6,), name="in_b")
    da = L.Dense(5, activation="relu", name="da")(a)
    db = L.Dense(5, name="db")(b)
    cat = L.Concatenate(name="cat")([da, db])
    return Model([a, b], [L.Dense(1, activation="sigmoid", name="out1")(cat),
                          L.Dense(3, activation="softmax", name="out2")(cat)], name="two")


def _nested():
    inner = Sequential([L.Input((4,)), L.Dense(4, name="inner_d1", trainable=False),
                        L.Dense(3, name="inner_d2")], name="inner_seq")
    x = L.Input((5,), name="x")
    return Model(x, L.Dense(2, name="head")(inner(L.Dense(4, name="pre")(x))), name="nest")


def _load_npz(name):
    ref = np.load(os.path.join(FIX, name + ".npz"))

    def group(p):
        return [ref[k] for k in sorted((k for k in ref if k[0] == p), key=lambda k: int(k[1:]))]
    return group("x"), group("y"), group("t"), group("w")


def _call(xs):
    return xs if len(xs) > 1 else xs[0]


def _as_list(y):
    return y if isinstance(y, list) else [y]


# ------------------------------------------------------------- attributes
def test_attribute_chunking_round_trip(tmp_path):
    names = [f"{i:03d}" + "x" * 197 for i in range(340)]  # 340 * 200 B > 64512
    with h5py.File(tmp_path / "a.h5", "w") as f:
        hdf5_format.save_attributes_to_hdf5_group(f, "layer_names", names)
        hdf5_format.save_attributes_to_hdf5_group(f, "small", ["a", "b"])
        hdf5_format.save_attributes_to_hdf5_group(f, "empty", [])
    with h5py.File(tmp_path / "a.h5", "r") as f:
        assert "layer_names" not in f.attrs
        assert "layer_names0" in f.attrs and "layer_names1" in f.attrs
        assert f.attrs["empty"].dtype == np.float64 and f.attrs["empty"].shape == (0,)
        assert hdf5_format.load_attributes_from_hdf5_group(f, "layer_names") == names
        assert hdf5_format.load_attributes_from_hdf5_group(f, "small") == ["a", "b"]
        assert hdf5_format.load_attributes_from_hdf5_group(f, "empty") == []


def test_attribute_encodings_are_all_decoded(tmp_path):
    with h5py.File(tmp_path / "a.h5", "w") as f:
        f.attrs["s"] = "abc"
        f.attrs["b"] = np.bytes_(b"abc")
        f.attrs["fixed"] = np.asarray([b"a", b"bc"])
        f.attrs["vlen"] = ["a", "bc"]
    with h5py.File(tmp_path / "a.h5", "r") as f:
        read = hdf5_format.load_attributes_from_hdf5_group
        assert read(f, "s") == ["abc"] and read(f, "b") == ["abc"]
        assert read(f, "fixed") == ["a", "bc"] and read(f, "vlen") == ["a", "bc"]


def test_oversized_attribute_item_raises(tmp_path):
    with h5py.File(tmp_path / "a.h5", "w") as f:
        with pytest.raises(RuntimeError, match="larger than 64512 bytes"):
            hdf5_format.save_attributes_to_hdf5_group(f, "n", ["x" * 70000])


def test_chunked_layer_names_model_round_trip(tmp_path):
    long = "l" * 250
    model = Sequential([L.Dense(1, input_shape=(2,), name=f"{long}{i:03d}") for i in range(1)]
                       + [L.Dense(1, name=f"{long}{i:03d}") for i in range(1, 300)])
    model.save_weights(tmp_path / "w.h5")
    with h5py.File(tmp_path / "w.h5", "r") as f:
        assert "layer_names0" in f.attrs
    clone = Sequential([L.Dense(1, input_shape=(2,))] + [L.Dense(1) for _ in range(299)])
    clone.load_weights(tmp_path / "w.h5")
    for a, b in zip(model.get_weights(), clone.get_weights()):
        np.testing.assert_array_equal(a, b)


# ----------------------------------------------------------------- layout
def test_weights_file_layout(tmp_path):
    model = _func()
    model.save_weights(tmp_path / "w.h5")
    with h5py.File(tmp_path / "w.h5", "r") as f:
        read = hdf5_format.load_attributes_from_hdf5_group
        assert read(f, "layer_names") == [layer.name for layer in model.layers]
        assert read(f["da"], "weight_names") == ["da/kernel:0", "da/bias:0"]
        assert f["da/da/kernel:0"].shape == (4, 5)
        assert read(f["cat"], "weight_names") == []
        assert "top_level_model_weights" in f
        assert hdf5_access.decode_attr(f.attrs["keras_version"]) == "2.21.0"


def test_nested_model_weight_order(tmp_path):
    model = _nested()
    model.save_weights(tmp_path / "w.h5")
    with h5py.File(tmp_path / "w.h5", "r") as f:
        names = hdf5_format.load_attributes_from_hdf5_group(f["inner_seq"], "weight_names")
    # trainable first, then the frozen layer (Keras' rule for nested models)
    assert names == ["inner_d2/kernel:0", "inner_d2/bias:0",
                     "inner_d1/kernel:0", "inner_d1/bias:0"]
    other = _nested()
    other.load_weights(tmp_path / "w.h5")
    for a, b in zip(model.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------ round trips
@pytest.mark.parametrize("make", [_seq, _func, _nested])
def test_weights_round_trip(tmp_path, make):
    model, other = make(), make()
    model.save_weights(tmp_path / "w.h5")
    other.load_weights(tmp_path / "w.h5")
    for a, b in zip(model.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("make", [_seq, _func, _nested])
def test_whole_model_round_trip(tmp_path, make):
    model = make()
    model.save(tmp_path / "m.h5")
    loaded = load_model(tmp_path / "m.h5")
    assert type(loaded) is type(model)
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    xs = [np.random.default_rng(0).standard_normal((3,) + tuple(t.shape[1:])).astype("float32")
          for t in model.inputs]
    for a, b in zip(_as_list(model.predict(_call(xs))), _as_list(loaded.predict(_call(xs)))):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_load_weights_from_whole_model_file(tmp_path):
    model = _seq()
    model.save(tmp_path / "m.h5")
    other = _seq(name="other")
    other.load_weights(tmp_path / "m.h5")
    for a, b in zip(model.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_renamed_layers_load_topologically(tmp_path):
    model = _seq()
    model.save_weights(tmp_path / "w.h5")
    other = Sequential([L.Dense(5, input_shape=(4,), name="x1"), L.Dense(3, name="x2")])
    other.load_weights(tmp_path / "w.h5")
    np.testing.assert_array_equal(model.layers[0].get_weights()[0],
                                  other.layers[0].get_weights()[0])


@pytest.mark.parametrize("opt", ["adam", "sgd", "rmsprop", "adagrad", "nadam", "adamax"])
def test_compiled_model_continues_training_identically(tmp_path, opt):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((8, 4)).astype("float32")
    y = rng.integers(0, 3, 8)
    model = Sequential([L.Dense(5, activation="relu", input_shape=(4,), name="a"),
                        L.Dense(3, activation="softmax", name="b")])
    model.compile(opt, "sparse_categorical_crossentropy", metrics=["accuracy"])
    for _ in range(2):
        model.train_on_batch(x, y)
    model.save(tmp_path / "m.h5")
    loaded = load_model(tmp_path / "m.h5")
    assert type(loaded.optimizer) is type(model.optimizer)
    assert int(loaded.optimizer.iterations.value) == 2
    for _ in range(2):
        la = model.train_on_batch(x, y)
        lb = loaded.train_on_batch(x, y)
        assert la == lb
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_legacy_optimizer_state_round_trip(tmp_path):
    from ckeras.optimizers import legacy
    x = np.ones((4, 4), "float32")
    y = np.zeros((4, 3), "float32")
    model = _seq()
    model.layers[1].rate = 0.0
    model.compile(legacy.Adam(0.01), "mse")
    model.train_on_batch(x, y)
    model.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "r") as f:
        names = hdf5_format.load_attributes_from_hdf5_group(f["optimizer_weights"],
                                                            "weight_names")
        assert names[0] == "Adam/iter:0"
        tc = json.loads(f.attrs["training_config"])
        assert tc["optimizer_config"]["class_name"] == "Adam"
        assert set(tc) == {"loss", "metrics", "weighted_metrics", "loss_weights",
                           "optimizer_config"}
    loaded = load_model(tmp_path / "m.h5")
    model.train_on_batch(x, y)
    loaded.train_on_batch(x, y)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_training_config_and_optimizer_weight_names(tmp_path):
    model = _func()
    model.compile("adam", {"out1": "binary_crossentropy", "out2": "categorical_crossentropy"},
                  loss_weights={"out1": 1.0, "out2": 0.5},
                  metrics={"out1": ["accuracy"], "out2": ["mae"]})
    xs = [np.ones((2, 4), "float32"), np.ones((2, 6), "float32")]
    model.train_on_batch(xs, [np.ones((2, 1), "float32"), np.eye(3, dtype="float32")[:2]])
    model.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "r") as f:
        tc = json.loads(f.attrs["training_config"])
        assert tc["loss"] == {"out1": "binary_crossentropy", "out2": "categorical_crossentropy"}
        assert tc["loss_weights"] == {"out1": 1.0, "out2": 0.5}
        assert tc["metrics"] == {"out1": ["accuracy"], "out2": ["mae"]}
        assert tc["optimizer_config"]["class_name"] == "Custom>Adam"
        names = hdf5_format.load_attributes_from_hdf5_group(f["optimizer_weights"],
                                                            "weight_names")
        assert names[:3] == ["iteration:0", "Adam/m/da/kernel:0", "Adam/v/da/kernel:0"]
    loaded = load_model(tmp_path / "m.h5")
    # Recompiled from the file: the loss trackers exist, the metrics are
    # resolved on the first batch (as after any compile).
    assert loaded.metrics_names == ["loss", "out1_loss", "out2_loss"]
    hist = loaded.evaluate(xs, [np.ones((2, 1), "float32"), np.eye(3, dtype="float32")[:2]],
                           verbose=0, return_dict=True)
    assert list(hist) == ["loss", "out1_loss", "out2_loss", "out1_accuracy", "out2_mae"]
    assert loaded.metrics_names == list(hist)


def test_compile_false_and_include_optimizer_false(tmp_path, caplog):
    model = _seq()
    model.compile("adam", "mse")
    model.save(tmp_path / "m.h5", include_optimizer=False)
    with h5py.File(tmp_path / "m.h5", "r") as f:
        assert "training_config" not in f.attrs and "optimizer_weights" not in f
    loaded = load_model(tmp_path / "m.h5")
    assert "No training configuration" in caplog.text
    assert not getattr(loaded, "_is_compiled", False)
    model.save(tmp_path / "m2.h5")
    assert not getattr(load_model(tmp_path / "m2.h5", compile=False), "_is_compiled", False)


# ---------------------------------------------------------- golden files
@pytest.mark.parametrize("name", ["tk_seq", "tk_seq_legacy", "tk_func", "tk_nested",
                                  "k3_func"])
def test_golden_keras_files_predict(name):
    xs, ys, _, _ = _load_npz(name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = load_model(os.path.join(FIX, name + ".h5"))
    for a, b in zip(_as_list(model.predict(_call(xs))), ys):
        np.testing.assert_allclose(a, b, atol=1e-5)


@pytest.mark.parametrize("name", ["tk_seq", "tk_seq_legacy", "tk_func", "tk_nested"])
def test_golden_keras_files_continue_training_like_keras(name):
    xs, _, ts, ws = _load_npz(name)
    model = load_model(os.path.join(FIX, name + ".h5"))
    for _ in range(2):
        model.train_on_batch(_call(xs), _call(ts))
    for a, b in zip(model.get_weights(), ws):
        np.testing.assert_allclose(a, b, atol=1e-5)


@pytest.mark.parametrize("name,make", [("tk_seq", None), ("tk_func", None),
                                       ("tk_nested", None)])
def test_golden_weights_files(name, make):
    xs, ys, _, _ = _load_npz(name)
    model = load_model(os.path.join(FIX, name + ".h5"), compile=False)
    fresh = load_model(os.path.join(FIX, name + ".h5"), compile=False)
    for w in fresh.weights:
        w.value[...] = 0
    fresh.load_weights(os.path.join(FIX, name + "_w.h5"))
    for a, b in zip(model.get_weights(), fresh.get_weights()):
        np.testing.assert_array_equal(a, b)
    fresh.load_weights(os.path.join(FIX, name + "_w.h5"), by_name=True)
    for a, b in zip(_as_list(fresh.predict(_call(xs))), ys):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_golden_keras3_config_is_keras3_format():
    config = hdf5_format.load_model_config(os.path.join(FIX, "k3_func.h5"))
    cat = [layer for layer in config["config"]["layers"] if layer["name"] == "cat"][0]
    assert isinstance(cat["inbound_nodes"][0], dict)


# -------------------------------------------------------------- by_name
def test_by_name_loads_matching_layers_only(tmp_path):
    model = _seq()
    model.save_weights(tmp_path / "w.h5")
    other = Sequential([L.Dense(5, input_shape=(4,), name="a"), L.Dense(3, name="zzz")])
    before = other.layers[1].get_weights()
    other.load_weights(tmp_path / "w.h5", by_name=True)
    np.testing.assert_array_equal(other.layers[0].get_weights()[0],
                                  model.layers[0].get_weights()[0])
    np.testing.assert_array_equal(other.layers[1].get_weights()[0], before[0])


def test_by_name_shape_mismatch_error_and_skip(tmp_path):
    model = Sequential([L.Dense(4, input_shape=(3,), name="a"), L.Dense(1, name="b")])
    model.save_weights(tmp_path / "w.h5")
    other = Sequential([L.Dense(4, input_shape=(3,), name="a"), L.Dense(2, name="b")])
    before = other.get_weights()
    with pytest.raises(ValueError, match=r"Shape mismatch in layer #1 \(named b\) for weight "
                       r"b/kernel:0\. Weight expects shape \(4, 2\)\. Received saved weight "
                       r"with shape \(4, 1\)"):
        other.load_weights(tmp_path / "w.h5", by_name=True)
    for a, b in zip(before, other.get_weights()):  # unchanged after the error
        np.testing.assert_array_equal(a, b)
    with pytest.warns(UserWarning, match="Skipping loading weights") as rec:
        other.load_weights(tmp_path / "w.h5", by_name=True, skip_mismatch=True)
    assert [str(w.message) for w in rec] == [
        f"Skipping loading weights for layer #1 (named b) due to mismatch in shape for "
        f"weight b/{name}:0. Weight expects shape {want}. Received saved weight with "
        f"shape {got}" for name, want, got in (("kernel", (4, 2), (4, 1)),
                                               ("bias", (2,), (1,)))]
    np.testing.assert_array_equal(other.layers[0].get_weights()[0],
                                  model.layers[0].get_weights()[0])
    np.testing.assert_array_equal(other.layers[1].get_weights()[0], before[2])


def test_by_name_weight_count_mismatch(tmp_path):
    model = Sequential([L.Dense(4, input_shape=(3,), name="a")])
    model.save_weights(tmp_path / "w.h5")
    other = Sequential([L.Dense(4, input_shape=(3,), name="a", use_bias=False)])
    with pytest.raises(ValueError, match=r"Weight count mismatch for layer #0 \(named a\)\. "
                       r"Layer expects 1 weight\(s\)\. Received 2 saved weight\(s\)"):
        other.load_weights(tmp_path / "w.h5", by_name=True)
    with pytest.warns(UserWarning, match="Skipping loading of weights for layer #0"):
        other.load_weights(tmp_path / "w.h5", by_name=True, skip_mismatch=True)


def test_skip_mismatch_requires_by_name(tmp_path):
    model = _seq()
    model.save_weights(tmp_path / "w.h5")
    with pytest.raises(ValueError, match="skip_mismatch can only be set to True when "
                       "by_name is True"):
        model.load_weights(tmp_path / "w.h5", skip_mismatch=True)


# --------------------------------------------------------------- errors
def test_layer_count_mismatch(tmp_path):
    small = Sequential([L.Dense(4, input_shape=(3,)), L.Dense(2)])
    small.save_weights(tmp_path / "w.h5")
    big = Sequential([L.Dense(4, input_shape=(3,)), L.Dense(2), L.Dense(2)])
    with pytest.raises(ValueError, match=r"^Layer count mismatch when loading weights from "
                       r"file\. Model expected 3 layers, found 2 saved layers\.$"):
        big.load_weights(tmp_path / "w.h5")


def test_topological_weight_count_and_shape_mismatch_leave_model_unchanged(tmp_path):
    model = Sequential([L.Dense(4, input_shape=(3,), name="a"), L.Dense(7, name="b")])
    model.save_weights(tmp_path / "w.h5")
    other = Sequential([L.Dense(4, input_shape=(3,), name="a"), L.Dense(3, name="b")])
    before = other.get_weights()
    with pytest.raises(ValueError, match=r"Shape mismatch in layer #1 \(named b\) for weight "
                       r"b/kernel:0\. Weight expects shape \(4, 3\)\. Received saved weight "
                       r"with shape \(4, 7\)"):
        other.load_weights(tmp_path / "w.h5")
    for a, b in zip(before, other.get_weights()):
        np.testing.assert_array_equal(a, b)
    nobias = Sequential([L.Dense(4, input_shape=(3,), name="a", use_bias=False),
                         L.Dense(7, name="b")])
    with pytest.raises(ValueError, match=r"Weight count mismatch for layer #0 \(named a in the "
                       r"current model, a in the save file\)\. Layer expects 1 weight\(s\)\. "
                       r"Received 2 saved weight\(s\)"):
        nobias.load_weights(tmp_path / "w.h5")


def test_missing_file(tmp_path):
    with pytest.raises(OSError, match="No file or directory found at"):
        load_model(tmp_path / "nope.h5")
    with pytest.raises(OSError, match="nope.h5"):
        _seq().load_weights(tmp_path / "nope.h5")


def test_non_hdf5_file(tmp_path):
    p = tmp_path / "bad.h5"
    p.write_text("this is not hdf5")
    with pytest.raises(ValueError, match=r"bad\.h5.*not an HDF5 file"):
        load_model(p)
    with pytest.raises(ValueError, match=r"bad\.h5.*not an HDF5 file"):
        _seq().load_weights(p)


def test_zip_file_is_read_as_keras_archive(tmp_path):
    # A zip is a `.keras` archive (tests/saving/test_keras_archive.py); a bad
    # config in it is named with the file and the member.
    import zipfile
    p = tmp_path / "m.keras"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("config.json", "{}")
    with pytest.raises(ValueError, match=r"m\.keras.*config\.json"):
        load_model(p)


def test_truncated_file(tmp_path):
    model = _seq()
    model.save(tmp_path / "m.h5")
    data = (tmp_path / "m.h5").read_bytes()
    (tmp_path / "t.h5").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"t\.h5"):
        load_model(tmp_path / "t.h5")
    other = _seq()
    before = other.get_weights()
    with pytest.raises(ValueError, match=r"t\.h5"):
        other.load_weights(tmp_path / "t.h5")
    for a, b in zip(before, other.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_hdf5_without_keras_content(tmp_path):
    with h5py.File(tmp_path / "x.h5", "w") as f:
        f.create_dataset("data", data=np.ones(3))
    with pytest.raises(ValueError, match=r"x\.h5.*not a Keras model file"):
        load_model(tmp_path / "x.h5")
    with pytest.raises(ValueError, match=r"x\.h5.*not a Keras weights or model file"):
        _seq().load_weights(tmp_path / "x.h5")


def test_weights_file_given_to_load_model(tmp_path):
    _seq().save_weights(tmp_path / "w.h5")
    with pytest.raises(ValueError, match="weights only"):
        load_model(tmp_path / "w.h5")


def test_missing_dataset_is_named(tmp_path):
    model = _seq()
    model.save_weights(tmp_path / "w.h5")
    with h5py.File(tmp_path / "w.h5", "a") as f:
        del f["b/b/bias:0"]
    with pytest.raises(ValueError, match=r"b/bias:0.*w\.h5.*truncated or corrupt"):
        _seq().load_weights(tmp_path / "w.h5")


def test_unknown_layer_class_is_named(tmp_path):
    model = _seq()
    model.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "a") as f:
        cfg = json.loads(f.attrs["model_config"])
        cfg["config"]["layers"][1]["class_name"] = "FancyLayer"
        f.attrs["model_config"] = json.dumps(cfg).encode()
    with pytest.raises(ValueError, match="FancyLayer"):
        load_model(tmp_path / "m.h5")


def test_custom_layer_needs_custom_objects(tmp_path):
    class Scale(L.Layer):
        def build(self, input_shape):
            self.w = self.add_weight("w", shape=(input_shape[-1],), initializer="ones")

        def call(self, x):
            return x * self.w

    x = L.Input((3,))
    model = Model(x, Scale(name="scale")(x))
    model.layers[1].w.value[...] = 2.0
    model.save(tmp_path / "m.h5")
    with pytest.raises(ValueError, match="Scale"):
        load_model(tmp_path / "m.h5")
    loaded = load_model(tmp_path / "m.h5", custom_objects={"Scale": Scale})
    np.testing.assert_allclose(loaded.predict(np.ones((1, 3), "float32")), 2.0)


def test_subclassed_model_cannot_be_saved_whole(tmp_path):
    class Sub(Model):
        def __init__(self):
            super().__init__()
            self.d = L.Dense(2)

        def call(self, x, training=None):
            return self.d(x)

    m = Sub()
    m(np.ones((1, 3), "float32"))
    with pytest.raises(NotImplementedError, match="Functional model or a Sequential"):
        m.save(tmp_path / "m.h5")


def test_unsupported_formats(tmp_path):
    with pytest.raises(ValueError, match="save_format"):
        _seq().save(tmp_path / "m", save_format="tf")
    # No extension: Keras 3's error naming both formats, and no file.
    with pytest.raises(ValueError, match=r"`\.keras`.*`\.h5`.*filepath=.*m$"):
        _seq().save(tmp_path / "m")
    assert not (tmp_path / "m").exists()
    with pytest.raises(ValueError, match=r"\.weights\.h5"):
        _seq().save_weights(tmp_path / "m.keras")


def test_unbuilt_model_cannot_save_weights(tmp_path):
    with pytest.raises(ValueError, match="not been built"):
        Sequential([L.Dense(2)]).save_weights(tmp_path / "w.h5")


# ---------------------------------------------------------- crash safety
def _boom(*args, **kwargs):
    raise RuntimeError("disk full (simulated)")


@pytest.mark.parametrize("what", ["save", "save_weights"])
def test_crash_mid_save_keeps_old_file(tmp_path, monkeypatch, what):
    old = _seq()
    getattr(old, what)(tmp_path / "m.h5")
    original = (tmp_path / "m.h5").read_bytes()
    monkeypatch.setattr(hdf5_format, "_write_weight_group", _boom)
    with pytest.raises(RuntimeError, match="simulated"):
        getattr(_seq(), what)(tmp_path / "m.h5")
    assert (tmp_path / "m.h5").read_bytes() == original
    assert sorted(os.listdir(tmp_path)) == ["m.h5"]


def test_crash_on_replace_leaves_no_temp(tmp_path, monkeypatch):
    monkeypatch.setattr(hdf5_format.os, "replace", _boom)
    with pytest.raises(RuntimeError):
        _seq().save(tmp_path / "m.h5")
    assert os.listdir(tmp_path) == []


def test_overwrite_false_asks(tmp_path, monkeypatch):
    model = _seq()
    model.save(tmp_path / "m.h5")
    original = (tmp_path / "m.h5").read_bytes()
    monkeypatch.setattr("builtins.input", lambda prompt="": "n")
    _seq().save(tmp_path / "m.h5", overwrite=False)
    assert (tmp_path / "m.h5").read_bytes() == original
    monkeypatch.setattr("builtins.input", lambda prompt="": "y")
    _seq().save_weights(tmp_path / "m.h5", overwrite=False)
    assert (tmp_path / "m.h5").read_bytes() != original


def test_import_does_not_load_h5py_or_yaml():
    import subprocess
    import sys
    code = ("import sys, ckeras, ckeras.models, ckeras.layers; "
            "print('h5py' in sys.modules, 'yaml' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "False"]


def test_golden_compiled_metrics_keep_keras_names():
    xs, _, ts, _ = _load_npz("tk_func")
    model = load_model(os.path.join(FIX, "tk_func.h5"))
    logs = model.evaluate(xs, ts, verbose=0, return_dict=True)
    assert list(logs) == ["loss", "out1_loss", "out2_loss", "out1_accuracy", "out2_mae"]
    xs, _, ts, _ = _load_npz("tk_seq")
    seq = load_model(os.path.join(FIX, "tk_seq.h5"))
    assert list(seq.evaluate(xs[0], ts[0], verbose=0, return_dict=True)) == ["loss", "accuracy"]
