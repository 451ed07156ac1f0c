"""`.keras` archives: Keras 3 / tf-keras 2.21 files loaded by ckeras, ckeras
files loaded by Keras 3, Keras 3 JSON, hostile zips, atomic saves.

Golden files (tests/fixtures/keras3/): NAME.keras + NAME.npz written by real
Keras 3.15 and tk_seq.keras by tf-keras 2.21 (tools/make_fixtures_keras3.py);
ck_NAME.keras written by ckeras (tools/make_ckeras_keras3_files.py) with
ck_NAME.k3.npz holding the predictions of Keras 3 after loading them
(`make_fixtures_keras3.py reverse`).
"""
import io
import json
import os
import warnings
import zipfile

import h5py
import numpy as np
import pytest

import ckeras
from ckeras import layers
from ckeras.models import load_model, model_from_json
from ckeras.saving.keras3 import archive

FIX = os.path.join(os.path.dirname(__file__), "..", "fixtures", "keras3")


def _npz(name):
    d = np.load(os.path.join(FIX, name + ".npz"))
    xs = [d[k] for k in sorted(d.files) if k.startswith("x")]
    ys = [d[k] for k in sorted(d.files) if k.startswith("y")]
    return xs, ys


def _predict(model, xs):
    out = model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
    return out if isinstance(out, list) else [out]


def _members(path):
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def _write_zip(path, members):
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)


def _seq():
    m = ckeras.Sequential([ckeras.Input((5,)), layers.Dense(4, activation="relu"),
                           layers.Dense(3, activation="softmax")])
    return m


# ------------------------------------------------------ Keras 3 -> ckeras
@pytest.mark.parametrize("name", ["seq_dense", "func_multi", "nested", "conv_bn", "rnn_td",
                                  "bilstm", "tk_seq", "tk_func", "zoo1d", "zoo2d",
                                  "shared"])
def test_archives_give_the_writers_predictions(name):
    model = load_model(os.path.join(FIX, name + ".keras"))
    xs, ys = _npz(name)
    out = _predict(model, xs)
    assert len(out) == len(ys)
    for got, want in zip(out, ys):
        np.testing.assert_allclose(got, want, atol=2e-6)


def test_compile_config_and_optimizer_state_restored():
    model = load_model(os.path.join(FIX, "seq_dense.keras"))
    assert type(model.optimizer).__name__ == "Adam"
    assert model.optimizer.learning_rate == pytest.approx(0.01)
    with zipfile.ZipFile(os.path.join(FIX, "seq_dense.keras")) as z:
        f = h5py.File(io.BytesIO(z.read("model.weights.h5")), "r")
        saved = [f["optimizer/vars"][str(i)][()] for i in range(len(f["optimizer/vars"]))]
    state = model.optimizer.get_weights()
    assert int(state[0]) == 1
    for got, want in zip(state[1:], saved[2:]):
        np.testing.assert_array_equal(got, want)
    x = np.ones((2, 5), "float32")
    model.fit(x, np.eye(3)[[0, 1]], verbose=0)      # compiled: trains
    assert int(model.optimizer.iterations) == 2


def test_compile_false_leaves_model_uncompiled():
    model = load_model(os.path.join(FIX, "seq_dense.keras"), compile=False)
    assert model.optimizer is None


def test_tf_keras_archive_optimizer_state():
    # tf-keras 2.21 stores no learning_rate entry and adds metrics/ (ignored).
    model = load_model(os.path.join(FIX, "tk_seq.keras"))
    assert int(model.optimizer.iterations) == 1
    assert any(np.any(s != 0) for s in model.optimizer.get_weights()[1:])


def test_tf_keras_sgd_state_keeps_its_momenta():
    # tf-keras's SGD has a momentum slot per variable even at momentum=0
    # (Keras 3's has none); its .keras file is read with its own list.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = load_model(os.path.join(FIX, "tk_func.keras"))
    assert int(model.optimizer.iterations) == 2


def test_keras3_json():
    model = model_from_json(open(os.path.join(FIX, "rnn_td.json")).read())
    model.load_weights(os.path.join(FIX, "rnn_td.weights.h5"))
    xs, ys = _npz("rnn_td")
    np.testing.assert_allclose(_predict(model, xs)[0], ys[0], atol=2e-6)


