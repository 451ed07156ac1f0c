"""`timeseries_dataset_from_array`: sliding windows over an array."""
import numpy as np

from ckeras.utils import dataset_utils

__all__ = ["timeseries_dataset_from_array"]


def _check(data, start_index, end_index, sampling_rate, sequence_stride, sequence_length):
    n = len(data)
    if start_index:
        if start_index < 0:
            raise ValueError(f"`start_index` must be 0 or greater. Received: "
                             f"start_index={start_index}")
        if start_index >= n:
            raise ValueError("`start_index` must be lower than the length of the data. "
                             f"Received: start_index={start_index}, for data of length {n}")
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError("`end_index` must be higher than `start_index`. Received: "
                             f"start_index={start_index}, and end_index={end_index} ")
        if end_index >= n:
            raise ValueError("`end_index` must be lower than the length of the data. "
                             f"Received: end_index={end_index}, for data of length {n}")
        if end_index <= 0:
            raise ValueError(f"`end_index` must be higher than 0. Received: end_index={end_index}")
    if sampling_rate <= 0:
        raise ValueError(f"`sampling_rate` must be higher than 0. Received: "
                         f"sampling_rate={sampling_rate}")
    if sampling_rate >= n:
        raise ValueError("`sampling_rate` must be lower than the length of the data. "
                         f"Received: sampling_rate={sampling_rate}, for data of length {n}")
    if sequence_stride <= 0:
        raise ValueError(f"`sequence_stride` must be higher than 0. Received: "
                         f"sequence_stride={sequence_stride}")
    if sequence_stride >= n:
        raise ValueError("`sequence_stride` must be lower than the length of the data. "
                         f"Received: sequence_stride={sequence_stride}, for data of length {n}")
    if not isinstance(sequence_length, (int, np.integer)) or sequence_length < 1:
        raise ValueError(f"`sequence_length` must be a positive integer. Received: "
                         f"sequence_length={sequence_length!r}")


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1,
                                  sampling_rate=1, batch_size=128, shuffle=False, seed=None,
                                  start_index=None, end_index=None):
    """Sliding windows over a time series, as tf-keras's function of the
    same name, returned as a `DatasetSequence` (no tf.data).

    Window `i` starts at `start_index + i * sequence_stride` and holds
    `sequence_length` steps taken every `sampling_rate` steps; its target
    is `targets[i * sequence_stride]` (relative to `start_index`).

    Args:
        data: array (timesteps, ...) of the series.
        targets: the target of each window start, or None (windows only).
        sequence_length: steps per window.
        sequence_stride: offset between consecutive windows.
        sampling_rate: offset between the steps of a window.
        batch_size: windows per batch (the last may be smaller); None yields
            single windows.
        shuffle: shuffle the window order (seeded as tf-keras with
            `np.random.RandomState(seed)`; reshuffled at every epoch end).
        seed: seed of the shuffles.
        start_index: first step used (inclusive).
        end_index: last step used (exclusive).

    Returns:
        A `DatasetSequence` of `x` (batch, sequence_length, ...) or
        `(x, y)` batches.

    Raises:
        ValueError: indices, strides or rates out of range.

    Example:
        >>> ds = timeseries_dataset_from_array(np.arange(10), None, 3, batch_size=2)
        >>> ds[0]
        array([[0, 1, 2],
               [1, 2, 3]])
    """
    data = np.asarray(data)
    _check(data, start_index, end_index, sampling_rate, sequence_stride, sequence_length)
    start_index = start_index or 0
    end_index = len(data) if end_index is None else end_index
    num_seqs = end_index - start_index - (sequence_length - 1) * sampling_rate
    if targets is not None:
        targets = np.asarray(targets)
        num_seqs = min(num_seqs, len(targets))
    starts = np.arange(0, max(num_seqs, 0), sequence_stride,
                       dtype="int32" if num_seqs < 2147483647 else "int64")
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(starts)
    window = data[start_index:end_index]
    offsets = np.arange(sequence_length) * sampling_rate

    def load(i):
        return window[starts[i] + offsets]

    y = None
    if targets is not None:
        y = targets[start_index:end_index][starts]
    return dataset_utils.DatasetSequence(len(starts), load, y, batch_size, shuffle, seed,
                                         threaded=False)
