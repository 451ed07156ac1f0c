"""The Keras 2 backend names added for issue #21: tf-keras 2.21 golden values
(tests/fixtures/keras2_backend, from tools/make_fixtures_keras2_backend.py),
gradients, symbolic use and errors."""
import ast
import json
import os

import numpy as np
import pytest

from ckeras import backend as K
from ckeras.autograd import Tensor, grad
from ckeras.layers import Dense, Input
from ckeras.models import Model
from ckeras.optimizers import Adam
from ckeras.utils import set_random_seed

FIXTURES = os.path.join(os.path.dirname(__file__), os.pardir, "fixtures", "keras2_backend")

with open(os.path.join(FIXTURES, "cases.json")) as _f:
    CASES = json.load(_f)


def _flat(out):
    if K.is_sparse(out):
        return [out.indices, out.values, out.dense_shape]
    if isinstance(out, (list, tuple)):
        return [y for o in out for y in _flat(o)]
    return [out]


@pytest.fixture(scope="module")
def arrays():
    with np.load(os.path.join(FIXTURES, "arrays.npz")) as data:
        return {k: data[k] for k in data.files}


def _inputs(case, arrays):
    return [arrays[f"{case['name']}__x{i}"] for i in range(case["inputs"])]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["name"])
def test_tf_keras_golden(case, arrays):
    xs = _inputs(case, arrays)
    before = [x.copy() for x in xs]
    env = {"K": K, "_flat": _flat, **{f"x{i}": x for i, x in enumerate(xs)}}
    outs = _flat(eval(case["expr"], env))  # noqa: S307 (expressions from our own fixtures)
    assert len(outs) == case["outputs"]
    for i, out in enumerate(outs):
        y = arrays[f"{case['name']}__y{i}"]
        assert isinstance(out, np.ndarray)
        assert out.shape == y.shape and out.dtype == y.dtype, (i, out.shape, out.dtype)
        np.testing.assert_allclose(out, y, rtol=2e-5, atol=2e-6)
    for x, b in zip(xs, before):
        np.testing.assert_array_equal(x, b)


@pytest.mark.parametrize("case", [c for c in CASES if c["grad"] is not None],
                         ids=lambda c: c["name"])
def test_tf_keras_golden_gradient(case, arrays):
    """d sum(y) / d x_i against tf.GradientTape."""
    xs = _inputs(case, arrays)
    wrt = Tensor(xs[case["grad"]], requires_grad=True)
    env = {"K": K, "_flat": _flat, **{f"x{i}": x for i, x in enumerate(xs)}}
    env[f"x{case['grad']}"] = wrt
    out = _flat(eval(case["expr"], env))[0]  # noqa: S307
    g = grad(K.sum(out), wrt)
    np.testing.assert_allclose(g, arrays[f"{case['name']}__g"], rtol=1e-4, atol=1e-5)


def test_every_tf_keras_backend_name_exists():
    # the public names of tf_keras.backend 2.21 (dir(), without underscores)
    tf_keras_names = (
        "abs all any arange argmax argmin backend batch_dot batch_flatten batch_get_value "
        "batch_normalization batch_set_value bias_add binary_crossentropy "
        "binary_focal_crossentropy cast cast_to_floatx categorical_crossentropy "
        "categorical_focal_crossentropy clear_session clip concatenate constant conv1d "
        "conv2d conv2d_transpose conv3d cos count_params ctc_batch_cost ctc_decode "
        "ctc_label_dense_to_sparse cumprod cumsum depthwise_conv2d dot dropout dtype elu "
        "epsilon equal eval exp expand_dims experimental eye flatten floatx foldl foldr "
        "function gather get_uid get_value gradients greater greater_equal hard_sigmoid "
        "image_data_format in_test_phase in_top_k in_train_phase int_shape is_keras_tensor "
        "is_sparse l2_normalize learning_phase learning_phase_scope less less_equal "
        "local_conv1d local_conv2d log manual_variable_initialization map_fn max maximum "
        "mean min minimum moving_average_update name_scope ndim normalize_batch_in_training "
        "not_equal one_hot ones ones_like permute_dimensions placeholder pool2d pool3d pow "
        "print_tensor prod random_bernoulli random_binomial random_normal "
        "random_normal_variable random_uniform random_uniform_variable relu repeat "
        "repeat_elements reset_uids reshape resize_images resize_volumes reverse rnn round "
        "separable_conv2d set_epsilon set_floatx set_image_data_format set_learning_phase "
        "set_value shape sigmoid sign sin softmax softplus softsign "
        "sparse_categorical_crossentropy spatial_2d_padding spatial_3d_padding sqrt square "
        "squeeze stack std stop_gradient sum switch tanh temporal_padding tile to_dense "
        "transpose truncated_normal update update_add update_sub var variable zeros "
        "zeros_like").split()
    assert len(tf_keras_names) == 148
    missing = [n for n in tf_keras_names if not hasattr(K, n)]
    assert missing == []
    assert set(tf_keras_names) <= set(K.__all__)


