"""Behaviour of the numeric and image preprocessing layers beyond the
tf-keras goldens (test_preprocessing_golden.py): the random layers are the
identity at inference and active in training, draw from their ranges, and
are reproducible with a seed; bad input raises Keras' errors; adapt reads
arrays, lists, generators and Sequences alike; the layers work inside
functional models and survive an .h5 round trip."""
import numpy as np
import pytest

import ckeras
from ckeras import layers, models
from ckeras.layers.preprocessing import image_preprocessing as ip
from ckeras.utils.data_utils import Sequence

RANDOM_LAYERS = [
    lambda s: layers.RandomFlip(seed=s),
    lambda s: layers.RandomRotation(0.2, seed=s),
    lambda s: layers.RandomZoom(0.3, 0.2, seed=s),
    lambda s: layers.RandomTranslation(0.3, 0.2, seed=s),
    lambda s: layers.RandomContrast(0.5, seed=s),
    lambda s: layers.RandomBrightness(0.3, seed=s),
    lambda s: layers.RandomCrop(5, 6, seed=s),
    lambda s: layers.RandomHeight(0.4, seed=s),
    lambda s: layers.RandomWidth(0.4, seed=s),
]


def _images(n=4, h=8, w=9, c=3, seed=0):
    return (np.random.default_rng(seed).random((n, h, w, c)) * 255).astype(np.float32)


@pytest.mark.parametrize("make", RANDOM_LAYERS, ids=lambda f: type(f(0)).__name__)
def test_random_layers_identity_at_inference_active_in_training(make):
    x = _images()
    layer = make(1)
    if isinstance(layer, layers.RandomCrop):
        # inference resizes to the target size (tf-keras' rule), training crops
        np.testing.assert_allclose(layer(x), ip.smart_resize(x, 5, 6), rtol=1e-6)
    else:
        np.testing.assert_array_equal(layer(x), x)
        np.testing.assert_array_equal(layer(x, training=False), x)
    outs = [np.asarray(layer(x, training=True)) for _ in range(3)]
    assert any(o.shape != x.shape or not np.array_equal(o, x) for o in outs)
    # a model's predict runs in inference mode
    model = models.Sequential([layers.InputLayer(x.shape[1:]), make(2)])
    if not isinstance(layer, layers.RandomCrop):
        np.testing.assert_array_equal(model.predict(x, verbose=0), x)


@pytest.mark.parametrize("make", RANDOM_LAYERS, ids=lambda f: type(f(0)).__name__)
def test_random_layers_seeded_reproducible_and_fresh_per_call(make):
    x = _images()
    a, b, c = make(7), make(7), make(8)
    first = [np.asarray(a(x, training=True)) for _ in range(3)]
    again = [np.asarray(b(x, training=True)) for _ in range(3)]
    for u, v in zip(first, again):
        np.testing.assert_array_equal(u, v)
    # successive calls draw anew, and another seed draws differently
    assert any(u.shape != first[0].shape or not np.array_equal(u, first[0])
               for u in first[1:])
    other = [np.asarray(c(x, training=True)) for _ in range(3)]
    assert any(u.shape != v.shape or not np.array_equal(u, v) for u, v in zip(first, other))


def test_random_flip_gives_each_image_flipped_or_not():
    x = _images(n=64)
    y = np.asarray(layers.RandomFlip("horizontal", seed=0)(x, training=True))
    flipped = [np.array_equal(yi, xi[:, ::-1]) for xi, yi in zip(x, y)]
    kept = [np.array_equal(yi, xi) for xi, yi in zip(x, y)]
    assert all(f or k for f, k in zip(flipped, kept))
    assert 10 < sum(flipped) < 54
    y = np.asarray(layers.RandomFlip("vertical", seed=1)(x, training=True))
    assert all(np.array_equal(yi, xi) or np.array_equal(yi, xi[::-1]) for xi, yi in zip(x, y))


