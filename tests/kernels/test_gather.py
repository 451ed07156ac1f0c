"""Batch gathers: C (ckeras._ext._gather) against the NumPy reference and
NumPy's own indexing, on one thread and split with the helper thread."""
import time

import numpy as np
import pytest

from ckeras.kernels.reference import gather as ref
from ckeras.utils import get_kernel_threads, set_kernel_threads

gather = pytest.importorskip("ckeras._ext._gather")
threads = pytest.importorskip("ckeras._ext._threads")

IMPLS = [gather.gather_rows, ref.gather_rows]


@pytest.fixture(params=[False, True], ids=["caller", "split"])
def split(request):
    prev = gather.set_split(request.param)
    yield request.param
    gather.set_split(prev)


def _data(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind == "f":
        return rng.standard_normal(shape).astype(dtype)
    if np.dtype(dtype).kind == "b":
        return rng.random(shape) < 0.5
    return rng.integers(-1000, 1000, shape).astype(dtype)


@pytest.mark.parametrize("impl", IMPLS, ids=["c", "reference"])
@pytest.mark.parametrize("dtype,row", [
    ("float32", (784,)), ("float64", (13,)), ("int64", (1,)), ("int32", ()),
    ("float32", ()), ("uint8", (28, 28)), ("bool", (3,)), ("float16", (5, 2)),
    ("complex128", (2,))])
@pytest.mark.parametrize("rows", [1, 7, 33, 128, 129, 1000])
def test_rows_equal_numpy_indexing(impl, split, dtype, row, rows):
    src = _data((1000,) + row, dtype)
    idx = np.random.default_rng(rows).integers(0, 1000, rows)   # repeats allowed
    got = impl(src, idx)
    assert got.dtype == src.dtype and got.shape == (rows,) + row
    assert got.flags.c_contiguous
    np.testing.assert_array_equal(got, src[idx])


@pytest.mark.parametrize("impl", IMPLS, ids=["c", "reference"])
def test_writes_into_out_and_returns_it(impl, split):
    src = _data((300, 40), "float32")
    idx = np.random.default_rng(1).permutation(300)[:130]
    out = np.full((130, 40), np.nan, np.float32)
    assert impl(src, idx, out) is out
    np.testing.assert_array_equal(out, src[idx])


@pytest.mark.parametrize("impl", IMPLS, ids=["c", "reference"])
def test_rows_spaced_apart_and_reversed(impl, split):
    """Only each row must be one block: every other row, rows in reverse
    order and a column-sliced 3-D array whose rows stay whole."""
    base = _data((400, 6, 5), "float64")
    for src in (base[::2], base[::-1], base[:, 2:4][:, :, :][::3].copy()[::2]):
        idx = np.random.default_rng(2).integers(0, len(src), 77)
        np.testing.assert_array_equal(impl(src, idx), src[idx])


@pytest.mark.parametrize("impl", IMPLS, ids=["c", "reference"])
def test_empty_indices_and_empty_rows(impl):
    src = _data((10, 4), "float32")
    got = impl(src, np.zeros(0, np.int64))
    assert got.shape == (0, 4)
    got = impl(np.zeros((10, 0), np.float32), np.array([3, 9]))
    assert got.shape == (2, 0)


@pytest.mark.parametrize("impl", IMPLS, ids=["c", "reference"])
@pytest.mark.parametrize("bad", [10, -1, 2**40])
def test_index_out_of_range_raises_and_leaves_out_unchanged(impl, split, bad):
    src = _data((10, 64), "float32")
    idx = np.array([0] * 40 + [bad] + [1] * 40, np.int64)
    out = np.full((81, 64), 7.0, np.float32)
    with pytest.raises(IndexError, match=f"index {bad} is out of bounds for axis 0 with "
                                         "size 10"):
        impl(src, idx, out)
    assert (out == 7.0).all()
    with pytest.raises(IndexError, match="out of bounds"):   # rows of no bytes too
        impl(np.zeros((10, 0)), np.array([bad]))


@pytest.mark.parametrize("impl", IMPLS, ids=["c", "reference"])
def test_bad_arguments_name_what_was_expected(impl):
    src = _data((20, 3), "float32")
    idx = np.arange(4)
    with pytest.raises(TypeError, match="src must be a numpy.ndarray, got list"):
        impl([[1.0]], idx)
    with pytest.raises(ValueError, match="src must have at least one axis"):
        impl(np.zeros(()), idx)
    with pytest.raises(ValueError, match="must not hold Python objects, got dtype object"):
        impl(np.empty((20, 3), object), idx)
    with pytest.raises(ValueError, match="each row of src must be C-contiguous"):
        impl(np.asfortranarray(_data((20, 3), "float32")), idx)
    with pytest.raises(ValueError, match="each row of src must be C-contiguous"):
        impl(src[:, ::2], idx)
    with pytest.raises(ValueError, match="idx must be an int64 numpy.ndarray, got int32"):
        impl(src, idx.astype(np.int32))
    with pytest.raises(ValueError, match="idx must be an int64 numpy.ndarray, got list"):
        impl(src, [0, 1])
    with pytest.raises(ValueError, match="idx must be a 1-D C-contiguous array"):
        impl(src, idx.reshape(2, 2))
    with pytest.raises(ValueError, match="idx must be a 1-D C-contiguous array"):
        impl(src, np.arange(8)[::2])
    for out in (np.empty((4, 3), np.float64), np.empty((5, 3), np.float32),
                np.empty((3, 4), np.float32).T, np.empty((4, 3), np.float32)[:, :]):
        if out.flags.c_contiguous and out.shape == (4, 3) and out.dtype == np.float32:
            out.flags.writeable = False
        with pytest.raises(ValueError, match=r"out must be a writable C-contiguous float32 "
                                             r"array of shape \(4, 3\)"):
            impl(src, idx, out)


@pytest.fixture
def two_threads():
    prev = get_kernel_threads()
    time.sleep(0.03)   # past the helper's back-off after overlapping calls
    set_kernel_threads(2)
    yield
    set_kernel_threads(prev)


def test_large_gathers_share_the_copy_with_the_helper(two_threads, split):
    """A batch of 128 rows of 784 float32 (392 KiB) is split over the two
    threads (unless splitting is off); the helper may come late for a call,
    so over many calls it takes part, and the bytes never depend on it."""
    src = _data((5000, 784), "float32")
    rng = np.random.default_rng(3)
    jobs = threads.helper_jobs_taken()
    deadline = time.monotonic() + 5.0   # outlasts a back-off on a busy machine
    while time.monotonic() < deadline:
        idx = rng.integers(0, 5000, 128)
        np.testing.assert_array_equal(gather.gather_rows(src, idx), src[idx])
        if threads.helper_jobs_taken() > jobs:
            break
    assert (threads.helper_jobs_taken() > jobs) == split


def test_small_gathers_and_one_thread_stay_on_the_caller(two_threads):
    src = _data((5000, 784), "float32")
    jobs = threads.helper_jobs_taken()
    for _ in range(50):    # labels of a batch: 1 KiB
        gather.gather_rows(src[:, :1].copy(), np.arange(128))
    set_kernel_threads(1)
    for _ in range(50):
        gather.gather_rows(src, np.arange(128))
    assert threads.helper_jobs_taken() == jobs


@pytest.mark.parametrize("impl", IMPLS, ids=["c", "reference"])
def test_out_overlapping_src_gets_the_rows_src_held_before(impl, split):
    src = np.arange(400 * 64, dtype=np.float32).reshape(400, 64)
    idx = np.arange(127, -1, -1)     # rows 64-127 of out are rows 0-63 of src, written first
    want = src[idx].copy()
    out = src[:128]
    assert impl(src, idx, out) is out
    np.testing.assert_array_equal(out, want)
