"""DaskStrategy: fit, evaluate and predict on a Dask cluster."""
import contextlib
import ctypes
import os

from ckeras._internal import distribution
from ckeras.utils import set_blas_threads, set_kernel_threads


class DaskStrategy:
    """Synchronous data parallelism on a Dask cluster, used like
    `tf.distribute` strategies.

    A model compiled inside `strategy.scope()` trains on the cluster: each
    worker holds a Dask actor with its replica and its rows for the whole
    fit; each step, the client tells every actor which rows to train on,
    each computes the gradients of its share of the global batch, the
    workers sum them among themselves (an all-reduce, worker to worker) and
    every replica applies the same optimizer update; the client receives
    only the metric states. After N steps the weights are
    those of `fit(shuffle=False)` in one process on the same global batches
    (to float rounding). `evaluate` and `predict` on Dask collections run
    block by block on the workers.

    Args:
        client: a `distributed.Client`; give it `direct_to_workers=True`
            when it can reach the workers, or every step is relayed by the
            scheduler. None starts, on first use, a `LocalCluster` of
            single-threaded worker processes, one per core (`n_workers` to
            choose), with a direct client.
        n_workers: the size of the default local cluster.
        steps_per_sync: 1 (exact synchronous training), or k > 1: each
            worker takes k optimizer steps on its own rows of k global
            batches, then the replicas' weights are averaged (local SGD;
            approximate, for steps too short to pay a sync each).
        custom_objects: classes and functions the model's config names
            (custom layers, losses, metrics), as for `load_model`; the
            workers rebuild the model from its config.
        max_retries: how often a step is redone after workers die.

    Example:
        >>> strategy = DaskStrategy(client=Client(processes=False, n_workers=2))
        >>> with strategy.scope():
        ...     model = Sequential([Input((4,)), Dense(1)])
        ...     model.compile("sgd", "mse")
        >>> model.fit(dask_x, dask_y, batch_size=64, epochs=2)
    """

    def __init__(self, client=None, n_workers=None, steps_per_sync=1, custom_objects=None,
                 max_retries=3):
        if not isinstance(steps_per_sync, int) or steps_per_sync < 1:
            raise ValueError(f"DaskStrategy: `steps_per_sync` must be a positive integer; "
                             f"received {steps_per_sync!r}.")
        if n_workers is not None and (not isinstance(n_workers, int) or n_workers < 1):
            raise ValueError(f"DaskStrategy: `n_workers` must be a positive integer; "
                             f"received {n_workers!r}.")
        self._client = client
        self._own_cluster = None
        self.n_workers = n_workers
        self.steps_per_sync = steps_per_sync
        self.custom_objects = dict(custom_objects or {})
        self.max_retries = int(max_retries)

    @contextlib.contextmanager
    def scope(self):
        """Models compiled inside the scope train on this strategy's cluster."""
        distribution.enter_scope(self)
        try:
            yield self
        finally:
            distribution.exit_scope(self)

    @property
    def client(self):
        """The `distributed.Client` (the default local cluster's, started on
        first access when none was given)."""
        if self._client is None:
            from distributed import Client, LocalCluster  # lazy: heavy
            n = self.n_workers or os.cpu_count() or 1
            self._own_cluster = LocalCluster(n_workers=n, threads_per_worker=1,
                                             processes=True, dashboard_address=":0")
            # Direct: each step's calls go straight to the workers instead
            # of through the scheduler (2.7 against 9.6 ms per 330 kB round
            # trip, measured on 2 loaded cores).
            self._client = Client(self._own_cluster, direct_to_workers=True)
            # One worker per core: each worker's kernels and BLAS stay on one
            # thread, or they fight over the cores, and its malloc keeps
            # batch buffers (also after a restart, hence a plugin rather
            # than one client.run).
            self._client.register_plugin(_worker_plugin())
        return self._client

    def workers(self):
        """Addresses of the running workers (sorted); RuntimeError before any
        work is sent when the client is closed or has no worker."""
        client = self.client
        status = getattr(client, "status", "running")
        if status != "running":
            raise RuntimeError(
                f"DaskStrategy: the Dask client is not usable (status {status!r}); it was "
                "closed or lost its scheduler. Create a new Client and DaskStrategy.")
        try:
            info = client.scheduler_info()
        except Exception as e:
            raise RuntimeError(f"DaskStrategy: the Dask scheduler is unreachable: {e}") from e
        workers = sorted(info.get("workers", {}))
        if not workers:
            raise RuntimeError("DaskStrategy: the Dask cluster has no worker.")
        return workers

    def close(self):
        """Closes the local cluster this strategy started (not a given client)."""
        if self._own_cluster is not None:
            self._client.close()
            self._own_cluster.close()
            self._client = self._own_cluster = None

    def __repr__(self):
        return (f"DaskStrategy(client={self._client!r}, steps_per_sync="
                f"{self.steps_per_sync})")


def setup_worker():
    """Readies a worker process of the default cluster: its kernels and BLAS
    on one thread each, and malloc keeping batch-sized buffers."""
    set_blas_threads(1)
    set_kernel_threads(1)
    keep_batch_buffers()


# glibc's mallopt parameters
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3


def keep_batch_buffers():
    """Lets glibc's malloc reuse freed buffers of up to 32 MiB instead of
    returning them to the system; True if it took effect (glibc only).

    Dask's nannies start workers with MALLOC_TRIM_THRESHOLD_=65536, which
    also freezes glibc's mmap threshold at 128 kB: then every activation of
    a batch (4 MB for 4096 rows x 256 floats) is a fresh mmap whose pages
    fault in again, and predict took 1.4-1.7x the CPU time per row of the
    same call in a plain process (measured, 500k rows through an MLP). Up
    to 64 MiB of free heap stays with the worker.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    return (libc.mallopt(_M_MMAP_THRESHOLD, 32 << 20) == 1
            and libc.mallopt(_M_TRIM_THRESHOLD, 64 << 20) == 1)


def _worker_plugin():
    from distributed import WorkerPlugin  # lazy: heavy

    class Setup(WorkerPlugin):
        name = "ckeras-worker-setup"

        def setup(self, worker):
            setup_worker()

    return Setup()
