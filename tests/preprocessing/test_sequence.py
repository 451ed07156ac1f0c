"""ckeras.preprocessing.sequence against golden tf-keras outputs, plus property
tests of pad_sequences' fast path (the padding kernel) against its general
path (Keras' algorithm in NumPy)."""
import copy
import pathlib
import random
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ckeras
from ckeras.kernels import use_kernels
from ckeras.preprocessing import sequence as S
from ckeras.testing import Golden, assert_result, check_call, decode
from ckeras.utils import Sequence

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures"
PREPROCESSING = Golden(FIXTURES, "preprocessing")
CASES = PREPROCESSING.read_json("sequence.json")


def _by(fn):
    return [pytest.param(c, id=c.get("name", str(i))) for i, c in enumerate(CASES)
            if c["fn"] == fn]


@pytest.mark.parametrize("path", ["c", "numpy", "general"])
@pytest.mark.parametrize("case", _by("pad_sequences"))
def test_pad_sequences_golden(case, path):
    """pad_sequences on the C kernel, on the NumPy reference kernel, and its
    general path."""
    fn = S.pad_sequences if path != "general" else S._pad_sequences_general
    seqs = decode(case["sequences"])
    kwargs = decode(case["kwargs"])
    before = copy.deepcopy(seqs)
    with np.errstate(all="ignore"), use_kernels("c" if path == "general" else path):
        check_call(case["expect"], fn, seqs, **kwargs)
    # inputs never modified
    if isinstance(seqs, np.ndarray):
        np.testing.assert_array_equal(seqs, before)
    elif isinstance(seqs, list):
        assert len(seqs) == len(before)
        for a, b in zip(seqs, before):
            if isinstance(a, np.ndarray):
                np.testing.assert_array_equal(a, b)
            else:
                assert a == b


def test_utils_alias():
    x = ckeras.utils.pad_sequences([[1], [2, 3]], maxlen=3, padding="post", value=7)
    np.testing.assert_array_equal(x, [[1, 7, 7], [2, 3, 7]])
    assert x.dtype == np.int32


def test_spec_examples():
    seqs = [[1], [2, 3], [4, 5, 6]]
    np.testing.assert_array_equal(S.pad_sequences(seqs), [[0, 0, 1], [0, 2, 3], [4, 5, 6]])
    np.testing.assert_array_equal(S.pad_sequences(seqs, maxlen=2), [[0, 1], [2, 3], [5, 6]])
    out = S.pad_sequences([["a", "b"], ["c"]], dtype=object, value="<p>")
    assert out.tolist() == [["a", "b"], ["<p>", "c"]]
    assert S.pad_sequences([], maxlen=3).shape == (0, 3)
    assert S.pad_sequences([[], []]).shape == (2, 0)


def test_errors():
    with pytest.raises(ValueError, match="must be iterable"):
        S.pad_sequences(iter([[1]]))
    with pytest.raises(ValueError, match="Found non-iterable: 3"):
        S.pad_sequences([[1], 3])
    with pytest.raises(ValueError, match='Padding type "x" not understood'):
        S.pad_sequences([[1]], padding="x")
    with pytest.raises(ValueError, match='Truncating type "x" not understood'):
        S.pad_sequences([[1]], truncating="x")
    with pytest.raises(ValueError, match="not compatible with `value`"):
        S.pad_sequences([[1]], value="x")
    # bad padding/truncating only raise when a non-empty sequence is processed
    assert S.pad_sequences([[]], maxlen=2, padding="x").shape == (1, 2)


@pytest.mark.parametrize("mode", ["c", "numpy"])
def test_pad_dtype_none_takes_the_dtype_of_value(mode):
    # #19 item 10; outputs of tf-keras 2.21, where np.full(..., value,
    # dtype=None) sets the dtype and each row is stored as NumPy reads it
    seqs = [[1, 2, 3], [4.5]]
    with use_kernels(mode):
        got = S.pad_sequences(seqs, maxlen=2, dtype=None, value=0)
        assert got.dtype == np.int64 and got.tolist() == [[2, 3], [0, 4]]
        got = S.pad_sequences(seqs, maxlen=2, dtype=None, value=0.0)
        assert got.dtype == np.float64 and got.tolist() == [[2.0, 3.0], [0.0, 4.5]]
        got = S.pad_sequences(seqs, maxlen=2, dtype=None, value=np.float32(-1))
        assert got.dtype == np.float32 and got.tolist() == [[2.0, 3.0], [-1.0, 4.5]]
        got = S.pad_sequences([[1, 2], [3]], padding="post", dtype=None, value=7)
        assert got.dtype == np.int64 and got.tolist() == [[1, 2], [3, 7]]
        # a row NumPy reads as float64 rounds its ints beyond 2**53 ...
        big = [[2 ** 53 + 1, 0.5]]
        assert S.pad_sequences(big, dtype=None, value=0).tolist() == [[2 ** 53, 0]]
        # ... which an explicit integer dtype does not
        assert S.pad_sequences(big, dtype="int64", value=0).tolist() == [[2 ** 53 + 1, 0]]


