"""Cold start: time from a fresh interpreter to the first prediction of a loaded
Bidirectional LSTM `.h5` (tests/fixtures/saving/rnn/tk_bilstm.h5, written by
tf-keras 2.21: Embedding(mask_zero) -> Bidirectional(LSTM(4)) -> Dense, Adam).

Each run is a new process: `import` + `load_model(path)` (with its optimizer)
+ `predict(x)` on the fixture's 4 inputs. The time is taken from just before
the parent spawns the child to the child's clock reading right after the
prediction (interpreter start-up included, exit excluded). ckeras and tf-keras
runs alternate; medians of --runs runs each.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_load.py \
        [--tf-python /work/tfvenv/bin/python] [--runs 7]

Target (issue 5): ckeras <= 10% of tf-keras.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, ".."))
FILE = os.path.join(ROOT, "tests", "fixtures", "saving", "rnn", "tk_bilstm.h5")
REF = FILE[:-3] + ".npz"

CHILD = {
    "ckeras": """
import sys
sys.path.insert(0, {root!r})
import numpy as np
from ckeras.models import load_model
m = load_model({file!r})
y = m.predict(np.load({ref!r})["x0"], verbose=0)
import time
print(repr(time.time()), float(abs(y - np.load({ref!r})["y0"]).max()))
""",
    "tf-keras": """
import os
os.environ["TF_USE_LEGACY_KERAS"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import tf_keras
m = tf_keras.models.load_model({file!r})
y = m.predict(np.load({ref!r})["x0"], verbose=0)
import time
print(repr(time.time()), float(abs(y - np.load({ref!r})["y0"]).max()))
""",
}


def _default_tf_python():
    for path in ("/work/tfvenv/bin/python",):
        if os.path.exists(path):
            return path
    return None


def run_once(python, which):
    code = CHILD[which].format(root=ROOT, file=FILE, ref=REF)
    env = dict(os.environ)
    if which == "tf-keras":
        env.pop("PYTHONPATH", None)
    t0 = time.time()
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, env=env,
                         cwd=ROOT)
    if out.returncode:
        raise RuntimeError(f"{which} run failed:\n{out.stderr[-2000:]}")
    t_end, err = out.stdout.strip().splitlines()[-1].split()
    if float(err) > 1e-5:
        raise RuntimeError(f"{which}: prediction differs from the fixture by {err}")
    return float(t_end) - t0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tf-python", default=_default_tf_python())
    p.add_argument("--runs", type=int, default=7)
    args = p.parse_args()
    times = {"ckeras": [], "tf-keras": []}
    run_once(sys.executable, "ckeras")  # warm the OS file cache once for each side
    if args.tf_python:
        run_once(args.tf_python, "tf-keras")
    for _ in range(args.runs):
        times["ckeras"].append(run_once(sys.executable, "ckeras"))
        if args.tf_python:
            times["tf-keras"].append(run_once(args.tf_python, "tf-keras"))
    ck = statistics.median(times["ckeras"])
    print(f"cold start to first prediction of {os.path.relpath(FILE, ROOT)} "
          f"({args.runs} fresh runs each, alternating, medians)")
    print(f"  ckeras   {ck * 1e3:8.1f} ms   runs: "
          + " ".join(f"{t * 1e3:.0f}" for t in times["ckeras"]))
    if times["tf-keras"]:
        tk = statistics.median(times["tf-keras"])
        print(f"  tf-keras {tk * 1e3:8.1f} ms   runs: "
              + " ".join(f"{t * 1e3:.0f}" for t in times["tf-keras"]))
        print(f"  ckeras / tf-keras = {ck / tk:.3f}  (target <= 0.10)")
    else:
        print("  tf-keras: no interpreter found (pass --tf-python)")


if __name__ == "__main__":
    main()
