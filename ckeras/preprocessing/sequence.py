"""Utilities for preprocessing sequence data (Keras 2 semantics).

`pad_sequences` writes rows of Python ints/floats, of NumPy scalars and 1-D
arrays through the padding kernel (`ckeras.kernels`, family "sequence"); every other case runs
`_pad_sequences_general`, Keras' algorithm step by step in NumPy.
"""
import json
import random

import numpy as np

from ckeras.kernels import kernels
from ckeras.utils.data_utils import Sequence

__all__ = ["pad_sequences", "skipgrams", "make_sampling_table", "TimeseriesGenerator"]

_FAST_DTYPES = (np.dtype("int32"), np.dtype("int64"), np.dtype("float32"),
                np.dtype("float64"))


def _check_value_dtype(value, dtype):
    is_dtype_str = np.issubdtype(dtype, np.str_)
    # Keras compares with the type `object` itself, so dtype="object" (a
    # string) is refused too; tf-keras raises there, and so do we.
    if isinstance(value, str) and dtype != object and not is_dtype_str:  # noqa: E721
        raise ValueError(
            f"`dtype` {dtype} is not compatible with `value`'s type: {type(value)}\n"
            "You should set `dtype=object` for variable length strings.")


def _put_row(x, idx, s, maxlen, dtype, padding, truncating, sample_shape):
    """Keras' per-row step: truncate, convert with NumPy, check shape, place."""
    if truncating == "pre":
        trunc = s[-maxlen:]
    elif truncating == "post":
        trunc = s[:maxlen]
    else:
        raise ValueError(f'Truncating type "{truncating}" not understood')
    trunc = np.asarray(trunc, dtype=dtype)
    if trunc.shape[1:] != sample_shape:
        raise ValueError(
            f"Shape of sample {trunc.shape[1:]} of sequence at position {idx} "
            f"is different from expected shape {sample_shape}")
    if padding == "post":
        x[idx, :len(trunc)] = trunc
    elif padding == "pre":
        x[idx, -len(trunc):] = trunc
    else:
        raise ValueError(f'Padding type "{padding}" not understood')


def _pad_sequences_general(sequences, maxlen=None, dtype="int32", padding="pre",
                           truncating="pre", value=0.0):
    """pad_sequences for any input: Keras' algorithm step by step in NumPy."""
    if not hasattr(sequences, "__len__"):
        raise ValueError("`sequences` must be iterable.")
    num_samples = len(sequences)
    lengths = []
    sample_shape = ()
    found = False
    for x in sequences:
        try:
            lengths.append(len(x))
            if not found and len(x):
                sample_shape = np.asarray(x).shape[1:]
                found = True
        except TypeError as e:
            raise ValueError("`sequences` must be a list of iterables. "
                             f"Found non-iterable: {str(x)}") from e
    if maxlen is None:
        maxlen = np.max(lengths)
    _check_value_dtype(value, dtype)
    x = np.full((num_samples, maxlen) + sample_shape, value, dtype=dtype)
    for idx, s in enumerate(sequences):
        if not len(s):
            continue
        _put_row(x, idx, s, maxlen, dtype, padding, truncating, sample_shape)
    return x


_SCALARS = (int, float, np.int64, np.int32, np.int16, np.int8, np.uint32, np.uint16,
            np.uint8, np.float64, np.float32)


