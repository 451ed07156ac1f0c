"""Build a coverage-instrumented copy of ckeras for the atheris harnesses, with
GCC (no clang needed):

    python tests/fuzz/ccov/build.py            # prints the folder to put on PYTHONPATH

The sources (setup.py, csrc/, ckeras/) are copied to a cache folder keyed by
their content and built there with `-fsanitize-coverage=trace-pc`, each
extension linked with cov_shim.c, which turns GCC's per-block callbacks into
the 8-bit counters libFuzzer reads. The worktree is not touched. Harnesses
run on that copy register the counters (harnesses/_common.py) when
CKERAS_FUZZ_CCOV=1; tests/fuzz/run.py --c-coverage does all of it.
"""
import hashlib
import os
import shutil
import subprocess
import sys
import sysconfig

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
SHIM = os.path.join(HERE, "cov_shim.c")
SOURCES = ("setup.py", "pyproject.toml", "csrc", "ckeras")


def _files():
    for entry in SOURCES:
        path = os.path.join(ROOT, entry)
        if os.path.isfile(path):
            yield entry
            continue
        for folder, dirs, files in os.walk(path):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            for f in sorted(files):
                if f.endswith((".so", ".pyd", ".c")) and folder.endswith("_ext") and \
                        not f.startswith("ck_"):
                    continue  # build products (Cython's .c and the built modules)
                yield os.path.relpath(os.path.join(folder, f), ROOT)


def source_key():
    h = hashlib.sha256(open(SHIM, "rb").read())
    for rel in sorted(_files()):
        h.update(rel.encode())
        h.update(open(os.path.join(ROOT, rel), "rb").read())
    return h.hexdigest()[:16]


def cache_dir():
    base = os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache"))
    return os.path.join(base, "ckeras-fuzz-ccov", source_key())


def build(verbose=False):
    """The folder holding the instrumented `ckeras` package (built if needed)."""
    dest = cache_dir()
    marker = os.path.join(dest, ".built")
    if os.path.exists(marker):
        return dest
    shutil.rmtree(dest, ignore_errors=True)
    for rel in _files():
        os.makedirs(os.path.dirname(os.path.join(dest, rel)) or dest, exist_ok=True)
        shutil.copy2(os.path.join(ROOT, rel), os.path.join(dest, rel))
    cc = sysconfig.get_config_var("CC") or "cc"
    shim_o = os.path.join(dest, "cov_shim.o")
    subprocess.run(cc.split() + ["-O2", "-fPIC", "-c", SHIM, "-o", shim_o], check=True)
    env = dict(os.environ)
    env["CFLAGS"] = (env.get("CFLAGS", "") + " -fsanitize-coverage=trace-pc").strip()
    env["LDFLAGS"] = (env.get("LDFLAGS", "") + " " + shim_o).strip()
    log = open(os.path.join(dest, "build.log"), "w")
    subprocess.run([sys.executable, "setup.py", "build_ext", "--inplace", "-j", "2"],
                   cwd=dest, env=env, check=True, stdout=None if verbose else log,
                   stderr=subprocess.STDOUT)
    open(marker, "w").close()
    return dest


if __name__ == "__main__":
    print(build(verbose="-v" in sys.argv))
