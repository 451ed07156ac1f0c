"""GradientTape: tf.GradientTape's surface on ckeras' tape."""
import numpy as np
import pytest

import ckeras
from ckeras import backend as K
from ckeras import losses, optimizers
from ckeras.autograd import GradientTape, Tensor, UnconnectedGradients, Variable
from ckeras.autograd import convert_to_tensor as autograd_convert
from ckeras.autograd.function import recording
from ckeras.layers import Dense, Input
from ckeras.models import Model, Sequential


def _mlp(seed=0, dtype="float32"):
    K.set_floatx(dtype)
    model = Sequential([Dense(5, activation="tanh", input_shape=(3,)), Dense(2)])
    rng = np.random.default_rng(seed)
    model.set_weights([rng.standard_normal(w.shape).astype(dtype) for w in model.weights])
    return model


def _data(rng, n=6, dtype="float32"):
    return (rng.standard_normal((n, 3)).astype(dtype),
            rng.standard_normal((n, 2)).astype(dtype))


# --------------------------------------------------------------- exports
def test_exported_where_tf_users_look():
    assert ckeras.GradientTape is GradientTape is K.GradientTape
    assert ckeras.convert_to_tensor is autograd_convert is K.convert_to_tensor
    assert ckeras.UnconnectedGradients.ZERO == "zero"


# ------------------------------------------------- against the fit path
def test_tape_gradients_equal_the_train_step_gradients(rng):
    x, y = _data(rng)
    model = _mlp()
    model.compile(optimizers.SGD(1.0), "mse")
    with GradientTape() as tape:
        loss = losses.MeanSquaredError()(y, model(x, training=True))
    grads = tape.gradient(loss, model.trainable_weights)
    before = model.get_weights()
    model.train_on_batch(x, y)
    # SGD(1.0) applies w - g: the step reveals the gradient fit computed.
    for w0, w1, g in zip(before, model.get_weights(), grads):
        assert g.dtype == np.float32
        np.testing.assert_array_equal(w1, w0 - g)


def test_one_sgd_step_from_the_tape_equals_train_on_batch(rng):
    x, y = _data(rng)
    a, b = _mlp(), _mlp()
    a.compile(optimizers.SGD(0.05), "mse")
    a.train_on_batch(x, y)
    opt = optimizers.SGD(0.05)
    with GradientTape() as tape:
        loss = losses.MeanSquaredError()(y, b(x, training=True))
    grads = tape.gradient(loss, b.trainable_weights)
    opt.apply_gradients(zip(grads, b.trainable_weights))
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)


# ------------------------------------------------ inputs, finite differences
def test_gradient_with_respect_to_a_watched_input_matches_finite_differences(rng):
    model = _mlp(dtype="float64")
    x0 = rng.standard_normal((2, 3))
    x = ckeras.convert_to_tensor(x0)
    with GradientTape() as tape:
        tape.watch(x)
        score = K.sum(model(x)[:, 1])
    g = tape.gradient(score, x)
    assert isinstance(g, np.ndarray) and g.shape == x0.shape
    eps = 1e-6
    fd = np.zeros_like(x0)
    for i in np.ndindex(x0.shape):
        xp, xm = x0.copy(), x0.copy()
        xp[i] += eps
        xm[i] -= eps
        fd[i] = (model.predict(xp, verbose=0)[:, 1].sum()
                 - model.predict(xm, verbose=0)[:, 1].sum()) / (2 * eps)
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-9)
    assert not x.requires_grad       # the watch ends with the tape


def test_watching_a_numpy_array_tells_how_to_wrap_it():
    with GradientTape() as tape:
        with pytest.raises(TypeError, match=r"ndarray.*convert_to_tensor"):
            tape.watch(np.zeros(3))
        with pytest.raises(TypeError, match="convert_to_tensor"):
            tape.watch([Tensor(np.zeros(2)), np.zeros(3)])


def test_integer_tensors_are_not_watched():
    x = ckeras.convert_to_tensor(np.arange(3))
    with GradientTape() as tape:
        tape.watch(x)
        y = x * 2
    assert tape.gradient(y, x) is None


# ------------------------------------------------------ structure of results
def test_nested_sources_keep_their_structure():
    a = Variable(np.array([1.0, 2.0]), name="a")
    b = Variable(np.array(3.0), name="b")
    with GradientTape() as tape:
        y = K.sum(a * a) * b
    g = tape.gradient(y, {"w": [a, (b,)], "again": a})
    assert set(g) == {"w", "again"} and isinstance(g["w"], list) and isinstance(g["w"][1], tuple)
    np.testing.assert_array_equal(g["w"][0], [6.0, 12.0])
    np.testing.assert_array_equal(g["w"][1][0], 5.0)
    np.testing.assert_array_equal(g["again"], [6.0, 12.0])


