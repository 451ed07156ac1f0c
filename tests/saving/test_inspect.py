"""`ckeras inspect FILE`."""
import json
import os
import subprocess
import sys

import h5py

from ckeras.__main__ import main

FIX = os.path.join(os.path.dirname(__file__), "..", "fixtures", "saving")


def test_inspect_tf_keras_model(capsys):
    assert main(["inspect", os.path.join(FIX, "tk_func.h5")]) == 0
    out = capsys.readouterr().out
    assert "Keras version: 2.21.0" in out and "Backend: tensorflow" in out
    assert "Model: \"two_io\" (Functional)" in out
    assert "da (Dense)" in out and "da/kernel:0 (4, 5) float32" in out
    assert "emb/embeddings:0 (20, 2) float32" in out
    assert "Total params: 184" in out
    assert "optimizer state: yes" in out
    assert "Layers ckeras cannot build: none" in out


def test_inspect_weights_file_and_nested(capsys):
    assert main(["inspect", os.path.join(FIX, "tk_nested_w.h5")]) == 0
    out = capsys.readouterr().out
    assert "weights only" in out
    assert "inner_d2/kernel:0 (4, 3) float32" in out


def test_inspect_reports_unknown_layers(tmp_path, capsys):
    src = os.path.join(FIX, "tk_seq.h5")
    dst = tmp_path / "m.h5"
    dst.write_bytes(open(src, "rb").read())
    with h5py.File(dst, "a") as f:
        cfg = json.loads(f.attrs["model_config"])
        cfg["config"]["layers"][1]["class_name"] = "FancyAttention"
        f.attrs["model_config"] = json.dumps(cfg).encode()
    assert main(["inspect", str(dst)]) == 1
    assert "Layers ckeras cannot build: seq/d1 (FancyAttention)" in capsys.readouterr().out


def test_inspect_does_not_read_weight_data(monkeypatch, capsys):
    def forbidden(self, *args, **kwargs):
        raise AssertionError("weight data read")
    monkeypatch.setattr(h5py.Dataset, "__getitem__", forbidden)
    monkeypatch.setattr(h5py.Dataset, "__array__", forbidden)
    assert main(["inspect", os.path.join(FIX, "tk_seq.h5")]) == 0


def test_inspect_bad_files(tmp_path, capsys):
    bad = tmp_path / "bad.h5"
    bad.write_text("nope")
    assert main(["inspect", str(bad)]) == 2
    assert "not an HDF5 file" in capsys.readouterr().err
    assert main(["inspect", str(tmp_path / "missing.h5")]) == 2


def test_inspect_console_entry_point():
    out = subprocess.run([sys.executable, "-m", "ckeras", "inspect",
                          os.path.join(FIX, "k3_func.h5")],
                         capture_output=True, text=True, check=True).stdout
    assert "Keras version: 3." in out
