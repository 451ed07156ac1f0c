"""A/B of two builds of the LSTM training kernels in one process.

On a shared VM the speed of a whole process drifts by +-10% over minutes, and
the heap layout of the forward's outputs (G, H, C: new arrays every call)
moves the backward by up to 15% from one process to the next. Comparing two
builds in separate processes therefore shows differences that are not there.
This script loads both builds of ``ckeras._ext._rnn`` side by side (each
copy of the extension attaches to the same helper thread and BLAS table),
alternates their calls, and repeats over many heap layouts (a kept junk
allocation of random size before each trial). It reports the medians of the
per-layout medians and the median of the per-layout B/A ratios.

Measures single-threaded CPU time of the calling thread (``time.thread_time``)
at ``--threads 1``, wall time at ``--threads 2``.

Example (keep a copy of the old extension before rebuilding)::

    cp ckeras/_ext/_rnn.cpython-311-x86_64-linux-gnu.so /tmp/old_rnn.so
    python setup.py build_ext --inplace
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE PYTHONPATH=$PWD \\
        python benchmarks/ab_rnn_kernels.py /tmp/old_rnn.so \\
        ckeras/_ext/_rnn.cpython-311-x86_64-linux-gnu.so --trials 20 [--dropout]
"""
import argparse
import importlib.machinery
import importlib.util
import os
import shutil
import statistics
import tempfile
import time

import numpy as np

from ckeras.utils import set_blas_threads, set_kernel_threads


def load_build(path, tag, tmp):
    """The extension at path as a module of its own (a copy under another
    file name, so the loader does not hand back the first one)."""
    dst = os.path.join(tmp, f"_rnn_{tag}.so")
    shutil.copy(path, dst)
    loader = importlib.machinery.ExtensionFileLoader("ckeras._ext._rnn", dst)
    spec = importlib.util.spec_from_file_location("ckeras._ext._rnn", dst, loader=loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("a", help="path of build A's _rnn extension")
    ap.add_argument("b", help="path of build B's _rnn extension")
    ap.add_argument("--trials", type=int, default=20, help="heap layouts")
    ap.add_argument("--reps", type=int, default=12, help="calls per build and layout")
    ap.add_argument("--dropout", action="store_true", help="dropout masks 0.2 on x and h")
    ap.add_argument("--threads", type=int, default=1, choices=(1, 2))
    ap.add_argument("--shape", type=int, nargs=4, default=(32, 50, 32, 128),
                    metavar=("B", "T", "F", "U"))
    args = ap.parse_args()
    set_blas_threads(args.threads)
    set_kernel_threads(args.threads)
    clock = time.thread_time if args.threads == 1 else time.perf_counter
    with tempfile.TemporaryDirectory() as tmp:
        mods = [load_build(args.a, "a", tmp), load_build(args.b, "b", tmp)]
        B, T, F, U = args.shape
        rng = np.random.default_rng(4)
        x = rng.standard_normal((B, T, F)).astype(np.float32)
        W = (rng.standard_normal((F, 4 * U)) * 0.1).astype(np.float32)
        R = (rng.standard_normal((U, 4 * U)) * 0.1).astype(np.float32)
        b = np.zeros(4 * U, np.float32)
        h0 = np.zeros((B, U), np.float32)
        dh = np.ones((B, U), np.float32)
        dp = {}
        if args.dropout:
            dp = {k: ((rng.random((4, B, n)) > 0.2) / 0.8).astype(np.float32)
                  for k, n in (("dpx", F), ("dph", U))}
        junk, res = [], {(i, w): [] for i in range(2) for w in "fb"}
        for _ in range(args.trials):
            junk.append(np.ones(int(rng.integers(1, 300000)), np.uint8))
            ts = {k: [] for k in res}
            for rep in range(args.reps):
                for i0 in range(2):
                    i = i0 ^ (rep & 1)  # A first on even rounds, B first on odd ones
                    m = mods[i]
                    t = clock()
                    H, C, G = m.lstm_fwd(x, W, R, b, h0, h0, None, False, 3, 2, **dp)
                    ts[i, "f"].append(clock() - t)
                    t = clock()
                    m.lstm_bwd(x, W, R, h0, h0, None, False, 3, 2, G, H, C, None, dh, h0,
                               need_dx=False, **dp)
                    ts[i, "b"].append(clock() - t)
                    del H, C, G
            for k, v in ts.items():
                res[k].append(statistics.median(v) * 1e3)
    for w, name in (("f", "lstm_fwd"), ("b", "lstm_bwd")):
        ratio = statistics.median(b_ / a_ for a_, b_ in zip(res[0, w], res[1, w]))
        print(f"{name}: A {statistics.median(res[0, w]):.3f} ms, "
              f"B {statistics.median(res[1, w]):.3f} ms (medians over {args.trials} layouts), "
              f"B/A {ratio:.3f}")


if __name__ == "__main__":
    main()
