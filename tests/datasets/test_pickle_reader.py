"""The pickle reader gives what `pickle.loads` gives on the formats of
Keras' files, and refuses everything else without running it."""
import pickle

import numpy as np
import pytest

from ckeras.datasets.pickle_reader import read_npz, read_pickle


def _assert_same(a, b):
    assert type(a) is type(b)
    if isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            _assert_same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _assert_same(x, y)
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape
        if a.dtype.hasobject:
            _assert_same(list(a.ravel()), list(b.ravel()))
        else:
            np.testing.assert_array_equal(a, b)
    else:
        assert a == b


def _cifar_batch(rng, n=3):
    return {b"batch_label": b"training batch 1 of 5",
            b"labels": [int(v) for v in rng.integers(0, 10, n)],
            b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
            b"filenames": [b"img_%d.png" % i for i in range(n)]}


def test_python2_cifar_batch_matches_pickle(py2_pickler, rng):
    data = py2_pickler(_cifar_batch(rng))
    _assert_same(read_pickle(data), pickle.loads(data, encoding="bytes"))


def _object_array():
    a = np.empty(4, dtype=object)
    # every int opcode: BININT1 (<256), BININT2 (<65536), BININT, LONG1
    edges = [0, 255, 256, 65535, 65536, -1, 2**31 - 1, -2**31, 2**40, -2**35]
    for i, x in enumerate([[1, 2, 3], edges, [70000, -3], list(range(1500))]):
        a[i] = x
    return a


@pytest.mark.parametrize("protocol", [2, 3, 4])
def test_numpy_object_array_pickles_match_pickle(protocol):
    arrays = [_object_array(), np.arange(12, dtype=">i4").reshape(3, 4),
              np.asfortranarray(np.arange(6.0).reshape(2, 3)), np.array(True)]
    for arr in arrays:
        data = pickle.dumps(arr, protocol=protocol)
        _assert_same(read_pickle(data), pickle.loads(data))


def test_npz_with_object_arrays(tmp_path):
    path = tmp_path / "seq.npz"
    np.savez(path, x=_object_array(), y=np.array([0, 1, 1, 0]))
    got = read_npz(path)
    with np.load(path, allow_pickle=True) as f:
        _assert_same(got["x"], f["x"])
        _assert_same(got["y"], f["y"])


class _Evil:
    def __reduce__(self):
        return (print, ("pwned",))


@pytest.mark.parametrize("payload", [
    pickle.dumps(_Evil()),
    pickle.dumps({"a": _Evil()}, protocol=2),
    pickle.dumps(np.arange(3), protocol=5),          # names numpy's _frombuffer
    b"cos\nsystem\n(S'true'\ntR.",
])
def test_code_is_refused_not_run(payload, capsys):
    with pytest.raises(ValueError, match="only NumPy array data|Unsupported"):
        read_pickle(payload)
    assert "pwned" not in capsys.readouterr().out


@pytest.mark.parametrize("payload", [b"", b"\x80\x02}q\x00", b"garbage", b"\x80\x02]K\x01.",
                                     b"\x80\x02](K\x01J\x01\x00", b"\x80\x02U\x05ab."])
def test_malformed(payload):
    with pytest.raises(ValueError, match="[Mm]alformed|Unsupported"):
        read_pickle(payload)


def test_array_with_wrong_byte_count(py2_pickler):
    data = py2_pickler({b"data": np.zeros(4, np.uint8)})
    bad = data.replace(b"U\x04\x00\x00\x00\x00", b"U\x03\x00\x00\x00")
    with pytest.raises(ValueError, match="Malformed array"):
        read_pickle(bad)


def test_not_an_npz(tmp_path):
    p = tmp_path / "x.npz"
    p.write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="not an .npz"):
        read_npz(p)