# -- CTC ------------------------------------------------------------------------------------

def _ctc_by_enumeration(probs, label):
    """p(label | probs) by summing every path of the softmax output (tiny T, C)."""
    import itertools
    T, C = probs.shape
    total = 0.0
    for path in itertools.product(range(C), repeat=T):
        collapsed = [c for i, c in enumerate(path) if c != C - 1 and (i == 0 or c != path[i - 1])]
        if collapsed == list(label):
            total += np.prod([probs[t, c] for t, c in enumerate(path)])
    return total


def test_ctc_batch_cost_is_minus_log_of_the_path_sum(rng):
    z = rng.uniform(-2, 2, (1, 4, 3))
    probs = np.exp(z) / np.exp(z).sum(-1, keepdims=True)
    for label in ([0, 1], [0, 0], [1], []):
        lab = np.array([label + [0] * (2 - len(label))])
        loss = K.ctc_batch_cost(lab, probs, np.array([[4]]), np.array([[len(label)]]))
        # epsilon shifts log(y + eps) slightly away from log(y)
        np.testing.assert_allclose(loss[0, 0], -np.log(_ctc_by_enumeration(probs[0], label)),
                                   rtol=1e-5)


def test_ctc_batch_cost_on_symbolic_tensors_matches_eager(rng):
    y = Input((5, 4))
    labels, in_len, lab_len = (Input((3,), dtype="int32"), Input((1,), dtype="int32"),
                               Input((1,), dtype="int32"))
    dense = Dense(4, activation="softmax")
    out = K.ctc_batch_cost(labels, dense(y), in_len, lab_len)
    assert K.is_keras_tensor(out) and K.int_shape(out) == (None, 1)
    model = Model([y, labels, in_len, lab_len], out)
    x = rng.uniform(size=(2, 5, 4)).astype("float32")
    lab, il, ll = np.array([[0, 1, 2], [1, 1, 0]]), np.array([[5], [4]]), np.array([[3], [2]])
    np.testing.assert_allclose(model.predict([x, lab, il, ll], verbose=0),
                               K.ctc_batch_cost(lab, dense(x), il, ll), rtol=1e-6)


def test_ctc_model_trains_the_loss_down(rng):
    """The Keras OCR pattern: the CTC loss as the model output, compiled with an
    identity loss; training lowers it."""
    set_random_seed(0)   # the Dense weights: the descent is checked for one fixed start
    y = Input((6, 3))
    labels, in_len, lab_len = (Input((2,), dtype="int32"), Input((1,), dtype="int32"),
                               Input((1,), dtype="int32"))
    out = K.ctc_batch_cost(labels, Dense(4, activation="softmax")(y), in_len, lab_len)
    model = Model([y, labels, in_len, lab_len], out)
    model.compile(Adam(learning_rate=0.1), lambda t, p: p)
    data = [rng.uniform(size=(4, 6, 3)).astype("float32"), np.array([[0, 1], [2, 2], [1, 0],
                                                                    [0, 0]]),
            np.full((4, 1), 6), np.array([[2], [2], [1], [2]])]
    first = model.train_on_batch(data, np.zeros((4, 1)))
    for _ in range(30):
        last = model.train_on_batch(data, np.zeros((4, 1)))
    assert last < first - 1.0


