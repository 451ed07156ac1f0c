"""Bad input fails before any step; a worker process killed mid-fit loses nothing."""
import os
import signal

import dask.array as da
import numpy as np
import pytest
from dask_helpers import mlp, regression
from distributed import Client, LocalCluster

from ckeras import callbacks, optimizers
from ckeras.distribute import DaskStrategy


def test_dask_fit_outside_a_strategy_scope(client):
    x, y = regression(40)
    model = mlp()
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match=r"inside `with DaskStrategy\(client\)\.scope\(\):`"):
        model.fit(da.from_array(x, chunks=10), y)


def test_length_mismatch_fails_before_any_step(strategy):
    x, y = regression(64)
    with strategy.scope():
        model = mlp()
        model.compile("sgd", "mse")
    start = model.get_weights()
    with pytest.raises(ValueError, match=r"x: \[64\], y: \[60\]"):
        model.fit(da.from_array(x, chunks=16), da.from_array(y[:60], chunks=15), verbose=0)
    with pytest.raises(ValueError, match=r"sample_weight: \[63\]"):
        model.fit(x, y, sample_weight=np.ones(63), verbose=0)
    for a, b in zip(start, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert int(model.optimizer.iterations) == 0


def test_bad_arguments(strategy):
    with pytest.raises(ValueError, match="steps_per_sync"):
        DaskStrategy(steps_per_sync=0)
    x, y = regression(32)
    with strategy.scope():
        model = mlp()
        model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="validation_split"):
        model.fit(x, y, validation_split=0.2, verbose=0)
    with pytest.raises(ValueError, match=r"steps_per_epoch.*\[1, 1\]"):
        model.fit(x, y, steps_per_epoch=3, verbose=0)


def test_closed_client_fails_before_any_step():
    cluster = LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                           dashboard_address=":0")
    client = Client(cluster)
    strategy = DaskStrategy(client)
    with strategy.scope():
        model = mlp()
        model.compile("sgd", "mse")
    client.close()
    cluster.close()
    x, y = regression(32)
    start = model.get_weights()
    with pytest.raises(RuntimeError, match=r"client is not usable \(status 'closed'\)"):
        model.fit(x, y, verbose=0)
    for a, b in zip(start, model.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("source", ["dask", "numpy"])
def test_worker_process_killed_mid_fit_gives_the_exact_weights(source):
    x, y = regression(256, seed=21)
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           dashboard_address=":0")
    client = Client(cluster)
    try:
        strategy = DaskStrategy(client)
        local = mlp()
        local.compile(optimizers.Adam(0.01), "mse")
        with strategy.scope():
            dist = mlp()
            dist.compile(optimizers.Adam(0.01), "mse")
        dist.set_weights(local.get_weights())
        pids = client.run(os.getpid)
        killed = []

        class Kill(callbacks.Callback):
            def on_train_batch_end(self, batch, logs=None):
                if batch == 2 and not killed:
                    victim = sorted(pids)[0]
                    os.kill(pids[victim], signal.SIGKILL)
                    killed.append(victim)

        local.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0)
        if source == "dask":
            x, y = da.from_array(x, chunks=64), da.from_array(y, chunks=64)
        h = dist.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0, callbacks=[Kill()])
        assert killed and killed[0] not in client.scheduler_info()["workers"]
        assert len(h.history["loss"]) == 2
        for a, b in zip(local.get_weights(), dist.get_weights()):
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    finally:
        client.close()
        cluster.close()


def _mmapped_bytes_of_a_batch_buffer():
    """Bytes glibc hands out by mmap for a 4 MB buffer allocated after
    another was freed (0 when malloc reuses its heap)."""
    import ctypes

    class MallInfo2(ctypes.Structure):
        _fields_ = [(n, ctypes.c_size_t) for n in
                    "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks "
                    "keepcost".split()]

    libc = ctypes.CDLL("libc.so.6")
    libc.mallinfo2.restype = MallInfo2
    freed = np.empty(4 << 20, np.uint8)
    del freed
    before = libc.mallinfo2().hblkhd
    batch = np.empty(4 << 20, np.uint8)
    grown = libc.mallinfo2().hblkhd - before
    del batch
    return grown


def test_default_local_cluster_of_single_threaded_processes():
    from ckeras.utils import get_blas_threads
    strategy = DaskStrategy(n_workers=2)
    try:
        threads = strategy.client.run(get_blas_threads)
        assert sorted(threads.values()) == [1, 1]
        assert all(a.startswith("tcp://") for a in threads)      # processes, not threads
        # the nanny's MALLOC_TRIM_THRESHOLD_ would mmap every batch buffer afresh
        assert set(strategy.client.run(os.getenv, "MALLOC_TRIM_THRESHOLD_").values()) == \
            {"65536"}
        assert list(strategy.client.run(_mmapped_bytes_of_a_batch_buffer).values()) == [0, 0]
        x, y = regression(64, seed=22)
        local = mlp()
        local.compile("sgd", "mse")
        with strategy.scope():
            dist = mlp()
            dist.compile("sgd", "mse")
        dist.set_weights(local.get_weights())
        local.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
        dist.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
        for a, b in zip(local.get_weights(), dist.get_weights()):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    finally:
        strategy.close()
