"""Hostile and damaged .h5 files (issue #19, items 3, 4 and 11): links are
refused, datasets are checked before they are read, and every failure is a
ValueError naming the file and the member."""
import json
import os
import subprocess
import sys
import textwrap
import tracemalloc

import h5py
import numpy as np
import pytest

from ckeras import layers as L
from ckeras.models import Sequential, load_model
from ckeras.saving import inspect_file

KERNEL = "model_weights/a/a/kernel:0"   # Dense "a": kernel (4, 5)


def _model():
    return Sequential([L.Dense(5, activation="relu", input_shape=(4,), name="a"),
                       L.Dense(3, name="b")], name="m")


def _saved(tmp_path, name="m.h5", compiled=False):
    model = _model()
    if compiled:
        model.compile(optimizer="adam", loss="mse")
        model.fit(np.ones((2, 4), "float32"), np.ones((2, 3), "float32"), verbose=0)
    path = tmp_path / name
    model.save(path)
    return model, path


def _weights_file(tmp_path):
    model = _model()
    path = tmp_path / "w.h5"
    model.save_weights(path)
    return model, path


def _all_loaders(path, weights_key):
    """Every entry point that reads the member `weights_key` of `path`."""
    def whole():
        load_model(path)

    def topological():
        _model().load_weights(path)

    def by_name():
        _model().load_weights(path, by_name=True)

    def inspect():
        inspect_file.describe(path, print_fn=lambda *a: None)
    return {"load_model": whole, "load_weights": topological, "by_name": by_name,
            "inspect": inspect}


def _replace_with(path, key, make):
    with h5py.File(path, "a") as f:
        del f[key]
        make(f, key)


# ------------------------------------------------------------------ links
@pytest.mark.parametrize("entry", ["load_model", "load_weights", "by_name", "inspect"])
def test_soft_link_weight_is_refused(tmp_path, entry):
    _, path = _saved(tmp_path)
    _replace_with(path, KERNEL, lambda f, k: f.__setitem__(k, h5py.SoftLink(
        "/model_weights/a/a/kernel_copy")))
    with h5py.File(path, "a") as f:
        f["model_weights/a/a/kernel_copy"] = np.zeros((4, 5), "float32")
    with pytest.raises(ValueError, match=r"m\.h5.*soft link.*/model_weights/a/a/kernel:0"):
        _all_loaders(path, KERNEL)[entry]()


@pytest.mark.parametrize("entry", ["load_model", "load_weights", "by_name", "inspect"])
def test_external_link_to_other_file_is_refused(tmp_path, entry):
    _, path = _saved(tmp_path)
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f["data"] = np.full((4, 5), 7.0, "float32")
    _replace_with(path, KERNEL, lambda f, k: f.__setitem__(
        k, h5py.ExternalLink(str(other), "/data")))
    with pytest.raises(ValueError, match=r"external link .*other\.h5.*kernel:0"):
        _all_loaders(path, KERNEL)[entry]()


def test_links_on_groups_are_refused(tmp_path):
    _, path = _saved(tmp_path)
    with h5py.File(path, "a") as f:
        f.move("model_weights/a", "model_weights/a_real")
        f["model_weights/a"] = h5py.SoftLink("/model_weights/a_real")
    with pytest.raises(ValueError, match=r"soft link.*'/model_weights/a'"):
        load_model(path)
    _, wpath = _weights_file(tmp_path)
    with h5py.File(wpath, "a") as f:
        f.move("a/a", "a/a_real")          # the intermediate group of 'a/kernel:0'
        f["a/a"] = h5py.SoftLink("/a/a_real")
    with pytest.raises(ValueError, match=r"soft link.*'/a/a'"):
        _model().load_weights(wpath)
    _, mpath = _saved(tmp_path, "m2.h5")
    with h5py.File(mpath, "a") as f:
        f.move("model_weights", "mw")
        f["model_weights"] = h5py.SoftLink("/mw")
    with pytest.raises(ValueError, match=r"soft link.*'/model_weights'"):
        load_model(mpath)


def test_refused_link_leaves_the_model_unchanged(tmp_path):
    _, path = _weights_file(tmp_path)
    with h5py.File(path, "a") as f:   # the second layer's bias is the link
        del f["b/b/bias:0"]
        f["b/b/bias:0"] = h5py.SoftLink("/a/a/bias:0")
    target = _model()
    before = [w.copy() for w in target.get_weights()]
    with pytest.raises(ValueError, match="soft link"):
        target.load_weights(path)
    for a, b in zip(before, target.get_weights()):
        np.testing.assert_array_equal(a, b)


def _root():
    import ckeras
    return os.path.dirname(os.path.dirname(os.path.abspath(ckeras.__file__)))


