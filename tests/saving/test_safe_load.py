"""safe_load_model / load_model(timeout=...): untrusted files are parsed by
libhdf5 in a subprocess with a time and memory limit (issue #19, item 5)."""
import json
import os

import h5py
import numpy as np
import pytest

from ckeras import layers as L
from ckeras.models import Model, Sequential, load_model
from ckeras.saving import safe_load_model

HOSTILE = os.path.join(os.path.dirname(__file__), "..", "fixtures", "saving", "hostile")
# A ckeras model file corrupted by the model-file fuzzer (tests/fuzz/model_files.py,
# family h5_splice): libhdf5 2.0 loops for ever reading its model_config attribute.
SPINS = os.path.join(HOSTILE, "libhdf5_spins.h5")


def _compiled(tmp_path):
    model = Sequential([L.Dense(5, activation="relu", input_shape=(4,), name="a"),
                        L.Dense(3, name="b")], name="m")
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(0).standard_normal((8, 4)).astype("float32")
    model.fit(x, np.ones((8, 3), "float32"), epochs=2, verbose=0)
    path = tmp_path / "m.h5"
    model.save(path)
    return model, path, x


def test_loads_like_load_model(tmp_path):
    model, path, x = _compiled(tmp_path)
    safe = safe_load_model(path)
    direct = load_model(path)
    np.testing.assert_array_equal(safe.predict(x), model.predict(x))
    for a, b in zip(safe.get_weights(), direct.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert int(safe.optimizer.iterations) == int(model.optimizer.iterations) == 2
    for a, b in zip(safe.optimizer.get_weights(), model.optimizer.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert safe_load_model(path, compile=False).optimizer is None


def test_custom_objects_stay_in_this_process(tmp_path):
    class Doubler(L.Layer):          # defined here: a subprocess could not import it
        def call(self, x):
            return 2.0 * x

    x_in = L.Input((3,), name="x")
    model = Model(x_in, Doubler(name="dbl")(L.Dense(3, name="d")(x_in)))
    model.save(tmp_path / "c.h5")
    loaded = safe_load_model(tmp_path / "c.h5", custom_objects={"Doubler": Doubler})
    x = np.ones((2, 3), "float32")
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))


def test_libhdf5_spinning_for_ever_is_stopped():
    with pytest.raises(TimeoutError, match=r"libhdf5_spins\.h5' did not finish within 3 s"):
        safe_load_model(SPINS, timeout=3)
    with pytest.raises(TimeoutError, match=r"libhdf5_spins\.h5"):
        load_model(SPINS, timeout=3)


def test_errors_name_the_original_file(tmp_path):
    _, path, _ = _compiled(tmp_path)
    with h5py.File(path, "a") as f:
        del f["model_weights/a/a/kernel:0"]
        f["model_weights/a/a/kernel:0"] = h5py.SoftLink("/model_weights/b/b/kernel:0")
    with pytest.raises(ValueError, match=r"'.*m\.h5' has a soft link .*a/kernel:0"):
        safe_load_model(path)
    weights = tmp_path / "w.h5"
    Sequential([L.Dense(2, input_shape=(3,))]).save_weights(weights)
    with pytest.raises(ValueError, match=r"'.*w\.h5' holds weights only"):
        safe_load_model(weights)
    junk = tmp_path / "junk.h5"
    junk.write_bytes(b"not hdf5 at all")
    with pytest.raises(ValueError, match=r"junk\.h5.*not an HDF5 file"):
        safe_load_model(junk)
    with pytest.raises(OSError, match="No file or directory"):
        safe_load_model(tmp_path / "missing.h5")


def test_checks_in_this_process_still_apply(tmp_path):
    """The copy is loaded with load_model's shape checks (weights vs. model)."""
    _, path, _ = _compiled(tmp_path)
    with h5py.File(path, "a") as f:
        del f["model_weights/a/a/kernel:0"]
        f.create_dataset("model_weights/a/a/kernel:0", data=np.zeros((40, 5), "float32"))
    with pytest.raises(ValueError, match=r"Shape mismatch .*\(4, 5\).*\(40, 5\) "
                                         r"\(file '.*m\.h5'\)"):
        safe_load_model(path)


def test_max_memory_bounds_the_loading_process(tmp_path):
    _, path, _ = _compiled(tmp_path)
    with h5py.File(path, "a") as f:      # 800 MB of zeros, a few hundred KB compressed
        del f["model_weights/a/a/kernel:0"]
        f.create_dataset("model_weights/a/a/kernel:0", data=np.zeros((1, 5), "float32"),
                         maxshape=(None, 5), chunks=(400_000, 5), compression="gzip")
        f["model_weights/a/a/kernel:0"].resize((40_000_000, 5))
    with pytest.raises(MemoryError, match=r"m\.h5' needed more than max_memory=300000000"):
        safe_load_model(path, max_memory=300_000_000)


def test_config_declaring_huge_layers_meets_the_limits(tmp_path):
    """Found by the model-file fuzzer: a config may declare Dense(units=10**9)."""
    _, path, _ = _compiled(tmp_path)
    with h5py.File(path, "a") as f:
        config = json.loads(f.attrs["model_config"])
        config["config"]["layers"][1]["config"]["units"] = 3_000_000   # a 48 MB kernel...
        config["config"]["layers"][2]["config"]["units"] = 100         # ...and a 1.2 GB one
        f.attrs["model_config"] = json.dumps(config).encode()
    with pytest.raises(MemoryError, match=r"m\.h5' needed more than max_memory"):
        safe_load_model(path, max_memory=300_000_000)


@pytest.mark.parametrize("kwargs, match", [
    ({"timeout": 0}, "`timeout` must be a positive number"),
    ({"timeout": None}, "`timeout` must be a positive number"),
    ({"max_memory": -5}, "`max_memory` must be a positive number"),
])
def test_bad_arguments(tmp_path, kwargs, match):
    _, path, _ = _compiled(tmp_path)
    with pytest.raises(ValueError, match=match):
        safe_load_model(path, **kwargs)
