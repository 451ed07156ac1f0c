"""`ckeras convert IN OUT [--check]`: old files rewritten in the tf.keras 2 `.h5` layout.

The legacy fixtures' npz files hold `tfk_y0`: the predictions tf-keras 2.21
made from the files `ckeras convert` wrote (tools/make_fixtures_legacy.py
--verify-convert), next to the reference `y0`. Channels-first models are
not in that record: TensorFlow's CPU kernels cannot pool NCHW tensors.
"""
import json
import os
import warnings

import h5py
import numpy as np
import pytest

from ckeras.__main__ import main
from ckeras.models import load_model
from ckeras.saving import convert_file

FIX = os.path.join(os.path.dirname(__file__), "..", "fixtures", "legacy")
CASES = json.load(open(os.path.join(FIX, "cases.json")))


def _arrays(name):
    a = np.load(os.path.join(FIX, name + ".npz"))
    return [a[k] for k in sorted(k for k in a.files if k.startswith("x"))], a


def _load(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_model(path, compile=False)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_convert_writes_a_current_h5_that_predicts_the_same(case, tmp_path, capsys):
    out = tmp_path / "out.h5"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["convert", os.path.join(FIX, case["file"]), str(out), "--check"]) == 0
    printed = capsys.readouterr().out
    assert "largest |difference| of the predictions: 0\n" in printed
    with h5py.File(out, "r") as f:
        assert f.attrs["keras_version"] == "2.21.0" and f.attrs["backend"] == "tensorflow"
        config = f.attrs["model_config"]
    assert "CuDNN" not in config and "Merge\"" not in config and "nb_filter" not in config
    xs, a = _arrays(case["name"])
    y = _load(out).predict(xs if len(xs) > 1 else xs[0], verbose=0)
    np.testing.assert_allclose(y, a["y0"], rtol=1e-5, atol=1e-5)


def test_tf_keras_predicted_the_same_from_the_converted_files():
    verified = []
    for case in CASES:
        _, a = _arrays(case["name"])
        if "tfk_y0" in a.files:
            np.testing.assert_allclose(a["tfk_y0"], a["y0"], rtol=1e-5, atol=1e-5)
            verified.append(case["name"])
    assert {"theano_conv1d", "keras1_rnn_merge", "keras1_conv1d", "keras1_merge_branches",
            "keras20_gru", "cudnn_rnn"} <= set(verified)


def test_converted_theano_kernels_are_stored_flipped(tmp_path):
    out = tmp_path / "out.h5"
    convert_file.convert(os.path.join(FIX, "theano_conv1d.h5"), out)
    with h5py.File(os.path.join(FIX, "theano_conv1d.h5"), "r") as f:
        saved = f["model_weights/conv1d_1/conv1d_1/kernel:0"][()]
    with h5py.File(out, "r") as f:
        written = f["model_weights/conv1d_1/conv1d_1/kernel:0"][()]
    np.testing.assert_array_equal(written, saved[::-1])


def test_check_reports_a_real_difference(tmp_path):
    other = tmp_path / "other.h5"
    other.write_bytes(open(os.path.join(FIX, "theano_conv1d.h5"), "rb").read())
    with h5py.File(other, "a") as f:
        f.attrs["backend"] = b"tensorflow"
        f["model_weights"].attrs["backend"] = b"tensorflow"
    assert convert_file.check(os.path.join(FIX, "theano_conv1d.h5"), other) > 1e-3
    assert convert_file.check(os.path.join(FIX, "theano_conv1d.h5"),
                              os.path.join(FIX, "theano_conv1d.h5")) == 0.0


def test_convert_refuses_to_overwrite_and_keeps_the_old_output(tmp_path, capsys):
    out = tmp_path / "out.h5"
    out.write_bytes(b"previous")
    src = os.path.join(FIX, "keras20_gru.h5")
    assert main(["convert", src, str(out)]) == 2
    assert "exists" in capsys.readouterr().err and out.read_bytes() == b"previous"
    bad = tmp_path / "bad.h5"
    bad.write_bytes(b"not hdf5")
    assert main(["convert", str(bad), str(out), "--overwrite"]) == 2
    assert "bad.h5" in capsys.readouterr().err and out.read_bytes() == b"previous"
    assert main(["convert", src, src]) == 2
    assert "is the input file" in capsys.readouterr().err
    assert main(["convert", src, str(out), "--overwrite"]) == 0
    assert out.read_bytes()[:8] == b"\x89HDF\r\n\x1a\n"


def test_convert_keeps_a_keras1_training_config(tmp_path):
    src = tmp_path / "k1.h5"
    src.write_bytes(open(os.path.join(FIX, "keras1_cnn.h5"), "rb").read())
    with h5py.File(src, "a") as f:
        f.attrs["training_config"] = json.dumps({
            "optimizer_config": {"class_name": "Adam", "config": {
                "lr": 0.0005, "beta_1": 0.9, "beta_2": 0.999, "decay": 0.0,
                "epsilon": 1e-08}},
            "loss": "categorical_crossentropy", "metrics": ["accuracy"],
            "sample_weight_mode": None, "loss_weights": None}).encode()
    out = tmp_path / "out.h5"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        convert_file.convert(src, out)
        model = load_model(out)
    assert model.loss == "categorical_crossentropy"
    assert abs(float(model.optimizer.learning_rate) - 0.0005) < 1e-9


def test_convert_drops_a_training_config_it_cannot_compile(tmp_path):
    src = tmp_path / "k1.h5"
    src.write_bytes(open(os.path.join(FIX, "keras20_gru.h5"), "rb").read())
    with h5py.File(src, "a") as f:
        f.attrs["training_config"] = json.dumps({
            "optimizer_config": {"class_name": "YellowFin", "config": {}},
            "loss": "mse"}).encode()
    out = tmp_path / "out.h5"
    with pytest.warns(UserWarning, match="training configuration of .*k1.h5.*YellowFin"):
        convert_file.convert(src, out)
    with h5py.File(out, "r") as f:
        assert "training_config" not in f.attrs and "model_config" in f.attrs


@pytest.mark.parametrize("case", [c for c in CASES if "channels_first" not in json.dumps(c)
                                  and "theano_cnn" not in c["name"]
                                  and "cntk_cnn" not in c["name"]
                                  and "keras1_cnn" not in c["name"]][:4],
                         ids=lambda c: c["name"])
def test_convert_to_keras_archive_and_back_predicts_the_same(case, tmp_path, capsys):
    archive, back = tmp_path / "out.keras", tmp_path / "back.h5"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["convert", os.path.join(FIX, case["file"]), str(archive), "--check"]) == 0
        assert main(["convert", str(archive), str(back), "--check"]) == 0
    assert capsys.readouterr().out.count("largest |difference| of the predictions: 0\n") == 2
    with open(archive, "rb") as f:
        assert f.read(2) == b"PK"          # a zip: Keras 3's archive
    xs, a = _arrays(case["name"])
    y = _load(back).predict(xs if len(xs) > 1 else xs[0], verbose=0)
    np.testing.assert_allclose(y, a["y0"], rtol=1e-5, atol=1e-5)