def _load_in_child(path):
    """Loads in a child process: libhdf5 opening a FIFO blocks forever while
    holding the GIL, which would hang the test run itself."""
    code = textwrap.dedent(f"""
        from ckeras.models import load_model
        try:
            load_model({str(path)!r})
        except ValueError as e:
            print("REFUSED", e)
    """)
    try:
        return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              check=False, timeout=120,
                              env=dict(os.environ, PYTHONPATH=_root())).stdout
    except subprocess.TimeoutExpired:
        pytest.fail(f"load_model({path}) blocked")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_external_link_to_a_fifo_fails_fast(tmp_path):
    _, path = _saved(tmp_path)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    _replace_with(path, KERNEL, lambda f, k: f.__setitem__(
        k, h5py.ExternalLink(str(fifo), "/data")))
    out = _load_in_child(path)
    assert "REFUSED" in out and "external link" in out, out


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_as_the_file_is_refused(tmp_path):
    fifo = tmp_path / "pipe.h5"
    os.mkfifo(fifo)
    out = _load_in_child(fifo)
    assert "REFUSED" in out and "not a regular file" in out, out


def test_virtual_and_external_storage_datasets_are_refused(tmp_path):
    _, path = _saved(tmp_path)
    raw = tmp_path / "raw.bin"
    raw.write_bytes(np.full((4, 5), 3.0, "float32").tobytes())
    _replace_with(path, KERNEL, lambda f, k: f.create_dataset(
        k, (4, 5), "float32", external=[(str(raw), 0, 80)]))
    with pytest.raises(ValueError, match=r"kernel:0.*external raw-data files"):
        load_model(path)
    other = tmp_path / "src.h5"
    with h5py.File(other, "w") as f:
        f["d"] = np.full((4, 5), 7.0, "float32")
    layout = h5py.VirtualLayout((4, 5), "float32")
    layout[:] = h5py.VirtualSource(str(other), "d", shape=(4, 5))
    _, path2 = _saved(tmp_path, "m2.h5")
    _replace_with(path2, KERNEL, lambda f, k: f.create_virtual_dataset(k, layout))
    with pytest.raises(ValueError, match=r"kernel:0.*virtual dataset"):
        load_model(path2)


# ---------------------------------------------------- datasets before reading
def _peak_bytes(fn):
    tracemalloc.start()
    try:
        fn()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


@pytest.mark.parametrize("entry", ["load_model", "load_weights", "by_name"])
def test_huge_declared_dataset_is_not_read(tmp_path, entry):
    """A (4000, 4000) zero kernel compresses to a few KB but is 64 MB to read."""
    _, path = _saved(tmp_path)
    _replace_with(path, KERNEL, lambda f, k: f.create_dataset(
        k, data=np.zeros((4000, 4000), "float32"), chunks=(500, 500), compression="gzip"))
    assert os.path.getsize(path) < 2_000_000

    def load():
        with pytest.raises(ValueError, match=r"Shape mismatch .*\(4, 5\).*\(4000, 4000\)"):
            _all_loaders(path, KERNEL)[entry]()
    assert _peak_bytes(load) < 8_000_000


def test_declared_but_unstored_dataset_is_corrupt(tmp_path):
    _, path = _saved(tmp_path)
    _replace_with(path, KERNEL, lambda f, k: f.create_dataset(k, (4, 5), "float32"))
    with pytest.raises(ValueError, match=r"kernel:0.*declares shape \(4, 5\) \(80 bytes\) "
                                         r"but the file stores only 0 bytes"):
        load_model(path)


@pytest.mark.parametrize("dtype", [h5py.string_dtype(), np.dtype([("x", "f4"), ("y", "f4")]),
                                   np.dtype("complex64")])
def test_non_numeric_dataset_is_refused(tmp_path, dtype):
    _, path = _saved(tmp_path)
    data = np.zeros((4, 5), dtype) if dtype.kind != "O" else np.full((4, 5), "x", object)
    _replace_with(path, KERNEL, lambda f, k: f.create_dataset(k, data=data, dtype=dtype))
    with pytest.raises(ValueError, match=r"kernel:0.*has dtype .*weights must be numeric"):
        load_model(path)


def test_top_level_weights_are_checked_before_reading(tmp_path):
    _, path = _weights_file(tmp_path)
    with h5py.File(path, "a") as f:
        g = f["top_level_model_weights"]
        g.attrs["weight_names"] = [b"huge:0"]
        g.create_dataset("huge:0", data=np.zeros((3000, 3000), "float32"),
                         chunks=(500, 500), compression="gzip")

    def load():
        with pytest.raises(ValueError, match="Weight count mismatch for top-level weights"):
            _model().load_weights(path)
    assert _peak_bytes(load) < 8_000_000


def test_optimizer_weights_checked_before_reading(tmp_path):
    _, path = _saved(tmp_path, compiled=True)
    with h5py.File(path, "a") as f:
        names = [n.decode() if isinstance(n, bytes) else n
                 for n in f["optimizer_weights"].attrs["weight_names"]]
        key = "optimizer_weights/" + names[1]
        del f[key]
        f.create_dataset(key, data=np.zeros((3000, 3000), "float32"), chunks=(500, 500),
                         compression="gzip")

    def load():
        with pytest.warns(UserWarning, match=r"Error in loading the saved optimizer state.*"
                                             r"\(3000, 3000\)"):
            model = load_model(path)
        assert model.optimizer is not None
    assert _peak_bytes(load) < 8_000_000