def test_keras3_json_with_early_keras3_class_names():
    # Keras 3.0-3.3 wrote the Python class name of the Orthogonal initializer.
    text = open(os.path.join(FIX, "rnn_td.json")).read()
    text = text.replace('"Orthogonal"', '"OrthogonalInitializer"')
    assert "OrthogonalInitializer" in text
    model = model_from_json(text)
    assert type(model.layers[0].cell.recurrent_initializer).__name__ == "Orthogonal"


def test_load_weights_from_archive():
    model = load_model(os.path.join(FIX, "nested.keras"))
    expected = [np.array(w.value) for w in model.weights]
    for w in model.weights:
        w.value[...] = 0
    model.load_weights(os.path.join(FIX, "nested.keras"))
    for w, e in zip(model.weights, expected):
        np.testing.assert_array_equal(w.value, e)


# ------------------------------------------------------ ckeras -> Keras 3
@pytest.mark.parametrize("name", ["seq_compiled", "func_multi", "nested", "conv_bn",
                                  "rnn_td", "zoo1d", "zoo2d", "shared", "lambda"])
def test_ckeras_archives_predict_as_keras3_did(name):
    model = load_model(os.path.join(FIX, f"ck_{name}.keras"), safe_mode=name != "lambda")
    xs, ys = _npz(f"ck_{name}")
    k3 = np.load(os.path.join(FIX, f"ck_{name}.k3.npz"))
    for i, got in enumerate(_predict(model, xs)):
        np.testing.assert_allclose(got, k3[f"y{i}"], atol=2e-6)
        np.testing.assert_allclose(got, ys[i], atol=2e-6)


def test_written_config_is_keras3_form(tmp_path):
    tok = ckeras.Input((6,), dtype="int32")
    h = layers.Bidirectional(layers.GRU(3))(layers.Embedding(20, 4, mask_zero=True)(tok))
    model = ckeras.Model(tok, layers.Dense(2)(h))
    model.save(tmp_path / "m.keras")
    members = _members(tmp_path / "m.keras")
    assert sorted(members) == ["config.json", "metadata.json", "model.weights.h5"]
    config = json.loads(members["config.json"])
    assert config["class_name"] == "Functional"
    assert config["module"] == "keras.src.models.functional"
    entries = config["config"]["layers"]
    assert entries[0]["config"]["batch_shape"] == [None, 6]
    bi = entries[2]
    assert bi["build_config"] == {"input_shape": [None, 6, 4]}
    assert bi["config"]["layer"]["module"] == "keras.layers"
    assert "time_major" not in bi["config"]["layer"]["config"]
    node = bi["inbound_nodes"][0]
    assert node["args"][0]["class_name"] == "__keras_tensor__"
    assert node["args"][0]["config"]["keras_history"] == [entries[1]["name"], 0, 0]
    assert config["config"]["input_layers"] == [entries[0]["name"], 0, 0]
    assert json.loads(members["metadata.json"])["keras_version"].startswith("3.")


def test_roundtrip_compiled_functional(tmp_path):
    a, b = ckeras.Input((3,)), ckeras.Input((2,))
    c = layers.Concatenate()([layers.Dense(4)(a), b])
    model = ckeras.Model([a, b], [layers.Dense(1)(c), layers.Dense(2)(c)])
    model.compile(optimizer="rmsprop", loss=["mse", "mae"])
    xs = [np.ones((4, 3), "float32"), np.ones((4, 2), "float32")]
    model.fit(xs, [np.zeros((4, 1)), np.zeros((4, 2))], verbose=0)
    model.save(tmp_path / "m.keras")
    other = load_model(tmp_path / "m.keras")
    for got, want in zip(_predict(other, xs), _predict(model, xs)):
        np.testing.assert_array_equal(got, want)
    for got, want in zip(other.optimizer.get_weights(), model.optimizer.get_weights()):
        np.testing.assert_array_equal(got, want)


