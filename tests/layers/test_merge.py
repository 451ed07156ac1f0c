"""Merge layers and their functional forms."""
import pathlib

import numpy as np
import pytest

from ckeras import layers as L
from ckeras.autograd import Tensor, enable_grad, grad
from ckeras.engine import Input
from ckeras.engine.functional import Functional
from ckeras.testing import Golden, golden_layer_test, layer_test

GOLDEN = Golden(pathlib.Path(__file__).resolve().parents[1] / "fixtures", "core")

ELEMENTWISE = {"Add": (L.Add, lambda xs: sum(xs)),
               "Subtract": (L.Subtract, lambda xs: xs[0] - xs[1]),
               "Multiply": (L.Multiply, lambda xs: np.prod(xs, axis=0)),
               "Average": (L.Average, lambda xs: np.mean(xs, axis=0)),
               "Maximum": (L.Maximum, lambda xs: np.max(xs, axis=0)),
               "Minimum": (L.Minimum, lambda xs: np.min(xs, axis=0))}
CLASSES = {cls.__name__: cls for cls in (L.Add, L.Subtract, L.Multiply, L.Average,
                                         L.Maximum, L.Minimum, L.Concatenate, L.Dot)}


@pytest.mark.parametrize("name", GOLDEN.names(layer=tuple(CLASSES)))
def test_merge_golden(name):
    golden_layer_test(GOLDEN.load(name), CLASSES[GOLDEN[name]["layer"]])


@pytest.mark.parametrize("name,n", [(name, n) for name in sorted(ELEMENTWISE)
                                    for n in (2, 3) if name != "Subtract" or n == 2])
def test_elementwise_harness(name, n):
    cls, ref = ELEMENTWISE[name]
    rng = np.random.default_rng(n)
    xs = [rng.standard_normal((3, 4, 5)).astype("float32") for _ in range(n)]
    layer_test(cls, {}, input_data=xs, expected_output=ref(np.stack(xs)), atol=1e-6)


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_elementwise_broadcast_size_one(name):
    cls, ref = ELEMENTWISE[name]
    rng = np.random.default_rng(0)
    a = rng.standard_normal((2, 3, 4)).astype("float32")
    b = rng.standard_normal((2, 1, 4)).astype("float32")
    expected = ref(np.stack(np.broadcast_arrays(a, b)))
    layer_test(cls, {}, input_data=[a, b], expected_output=expected,
               expected_output_shape=(None, 3, 4))
    assert cls()([Input(shape=(3, 4)), Input(shape=(1, 4))]).shape == (None, 3, 4)


def test_add_lower_rank_input_gets_unit_axes_after_batch():
    a = np.ones((2, 3, 4), "float32")
    b = np.arange(8, dtype="float32").reshape(2, 4)
    y = np.asarray(L.Add()([a, b]))
    np.testing.assert_array_equal(y, a + b[:, None, :])
    assert L.Add()([Input(shape=(3, 4)), Input(shape=(4,))]).shape == (None, 3, 4)


def test_add_single_input_is_accepted():
    x = np.ones((2, 3), "float32")
    np.testing.assert_array_equal(np.asarray(L.Add()([x])), x)


@pytest.mark.parametrize("cls", [L.Add, L.Multiply, L.Average, L.Maximum, L.Minimum,
                                 L.Subtract])
def test_elementwise_shape_mismatch_names_layer_and_shapes(cls):
    with pytest.raises(ValueError, match=r'"my_merge".*incompatible shapes.*\(4,\).*\(5,\)'):
        cls(name="my_merge")([Input(shape=(4,)), Input(shape=(5,))])
    with pytest.raises(ValueError, match="my_merge2.*incompatible shapes"):
        cls(name="my_merge2")([np.zeros((2, 4), "float32"), np.zeros((2, 5), "float32")])


def test_merge_needs_a_list():
    with pytest.raises(ValueError, match=r'"lonely".*list of inputs'):
        L.Add(name="lonely")(Input(shape=(3,)))


def test_merge_batch_size_mismatch():
    with pytest.raises(ValueError, match="different batch sizes"):
        L.Add()([Input(batch_shape=(2, 3)), Input(batch_shape=(3, 3))])


