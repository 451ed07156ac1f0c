"""The code examples of the Keras tutorial (shared/seed/keras_tutorial.md), with
`keras` replaced by `ckeras`, run and behave as the tutorial describes."""
import numpy as np

from ckeras import backend as K
from ckeras.layers import Dense, Dropout, Embedding, Input, Lambda
from ckeras.models import Model, Sequential


def _model():
    model = Sequential([Dense(16, activation="relu", input_shape=(8,), name="d0"),
                        Dropout(0.1), Dense(12, activation="relu", name="my_layer"),
                        Dense(6, activation="tanh"), Dense(3, activation="softmax")])
    return model


def test_2_3_summary_config_layers_weights(capsys):
    model = _model()
    model.summary()
    assert "Total params: 447" in capsys.readouterr().out
    config = model.get_config()
    model2 = Sequential.from_config(config)
    model3 = Model.from_config(Model(model.input, model.output).get_config())
    assert model.get_layer("my_layer") is model.layers[2]
    weights = model.get_weights()
    model2.set_weights(weights)
    model3.set_weights(weights)
    x = np.random.default_rng(0).random((4, 8))
    np.testing.assert_allclose(model2.predict(x), model.predict(x), rtol=1e-6)
    np.testing.assert_allclose(model3.predict(x), model.predict(x), rtol=1e-6)


def test_2_3_8_intermediate_outputs():
    model = _model()
    data = np.random.default_rng(1).random((5, 8))
    layer_name = "my_layer"
    intermediate_layer_model = Model(inputs=model.input,
                                     outputs=model.get_layer(layer_name).output)
    intermediate_output = intermediate_layer_model.predict(data)
    assert intermediate_output.shape == (5, 12)
    # The tutorial's literal K.function form (the output last in one list).
    get_3rd_layer_output = K.function([model.layers[0].input, model.layers[3].output])
    layer_output = get_3rd_layer_output([data])[0]
    expected = Model(model.input, model.layers[3].output).predict(data)
    np.testing.assert_allclose(layer_output, expected, rtol=1e-6)


def test_2_3_9_history_and_2_3_10_frozen_layer_and_2_3_11_attributes():
    rng = np.random.default_rng(2)
    x = rng.random((20, 8)).astype("float32")
    y = np.eye(3)[rng.integers(0, 3, 20)]
    frozen_layer = Dense(32, trainable=False)
    model = Sequential([Dense(8, input_shape=(8,)), frozen_layer, Dense(3, activation="softmax")])
    model.compile("sgd", "categorical_crossentropy", metrics=["accuracy"])
    before = frozen_layer.get_weights()
    hist = model.fit(x, y, validation_split=0.2, verbose=0)
    assert set(hist.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    np.testing.assert_array_equal(before[0], frozen_layer.get_weights()[0])
    assert len(model.layers) == 3 and len(model.inputs) == 1 and len(model.outputs) == 1


def test_5_1_custom_loss_and_center_loss_recipe():
    def mean_pred(y_true, y_pred):
        return K.mean(y_pred)

    rng = np.random.default_rng(3)
    input_image = Input(shape=(6,))
    input_target = Input(shape=(1,))
    feature = Dense(4, activation="relu")(input_image)
    predict = Dense(3, activation="softmax", name="softmax")(feature)
    centers = Embedding(3, 4)(input_target)
    l2_loss = Lambda(lambda t: K.sum(K.square(t[0] - t[1][:, 0]), axis=1, keepdims=True),
                     name="l2_loss")([feature, centers])
    model_train = Model(inputs=[input_image, input_target], outputs=[predict, l2_loss])
    model_train.compile(optimizer="adam",
                        loss=["sparse_categorical_crossentropy", lambda y_true, y_pred: y_pred],
                        loss_weights=[1., 0.2], metrics={"softmax": "accuracy"})
    train_images = rng.random((16, 6)).astype("float32")
    train_targets = rng.integers(0, 3, (16, 1))
    random_y = rng.random((16, 1))
    hist = model_train.fit([train_images, train_targets], [train_targets, random_y],
                           epochs=10, verbose=0)
    assert list(hist.history) == ["loss", "softmax_loss", "l2_loss_loss", "softmax_accuracy"]
    np.testing.assert_allclose(hist.history["loss"][-1],
                               hist.history["softmax_loss"][-1]
                               + 0.2 * hist.history["l2_loss_loss"][-1], rtol=1e-5)
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    other = Sequential([Dense(1, input_shape=(6,))])
    other.compile("sgd", loss=mean_pred)
    assert np.isfinite(other.evaluate(train_images, random_y, verbose=0))
