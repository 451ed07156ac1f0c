"""Property-based tests of `pad_sequences` (compiled kernel) against a plain
Python model of Keras' algorithm written here, independent of the library's
`_pad_sequences_general`."""
import copy
import warnings

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st
from oracles import keras_pad_model

from ckeras.preprocessing import sequence as S

FUZZ = settings.get_profile("fuzz-active")

FAST_DTYPES = ["int32", "int64", "float32", "float64"]


def outcome(fn, seqs, **kw):
    """('ok', array) or ('err', exception class); NumPy's cast warnings off."""
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return "ok", fn(seqs, **kw)
    except Exception as e:  # noqa: BLE001 - the class is compared
        return "err", type(e)


def assert_same_outcome(got, want):
    assert got[0] == want[0], (got, want)
    if got[0] == "ok":
        assert got[1].dtype == want[1].dtype, (got[1].dtype, want[1].dtype)
        assert got[1].shape == want[1].shape, (got[1].shape, want[1].shape)
        np.testing.assert_array_equal(got[1], want[1])
    else:
        # Keras' error classes: ValueError for bad input, OverflowError for
        # ints out of range; TypeError for unconvertible items.
        assert issubclass(got[1], want[1]) or issubclass(want[1], got[1]), (got, want)


# -- strategies -------------------------------------------------------------

small_int = st.integers(-(2 ** 31), 2 ** 31 - 1)
any_int = st.one_of(small_int, st.integers(-(2 ** 70), 2 ** 70),
                    st.sampled_from([2 ** 30, -(2 ** 30), 2 ** 30 - 1, 2 ** 31, -(2 ** 31) - 1,
                                     2 ** 53 + 1, 2 ** 63 - 1, -(2 ** 63), 2 ** 63]))
py_float = st.one_of(st.floats(-1e6, 1e6), st.floats(allow_nan=True, allow_infinity=True),
                     st.sampled_from([-0.0, 2147483647.5, -2147483648.5, 3.5e38, 1e300]))
np_scalar = st.one_of(
    small_int.map(np.int64), st.integers(-128, 127).map(np.int8),
    st.integers(0, 2 ** 32 - 1).map(np.uint32), st.floats(-1e4, 1e4, width=32).map(np.float32),
    st.floats(-1e6, 1e6).map(np.float64), st.booleans().map(np.bool_), st.booleans())


def rows_of(items, max_len=9):
    lists = st.lists(items, max_size=max_len)
    return st.one_of(lists, lists.map(tuple))


def array_rows(max_len=9):
    """1-D arrays: every fast dtype and others, views with strides, reversed,
    byte-swapped, unaligned, read-only."""
    dtypes = st.sampled_from(FAST_DTYPES + ["int8", "uint16", "float16", ">i4", ">f8", "bool"])

    def build(args):
        values, dt, view = args
        a = np.array(values, dtype=np.float64).astype(dt)
        if view == "reversed":
            a = a[::-1]
        elif view == "strided":
            a = np.repeat(a, 2)[::2]
        elif view == "unaligned" and a.dtype.itemsize > 1:
            buf = np.zeros(a.nbytes + 1, np.uint8)
            u = buf[1:].view(a.dtype)
            u[...] = a
            a = u
        elif view == "readonly":
            a.flags.writeable = False
        return a
    return st.tuples(st.lists(st.integers(-1000, 1000), max_size=max_len), dtypes,
                     st.sampled_from(["plain", "reversed", "strided", "unaligned",
                                      "readonly"])).map(build)


row = st.one_of(rows_of(small_int), rows_of(any_int), rows_of(py_float),
                rows_of(st.one_of(small_int, py_float)), rows_of(np_scalar), array_rows(),
                st.just([]), st.just(()), st.just(np.zeros(0, "int32")))
options = dict(
    maxlen=st.one_of(st.none(), st.integers(0, 12)),
    dtype=st.sampled_from(FAST_DTYPES),
    padding=st.sampled_from(["pre", "post"]),
    truncating=st.sampled_from(["pre", "post"]),
    value=st.one_of(st.sampled_from([0.0, 0, -1, 2.5, -7]), st.floats(-1e3, 1e3),
                    st.integers(-(2 ** 31), 2 ** 31 - 1)),
)


# -- properties ---------------------------------------------------------------

@FUZZ
@given(seqs=st.lists(row, max_size=7), **options)
def test_pad_matches_keras_model(seqs, maxlen, dtype, padding, truncating, value):
    before = copy.deepcopy(seqs)
    kw = dict(maxlen=maxlen, dtype=dtype, padding=padding, truncating=truncating, value=value)
    assert_same_outcome(outcome(S.pad_sequences, seqs, **kw), outcome(keras_pad_model, seqs, **kw))
    for a, b in zip(seqs, before):  # the input is never modified
        assert type(a) is type(b) and repr(list(a)) == repr(list(b))


