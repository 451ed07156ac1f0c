"""The process-wide BLAS table used by ckeras' C kernels.

No BLAS is linked into the extensions. At import this module finds a GEMM by
symbol name in a shared library that is already installed and stores the
function pointers in the C table (csrc/ck_blas.c); every other kernel module
attaches to that table (``ck_blas.pxd: attach_blas``).

Sources, tried in this order unless ``CKERAS_BLAS`` names others
(comma-separated):

``scipy_openblas32``
    The ``scipy-openblas32`` wheel (``pip install ckeras[openblas]``; a
    dependency on Windows only): current OpenBLAS, cblas row-major, 32-bit
    ints. First because it is ckeras's own copy: it runs every call on its
    caller's thread (its pool is set to one thread, at load already, so it
    starts no worker), which NumPy's copy cannot do without changing
    NumPy's thread count (OpenBLAS's ``openblas_set_num_threads_local`` is
    per-thread only in OpenMP builds; the pthreads builds numpy ships set
    the global count). OpenBLAS's own workers spin while they wait for each
    other: with another process busy on a 2-core machine, a batch-256 MLP
    predict went from 0.9 ms (one thread) to 64 ms on NumPy's pool at two
    threads. ckeras shares large GEMMs with its own helper thread instead
    (ck_blas.h). Measured as fast as numpy's 0.3.31 here (same kernels). Its
    ``.so`` is opened directly: importing the ``scipy_openblas32`` package
    costs ~50 ms (importlib.metadata).
``numpy``
    The OpenBLAS numpy already loaded (ILP64 ``scipy_cblas_sgemm64_`` in
    numpy >= 2 wheels; loads nothing). Its pool is NumPy's: while ckeras
    GEMMs run, ckeras sets its thread count to 1 and restores the user's
    count after the last one (so a ``np.dot`` another thread runs meanwhile
    gets one thread).
``scipy``
    ``scipy.linalg.cython_blas`` (Fortran gemm); importing scipy.linalg
    costs ~0.2 s, so it is only a fallback.
``naive``
    Plain C loops: always available, slow; a RuntimeWarning says so when
    it is reached without being asked for.

``use(name)`` switches at run time and ``info()`` tells what is in use.
``set_threads(None)`` (the default) lets ckeras choose each GEMM's threads;
``set_threads(n)`` hands every GEMM to the library's own pool of ``n``
threads instead. ``set_num_threads(n)`` sets that pool directly.
"""

import os
import sys

cimport numpy as cnp
from cython cimport floating
from cpython.pycapsule cimport PyCapsule_GetName, PyCapsule_GetPointer
from libc.stdint cimport uintptr_t

from ckeras._ext._checks cimport check_array, check_status, data_or_null, empty
from ckeras._ext.ck_blas cimport (
    CK_BLAS_CBLAS32, CK_BLAS_CBLAS64, CK_BLAS_F77, CK_BLAS_NAIVE, ck_blas_fn,
    ck_blas_get_num_threads, ck_blas_set_num_threads, ck_blas_set_policy, ck_blas_table,
    ck_blas_table_get, ck_blas_table_set, ck_gemm)
from ckeras._ext.ck_common cimport CK_ERR_NO_BLAS, CK_OK
from ckeras._ext.ck_threads cimport ck_threads_table

from ckeras._ext import _threads

cnp.import_array()

DEFAULT_ORDER = ("scipy_openblas32", "numpy", "scipy", "naive")

#: The smallest GEMM (2*M*N*K flops) that ckeras shares with its helper
#: thread. Below it, posting the job and waking the helper cost more than
#: half the call (measured on 2 cores: benchmarks/bench_threads.py --case
#: split_gemm).
SPLIT_FLOPS = 4e6
_KIND_NAMES = {CK_BLAS_NAIVE: "naive", CK_BLAS_CBLAS32: "cblas32",
               CK_BLAS_CBLAS64: "cblas64", CK_BLAS_F77: "f77"}

# This module's own copy of the C table; the other modules attach to it.
cdef ck_blas_table *_table = ck_blas_table_get()

_info = {"source": "naive", "library": None, "symbol": None, "kind": "naive"}
_policy = {"threads": None,        # None: ckeras decides; n: the library's pool of n
           "user_threads": None}   # NumPy's pool count before set_threads(n) changed it
_failures = {}   # source -> why it could not be used (for info())
_keep = []       # loaded libraries, referenced for the life of the process


def _table_address():
    """Address of the C table, for ck_blas.pxd's attach_blas()."""
    return <uintptr_t> _table


def _addr(lib, name):
    import ctypes
    try:
        return ctypes.cast(getattr(lib, name), ctypes.c_void_p).value
    except AttributeError:
        return None