@pytest.mark.parametrize("n", [1, 3])
def test_subtract_exactly_two(n):
    with pytest.raises(ValueError, match="A `Subtract` layer should be called on exactly 2 "
                                         "inputs"):
        L.Subtract()([Input(shape=(3,)) for _ in range(n)])
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        L.Subtract()([np.zeros((1, 3), "float32")] * n)


# ------------------------------------------------------------ Concatenate
@pytest.mark.parametrize("axis,shapes,out", [
    (-1, [(2, 3), (2, 5)], (2, 8)),
    (-1, [(2, 4, 3), (2, 4, 1), (2, 4, 2)], (2, 4, 6)),
    (1, [(2, 3, 4), (2, 2, 4)], (2, 5, 4)),
    (2, [(2, 3, 4), (2, 3, 4)], (2, 3, 8)),
    (-2, [(2, 3, 4), (2, 1, 4)], (2, 4, 4)),
])
def test_concatenate_harness(axis, shapes, out):
    rng = np.random.default_rng(0)
    xs = [rng.standard_normal(s).astype("float32") for s in shapes]
    layer_test(L.Concatenate, {"axis": axis}, input_data=xs,
               expected_output=np.concatenate(xs, axis=axis), expected_output_shape=out)


def test_concatenate_errors():
    with pytest.raises(ValueError, match=r'matching shapes except for the concatenation '
                                         r'axis \(layer "cat".*\(None, 3, 4\), \(None, 2, 5\)'):
        L.Concatenate(name="cat")([Input(shape=(3, 4)), Input(shape=(2, 5))])
    with pytest.raises(ValueError, match="matching shapes"):
        L.Concatenate(axis=1)([Input(shape=(3, 4)), Input(shape=(3,))])
    with pytest.raises(ValueError, match="list"):
        L.Concatenate()(Input(shape=(3,)))
    t = L.Concatenate(axis=1)([Input(batch_shape=(None, None, 4)), Input(shape=(2, 4))])
    assert t.shape == (None, None, 4)


def test_concatenate_masks_are_concatenated():
    a, b = Input(shape=(3, 2)), Input(shape=(2, 2))
    out = L.Concatenate(axis=1)([L.Masking()(a), b])
    model = Functional([a, b], out)
    xa = np.array([[[1, 1], [0, 0], [2, 2]]], "float32")
    xb = np.zeros((1, 2, 2), "float32")
    mask = model.compute_mask([xa, xb])
    np.testing.assert_array_equal(mask, [[True, False, True, True, True]])
    # concatenating features: a timestep is kept only where every input keeps it
    c, d = Input(shape=(3, 2)), Input(shape=(3, 2))
    out = L.Concatenate()([L.Masking()(c), L.Masking()(d)])
    model = Functional([c, d], out)
    xd = np.array([[[1, 1], [1, 1], [0, 0]]], "float32")
    np.testing.assert_array_equal(model.compute_mask([xa, xd]), [[True, False, False]])


def test_elementwise_masks_are_anded():
    a, b = Input(shape=(3, 2)), Input(shape=(3, 2))
    out = L.Add()([L.Masking()(a), L.Masking()(b)])
    model = Functional([a, b], out)
    xa = np.array([[[1, 1], [0, 0], [2, 2]]], "float32")
    xb = np.array([[[1, 1], [1, 1], [0, 0]]], "float32")
    np.testing.assert_array_equal(model.compute_mask([xa, xb]), [[True, False, False]])
    layer = L.Multiply()
    np.testing.assert_array_equal(
        layer.compute_mask([xa, xb], [None, np.array([[True, False, True]])]),
        [[True, False, True]])
    assert layer.compute_mask([xa, xb], [None, None]) is None
    assert L.Dot(axes=1).compute_mask([xa, xb], [None, None]) is None


# -------------------------------------------------------------------- Dot
def _ref_dot(x, y, axes, normalize=False):
    if normalize:
        x = x / np.sqrt(np.maximum(np.sum(x * x, axis=axes[0], keepdims=True), 1e-12))
        y = y / np.sqrt(np.maximum(np.sum(y * y, axis=axes[1], keepdims=True), 1e-12))
    out = np.stack([np.tensordot(a, b, axes=(axes[0] - 1, axes[1] - 1))
                    for a, b in zip(x, y)])
    return out.reshape(len(x), 1) if out.ndim == 1 else out


