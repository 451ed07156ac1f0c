"""K.gradients: symbolic (evaluated by K.function) and eager."""
import numpy as np
import pytest

import ckeras
from ckeras import backend as K
from ckeras import optimizers
from ckeras.autograd import GradientTape, Variable, enable_grad
from ckeras.layers import Dense, Dropout, Input
from ckeras.models import Model, Sequential


def _model(seed=0):
    K.set_floatx("float64")
    inp = Input(shape=(3,))
    hidden = Dense(4, activation="tanh", name="hidden")(inp)
    out = Dense(2, name="out")(hidden)
    model = Model(inp, out)
    rng = np.random.default_rng(seed)
    model.set_weights([rng.standard_normal(w.shape) for w in model.weights])
    return model, hidden


def _finite_differences(f, x, eps=1e-6):
    fd = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += eps
        xm[i] -= eps
        fd[i] = (f(xp) - f(xm)) / (2 * eps)
    return fd


def test_gradients_wrt_the_input_in_a_k_function_match_finite_differences(rng):
    model, _ = _model()
    loss = K.mean(model.output[:, 0])
    grads = K.gradients(loss, model.input)
    assert isinstance(grads, list) and len(grads) == 1
    assert grads[0].shape == (None, 3)
    iterate = K.function([model.input], [loss, grads[0]])
    x = rng.standard_normal((5, 3))
    loss_value, grads_value = iterate([x])
    np.testing.assert_allclose(loss_value, model.predict(x, verbose=0)[:, 0].mean(),
                               rtol=1e-12)
    fd = _finite_differences(lambda v: model.predict(v, verbose=0)[:, 0].mean(), x)
    np.testing.assert_allclose(grads_value, fd, rtol=1e-6, atol=1e-10)


def test_ops_on_symbolic_gradients_build_a_graph(rng):
    # The filter-visualization normalization: grads / (sqrt(mean(grads^2)) + 1e-5)
    model, _ = _model()
    loss = K.mean(model.output[:, 1])
    grads = K.gradients(loss, model.input)[0]
    normalized = grads / (K.sqrt(K.mean(K.square(grads))) + 1e-5)
    x = rng.standard_normal((2, 3))
    g, n = K.function([model.input], [grads, normalized])([x])
    np.testing.assert_allclose(n, g / (np.sqrt(np.mean(g ** 2)) + 1e-5), rtol=1e-12)


def test_gradients_wrt_weights_equal_the_tape(rng):
    model, _ = _model()
    loss = K.sum(K.square(model.output))
    grads = K.gradients(loss, model.trainable_weights)
    x = rng.standard_normal((4, 3))
    values = K.function([model.input], grads)([x])
    with GradientTape() as tape:
        eager = K.sum(K.square(model(x)))
    expected = tape.gradient(eager, model.trainable_weights)
    assert [v.shape for v in values] == [w.shape for w in model.trainable_weights]
    for v, e in zip(values, expected):
        np.testing.assert_array_equal(v, e)


def test_gradients_wrt_an_intermediate_tensor(rng):
    # Grad-CAM takes the gradient of a class score w.r.t. a layer's output.
    model, hidden = _model()
    score = model.output[:, 0]
    g = K.gradients(score, hidden)[0]
    x = rng.standard_normal((3, 3))
    value = K.function([model.input], g)([x])
    w_out = model.get_layer("out").kernel.numpy()
    np.testing.assert_allclose(value, np.tile(w_out[:, 0], (3, 1)), rtol=1e-12)


def test_unconnected_sources_give_none():
    model, hidden = _model()
    other = Input(shape=(2,))
    loss = K.mean(hidden)
    out_kernel = model.get_layer("out").kernel
    grads = K.gradients(loss, [model.input, other, out_kernel])
    assert grads[0] is not None and grads[1] is None and grads[2] is None


def test_frozen_weights_still_get_symbolic_gradients(rng):
    model, _ = _model()
    model.trainable = False
    model.compile("sgd", "mse")          # frozen for this model's training steps only
    kernel = model.get_layer("out").kernel
    loss = K.sum(model.output)
    g = K.function([model.input], K.gradients(loss, kernel))([np.ones((2, 3))])[0]
    hidden = np.tanh(np.ones((2, 3)) @ model.get_layer("hidden").kernel.numpy()
                     + model.get_layer("hidden").bias.numpy())
    np.testing.assert_allclose(g, np.tile(hidden.sum(0)[:, None], (1, 2)), rtol=1e-12)
    model.train_on_batch(np.ones((2, 3)), np.zeros((2, 2)))
    np.testing.assert_allclose(
        K.function([model.input], K.gradients(loss, kernel))([np.ones((2, 3))])[0], g,
        rtol=1e-12)


