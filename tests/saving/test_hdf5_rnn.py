"""Golden tf-keras 2.21 / Keras 3 whole-model .h5 files with recurrent, wrapper,
convolution and normalization layers (tools/make_fixtures_saving_rnn.py)."""
import os

import numpy as np
import pytest

from ckeras.models import load_model

FIX = os.path.join(os.path.dirname(__file__), "..", "fixtures", "saving", "rnn")
NAMES = ["tk_bilstm", "k3_bilstm", "tk_gru_ra1", "tk_gru_ra0", "tk_td_dense", "tk_td_conv",
         "tk_cnn_bn", "tk_lstm_back"]


def _ref(name):
    return np.load(os.path.join(FIX, name + ".npz"))


@pytest.mark.parametrize("name", NAMES)
def test_golden_rnn_files_predict(name):
    ref = _ref(name)
    model = load_model(os.path.join(FIX, name + ".h5"))
    np.testing.assert_allclose(model.predict(ref["x0"], verbose=0), ref["y0"], atol=1e-5)


def test_golden_bilstm_is_compiled_and_masked():
    model = load_model(os.path.join(FIX, "tk_bilstm.h5"))
    assert type(model.optimizer).__name__ == "Adam"
    assert int(model.optimizer.iterations) == 1
    ref = _ref("tk_bilstm")
    assert (ref["x0"] == 0).any()
    layer = model.get_layer("emb")
    assert layer.mask_zero
    layer.mask_zero = False  # without the mask the padded steps change the output
    assert np.abs(model.predict(ref["x0"], verbose=0) - ref["y0"]).max() > 1e-4

def test_golden_cnn_bn_moving_statistics_are_trained():
    model = load_model(os.path.join(FIX, "tk_cnn_bn.h5"))
    bn = model.get_layer("bn")
    mean, var = bn.moving_mean.numpy(), bn.moving_variance.numpy()
    assert np.abs(mean).max() > 1e-3 and np.abs(var - 1).max() > 1e-3


def test_golden_bilstm_resaved_by_ckeras_round_trips(tmp_path):
    model = load_model(os.path.join(FIX, "tk_bilstm.h5"))
    model.save(tmp_path / "ck.h5")
    again = load_model(tmp_path / "ck.h5")
    ref = _ref("tk_bilstm")
    np.testing.assert_allclose(again.predict(ref["x0"], verbose=0), ref["y0"], atol=1e-5)
    assert type(again.optimizer).__name__ == "Adam"


def test_keras3_ops_node_rebuilt():
    model = load_model(os.path.join(FIX, "k3_bilstm.h5"))
    assert type(model.get_layer("not_equal")).__name__ == "NotEqual"
