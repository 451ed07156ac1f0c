"""Adam, RMSprop and SGD update through the fused C kernels (ckeras.kernels
optim): flush-to-zero on denormal moments, strided arrays, and the same
numbers as the NumPy references."""
import numpy as np
import pytest

from ckeras import optimizers
from ckeras.autograd import Variable
from ckeras.kernels import use_kernels


def _step(opt, w, g):
    opt.apply_gradients([(g, w)])


def test_adam_denormal_moments_give_the_flush_to_zero_result():
    """Parameters whose gradient became exactly zero: with their moments in
    the denormal range, the update reads them as zero and leaves zero (the
    FTZ result), the parameters stay put, and the live ones still move."""
    w = Variable(np.ones((4, 3), np.float32))
    g = np.zeros((4, 3), np.float32)
    g[2:] = 0.5
    with use_kernels("c"):      # (the suite also runs with CKERAS_KERNELS=numpy)
        opt = optimizers.Adam(1e-3)
        _step(opt, w, np.ones((4, 3), np.float32))
        m, v = opt.get_slot(w, "m").value, opt.get_slot(w, "v").value
        m[:2] = np.float32(3e-39)       # denormal float32
        v[:2] = np.float32(2e-39)
        assert 0 < m[0, 0] < np.finfo(np.float32).tiny
        before = w.value.copy()
        _step(opt, w, g)
    np.testing.assert_array_equal(m[:2], 0)
    np.testing.assert_array_equal(v[:2], 0)
    np.testing.assert_array_equal(w.value[:2], before[:2])
    assert np.all(w.value[2:] < before[2:])
    # the NumPy reference keeps the denormals (and so would slow down)
    w2 = Variable(np.ones((4, 3), np.float32))
    with use_kernels("numpy"):
        opt2 = optimizers.Adam(1e-3)
        _step(opt2, w2, np.ones((4, 3), np.float32))
        opt2.get_slot(w2, "m").value[:2] = np.float32(3e-39)
        opt2.get_slot(w2, "v").value[:2] = np.float32(2e-39)
        _step(opt2, w2, g)
    assert np.all(opt2.get_slot(w2, "m").value[:2] != 0)


@pytest.mark.parametrize("make", [
    lambda: optimizers.Adam(0.01, amsgrad=True),
    lambda: optimizers.AdamW(0.01, weight_decay=0.1),
    lambda: optimizers.RMSprop(0.01, momentum=0.5, centered=True),
    lambda: optimizers.legacy.RMSprop(0.01),
    lambda: optimizers.SGD(0.1, momentum=0.9, nesterov=True),
    lambda: optimizers.legacy.SGD(0.1),
])
def test_c_updates_equal_numpy_and_take_strided_arrays(make):
    """Three steps in C equal three in NumPy bit for bit (away from
    denormals), also with a strided gradient and a strided variable."""
    rng = np.random.default_rng(0)
    base = rng.standard_normal((6, 8)).astype(np.float32)
    grads = [rng.standard_normal((8, 6)).astype(np.float32).T for _ in range(3)]  # strided
    results = []
    for mode in ("c", "numpy"):
        with use_kernels(mode):
            w = Variable(base.copy())
            opt = make()
            for g in grads:
                _step(opt, w, g)
            results.append(w.value.copy())
    np.testing.assert_array_equal(results[0], results[1])
    assert not np.array_equal(results[0], base)
    # a variable whose value is a strided view is updated in place
    big = np.zeros((6, 16), np.float32)
    big[:, ::2] = base
    w = Variable(base.copy())
    w.value = big[:, ::2]
    if w.value.flags.c_contiguous:
        pytest.fail("Variable copied the strided value: the strided case is not reached")
    opt = make()
    for g in grads:
        _step(opt, w, g)
    np.testing.assert_array_equal(w.value, results[0])


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam_updates_all_float32_variables_in_one_call_with_the_same_bits(amsgrad,
                                                                          monkeypatch):
    """A step's float32 variables go to adam_update_many together; the bits
    are those of the variable-by-variable updates. A non-contiguous
    gradient, float64 variables or a subclass with its own _apply keep the
    one-by-one path."""
    from ckeras.kernels import kernels
    from ckeras.optimizers.optimizer import Optimizer
    rng = np.random.default_rng(0)
    shapes = [(7, 5), (5,), (300, 301), (1,)]
    inits = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    grads = [[rng.standard_normal(s).astype(np.float32) for s in shapes] for _ in range(3)]

    def run(fused):
        ws = [Variable(a.copy()) for a in inits]
        opt = optimizers.Adam(1e-2, amsgrad=amsgrad)
        if not fused:
            monkeypatch.setattr(opt, "_apply_all", Optimizer._apply_all.__get__(opt))
        for gs in grads:
            opt.apply_gradients(zip(gs, ws))
        return [w.value for w in ws] + [np.asarray(s) for s in opt.variables()]

    calls = []
    many = kernels().adam_update_many
    monkeypatch.setattr(kernels(), "adam_update_many",
                        lambda *a: calls.append(1) or many(*a))
    fused = run(True)
    assert len(calls) == 3
    for a, b in zip(fused, run(False)):
        np.testing.assert_array_equal(a, b)
    assert len(calls) == 3
    # a transposed (non-contiguous) gradient: the one-by-one path
    w = Variable(np.ones((3, 4), np.float32))
    opt = optimizers.Adam(1e-2)
    opt.apply_gradients([(np.ones((4, 3), np.float32).T, w)])
    assert len(calls) == 3 and np.all(w.value < 1)
