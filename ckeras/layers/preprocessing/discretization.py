"""Keras' Discretization preprocessing layer, and the quantile summaries its
`adapt` builds (tf-keras' summarize / merge / compress steps)."""
import numpy as np

from ckeras._internal import config as _config
from ckeras.layers.preprocessing.base_preprocessing_layer import PreprocessingLayer, adapt_batches

__all__ = ["Discretization", "summarize", "merge_summaries", "compress_summary",
           "get_bin_boundaries"]

_MODES = ("int", "one_hot", "multi_hot", "count")


def summarize(values, epsilon):
    """A (2, k) float32 summary of `values`: every `n * epsilon`-th sorted
    value (from that index on) and the weight each stands for."""
    v = np.sort(np.asarray(values, np.float32).reshape(-1))
    increment = int(np.float32(v.size) / np.float32(1.0 / epsilon))
    step = max(increment, 1)
    bounds = v[increment::step]
    return np.stack([bounds, np.full(bounds.shape, np.float32(step))]).astype(np.float32)


def compress_summary(summary, epsilon):
    """Re-samples a summary at the cumulative-weight fractions epsilon,
    2*epsilon, ..., 1 (linear interpolation); short summaries pass."""
    if summary.shape[1] * epsilon < 1:
        return summary
    percents = epsilon + np.arange(0.0, 1.0, epsilon)
    cum = summary[1].cumsum()
    frac = cum / cum[-1]
    new_bins = np.interp(percents, frac, summary[0])
    cum = np.interp(percents, frac, cum)
    new_weights = cum - np.concatenate((np.array([0]), cum[:-1]))
    return np.stack((new_bins, new_weights)).astype(np.float32)


def merge_summaries(prev_summary, next_summary, epsilon):
    """Concatenates two summaries, sorts them by value, compresses."""
    merged = np.concatenate((prev_summary, next_summary), axis=1)
    merged = merged[:, np.argsort(merged[0], kind="stable")]
    return compress_summary(merged, epsilon)


def get_bin_boundaries(summary, num_bins):
    """The num_bins - 1 inner boundaries of a summary."""
    return compress_summary(summary, 1.0 / num_bins)[0, :-1]


def _is_int_dtype(dtype):
    try:
        return np.dtype(dtype).kind in "iu"
    except TypeError:
        return False


