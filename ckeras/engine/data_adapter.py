"""Turns what fit/evaluate/predict receive into batches of NumPy arrays."""
import inspect

import numpy as np

from ckeras._internal.nest import flatten
from ckeras.engine.structure import check_cardinality, slice_structure
from ckeras.utils.data_utils import Sequence


def check_batch_size(batch_size):
    """The `batch_size` argument of fit/evaluate/predict (default 32)."""
    if batch_size is None:
        return 32
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"`batch_size` must be a positive integer, received "
                         f"{batch_size!r}.")
    return int(batch_size)


def feed_options(workers, use_multiprocessing, max_queue_size):
    """`(workers, use_multiprocessing, max_queue_size)` of fit/evaluate/predict,
    checked."""
    if not isinstance(workers, (int, np.integer)) or workers < 0:
        raise ValueError(f"`workers` must be a non-negative integer; received {workers!r}.")
    if not isinstance(max_queue_size, (int, np.integer)) or max_queue_size < 1:
        raise ValueError(f"`max_queue_size` must be a positive integer; received "
                         f"{max_queue_size!r}.")
    return int(workers), bool(use_multiprocessing), int(max_queue_size)


def is_generator_like(data):
    return isinstance(data, Sequence) or inspect.isgenerator(data) or (
        hasattr(data, "__next__") and not isinstance(data, (np.ndarray, list, tuple, dict)))


def unpack_x_y_sample_weight(data):
    """`(x, y, sample_weight)` of a `train_step` batch: `x`, `(x,)`, `(x, y)`
    or `(x, y, sample_weight)` (missing entries are None).

    Example:
        >>> x, y, sw = unpack_x_y_sample_weight((np.ones(2), np.zeros(2)))
        >>> sw is None
        True
    """
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data
    raise ValueError("Data is expected to be in format `x`, `(x,)`, `(x, y)`, or "
                     f"`(x, y, sample_weight)`, found: {data!r:.200}")


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """What `train_step` receives: `x` alone when there is no `y` (`(x,)` if
    `x` is itself a tuple), else `(x, y)` or `(x, y, sample_weight)`."""
    if y is None:
        return (x,) if isinstance(x, tuple) else x
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def unpack(batch):
    """(x, y, sample_weight) from a batch tuple of length 1 to 3."""
    if isinstance(batch, tuple):
        if len(batch) == 1:
            return batch[0], None, None
        if len(batch) == 2:
            return batch[0], batch[1], None
        if len(batch) == 3:
            return batch
        raise ValueError("A data batch must be `x`, `(x, y)` or `(x, y, sample_weight)`; "
                         f"received a tuple of length {len(batch)}.")
    return batch, None, None


def _epoch_order(n, batch_size, shuffle):
    """Sample order of one epoch: None (as stored), whole-batch or full shuffle."""
    if shuffle == "batch":
        if not n:
            return np.arange(0)
        starts = np.random.permutation(-(-n // batch_size)) * batch_size
        return np.concatenate([np.arange(s, min(s + batch_size, n)) for s in starts])
    if shuffle:
        return np.random.permutation(n)
    return None


class ArrayBatches:
    """Batches over in-memory arrays, reshuffled every epoch if asked."""

    def close(self):
        """Nothing to stop (the generator batches' counterpart)."""

    def __init__(self, x, y, sw, batch_size, shuffle=False, steps=None):
        self.x, self.y, self.sw = x, y, sw
        self.n = check_cardinality({"x": flatten(x),
                                    "y": [a for a in flatten(y or []) if a is not None],
                                    "sample_weight": [s for s in flatten(sw or [])
                                                      if s is not None]})
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.steps = steps if steps is not None else -(-self.n // batch_size)

    def __len__(self):
        return self.steps

    def epoch(self):
        n, bs = self.n, self.batch_size
        order = _epoch_order(n, bs, self.shuffle)
        for step in range(self.steps):
            start = (step * bs) % max(n, 1)
            idx = slice(start, start + bs) if order is None else order[start:start + bs]
            yield ([slice_structure(a, idx) for a in self.x],
                   None if self.y is None else [slice_structure(a, idx) for a in self.y],
                   None if self.sw is None else [None if s is None else
                                                 slice_structure(s, idx)
                                                 for s in self.sw])


class GeneratorBatches:
    """Batches from a Python generator or a `Sequence`.

    Args:
        data: the generator or Sequence.
        steps: batches per epoch (default: the Sequence's length).
        convert: `convert(x, y, sample_weight)` -> the batch as lists of
            arrays (the model's structure rules and checks).
        workers, use_multiprocessing, max_queue_size: as in `fit`: with
            `workers > 1`, or `use_multiprocessing` and `workers > 0`, an
            enqueuer fetches the batches ahead in threads (or processes for
            a Sequence), as tf-keras does; `close()` stops it.
    """

    def __init__(self, data, steps, convert, workers=1, use_multiprocessing=False,
                 max_queue_size=10):
        self.data = data
        self.is_sequence = isinstance(data, Sequence)
        if self.is_sequence:
            n = self._sequence_length(steps)
            steps = n if steps is None else steps
        elif steps is None:
            raise ValueError(
                "`steps_per_epoch` (or `steps`) is required when the data is a Python "
                "generator, since its length is unknown.")
        self.steps = int(steps)
        self.convert = convert
        self._enqueue = (int(workers) > 1 or (use_multiprocessing and int(workers) > 0))
        self._use_multiprocessing = bool(use_multiprocessing)
        self._workers, self._max_queue_size = int(workers), int(max_queue_size)
        self._enqueuer = self._stream = None

    def _sequence_length(self, steps):
        """len(Sequence), which must be positive: steps beyond it wrap around,
        and there is nothing to wrap around on (Keras too refuses empty data,
        after reading item 0 of the Sequence)."""
        n = len(self.data)
        if n < 1:
            raise ValueError(
                f"Expected input data to be non-empty: the Sequence "
                f"{type(self.data).__name__} has length {n}, so it has no batch to give"
                + ("." if steps is None else f" for the {steps} steps asked."))
        return n

    def __len__(self):
        return self.steps

    def epoch(self):
        if self._enqueue:
            yield from self._enqueued_epoch()
            return
        n = self._sequence_length(self.steps) if self.is_sequence else 0
        for step in range(self.steps):
            if self.is_sequence:
                batch = self.data[step % n]
            else:
                try:
                    batch = next(self.data)
                except StopIteration:
                    return
            yield self.convert(*unpack(batch))
        if self.is_sequence:
            self.data.on_epoch_end()

    def _enqueued_epoch(self):
        if self._enqueuer is None:
            from ckeras.utils.enqueuers import GeneratorEnqueuer, OrderedEnqueuer  # lazy: startup
            if self.is_sequence:
                self._enqueuer = OrderedEnqueuer(self.data, self._use_multiprocessing)
            else:
                self._enqueuer = GeneratorEnqueuer(self.data, self._use_multiprocessing)
            self._enqueuer.start(self._workers, self._max_queue_size)
            self._stream = self._enqueuer.get()
        for _ in range(self.steps):
            try:
                batch = next(self._stream)
            except StopIteration:
                return
            yield self.convert(*unpack(batch))

    def close(self):
        """Stops the enqueuer, if one was started."""
        if self._enqueuer is not None:
            self._enqueuer.stop()
            self._enqueuer = self._stream = None