def test_random_rotation_draws_angles_in_range_per_image():
    x = _images(n=5)
    layer = layers.RandomRotation((-0.1, 0.25), fill_mode="constant", seed=3)
    y = layer(x, training=True)
    angles = np.random.default_rng(3).uniform(-0.1 * 2 * np.pi, 0.25 * 2 * np.pi, 5)
    want = ip.transform(x, ip.rotation_matrix(angles.astype(np.float32), 8, 9), "constant")
    np.testing.assert_array_equal(y, want)


def test_random_translation_whole_pixel_shift():
    x = _images(n=2, h=10, w=10)
    y = np.asarray(layers.RandomTranslation((0.2, 0.2), (-0.3, -0.3), fill_mode="constant",
                                            fill_value=-1.0)(x, training=True))
    np.testing.assert_allclose(y[:, 2:, :7], x[:, :8, 3:], rtol=1e-6)
    assert (y[:, :2] == -1).all() and (y[:, :, 7:] == -1).all()


def test_random_crop_is_one_window_for_the_batch():
    x = _images(n=3, h=9, w=11)
    y = np.asarray(layers.RandomCrop(4, 5, seed=2)(x, training=True))
    hits = [(t, c) for t in range(6) for c in range(7)
            if np.array_equal(y, x[:, t:t + 4, c:c + 5])]
    assert len(hits) == 1


def test_random_brightness_adds_one_delta_per_image_and_clips():
    x = np.full((6, 4, 4, 3), 128.0, np.float32)
    y = np.asarray(layers.RandomBrightness((0.1, 0.3), seed=0)(x, training=True))
    delta = y[:, 0, 0, 0] - 128.0
    assert ((delta >= 0.1 * 255 - 1e-3) & (delta <= 0.3 * 255 + 1e-3)).all()
    np.testing.assert_array_equal(y, np.broadcast_to(y[:, :1, :1, :1], y.shape))
    y = np.asarray(layers.RandomBrightness((1.0, 1.0))(x, training=True))
    assert (y == 255).all()


def test_random_contrast_factor_in_range():
    x = _images(n=1)
    y = np.asarray(layers.RandomContrast((0.2, 0.3), seed=4)(x, training=True))
    factor = np.random.default_rng(4).uniform(0.8, 1.3)
    np.testing.assert_allclose(y, np.clip(ip.adjust_contrast(x, factor), 0, 255), rtol=1e-5)


def test_random_height_width_sizes():
    x = _images(h=10, w=20)
    assert layers.RandomHeight((0.5, 0.5))(x, training=True).shape == (4, 15, 20, 3)
    assert layers.RandomWidth((-0.25, -0.25))(x, training=True).shape == (4, 10, 15, 3)
    assert layers.RandomWidth(0.3).compute_output_shape((None, 10, 20, 3)) == (None, 10, None, 3)


def test_unbatched_images_keep_their_rank():
    x = _images(n=1)[0]
    assert layers.Resizing(3, 4)(x).shape == (3, 4, 3)
    assert layers.CenterCrop(2, 2)(x).shape == (2, 2, 3)
    assert layers.RandomRotation(0.3)(x, training=True).shape == x.shape


# ------------------------------------------------------------ bad input
def test_image_layers_reject_bad_input():
    with pytest.raises(ValueError, match=r"Resizing layer .* 3-D .* 4-D .*\(5, 6\)"):
        layers.Resizing(2, 2)(np.ones((5, 6)))
    with pytest.raises(ValueError, match="different sizes"):
        layers.Resizing(2, 2)([np.ones((4, 4, 3)), np.ones((5, 4, 3))])
    with pytest.raises(ValueError, match="numeric images"):
        layers.CenterCrop(2, 2)(np.array([[["a"]]]))
    with pytest.raises(ValueError, match="`height` must be a positive integer"):
        layers.Resizing(0, 3)
    with pytest.raises(ValueError, match="`width` must be a positive integer"):
        layers.CenterCrop(3, 2.5)
    with pytest.raises(NotImplementedError, match="interpolation"):
        layers.Resizing(2, 2, interpolation="cubic")
    with pytest.raises(NotImplementedError, match="Unknown `fill_mode` mirror"):
        layers.RandomRotation(0.1, fill_mode="mirror")
    with pytest.raises(NotImplementedError, match="Unknown `interpolation` bicubic"):
        layers.RandomZoom(0.1, interpolation="bicubic")
    with pytest.raises(ValueError, match="unknown mode"):
        layers.RandomFlip("diagonal")