def _resolve(lib, symbol_sets):
    """First symbol set whose two gemm symbols both exist in `lib`."""
    for kind, sgemm, dgemm, set_threads, get_threads in symbol_sets:
        s, d = _addr(lib, sgemm), _addr(lib, dgemm)
        if s and d:
            return (kind, s, d, _addr(lib, set_threads), _addr(lib, get_threads), sgemm)
    return None


def _load_scipy_openblas32():
    import ctypes
    import importlib.util
    spec = importlib.util.find_spec("scipy_openblas32")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("scipy_openblas32 is not installed")
    libdir = os.path.join(list(spec.submodule_search_locations)[0], "lib")
    names = sorted(f for f in os.listdir(libdir)
                   if f.startswith("libscipy_openblas")
                   and (".so" in f or f.endswith((".dylib", ".dll"))))
    if not names:
        raise ImportError(f"no libscipy_openblas library in {libdir}")
    if sys.platform == "win32":
        os.add_dll_directory(libdir)
    path = os.path.join(libdir, names[0])
    # OpenBLAS sizes its pool from the environment when it loads; ckeras
    # runs it on one thread, so it should start no worker (one would spin
    # ~30 ms of CPU right after the load).
    saved = os.environ.get("OPENBLAS_NUM_THREADS")
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    try:
        lib = ctypes.CDLL(path)
    finally:
        if saved is None:
            del os.environ["OPENBLAS_NUM_THREADS"]
        else:
            os.environ["OPENBLAS_NUM_THREADS"] = saved
    found = _resolve(lib, [(CK_BLAS_CBLAS32, "scipy_cblas_sgemm", "scipy_cblas_dgemm",
                            "scipy_openblas_set_num_threads",
                            "scipy_openblas_get_num_threads")])
    if found is None:
        raise ImportError(f"{path} has no scipy_cblas_sgemm/dgemm")
    return found, path, lib


# Names numpy's BLAS may export: OpenBLAS ILP64 as numpy >= 2 wheels ship it,
# the older unprefixed ILP64 names, then LP64 builds (distribution numpy).
_NUMPY_SYMBOLS = [
    (CK_BLAS_CBLAS64, "scipy_cblas_sgemm64_", "scipy_cblas_dgemm64_",
     "scipy_openblas_set_num_threads64_", "scipy_openblas_get_num_threads64_"),
    (CK_BLAS_CBLAS64, "cblas_sgemm64_", "cblas_dgemm64_",
     "openblas_set_num_threads64_", "openblas_get_num_threads64_"),
    (CK_BLAS_CBLAS32, "scipy_cblas_sgemm", "scipy_cblas_dgemm",
     "scipy_openblas_set_num_threads", "scipy_openblas_get_num_threads"),
    (CK_BLAS_CBLAS32, "cblas_sgemm", "cblas_dgemm",
     "openblas_set_num_threads", "openblas_get_num_threads"),
]


def _load_numpy():
    import ctypes
    import numpy
    try:
        from numpy._core import _multiarray_umath as mod
    except ImportError:  # numpy < 2
        from numpy.core import _multiarray_umath as mod
    # dlsym on the extension's handle also searches the libraries it
    # depends on, so this finds the BLAS numpy itself loaded, by whatever
    # file name it has. (Windows' GetProcAddress does not: try the files.)
    candidates = [mod.__file__]
    root = os.path.dirname(numpy.__file__)
    for libdir in (os.path.join(root, os.pardir, "numpy.libs"), os.path.join(root, ".libs")):
        if os.path.isdir(libdir):
            candidates += [os.path.join(libdir, f) for f in sorted(os.listdir(libdir))
                           if "openblas" in f.lower()]
    for path in candidates:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        found = _resolve(lib, _NUMPY_SYMBOLS)
        if found is not None:
            return found, path, lib
    raise ImportError("numpy exposes no cblas gemm symbols")


_numpy_pool = []   # [(get, set)] of NumPy's own OpenBLAS pool, or [None]


def numpy_pool_threads(n=None):
    """The thread count of NumPy's own OpenBLAS pool (the one np.linalg and
    np.dot run on, whatever BLAS the kernels use), set to `n` when given.
    Returns the count before, or None when NumPy's BLAS has no such control.

    OpenBLAS's pthreads workers spin for about 0.1 s after each threaded
    call: a QR at model build time (the orthogonal initializer) left one
    polling on the second core while the kernels' helper thread wanted it
    (measured: LSTM(128) batch-32 predict 1.8-6 ms for the first ~50 calls
    after building the model, 1.05-1.15 ms without the threaded QR).
    """
    import ctypes
    if not _numpy_pool:
        fns = None
        try:
            found, _, lib = _load_numpy()
        except (ImportError, OSError):
            found = None
        if found is not None and found[3] and found[4]:
            fns = (ctypes.CFUNCTYPE(ctypes.c_int)(found[4]),
                   ctypes.CFUNCTYPE(None, ctypes.c_int)(found[3]))
            _keep.append(lib)
        _numpy_pool.append(fns)
    fns = _numpy_pool[0]
    if fns is None:
        return None
    prev = fns[0]()
    if n is not None:
        if n < 1:
            raise ValueError(f"n must be >= 1, got {n}")
        fns[1](n)
    return prev


