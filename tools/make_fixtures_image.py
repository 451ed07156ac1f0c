"""Golden values for ckeras.preprocessing.image from tf-keras 2.21.

Run BY HAND in the TensorFlow venv (needs scipy and Pillow there too)::

    TF_USE_LEGACY_KERAS=1 <tfvenv>/bin/python tools/make_fixtures_image.py

Writes ``tests/fixtures/preprocessing_image/{cases.json, arrays.npz}``:

- ``apply``: ``ImageDataGenerator(fill_mode, cval, data_format).apply_transform``
  on small images for rotation, shifts, shear, zoom, flips, channel shift,
  brightness and combinations, for every fill mode. The stored ``params`` are
  ckeras' (``tx`` = vertical shift, ``ty`` = horizontal); tf.keras 2.x swaps the
  two shift axes, so tf-keras is called with ``tx`` and ``ty`` exchanged. Images
  are square whenever a rotation/shear/zoom is involved (tf.keras 2.x also
  centres those on the transposed centre of non-square images; ckeras uses the
  true centre, so non-square cases cover shifts, flips and intensity only).
- ``random``: ``get_random_transform(shape, seed)`` dicts for several configs.
- ``standardize``: ``fit`` statistics and ``standardize`` outputs.
- ``flow``: the first batches of ``flow(x, y, seed=...)`` with augmentation that
  does not involve the shift axes (so the batches must agree bit for bit in the
  index order and closely in values).

and, in files of their own so the ones above stay byte-identical:

- ``orders_{cases.json, arrays.npz}``: spline orders 0 and 2..5. ``affine``:
  tf-keras' ``apply_affine_transform(..., order=k)`` for every fill mode on a
  square and a non-square float32 image (and some float64 cases). For the
  non-square image tf-keras is given the shift that makes its matrix equal to
  ckeras' (true-centre) matrix, checked here to 1e-12, and its output is also
  checked against SciPy run on ckeras' matrix (exactly for order 0, whose
  half-way samples must round the same way). ``generator``:
  ``ImageDataGenerator(interpolation_order=k).apply_transform`` in both data
  formats; ``flow``: seeded batches with ``interpolation_order=3``.
- ``dataframe_{cases.json, arrays.npz}`` and the images in ``dataframe_images/``:
  ``flow_from_dataframe`` (pandas DataFrame) for every class_mode, explicit
  ``classes``, multi-label rows, weights, subsets with augmentation, absolute
  paths, grayscale/RGBA/channels-first, non-validated names; per case the
  iterator's attributes, its printed line, its warnings and every batch of an
  epoch. Images are rewritten only when their pixels change.

The SciPy version used by tf-keras is recorded in ``orders_cases.json``.
"""
import io
import json
import os

import _golden

_golden.tf_environment()

import numpy as np  # noqa: E402
from tf_keras.preprocessing.image import ImageDataGenerator  # noqa: E402

OUT = _golden.fixtures_dir("preprocessing_image")

AFFINE_PARAMS = [
    {"theta": 30.0},
    {"theta": -75.0},
    {"tx": 1.5, "ty": -2.25},
    {"tx": -3.0, "ty": 4.0},
    {"shear": 20.0},
    {"zx": 0.7, "zy": 1.3},
    {"zx": 1.25, "zy": 0.8},
    {"theta": 17.0, "tx": 0.7, "ty": -1.3, "shear": 11.0, "zx": 0.9, "zy": 1.15},
    {"theta": 200.0, "tx": 9.0, "ty": -8.5, "zx": 2.5, "zy": 1.7},
]
SHIFT_ONLY = [p for p in AFFINE_PARAMS if set(p) <= {"tx", "ty"}]
INTENSITY_PARAMS = [
    {"flip_horizontal": True},
    {"flip_vertical": True},
    {"channel_shift_intensity": 25.5},
    {"brightness": 0.6},
    {"brightness": 1.4},
    {"theta": 40.0, "flip_horizontal": True, "flip_vertical": True,
     "channel_shift_intensity": -10.0, "brightness": 0.8},
]


def keras_params(p):
    """ckeras parameters -> the tf-keras call giving the same image."""
    q = dict(p)
    q["tx"], q["ty"] = p.get("ty", 0), p.get("tx", 0)
    return q


