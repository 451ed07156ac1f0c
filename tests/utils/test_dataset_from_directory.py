"""image/text_dataset_from_directory and timeseries_dataset_from_array
against tf-keras 2.21 (tools/make_fixtures_data.py): same file order,
labels, splits, pixels and windows; and their bad input."""
import json
import os
import pathlib

import numpy as np
import pytest

from ckeras import preprocessing
from ckeras.layers import Dense, Flatten
from ckeras.models import Sequential
from ckeras.utils import (
    Sequence,
    image_dataset_from_directory,
    text_dataset_from_directory,
    timeseries_dataset_from_array,
)
from ckeras.utils.image_dataset import resize_image

FIX = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "data"
META = json.loads((FIX / "golden.json").read_text())
GOLDEN = dict(np.load(FIX / "golden.npz"))


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    Image = pytest.importorskip("PIL.Image")
    root = tmp_path_factory.mktemp("tree")
    with np.load(FIX / "tree.npz") as pixels:
        for i, (rel, _, _) in enumerate(META["tree"]):
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray(pixels[f"img{i}"]).save(root / rel, format="PNG")
    for rel in META["extra"]:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(b"x")
    return root


IMAGE_CASES = [c for c in META["cases"] if not c.startswith("ts_")]


@pytest.mark.parametrize("case", IMAGE_CASES)
def test_image_dataset_matches_tf_keras(tree, case, capsys):
    meta = META["cases"][case]
    kw = {k: tuple(v) if k == "image_size" else v for k, v in meta["kwargs"].items()}
    ds = image_dataset_from_directory(str(tree), shuffle=meta["shuffle"], **kw)
    assert isinstance(ds, Sequence)
    assert "Found 10 files belonging to 3 classes." in capsys.readouterr().out
    assert ds.class_names == meta["class_names"] == ["birds", "cats", "dogs"]
    assert [os.path.relpath(p, tree) for p in ds.file_paths] == meta["file_paths"]
    x, y = (np.concatenate(part) for part in zip(*ds))
    assert x.dtype == np.float32
    np.testing.assert_allclose(x, GOLDEN[case + "/images"], rtol=0, atol=1e-4)
    labels = GOLDEN[case + "/labels"]
    if kw.get("label_mode") == "categorical":
        np.testing.assert_array_equal(y, np.eye(3, dtype="float32")[labels])
    else:
        np.testing.assert_array_equal(y, labels)


def test_batches_epochs_and_fit(tree):
    ds = image_dataset_from_directory(str(tree), seed=7, image_size=(4, 6), batch_size=4,
                                      label_mode="categorical")
    assert len(ds) == 3 and [len(b[0]) for b in ds] == [4, 4, 2]
    first = np.concatenate([x for x, _ in ds])
    np.testing.assert_allclose(first, GOLDEN["default/images"], atol=1e-4)
    ds.on_epoch_end()
    second = np.concatenate([x for x, _ in ds])
    assert not np.array_equal(first, second)        # reshuffled
    assert sorted(map(bytes, first)) == sorted(map(bytes, second))  # same images
    model = Sequential([Flatten(input_shape=(4, 6, 3)), Dense(3, activation="softmax")])
    model.compile("sgd", "categorical_crossentropy")
    hist = model.fit(ds, epochs=2, verbose=0)
    assert len(hist.history["loss"]) == 2 and np.isfinite(hist.history["loss"]).all()
    assert model.predict(ds, verbose=0).shape == (10, 3)


