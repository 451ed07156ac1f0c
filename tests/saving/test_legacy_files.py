"""Old model files: Keras 1, multi-backend Keras 2 (Theano, CNTK), CuDNN layers.

The files under tests/fixtures/legacy were built by hand from the documented
layouts (tools/make_fixtures_legacy.py); their expected predictions come
from NumPy implementations of the original layers (Keras 1 per-gate LSTM/GRU,
Theano's true convolution) or, for CuDNN weights, from tf-keras 2.21's own
conversion. Each conversion rule also has a control showing that the file
predicts differently without it.
"""
import json
import os
import shutil
import warnings

import h5py
import numpy as np
import pytest

from ckeras import layers as L
from ckeras.models import Model, Sequential, load_model, model_from_json
from ckeras.saving.legacy import cudnn_recurrent, interfaces, model_file
from ckeras.saving.legacy.weights import convert_kernel, preprocess_weights_for_loading

FIX = os.path.join(os.path.dirname(__file__), "..", "fixtures", "legacy")
RNN_FIX = os.path.join(os.path.dirname(__file__), "..", "fixtures", "saving", "rnn")
CASES = json.load(open(os.path.join(FIX, "cases.json")))


def _arrays(name):
    a = np.load(os.path.join(FIX, name + ".npz"))
    xs = [a[k] for k in sorted(k for k in a.files if k.startswith("x"))]
    return xs, a


def _predict(model, xs):
    return model.predict(xs if len(xs) > 1 else xs[0], verbose=0)


