"""Golden values for ckeras.preprocessing.image from tf-keras 2.21.

Run BY HAND in the TensorFlow venv (needs scipy and Pillow there too)::

    TF_USE_LEGACY_KERAS=1 /work/tfvenv/bin/python tools/make_fixtures_image.py

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
"""
import io
import json
import os
import zipfile

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import numpy as np  # noqa: E402
from tf_keras.preprocessing.image import ImageDataGenerator  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures", "preprocessing_image")

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


def to_jsonable(d):
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
    for i, cfg in enumerate(configs):
        gen = ImageDataGenerator(**cfg)
        for seed in (0, 7, 123):
            params = gen.get_random_transform((10, 12, 3), seed=seed)
            cases["random"].append({"config": cfg, "seed": seed, "shape": [10, 12, 3],
                                    "params": to_jsonable(params)})

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

    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "cases.json"), "w") as f:
        json.dump(cases, f, indent=1, sort_keys=True)
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    # fixed timestamps so regeneration is byte-identical
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zin, \
            zipfile.ZipFile(os.path.join(OUT, "arrays.npz"), "w",
                            zipfile.ZIP_DEFLATED) as zout:
        for name in sorted(zin.namelist()):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(info, zin.read(name))
    print(f"wrote {sum(len(v) for v in cases.values())} cases to {OUT}")


if __name__ == "__main__":
    main()
