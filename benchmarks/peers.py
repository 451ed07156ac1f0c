"""What the benchmark scripts share: timing, the peers and the results file.

Timing
    `time_runs(fn, number, repeat)` times `repeat` runs of `number` calls and
    returns a `Timing`: the per-call time of each run, their median (the
    figure) and their spread, (max - min) / median.

Peers
    PyTorch runs in this process (`torch_or_none`). tf-keras runs in another
    interpreter, normally the python of a TensorFlow venv: `tf_python()` finds
    it (`--tf-python`, else $CKERAS_TF_PYTHON, else this interpreter when
    tf_keras imports here), `run_tf_keras(code, ...)` runs a worker there and
    reads its JSON reply, `rerun_under_tf_python` runs a whole script there
    with ckeras importable, and `run_python` starts any child with the
    environment of a peer (cold-start timings).

Results
    `Results(script, args)` appends one JSON line per measured figure to
    `benchmarks/results/<date>-<host>.jsonl` (or `--results PATH`): the
    workload id (`case`), the peer, each run's time, median, spread, calls
    per run, thread counts, the load average at measurement, versions, and
    which OpenBLAS variables were unset. `benchmarks/render.py` builds the
    README tables from these files.

This module imports only the standard library at load time, so the tf-keras
workers (another venv) can import it for `time_runs` and `worker_reply`.
"""
import argparse
import datetime
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RESULTS_DIR = os.path.join(HERE, "results")

#: OpenBLAS reads these at load time; benchmark runs should unset them (README).
WATCHED_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")

PEERS = ("ckeras", "torch", "tf-keras")


# ----------------------------------------------------------------------- timing
class Timing:
    """Per-call times (seconds) of the timed runs of one workload."""

    def __init__(self, runs):
        self.runs = [float(t) for t in runs]

    @property
    def median(self):
        return statistics.median(self.runs)

    @property
    def spread(self):
        """(max - min) / median of the runs: how much the figure moved."""
        return (max(self.runs) - min(self.runs)) / self.median if self.median else 0.0

    def __repr__(self):
        return f"Timing(median={self.median:.3g} s, runs={len(self.runs)})"


# Pause before a peer's block of timed runs. After a call, PyTorch's OpenMP
# workers keep polling for a few milliseconds, and ckeras's helper thread for
# 0.3 ms: timed straight after the other library, a peer finds its second
# core taken, and ckeras's helper counts as late and backs off (measured on
# the quiet VM: LSTM(128) batch-32 predict 1.84 ms straight after torch
# calls, 1.02 ms after a 10 ms pause, one core 2.1 ms). Each library is to
# be measured as it runs alone.
SETTLE_S = 0.05


def settle():
    """Wait out the idle polling of the threads of whatever ran before."""
    time.sleep(SETTLE_S)


def time_runs(fn, number, repeat):
    """`repeat` runs of `number` calls of `fn` (after a `settle` pause and one
    untimed call); each run's mean time per call."""
    settle()
    fn()
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        runs.append((time.perf_counter() - t0) / number)
    return Timing(runs)


def sgemm_gflops(repeat):
    """GF/s of a 2048^3 float32 product through ckeras's dense forward (the
    BLAS on ckeras's current threads), and its Timing: the rate the
    kernel shares and floors of the scripts are measured against."""
    import numpy as np

    from ckeras._ext import _dense
    n = 2048
    a = np.random.default_rng(0).standard_normal((n, n)).astype(np.float32)
    t = time_runs(lambda: _dense.dense_fwd(a, a, None, 0), 1, repeat)
    return 2.0 * n ** 3 / t.median / 1e9, t


