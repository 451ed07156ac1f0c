"""Core layers: Dense, Activation, Dropout, Flatten, Reshape, Permute,
RepeatVector, Lambda, ActivityRegularization, Masking."""
import json
import pathlib

import numpy as np
import pytest

from ckeras import activations
from ckeras import backend as K
from ckeras import layers as L
from ckeras.autograd import Tensor, enable_grad, grad
from ckeras.engine import Input
from ckeras.engine.functional import Functional
from ckeras.engine.sequential import Sequential
from ckeras.testing import Golden, golden_layer_test, json_roundtrip, layer_test

GOLDEN = Golden(pathlib.Path(__file__).resolve().parents[1] / "fixtures", "core")

LAMBDA_FUNCTIONS = {"keras.activations.relu": activations.relu,
                    "keras.activations.softmax": activations.softmax,
                    "keras.activations.elu": activations.elu,
                    "keras.activations.gelu": activations.gelu}

# ------------------------------------------------------------------ Dense
@pytest.mark.parametrize("name", GOLDEN.names(layer="Dense"))
def test_dense_golden(name):
    golden_layer_test(GOLDEN.load(name), L.Dense)


@pytest.mark.parametrize("kwargs,shape", [
    ({"units": 3}, (2, 4)),
    ({"units": 3, "activation": "relu"}, (2, 4)),
    ({"units": 2, "activation": "softmax", "use_bias": False}, (3, 5)),
    ({"units": 4, "activation": "elu"}, (2, 3, 5)),          # not fused
    ({"units": 1, "activation": "sigmoid"}, (2, 2, 3, 4)),
    ({"units": 3, "activation": "tanh", "kernel_initializer": "he_normal",
      "bias_initializer": "ones", "kernel_regularizer": "l2",
      "bias_regularizer": {"class_name": "L1", "config": {"l1": 0.1}},
      "activity_regularizer": "l1", "kernel_constraint": "max_norm",
      "bias_constraint": "non_neg"}, (2, 4)),
    ({"units": 3, "activation": activations.hard_sigmoid}, (1, 4)),
    ({"units": 5, "activation": "swish"}, (None, 6)),
])
def test_dense_harness(kwargs, shape):
    y = layer_test(L.Dense, kwargs, input_shape=shape,
                   expected_output_shape=shape[:-1] + (kwargs["units"],))
    assert y.shape[-1] == kwargs["units"]


def test_dense_math_and_weights():
    layer = L.Dense(3, activation="relu", name="d")
    x = np.random.default_rng(0).standard_normal((4, 5)).astype("float32")
    y = np.asarray(layer(x))
    w, b = layer.get_weights()
    assert w.shape == (5, 3) and b.shape == (3,)
    assert [v.name for v in layer.weights] == ["d/kernel:0", "d/bias:0"]
    np.testing.assert_allclose(y, np.maximum(x @ w + b, 0), atol=1e-6)
    assert layer.input_spec.axes == {-1: 5}


def test_dense_int_input_is_cast():
    layer = L.Dense(2)
    y = np.asarray(layer(np.ones((3, 4), dtype="int32")))
    assert y.dtype == np.float32


def test_dense_wrong_last_dim_names_layer():
    layer = L.Dense(3, name="my_dense")
    layer(np.zeros((2, 4), "float32"))
    with pytest.raises(ValueError, match=r'my_dense.*(axis -1|4).*'):
        layer(np.zeros((2, 5), "float32"))
    with pytest.raises(ValueError, match="my_dense"):
        layer(Input(shape=(6,)))


def test_dense_rank1_and_bad_units():
    with pytest.raises(ValueError, match="min_ndim=2"):
        L.Dense(3)(np.zeros((4,), "float32"))
    with pytest.raises(ValueError, match="units"):
        L.Dense(-1)
    with pytest.raises(ValueError, match="last dimension"):
        L.Dense(3)(Input(batch_shape=(None, None)))