@pytest.mark.parametrize("mode", ["c", "numpy"])
def test_pad_non_native_byte_order(mode):
    """A big-endian dtype or value reaches the kernel's pad_rows never (it
    refuses them): pad_sequences gives Keras' values and dtype, the padding
    value included."""
    seqs = [[1, 2, 3], [4], [], np.array([5, 6], ">i4")]
    with use_kernels(mode):
        for kw in (dict(dtype=">i4", value=-2), dict(dtype=">f8", value=1.5),
                   dict(dtype=None, value=np.array(-1.25, ">f8")),
                   dict(dtype="int32", value=np.array(9, ">i8"))):
            got = S.pad_sequences(seqs, maxlen=2, **kw)
            want = S._pad_sequences_general(seqs, maxlen=2, **kw)
            assert got.dtype == want.dtype and got.tolist() == want.tolist(), kw
            assert got[2].tolist() == [float(kw["value"])] * 2


def test_fast_path_generic_rows():
    # rows the kernel does not take (numpy scalars, bools, ranges, big floats)
    seqs = [[np.int64(3), 4], [True, 2], range(5), [1e9, -2.5], np.array([1.5, 2.5])]
    with np.errstate(all="ignore"):
        for dtype in ("int64", "float32", "float64"):
            for pad in ("pre", "post"):
                for trunc in ("pre", "post"):
                    kw = dict(maxlen=3, dtype=dtype, padding=pad, truncating=trunc)
                    np.testing.assert_array_equal(
                        S.pad_sequences(seqs, **kw), S._pad_sequences_general(seqs, **kw))


_scalar = st.one_of(
    st.integers(-2 ** 31, 2 ** 31 - 1),
    st.integers(-2 ** 70, 2 ** 70),
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.floats(-1e6, 1e6),
)
_row = st.one_of(
    st.lists(st.integers(-1000, 1000), max_size=8),
    st.lists(_scalar, max_size=8),
    st.lists(st.integers(-100, 100), max_size=8).map(tuple),
    st.lists(st.integers(-100, 100), max_size=8).map(lambda r: np.array(r, dtype="int32")),
    st.lists(st.floats(-1e3, 1e3), max_size=8).map(lambda r: np.array(r, dtype="float64")),
    st.lists(st.integers(-100, 100), max_size=8).map(lambda r: np.array(r, dtype="int64")[::-1]),
)


def _outcome(fn, seqs, kw):
    try:
        with np.errstate(all="ignore"):
            return "ok", fn(seqs, **kw)
    except Exception as e:  # noqa: BLE001
        return "err", (type(e), str(e))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seqs=st.lists(_row, max_size=6),
       maxlen=st.one_of(st.none(), st.integers(0, 10)),
       dtype=st.sampled_from(["int32", "int64", "float32", "float64", "int16", None]),
       padding=st.sampled_from(["pre", "post"]),
       truncating=st.sampled_from(["pre", "post"]),
       value=st.sampled_from([0.0, -1, 2.5, np.float32(0.5)]))
def test_pad_property_fast_equals_general(seqs, maxlen, dtype, padding, truncating, value):
    kw = dict(maxlen=maxlen, dtype=dtype, padding=padding, truncating=truncating, value=value)
    before = copy.deepcopy(seqs)
    a = _outcome(S.pad_sequences, seqs, kw)
    b = _outcome(S._pad_sequences_general, seqs, kw)
    assert a[0] == b[0], (a, b)
    if a[0] == "ok":
        assert a[1].dtype == b[1].dtype and a[1].shape == b[1].shape
        np.testing.assert_array_equal(a[1], b[1])
    else:
        assert a[1] == b[1]
    for x, y in zip(seqs, before):
        assert type(x) is type(y) and repr(list(x)) == repr(list(y))


class _ListSub(list):
    pass