class Discretization(PreprocessingLayer):
    """Buckets numbers into ranges given by sorted `bin_boundaries`.

    Bin `i` is `[boundaries[i-1], boundaries[i])`, with the outer bins open
    to -inf and +inf, so `bin_boundaries=[0., 1., 2.]` makes 4 bins. With
    `num_bins`, `adapt(data)` estimates the boundaries as approximate
    quantiles with tf-keras' summary algorithm (the same boundaries for the
    same batches). As in tf-keras, an adapted layer keeps its summary in a
    non-trainable weight `summary` (float32, shape `(2, len(arange(0, 1,
    epsilon)))`, unused entries of weight 0), so the boundaries are saved
    with the model's weights and follow them; tf-keras' files, whose summary
    may be shorter, load too.

    Args:
        bin_boundaries: sorted list of boundaries (instead of `adapt`).
        num_bins: the number of bins `adapt` computes.
        epsilon: error tolerance of the quantile estimate (default 0.01).
        output_mode: 'int' (default: the bin indices, int64), 'one_hot',
            'multi_hot' or 'count' (float32 encodings over the bins;
            inputs of rank at most 2).
        sparse: not supported (ckeras has no sparse tensors); must be False.

    Example:
        >>> layer = Discretization(bin_boundaries=[0., 1., 2.])
        >>> layer(np.array([[-1.5, 1.0, 3.4, .5], [0.0, 3.0, 1.3, 0.0]]))
        array([[0, 2, 3, 1],
               [1, 3, 2, 1]])
    """

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int",
                 sparse=False, **kwargs):
        if "bins" in kwargs:   # tf-keras' deprecated name, either kind
            bins = kwargs.pop("bins")
            if isinstance(bins, int) and num_bins is None:
                num_bins = bins
            elif bin_boundaries is None:
                bin_boundaries = bins
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == "int" else _config.floatx()
        elif output_mode == "int" and not _is_int_dtype(kwargs["dtype"]):
            kwargs["dtype"] = "int64"
        super().__init__(**kwargs)
        if output_mode not in _MODES:
            raise ValueError(f"Unknown value for `output_mode`. Allowed values are: {_MODES}. "
                             f"Received: {output_mode!r}")
        if sparse and output_mode == "int":
            raise ValueError("`sparse` may only be true if `output_mode` is `'one_hot'`, "
                             f"`'multi_hot'`, or `'count'`. Received: sparse={sparse} and "
                             f"output_mode={output_mode}")
        if sparse:
            raise NotImplementedError("Discretization: sparse=True is not supported in ckeras "
                                      "(it has no sparse tensors); use sparse=False.")
        if num_bins is not None and num_bins < 0:
            raise ValueError("`num_bins` must be greater than or equal to 0. You passed "
                             f"`num_bins={num_bins}`")
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError("Both `num_bins` and `bin_boundaries` should not be set. You "
                             f"passed `num_bins={num_bins}` and "
                             f"`bin_boundaries={bin_boundaries}`")
        if bin_boundaries is not None:
            bin_boundaries = np.asarray(bin_boundaries, np.float64).reshape(-1).tolist()
            if any(b > a for a, b in zip(bin_boundaries[1:], bin_boundaries[:-1])):
                raise ValueError("Discretization: `bin_boundaries` must be sorted in "
                                 f"increasing order; received {bin_boundaries}.")
        self.input_bin_boundaries = bin_boundaries
        self.num_bins = num_bins
        self.epsilon = epsilon
        self.output_mode = output_mode
        self.sparse = bool(sparse)
        self.summary = None   # the weight, once built (adapted layers only)
        self._building = np.zeros((2, 0), np.float32)   # the summary during adapt

    def _summary_size(self):
        return len(np.arange(0.0, 1.0, self.epsilon))

    def build(self, input_shape):
        if self.input_bin_boundaries is None:
            self.summary = self.add_weight(name="summary", shape=(2, self._summary_size()),
                                           dtype="float32", initializer="zeros",
                                           trainable=False)
        super().build(input_shape)

    @property
    def bin_boundaries(self):
        """The boundaries in use: the given ones, or those of the adapted
        summary ([] before adapt)."""
        if self.input_bin_boundaries is not None:
            return list(self.input_bin_boundaries)
        if self.summary is None or self.num_bins is None:
            return []
        value = self.summary.value
        value = value[:, value[1] > 0]
        if value.shape[1] == 0:
            return []
        return get_bin_boundaries(value, self.num_bins).tolist()

    def _padded(self, summary):
        size = self._summary_size()
        if summary.ndim != 2 or summary.shape[0] != 2 or summary.shape[1] > size:
            raise ValueError(f"Discretization layer '{self.name}': a saved summary must have "
                             f"shape (2, k) with k <= {size} (epsilon={self.epsilon}); "
                             f"received shape {summary.shape}.")
        out = np.zeros((2, size), np.float32)
        out[:, :summary.shape[1]] = summary
        return out

    def _convert_saved_weights(self, weights, keras_version, backend):
        # tf-keras saves the summary at its own length (its weight has a
        # variable shape); ckeras' weight has the longest length.
        if self.summary is None or len(weights) != 1:
            raise ValueError(f"Discretization layer '{self.name}' expects "
                             f"{0 if self.summary is None else 1} saved weight(s); received "
                             f"{len(weights)}.")
        return [self._padded(np.asarray(weights[0], np.float32))]

    # ---------------------------------------------------------------- adapt
    def adapt(self, data, batch_size=None, steps=None):
        """Estimates `num_bins` quantile boundaries from `data`.

        Args:
            data: a NumPy array or list (cut into batches of `batch_size`,
                default 32), or a generator, iterator or `Sequence` of
                batches.
            batch_size: samples per summary update, for arrays and lists.
            steps: at most this many batches.

        Raises:
            ValueError: a layer given `bin_boundaries`, or empty data.
        """
        if self.input_bin_boundaries is not None:
            raise ValueError("Cannot adapt a Discretization layer that has been initialized "
                             "with `bin_boundaries`, use `num_bins` instead. You passed "
                             f"`bin_boundaries={self.input_bin_boundaries}`.")
        if self.num_bins is None:
            raise ValueError("Discretization: set `num_bins` to adapt the layer.")
        self._building = np.zeros((2, 0), np.float32)
        for batch in adapt_batches(data, batch_size, steps, self.name):
            if not self.built:
                self.build((None,) + batch.shape[1:])
            self.update_state(batch)
        self.finalize_state()
        self._is_adapted = True

    def update_state(self, data):
        """Merges one batch into the quantile summary."""
        values = np.asarray(data, np.float32)
        self._building = merge_summaries(summarize(values, self.epsilon), self._building,
                                         self.epsilon)

    def finalize_state(self):
        """Stores the summary in the `summary` weight (the boundaries follow)."""
        if self.input_bin_boundaries is not None or self.summary is None:
            return
        self.summary.assign(self._padded(self._building))

    def reset_state(self):
        """Forgets the summary."""
        if self.input_bin_boundaries is not None:
            return
        self._building = np.zeros((2, 0), np.float32)
        if self.summary is not None:
            self.summary.assign(np.zeros(self.summary.shape, np.float32))

    # ----------------------------------------------------------------- call
    def call(self, inputs):
        x = np.asarray(inputs)
        if x.dtype.kind not in "biuf":
            raise ValueError(f"Discretization layer '{self.name}' expects numeric inputs; "
                             f"received dtype {x.dtype}.")
        # Bucketize in float32, as TensorFlow's kernel compares its float
        # input against float boundaries.
        bounds = np.asarray(self.bin_boundaries, np.float32)
        idx = np.searchsorted(bounds, x.astype(np.float32), side="right").astype(np.int64)
        if self.output_mode == "int":
            return idx.astype(self.dtype)
        return self._encode(idx, len(self.bin_boundaries) + 1, x.shape)

    def _encode(self, idx, depth, shape):
        if idx.ndim == 0:
            idx = idx.reshape(1)
        if self.output_mode == "one_hot" and idx.shape[-1] != 1:
            idx = idx[..., None]
        if idx.ndim > 2:
            raise ValueError("When output_mode is not `'int'`, maximum supported output rank is "
                             f"2. Received output_mode {self.output_mode} and input shape "
                             f"{shape}, which would result in output rank {idx.ndim}.")
        rows = idx.reshape(-1, idx.shape[-1]) if idx.ndim == 2 else idx.reshape(1, -1)
        out = np.zeros((len(rows), depth), self.dtype)
        np.add.at(out, (np.repeat(np.arange(len(rows)), rows.shape[1]), rows.reshape(-1)), 1)
        if self.output_mode in ("one_hot", "multi_hot"):
            out = np.minimum(out, 1)
        return out if idx.ndim == 2 else out[0]

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        if self.output_mode == "int":
            return shape
        depth = len(self.bin_boundaries) + 1 if self.input_bin_boundaries is not None or \
            self.num_bins is None else self.num_bins
        if self.output_mode == "one_hot" and (not shape or shape[-1] != 1):
            return shape + (depth,)
        return shape[:-1] + (depth,)

    def get_config(self):
        config = super().get_config()
        config.update({"bin_boundaries": self.input_bin_boundaries, "num_bins": self.num_bins,
                       "epsilon": self.epsilon, "output_mode": self.output_mode,
                       "sparse": self.sparse})
        return config