def params_jsonable(d):
    out = {}
    for k, v in d.items():
        if v is None:
            out[k] = None
        elif isinstance(v, (bool, np.bool_)):
            out[k] = bool(v)
        elif isinstance(v, (np.integer,)):
            out[k] = int(v)
        else:
            out[k] = float(v) if not isinstance(v, (int,)) else v
    return out


def main():
    rng = np.random.RandomState(1234)
    cases = {"apply": [], "random": [], "standardize": [], "flow": []}
    arrays = {}

    square = (rng.rand(6, 6, 3) * 255).astype("float32")
    nonsq = (rng.rand(5, 7, 3) * 255).astype("float32")
    gray = (rng.rand(6, 6, 1) * 255).astype("float32")
    rgba = (rng.rand(6, 6, 4) * 255).astype("float32")
    signed = (rng.randn(6, 6, 3) * 2).astype("float32")  # brightness local rescale path
    arrays.update(square=square, nonsq=nonsq, gray=gray, rgba=rgba, signed=signed)

    n = 0
    for mode in ("nearest", "reflect", "wrap", "constant"):
        for img, plist in (("square", AFFINE_PARAMS + INTENSITY_PARAMS),
                           ("nonsq", SHIFT_ONLY + INTENSITY_PARAMS[:5]),
                           ("gray", AFFINE_PARAMS[:1] + INTENSITY_PARAMS[3:5]),
                           ("rgba", AFFINE_PARAMS[7:8] + INTENSITY_PARAMS[3:5]),
                           ("signed", INTENSITY_PARAMS[3:5])):
            for p in plist:
                if "theta" not in p and mode != "nearest" and not (set(p) & {"tx", "zx"}):
                    continue  # fill mode irrelevant
                for fmt in ("channels_last", "channels_first"):
                    if fmt == "channels_first" and (img != "square" or "brightness" in p):
                        continue  # tf-keras' brightness shift assumes channels_last
                    gen = ImageDataGenerator(fill_mode=mode, cval=17.5, data_format=fmt)
                    x = arrays[img]
                    xin = x if fmt == "channels_last" else np.ascontiguousarray(
                        x.transpose(2, 0, 1))
                    y = gen.apply_transform(xin.copy(), keras_params(p))
                    key = f"apply_{n}"
                    arrays[key] = np.asarray(y, dtype="float32")
                    cases["apply"].append({"key": key, "image": img, "fill_mode": mode,
                                           "cval": 17.5, "data_format": fmt,
                                           "params": p})
                    n += 1

    configs = [
        {"rotation_range": 30},
        {"width_shift_range": 0.2, "height_shift_range": 0.1},
        {"width_shift_range": 2, "height_shift_range": 3},
        {"width_shift_range": [1, 3, 5], "height_shift_range": 4.5},
        {"shear_range": 12.0, "zoom_range": 0.3},
        {"zoom_range": [0.5, 0.9], "horizontal_flip": True, "vertical_flip": True},
        {"channel_shift_range": 20.0, "brightness_range": [0.5, 1.5]},
        {"rotation_range": 10, "width_shift_range": 0.1, "height_shift_range": 0.1,
         "shear_range": 5, "zoom_range": 0.1, "horizontal_flip": True,
         "channel_shift_range": 3.0, "brightness_range": (0.9, 1.1)},
    ]
    for cfg in configs:
        gen = ImageDataGenerator(**cfg)
        for seed in (0, 7, 123):
            params = gen.get_random_transform((10, 12, 3), seed=seed)
            cases["random"].append({"config": cfg, "seed": seed, "shape": [10, 12, 3],
                                    "params": params_jsonable(params)})

    data = (rng.rand(8, 5, 5, 3) * 255).astype("float32")
    batch = (rng.rand(3, 5, 5, 3) * 255).astype("float32")
    arrays.update(fit_data=data, fit_batch=batch)
    std_cfgs = [
        {"featurewise_center": True},
        {"featurewise_center": True, "featurewise_std_normalization": True},
        {"samplewise_center": True, "samplewise_std_normalization": True},
        {"rescale": 1.0 / 255, "featurewise_center": True,
         "featurewise_std_normalization": True},
        {"zca_whitening": True},
        {"zca_whitening": True, "rescale": 0.01, "zca_epsilon": 1e-3},
    ]
    for i, cfg in enumerate(std_cfgs):
        for fmt in ("channels_last", "channels_first"):
            gen = ImageDataGenerator(data_format=fmt, **cfg)
            d = data if fmt == "channels_last" else data.transpose(0, 3, 1, 2)
            b = batch if fmt == "channels_last" else batch.transpose(0, 3, 1, 2)
            gen.fit(d)
            out = gen.standardize(np.array(b, copy=True))
            key = f"std_{i}_{fmt}"
            arrays[key] = out.astype("float32")
            for attr in ("mean", "std", "zca_whitening_matrix"):
                if getattr(gen, attr) is not None:
                    arrays[f"{key}_{attr}"] = np.asarray(getattr(gen, attr), dtype="float32")
            cases["standardize"].append({"key": key, "config": cfg, "data_format": fmt})

    xs = (rng.rand(10, 6, 6, 3) * 255).astype("float32")
    ys = np.arange(10) % 3
    arrays.update(flow_x=xs, flow_y=ys)
    flow_cfgs = [
        {"rotation_range": 25, "zoom_range": 0.2, "horizontal_flip": True,
         "fill_mode": "reflect"},
        {"shear_range": 10, "vertical_flip": True, "channel_shift_range": 15.0,
         "featurewise_center": False, "rescale": 0.5, "fill_mode": "wrap"},
    ]
    for i, cfg in enumerate(flow_cfgs):
        gen = ImageDataGenerator(**cfg)
        it = gen.flow(xs, ys, batch_size=4, seed=42)
        for b in range(4):  # wraps after 4, 4, 2
            bx, by = next(it)
            key = f"flow_{i}_{b}"
            arrays[key + "_x"] = bx.astype("float32")
            arrays[key + "_y"] = by
        it2 = gen.flow(xs, ys, batch_size=4, seed=5, shuffle=True)
        bx, by = it2[1]
        arrays[f"flow_{i}_getitem_x"] = bx.astype("float32")
        arrays[f"flow_{i}_getitem_y"] = by
        cases["flow"].append({"config": cfg, "index": i})

    write_fixture("", cases, arrays)
    make_order_fixtures()
    make_dataframe_fixtures()


