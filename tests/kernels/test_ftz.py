"""Flush-to-zero/denormals-are-zero inside the dense, recurrent, convolution
and optimizer kernels: denormal operands read as zero there, and the caller's
floating-point mode (x86 MXCSR) is the same after every call."""
import numpy as np
import pytest

from ckeras.kernels.codes import Act

optim = pytest.importorskip("ckeras._ext._optim")
dense = pytest.importorskip("ckeras._ext._dense")
rnn = pytest.importorskip("ckeras._ext._rnn")
conv = pytest.importorskip("ckeras._ext._conv")

DENORMAL = np.float32(1e-40)


def _calls():
    x = np.full((1, 1), DENORMAL, np.float32)
    w = np.full((1, 1), 1e10, np.float32)
    xs = np.full((1, 2, 1), DENORMAL, np.float32)
    W, R = np.full((1, 4), 1e10, np.float32), np.zeros((1, 4), np.float32)
    h0 = np.zeros((1, 1), np.float32)
    return {
        "dense_fwd": lambda: dense.dense_fwd(x, w, None, Act.LINEAR),
        "dense_bwd": lambda: dense.dense_bwd(x, w, np.zeros((1, 1), np.float32),
                                             np.full((1, 1), 1e10, np.float32),
                                             Act.LINEAR)[1],
        "lstm_fwd": lambda: rnn.lstm_fwd(xs, W, R, None, h0, h0, None, False, Act.LINEAR,
                                         Act.LINEAR)[2],
        "conv2d_fwd": lambda: conv.conv2d_fwd(x[None, None], w[None, None], None, Act.LINEAR,
                                              (1, 1), (1, 1), (0, 0), (1, 1)),
        "conv2d_bwd": lambda: conv.conv2d_bwd(x[None, None], w[None, None], None,
                                              np.full((1, 1, 1, 1), 1e10, np.float32),
                                              Act.LINEAR, (1, 1), (1, 1), (0, 0),
                                              need_dx=False, need_db=False)[1],
        "simple_fwd": lambda: rnn.simple_fwd(xs, W[:, :1].copy(), R[:, :1].copy(), None, h0,
                                             None, False, Act.LINEAR),
    }


@pytest.mark.parametrize("name", sorted(_calls()))
def test_denormal_operands_read_as_zero(name):
    """1e-40 * 1e10 is 1e-30 in IEEE arithmetic; with DAZ the kernel sees a
    zero operand and the product is exactly zero."""
    out = _calls()[name]()
    np.testing.assert_array_equal(out, 0)
    assert DENORMAL * np.float32(1e10) != 0       # NumPy, outside: no DAZ


@pytest.mark.parametrize("name", sorted(_calls()))
def test_caller_mode_restored(name):
    before = optim._mxcsr()
    if before < 0:
        pytest.fail("not an x86 SSE machine: MXCSR cannot be read")
    try:
        for mode in (before, before | 0x6000, (before | 0x8040) & ~0x6000):
            optim._mxcsr(mode)
            _calls()[name]()
            assert optim._mxcsr() == mode
    finally:
        optim._mxcsr(before)
