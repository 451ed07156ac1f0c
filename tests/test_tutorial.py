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


def test_1_preprocessing_snippets():
    from ckeras.preprocessing.sequence import pad_sequences, skipgrams
    from ckeras.preprocessing.text import hashing_trick, one_hot, text_to_word_sequence
    padded = pad_sequences([[1, 2, 3], [4, 5]], maxlen=None, dtype='int32', padding='pre',
                           truncating='pre', value=0.)
    np.testing.assert_array_equal(padded, [[1, 2, 3], [0, 4, 5]])
    couples, labels = skipgrams([1, 2, 3, 4], vocabulary_size=5, window_size=4,
                                negative_samples=1., shuffle=True, categorical=False,
                                sampling_table=None)
    assert len(couples) == len(labels) and set(labels) == {0, 1}
    words = text_to_word_sequence("Hello, World! hello",
                                  filters='!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n',
                                  lower=True, split=" ")
    assert words == ["hello", "world", "hello"]
    codes = one_hot("Hello, World! hello", 50)
    assert len(codes) == 3 and codes[0] == codes[2] and all(1 <= c < 50 for c in codes)
    hashed = hashing_trick("Hello, World! hello", 50, hash_function='md5')
    assert hashed[0] == hashed[2] and all(1 <= c < 50 for c in hashed)


def test_2_3_4_to_2_3_7_json_yaml_weights_and_whole_model(tmp_path):
    from ckeras.models import load_model, model_from_json, model_from_yaml
    model = _model()
    model.compile("adam", "categorical_crossentropy")
    x = np.random.default_rng(4).random((3, 8)).astype("float32")
    json_string = model.to_json()
    assert model_from_json(json_string).count_params() == model.count_params()
    yaml_string = model.to_yaml()
    assert model_from_yaml(yaml_string).count_params() == model.count_params()
    path = str(tmp_path / "w.h5")
    model.save_weights(path)
    other = _model()
    other.load_weights(path, by_name=False)
    np.testing.assert_allclose(other.predict(x), model.predict(x), rtol=1e-6)
    model.save(str(tmp_path / "my_model.h5"))
    expected = model.predict(x)
    del model
    model = load_model(str(tmp_path / "my_model.h5"))
    np.testing.assert_allclose(model.predict(x), expected, rtol=1e-6)
    assert model.optimizer is not None


def test_3_wrappers_time_distributed_and_bidirectional():
    from ckeras.layers import LSTM, Bidirectional, Convolution2D, TimeDistributed
    model = Sequential()
    model.add(TimeDistributed(Convolution2D(64, 3, 3), input_shape=(10, 3, 299, 299)))
    # Keras 2 reads Convolution2D(64, 3, 3) as kernel 3, strides 3, channels_last.
    assert model.output_shape == (None, 10, 1, 99, 64)
    seq = Sequential([Bidirectional(LSTM(10, return_sequences=True), input_shape=(5, 4))])
    assert seq.output_shape == (None, 5, 20)
    out = seq.predict(np.random.default_rng(5).random((2, 5, 4)))
    assert out.shape == (2, 5, 20)
