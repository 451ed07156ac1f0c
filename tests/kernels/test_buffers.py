"""The array buffer cache (csrc/ck_memory.c through ckeras.kernels.buffers):
freed buffers of 64 KiB or more, allocated inside `cached()`, are kept by
size and handed out again; everything else keeps NumPy's allocator."""
import threading

import numpy as np
import pytest

import ckeras
from ckeras import backend as K
from ckeras.kernels import buffers

pytest.importorskip("ckeras._ext._memory")

BIG = (256, 1024)          # 1 MiB of float32
MIB = 1 << 20


@pytest.fixture(autouse=True)
def empty_cache():
    buffers.release()
    yield
    buffers.release()


def _address(a):
    return a.__array_interface__["data"][0]


def test_a_freed_buffer_is_kept_and_handed_out_again_by_size():
    with buffers.cached():
        a = np.empty(BIG, np.float32)
        where = _address(a)
        del a
        assert buffers.cached_bytes() == MIB
        b = np.empty(BIG[::-1], np.float32)     # another shape, the same size
        assert _address(b) == where and buffers.cached_bytes() == 0
        c = np.empty((MIB + 8,), np.uint8)      # another size: not that buffer
        assert _address(c) != _address(b)


def test_zeros_from_a_kept_buffer_are_zero():
    with buffers.cached():
        a = np.full(BIG, 7.0, np.float32)
        del a
        z = np.zeros(BIG, np.float32)
    assert buffers.cached_bytes() == 0 and not z.any()


def test_small_arrays_and_arrays_made_outside_are_not_kept():
    with buffers.cached():
        small = np.empty(16 * 1024 - 1, np.float32)     # just under 64 KiB
    outside = np.empty(BIG, np.float32)
    del small, outside
    assert buffers.cached_bytes() == 0


def test_an_array_made_inside_returns_its_buffer_when_freed_outside():
    with buffers.cached():
        a = np.ones(BIG, np.float32)
    assert buffers.cached_bytes() == 0
    del a
    assert buffers.cached_bytes() == MIB


def test_the_cap_releases_the_size_used_longest_ago():
    sizes = [100 * MIB, 101 * MIB, 102 * MIB]        # np.empty touches no page
    with buffers.cached():
        blocks = [np.empty(n, np.uint8) for n in sizes]
    while blocks:
        del blocks[0]
    # 303 MiB freed against a 256 MiB cap: the first (oldest) went back
    assert buffers.cached_bytes() == sizes[1] + sizes[2]


def test_release_and_clear_session_free_what_is_kept():
    with buffers.cached():
        a, b = np.empty(BIG, np.float32), np.empty(BIG, np.float64)
    del a, b
    assert buffers.cached_bytes() == 3 * MIB
    buffers.release()
    assert buffers.cached_bytes() == 0
    with buffers.cached():
        np.empty(BIG, np.float32)
    assert buffers.cached_bytes() == MIB
    K.clear_session()
    assert buffers.cached_bytes() == 0


def test_threads_allocating_and_freeing_at_once_keep_the_cache_consistent():
    def work(seed):
        rng = np.random.default_rng(seed)
        with buffers.cached():
            for _ in range(300):
                n = int(rng.integers(1, 6)) * 64 * 1024
                a = np.empty(n, np.uint8)
                a[::4096] = 1
                del a
    threads = [threading.Thread(target=work, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # five sizes, at most 16 blocks each, every one of them freed
    assert 0 < buffers.cached_bytes() <= 16 * (1 + 2 + 3 + 4 + 5) * 64 * 1024


def _conv_model():
    model = ckeras.Sequential([ckeras.layers.Conv2D(8, 3, activation="relu",
                                                    input_shape=(32, 32, 3)),
                               ckeras.layers.GlobalAveragePooling2D(),
                               ckeras.layers.Dense(2, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    return model


def test_training_steps_and_tape_gradients_reuse_their_buffers():
    rng = np.random.default_rng(0)
    x = rng.random((32, 32, 32, 3), dtype=np.float32)
    y = rng.integers(0, 2, 32)
    model = _conv_model()
    model.train_on_batch(x, y)
    kept = buffers.cached_bytes()
    assert kept > 0                   # the step's large arrays were kept
    model.train_on_batch(x, y)
    assert buffers.cached_bytes() == kept     # and found again by the next step
    buffers.release()
    loss_fn = ckeras.losses.SparseCategoricalCrossentropy()
    with ckeras.GradientTape() as tape:
        loss = loss_fn(y, model(x, training=True))
    grads = tape.gradient(loss, model.trainable_weights)
    del loss, tape
    assert buffers.cached_bytes() > 0 and len(grads) == 4
