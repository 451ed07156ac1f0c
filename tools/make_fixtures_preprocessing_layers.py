"""Golden values for the numeric and image preprocessing layers
(ckeras.layers.preprocessing) from tf-keras 2.21.

Run BY HAND in the TensorFlow venv::

    TF_USE_LEGACY_KERAS=1 <tfvenv>/bin/python tools/make_fixtures_preprocessing_layers.py

Writes ``tests/fixtures/preprocessing_layers/{cases.json, arrays.npz}``; each
case names its layer, constructor arguments, call (``training``) and
``adapt`` arguments, and its arrays ``<case>.x`` (input), ``<case>.y``
(output) and, for adapted layers, ``<case>.w<k>`` (weights) and its
``bin_boundaries``. The random layers are called with ``training=True`` and
factors whose range is one point (e.g. ``factor=(f, f)``), so the transform
is deterministic: the draws of TensorFlow's generators cannot be reproduced,
the transform for given parameters can. RandomContrast's factor range
cannot be one point (it is [1 - lower, 1 + upper], lower >= 0), so its
cases record ``tf.image.adjust_contrast`` + clip for a given factor.
``config`` cases record ``get_config()`` of layers built with fixed names.

It also saves ``pipeline.h5``: a tf-keras functional model of Rescaling,
Normalization (adapted), Resizing, CenterCrop, RandomFlip, RandomRotation,
Flatten, Dense, a Discretization branch with given boundaries and one
adapted (its summary weight shorter than ckeras'), with its inputs and
``predict`` outputs in ``arrays.npz`` (``pipeline.x``, ``pipeline.y0..y2``),
so ckeras must load tf-keras' own file.
"""
import _golden

_golden.tf_environment()

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf_keras as keras  # noqa: E402

OUT = _golden.fixtures_dir("preprocessing_layers")
L = keras.layers
cases, arrays = [], {}


def add(name, layer, args, x, y, call=None, x_key=None, **extra):
    """One case; `x_key` names an input array shared by several cases."""
    entry = {"name": name, "layer": layer, "args": args, "x_key": x_key or name + ".x"}
    if call:
        entry["call"] = call
    entry.update(extra)
    cases.append(entry)
    arrays[entry["x_key"]] = np.asarray(x)
    arrays[name + ".y"] = np.asarray(y)


def image(name, shape=(2, 9, 11, 3), scale=255.0, dtype="float32"):
    return (_golden.rng_for(name).rand(*shape) * scale).astype(dtype)


def run(cls, args, x, **call):
    return cls(**args)(x, **call).numpy()


# ------------------------------------------------------------- Resizing
for method in ["bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian",
               "mitchellcubic"]:
    for (h, w) in [(5, 7), (13, 17), (4, 20)]:
        for crop in (False, True):
            name = f"resizing_{method}_{h}x{w}{'_crop' if crop else ''}"
            args = {"height": h, "width": w, "interpolation": method,
                    "crop_to_aspect_ratio": crop}
            x = image("resizing", shape=(1, 9, 11, 2))
            add(name, "Resizing", args, x, run(L.Resizing, args, x), x_key="resizing.x")
x = image("resizing_uint8", scale=255.99, dtype="uint8")
add("resizing_uint8", "Resizing", {"height": 4, "width": 5}, x,
    run(L.Resizing, {"height": 4, "width": 5}, x))
x = image("resizing_unbatched", shape=(6, 8, 2))
add("resizing_unbatched", "Resizing", {"height": 3, "width": 12}, x,
    run(L.Resizing, {"height": 3, "width": 12}, x))

# ----------------------------------------------------------- CenterCrop
for (h, w) in [(4, 6), (5, 5), (9, 11), (12, 8), (20, 30)]:
    name = f"center_crop_{h}x{w}"
    x = image("center_crop", shape=(1, 9, 11, 2))
    add(name, "CenterCrop", {"height": h, "width": w}, x, run(L.CenterCrop, {"height": h,
                                                                             "width": w}, x),
        x_key="center_crop.x")

# ------------------------------------------------------------ Rescaling
x = image("rescaling_uint8", scale=255.99, dtype="uint8")
for name, args in [("rescaling_unit", {"scale": 1 / 255.0}),
                   ("rescaling_symmetric", {"scale": 1 / 127.5, "offset": -1.0})]:
    add(name, "Rescaling", args, x, run(L.Rescaling, args, x))

# -------------------------------------------------------- Normalization
def norm_case(name, args, data, x, adapt=None, invert_check=True):
    layer = L.Normalization(**args)
    if "mean" not in args:
        layer.adapt(data, **(adapt or {}))
    y = layer(x).numpy()
    add(name, "Normalization", args, x, y, adapt=adapt)
    arrays[name + ".data"] = np.asarray(data)
    for k, wv in enumerate(layer.get_weights()):
        arrays[f"{name}.w{k}"] = np.asarray(wv)