def test_a_target_structure_is_summed_and_output_gradients_seed_it():
    a = Variable(np.array([1.0, 2.0]))
    with GradientTape(persistent=True) as tape:
        y1 = a * 3.0
        y2 = K.sum(a * a)
    np.testing.assert_array_equal(tape.gradient([y1, {"k": y2}], a), [5.0, 7.0])
    np.testing.assert_array_equal(
        tape.gradient([y1, y2], a, output_gradients=[np.array([1.0, 0.0]), np.array(2.0)]),
        [7.0, 8.0])
    with pytest.raises(ValueError, match="output_gradients"):
        tape.gradient([y1, y2], a, output_gradients=[np.ones(2)])


def test_persistent_tape_gives_several_gradients_and_non_persistent_refuses():
    a = Variable(np.array(2.0))
    with GradientTape(persistent=True) as tape:
        y = a * a
        z = y * a
    assert float(tape.gradient(y, a)) == 4.0
    assert float(tape.gradient(z, a)) == 12.0
    assert float(tape.gradient(z, y)) == 2.0      # an intermediate of the tape
    with GradientTape() as tape:
        y = a * a
    tape.gradient(y, a)
    with pytest.raises(RuntimeError, match=r"^A non-persistent GradientTape can only be "
                                           r"used to compute one set of gradients \(or "
                                           r"jacobians\)$"):
        tape.gradient(y, a)


def test_unconnected_sources_give_none_or_zeros():
    a, b = Variable(np.array([1.0, 2.0])), Variable(np.ones((2, 2)))
    with GradientTape(persistent=True) as tape:
        y = K.sum(a)
    assert tape.gradient(y, [a, b])[1] is None
    zero = tape.gradient(y, [a, b], unconnected_gradients=UnconnectedGradients.ZERO)[1]
    np.testing.assert_array_equal(zero, np.zeros((2, 2)))
    assert tape.gradient(y, b, unconnected_gradients="zero").shape == (2, 2)
    with pytest.raises(ValueError, match="unconnected_gradients.*'sum'"):
        tape.gradient(y, a, unconnected_gradients="sum")
    # A plain array target was not recorded: every gradient is None.
    assert tape.gradient(np.ones(2), [a, b]) == [None, None]


def test_ops_outside_the_tape_are_constants():
    a = Variable(np.array(3.0))
    c = a * a                       # taped, but not by the tape below
    with GradientTape(persistent=True) as tape:
        y = c * a
    assert float(tape.gradient(y, a)) == 9.0      # through `a` only, not through c
    assert tape.gradient(y, c) is None            # c was not watched
    with GradientTape() as tape:
        tape.watch(c)
        y = c * a
    assert float(tape.gradient(y, c)) == 3.0


def test_model_calls_record_only_inside_the_tape(rng):
    model = _mlp()
    x, _ = _data(rng)
    outside = model(x)                  # an eager Tensor, as tf.keras, but not taped
    assert isinstance(outside, Tensor) and not outside.requires_grad
    with GradientTape() as tape:
        assert recording()
        out = model(x)
        with tape.stop_recording():
            assert not recording()
            quiet = model(x)
            quiet_loss = K.mean(out)
        loss = K.mean(out)
    assert not recording()
    assert out.requires_grad and not quiet.requires_grad
    grads = tape.gradient([loss, quiet_loss], model.trainable_weights)
    assert all(isinstance(g, np.ndarray) for g in grads)
    with pytest.raises(RuntimeError, match="stop_recording"):
        tape.stop_recording()


def test_stop_recording_makes_its_values_constants():
    a = Variable(np.array(2.0))
    with GradientTape() as tape:
        with tape.stop_recording():
            b = a * a
        y = b * a
    assert float(tape.gradient(y, a)) == 4.0


def test_reset_forgets_what_was_recorded():
    a = Variable(np.array(2.0))
    with GradientTape() as tape:
        y = a * a
        tape.reset()
        z = a * 5.0
    assert tape.gradient(y, a) is None
    with GradientTape() as tape:
        y = a * a
        tape.reset()
        z = a * 5.0
    assert float(tape.gradient(z, a)) == 5.0


def test_watch_accessed_variables_false_watches_only_what_is_asked():
    a, b = Variable(np.array(2.0), name="a"), Variable(np.array(3.0), name="b")
    with GradientTape(watch_accessed_variables=False, persistent=True) as tape:
        tape.watch(a)
        y = a * b
    assert float(tape.gradient(y, a)) == 3.0 and tape.gradient(y, b) is None
    assert tape.watched_variables() == (a,)
    with GradientTape() as tape:
        y = b * a
    assert tape.watched_variables() == (b, a)


