"""Keras' structure rules for model inputs and outputs (engine/structure.py),
shared by predict, fit, evaluate, generators and model calls."""
import numpy as np
import pytest

from ckeras import backend as K
from ckeras.layers import LSTM, Dense, Embedding, Input
from ckeras.models import Model, Sequential
from ckeras.utils import Sequence


def _dict_model():
    a = Input(shape=(3,), name="in_a")
    b = Input(shape=(2,), name="in_b")
    out = {"y": Dense(1, name="dy")(a), "x": Dense(2, name="dx")(b)}
    return Model({"b": b, "a": a}, out)


def test_dict_built_model_reads_inputs_by_its_keys_and_returns_its_output_dict(rng):
    model = _dict_model()
    xa = rng.standard_normal((4, 3)).astype("float32")
    xb = rng.standard_normal((4, 2)).astype("float32")
    pred = model.predict({"a": xa, "b": xb}, batch_size=3)
    assert sorted(pred) == ["x", "y"]
    assert pred["y"].shape == (4, 1) and pred["x"].shape == (4, 2)
    called = model({"a": xa, "b": xb})
    for key in ("x", "y"):
        np.testing.assert_allclose(np.asarray(called[key]), pred[key], rtol=1e-6)
    # atol: float32 round-off of a 3-term sum near zero (predict's batched GEMM
    # and NumPy's `@` may add in different orders)
    np.testing.assert_allclose(pred["y"], xa @ model.get_layer("dy").get_weights()[0]
                               + model.get_layer("dy").get_weights()[1], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("run", [lambda m, x: m.predict(x), lambda m, x: m(x)],
                         ids=["predict", "call"])
def test_missing_input_key_names_the_key(run, rng):
    model = _dict_model()
    with pytest.raises(ValueError, match='Missing data for input "b". You passed a data '
                                         r"dictionary with keys \['a'\]"):
        run(model, {"a": np.zeros((2, 3), "float32")})


def test_extra_input_keys_are_ignored_with_a_warning(rng):
    a = Input(shape=(3,), name="in_a")
    model = Model(a, Dense(1)(a))
    x = rng.standard_normal((2, 3)).astype("float32")
    with pytest.warns(UserWarning, match=r"\['junk'\] which did not match any model input"):
        out = model.predict({"in_a": x, "junk": x})
    np.testing.assert_allclose(out, model.predict(x), rtol=1e-6)


def test_trailing_axis_and_dtype_casts(rng):
    model = Sequential([Dense(2, input_shape=(1,))])
    x = rng.standard_normal(5)                       # float64, rank 1
    expected = x[:, None].astype("float32") @ model.get_weights()[0] + model.get_weights()[1]
    np.testing.assert_allclose(model.predict(x), expected, rtol=1e-6)
    np.testing.assert_allclose(model.predict(list(x)), expected, rtol=1e-6)
    ids = Sequential([Embedding(5, 2, input_length=3)])
    got = ids.predict(np.array([[1, 2, 3]], ">i8"))  # big-endian ints: cast
    np.testing.assert_array_equal(got[0], ids.get_weights()[0][[1, 2, 3]])


def test_wrong_input_shape_and_count_are_keras_errors(rng):
    a, b = Input(shape=(3,)), Input(shape=(2,))
    model = Model([a, b], Dense(1)(K.concatenate([a, b])))
    with pytest.raises(ValueError, match=r"expects 2 input\(s\), but it received 1"):
        model.predict(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"Input 1 of layer .* expected shape=\(None, 2\), "
                                         r"found shape=\(2, 4\)"):
        model.predict([np.zeros((2, 3)), np.zeros((2, 4))])
    with pytest.raises(ValueError, match="Data cardinality is ambiguous"):
        model.predict([np.zeros((2, 3)), np.zeros((3, 2))])


def test_single_output_list_model_unwraps_its_output_as_tf_keras(rng):
    """#21 item 2: a model built with outputs=[y] gives y itself from predict,
    from an eager call and from a symbolic call (tf-keras 2.21 does all three),
    so it nests as a layer: Dense(2)(sub(b)) used to raise a TypeError."""
    a = Input(shape=(3,))
    model = Model([a], [Dense(2)(a)])
    x = rng.standard_normal((4, 3)).astype("float32")
    assert isinstance(model.predict(x), np.ndarray)
    called = model(x)
    assert not isinstance(called, list) and called.shape == (4, 2)
    np.testing.assert_allclose(np.asarray(called), model.predict(x), rtol=1e-6)
    b = Input(shape=(3,))
    inner = model(b)
    assert not isinstance(inner, list) and inner.shape == (None, 2)
    outer = Model(b, Dense(1)(inner))
    assert outer.predict(x).shape == (4, 1)


class _Batches(Sequence):
    def __init__(self, x, y):
        self.x, self.y = x, y

    def __len__(self):
        return 2

    def __getitem__(self, i):
        return self.x[2 * i:2 * i + 2], self.y[2 * i:2 * i + 2]


def test_generator_batches_follow_the_same_rules_as_arrays(rng):
    x = rng.standard_normal(4)                       # float64, rank 1, for (None, 1)
    y = rng.standard_normal((4, 1))
    model = Sequential([Dense(1, input_shape=(1,))])
    model.compile("sgd", "mse")
    np.testing.assert_allclose(model.predict(_Batches(x, y)), model.predict(x), rtol=1e-6)
    np.testing.assert_allclose(model.evaluate(_Batches(x, y), verbose=0),
                               model.evaluate(x, y, batch_size=2, verbose=0), rtol=1e-6)


# ---------------------------------------------------------- unaligned input
def _unaligned(a):
    """A copy of `a` one byte into a buffer: not aligned."""
    buf = np.empty(a.nbytes + 1, np.uint8)
    out = buf[1:].view(a.dtype).reshape(a.shape)
    out[...] = a
    assert not out.flags.aligned
    return out


def test_unaligned_arrays_work_everywhere(rng):
    model = Sequential([LSTM(3, input_shape=(4, 2)), Dense(1)])
    model.compile("sgd", "mse")
    x = rng.standard_normal((6, 4, 2)).astype("float32")
    y = rng.standard_normal((6, 1)).astype("float32")
    ux, uy = _unaligned(x), _unaligned(y)
    np.testing.assert_allclose(model.predict(ux), model.predict(x), rtol=1e-6)
    np.testing.assert_allclose(model.predict_on_batch(ux), model.predict(x), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(model(ux)), model.predict(x), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(model.layers[0](ux)),
                               np.asarray(model.layers[0](x)), rtol=1e-6)
    np.testing.assert_allclose(model.evaluate(ux, uy, verbose=0),
                               model.evaluate(x, y, verbose=0), rtol=1e-6)
    twin = Sequential([LSTM(3, input_shape=(4, 2)), Dense(1)])
    twin.set_weights(model.get_weights())
    twin.compile("sgd", "mse")
    before = model.get_weights()
    model.fit(ux, uy, batch_size=3, epochs=2, shuffle=False, verbose=0)
    twin.fit(x, y, batch_size=3, epochs=2, shuffle=False, verbose=0)
    for a, b, c in zip(model.get_weights(), twin.get_weights(), before):
        np.testing.assert_allclose(a, b, rtol=1e-6)
        assert not np.array_equal(a, c)
    model.train_on_batch(ux, uy)
