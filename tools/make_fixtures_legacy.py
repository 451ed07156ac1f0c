"""Hand-built model files of Keras eras that cannot be installed (tests/fixtures/legacy/).

Keras 1.2, multi-backend Keras 2.0-2.2 with the Theano and CNTK backends,
and the CuDNN layers need GPUs or dead packages, so their files are written
here with h5py from the documented layouts (keras_formats spec; Keras 1.2.2
`models.save_model`, Keras 2.x `save_weights_to_hdf5_group`), with random
weights. The expected predictions come from:

- NumPy implementations of the layers on the original weights, in the
  original semantics (Keras 1 per-gate LSTM/GRU, Theano's true convolution,
  channels-first layouts): `*_ref` functions below;
- for CuDNN files, tf-keras 2.21 itself: it still converts CuDNN weights,
  so its own loader reads the hand-built file into the equivalent
  LSTM/GRU model.

Run (the second step is needed only when re-verifying `ckeras convert`):

    TF_USE_LEGACY_KERAS=1 <tfvenv>/bin/python tools/make_fixtures_legacy.py
    TF_USE_LEGACY_KERAS=1 <tfvenv>/bin/python tools/make_fixtures_legacy.py \
        --verify-convert --ck-python <python with ckeras>

`--verify-convert` runs `ckeras convert` (the ckeras interpreter, repo on
PYTHONPATH) on every legacy model file, loads each converted `.h5` in
tf-keras 2.21, predicts, and stores those predictions as `tfk_y0` in the
case's npz next to the reference `y0` (channels_first cases are skipped:
TensorFlow's CPU kernels cannot pool NCHW tensors).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import _golden
import numpy as np

OUT = _golden.fixtures_dir("legacy")


# ------------------------------------------------------------------ writing
def _attr_list(names):
    return np.array([n.encode("utf8") for n in names])


def write_file(path, config, layers, root_version, weights_version, backend):
    """A Keras whole-model file: `layers` is [(name, [(weight name, array)])]."""
    import h5py
    with h5py.File(path, "w") as f:
        if root_version is not None:
            f.attrs["keras_version"] = root_version.encode("utf8")
        if backend is not None:
            f.attrs["backend"] = backend.encode("utf8")
        if config is not None:
            f.attrs["model_config"] = json.dumps(config).encode("utf8")
        g = f.create_group("model_weights") if config is not None else f
        if weights_version is not None:
            g.attrs["keras_version"] = weights_version.encode("utf8")
            g.attrs["backend"] = (backend or "tensorflow").encode("utf8")
        g.attrs["layer_names"] = _attr_list([n for n, _ in layers])
        for name, weights in layers:
            lg = g.create_group(name)
            lg.attrs["weight_names"] = _attr_list([w for w, _ in weights])
            for wname, value in weights:
                lg.create_dataset(wname, data=np.asarray(value, "float32"))


def _layer(cls, **config):
    return {"class_name": cls, "config": config}


# ---------------------------------------------------------- NumPy references
def relu(x):
    return np.maximum(x, 0)


def hard_sigmoid(x):
    return np.clip(0.2 * x + 0.5, 0, 1)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def corr2d_cf(x, k, b):
    """Cross-correlation, channels first: x (n, c, h, w), k (kh, kw, c, o)."""
    n, c, h, w = x.shape
    kh, kw, _, o = k.shape
    out = np.zeros((n, o, h - kh + 1, w - kw + 1))
    for i in range(h - kh + 1):
        for j in range(w - kw + 1):
            patch = x[:, :, i:i + kh, j:j + kw]
            out[:, :, i, j] = np.einsum("ncab,abco->no", patch, k)
    return out + b[None, :, None, None]


def true_conv2d_cf(x, k, b):
    """Theano's conv2d (filter_flip=True): the kernel runs backwards."""
    return corr2d_cf(x, k[::-1, ::-1], b)


def conv2d_transpose_cf(x, k, b, stride, flip):
    """x (n, c, h, w), k (kh, kw, o, c); Theano's transpose uses the flipped
    kernel (the transpose of its true convolution)."""
    if flip:
        k = k[::-1, ::-1]
    n, c, h, w = x.shape
    kh, kw, o, _ = k.shape
    out = np.zeros((n, o, (h - 1) * stride + kh, (w - 1) * stride + kw))
    for i in range(h):
        for j in range(w):
            out[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw] += \
                np.einsum("nc,aboc->noab", x[:, :, i, j], k)
    return out + b[None, :, None, None]


def batchnorm_cf(x, gamma, beta, mean, var, eps=1e-3):
    s = (None, slice(None)) + (None,) * (x.ndim - 2)
    return (x - mean[s]) / np.sqrt(var[s] + eps) * gamma[s] + beta[s]