def test_optimizer_weight_link_is_refused(tmp_path):
    _, path = _saved(tmp_path, compiled=True)
    with h5py.File(path, "a") as f:
        names = [n.decode() if isinstance(n, bytes) else n
                 for n in f["optimizer_weights"].attrs["weight_names"]]
        key = "optimizer_weights/" + names[1]
        del f[key]
        f[key] = h5py.SoftLink("/" + KERNEL)
    for compile in (True, False):     # a file holding a link is refused outright
        with pytest.raises(ValueError, match=r"soft link.*optimizer_weights"):
            load_model(path, compile=compile)
    with pytest.raises(ValueError, match=r"soft link.*optimizer_weights"):
        _model().load_weights(path)


# ------------------------------------------------------- errors with context
def test_non_utf8_weight_names(tmp_path):
    _, path = _saved(tmp_path)
    with h5py.File(path, "a") as f:
        f["model_weights/a"].attrs["weight_names"] = np.array([b"\xff\xfe:0", b"x"])
    with pytest.raises(ValueError, match=r"'weight_names' of '/model_weights/a' in the file "
                                         r".*m\.h5.*not UTF-8"):
        load_model(path)


def test_non_utf8_layer_names(tmp_path):
    _, path = _weights_file(tmp_path)
    with h5py.File(path, "a") as f:
        f.attrs["layer_names"] = np.array([b"a", b"\xc3("])
    with pytest.raises(ValueError, match=r"'layer_names' of '/' in the file .*w\.h5.*"
                                         r"not UTF-8"):
        _model().load_weights(path)


def test_non_utf8_model_config(tmp_path):
    _, path = _saved(tmp_path)
    with h5py.File(path, "a") as f:
        f.attrs["model_config"] = np.void(b"{\xff}")
    with pytest.raises(ValueError, match=r"model_config.*m\.h5"):
        load_model(path)


@pytest.mark.parametrize("garbage, match", [
    (b'{"loss": "mse", "optimizer_config": ', "not valid JSON"),
    (b'["a list"]', "not a JSON object"),
    (b'{"loss": "mse", "optimizer_config": "adam", "loss_weights": null}', "is malformed"),
])
def test_garbled_training_config(tmp_path, garbage, match):
    _, path = _saved(tmp_path, compiled=True)
    with h5py.File(path, "a") as f:
        f.attrs["training_config"] = garbage
    with pytest.raises(ValueError, match=rf"training_config of the file .*m\.h5.*{match}"):
        load_model(path)
    assert load_model(path, compile=False).count_params() == 43


def test_h5py_read_error_names_the_file_and_weight(tmp_path):
    _, path = _saved(tmp_path)
    _replace_with(path, KERNEL, lambda f, k: f.create_dataset(
        k, data=np.arange(20, dtype="float32").reshape(4, 5), chunks=(4, 5),
        compression="gzip"))
    with h5py.File(path, "r") as f:
        offset = f[KERNEL].id.get_chunk_info(0).byte_offset
        size = f[KERNEL].id.get_chunk_info(0).size
    with open(path, "r+b") as fh:       # garble the compressed chunk
        fh.seek(offset)
        fh.write(b"\x00" * size)
    with pytest.raises(ValueError, match=r"Cannot read a weight of layer #0 \(a\) "
                                         r"\('/model_weights/a/a/kernel:0'\) of the file "
                                         r".*m\.h5.*truncated or corrupt"):
        load_model(path)


def test_model_config_json_errors_name_the_file(tmp_path):
    _, path = _saved(tmp_path)
    with h5py.File(path, "a") as f:
        f.attrs["model_config"] = b'{"class_name": "Sequential", "config": {"layers": ['
    with pytest.raises(ValueError, match=r"model_config of the file .*m\.h5.*not valid JSON"):
        load_model(path)
    with h5py.File(path, "a") as f:
        f.attrs["model_config"] = json.dumps({"class_name": "Sequential",
                                              "config": {"name": "x"}}).encode()
    with pytest.raises(ValueError, match=r"layers"):
        load_model(path)


@pytest.mark.parametrize("entry", ["load_model", "load_weights", "by_name", "inspect"])
def test_member_names_that_are_not_utf8(tmp_path, entry):
    """Found by the model-file fuzzer: h5py raised SystemError listing them."""
    _, path = _saved(tmp_path)
    with h5py.File(path, "a") as f:
        f.move(KERNEL, b"model_weights/a/a/\xff\xfe")
    if entry == "inspect":      # describes the file, the kernel shown as missing
        lines = []
        inspect_file.describe(path, print_fn=lines.append)
        assert any("a/kernel:0 None MISSING" in line for line in lines)
        return
    with pytest.raises(ValueError, match=r"kernel:0.*missing from the file .*m\.h5"):
        _all_loaders(path, KERNEL)[entry]()