def test_non_trainable_variables_need_a_watch():
    v = Variable(np.array(2.0), trainable=False)
    with GradientTape(persistent=True) as tape:
        y = v * v
    assert tape.gradient(y, v) is None
    with GradientTape() as tape:
        tape.watch(v)
        y = v * v
    assert float(tape.gradient(y, v)) == 4.0
    assert v.requires_grad is False


@pytest.mark.parametrize("bad,match", [
    (np.zeros(2), r"received a ndarray.*convert_to_tensor"),
    ("w", "received a str"),
])
def test_bad_sources_are_named(bad, match):
    a = Variable(np.array(2.0))
    with GradientTape() as tape:
        y = a * a
    with pytest.raises(TypeError, match=match):
        tape.gradient(y, [a, bad])


def test_a_layer_as_source_points_at_its_weights():
    layer = Dense(2)
    layer.build((None, 3))
    with GradientTape() as tape:
        y = K.sum(layer(np.ones((1, 3), "float32")))
    with pytest.raises(TypeError, match=r"received a Dense.*trainable_weights"):
        tape.gradient(y, layer)


def test_symbolic_target_points_at_k_gradients():
    inp = Input(shape=(2,))
    with GradientTape() as tape:
        pass
    with pytest.raises(TypeError, match="K.gradients"):
        tape.gradient(K.sum(Dense(1)(inp)), [])


def test_the_tape_is_not_reentrant_while_recording():
    tape = GradientTape()
    with tape:
        with pytest.raises(ValueError, match="already recording"):
            tape.__enter__()


def test_nested_tapes_restore_the_previous_mode():
    assert not recording()
    with GradientTape() as outer:
        with GradientTape() as inner:
            assert recording()
        assert recording()
        with K.GradientTape.stop_recording(outer):
            assert not recording()
        assert recording()
    assert not recording()
    assert inner is not outer


# ---------------------------------------------------------- second order
def test_second_order_gradients_raise_instead_of_dropping_a_term():
    x = Variable(np.array(3.0))
    with GradientTape() as outer:
        with GradientTape() as inner:
            y = x * x * x
        dy = inner.gradient(y, x)
        assert isinstance(dy, Tensor) and float(dy) == 27.0
        penalty = dy * dy
    with pytest.raises(NotImplementedError, match="second-order"):
        outer.gradient(penalty, x)


def test_a_gradient_inside_an_outer_tape_that_is_not_differentiated_works():
    x = Variable(np.array(3.0))
    with GradientTape() as outer:
        with GradientTape() as inner:
            y = x * x
        dy = inner.gradient(y, x)
        z = x * 4.0
    assert float(outer.gradient(z, x)) == 4.0
    opt = optimizers.SGD(0.5)
    opt.apply_gradients([(dy, x)])
    assert float(x) == 0.0


