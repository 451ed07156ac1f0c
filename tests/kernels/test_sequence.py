"""Padding kernels: C (ckeras._ext._sequence) against the NumPy reference
(and both against a plain NumPy padding), every output dtype, truncation
sides, rows the kernel converts and rows it hands to slow_row, bad arguments."""
import zlib

import numpy as np
import pytest

from ckeras.kernels.reference import sequence as ref

sq = pytest.importorskip("ckeras._ext._sequence")

IMPLS = {"c": sq, "numpy": ref}
DTYPES = ["int32", "int64", "float32", "float64"]


def _rng(*key):
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


def _padded(rows, maxlen, dtype, value, pad_post, trunc_post):
    """Plain NumPy padding of rows every dtype takes exactly."""
    out = np.full((len(rows), maxlen), value, dtype)
    for i, s in enumerate(rows):
        s = list(s)
        keep = s[:maxlen] if trunc_post else s[max(len(s) - maxlen, 0):]
        if keep:
            vals = np.asarray(keep, dtype)
            if pad_post:
                out[i, :len(vals)] = vals
            else:
                out[i, maxlen - len(vals):] = vals
    return out


def _run(impl, seqs, maxlen, dtype, value, pad_post, trunc_post):
    """(out, [(idx, row) of slow_row calls]); slow_row marks its row with -7."""
    out = np.empty((len(seqs), maxlen), dtype)
    slow = []

    def slow_row(i, s):
        slow.append((i, s))
        out[i] = -7

    with np.errstate(all="ignore"):
        res = IMPLS[impl].pad_rows(seqs, out, np.full(1, value, dtype), pad_post, trunc_post,
                                   slow_row)
    assert res is None
    return out, slow


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("pad_post", [0, 1])
@pytest.mark.parametrize("trunc_post", [0, 1])
def test_pad_rows_converts_exact_rows(impl, dtype, pad_post, trunc_post):
    rng = _rng("rows", dtype)
    seqs = [rng.integers(-50, 50, size=k).tolist() for k in (0, 1, 3, 4, 5, 9)]
    seqs.append(np.arange(7, dtype=dtype)[::2])            # strided: still taken
    seqs.append(tuple(float(v) + 0.5 for v in range(6)))   # floats truncate into ints
    seqs.append(np.arange(3, dtype=dtype))
    seqs.append(np.zeros(0, dtype))
    out, slow = _run(impl, seqs, 4, dtype, -3, pad_post, trunc_post)
    assert slow == []
    np.testing.assert_array_equal(out, _padded(seqs, 4, dtype, -3, pad_post, trunc_post))


class _ListSub(list):
    pass


def _edge_rows(dtype):
    """Rows at and beyond each side of the kernel's exactness rules, and the
    number of rows at the end that it never converts itself."""
    other = "float64" if dtype.startswith("int") else "int32"
    swapped = np.arange(3, dtype=dtype).astype(np.dtype(dtype).newbyteorder())
    rows = [
        [0, -1, 2 ** 30 - 1, 2 ** 30, -(2 ** 31), 2 ** 31 - 1],
        [2 ** 31], [-(2 ** 31) - 1], [2 ** 40, 3], [2 ** 53, -(2 ** 53)], [2 ** 53 + 1],
        [2 ** 63 - 1], [-(2 ** 63)], [2 ** 63], [2 ** 70, 1],
        [1.5, -2.5, 7, -0.0], [2147483647.9, -2147483648.9], [2147483648.0],
        [-2147483649.0], [9.2e18], [9.3e18], [float("nan"), 1.0], [float("inf")],
        [-float("inf"), 2], [3.4e38], [3.5e38, 1.0], [1e300], [True, 2],
        (1, 2, 3, 4, 5, 6), (), [], np.arange(5, dtype=dtype)[::-1],
        # NumPy scalars (list(array)) and arrays of another dtype or byte order
        [np.int64(4), np.int32(-5), np.uint8(200), np.int16(-3), np.longlong(7)],
        [np.float32(6.5), np.float64(-2.25), 3], [np.int64(2 ** 31)], [np.int64(2 ** 53 + 1)],
        [np.float64("nan")], [np.float32(3.4e38)], [np.float64(1e300)],
        [np.uint64(5)], [np.float16(1.5)], [np.bool_(True)], [np.int64(-(2 ** 63))],
        np.array([1, 2, 3], dtype=other), swapped, np.array([1.5, -2.5, 1e10]),
        np.array([7, 8], np.uint16), np.arange(6.0)[::2],
    ]
    never = [["x"], [None], [[1, 2]], _ListSub([9, 8]), range(3), "ab",
             np.zeros((2, 2), dtype), np.array(["a"]), np.array([True, False])]
    return rows + never, len(never)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("pad_post", [0, 1])