def test_dense_regularizer_losses():
    layer = L.Dense(2, kernel_regularizer="l2", activity_regularizer="l1",
                    kernel_initializer="ones")
    x = np.ones((4, 3), "float32")
    layer(x)
    losses = [float(np.asarray(v)) for v in layer.losses]
    assert len(losses) == 2
    assert losses[0] == pytest.approx(0.01 * 6)
    # activity penalty 0.01 * sum(|y|) / batch, y = 3 everywhere
    assert losses[1] == pytest.approx(0.01 * 3 * 8 / 4, rel=1e-5)


def test_dense_kernel_gradient_matches_finite_differences():
    layer = L.Dense(3, activation="tanh", dtype="float64")
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 5))
    layer(x)
    layer.set_weights([rng.standard_normal((5, 3)), rng.standard_normal(3)])
    seed = rng.standard_normal((4, 3))

    def loss_value():
        return float(np.sum(np.asarray(layer(x)) * seed))

    with enable_grad():
        xt = Tensor(x, requires_grad=True)
        out = layer(xt)
        total = (out * seed).sum()
        gk, gb, gx = grad(total, [layer.kernel, layer.bias, xt])
    eps = 1e-6
    for var, g in ((layer.kernel, gk), (layer.bias, gb)):
        num = np.zeros_like(var.value)
        for idx in np.ndindex(var.value.shape):
            old = var.value[idx]
            var.value[idx] = old + eps
            up = loss_value()
            var.value[idx] = old - eps
            down = loss_value()
            var.value[idx] = old
            num[idx] = (up - down) / (2 * eps)
        np.testing.assert_allclose(g, num, rtol=1e-6, atol=1e-8)
    assert gx.shape == x.shape


# ------------------------------------------------------------- Activation
@pytest.mark.parametrize("name", GOLDEN.names(layer="Activation"))
def test_activation_golden(name):
    golden_layer_test(GOLDEN.load(name), L.Activation)


@pytest.mark.parametrize("activation", ["relu", "softmax", "tanh", "selu", "linear",
                                        activations.sigmoid])
def test_activation_harness(activation):
    layer_test(L.Activation, {"activation": activation}, input_shape=(3, 4, 5))


def test_activation_unknown_name():
    with pytest.raises(ValueError, match="nope"):
        L.Activation("nope")


# ---------------------------------------------------------------- Dropout
def test_dropout_golden_inference():
    golden_layer_test(GOLDEN.load("dropout_inference"), L.Dropout)


@pytest.mark.parametrize("kwargs,shape", [
    ({"rate": 0.5}, (3, 4)),
    ({"rate": 0.0}, (2, 3, 4)),
    ({"rate": 0.2, "noise_shape": (None, 1, 4), "seed": 3}, (2, 3, 4)),
    ({"rate": 1.0}, (2, 2)),
])
def test_dropout_harness(kwargs, shape):
    x = np.random.default_rng(0).standard_normal(shape).astype("float32")
    layer_test(L.Dropout, kwargs, input_data=x, expected_output=x)


@pytest.mark.parametrize("rate", [-0.1, 1.5])
def test_dropout_bad_rate(rate):
    with pytest.raises(ValueError, match="between 0 and 1"):
        L.Dropout(rate)


@pytest.mark.parametrize("rate", [0.2, 0.5, 0.8])
def test_dropout_training_statistics(rate):
    x = np.ones((400, 250), "float32")
    y = np.asarray(L.Dropout(rate, seed=1)(x, training=True))
    zeros = np.mean(y == 0)
    assert zeros == pytest.approx(rate, abs=0.01)
    kept = y[y != 0]
    np.testing.assert_allclose(kept, 1 / (1 - rate), rtol=1e-6)
    assert y.mean() == pytest.approx(1.0, abs=0.03)
    assert y.dtype == np.float32


