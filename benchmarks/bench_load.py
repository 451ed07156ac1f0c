"""Cold start: time from a fresh interpreter to the first prediction of a loaded
Bidirectional LSTM `.h5` (tests/fixtures/saving/rnn/tk_bilstm.h5, written by
tf-keras 2.21: Embedding(mask_zero) -> Bidirectional(LSTM(4)) -> Dense, Adam),
and of a Keras 3 `.keras` archive (`--case cold_start_keras`:
tests/fixtures/keras3/bilstm.keras, written by Keras 3.15: Embedding ->
Bidirectional(LSTM(8)) -> Dense), ckeras against Keras 3.

Each run is a new process: `import` + `load_model(path)` (with its optimizer)
+ `predict(x)` on the fixture's 4 inputs. The time is taken from just before
the parent spawns the child to the child's clock reading right after the
prediction (interpreter start-up included, exit excluded). ckeras and tf-keras
runs alternate; medians of --runs runs each.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_load.py \
        [--tf-python PY] [--keras3-python PY] [--runs 7] [--quick] [--case ...]

Keras 3 runs in the interpreter given by --keras3-python or $CKERAS_KERAS3_PYTHON,
else this one or the --tf-python one when `keras` 3 imports there (the
TensorFlow venv has Keras 3 beside tf-keras); without one its side is skipped.

Targets: ckeras <= 10% of tf-keras (issue 5, `--case cold_start`) and of
Keras 3 (issue 13, `--case cold_start_keras`).
"""
import os
import subprocess
import sys
import time

from peers import ROOT, Results, Timing, main_parser, run_python, tf_python, wanted

FILE = os.path.join(ROOT, "tests", "fixtures", "saving", "rnn", "tk_bilstm.h5")
REF = FILE[:-3] + ".npz"
LABEL = ("cold start: fresh interpreter -> `load_model` Bidirectional LSTM `.h5` -> first "
         "`predict`")
KERAS_FILE = os.path.join(ROOT, "tests", "fixtures", "keras3", "bilstm.keras")
KERAS_REF = KERAS_FILE[:-len(".keras")] + ".npz"
KERAS_LABEL = ("cold start: fresh interpreter -> `load_model` Bidirectional LSTM `.keras` "
               "(Keras 3) -> first `predict`")

CHILD = {
    "ckeras": """
import numpy as np
from ckeras.models import load_model
m = load_model({file!r})
y = m.predict(np.load({ref!r})["x0"], verbose=0)
import time
print(repr(time.time()), float(abs(y - np.load({ref!r})["y0"]).max()))
""",
    "tf-keras": """
import numpy as np
import tf_keras
m = tf_keras.models.load_model({file!r})
y = m.predict(np.load({ref!r})["x0"], verbose=0)
import time
print(repr(time.time()), float(abs(y - np.load({ref!r})["y0"]).max()))
""",
    "keras3": """
import os
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import numpy as np
import keras
m = keras.saving.load_model({file!r})
y = m.predict(np.load({ref!r})["x0"], verbose=0)
import time
print(repr(time.time()), float(abs(y - np.load({ref!r})["y0"]).max()))
""",
}


def _has_keras3(python):
    if not python:
        return False
    code = "import keras, sys; sys.exit(0 if keras.__version__.startswith('3') else 1)"
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    env.pop("TF_USE_LEGACY_KERAS", None)
    try:
        return subprocess.run([python, "-c", code], capture_output=True, env=env,
                              timeout=600).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def keras3_python(explicit=None, tf_py=None):
    """The interpreter that runs Keras 3, or None when there is none."""
    python = explicit or os.environ.get("CKERAS_KERAS3_PYTHON")
    if python:
        return python
    for candidate in (sys.executable, tf_py):
        if _has_keras3(candidate):
            return candidate
    return None


