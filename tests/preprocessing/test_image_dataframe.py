"""ImageDataGenerator.flow_from_dataframe / DataFrameIterator: golden batches
from tf-keras (tests/fixtures/preprocessing_image/dataframe_*, made with a
pandas DataFrame by tools/make_fixtures_image.py), replayed with pandas when
it is installed and always with stand-ins (a dict of lists, a minimal
Series-like table), so CI without pandas runs the code; argument errors."""
import os
import pathlib
import subprocess
import sys
import warnings

import numpy as np
import pytest

from ckeras.preprocessing import image as im
from ckeras.preprocessing.image import DataFrameIterator, ImageDataGenerator
from ckeras.testing import Golden
from ckeras.utils.data_utils import Sequence

pytest.importorskip("PIL")

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures"
IMAGES = Golden(FIXTURES, "preprocessing_image")


@pytest.fixture(scope="module")
def golden():
    return IMAGES.bundle("dataframe_")


class SeriesLike:
    """The part of a pandas Series flow_from_dataframe may use."""

    def __init__(self, values):
        self._values = list(values)

    @property
    def values(self):
        return np.asarray(self._values, dtype=object if any(
            isinstance(v, (list, str)) for v in self._values) else None)

    @property
    def dtype(self):
        return self.values.dtype

    def tolist(self):
        return list(self._values)

    def __len__(self):
        return len(self._values)


class TableLike:
    """A DataFrame stand-in: `table[column]` -> SeriesLike."""

    def __init__(self, columns):
        self._columns = {k: SeriesLike(v) for k, v in columns.items()}

    def __getitem__(self, col):
        return self._columns[col]


def _make_frame(kind, columns):
    if kind == "pandas":
        pd = pytest.importorskip("pandas")
        return pd.DataFrame(columns)
    if kind == "table":
        return TableLike(columns)
    return {k: list(v) for k, v in columns.items()}


def _case_columns(cases, case):
    root = IMAGES.file(cases["image_dir"])
    cols = {k: list(v) for k, v in cases["columns"].items()}
    if case["rows"] is not None:
        cols = {k: [v[r] for r in case["rows"]] for k, v in cols.items()}
    if case["absolute"]:
        cols["filename"] = [os.path.join(root, f) for f in cols["filename"]]
        return cols, None, root
    return cols, root, root


def _flow_kwargs(case):
    kw = dict(case["flow"])
    if "target_size" in kw:
        kw["target_size"] = tuple(kw["target_size"])
    return kw


@pytest.mark.parametrize("kind", ["dict", "table", "pandas"])
def test_flow_from_dataframe_matches_tf_keras(golden, kind, capsys):
    cases, arrays = golden
    assert len(cases["cases"]) == 15
    modes = set()
    for case in cases["cases"]:
        cols, directory, root = _case_columns(cases, case)
        df = _make_frame(kind, cols)
        gen = ImageDataGenerator(**case["gen"])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            it = gen.flow_from_dataframe(df, directory, **_flow_kwargs(case))
        assert isinstance(it, Sequence) and isinstance(it, DataFrameIterator)
        assert capsys.readouterr().out.strip() == case["printed"]
        assert [str(w.message) for w in caught if issubclass(w.category, UserWarning)] \
            == case["warnings"]
        names = [os.path.relpath(f, root) if case["absolute"] else f for f in it.filenames]
        assert names == case["filenames"]
        assert it.samples == case["samples"] and len(it) == case["len"]
        assert it.filepaths == [os.path.join(directory or "", f) for f in it.filenames]
        if "class_indices" in case:
            assert it.class_indices == case["class_indices"]
            assert it.classes == case["classes"] and it.labels == case["classes"]
        for b, batch in enumerate(case["batches"]):
            got = it[b]
            got = got if isinstance(got, tuple) else (got,)
            assert len(got) == len(batch["parts"])
            for part, n_list, value in zip(batch["parts"], batch["list_lengths"], got):
                key = f"df{case['index']}_{b}_{part}"
                if n_list is not None:
                    assert isinstance(value, list) and len(value) == n_list
                    for k, v in enumerate(value):
                        np.testing.assert_array_equal(v, arrays[f"{key}{k}"])
                elif part == "x":
                    assert value.dtype == np.float32
                    np.testing.assert_allclose(value, arrays[key], rtol=1e-6, atol=1e-6)
                else:
                    assert value.dtype == arrays[key].dtype, (case["index"], part)
                    np.testing.assert_array_equal(value, arrays[key])
        modes.add(case["flow"].get("class_mode", "categorical"))
    assert modes == {"categorical", "binary", "sparse", "raw", "multi_output", "input", None}


