"""Saving to and loading from an open h5py File or Group (Keras 2 accepted
them): the same layout as a file path, written in place."""
import h5py
import numpy as np
import pytest

from ckeras.layers import Dense
from ckeras.models import Sequential, load_model


def _model():
    model = Sequential([Dense(2, input_shape=(3,), name="d")])
    model.set_weights([np.arange(6, dtype="float32").reshape(3, 2),
                       np.array([0.5, -0.5], "float32")])
    model.compile("adam", "mse")
    return model


def test_model_round_trips_through_an_open_file_and_a_group(tmp_path):
    model = _model()
    x = np.ones((2, 3), "float32")
    with h5py.File(tmp_path / "a.h5", "w") as f:
        model.save(f)
        model.save(f.create_group("inner"))
    with h5py.File(tmp_path / "a.h5", "r") as f:
        assert f.attrs["backend"] and "model_weights" in f["inner"]
        for group in (f, f["inner"]):
            loaded = load_model(group)
            np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
            assert loaded.optimizer is not None
    # The file written through an open handle is a normal model file.
    np.testing.assert_array_equal(load_model(tmp_path / "a.h5").predict(x), model.predict(x))


def test_weights_round_trip_through_a_group_and_a_failed_load_changes_nothing(tmp_path):
    model = _model()
    with h5py.File(tmp_path / "w.h5", "w") as f:
        model.save_weights(f.create_group("weights"))
        Sequential([Dense(4, input_shape=(3,))]).save_weights(f.create_group("other"))
    fresh = Sequential([Dense(2, input_shape=(3,), name="d")])
    before = fresh.get_weights()
    with h5py.File(tmp_path / "w.h5", "r") as f:
        with pytest.raises(ValueError, match="w.h5:/other"):
            fresh.load_weights(f["other"])
        for a, b in zip(before, fresh.get_weights(), strict=True):
            np.testing.assert_array_equal(a, b)
        fresh.load_weights(f["weights"])
    for a, b in zip(model.get_weights(), fresh.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_timeout_needs_a_path(tmp_path):
    with h5py.File(tmp_path / "t.h5", "w") as f:
        with pytest.raises(ValueError, match="cannot take an open h5py File"):
            load_model(f, timeout=5)
