"""The preprocessing layers' image kernels (resize_taps, projective): C
(ckeras._ext._image) against the NumPy reference, every fill mode and
interpolation, float32/float64, odd and empty shapes, coordinates far
outside the image or non-finite, and bad arguments. Agreement with
TensorFlow itself is checked by the layers' golden tests
(tests/layers/preprocessing)."""
import zlib

import numpy as np
import pytest

from ckeras.kernels.codes import Fill, Interp
from ckeras.kernels.reference import image as ref

im = pytest.importorskip("ckeras._ext._image")

DTYPES = [np.float32, np.float64]


def _rng(*key):
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


def _taps(rng, n_in, n_out, k):
    idx = rng.integers(0, n_in, (n_out, k)).astype(np.intp)
    return idx, rng.standard_normal((n_out, k))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("trial", range(12))
def test_resize_taps_c_equals_reference_and_the_dense_formula(dtype, trial):
    rng = _rng("resize", trial, np.dtype(dtype).name)
    n, hi, wi, c = (int(v) for v in rng.integers(1, 7, 4))
    ho, wo, kr, kc = (int(v) for v in rng.integers(1, 6, 4))
    x = rng.standard_normal((n, hi, wi, c)).astype(dtype)
    ri, rw = _taps(rng, hi, ho, kr)
    ci, cw = _taps(rng, wi, wo, kc)
    got = im.resize_taps(x, ri, rw, ci, cw)
    want = ref.resize_taps(x, ri, rw, ci, cw)
    # the same map as two dense matrices
    mr, mc = np.zeros((ho, hi)), np.zeros((wo, wi))
    np.add.at(mr, (np.arange(ho)[:, None].repeat(kr, 1), ri), rw)
    np.add.at(mc, (np.arange(wo)[:, None].repeat(kc, 1), ci), cw)
    dense = np.einsum("ih,jw,nhwc->nijc", mr, mc, x.astype(np.float64))
    tol = 1e-5 if dtype == np.float32 else 1e-12
    assert got.dtype == want.dtype == dtype and got.shape == (n, ho, wo, c)
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)
    np.testing.assert_allclose(got, dense, rtol=tol, atol=tol)


@pytest.mark.parametrize("impl", [im, ref], ids=["c", "numpy"])
def test_resize_taps_bad_arguments(impl):
    x = np.zeros((1, 3, 4, 2), np.float32)
    ri, rw = np.zeros((2, 1), np.intp), np.ones((2, 1))
    with pytest.raises(ValueError, match="outside the input"):
        impl.resize_taps(x, ri + 3, rw, ri, rw)
    with pytest.raises(ValueError, match="outside the input"):
        impl.resize_taps(x, ri, rw, ri - 1, rw)
    with pytest.raises(ValueError, match="row_idx must be"):
        impl.resize_taps(x, ri.astype(np.int32), rw, ri, rw)
    with pytest.raises(ValueError, match="share a shape"):
        impl.resize_taps(x, ri, np.ones((2, 2)), ri, rw)
    with pytest.raises(ValueError, match="4-D"):
        impl.resize_taps(x[0], ri, rw, ri, rw)
    assert impl.resize_taps(x[:0], ri, rw, ri, rw).shape == (0, 2, 2, 2)


def _transforms(rng, n, far=False):
    t = np.zeros((n, 8), np.float32)
    a = rng.uniform(-np.pi, np.pi, n)
    s = rng.uniform(0.5, 2.0, (n, 2))
    t[:, 0], t[:, 1] = np.cos(a) * s[:, 0], -np.sin(a)
    t[:, 3], t[:, 4] = np.sin(a), np.cos(a) * s[:, 1]
    t[:, 2], t[:, 5] = rng.uniform(-12, 12, (2, n)) * (1e4 if far else 1)
    t[:, 6:] = rng.choice([0.0, 0.03], (n, 2)) * rng.standard_normal((n, 2))
    return t


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode", list(Fill), ids=lambda m: m.name)
@pytest.mark.parametrize("interp", list(Interp), ids=lambda m: m.name)
@pytest.mark.parametrize("trial", range(4))
def test_projective_c_equals_reference(dtype, mode, interp, trial):
    rng = _rng("proj", trial, int(mode), int(interp), np.dtype(dtype).name)
    n, h, w, c = (int(v) for v in rng.integers(1, 8, 4))
    x = rng.standard_normal((n, h, w, c)).astype(dtype)
    t = _transforms(rng, n if trial % 2 else 1, far=trial == 3)
    shape = None if trial < 2 else (int(rng.integers(1, 9)), int(rng.integers(1, 9)))
    got = im.projective(x, t, int(interp), int(mode), 0.5, output_shape=shape)
    want = ref.projective(x, t, int(interp), int(mode), 0.5, output_shape=shape)
    assert got.dtype == dtype and got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("impl", [im, ref], ids=["c", "numpy"])