def _scalar_list(x):
    """True when x is a list/tuple of Python ints and floats and NumPy
    integer/float32/float64 scalars only (`list(array)` gives those)."""
    if type(x) not in (list, tuple):
        return False
    for v in x:
        if type(v) not in _SCALARS:
            return False
    return True


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre",
                  truncating="pre", value=0.0):
    """Pads sequences to the same length.

    Transforms a list (of length `num_samples`) of sequences (lists of
    integers or floats, or arrays) into a NumPy array of shape
    `(num_samples, num_timesteps)`, where `num_timesteps` is `maxlen` if given
    or the length of the longest sequence. Shorter sequences are padded with
    `value`, longer ones truncated. Entries may also be sequences of vectors,
    giving `(num_samples, num_timesteps) + vector_shape`.

    Both padding and truncation default to `'pre'`: values are added at, and
    removed from, the beginning of each sequence (so the end is kept).

    Example:
        >>> pad_sequences([[1], [2, 3], [4, 5, 6]])
        array([[0, 0, 1],
               [0, 2, 3],
               [4, 5, 6]], dtype=int32)
        >>> pad_sequences([[1], [2, 3], [4, 5, 6]], maxlen=2, padding='post')
        array([[1, 0],
               [2, 3],
               [5, 6]], dtype=int32)

    Args:
        sequences: List of sequences (each a list or array of numbers, or of
            vectors of one shape). Must have `__len__`.
        maxlen: Optional int, length of the output sequences. Defaults to the
            longest sequence (an empty `sequences` then raises ValueError).
        dtype: Output dtype, `'int32'` by default. Floats are truncated toward
            zero when converted to an integer dtype. Use `object` (or a NumPy
            str dtype) to pad sequences of strings. None gives the dtype NumPy
            gives `value` (int64 for `0`, float64 for `0.0`).
        padding: `'pre'` or `'post'`: pad before or after each sequence.
        truncating: `'pre'` or `'post'`: remove values from the beginning or
            the end of sequences longer than `maxlen`.
        value: Float or str, the padding value. A str needs `dtype=object` or
            a str dtype.

    Returns:
        NumPy array of shape `(len(sequences), maxlen) + sample_shape`. The
        input sequences are not modified.

    Raises:
        ValueError: `sequences` or one of its entries is not iterable, an
            unknown `padding` or `truncating` (raised at the first non-empty
            sequence), a str `value` with a numeric `dtype`, or an entry whose
            shape differs from the first non-empty one.
    """
    if padding not in ("pre", "post") or truncating not in ("pre", "post"):
        return _pad_sequences_general(sequences, maxlen, dtype, padding, truncating, value)
    if not hasattr(sequences, "__len__"):
        raise ValueError("`sequences` must be iterable.")
    if dtype is None:
        # np.full's dtype: the fill value's. Each row then keeps the dtype
        # NumPy infers for it until it is stored, so a row mixing floats with
        # ints beyond 2**53 rounds them: only float outputs match the kernel.
        out_dtype = np.asarray(value).dtype
        if out_dtype.kind != "f":
            out_dtype = None
    else:
        try:
            out_dtype = np.dtype(dtype)
        except TypeError:
            out_dtype = None
    # (`is None` first: NumPy compares None equal to float64)
    if out_dtype is None or out_dtype not in _FAST_DTYPES or isinstance(value, str) \
            or maxlen == 0:
        return _pad_sequences_general(sequences, maxlen, dtype, padding, truncating, value)
    k = kernels()
    longest, first = k.lengths(sequences)
    if first >= 0:
        x0 = (sequences[first] if isinstance(sequences, (list, tuple, np.ndarray))
              else None)
        if x0 is None or not (_scalar_list(x0) or (isinstance(x0, np.ndarray)
                                                    and x0.ndim == 1)):
            return _pad_sequences_general(sequences, maxlen, dtype, padding, truncating,
                                          value)
    if maxlen is None:
        if longest < 0:
            np.max([])  # Keras' error for no sequences and no maxlen
        maxlen = longest
    num_samples = len(sequences)
    fill = np.full((1,), value, dtype=out_dtype)  # np.full's own conversion of value
    x = np.empty((num_samples, maxlen), dtype=out_dtype)

    def slow_row(idx, s):
        _put_row(x, idx, s, maxlen, dtype, padding, truncating, ())

    k.pad_rows(sequences, x, fill, padding == "post", truncating == "post", slow_row)
    return x