def maxpool2d_cf(x, p):
    n, c, h, w = x.shape
    return x[:, :, :h // p * p, :w // p * p].reshape(n, c, h // p, p, w // p, p).max((3, 5))


def conv1d(x, k, b, padding, flip):
    """x (n, t, c), k (kl, c, o); 'same' pads as Keras (extra on the right)."""
    if flip:
        k = k[::-1]
    kl = k.shape[0]
    if padding == "same":
        left = (kl - 1) // 2
        x = np.pad(x, ((0, 0), (left, kl - 1 - left), (0, 0)))
    t = x.shape[1] - kl + 1
    return np.stack([np.einsum("nac,aco->no", x[:, i:i + kl], k) for i in range(t)], 1) + b


def keras1_lstm(x, w, act=np.tanh, ract=hard_sigmoid):
    """Keras 1 LSTM: per-gate weights [W_i, U_i, b_i, W_c, U_c, b_c, W_f, U_f,
    b_f, W_o, U_o, b_o]; returns the last output."""
    (wi, ui, bi, wc, uc, bc, wf, uf, bf, wo, uo, bo) = w
    n, units = x.shape[0], ui.shape[0]
    h, c = np.zeros((n, units)), np.zeros((n, units))
    for t in range(x.shape[1]):
        xt = x[:, t]
        i = ract(xt @ wi + h @ ui + bi)
        f = ract(xt @ wf + h @ uf + bf)
        c = f * c + i * act(xt @ wc + h @ uc + bc)
        o = ract(xt @ wo + h @ uo + bo)
        h = o * act(c)
    return h


def gru_no_reset_after(x, gates, ract, act=np.tanh, return_sequences=False,
                       go_backwards=False):
    """GRU of Keras <= 2.1 (and Keras 1): gates [(W, U, b)] in z, r, h order;
    the reset gate multiplies the state before the recurrent kernel."""
    (wz, uz, bz), (wr, ur, br), (wh, uh, bh) = gates
    n, units = x.shape[0], uz.shape[0]
    h = np.zeros((n, units))
    steps = range(x.shape[1] - 1, -1, -1) if go_backwards else range(x.shape[1])
    outs = []
    for t in steps:
        xt = x[:, t]
        z = ract(xt @ wz + h @ uz + bz)
        r = ract(xt @ wr + h @ ur + br)
        hh = act(xt @ wh + (r * h) @ uh + bh)
        h = z * h + (1 - z) * hh
        outs.append(h)
    return np.stack(outs, 1) if return_sequences else h


def split_gates(kernel, recurrent, bias, n):
    return list(zip(np.hsplit(kernel, n), np.hsplit(recurrent, n), np.split(bias, n)))


# -------------------------------------------------------------------- cases
CASES = []


def case(fn):
    CASES.append(fn)
    return fn


def _save(name, xs, ys, config, layers, root_version, weights_version, backend, note):
    write_file(os.path.join(OUT, name + ".h5"), config, layers, root_version,
               weights_version, backend)
    _golden.write_npz(os.path.join(OUT, name + ".npz"),
                      _golden.numbered(xs=[np.asarray(x, "float32") for x in xs],
                                       ys=[np.asarray(y, "float32") for y in ys]))
    return {"name": name, "file": name + ".h5", "note": note, "keras_version": root_version,
            "backend": backend}


def _r(rng, *shape, scale=0.5):
    return (rng.standard_normal(shape) * scale).astype("float32").astype("float64")


@case
def theano_cnn(backend="theano", name="theano_cnn"):
    """Keras 2.1.6, Theano backend, channels_first: Conv2D, Conv2DTranspose,
    BatchNormalization(axis=1), MaxPooling2D, Flatten, Dense."""
    rng = _golden.rng_for(name)
    flip = backend == "theano"
    k1, b1 = _r(rng, 3, 3, 2, 3), _r(rng, 3)
    k2, b2 = _r(rng, 2, 2, 2, 3), _r(rng, 2)
    gamma, beta, mean = _r(rng, 2) + 1, _r(rng, 2), _r(rng, 2)
    var = np.abs(_r(rng, 2)) + 0.5
    wd, bd = _r(rng, 50, 3, scale=0.1), _r(rng, 3)
    x = _r(rng, 3, 2, 7, 7, scale=1.0)
    conv = true_conv2d_cf if flip else corr2d_cf
    h = relu(conv(x, k1, b1))
    h = conv2d_transpose_cf(h, k2, b2, 2, flip)
    h = batchnorm_cf(h, gamma, beta, mean, var)
    h = maxpool2d_cf(h, 2).reshape(len(x), -1)
    y = softmax(h @ wd + bd)
    cf = "channels_first"
    config = {"class_name": "Sequential", "config": [
        _layer("Conv2D", name="conv2d_1", trainable=True, batch_input_shape=[None, 2, 7, 7],
               dtype="float32", filters=3, kernel_size=[3, 3], strides=[1, 1],
               padding="valid", data_format=cf, dilation_rate=[1, 1], activation="relu",
               use_bias=True, kernel_initializer={"class_name": "VarianceScaling", "config": {
                   "scale": 1.0, "mode": "fan_avg", "distribution": "uniform", "seed": None}},
               bias_initializer={"class_name": "Zeros", "config": {}},
               kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
               kernel_constraint=None, bias_constraint=None),
        _layer("Conv2DTranspose", name="conv2d_transpose_1", trainable=True, filters=2,
               kernel_size=[2, 2], strides=[2, 2], padding="valid", data_format=cf,
               activation="linear", use_bias=True),
        _layer("BatchNormalization", name="batch_normalization_1", trainable=True, axis=1,
               momentum=0.99, epsilon=0.001, center=True, scale=True),
        _layer("MaxPooling2D", name="max_pooling2d_1", trainable=True, pool_size=[2, 2],
               padding="valid", strides=[2, 2], data_format=cf),
        _layer("Flatten", name="flatten_1", trainable=True),
        _layer("Dense", name="dense_1", trainable=True, units=3, activation="softmax",
               use_bias=True),
    ], "keras_version": "2.1.6", "backend": backend}
    layers = [
        ("conv2d_1", [("conv2d_1/kernel:0", k1), ("conv2d_1/bias:0", b1)]),
        ("conv2d_transpose_1", [("conv2d_transpose_1/kernel:0", k2),
                                ("conv2d_transpose_1/bias:0", b2)]),
        ("batch_normalization_1", [
            ("batch_normalization_1/gamma:0", gamma), ("batch_normalization_1/beta:0", beta),
            ("batch_normalization_1/moving_mean:0", mean),
            ("batch_normalization_1/moving_variance:0", var)]),
        ("max_pooling2d_1", []), ("flatten_1", []),
        ("dense_1", [("dense_1/kernel:0", wd), ("dense_1/bias:0", bd)]),
    ]
    return _save(name, [x], [y], config, layers, "2.1.6", "2.1.6", backend,
                 f"multi-backend Keras 2.1.6, {backend}, channels_first CNN")


@case
def cntk_cnn():
    """The same model written by the CNTK backend: CNTK correlates as
    TensorFlow does, so the kernels load unflipped."""
    return theano_cnn(backend="cntk", name="cntk_cnn")


@case
def theano_conv1d():
    """Keras 2.0.8, Theano: Conv1D ('same', then 'valid'), GlobalAveragePooling1D."""
    name = "theano_conv1d"
    rng = _golden.rng_for(name)
    k1, b1 = _r(rng, 3, 2, 4), _r(rng, 4)
    k2, b2 = _r(rng, 2, 4, 3), _r(rng, 3)
    wd, bd = _r(rng, 3, 1), _r(rng, 1)
    x = _r(rng, 4, 8, 2, scale=1.0)
    h = np.tanh(conv1d(x, k1, b1, "same", True))
    h = conv1d(h, k2, b2, "valid", True).mean(1)
    y = h @ wd + bd
    config = {"class_name": "Sequential", "config": [
        _layer("Conv1D", name="conv1d_1", trainable=True, batch_input_shape=[None, 8, 2],
               dtype="float32", filters=4, kernel_size=[3], strides=[1], padding="same",
               dilation_rate=[1], activation="tanh", use_bias=True),
        _layer("Conv1D", name="conv1d_2", trainable=True, filters=3, kernel_size=[2],
               strides=[1], padding="valid", dilation_rate=[1], activation="linear",
               use_bias=True),
        _layer("GlobalAveragePooling1D", name="global_average_pooling1d_1", trainable=True),
        _layer("Dense", name="dense_1", trainable=True, units=1, activation="linear"),
    ]}
    layers = [("conv1d_1", [("conv1d_1/kernel:0", k1), ("conv1d_1/bias:0", b1)]),
              ("conv1d_2", [("conv1d_2/kernel:0", k2), ("conv1d_2/bias:0", b2)]),
              ("global_average_pooling1d_1", []),
              ("dense_1", [("dense_1/kernel:0", wd), ("dense_1/bias:0", bd)])]
    return _save(name, [x], [y], config, layers, "2.0.8", "2.0.8", "theano",
                 "multi-backend Keras 2.0.8, theano, Conv1D")


@case
def keras1_cnn():
    """Keras 1.2.2 Sequential, dim_ordering 'th': Convolution2D (kernel
    (nb_filter, stack, rows, cols)), MaxPooling2D, Flatten, Dense with a Keras 1
    regularizer dict, Dropout(p)."""
    name = "keras1_cnn"
    rng = _golden.rng_for(name)
    k_th, b1 = _r(rng, 3, 2, 3, 3), _r(rng, 3)
    wd1, bd1 = _r(rng, 12, 4), _r(rng, 4)
    wd2, bd2 = _r(rng, 4, 2), _r(rng, 2)
    x = _r(rng, 3, 2, 6, 6, scale=1.0)
    # Keras 1 on TensorFlow: the 'th' kernel is transposed and correlated.
    h = relu(corr2d_cf(x, np.transpose(k_th, (2, 3, 1, 0)), b1))
    h = maxpool2d_cf(h, 2).reshape(len(x), -1)
    h = relu(h @ wd1 + bd1)
    y = softmax(h @ wd2 + bd2)
    config = {"class_name": "Sequential", "config": [
        _layer("Convolution2D", name="convolution2d_1", trainable=True,
               batch_input_shape=[None, 2, 6, 6], input_dtype="float32", nb_filter=3,
               nb_row=3, nb_col=3, init="glorot_uniform", activation="relu",
               border_mode="valid", subsample=[1, 1], dim_ordering="th",
               W_regularizer=None, b_regularizer=None, activity_regularizer=None,
               W_constraint=None, b_constraint=None, bias=True),
        _layer("MaxPooling2D", name="maxpooling2d_1", trainable=True, pool_size=[2, 2],
               strides=[2, 2], border_mode="valid", dim_ordering="th"),
        _layer("Flatten", name="flatten_1", trainable=True),
        _layer("Dense", name="dense_1", trainable=True, output_dim=4, init="glorot_uniform",
               activation="relu", input_dim=12, bias=True, activity_regularizer=None,
               W_regularizer={"name": "L1L2Regularizer", "l1": 0.0, "l2": 0.01},
               b_regularizer=None, W_constraint={"name": "MaxNorm", "m": 3, "axis": 0},
               b_constraint=None),
        _layer("Dropout", name="dropout_1", trainable=True, p=0.5),
        _layer("Dense", name="dense_2", trainable=True, output_dim=2, init="uniform",
               activation="softmax", input_dim=4, bias=True, W_regularizer=None,
               b_regularizer=None, activity_regularizer=None, W_constraint=None,
               b_constraint=None),
    ]}
    layers = [("convolution2d_1", [("convolution2d_1_W", k_th), ("convolution2d_1_b", b1)]),
              ("maxpooling2d_1", []), ("flatten_1", []),
              ("dense_1", [("dense_1_W", wd1), ("dense_1_b", bd1)]), ("dropout_1", []),
              ("dense_2", [("dense_2_W", wd2), ("dense_2_b", bd2)])]
    return _save(name, [x], [y], config, layers, "1.2.2", None, None,
                 "Keras 1.2.2, dim_ordering th CNN")


@case
def keras1_rnn_merge():
    """Keras 1.2.2 functional model: LSTM (12 per-gate arrays) and GRU (9),
    `Merge` modes sum and concat, Dense."""
    name = "keras1_rnn_merge"
    rng = _golden.rng_for(name)
    lw = [_r(rng, *s) for _ in range(4) for s in ((3, 4), (4, 4), (4,))]
    gw = [_r(rng, *s) for _ in range(3) for s in ((3, 4), (4, 4), (4,))]
    wd, bd = _r(rng, 8, 2), _r(rng, 2)
    x = _r(rng, 3, 5, 3, scale=1.0)
    hl = keras1_lstm(x, lw)
    hg = gru_no_reset_after(x, [tuple(gw[i:i + 3]) for i in (0, 3, 6)], hard_sigmoid)
    y = np.concatenate([hl + hg, hl], -1) @ wd + bd
    rnn_common = dict(trainable=True, init="glorot_uniform", inner_init="orthogonal",
                      activation="tanh", inner_activation="hard_sigmoid", W_regularizer=None,
                      U_regularizer=None, b_regularizer=None, dropout_W=0.0, dropout_U=0.0,
                      return_sequences=False, go_backwards=False, stateful=False,
                      unroll=False, consume_less="gpu", input_dim=3, input_length=None)
    merge_common = dict(trainable=True, output_shape=None, output_shape_type="raw",
                        output_mask=None, output_mask_type="raw", arguments={},
                        mode_type="raw", dot_axes=-1)

    def entry(cls, lname, nodes, **cfg):
        return {"class_name": cls, "name": lname, "config": dict(name=lname, **cfg),
                "inbound_nodes": [[[n, 0, 0] for n in nodes]] if nodes else []}

    config = {"class_name": "Model", "config": {
        "name": "model_1",
        "layers": [
            entry("InputLayer", "input_1", None, batch_input_shape=[None, 5, 3],
                  input_dtype="float32", sparse=False),
            entry("LSTM", "lstm_1", ["input_1"], output_dim=4, forget_bias_init="one",
                  **rnn_common),
            entry("GRU", "gru_1", ["input_1"], output_dim=4, **rnn_common),
            entry("Merge", "merge_1", ["lstm_1", "gru_1"], mode="sum", concat_axis=-1,
                  **merge_common),
            entry("Merge", "merge_2", ["merge_1", "lstm_1"], mode="concat", concat_axis=-1,
                  **merge_common),
            entry("Dense", "dense_1", ["merge_2"], output_dim=2, init="glorot_uniform",
                  activation="linear", input_dim=8, bias=True, W_regularizer=None,
                  b_regularizer=None, activity_regularizer=None, W_constraint=None,
                  b_constraint=None),
        ],
        "input_layers": [["input_1", 0, 0]], "output_layers": [["dense_1", 0, 0]]}}
    gate_l = ["i", "c", "f", "o"]
    lstm = [(f"lstm_1_{p}_{g}", w) for (g, p), w in
            zip([(g, p) for g in gate_l for p in ("W", "U", "b")], lw)]
    gru = [(f"gru_1_{p}_{g}", w) for (g, p), w in
           zip([(g, p) for g in ("z", "r", "h") for p in ("W", "U", "b")], gw)]
    layers = [("input_1", []), ("lstm_1", lstm), ("gru_1", gru), ("merge_1", []),
              ("merge_2", []), ("dense_1", [("dense_1_W", wd), ("dense_1_b", bd)])]
    return _save(name, [x], [y], config, layers, "1.2.2", None, None,
                 "Keras 1.2.2 functional LSTM + GRU + Merge")


@case
def keras1_conv1d():
    """Keras 1 Embedding(dropout) and Convolution1D: one kernel in Keras 1.2's
    (length, 1, input_dim, filters) layout, one in Keras 1.1's
    (filters, input_dim, length, 1); MaxPooling1D(pool_length), Flatten, Dense."""
    name = "keras1_conv1d"
    rng = _golden.rng_for(name)
    emb = _r(rng, 10, 3)
    k1, b1 = _r(rng, 3, 3, 4), _r(rng, 4)
    k2, b2 = _r(rng, 2, 4, 2), _r(rng, 2)
    wd, bd = _r(rng, 6, 1), _r(rng, 1)
    ids = rng.randint(0, 10, (4, 8)).astype("float64")
    h = emb[ids.astype(int)]
    h = relu(conv1d(h, k1, b1, "same", False))
    h = conv1d(h, k2, b2, "valid", False)
    h = h[:, :6].reshape(4, 3, 2, 2).max(2).reshape(4, -1)
    y = sigmoid(h @ wd + bd)
    conv_common = dict(trainable=True, init="glorot_uniform", subsample_length=1,
                       W_regularizer=None, b_regularizer=None, activity_regularizer=None,
                       W_constraint=None, b_constraint=None, bias=True, input_length=None)
    config = {"class_name": "Sequential", "config": [
        _layer("Embedding", name="embedding_1", trainable=True,
               batch_input_shape=[None, 8], input_dtype="int32", input_dim=10, output_dim=3,
               init="uniform", input_length=8, mask_zero=False, dropout=0.2,
               W_regularizer=None, activity_regularizer=None, W_constraint=None),
        _layer("Convolution1D", name="convolution1d_1", nb_filter=4, filter_length=3,
               activation="relu", border_mode="same", input_dim=3, **conv_common),
        _layer("Convolution1D", name="convolution1d_2", nb_filter=2, filter_length=2,
               activation="linear", border_mode="valid", input_dim=4, **conv_common),
        _layer("MaxPooling1D", name="maxpooling1d_1", trainable=True, pool_length=2,
               stride=2, border_mode="valid"),
        _layer("Flatten", name="flatten_1", trainable=True),
        _layer("Dense", name="dense_1", trainable=True, output_dim=1, activation="sigmoid",
               init="glorot_uniform", input_dim=6, bias=True),
    ]}
    layers = [("embedding_1", [("embedding_1_W", emb)]),
              ("convolution1d_1", [("convolution1d_1_W", k1[:, None]),
                                   ("convolution1d_1_b", b1)]),
              ("convolution1d_2", [("convolution1d_2_W",
                                    np.transpose(k2, (2, 1, 0))[..., None]),
                                   ("convolution1d_2_b", b2)]),
              ("maxpooling1d_1", []), ("flatten_1", []),
              ("dense_1", [("dense_1_W", wd), ("dense_1_b", bd)])]
    return _save(name, [ids], [y], config, layers, "1.2.2", None, None,
                 "Keras 1.2.2 Embedding + Convolution1D (1.2 and 1.1 kernel layouts)")


@case
def keras1_merge_branches():
    """Keras 1.2.2 Sequential starting with `Merge([left, right], mode='concat')`
    of two branch Sequential models; weights saved in Keras 1's flattened
    order (branch layers, then the rest; the Merge has no group)."""
    name = "keras1_merge_branches"
    rng = _golden.rng_for(name)
    w1, b1 = _r(rng, 3, 4), _r(rng, 4)
    w2, b2 = _r(rng, 2, 3), _r(rng, 3)
    w3, b3 = _r(rng, 7, 1), _r(rng, 1)
    xl, xr = _r(rng, 4, 3, scale=1.0), _r(rng, 4, 2, scale=1.0)
    y = np.concatenate([relu(xl @ w1 + b1), np.tanh(xr @ w2 + b2)], -1) @ w3 + b3
    dense = dict(trainable=True, init="glorot_uniform", bias=True, W_regularizer=None,
                 b_regularizer=None, activity_regularizer=None, W_constraint=None,
                 b_constraint=None)
    left = {"class_name": "Sequential", "config": [
        _layer("Dense", name="dense_1", output_dim=4, activation="relu", input_dim=3,
               batch_input_shape=[None, 3], input_dtype="float32", **dense)]}
    right = {"class_name": "Sequential", "config": [
        _layer("Dense", name="dense_2", output_dim=3, activation="tanh", input_dim=2,
               batch_input_shape=[None, 2], input_dtype="float32", **dense),
        _layer("Dropout", name="dropout_1", trainable=True, p=0.3)]}
    config = {"class_name": "Sequential", "config": [
        _layer("Merge", name="merge_1", layers=[left, right], mode="concat", concat_axis=-1,
               dot_axes=-1, output_shape=None, output_shape_type="raw", output_mask=None,
               output_mask_type="raw", arguments={}, mode_type="raw"),
        _layer("Dense", name="dense_3", output_dim=1, activation="linear", input_dim=7,
               **dense),
    ]}
    layers = [("dense_1", [("dense_1_W", w1), ("dense_1_b", b1)]),
              ("dense_2", [("dense_2_W", w2), ("dense_2_b", b2)]), ("dropout_1", []),
              ("dense_3", [("dense_3_W", w3), ("dense_3_b", b3)])]
    return _save(name, [xl, xr], [y], config, layers, "1.2.2", None, None,
                 "Keras 1.2.2 Sequential Merge of two branch models")


@case
def keras20_gru():
    """Keras 2.0.8 (TensorFlow): GRU and Bidirectional(GRU) configs without
    `reset_after` (bias (3u,)), recurrent_activation hard_sigmoid."""
    name = "keras20_gru"
    rng = _golden.rng_for(name)
    g1 = [_r(rng, 3, 12), _r(rng, 4, 12), _r(rng, 12)]
    gf = [_r(rng, 4, 9), _r(rng, 3, 9), _r(rng, 9)]
    gb = [_r(rng, 4, 9), _r(rng, 3, 9), _r(rng, 9)]
    wd, bd = _r(rng, 6, 2), _r(rng, 2)
    x = _r(rng, 3, 5, 3, scale=1.0)
    h = gru_no_reset_after(x, split_gates(*g1, 3), hard_sigmoid, return_sequences=True)
    hf = gru_no_reset_after(h, split_gates(*gf, 3), hard_sigmoid)
    hb = gru_no_reset_after(h, split_gates(*gb, 3), hard_sigmoid, go_backwards=True)
    y = np.concatenate([hf, hb], -1) @ wd + bd
    gru = dict(trainable=True, activation="tanh", recurrent_activation="hard_sigmoid",
               use_bias=True, return_state=False, go_backwards=False, stateful=False,
               unroll=False, implementation=1, dropout=0.0, recurrent_dropout=0.0)
    config = {"class_name": "Sequential", "config": [
        _layer("GRU", name="gru_1", batch_input_shape=[None, 5, 3], dtype="float32",
               units=4, return_sequences=True, **gru),
        _layer("Bidirectional", name="bidirectional_1", trainable=True, merge_mode="concat",
               layer=_layer("GRU", name="gru_2", units=3, return_sequences=False, **gru)),
        _layer("Dense", name="dense_1", trainable=True, units=2, activation="linear"),
    ]}
    names = ("kernel:0", "recurrent_kernel:0", "bias:0")
    layers = [("gru_1", [(f"gru_1/{n}", w) for n, w in zip(names, g1)]),
              ("bidirectional_1",
               [(f"bidirectional_1/forward_gru_2/{n}", w) for n, w in zip(names, gf)]
               + [(f"bidirectional_1/backward_gru_2/{n}", w) for n, w in zip(names, gb)]),
              ("dense_1", [("dense_1/kernel:0", wd), ("dense_1/bias:0", bd)])]
    return _save(name, [x], [y], config, layers, "2.0.8", "2.0.8", "tensorflow",
                 "Keras 2.0.8 GRU without reset_after (bias (3u,))")


def _cudnn_weights(rng, n_in, units, gates):
    return [_r(rng, n_in, gates * units), _r(rng, units, gates * units),
            _r(rng, 2 * gates * units)]


@case
def cudnn_rnn():
    """Keras 2.2.4 functional model of CuDNN layers: CuDNNLSTM, Bidirectional
    (CuDNNGRU), TimeDistributed(CuDNNLSTM). Expected: tf-keras 2.21's own
    loader converting the same file into the LSTM/GRU model."""
    name = "cudnn_rnn"
    rng = _golden.rng_for(name)
    w_lstm = _cudnn_weights(rng, 3, 4, 4)
    w_gru_f, w_gru_b = _cudnn_weights(rng, 4, 3, 3), _cudnn_weights(rng, 4, 3, 3)
    w_td = _cudnn_weights(rng, 3, 2, 4)
    wd, bd = _r(rng, 10, 2), _r(rng, 2)
    x1, x2 = _r(rng, 3, 5, 3, scale=1.0), _r(rng, 3, 2, 5, 3, scale=1.0)

    def cudnn(cls, lname, units, **extra):
        cfg = dict(name=lname, trainable=True, units=units, return_sequences=False,
                   return_state=False, go_backwards=False, stateful=False,
                   kernel_initializer={"class_name": "VarianceScaling", "config": {
                       "scale": 1.0, "mode": "fan_avg", "distribution": "uniform",
                       "seed": None}},
                   recurrent_initializer={"class_name": "Orthogonal",
                                          "config": {"gain": 1.0, "seed": None}},
                   bias_initializer={"class_name": "Zeros", "config": {}},
                   kernel_regularizer=None, recurrent_regularizer=None,
                   bias_regularizer=None, activity_regularizer=None,
                   kernel_constraint=None, recurrent_constraint=None, bias_constraint=None)
        if cls == "CuDNNLSTM":
            cfg["unit_forget_bias"] = True
        cfg.update(extra)
        return {"class_name": cls, "config": cfg}

    def entry(cls_cfg, nodes):
        return dict(cls_cfg, name=cls_cfg["config"]["name"],
                    inbound_nodes=[[[n, 0, 0, {}] for n in nodes]] if nodes else [])

    config = {"class_name": "Model", "config": {"name": "cudnn", "layers": [
        entry(_layer("InputLayer", name="seq", batch_input_shape=[None, 5, 3],
                     dtype="float32", sparse=False), None),
        entry(_layer("InputLayer", name="grid", batch_input_shape=[None, 2, 5, 3],
                     dtype="float32", sparse=False), None),
        entry(cudnn("CuDNNLSTM", "cu_lstm", 4, return_sequences=True), ["seq"]),
        entry(_layer("TimeDistributed", name="td", trainable=True,
                     layer=cudnn("CuDNNLSTM", "cu_lstm2", 2)), ["grid"]),
        entry(_layer("Bidirectional", name="bi", trainable=True, merge_mode="concat",
                     layer=cudnn("CuDNNGRU", "cu_gru", 3)), ["cu_lstm"]),
        entry(_layer("Flatten", name="flat", trainable=True, data_format="channels_last"),
              ["td"]),
        entry(_layer("Concatenate", name="cat", trainable=True, axis=-1), ["bi", "flat"]),
        entry(_layer("Dense", name="out", trainable=True, units=2, activation="linear",
                     use_bias=True), ["cat"]),
    ], "input_layers": [["seq", 0, 0], ["grid", 0, 0]],
        "output_layers": [["out", 0, 0]]}, "keras_version": "2.2.4",
        "backend": "tensorflow"}
    names = ("kernel:0", "recurrent_kernel:0", "bias:0")
    layers = [("seq", []), ("grid", []),
              ("cu_lstm", [(f"cu_lstm/{n}", w) for n, w in zip(names, w_lstm)]),
              ("td", [(f"td/cu_lstm2/{n}", w) for n, w in zip(names, w_td)]),
              ("bi", [(f"bi/forward_cu_gru/{n}", w) for n, w in zip(names, w_gru_f)]
               + [(f"bi/backward_cu_gru/{n}", w) for n, w in zip(names, w_gru_b)]),
              ("flat", []), ("cat", []),
              ("out", [("out/kernel:0", wd), ("out/bias:0", bd)])]
    path = os.path.join(OUT, name + ".h5")
    write_file(path, config, layers, "2.2.4", "2.2.4", "tensorflow")
    import tf_keras as keras
    from tf_keras.src.saving.legacy import hdf5_format
    L = keras.layers
    s, g = keras.Input((5, 3), name="seq"), keras.Input((2, 5, 3), name="grid")
    h = L.LSTM(4, return_sequences=True, recurrent_activation="sigmoid", name="cu_lstm")(s)
    t = L.TimeDistributed(L.LSTM(2, recurrent_activation="sigmoid", name="cu_lstm2"),
                          name="td")(g)
    h = L.Bidirectional(L.GRU(3, recurrent_activation="sigmoid", reset_after=True,
                              name="cu_gru"), name="bi")(h)
    out = L.Dense(2, name="out")(L.Concatenate(name="cat")([h, L.Flatten(name="flat")(t)]))
    model = keras.Model([s, g], out)
    import h5py
    with h5py.File(path, "r") as f:
        hdf5_format.load_weights_from_hdf5_group(f["model_weights"], model)
    y = model.predict([x1.astype("float32"), x2.astype("float32")], verbose=0)
    _golden.write_npz(os.path.join(OUT, name + ".npz"),
                      _golden.numbered(xs=[x1.astype("float32"), x2.astype("float32")],
                                       ys=[y]))
    # The same CuDNN LSTM weights as a weights-only file, for by-name loading
    # into a plain LSTM (tf-keras' by-name loader gives the expected output).
    wpath = os.path.join(OUT, "cudnn_lstm_weights.h5")
    write_file(wpath, None, [("cu_lstm", layers[2][1]), ("unused", [])], None, "2.2.4",
               "tensorflow")
    s2 = keras.Input((5, 3))
    plain = keras.Model(s2, L.LSTM(4, recurrent_activation="sigmoid", name="cu_lstm")(s2))
    with h5py.File(wpath, "r") as f:
        hdf5_format.load_weights_from_hdf5_group_by_name(f, plain)
    _golden.write_npz(os.path.join(OUT, "cudnn_lstm_weights.npz"),
                      _golden.numbered(xs=[x1.astype("float32")],
                                       ys=[plain.predict(x1.astype("float32"), verbose=0)]))
    return {"name": name, "file": name + ".h5", "keras_version": "2.2.4",
            "backend": "tensorflow", "note": "Keras 2.2.4 CuDNNLSTM, Bidirectional(CuDNNGRU), "
            "TimeDistributed(CuDNNLSTM); expected from tf-keras 2.21's CuDNN conversion"}


# ------------------------------------------------------------ verification
def verify_convert(ck_python):
    """`ckeras convert` every legacy model file to tf-keras .h5, predict with tf-keras."""
    import tf_keras as keras
    cases = json.load(open(os.path.join(OUT, "cases.json")))
    env = dict(os.environ, PYTHONPATH=_golden.REPO)
    for c in cases:
        npz_path = os.path.join(OUT, c["name"] + ".npz")
        arrays = dict(np.load(npz_path))
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "converted.h5")
            subprocess.run([ck_python, "-m", "ckeras", "convert",
                            os.path.join(OUT, c["file"]), out], check=True, env=env)
            model = keras.models.load_model(out, compile=False)
        xs = [arrays[k] for k in sorted(k for k in arrays if k.startswith("x"))]
        try:
            y = model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
        except Exception as e:  # TensorFlow's CPU kernels lack NCHW pooling
            if "NHWC" not in str(e):
                raise
            print(c["name"], "not verified: TensorFlow on the CPU cannot run "
                  "channels_first pooling")
            continue
        arrays["tfk_y0"] = np.asarray(y, "float32")
        print(c["name"], "max |tf-keras(converted) - reference| =",
              float(np.abs(arrays["tfk_y0"] - arrays["y0"]).max()))
        _golden.write_npz(npz_path, arrays)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--verify-convert", action="store_true")
    p.add_argument("--ck-python", default="python")
    args = p.parse_args()
    _golden.tf_environment()
    if args.verify_convert:
        verify_convert(args.ck_python)
        return
    os.makedirs(OUT, exist_ok=True)
    for name in os.listdir(OUT):
        os.remove(os.path.join(OUT, name))
    cases = [fn() for fn in CASES]
    _golden.write_json(os.path.join(OUT, "cases.json"), cases)


if __name__ == "__main__":
    sys.exit(main())
