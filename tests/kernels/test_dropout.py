"""Dropout masks: C (ckeras._ext._dropout) against the NumPy reference (the
same generator), and the masks' statistics."""
import numpy as np
import pytest

from ckeras.kernels.reference import dropout as ref

drop = pytest.importorskip("ckeras._ext._dropout")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", [(), (0,), (1,), (3, 5), (2, 3, 4, 5)])
@pytest.mark.parametrize("rate", [0.0, 0.1, 0.5, 0.9])
def test_c_equals_reference_and_advances(shape, rate, dtype):
    key = np.uint64(0xDEADBEEF12345678)
    sc = np.array([key, 7], np.uint64)
    sr = sc.copy()
    for _ in range(3):      # successive calls continue the stream
        a = drop.dropout_mask(sc, rate, shape, dtype)
        e = ref.dropout_mask(sr, rate, shape, dtype)
        assert a.dtype == e.dtype == np.dtype(dtype) and a.shape == e.shape == shape
        np.testing.assert_array_equal(a, e)
        np.testing.assert_array_equal(sc, sr)
    assert sc[1] == 7 + 3 * int(np.prod(shape))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("n", [16, 17, 1023, 20480])
def test_c_equals_reference_long_draws(n, dtype):
    """Draws long enough for the vectorized clones' main loops and their
    tails (the sizes of a recurrent layer's per-call masks among them)
    give the reference's bits, whatever the counter."""
    for counter in (0, 3, 2**40 + 5):
        sc = np.array([0x0123456789ABCDEF, counter], np.uint64)
        sr = sc.copy()
        for rate in (0.2, 0.37):
            np.testing.assert_array_equal(drop.dropout_mask(sc, rate, (n,), dtype),
                                          ref.dropout_mask(sr, rate, (n,), dtype))
        np.testing.assert_array_equal(sc, sr)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("rate", [0.2, 0.5, 0.75])
def test_keep_rate_scale_and_fresh_masks(rate, dtype):
    state = np.array([12345, 0], np.uint64)
    m1 = drop.dropout_mask(state, rate, (400, 250), dtype)
    m2 = drop.dropout_mask(state, rate, (400, 250), dtype)
    kept = m1 != 0
    assert abs(kept.mean() - (1 - rate)) < 0.01          # 100k draws: sd ~0.0016
    np.testing.assert_array_equal(np.unique(m1[kept]), [np.dtype(dtype).type(1 / (1 - rate))])
    assert abs(m1.mean() - 1) < 0.03                      # inverted dropout
    assert (m1 != m2).mean() > 0.2                        # a new mask per call
    # a column and a row are not correlated with their neighbours
    assert abs(np.corrcoef(kept[:, 0], kept[:, 1])[0, 1]) < 0.2


def test_same_state_same_masks_other_key_other_masks():
    a = drop.dropout_mask(np.array([1, 0], np.uint64), 0.5, (1000,), "float32")
    b = drop.dropout_mask(np.array([1, 0], np.uint64), 0.5, (1000,), "float32")
    c = drop.dropout_mask(np.array([2, 0], np.uint64), 0.5, (1000,), "float32")
    np.testing.assert_array_equal(a, b)
    assert (a != c).mean() > 0.3


def test_errors_same_as_reference():
    good = np.zeros(2, np.uint64)
    for mod in (drop, ref):
        for state in (np.zeros(3, np.uint64), np.zeros(2, np.int64), [0, 0]):
            with pytest.raises(ValueError, match="state must be"):
                mod.dropout_mask(state, 0.5, (2,), "float32")
        with pytest.raises(ValueError, match="rate must be in"):
            mod.dropout_mask(good, 1.0, (2,), "float32")
        with pytest.raises(ValueError, match="dtype must be"):
            mod.dropout_mask(good, 0.5, (2,), "int32")
