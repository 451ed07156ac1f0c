"""IndexLookup: the vocabulary machinery StringLookup, IntegerLookup and
TextVectorization share (tf-keras' index_lookup semantics).

Indices: [mask (int mode only)] [num_oov_indices OOV slots] [tokens...].
Adapting counts tokens (and, for tf_idf, documents: each row of a batch is
one document, a rank-1 batch is one document); the vocabulary is sorted by
count, ties broken by the tokens themselves, both descending.
"""
import collections
import math
import os

import numpy as np

from ckeras._internal import config
from ckeras.layers.preprocessing.base_preprocessing_layer import PreprocessingLayer
from ckeras.layers.preprocessing.category_encoding import (
    COUNT,
    INT,
    MULTI_HOT,
    ONE_HOT,
    TF_IDF,
    encode_categorical,
    validate_string_arg,
)


def listify(value):
    """A vocabulary or weights argument as a config value (lists stay lists)."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, tuple):
        return list(value)
    return value


class Vocabulary:
    """A lookup layer's learned tokens in index order and each token's index,
    with room for the C table built from them (`StringLookup.token_table`).
    Being neither list nor dict, it is not walked by the layer's attribute
    tracking, which would go through every token at each assignment."""

    __slots__ = ("tokens", "index", "table")

    def __init__(self, tokens, start):
        self.tokens = list(tokens)
        self.index = {t: start + i for i, t in enumerate(self.tokens)}
        self.table = None


class IndexLookup(PreprocessingLayer):
    """Maps tokens to integer indices through a vocabulary (base class).

    Subclasses say how tokens are read (`_tokens_of`), compared and written
    back (`_token_array`) and how OOV tokens are hashed into several OOV
    slots (`_oov_slots`).
    """

    def __init__(self, max_tokens, num_oov_indices, mask_token, oov_token, vocabulary_dtype,
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 sparse=False, pad_to_max_tokens=False, **kwargs):
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError("If set, `max_tokens` must be greater than 1. "
                             f"Received: max_tokens={max_tokens}")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError("If pad_to_max_tokens is True, must set `max_tokens`. "
                             f"Received: max_tokens={max_tokens}")
        if num_oov_indices < 0:
            raise ValueError("`num_oov_indices` must be greater than or equal to 0. "
                             f"Received: num_oov_indices={num_oov_indices}")
        if output_mode == "binary":
            output_mode = MULTI_HOT
        if output_mode == "tf-idf":
            output_mode = TF_IDF
        validate_string_arg(output_mode, (INT, ONE_HOT, MULTI_HOT, COUNT, TF_IDF),
                            type(self).__name__, "output_mode")
        if invert and output_mode != INT:
            raise ValueError("`output_mode` must be `'int'` when `invert` is true. "
                             f"Received: output_mode={output_mode}")
        if sparse:
            raise ValueError(f"{type(self).__name__}: `sparse=True` is not supported by "
                             "ckeras (NumPy outputs are dense); use sparse=False.")
        if idf_weights is not None and output_mode != TF_IDF:
            raise ValueError("`idf_weights` should only be set if `output_mode` is "
                             f"`'tf_idf'`. Received: idf_weights={idf_weights} and "
                             f"output_mode={output_mode}")
        self.invert = invert
        self.max_tokens = max_tokens
        self.num_oov_indices = num_oov_indices
        self.mask_token = mask_token
        self.oov_token = oov_token
        self.output_mode = output_mode
        self.sparse = sparse
        self.pad_to_max_tokens = pad_to_max_tokens
        self.vocabulary_dtype = vocabulary_dtype
        self._frozen_vocab_size = kwargs.pop("vocabulary_size", None)
        self.input_vocabulary = vocabulary
        self.input_idf_weights = idf_weights
        self._has_input_vocabulary = kwargs.pop("has_input_vocabulary",
                                                vocabulary is not None)
        kwargs.pop("has_static_table", None)
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == INT else config.floatx()
        super().__init__(**kwargs)
        if output_mode == INT and np.dtype(self.dtype).kind not in "iu":
            raise ValueError("When `output_mode='int'`, `dtype` should be an integer type. "
                             f"Received: dtype={kwargs['dtype']}")
        self._vocab = Vocabulary([], 0)
        self._idf = None           # full idf weights (tf_idf)
        self._reset_counts()
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    # ------------------------------------------------------------ layout
    def _oov_start_index(self):
        return 1 if self.mask_token is not None and self.output_mode == INT else 0

    def _token_start_index(self):
        return self._oov_start_index() + self.num_oov_indices

    @property
    def idf_weights(self):
        """tf_idf: the idf weight of every index (None in other modes)."""
        return self._idf if self.output_mode == TF_IDF else None

    @property
    def output_dtype(self):
        if self.invert:
            return "object" if self.vocabulary_dtype == "string" else self.vocabulary_dtype
        return self.dtype

    # ------------------------------------------------------- vocabulary
    def vocabulary_size(self):
        """The size of the vocabulary, mask and OOV indices included."""
        return len(self._vocab.tokens) + self._token_start_index()

    def vocab_size(self):
        """Deprecated alias of `vocabulary_size()`."""
        return self.vocabulary_size()

    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary, in index order.

        Args:
            include_special_tokens: with the mask and OOV tokens (so a token's
                position is its index), else the learned tokens only.
        """
        if not include_special_tokens:
            return list(self._vocab.tokens)
        vocab = [self.oov_token] * self._token_start_index() + list(self._vocab.tokens)
        if self.mask_token is not None and self.output_mode == INT:
            vocab[0] = self.mask_token
        return vocab

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Sets the vocabulary (and, for tf_idf, the idf weights).

        Args:
            vocabulary: a list, tuple or 1-D array of tokens, or the path of a
                text file with one token per line. It may start with the mask
                and OOV tokens in their index order.
            idf_weights: tf_idf only: one weight per vocabulary entry.
        """
        if self.output_mode == TF_IDF:
            if idf_weights is None:
                raise ValueError("`idf_weights` must be set if output_mode is TF_IDF")
        elif idf_weights is not None:
            raise ValueError("`idf_weights` should only be set if output_mode is `'tf_idf'`. "
                             f"Received: output_mode={self.output_mode} and "
                             f"idf_weights={idf_weights}")
        if isinstance(vocabulary, (str, os.PathLike)):
            self._set_vocabulary_file(os.fspath(vocabulary))
            return
        vocabulary = self._token_array(list(np.asarray(vocabulary, dtype=object).ravel())
                                       if not isinstance(vocabulary, (list, tuple))
                                       else list(vocabulary))
        if len(vocabulary) == 0:
            raise ValueError(f"Cannot set an empty vocabulary, you passed {vocabulary}.")
        oov_start, token_start = self._oov_start_index(), self._token_start_index()
        special = [self.mask_token] * oov_start + [self.oov_token] * self.num_oov_indices
        found_special = list(vocabulary[:token_start]) == special
        tokens = vocabulary[token_start:] if found_special else vocabulary
        counts = collections.Counter(tokens)
        repeated = [t for t, c in counts.items() if c > 1]
        if repeated:
            raise ValueError("The passed vocabulary has at least one repeated term. Please "
                             f"uniquify your dataset. The repeated terms are {repeated}")
        if self.mask_token is not None and self.mask_token in counts:
            where = [i for i, t in enumerate(vocabulary) if t == self.mask_token][-1]
            raise ValueError(
                "Found reserved mask token at unexpected location in `vocabulary`. Note that "
                "passed `vocabulary` does not need to include the OOV and mask tokens. Either "
                "remove all mask and OOV tokens, or include them only at the start of the "
                f"vocabulary in precisely this order: {special}. Received: "
                f"mask_token={self.mask_token} at vocabulary index [{where}]")
        if self.oov_token is not None and self.invert and self.oov_token in counts:
            where = [i for i, t in enumerate(vocabulary) if t == self.oov_token][-1]
            raise ValueError(
                "Found reserved OOV token at unexpected location in `vocabulary`. Note that "
                "passed `vocabulary` does not need to include the OOV and mask tokens. Either "
                "remove all mask and OOV tokens, or include them only at the start of the "
                f"vocabulary in precisely this order: {special}. Received: "
                f"oov_token={self.oov_token} at vocabulary index [{where}]")
        new_size = token_start + len(tokens)
        if self.max_tokens is not None and new_size > self.max_tokens:
            raise ValueError("Attempted to set a vocabulary larger than the maximum vocab size. "
                             f"Passed vocab size is {new_size}, max vocab size is "
                             f"{self.max_tokens}.")
        idf = None
        if self.output_mode == TF_IDF:
            idf = np.asarray(idf_weights, dtype=np.float64)
            if idf.ndim != 1 or len(idf) != len(vocabulary):
                raise ValueError("`idf_weights` must be the same length as vocabulary. "
                                 f"len(idf_weights) is {idf.size}, len(vocabulary) is "
                                 f"{len(vocabulary)}")
            front = 0 if found_special else token_start
            front_value = 0.0 if found_special else float(np.average(idf))
            back = (self.max_tokens - front - len(idf)
                    if self.pad_to_max_tokens and self.max_tokens is not None else 0)
            idf = np.concatenate([np.full(front, front_value), idf, np.zeros(back)])
        self._check_size_unchanged(new_size)
        self._vocab = Vocabulary(tokens, token_start)
        if idf is not None:
            self._idf = idf.astype(self.dtype)
        self._frozen_vocab_size = new_size

    def _set_vocabulary_file(self, path):
        if not os.path.exists(path):
            raise ValueError(f"Vocabulary file {path} does not exist.")
        if self.output_mode == TF_IDF:
            raise ValueError("output_mode `'tf_idf'` does not support loading a vocabulary "
                             "from file.")
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
        if lines and lines[-1] == "":
            lines.pop()   # the newline that ends the last line starts no token
        tokens = self._token_array(lines)
        self._check_size_unchanged(self._token_start_index() + len(tokens))
        self._vocab = Vocabulary(tokens, self._token_start_index())
        self._frozen_vocab_size = self.vocabulary_size()

    def _check_size_unchanged(self, new_size):
        if self.output_mode == INT or self.pad_to_max_tokens:
            return
        if self._frozen_vocab_size is not None and new_size != self._frozen_vocab_size:
            raise RuntimeError(
                f"When using `output_mode={self.output_mode}` and `pad_to_max_tokens=False`, "
                "the vocabulary size cannot be changed after the layer is called. Old vocab "
                f"size is {self._frozen_vocab_size}, new vocab size is {new_size}")

    # ------------------------------------------------------------ adapt
    def _reset_counts(self):
        self._counts = collections.Counter()
        self._doc_counts = collections.Counter()
        self._num_documents = 0

    def reset_state(self):
        if not self._has_input_vocabulary:
            self._reset_counts()

    def update_state(self, data):
        self.update_documents(self._documents(data))

    def _documents(self, data):
        """The rows (documents) of a batch of tokens, each a list of tokens."""
        arr = np.asarray(data, dtype=None if not isinstance(data, list) else object)
        if arr.ndim <= 1:
            return [self._tokens_of(arr.reshape(-1))]
        rows = arr.reshape(arr.shape[0], -1)
        return [self._tokens_of(row) for row in rows]

    def update_documents(self, docs):
        """Counts tokens of `docs` (lists of tokens, one per document)."""
        if self._has_input_vocabulary:
            raise ValueError(f"Cannot adapt {type(self).__name__} layer after setting a static "
                             "vocabulary via init argument or `set_vocabulary`.")
        counts = self._counts
        for doc in docs:
            counts.update(doc)
        if self.output_mode == TF_IDF:
            for doc in docs:
                self._doc_counts.update(set(doc))
            self._num_documents += len(docs)

    def update_counts(self, tokens, counts, doc_counts, num_documents):
        """Adds counts made elsewhere (TextVectorization counts in C): how
        often each of `tokens` occurred, in how many of the
        `num_documents` documents."""
        if self._has_input_vocabulary:
            raise ValueError(f"Cannot adapt {type(self).__name__} layer after setting a static "
                             "vocabulary via init argument or `set_vocabulary`.")
        self._counts.update(dict(zip(tokens, counts)))
        if self.output_mode == TF_IDF:
            self._doc_counts.update(dict(zip(tokens, doc_counts)))
            self._num_documents += num_documents

    def finalize_state(self):
        if self._has_input_vocabulary or not self._counts:
            self._frozen_vocab_size_check()
            return
        counts = self._counts
        for special in (self.mask_token, self.oov_token):
            if special is not None:
                counts.pop(special, None)
        # Sorted by count, then by token, both descending (tf-keras' lexsort;
        # for strings it sorts the UTF-8 bytes, whose order is code point order).
        order = sorted(zip(counts.values(), counts.keys()), reverse=True)
        token_start = self._token_start_index()
        if self.max_tokens:
            order = order[:self.max_tokens - token_start]
        tokens = [t for _, t in order]
        new_size = token_start + len(tokens)
        self._check_size_unchanged(new_size)
        self._vocab = Vocabulary(tokens, token_start)
        if self.output_mode == TF_IDF:
            n = self._num_documents
            idf = np.array([math.log(1 + n / (1 + self._doc_counts[t])) for t in tokens],
                           dtype=np.float64).astype(self.dtype)
            mean = idf.mean(dtype=self.dtype) if len(idf) else np.float32(np.nan)
            back = (self.max_tokens - new_size
                    if self.pad_to_max_tokens and self.max_tokens is not None else 0)
            self._idf = np.concatenate([np.full(token_start, mean, dtype=self.dtype), idf,
                                        np.zeros(back, dtype=self.dtype)])
        self._reset_counts()
        self._frozen_vocab_size = new_size

    def _frozen_vocab_size_check(self):
        self._check_size_unchanged(self.vocabulary_size())
        self._frozen_vocab_size = self.vocabulary_size()

    # ------------------------------------------------------------- call
    def output_depth(self):
        """The width of non-int outputs (RuntimeError while it is unknown)."""
        if self.output_mode == INT or self.pad_to_max_tokens:
            return self.max_tokens
        if self._frozen_vocab_size is None:
            raise RuntimeError(
                f"When using `output_mode={self.output_mode}` and `pad_to_max_tokens=False`, "
                "you must set the layer's vocabulary before calling it. Either pass a "
                "`vocabulary` argument to the layer, or call `adapt` with some sample data.")
        return self._frozen_vocab_size

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.output_mode == INT:
            return input_shape
        depth = self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size
        return (input_shape[0] if input_shape else None, depth)

    def call(self, inputs):
        depth = self.output_depth()
        x = np.asarray(inputs, dtype=object if isinstance(inputs, list) else None)
        if self.invert:
            return self._invert(x)
        ids = self.lookup_flat(self._tokens_of(x.reshape(-1))).reshape(x.shape)
        return self.encode(ids, depth)

    def encode(self, ids, depth):
        """Output-mode encoding of looked-up indices."""
        if self.output_mode == INT:
            return ids.astype(self.dtype)
        return encode_categorical(ids, self.output_mode, depth, self.dtype,
                                  idf_weights=self.idf_weights)

    def lookup_flat(self, tokens):
        """The int64 indices of a flat list of tokens (mask and OOV applied;
        masked tokens are -1 outside int mode, which encodings drop)."""
        ids, mask = self._find(tokens)
        unknown = ids < 0
        if mask is not None:
            unknown &= ~mask
        if unknown.any():
            if self.num_oov_indices == 0:
                bad = [tokens[i] for i in np.flatnonzero(unknown)]
                raise ValueError(
                    f"Layer {self.name}: when `num_oov_indices=0` all inputs should be in "
                    f"vocabulary, found OOV values {bad}, consider setting "
                    "`num_oov_indices=1`.")
            oov_start = self._oov_start_index()
            if self.num_oov_indices == 1:
                ids[unknown] = oov_start
            else:
                idx = np.flatnonzero(unknown)
                ids[idx] = self._oov_slots([tokens[i] for i in idx]) + oov_start
        if mask is not None:
            ids[mask] = 0 if self.output_mode == INT else -1
        return ids

    def _find(self, tokens):
        """(the index of each token, -1 when absent; where the mask token is,
        or None without a mask token)."""
        get = self._vocab.index.get
        ids = np.fromiter((get(t, -1) for t in tokens), dtype=np.int64, count=len(tokens))
        mask = None
        if self.mask_token is not None:
            mask = np.fromiter((t == self.mask_token for t in tokens), dtype=bool,
                               count=len(tokens))
        return ids, mask

    def _invert(self, x):
        if x.dtype.kind not in "iu":
            raise ValueError(f"Layer {self.name} with invert=True expects integer indices; "
                             f"received dtype {x.dtype}.")
        vocab = self._token_array(self.get_vocabulary())
        table = np.empty(len(vocab), dtype=self.output_dtype)
        table[:] = vocab
        inside = (x >= 0) & (x < len(vocab))
        out = np.empty(x.shape, dtype=self.output_dtype)
        out[...] = self.oov_token
        out[inside] = table[x[inside]]
        return out

    # ---------------------------------------------------------- config
    def get_config(self):
        vocabulary, idf_weights = self.input_vocabulary, self.input_idf_weights
        if vocabulary is None and self._vocab.tokens:
            # An adapted vocabulary lives in the config, the only place an .h5
            # file keeps it (tf-keras refuses to save adapted lookups to .h5).
            vocabulary = self.get_vocabulary()
            if self.output_mode == TF_IDF:
                idf_weights = self._idf[:len(vocabulary)].tolist()
        config_ = super().get_config()
        config_.update({
            "invert": self.invert,
            "max_tokens": self.max_tokens,
            "num_oov_indices": self.num_oov_indices,
            "oov_token": self._config_token(self.oov_token),
            "mask_token": self._config_token(self.mask_token),
            "output_mode": self.output_mode,
            "sparse": self.sparse,
            "pad_to_max_tokens": self.pad_to_max_tokens,
            "vocabulary_dtype": self.vocabulary_dtype,
            "idf_weights": listify(idf_weights),
            "vocabulary": listify(vocabulary),
            "vocabulary_size": self._frozen_vocab_size,
        })
        return config_

    def _config_token(self, token):
        return token
