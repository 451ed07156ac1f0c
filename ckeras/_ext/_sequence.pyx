"""Padding kernel behind ckeras.preprocessing.sequence.pad_sequences.

`pad_rows` writes the rows it can convert exactly (lists/tuples of Python
ints and floats and of NumPy integer/float32/float64 scalars, 1-D numeric
arrays, cast as NumPy casts them) straight into the output
and fills their padding; any other row is filled with the padding value and
handed to the caller's `slow_row(idx, seq)`, which runs Keras' own per-row
code, so values and errors are NumPy's.

It works in two passes. The first converts rows whose items are all floats,
ints of one 30-bit digit or NumPy integer/float scalars, reading nothing but memory (no Python API, no
reference counts), so on large inputs it runs on two threads. The second,
on the calling thread, takes the rows the first left, in order: bigger ints
through the C API, arrays, and finally slow_row. (So the rows of the first
pass are read before any Python code that slow_row runs, such as an item's
__index__; Keras reads each row just before converting it. Only code that
mutates the other rows of its own input could tell.)
"""

cimport numpy as cnp
from cpython.object cimport PyObject
from libc.stdlib cimport free, malloc
from libc.string cimport memchr

from ckeras._ext.ck_sequence cimport ck_pad_fill, ck_pad_place
from ckeras._ext.ck_threads cimport attach_threads

cnp.import_array()
attach_threads()

