"""Values of the Keras 2 backend functions (`from ckeras import backend as K`).

Checked against hand-computed NumPy, the verified numbers of the spec and the
tf-keras 2.21 golden values in tests/fixtures/backend.
"""
import json
import os

import numpy as np
import pytest

from ckeras import backend as K
from ckeras.autograd import Tensor, Variable, grad, no_grad

FIXTURES = os.path.join(os.path.dirname(__file__), os.pardir, "fixtures", "backend")


def a32(x):
    return np.asarray(x, dtype=np.float32)


@pytest.fixture
def x234(rng):
    return rng.uniform(-2, 2, (2, 3, 4)).astype(np.float32)


# -- golden values from tf-keras ----------------------------------------------------

def _backend_cases():
    path = os.path.join(FIXTURES, "cases.json")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return json.load(f)


@pytest.mark.parametrize("case", _backend_cases(), ids=lambda c: c["name"])
def test_tf_keras_golden(case):
    data = np.load(os.path.join(FIXTURES, "backend.npz"))
    env = {"K": K}
    for i in range(case["inputs"]):
        env[f"x{i}"] = data[f"{case['name']}__x{i}"]
    before = {k: v.copy() for k, v in env.items() if k != "K"}
    out = eval(case["expr"], env)  # noqa: S307 (expressions from our own fixtures)
    y = data[f"{case['name']}__y"]
    assert isinstance(out, np.ndarray)
    assert out.shape == y.shape
    assert out.dtype == np.dtype(case["output_dtypes"][0])
    np.testing.assert_allclose(out, y, rtol=1e-5, atol=1e-6)
    for k, v in before.items():
        np.testing.assert_array_equal(env[k], v)


# -- variables and introspection -------------------------------------------------------

def test_variable_defaults_to_floatx():
    v = K.variable([[1, 2], [3, 4]], name="v")
    assert isinstance(v, Variable) and v.name == "v"
    assert K.dtype(v) == "float32" and K.int_shape(v) == (2, 2) and K.ndim(v) == 2
    assert K.dtype(K.variable(1.0, dtype="float64")) == "float64"
    K.set_floatx("float64")
    assert K.dtype(K.variable([1])) == "float64"


def test_variable_storage_is_64_byte_aligned_and_stays_so():
    """Weights start on a cache line (the kernels' vector loads), whatever
    the source array's layout, and assignments and updates keep the storage."""
    src = np.arange(30, dtype=np.float64).reshape(5, 6)[:, 1:].T   # strided source
    for value, dtype in ((src, None), (src, "float32"), ([[1, 2], [3, 4]], None),
                         (2.5, None), (np.zeros((0, 3)), None)):
        v = Variable(value, dtype=dtype)
        want = np.asarray(value, dtype=dtype)
        assert v.value.size == 0 or v.value.ctypes.data % 64 == 0
        assert v.value.flags.c_contiguous
        assert v.value.dtype == want.dtype and v.value.shape == want.shape
        np.testing.assert_array_equal(v.value, want)
    v = Variable(src, dtype="float32")
    addr = v.value.ctypes.data
    v.assign(np.ones((5, 5)))
    v.assign_add(np.ones((5, 5)))
    assert v.value.ctypes.data == addr and np.all(v.value == 2)
    from ckeras import layers
    lstm = layers.LSTM(7)
    lstm.build((None, 3, 5))
    assert all(w.value.ctypes.data % 64 == 0 for w in lstm.weights)


def test_constant_broadcast_and_reshape():
    c = K.constant(2.0, shape=(2, 3))
    assert c.shape == (2, 3) and c.dtype == np.float32 and np.all(c == 2)
    np.testing.assert_array_equal(K.constant([1, 2, 3, 4], shape=(2, 2)), [[1, 2], [3, 4]])
    with pytest.raises(ValueError, match="shape"):
        K.constant([1, 2, 3], shape=(2, 2))


def test_zeros_ones_eye_like():
    z, o, e = K.zeros((2, 3)), K.ones((2,), dtype="float64"), K.eye(3)
    assert isinstance(z, Variable) and K.dtype(z) == "float32" and not K.eval(z).any()
    assert K.dtype(o) == "float64" and np.all(K.eval(o) == 1)
    np.testing.assert_array_equal(K.eval(e), np.eye(3))
    np.testing.assert_array_equal(K.eval(K.eye((2, 3))), np.eye(2, 3))
    x = np.arange(6, dtype=np.int32).reshape(2, 3)
    zl, ol = K.zeros_like(x), K.ones_like(x, dtype="float32")
    assert zl.dtype == np.int32 and not zl.any()
    assert ol.dtype == np.float32 and np.all(ol == 1)


def test_get_set_value():
    v = K.variable(np.zeros((2, 3)))
    K.set_value(v, np.ones((2, 3), dtype=np.float64))
    got = K.get_value(v)
    assert got.dtype == np.float32 and np.all(got == 1)
    got[0, 0] = 5                      # get_value returns a copy
    assert K.get_value(v)[0, 0] == 1
    with pytest.raises(ValueError, match=r"K.set_value: `value` has shape \(3,\)"):
        K.set_value(v, np.ones(3))
    with pytest.raises(ValueError, match="`x` must be a variable"):
        K.set_value(np.zeros(3), np.ones(3))
    w = K.variable([1.0, 2.0])
    K.batch_set_value([(v, np.full((2, 3), 7)), (w, [3, 4])])
    vv, ww = K.batch_get_value([v, w])
    assert np.all(vv == 7) and list(ww) == [3, 4]
    np.testing.assert_array_equal(K.eval(np.array([1, 2])), [1, 2])
    np.testing.assert_array_equal(K.eval(Tensor(np.array([1.0]))), [1.0])


