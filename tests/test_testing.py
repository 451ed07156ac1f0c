"""ckeras.testing: the golden-fixture loader and its comparison helpers, and
that `import ckeras` leaves the package (and pytest) unimported."""
import json
import pathlib
import subprocess
import sys

import numpy as np
import pytest

from ckeras.testing import Golden, assert_result, check_call, decode

FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def folder(tmp_path):
    """A two-case fixture folder in the layout of tests/fixtures/core."""
    kind = tmp_path / "demo"
    kind.mkdir()
    cases = [{"name": "b_case", "layer": "Dense", "kind": "x"},
             {"name": "a_case", "layer": "Conv2D", "kind": "x"},
             {"name": "c_case", "layer": "Dense", "kind": "y"}]
    (kind / "cases.json").write_text(json.dumps(cases))
    np.savez(kind / "a_case.npz", x0=np.ones(2), x1=np.zeros(3), w0=np.eye(2), y=np.arange(3))
    np.savez(kind / "b_case.npz", x0=np.ones(1), y0=np.ones(2), y1=np.zeros(2), s1_w0=[1.0])
    return Golden(tmp_path, "demo")


def test_names_filter_by_value_and_by_membership(folder):
    assert folder.names() == ["a_case", "b_case", "c_case"]
    assert folder.names(layer="Dense") == ["b_case", "c_case"]
    assert folder.names(layer="Dense", kind="x") == ["b_case"]
    assert folder.names(layer=("Conv2D", "Dense"), kind="x") == ["a_case", "b_case"]
    assert folder.names(layer="LSTM") == []


def test_load_splits_numbered_arrays(folder):
    case, xs, ws, ys, arrays = folder.load("a_case")
    assert case["layer"] == "Conv2D"
    assert [x.shape for x in xs] == [(2,), (3,)]
    np.testing.assert_array_equal(ws[0], np.eye(2))
    np.testing.assert_array_equal(ys[0], np.arange(3))
    case, xs, ws, ys, arrays = folder.load("b_case")
    assert len(xs) == 1 and ws == [] and len(ys) == 2
    assert "s1_w0" in arrays       # other keys stay reachable


def test_unknown_case_names_the_folder(folder):
    assert "nope" not in folder
    with pytest.raises(KeyError, match="no golden case 'nope' in .*demo"):
        folder.load("nope")


def test_committed_core_fixture_loads():
    core = Golden(FIXTURES, "core")
    case, xs, ws, ys, _ = core.load("dense_relu")
    assert case["layer"] == "Dense"
    assert [list(w.shape) for w in ws] == case["weight_shapes"]
    assert ys[0].shape[0] == xs[0].shape[0]


def test_decode_inverts_the_writer_encoding():
    encoded = {"a": {"__nd__": [[1, 2]], "dtype": "int8"}, "t": {"__tuple__": [1, [2]]},
               "f": {"__float__": "nan"}, "o": {"__type__": "object"}}
    out = decode(encoded)
    assert out["a"].dtype == np.int8 and out["a"].tolist() == [[1, 2]]
    assert out["t"] == (1, [2]) and np.isnan(out["f"]) and out["o"] is object


def test_assert_result_checks_dtype_shape_and_values():
    expect = {"array": [[1, 2]], "dtype": "int32", "shape": [1, 2]}
    assert_result(np.array([[1, 2]], "int32"), expect)
    for wrong in (np.array([[1, 2]], "int64"), np.array([1, 2], "int32"),
                  np.array([[1, 3]], "int32")):
        with pytest.raises(AssertionError):
            assert_result(wrong, expect)
    assert_result((1, 2), {"value": [1, 2]})


def test_check_call_expects_class_and_message():
    def fail(kind):
        raise kind("bad input")
    check_call({"error": "ValueError", "message": "bad input"}, fail, ValueError)
    # a subclass of the recorded class passes
    check_call({"error": "LookupError", "message": "bad input"}, fail, IndexError)
    with pytest.raises(AssertionError):
        check_call({"error": "TypeError", "message": "bad input"}, fail, ValueError)
    with pytest.raises(AssertionError):
        check_call({"error": "ValueError", "message": "other"}, fail, ValueError)
    with pytest.raises(AssertionError, match="did not raise"):
        check_call({"error": "ValueError", "message": "x"}, len, [1])


def test_import_ckeras_stays_light():
    code = ("import sys, ckeras; "
            "print('ckeras.testing' in sys.modules, 'pytest' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "False"]


def test_golden_layer_test_catches_a_wrong_layer():
    from ckeras.layers import Dense
    from ckeras.testing import golden_layer_test
    case = Golden(FIXTURES, "core").load("dense_relu")
    golden_layer_test(case, Dense)
    with pytest.raises(AssertionError, match="expected_output"):
        golden_layer_test(case, Dense, overrides={"activation": "tanh"})