def _load_scipy():
    from scipy.linalg import cython_blas
    capi = cython_blas.__pyx_capi__
    s, d = capi["sgemm"], capi["dgemm"]
    found = (CK_BLAS_F77,
             <uintptr_t> PyCapsule_GetPointer(s, PyCapsule_GetName(s)),
             <uintptr_t> PyCapsule_GetPointer(d, PyCapsule_GetName(d)),
             None, None, "sgemm (scipy.linalg.cython_blas)")
    return found, cython_blas.__file__, cython_blas


_LOADERS = {"scipy_openblas32": _load_scipy_openblas32, "numpy": _load_numpy,
            "scipy": _load_scipy}


cdef ck_blas_fn _fn(object addr):
    cdef uintptr_t a = addr if addr else 0
    return <ck_blas_fn> a


def use(source):
    """Fill the table from `source` (a name in DEFAULT_ORDER); returns info().

    Raises ValueError for an unknown name, ImportError/OSError when that
    source is not available (the table is then left as it was). Meant for
    setup and tests: do not switch while kernels run in other threads.
    """
    if source == "naive":
        ck_blas_table_set(_table, CK_BLAS_NAIVE, NULL, NULL, NULL, NULL)
        _info.update(source="naive", library=None, symbol=None, kind="naive")
        _apply_policy()
        return info()
    if source not in _LOADERS:
        raise ValueError(f"unknown BLAS source {source!r}; expected one of {DEFAULT_ORDER}")
    (kind, s, d, set_t, get_t, symbol), path, lib = _LOADERS[source]()
    st = ck_blas_table_set(_table, kind, _fn(s), _fn(d), _fn(set_t), _fn(get_t))
    check_status(st, "use")
    _keep.append(lib)
    _info.update(source=source, library=path, symbol=symbol, kind=_KIND_NAMES[kind])
    _apply_policy()
    return info()


def _shared_pool():
    """Whether the library in use is NumPy's (its thread count is the user's)."""
    return _info["source"] == "numpy"


def _apply_policy():
    """Writes the thread policy into the C table and sets the library's pool
    to match: one thread for ckeras's own copy when ckeras decides, n on
    set_threads(n)."""
    cdef uintptr_t helper = _threads._table_address()
    n = _policy["threads"]
    st = ck_blas_set_policy(_table, 0 if n is None else n, 1 if _shared_pool() else 0,
                            <const ck_threads_table *> helper, SPLIT_FLOPS)
    check_status(st, "set_policy")
    if n is not None:
        ck_blas_set_num_threads(n)
    elif not _shared_pool():
        ck_blas_set_num_threads(1)


def set_threads(n):
    """How many threads each GEMM of the kernels uses.

    None (the default) lets ckeras decide per call: the library runs on the
    calling thread only, and GEMMs of at least SPLIT_FLOPS are shared with
    ckeras's helper thread when set_kernel_threads allows it. A positive n
    hands every GEMM to the library's own pool of n threads and sets that
    pool (NumPy's, when the library is NumPy's). Returns the previous value.
    """
    if n is not None and (not isinstance(n, int) or isinstance(n, bool) or n < 1):
        raise ValueError(f"`n` must be a positive integer or None, received {n!r}")
    prev = _policy["threads"]
    if _shared_pool():
        # Going back to ckeras's choice gives NumPy its count back.
        if n is not None and prev is None:
            _policy["user_threads"] = get_num_threads()
        elif n is None and prev is not None and _policy["user_threads"]:
            ck_blas_set_num_threads(_policy["user_threads"])
    _policy["threads"] = n
    _apply_policy()
    return prev


def threads():
    """None when ckeras decides each GEMM's threads, else set_threads' n."""
    return _policy["threads"]


def _autoload():
    env = os.environ.get("CKERAS_BLAS", "").strip()
    order = [s.strip() for s in env.split(",") if s.strip()] if env else list(DEFAULT_ORDER)
    for source in order:
        if source == "naive":
            break
        try:
            use(source)
            return
        except Exception as exc:  # any failure means: try the next source
            _failures[source] = f"{type(exc).__name__}: {exc}"
    if _failures:
        import warnings
        warnings.warn("ckeras: no usable BLAS found (" + "; ".join(
            f"{k}: {v}" for k, v in _failures.items()) + "); using slow C loops. "
            "Install one with: pip install 'ckeras[openblas]'", RuntimeWarning, stacklevel=2)
    use("naive")