def test_update_ops():
    v = K.variable([1.0, 2.0])
    assert K.update(v, [5, 6]) is v
    K.update_add(v, [1, 1])
    K.update_sub(v, np.array([0.5, 0.5]))
    np.testing.assert_allclose(K.eval(v), [5.5, 6.5])
    K.moving_average_update(v, np.array([1.5, 2.5]), 0.9)
    np.testing.assert_allclose(K.eval(v), [5.5 * 0.9 + 0.15, 6.5 * 0.9 + 0.25], rtol=1e-6)


def test_shapes_and_count_params(x234):
    assert K.int_shape(x234) == (2, 3, 4) and K.ndim(x234) == 3
    s = K.shape(x234)
    assert s.dtype == np.int32 and list(s) == [2, 3, 4]
    assert K.count_params(K.zeros((3, 5))) == 15
    assert K.dtype(x234) == "float32" and K.dtype(np.zeros(2, "int64")) == "int64"
    assert K.is_keras_tensor(x234) is False
    with pytest.raises(ValueError):
        K.is_keras_tensor(3)


# -- reductions ---------------------------------------------------------------------------

@pytest.mark.parametrize("axis", [None, 0, -1, [0, 2], (1,)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions(x234, axis, keepdims):
    ax = tuple(axis) if isinstance(axis, list) else axis
    for k_fn, np_fn in [(K.sum, np.sum), (K.mean, np.mean), (K.max, np.max),
                        (K.min, np.min), (K.prod, np.prod), (K.std, np.std), (K.var, np.var)]:
        out = k_fn(x234, axis=axis, keepdims=keepdims)
        ref = np_fn(x234.astype(np.float64), axis=ax, keepdims=keepdims)
        assert np.shape(out) == np.shape(ref), k_fn.__name__
        assert np.asarray(out).dtype == np.float32, k_fn.__name__
        np.testing.assert_allclose(out, ref, rtol=2e-5, atol=1e-6, err_msg=k_fn.__name__)


def test_std_var_population():
    x = a32([1, 2, 3, 4])
    assert float(K.var(x)) == pytest.approx(1.25)
    assert float(K.std(x)) == pytest.approx(np.sqrt(1.25))
    assert float(K.mean(np.array([True, False, True, True]))) == 0.75


def test_any_all_argmax():
    x = np.array([[0, 1, 0], [0, 0, 0]])
    np.testing.assert_array_equal(K.any(x, axis=1), [True, False])
    np.testing.assert_array_equal(K.all(x > -1, axis=0), [True, True, True])
    assert K.any(x).dtype == np.bool_
    y = a32([[1, 5, 2], [7, 0, 3]])
    np.testing.assert_array_equal(K.argmax(y), [1, 0])
    np.testing.assert_array_equal(K.argmin(y, axis=0), [0, 1, 0])
    assert K.argmax(y).dtype == np.int64


def test_max_gradient_routes_to_argmax():
    x = Tensor(a32([[1, 5, 2], [7, 7, 3]]), requires_grad=True)
    g = grad(K.sum(K.max(x, axis=1)), x)
    np.testing.assert_allclose(g, [[0, 1, 0], [0.5, 0.5, 0]])   # ties share (TF rule)
    g = grad(K.sum(K.min(x, axis=0)), x)
    np.testing.assert_allclose(g, [[1, 1, 1], [0, 0, 0]])


def test_prod_gradient_with_zero():
    x = Tensor(np.array([2.0, 0.0, 3.0]), requires_grad=True)
    np.testing.assert_allclose(grad(K.prod(x), x), [0.0, 6.0, 0.0])
    c = Tensor(np.array([2.0, 0.0, 3.0]), requires_grad=True)
    # cumprod = [2, 0, 0]; d/dx of its sum = [1, 2 + 6, 0]
    np.testing.assert_allclose(grad(K.sum(K.cumprod(c)), c), [1.0, 8.0, 0.0])


# -- elementwise -----------------------------------------------------------------------------

def test_elementwise_values():
    x = a32([-1.5, -0.5, 0.0, 0.5, 2.5])
    np.testing.assert_allclose(K.square(x), x ** 2)
    np.testing.assert_allclose(K.abs(x), np.abs(x))
    np.testing.assert_allclose(K.sqrt(x), [0, 0, 0, np.sqrt(0.5), np.sqrt(2.5)], rtol=1e-6)
    np.testing.assert_allclose(K.exp(x), np.exp(x), rtol=1e-6)
    np.testing.assert_allclose(K.log(a32([1, np.e])), [0, 1], rtol=1e-6)
    np.testing.assert_array_equal(K.round(x), [-2, -0, 0, 0, 2])   # half to even
    np.testing.assert_array_equal(K.sign(x), [-1, -1, 0, 1, 1])
    np.testing.assert_allclose(K.sin(x), np.sin(x), rtol=1e-6)
    np.testing.assert_allclose(K.cos(x), np.cos(x), rtol=1e-6)
    np.testing.assert_allclose(K.pow(a32([2, 3]), 2), [4, 9])
    for f in (K.square, K.abs, K.sqrt, K.exp, K.round, K.sign, K.sin, K.cos):
        assert f(x).dtype == np.float32


def test_sqrt_gradient_is_zero_for_negatives():
    x = Tensor(np.array([-1.0, 4.0]), requires_grad=True)
    np.testing.assert_allclose(grad(K.sum(K.sqrt(x)), x), [0.0, 0.25])


def test_clip():
    x = a32([-3, -1, 0, 1, 3])
    np.testing.assert_array_equal(K.clip(x, -1, 2), [-1, -1, 0, 1, 2])
    np.testing.assert_array_equal(K.clip(x, 4.0, 2.0), [4, 4, 4, 4, 4])   # max < min
    np.testing.assert_array_equal(K.clip(x, None, 0), [-3, -1, 0, 0, 0])
    assert K.clip(x, np.float64(0), np.float64(1)).dtype == np.float32
    t = Tensor(a32([-2, 0.5, 2]), requires_grad=True)
    np.testing.assert_array_equal(grad(K.sum(K.clip(t, -1, 1)), t), [0, 1, 0])


def test_comparisons_and_minmax():
    x, y = a32([1, 2, 3]), a32([3, 2, 1])
    np.testing.assert_array_equal(K.equal(x, y), [False, True, False])
    np.testing.assert_array_equal(K.not_equal(x, y), [True, False, True])
    np.testing.assert_array_equal(K.greater(x, y), [False, False, True])
    np.testing.assert_array_equal(K.greater_equal(x, y), [False, True, True])
    np.testing.assert_array_equal(K.less(x, y), [True, False, False])
    np.testing.assert_array_equal(K.less_equal(x, 2), [True, True, False])
    np.testing.assert_array_equal(K.maximum(x, y), [3, 2, 3])
    np.testing.assert_array_equal(K.minimum(x, a32([[2], [0]])), [[1, 2, 2], [0, 0, 0]])
    a = Tensor(a32([1, 5]), requires_grad=True)
    b = Tensor(a32([3, 2]), requires_grad=True)
    ga, gb = grad(K.sum(K.maximum(a, b)), [a, b])
    np.testing.assert_array_equal(ga, [0, 1])
    np.testing.assert_array_equal(gb, [1, 0])


def test_cast():
    x = a32([1.7, -1.2])
    c = K.cast(x, "int32")
    assert c.dtype == np.int32 and list(c) == [1, -1]
    assert K.cast(np.array([True, False]), "float32").dtype == np.float32
    assert K.cast_to_floatx(np.array([1, 2])).dtype == np.float32


# -- products --------------------------------------------------------------------------------

def test_dot_nd_rule(rng):
    x, y = rng.random((2, 3)), rng.random((4, 3, 5))
    out = K.dot(x, y)
    assert out.shape == (2, 4, 5)
    np.testing.assert_allclose(out, np.einsum("ij,kjl->ikl", x, y))
    x3, y3 = rng.random((2, 3, 4)), rng.random((3, 4, 2))
    np.testing.assert_allclose(K.dot(x3, y3), np.einsum("abi,cid->abcd", x3, y3))
    np.testing.assert_allclose(K.dot(x3, rng.random((4, 5))).shape, (2, 3, 5))
    with pytest.raises(ValueError, match="K.dot"):
        K.dot(x, rng.random((4, 5)))


@pytest.mark.parametrize("xs, ys, axes, out_shape, spec", [
    ((32, 20, 1), (32, 30, 20), (1, 2), (32, 1, 30), "bij,bki->bjk"),
    ((3, 4), (3, 4), None, (3, 1), "bi,bi->b"),
    ((3, 4), (3, 4), 1, (3, 1), "bi,bi->b"),
    ((3, 2, 4), (3, 4, 5), None, (3, 2, 5), "bij,bjk->bik"),
    ((3, 2, 4), (3, 4), None, (3, 2), "bij,bj->bi"),
    ((3, 4, 2), (3, 4, 5), 1, (3, 2, 5), "bij,bik->bjk"),
    ((2, 3, 4, 5), (2, 5, 6), (3, 1), (2, 3, 4, 6), "bijk,bkl->bijl"),
])
def test_batch_dot_shapes(rng, xs, ys, axes, out_shape, spec):
    x, y = rng.random(xs), rng.random(ys)
    out = K.batch_dot(x, y, axes=axes)
    assert out.shape == out_shape
    ref = np.einsum(spec, x, y)
    np.testing.assert_allclose(out, ref.reshape(out_shape))


def test_batch_dot_errors(rng):
    with pytest.raises(ValueError, match="axis 0"):
        K.batch_dot(rng.random((3, 4)), rng.random((3, 4)), axes=(0, 1))
    with pytest.raises(ValueError, match=r"x.shape\[1\] != y.shape\[1\]"):
        K.batch_dot(rng.random((3, 4)), rng.random((3, 5)))


# -- shape ops ----------------------------------------------------------------------------------

def test_shape_ops(x234):
    x = x234
    np.testing.assert_array_equal(K.transpose(x[0]), x[0].T)
    np.testing.assert_array_equal(K.concatenate([x, x], axis=1), np.concatenate([x, x], 1))
    np.testing.assert_array_equal(K.concatenate([x, x]), np.concatenate([x, x], -1))
    np.testing.assert_array_equal(K.reverse(x, 1), x[:, ::-1])
    np.testing.assert_array_equal(K.reverse(x, [0, 2]), x[::-1, :, ::-1])
    assert K.reshape(x, (-1, 4)).shape == (6, 4)
    assert K.permute_dimensions(x, (2, 0, 1)).shape == (4, 2, 3)
    assert K.expand_dims(x).shape == (2, 3, 4, 1)
    assert K.expand_dims(x, 0).shape == (1, 2, 3, 4)
    assert K.squeeze(x[:, :1], 1).shape == (2, 4)
    np.testing.assert_array_equal(K.stack([x, x], axis=1), np.stack([x, x], 1))
    r = K.repeat(x[:, :, 0], 5)
    assert r.shape == (2, 5, 3) and np.all(r[:, 4] == x[:, :, 0])
    np.testing.assert_array_equal(K.repeat_elements(x, 2, axis=1), np.repeat(x, 2, axis=1))
    np.testing.assert_array_equal(K.tile(x, (1, 2, 1)), np.tile(x, (1, 2, 1)))
    np.testing.assert_array_equal(K.tile(x[0, 0], 2), np.tile(x[0, 0], 2))
    assert K.flatten(x).shape == (24,)
    assert K.batch_flatten(x).shape == (2, 12)
    ref = np.arange(12, dtype=np.float32).reshape(4, 3)
    np.testing.assert_array_equal(K.gather(ref, [3, 0, 3]), ref[[3, 0, 3]])
    np.testing.assert_array_equal(K.gather(ref, np.array([[1.0, 2.0]])), ref[[[1, 2]]])
    oh = K.one_hot(np.array([[0, 2], [1, 5]]), 3)
    assert oh.dtype == np.float32 and oh.shape == (2, 2, 3)
    np.testing.assert_array_equal(oh[1, 1], [0, 0, 0])    # out of range -> zeros
    np.testing.assert_array_equal(oh[0, 1], [0, 0, 1])


def test_shape_errors(x234):
    with pytest.raises(ValueError, match=r"K.squeeze: `axis`=1 has size 3"):
        K.squeeze(x234, 1)
    with pytest.raises(ValueError, match="K.concatenate.*axis=0"):
        K.concatenate([x234, x234[:, :2]], axis=0)
    with pytest.raises(ValueError, match="K.stack"):
        K.stack([x234, x234[:1]])
    with pytest.raises(ValueError, match="K.gather"):
        K.gather(x234, [5])
    with pytest.raises(ValueError, match="pattern"):
        K.permute_dimensions(x234, (0, 1))


def test_cumsum_arange_misc(capsys):
    x = a32([[1, 2, 3], [4, 5, 6]])
    np.testing.assert_array_equal(K.cumsum(x, axis=1), [[1, 3, 6], [4, 9, 15]])
    np.testing.assert_array_equal(K.cumsum(x), [[1, 2, 3], [5, 7, 9]])
    np.testing.assert_array_equal(K.cumprod(x, axis=1), [[1, 2, 6], [4, 20, 120]])
    ar = K.arange(5)
    assert ar.dtype == np.int32 and list(ar) == [0, 1, 2, 3, 4]
    assert list(K.arange(1, 7, 2)) == [1, 3, 5]
    assert list(K.arange(-3)) == []
    assert K.print_tensor(x, message="x is") is not None
    assert "x is" in capsys.readouterr().out
    np.testing.assert_allclose(K.logsumexp(x, axis=1),
                               np.log(np.exp(x.astype(np.float64)).sum(1)), rtol=1e-6)
    np.testing.assert_array_equal(K.map_fn(lambda r: r * 2, x), x * 2)
    assert float(K.foldl(lambda a, b: a + b, a32([1, 2, 3]))) == 6
    assert float(K.foldr(lambda a, b: a - b, a32([1, 2, 10]))) == 7


# -- activations and nn ops ---------------------------------------------------------------------

def test_relu_args_per_spec():
    x = a32([-3, -1, 0, 0.5, 1, 2, 7])
    np.testing.assert_allclose(K.relu(x), np.maximum(x, 0))
    np.testing.assert_allclose(K.relu(x, alpha=0.1), np.where(x > 0, x, 0.1 * x))
    np.testing.assert_allclose(K.relu(x, max_value=6), np.clip(x, 0, 6))
    # x if threshold <= x < max; max if x >= max; alpha (x - threshold) otherwise
    ref = np.where(x >= 6, 6, np.where(x > 1, x, 0.2 * (x - 1)))
    np.testing.assert_allclose(K.relu(x, alpha=0.2, max_value=6, threshold=1), ref, rtol=1e-6)
    assert K.relu(x, alpha=0.2, max_value=6, threshold=1).dtype == np.float32


def test_simple_activations():
    x = np.linspace(-6, 6, 25).astype(np.float32)
    xd = x.astype(np.float64)
    np.testing.assert_allclose(K.hard_sigmoid(x), np.clip(0.2 * xd + 0.5, 0, 1), atol=1e-7)
    np.testing.assert_allclose(K.sigmoid(x), 1 / (1 + np.exp(-xd)), rtol=1e-5)
    np.testing.assert_allclose(K.tanh(x), np.tanh(xd), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(K.softplus(x), np.log1p(np.exp(xd)), rtol=1e-6)
    np.testing.assert_allclose(K.softsign(x), xd / (1 + np.abs(xd)), rtol=1e-6)
    np.testing.assert_allclose(K.elu(x, 0.5), np.where(xd > 0, xd, 0.5 * np.expm1(xd)),
                               rtol=1e-6, atol=1e-7)
    s = K.softmax(x.reshape(5, 5))
    np.testing.assert_allclose(s.sum(-1), 1, rtol=1e-6)
    s0 = K.softmax(x.reshape(5, 5), axis=0)
    np.testing.assert_allclose(s0.sum(0), 1, rtol=1e-6)
    assert K.softmax(x).shape == (25,)    # K.softmax accepts 1-D (activations.softmax does not)


def test_crossentropy_argument_order_and_values():
    t = a32([[0, 1]])
    p = a32([[0.2, 0.8]])
    assert float(np.mean(K.binary_crossentropy(t, p))) == pytest.approx(0.22314, abs=1e-5)
    bce = K.binary_crossentropy(t, p)
    assert bce.shape == (1, 2)                                  # elementwise, no mean
    # unnormalised output is renormalised: [2, 2] -> [0.5, 0.5]
    assert float(K.categorical_crossentropy(t, a32([[2, 2]]))[0]) == pytest.approx(np.log(2))
    z = a32([[1.0, 2.0, 3.0]])
    lsm = z - np.log(np.exp(z).sum())
    np.testing.assert_allclose(K.categorical_crossentropy(a32([[0, 0, 1]]), z, from_logits=True),
                               -lsm[:, 2], rtol=1e-6)
    np.testing.assert_allclose(K.sparse_categorical_crossentropy(np.array([2]), z,
                                                                 from_logits=True),
                               -lsm[:, 2], rtol=1e-6)
    pz = np.exp(lsm)
    np.testing.assert_allclose(K.sparse_categorical_crossentropy(np.array([[2]]), pz),
                               -lsm[:, 2], rtol=1e-5)
    np.testing.assert_allclose(
        K.binary_crossentropy(a32([1.0]), a32([0.3]), from_logits=True),
        -np.log(1 / (1 + np.exp(-0.3))), rtol=1e-6)


def test_crossentropy_axis_and_errors(rng):
    p = rng.random((2, 3, 4)).astype(np.float32)
    t = np.eye(3, dtype=np.float32)[[0, 2]][:, :, None].repeat(4, axis=2)
    out = K.categorical_crossentropy(t, p, axis=1)
    ref = -np.log(np.clip(p / p.sum(1, keepdims=True), 1e-7, 1 - 1e-7))[[0, 1], [0, 2]]
    np.testing.assert_allclose(out, ref, rtol=1e-5)
    with pytest.raises(ValueError, match="outside the valid range of \\[0, 4\\)"):
        K.sparse_categorical_crossentropy(np.array([4]), a32([[1, 1, 1, 1]]))
    # logits go to the kernel, whose own label check must still end in Keras' message
    for bad, dtype in ((-1, np.float32), (4, np.float64)):
        with pytest.raises(ValueError, match=f"label value of {bad} which is outside the "
                                             "valid range of \\[0, 4\\)"):
            K.sparse_categorical_crossentropy(np.array([0, bad]), np.ones((2, 4), dtype),
                                              from_logits=True)
    with pytest.raises(ValueError, match="same shape"):
        K.categorical_crossentropy(a32([[0, 1]]), a32([[0.5, 0.2, 0.3]]))


def test_fused_logits_gradient_is_p_minus_t():
    z = Tensor(np.array([[1.0, 2.0, 0.5]]), requires_grad=True)
    t = np.array([[0.0, 1.0, 0.0]])
    g = grad(K.sum(K.categorical_crossentropy(t, z, from_logits=True)), z)
    p = np.exp(z.value) / np.exp(z.value).sum()
    np.testing.assert_allclose(g, p - t)
    g = grad(K.sum(K.sparse_categorical_crossentropy(np.array([1]), z, from_logits=True)), z)
    np.testing.assert_allclose(g, p - t)


def test_l2_normalize():
    x = a32([[3, 4], [0, 0]])
    np.testing.assert_allclose(K.l2_normalize(x, axis=-1), [[0.6, 0.8], [0, 0]])
    np.testing.assert_allclose(K.l2_normalize(x), x / 5)
    tiny = a32([[1e-7, 0]])          # sum x^2 < 1e-12: divided by 1e-6
    np.testing.assert_allclose(K.l2_normalize(tiny, axis=1), [[0.1, 0]], rtol=1e-5)


def test_dropout():
    x = np.ones((200, 50), dtype=np.float32)
    y = K.dropout(x, 0.25, seed=3)
    assert y.dtype == np.float32
    vals = set(np.unique(y).tolist())
    assert vals <= {0.0, np.float32(1 / 0.75)}
    assert abs((y == 0).mean() - 0.25) < 0.02
    np.testing.assert_array_equal(y, K.dropout(x, 0.25, seed=3))      # seeded
    ns = K.dropout(x, 0.5, noise_shape=(200, 1), seed=0)
    assert np.all((ns == 0).all(1) | (ns != 0).all(1))                   # one mask per row
    np.testing.assert_array_equal(K.dropout(x, 0.0), x)
    with pytest.raises(ValueError, match="level"):
        K.dropout(x, 1.0)
    np.random.seed(5)
    a = K.dropout(x, 0.5)
    np.random.seed(5)
    np.testing.assert_array_equal(a, K.dropout(x, 0.5))                 # np.random.seed


def test_bias_add(x234):
    b = a32([1, 2, 3, 4])
    np.testing.assert_allclose(K.bias_add(x234, b), x234 + b)
    bc = a32([1, 2, 3])
    np.testing.assert_allclose(K.bias_add(x234, bc, data_format="channels_first"),
                               x234 + bc[None, :, None])
    with pytest.raises(ValueError, match="bias"):
        K.bias_add(x234, np.ones((1, 1, 1, 1)))


@pytest.mark.parametrize("code", range(6))
@pytest.mark.parametrize("shape", [(5, 4), (2, 3, 4), (4,)])
def test_dense_matches_numpy(rng, code, shape):
    from ckeras.backend.nn import dense
    x = rng.uniform(-2, 2, shape).astype(np.float32)
    w = rng.uniform(-1, 1, (4, 3)).astype(np.float32)
    b = rng.uniform(-1, 1, 3).astype(np.float32)
    z = x.astype(np.float64) @ w + b
    acts = [lambda v: v, lambda v: np.maximum(v, 0), lambda v: 1 / (1 + np.exp(-v)), np.tanh,
            lambda v: np.exp(v) / np.exp(v).sum(-1, keepdims=True),
            lambda v: np.clip(0.2 * v + 0.5, 0, 1)]
    y = dense(x, w, b, code)
    assert y.dtype == np.float32 and y.shape == shape[:-1] + (3,)
    np.testing.assert_allclose(y, acts[code](z), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(dense(x, w, None, code), acts[code](z - b), rtol=1e-5, atol=1e-6)


def test_dense_non_contiguous_and_int_input(rng):
    from ckeras.backend.nn import dense
    x = rng.random((4, 6)).astype(np.float32)[:, ::2]
    w = rng.random((3, 2)).astype(np.float32)
    np.testing.assert_allclose(dense(x, w, None, 0), x @ w, rtol=1e-6)
    xi = np.arange(6).reshape(2, 3)
    out = dense(xi, w, None, 0)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, xi @ w, rtol=1e-6)
    with pytest.raises(ValueError, match="kernel.shape"):
        dense(np.ones((2, 5), np.float32), w, None, 0)


def test_dense_taped_3d_gradient(rng):
    from ckeras.backend.nn import dense
    x = Tensor(rng.random((2, 3, 4)), requires_grad=True)
    w = Variable(rng.random((4, 5)))
    b = Variable(rng.random(5))
    y = dense(x, w, b, 3)
    assert isinstance(y, Tensor) and y.shape == (2, 3, 5)
    gx, gw, gb = grad(K.sum(y), [x, w, b])
    d = 1 - np.tanh(x.value @ w.value + b.value) ** 2
    np.testing.assert_allclose(gx, d @ w.value.T)
    np.testing.assert_allclose(gw, np.einsum("bti,btj->ij", x.value, d))
    np.testing.assert_allclose(gb, d.sum((0, 1)))
    with no_grad():
        assert type(dense(x, w, b, 3)) is np.ndarray


def test_switch_and_phases():
    a, b = a32([1, 2, 3]), a32([-1, -2, -3])
    np.testing.assert_array_equal(K.switch(np.array([True, False, True]), a, b), [1, -2, 3])
    assert K.switch(True, lambda: a, lambda: b) is a
    cond = np.array([True, False])
    m = K.switch(cond, np.ones((2, 3)), np.zeros((2, 3)))
    np.testing.assert_array_equal(m, [[1, 1, 1], [0, 0, 0]])   # condition on leading axes
    with pytest.raises(ValueError, match="rank of `condition`"):
        K.switch(np.ones((2, 3, 4), bool), a, b)
    assert K.in_train_phase(a, b, training=1) is a
    assert K.in_train_phase(a, b) is b                          # learning phase 0
    assert K.in_test_phase(a, b) is a
    assert K.in_train_phase(lambda: a, lambda: b, training=True) is a
    K.set_learning_phase(1)
    try:
        assert K.in_train_phase(a, b) is a
    finally:
        K.set_learning_phase(0)


def test_stop_gradient():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = K.sum(K.stop_gradient(x) * x)
    np.testing.assert_allclose(grad(y, x), [1.0, 2.0])
    assert len(K.stop_gradient([x, x])) == 2


# -- random ----------------------------------------------------------------------------------------

def test_random_ops():
    u = K.random_uniform((1000,), -2, 3, seed=1)
    assert u.dtype == np.float32 and u.min() >= -2 and u.max() < 3
    np.testing.assert_array_equal(u, K.random_uniform((1000,), -2, 3, seed=1))
    n = K.random_normal((2000,), 1.0, 2.0, seed=2)
    assert abs(n.mean() - 1) < 0.15 and abs(n.std() - 2) < 0.15
    tn = K.truncated_normal((2000,), 0.0, 1.5, seed=3, dtype="float64")
    assert tn.dtype == np.float64 and np.abs(tn).max() <= 3.0
    bn = K.random_binomial((1000,), p=0.3, seed=4)
    assert set(np.unique(bn)) <= {0, 1} and abs(bn.mean() - 0.3) < 0.05
    v = K.random_uniform_variable((2, 3), 0, 1, seed=0)
    assert isinstance(v, Variable) and K.int_shape(v) == (2, 3)
    assert isinstance(K.random_normal_variable((2,), 0, 1), Variable)


# -- cross-cutting behaviour ---------------------------------------------------------------------

OPS_1 = [K.square, K.abs, K.sqrt, K.exp, K.round, K.sign, K.sin, K.cos, K.sigmoid, K.tanh,
         K.hard_sigmoid, K.softplus, K.softsign, K.softmax, K.relu, K.elu, K.l2_normalize,
         K.transpose, K.flatten, K.batch_flatten, K.cumsum,
         lambda x: K.clip(x, 0.1, 0.5), lambda x: K.pow(x, 2), lambda x: K.maximum(x, 0.5),
         lambda x: K.minimum(x, 0.5), lambda x: x * 2.5 + 1.0, lambda x: 1.5 - x / 3.0,
         lambda x: K.mean(x, axis=1), lambda x: K.sum(x, 0), lambda x: K.max(x, 1),
         lambda x: K.std(x, 1), lambda x: K.var(x), lambda x: K.prod(x, 1),
         lambda x: K.logsumexp(x, 1), lambda x: K.relu(x, 0.1, 0.6, 0.2),
         lambda x: K.expand_dims(x), lambda x: K.reverse(x, 0), lambda x: K.tile(x, 2),
         lambda x: K.repeat(x, 2), lambda x: K.dot(x, x.T if isinstance(x, np.ndarray)
                                                    else K.transpose(x)),
         lambda x: K.batch_dot(x, x), lambda x: K.bias_add(x, np.ones(4, np.float32)),
         lambda x: K.categorical_crossentropy(x, x), lambda x: K.binary_crossentropy(x, x),
         lambda x: K.categorical_crossentropy(x, x, from_logits=True),
         lambda x: K.binary_crossentropy(x, x, from_logits=True),
         lambda x: K.sparse_categorical_crossentropy(np.array([0, 1, 3]), x),
         lambda x: K.dropout(x, 0.5, seed=1), lambda x: K.concatenate([x, x]),
         lambda x: K.stack([x, x]), lambda x: K.switch(np.array([1, 0, 1]), x, -x),
         lambda x: K.gather(x, [0, 2])]


@pytest.mark.parametrize("op", OPS_1, ids=range(len(OPS_1)))
def test_ndarray_tensor_and_dtype_contract(op, rng):
    x = rng.uniform(0.05, 0.95, (3, 4)).astype(np.float32)
    keep = x.copy()
    out = op(x)
    assert isinstance(out, np.ndarray) and out.dtype == np.float32
    np.testing.assert_array_equal(x, keep)                       # input never modified
    t = Tensor(x, requires_grad=True)
    tout = op(t)
    assert isinstance(tout, Tensor) and tout.requires_grad and tout.dtype == np.float32
    np.testing.assert_allclose(tout.value, out, rtol=1e-6)
    g = grad(K.sum(tout), t)
    assert g.dtype == np.float32 and g.shape == x.shape
    np.testing.assert_array_equal(x, keep)
    x64 = x.astype(np.float64)
    assert np.asarray(op(x64)).dtype == np.float64               # float64 preserved


def test_python_lists_become_floatx():
    assert K.mean([1.0, 2.0]).dtype == np.float32
    assert K.sum([[1, 2]], axis=1).dtype.kind == "i"
    assert K.maximum(a32([1, 2]), np.float64(1.5)).dtype == np.float32


# -- conv / pool / rnn ---------------------------------------------------------------------------

def _naive_conv2d(x, w, stride, pads, dil):
    x = np.pad(x, ((0, 0), pads[0], pads[1], (0, 0)))
    kh, kw = w.shape[:2]
    oh = (x.shape[1] - (kh - 1) * dil[0] - 1) // stride[0] + 1
    ow = (x.shape[2] - (kw - 1) * dil[1] - 1) // stride[1] + 1
    out = np.zeros((x.shape[0], oh, ow, w.shape[3]))
    for i in range(oh):
        for j in range(ow):
            for a in range(kh):
                for b in range(kw):
                    out[:, i, j] += x[:, i * stride[0] + a * dil[0],
                                      j * stride[1] + b * dil[1]] @ w[a, b]
    return out


def test_conv2d(rng):
    x = rng.random((2, 7, 6, 3))
    w = rng.random((3, 2, 3, 4))
    np.testing.assert_allclose(K.conv2d(x, w), _naive_conv2d(x, w, (1, 1), ((0, 0), (0, 0)),
                                                             (1, 1)))
    # 'same' with stride 2: out = ceil(n / s); TF puts the extra pad after
    y = K.conv2d(x, w, strides=(2, 2), padding="same")
    assert y.shape == (2, 4, 3, 4)
    np.testing.assert_allclose(y, _naive_conv2d(x, w, (2, 2), ((1, 1), (0, 1)), (1, 1)))
    yd = K.conv2d(x, w, padding="valid", dilation_rate=(2, 1))
    np.testing.assert_allclose(yd, _naive_conv2d(x, w, (1, 1), ((0, 0), (0, 0)), (2, 1)))
    xf = np.transpose(x, (0, 3, 1, 2))
    yf = K.conv2d(xf, w, data_format="channels_first")
    np.testing.assert_allclose(yf, np.transpose(K.conv2d(x, w), (0, 3, 1, 2)))
    assert K.conv2d(x.astype(np.float32), w.astype(np.float32)).dtype == np.float32


def test_conv1d_causal(rng):
    x = rng.random((1, 5, 1))
    w = np.array([[[1.0]], [[10.0]]])       # y_t = x_{t-1} + 10 x_t
    y = K.conv1d(x, w, padding="causal")
    ref = 10 * x[0, :, 0] + np.concatenate([[0], x[0, :-1, 0]])
    np.testing.assert_allclose(y[0, :, 0], ref)
    with pytest.raises(ValueError, match="causal"):
        K.conv2d(rng.random((1, 3, 3, 1)), rng.random((2, 2, 1, 1)), padding="causal")


def test_pool2d():
    x = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)
    mx = K.pool2d(x, (2, 2), strides=(2, 2))
    np.testing.assert_array_equal(mx[0, :, :, 0], [[5, 7], [13, 15]])
    av = K.pool2d(x, (2, 2), strides=(2, 2), pool_mode="avg")
    np.testing.assert_array_equal(av[0, :, :, 0], [[2.5, 4.5], [10.5, 12.5]])
    x3 = np.arange(9, dtype=np.float32).reshape(1, 3, 3, 1)
    av = K.pool2d(x3, (2, 2), strides=(2, 2), padding="same", pool_mode="avg")
    # the padded entries are not counted: corner window holds only x[2,2]
    np.testing.assert_array_equal(av[0, :, :, 0], [[2, 3.5], [6.5, 8]])
    with pytest.raises(ValueError, match="pool_mode"):
        K.pool2d(x, (2, 2), pool_mode="min")


def test_rnn_mask_and_go_backwards():
    x = np.arange(1, 7, dtype=np.float32).reshape(1, 6, 1)    # 1..6
    h0 = np.zeros((1, 1), np.float32)

    def step(xt, states):
        h = states[0] + xt
        return h, [h]

    last, outs, states = K.rnn(step, x, [h0])
    np.testing.assert_array_equal(outs[0, :, 0], np.cumsum(np.arange(1, 7)))
    assert float(last[0, 0]) == 21 and float(states[0][0, 0]) == 21
    mask = np.array([[1, 1, 0, 1, 0, 0]], dtype=bool)
    last, outs, states = K.rnn(step, x, [h0], mask=mask)
    np.testing.assert_array_equal(outs[0, :, 0], [1, 3, 3, 7, 7, 7])
    assert float(states[0][0, 0]) == 7
    _, outs, _ = K.rnn(step, x, [h0], mask=mask, zero_output_for_mask=True)
    np.testing.assert_array_equal(outs[0, :, 0], [1, 3, 0, 7, 0, 0])
    last, outs, _ = K.rnn(step, x, [h0], go_backwards=True)
    np.testing.assert_array_equal(outs[0, :, 0], [6, 11, 15, 18, 20, 21])
    t = Tensor(x, requires_grad=True)
    last, _, _ = K.rnn(step, t, [h0])
    np.testing.assert_array_equal(grad(K.sum(last), t), np.ones_like(x))


def test_crossentropy_target_cast_to_output_dtype():
    p = a32([[0.2, 0.8]])
    t64 = np.array([[0.0, 1.0]])
    for fn in (K.binary_crossentropy, K.categorical_crossentropy):
        assert fn(t64, p).dtype == np.float32
        assert fn(t64, p, from_logits=True).dtype == np.float32
        assert fn(np.array([[0, 1]]), p).dtype == np.float32


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64, ">i8", "<i4"])
def test_sparse_crossentropy_rejects_negative_and_large_labels(dtype):
    # the range check reads the labels as unsigned: negatives must fail too,
    # for every integer width and for a strided label array
    p = a32([[0.2, 0.3, 0.5]] * 4)
    for bad, labels in ((-1, np.array([[0, -1], [1, 2]], dtype)[:, 1:].ravel()),
                        (3, np.array([0, 3], dtype))):
        with pytest.raises(ValueError, match=f"label value of {bad} "):
            K.sparse_categorical_crossentropy(labels, p[:len(labels)])
    ok = K.sparse_categorical_crossentropy(np.array([2, 0, 1, 2], dtype), p)
    np.testing.assert_allclose(ok, -np.log([0.5, 0.2, 0.3, 0.5]), rtol=1e-6)
