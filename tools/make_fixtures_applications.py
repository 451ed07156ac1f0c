"""Golden fixtures of ckeras.applications from real tf-keras 2.21.

Run by hand (never in CI), from the repo root::

    TF_USE_LEGACY_KERAS=1 <tfvenv>/bin/python tools/make_fixtures_applications.py [PART ...]

(PART: cases, h5, preprocess; all three by default.)

Writes ``tests/fixtures/applications/``:

- ``architectures.json.gz``: per case of tests/applications/fill.py's CASES,
  the layer names and classes in order, the weight names and shapes in
  order, the trainable/non-trainable parameter counts and the output shape;
- ``predictions.npz``: each case's output on `fill.image_batch` with every
  weight set by `fill.weight_value`;
- ``mobilenet_v3_small_min.h5.gz``: tf-keras' save_weights of H5_CASE with
  filled weights rounded to H5_QUANTUM (gzipped: few distinct values, so it
  compresses well), and ``h5_case.npz`` its output;
- ``preprocess.npz``: imagenet_utils.preprocess_input in each mode, data
  format and rank, from uint8 and float32 inputs.
"""
import gzip
import json
import os
import sys

import _golden

_golden.tf_environment()

import numpy as np  # noqa: E402
import tf_keras as keras  # noqa: E402

sys.path.insert(0, os.path.join(_golden.REPO, "tests", "applications"))
import fill  # noqa: E402

OUT = _golden.fixtures_dir("applications")


def describe(model):
    return {
        "layers": [[layer.name, type(layer).__name__] for layer in model.layers],
        "weights": [[w.name, [int(d) for d in w.shape]] for w in model.weights],
        "trainable": int(sum(np.prod(w.shape) for w in model.trainable_weights)),
        "non_trainable": int(sum(np.prod(w.shape) for w in model.non_trainable_weights)),
        "output_shape": list(model.output_shape),
        "name": model.name,
    }


def build(fn_name, kwargs):
    keras.backend.clear_session()
    return getattr(keras.applications, fn_name)(**kwargs)


def write_cases():
    arch, preds = {}, {}
    for case in fill.CASES:
        fn_name, kwargs = fill.case_kwargs(case)
        model = build(fn_name, kwargs)
        arch[case] = describe(model)
        fill.fill(model, fill.gain_for(fn_name))
        x = fill.image_batch(fn_name, kwargs["input_shape"])
        preds[case] = model.predict(x, verbose=0).astype(np.float32)
        print(case, len(model.layers), model.count_params(), flush=True)
    with gzip.GzipFile(os.path.join(OUT, "architectures.json.gz"), "wb", mtime=0) as f:
        f.write(json.dumps(arch, sort_keys=True).encode())
    np.savez_compressed(os.path.join(OUT, "predictions.npz"), **preds)


def write_h5_case():
    fn_name, kwargs = fill.H5_CASE
    model = build(fn_name, dict(kwargs, weights=None))
    fill.fill(model, fill.gain_for(fn_name), fill.H5_QUANTUM, fill.H5_OFFSET)
    path = os.path.join(OUT, "mobilenet_v3_small_min.h5")
    model.save_weights(path)
    with open(path, "rb") as f, gzip.GzipFile(path + ".gz", "wb", mtime=0) as g:
        g.write(f.read())
    os.remove(path)
    x = fill.image_batch(fn_name, kwargs["input_shape"])
    np.savez_compressed(os.path.join(OUT, "h5_case.npz"), x=x,
                        y=model.predict(x, verbose=0).astype(np.float32))


def write_preprocess():
    from tf_keras.applications import imagenet_utils
    pre = {}
    rng = _golden.rng_for("preprocess")
    for rank in (3, 4):
        shape_last = (2, 4, 5, 3)[4 - rank:]
        raw = rng.randint(0, 256, size=shape_last).astype(np.uint8)
        pre[f"x_last{rank}"] = raw
        pre[f"x_first{rank}"] = np.ascontiguousarray(np.moveaxis(raw, -1, rank - 3))
        for mode in ("caffe", "tf", "torch"):
            for fmt in ("channels_last", "channels_first"):
                src = pre[f"x_{fmt[9:]}{rank}"]
                pre[f"{mode}_{fmt}_{rank}_uint8"] = imagenet_utils.preprocess_input(
                    src.copy(), data_format=fmt, mode=mode)
                pre[f"{mode}_{fmt}_{rank}_float32"] = imagenet_utils.preprocess_input(
                    src.astype(np.float32), data_format=fmt, mode=mode)
    np.savez_compressed(os.path.join(OUT, "preprocess.npz"), **pre)


PARTS = {"cases": write_cases, "h5": write_h5_case, "preprocess": write_preprocess}


def main(parts):
    os.makedirs(OUT, exist_ok=True)
    for part in parts or PARTS:
        PARTS[part]()


if __name__ == "__main__":
    main(sys.argv[1:])