@pytest.mark.parametrize("trunc_post", [0, 1])
@pytest.mark.parametrize("maxlen", [1, 3, 8])
def test_pad_rows_c_equals_reference_on_edge_rows(dtype, pad_post, trunc_post, maxlen):
    seqs, never = _edge_rows(dtype)
    c_out, c_slow = _run("c", seqs, maxlen, dtype, 0, pad_post, trunc_post)
    r_out, r_slow = _run("numpy", seqs, maxlen, dtype, 0, pad_post, trunc_post)
    np.testing.assert_array_equal(c_out, r_out)
    assert [i for i, _ in c_slow] == [i for i, _ in r_slow]
    assert all(s is seqs[i] for i, s in c_slow + r_slow)
    assert {i for i, _ in c_slow} >= set(range(len(seqs) - never, len(seqs)))


@pytest.mark.parametrize("dtype", DTYPES)
def test_pad_rows_c_equals_reference_on_random_rows(dtype):
    rng = _rng("random", dtype)
    pool = [2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 1, 1e39, float("nan"), True, 0.5, -7.25]
    seqs = []
    for _ in range(300):
        n = int(rng.integers(0, 12))
        row = rng.integers(-1000, 1000, size=n).tolist()
        if n and rng.random() < 0.2:
            row[int(rng.integers(0, n))] = pool[int(rng.integers(0, len(pool)))]
        seqs.append(tuple(row) if rng.random() < 0.2 else row)
    for maxlen in (1, 6, 15):
        for pad_post in (0, 1):
            for trunc_post in (0, 1):
                c_out, c_slow = _run("c", seqs, maxlen, dtype, 2, pad_post, trunc_post)
                r_out, r_slow = _run("numpy", seqs, maxlen, dtype, 2, pad_post, trunc_post)
                np.testing.assert_array_equal(c_out, r_out)
                assert [i for i, _ in c_slow] == [i for i, _ in r_slow]


@pytest.mark.parametrize("impl", IMPLS)
def test_pad_rows_empty_and_generic_inputs(impl):
    pad_rows = IMPLS[impl].pad_rows

    def never(i, s):
        raise AssertionError("no row to convert")

    out = np.empty((0, 3), "int32")
    pad_rows([], out, np.full(1, 5, "int32"), 0, 0, never)
    out = np.empty((2, 0), "float32")
    pad_rows([[1, 2], "not a row"], out, np.full(1, 5, "float32"), 1, 1, never)
    # an iterable of rows is read once, like a list
    out = np.empty((2, 3), "int64")
    pad_rows(iter([[1, 2], (3,)]), out, np.full(1, 9, "int64"), 1, 0, never)
    np.testing.assert_array_equal(out, [[1, 2, 9], [3, 9, 9]])


@pytest.mark.parametrize("impl", IMPLS)
def test_pad_rows_slow_row_errors_propagate(impl):
    out = np.empty((3, 2), "int32")

    def slow_row(i, s):
        raise OverflowError(f"row {i}")

    with pytest.raises(OverflowError, match="row 1"):
        IMPLS[impl].pad_rows([[1], [2 ** 40], [3]], out, np.zeros(1, "int32"), 0, 0, slow_row)


@pytest.mark.parametrize("impl", IMPLS)
def test_pad_rows_rows_removed_by_slow_row(impl):
    seqs = [[1], ["x"], [2], [3]]
    out = np.empty((4, 2), "int32")

    def slow_row(i, s):
        del seqs[2:]

    with pytest.raises(RuntimeError, match="changed length"):
        IMPLS[impl].pad_rows(seqs, out, np.zeros(1, "int32"), 0, 0, slow_row)


