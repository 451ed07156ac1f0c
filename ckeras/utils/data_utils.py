"""Sequence, the base class for batch providers that fit/evaluate/predict
accept. The enqueuers that fetch batches ahead in worker threads or
processes live in `ckeras.utils.enqueuers` and are importable from here too,
as in Keras (`keras.utils.data_utils.OrderedEnqueuer`)."""
import importlib


class Sequence:
    """Base object for fitting to a sequence of batches.

    Implement `__getitem__(index)` (returning a full batch: `x`, `(x, y)` or
    `(x, y, sample_weight)`) and `__len__` (number of batches per epoch);
    `on_epoch_end` is called at the end of every epoch.

    Example:
        >>> class Batches(Sequence):
        ...     def __init__(self, x, y, batch_size):
        ...         self.x, self.y, self.batch_size = x, y, batch_size
        ...     def __len__(self):
        ...         return -(-len(self.x) // self.batch_size)
        ...     def __getitem__(self, i):
        ...         s = slice(i * self.batch_size, (i + 1) * self.batch_size)
        ...         return self.x[s], self.y[s]
    """

    def __getitem__(self, index):
        raise NotImplementedError

    def __len__(self):
        raise NotImplementedError

    def on_epoch_end(self):
        """Called at the end of every epoch."""

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]


_ENQUEUERS = ("SequenceEnqueuer", "OrderedEnqueuer", "GeneratorEnqueuer")


def __getattr__(name):
    # Loaded on first use: threads and queues are not needed at startup.
    if name in _ENQUEUERS:
        return getattr(importlib.import_module("ckeras.utils.enqueuers"), name)
    raise AttributeError(f"module 'ckeras.utils.data_utils' has no attribute {name!r}")