@pytest.mark.parametrize("make, match", [
    (lambda: layers.RandomRotation((0.3, 0.1)), "`factor` argument cannot have a negative"),
    (lambda: layers.RandomZoom(1.5), r"`height_factor` argument must have values between"),
    (lambda: layers.RandomZoom(0.1, (-2, 0)), "`width_factor` argument must have values larger"),
    (lambda: layers.RandomTranslation(0.1, 1.2), r"`width_factor` must have values between"),
    (lambda: layers.RandomTranslation((0.3, 0.1), 0.1), "cannot have upper bound less"),
    (lambda: layers.RandomContrast(-0.1), "cannot have negative values"),
    (lambda: layers.RandomContrast((1.5, 0.2)), "cannot have negative values"),
    (lambda: layers.RandomBrightness(1.2), r"in the range \[-1.0, 1.0\]"),
    (lambda: layers.RandomBrightness((0.1, 0.2, 0.3)), "list of two numbers"),
    (lambda: layers.RandomBrightness(0.1, value_range=(0,)), "`value_range` argument"),
    (lambda: layers.RandomHeight((-1.5, 0.2)), "must have values larger than -1"),
    (lambda: layers.RandomWidth((0.4, 0.1)), "upper bound lesser"),
    (lambda: layers.RandomRotation("x"), "`factor` must be a number or a pair"),
    (lambda: layers.RandomFlip(seed=1.5), "`seed` must be an integer"),
])
def test_bad_factors(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_normalization_bad_input():
    with pytest.raises(ValueError, match="both `mean` and `variance` must be set"):
        layers.Normalization(mean=1.0)
    layer = layers.Normalization(mean=1.0, variance=2.0)
    with pytest.raises(ValueError, match="Cannot `adapt` a Normalization layer"):
        layer.adapt(np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"range \[-ndim, ndim\)"):
        layers.Normalization(axis=3)(np.ones((2, 3)))
    layer = layers.Normalization()
    layer.adapt(np.ones((5, 4)))
    with pytest.raises(ValueError, match=r"built for inputs of shape \(None, 4\); received "
                                         r"shape \(2, 3\)"):
        layer(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"adapt received a batch of shape \(5, 3\)"):
        layer.adapt(np.ones((5, 3)))
    with pytest.raises(ValueError, match="empty data"):
        layers.Normalization().adapt(np.zeros((0, 3)))
    with pytest.raises(ValueError, match="`batch_size` must be a positive integer"):
        layers.Normalization().adapt(np.ones((4, 3)), batch_size=0)
    with pytest.raises(ValueError, match="`batch_size` must not be set"):
        layers.Normalization().adapt((b for b in [np.ones((2, 3))]), batch_size=2)


def test_discretization_bad_input():
    with pytest.raises(ValueError, match="Both `num_bins` and `bin_boundaries`"):
        layers.Discretization([0.0], num_bins=3)
    with pytest.raises(ValueError, match="`num_bins` must be greater than or equal to 0"):
        layers.Discretization(num_bins=-1)
    with pytest.raises(ValueError, match="output_mode"):
        layers.Discretization([0.0], output_mode="tf_idf")
    with pytest.raises(ValueError, match="`sparse` may only be true"):
        layers.Discretization([0.0], sparse=True)
    with pytest.raises(NotImplementedError, match="sparse"):
        layers.Discretization([0.0], output_mode="count", sparse=True)
    with pytest.raises(ValueError, match="sorted"):
        layers.Discretization([1.0, 0.0])
    with pytest.raises(ValueError, match="Cannot adapt a Discretization layer"):
        layers.Discretization([0.0]).adapt(np.ones(4))
    with pytest.raises(ValueError, match="maximum supported output rank is 2"):
        layers.Discretization([0.0], output_mode="one_hot")(np.ones((2, 3)))
    with pytest.raises(ValueError, match="numeric inputs"):
        layers.Discretization([0.0])(np.array(["a"]))


# ---------------------------------------------------------------- adapt
class _Batches(Sequence):
    def __init__(self, data, size):
        self.data, self.size = data, size

    def __len__(self):
        return -(-len(self.data) // self.size)

    def __getitem__(self, k):
        return self.data[k * self.size:(k + 1) * self.size], None


def test_adapt_reads_arrays_lists_generators_and_sequences_alike():
    data = np.random.default_rng(0).standard_normal((45, 3)).astype(np.float32) * 4 + 2
    ref = layers.Normalization()
    ref.adapt(data, batch_size=10)
    sources = [data.tolist(), (data[k:k + 10] for k in range(0, 45, 10)),
               iter([(data[k:k + 10], None) for k in range(0, 45, 10)]), _Batches(data, 10)]
    assert isinstance(ref, layers.preprocessing.PreprocessingLayer) and ref.is_adapted
    for src in sources:
        layer = layers.Normalization()
        layer.adapt(src, batch_size=10 if isinstance(src, list) else None)
        for got, want in zip(layer.get_weights(), ref.get_weights()):
            np.testing.assert_array_equal(got, want)
    # the statistics are those of the whole data set (up to float32 folding)
    np.testing.assert_allclose(ref.get_weights()[0], data.mean(0), rtol=1e-5)
    np.testing.assert_allclose(ref.get_weights()[1], data.var(0), rtol=1e-4)
    # steps caps the batches; a second adapt starts afresh
    part = layers.Normalization()
    part.adapt(data, batch_size=10, steps=2)
    np.testing.assert_allclose(part.get_weights()[0], data[:20].mean(0), rtol=1e-5)
    assert int(part.get_weights()[2]) == 20
    part.adapt(data[:5])
    assert int(part.get_weights()[2]) == 5


def test_discretization_adapt_from_generator_equals_array():
    data = np.random.default_rng(1).random(500).astype(np.float32)
    a, b = layers.Discretization(num_bins=4), layers.Discretization(num_bins=4)
    a.adapt(data, batch_size=50)
    b.adapt(data[k:k + 50] for k in range(0, 500, 50))
    assert a.bin_boundaries == b.bin_boundaries
    np.testing.assert_allclose(a.bin_boundaries, [0.25, 0.5, 0.75], atol=0.05)


def test_normalization_is_differentiable():
    layer = layers.Normalization(mean=2.0, variance=4.0, axis=None)
    x = ckeras.convert_to_tensor(np.array([[1.0, 3.0]], np.float32))
    with ckeras.GradientTape() as tape:
        tape.watch(x)
        y = layer(x)
        loss = (y * np.array([[1.0, 2.0]], np.float32)).sum()
    np.testing.assert_allclose(tape.gradient(loss, x), [[0.5, 1.0]])
    inv = layers.Normalization(mean=2.0, variance=4.0, axis=None, invert=True)
    np.testing.assert_allclose(inv(layer(np.array([[1.0, 3.0]]))), [[1.0, 3.0]], rtol=1e-6)


def test_rescaling_is_differentiable():
    x = ckeras.convert_to_tensor(np.array([1.0, 3.0], np.float32))
    with ckeras.GradientTape() as tape:
        tape.watch(x)
        loss = layers.Rescaling(0.5, offset=3.0)(x).sum()
    np.testing.assert_allclose(tape.gradient(loss, x), [0.5, 0.5])


@pytest.mark.parametrize("method, crop", [("bilinear", False), ("bicubic", True),
                                          ("area", False), ("nearest", True)])
def test_resizing_is_differentiable_and_equals_the_kernel_path(method, crop):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 6, 9, 2)).astype(np.float32)
    layer = layers.Resizing(4, 5, interpolation=method, crop_to_aspect_ratio=crop)
    plain = np.asarray(layer(x))
    g = rng.standard_normal(plain.shape).astype(np.float32)
    t = ckeras.convert_to_tensor(x)
    with ckeras.GradientTape() as tape:
        tape.watch(t)
        y = layer(t)
        loss = (y * g).sum()
    np.testing.assert_allclose(np.asarray(y), plain, rtol=1e-5, atol=1e-5)
    grad = np.asarray(tape.gradient(loss, t))
    # the map is linear: its gradient is its adjoint, <grad, v> = <g, layer(v)>
    v = rng.standard_normal(x.shape).astype(np.float32)
    np.testing.assert_allclose((grad * v).sum(), (g * np.asarray(layer(v))).sum(), rtol=1e-4)