def test_dropout_seed_new_mask_each_call_reproducible_sequence():
    x = np.ones((20, 30), "float32")
    a, b = L.Dropout(0.5, seed=7), L.Dropout(0.5, seed=7)
    a1, a2 = (np.asarray(a(x, training=True)) for _ in range(2))
    b1, b2 = (np.asarray(b(x, training=True)) for _ in range(2))
    assert not np.array_equal(a1, a2)
    np.testing.assert_array_equal(a1, b1)
    np.testing.assert_array_equal(a2, b2)


def test_dropout_one_generator_per_layer_in_c(monkeypatch):
    """The masks come from the layer's own C generator state (no NumPy
    Generator per call, no float64 mask for float32 inputs): its counter
    advances by the mask size at each call, unseeded layers take their key
    from NumPy's global seed on first use, and the mask is the kernel's."""
    from ckeras.kernels import kernels

    def no_generator(*a, **k):
        raise AssertionError("a NumPy Generator was made")
    x = np.ones((6, 10), "float32")
    layer = L.Dropout(0.4, seed=5)
    monkeypatch.setattr(np.random, "default_rng", no_generator)
    y1 = np.asarray(layer(x, training=True))
    state = layer._dropout_state
    assert state.dtype == np.uint64 and state[1] == 60
    y2 = np.asarray(layer(x, training=True))
    assert layer._dropout_state is state and state[1] == 120
    monkeypatch.undo()
    assert y1.dtype == np.float32 and not np.array_equal(y1, y2)
    # the same stream drawn directly from the kernel
    again = np.array([state[0], 0], np.uint64)
    np.testing.assert_array_equal(y1, kernels().dropout_mask(again, 0.4, (6, 10), "float32"))
    np.testing.assert_array_equal(y2, kernels().dropout_mask(again, 0.4, (6, 10), "float32"))
    # unseeded: np.random.seed before the first call reproduces the stream
    outs = []
    for _ in range(2):
        np.random.seed(3)
        fresh = L.Dropout(0.5)
        outs.append([np.asarray(fresh(x, training=True)) for _ in range(2)])
    np.testing.assert_array_equal(outs[0][0], outs[1][0])
    np.testing.assert_array_equal(outs[0][1], outs[1][1])
    assert not np.array_equal(outs[0][0], outs[0][1])


def test_dropout_float64_and_gradient_uses_the_mask():
    from ckeras.autograd import Tensor, enable_grad, grad
    x = Tensor(np.ones((30, 20)), requires_grad=True)
    with enable_grad():
        y = L.Dropout(0.3, seed=1, dtype="float64")(x, training=True)
    g, = grad(y, [x], grad_outputs=[np.ones((30, 20))])
    yv = np.asarray(y)
    assert yv.dtype == np.float64
    np.testing.assert_array_equal(g, yv)          # d(x*mask)/dx = mask, x = 1
    np.testing.assert_allclose(np.unique(yv), [0.0, 1 / 0.7])


def test_dropout_noise_shape_shares_mask():
    x = np.ones((8, 5, 6), "float32")
    y = np.asarray(L.Dropout(0.5, noise_shape=(None, 1, 6), seed=2)(x, training=True))
    assert np.all(y == y[:, :1, :])
    assert 0 < np.mean(y == 0) < 1


def test_dropout_learning_phase_and_rate_one():
    x = np.ones((50, 40), "float32")
    layer = L.Dropout(0.5)
    np.testing.assert_array_equal(np.asarray(layer(x)), x)
    K.set_learning_phase(1)
    try:
        assert np.mean(np.asarray(layer(x)) == 0) > 0.3
    finally:
        K.set_learning_phase(0)
    np.testing.assert_array_equal(np.asarray(L.Dropout(1.0)(x, training=True)), 0 * x)
    np.testing.assert_array_equal(np.asarray(layer(x, training=False)), x)


def test_dropout_in_model_is_identity_at_predict():
    model = Sequential([L.Dropout(0.9, input_shape=(7,))])
    x = np.random.default_rng(1).standard_normal((5, 7)).astype("float32")
    np.testing.assert_array_equal(model.predict(x), x)