def info():
    """Which BLAS the kernels use: source, library (the file the symbols
    were looked up in), symbol (the sgemm name found), kind, num_threads
    (the library's pool), threads (set_threads' value), shared_pool (the
    pool is NumPy's), and why earlier sources in the order failed."""
    d = dict(_info)
    d["failures"] = dict(_failures)
    d["num_threads"] = get_num_threads()
    d["threads"] = _policy["threads"]
    d["shared_pool"] = _shared_pool()
    return d


def set_num_threads(int n):
    """Set the library's own thread count (a low-level control: ckeras's
    GEMMs use that pool only after set_threads(n)). Returns False if the
    active BLAS has no thread control (scipy's, or the naive loops)."""
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    st = ck_blas_set_num_threads(n)
    if st == CK_ERR_NO_BLAS:
        return False
    check_status(st, "set_num_threads")
    return True


def get_num_threads():
    """The BLAS thread count, or None if the active BLAS does not say."""
    cdef int n = ck_blas_get_num_threads()
    return None if n < 0 else n


cdef bint _overlap(object p, object q):
    cdef char *p0 = <char *> cnp.PyArray_DATA(<cnp.ndarray> p)
    cdef char *q0 = <char *> cnp.PyArray_DATA(<cnp.ndarray> q)
    cdef Py_ssize_t pn = cnp.PyArray_NBYTES(<cnp.ndarray> p)
    cdef Py_ssize_t qn = cnp.PyArray_NBYTES(<cnp.ndarray> q)
    return pn > 0 and qn > 0 and p0 < q0 + qn and q0 < p0 + pn


def gemm(a, b, trans_a=False, trans_b=False, double alpha=1.0, double beta=0.0, out=None):
    """alpha * op(a) @ op(b) + beta * out through the C gemm helper (a test
    and benchmark hook for the row-major semantics every kernel relies on).

    a, b: 2-D C-contiguous arrays of one dtype, float32 or float64. Without
    `out` a new array is returned (beta is then ignored); with `out` (M, N),
    it is updated in place and returned. beta == 0 never reads `out`.
    """
    cdef int t = check_array(a, "a", 2, -1)
    check_array(b, "b", 2, t)
    cdef int ta = 1 if trans_a else 0
    cdef int tb = 1 if trans_b else 0
    cdef cnp.npy_intp *ad = cnp.PyArray_DIMS(<cnp.ndarray> a)
    cdef cnp.npy_intp *bd = cnp.PyArray_DIMS(<cnp.ndarray> b)
    cdef Py_ssize_t M = ad[1] if ta else ad[0]
    cdef Py_ssize_t K = ad[0] if ta else ad[1]
    cdef Py_ssize_t Kb = bd[1] if tb else bd[0]
    cdef Py_ssize_t N = bd[0] if tb else bd[1]
    if K != Kb:
        raise ValueError(f"b: inner dimensions differ: op(a) has shape {(M, K)}, "
                         f"op(b) has shape {(Kb, N)}")
    cdef cnp.npy_intp dims[2]
    dims[0] = M
    dims[1] = N
    if out is None:
        c = empty(2, dims, t)
        beta = 0.0
    else:
        check_array(out, "out", 2, t)
        if cnp.PyArray_DIMS(<cnp.ndarray> out)[0] != M or cnp.PyArray_DIMS(<cnp.ndarray> out)[1] != N:
            raise ValueError(f"out has shape {out.shape}, expected {(M, N)}")
        if not cnp.PyArray_ISWRITEABLE(<cnp.ndarray> out):
            raise ValueError("out must be writeable")
        if _overlap(out, a) or _overlap(out, b):
            raise ValueError("out must not overlap a or b")
        c = out
    if t == cnp.NPY_FLOAT32:
        _gemm(<float *> data_or_null(c), ta, tb, M, N, K, alpha, a, b, beta)
    else:
        _gemm(<double *> data_or_null(c), ta, tb, M, N, K, alpha, a, b, beta)
    return c


cdef int _gemm(floating *c, int ta, int tb, size_t M, size_t N, size_t K, floating alpha, a,
               b, floating beta) except -1:
    cdef const floating *ap = <const floating *> data_or_null(a)
    cdef const floating *bp = <const floating *> data_or_null(b)
    cdef size_t lda = cnp.PyArray_DIMS(<cnp.ndarray> a)[1]
    cdef size_t ldb = cnp.PyArray_DIMS(<cnp.ndarray> b)[1]
    cdef int st
    with nogil:
        st = ck_gemm(ta, tb, M, N, K, alpha, ap, lda, bp, ldb, beta, c, N)
    return check_status(st, "gemm")


_autoload()