def write_fixture(prefix, cases, arrays):
    """Writes ``{prefix}cases.json`` and ``{prefix}arrays.npz`` under OUT."""
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, prefix + "cases.json"), "w") as f:
        json.dump(cases, f, indent=1, sort_keys=True)
    _golden.write_npz(os.path.join(OUT, prefix + "arrays.npz"), arrays, file_mode=0)
    n = sum(len(v) for v in cases.values() if isinstance(v, list))
    print(f"wrote {n} {prefix or 'main '}cases to {OUT}")


# ---------------------------------------------------------------------------
# spline orders
# ---------------------------------------------------------------------------

ORDER_PARAMS = [
    {"theta": 30.0},
    {"tx": 1.5, "ty": -2.25},
    {"tx": 0.5, "ty": -0.5},  # order 0 samples exactly half-way between pixels
    {"shear": 20.0, "zx": 0.7, "zy": 1.3},
    {"theta": 17.0, "tx": 0.7, "ty": -1.3, "shear": 11.0, "zx": 0.9, "zy": 1.15},
    {"theta": 200.0, "tx": 9.0, "ty": -8.5, "zx": 2.5, "zy": 1.7},  # folds far out
]
ORDERS = (0, 2, 3, 4, 5)
MODES = ("nearest", "reflect", "wrap", "constant")


def _keras_style_matrix(theta, shift, shear, zx, zy, first, second):
    """tf-keras' 3x3 matrix (before its axis swap), with `shift` the
    translation in its (x, y) order and the centre offsets taken from the
    extents `first`, `second` as its transform_matrix_offset_center does."""
    from tf_keras.src.preprocessing.image import transform_matrix_offset_center
    t = np.deg2rad(theta)
    m = np.array([[np.cos(t), -np.sin(t), 0], [np.sin(t), np.cos(t), 0], [0, 0, 1]])
    m = np.dot(m, np.array([[1, 0, shift[0]], [0, 1, shift[1]], [0, 0, 1]]))
    sh = np.deg2rad(shear)
    m = np.dot(m, np.array([[1, -np.sin(sh), 0], [0, np.cos(sh), 0], [0, 0, 1]]))
    m = np.dot(m, np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]]))
    return transform_matrix_offset_center(m, first, second)