rng = _golden.rng_for("normalization")
data = (rng.randn(77, 4) * [1.0, 10.0, 0.1, 1000.0] + [0.0, -3.0, 2.0, 5e4]).astype("float32")
norm_case("normalization_last_axis", {}, data, data[:9])
norm_case("normalization_batch_5", {}, data, data[:9], adapt={"batch_size": 5})
norm_case("normalization_steps_2", {}, data, data[:9], adapt={"batch_size": 10, "steps": 2})
norm_case("normalization_axis_none", {"axis": None}, data, data[:9])
norm_case("normalization_invert", {"invert": True}, data, data[:9])
img = image("normalization_images", shape=(40, 5, 6, 3))
norm_case("normalization_image_channels", {"axis": -1}, img, img[:3])
norm_case("normalization_image_axes_12", {"axis": (1, 2)}, img, img[:3])
ints = rng.randint(0, 100, (50, 3))
norm_case("normalization_int_data", {}, ints, ints[:4])
norm_case("normalization_given", {"mean": [1.0, 2.0, 3.0, 4.0],
                                  "variance": [4.0, 0.25, 1e-20, 9.0]}, data, data[:9])
norm_case("normalization_given_scalar", {"mean": 3.0, "variance": 2.0, "axis": None}, data,
          data[:9])

# ------------------------------------------------------- Discretization
x2 = np.array([[-1.5, 1.0, 3.4, 0.5], [0.0, 3.0, 1.3, 0.0]])
for mode in ["int", "one_hot", "multi_hot", "count"]:
    args = {"bin_boundaries": [0.0, 1.0, 2.0], "output_mode": mode}
    xm = x2[:, :1] if mode == "one_hot" else x2  # one_hot of (2, 4) would be rank 3
    add(f"discretization_bounds_{mode}", "Discretization", args, xm,
        run(L.Discretization, args, xm))
    x1 = np.array([-1.0, 0.0, 0.5, 2.0, 7.0])
    if mode != "int":
        add(f"discretization_bounds_{mode}_1d", "Discretization", args, x1,
            run(L.Discretization, args, x1))
for name, args, data, adapt in [
        ("discretization_adapt_doc", {"num_bins": 4, "epsilon": 0.01}, x2, None),
        ("discretization_adapt_uniform", {"num_bins": 5}, rng.rand(1000).astype("float32"),
         {"batch_size": 64}),
        ("discretization_adapt_normal_eps", {"num_bins": 7, "epsilon": 0.1},
         rng.randn(300, 3).astype("float32"), None),
        ("discretization_adapt_small", {"num_bins": 3}, np.array([3.0, 1.0, 2.0, 9.0, 5.0]),
         None),
        ("discretization_adapt_ints", {"num_bins": 4, "output_mode": "count"},
         rng.randint(0, 20, (64, 2)), {"batch_size": 7})]:
    layer = L.Discretization(**args)
    layer.adapt(data, **(adapt or {}))
    xin = np.asarray(data)[:6]
    add(name, "Discretization", args, xin, layer(xin).numpy(), adapt=adapt,
        bin_boundaries=[float(b) for b in layer.bin_boundaries])
    arrays[name + ".data"] = np.asarray(data)

# ------------------------------------------- augmentation, deterministic
for fill in ["reflect", "wrap", "constant", "nearest"]:
    for interp in ["bilinear", "nearest"]:
        common = {"fill_mode": fill, "interpolation": interp, "fill_value": 7.5}
        for name, cls, args in [
                (f"rotation_{fill}_{interp}", "RandomRotation",
                 {"factor": (0.13, 0.13), **common}),
                (f"rotation_neg_{fill}_{interp}", "RandomRotation",
                 {"factor": (-0.4, -0.4), **common}),
                (f"zoom_in_{fill}_{interp}", "RandomZoom",
                 {"height_factor": (-0.3, -0.3), **common}),
                (f"zoom_out_{fill}_{interp}", "RandomZoom",
                 {"height_factor": (0.4, 0.4), "width_factor": (0.2, 0.2), **common}),
                (f"translation_{fill}_{interp}", "RandomTranslation",
                 {"height_factor": (0.3, 0.3), "width_factor": (-0.45, -0.45), **common})]:
            x = image("affine", shape=(2, 8, 10, 2))
            add(name, cls, args, x, run(getattr(L, cls), args, x, training=True),
                call={"training": True}, x_key="affine.x")
x = image("rotation_unbatched", shape=(7, 7, 1))
args = {"factor": (0.25, 0.25), "fill_mode": "constant"}
add("rotation_unbatched", "RandomRotation", args, x,
    run(L.RandomRotation, args, x, training=True), call={"training": True})

for name, args in [("brightness_up", {"factor": (0.3, 0.3)}),
                   ("brightness_down_range", {"factor": (-0.5, -0.5), "value_range": (0, 1)})]:
    x = image(name, scale=1.0 if "range" in name else 255.0)
    add(name, "RandomBrightness", args, x, run(L.RandomBrightness, args, x, training=True),
        call={"training": True})
