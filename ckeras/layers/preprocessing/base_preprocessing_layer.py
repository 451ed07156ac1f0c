"""PreprocessingLayer: the base of layers whose state comes from `adapt()`."""
import numpy as np

from ckeras.engine.base_layer import Layer
from ckeras.utils.data_utils import Sequence

_DEFAULT_BATCH_SIZE = 32   # tf-keras' adapt batch size for arrays


def adapt_batches(data, batch_size=None, steps=None):
    """The batches `adapt()` feeds to `update_state`, as tf-keras' adapt sees
    them: arrays and lists split into `batch_size` rows (32 by default), a
    `Sequence` item by item, any other iterable (generators) element by
    element; `steps` caps the number of batches."""
    if steps is not None and (not isinstance(steps, (int, np.integer)) or steps < 1):
        raise ValueError(f"`steps` must be a positive integer or None. Received: steps={steps}")
    if batch_size is not None and (not isinstance(batch_size, (int, np.integer))
                                   or batch_size < 1):
        raise ValueError("`batch_size` must be a positive integer or None. "
                         f"Received: batch_size={batch_size}")
    if isinstance(data, (np.ndarray, list, tuple, str, bytes)):
        arr = np.asarray(data)
        if arr.ndim == 0:
            batches = [arr]
        else:
            size = batch_size or _DEFAULT_BATCH_SIZE
            batches = (arr[i:i + size] for i in range(0, len(arr), size))
    elif isinstance(data, Sequence):
        if batch_size is not None:
            raise ValueError("`batch_size` must not be set when `data` is a Sequence "
                             "(it yields batches).")
        batches = (data[i] for i in range(len(data)))
    elif hasattr(data, "__iter__") or hasattr(data, "__next__"):
        if batch_size is not None:
            raise ValueError("`batch_size` must not be set when `data` is a generator "
                             "(it yields batches).")
        batches = iter(data)
    else:
        raise TypeError("adapt() expects a NumPy array, a list, a Sequence or a generator "
                        f"of batches. Received: {type(data).__name__}")
    for i, batch in enumerate(batches):
        if steps is not None and i >= steps:
            return
        yield batch


class PreprocessingLayer(Layer):
    """Base class of the layers with state computed by `adapt()`.

    Subclasses implement `update_state(batch)` (accumulate one batch),
    `finalize_state()` (turn the accumulators into the layer's state) and
    `reset_state()` (forget the accumulators).
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._is_adapted = False

    @property
    def is_adapted(self):
        """Whether `adapt()` has run on this layer."""
        return self._is_adapted

    def update_state(self, data):
        """Accumulates the statistics of one batch."""
        raise NotImplementedError(f"{type(self).__name__} does not support adapt().")

    def finalize_state(self):
        """Computes the layer's state from the accumulated statistics."""

    def reset_state(self):
        """Forgets the accumulated statistics."""

    def adapt(self, data, batch_size=None, steps=None):
        """Computes the layer's state from a data set.

        Args:
            data: a NumPy array or list (split into batches of `batch_size`),
                a `keras.utils.Sequence`, or a generator/iterable of batches.
            batch_size: rows per batch for arrays and lists (default 32).
            steps: the number of batches to use (default: all).

        Example:
        >>> layer = StringLookup()
        >>> layer.adapt(["a", "b", "a"])
        >>> layer.get_vocabulary()
        ['[UNK]', 'a', 'b']
        """
        self.reset_state()
        for batch in adapt_batches(data, batch_size, steps):
            self.update_state(batch)
        self.finalize_state()
        self._is_adapted = True

    @property
    def output_dtype(self):
        """The NumPy dtype name of the layer's outputs."""
        return self.dtype

    def _output_dtype(self, input_dtypes):
        # The engine's default passes integer/str input dtypes through; these
        # layers map strings to numbers and numbers to strings.
        return self.output_dtype