@pytest.mark.parametrize("kind", ["dict", "table", "pandas"])
def test_dataframe_is_not_modified(tmp_path, kind):
    _write_images(tmp_path, ["a.png", "b.png"])
    cols = {"filename": ["a.png", "b.png", "zz.png"], "tags": [["x", "y"], ["y"], ["x"]]}
    df = _make_frame(kind, cols)
    with pytest.warns(UserWarning, match="1 invalid image filename"):
        it = ImageDataGenerator().flow_from_dataframe(df, str(tmp_path), y_col="tags",
                                                      classes=["y"], target_size=(2, 2))
    assert it.classes == [[0], [0]] and it.class_indices == {"y": 0}
    after = {k: df[k].tolist() if hasattr(df[k], "tolist") else list(df[k]) for k in cols}
    assert after == cols  # the multi-label lists are not filtered in place


def _write_images(root, names, size=(3, 4)):
    rng = np.random.default_rng(0)
    for name in names:
        path = os.path.join(str(root), name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        im.save_img(path, (rng.random(size + (3,)) * 255).astype(np.float32), scale=False)


def test_batches_keep_row_order_and_weights_and_fit(tmp_path):
    names = [f"img_{i}.png" for i in range(7)]
    _write_images(tmp_path, names)
    df = {"filename": names, "class": ["b", "a", "c", "a", "b", "c", "a"],
          "w": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]}
    it = ImageDataGenerator(rescale=1 / 255.0).flow_from_dataframe(
        df, str(tmp_path), weight_col="w", target_size=(3, 4), batch_size=3, shuffle=False)
    assert it.class_indices == {"a": 0, "b": 1, "c": 2}
    x, y, w = it[2]
    assert x.shape == (1, 3, 4, 3)
    np.testing.assert_array_equal(y, [[1, 0, 0]])
    np.testing.assert_array_equal(w, [0.7])
    x0, y0, w0 = it[0]
    np.testing.assert_array_equal(np.argmax(y0, 1), [1, 0, 2])
    np.testing.assert_array_equal(w0, [0.1, 0.2, 0.3])
    ref = im.img_to_array(im.load_img(os.path.join(str(tmp_path), names[1]))) / 255.0
    np.testing.assert_allclose(x0[1], ref, rtol=1e-6)
    from ckeras.layers import Dense, Flatten
    from ckeras.models import Sequential
    model = Sequential([Flatten(input_shape=(3, 4, 3)), Dense(3, activation="softmax")])
    model.compile("sgd", "categorical_crossentropy")
    hist = model.fit(it, epochs=1, verbose=0)
    assert len(hist.history["loss"]) == 1


def test_absolute_paths_ignore_directory(tmp_path):
    _write_images(tmp_path, ["sub/a.png"])
    path = os.path.join(str(tmp_path), "sub", "a.png")
    it = ImageDataGenerator().flow_from_dataframe({"filename": [path]}, "/nonexistent",
                                                  class_mode=None, target_size=(2, 2))
    assert it.filepaths == [path] and it[0].shape == (1, 2, 2, 3)