# --------------------------------------------------- models and saving
def _pipeline_model():
    inp = layers.Input((12, 14, 3))
    x = layers.Rescaling(1 / 255.0)(inp)
    norm = layers.Normalization()
    x = norm(x)
    x = layers.RandomFlip(seed=1)(x)
    x = layers.RandomRotation(0.1, fill_mode="nearest", seed=2)(x)
    x = layers.Resizing(8, 10, interpolation="bicubic")(x)
    x = layers.CenterCrop(6, 6)(x)
    out = layers.Dense(2)(layers.Flatten()(x))
    return models.Model(inp, out), norm


def test_functional_model_h5_round_trip(tmp_path):
    model, norm = _pipeline_model()
    x = _images(n=6, h=12, w=14)
    norm.adapt(x / 255.0)
    assert model.output_shape == (None, 2)
    want = model.predict(x, verbose=0)
    path = str(tmp_path / "pre.h5")
    model.save(path)
    loaded = models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), want, rtol=1e-6)
    got_norm = [la for la in loaded.layers if isinstance(la, layers.Normalization)][0]
    for a, b in zip(got_norm.get_weights(), norm.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert [type(la).__name__ for la in loaded.layers][3:5] == ["RandomFlip", "RandomRotation"]
    assert loaded.layers[4].get_config()["seed"] == 2


def test_fit_with_augmentation_layers_trains():
    x = _images(n=16, h=6, w=6) / 255.0
    y = (x.mean((1, 2, 3)) > 0.5).astype(np.float32)
    model = models.Sequential([layers.InputLayer((6, 6, 3)), layers.RandomFlip(seed=0),
                               layers.RandomBrightness(0.1, value_range=(0, 1), seed=0),
                               layers.Flatten(), layers.Dense(1)])
    model.compile("sgd", "mse")
    before = model.get_weights()[0].copy()
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    assert not np.array_equal(before, model.get_weights()[0])


def test_discretization_adapted_boundaries_round_trip_through_weights_and_h5(tmp_path):
    data = np.random.default_rng(2).random((200, 1)).astype(np.float32)
    inp = layers.Input((1,))
    disc = layers.Discretization(num_bins=4, output_mode="one_hot")
    model = models.Model(inp, disc(inp))
    disc.adapt(data)
    cfg = disc.get_config()
    assert cfg["num_bins"] == 4 and cfg["bin_boundaries"] is None   # tf-keras' config
    summary = disc.get_weights()[0]
    assert summary.shape == (2, 100) and (summary[1] > 0).sum() == 100
    assert len(disc.bin_boundaries) == 3
    # the boundaries follow the weight
    other = layers.Discretization(num_bins=4)
    other.build((None, 1))
    assert other.bin_boundaries == []
    other.set_weights(disc.get_weights())
    assert other.bin_boundaries == disc.bin_boundaries
    path = str(tmp_path / "disc.h5")
    model.save(path)
    loaded = models.load_model(path)
    np.testing.assert_array_equal(loaded.predict(data, verbose=0),
                                  model.predict(data, verbose=0))
    assert loaded.predict(data, verbose=0).shape == (200, 4)
