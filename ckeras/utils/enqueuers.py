"""The enqueuers: fetch the batches of a `Sequence` or a generator ahead of
training, in worker threads or forked processes (`fit(..., workers=N)`)."""
import concurrent.futures
import queue
import random
import threading


class SequenceEnqueuer:
    """Base class of the enqueuers that fetch batches ahead of training in
    worker threads or processes (`fit(..., workers=N)`).

    Args:
        sequence: a `Sequence` (OrderedEnqueuer) or a generator
            (GeneratorEnqueuer).
        use_multiprocessing: fetch in worker processes (forked, POSIX only:
            the data must then not rely on state shared with the parent
            after the start) instead of threads.
    """

    def __init__(self, sequence, use_multiprocessing=False):
        self.sequence = sequence
        self.use_multiprocessing = bool(use_multiprocessing)
        self._pool = None
        self._queue = None
        self._stop = None
        self._thread = None

    def is_running(self):
        """Whether `start` was called and `stop` was not."""
        return self._stop is not None and not self._stop.is_set()

    def start(self, workers=1, max_queue_size=10):
        """Starts fetching with `workers` workers, holding at most
        `max_queue_size` batches ahead.

        Raises:
            ValueError: `workers` < 1 or `max_queue_size` < 1.
        """
        if int(workers) < 1:
            raise ValueError(f"`workers` must be at least 1 to start an enqueuer; "
                             f"received {workers!r}.")
        if int(max_queue_size) < 1:
            raise ValueError(f"`max_queue_size` must be at least 1; received "
                             f"{max_queue_size!r}.")
        self._pool = _make_pool(int(workers), self.use_multiprocessing)
        self._queue = queue.Queue(int(max_queue_size))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self, timeout=None):
        """Stops the workers and waits for them (up to `timeout` seconds)."""
        if self._stop is None:
            return
        self._stop.set()
        while self._queue is not None and not self._queue.empty():
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        if self._thread is not None:
            self._thread.join(timeout)
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        self._thread = self._pool = None

    def _put(self, item):
        """Queues `item`, giving up when stopped; returns False then."""
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def get(self):
        """Yields the batches (re-raising an error from a worker here)."""
        while self.is_running():
            try:
                kind, value = self._queue.get(timeout=0.1)
            except queue.Empty:
                if self._thread is not None and not self._thread.is_alive() \
                        and self._queue.empty():
                    return
                continue
            if kind == "error":
                self.stop()
                raise value
            if kind == "end":
                return
            if isinstance(value, concurrent.futures.Future):
                try:
                    value = value.result()
                except BaseException:
                    self.stop()
                    raise
            yield value

    def _run(self):
        raise NotImplementedError


class OrderedEnqueuer(SequenceEnqueuer):
    """Fetches the batches of a `Sequence` in order, `workers` at a time,
    epoch after epoch (calling `on_epoch_end` between epochs).

    Args:
        sequence: the `Sequence`.
        use_multiprocessing: worker processes instead of threads.
        shuffle: visit the batches of each epoch in a random order.

    Example:
        >>> enqueuer = OrderedEnqueuer(batches)
        >>> enqueuer.start(workers=2, max_queue_size=4)
        >>> first = next(enqueuer.get())
        >>> enqueuer.stop()
    """

    def __init__(self, sequence, use_multiprocessing=False, shuffle=False):
        super().__init__(sequence, use_multiprocessing)
        self.shuffle = shuffle

    def _run(self):
        try:
            while not self._stop.is_set():
                order = list(range(len(self.sequence)))
                if self.shuffle:
                    random.shuffle(order)
                for i in order:
                    if not self._put(("batch", self._pool.submit(_get_item,
                                                                 self.sequence, i))):
                        return
                # tf-keras: the epoch's batches are consumed before the
                # sequence may change under on_epoch_end.
                while not self._queue.empty() and not self._stop.is_set():
                    self._stop.wait(0.01)
                if self._stop.is_set():
                    return
                self.sequence.on_epoch_end()
        except Exception as e:   # surfaces in get(), in the training thread
            self._put(("error", e))


class GeneratorEnqueuer(SequenceEnqueuer):
    """Pulls batches from a Python generator in worker threads (a lock
    serialises `next`, since generators are not thread-safe), in the order
    the workers get them.

    Args:
        generator: the generator.
        use_multiprocessing: not supported for generators (they cannot be
            shared between processes): raises ValueError.
        random_seed: accepted for Keras compatibility.
    """

    def __init__(self, generator, use_multiprocessing=False, random_seed=None):
        if use_multiprocessing:
            raise ValueError("GeneratorEnqueuer: a Python generator cannot be shared "
                             "between processes; use a `Sequence` with "
                             "use_multiprocessing=True, or threads.")
        super().__init__(generator, False)
        self._lock = threading.Lock()

    def _next(self):
        with self._lock:
            return next(self.sequence)

    def _run(self):
        try:
            while not self._stop.is_set():
                future = self._pool.submit(self._next)
                try:
                    item = future.result()
                except StopIteration:
                    self._put(("end", None))
                    return
                if not self._put(("batch", item)):
                    return
        except Exception as e:
            self._put(("error", e))


def _get_item(sequence, index):
    return sequence[index]


def _make_pool(workers, use_multiprocessing):
    if not use_multiprocessing:
        return concurrent.futures.ThreadPoolExecutor(workers)
    import multiprocessing  # only for worker processes, rarely used
    if "fork" not in multiprocessing.get_all_start_methods():
        raise ValueError("use_multiprocessing=True needs the 'fork' start method (POSIX); "
                         "use threads (use_multiprocessing=False) here.")
    return concurrent.futures.ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("fork"))