def test_ctc_impossible_label_costs_inf_without_gradient():
    probs = Tensor(np.full((1, 2, 3), 1 / 3, np.float32), requires_grad=True)
    loss = K.ctc_batch_cost(np.array([[0, 0]]), probs, np.array([[2]]), np.array([[2]]))
    assert np.isinf(loss.value).all()   # a repeat needs a blank between: 3 steps
    np.testing.assert_array_equal(grad(K.sum(loss), probs), np.zeros((1, 2, 3)))


@pytest.mark.parametrize("kwargs, match", [
    (dict(y_true=np.array([[2]])), r"labels must be in \[0, 1\].*class 2.*blank"),
    (dict(input_length=np.array([[4]])), r"`input_length` must be in \[0, 3\]"),
    (dict(label_length=np.array([[2]])), r"`label_length` must be in \[0, 1\]"),
    (dict(y_pred=np.ones((3, 3))), r"`y_pred` must have shape"),
])
def test_ctc_batch_cost_errors(kwargs, match):
    args = dict(y_true=np.array([[0]]), y_pred=np.full((1, 3, 3), 1 / 3, "float32"),
                input_length=np.array([[3]]), label_length=np.array([[1]]))
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        K.ctc_batch_cost(**args)


def test_ctc_decode_formats_and_merging():
    # steps: 0 0 blank 0 1 1 -> greedy "0 0 1": repeats merge unless a blank separates them
    y = np.eye(3, dtype="float32")[[[0, 0, 2, 0, 1, 1], [1, 1, 1, 2, 2, 2]]]
    decoded, log_prob = K.ctc_decode(y, np.array([6, 2]))
    assert len(decoded) == 1 and decoded[0].dtype == np.int64
    np.testing.assert_array_equal(decoded[0], [[0, 0, 1, -1, -1, -1],
                                               [1, -1, -1, -1, -1, -1]])
    assert log_prob.shape == (2, 1)
    # beam search on one-hot rows finds the same best labelling, with log-prob ~ 0
    decoded, log_prob = K.ctc_decode(y, np.array([6, 2]), greedy=False, beam_width=3,
                                     top_paths=2)
    assert len(decoded) == 2 and log_prob.shape == (2, 2)
    np.testing.assert_array_equal(decoded[0][1], [1, -1, -1, -1, -1, -1])
    assert abs(log_prob[1, 0]) < 1e-5 and log_prob[1, 1] < -10


def test_ctc_decode_errors():
    y = np.full((1, 2, 3), 1 / 3, "float32")
    with pytest.raises(ValueError, match="`top_paths`.*beam_width"):
        K.ctc_decode(y, np.array([2]), greedy=False, beam_width=2, top_paths=3)
    with pytest.raises(ValueError, match="`input_length` must be in"):
        K.ctc_decode(y, np.array([3]))
    with pytest.raises(ValueError, match="one length per sample"):
        K.ctc_decode(y, np.array([2, 2]))
    with pytest.raises(ValueError, match="distinct beams"):
        # one step over one label: only the empty and the one-label beams exist
        K.ctc_decode(np.full((1, 1, 2), .5, "float32"), np.array([1]), greedy=False,
                     beam_width=5, top_paths=3)


def test_ctc_decode_merge_repeated_keyword():
    """Keras 2.3.1's argument: "A A B B" with blanks between stays unmerged
    when asked; tf-keras' default merges it to "A B"."""
    y = np.float32([[[0, 0, 1], [1, 0, 0], [0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1],
                     [0, 1, 0]]])
    merged = K.ctc_decode(y, np.array([7]), greedy=False, beam_width=1)[0][0]
    kept = K.ctc_decode(y, np.array([7]), greedy=False, beam_width=1,
                        merge_repeated=False)[0][0]
    np.testing.assert_array_equal(merged[0, :3], [0, 1, -1])
    np.testing.assert_array_equal(kept[0, :5], [0, 0, 1, 1, -1])