cdef extern from *:
    """
    #include <math.h>
    #include <stdint.h>

    enum { CK_I32, CK_I64, CK_F32, CK_F64 };

    /* Reading an int's digits directly needs CPython's object layout. */
    #if !defined(PYPY_VERSION) && !defined(Py_LIMITED_API)
    #define CK_INT_LAYOUT 1
    #else
    #define CK_INT_LAYOUT 0
    #endif

    /* The helper thread of the first pass reads the lists and the int and
     * float objects in them while the caller holds the GIL. That is safe
     * because nothing can change them meanwhile: the caller runs no Python
     * code until the pass ends (it converts its own share of rows in C), every
     * other Python thread is waiting for the GIL, and the pass neither
     * allocates nor touches reference counts, so not even the garbage
     * collector runs. Without a GIL (free-threaded builds) or without
     * CPython's layout that reasoning does not hold: one thread there. */
    #if CK_INT_LAYOUT && !defined(Py_GIL_DISABLED)
    #define CK_PAD_THREADS 2
    #else
    #define CK_PAD_THREADS 1
    #endif

    /* Value of an exact int of at most one digit (|v| < 2**30 with 30-bit
     * digits, so exact in every output dtype); 0 for anything else. Only
     * reads memory. */
    static inline int ck_small_int(PyObject *o, long *v)
    {
    #if CK_INT_LAYOUT && PY_VERSION_HEX >= 0x030C0000
        if (!_PyLong_IsCompact((PyLongObject *)o)) return 0;
        *v = (long)_PyLong_CompactValue((PyLongObject *)o);
        return 1;
    #elif CK_INT_LAYOUT
        Py_ssize_t sz = Py_SIZE(o);
        long d;
        if ((size_t)(sz + 1) > 2) return 0;  /* sz not in {-1, 0, 1} */
        d = (long)((PyLongObject *)o)->ob_digit[0];
        *v = sz < 0 ? -d : (sz ? d : 0);  /* a zero's digit is not read as a value */
        return 1;
    #else
        (void)o;
        (void)v;
        return 0;
    #endif
    }

    /* Store an int known to be exact in the output dtype (|v| <= 2**53 for
     * the float dtypes, so one rounding, like NumPy's int64 cast). */
    static inline void ck_store_int(int kind, void *dst, Py_ssize_t k, long long v)
    {
        switch (kind) {
        case CK_I32: ((int32_t *)dst)[k] = (int32_t)v; break;
        case CK_I64: ((int64_t *)dst)[k] = (int64_t)v; break;
        case CK_F32: ((float *)dst)[k] = (float)(double)v; break;
        default: ((double *)dst)[k] = (double)v; break;
        }
    }

    /* Store a float as NumPy would; 0 when NumPy must decide (out of range
     * or NaN into ints: warnings and errors; finite overflow into float32). */
    static inline int ck_store_float(int kind, void *dst, Py_ssize_t k, double d)
    {
        switch (kind) {
        case CK_I32:
            if (!(d > -2147483649.0 && d < 2147483648.0)) return 0;
            ((int32_t *)dst)[k] = (int32_t)d;
            return 1;
        case CK_I64:
            if (!(d > -9223372036854775808.0 && d < 9223372036854775808.0)) return 0;
            ((int64_t *)dst)[k] = (int64_t)d;
            return 1;
        case CK_F32:
            if (fabs(d) > 3.4028234663852886e38 && !isinf(d)) return 0;
            ((float *)dst)[k] = (float)d;
            return 1;
        default:
            ((double *)dst)[k] = d;
            return 1;
        }
    }

    /* NumPy scalars (lists built from arrays hold them: list(array); not
     * array.tolist()), by exact type, since a subtype check walks the MRO:
     * 1 and *v for an integer of at most 64 signed bits, 2 and *d for a
     * float32/float64, 0 for anything else (uint64, float16, subclasses:
     * NumPy decides). */
    static int ck_numpy_scalar(PyObject *o, long long *v, double *d)
    {
        PyTypeObject *tp = Py_TYPE(o);
        if (tp == &PyLongArrType_Type) *v = PyArrayScalar_VAL(o, Long);
        else if (tp == &PyDoubleArrType_Type) { *d = PyArrayScalar_VAL(o, Double); return 2; }
        else if (tp == &PyFloatArrType_Type) { *d = PyArrayScalar_VAL(o, Float); return 2; }
        else if (tp == &PyIntArrType_Type) *v = PyArrayScalar_VAL(o, Int);
        else if (tp == &PyLongLongArrType_Type) *v = PyArrayScalar_VAL(o, LongLong);
        else if (tp == &PyUIntArrType_Type) *v = PyArrayScalar_VAL(o, UInt);
        else if (tp == &PyShortArrType_Type) *v = PyArrayScalar_VAL(o, Short);
        else if (tp == &PyUShortArrType_Type) *v = PyArrayScalar_VAL(o, UShort);
        else if (tp == &PyByteArrType_Type) *v = PyArrayScalar_VAL(o, Byte);
        else if (tp == &PyUByteArrType_Type) *v = PyArrayScalar_VAL(o, UByte);
        else return 0;
        return 1;
    }

    /* Store an int when the output dtype holds it exactly (|v| <= 2**53
     * for the float dtypes); 0 when NumPy must decide. */
    static inline int ck_store_ll(int kind, void *dst, Py_ssize_t k, long long v)
    {
        if (kind == CK_I32 ? (v < INT32_MIN || v > INT32_MAX)
                : kind != CK_I64 && (v > 9007199254740992LL || v < -9007199254740992LL))
            return 0;
        ck_store_int(kind, dst, k, v);
        return 1;
    }

    /* The first pass's conversion of one item: exact floats, one-digit ints
     * and NumPy scalars (immutable like them). Only reads memory, so it may
     * run without the GIL (see above). */
    CK_INLINE int ck_put_fast(PyObject *o, int kind, void *dst, Py_ssize_t k)
    {
        long v;
        long long w = 0;
        double d = 0.0;
        int np_kind;
        if (Py_IS_TYPE(o, &PyLong_Type)) {
            if (!ck_small_int(o, &v)) return 0;
            ck_store_int(kind, dst, k, v);
            return 1;
        }
        if (Py_IS_TYPE(o, &PyFloat_Type)) return ck_store_float(kind, dst, k, PyFloat_AS_DOUBLE(o));
        np_kind = ck_numpy_scalar(o, &w, &d);
        if (np_kind == 2) return ck_store_float(kind, dst, k, d);
        return np_kind == 1 && ck_store_ll(kind, dst, k, w);
    }

    /* The second pass's conversion of items[0:m], with the GIL: also ints of
     * more digits, each only where the value converts exactly as NumPy would
     * convert it. Returns the number converted before the first item that
     * needs NumPy. */
    static Py_ssize_t ck_put_items(PyObject **it, Py_ssize_t m, int kind, void *dst)
    {
        Py_ssize_t k;
        for (k = 0; k < m; ++k) {
            int ovf;
            long long v;
            PyObject *o = it[k];
            if (ck_put_fast(o, kind, dst, k)) continue;
            if (!PyLong_CheckExact(o)) return k;
            v = PyLong_AsLongLongAndOverflow(o, &ovf);
            if (ovf) return k;
            if (v == -1 && PyErr_Occurred()) { PyErr_Clear(); return k; }
            if (!ck_store_ll(kind, dst, k, v)) return k;
        }
        return m;
    }

    typedef struct {
        PyObject **rows;       /* items of the list or tuple of sequences */
        char *out;             /* (n, maxlen) C-contiguous, uninitialised */
        const unsigned char *value;  /* the padding item */
        unsigned char *left;   /* per row: 1 when the first pass left it */
        size_t n;              /* rows */
        Py_ssize_t maxlen;
        size_t item;
        int kind, pad_post, trunc_post;
    } ck_pad_job;

    /* The items of row i that are kept after truncation, and their number
     * (<= maxlen); NULL when the row is not an exact list or tuple. */
    CK_INLINE PyObject **ck_kept(const ck_pad_job *j, size_t i, Py_ssize_t *m)
    {
        PyObject *s = j->rows[i];
        PyObject **it;
        Py_ssize_t len;
        if (!CK_INT_LAYOUT) return NULL;  /* all rows to the second pass, via the API */
        if (Py_IS_TYPE(s, &PyList_Type)) it = ((PyListObject *)s)->ob_item;
        else if (Py_IS_TYPE(s, &PyTuple_Type)) it = ((PyTupleObject *)s)->ob_item;
        else return NULL;
        len = Py_SIZE(s);
        *m = len < j->maxlen ? len : j->maxlen;
        return j->trunc_post ? it : it + (len - *m);
    }

    /* How far ahead (in items) the object reads are prefetched. The int
     * objects sit scattered over pymalloc pools, so the hardware prefetcher
     * cannot follow them, and the checks make each item too long for the
     * out-of-order window to overlap many misses by itself: asking 32 items
     * ahead (crossing into the next row) made the pass 10-15% faster on
     * 100k rows of 75 ints; 16, 48 and 64 were slower. */
    #define CK_PF_DIST 32
    #if defined(__GNUC__) || defined(__clang__)
    #define CK_PREFETCH(p) __builtin_prefetch(p)
    #else
    #define CK_PREFETCH(p) ((void)0)
    #endif

    CK_INLINE void ck_pad_fast_rows(const ck_pad_job *j, size_t lo, size_t hi, const int kind)
    {
        const Py_ssize_t maxlen = j->maxlen, D = CK_PF_DIST;
        const size_t item = j->item;
        Py_ssize_t m = 0, nm = 0, k;
        PyObject **it, **nit = ck_kept(j, lo, &nm);
        size_t i;
        for (i = lo; i < hi; ++i) {
            unsigned char *row = (unsigned char *)j->out + i * (size_t)maxlen * item;
            void *dst;
            Py_ssize_t split;
            it = nit;
            m = nm;
            nit = NULL;
            nm = 0;
            if (i + 1 < hi) nit = ck_kept(j, i + 1, &nm);
            /* the list objects and item arrays of the rows after */
            if (i + 3 < hi) CK_PREFETCH(j->rows[i + 3]);
            if (i + 2 < hi) {
                Py_ssize_t m2;
                PyObject **it2 = ck_kept(j, i + 2, &m2);
                if (it2) {
                    CK_PREFETCH(it2);
                    CK_PREFETCH(it2 + 8);
                    CK_PREFETCH(it2 + 16);
                }
            }
            if (!it) {
                j->left[i] = 1;
                continue;
            }
            if (j->pad_post) {
                dst = row;
                ck_pad_fill(row + (size_t)m * item, (size_t)(maxlen - m), j->value, item);
            } else {
                dst = row + (size_t)(maxlen - m) * item;
                ck_pad_fill(row, (size_t)(maxlen - m), j->value, item);
            }
            split = m > D ? m - D : 0;
            for (k = 0; k < split; ++k) {
                CK_PREFETCH(it[k + D]);
                if (!ck_put_fast(it[k], kind, dst, k)) goto left;
            }
            for (; k < m; ++k) {
                if (k + D - m < nm) CK_PREFETCH(nit[k + D - m]);
                if (!ck_put_fast(it[k], kind, dst, k)) goto left;
            }
            j->left[i] = 0;
            continue;
        left:
            j->left[i] = 1;
        }
    }

    static void ck_pad_fast_range(void *ctx, size_t lo, size_t hi)
    {
        const ck_pad_job *j = (const ck_pad_job *)ctx;
        /* one copy of the loop per dtype, so the stores are not a switch */
        switch (j->kind) {
        case CK_I32: ck_pad_fast_rows(j, lo, hi, CK_I32); break;
        case CK_I64: ck_pad_fast_rows(j, lo, hi, CK_I64); break;
        case CK_F32: ck_pad_fast_rows(j, lo, hi, CK_F32); break;
        default: ck_pad_fast_rows(j, lo, hi, CK_F64); break;
        }
    }

    /* Below this many output items a second thread costs more than it saves:
     * measured when each call started and joined its own thread (~40 us
     * here), on rows of 100 ints whose objects were in cache the two broke
     * even at ~2500 rows. (Waking the persistent helper costs less.) */
    #define CK_PAD_PARALLEL_MIN ((size_t)1 << 18)
    /* Rows per range handed to a thread: ~32k output items, small enough
     * that a late helper still gets its share, large enough that claiming
     * one is noise. */
    #define CK_PAD_CHUNK_ITEMS ((size_t)1 << 15)

    static void ck_pad_fast(ck_pad_job *j)
    {
        size_t total = j->n * (size_t)j->maxlen;
        size_t chunk = CK_PAD_CHUNK_ITEMS / (size_t)j->maxlen;
        if (CK_PAD_THREADS < 2 || total < CK_PAD_PARALLEL_MIN || !ck_threads_enabled()) {
            ck_pad_fast_range(j, 0, j->n);
            return;
        }
        /* The output is usually fresh from np.empty, its pages not mapped
         * yet. Two threads faulting them in at once made the pass erratic
         * here (often 28 ms wall / 55 ms CPU instead of 21 / 39 on 100k rows
         * of 100 int32), so they are mapped first, before the helper starts
         * (later, these writes would race with its stores). */
        ck_touch_pages((unsigned char *)j->out, total * j->item);
        ck_threads_run_chunks(ck_pad_fast_range, j, j->n, chunk);
    }
    """
    enum:
        CK_I32
        CK_I64
        CK_F32
        CK_F64
    ctypedef struct ck_pad_job:
        PyObject **rows
        char *out
        const unsigned char *value
        unsigned char *left
        size_t n
        Py_ssize_t maxlen
        size_t item
        int kind, pad_post, trunc_post
    void ck_pad_fast(ck_pad_job *j)
    Py_ssize_t ck_put_items(PyObject **it, Py_ssize_t m, int kind, void *dst)