@pytest.mark.parametrize("axes,shapes,pair,out", [
    (1, [(3, 5), (3, 5)], (1, 1), (3, 1)),
    (-1, [(3, 5), (3, 5)], (1, 1), (3, 1)),
    ((1, 2), [(2, 4, 3), (2, 5, 4)], (1, 2), (2, 3, 5)),
    (2, [(2, 3, 4), (2, 5, 4)], (2, 2), (2, 3, 5)),
    ([1, 1], [(2, 4, 3), (2, 4, 2)], (1, 1), (2, 3, 2)),
    (-1, [(2, 3, 4), (2, 4)], (2, 1), (2, 3)),
])
@pytest.mark.parametrize("normalize", [False, True])
def test_dot_harness(axes, shapes, pair, out, normalize):
    rng = np.random.default_rng(0)
    xs = [rng.standard_normal(s).astype("float32") for s in shapes]
    layer_test(L.Dot, {"axes": axes, "normalize": normalize}, input_data=xs,
               expected_output=_ref_dot(xs[0], xs[1], pair, normalize),
               expected_output_shape=out, atol=1e-5, rtol=1e-5)


def test_dot_errors():
    with pytest.raises(ValueError, match=r'"dd".*5 \(at axis 1\) != 4 \(at axis 1\)'):
        L.Dot(axes=1, name="dd")([Input(shape=(5,)), Input(shape=(4,))])
    with pytest.raises(ValueError, match="list of 2 inputs"):
        L.Dot(axes=1)([Input(shape=(5,))] * 3)
    with pytest.raises(ValueError, match="two elements"):
        L.Dot(axes=(1, 2, 3))
    with pytest.raises(TypeError, match="list or an int"):
        L.Dot(axes="1")
    with pytest.raises(ValueError, match="integers"):
        L.Dot(axes=(1, 1.5))


def test_dot_cosine_of_parallel_vectors_is_one():
    x = np.array([[1.0, 2.0, 3.0]], "float32")
    y = np.asarray(L.Dot(axes=1, normalize=True)([x, 2 * x]))
    np.testing.assert_allclose(y, [[1.0]], rtol=1e-6)


def test_merge_gradients_flow_to_every_input():
    rng = np.random.default_rng(0)
    a = Tensor(rng.standard_normal((2, 3)), requires_grad=True)
    b = Tensor(rng.standard_normal((2, 3)), requires_grad=True)
    with enable_grad():
        total = (L.Multiply(dtype="float64")([a, b]) +
                 L.Subtract(dtype="float64")([a, b])).sum()
        ga, gb = grad(total, [a, b])
    np.testing.assert_allclose(ga, b.value + 1)
    np.testing.assert_allclose(gb, a.value - 1)


# ------------------------------------------------------ functional forms
def test_functional_forms():
    a, b = Input(shape=(4,), name="fa"), Input(shape=(4,), name="fb")
    outs = [L.add([a, b]), L.subtract([a, b]), L.multiply([a, b]), L.average([a, b]),
            L.maximum([a, b]), L.minimum([a, b]), L.concatenate([a, b], name="cc"),
            L.concatenate([a, b], axis=1), L.dot([a, b], axes=1),
            L.dot([a, b], axes=-1, normalize=True)]
    model = Functional([a, b], outs)
    names = [t._keras_history[0] for t in outs]
    assert [type(layer).__name__ for layer in names] == [
        "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate",
        "Concatenate", "Dot", "Dot"]
    assert names[6].name == "cc"
    rng = np.random.default_rng(0)
    xa, xb = (rng.standard_normal((3, 4)).astype("float32") for _ in range(2))
    ys = model.predict([xa, xb])
    expected = [xa + xb, xa - xb, xa * xb, (xa + xb) / 2, np.maximum(xa, xb),
                np.minimum(xa, xb), np.concatenate([xa, xb], -1),
                np.concatenate([xa, xb], 1), np.sum(xa * xb, 1, keepdims=True)]
    for y, e in zip(ys, expected):
        np.testing.assert_allclose(y, e, rtol=1e-5, atol=1e-6)
    assert ys[-1].shape == (3, 1)
