"""atheris harness: pad_sequences (compiled kernel) against the plain-Python
Keras model of tests/fuzz/oracles.py, on rows of every kind the kernel
handles or hands back (lists/tuples of ints and floats of any size, NumPy
scalars, arrays of any dtype and stride), sometimes amplified past 2**18
items so the two-thread pass runs."""

import atheris
import numpy as np

with atheris.instrument_imports(include=["ckeras.preprocessing"]):
    from ckeras.preprocessing.sequence import pad_sequences

from _common import Mismatch, check, known, outcome, run  # noqa: E402
from oracles import keras_pad_model  # noqa: E402

DTYPES = ["int32", "int64", "float32", "float64", "int16", "uint8", "float16", "bool",
          None]
ARRAY_DTYPES = ["int32", "int64", "float32", "float64", "int8", "uint16", "float16", ">i4",
                ">f8", "bool"]
NP_SCALARS = [np.int64, np.int32, np.int8, np.uint64, np.float32, np.float64, np.float16,
              np.bool_]


def py_number(fdp):
    kind = fdp.ConsumeIntInRange(0, 5)
    if kind == 0:
        return fdp.ConsumeIntInRange(-(2 ** 30), 2 ** 30)
    if kind == 1:
        return fdp.ConsumeInt(fdp.ConsumeIntInRange(1, 12))  # up to 96-bit ints
    if kind == 2:
        return fdp.ConsumeFloat()  # nan, inf, huge, subnormal
    if kind == 3:
        return fdp.ConsumeRegularFloat()
    if kind == 4:
        return fdp.ConsumeBool()
    return fdp.PickValueInList([0, -1, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 2 ** 53 + 1,
                                2 ** 63 - 1, 2 ** 63, -(2 ** 63) - 1, 0.5, -0.0])


def row(fdp):
    kind = fdp.ConsumeIntInRange(0, 6)
    n = fdp.ConsumeIntInRange(0, 12)
    if kind == 0:
        return fdp.ConsumeIntListInRange(n, -1000, 1000)
    if kind == 1:
        return tuple(py_number(fdp) for _ in range(n))
    if kind == 2:
        return [py_number(fdp) for _ in range(n)]
    if kind == 3:
        values = fdp.ConsumeIntListInRange(n, -1000, 1000)
        a = np.array(values, dtype=np.float64).astype(fdp.PickValueInList(ARRAY_DTYPES))
        view = fdp.ConsumeIntInRange(0, 3)
        if view == 1:
            a = a[::-1]
        elif view == 2:
            a = np.repeat(a, 2)[::2]
        elif view == 3 and a.dtype.itemsize > 1:
            buf = np.zeros(a.nbytes + 1, np.uint8)
            u = buf[1:].view(a.dtype)
            u[...] = a
            a = u
        return a
    if kind == 4:
        out = []
        for _ in range(n):
            t = fdp.PickValueInList(NP_SCALARS)
            v = fdp.ConsumeIntInRange(-100, 100)
            out.append(t(v if t is not np.bool_ else v > 0) if (v >= 0 or t not in (
                np.uint64,)) else t(-v))
        return out
    if kind == 5:
        return [[fdp.ConsumeIntInRange(-9, 9) for _ in range(2)] for _ in range(n)]
    return []


@atheris.instrument_func
def TestOneInput(data):
    fdp = atheris.FuzzedDataProvider(data)
    seqs = [row(fdp) for _ in range(fdp.ConsumeIntInRange(0, 8))]
    if seqs and fdp.ConsumeIntInRange(0, 63) == 0:
        seqs = seqs * fdp.ConsumeIntInRange(1, 30000)  # >= 2**18 items: two threads
    maxlen = None if fdp.ConsumeBool() else fdp.ConsumeIntInRange(0, 14)
    dtype = fdp.PickValueInList(DTYPES)
    padding = fdp.PickValueInList(["pre", "post", "pre", "post", "mid"])
    truncating = fdp.PickValueInList(["pre", "post", "pre", "post", "mid"])
    value = py_number(fdp) if fdp.ConsumeBool() else 0.0
    if len(seqs) > 1000 and maxlen is None:
        maxlen = 100
    kw = dict(maxlen=maxlen, dtype=dtype, padding=padding, truncating=truncating, value=value)
    got = outcome(pad_sequences, seqs, **kw)
    want = outcome(keras_pad_model, seqs, **kw)
    if dtype is None and known("pad_dtype_none"):
        return
    check(got[0] == want[0], "outcome", got, want, kw)
    if got[0] == "err":
        check(issubclass(got[1], want[1]) or issubclass(want[1], got[1]), "error", got, want)
        return
    a, b = got[1], want[1]
    check(a.dtype == b.dtype and a.shape == b.shape, "dtype/shape", a.dtype, b.dtype,
          a.shape, b.shape)
    if not np.array_equal(a, b, equal_nan=a.dtype.kind == "f"):
        raise Mismatch(f"values differ for {kw}: {a!r} vs {b!r}")


if __name__ == "__main__":
    run(TestOneInput)