def run_once(python, peer, file=FILE, ref=REF):
    """Seconds from spawning `python` to its first prediction of `file`."""
    code = CHILD[peer].format(file=file, ref=ref)
    t0 = time.time()
    out = run_python(python, code, peer)
    if out.returncode:
        raise RuntimeError(f"{peer} run failed:\n{out.stderr[-2000:]}")
    t_end, err = out.stdout.strip().splitlines()[-1].split()
    if float(err) > 1e-5:
        raise RuntimeError(f"{peer}: prediction differs from the fixture by {err}")
    return float(t_end) - t0


def cold_start_keras(args, results, runs, tf_py):
    """ckeras and Keras 3 loading the Keras 3 `.keras` archive, alternating."""
    k3_py = keras3_python(args.keras3_python, tf_py)
    times = {"ckeras": [], "keras3": []}
    files = dict(file=KERAS_FILE, ref=KERAS_REF)
    run_once(sys.executable, "ckeras", **files)
    if k3_py:
        run_once(k3_py, "keras3", **files)
    for _ in range(runs):
        times["ckeras"].append(run_once(sys.executable, "ckeras", **files))
        if k3_py:
            times["keras3"].append(run_once(k3_py, "keras3", **files))
    ck = Timing(times["ckeras"])
    results.record("cold_start_keras", "ckeras", ck, number=1, label=KERAS_LABEL)
    print(f"cold start to first prediction of {os.path.relpath(KERAS_FILE, ROOT)} "
          f"({runs} fresh runs each, alternating, medians)")
    print(f"  ckeras   {ck.median * 1e3:8.1f} ms   runs: "
          + " ".join(f"{t * 1e3:.0f}" for t in ck.runs))
    if times["keras3"]:
        k3 = Timing(times["keras3"])
        results.record("cold_start_keras", "keras3", k3, number=1, label=KERAS_LABEL)
        print(f"  Keras 3  {k3.median * 1e3:8.1f} ms   runs: "
              + " ".join(f"{t * 1e3:.0f}" for t in k3.runs))
        print(f"  ckeras / Keras 3 = {ck.median / k3.median:.3f}  (target <= 0.10)")
    else:
        print("  Keras 3: no interpreter found (pass --keras3-python)")


def main(argv=None):
    ap = main_parser(__doc__.split("\n\n")[0], ("cold_start", "cold_start_keras"))
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--keras3-python", default=None,
                    help="interpreter with Keras 3 (default: $CKERAS_KERAS3_PYTHON)")
    args = ap.parse_args(argv)
    results = Results("bench_load.py", args)
    tf_py = tf_python(args.tf_python)
    runs = 2 if args.quick else args.runs
    if wanted(args, "cold_start_keras"):
        cold_start_keras(args, results, runs, tf_py)
    if not wanted(args, "cold_start"):
        return
    times = {"ckeras": [], "tf-keras": []}
    run_once(sys.executable, "ckeras")  # warm the OS file cache once for each side
    if tf_py:
        run_once(tf_py, "tf-keras")
    for _ in range(runs):
        times["ckeras"].append(run_once(sys.executable, "ckeras"))
        if tf_py:
            times["tf-keras"].append(run_once(tf_py, "tf-keras"))
    ck = Timing(times["ckeras"])
    results.record("cold_start", "ckeras", ck, number=1, label=LABEL)
    print(f"cold start to first prediction of {os.path.relpath(FILE, ROOT)} "
          f"({runs} fresh runs each, alternating, medians)")
    print(f"  ckeras   {ck.median * 1e3:8.1f} ms   runs: "
          + " ".join(f"{t * 1e3:.0f}" for t in ck.runs))
    if times["tf-keras"]:
        tk = Timing(times["tf-keras"])
        results.record("cold_start", "tf-keras", tk, number=1, label=LABEL)
        print(f"  tf-keras {tk.median * 1e3:8.1f} ms   runs: "
              + " ".join(f"{t * 1e3:.0f}" for t in tk.runs))
        print(f"  ckeras / tf-keras = {ck.median / tk.median:.3f}  (target <= 0.10)")
    else:
        print("  tf-keras: no interpreter found (pass --tf-python)")


if __name__ == "__main__":
    main()