# ---------------------------------------------------------------- Flatten
@pytest.mark.parametrize("name", GOLDEN.names(layer="Flatten"))
def test_flatten_golden(name):
    golden_layer_test(GOLDEN.load(name), L.Flatten)


@pytest.mark.parametrize("kwargs,shape,out", [
    ({}, (2, 3, 4), (2, 12)),
    ({}, (3,), (3, 1)),
    ({}, (2, 5), (2, 5)),
    ({"data_format": "channels_first"}, (2, 3, 4, 5), (2, 60)),
    ({"data_format": "channels_last"}, (2, 1, 1, 1), (2, 1)),
])
def test_flatten_harness(kwargs, shape, out):
    layer_test(L.Flatten, kwargs, input_shape=shape, expected_output_shape=out)


def test_flatten_channels_first_order():
    x = np.arange(24, dtype="float32").reshape(1, 2, 3, 4)
    y = np.asarray(L.Flatten(data_format="channels_first")(x))
    np.testing.assert_array_equal(y, np.transpose(x, (0, 2, 3, 1)).reshape(1, -1))


def test_flatten_symbolic_unknown_dims():
    t = L.Flatten()(Input(batch_shape=(None, None, 3)))
    assert t.shape == (None, None)
    assert L.Flatten()(Input(shape=(4, 5))).shape == (None, 20)


def test_flatten_bad_data_format():
    with pytest.raises(ValueError, match="data_format"):
        L.Flatten(data_format="nchw")


# ---------------------------------------------------------------- Reshape
@pytest.mark.parametrize("name", GOLDEN.names(layer="Reshape"))
def test_reshape_golden(name):
    golden_layer_test(GOLDEN.load(name), L.Reshape)


@pytest.mark.parametrize("target,shape,out", [
    ((3, 4), (2, 12), (2, 3, 4)),
    ((-1, 2), (2, 3, 4), (2, 6, 2)),
    ((12,), (2, 3, 4), (2, 12)),
    ([2, -1, 3], (2, 12), (2, 2, 2, 3)),
])
def test_reshape_harness(target, shape, out):
    layer_test(L.Reshape, {"target_shape": target}, input_shape=shape,
               expected_output_shape=out)


def test_reshape_errors():
    with pytest.raises(ValueError, match="total size of new array must be unchanged"):
        L.Reshape((5,))(Input(shape=(2, 3)))
    with pytest.raises(ValueError, match="total size of new array must be unchanged"):
        L.Reshape((-1, 4))(np.zeros((2, 6), "float32"))
    with pytest.raises(ValueError, match="at most one -1"):
        L.Reshape((-1, -1))
    assert L.Reshape((-1, 2))(Input(batch_shape=(None, None, 4))).shape == (None, None, 2)


# ---------------------------------------------------------------- Permute
@pytest.mark.parametrize("name", GOLDEN.names(layer="Permute"))
def test_permute_golden(name):
    golden_layer_test(GOLDEN.load(name), L.Permute)


@pytest.mark.parametrize("dims,shape,out", [
    ((2, 1), (2, 3, 4), (2, 4, 3)),
    ((1, 2), (2, 3, 4), (2, 3, 4)),
    ((3, 1, 2), (2, 3, 4, 5), (2, 5, 3, 4)),
])
def test_permute_harness(dims, shape, out):
    layer_test(L.Permute, {"dims": dims}, input_shape=shape, expected_output_shape=out)


@pytest.mark.parametrize("dims", [(0, 1), (1, 3), (2, 2), (1, 2, 4)])
def test_permute_invalid_dims(dims):
    with pytest.raises(ValueError, match="Invalid permutation argument `dims`"):
        L.Permute(dims)


def test_permute_wrong_rank_names_layer():
    with pytest.raises(ValueError, match='"perm".*expected ndim=3'):
        L.Permute((2, 1), name="perm")(np.zeros((2, 3), "float32"))


# ----------------------------------------------------------- RepeatVector
def test_repeatvector_golden():
    golden_layer_test(GOLDEN.load("repeatvector_3"), L.RepeatVector)