# Rows the compiled first pass cannot convert by reading memory, so the second
# pass (C API ints, arrays, NumPy) takes them, plus edge values it does take;
# by the dtypes NumPy converts them to without an error.
_ANY_DTYPE = "int32 int64 float32 float64"
_SPECIAL_ROWS = [
    ([0, -1, 1, 2 ** 30 - 1, -(2 ** 30 - 1)], _ANY_DTYPE),  # one-digit edges
    ([2 ** 30, -(2 ** 30), 5], _ANY_DTYPE),                  # two digits
    ([2 ** 40, 3, -(2 ** 40)], "int64 float32 float64"),
    ([2 ** 53, 2 ** 53 + 1, -(2 ** 53) - 1], "int64 float32 float64"),
    ([1.5, -2.5, 7, 1e9, -0.0], _ANY_DTYPE),                 # floats among ints
    ([float("nan"), 1.0], "float32 float64"),
    ([float("inf"), -float("inf"), 2], "float32 float64"),
    ([1e39, 3.0], "float32 float64"),                        # overflows float32
    ([True, 2, False], _ANY_DTYPE),
    ([np.int64(4), 5, np.float32(6.5)], _ANY_DTYPE),
    ((1, 2, 3, 4), _ANY_DTYPE),
    ((), _ANY_DTYPE),
    ([], _ANY_DTYPE),
    (_ListSub([9, 8, 7]), _ANY_DTYPE),
    (np.array([1, 2, 3], dtype="int32"), _ANY_DTYPE),
    (np.array([1.5, 2.5], dtype="float64"), _ANY_DTYPE),
    (range(4), _ANY_DTYPE),
]


def _large_input(dtype, n=4000, seed=0):
    """Enough items for the threaded first pass, special rows spread all over
    (so both threads, and the rows around the chunks' ends, meet some)."""
    rng = np.random.RandomState(seed)
    seqs = [rng.randint(-50, 20_000, size=rng.randint(0, 150)).tolist() for _ in range(n)]
    special = [r for r, dtypes in _SPECIAL_ROWS if dtype in dtypes.split()]
    for k, pos in enumerate(range(3, n, 97)):
        seqs[pos] = copy.copy(special[k % len(special)])
    seqs[-1] = [2 ** 30 + 1] if dtype == "int32" else [2 ** 40]
    return seqs


def _boxed(seqs):
    """Refcounts of the objects only the input holds (not the cached small ints)."""
    return {id(v): sys.getrefcount(v) for r in seqs if type(r) is list for v in r
            if type(v) is float or (type(v) is int and abs(v) > 256)}


@pytest.mark.parametrize("dtype", ["int32", "int64", "float32", "float64"])
def test_pad_large_fast_equals_general(dtype):
    seqs = _large_input(dtype)
    before = copy.deepcopy(seqs)
    refs = _boxed(seqs)
    for padding in ("pre", "post"):
        for truncating in ("pre", "post"):
            for maxlen, value in ((100, 0.0), (None, -1), (7, 2.5)):
                kw = dict(maxlen=maxlen, dtype=dtype, padding=padding,
                          truncating=truncating, value=value)
                a = _outcome(S.pad_sequences, seqs, kw)
                b = _outcome(S._pad_sequences_general, seqs, kw)
                assert a[0] == b[0] == "ok", (a, b)
                assert a[1].dtype == b[1].dtype and a[1].shape == b[1].shape
                np.testing.assert_array_equal(a[1], b[1])
    for x, y in zip(seqs, before):
        assert type(x) is type(y) and repr(list(x)) == repr(list(y))
    assert _boxed(seqs) == refs


def test_pad_large_tuple_and_generic_containers():
    seqs = _large_input("float64", 3000, seed=1)
    kw = dict(maxlen=120, dtype="float64", padding="post", truncating="pre")
    with np.errstate(all="ignore"):
        want = S._pad_sequences_general(seqs, **kw)
        np.testing.assert_array_equal(S.pad_sequences(tuple(seqs), **kw), want)

        class Rows:  # a sequence that is not a list: iterated once, like Keras
            def __len__(self):
                return len(seqs)

            def __getitem__(self, i):
                return seqs[i]

        np.testing.assert_array_equal(S.pad_sequences(Rows(), **kw), want)
    rect = np.arange(3000 * 90).reshape(3000, 90) % 20_000
    np.testing.assert_array_equal(S.pad_sequences(rect, maxlen=100),
                                  S._pad_sequences_general(rect, maxlen=100))


@pytest.mark.parametrize("bad_row, err", [
    ([1, 2 ** 31], OverflowError),    # NumPy's error for an int beyond int32
    ([1, [2, 3]], ValueError),         # a row of another sample shape
    ([1, "x"], ValueError),
])
def test_pad_large_errors_as_general(bad_row, err):
    seqs = _large_input("int32", 3000, seed=2)
    seqs[2900] = bad_row  # late, so the rows before it are converted first
    a = _outcome(S.pad_sequences, seqs, dict(maxlen=100))
    b = _outcome(S._pad_sequences_general, seqs, dict(maxlen=100))
    assert a == b and a[0] == "err" and issubclass(a[1][0], err), (a, b)


