"""IntegerLookup: maps integers to contiguous indices through a vocabulary."""
import numpy as np

from ckeras.layers.preprocessing.index_lookup import IndexLookup


class IntegerLookup(IndexLookup):
    """A preprocessing layer which maps integer features to contiguous indices.

    Same vocabulary layout as `StringLookup`: the mask (when `mask_token` is
    set, int mode), `num_oov_indices` OOV slots (an unknown value `v` takes
    slot `v mod num_oov_indices`), then the vocabulary.

    Args:
        max_tokens: the largest vocabulary size (special tokens included).
        num_oov_indices: slots for out-of-vocabulary values (default 1).
        mask_token: the value that maps to index 0 (None: no mask).
        oov_token: the value `invert=True` returns for OOV indices (-1).
        vocabulary: a list/array of integers or a file of one per line.
        vocabulary_dtype: the integer dtype of the values ("int64").
        idf_weights: tf_idf only: one weight per vocabulary entry.
        invert: map indices back to values.
        output_mode: "int", "one_hot", "multi_hot", "count" or "tf_idf".
        sparse: must be False.
        pad_to_max_tokens: non-int modes: output width `max_tokens`.

    Example:
    >>> layer = IntegerLookup(vocabulary=[12, 36, 1138, 42])
    >>> layer(np.array([[12, 1138, 42], [42, 1000, 36]]))
    array([[1, 3, 4],
           [4, 0, 2]])
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1,
                 vocabulary=None, vocabulary_dtype="int64", idf_weights=None, invert=False,
                 output_mode="int", sparse=False, pad_to_max_tokens=False, **kwargs):
        try:
            kind = np.dtype(vocabulary_dtype).kind
        except TypeError:
            kind = None
        if kind not in ("i", "u"):
            raise ValueError("`vocabulary_dtype` must be an integer dtype. "
                             f"Received: {vocabulary_dtype}")
        if output_mode != "int" and kwargs.get("dtype") == "int64":
            del kwargs["dtype"]
        for old, new in (("max_values", "max_tokens"), ("mask_value", "mask_token"),
                         ("oov_value", "oov_token")):
            if old in kwargs:
                value = kwargs.pop(old)
                if new == "max_tokens":
                    max_tokens = value
                elif new == "mask_token":
                    mask_token = value
                else:
                    oov_token = value
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError("If `max_tokens` is set for `IntegerLookup`, it must be greater "
                             f"than 1. Received: max_tokens={max_tokens}.")
        if num_oov_indices < 0:
            raise ValueError("The value of `num_oov_indices` argument for `IntegerLookup` must "
                             f">= 0. Received num_oov_indices={num_oov_indices}.")
        mask_token = None if mask_token is None else int(mask_token)
        oov_token = None if oov_token is None else int(oov_token)
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=mask_token, oov_token=oov_token, vocabulary=vocabulary,
                         vocabulary_dtype=np.dtype(vocabulary_dtype).name,
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode,
                         sparse=sparse, pad_to_max_tokens=pad_to_max_tokens, **kwargs)

    def _ints(self, values):
        arr = np.asarray(values)
        if arr.dtype == object:
            try:
                arr = arr.astype(np.int64)
            except (TypeError, ValueError):
                arr = None
        if arr is None or arr.dtype.kind not in "iub" and not (
                arr.dtype.kind == "f" and np.all(np.mod(arr, 1) == 0)):
            raise ValueError(f"Layer {self.name} (IntegerLookup) expects integer values; "
                             f"received {np.asarray(values, dtype=object).ravel()[:5]!r}.")
        return arr.astype(self.vocabulary_dtype)

    def _tokens_of(self, flat):
        return self._ints(flat).tolist()

    def _token_array(self, values):
        return self._ints(values).tolist() if len(values) else []

    def _oov_slots(self, tokens):
        return np.mod(np.asarray(tokens, dtype=np.int64), self.num_oov_indices)

    def _invert(self, x):
        return super()._invert(np.asarray(x).astype(np.int64)
                               if np.asarray(x).dtype.kind in "iu" else x)
