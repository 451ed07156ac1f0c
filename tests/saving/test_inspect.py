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


LEGACY = os.path.join(os.path.dirname(__file__), "..", "fixtures", "legacy")


def _inspect_legacy(name, capsys):
    assert main(["inspect", os.path.join(LEGACY, name + ".h5")]) == 0
    return capsys.readouterr().out


def test_inspect_theano_file_says_kernels_are_flipped(capsys):
    out = _inspect_legacy("theano_cnn", capsys)
    assert "Format: Keras HDF5 (.h5), multi-backend Keras 2 layout" in out
    assert "Keras version: 2.1.6" in out and "Backend: theano" in out
    assert "Theano backend: Conv2D, Conv2DTranspose kernels flipped" in out
    # Keras <= 2.2.4 wrote Sequential configs as a bare list.
    assert "conv2d_1 (Conv2D)" in out and "Layers ckeras cannot build: none" in out


def test_inspect_cntk_file_loads_kernels_as_they_are(capsys):
    out = _inspect_legacy("cntk_cnn", capsys)
    assert "CNTK backend: kernels load as they are" in out and "flipped" not in out


def test_inspect_keras1_file(capsys):
    out = _inspect_legacy("keras1_rnn_merge", capsys)
    assert "Format: Keras HDF5 (.h5), Keras 1 layout" in out
    assert "Keras 1 layer configs renamed to Keras 2 (Dense, GRU, InputLayer, LSTM, " \
           "Merge)" in out
    assert "Keras 1 weights: LSTM, GRU converted" in out
    assert "GRU 'gru_1' has no reset_after key: reset_after=False" in out
    assert "Layers ckeras cannot build: none" in out


def test_inspect_cudnn_files(capsys):
    out = _inspect_legacy("cudnn_rnn", capsys)
    assert "CuDNNGRU, CuDNNLSTM loaded as LSTM/GRU, weights converted from the CuDNN " \
           "layout" in out
    assert "Layers ckeras cannot build: none" in out
    out = _inspect_legacy("cudnn_lstm_weights", capsys)
    assert "LSTM/GRU weights in the CuDNN layout converted" in out


def test_inspect_current_file_converts_nothing(capsys):
    assert main(["inspect", os.path.join(FIX, "tk_func.h5")]) == 0
    out = capsys.readouterr().out
    assert "Format: Keras HDF5 (.h5), tf.keras 2 layout" in out
    assert "Conversions on load: none" in out


def test_inspect_reports_inexpressible_keras1_merge(tmp_path, capsys):
    dst = tmp_path / "m.h5"
    dst.write_bytes(open(os.path.join(LEGACY, "keras1_rnn_merge.h5"), "rb").read())
    with h5py.File(dst, "a") as f:
        cfg = json.loads(f.attrs["model_config"])
        cfg["config"]["layers"][3]["config"]["mode"] = "cos"
        f.attrs["model_config"] = json.dumps(cfg).encode()
    assert main(["inspect", str(dst)]) == 1
    assert "Layers ckeras cannot build: merge_1 (Merge)" in capsys.readouterr().out


def test_inspect_keras_archive(tmp_path, capsys):
    import zipfile
    path = tmp_path / "m.keras"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("metadata.json", json.dumps({"keras_version": "3.3.3"}))
        z.writestr("config.json", "{}")
    assert main(["inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Format: Keras 3 .keras archive (zip)" in out and "Keras version: 3.3.3" in out
    assert "config.json, metadata.json" in out


def test_inspect_keras1_branch_merge(capsys):
    out = _inspect_legacy("keras1_merge_branches", capsys)
    assert "Keras 1 Sequential starting with a Merge of branch models: rebuilt as a " \
           "functional model, weights matched by layer name" in out
    assert "Keras 1 weights" not in out   # Dense weights keep their layout


def test_inspect_keras1_conv_file_warns_about_the_unknown_backend(capsys):
    out = _inspect_legacy("keras1_cnn", capsys)
    assert "Keras 1 weights: Conv2D converted to the Keras 2 layout" in out
    assert "Keras 1 files do not record their backend" in out


def test_inspect_keras3_h5(capsys):
    rnn = os.path.join(os.path.dirname(__file__), "..", "fixtures", "saving", "rnn")
    assert main(["inspect", os.path.join(rnn, "k3_bilstm.h5")]) == 0
    out = capsys.readouterr().out
    assert "Format: Keras HDF5 (.h5), Keras 3 (legacy .h5 writer) layout" in out
    assert "Conversions on load: none" in out