def alternating_rounds(results, case, label, ck_fn, pt_fn, number, rounds, command):
    """ckeras and torch timed in alternation for `rounds` rounds (each side's
    round: the median of 5 runs of `number` calls), so a drift in the
    machine's speed shifts both sides alike; records both sides' rounds and
    the median of the per-round ratios, and returns that ratio."""
    ck_runs, pt_runs = [], []
    for _ in range(rounds):
        tc = time_runs(ck_fn, number, 5).median
        tt = time_runs(pt_fn, number, 5).median
        ck_runs.append(tc)
        pt_runs.append(tt)
        print(f"  ckeras {tc * 1e3:.3f} ms  torch {tt * 1e3:.3f} ms  ratio {tc / tt:.3f}x",
              flush=True)
    for peer, runs in (("ckeras", ck_runs), ("torch", pt_runs)):
        results.record(case, peer, runs, number=number, label=label, command=command)
    ratios = sorted(c / t for c, t in zip(ck_runs, pt_runs, strict=True))
    ratio = statistics.median(ratios)
    results.record(case, "ckeras", value=ratio, metric="ratio", unit="x", rounds=rounds,
                   round_ratios=ratios,
                   label=f"{label}: median of the per-round ratios to torch",
                   command=command)
    print(f"{label}: median ratio over {rounds} rounds {ratio:.3f}x "
          f"(rounds {ratios[0]:.3f}-{ratios[-1]:.3f})", flush=True)
    return ratio


def median_time(fn, number, repeat):
    """Median over `repeat` runs of the mean time of `number` calls (seconds)."""
    return time_runs(fn, number, repeat).median


def thread_scaling(fn, calls):
    """Throughput of 2 Python threads each calling `fn` `calls` times, over
    one thread doing the same (so 2.0 is perfect scaling on 2 cores).

    Returns:
        (ratio, calls/s of one thread, calls/s of two threads).
    """
    def work(n):
        for _ in range(n):
            fn()

    work(3)
    t0 = time.perf_counter()
    work(calls)
    one = calls / (time.perf_counter() - t0)
    threads = [threading.Thread(target=work, args=(calls,)) for _ in range(2)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    two = 2 * calls / (time.perf_counter() - t0)
    return two / one, one, two


def fmt_time(seconds):
    """'20.8 us' / '1.54 ms' / '5.45 s'; '-' for None."""
    if seconds is None:
        return "-"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} us"
    if seconds < 1.0:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


# ---------------------------------------------------------------- command line
def add_arguments(parser, cases=(), tf=True, repeat=7):
    """The options every benchmark script takes.

    Args:
        parser: an argparse parser.
        cases: the workload ids `--case` accepts (empty: any).
        tf: whether the script has a tf-keras side (`--tf-python`).
        repeat: the default of `--repeat`.
    """
    parser.add_argument("--case", "--only", nargs="+", default=None, metavar="ID",
                        choices=list(cases) or None,
                        help="run only these workloads" +
                             (f" (of: {', '.join(cases)})" if cases else ""))
    parser.add_argument("--repeat", type=int, default=repeat, help="timed runs per figure")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: few, short runs (checks the pipeline, the "
                             "figures mean nothing)")
    parser.add_argument("--results", default=None, metavar="PATH",
                        help="JSON-lines file to append to (default: "
                             "benchmarks/results/<date>-<host>.jsonl; 'none' to skip)")
    if tf:
        parser.add_argument("--tf-python", default=None, metavar="PY",
                            help="python of a venv with tf-keras (default: "
                                 "$CKERAS_TF_PYTHON, else this one if tf_keras imports)")
    return parser


def wanted(args, case):
    """Whether `--case` selects workload `case` (everything without --case)."""
    return args.case is None or case in args.case


# ------------------------------------------------------------------------ peers
def torch_or_none(threads=None):
    """The torch module (CPU), with `threads` intra-op threads; None if absent."""
    try:
        import torch
    except ImportError:
        return None
    if threads:
        torch.set_num_threads(threads)
    return torch


def _imports_here(module):
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def tf_python(explicit=None):
    """The interpreter that runs tf-keras, or None when there is none.

    `explicit` (a `--tf-python` value) wins, then $CKERAS_TF_PYTHON, then this
    interpreter when tf_keras imports in it.
    """
    python = explicit or os.environ.get("CKERAS_TF_PYTHON")
    if python:
        return python
    return sys.executable if _imports_here("tf_keras") else None