def keras_affine_args(p, h, w):
    """tf-keras apply_affine_transform arguments that sample an h x w image
    like ckeras does for its parameters p, and ckeras' (row, col) 2x3 matrix.

    ckeras shifts rows with tx and centres on the true image centre; tf-keras
    swaps the shift axes and, for h != w, centres on the transposed centre.
    Both only differ in the translation, so tf-keras gets the shift t that
    makes its translation equal to ckeras': offset(t) = offset(0) + R t."""
    theta, shear = p.get("theta", 0.0), p.get("shear", 0.0)
    zx, zy = p.get("zx", 1.0), p.get("zy", 1.0)
    ck = _keras_style_matrix(theta, (p.get("ty", 0.0), p.get("tx", 0.0)), shear, zx, zy, w, h)
    if h == w:
        shift = (p.get("ty", 0.0), p.get("tx", 0.0))
    else:
        k0 = _keras_style_matrix(theta, (0.0, 0.0), shear, zx, zy, h, w)
        t = np.deg2rad(theta)
        rot = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
        shift = tuple(np.linalg.solve(rot, ck[:2, 2] - k0[:2, 2]))
    km = _keras_style_matrix(theta, shift, shear, zx, zy, h, w)
    assert np.max(np.abs(km - ck)) < 1e-12, (p, km, ck)
    ck = ck.copy()
    ck[:, [0, 1]] = ck[:, [1, 0]]
    ck[[0, 1]] = ck[[1, 0]]
    args = {"theta": theta, "tx": float(shift[0]), "ty": float(shift[1]), "shear": shear,
            "zx": zx, "zy": zy}
    return args, ck[:2]


def make_order_fixtures():
    import scipy
    from scipy import ndimage
    from tf_keras.preprocessing.image import apply_affine_transform

    rng = np.random.RandomState(4321)
    arrays = {
        "osq": (rng.rand(6, 6, 3) * 255).astype("float32"),
        "onsq": (rng.rand(5, 7, 3) * 255).astype("float32"),
        "onsq64": rng.randn(5, 7, 2) * 3.0,
    }
    cases = {"scipy": scipy.__version__, "affine": [], "generator": [], "flow": []}
    n = 0
    grid = [(img, order, mode, i) for img in ("osq", "onsq") for order in ORDERS
            for mode in MODES for i in range(len(ORDER_PARAMS))]
    grid += [("onsq64", order, mode, i) for order in (0, 3, 5) for mode in MODES
             for i in (2, 4)]
    for img, order, mode, i in grid:
        p = ORDER_PARAMS[i]
        x = arrays[img]
        h, w = x.shape[:2]
        args, m = keras_affine_args(p, h, w)
        y = apply_affine_transform(x.copy(), row_axis=0, col_axis=1, channel_axis=2,
                                   fill_mode=mode, cval=17.5, order=order, **args)
        ref = np.stack([ndimage.affine_transform(x[..., c], m[:, :2], m[:, 2], order=order,
                                                 mode=mode, cval=17.5)
                        for c in range(x.shape[2])], -1)
        if order == 0:
            assert np.array_equal(y, ref), (img, order, mode, p)
        else:
            np.testing.assert_allclose(y, ref, rtol=1e-6, atol=1e-6 * 255)
        assert y.dtype == x.dtype
        key = f"affine_{n}"
        arrays[key] = y
        cases["affine"].append({"key": key, "image": img, "order": order, "fill_mode": mode,
                                "cval": 17.5, "params": p})
        n += 1

    from tf_keras.preprocessing.image import ImageDataGenerator
    n = 0
    for order in (0, 2, 3, 5):
        for mode in MODES:
            for p in (ORDER_PARAMS[0], ORDER_PARAMS[4]):
                for fmt in ("channels_last", "channels_first"):
                    gen = ImageDataGenerator(fill_mode=mode, cval=17.5, data_format=fmt,
                                             interpolation_order=order)
                    x = arrays["osq"]
                    xin = x if fmt == "channels_last" else np.ascontiguousarray(
                        x.transpose(2, 0, 1))
                    y = gen.apply_transform(xin.copy(), keras_params(p))
                    key = f"gen_{n}"
                    arrays[key] = np.asarray(y, dtype="float32")
                    cases["generator"].append({"key": key, "order": order, "fill_mode": mode,
                                               "cval": 17.5, "data_format": fmt,
                                               "params": p})
                    n += 1

    xs = (rng.rand(6, 6, 6, 3) * 255).astype("float32")
    ys = np.arange(6) % 2
    arrays.update(flow_x=xs, flow_y=ys)
    cfg = {"rotation_range": 25, "zoom_range": 0.2, "horizontal_flip": True,
           "fill_mode": "reflect", "interpolation_order": 3}
    it = ImageDataGenerator(**cfg).flow(xs, ys, batch_size=4, seed=42)
    for b in range(3):
        bx, by = next(it)
        arrays[f"flow_{b}_x"] = bx.astype("float32")
        arrays[f"flow_{b}_y"] = by
    cases["flow"].append({"config": cfg, "batches": 3, "batch_size": 4, "seed": 42})
    write_fixture("orders_", cases, arrays)