def test_subset_both_binary_labels_list_and_no_labels(tree):
    train, val = image_dataset_from_directory(str(tree), seed=9, validation_split=0.3,
                                              subset="both", image_size=(2, 2), batch_size=20)
    assert [os.path.relpath(p, tree) for p in train.file_paths] == \
        META["cases"]["training"]["file_paths"]
    assert len(val.file_paths) == 3 and not set(val.file_paths) & set(train.file_paths)
    ds = image_dataset_from_directory(str(tree), labels=[0, 1] * 5 + [1], label_mode="binary",
                                      shuffle=False, image_size=(2, 2), batch_size=None)
    x, y = ds[3]
    assert x.shape == (2, 2, 3) and y.dtype == np.float32 and y.tolist() == [1.0]
    assert ds.class_names == [0, 1]
    none = image_dataset_from_directory(str(tree), labels=None, shuffle=False,
                                        image_size=(2, 2), batch_size=5)
    assert isinstance(none[1], np.ndarray) and none[1].shape == (5, 2, 2, 3)
    assert len(none) == 3 and none[2].shape == (1, 2, 2, 3)
    assert [os.path.relpath(p, tree) for p in none.file_paths][:2] == \
        [".hidden/h.png", "birds/w.png"]   # labels=None lists every file below
    with pytest.raises(ValueError, match="could not decode the image file .*h.png"):
        none[0]


def test_resize_against_tf_formula():
    img = np.arange(2 * 3 * 1, dtype=np.float32).reshape(2, 3, 1)
    # half-pixel bilinear: output row 0 of 4 samples source row -0.25 -> clamped 0
    out = resize_image(img, (4, 3))
    np.testing.assert_allclose(out[:, :, 0], [[0, 1, 2], [0.75, 1.75, 2.75],
                                              [2.25, 3.25, 4.25], [3, 4, 5]])
    np.testing.assert_array_equal(resize_image(img, (2, 3)), img)


@pytest.mark.parametrize("kw,match", [
    (dict(labels="bad"), "should be a list/tuple"),
    (dict(labels=[0, 1]), "len\\(labels\\) is 2 while we found 11"),
    (dict(labels=[0] * 11, class_names=["a"]), "only pass `class_names`"),
    (dict(label_mode="sparse"), "label_mode"),
    (dict(color_mode="cmyk"), "color_mode"),
    (dict(label_mode="binary"), "exactly 2 class_names"),
    (dict(class_names=["a", "b"]), "did not match"),
    (dict(validation_split=0.2), "`validation_split` must be set, and inversely|seed"),
    (dict(validation_split=0.2, subset="training"), "must provide a `seed`"),
    (dict(validation_split=1.5, subset="training", seed=1), "between 0 and 1"),
    (dict(subset="train", validation_split=0.2, seed=1), "subset"),
    (dict(image_size=(0, 3)), "image_size"),
    (dict(batch_size=0), "batch_size"),
    (dict(smart_resize=True, foo=1), "Unknown keywords"),
])
def test_image_bad_arguments(tree, kw, match):
    with pytest.raises((ValueError, TypeError), match=match):
        image_dataset_from_directory(str(tree), **kw)


def test_every_tf_image_resize_method_and_the_layers_resize_agree(tree):
    from ckeras.layers import Resizing  # tf-keras-golden-checked for every method
    from ckeras.preprocessing.image import img_to_array, load_img

    first = None
    for method in ("bicubic", "area", "lanczos3", "mitchellcubic", "bilinear"):
        ds = image_dataset_from_directory(str(tree), batch_size=None, shuffle=False,
                                          image_size=(5, 7), interpolation=method)
        x = ds[0][0]
        raw = img_to_array(load_img(ds.file_paths[0]))[None]
        want = Resizing(5, 7, interpolation=method)(raw).numpy()[0]
        np.testing.assert_allclose(x, want, rtol=1e-6, atol=1e-4)
        first = x if first is None else first
    assert not np.allclose(first, x)     # bicubic and bilinear differ


def test_unsupported_interpolation_and_empty_or_missing_dirs(tree, tmp_path):
    with pytest.raises(NotImplementedError, match="not recognized"):
        image_dataset_from_directory(str(tree), interpolation="cubic-ish")
    (tmp_path / "empty" / "a").mkdir(parents=True)
    with pytest.raises(ValueError, match="No images found"):
        image_dataset_from_directory(str(tmp_path / "empty"))
    with pytest.raises(ValueError, match="existing folder"):
        image_dataset_from_directory(str(tmp_path / "missing"))