def test_projective_identity_shift_and_fill(impl):
    x = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4, 1)
    ident = np.array([[1, 0, 0, 0, 1, 0, 0, 0]], np.float32)
    for interp in Interp:
        np.testing.assert_array_equal(impl.projective(x, ident, int(interp), 0, 0.0), x)
    # one column right: output col j reads input col j - 1; col 0 is the fill
    shift = np.array([[1, 0, -1, 0, 1, 0, 0, 0]], np.float32)
    y = impl.projective(x, shift, int(Interp.NEAREST), int(Fill.CONSTANT), -7.0)
    np.testing.assert_array_equal(y[:, :, 1:], x[:, :, :-1])
    assert (y[:, :, 0] == -7).all()
    # non-finite coordinates read the fill value in constant mode
    nan = np.array([[np.nan, 0, 0, 0, 1, 0, 0, 0]], np.float32)
    assert (impl.projective(x, nan, int(Interp.BILINEAR), int(Fill.CONSTANT), 3.0)[..., 0]
            != x[..., 0]).all()


@pytest.mark.parametrize("impl", [im, ref], ids=["c", "numpy"])
def test_projective_bad_arguments(impl):
    x = np.zeros((2, 3, 4, 1), np.float32)
    t = np.zeros((2, 8), np.float32)
    with pytest.raises(ValueError, match="transforms must have shape"):
        impl.projective(x, np.zeros((3, 8), np.float32), 0, 0)
    with pytest.raises(ValueError, match="transforms must have shape"):
        impl.projective(x, np.zeros((2, 6), np.float32), 0, 0)
    with pytest.raises(ValueError, match="float32"):
        impl.projective(x, t.astype(np.float64), 0, 0)
    with pytest.raises(ValueError, match="fill-mode code"):
        impl.projective(x, t, 0, 9)
    with pytest.raises(ValueError, match="Interp code"):
        impl.projective(x, t, 5, 0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("c", [1, 3, 4, 5])
@pytest.mark.parametrize("sizes", [((64, 48), (56, 40)), ((20, 30), (40, 61)),
                                   ((16, 16), (8, 8))])
def test_resize_taps_two_tap_rows_and_columns(dtype, c, sizes):
    """Bilinear taps (two per output), then the same with every other
    second row weight set to zero (a tap the row pass skips): the two-tap
    loops give the reference's values, on batches large enough to be shared
    with the helper thread."""
    from ckeras.backend import resize as taps_of
    (hi, wi), (ho, wo) = sizes
    rng = _rng("two-tap", c, hi, ho, np.dtype(dtype).name)
    x = rng.standard_normal((9, hi, wi, c)).astype(dtype)
    ri, rw = taps_of.taps(hi, ho, "bilinear")
    ci, cw = taps_of.taps(wi, wo, "bilinear")
    assert ri.shape[1] == ci.shape[1] == 2
    rz = rw.copy()
    rz[::2, 1] = 0.0
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for row_w in (rw, rz):
        got = im.resize_taps(x, ri, row_w, ci, cw)
        want = ref.resize_taps(x, ri, row_w, ci, cw)
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


# ---------------------------------------------------------------- resize_u8
def _resize_u8_case(rng, c, cx, pixel_gap, taps):
    """An 8-bit image (a strided view: padded pixels and a cropped window)
    with its taps: `taps` is ("random", kr, kc) or a tf.image.resize method."""
    from ckeras.backend import resize
    hi, wi = (int(v) for v in rng.integers(1, 12, 2))
    ho, wo = (int(v) for v in rng.integers(1, 10, 2))
    full = rng.integers(0, 256, (hi + 3, wi + 2, cx + pixel_gap), dtype=np.uint8)
    x = full[2:2 + hi, 1:1 + wi, :cx]
    if taps[0] == "random":
        ri, rw = _taps(rng, hi, ho, taps[1])
        ci, cw = _taps(rng, wi, wo, taps[2])
    else:
        ri, rw = resize.taps(hi, ho, taps)
        ci, cw = resize.taps(wi, wo, taps)
    return x, ri, rw, ci, cw, (ho, wo, c)


U8_TAPS = [("random", 1, 1), ("random", 2, 2), ("random", 3, 4), "bilinear", "nearest",
           "bicubic", "area", "lanczos3", "lanczos5", "gaussian", "mitchellcubic"]
U8_CHANNELS = [(1, 1, 0), (3, 3, 0), (3, 4, 0), (4, 4, 0), (3, 4, 3), (2, 5, 0), (1, 4, 0)]


@pytest.mark.parametrize("taps", U8_TAPS, ids=str)
@pytest.mark.parametrize("c,cx,gap", U8_CHANNELS)
def test_resize_u8_is_resize_taps_of_the_float_image(taps, c, cx, gap):
    # (c, cx, gap): channels resized, channels stored, extra bytes per pixel;
    # (3, 4, 0) is Pillow's RGBX, which takes the 4-lane path when 2 taps
    for trial in range(4):
        rng = _rng("resize_u8", str(taps), c, cx, gap, trial)
        x, ri, rw, ci, cw, shape = _resize_u8_case(rng, c, cx, gap, taps)
        out = np.full(shape, np.nan, np.float32)
        assert im.resize_u8(x, ri, rw, ci, cw, out) is out
        # the same float32 sums as the float kernel: bit for bit
        want = im.resize_taps(np.ascontiguousarray(x[None, :, :, :c], np.float32),
                              ri, rw, ci, cw)[0]
        np.testing.assert_array_equal(out, want)
        ref_out = np.full(shape, np.nan, np.float32)
        ref.resize_u8(x, ri, rw, ci, cw, ref_out)
        np.testing.assert_allclose(out, ref_out, rtol=1e-5, atol=1e-3)


def test_resize_u8_writes_a_batch_slot_and_flipped_views():
    rng = _rng("resize_u8_slot")
    x = rng.integers(0, 256, (9, 13, 4), dtype=np.uint8)
    from ckeras.backend import resize
    ri, rw = resize.taps(9, 6, "bilinear")
    ci, cw = resize.taps(13, 5, "bilinear")
    batch = np.full((3, 6, 5, 3), -1, np.float32)
    im.resize_u8(x[::-1, ::-1], ri, rw, ci, cw, batch[1])
    want = im.resize_taps(np.ascontiguousarray(x[None, ::-1, ::-1, :3], np.float32),
                          ri, rw, ci, cw)[0]
    np.testing.assert_array_equal(batch[1], want)
    assert (batch[0] == -1).all() and (batch[2] == -1).all()   # neighbours untouched


@pytest.mark.parametrize("impl", [im, ref], ids=["c", "numpy"])
def test_resize_u8_bad_arguments(impl):
    x = np.zeros((3, 4, 3), np.uint8)
    out = np.zeros((2, 2, 3), np.float32)
    ri, rw = np.zeros((2, 1), np.intp), np.ones((2, 1))
    with pytest.raises(ValueError, match="outside the input"):
        impl.resize_u8(x, ri + 3, rw, ri, rw, out)
    with pytest.raises(ValueError, match="outside the input"):
        impl.resize_u8(x, ri, rw, ri - 1, rw, out)
    with pytest.raises(ValueError, match="numpy.uint8"):
        impl.resize_u8(x.astype(np.float32), ri, rw, ri, rw, out)
    with pytest.raises(ValueError, match="numpy.uint8"):
        impl.resize_u8(x[:, :, 0], ri, rw, ri, rw, out)
    with pytest.raises(ValueError, match="adjacent channels"):
        impl.resize_u8(x[:, :, ::2], ri, rw, ri, rw, out[:, :, :2])
    with pytest.raises(ValueError, match="out"):
        impl.resize_u8(x, ri, rw, ri, rw, out.astype(np.float64))
    with pytest.raises(ValueError, match="out"):
        impl.resize_u8(x, ri, rw, ri, rw, np.zeros((2, 4, 3), np.float32)[:, ::2])
    ro = out.copy()
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="writeable"):
        impl.resize_u8(x, ri, rw, ri, rw, ro)
    with pytest.raises(ValueError, match="3 channels but x only 2"):
        impl.resize_u8(x[:, :, :2], ri, rw, ri, rw, out)
    with pytest.raises(ValueError, match=r"share a shape \(2, taps\)"):
        impl.resize_u8(x, ri[:1], rw[:1], ri, rw, out)
    with pytest.raises(ValueError, match="row_idx must be"):
        impl.resize_u8(x, ri.astype(np.int32), rw, ri, rw, out)
    assert (out == 0).all()                    # nothing written on a refused call
    empty = np.zeros((0, 2, 3), np.float32)
    assert impl.resize_u8(x, ri[:0], rw[:0], ri, rw, empty) is empty


@pytest.mark.parametrize("mode,bands", [("RGB", 3), ("RGBA", 4), ("L", 1), ("P", 1),
                                        ("I;16", 1), ("CMYK", 4)])
def test_pillow_pixels_are_the_images_pixels(mode, bands):
    Image = pytest.importorskip("PIL.Image")
    rng = _rng("pillow_pixels", mode)
    rgba = rng.integers(0, 256, (7, 5, 4), dtype=np.uint8)
    img = Image.fromarray(rgba, "RGBA").convert(mode)
    want = np.asarray(img)
    want = want[:, :, None] if want.ndim == 2 else want
    for impl in (im, ref):
        px = impl.pillow_pixels(img)
        assert px.shape[:2] == (7, 5) and px.shape[2] >= bands
        np.testing.assert_array_equal(px[:, :, :bands], want)
    px = im.pillow_pixels(img)
    assert not px.flags.writeable
    del img                                 # the array keeps Pillow's memory alive
    import gc
    gc.collect()
    np.testing.assert_array_equal(px[:, :, :bands], want)
    if mode == "RGB":                       # Pillow's own layout: no copy was made
        assert px.shape[2] == 4 and px.base is not None