# ---------------------------------------------------------------------------
# flow_from_dataframe
# ---------------------------------------------------------------------------

DF_DIR = "dataframe_images"
# name -> (height, width, PIL mode); all lossless formats so every Pillow
# version decodes the same pixels
DF_IMAGES = {
    "a.png": (5, 7, "RGB"), "b.png": (6, 6, "RGB"), "c.png": (4, 9, "RGB"),
    "d.png": (7, 5, "L"), "e.png": (6, 8, "RGBA"), "g.bmp": (5, 5, "RGB"),
    "sub/h.png": (8, 6, "RGB"), "i.PNG": (6, 7, "RGB"),
}
DF_COLUMNS = {
    "filename": ["a.png", "b.png", "c.png", "d.png", "e.png", "g.bmp", "sub/h.png",
                 "notes.txt", "missing.png", "i.PNG"],
    "class": ["cat", "dog", "cat", "dog", "cat", "dog", "cat", "dog", "cat", "dog"],
    "species": ["cat", "dog", "bird", "dog", "cat", "bird", "bird", "cat", "dog", "cat"],
    "tags": [["cat"], ["dog", "cat"], ["bird"], ["dog"], ["cat", "bird"], ["bird", "dog"],
             ["dog"], ["cat"], ["dog"], ["bird"]],
    "score": [0.5, 1.5, 2.5, -1.0, 3.25, 0.0, 7.5, 1.0, 2.0, -4.5],
    "score2": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    "weight": [1.0, 0.5, 2.0, 1.5, 0.25, 3.0, 1.0, 1.0, 1.0, 0.75],
}
DF_VALID = [0, 1, 2, 3, 4, 5, 6, 9]  # rows whose file is an image on disk
DF_CASES = [
    {"flow": {"y_col": "class", "target_size": [4, 5], "batch_size": 3, "shuffle": False}},
    {"flow": {"y_col": "tags", "target_size": [4, 5], "batch_size": 4, "shuffle": False}},
    {"flow": {"y_col": "species", "classes": ["dog", "bird"], "target_size": [3, 4],
              "batch_size": 4, "shuffle": False}},
    {"flow": {"y_col": "tags", "classes": ["bird", "dog", "bird"], "target_size": [3, 4],
              "batch_size": 5, "shuffle": False}},
    {"flow": {"y_col": "class", "class_mode": "binary", "weight_col": "weight",
              "target_size": [4, 4], "batch_size": 3, "shuffle": True, "seed": 3}},
    {"flow": {"y_col": "species", "class_mode": "sparse", "color_mode": "grayscale",
              "target_size": [3, 3], "batch_size": 4, "shuffle": False},
     "gen": {"data_format": "channels_first"}},
    {"flow": {"y_col": "score", "class_mode": "raw", "target_size": [4, 5], "batch_size": 3,
              "shuffle": False}},
    {"flow": {"y_col": ["score", "score2"], "class_mode": "raw", "target_size": [4, 5],
              "batch_size": 3, "shuffle": True, "seed": 1}},
    {"flow": {"y_col": ["score", "class"], "class_mode": "multi_output",
              "weight_col": "weight", "target_size": [4, 5], "batch_size": 3,
              "shuffle": False}},
    {"flow": {"class_mode": "input", "color_mode": "rgba", "target_size": [4, 5],
              "batch_size": 5, "shuffle": False}},
    {"flow": {"class_mode": None, "target_size": [6, 6], "interpolation": "bilinear",
              "batch_size": 4, "shuffle": False}},
    {"flow": {"y_col": "class", "subset": "validation", "target_size": [4, 5],
              "batch_size": 2, "shuffle": True, "seed": 11},
     "gen": {"validation_split": 0.3, "horizontal_flip": True, "rescale": 1 / 255.0}},
    {"flow": {"y_col": "class", "subset": "training", "target_size": [4, 5],
              "batch_size": 2, "shuffle": True, "seed": 11},
     "gen": {"validation_split": 0.3, "horizontal_flip": True, "rescale": 1 / 255.0}},
    {"flow": {"y_col": "species", "target_size": [4, 5], "batch_size": 4, "shuffle": False},
     "absolute": True},
    {"flow": {"y_col": "class", "target_size": [4, 5], "batch_size": 8, "shuffle": False,
              "validate_filenames": False},
     "rows": DF_VALID},
]