def test_ctc_decode_on_symbolic_tensors(arrays):
    """A decoding graph built on placeholders gives the golden values."""
    y, lengths = K.placeholder((None, None, 4)), K.placeholder((None,), dtype="int32")
    decoded, log_prob = K.ctc_decode(y, lengths, greedy=False, beam_width=8, top_paths=3)
    assert len(decoded) == 3 and all(K.is_keras_tensor(d) for d in decoded)
    run = K.function([y, lengths], decoded + [log_prob])
    name = "ctc_decode_beam_w8_top3"
    outs = run([arrays[f"{name}__x0"], arrays[f"{name}__x1"]])
    for i, out in enumerate(outs):
        np.testing.assert_allclose(out, arrays[f"{name}__y{i}"], rtol=1e-5)


def test_sparse_labels_round_trip():
    labels = np.array([[5, 6, 7], [8, 9, 1]])
    sparse = K.ctc_label_dense_to_sparse(labels, np.array([2, 1]))
    assert K.is_sparse(sparse) and not K.is_sparse(labels)
    np.testing.assert_array_equal(K.to_dense(sparse), [[5, 6, 0], [8, 0, 0]])
    assert K.to_dense(labels) is labels


# -- symbolic use of the other ops ------------------------------------------------------------

SYMBOLIC = [
    ("resize_images", lambda x: K.resize_images(x, 2, 3, "channels_last", "bilinear"),
     (3, 4, 2)),
    ("resize_volumes", lambda x: K.resize_volumes(x, 2, 1, 2, "channels_first"), (2, 3, 2, 2)),
    ("spatial_2d_padding", lambda x: K.spatial_2d_padding(x, ((1, 0), (0, 2))), (3, 4, 2)),
    ("spatial_3d_padding", lambda x: K.spatial_3d_padding(x), (2, 3, 2, 2)),
    ("temporal_padding", lambda x: K.temporal_padding(x, (0, 3)), (4, 2)),
    ("conv2d_transpose", lambda x: K.conv2d_transpose(
        x, np.ones((3, 3, 2, 2), "float32"), (None, 7, 9, 2), strides=2), (3, 4, 2)),
    ("depthwise_conv2d", lambda x: K.depthwise_conv2d(
        x, np.ones((2, 2, 2, 3), "float32"), padding="same"), (3, 4, 2)),
    ("separable_conv2d", lambda x: K.separable_conv2d(
        x, np.ones((2, 2, 2, 1), "float32"), np.ones((1, 1, 2, 5), "float32")), (3, 4, 2)),
    ("local_conv1d", lambda x: K.local_conv1d(
        x, np.ones((3, 4, 5), "float32"), (2,), (1,)), (4, 2)),
    ("batch_normalization", lambda x: K.batch_normalization(
        x, np.float32([.5, 1]), np.float32([2, 3]), None, np.float32([1, 2])), (3, 4, 2)),
    ("normalize_batch_in_training", lambda x: K.normalize_batch_in_training(
        x, None, None, [0, 1, 2])[0], (3, 4, 2)),
    ("binary_focal_crossentropy", lambda x: K.binary_focal_crossentropy(
        np.float32([1, 0]), K.sigmoid(x)), (4, 2)),
]


@pytest.mark.parametrize("name, fn, shape", SYMBOLIC, ids=[s[0] for s in SYMBOLIC])
def test_ops_build_graph_nodes_that_predict_as_eager(name, fn, shape, rng):
    inp = Input(shape)
    out = fn(inp)
    assert K.is_keras_tensor(out)
    x = rng.uniform(-1, 1, (2,) + shape).astype("float32")
    expected = fn(x)
    assert K.int_shape(out)[1:] == expected.shape[1:]
    np.testing.assert_allclose(Model(inp, out).predict(x, verbose=0), expected, rtol=1e-5,
                               atol=1e-6)


