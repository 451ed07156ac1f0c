"""The named codes of ckeras.kernels.codes mirror the C enums: every _ext
module exposes the values it uses as ENUMS, read from the C headers through
the .pxd files (no literals), and they agree with the Python IntEnums."""
import numpy as np
import pytest

from ckeras.kernels import codes

act = pytest.importorskip("ckeras._ext._act")
dense = pytest.importorskip("ckeras._ext._dense")
conv = pytest.importorskip("ckeras._ext._conv")
rnn = pytest.importorskip("ckeras._ext._rnn")
bd = pytest.importorskip("ckeras._ext._bidirectional")
image = pytest.importorskip("ckeras._ext._image")

MODULES = {act: {"Act"}, dense: {"Act"}, conv: {"Act", "Pool"}, rnn: {"Act"},
           bd: {"Merge"}, image: {"Fill", "SplineBoundary", "Interp"}}


@pytest.mark.parametrize("mod", MODULES, ids=lambda m: m.__name__)
def test_every_module_has_its_enums_and_they_match_the_python_codes(mod):
    assert set(mod.ENUMS) == MODULES[mod]
    for name, members in mod.ENUMS.items():
        enum = getattr(codes, name)
        assert members == {m.name: int(m) for m in enum}, name


def test_merge_names_and_codes_pick_the_same_kernel():
    assert bd.MERGE_CODES == {m.name.lower(): int(m) for m in codes.Merge}
    f = np.arange(6, dtype=np.float32).reshape(1, 2, 3)
    for m in codes.Merge:
        np.testing.assert_array_equal(bd.bidir_merge_fwd(f, f, m, False),
                                      bd.bidir_merge_fwd(f, f, m.name.lower(), False))


def test_fill_modes_and_spline_boundaries():
    assert image.FILL_MODES == {m.name.lower(): int(m) for m in codes.Fill}
    assert set(image.SPLINE_BOUNDARY.values()) == {int(b) for b in codes.SplineBoundary}


def test_pool_codes_pick_the_pooling():
    x = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)
    y, idx = conv.pool2d_fwd(x, (2, 2), (2, 2), (0, 0), (2, 2), codes.Pool.MAX)
    np.testing.assert_array_equal(y[0, :, :, 0], [[5, 7], [13, 15]])
    assert idx is not None
    y, idx = conv.pool2d_fwd(x, (2, 2), (2, 2), (0, 0), (2, 2), codes.Pool.AVG)
    np.testing.assert_array_equal(y[0, :, :, 0], [[2.5, 4.5], [10.5, 12.5]])
    assert idx is None


def test_recurrent_activations_exclude_softmax():
    assert codes.RECURRENT_ACTS == set(codes.Act) - {codes.Act.SOFTMAX}