# ------------------------------------------------------------ subclassed
class Sub(ckeras.Model):
    def __init__(self, units=3, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.d = layers.Dense(units, activation="relu")
        self.out = layers.Dense(2)

    def call(self, x):
        return self.out(self.d(x))

    def get_config(self):
        return {"units": self.units, "name": self.name}


class NoConfig(ckeras.Model):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.d = layers.Dense(units)

    def call(self, x):
        return self.d(x)


def test_subclassed_with_get_config(tmp_path):
    model = Sub(units=5)
    x = np.random.default_rng(1).random((2, 4)).astype("float32")
    want = np.asarray(model(x))
    model.save(tmp_path / "s.keras")
    with pytest.raises(ValueError, match=r"s\.keras.*config\.json.*Unknown layer: 'Sub'"):
        load_model(tmp_path / "s.keras")
    other = load_model(tmp_path / "s.keras", custom_objects={"Sub": Sub})
    assert other.units == 5
    np.testing.assert_array_equal(np.asarray(other(x)), want)


def test_subclassed_without_get_config(tmp_path):
    model = NoConfig(3)
    model(np.ones((1, 4), "float32"))
    with pytest.raises(NotImplementedError, match="must override `get_config\\(\\)`"):
        model.save(tmp_path / "n.keras")
    assert not os.path.exists(tmp_path / "n.keras")


# --------------------------------------------------------- safety, errors
def test_lambda_bytecode_refused_in_safe_mode(tmp_path):
    model = ckeras.Sequential([ckeras.Input((2,)), layers.Lambda(lambda t: t * 2)])
    model.save(tmp_path / "l.keras")
    with pytest.raises(ValueError, match="safe_mode"):
        load_model(tmp_path / "l.keras")
    other = load_model(tmp_path / "l.keras", safe_mode=False)
    np.testing.assert_array_equal(other.predict(np.ones((1, 2)), verbose=0), [[2, 2]])


def test_keras3_lambda_refused_in_safe_mode_loaded_without():
    path = os.path.join(FIX, "lambda.keras")
    with pytest.raises(ValueError, match="bytecode.*safe_mode=False"):
        load_model(path)
    xs, ys = _npz("lambda")
    np.testing.assert_allclose(_predict(load_model(path, safe_mode=False), xs)[0], ys[0],
                               atol=1e-6)


def _good_members():
    return _members(os.path.join(FIX, "nested.keras"))


@pytest.mark.parametrize("bad, message", [
    ("../evil.json", "leaves the archive"),
    ("/etc/evil", "leaves the archive"),
    ("a/../../evil", "leaves the archive"),
])
def test_path_traversal_names_refused(tmp_path, bad, message):
    members = _good_members()
    members[bad] = b"x"
    _write_zip(tmp_path / "m.keras", members)
    with pytest.raises(ValueError, match=message):
        load_model(tmp_path / "m.keras")


@pytest.mark.parametrize("missing", ["config.json", "model.weights.h5"])
def test_missing_member(tmp_path, missing):
    members = _good_members()
    del members[missing]
    _write_zip(tmp_path / "m.keras", members)
    with pytest.raises(ValueError, match=rf"m\.keras.*no member '{missing}'"):
        load_model(tmp_path / "m.keras")


def test_too_many_members_refused(tmp_path, monkeypatch):
    members = _good_members()
    members.update({f"assets/{i}": b"" for i in range(20)})
    _write_zip(tmp_path / "m.keras", members)
    monkeypatch.setattr(archive, "MAX_MEMBERS", 10)
    with pytest.raises(ValueError, match=r"m\.keras.*23 members"):
        load_model(tmp_path / "m.keras")


def test_duplicate_member_refused(tmp_path):
    members = _good_members()
    with zipfile.ZipFile(tmp_path / "m.keras", "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
        with pytest.warns(UserWarning):
            z.writestr("config.json", b"{}")
    with pytest.raises(ValueError, match="twice"):
        load_model(tmp_path / "m.keras")


@pytest.mark.parametrize("member, data, message", [
    ("config.json", b"[1, 2]", "must be a JSON object"),
    ("config.json", b"{not json", "not valid JSON"),
    ("metadata.json", b"\xff\xfe", "not valid JSON"),
    ("model.weights.h5", b"not hdf5 at all", "not an HDF5 file"),
])
def test_wrong_member_types(tmp_path, member, data, message):
    members = _good_members()
    members[member] = data
    _write_zip(tmp_path / "m.keras", members)
    with pytest.raises(ValueError, match=rf"m\.keras.*{message}|{message}.*m\.keras"):
        load_model(tmp_path / "m.keras")


def test_zip_bomb_declared_size_refused(tmp_path, monkeypatch):
    # A 2 MB config of spaces deflates to a few KB; the cap is checked on the
    # declared size before anything is decompressed.
    members = _good_members()
    config = members["config.json"] + b" " * (2 << 20)
    with zipfile.ZipFile(tmp_path / "m.keras", "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in dict(members, **{"config.json": config}).items():
            z.writestr(name, data)
    assert os.path.getsize(tmp_path / "m.keras") < 100_000
    monkeypatch.setitem(archive.MAX_JSON_BYTES, "config.json", 1 << 20)
    with pytest.raises(ValueError, match=r"'config\.json'.*declares \d+ bytes.*zip bomb"):
        load_model(tmp_path / "m.keras")


def test_weights_member_larger_than_model_refused(tmp_path, monkeypatch):
    members = _good_members()
    members["model.weights.h5"] += b"\0" * 200_000
    _write_zip(tmp_path / "m.keras", members)
    monkeypatch.setattr(archive, "WEIGHTS_OVERHEAD_BYTES", 100_000)
    with pytest.raises(ValueError, match=r"model\.weights\.h5.*more than the"):
        load_model(tmp_path / "m.keras")


def test_stream_limit_when_declared_size_lies(tmp_path):
    arc = archive._Archive.__new__(archive._Archive)
    data = b"x" * 5000
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("config.json", data)
    arc.filename = "lie.keras"
    arc.zip = zipfile.ZipFile(buf)
    info = arc.zip.infolist()[0]
    info.file_size = 10            # the header claims 10 bytes
    arc.infos = {"config.json": info}
    with pytest.raises(ValueError, match="expands to more than 100 bytes|damaged"):
        arc.read("config.json", 100)


def test_not_a_zip(tmp_path):
    p = tmp_path / "m.keras"
    p.write_bytes(b"PK\x03\x04 garbage")
    with pytest.raises(ValueError, match=r"m\.keras.*not a valid `\.keras`"):
        load_model(p)


def test_mismatched_weights_leave_model_unchanged(tmp_path):
    model = _seq()
    model.save(tmp_path / "m.keras")
    other = ckeras.Sequential([ckeras.Input((5,)), layers.Dense(4), layers.Dense(6)])
    before = [np.array(w.value) for w in other.weights]
    with pytest.raises(ValueError, match="A total of 1 objects could not be loaded"):
        other.load_weights(tmp_path / "m.keras")
    for w, b in zip(other.weights, before):
        np.testing.assert_array_equal(w.value, b)


def test_failed_save_keeps_previous_archive(tmp_path, monkeypatch):
    from ckeras.saving.keras3 import weights_store
    p = tmp_path / "m.keras"
    _seq().save(p)
    data = p.read_bytes()

    def boom(model, f, include_optimizer=True):
        raise RuntimeError("disk full")
    monkeypatch.setattr(weights_store, "write_weights", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        _seq().save(p)
    assert p.read_bytes() == data
    assert os.listdir(tmp_path) == ["m.keras"]


def test_layer_keras3_removed_is_refused(tmp_path):
    model = ckeras.Sequential([ckeras.Input((2,)), layers.ThresholdedReLU(0.5)])
    with pytest.raises(ValueError, match="Keras 3 has no ThresholdedReLU layer.*`.h5`"):
        model.save(tmp_path / "t.keras")
    assert not os.path.exists(tmp_path / "t.keras")


def test_unbuilt_model_cannot_be_saved(tmp_path):
    with pytest.raises(ValueError, match="not yet been built"):
        ckeras.Sequential([layers.Dense(2)]).save(tmp_path / "m.keras")
    assert not os.path.exists(tmp_path / "m.keras")


def test_include_optimizer_false(tmp_path):
    model = _seq()
    model.compile("adam", "mse")
    model.fit(np.ones((2, 5)), np.ones((2, 3)), verbose=0)
    model.save(tmp_path / "m.keras", include_optimizer=False)
    config = json.loads(_members(tmp_path / "m.keras")["config.json"])
    assert "compile_config" not in config
    assert load_model(tmp_path / "m.keras").optimizer is None


def test_saved_files_get_ordinary_permissions(tmp_path):
    # Not the 0o600 of the temporary file they are written to.
    mask = os.umask(0o022)
    os.umask(mask)
    model = _seq()
    for name in ("m.keras", "m.h5", "w.weights.h5"):
        (model.save_weights if "weights" in name else model.save)(tmp_path / name)
        assert os.stat(tmp_path / name).st_mode & 0o777 == 0o666 & ~mask
    os.chmod(tmp_path / "m.keras", 0o640)
    model.save(tmp_path / "m.keras")
    assert os.stat(tmp_path / "m.keras").st_mode & 0o777 == 0o640


def test_keras3_only_arguments_written_in_keras3_form(tmp_path):
    model = ckeras.Sequential([ckeras.Input((4,)), layers.LeakyReLU(0.2),
                               layers.Dense(2)])
    model.save(tmp_path / "m.keras")
    entry = json.loads(_members(tmp_path / "m.keras")["config.json"])["config"]["layers"][1]
    assert entry["config"]["negative_slope"] == pytest.approx(0.2)
    assert "alpha" not in entry["config"]


def test_inexpressible_argument_refused(tmp_path):
    # A layer whose config holds an argument Keras 3's class lacks, at a
    # value other than its default.
    conv = layers.Conv2DTranspose(2, 2)
    model = ckeras.Sequential([ckeras.Input((4, 4, 4)), conv])
    config = conv.get_config()
    conv.get_config = lambda: dict(config, groups=2)
    with pytest.raises(ValueError, match=r"Keras 3's Conv2DTranspose has no `groups` "
                                         r"argument \(this layer has groups=2\)"):
        model.save(tmp_path / "m.keras")
    assert not os.path.exists(tmp_path / "m.keras")


# ------------------------------------------------------- safe_load_model
def test_safe_load_of_keras3_archive():
    model = load_model(os.path.join(FIX, "func_multi.keras"), timeout=60)
    xs, ys = _npz("func_multi")
    for got, want in zip(_predict(model, xs), ys):
        np.testing.assert_allclose(got, want, atol=2e-6)


def test_safe_load_of_archive_keeps_custom_objects_in_parent(tmp_path):
    model = Sub(units=2)
    x = np.ones((1, 4), "float32")
    want = np.asarray(model(x))
    model.save(tmp_path / "s.keras")
    other = ckeras.saving.safe_load_model(tmp_path / "s.keras", timeout=60,
                                          custom_objects={"Sub": Sub})
    np.testing.assert_array_equal(np.asarray(other(x)), want)


def test_safe_load_of_hostile_archive_names_the_file(tmp_path):
    members = _good_members()
    p = tmp_path / "evil.keras"
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        f.create_group("vars")
        f["layers"] = h5py.ExternalLink("/etc/passwd", "/")
    members["model.weights.h5"] = buf.getvalue()
    _write_zip(p, members)
    with pytest.raises(ValueError, match=r"evil\.keras.*link"):
        load_model(p, timeout=60)
    with pytest.raises(ValueError, match=r"evil\.keras.*link"):
        load_model(p)


def test_dict_inputs_and_outputs_keep_their_structure(tmp_path):
    a, b = ckeras.Input((3,), name="a"), ckeras.Input((3,), name="b")
    model = ckeras.Model({"a": a, "b": b}, {"o": layers.Dense(2)(layers.Add()([a, b]))})
    model.save(tmp_path / "d.keras")
    config = json.loads(_members(tmp_path / "d.keras")["config.json"])["config"]
    assert config["input_layers"] == {"a": ["a", 0, 0], "b": ["b", 0, 0]}
    assert list(config["output_layers"]) == ["o"]
    x = {"a": np.ones((1, 3), "float32"), "b": np.full((1, 3), 2, "float32")}
    out = load_model(tmp_path / "d.keras").predict(x, verbose=0)
    np.testing.assert_array_equal(out["o"], model.predict(x, verbose=0)["o"])


@pytest.mark.parametrize("how", ["input_shape", "build", "call"])
def test_sequential_without_input_layer(tmp_path, how):
    x = np.random.default_rng(2).random((2, 5)).astype("float32")
    first = layers.Dense(3, input_shape=(5,)) if how == "input_shape" else layers.Dense(3)
    model = ckeras.Sequential([first, layers.Dense(2)])
    if how == "build":
        model.build((None, 5))
    elif how == "call":
        model(x)
    model.save(tmp_path / "s.keras")
    other = load_model(tmp_path / "s.keras")
    np.testing.assert_array_equal(other.predict(x, verbose=0), model.predict(x, verbose=0))


# ------------------------------------------------ compiled with objects
def _scores(npz):
    return {k[2:]: float(npz[k]) for k in npz.files if k.startswith("e_")}


def test_keras3_compile_config_with_loss_and_metric_objects():
    # Keras 3's evaluate of its own model (e_* in the npz) is what the loaded
    # ckeras model reports: losses per output with their weights and
    # label smoothing, metric objects per output, the optimizer state.
    model = load_model(os.path.join(FIX, "compiled_multi.keras"))
    d = np.load(os.path.join(FIX, "compiled_multi.npz"))
    assert int(model.optimizer.iterations) == 1
    got = model.evaluate(d["x0"], {"p": d["p"], "q": d["q"]}, verbose=0, return_dict=True)
    want = _scores(d)
    assert set(got) == set(want)
    for k, v in want.items():
        assert got[k] == pytest.approx(v, abs=1e-5), k


def test_ckeras_compile_config_read_by_keras3():
    # ck_compiled_multi.k3.npz: Keras 3's evaluate of the ckeras-written file.
    d = np.load(os.path.join(FIX, "ck_compiled_multi.npz"))
    k3 = _scores(np.load(os.path.join(FIX, "ck_compiled_multi.k3.npz")))
    mine = _scores(d)
    assert set(k3) == set(mine)
    model = load_model(os.path.join(FIX, "ck_compiled_multi.keras"))
    got = model.evaluate(d["x0"], {"p": d["p"], "q": d["q"]}, verbose=0, return_dict=True)
    for k, v in k3.items():
        assert got[k] == pytest.approx(v, abs=1e-5), k
    compile_config = json.loads(_members(os.path.join(FIX, "ck_compiled_multi.keras"))[
        "config.json"])["compile_config"]
    loss = compile_config["loss"]["p"]["config"]
    assert loss["reduction"] == "sum_over_batch_size" and "fn" not in loss
    assert compile_config["metrics"]["p"][1]["config"]["name"] == "auc"


class Scale(layers.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.w = self.add_weight(name="w", shape=(input_shape[-1],), initializer="ones")
        super().build(input_shape)

    def call(self, x):
        return x * self.w * self.factor

    def get_config(self):
        return dict(super().get_config(), factor=self.factor)


def test_custom_layer_in_functional_model(tmp_path):
    i = ckeras.Input((3,))
    model = ckeras.Model(i, layers.Dense(2)(Scale(3.0)(i)))
    model.layers[1].w.value[...] = [1.0, 2.0, 3.0]
    model.save(tmp_path / "c.keras")
    entry = json.loads(_members(tmp_path / "c.keras")["config.json"])["config"]["layers"][1]
    assert (entry["class_name"], entry["registered_name"]) == ("Scale", "Scale")
    assert entry["module"] == Scale.__module__
    with pytest.raises(ValueError, match="Unknown layer: 'Scale'"):
        load_model(tmp_path / "c.keras")
    other = load_model(tmp_path / "c.keras", custom_objects={"Scale": Scale})
    x = np.ones((1, 3), "float32")
    np.testing.assert_array_equal(other.predict(x, verbose=0), model.predict(x, verbose=0))
    np.testing.assert_array_equal(other.layers[1].w.value, [1.0, 2.0, 3.0])


def double(x):
    return x * 2.0


def test_named_lambda_function_in_keras3_form(tmp_path):
    # Keras 3 writes a named function as {"module", "class_name": "function",
    # "config": name} and finds it in custom_objects; so does ckeras.
    model = ckeras.Sequential([ckeras.Input((3,)), layers.Lambda(double)])
    model.save(tmp_path / "f.keras")
    fn = json.loads(_members(tmp_path / "f.keras")["config.json"])["config"]["layers"][1][
        "config"]["function"]
    assert fn == {"module": __name__, "class_name": "function", "config": "double",
                  "registered_name": "function"}
    with pytest.raises(ValueError, match="'double'.*custom_objects"):
        load_model(tmp_path / "f.keras")
    other = load_model(tmp_path / "f.keras", custom_objects={"double": double})
    np.testing.assert_array_equal(other.predict(np.ones((1, 3)), verbose=0), [[2, 2, 2]])


# ------------------------------------------------ every layer class, .keras
def _layer_entries(obj):
    """Every serialized layer inside a Keras 3 config (nested ones too)."""
    if isinstance(obj, list):
        return [e for v in obj for e in _layer_entries(v)]
    if not isinstance(obj, dict):
        return []
    found = [obj] if obj.get("module") == "keras.layers" or (
        "class_name" in obj and obj.get("class_name", "").endswith("Cell")) else []
    return found + [e for v in obj.values() for e in _layer_entries(v)]


def _all_layer_cases():
    """The layer catalog of test_roundtrip_all_layers.py (loaded by path)."""
    import importlib.util
    path = os.path.join(os.path.dirname(__file__), "test_roundtrip_all_layers.py")
    spec = importlib.util.spec_from_file_location("_all_layers_catalog", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.CASES


@pytest.mark.parametrize("name", sorted(set(_all_layer_cases()) - {"ThresholdedReLU"}))
def test_every_layer_class_round_trips_through_keras_archive(name, tmp_path):
    # tools/check_keras3_layers.py loads the same files in Keras 3 (all load,
    # same predictions); here: ckeras reads its own, and every layer entry,
    # nested cells included, names its Keras module.
    make, shape, kind = _all_layer_cases()[name]
    dtype = {"i": "int32", "I": "int64", "s": "string"}.get(kind, "float32")
    model = ckeras.Sequential([ckeras.Input(shape, dtype=dtype), make()])
    rng = np.random.default_rng(0)
    for w in model.weights:
        w.value[...] = rng.uniform(0.1, 0.9, w.value.shape)
    x = (rng.integers(0, 9, (2,) + shape) if kind in "iIs"
         else rng.normal(0, 1, (2,) + shape))
    if kind == "s":   # strings of digits (and digit pairs for text)
        x = np.char.add(x.astype(str), " 3 1") if name == "TextVectorization" else x.astype(str)
    else:
        x = x.astype(dtype)
    model.save(tmp_path / "m.keras")
    config = json.loads(_members(tmp_path / "m.keras")["config.json"])
    for entry in _layer_entries(config):
        assert entry.get("module"), entry.get("class_name")
    other = load_model(tmp_path / "m.keras", custom_objects={"tanh": np.tanh})
    for a, b in zip(model.weights, other.weights):
        np.testing.assert_array_equal(a.value, b.value)
    np.testing.assert_allclose(other.predict(x, verbose=0), model.predict(x, verbose=0),
                               atol=1e-6)


def test_keras3_mask_ops_survive_h5_and_back(tmp_path):
    # func_multi.keras holds Keras 3's NotEqual node (Embedding mask_zero).
    # Through a ckeras `.h5` (tf-keras node lists) and back to `.keras`, the
    # node reloads, and is written with Keras 3's positional operands.
    model = load_model(os.path.join(FIX, "func_multi.keras"))
    model.save(tmp_path / "m.h5")
    again = load_model(tmp_path / "m.h5")
    again.save(tmp_path / "m.keras")
    entries = json.loads(_members(tmp_path / "m.keras")["config.json"])["config"]["layers"]
    op = next(e for e in entries if e["class_name"] == "NotEqual")
    node = op["inbound_nodes"][0]
    assert node["kwargs"] == {} and node["args"][1] == 0
    assert op["config"] == {"name": op["name"]}
    xs, ys = _npz("func_multi")
    for got, want in zip(_predict(load_model(tmp_path / "m.keras"), xs), ys):
        np.testing.assert_allclose(got, want, atol=2e-6)
