"""Cold start: time from a fresh interpreter to the first prediction of a loaded
Bidirectional LSTM `.h5` (tests/fixtures/saving/rnn/tk_bilstm.h5, written by
tf-keras 2.21: Embedding(mask_zero) -> Bidirectional(LSTM(4)) -> Dense, Adam).

Each run is a new process: `import` + `load_model(path)` (with its optimizer)
+ `predict(x)` on the fixture's 4 inputs. The time is taken from just before
the parent spawns the child to the child's clock reading right after the
prediction (interpreter start-up included, exit excluded). ckeras and tf-keras
runs alternate; medians of --runs runs each.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_load.py \
        [--tf-python PY] [--runs 7] [--quick]

Target (issue 5): ckeras <= 10% of tf-keras (`--case cold_start`).
"""
import os
import sys
import time

from peers import ROOT, Results, Timing, main_parser, run_python, tf_python

FILE = os.path.join(ROOT, "tests", "fixtures", "saving", "rnn", "tk_bilstm.h5")
REF = FILE[:-3] + ".npz"
LABEL = ("cold start: fresh interpreter -> `load_model` Bidirectional LSTM `.h5` -> first "
         "`predict`")

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
}


def run_once(python, peer):
    """Seconds from spawning `python` to its first prediction of FILE."""
    code = CHILD[peer].format(file=FILE, ref=REF)
    t0 = time.time()
    out = run_python(python, code, peer)
    if out.returncode:
        raise RuntimeError(f"{peer} run failed:\n{out.stderr[-2000:]}")
    t_end, err = out.stdout.strip().splitlines()[-1].split()
    if float(err) > 1e-5:
        raise RuntimeError(f"{peer}: prediction differs from the fixture by {err}")
    return float(t_end) - t0


def main(argv=None):
    ap = main_parser(__doc__.split("\n\n")[0], ("cold_start",))
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args(argv)
    results = Results("bench_load.py", args)
    tf_py = tf_python(args.tf_python)
    runs = 2 if args.quick else args.runs
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
