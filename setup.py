"""Build the compiled core: Cython modules in ckeras/_ext, each compiled
together with the plain-C kernels of csrc/ it needs (no BLAS is linked; see
ckeras/_ext/_blas.pyx). Metadata lives in pyproject.toml."""
import glob
import os
import shutil
import threading

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
CSRC = "csrc"

# Module -> the csrc/*.c it compiles in. A module that calls ck_gemm_* (even
# through another kernel) needs ck_blas.c and must call attach_blas() at
# import; one whose kernels use the helper thread needs ck_threads.c and
# must call attach_threads() (one BLAS table and one helper per process).
MODULES = {
    "_blas": ["ck_blas.c"],
    "_threads": ["ck_threads.c"],
    "_act": ["ck_act.c"],
    "_dense": ["ck_dense.c", "ck_act.c", "ck_blas.c", "ck_elementwise.c", "ck_threads.c"],
    "_text": ["ck_text.c"],
    "_sequence": ["ck_sequence.c", "ck_threads.c"],
    "_conv": ["ck_conv.c", "ck_act.c", "ck_blas.c", "ck_threads.c"],
    "_image": ["ck_image.c", "ck_threads.c"],
    "_rnn": ["ck_rnn.c", "ck_rnn_avx512.c", "ck_rnn_infer_avx512.c", "ck_threads.c", "ck_act.c",
             "ck_blas.c"],
    "_bidirectional": ["ck_bidirectional.c"],
    "_attention": ["ck_attention.c", "ck_attention_avx512.c", "ck_act.c", "ck_blas.c",
                   "ck_threads.c"],
    "_convlstm": ["ck_convlstm.c", "ck_threads.c", "ck_act.c", "ck_blas.c"],
    "_optim": ["ck_optim.c", "ck_threads.c"],
    "_dropout": ["ck_dropout.c"],
    "_memory": ["ck_memory.c"],
    "_normalization": ["ck_normalization.c", "ck_threads.c"],
    "_elementwise": ["ck_elementwise.c", "ck_act.c", "ck_threads.c"],
    "_gather": ["ck_gather.c", "ck_threads.c"],
}

# -O3 and -fno-trapping-math (so GCC if-converts the ternary clamps). Never
# -ffast-math/-Ofast: GCC links crtfastmath.o into the .so, which turns on
# flush-to-zero for the whole process. Never -march=native: wheels must run
# on any x86-64; AVX2/AVX-512 come from target_clones in the C sources.
# -std=c99 also makes -ffp-contract=off the default, so the SSE2 and the
# AVX2/AVX-512 clones round identically. Hidden visibility keeps the ck_*
# symbols of one module from interposing on another's copy.
# -pthread: the padding and LSTM kernels share work with a helper thread;
# glibc before 2.34 (manylinux2014's 2.17) keeps pthread_create in libpthread.
#
# Two switches for development builds (.ci/sanitize):
# CKERAS_SANITIZE=address,undefined (or thread, ...) builds for the sanitizer
# runtimes, -O1 -g and frame pointers for readable reports, and stops at the
# first finding of UBSan instead of going on; load the runtime into the
# uninstrumented python with LD_PRELOAD. ThreadSanitizer crashes in the
# ifunc resolvers of target_clones (they run before it is set up), so its
# builds keep the baseline loops.
# CKERAS_DEBUG=1 keeps the debug info. Release builds add -g0 after
# Python's own CFLAGS (which carry -g): the DWARF sections were two thirds
# of the installed extensions, and nobody debugs a wheel from PyPI.
SANITIZE = os.environ.get("CKERAS_SANITIZE", "").strip()
MACROS = [("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")]
if "thread" in SANITIZE.split(","):
    MACROS.append(("CK_NO_TARGET_CLONES", "1"))
if os.name == "nt":
    COMPILE_ARGS = ["/O2", "/fp:precise"]
    LINK_ARGS = []
elif SANITIZE:
    COMPILE_ARGS = ["-O1", "-g", "-fno-omit-frame-pointer", f"-fsanitize={SANITIZE}",
                    "-fno-sanitize-recover=all", "-fno-trapping-math", "-std=c99",
                    "-fvisibility=hidden", "-pthread"]
    LINK_ARGS = [f"-fsanitize={SANITIZE}", "-pthread"]
else:
    COMPILE_ARGS = ["-O3", "-fno-trapping-math", "-std=c99", "-fvisibility=hidden",
                    "-pthread"]
    LINK_ARGS = ["-pthread"]
    COMPILE_ARGS.append("-g" if os.environ.get("CKERAS_DEBUG") == "1" else "-g0")

HEADERS = sorted(glob.glob(os.path.join(CSRC, "*.h")))

# Per-module additions: the optimizer updates' sqrt sets no errno, so GCC
# vectorizes it (their kernels never read errno).
MODULE_ARGS = {"_optim": ["-fno-math-errno"]} if os.name != "nt" else {}


def extensions():
    exts = []
    for name, csources in MODULES.items():
        exts.append(Extension(
            f"ckeras._ext.{name}",
            sources=[f"ckeras/_ext/{name}.pyx"] + [os.path.join(CSRC, c) for c in csources],
            depends=HEADERS,
            include_dirs=[CSRC, numpy.get_include()],
            define_macros=MACROS,
            extra_compile_args=COMPILE_ARGS + MODULE_ARGS.get(name, []),
            extra_link_args=LINK_ARGS,
        ))
    return cythonize(
        exts,
        compiler_directives={"language_level": 3, "boundscheck": False,
                             "wraparound": False, "initializedcheck": False,
                             "cdivision": True, "embedsignature": True},
    )


class BuildExtOwnObjects(build_ext):
    """Each module's objects in a directory of its own (build_temp/<module>).

    Several modules compile the same csrc file (ck_act.c, ck_threads.c,
    ...), and `-j` builds modules in parallel threads: with one shared
    object path, a module found another's half-written ck_act.o newer than
    its source, skipped compiling it and linked it (measured: an ASan build
    whose _conv lacked ck_act_bias_fwd_f64). Per-module directories also
    keep MODULE_ARGS flags to their own module's copies. The directory is
    per thread, since the parallel builds share this command object.
    """

    _per_thread = threading.local()

    @property
    def build_temp(self):
        return getattr(self._per_thread, "build_temp", None) or self.__dict__.get("_build_temp")

    @build_temp.setter
    def build_temp(self, value):
        self.__dict__["_build_temp"] = value

    def build_extension(self, ext):
        self._per_thread.build_temp = os.path.join(self.__dict__["_build_temp"], ext.name)
        try:
            super().build_extension(ext)
        finally:
            self._per_thread.build_temp = None


class BuildPyWithHeaders(build_py):
    """Ship csrc/*.h as ckeras/_ext/include/ so the installed .pxd files
    (which `cdef extern from` those headers) can be cimported elsewhere."""

    def run(self):
        super().run()
        dest = os.path.join(self.build_lib, "ckeras", "_ext", "include")
        os.makedirs(dest, exist_ok=True)
        for header in HEADERS:
            shutil.copy2(os.path.join(HERE, header), dest)


setup(ext_modules=extensions(),
      cmdclass={"build_py": BuildPyWithHeaders, "build_ext": BuildExtOwnObjects})