def peer_env(peer, with_ckeras=False):
    """The environment of a child process running `peer`.

    tf-keras gets TF_USE_LEGACY_KERAS=1 (Keras 2 behind `tf_keras`) and quiet
    logs; every child can import this module (and ckeras when `with_ckeras`,
    or for the ckeras peer) through PYTHONPATH, replacing the caller's.
    """
    env = dict(os.environ)
    if peer == "tf-keras":
        env.update(TF_USE_LEGACY_KERAS="1", TF_CPP_MIN_LOG_LEVEL="3",
                   CUDA_VISIBLE_DEVICES="")
    paths = [HERE] + ([ROOT] if with_ckeras or peer == "ckeras" else [])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    return env


def run_python(python, code, peer, args=(), with_ckeras=False, timeout=1800):
    """Runs `python -c code *args` with the environment of `peer` (in ROOT).

    Returns:
        The CompletedProcess (text output captured).
    """
    return subprocess.run([python, "-c", code, *map(str, args)], capture_output=True,
                          text=True, env=peer_env(peer, with_ckeras), cwd=ROOT,
                          timeout=timeout)


def run_tf_keras(code, python, payload=None, timeout=1800):
    """Runs a tf-keras worker and returns its reply, or None when it cannot run.

    The worker is `code` run by `python`; it reads `payload` as
    `json.loads(sys.argv[1])`, may use `time_runs` from this module, and ends
    with `worker_reply(figures)`.

    Returns:
        `{"figures": {...}, "versions": {...}, "threads": {...}}`, or None (no interpreter, or
        the worker failed: its last error line goes to stderr).
    """
    if python is None:
        return None
    try:
        out = run_python(python, code, "tf-keras", [json.dumps(payload)], timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as e:
        print(f"  tf-keras worker did not run: {e}", file=sys.stderr)
        return None
    if out.returncode != 0:
        print(f"  tf-keras worker failed: {out.stderr.strip().splitlines()[-1:]}",
              file=sys.stderr)
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


def worker_reply(figures):
    """Ends a tf-keras worker: prints its figures (Timing values become their
    runs) with the versions of the worker's side, as the last stdout line."""
    import numpy
    versions = {"python": sys.version.split()[0], "numpy": numpy.__version__}
    for name in ("tensorflow", "tf_keras"):
        module = sys.modules.get(name)
        if module is not None:
            versions[name] = getattr(module, "__version__", None)
    threads = {}
    tf = sys.modules.get("tensorflow")
    if tf is not None:   # 0 means TensorFlow's default (one per core)
        threads = {"tf_intra_op": tf.config.threading.get_intra_op_parallelism_threads(),
                   "tf_inter_op": tf.config.threading.get_inter_op_parallelism_threads()}
    plain = {k: v.runs if isinstance(v, Timing) else v for k, v in figures.items()}
    print(json.dumps({"figures": plain, "versions": versions, "threads": threads}))


def rerun_under_tf_python(python, script, argv):
    """Runs `script argv` under `python` (the tf-keras venv) with ckeras on
    PYTHONPATH, so both libraries share one process; returns its exit status.

    This works when both interpreters are the same CPython with the same NumPy
    ABI (the built extensions load there)."""
    env = peer_env("tf-keras", with_ckeras=True)
    return subprocess.call([python, os.path.abspath(script), *argv], env=env, cwd=ROOT)


# ---------------------------------------------------------------------- results
def thread_counts(torch=None):
    """BLAS and kernel threads of ckeras, and torch's intra-op threads."""
    counts = {}
    try:
        from ckeras.utils import get_blas_threads
        counts["blas"] = get_blas_threads()
    except ImportError:
        pass
    try:
        from ckeras.utils import get_kernel_threads
        counts["kernel"] = get_kernel_threads()
    except ImportError:
        pass
    if torch is not None:
        counts["torch"] = torch.get_num_threads()
    return counts


def _versions():
    versions = {"python": sys.version.split()[0]}
    for name in ("numpy", "ckeras", "torch", "tensorflow", "tf_keras"):
        module = sys.modules.get(name)
        if module is not None:
            versions[name] = getattr(module, "__version__", None)
    try:
        from ckeras._ext import _blas
        info = _blas.info()
        versions["blas"] = f"{info.get('source')} {info.get('symbol', '')}".strip()
    except (ImportError, AttributeError):
        pass
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True)
    if commit.returncode == 0:
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "-uno"],
                               capture_output=True, text=True).stdout.strip()
        versions["ckeras_commit"] = commit.stdout.strip() + ("-dirty" if dirty else "")
    cpu = cpu_name()
    if cpu:
        versions["cpu"] = cpu
    return versions


