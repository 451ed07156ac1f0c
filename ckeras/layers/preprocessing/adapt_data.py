"""The batches `adapt()` of the numeric preprocessing layers reads.

tf-keras' `PreprocessingLayer.adapt(data, batch_size, steps)` runs its data
through a data handler: arrays and lists are cut into batches of
`batch_size` (default 32, in order), while generators, iterators and
`Sequence`s already yield batches (a tuple `(x, y, ...)` counts as `x`).
`steps` caps the number of batches. The layers fold their statistics batch
by batch, so these batches decide the exact float32 results.
"""
import numpy as np

__all__ = ["batches"]


def _first(item):
    return item[0] if isinstance(item, tuple) else item


def batches(data, batch_size=None, steps=None, layer_name="layer"):
    """Yields the batches of `data` as NumPy arrays.

    Args:
        data: a NumPy array, a (nested) list of numbers, a generator or
            iterator of batches, or a Keras `Sequence`.
        batch_size: rows per batch for arrays and lists (default 32); must
            be None for data that already comes in batches.
        steps: at most this many batches (None: all).
        layer_name: named in the errors.

    Raises:
        ValueError: empty data, a `batch_size` given for batched data, or
            a bad `batch_size`/`steps`.
    """
    if steps is not None and (isinstance(steps, bool) or int(steps) != steps or steps < 1):
        raise ValueError(f"{layer_name}.adapt: `steps` must be a positive integer; "
                         f"received steps={steps!r}.")
    if isinstance(data, (np.ndarray, list)) or np.isscalar(data) or hasattr(data, "__array__"):
        arr = np.asarray(data)
        if arr.ndim == 0:
            arr = arr.reshape(1)
        if arr.size == 0 or len(arr) == 0:
            raise ValueError(f"{layer_name}.adapt: received empty data (shape {arr.shape}); "
                             "adapt needs at least one sample.")
        size = 32 if batch_size is None else batch_size
        if isinstance(size, bool) or int(size) != size or size < 1:
            raise ValueError(f"{layer_name}.adapt: `batch_size` must be a positive integer; "
                             f"received batch_size={batch_size!r}.")
        size = int(size)
        n = -(-len(arr) // size)
        for k in range(n if steps is None else min(n, int(steps))):
            yield arr[k * size:(k + 1) * size]
        return
    if batch_size is not None:
        raise ValueError(f"{layer_name}.adapt: do not pass `batch_size` for data that yields "
                         f"batches (a generator, iterator or Sequence); received "
                         f"batch_size={batch_size!r}.")
    if hasattr(data, "__getitem__") and hasattr(data, "__len__"):   # a Keras Sequence
        items = (data[k] for k in range(len(data)))
    else:
        try:
            items = iter(data)
        except TypeError:
            raise ValueError(f"{layer_name}.adapt: cannot read data of type "
                             f"{type(data).__name__}; pass an array, a list, a generator "
                             "or a Sequence.") from None
    count = 0
    for item in items:
        if steps is not None and count >= steps:
            return
        yield np.asarray(_first(item))
        count += 1
    if count == 0:
        raise ValueError(f"{layer_name}.adapt: the data yielded no batch.")