def _error(fn, *args):
    with pytest.raises(Exception) as info:
        fn(*args)
    return type(info.value), str(info.value)


@pytest.mark.parametrize("args", [
    ([[1]], np.empty((1, 2), "int16"), np.zeros(1, "int16"), 0, 0),
    ([[1]], np.empty((1, 2), "uint8"), np.zeros(1, "uint8"), 0, 0),
    ([[1]], np.empty(2, "int32"), np.zeros(1, "int32"), 0, 0),
    ([[1], [2]], np.empty((2, 4), "int32")[:, ::2], np.zeros(1, "int32"), 0, 0),
    ([[1]], np.empty((1, 2), "int32"), np.zeros(1, "int64"), 0, 0),
    ([[1]], np.empty((1, 2), "int32"), np.zeros(2, "int32"), 0, 0),
    ([[1], [2]], np.empty((1, 2), "int32"), np.zeros(1, "int32"), 0, 0),
    ([[1]], [[0, 0]], np.zeros(1, "int32"), 0, 0),
    ([[1]], np.empty((1, 2), "int32"), 0, 0, 0),
    ([[1]], np.empty((1, 2), "int32"), np.zeros(1, "int32"), "pre", 0),
    ([[1]], np.empty((1, 2), "int32"), np.zeros(1, "int32"), 0, 2 ** 40),
    (5, np.empty((1, 2), "int32"), np.zeros(1, "int32"), 0, 0),
    # C read None as an array, and wrote native bytes into a swapped out
    ([[1]], None, np.zeros(1, "int32"), 0, 0),
    ([[1]], np.empty((1, 2), "int32"), None, 0, 0),
    ([[1]], None, None, 0, 0),
    ([[1, 2]], np.empty((1, 2), ">i4"), np.zeros(1, ">i4"), 0, 0),
    ([[1, 2]], np.empty((1, 2), ">f8"), np.zeros(1, "f8"), 0, 0),
    ([[1, 2]], np.empty((1, 2), "<i8"), np.ones(1, ">i8"), 0, 0),
    ([[1, 2]], np.empty((1, 2), "float32"), np.ones(1, ">f4"), 0, 0),
    ([[]], np.empty((1, 0), ">i4"), np.zeros(1, ">i4"), 0, 0),
    ([[1, 2]], np.empty(9, "u1")[1:].view("int32").reshape(1, 2), np.zeros(1, "int32"),
     0, 0),
], ids=["int16", "uint8", "1-D", "strided", "value-dtype", "value-size", "rows",
        "out-list", "value-int", "pad-str", "trunc-big", "not-iterable", "out-None",
        "value-None", "both-None", "swapped", "out-swapped", "value-swapped",
        "value-swapped-f4", "swapped-empty", "out-unaligned"])
def test_pad_rows_same_errors(args):
    got = {impl: _error(IMPLS[impl].pad_rows, *args, None) for impl in IMPLS}
    assert got["c"] == got["numpy"]


@pytest.mark.parametrize("impl", IMPLS)
def test_lengths(impl):
    lengths = IMPLS[impl].lengths
    assert lengths([]) == (-1, -1)
    assert lengths([[], ()]) == (0, -1)
    assert lengths([[], [1, 2], (3,), np.arange(5), "abc"]) == (5, 1)
    assert lengths(([], [], [7])) == (1, 2)

    class Rows:
        def __iter__(self):
            return iter([range(4), [1]])

    assert lengths(Rows()) == (4, 0)
    assert lengths(np.zeros((3, 6))) == (6, 0)


@pytest.mark.parametrize("seqs", [[[1], 3], [[1], None], ([1], iter([2])), [np.float64(1.0)]],
                         ids=["int", "None", "iterator", "numpy-scalar"])
def test_lengths_same_errors(seqs):
    got = {impl: _error(IMPLS[impl].lengths, seqs) for impl in IMPLS}
    assert got["c"] == got["numpy"]
    assert got["c"][0] is ValueError and "Found non-iterable" in got["c"][1]
