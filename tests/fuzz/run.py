"""Run the fuzzers: the atheris harnesses (tests/fuzz/harnesses/fuzz_*.py) and
the model-file fuzzer (tests/fuzz/model_files.py).

    python -m tests.fuzz.run --seconds 600          # local: 600 s over the harnesses
                                                    # (C + Python coverage), then
                                                    # 1000 model-file mutants
    python -m tests.fuzz.run --ci                   # CI: bounded, seeded, < 2 min
    python -m tests.fuzz.run --harness rnn --seconds 300 --mutants 0
    python -m tests.fuzz.run --seconds 900 --update-corpus   # grow the seed corpus

Local runs keep what they find in ~/.cache/ckeras-fuzz-corpus/<harness> (read
again by the next run); the committed corpus (tests/fuzz/corpus/) is read only
except through --update-corpus.

Harness findings (an uncaught exception, a crash, a timeout or an RSS blow-up)
are saved as `<artifacts>/crash-*` (or `timeout-*`, `oom-*`); replay one with
`python tests/fuzz/harnesses/fuzz_NAME.py <file>`. Exit status 1 on any
finding of a harness and on any model-file outcome outside known.KNOWN_OPEN.
"""
import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
HARNESS_DIR = os.path.join(HERE, "harnesses")
CORPUS_DIR = os.path.join(HERE, "corpus")

CI_SEED = 19
CI_RUNS = 1500        # executions per harness after the corpus replay
CI_MAX_SECONDS = 20   # per harness, a safety net on a slow machine
CI_MUTANTS = 150


def harnesses():
    return sorted(os.path.basename(p)[len("fuzz_"):-3]
                  for p in glob.glob(os.path.join(HARNESS_DIR, "fuzz_*.py")))