def make_sampling_table(size, sampling_factor=1e-5):
    """Generates a word rank-based probabilistic sampling table.

    Used to build the `sampling_table` argument of `skipgrams`:
    `sampling_table[i]` is the probability of sampling the i-th most common
    word of a dataset (frequent words are sampled less). The word frequencies
    are assumed to follow Zipf's law (s=1), approximated as
    `frequency(rank) ~ 1 / (rank * (log(rank) + gamma) + 1/2 - 1/(12*rank))`
    with `gamma` the Euler-Mascheroni constant; the probability is then
    `min(1, sqrt(sampling_factor * inv_frequency))` (word2vec's formula).

    Args:
        size: Int, number of possible words to sample.
        sampling_factor: The sampling factor of the word2vec formula.

    Returns:
        A 1-D float64 array of length `size`; entries 0 and 1 are equal.
    """
    gamma = 0.577
    rank = np.arange(size)
    rank[0] = 1
    inv_fq = rank * (np.log(rank) + gamma) + 0.5 - 1.0 / (12.0 * rank)
    f = sampling_factor * inv_fq
    return np.minimum(1.0, f / np.sqrt(f))


def skipgrams(sequence, vocabulary_size, window_size=4, negative_samples=1.0,
              shuffle=True, categorical=False, sampling_table=None, seed=None):
    """Generates skipgram word pairs.

    Turns a sequence of word indexes into `(word, word in the same window)`
    pairs labelled 1 and `(word, random word from the vocabulary)` pairs
    labelled 0. Index 0 is a non-word and is skipped. Draws from Python's
    `random` module exactly as Keras does, so the same `random` state (or
    `seed`) gives the same pairs.

    Args:
        sequence: A word sequence: list of word indices (ints); words are
            indexed by decreasing frequency, starting at 1.
        vocabulary_size: Int, maximum possible word index + 1.
        window_size: Int, size of the sampling windows (half-width).
        negative_samples: Float >= 0; 0 for no negative samples, 1 for as many
            negative as positive samples, etc.
        shuffle: Whether to shuffle the word couples before returning them.
        categorical: If False, labels are ints (0 or 1); if True, one-hot
            pairs (`[0, 1]` positive, `[1, 0]` negative).
        sampling_table: 1-D array where `sampling_table[i]` is the probability
            of sampling the word of index i (see `make_sampling_table`).
        seed: Random seed for the shuffle (reseeds Python's `random`).

    Returns:
        `couples, labels`: `couples` is a list of `[word_index, other_index]`,
        `labels` the matching list of labels.
    """
    couples = []
    labels = []
    for i, wi in enumerate(sequence):
        if not wi:
            continue
        if sampling_table is not None:
            if sampling_table[wi] < random.random():
                continue
        window_start = max(0, i - window_size)
        window_end = min(len(sequence), i + window_size + 1)
        for j in range(window_start, window_end):
            if j != i:
                wj = sequence[j]
                if not wj:
                    continue
                couples.append([wi, wj])
                labels.append([0, 1] if categorical else 1)
    if negative_samples > 0:
        num_negative = int(len(labels) * negative_samples)
        words = [c[0] for c in couples]
        random.shuffle(words)
        couples += [[words[i % len(words)], random.randint(1, int(vocabulary_size - 1))]
                    for i in range(num_negative)]
        if categorical:
            labels += [[1, 0]] * num_negative
        else:
            labels += [0] * num_negative
    if shuffle:
        if seed is None:
            seed = random.randint(0, int(10e6))
        random.seed(seed)
        random.shuffle(couples)
        random.seed(seed)
        random.shuffle(labels)
    return couples, labels