cdef extern from "Python.h":
    bint PyList_CheckExact(object o)
    bint PyTuple_CheckExact(object o)
    PyObject **PySequence_Fast_ITEMS(object o)
    Py_ssize_t PySequence_Fast_GET_SIZE(object o)
    Py_ssize_t Py_SIZE(PyObject *o)
    PyObject *PySequence_Fast_GET_ITEM(object o, Py_ssize_t i)


cdef inline Py_ssize_t _row_len(x) except -1:
    try:
        return len(x)
    except TypeError as e:
        raise ValueError("`sequences` must be a list of iterables. "
                         f"Found non-iterable: {str(x)}") from e


def lengths(sequences):
    """Return (max length or -1 when there are no sequences, index of the first
    non-empty sequence or -1), raising Keras' error for a non-iterable entry."""
    cdef Py_ssize_t n, best = -1, first = -1, i = 0
    if PyList_CheckExact(sequences) or PyTuple_CheckExact(sequences):
        # len() of a row may run Python code that resizes a list, so the size
        # is read again at every step, as a list iterator does.
        while i < PySequence_Fast_GET_SIZE(sequences):
            x = <object> PySequence_Fast_GET_ITEM(sequences, i)
            if PyList_CheckExact(x) or PyTuple_CheckExact(x):
                n = Py_SIZE(<PyObject *> x)
            else:
                n = _row_len(x)
            if n > best:
                best = n
            if first < 0 and n:
                first = i
            i += 1
        return best, first
    for x in sequences:
        n = _row_len(x)
        if n > best:
            best = n
        if first < 0 and n:
            first = i
        i += 1
    return best, first