def _load(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_model(path, compile=False)


def _copy(name, tmp_path):
    dst = tmp_path / (name + ".h5")
    shutil.copy(os.path.join(FIX, name + ".h5"), dst)
    return dst


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_legacy_file_predicts_as_the_original(case):
    xs, a = _arrays(case["name"])
    y = _predict(_load(os.path.join(FIX, case["file"])), xs)
    np.testing.assert_allclose(y, a["y0"], rtol=1e-5, atol=1e-5)


# ------------------------------------------------------------ Theano / CNTK
def _set_backend(path, backend):
    with h5py.File(path, "a") as f:
        f.attrs["backend"] = backend.encode()
        f["model_weights"].attrs["backend"] = backend.encode()


def test_theano_kernels_are_flipped(tmp_path):
    xs, a = _arrays("theano_cnn")
    path = _copy("theano_cnn", tmp_path)
    _set_backend(path, "tensorflow")
    unflipped = _predict(_load(path), xs)
    assert np.abs(unflipped - a["y0"]).max() > 1e-2


def test_cntk_file_is_not_flipped(tmp_path):
    # CNTK correlates as TensorFlow does: the same file said to come from
    # Theano predicts differently.
    xs, a = _arrays("cntk_cnn")
    np.testing.assert_allclose(_predict(_load(os.path.join(FIX, "cntk_cnn.h5")), xs),
                               a["y0"], rtol=1e-5, atol=1e-5)
    path = _copy("cntk_cnn", tmp_path)
    _set_backend(path, "theano")
    assert np.abs(_predict(_load(path), xs) - a["y0"]).max() > 1e-2


def test_theano_conv1d_flip_matters(tmp_path):
    xs, a = _arrays("theano_conv1d")
    path = _copy("theano_conv1d", tmp_path)
    _set_backend(path, "tensorflow")
    assert np.abs(_predict(_load(path), xs) - a["y0"]).max() > 1e-3


def test_theano_weights_file_by_name_is_flipped(tmp_path):
    model = _load(os.path.join(FIX, "theano_cnn.h5"))
    expected = model.get_weights()
    fresh = _load(os.path.join(FIX, "theano_cnn.h5"))
    for w in fresh.weights:
        w.assign(np.zeros(w.shape, "float32"))
    fresh.load_weights(os.path.join(FIX, "theano_cnn.h5"), by_name=True)
    for got, want in zip(fresh.get_weights(), expected):
        np.testing.assert_array_equal(got, want)
    with h5py.File(os.path.join(FIX, "theano_cnn.h5"), "r") as f:
        saved = f["model_weights/conv2d_1/conv2d_1/kernel:0"][()]
    np.testing.assert_array_equal(fresh.layers[0].kernel.numpy(), saved[::-1, ::-1])


def test_convert_kernel():
    k = np.arange(2 * 3 * 4 * 5, dtype="float64").reshape(2, 3, 4, 5)
    flipped = convert_kernel(k)
    assert flipped[0, 0, 1, 2] == k[1, 2, 1, 2]
    np.testing.assert_array_equal(convert_kernel(flipped), k)
    k1 = np.arange(6.).reshape(3, 2, 1)
    np.testing.assert_array_equal(convert_kernel(k1)[:, 1, 0], [5, 3, 1])
    with pytest.raises(ValueError, match="3-D, 4-D or 5-D"):
        convert_kernel(np.zeros((3, 3)))


# ------------------------------------------------------------------ Keras 1
def test_keras1_weights_need_the_keras1_rules(tmp_path):
    # The same file claiming Keras 2 weights: the Keras 1 per-gate lists no
    # longer fit (nothing converts them), and the load fails cleanly.
    path = _copy("keras1_rnn_merge", tmp_path)
    with h5py.File(path, "a") as f:
        f["model_weights"].attrs["keras_version"] = b"2.0.0"
    with pytest.raises(ValueError, match="lstm_1"):
        _load(path)


def test_keras1_th_conv_kernel_is_transposed(tmp_path):
    model = _load(os.path.join(FIX, "keras1_cnn.h5"))
    with h5py.File(os.path.join(FIX, "keras1_cnn.h5"), "r") as f:
        saved = f["model_weights/convolution2d_1/convolution2d_1_W"][()]
    assert saved.shape == (3, 2, 3, 3)
    np.testing.assert_array_equal(model.layers[0].kernel.numpy(),
                                  np.transpose(saved, (2, 3, 1, 0)))
    assert model.layers[0].data_format == "channels_first"


def test_keras1_configs_become_keras2_layers():
    model = _load(os.path.join(FIX, "keras1_rnn_merge.h5"))
    by_name = {layer.name: layer for layer in model.layers}
    assert type(by_name["merge_1"]).__name__ == "Add"
    assert type(by_name["merge_2"]).__name__ == "Concatenate"
    lstm = by_name["lstm_1"]
    assert lstm.units == 4 and lstm.unit_forget_bias is True
    assert lstm.recurrent_activation.__name__ == "hard_sigmoid"
    assert by_name["gru_1"].reset_after is False
    cnn = _load(os.path.join(FIX, "keras1_cnn.h5"))
    dense = cnn.layers[3]
    assert dense.units == 4
    assert abs(float(dense.kernel_regularizer.l2) - 0.01) < 1e-7
    assert dense.kernel_constraint.max_value == 3
    assert cnn.layers[4].rate == 0.5


def test_keras1_conv1d_both_kernel_layouts():
    model = _load(os.path.join(FIX, "keras1_conv1d.h5"))
    with h5py.File(os.path.join(FIX, "keras1_conv1d.h5"), "r") as f:
        k12 = f["model_weights/convolution1d_1/convolution1d_1_W"][()]
        k11 = f["model_weights/convolution1d_2/convolution1d_2_W"][()]
    np.testing.assert_array_equal(model.layers[1].kernel.numpy(), k12[:, 0])
    np.testing.assert_array_equal(model.layers[2].kernel.numpy(),
                                  np.transpose(k11[..., 0], (2, 1, 0)))


@pytest.mark.parametrize("old,new", [
    (("Convolution2D", {"nb_filter": 8, "nb_row": 3, "nb_col": 5, "border_mode": "same",
                        "subsample": [2, 2], "dim_ordering": "th", "init": "he_normal",
                        "bias": False}),
     ("Conv2D", {"filters": 8, "kernel_size": [3, 5], "padding": "same", "strides": [2, 2],
                 "data_format": "channels_first", "kernel_initializer": "he_normal",
                 "use_bias": False})),
    (("AtrousConvolution2D", {"nb_filter": 2, "nb_row": 3, "nb_col": 3,
                              "atrous_rate": [2, 2], "dim_ordering": "tf"}),
     ("Conv2D", {"filters": 2, "kernel_size": [3, 3], "dilation_rate": [2, 2],
                 "data_format": "channels_last"})),
    (("LSTM", {"output_dim": 3, "inner_init": "orthogonal", "inner_activation": "sigmoid",
               "dropout_W": 0.1, "dropout_U": 0.2, "consume_less": "mem",
               "forget_bias_init": "one", "U_regularizer": None, "input_dim": 4}),
     ("LSTM", {"units": 3, "recurrent_initializer": "orthogonal",
               "recurrent_activation": "sigmoid", "dropout": 0.1, "recurrent_dropout": 0.2,
               "implementation": 1, "unit_forget_bias": True, "recurrent_regularizer": None})),
    (("MaxPooling1D", {"pool_length": 3, "stride": 1, "border_mode": "valid"}),
     ("MaxPooling1D", {"pool_size": 3, "strides": 1, "padding": "valid"})),
    (("GaussianNoise", {"sigma": 0.3}), ("GaussianNoise", {"stddev": 0.3})),
    (("ZeroPadding2D", {"padding": {"top_pad": 1, "right_pad": 2}, "dim_ordering": "th"}),
     ("ZeroPadding2D", {"padding": [[1, 0], [0, 2]], "data_format": "channels_first"})),
    (("BatchNormalization", {"mode": 0, "beta_init": "zero", "gamma_init": "one"}),
     ("BatchNormalization", {"beta_initializer": "zero", "gamma_initializer": "one"})),
    (("Merge", {"name": "m", "mode": "dot", "dot_axes": [1, 1]}),
     ("Dot", {"name": "m", "axes": [1, 1]})),
    (("InputLayer", {"input_dtype": "int32", "batch_input_shape": [None, 3]}),
     ("InputLayer", {"dtype": "int32", "batch_input_shape": [None, 3]})),
    (("Dense", {"units": 3, "activation": "relu"}),
     ("Dense", {"units": 3, "activation": "relu"})),
])
def test_keras1_argument_renames(old, new):
    assert interfaces.convert_layer_config(old[0], dict(old[1])) == new


@pytest.mark.parametrize("cls,config,match", [
    ("Merge", {"name": "m", "mode": "cos"}, "Layer 'm'.*'cos'"),
    ("Merge", {"name": "m", "mode": "lambda"}, "Layer 'm'"),
    ("Merge", {"name": "m", "mode": "sum", "layers": [{}]}, "first layer of a Sequential"),
    ("BatchNormalization", {"name": "bn", "mode": 2}, "Layer 'bn'.*mode"),
    ("Dense", {"name": "d", "W_regularizer": {"name": "Mystery"}}, "Layer 'd'.*Mystery"),
    ("Dense", {"name": "d", "output_dim": 2, "units": 3}, "both"),
])
def test_keras1_values_without_keras2_equivalent(cls, config, match):
    with pytest.raises(ValueError, match=match):
        interfaces.convert_layer_config(cls, config)


def test_keras1_branch_merge_sequential_becomes_functional():
    model = _load(os.path.join(FIX, "keras1_merge_branches.h5"))
    assert len(model.inputs) == 2
    by_name = {layer.name: layer for layer in model.layers}
    assert type(by_name["merge_1"]).__name__ == "Concatenate"
    with h5py.File(os.path.join(FIX, "keras1_merge_branches.h5"), "r") as f:
        for name in ("dense_1", "dense_2", "dense_3"):
            np.testing.assert_array_equal(by_name[name].kernel.numpy(),
                                          f[f"model_weights/{name}/{name}_W"][()])


def test_keras1_branch_merge_file_missing_a_layer(tmp_path):
    path = _copy("keras1_merge_branches", tmp_path)
    with h5py.File(path, "a") as f:
        g = f["model_weights"]
        g.attrs["layer_names"] = [b"dense_1", b"dropout_1", b"dense_3"]
    with pytest.raises(ValueError, match=r"no weights for the layers \['dense_2'\]"):
        _load(path)


def _branch_merge(branches):
    return [{"class_name": "Merge", "config": {"name": "m", "mode": "sum",
                                               "layers": branches}}]


@pytest.mark.parametrize("branches,match", [
    ([{"class_name": "Dense", "config": {}}], "must be a Sequential"),
    ([{"class_name": "Sequential", "config": []}], "has no layers"),
    ([{"class_name": "Sequential", "config": [{"class_name": "Dense", "config": {
        "name": "d"}}]}], "batch_input_shape"),
    ([{"class_name": "Sequential", "config": [{"class_name": "Dense", "config": {
        "name": "d", "batch_input_shape": [None, 2]}}]}] * 2, "'d' more than once"),
])
def test_keras1_branch_merge_errors(branches, match):
    with pytest.raises(ValueError, match=match):
        model_file.sequential_merge_to_functional(_branch_merge(branches))


def test_keras1_json_builds():
    config = {"class_name": "Sequential", "config": [
        {"class_name": "Dense", "config": {"name": "dense_1", "output_dim": 3,
                                           "batch_input_shape": [None, 4],
                                           "input_dtype": "float32", "init": "uniform",
                                           "activation": "tanh", "input_dim": 4}},
        {"class_name": "Dropout", "config": {"name": "dropout_1", "p": 0.25}},
    ]}
    model = model_from_json(json.dumps(config))
    assert model.layers[0].units == 3 and model.layers[1].rate == 0.25
    assert model.layers[0].kernel.shape == (4, 3)
    assert model.layers[0].kernel.dtype == np.float32


def test_keras2_and_keras3_configs_pass_unchanged():
    cfg = {"name": "e", "input_dim": 10, "output_dim": 3, "input_length": 4}
    assert interfaces.convert_layer_config("Embedding", dict(cfg)) == ("Embedding", cfg)
    cfg = {"name": "lstm", "units": 2, "time_major": False, "implementation": 2}
    assert interfaces.convert_layer_config("LSTM", dict(cfg)) == ("LSTM", cfg)


# ---------------------------------------------------------- GRU reset_after
def _strip_reset_after(src, dst):
    shutil.copy(src, dst)
    with h5py.File(dst, "a") as f:
        cfg = json.loads(f.attrs["model_config"])
        n = 0
        for entry in model_file.layer_entries(cfg):
            if entry["class_name"] == "GRU":
                del entry["config"]["reset_after"]
                n += 1
        assert n
        f.attrs["model_config"] = json.dumps(cfg).encode()


@pytest.mark.parametrize("name,value", [("tk_gru_ra0", False), ("tk_gru_ra1", True)])
def test_gru_reset_after_inferred_from_bias(tmp_path, name, value):
    # Real tf-keras 2.21 files with the key removed, as Keras 2.0/2.1 wrote them.
    dst = tmp_path / "g.h5"
    _strip_reset_after(os.path.join(RNN_FIX, name + ".h5"), dst)
    model = _load(dst)
    assert [layer.reset_after for layer in model.layers if isinstance(layer, L.GRU)] \
        and all(layer.reset_after is value for layer in model.layers
                if isinstance(layer, L.GRU))
    a = np.load(os.path.join(RNN_FIX, name + ".npz"))
    np.testing.assert_allclose(model.predict(a["x0"], verbose=0), a["y0"], rtol=1e-5,
                               atol=1e-5)


def test_gru_inference_reaches_bidirectional():
    model = _load(os.path.join(FIX, "keras20_gru.h5"))
    bi = model.layers[1]
    assert bi.forward_layer.reset_after is False and bi.backward_layer.reset_after is False


def test_infer_gru_reset_after_without_weights_means_false():
    cfg = {"class_name": "Sequential", "config": {"layers": [
        {"class_name": "GRU", "config": {"name": "g", "units": 2}}]}}
    assert model_file.infer_gru_reset_after(cfg, {}) == [("g", False)]
    assert cfg["config"]["layers"][0]["config"]["reset_after"] is False
    cfg = {"class_name": "Sequential", "config": {"layers": [
        {"class_name": "GRU", "config": {"name": "g", "units": 2}}]}}
    shapes = {"g": [("g/kernel:0", (3, 6)), ("g/recurrent_kernel:0", (2, 6)),
                    ("g/bias:0", (2, 6))]}
    assert model_file.infer_gru_reset_after(cfg, shapes) == [("g", True)]


# -------------------------------------------------------------------- CuDNN
def test_cudnn_configs_load_as_lstm_gru():
    model = _load(os.path.join(FIX, "cudnn_rnn.h5"))
    by_name = {layer.name: layer for layer in model.layers}
    lstm = by_name["cu_lstm"]
    assert type(lstm) is L.LSTM and lstm.return_sequences
    assert lstm.recurrent_activation.__name__ == "sigmoid"
    assert lstm.activation.__name__ == "tanh" and lstm.unit_forget_bias
    gru = by_name["bi"].forward_layer
    assert type(gru) is L.GRU and gru.reset_after is True
    assert gru.recurrent_activation.__name__ == "sigmoid"
    assert type(by_name["td"].layer) is L.LSTM


def test_cudnn_weights_by_name_into_plain_lstm():
    xs, a = _arrays("cudnn_lstm_weights")
    inp = L.Input((5, 3))
    model = Model(inp, L.LSTM(4, recurrent_activation="sigmoid", name="cu_lstm")(inp))
    model.load_weights(os.path.join(FIX, "cudnn_lstm_weights.h5"), by_name=True)
    np.testing.assert_allclose(model.predict(xs[0], verbose=0), a["y0"], rtol=1e-5,
                               atol=1e-5)


def test_cudnn_weights_topologically_into_plain_lstm():
    xs, a = _arrays("cudnn_lstm_weights")
    model = Sequential([L.LSTM(4, recurrent_activation="sigmoid", input_shape=(5, 3))])
    model.load_weights(os.path.join(FIX, "cudnn_lstm_weights.h5"))
    np.testing.assert_allclose(model.predict(xs[0], verbose=0), a["y0"], rtol=1e-5,
                               atol=1e-5)


def test_cudnn_lstm_conversion_rule():
    # One gate per column block: input kernels transposed in Fortran order,
    # recurrent kernels transposed, the two biases summed.
    rng = np.random.default_rng(0)
    layer = L.LSTM(2)
    layer.build((None, 4, 3))
    k, r, b = rng.normal(size=(3, 8)), rng.normal(size=(2, 8)), rng.normal(size=(16,))
    nk, nr, nb = cudnn_recurrent.convert_rnn_weights(layer, [k, r, b])
    for g in range(4):
        gate = k[:, 2 * g:2 * g + 2]
        np.testing.assert_array_equal(nk[:, 2 * g:2 * g + 2],
                                      gate.T.reshape(gate.shape, order="F"))
        np.testing.assert_array_equal(nr[:, 2 * g:2 * g + 2], r[:, 2 * g:2 * g + 2].T)
    np.testing.assert_array_equal(nb, b[:8] + b[8:])


def test_cudnn_gru_into_reset_after_false_is_refused(tmp_path):
    model = Sequential([L.GRU(3, reset_after=False, input_shape=(5, 4))])
    before = model.get_weights()
    path = tmp_path / "w.h5"
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = [b"gru"]
        f.attrs["keras_version"] = b"2.2.4"
        f.attrs["backend"] = b"tensorflow"
        g = f.create_group("gru")
        g.attrs["weight_names"] = [b"gru/kernel:0", b"gru/recurrent_kernel:0", b"gru/bias:0"]
        g["gru/kernel:0"] = np.ones((4, 9), "float32")
        g["gru/recurrent_kernel:0"] = np.ones((3, 9), "float32")
        g["gru/bias:0"] = np.ones((18,), "float32")
    with pytest.raises(ValueError, match=r"w\.h5.*CuDNNGRU weights are not compatible with "
                                         r"GRU\(reset_after=False\)"):
        model.load_weights(path)
    for got, want in zip(model.get_weights(), before):
        np.testing.assert_array_equal(got, want)


def test_bad_cudnn_bias_names_layer_and_file(tmp_path):
    path = _copy("cudnn_rnn", tmp_path)
    with h5py.File(path, "a") as f:
        g = f["model_weights/cu_lstm"]
        del g["cu_lstm/bias:0"]
        g["cu_lstm/bias:0"] = np.ones((20,), "float32")
    with pytest.raises(ValueError, match=r"cu_lstm.*cudnn_rnn\.h5|cudnn_rnn\.h5.*cu_lstm"):
        _load(path)


def test_failed_legacy_load_leaves_model_unchanged(tmp_path):
    model = _load(os.path.join(FIX, "cudnn_rnn.h5"))
    before = model.get_weights()
    path = _copy("cudnn_rnn", tmp_path)
    with h5py.File(path, "a") as f:
        g = f["model_weights/out"]
        del g["out/bias:0"]
        g["out/bias:0"] = np.ones((3,), "float32")
    with pytest.raises(ValueError, match="out"):
        model.load_weights(path)
    for got, want in zip(model.get_weights(), before):
        np.testing.assert_array_equal(got, want)


def test_preprocess_passes_native_weights_through():
    layer = L.GRU(2)
    layer.build((None, 3, 4))
    native = [w.numpy() for w in layer.weights]
    out = preprocess_weights_for_loading(layer, native, "2.21.0", "tensorflow")
    for got, want in zip(out, native):
        assert got is want


# ------------------------------- rules for layers ckeras may gain (by class name)
class _Weight:
    def __init__(self, shape):
        self.shape = shape


def _stub(class_name, data_format, shapes):
    cls = type(class_name, (), {})
    layer = cls()
    layer.data_format = data_format
    layer.name = class_name.lower()
    layer.weights = [_Weight(s) for s in shapes]
    layer.trainable_weights = layer.weights
    return layer


def test_keras1_conv3d_channels_first_kernel():
    k = np.random.default_rng(1).normal(size=(4, 2, 3, 3, 3))   # (out, in, d, h, w)
    layer = _stub("Conv3D", "channels_first", [(3, 3, 3, 2, 4), (4,)])
    out = preprocess_weights_for_loading(layer, [k, np.zeros(4)], "1", None)
    assert out[0].shape == (3, 3, 3, 2, 4)
    assert out[0][2, 1, 0, 1, 3] == k[3, 1, 2, 1, 0]
    last = _stub("Conv3D", "channels_last", [(3, 3, 3, 2, 4), (4,)])
    kl = np.zeros((3, 3, 3, 2, 4))
    assert preprocess_weights_for_loading(last, [kl, np.zeros(4)], "1", None)[0] is kl


def test_theano_flips_5d_kernels():
    k = np.arange(2 * 2 * 2 * 1 * 1.).reshape(2, 2, 2, 1, 1)
    layer = _stub("Conv3D", "channels_last", [k.shape, (1,)])
    out = preprocess_weights_for_loading(layer, [k, np.zeros(1)], "2.1.6", "theano")
    assert out[0][0, 0, 0, 0, 0] == k[1, 1, 1, 0, 0]


def test_keras1_convlstm2d_gates_and_theano_flip():
    rng = np.random.default_rng(2)
    # Keras 1 ConvLSTM2D, dim_ordering 'th': per gate (out, in, kh, kw) kernels
    # in i, c, f, o order.
    w = [rng.normal(size=s) for _ in range(4)
         for s in ((2, 3, 3, 3), (2, 2, 3, 3), (2,))]
    layer = _stub("ConvLSTM2D", "channels_first", [(3, 3, 3, 8), (3, 3, 2, 8), (8,)])
    k, r, b = preprocess_weights_for_loading(layer, list(w), "1", None)
    assert k.shape == (3, 3, 3, 8) and r.shape == (3, 3, 2, 8)
    # gate f (saved third) is Keras 2's second block of 2 filters
    np.testing.assert_array_equal(k[..., 2:4], np.transpose(w[6], (2, 3, 1, 0)))
    np.testing.assert_array_equal(r[..., 4:6], np.transpose(w[4], (2, 3, 1, 0)))
    np.testing.assert_array_equal(b, np.concatenate([w[2], w[8], w[5], w[11]]))
    k2, r2, _ = preprocess_weights_for_loading(
        _stub("ConvLSTM2D", "channels_last", [k.shape, r.shape, b.shape]), [k, r, b],
        "2.1.6", "theano")
    np.testing.assert_array_equal(k2, k[::-1, ::-1])
    np.testing.assert_array_equal(r2, r[::-1, ::-1])


@pytest.mark.parametrize("data_format,axes", [("channels_last", (0, 1, 3, 2)),
                                              ("channels_first", (2, 3, 0, 1))])
def test_keras1_conv2d_transpose_kernel(data_format, axes):
    layer = L.Conv2DTranspose(3, (2, 2), data_format=data_format)
    layer.build((None, 4, 5, 5) if data_format == "channels_first" else (None, 5, 5, 4))
    target = tuple(layer.kernel.shape)            # (kh, kw, out, in)
    saved = np.random.default_rng(3).normal(size=tuple(np.array(target)[list(
        np.argsort(axes))]))
    out = preprocess_weights_for_loading(layer, [saved, np.zeros(3)], "1", None)
    np.testing.assert_array_equal(out[0], np.transpose(saved, axes))
    assert out[0].shape == target


def test_by_name_skip_mismatch_skips_layers_whose_layout_does_not_fit(tmp_path):
    # The CuDNN LSTM file into a GRU of the same name and a Dense: with
    # skip_mismatch the GRU keeps its values (warning), the Dense still loads.
    path = tmp_path / "w.h5"
    shutil.copy(os.path.join(FIX, "cudnn_lstm_weights.h5"), path)
    with h5py.File(path, "a") as f:
        f.attrs["layer_names"] = [b"cu_lstm", b"unused", b"d"]
        g = f.create_group("d")
        g.attrs["weight_names"] = [b"d/kernel:0", b"d/bias:0"]
        g["d/kernel:0"] = np.full((3, 2), 2.0, "float32")
        g["d/bias:0"] = np.full((2,), 3.0, "float32")
    inp = L.Input((5, 3))
    gru = L.GRU(4, name="cu_lstm")
    model = Model(inp, [gru(inp), L.Dense(2, name="d")(inp)])
    before = [w.numpy().copy() for w in gru.weights]
    with pytest.raises(ValueError, match="cu_lstm"):
        model.load_weights(path, by_name=True)
    with pytest.warns(UserWarning, match="Skipping loading weights for layer #0 "
                                         r"\(named cu_lstm\)"):
        model.load_weights(path, by_name=True, skip_mismatch=True)
    for w, b in zip(gru.weights, before):
        np.testing.assert_array_equal(w.numpy(), b)
    np.testing.assert_array_equal(model.get_layer("d").bias.numpy(), [3.0, 3.0])


def test_cudnn_weights_inside_a_nested_model(tmp_path):
    # A nested model's single group holds its sublayers' weights; the CuDNN
    # LSTM share is converted there too (with a Dense after it, so the split
    # of the list per sublayer matters).
    xs, a = _arrays("cudnn_lstm_weights")
    inner = Sequential([L.LSTM(4, recurrent_activation="sigmoid", name="cu_lstm",
                               input_shape=(5, 3)), L.Dense(2, name="d")], name="inner")
    inp = L.Input((5, 3))
    model = Model(inp, inner(inp))
    path = tmp_path / "w.h5"
    model.save_weights(path)
    with h5py.File(os.path.join(FIX, "cudnn_lstm_weights.h5"), "r") as src, \
            h5py.File(path, "a") as f:
        group = f["inner"]
        names = [n.decode() if isinstance(n, bytes) else n
                 for n in group.attrs["weight_names"]]
        cudnn = [src["cu_lstm"][f"cu_lstm/{n}"][()] for n in
                 ("kernel:0", "recurrent_kernel:0", "bias:0")]
        for name, value in zip(names[:3], cudnn):
            del group[name]
            group[name] = value
        group["d/kernel:0"][()] = np.eye(4, 2, dtype="float32")
        group["d/bias:0"][()] = np.zeros(2, "float32")
    model.load_weights(path)
    np.testing.assert_allclose(model.predict(xs[0], verbose=0), a["y0"][:, :2], rtol=1e-5,
                               atol=1e-5)


def test_keras1_lstm_with_a_gate_missing(tmp_path):
    path = _copy("keras1_rnn_merge", tmp_path)
    with h5py.File(path, "a") as f:
        g = f["model_weights/lstm_1"]
        names = list(g.attrs["weight_names"])
        g.attrs["weight_names"] = names[:-1]
    with pytest.raises(ValueError, match=r"lstm_1.*expects 3 weight\(s\)\. Received 11 .*"
                                         r"keras1_rnn_merge\.h5"):
        _load(path)


@pytest.mark.parametrize("name", ["theano_cnn", "keras1_rnn_merge", "cudnn_rnn"])
def test_safe_load_model_keeps_the_attributes_conversions_depend_on(name):
    # safe_load_model copies the file first: the version and backend
    # attributes (or their absence, for Keras 1) must survive the copy.
    from ckeras.saving import safe_load_model
    xs, a = _arrays(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = safe_load_model(os.path.join(FIX, name + ".h5"), compile=False)
    np.testing.assert_allclose(_predict(model, xs), a["y0"], rtol=1e-5, atol=1e-5)