class TimeseriesGenerator(Sequence):
    """Utility class for generating batches of temporal data.

    Takes a sequence of data points gathered at equal intervals, with time
    series parameters such as stride and length of history, and produces
    batches for training/validation. It is a `ckeras.utils.Sequence`, so
    `fit`, `evaluate` and `predict` accept it.

    Example:
        >>> data = np.arange(10)
        >>> gen = TimeseriesGenerator(data, data, length=3, batch_size=2)
        >>> len(gen)
        4
        >>> gen[0]
        (array([[0, 1, 2],
               [1, 2, 3]]), array([3, 4]))

    Args:
        data: Indexable generator (list or NumPy array) of consecutive data
            points (timesteps); axis 0 is the time axis.
        targets: Targets corresponding to the timesteps of `data`; same
            length as `data`.
        length: Length of the output sequences (in number of timesteps).
        sampling_rate: Period between successive individual timesteps within
            sequences: for rate `r`, timesteps `data[i]`, `data[i-r]`, ...
            `data[i - length]` are used.
        stride: Period between successive output sequences.
        start_index: Data points earlier than `start_index` are not used in
            the output sequences.
        end_index: Data points later than `end_index` are not used
            (default: the last one).
        shuffle: Whether to shuffle output samples, or draw them in
            chronological order (draws use NumPy's global RNG).
        reverse: If True, timesteps in each output sample are in reverse
            chronological order.
        batch_size: Number of timeseries samples in each batch (except maybe
            the last one).

    Raises:
        ValueError: `data` and `targets` differ in length, or
            `start_index + length > end_index`.
    """

    def __init__(self, data, targets, length, sampling_rate=1, stride=1, start_index=0,
                 end_index=None, shuffle=False, reverse=False, batch_size=128):
        if len(data) != len(targets):
            raise ValueError(
                "Data and targets have to be of same length. "
                f"Data length is {len(data)} while target length is {len(targets)}")
        self.data = data
        self.targets = targets
        self.length = length
        self.sampling_rate = sampling_rate
        self.stride = stride
        self.start_index = start_index + length
        if end_index is None:
            end_index = len(data) - 1
        self.end_index = end_index
        self.shuffle = shuffle
        self.reverse = reverse
        self.batch_size = batch_size
        if self.start_index > self.end_index:
            raise ValueError(
                "`start_index+length=%i > end_index=%i` is disallowed, as no part of "
                "the sequence would be left to be used as current step."
                % (self.start_index, self.end_index))

    def __len__(self):
        return ((self.end_index - self.start_index + self.batch_size * self.stride)
                // (self.batch_size * self.stride))

    def __getitem__(self, index):
        if self.shuffle:
            rows = np.random.randint(self.start_index, self.end_index + 1,
                                     size=self.batch_size)
        else:
            i = self.start_index + self.batch_size * self.stride * index
            rows = np.arange(i, min(i + self.batch_size * self.stride, self.end_index + 1),
                             self.stride)
        samples = np.array([self.data[row - self.length:row:self.sampling_rate]
                            for row in rows])
        targets = np.array([self.targets[row] for row in rows])
        if self.reverse:
            return samples[:, ::-1, ...], targets
        return samples, targets

    def get_config(self):
        """Returns the generator's configuration (data and targets as JSON
        strings). Like Keras, `start_index` holds `start_index + length`."""
        data = self.data
        if type(data).__module__ == np.__name__:
            data = data.tolist()
        try:
            json_data = json.dumps(data)
        except TypeError as e:
            raise TypeError("Data not JSON Serializable:", data) from e
        targets = self.targets
        if type(targets).__module__ == np.__name__:
            targets = targets.tolist()
        try:
            json_targets = json.dumps(targets)
        except TypeError as e:
            raise TypeError("Targets not JSON Serializable:", targets) from e
        return {
            "data": json_data,
            "targets": json_targets,
            "length": self.length,
            "sampling_rate": self.sampling_rate,
            "stride": self.stride,
            "start_index": self.start_index,
            "end_index": self.end_index,
            "shuffle": self.shuffle,
            "reverse": self.reverse,
            "batch_size": self.batch_size,
        }

    def to_json(self, **kwargs):
        """Returns a JSON string of `{"class_name": ..., "config": get_config()}`;
        `kwargs` go to `json.dumps`."""
        return json.dumps({"class_name": self.__class__.__name__,
                           "config": self.get_config()}, **kwargs)
