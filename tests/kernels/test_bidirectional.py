"""Bidirectional sequence kernels: C (ckeras._ext._bidirectional) against the
NumPy reference (and the reference against plain NumPy definitions), float32
and float64, edge shapes, bad arguments."""
import zlib

import numpy as np
import pytest

from ckeras.kernels.reference import bidirectional as ref

bd = pytest.importorskip("ckeras._ext._bidirectional")

MODES = ["concat", "sum", "mul", "ave"]
DTYPES = [np.float32, np.float64]
IMPLS = {"c": bd, "numpy": ref}


def _rng(*key):
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


def _mask(rng, N, T, kind):
    m = rng.random((N, T)) > 0.4
    if kind == "rows" and N:
        m[0] = False            # a fully masked row
        m[-1, : T // 2] = False  # pre-padded
    return m


# ------------------------------------------------------------------ reverse
REV_SHAPES = [(3, 5, 4), (1, 1, 1), (1, 7, 1), (4, 1, 3), (2, 6), (2, 3, 2, 5), (3, 0, 2),
              (0, 4, 3)]


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", REV_SHAPES, ids=str)
@pytest.mark.parametrize("mk", ["none", "random", "rows"])
def test_reverse_time(impl, dtype, shape, mk):
    rng = _rng("rev", shape, mk)
    x = rng.standard_normal(shape).astype(dtype)
    mask = None if mk == "none" else _mask(rng, shape[0], shape[1], mk)
    before = x.copy()
    y, m = IMPLS[impl].reverse_time(x, mask)
    assert y.dtype == dtype and y.shape == x.shape and y.flags.c_contiguous
    assert y is not x
    np.testing.assert_array_equal(y, x[:, ::-1])
    np.testing.assert_array_equal(x, before)
    if mask is None:
        assert m is None
    else:
        assert m.dtype == mask.dtype and m.shape == mask.shape
        np.testing.assert_array_equal(m, mask[:, ::-1])
    # its own inverse (and so its own backward)
    z, m2 = IMPLS[impl].reverse_time(y, m)
    np.testing.assert_array_equal(z, x)
    if mask is not None:
        np.testing.assert_array_equal(m2, mask)


@pytest.mark.parametrize("impl", IMPLS)
def test_reverse_mask_only_and_uint8(impl):
    mask = np.array([[1, 1, 0, 0], [0, 1, 1, 1], [0, 0, 0, 0]], np.uint8)
    y, m = IMPLS[impl].reverse_time(None, mask)
    assert y is None and m.dtype == np.uint8
    np.testing.assert_array_equal(m, mask[:, ::-1])


# ------------------------------------------------------------------- merge
# (f shape, Db for concat, time_axis, reverse): 3-D batch-major, time-major,
# 2-D last outputs, and edge sizes.
MERGE_SHAPES = [
    ((3, 5, 4), 2, 1, True),
    ((3, 5, 4), 4, 1, False),
    ((1, 1, 1), 1, 1, True),
    ((1, 6, 1), 3, 1, True),
    ((2, 4, 3), 1, 0, True),     # time-major (T, B, D)
    ((4, 3), 5, 1, False),       # (B, D) last output
    ((1, 1), 1, 1, False),
    ((2, 3, 2, 3), 3, 1, True),  # extra axis between time and features
    ((2, 0, 3), 2, 1, True),     # zero-length sequence
]


def _expect(f, b, mode, reverse, ta):
    """Plain NumPy statement of the merge."""
    bb = np.flip(b, ta) if reverse else b
    return {"concat": lambda: np.concatenate([f, bb], -1), "sum": lambda: f + bb,
            "mul": lambda: f * bb, "ave": lambda: (f + bb) * f.dtype.type(0.5)}[mode]()


def _operands(rng, fshape, Db, mode, dtype):
    f = rng.standard_normal(fshape).astype(dtype)
    bshape = fshape[:-1] + (Db,) if mode == "concat" else fshape
    b = rng.standard_normal(bshape).astype(dtype)
    return f, b


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("fshape, Db, ta, reverse", MERGE_SHAPES, ids=str)
def test_merge_c_matches_reference(fshape, Db, ta, reverse, mode, dtype):
    rng = _rng("merge", fshape, Db, ta, reverse, mode)
    f, b = _operands(rng, fshape, Db, mode, dtype)
    out_c = bd.bidir_merge_fwd(f, b, mode, reverse, ta)
    out_r = ref.bidir_merge_fwd(f, b, mode, reverse, ta)
    assert out_c.dtype == dtype and out_c.shape == out_r.shape and out_c.flags.c_contiguous
    # bit-identical: the layer's numbers must not depend on the kernel choice
    np.testing.assert_array_equal(out_c, out_r)
    np.testing.assert_array_equal(out_r, _expect(f, b, mode, reverse, ta))

    dout = rng.standard_normal(out_c.shape).astype(dtype)
    before = [a.copy() for a in (f, b, dout)]
    df_c, db_c = bd.bidir_merge_bwd(dout, f, b, mode, reverse, ta)
    df_r, db_r = ref.bidir_merge_bwd(dout, f, b, mode, reverse, ta)
    for got, want, like in ((df_c, df_r, f), (db_c, db_r, b)):
        assert got.dtype == dtype and got.shape == like.shape and got.flags.c_contiguous
        np.testing.assert_array_equal(got, want)
    for a, a0 in zip((f, b, dout), before):
        np.testing.assert_array_equal(a, a0)
    assert df_c is not dout and db_c is not dout and df_c is not db_c
    assert df_r is not dout and db_r is not dout and df_r is not db_r


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("reverse", [False, True])
def test_merge_backward_is_the_adjoint(mode, reverse):
    """<dout, d fwd(f, b)[df, db]> == <df, dF> + <db, dB>: the split is the
    transpose of the merge's Jacobian (float64, linear in each side)."""
    rng = _rng("adjoint", mode, reverse)
    f, b = _operands(rng, (3, 4, 2), 3, mode, np.float64)
    dout = rng.standard_normal(ref.bidir_merge_fwd(f, b, mode, reverse).shape)
    vf, vb = rng.standard_normal(f.shape), rng.standard_normal(b.shape)
    eps = 1e-6
    jvp = (ref.bidir_merge_fwd(f + eps * vf, b + eps * vb, mode, reverse)
           - ref.bidir_merge_fwd(f - eps * vf, b - eps * vb, mode, reverse)) / (2 * eps)
    for impl in (bd, ref):
        df, db = impl.bidir_merge_bwd(dout, f, b, mode, reverse)
        np.testing.assert_allclose(np.sum(dout * jvp), np.sum(df * vf) + np.sum(db * vb),
                                   rtol=1e-9)


@pytest.mark.parametrize("impl", IMPLS)
def test_merge_bwd_skips_unneeded(impl):
    rng = _rng("skip")
    f, b = _operands(rng, (2, 3, 4), 4, "mul", np.float32)
    dout = rng.standard_normal((2, 3, 4)).astype(np.float32)
    df, db = IMPLS[impl].bidir_merge_bwd(dout, f, b, "mul", True, need_df=False)
    assert df is None
    np.testing.assert_array_equal(db, (dout * f)[:, ::-1])
    df, db = IMPLS[impl].bidir_merge_bwd(dout, f, b, "mul", True, need_db=False)
    assert db is None
    np.testing.assert_array_equal(df, dout * b[:, ::-1])


@pytest.mark.parametrize("impl", IMPLS)
def test_bad_arguments(impl):
    m = IMPLS[impl]
    f32 = np.zeros((2, 3, 4), np.float32)
    with pytest.raises(ValueError, match="merge mode"):
        m.bidir_merge_fwd(f32, f32, "max", False)
    with pytest.raises(ValueError, match="merge mode"):
        m.bidir_merge_fwd(f32, f32, 7, False)
    with pytest.raises(ValueError, match="b has shape"):
        m.bidir_merge_fwd(f32, np.zeros((2, 3, 2), np.float32), "sum", False)
    with pytest.raises(ValueError, match="b has shape"):
        m.bidir_merge_fwd(f32, np.zeros((2, 4, 2), np.float32), "concat", False)
    with pytest.raises(ValueError, match="dtype"):
        m.bidir_merge_fwd(f32, f32.astype(np.float64), "sum", False)
    with pytest.raises(ValueError, match="no time axis"):
        m.bidir_merge_fwd(f32[:, 0].copy(), f32[:, 0].copy(), "sum", True)
    with pytest.raises(ValueError, match="time_axis"):
        m.bidir_merge_fwd(f32, f32, "sum", True, 2)
    with pytest.raises(ValueError, match="C-contiguous"):
        m.bidir_merge_fwd(f32[:, ::-1], f32, "sum", False)
    with pytest.raises(ValueError, match="dout has shape"):
        m.bidir_merge_bwd(f32, f32, f32, "concat", False)
    with pytest.raises(ValueError, match="mask has shape"):
        m.reverse_time(f32, np.ones((2, 4), bool))
    with pytest.raises(ValueError, match="mask must be a bool"):
        m.reverse_time(f32, np.ones((2, 3), np.float32))
    with pytest.raises(ValueError, match="time axis"):
        m.reverse_time(np.zeros(3, np.float32))
    with pytest.raises(TypeError):
        m.reverse_time([[1.0, 2.0]])
    with pytest.raises(ValueError, match="x or mask"):
        m.reverse_time(None, None)


def _raised(fn, *args):
    try:
        fn(*args)
    except Exception as e:  # noqa: BLE001 - the type is what is compared
        return type(e), str(e)
    return None


F32 = np.zeros((2, 3, 4), np.float32)
BAD_CALLS = [
    ("mode name", "bidir_merge_fwd", (F32, F32, "max", False)),
    ("mode code", "bidir_merge_fwd", (F32, F32, 7, False)),
    ("mode type", "bidir_merge_fwd", (F32, F32, 1.0, False)),
    ("f list", "bidir_merge_fwd", ([[1.0]], F32, "sum", False)),
    ("f 1-D", "bidir_merge_fwd", (F32[0, 0].copy(), F32[0, 0].copy(), "sum", False)),
    ("b shape", "bidir_merge_fwd", (F32, F32[:, :, :2].copy(), "sum", False)),
    ("b concat", "bidir_merge_fwd", (F32, np.zeros((2, 4, 2), np.float32), "concat", False)),
    ("b 0-d concat", "bidir_merge_fwd", (F32, np.zeros((), np.float32), "concat", False)),
    ("b 0-d sum", "bidir_merge_fwd", (F32, np.zeros((), np.float32), "sum", False)),
    ("b 2-D concat", "bidir_merge_fwd", (F32, np.zeros((2, 3), np.float32), "concat", False)),
    ("b 4-D concat", "bidir_merge_fwd", (F32, np.zeros((2, 3, 4, 1), np.float32), "concat",
                                         False)),
    ("b 0-d bwd", "bidir_merge_bwd", (F32, F32, np.zeros((), np.float32), "concat", False)),
    ("b dtype", "bidir_merge_fwd", (F32, F32.astype(np.float64), "sum", False)),
    ("f int", "bidir_merge_fwd", (F32.astype(np.int64), F32, "sum", False)),
    ("f strided", "bidir_merge_fwd", (F32[:, ::-1], F32, "sum", False)),
    ("f swapped", "bidir_merge_fwd", (F32.astype(">f4"), F32, "sum", False)),
    ("2-D reverse", "bidir_merge_fwd", (F32[:, 0].copy(), F32[:, 0].copy(), "ave", True)),
    ("time_axis", "bidir_merge_fwd", (F32, F32, "sum", True, 2)),
    ("dout shape", "bidir_merge_bwd", (F32, F32, F32, "concat", False)),
    ("dout dtype", "bidir_merge_bwd", (F32.astype(np.float64), F32, F32, "sum", False)),
    ("mask shape", "reverse_time", (F32, np.ones((2, 4), bool))),
    ("mask dtype", "reverse_time", (F32, np.ones((2, 3), np.float32))),
    ("mask 3-D", "reverse_time", (None, np.ones((2, 3, 1), bool))),
    ("mask strided", "reverse_time", (F32, np.ones((2, 6), bool)[:, ::2])),
    ("no time axis", "reverse_time", (np.zeros(3, np.float32),)),
    ("x list", "reverse_time", ([[1.0, 2.0]],)),
    ("nothing", "reverse_time", (None, None)),
]


@pytest.mark.parametrize("case", BAD_CALLS, ids=lambda c: c[0])
def test_errors_same_as_reference(case):
    """The C module's checks are Cython ports of the reference's: same
    order, same exception types, same messages."""
    _, op, args = case
    want = _raised(getattr(ref, op), *args)
    assert want is not None
    assert _raised(getattr(bd, op), *args) == want


def test_registry_serves_the_ops():
    from ckeras.kernels import use_kernels
    with use_kernels("c") as k:
        assert k.reverse_time is bd.reverse_time
        assert k.bidir_merge_fwd is bd.bidir_merge_fwd
        assert k.bidir_merge_bwd is bd.bidir_merge_bwd
    with use_kernels("numpy") as k:
        assert k.bidir_merge_bwd is ref.bidir_merge_bwd