def _write_df_images(root):
    """The images (rewritten only if their pixels changed), a text file."""
    from PIL import Image
    rng = np.random.RandomState(77)
    for name, (h, w, mode) in DF_IMAGES.items():
        channels = {"RGB": 3, "RGBA": 4, "L": 1}[mode]
        arr = (rng.rand(h, w, channels) * 255).astype("uint8")
        if mode == "L":
            arr = arr[..., 0]
        path = os.path.join(root, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if os.path.exists(path):
            with Image.open(path) as old:
                if old.mode == mode and np.array_equal(np.asarray(old), arr):
                    continue
        Image.fromarray(arr, mode).save(path)
    with open(os.path.join(root, "notes.txt"), "w") as f:
        f.write("not an image\n")


def _df_batch_arrays(prefix, batch, arrays):
    parts = batch if isinstance(batch, tuple) else (batch,)
    names = ("x", "y", "w")[:len(parts)]
    for name, part in zip(names, parts, strict=True):
        if isinstance(part, list):
            for k, a in enumerate(part):
                arrays[f"{prefix}_{name}{k}"] = np.asarray(a)
        else:
            arrays[f"{prefix}_{name}"] = np.asarray(part)
    return list(names), [len(p) if isinstance(p, list) else None for p in parts]


def make_dataframe_fixtures():
    import contextlib
    import warnings

    import pandas as pd
    from tf_keras.preprocessing.image import ImageDataGenerator

    root = os.path.join(OUT, DF_DIR)
    _write_df_images(root)
    cases = {"pandas": pd.__version__, "columns": DF_COLUMNS, "image_dir": DF_DIR,
             "cases": []}
    arrays = {}
    for n, case in enumerate(DF_CASES):
        cols = {k: list(v) for k, v in DF_COLUMNS.items()}
        if "rows" in case:
            cols = {k: [v[r] for r in case["rows"]] for k, v in cols.items()}
        flow = dict(case["flow"])
        if case.get("absolute"):
            cols["filename"] = [os.path.join(root, f) for f in cols["filename"]]
            directory = None
        else:
            directory = root
        df = pd.DataFrame(cols)
        gen = ImageDataGenerator(**case.get("gen", {}))
        out = io.StringIO()
        with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(out):
            warnings.simplefilter("always")
            it = gen.flow_from_dataframe(df, directory, **flow)
        rec = {"index": n, "flow": case["flow"], "gen": case.get("gen", {}),
               "absolute": bool(case.get("absolute")), "rows": case.get("rows"),
               "printed": out.getvalue().strip(),
               "warnings": [str(w.message) for w in caught
                            if issubclass(w.category, UserWarning)],
               "filenames": [os.path.relpath(f, root) if case.get("absolute") else f
                             for f in it.filenames],
               "samples": it.samples, "len": len(it)}
        if flow.get("class_mode", "categorical") in ("categorical", "binary", "sparse"):
            rec["class_indices"] = it.class_indices
            rec["classes"] = [list(map(int, c)) if isinstance(c, list) else int(c)
                              for c in it.classes]
        rec["batches"] = []
        for b in range(len(it)):
            names, lists = _df_batch_arrays(f"df{n}_{b}", it[b], arrays)
            rec["batches"].append({"parts": names, "list_lengths": lists})
        cases["cases"].append(rec)
    write_fixture("dataframe_", cases, arrays)


if __name__ == "__main__":
    main()