def test_pad_slow_row_may_resize_the_list():
    # Python code run for a row (here __index__) shrinking the outer list
    # must give an error, never a read past its end.
    seqs = _large_input("int32", 3000, seed=3)

    class Shrinks:
        def __index__(self):
            del seqs[1000:]
            return 1

        def __int__(self):
            return self.__index__()

    seqs[10] = [Shrinks()]
    with pytest.raises(RuntimeError, match="changed length"):
        S.pad_sequences(seqs, maxlen=100)


@pytest.mark.parametrize("case", _by("make_sampling_table"))
def test_make_sampling_table_golden(case):
    got = S.make_sampling_table(*case["args"], **case["kwargs"])
    assert_result(got, case["expect"], rtol=1e-15)


def test_make_sampling_table_spec():
    np.testing.assert_allclose(S.make_sampling_table(5),
                               [0.003152, 0.003152, 0.005476, 0.007416, 0.009128],
                               atol=1e-6)


@pytest.mark.parametrize("case", _by("skipgrams"))
def test_skipgrams_golden(case):
    random.seed(case["random_seed"])
    args = case["args"]
    seq = list(args[0])
    check_call(case["expect"], S.skipgrams, seq, args[1], **case["kwargs"])
    assert seq == args[0]


def test_skipgrams_spec():
    couples, labels = S.skipgrams([1, 2, 0, 3], 5, window_size=1, shuffle=False)
    assert couples[:2] == [[1, 2], [2, 1]] and labels == [1, 1, 0, 0]
    assert all(1 <= c[1] <= 4 for c in couples[2:])


@pytest.mark.parametrize("case", _by("TimeseriesGenerator"))
def test_timeseries_generator_golden(case):
    data, targets = decode(case["args"])
    exp = case["expect"]
    if "error" in exp:
        check_call(exp, S.TimeseriesGenerator, data, targets, **case["kwargs"])
        return
    gen = S.TimeseriesGenerator(data, targets, **case["kwargs"])
    assert isinstance(gen, Sequence)
    assert len(gen) == exp["len"]
    for i, (x, y) in enumerate(exp["batches"]):
        bx, by = gen[i]
        assert_result(bx, x)
        assert_result(by, y)
    assert gen.get_config() == exp["config"]
    assert len(list(gen)) == exp["len"]


def test_timeseries_generator_shuffle_seeded():
    data = np.arange(50).reshape(25, 2)
    gen = S.TimeseriesGenerator(data, np.arange(25), length=3, shuffle=True, batch_size=4)
    np.random.seed(0)
    a = gen[0]
    np.random.seed(0)
    b = gen[0]
    np.testing.assert_array_equal(a[0], b[0])
    rows = a[1]
    for k, r in enumerate(rows):
        np.testing.assert_array_equal(a[0][k], data[r - 3:r])
    assert '"class_name": "TimeseriesGenerator"' in gen.to_json()


@pytest.mark.parametrize("dtype", ["int32", "int64", "float32", "float64"])
@pytest.mark.parametrize("padding, truncating", [("pre", "pre"), ("post", "post")])
def test_numpy_scalars_and_arrays_take_the_kernel_and_equal_keras(dtype, padding, truncating,
                                                                  monkeypatch):
    """Lists of NumPy scalars (`list(array)`) and 1-D arrays of any numeric
    dtype are converted by the padding kernel (no per-row NumPy code), with
    the values of Keras' own per-row conversion."""
    rng = np.random.default_rng(4)
    arrays = [rng.integers(-50, 50, int(rng.integers(0, 9))) for _ in range(40)]
    cases = [
        [list(a) for a in arrays],                                  # np.int64 items
        [list(a.astype(np.int32)) for a in arrays],
        [list(a.astype(np.float32) / 4) for a in arrays],
        [list(a / 8) for a in arrays],                              # np.float64 items
        arrays,                                                     # int64 arrays
        [a.astype(np.float32) * 1.5 for a in arrays],
        [a.astype(np.uint8) for a in arrays],
    ]
    expected = [S._pad_sequences_general(c, 6, dtype, padding, truncating, -1)
                for c in cases]

    def no_keras_rows(*a, **k):
        raise AssertionError("a row took the per-row NumPy path")
    monkeypatch.setattr(S, "_put_row", no_keras_rows)
    monkeypatch.setattr(S, "_pad_sequences_general", no_keras_rows)
    for c, e in zip(cases, expected):
        out = S.pad_sequences(c, maxlen=6, dtype=dtype, padding=padding,
                              truncating=truncating, value=-1)
        assert out.dtype == e.dtype
        np.testing.assert_array_equal(out, e)