@pytest.fixture
def text_tree(tmp_path):
    files = {"neg/a.txt": "bad movie", "neg/b.txt": "awful", "pos/c.txt": "great fun",
             "pos/d.txt": "héllo wörld", "pos/e.TXT": "loved it", "pos/skip.md": "no"}
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    return tmp_path


def test_text_dataset(text_tree):
    ds = text_dataset_from_directory(str(text_tree), shuffle=False, batch_size=3,
                                     label_mode="binary", max_length=5)
    assert ds.class_names == ["neg", "pos"]
    x, y = ds[0]
    assert x.dtype == object and list(x) == [b"bad m", b"awful", b"great"]
    assert y.tolist() == [[0.0], [0.0], [1.0]]
    x, _ = ds[1]
    assert list(x) == ["héllo wörld".encode()[:5], b"loved"]  # bytes, as tf's substr
    order = text_dataset_from_directory(str(text_tree), seed=7, batch_size=None).file_paths
    expected = [str(text_tree / p) for p in
                ["neg/a.txt", "neg/b.txt", "pos/c.txt", "pos/d.txt", "pos/e.TXT"]]
    np.random.RandomState(7).shuffle(expected)   # tf-keras's one seeded shuffle
    assert order == expected
    flat = text_dataset_from_directory(str(text_tree / "pos"), labels=None, shuffle=False)
    assert list(flat[0]) == [b"great fun", "héllo wörld".encode(), b"loved it"]


def test_text_dataset_errors(text_tree, tmp_path):
    with pytest.raises(ValueError, match="max_length"):
        text_dataset_from_directory(str(text_tree), max_length=-1)
    empty = tmp_path / "e"
    (empty / "k").mkdir(parents=True)
    with pytest.raises(ValueError, match="No text files found"):
        text_dataset_from_directory(str(empty))


@pytest.mark.parametrize("case", ["ts_basic", "ts_strided"])
def test_timeseries_matches_tf_keras(case):
    kw = META["cases"][case]["kwargs"]
    data, targets = np.arange(40).reshape(20, 2), np.arange(100, 120)
    ds = timeseries_dataset_from_array(data, targets, **kw)
    xs, ys = zip(*list(ds))
    assert [len(x) for x in xs][:-1] == [kw["batch_size"]] * (len(xs) - 1)
    np.testing.assert_array_equal(np.concatenate(xs), GOLDEN[case + "/x"])
    np.testing.assert_array_equal(np.concatenate(ys), GOLDEN[case + "/y"])


def test_timeseries_shuffle_and_no_targets():
    data = np.arange(30)
    plain = np.concatenate(list(timeseries_dataset_from_array(data, None, 5, batch_size=4)))
    shuffled = timeseries_dataset_from_array(data, None, 5, batch_size=4, shuffle=True, seed=3)
    starts = np.arange(26, dtype="int32")
    np.random.RandomState(3).shuffle(starts)
    np.testing.assert_array_equal(np.concatenate(list(shuffled)), plain[starts])
    assert preprocessing.timeseries_dataset_from_array is timeseries_dataset_from_array


@pytest.mark.parametrize("kw,match", [
    (dict(start_index=-1), "0 or greater"), (dict(start_index=50), "lower than the length"),
    (dict(start_index=5, end_index=3), "higher than `start_index`"),
    (dict(end_index=30), "lower than the length"), (dict(sampling_rate=0), "sampling_rate"),
    (dict(sequence_stride=0), "sequence_stride"), (dict(sequence_length=0), "sequence_length"),
])
def test_timeseries_bad_arguments(kw, match):
    args = dict(sequence_length=3)
    args.update(kw)
    with pytest.raises(ValueError, match=match):
        timeseries_dataset_from_array(np.arange(20), None, **args)