def test_in_top_k_on_symbolic_predictions():
    p, t = Input((3,)), Input((), dtype="int32")
    model = Model([p, t], K.cast(K.in_top_k(p, t, 1), "float32"))
    out = model.predict([np.float32([[.9, .1, 0], [.9, .1, 0]]), np.array([0, 2])], verbose=0)
    np.testing.assert_array_equal(out, [1, 0])


def test_in_top_k_out_of_range_and_nan_are_false():
    p = np.float32([[.1, .9], [np.nan, .5]])
    np.testing.assert_array_equal(K.in_top_k(p, np.array([5, 1]), 2), [False, False])


@pytest.mark.parametrize("shape, start, size", [
    ((2, 5), (0, 1), (2, 3)), ((3, 2, 3), (1, 0, 0), (2, 1, 3)), ((3, 4), (1, 2), (-1, -1))])
def test_slice_takes_size_entries_from_start(shape, start, size, rng):
    x = rng.uniform(size=shape).astype("float32")
    key = tuple(slice(b, None if s == -1 else b + s) for b, s in zip(start, size))
    np.testing.assert_array_equal(K.slice(x, start, size), x[key])
    t = Tensor(x, requires_grad=True)
    expected = np.zeros(shape, np.float32)
    expected[key] = 1
    np.testing.assert_array_equal(grad(K.sum(K.slice(t, start, size)), t), expected)
    inp = Input(shape[1:])
    sym = K.slice(inp, (0,) + start[1:], (-1,) + size[1:])
    np.testing.assert_array_equal(Model(inp, sym).predict(x, verbose=0),
                                  x[(slice(None),) + key[1:]])


def test_slice_errors():
    with pytest.raises(ValueError, match="one entry per axis"):
        K.slice(np.ones((2, 3)), (0, 0, 0), (1, 1, 1))
    with pytest.raises(ValueError, match="fall outside"):
        K.slice(np.ones((2, 3)), (1, 1), (2, 1))


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("strides, padding, dilation", [(1, "valid", 1), (2, "same", 1),
                                                         (1, "valid", 2)])
