"""Helpers shared by the fixture generators (tools/make_fixtures*.py).

They need only NumPy and the standard library, so every generator can import
them before TensorFlow (and make_ckeras_saving_files.py, which runs in
ckeras' own environment, too). The tests read what they write with
`ckeras.testing.Golden`.

Output goes to the repository's tests/fixtures, or to $CKERAS_FIXTURES_DIR
when set (to regenerate into a scratch folder and compare with the committed
files).
"""
import io
import json
import os
import subprocess
import sys
import zipfile
import zlib

import numpy as np

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))
FIXTURES = os.environ.get("CKERAS_FIXTURES_DIR") or os.path.join(REPO, "tests", "fixtures")


def fixtures_dir(*parts):
    """A folder under the fixtures root (not created)."""
    return os.path.join(FIXTURES, *parts)


def tf_environment():
    """The environment of a deterministic, quiet tf-keras 2.x on the CPU; call
    it before TensorFlow is imported."""
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")


def rng_for(name):
    """A RandomState seeded by crc32(name): each case draws its own numbers."""
    return np.random.RandomState(zlib.crc32(name.encode()) & 0x7FFFFFFF)


def to_jsonable(obj):
    """A Keras config (tuples, NumPy scalars, TensorShapes, DTypes, functions) as
    plain JSON values."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating,)):
        return float(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if hasattr(obj, "as_list"):              # tf.TensorShape
        return obj.as_list()
    if hasattr(obj, "as_numpy_dtype"):       # tf.DType
        return obj.name
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if callable(obj):
        return "<callable %s>" % getattr(obj, "__name__", type(obj).__name__)
    return str(obj)


def clean_config(cfg, lambda_text=None):
    """Replace marshalled Lambda bytecode (Python-version specific) by a readable string."""
    if isinstance(cfg, dict):
        out = {}
        for k, v in cfg.items():
            out[k] = clean_config(v, lambda_text)
        if cfg.get("function_type") == "lambda" and "function" in cfg:
            out["function"] = lambda_text or "<python lambda: see case notes>"
        return out
    if isinstance(cfg, (list, tuple)):
        return [clean_config(v, lambda_text) for v in cfg]
    return cfg


def write_npz(path, arrays, file_mode=0o644):
    """`np.savez_compressed`, byte-reproducible: sorted keys, fixed zip
    timestamps, no zip64 records.

    Args:
        path: the .npz file.
        arrays: name -> array.
        file_mode: the Unix mode stored per entry (the image fixtures were
            written with 0, the others with 0o644; kept so reruns are identical).
    """
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for key in sorted(arrays):
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.asarray(arrays[key]), allow_pickle=False)
            info = zipfile.ZipInfo(key + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = file_mode << 16
            zf.writestr(info, buf.getvalue())


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(to_jsonable(obj), f, indent=1, sort_keys=False)
        f.write("\n")


class Group:
    """One fixture folder written from scratch: `cases.json` plus `<case>.npz`."""

    def __init__(self, name):
        self.name = name
        self.dir = fixtures_dir(name)
        os.makedirs(self.dir, exist_ok=True)
        for fn in os.listdir(self.dir):  # stale files from an earlier run
            if fn.endswith(".npz") or fn.endswith(".json"):
                os.remove(os.path.join(self.dir, fn))
        self.cases = []
        self.names = set()

    def add(self, entry, arrays):
        name = entry["name"]
        assert name not in self.names, name
        self.names.add(name)
        write_npz(os.path.join(self.dir, name + ".npz"), arrays)
        self.cases.append(entry)

    def write_model_config(self, case_name, cfg):
        fn = case_name + ".model_config.json"
        write_json(os.path.join(self.dir, fn), cfg)
        return fn

    def close(self):
        write_json(os.path.join(self.dir, "cases.json"), self.cases)
        print("%-9s %3d cases -> %s" % (self.name, len(self.cases), self.dir))


def as_list(y):
    return list(y) if isinstance(y, (list, tuple)) else [y]


def numbered(xs=(), ws=(), ys=(), ts=()):
    """The arrays of a case by their fixture keys: x0.., w0.., y0.., t0.."""
    out = {}
    for prefix, values in (("x", xs), ("w", ws), ("y", ys), ("t", ts)):
        out.update({f"{prefix}{i}": np.asarray(v) for i, v in enumerate(values)})
    return out


def encode(value):
    """A Python value as JSON for the preprocessing fixtures; the inverse is
    `ckeras.testing.golden.decode` (ndarray, tuple, NaN and `object` tagged)."""
    if isinstance(value, np.ndarray):
        return {"__nd__": value.tolist(), "dtype": str(value.dtype)}
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, float) and value != value:
        return {"__float__": "nan"}
    if value is object:
        return {"__type__": "object"}
    if isinstance(value, dict):
        return {k: encode(v) for k, v in value.items()}
    return value


# --------------------------------------------- the Keras 3 twins of the saving fixtures
K3_INPUT = "_k3_input.npz"


def save_k3_input(folder, xs, ws):
    """Hands inputs and weights from the tf-keras run to the Keras 3 run."""
    np.savez(os.path.join(folder, K3_INPUT), **numbered(xs=xs, ws=ws))


def take_k3_input(folder):
    """`(xs, ws)` saved by `save_k3_input`, and the hand-over file removed."""
    path = os.path.join(folder, K3_INPUT)
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    os.remove(path)
    return _prefixed(arrays, "x"), _prefixed(arrays, "w")


def _prefixed(arrays, prefix):
    out = []
    while f"{prefix}{len(out)}" in arrays:
        out.append(arrays[f"{prefix}{len(out)}"])
    return out


def run_keras3_twin(script):
    """Runs `script --k3` in a fresh interpreter with Keras 3 (no
    TF_USE_LEGACY_KERAS), after the tf-keras part of the same script."""
    env = {k: v for k, v in os.environ.items() if k != "TF_USE_LEGACY_KERAS"}
    subprocess.run([sys.executable, script, "--k3"], check=True, env=env)


def report_size(folder):
    total = sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder)
                if os.path.isfile(os.path.join(folder, f)))
    print(f"fixtures written to {os.path.normpath(folder)}: {total / 1024:.0f} KB")


def two_io_model(Input, Model, L, name, kernel_regularizer=None):
    """The functional model of the saving fixtures (tf-keras, Keras 3 and ckeras
    build the same graph): 3 inputs (int ids -> Embedding), Add/Multiply/
    Concatenate, 2 outputs.

    Args:
        Input, Model, L: the library's `Input`, `Model` and layers module.
        name: the model name.
        kernel_regularizer: of the first Dense ('da').
    """
    a = Input((4,), name="in_a")
    b = Input((6,), name="in_b")
    c = Input((5,), name="in_c", dtype="int32")
    da = L.Dense(5, activation="relu", name="da", kernel_regularizer=kernel_regularizer)(a)
    db = L.Dense(5, name="db")(b)
    emb = L.Flatten(name="flat")(L.Embedding(20, 2, name="emb")(c))
    added = L.Add(name="add")([da, db])
    mult = L.Multiply(name="mul")([da, db])
    cat = L.Concatenate(name="cat")([added, mult, emb])
    out1 = L.Dense(1, activation="sigmoid", name="out1")(cat)
    out2 = L.Dense(3, activation="softmax", name="out2")(cat)
    return Model([a, b, c], [out1, out2], name=name)