def pad_rows(sequences, cnp.ndarray out, cnp.ndarray value, int pad_post, int trunc_post,
             slow_row):
    """Fill `out` (N, maxlen), allocated uninitialised, with the sequences,
    Keras-style: `value` is a 1-element array of out's dtype with the padding
    value; rows the fast path cannot convert exactly are filled with it and
    passed to slow_row(idx, seq), in order."""
    # (a typed argument accepts None)
    if out is None or value is None:
        raise TypeError(f"Argument '{'out' if out is None else 'value'}' has incorrect type "
                        f"(expected numpy.ndarray, got NoneType)")
    cdef int t = cnp.PyArray_TYPE(out)
    cdef ck_pad_job job
    if not cnp.PyArray_ISNOTSWAPPED(out):
        raise ValueError(f"pad_rows: unsupported dtype {out.dtype}")
    elif t == cnp.NPY_INT32:
        job.kind = CK_I32
    elif t == cnp.NPY_INT64:
        job.kind = CK_I64
    elif t == cnp.NPY_FLOAT32:
        job.kind = CK_F32
    elif t == cnp.NPY_FLOAT64:
        job.kind = CK_F64
    else:
        raise ValueError(f"pad_rows: unsupported dtype {out.dtype}")
    if (cnp.PyArray_NDIM(out) != 2 or not cnp.PyArray_IS_C_CONTIGUOUS(out)
            or not cnp.PyArray_ISALIGNED(out)):
        raise ValueError("pad_rows: out must be an aligned C-contiguous 2-D array")
    if (cnp.PyArray_TYPE(value) != t or cnp.PyArray_SIZE(value) != 1
            or not cnp.PyArray_ISNOTSWAPPED(value)):
        raise ValueError("pad_rows: value must be one item of out's dtype")
    if not (PyList_CheckExact(sequences) or PyTuple_CheckExact(sequences)):
        sequences = list(sequences)
    cdef Py_ssize_t n = PySequence_Fast_GET_SIZE(sequences)
    if n != cnp.PyArray_DIMS(out)[0]:
        raise RuntimeError("pad_rows: the sequences changed length while padding")
    cdef Py_ssize_t maxlen = cnp.PyArray_DIMS(out)[1]
    cdef size_t item = cnp.PyArray_ITEMSIZE(out)
    cdef char *base = <char *> cnp.PyArray_DATA(out)
    cdef const unsigned char *val = <const unsigned char *> cnp.PyArray_DATA(value)
    if n == 0 or maxlen == 0:
        ck_pad_fill(<unsigned char *> base, <size_t> (n * maxlen), val, item)
        return None
    job.rows = PySequence_Fast_ITEMS(sequences)
    job.n = <size_t> n
    job.out = base
    job.value = val
    job.maxlen = maxlen
    job.item = item
    job.pad_post = pad_post
    job.trunc_post = trunc_post
    job.left = <unsigned char *> malloc(<size_t> n)
    if job.left == NULL:
        raise MemoryError()
    cdef Py_ssize_t i
    global _first_pass_left
    try:
        ck_pad_fast(&job)
        _first_pass_left = 0
        for i in range(n):
            _first_pass_left += job.left[i]
        _second_pass(sequences, out, value, pad_post, trunc_post, slow_row, job.left,
                     job.kind)
    finally:
        free(job.left)
    return None


