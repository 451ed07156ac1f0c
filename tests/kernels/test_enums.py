"""Every _ext module exposes the C enum values it uses as ENUMS, read from
the C headers through the .pxd files (no literals): they agree across
modules and with the codes the NumPy references and callers use."""
import numpy as np
import pytest

from ckeras.backend import _reference as ref
from ckeras.backend import _reference_bidirectional as ref_bd

act = pytest.importorskip("ckeras._ext._act")
dense = pytest.importorskip("ckeras._ext._dense")
conv = pytest.importorskip("ckeras._ext._conv")
rnn = pytest.importorskip("ckeras._ext._rnn")
bd = pytest.importorskip("ckeras._ext._bidirectional")
image = pytest.importorskip("ckeras._ext._image")


def test_every_module_has_its_enums():
    assert set(act.ENUMS) == {"Act"}
    assert set(dense.ENUMS) == {"Act"}
    assert set(conv.ENUMS) == {"Act", "Pool"}
    assert set(rnn.ENUMS) == {"Act"}
    assert set(bd.ENUMS) == {"Merge"}
    assert set(image.ENUMS) == {"Fill", "SplineBoundary"}


def test_activation_codes_agree():
    want = {name.upper(): code for name, code in ref.ACT_CODES.items()}
    for mod in (act, dense, conv, rnn):
        assert mod.ENUMS["Act"] == want


def test_merge_codes_agree():
    assert bd.ENUMS["Merge"] == {k.upper(): v for k, v in ref_bd.MERGE_CODES.items()}
    assert bd.MERGE_CODES == ref_bd.MERGE_CODES
    f = np.arange(6, dtype=np.float32).reshape(1, 2, 3)
    for name, code in bd.ENUMS["Merge"].items():
        np.testing.assert_array_equal(bd.bidir_merge_fwd(f, f, code, False),
                                      bd.bidir_merge_fwd(f, f, name.lower(), False))


def test_fill_and_boundary_codes():
    assert image.FILL_MODES == {k.lower(): v for k, v in image.ENUMS["Fill"].items()}
    assert sorted(image.ENUMS["Fill"].values()) == [0, 1, 2, 3]
    assert sorted(image.ENUMS["SplineBoundary"].values()) == [0, 1]
    assert set(image.SPLINE_BOUNDARY.values()) == set(image.ENUMS["SplineBoundary"].values())


def test_pool_codes_pick_the_pooling():
    x = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)
    pool = conv.ENUMS["Pool"]
    y, idx = conv.pool2d_fwd(x, (2, 2), (2, 2), (0, 0), (2, 2), pool["MAX"])
    np.testing.assert_array_equal(y[0, :, :, 0], [[5, 7], [13, 15]])
    assert idx is not None
    y, idx = conv.pool2d_fwd(x, (2, 2), (2, 2), (0, 0), (2, 2), pool["AVG"])
    np.testing.assert_array_equal(y[0, :, :, 0], [[2.5, 4.5], [10.5, 12.5]])
    assert idx is None