def child_env(ccov=None):
    """The harnesses' environment: ckeras from this tree, or from the
    coverage-instrumented copy `ccov` (tests/fuzz/ccov/build.py)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = (ccov or ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    if ccov:
        env["CKERAS_FUZZ_CCOV"] = "1"
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    env.setdefault("PYTHONWARNINGS", "ignore")
    return env


def local_corpus(name):
    """The growing corpus of local runs (outside the repository)."""
    base = os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache"))
    path = os.path.join(base, "ckeras-fuzz-corpus", name)
    os.makedirs(path, exist_ok=True)
    return path


def run_harness(name, seconds, runs, seed, artifacts, env, writable, max_len=1024):
    """One libFuzzer session; new inputs go to `writable`, the committed corpus
    is only read. Returns (ok, executions, seconds, output tail)."""
    script = os.path.join(HARNESS_DIR, f"fuzz_{name}.py")
    corpus = os.path.join(CORPUS_DIR, name)
    cmd = [sys.executable, script, f"-seed={seed}", f"-max_len={max_len}", "-timeout=30",
           "-rss_limit_mb=3072", "-print_final_stats=1", f"-artifact_prefix={artifacts}/",
           f"-max_total_time={seconds}"]
    if runs:
        cmd.append(f"-runs={runs}")
    cmd += [writable] + ([corpus] if os.path.isdir(corpus) else [])
    start = time.monotonic()
    log = os.path.join(artifacts, f"{name}.log")
    with open(log, "w") as fh:  # the whole session, stdout and stderr interleaved
        proc = subprocess.run(cmd, cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT)
    elapsed = time.monotonic() - start
    with open(log, errors="replace") as fh:
        out = fh.read()
    if proc.returncode:
        out += f"\n(exit status {proc.returncode}; whole log: {log})"
    m = re.search(r"stat::number_of_executed_units:\s*(\d+)", out)
    execs = int(m.group(1)) if m else -1
    return proc.returncode == 0, execs, elapsed, out[-4000:]


def update_corpus(name, source):
    """Add to tests/fuzz/corpus/<name> the inputs of `source` that the committed
    corpus lacks, judged by the coverage CI sees (Python only), with
    libFuzzer's set-cover merge: a few dozen small files per harness."""
    corpus = os.path.join(CORPUS_DIR, name)
    os.makedirs(corpus, exist_ok=True)
    before = len(os.listdir(corpus))
    script = os.path.join(HARNESS_DIR, f"fuzz_{name}.py")
    subprocess.run([sys.executable, script, "-set_cover_merge=1", corpus, source], cwd=ROOT,
                   env=child_env(), capture_output=True)
    return len(os.listdir(corpus)) - before


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=600,
                   help="total harness time, shared equally (local mode)")
    p.add_argument("--harness", action="append", choices=harnesses(),
                   help="only these harnesses (repeatable)")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--mutants", type=int, default=1000, help="model-file mutants (0: skip)")
    p.add_argument("--ci", action="store_true", help="bounded and seeded (see CI_*)")
    p.add_argument("--artifacts", default=None, help="folder for crash inputs")
    p.add_argument("--update-corpus", action="store_true",
                   help="add the inputs of the local corpus (~/.cache/ckeras-fuzz-corpus) "
                        "that CI's coverage lacks to tests/fuzz/corpus/")
    p.add_argument("--c-coverage", action=argparse.BooleanOptionalAction, default=None,
                   help="guide by the C kernels' coverage too (a GCC-instrumented copy, "
                        "built once into ~/.cache; default: on locally, off with --ci)")
    args = p.parse_args(argv)
    try:
        import atheris  # noqa: F401
    except ImportError:
        print("atheris is not installed: `pip install atheris` (Linux/macOS, CPython)",
              file=sys.stderr)
        return 2
    names = args.harness or harnesses()
    seed = args.seed if args.seed is not None else (CI_SEED if args.ci else
                                                    int(time.time()) % 100000)
    artifacts = args.artifacts or tempfile.mkdtemp(prefix="ckeras-fuzz-artifacts-")
    os.makedirs(artifacts, exist_ok=True)
    per = CI_MAX_SECONDS if args.ci else max(1, int(args.seconds / len(names)))
    runs = CI_RUNS if args.ci else 0
    t0 = time.monotonic()
    ccov = None
    if args.c_coverage if args.c_coverage is not None else not args.ci:
        sys.path.insert(0, os.path.join(HERE, "ccov"))
        import build as ccov_build
        print("building the coverage-instrumented copy of ckeras (cached)...", flush=True)
        ccov = ccov_build.build()
    env = child_env(ccov)
    print(f"harnesses {', '.join(names)}: seed {seed}, "
          + (f"{runs} runs each after the corpus" if args.ci else f"{per} s each")
          + (", C and Python coverage" if ccov else ", Python coverage"), flush=True)
    failed = []
    for name in names:
        writable = tempfile.mkdtemp(prefix=f"ckeras-fuzz-{name}-") if args.ci \
            else local_corpus(name)
        ok, execs, secs, tail = run_harness(name, per, runs, seed, artifacts, env, writable)
        print(f"  {name:14s} {'ok     ' if ok else 'FINDING'} {execs:>9} executions "
              f"in {secs:6.1f} s", flush=True)
        if not ok:
            failed.append(name)
            print("\n".join("    | " + line for line in tail.splitlines()[-40:]), flush=True)
        if args.update_corpus:
            print(f"  {name:14s} committed corpus: {update_corpus(name, writable):+d} inputs",
                  flush=True)
        if args.ci:
            shutil.rmtree(writable, ignore_errors=True)
    print(f"harnesses done in {time.monotonic() - t0:.1f} s", flush=True)
    if failed:
        print(f"findings of {', '.join(failed)} saved in {artifacts}/; replay one with "
              f"`python tests/fuzz/harnesses/fuzz_NAME.py {artifacts}/crash-...`", flush=True)
    status = 1 if failed else 0
    mutants = CI_MUTANTS if args.ci else args.mutants
    if mutants:
        cmd = [sys.executable, "-m", "tests.fuzz.model_files", "--seed", str(seed)]
        cmd += ["--ci"] if args.ci else ["--mutants", str(mutants)]
        proc = subprocess.run(cmd, cwd=ROOT, env=child_env())  # the tree's own build
        status = status or proc.returncode
    print(f"fuzzing done in {time.monotonic() - t0:.1f} s: "
          f"{'FINDINGS' if status else 'nothing new found'}", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
