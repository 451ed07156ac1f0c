"""Shared pieces of the atheris harnesses (run them with tests/fuzz/run.py).

Each harness is a script: `python tests/fuzz/harnesses/fuzz_NAME.py
[libFuzzer flags] [corpus dirs]`. Its TestOneInput decodes shapes, flags and
a value seed from the fuzz input, calls a C-backed entry point and checks it
against the NumPy/Python reference; an uncaught exception is a finding
(libFuzzer writes the input as crash-*), and so is a crash of the process.
"""
import os
import sys
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # tests/fuzz: conftest, oracles, known

from conftest import use_kernels  # noqa: E402,F401 - the one import of the registry
from known import KNOWN_KERNEL  # noqa: E402


def known(name):
    """True while the open bug `name` of known.KNOWN_KERNEL is listed."""
    return name in KNOWN_KERNEL


def outcome(fn, *args, **kwargs):
    """('ok', result) or ('err', exception class), with NumPy's warnings off."""
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return "ok", fn(*args, **kwargs)
    except (ValueError, TypeError, OverflowError, ZeroDivisionError, IndexError,
            KeyError, UnicodeError, MemoryError, RuntimeError) as e:
        return "err", type(e)


class Mismatch(AssertionError):
    """The C path and the reference disagree: a finding."""


def check(cond, *what):
    if not cond:
        raise Mismatch(" ".join(str(w) for w in what))


def assert_close(got, want, rtol, atol, what):
    got, want = np.asarray(got), np.asarray(want)
    check(got.shape == want.shape, what, "shape", got.shape, want.shape)
    if got.size:
        ok = np.isclose(got, want, rtol=rtol, atol=atol, equal_nan=True)
        if not ok.all():
            i = np.argwhere(~ok)[0]
            raise Mismatch(f"{what}: at {tuple(i)} got {got[tuple(i)]!r} want "
                           f"{want[tuple(i)]!r} (max diff "
                           f"{np.nanmax(np.abs(got.astype(float) - want.astype(float)))})")


def rng_values(fdp, shape, dtype, lo=-2.0, hi=2.0):
    """An array of `shape` from a seeded generator (the fuzz input picks the
    seed and, sometimes, special values to plant)."""
    rng = np.random.default_rng(fdp.ConsumeIntInRange(0, 2 ** 32 - 1))
    a = rng.uniform(lo, hi, shape).astype(dtype)
    if a.size and fdp.ConsumeIntInRange(0, 7) == 0:
        specials = np.array([0.0, -0.0, np.nan, np.inf, -np.inf, 1e30, -1e30, 5e-324],
                            dtype=np.float64).astype(dtype)
        for _ in range(fdp.ConsumeIntInRange(1, 4)):
            a.flat[fdp.ConsumeIntInRange(0, a.size - 1)] = \
                specials[fdp.ConsumeIntInRange(0, len(specials) - 1)]
    return a


def register_c_coverage():
    """Hand the counters of the instrumented extensions (tests/fuzz/ccov) to
    libFuzzer; returns the names of the modules registered."""
    import ctypes
    import glob

    import atheris

    import ckeras._ext as ext
    core = glob.glob(os.path.join(os.path.dirname(atheris.__file__), "core_with_libfuzzer*"))
    fuzzer = ctypes.CDLL(core[0])
    done = []
    for path in sorted(glob.glob(os.path.join(os.path.dirname(ext.__file__), "_*.so"))):
        lib = ctypes.CDLL(path)
        try:
            tables = lib.ckeras_fuzz_cov_tables
        except AttributeError:
            continue  # not an instrumented build
        ptr = ctypes.c_void_p
        cb, ce, pb, pe = ptr(), ptr(), ptr(), ptr()
        tables(*(ctypes.byref(v) for v in (cb, ce, pb, pe)))
        fuzzer.__sanitizer_cov_8bit_counters_init(cb, ce)
        fuzzer.__sanitizer_cov_pcs_init(pb, pe)
        done.append(os.path.basename(path).split(".")[0])
    return done


def _self_command(script):
    """An executable that runs this harness: libFuzzer's merge and fork modes
    re-run argv[0] through the shell, and a .py file is not executable."""
    import atexit
    import tempfile
    fd, path = tempfile.mkstemp(suffix=".sh", prefix="ckeras-harness-")
    with os.fdopen(fd, "w") as fh:
        fh.write(f'#!/bin/sh\nexec "{sys.executable}" "{os.path.abspath(script)}" "$@"\n')
    os.chmod(path, 0o755)
    atexit.register(os.remove, path)
    return path


def run(test_one_input):
    """atheris.Setup + Fuzz on sys.argv (libFuzzer flags and corpus dirs)."""
    import atheris
    argv = list(sys.argv)
    if any(a.startswith(("-merge=", "-set_cover_merge=", "-fork=", "-jobs=", "-minimize_crash="))
           for a in argv):
        argv[0] = _self_command(argv[0])
    atheris.Setup(argv, test_one_input)
    if os.environ.get("CKERAS_FUZZ_CCOV") == "1":
        modules = register_c_coverage()
        if not modules:
            sys.exit("CKERAS_FUZZ_CCOV=1 but ckeras._ext is not the instrumented build "
                     "(tests/fuzz/ccov/build.py)")
        print(f"INFO: C coverage counters of {', '.join(modules)}", file=sys.stderr)
    atheris.Fuzz()