cdef Py_ssize_t _first_pass_left = 0


def first_pass_left():
    """How many rows the first, GIL-free pass of the last pad_rows call left
    to the second (tests check which rows it takes)."""
    return _first_pass_left


cdef _second_pass(sequences, cnp.ndarray out, cnp.ndarray value, int pad_post,
                  int trunc_post, slow_row, const unsigned char *left, int kind):
    cdef Py_ssize_t n = cnp.PyArray_DIMS(out)[0], maxlen = cnp.PyArray_DIMS(out)[1]
    cdef size_t item = cnp.PyArray_ITEMSIZE(out)
    cdef char *base = <char *> cnp.PyArray_DATA(out)
    cdef const unsigned char *val = <const unsigned char *> cnp.PyArray_DATA(value)
    cdef int t = cnp.PyArray_TYPE(out)
    cdef const unsigned char *p = left
    cdef const unsigned char *end = left + n
    cdef Py_ssize_t idx, ln, m
    cdef char *row
    cdef char *dst
    cdef cnp.ndarray arr
    while True:
        p = <const unsigned char *> memchr(p, 1, <size_t> (end - p))
        if p == NULL:
            break
        idx = p - left
        p += 1
        # slow_row runs Python code, which could even shrink the list.
        if idx >= PySequence_Fast_GET_SIZE(sequences):
            raise RuntimeError("pad_rows: the sequences changed length while padding")
        s = <object> PySequence_Fast_GET_ITEM(sequences, idx)
        row = base + idx * maxlen * item
        ck_pad_fill(<unsigned char *> row, <size_t> maxlen, val, item)
        if PyList_CheckExact(s) or PyTuple_CheckExact(s):
            ln = PySequence_Fast_GET_SIZE(s)
            m = ln if ln < maxlen else maxlen
            dst = row if pad_post else row + (maxlen - m) * item
            if m and ck_put_items(PySequence_Fast_ITEMS(s) + (0 if trunc_post else ln - m),
                                  m, kind, dst) != m:
                ck_pad_fill(<unsigned char *> row, <size_t> maxlen, val, item)
                slow_row(idx, s)
        elif cnp.PyArray_Check(s):
            arr = <cnp.ndarray> s
            if cnp.PyArray_NDIM(arr) == 1 and arr.dtype.kind in "iuf" and (
                    cnp.PyArray_TYPE(arr) != t or not cnp.PyArray_ISBEHAVED_RO(arr)):
                # Keras converts the kept part with np.asarray(part, dtype): the same cast
                ln = cnp.PyArray_DIMS(arr)[0]
                m = ln if ln < maxlen else maxlen
                arr = (arr[:m] if trunc_post else arr[ln - m:]).astype(out.dtype)
            if cnp.PyArray_NDIM(arr) == 1 and cnp.PyArray_TYPE(arr) == t \
                    and cnp.PyArray_ISBEHAVED_RO(arr):
                ln = cnp.PyArray_DIMS(arr)[0]
                if ln:
                    ck_pad_place(<unsigned char *> row, <size_t> maxlen,
                                 <const unsigned char *> cnp.PyArray_DATA(arr), <size_t> ln,
                                 cnp.PyArray_STRIDES(arr)[0], item, pad_post, trunc_post)
            elif len(s):
                slow_row(idx, s)
        elif len(s):
            slow_row(idx, s)
    if PySequence_Fast_GET_SIZE(sequences) != n:
        raise RuntimeError("pad_rows: the sequences changed length while padding")