def test_separable_conv1d_is_depthwise_then_pointwise(data_format, strides, padding, dilation,
                                                      rng):
    x = rng.uniform(-1, 1, (2, 9, 3)).astype("float32")
    dk = rng.uniform(-1, 1, (3, 3, 2)).astype("float32")
    pk = rng.uniform(-1, 1, (1, 6, 4)).astype("float32")
    span = (3 - 1) * dilation + 1
    n_out = -(-9 // strides) if padding == "same" else (9 - span) // strides + 1
    pad = max((n_out - 1) * strides + span - 9, 0) if padding == "same" else 0
    xp = np.pad(x, ((0, 0), (pad // 2, pad - pad // 2), (0, 0)))
    depth = np.stack([sum(xp[:, o * strides + j * dilation, :, None] * dk[j]
                          for j in range(3)) for o in range(n_out)], 1)   # (B, n, C, M)
    expected = depth.reshape(2, n_out, 6) @ pk[0]
    xin = x if data_format == "channels_last" else x.transpose(0, 2, 1)
    y = K.separable_conv1d(xin, dk, pk, strides=strides, padding=padding,
                           data_format=data_format, dilation_rate=dilation)
    if data_format == "channels_first":
        y = y.transpose(0, 2, 1)
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-6)


# -- argument checks --------------------------------------------------------------------------

@pytest.mark.parametrize("call, err, match", [
    (lambda: K.resize_images(np.ones((1, 2, 2, 1)), 2, 2, "channels_last", "cubic"),
     ValueError, "`interpolation`"),
    (lambda: K.resize_images(np.ones((1, 2, 2, 1)), 0, 2, "channels_last"),
     ValueError, "`height_factor` must be a positive integer"),
    (lambda: K.resize_images(np.ones((1, 2, 2)), 2, 2, "channels_last"),
     ValueError, "rank 4"),
    (lambda: K.resize_volumes(np.ones((1, 2, 2, 2, 1)), 1, 1, 1, "nchw"),
     ValueError, "data_format"),
    (lambda: K.spatial_2d_padding(np.ones((1, 2, 2, 1)), ((1, 1),)),
     ValueError, "2 pairs of non-negative ints"),
    (lambda: K.temporal_padding(np.ones((1, 2, 1)), (-1, 0)),
     ValueError, "non-negative"),
    (lambda: K.conv2d_transpose(np.ones((1, 2, 2, 1)), np.ones((2, 2, 3, 1)), (1, 3, 3, 2)),
     ValueError, "2 channels but the kernel makes 3"),
    (lambda: K.conv2d_transpose(np.ones((1, 2, 2, 1)), np.ones((2, 2, 1, 1)), (1, 3, 3)),
     ValueError, "4 entries"),
    (lambda: K.separable_conv2d(np.ones((1, 3, 3, 1)), np.ones((2, 2, 1, 1)),
                                np.ones((2, 2, 1, 1))), ValueError, r"\(1, 1, channels"),
    (lambda: K.local_conv2d(np.ones((1, 4, 4, 1)), np.ones((3, 4, 1)), (2, 2), (1, 1),
                            (2, 2)), ValueError, "3 positions but the output shape"),
    (lambda: K.local_conv1d(np.ones((1, 4, 2)), np.ones((3, 4, 1)), (2,), (2,)),
     ValueError, "3 windows of size 2 with stride 2 do not fit in the 4"),
    (lambda: K.in_top_k(np.ones(3), np.array([0]), 1), ValueError, r"\(batch, classes\)"),
    (lambda: K.learning_phase_scope(2).__enter__(), ValueError, "0 or 1"),
    (lambda: K.manual_variable_initialization("yes"), TypeError, "bool"),
    (lambda: K.experimental.enable_tf_random_generator(), NotImplementedError,
     "set_random_seed"),
])
def test_clear_errors(call, err, match):
    with pytest.raises(err, match=match):
        call()


# -- session-era and bookkeeping names ---------------------------------------------------------

def test_backend_name_is_ckeras():
    assert K.backend() == "ckeras"


def test_get_uid_counts_per_prefix_and_shares_layer_names():
    K.reset_uids()
    assert [K.get_uid("k21"), K.get_uid("k21"), K.get_uid("other")] == [1, 2, 1]
    assert Dense(1).name == "dense"
    assert K.get_uid("dense") == 2
    assert Dense(1).name == "dense_2"
    K.reset_uids()
    assert K.get_uid("k21") == 1 and Dense(1).name == "dense"


def test_learning_phase_scope_sets_and_restores():
    assert K.learning_phase() == 0
    with K.learning_phase_scope(1):
        assert K.learning_phase() == 1
        assert K.in_train_phase(np.ones(1), np.zeros(1))[0] == 1
    assert K.learning_phase() == 0
    with pytest.raises(RuntimeError):
        with K.learning_phase_scope(1):
            raise RuntimeError("inside")
    assert K.learning_phase() == 0


def test_is_keras_tensor_raises_on_non_tensors():
    assert K.is_keras_tensor(Input((2,)))
    assert not K.is_keras_tensor(np.ones(2)) and not K.is_keras_tensor(K.variable(1.0))
    assert not K.is_keras_tensor(K.constant(1.0))
    for value in (1.0, [1, 2], "x", None):
        with pytest.raises(ValueError, match="Expected a symbolic tensor"):
            K.is_keras_tensor(value)


def test_experimental_and_manual_initialization_are_inert():
    assert K.experimental.is_tf_random_generator_enabled() is False
    assert K.experimental.disable_tf_random_generator() is None
    v = K.variable([1.0, 2.0])
    assert K.manual_variable_initialization(True) is None
    np.testing.assert_array_equal(K.get_value(v), [1.0, 2.0])


def test_generator_expressions_are_literal_python():
    """The fixture expressions are plain calls on K (what `eval` runs above)."""
    for case in CASES:
        tree = ast.parse(case["expr"], mode="eval")
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        assert names <= {"K", "_flat"} | {f"x{i}" for i in range(case["inputs"])}, case