def test_follow_links(text_tree, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    (outside / "more").mkdir()
    (outside / "more" / "f.txt").write_text("linked")
    os.symlink(outside / "more", text_tree / "pos" / "link")
    names = lambda ds: sorted(os.path.relpath(p, text_tree) for p in ds.file_paths)  # noqa: E731
    assert "pos/link/f.txt" not in names(text_dataset_from_directory(str(text_tree)))
    assert "pos/link/f.txt" in names(text_dataset_from_directory(str(text_tree),
                                                                 follow_links=True))


def test_iteration_prefetches_the_same_batches_as_indexing(tree, tmp_path):
    ds = image_dataset_from_directory(str(tree), seed=3, image_size=(5, 7), batch_size=3)
    by_index = [ds[i] for i in range(len(ds))]
    it = iter(ds)
    first = next(it)        # the second batch is being decoded meanwhile
    np.testing.assert_array_equal(first[0], by_index[0][0])
    del it                  # a loop left early leaves nothing behind
    for (x, y), (xi, yi) in zip(ds, by_index):
        np.testing.assert_array_equal(x, xi)
        np.testing.assert_array_equal(y, yi)
    assert sum(1 for _ in ds) == len(ds) == 4
    # a file that does not decode fails the batch it belongs to, when reached
    Image = pytest.importorskip("PIL.Image")
    root = tmp_path / "bad"
    (root / "a").mkdir(parents=True)
    for k in range(4):
        Image.fromarray(np.full((3, 3, 3), k, np.uint8)).save(root / "a" / f"{k}.png")
    (root / "a" / "4.png").write_bytes(b"not a png")
    bad = image_dataset_from_directory(str(root), shuffle=False, image_size=(3, 3),
                                       batch_size=2)
    got = []
    with pytest.raises(ValueError, match="could not decode"):
        for x, _ in bad:
            got.append(x[:, 0, 0, 0].tolist())
    assert got == [[0.0, 1.0], [2.0, 3.0]]


@pytest.mark.parametrize("kw", [
    dict(color_mode="rgb"), dict(color_mode="rgba"), dict(color_mode="grayscale"),
    dict(color_mode="rgb", crop_to_aspect_ratio=True),
    dict(color_mode="rgb", interpolation="bicubic"),
    dict(color_mode="rgb", interpolation="nearest", crop_to_aspect_ratio=True)],
    ids=lambda kw: "-".join(str(v) for v in kw.values()))
def test_decoded_pixels_resize_as_the_float_image_does(tmp_path, kw):
    # JPEGs (Pillow keeps RGB as padded RGBX, resized straight from there)
    # and a palette PNG: the batches hold exactly what resizing the decoded
    # image as a float32 array gives, in every slot of a threaded batch
    from ckeras.preprocessing.image import img_to_array, load_img
    from ckeras.utils.image_dataset import smart_crop_box
    Image = pytest.importorskip("PIL.Image")
    rng = np.random.default_rng(5)
    for k in range(7):
        h, w = 20 + 3 * k, 31 - 2 * k
        img = Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8))
        (tmp_path / "a").mkdir(exist_ok=True)
        if k == 6:
            img.convert("P").save(tmp_path / "a" / f"{k}.png")
        else:
            img.save(tmp_path / "a" / f"{k}.jpg", quality=85)
    size = (9, 13)
    ds = image_dataset_from_directory(str(tmp_path), shuffle=False, image_size=size,
                                      batch_size=4, label_mode=None, **kw)
    got = np.concatenate(list(ds))
    channels = {"rgb": 3, "rgba": 4, "grayscale": 1}[kw["color_mode"]]
    assert got.shape == (7,) + size + (channels,)
    for path, x in zip(ds.file_paths, got):
        raw = img_to_array(load_img(path, color_mode=kw["color_mode"]))
        if kw["color_mode"] == "grayscale":   # TensorFlow's RGB to gray weights
            rgb = img_to_array(load_img(path)).astype(np.int64)
            raw = (rgb @ np.array([9797, 19234, 3737]) >> 15).astype(np.float32)[:, :, None]
        if kw.get("crop_to_aspect_ratio"):
            top, left, ch, cw = smart_crop_box(raw.shape[0], raw.shape[1], size)
            raw = raw[top:top + ch, left:left + cw]
        np.testing.assert_array_equal(
            x, resize_image(raw, size, kw.get("interpolation", "bilinear")))
