"""ckeras.preprocessing.sequence against golden tf-keras outputs, plus property
tests of the compiled pad_sequences path against its NumPy reference."""
import copy
import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ckeras
from ckeras.preprocessing import sequence as S
from ckeras.utils import Sequence

from pp_fixtures import assert_same, check, dec, load

CASES = load("sequence")


def _by(fn):
    return [pytest.param(c, id=c.get("name", str(i))) for i, c in enumerate(CASES)
            if c["fn"] == fn]


@pytest.mark.parametrize("impl", ["fast", "reference"])
@pytest.mark.parametrize("case", _by("pad_sequences"))
def test_pad_sequences_golden(case, impl):
    fn = S.pad_sequences if impl == "fast" else S._pad_sequences_reference
    seqs = dec(case["sequences"])
    kwargs = dec(case["kwargs"])
    before = copy.deepcopy(seqs)
    with np.errstate(all="ignore"):
        check(case["expect"], fn, seqs, **kwargs)
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


def test_fast_path_generic_rows():
    # rows the kernel does not take (numpy scalars, bools, ranges, big floats)
    seqs = [[np.int64(3), 4], [True, 2], range(5), [1e9, -2.5], np.array([1.5, 2.5])]
    with np.errstate(all="ignore"):
        for dtype in ("int64", "float32", "float64"):
            for pad in ("pre", "post"):
                for trunc in ("pre", "post"):
                    kw = dict(maxlen=3, dtype=dtype, padding=pad, truncating=trunc)
                    np.testing.assert_array_equal(
                        S.pad_sequences(seqs, **kw), S._pad_sequences_reference(seqs, **kw))


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
       dtype=st.sampled_from(["int32", "int64", "float32", "float64", "int16"]),
       padding=st.sampled_from(["pre", "post"]),
       truncating=st.sampled_from(["pre", "post"]),
       value=st.sampled_from([0.0, -1, 2.5]))
def test_pad_property_fast_equals_reference(seqs, maxlen, dtype, padding, truncating, value):
    kw = dict(maxlen=maxlen, dtype=dtype, padding=padding, truncating=truncating, value=value)
    before = copy.deepcopy(seqs)
    a = _outcome(S.pad_sequences, seqs, kw)
    b = _outcome(S._pad_sequences_reference, seqs, kw)
    assert a[0] == b[0], (a, b)
    if a[0] == "ok":
        assert a[1].dtype == b[1].dtype and a[1].shape == b[1].shape
        np.testing.assert_array_equal(a[1], b[1])
    else:
        assert a[1] == b[1]
    for x, y in zip(seqs, before):
        assert type(x) is type(y) and repr(list(x)) == repr(list(y))


@pytest.mark.parametrize("case", _by("make_sampling_table"))
def test_make_sampling_table_golden(case):
    got = S.make_sampling_table(*case["args"], **case["kwargs"])
    assert_same(got, case["expect"], rtol=1e-15)


def test_make_sampling_table_spec():
    np.testing.assert_allclose(S.make_sampling_table(5),
                               [0.003152, 0.003152, 0.005476, 0.007416, 0.009128],
                               atol=1e-6)


@pytest.mark.parametrize("case", _by("skipgrams"))
def test_skipgrams_golden(case):
    random.seed(case["random_seed"])
    args = case["args"]
    seq = list(args[0])
    check(case["expect"], S.skipgrams, seq, args[1], **case["kwargs"])
    assert seq == args[0]


def test_skipgrams_spec():
    couples, labels = S.skipgrams([1, 2, 0, 3], 5, window_size=1, shuffle=False)
    assert couples[:2] == [[1, 2], [2, 1]] and labels == [1, 1, 0, 0]
    assert all(1 <= c[1] <= 4 for c in couples[2:])


@pytest.mark.parametrize("case", _by("TimeseriesGenerator"))
def test_timeseries_generator_golden(case):
    data, targets = dec(case["args"])
    exp = case["expect"]
    if "error" in exp:
        check(exp, S.TimeseriesGenerator, data, targets, **case["kwargs"])
        return
    gen = S.TimeseriesGenerator(data, targets, **case["kwargs"])
    assert isinstance(gen, Sequence)
    assert len(gen) == exp["len"]
    for i, (x, y) in enumerate(exp["batches"]):
        bx, by = gen[i]
        assert_same(bx, x)
        assert_same(by, y)
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