def test_deprecated_keywords_and_other_class_mode(tmp_path):
    _write_images(tmp_path, ["a.png"])
    df = {"filename": ["a.png"], "class": [2.5]}
    gen = ImageDataGenerator()
    with pytest.warns(DeprecationWarning, match='"other" is deprecated'):
        it = gen.flow_from_dataframe(df, str(tmp_path), class_mode="other", target_size=(2, 2))
    assert it.class_mode == "raw"
    np.testing.assert_array_equal(it[0][1], [2.5])
    for key in ("has_ext", "sort", "drop_duplicates"):
        with pytest.warns(DeprecationWarning, match=key):
            gen.flow_from_dataframe(df, str(tmp_path), class_mode="raw", target_size=(2, 2),
                                    **{key: True})
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        gen.flow_from_dataframe(df, str(tmp_path), class_mode="raw", follow_links=True)


def test_argument_errors(tmp_path):
    _write_images(tmp_path, ["a.png", "b.png", "c.png"])
    base = {"filename": ["a.png", "b.png", "c.png"], "class": ["x", "y", "z"],
            "w": [1.0, 2.0, 3.0]}
    gen = ImageDataGenerator()

    def flow(df=None, **kw):
        kw.setdefault("target_size", (2, 2))
        return gen.flow_from_dataframe(base if df is None else df, str(tmp_path), **kw)

    with pytest.raises(ValueError, match="class_mode"):
        flow(class_mode="multi")
    with pytest.raises(TypeError, match="y_col must be a list"):
        flow(class_mode="multi_output", y_col="class")
    with pytest.raises(TypeError, match="x_col=filename must be strings"):
        flow(dict(base, filename=["a.png", 3, "c.png"]))
    with pytest.raises(TypeError, match="must be strings"):
        flow(dict(base, **{"class": ["x", 1, "z"]}), class_mode="sparse")
    with pytest.raises(ValueError, match="there must be 2 classes. Found 3"):
        flow(class_mode="binary")
    with pytest.raises(ValueError, match="3 class/es were given"):
        flow(class_mode="binary", classes=["x", "y", "z"])
    with pytest.raises(TypeError, match="string, list or tuple"):
        flow(dict(base, **{"class": [1, 2, 3]}))
    with pytest.raises(TypeError, match="weight_col=class must be numeric"):
        flow(weight_col="class")
    with pytest.raises(KeyError, match="'nope'"):
        flow(y_col="nope")
    with pytest.raises(ValueError, match="has 2 values"):
        flow(dict(base, w=[1.0, 2.0]), weight_col="w")
    with pytest.raises(ValueError, match="color mode"):
        flow(color_mode="cmyk")
    with pytest.raises(ValueError, match="subset"):
        flow(subset="test")
    with pytest.warns(UserWarning, match="`classes` will be ignored"):
        it = flow(class_mode="input", classes=["x"])
    assert it.classes is None and it.class_indices == {} and it.labels is None
    # binary with two given classes: other rows dropped, indices in the given order
    it = flow(class_mode="binary", classes=["z", "x"], shuffle=False)
    assert it.filenames == ["a.png", "c.png"] and it.class_indices == {"z": 0, "x": 1}
    np.testing.assert_array_equal(it[0][1], [1.0, 0.0])


def test_pandas_is_never_imported(tmp_path):
    # a "pandas" that refuses to be imported: the module and a dataframe
    # flow built from a dict must not need it
    fake = tmp_path / "fake"
    (fake / "pandas").mkdir(parents=True)
    (fake / "pandas" / "__init__.py").write_text("raise RuntimeError('pandas imported')\n")
    _write_images(tmp_path, ["a.png"])
    code = (
        "import sys\n"
        "from ckeras.preprocessing.image import ImageDataGenerator\n"
        f"it = ImageDataGenerator().flow_from_dataframe({{'filename': ['a.png'], "
        f"'class': ['k']}}, {str(tmp_path)!r}, target_size=(2, 2))\n"
        "x, y = it[0]\n"
        "assert x.shape == (1, 2, 2, 3) and y.tolist() == [[1.0]]\n"
        "assert 'pandas' not in sys.modules\n"
        "print('ok')\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(fake)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, cwd=str(tmp_path))
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip().endswith("ok")
