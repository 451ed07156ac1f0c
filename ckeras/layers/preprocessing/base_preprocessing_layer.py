"""PreprocessingLayer: the base of layers whose state comes from `adapt()`."""
import numpy as np

from ckeras.engine.base_layer import Layer
from ckeras.utils.data_utils import Sequence

_DEFAULT_BATCH_SIZE = 32   # tf-keras' adapt batch size for arrays


def adapt_batches(data, batch_size=None, steps=None, layer_name="layer"):
    """The batches `adapt()` folds into a layer's state, as tf-keras' adapt
    data handler gives them: arrays, lists and tuples of values are cut into
    `batch_size` rows (32 by default, in order); a `Sequence`, generator or
    iterator already yields batches (a tuple `(x, y, ...)` counts as `x`);
    `steps` caps the number of batches. Numeric layers fold their statistics
    batch by batch, so these batches decide their exact float32 results.

    Raises:
        ValueError: empty data, a bad `batch_size`/`steps`, or a
            `batch_size` given for data that is already batched.
        TypeError: data of another kind.
    """
    if steps is not None and (isinstance(steps, bool) or not isinstance(
            steps, (int, np.integer)) or steps < 1):
        raise ValueError(f"{layer_name}.adapt: `steps` must be a positive integer or None; "
                         f"received steps={steps!r}.")
    if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(
            batch_size, (int, np.integer)) or batch_size < 1):
        raise ValueError(f"{layer_name}.adapt: `batch_size` must be a positive integer or "
                         f"None; received batch_size={batch_size!r}.")
    if isinstance(data, (np.ndarray, list, tuple, str, bytes)):
        arr = np.asarray(data)
        if arr.ndim == 0:
            arr = arr.reshape(1)
        if arr.size == 0:
            raise ValueError(f"{layer_name}.adapt: received empty data (shape {arr.shape}); "
                             "adapt needs at least one sample.")
        size = batch_size or _DEFAULT_BATCH_SIZE
        n = -(-len(arr) // size)
        for k in range(n if steps is None else min(n, int(steps))):
            yield arr[k * size:(k + 1) * size]
        return
    if batch_size is not None:
        raise ValueError(f"{layer_name}.adapt: `batch_size` must not be set when `data` is "
                         "a generator, an iterator or a Sequence (it yields batches).")
    if isinstance(data, Sequence):
        items = (data[k] for k in range(len(data)))
    elif hasattr(data, "__iter__") or hasattr(data, "__next__"):
        items = iter(data)
    else:
        raise TypeError("adapt() expects a NumPy array, a list, a Sequence or a generator "
                        f"of batches. Received: {type(data).__name__}")
    count = 0
    for item in items:
        if steps is not None and count >= steps:
            return
        yield np.asarray(item[0] if isinstance(item, tuple) else item)
        count += 1
    if count == 0:
        raise ValueError(f"{layer_name}.adapt: the data yielded no batch.")


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
        for batch in adapt_batches(data, batch_size, steps, self.name):
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