@pytest.mark.parametrize("n,shape", [(1, (2, 3)), (4, (3, 5)), (2, (None, 2))])
def test_repeatvector_harness(n, shape):
    layer_test(L.RepeatVector, {"n": n}, input_shape=shape,
               expected_output_shape=(shape[0], n, shape[1]))


def test_repeatvector_errors():
    with pytest.raises(ValueError, match='"rv".*expected ndim=2.*found ndim=3'):
        L.RepeatVector(2, name="rv")(np.zeros((2, 3, 4), "float32"))
    with pytest.raises(TypeError, match="integer"):
        L.RepeatVector(2.5)


# ----------------------------------------------------------------- Lambda
@pytest.mark.parametrize("name", GOLDEN.names(layer="Lambda"))
def test_lambda_golden(name):
    fn = LAMBDA_FUNCTIONS[GOLDEN[name]["kwargs"]["function"]]
    golden_layer_test(GOLDEN.load(name), L.Lambda, custom_objects={fn.__name__: fn},
                      overrides={"function": fn})


def square_plus(x, offset=0.0):
    return x * x + offset


def swap_pair(inputs):
    a, b = inputs
    return [b, a]


def with_mask_and_training(x, mask=None, training=None):
    return x * 2.0 if training else x - 1.0


def half_shape(input_shape):
    return input_shape[:-1] + (input_shape[-1] // 2,)


def take_half(x):
    return x[..., : x.shape[-1] // 2]


@pytest.mark.parametrize("kwargs,shape,custom", [
    ({"function": square_plus}, (2, 3), {"square_plus": square_plus}),
    ({"function": square_plus, "arguments": {"offset": 1.5}}, (2, 3, 4),
     {"square_plus": square_plus}),
    ({"function": square_plus, "output_shape": (3,)}, (2, 3), {"square_plus": square_plus}),
    ({"function": take_half, "output_shape": half_shape}, (2, 6),
     {"take_half": take_half, "half_shape": half_shape}),
    ({"function": K.mean, "arguments": {"axis": 1}}, (2, 5, 3), {"mean": K.mean}),
    ({"function": with_mask_and_training}, (2, 3),
     {"with_mask_and_training": with_mask_and_training}),
])
def test_lambda_harness(kwargs, shape, custom):
    layer_test(L.Lambda, kwargs, input_shape=shape, custom_objects=custom)


def test_lambda_multi_io():
    y = layer_test(L.Lambda, {"function": swap_pair, "output_shape": [(3,), (4,)]},
                   input_shape=[(2, 4), (2, 3)], custom_objects={"swap_pair": swap_pair})
    assert [a.shape for a in y] == [(2, 3), (2, 4)]


def test_lambda_anonymous_function_and_inferred_shape():
    layer = L.Lambda(lambda x: K.concatenate([x, -x], axis=-1))
    t = layer(Input(shape=(3,)))
    assert t.shape == (None, 6)
    config = layer.get_config()
    assert isinstance(config["function"], list)  # marshalled code, as Keras stores it
    assert config["function_type"] == "lambda"
    json.dumps(config)
    with pytest.raises(ValueError, match="<lambda>.*custom_objects"):
        L.Lambda.from_config(config)


def test_lambda_config_has_no_code_and_needs_custom_objects():
    layer = L.Lambda(square_plus, arguments={"offset": 2.0}, name="sq")
    config = layer.get_config()
    assert config["function"] == "square_plus"
    assert config["function_type"] == "function"
    assert config["module"] == square_plus.__module__
    assert set(config) == {"name", "trainable", "dtype", "function", "function_type",
                           "module", "output_shape", "output_shape_type",
                           "output_shape_module", "arguments"}
    with pytest.raises(ValueError, match=r"'sq'.*square_plus.*custom_objects"):
        L.Lambda.from_config(json_roundtrip(config))
    with pytest.raises(ValueError, match="square_plus"):
        L.deserialize(json_roundtrip(L.serialize(layer)))
    restored = L.deserialize(json_roundtrip(L.serialize(layer)),
                             custom_objects={"square_plus": square_plus})
    np.testing.assert_allclose(np.asarray(restored(np.ones((1, 2), "float32"))), 3.0)
    # Keras files store Python bytecode for lambdas: never executed.
    keras_config = dict(config, function=["4wEAAAAAAAAA", None, None],
                        function_type="lambda")
    with pytest.raises(ValueError, match="bytecode"):
        L.Lambda.from_config(keras_config)


def test_lambda_mask_and_training():
    masked = L.Lambda(lambda x: x, mask=lambda inputs, mask: np.asarray(inputs)[..., 0] > 0)
    assert masked.supports_masking
    x = np.array([[[1.0], [-1.0]]], "float32")
    np.testing.assert_array_equal(masked.compute_mask(x), [[True, False]])
    layer = L.Lambda(with_mask_and_training)
    x = np.ones((1, 2), "float32")
    np.testing.assert_allclose(np.asarray(layer(x, training=True)), 2.0)
    np.testing.assert_allclose(np.asarray(layer(x)), 0.0)
    with pytest.raises(TypeError, match="callable"):
        L.Lambda("not a function")


# ------------------------------------------------- ActivityRegularization
@pytest.mark.parametrize("kwargs", [{}, {"l1": 0.1}, {"l1": 0.01, "l2": 0.02}])
def test_activity_regularization_harness(kwargs):
    layer_test(L.ActivityRegularization, kwargs, input_shape=(3, 4))


def test_activity_regularization_loss():
    layer = L.ActivityRegularization(l1=0.1, l2=0.2)
    x = np.array([[1.0, -2.0], [3.0, 0.0]], "float32")
    y = layer(x)
    np.testing.assert_array_equal(np.asarray(y), x)
    (loss,) = layer.losses
    assert float(np.asarray(loss)) == pytest.approx((0.1 * 6 + 0.2 * 14) / 2, rel=1e-5)
    assert layer.get_config()["l1"] == 0.1


# ----------------------------------------------------------------- Masking
@pytest.mark.parametrize("kwargs", [{}, {"mask_value": 1.0}])
def test_masking_harness(kwargs):
    layer_test(L.Masking, kwargs, input_shape=(2, 3, 4))


def test_masking_values_and_mask():
    x = np.array([[[1, 2], [0, 0], [3, 0]], [[0, 0], [0, 0], [5, 5]]], "float32")
    layer = L.Masking()
    np.testing.assert_array_equal(np.asarray(layer(x)), x)
    np.testing.assert_array_equal(layer.compute_mask(x), [[True, False, True],
                                                           [False, False, True]])
    layer = L.Masking(mask_value=5.0)
    y = np.asarray(layer(x))
    np.testing.assert_array_equal(y[1, 2], [0, 0])
    np.testing.assert_array_equal(y[0], x[0])


def test_masking_propagates_through_functional_model():
    inp = Input(shape=(3, 2))
    masked = L.Masking()(inp)
    out = L.Dense(2, kernel_initializer="ones")(masked)
    model = Functional(inp, out)
    x = np.array([[[1, 1], [0, 0], [2, 0]]], "float32")
    np.testing.assert_array_equal(model.compute_mask(x), [[True, False, True]])


# ------------------------------------------------------------ config keys
def test_core_configs_json_and_keys():
    for layer in (L.Dense(2), L.Activation("relu"), L.Dropout(0.1), L.Flatten(),
                  L.Reshape((2,)), L.Permute((1,)), L.RepeatVector(2),
                  L.ActivityRegularization(), L.Masking()):
        config = layer.get_config()
        json.dumps(config)
        assert config["name"] == layer.name
        again = L.deserialize(json_roundtrip(L.serialize(layer)))
        assert type(again) is type(layer)
        assert json_roundtrip(again.get_config()) == json_roundtrip(config)
    assert L.Dropout(0.1).get_config().keys() >= {"rate", "noise_shape", "seed"}
    assert L.Dense(2).get_config()["activation"] == "linear"


def test_sequential_dense_mlp_golden():
    case, xs, ws, ys, _ = GOLDEN.load("model_sequential_mlp")
    model_config = GOLDEN.read_json(case["model_config_file"])
    model = L.deserialize({"class_name": "Sequential", "config": model_config})
    assert type(model) is Sequential
    model.set_weights(ws)
    np.testing.assert_allclose(model.predict(xs[0]), ys[0], atol=1e-5)
    assert [layer.name for layer in model.layers] == ["dense", "dense_1"]


def test_functional_2in_2out_golden():
    case, xs, ws, ys, _ = GOLDEN.load("model_functional_2in_2out")
    model_config = GOLDEN.read_json(case["model_config_file"])
    model = L.deserialize({"class_name": "Model", "config": model_config})
    assert type(model) is Functional
    assert [layer.name for layer in model.layers] == case["layer_names"]
    model.set_weights(ws)
    outs = model.predict(xs)
    for o, y in zip(outs, ys):
        np.testing.assert_allclose(o, y, atol=1e-5)
    again = L.deserialize(json_roundtrip(L.serialize(model)))
    again.set_weights(ws)
    for o, y in zip(again.predict(xs), ys):
        np.testing.assert_allclose(o, y, atol=1e-5)


# ------------------------------------------------------ serialize/deserialize
class Doubler(L.Layer):
    """A custom layer, found only through custom_objects."""

    def call(self, inputs):
        return inputs * 2.0


def test_deserialize_unknown_and_custom_classes():
    with pytest.raises(ValueError, match="Unknown layer: 'NoSuchLayer'"):
        L.deserialize({"class_name": "NoSuchLayer", "config": {}})
    entry = json_roundtrip(L.serialize(Doubler(name="dbl")))
    assert entry == {"class_name": "Doubler",
                     "config": {"name": "dbl", "trainable": True, "dtype": "float32"}}
    with pytest.raises(ValueError, match="Doubler"):
        L.deserialize(entry)
    layer = L.deserialize(entry, custom_objects={"Doubler": Doubler})
    assert isinstance(layer, Doubler) and layer.name == "dbl"


def test_deserialize_accepts_tf_keras_2_13_entries_and_model_names():
    entry = {"module": "keras.layers", "class_name": "Dense", "registered_name": None,
             "build_config": {"input_shape": [None, 3]},
             "config": {"name": "d", "trainable": True, "dtype": "float32", "units": 2,
                        "activation": "relu", "use_bias": True,
                        "kernel_initializer": {"module": "keras.initializers",
                                               "class_name": "GlorotUniform",
                                               "config": {"seed": None},
                                               "registered_name": None},
                        "bias_initializer": {"class_name": "Zeros", "config": {}},
                        "kernel_regularizer": {"module": "keras.regularizers",
                                               "class_name": "L2",
                                               "config": {"l2": 0.009999999776482582},
                                               "registered_name": None},
                        "bias_regularizer": None, "activity_regularizer": None,
                        "kernel_constraint": None, "bias_constraint": None}}
    layer = L.deserialize(entry)
    assert type(layer) is L.Dense and layer.units == 2
    assert layer.activation is activations.relu
    inp = Input(shape=(3,))
    model = Functional(inp, L.Dense(1)(inp))
    for name in ("Model", "Functional"):
        clone = L.deserialize(json_roundtrip({"class_name": name,
                                              "config": model.get_config()}))
        assert type(clone) is Functional
    seq = Sequential([L.Dense(2, input_shape=(3,))])
    assert type(L.deserialize(json_roundtrip(L.serialize(seq)))) is Sequential
    assert L.serialize(model)["class_name"] == "Functional"


def test_layers_namespace_exports():
    for name in ("Input", "InputLayer", "InputSpec", "Layer", "Dense", "Lambda", "add",
                 "concatenate", "dot", "Embedding"):
        assert hasattr(L, name) and name in L.__all__
    from ckeras.layers.core import Dense as CoreDense
    assert CoreDense is L.Dense
