"""Checks that Keras 3 loads every ckeras layer class saved in a `.keras` file.

For each case of tests/saving/test_roundtrip_all_layers.py (one layer after an
Input, random weights) ckeras writes `NAME.keras` and its prediction into a
temporary folder; the Keras 3 interpreter then loads each file (the Lambda
case's named function through custom_objects) and compares its prediction. Prints one line per layer
and exits non-zero if any failed.

    python tools/check_keras3_layers.py --keras3-python /work/tfvenv/bin/python

Layers Keras 3 does not have are reported as refused by ckeras's writer.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "saving"))

KERAS3_SIDE = r"""
import json, os, sys
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import numpy as np
import keras
folder = sys.argv[1]
out = {}
for name in sorted(json.load(open(os.path.join(folder, "cases.json")))):
    d = np.load(os.path.join(folder, name + ".npz"))
    try:
        m = keras.saving.load_model(os.path.join(folder, name + ".keras"),
                                    custom_objects={"double": lambda x: x * 2.0})
        y = m.predict(d["x"], verbose=0)
        out[name] = float(np.abs(np.asarray(y, np.float64) - d["y"]).max())
    except Exception as e:  # noqa: BLE001 - reported per layer
        out[name] = f"{type(e).__name__}: {str(e).splitlines()[0][:300]}"
print(json.dumps(out))
"""


KERAS3_WRITER = r"""
import ast, json, os, sys
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import numpy as np
import keras
catalog, folder = sys.argv[1], sys.argv[2]
source = open(catalog).read()
tree = ast.parse(source)
cases = next(n.value for n in tree.body if isinstance(n, ast.Assign)
             and getattr(n.targets[0], "id", "") == "CASES")
env = {"L": keras.layers, "np": np}
rng = np.random.default_rng(0)
written, skipped = [], {}
for key, value in zip(cases.keys, cases.values):
    name = ast.literal_eval(key)
    make = eval(ast.get_source_segment(source, value.elts[0]), env)
    shape = ast.literal_eval(value.elts[1])
    kind = ast.literal_eval(value.elts[2])
    try:
        model = keras.Sequential([keras.Input(shape, dtype="int32" if kind == "i"
                                              else "float32"), make()])
        for w in model.weights:
            w.assign(rng.uniform(0.1, 0.9, w.shape).astype(w.dtype))
        x = (rng.integers(0, 9, (2,) + shape) if kind == "i"
             else rng.normal(0, 1, (2,) + shape)).astype("int32" if kind == "i" else "f")
        model.save(os.path.join(folder, name + ".keras"))
    except Exception as e:  # noqa: BLE001 - reported per layer
        skipped[name] = f"{type(e).__name__}: {str(e).splitlines()[0][:200]}"
        continue
    np.savez(os.path.join(folder, name + ".npz"), x=x,
             y=np.asarray(model.predict(x, verbose=0), np.float64))
    written.append(name)
print(json.dumps({"written": written, "skipped": skipped}))
"""


def from_keras3(python, folder):
    """Keras 3 writes the cases; ckeras loads them. Returns (results, skipped)."""
    import ckeras
    catalog = os.path.join(ROOT, "tests", "saving", "test_roundtrip_all_layers.py")
    run = subprocess.run([python, "-c", KERAS3_WRITER, catalog, folder],
                         capture_output=True, text=True, env=_keras3_env())
    if run.returncode:
        sys.exit(f"Keras 3 side failed:\n{run.stderr[-2000:]}")
    reply = json.loads(run.stdout.strip().splitlines()[-1])
    results = {}
    for name in reply["written"]:
        d = np.load(os.path.join(folder, name + ".npz"))
        try:
            model = ckeras.models.load_model(os.path.join(folder, name + ".keras"),
                                             safe_mode=False)
            y = np.asarray(model.predict(d["x"], verbose=0), np.float64)
            results[name] = float(np.abs(y - d["y"]).max())
        except Exception as e:  # noqa: BLE001 - reported per layer
            results[name] = f"{type(e).__name__}: {str(e).splitlines()[0][:300]}"
    return results, reply["skipped"]


def _keras3_env():
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")
    env.pop("TF_USE_LEGACY_KERAS", None)
    return env


def write_cases(folder):
    from test_roundtrip_all_layers import CASES

    import ckeras

    def double(x):
        return x * 2.0
    # Keras 3 cannot serialize a NumPy ufunc (the test's Lambda): a named
    # function it finds through custom_objects instead.
    CASES = dict(CASES, Lambda=(lambda: ckeras.layers.Lambda(double), (4,), "f"))
    rng = np.random.default_rng(0)
    written, refused = [], {}
    for name, (make, shape, kind) in sorted(CASES.items()):
        model = ckeras.Sequential([ckeras.Input(shape, dtype="int32" if kind == "i"
                                                else "float32"), make()])
        for w in model.weights:
            w.value[...] = rng.uniform(0.1, 0.9, w.value.shape)
        x = (rng.integers(0, 9, (2,) + shape) if kind == "i"
             else rng.normal(0, 1, (2,) + shape)).astype("int32" if kind == "i" else "f")
        try:
            model.save(os.path.join(folder, name + ".keras"))
        except ValueError as e:
            refused[name] = str(e)
            continue
        np.savez(os.path.join(folder, name + ".npz"), x=x,
                 y=model.predict(x, verbose=0).astype(np.float64))
        written.append(name)
    with open(os.path.join(folder, "cases.json"), "w") as fh:
        json.dump(written, fh)
    return written, refused


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keras3-python", required=True)
    ap.add_argument("--from-keras3", action="store_true",
                    help="Keras 3 writes, ckeras loads (default: the other way)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        if args.from_keras3:
            results, refused = from_keras3(args.keras3_python, folder)
            written = sorted(results)
        else:
            written, refused = write_cases(folder)
            run = subprocess.run([args.keras3_python, "-c", KERAS3_SIDE, folder],
                                 capture_output=True, text=True, env=_keras3_env())
            if run.returncode:
                sys.exit(f"Keras 3 side failed:\n{run.stderr[-2000:]}")
            results = json.loads(run.stdout.strip().splitlines()[-1])
    bad = 0
    for name in written:
        r = results.get(name)
        ok = isinstance(r, float) and r < 1e-5
        bad += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {name:24s} {r if not ok else f'max |diff| {r:.2g}'}")
    for name, why in refused.items():
        print(f"refused {name}: {why}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