# ---------------------------------------------------------------- jacobian
def test_jacobian_and_batch_jacobian(rng):
    w0 = rng.standard_normal((3, 2))
    w = Variable(w0)
    x = ckeras.convert_to_tensor(rng.standard_normal((4, 3)))
    with GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = K.tanh(K.dot(x, w))
    jac = tape.jacobian(y, x)
    assert jac.shape == (4, 2, 4, 3)
    d = 1 - np.tanh(x.numpy() @ w0) ** 2              # (4, 2)
    expected = np.zeros((4, 2, 4, 3))
    for b in range(4):
        expected[b, :, b, :] = d[b][:, None] * w0.T
    np.testing.assert_allclose(jac, expected, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(tape.batch_jacobian(y, x),
                               np.stack([expected[b, :, b, :] for b in range(4)]),
                               rtol=1e-10, atol=1e-15)
    other = Variable(np.ones(2))
    assert tape.jacobian(y, [other])[0] is None
    np.testing.assert_array_equal(tape.jacobian(y, other, unconnected_gradients="zero"),
                                  np.zeros((4, 2, 2)))
    with pytest.raises(ValueError, match="first dimension"):
        tape.batch_jacobian(y, w)


# --------------------------------------------------- eager tensors for users
def test_eager_tensors_behave_as_users_expect(rng):
    model = _mlp()
    x, _ = _data(rng)
    with GradientTape() as tape:
        out = model(x)
        shifted = out + np.ones((1, 2), "float32")       # Tensor + array
        rshift = np.ones((1, 2), "float32") - out        # array - Tensor
        loss = K.mean(K.square(shifted))
        also = out.mean()
    expected = model.predict(x, verbose=0)
    assert out.shape == (6, 2) and out.dtype == np.float32
    np.testing.assert_array_equal(out.numpy(), expected)
    np.testing.assert_array_equal(np.asarray(out), expected)
    assert isinstance(rshift, Tensor)
    np.testing.assert_array_equal(rshift.numpy(), 1 - expected)
    assert float(loss) == pytest.approx(float(np.mean((expected + 1) ** 2)), rel=1e-6)
    assert float(also) == pytest.approx(float(expected.mean()), rel=1e-6)
    g_loss, g_also = tape.gradient(loss, model.trainable_weights[-1]), None
    assert g_loss.shape == (2,) and g_also is None
    # Tensor equality is identity (hashing relies on it), unlike tf's elementwise ==.
    assert (out == out.numpy()) is False


def test_convert_to_tensor_rules():
    t = ckeras.convert_to_tensor([1.0, 2.0])
    assert isinstance(t, Tensor) and t.dtype == np.float32 and not t.requires_grad
    assert ckeras.convert_to_tensor([1, 2]).dtype == np.int32
    assert ckeras.convert_to_tensor(np.zeros(2)).dtype == np.float64
    assert ckeras.convert_to_tensor([1, 2], dtype_hint="float32").dtype == np.float32
    assert ckeras.convert_to_tensor(np.zeros(2), dtype="float16").dtype == np.float16
    assert ckeras.convert_to_tensor(t) is t
    with pytest.raises(ValueError, match="requested dtype float64 for Tensor with dtype "
                                         "float32"):
        ckeras.convert_to_tensor(t, dtype="float64")


# -------------------------------------------------------------- optimizers
def test_minimize_with_a_callable_loss_and_callable_var_list():
    v = Variable(np.array([1.0, -2.0], "float32"))
    opt = optimizers.SGD(0.25)
    opt.minimize(lambda: K.sum(v * v), lambda: [v])
    np.testing.assert_array_equal(v.numpy(), [0.5, -1.0])
    legacy = optimizers.legacy.SGD(0.5)
    legacy.minimize(lambda: K.sum(v * v), [v], grad_loss=np.float32(2.0))
    np.testing.assert_array_equal(v.numpy(), [-0.5, 1.0])


def test_minimize_with_a_tensor_loss_needs_the_tape():
    v = Variable(np.array([1.0, -2.0], "float32"), name="v")
    opt = optimizers.SGD(0.25)
    with GradientTape() as tape:
        loss = K.sum(v * v)
    with pytest.raises(ValueError, match="`tape` is required when a `Tensor` loss is passed"):
        opt.minimize(loss, [v])
    opt.minimize(loss, [v], tape)          # tf-keras' new API: tape third
    np.testing.assert_array_equal(v.numpy(), [0.5, -1.0])
    with GradientTape() as tape:
        loss = K.sum(v * v)
    opt.minimize(loss, [v], tape=tape)
    np.testing.assert_array_equal(v.numpy(), [0.25, -0.5])


def test_minimize_of_an_unrelated_loss_provides_no_gradients():
    v, w = Variable(np.ones(2, "float32"), name="v"), Variable(np.ones(2, "float32"), name="w")
    opt = optimizers.Adam()
    with pytest.raises(ValueError, match=r"No gradients provided for any variable: \['v'\]"):
        opt.minimize(lambda: K.sum(w * w), [v])


def test_apply_gradients_skips_none_from_the_tape_with_a_warning(caplog):
    a = Variable(np.array([1.0], "float32"), name="a")
    b = Variable(np.array([1.0], "float32"), name="b")
    with GradientTape() as tape:
        y = K.sum(a * 3.0)
    grads = tape.gradient(y, [a, b])
    opt = optimizers.SGD(0.1)
    with caplog.at_level("WARNING", logger="ckeras.optimizers"):
        opt.apply_gradients(zip(grads, [a, b]))
    assert "Gradients do not exist for variables ['b']" in caplog.text
    np.testing.assert_allclose(a.numpy(), [0.7], rtol=1e-6)
    np.testing.assert_array_equal(b.numpy(), [1.0])


def test_functional_model_saliency_sign_matches_the_weights():
    K.set_floatx("float64")
    inp = Input(shape=(3,))
    dense = Dense(1, use_bias=False)
    model = Model(inp, dense(inp))
    dense.kernel.assign(np.array([[2.0], [-1.0], [0.5]]))
    x = ckeras.convert_to_tensor(np.ones((1, 3)))
    with GradientTape() as tape:
        tape.watch(x)
        y = model(x)
    np.testing.assert_array_equal(tape.gradient(y, x), [[2.0, -1.0, 0.5]])


# ---------------------------------------------------- a custom training loop
def _classifier():
    K.clear_session()
    model = Sequential([Dense(16, activation="relu", input_shape=(4,)), Dense(3)])
    rng = np.random.default_rng(0)
    model.set_weights([rng.standard_normal(w.shape).astype("float32") * 0.5
                       for w in model.weights])
    return model


def test_custom_training_loop_equals_fit_on_the_same_batches():
    from ckeras import metrics
    rng = np.random.default_rng(1)
    x = rng.standard_normal((64, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int64") + (x[:, 1] > 0.5)
    fitted = _classifier()
    fitted.compile(optimizers.Adam(0.01),
                   losses.SparseCategoricalCrossentropy(from_logits=True), ["accuracy"])
    history = fitted.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0).history

    model = _classifier()
    opt = optimizers.Adam(0.01)
    loss_fn = losses.SparseCategoricalCrossentropy(from_logits=True)
    mean_loss, accuracy = metrics.Mean(), metrics.SparseCategoricalAccuracy()
    epochs = []
    for _ in range(3):
        mean_loss.reset_state()
        accuracy.reset_state()
        for i in range(0, 64, 16):
            xb, yb = x[i:i + 16], y[i:i + 16]
            with GradientTape() as tape:
                logits = model(xb, training=True)
                loss = loss_fn(yb, logits)
            grads = tape.gradient(loss, model.trainable_weights)
            opt.apply_gradients(zip(grads, model.trainable_weights))
            mean_loss.update_state(loss)
            accuracy.update_state(yb, logits)
        epochs.append((float(mean_loss.result()), float(accuracy.result())))
    # Same float32 gradients, same Adam state path: bit-identical weights.
    for a, b in zip(fitted.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert int(opt.iterations) == int(fitted.optimizer.iterations) == 12
    losses_seen = [e[0] for e in epochs]
    assert losses_seen[2] < losses_seen[1] < losses_seen[0]
    # fit averages the batch losses in float64, the Mean metric in float32
    np.testing.assert_allclose(losses_seen, history["loss"], rtol=1e-6)
    assert [e[1] for e in epochs] == history["accuracy"]


def test_the_training_loop_guide_with_model_losses_equals_train_on_batch(rng):
    # "Writing a training loop from scratch": loss_value += sum(model.losses)
    from ckeras import regularizers
    inputs = Input(shape=(4,))
    hidden = Dense(8, activation="relu", activity_regularizer=regularizers.l2(1e-2))(inputs)
    model = Model(inputs, Dense(3)(hidden))
    x = rng.standard_normal((5, 4)).astype("float32")
    y = np.array([0, 1, 2, 1, 0])
    loss_fn = losses.SparseCategoricalCrossentropy(from_logits=True)
    with GradientTape() as tape:
        logits = model(x, training=True)
        loss_value = loss_fn(y, logits)
        assert len(model.losses) == 1
        loss_value += sum(model.losses)
    grads = tape.gradient(loss_value, model.trainable_weights)
    model.compile(optimizers.SGD(1.0), loss_fn)
    before = model.get_weights()
    reported = model.train_on_batch(x, y)
    assert reported == pytest.approx(float(loss_value), rel=1e-6)
    for w0, w1, g in zip(before, model.get_weights(), grads):
        np.testing.assert_array_equal(w1, w0 - g)


def test_large_same_shape_add_and_mse_take_the_shared_kernels_and_match_numpy():
    """A residual add over 2^16+ elements and a same-shape MSE run on the
    elementwise kernels: results and gradients equal NumPy's arithmetic."""
    from ckeras.autograd import enable_grad, grad
    rng = np.random.default_rng(0)
    a0 = rng.standard_normal((70, 1000)).astype(np.float32)
    b0 = rng.standard_normal((70, 1000)).astype(np.float32)
    t = rng.standard_normal((70, 1000)).astype(np.float32)
    a, b = Variable(a0), Variable(b0)
    with enable_grad():
        s = a + b
        loss = losses.mean_squared_error(t, s)
        total = (loss * np.arange(70, dtype=np.float32)).sum()
    np.testing.assert_array_equal(s.value, a0 + b0)
    np.testing.assert_allclose(loss.value, np.mean(np.square(a0 + b0 - t), axis=-1),
                               rtol=2e-6)
    ga, gb = grad(total, [a, b])
    want = (a0 + b0 - t) * (2 * np.arange(70, dtype=np.float32)[:, None] / 1000)
    np.testing.assert_allclose(ga, want, rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(ga, gb)
