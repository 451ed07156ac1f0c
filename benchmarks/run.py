"""Runs every benchmark workload side by side with its peers, then the tables.

One command for the whole suite::

    python benchmarks/run.py [--tf-python PY] [--quick] [--only NAME ...] [--skip NAME ...]

Each entry of PLAN below is one benchmark script with its arguments (some
scripts run twice: with every library on one thread, and at each library's
default threads). They run one after another, each in its own process, so
one library's thread pools never linger into another's figures. Inside a
script the peers are interleaved and medians taken (peers.py); every figure,
with the load average at the time, is appended to one JSON-lines file, and
`render.py` then rewrites the tables of benchmarks/README.md from it.

The child processes run without OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE (this
machine may set them; they slow a current OpenBLAS, see README): the runner
unsets them for its children only, never for tests.

`--quick` passes `--quick` to every script (few, short runs: a check that
every workload still runs on both sides, 74 s on the quiet 2-core machine
with tf-keras; its figures are marked quick and the tables leave them out),
leaves out the repeated one-thread runs and the cold-start run, and skips
the tables.

Options:
    --tf-python PY   the tf-keras interpreter (default: $CKERAS_TF_PYTHON);
                     without it the tf-keras columns are skipped.
    --only NAME ...  run only these entries (names as in `--list`).
    --skip NAME ...  leave these out.
    --results PATH   the JSON-lines file (default: the scripts' default,
                     benchmarks/results/<date>-<host>.jsonl).
    --list           print the plan and exit.
"""
import argparse
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
UNSET = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")

# (name, script, arguments, whether the script has a tf-keras side). The
# one-thread runs repeat their workloads with other thread counts, the
# cold-start run spends a minute importing TensorFlow, and the busy-neighbour
# run times every workload three ways: --quick leaves them out.
PLAN = (
    ("mlp", "compare.py", [], True),
    ("mlp_rounds", "compare.py", ["--rounds", "10"], False),
    ("mlp_rounds_1thread", "compare.py", ["--threads", "1", "--rounds", "10"], False),
    ("conv", "bench_conv.py", [], False),
    ("conv_1thread", "bench_conv.py", ["--threads", "1"], False),
    ("rnn", "bench_rnn.py", ["--threads", "2"], True),
    ("rnn_1thread", "bench_rnn.py", ["--threads", "1"], True),
    ("rnn_train_rounds", "bench_rnn.py", ["--threads", "1", "--train-rounds", "10"], False),
    ("rnn_train_rounds_2threads", "bench_rnn.py", ["--threads", "2", "--train-rounds", "10"],
     False),
    ("attention", "bench_attention.py", ["--threads", "2"], False),
    ("attention_1thread", "bench_attention.py", ["--threads", "1"], False),
    ("convlstm", "bench_convlstm.py", [], True),
    ("optim", "bench_optim.py", [], False),
    ("preprocessing", "bench_preprocessing.py", [], True),
    ("resizing", "bench_resizing.py", [], True),
    ("datasets", "bench_datasets.py", [], True),
    ("dask", "bench_dask.py", [], False),
    ("load", "bench_load.py", [], True),
    ("threads", "bench_threads.py", ["--peers", "ckeras", "torch"], False),
)
NOT_QUICK = ("mlp_rounds", "mlp_rounds_1thread", "conv_1thread", "rnn_1thread",
             "rnn_train_rounds", "rnn_train_rounds_2threads", "attention_1thread", "load",
             "threads")


def child_env():
    """This process's environment without the OpenBLAS variables."""
    return {k: v for k, v in os.environ.items() if k not in UNSET}


def command(script, args, has_tf, opts):
    """The command line of one plan entry under the runner's options."""
    cmd = [sys.executable, os.path.join(HERE, script), *args]
    if opts.quick:
        cmd.append("--quick")
    if opts.results:
        cmd += ["--results", opts.results]
    if has_tf and opts.tf_python:
        cmd += ["--tf-python", opts.tf_python]
    return cmd


def selected(opts):
    """The plan entries the options select, in plan order."""
    names = [p[0] for p in PLAN]
    for given in (opts.only or []) + (opts.skip or []):
        if given not in names:
            raise SystemExit(f"run.py: unknown entry {given!r} (of: {', '.join(names)})")
    return [p for p in PLAN
            if (p[0] in opts.only if opts.only else not (opts.quick and p[0] in NOT_QUICK))
            and p[0] not in (opts.skip or [])]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tf-python", default=os.environ.get("CKERAS_TF_PYTHON"))
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", nargs="+", metavar="NAME")
    ap.add_argument("--skip", nargs="+", metavar="NAME")
    ap.add_argument("--results", default=None, metavar="PATH")
    ap.add_argument("--list", action="store_true")
    opts = ap.parse_args(argv)
    plan = selected(opts)
    if opts.list:
        for name, script, args, has_tf in plan:
            print(f"{name:<18} {' '.join([script, *args])}"
                  + ("  (+ tf-keras)" if has_tf else ""))
        return 0
    env = child_env()
    status = []
    for name, script, args, has_tf in plan:
        cmd = command(script, args, has_tf, opts)
        load = os.getloadavg()[0]
        print(f"\n=== {name}: {' '.join(cmd[1:])}  (load {load:.2f})", flush=True)
        t0 = time.perf_counter()
        rc = subprocess.call(cmd, env=env, cwd=ROOT)
        status.append((name, rc, time.perf_counter() - t0))
    print("\n=== summary")
    for name, rc, secs in status:
        print(f"{name:<18} {'ok' if rc == 0 else f'FAILED ({rc})':<12} {secs:7.1f} s")
    failed = [s for s in status if s[1] != 0]
    if not opts.quick and not failed:
        render = [sys.executable, os.path.join(HERE, "render.py")]
        if opts.results:
            render.append(opts.results)
        subprocess.call(render, cwd=ROOT)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
