"""StringLookup: maps strings to integer indices through a vocabulary."""
import numpy as np

from ckeras.kernels import kernels
from ckeras.layers.preprocessing.index_lookup import IndexLookup

_MASK = -2   # the mask token's value in token_table()


def as_text(values, encoding, layer_name):
    """A flat sequence of str/bytes values as a list of str (bytes decoded
    with `encoding`; undecodable bytes are a ValueError naming the layer)."""
    out = []
    for v in values:
        if isinstance(v, str):
            out.append(v)
        elif isinstance(v, (bytes, np.bytes_)):
            try:
                out.append(bytes(v).decode(encoding))
            except UnicodeDecodeError as e:
                raise ValueError(f"Layer {layer_name}: input {bytes(v)!r} is not valid "
                                 f"{encoding} ({e.reason} at byte {e.start}).") from None
        else:
            raise ValueError(f"Layer {layer_name} expects string inputs (str or bytes); "
                             f"received {v!r} of type {type(v).__name__}.")
    return out


class StringLookup(IndexLookup):
    """A preprocessing layer which maps string features to integer indices.

    The vocabulary comes from `vocabulary` (a list or a file with one token
    per line) or from `adapt()` (tokens sorted by frequency, ties by the
    tokens, both descending). Index 0 is the mask token when `mask_token` is
    set (int mode), then come `num_oov_indices` slots for unknown tokens
    (several slots: chosen by FarmHash Fingerprint64 of the token, as Keras).

    Args:
        max_tokens: the largest vocabulary size (special tokens included);
            None for no limit.
        num_oov_indices: slots for out-of-vocabulary tokens (default 1; 0
            makes an unknown token an error).
        mask_token: the token that maps to index 0 (None: no mask).
        oov_token: the token `invert=True` returns for OOV indices.
        vocabulary: a list/array of strings or a vocabulary file path.
        idf_weights: tf_idf only: one weight per vocabulary entry.
        encoding: the text encoding of bytes inputs (default "utf-8").
        invert: map indices back to strings.
        output_mode: "int", "one_hot", "multi_hot", "count" or "tf_idf".
        sparse: must be False.
        pad_to_max_tokens: non-int modes: output width `max_tokens`.

    Inputs are NumPy arrays (or lists) of `str`, `bytes` or objects holding
    them.

    Example:
    >>> layer = StringLookup(vocabulary=["a", "b", "c"])
    >>> layer(np.array([["a", "c", "d"]]))
    array([[1, 3, 0]])
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]",
                 vocabulary=None, idf_weights=None, encoding="utf-8", invert=False,
                 output_mode="int", sparse=False, pad_to_max_tokens=False, **kwargs):
        if kwargs.get("dtype") == "string":
            del kwargs["dtype"]
        self.encoding = encoding
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=mask_token, oov_token=oov_token, vocabulary=vocabulary,
                         vocabulary_dtype="string", idf_weights=idf_weights, invert=invert,
                         output_mode=output_mode, sparse=sparse,
                         pad_to_max_tokens=pad_to_max_tokens, **kwargs)

    def _tokens_of(self, flat):
        if isinstance(flat, np.ndarray) and flat.dtype.kind == "U":
            return flat.tolist()
        return as_text(flat, self.encoding, self.name)

    def _token_array(self, values):
        return as_text(values, self.encoding, self.name)

    def token_table(self):
        """The vocabulary as a C hash table (`kernels().Vocab`): each token's
        value is its index, the mask token's is -2. Built once per
        vocabulary and kept with it."""
        k = kernels()
        vocab = self._vocab
        if vocab.table is None or type(vocab.table) is not k.Vocab:
            table = k.Vocab()
            table.set_values(vocab.tokens, self._token_start_index())
            if isinstance(self.mask_token, str):
                table.set_value(self.mask_token, _MASK)
            vocab.table = table
        return vocab.table

    def _find(self, tokens):
        ids = self.token_table().lookup_tokens(tokens, -1)
        if self.mask_token is None:
            return ids, None
        mask = ids == _MASK
        ids[mask] = -1
        return ids, mask

    def _oov_slots(self, tokens):
        out = np.empty(len(tokens), dtype=np.int64)
        kernels().hash_buckets(tokens, self.num_oov_indices, None, out)
        return out

    def get_config(self):
        config_ = super().get_config()
        del config_["vocabulary_dtype"]
        config_["encoding"] = self.encoding
        return config_