for factor in (0.4, 1.7):
    name = f"adjust_contrast_{factor}"
    x = image(name)
    y = tf.clip_by_value(tf.image.adjust_contrast(x, factor), 0, 255).numpy()
    add(name, "adjust_contrast", {"factor": factor}, x, y)
for name, cls, args in [("height_up", "RandomHeight", {"factor": (0.5, 0.5)}),
                        ("height_down_nearest", "RandomHeight",
                         {"factor": (-0.4, -0.4), "interpolation": "nearest"}),
                        ("width_up_bicubic", "RandomWidth",
                         {"factor": (0.35, 0.35), "interpolation": "bicubic"}),
                        ("width_down", "RandomWidth", {"factor": (-0.6, -0.6)})]:
    x = image(name)
    add(name, cls, args, x, run(getattr(L, cls), args, x, training=True),
        call={"training": True})
for (h, w) in [(4, 6), (12, 8)]:
    name = f"random_crop_inference_{h}x{w}"
    x = image(name)
    add(name, "RandomCrop", {"height": h, "width": w}, x,
        run(L.RandomCrop, {"height": h, "width": w}, x, training=False),
        call={"training": False})

# ------------------------------------------------------------- configs
CONFIGS = [("Resizing", {"height": 3, "width": 4}),
           ("Resizing", {"height": 3, "width": 4, "interpolation": "area",
                         "crop_to_aspect_ratio": True}),
           ("Rescaling", {"scale": 1 / 255.0}),
           ("Rescaling", {"scale": 2.0, "offset": -1.0}),
           ("CenterCrop", {"height": 3, "width": 4}),
           ("Normalization", {}),
           ("Normalization", {"axis": (1, 2), "invert": True}),
           ("Normalization", {"axis": None, "mean": 2.0, "variance": 3.0}),
           ("Normalization", {"mean": [1.0, 2.0], "variance": [3.0, 4.0]}),
           ("Discretization", {"bin_boundaries": [0.0, 1.0]}),
           ("Discretization", {"num_bins": 5, "epsilon": 0.05, "output_mode": "one_hot"}),
           ("RandomCrop", {"height": 3, "width": 4, "seed": 5}),
           ("RandomFlip", {}),
           ("RandomFlip", {"mode": "vertical", "seed": 3}),
           ("RandomTranslation", {"height_factor": 0.2, "width_factor": (-0.1, 0.3)}),
           ("RandomRotation", {"factor": (-0.1, 0.2), "fill_mode": "constant",
                               "interpolation": "nearest", "seed": 1, "fill_value": 2.0}),
           ("RandomZoom", {"height_factor": 0.2}),
           ("RandomZoom", {"height_factor": (-0.2, 0.1), "width_factor": 0.3}),
           ("RandomContrast", {"factor": 0.3}),
           ("RandomContrast", {"factor": (0.1, 0.4), "seed": 2}),
           ("RandomBrightness", {"factor": 0.2}),
           ("RandomBrightness", {"factor": (0.3, -0.1), "value_range": (1, 0), "seed": 9}),
           ("RandomHeight", {"factor": 0.2}),
           ("RandomWidth", {"factor": (-0.2, 0.4), "interpolation": "bicubic", "seed": 4})]
for k, (cls, args) in enumerate(CONFIGS):
    name = f"config_{k:02d}_{cls.lower()}"
    layer = getattr(L, cls)(name=name, **args)
    cases.append({"name": name, "layer": cls, "args": _golden.to_jsonable(args),
                  "config": _golden.to_jsonable(layer.get_config())})

import os  # noqa: E402

os.makedirs(OUT, exist_ok=True)

# ------------------------------------------------- a tf-keras .h5 pipeline
keras.utils.set_random_seed(0)
inp = keras.Input((10, 12, 3))
h = L.Rescaling(1 / 255.0)(inp)
norm = L.Normalization()
h = norm(h)
h = L.Resizing(8, 9, interpolation="bicubic")(h)
h = L.CenterCrop(6, 6)(h)
h = L.RandomFlip(seed=1)(h)
h = L.RandomRotation(0.2, seed=2)(h)
out0 = L.Dense(2)(L.Flatten()(h))
out1 = L.Discretization(bin_boundaries=[64.0, 128.0, 192.0], output_mode="count")(
    L.Reshape((360,))(inp))
disc = L.Discretization(num_bins=5)
out2 = disc(L.Reshape((360,))(inp))
model = keras.Model(inp, [out0, out1, out2])
x = image("pipeline", shape=(4, 10, 12, 3))
norm.adapt(x / 255.0, batch_size=3)
disc.adapt(x[:, :3, :3, 0].reshape(-1))   # 36 values: a summary of 36 < 100 entries
y0, y1, y2 = model.predict(x, verbose=0)
model.save(os.path.join(OUT, "pipeline.h5"))
arrays.update({"pipeline.x": x, "pipeline.y0": y0, "pipeline.y1": y1, "pipeline.y2": y2})
_golden.write_json(os.path.join(OUT, "cases.json"), cases)
_golden.write_npz(os.path.join(OUT, "arrays.npz"), arrays)
print(f"{len(cases)} cases -> {OUT}")