@FUZZ
@given(seqs=st.lists(row, max_size=5), maxlen=st.one_of(st.none(), st.integers(1, 8)),
       padding=st.sampled_from(["pre", "post"]), truncating=st.sampled_from(["pre", "post"]))
def test_pad_other_dtypes_match_keras_model(seqs, maxlen, padding, truncating):
    """Dtypes outside the kernel's four take Keras' own path; same answers."""
    for dtype in ("int16", "uint8", "float16", "bool", object):
        kw = dict(maxlen=maxlen, dtype=dtype, padding=padding, truncating=truncating)
        assert_same_outcome(outcome(S.pad_sequences, seqs, **kw),
                            outcome(keras_pad_model, seqs, **kw))


@FUZZ
@given(seqs=st.lists(rows_of(st.integers(-50, 50)), max_size=5),
       padding=st.text(max_size=5), truncating=st.text(max_size=5))
def test_pad_bad_modes_raise_like_keras(seqs, padding, truncating):
    kw = dict(padding=padding, truncating=truncating)
    assert_same_outcome(outcome(S.pad_sequences, seqs, **kw), outcome(keras_pad_model, seqs, **kw))


@FUZZ
@given(seqs=st.lists(st.lists(st.lists(st.integers(-9, 9), min_size=2, max_size=2),
                              max_size=4), max_size=4), **options)
def test_pad_vector_samples_match_keras_model(seqs, maxlen, dtype, padding, truncating, value):
    """Rows of 2-vectors: output (n, maxlen, 2)."""
    kw = dict(maxlen=maxlen, dtype=dtype, padding=padding, truncating=truncating, value=value)
    assert_same_outcome(outcome(S.pad_sequences, seqs, **kw), outcome(keras_pad_model, seqs, **kw))


@FUZZ
@given(n=st.integers(2950, 3400), width=st.integers(90, 110), seed=st.integers(0, 2 ** 16),
       dtype=st.sampled_from(FAST_DTYPES), padding=st.sampled_from(["pre", "post"]),
       truncating=st.sampled_from(["pre", "post"]), bad_row=st.integers(-1, 3399))
def test_pad_two_thread_pass_matches_model(n, width, seed, dtype, padding, truncating, bad_row):
    """>= 2**18 output items: the first pass runs on two threads. Rows of
    mixed lengths, some with big ints or floats the second pass takes."""
    rng = np.random.default_rng(seed)
    lens = rng.integers(0, width + 20, n)
    seqs = [rng.integers(-1000, 1000, k).tolist() for k in lens]
    for i in rng.integers(0, n, 20):
        seqs[i] = seqs[i] + [2 ** 40 if dtype != "int32" else 2 ** 30, 1.5]
    if 0 <= bad_row < n:
        seqs[bad_row] = np.arange(3, dtype=dtype)[::-1]
    kw = dict(maxlen=width, dtype=dtype, padding=padding, truncating=truncating, value=-3)
    assert n * width >= 1 << 18
    assert_same_outcome(outcome(S.pad_sequences, seqs, **kw), outcome(keras_pad_model, seqs, **kw))


class _Row:
    """A sequence that is not a list, tuple or array (Keras accepts any
    object with __len__ and slicing)."""

    def __init__(self, items):
        self.items = list(items)

    def __len__(self):
        return len(self.items)

    def __getitem__(self, k):
        return self.items[k]

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.items, dtype=dtype)


@FUZZ
@given(items=st.lists(st.lists(st.integers(-99, 99), max_size=6), max_size=5), **options)
def test_pad_custom_sequence_types(items, maxlen, dtype, padding, truncating, value):
    for seqs in ([_Row(r) for r in items], tuple(_Row(r) for r in items),
                 (list(r) for r in items)):
        seqs_model = [_Row(r) for r in items]
        kw = dict(maxlen=maxlen, dtype=dtype, padding=padding, truncating=truncating,
                  value=value)
        got = outcome(S.pad_sequences, seqs, **kw)
        if not hasattr(seqs, "__len__"):  # a generator: Keras refuses it
            assert got == ("err", ValueError)
            continue
        assert_same_outcome(got, outcome(keras_pad_model, seqs_model, **kw))


@FUZZ
@given(seqs=st.lists(st.lists(st.integers(-99, 99), min_size=1, max_size=5), min_size=1,
                     max_size=4), value=st.integers(-5, 5))
@example(seqs=[[1, 2], [3]], value=0)
def test_pad_dtype_none_takes_dtype_of_value(seqs, value):
    out = S.pad_sequences(seqs, dtype=None, value=value)
    assert out.dtype == np.asarray(value).dtype