CPUINFO = "/proc/cpuinfo"


def cpu_name():
    """The CPU as /proc/cpuinfo names it, with its family and model numbers
    (a VM's 'AMD EPYC' alone names both Zen 4 and Zen 5, whose sgemm rates
    differ by 1.7x); else platform.processor(), or '' when neither tells."""
    fields = {}
    try:
        with open(CPUINFO, encoding="utf-8", errors="replace") as f:
            for line in f:
                if not line.strip():
                    break
                key, _, value = line.partition(":")
                fields[key.strip()] = value.strip()
    except OSError:
        pass
    name = fields.get("model name")
    if not name:
        import platform
        return platform.processor()
    if "cpu family" in fields and "model" in fields:
        name += f" (family {fields['cpu family']}, model {fields['model']})"
    return name


class Results:
    """The JSON-lines file a benchmark run appends its figures to.

    Args:
        script: the script's file name ('compare.py').
        args: the parsed command line (`--results`, `--quick`), or None.

    Example:
        >>> results = Results("compare.py", args)
        >>> results.record("mlp_predict_b1", "ckeras", time_runs(fn, 2000, 7),
        ...                label="MLP 784-256-128-10 predict_on_batch, batch 1")
    """

    def __init__(self, script, args=None):
        self.script = script
        self.quick = bool(getattr(args, "quick", False))
        path = getattr(args, "results", None)
        now = datetime.datetime.now()
        host = socket.gethostname().split(".")[0]
        if path is None:
            path = os.path.join(RESULTS_DIR, f"{now:%Y-%m-%d}-{host}.jsonl")
        self.path = None if path == "none" else path
        self.run_id = f"{now:%Y%m%dT%H%M%S}-{os.getpid()}"
        self.host = host
        self._versions = None

    def record(self, case, peer, timing=None, *, value=None, metric="time", unit="s",
               number=None, label=None, threads=None, versions=None, **extra):
        """Appends one figure and returns its record.

        Args:
            case: the workload id (`--case` selects it).
            peer: 'ckeras', 'torch' or 'tf-keras'.
            timing: a `Timing` (or a list of per-run values) for timed figures.
            value: the figure itself when it is not a timing (a ratio, GF/s).
            metric: what is measured ('time', 'share_of_sgemm', 'speedup', ...).
            unit: 's', '%', 'x', 'GF/s', ...
            number: calls per timed run.
            label: what the row says in the README table.
            threads: thread counts (default: `thread_counts()`).
            versions: versions of the peer's side, added to this process's.
            **extra: more fields (e.g. `rounds`, `note`).
        """
        if self._versions is None:
            self._versions = _versions()
        rec = {"date": datetime.datetime.now().isoformat(timespec="seconds"),
               "host": self.host, "script": self.script, "run": self.run_id,
               "case": case, "peer": peer, "metric": metric, "unit": unit}
        if label:
            rec["label"] = label
        if timing is not None:
            timing = timing if isinstance(timing, Timing) else Timing(timing)
            rec.update(runs=timing.runs, median=timing.median, spread=timing.spread)
        if value is not None:
            rec["median"] = float(value)
        if number is not None:
            rec["number"] = number
        rec["threads"] = thread_counts(sys.modules.get("torch")) if threads is None \
            else threads
        rec["loadavg"] = list(os.getloadavg())
        rec["versions"] = dict(self._versions, **(versions or {}))
        rec["env_unset"] = [k for k in WATCHED_ENV if k not in os.environ]
        rec["env_set"] = {k: os.environ[k] for k in WATCHED_ENV if k in os.environ}
        rec["quick"] = self.quick
        rec.update(extra)
        if self.path:
            os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as f:
                f.write(json.dumps(rec, sort_keys=True) + "\n")
        return rec


def main_parser(description, cases=(), tf=True, repeat=7):
    """An argparse parser with `add_arguments` applied."""
    return add_arguments(argparse.ArgumentParser(description=description), cases, tf,
                         repeat)