def test_learning_phase_reaches_the_gradient_graph():
    K.set_floatx("float64")
    inp = Input(shape=(200,))
    out = Dropout(0.5, seed=3)(inp)
    loss = K.sum(out)
    g = K.gradients(loss, inp)[0]
    f = K.function([inp, K.learning_phase()], [g])
    x = np.ones((1, 200))
    np.testing.assert_array_equal(f([x, 0])[0], np.ones((1, 200)))
    train = f([x, 1])[0]
    assert set(np.unique(train)) == {0.0, 2.0}
    # [loss, grads] come from one pass: the same dropout draw
    both = K.function([inp, K.learning_phase()], [loss, g])
    for _ in range(3):
        loss_value, grads_value = both([x, 1])
        assert loss_value == grads_value.sum()


def test_k_function_must_be_given_what_the_loss_depends_on():
    a, b = Input(shape=(2,)), Input(shape=(2,))
    loss = K.sum(Dense(1)(a) * b)
    g = K.gradients(loss, a)[0]
    with pytest.raises(ValueError, match="gradient.*inputs"):
        K.function([a], [g])


def test_gradient_of_a_gradient_is_refused():
    model, _ = _model()
    g = K.gradients(K.sum(model.output), model.input)[0]
    with pytest.raises(NotImplementedError, match="second-order"):
        K.gradients(K.sum(K.square(g)), model.input)


def test_bad_sources_of_a_symbolic_loss():
    model, _ = _model()
    with pytest.raises(ValueError, match="received ndarray"):
        K.gradients(K.sum(model.output), np.zeros(3))


def test_eager_gradients_return_a_list_with_none_for_unconnected():
    a, b = Variable(np.array([1.0, 2.0])), Variable(np.array(1.0))
    with enable_grad():
        loss = K.sum(a * a)
    g = K.gradients(loss, [a, b])
    np.testing.assert_array_equal(g[0], [2.0, 4.0])
    assert g[1] is None
    np.testing.assert_array_equal(K.gradients(loss, a)[0], [2.0, 4.0])
    with pytest.raises(ValueError, match="received list"):
        K.gradients([1.0], a)


def test_fgsm_adversarial_example_flips_a_trained_prediction():
    # A toy two-class problem: the label is the sign of x0 + x1.
    K.set_floatx("float64")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((256, 2))
    y = (x[:, 0] + x[:, 1] > 0).astype("int64")
    model = Sequential([Dense(8, activation="tanh", input_shape=(2,)),
                        Dense(2, activation="softmax")])
    model.compile(optimizers.Adam(0.05), "sparse_categorical_crossentropy")
    model.fit(x, y, epochs=30, batch_size=32, verbose=0)
    sample = np.array([[0.3, 0.2]])
    assert model.predict(sample, verbose=0).argmax() == 1
    label = model.output[:, 1]
    loss = -K.log(label)                             # cross-entropy of class 1
    grads = K.gradients(loss, model.input)[0]
    get_grads = K.function([model.input], [grads])
    adversarial = sample + 0.5 * np.sign(get_grads([sample])[0])
    assert model.predict(adversarial, verbose=0).argmax() == 0
    # the same step from a GradientTape
    t = ckeras.convert_to_tensor(sample)
    with GradientTape() as tape:
        tape.watch(t)
        eager_loss = -K.log(model(t)[:, 1])
    np.testing.assert_array_equal(np.sign(tape.gradient(eager_loss, t)),
                                  np.sign(get_grads([sample])[0]))


def test_style_transfer_pattern_placeholder_next_to_variables(rng):
    # K.concatenate([base_image, style, combination]) with K.variable images and a
    # K.placeholder: the loss compares features; the gradient is w.r.t. the placeholder.
    K.set_floatx("float64")
    base = K.variable(rng.random((1, 3)))
    combination = K.placeholder((1, 3))
    features = Dense(4, activation="tanh")(K.concatenate([base, combination], axis=0))
    loss = K.sum(K.square(features[0] - features[1]))
    grads = K.gradients(loss, combination)[0]
    f = K.function([combination], [loss, grads])
    x = rng.random((1, 3))
    loss_value, g = f([x])
    evaluate = K.function([combination], [loss])
    np.testing.assert_allclose(g, _finite_differences(lambda v: evaluate([v])[0], x),
                               rtol=1e-6, atol=1e-10)
    assert loss_value == evaluate([x])[0]
