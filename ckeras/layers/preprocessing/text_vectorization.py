"""TextVectorization: strings to token indices or token-count vectors."""
import numpy as np

from ckeras._internal import config
from ckeras.kernels import kernels
from ckeras.layers.preprocessing.base_preprocessing_layer import PreprocessingLayer
from ckeras.layers.preprocessing.category_encoding import (
    COUNT,
    INT,
    MULTI_HOT,
    TF_IDF,
    encode_categorical,
    validate_string_arg,
)
from ckeras.layers.preprocessing.string_lookup import StringLookup, as_text
from ckeras.saving import serialization

LOWER_AND_STRIP_PUNCTUATION = "lower_and_strip_punctuation"
LOWER = "lower"
STRIP_PUNCTUATION = "strip_punctuation"
WHITESPACE = "whitespace"
CHARACTER = "character"


def ngrams(tokens, widths):
    """The n-grams of a token list for each width in turn, joined by spaces
    (tf.strings.ngrams: all 1-grams, then all 2-grams, ...)."""
    out = []
    n = len(tokens)
    for w in widths:
        if w == 1:
            out.extend(tokens)
        else:
            out.extend(" ".join(tokens[i:i + w]) for i in range(n - w + 1))
    return out


class TextVectorization(PreprocessingLayer):
    """A preprocessing layer which maps text features to integer sequences.

    Each string is standardized (ASCII lower-casing, as tf.strings.lower,
    and removal of the ASCII punctuation of Keras' strip regex), split (on
    ASCII whitespace, or into Unicode characters), optionally turned into
    n-grams, and looked up in a vocabulary: index 0 is the mask ("", the
    padding), 1 the OOV token "[UNK]". The string work runs in C over UTF-8.

    Args:
        max_tokens: the largest vocabulary size (mask and OOV included).
        standardize: "lower_and_strip_punctuation" (default), "lower",
            "strip_punctuation", None, or a callable on an array of str.
        split: "whitespace" (default), "character", None (the whole string
            is one token) or a callable from an array of str to token lists.
        ngrams: None, an int n (1..n-grams) or a tuple of widths.
        output_mode: "int" (default), "multi_hot", "count", "tf_idf" or None
            (the tokens themselves).
        output_sequence_length: int mode: pad or truncate to this length.
        pad_to_max_tokens: non-int modes: output width `max_tokens`.
        vocabulary: a list of tokens or a vocabulary file path.
        idf_weights: tf_idf only: one weight per vocabulary entry.
        ragged: must be False (ckeras has no ragged outputs).
        sparse: must be False.
        encoding: the text encoding of bytes inputs (default "utf-8").

    Inputs are NumPy arrays of str, bytes or objects, of shape `(batch,)` or
    `(batch, 1)`.

    Example:
    >>> layer = TextVectorization(output_sequence_length=4)
    >>> layer.adapt(["The cat sat.", "The dog ran!"])
    >>> layer(np.array(["the cat ran far"]))
    array([[2, 3, 4, 1]])
    """

    def __init__(self, max_tokens=None, standardize=LOWER_AND_STRIP_PUNCTUATION,
                 split=WHITESPACE, ngrams=None, output_mode=INT, output_sequence_length=None,
                 pad_to_max_tokens=False, vocabulary=None, idf_weights=None, sparse=False,
                 ragged=False, encoding="utf-8", **kwargs):
        if "dtype" in kwargs and kwargs["dtype"] not in ("string", None):
            raise ValueError("`TextVectorization` may only have a dtype of string. "
                             f"Received dtype: {kwargs['dtype']}.")
        kwargs["dtype"] = "string"
        validate_string_arg(standardize, (LOWER_AND_STRIP_PUNCTUATION, LOWER, STRIP_PUNCTUATION),
                            "TextVectorization", "standardize", allow_none=True,
                            allow_callables=True)
        validate_string_arg(split, (WHITESPACE, CHARACTER), "TextVectorization", "split",
                            allow_none=True, allow_callables=True)
        if output_mode == "binary":
            output_mode = MULTI_HOT
        if output_mode == "tf-idf":
            output_mode = TF_IDF
        validate_string_arg(output_mode, (INT, COUNT, MULTI_HOT, TF_IDF), "TextVectorization",
                            "output_mode", allow_none=True)
        if not (ngrams is None or isinstance(ngrams, int) or isinstance(ngrams, tuple)
                and all(isinstance(item, int) for item in ngrams)):
            raise ValueError("`ngrams` must be None, an integer, or a tuple of integers. "
                             f"Received: ngrams={ngrams}")
        if output_mode == INT and not (isinstance(output_sequence_length, int)
                                       or output_sequence_length is None):
            raise ValueError("`output_sequence_length` must be either None or an integer when "
                             "`output_mode` is 'int'. Received: "
                             f"output_sequence_length={output_sequence_length}")
        if output_mode != INT and output_sequence_length is not None:
            raise ValueError("`output_sequence_length` must not be set if `output_mode` is not "
                             f"'int'. Received output_sequence_length={output_sequence_length}.")
        if ragged and output_mode != INT:
            raise ValueError("`ragged` must not be true if `output_mode` is `'int'`. "
                             f"Received: ragged={ragged} and output_mode={output_mode}")
        if ragged and output_sequence_length is not None:
            raise ValueError("`output_sequence_length` must not be set if ragged is True. "
                             f"Received: ragged={ragged} and "
                             f"output_sequence_length={output_sequence_length}")
        if ragged:
            raise ValueError("TextVectorization: `ragged=True` is not supported by ckeras "
                             "(NumPy has no ragged arrays); use ragged=False, with "
                             "`output_sequence_length` for a fixed width.")
        if sparse and output_mode == INT:
            raise ValueError("`sparse` may only be true if `output_mode` is `'one_hot'`, "
                             "`'multi_hot'`, `'count'` or `'tf_idf'`. "
                             f"Received: sparse={sparse} and output_mode={output_mode}")
        self._max_tokens = max_tokens
        self._standardize = standardize
        self._split = split
        self._ngrams_arg = ngrams
        self._ngrams = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        self._ragged = ragged
        self._output_mode = output_mode
        self._output_sequence_length = output_sequence_length
        self._encoding = encoding
        has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        vocabulary_size = kwargs.pop("vocabulary_size", None)
        super().__init__(**kwargs)
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens, vocabulary=vocabulary, idf_weights=idf_weights,
            pad_to_max_tokens=pad_to_max_tokens, mask_token="",
            output_mode=output_mode if output_mode is not None else INT, sparse=sparse,
            has_input_vocabulary=has_input_vocabulary, encoding=encoding,
            vocabulary_size=vocabulary_size, name=f"{self.name}_lookup")
        builtin = standardize if isinstance(standardize, str) else None
        self._table = kernels().token_table(
            builtin in (LOWER, LOWER_AND_STRIP_PUNCTUATION),
            builtin in (STRIP_PUNCTUATION, LOWER_AND_STRIP_PUNCTUATION),
            split == WHITESPACE)
        # The C token stream (standardize, split, n-grams, lookup in one call
        # per batch) covers the built-in standardize and split modes.
        widths = self._ngrams or (1,)
        self._streamed = (not callable(standardize) and split in (WHITESPACE, CHARACTER)
                          and all(isinstance(w, int) and w >= 1 for w in widths))
        self._widths = tuple(widths)
        self._adapt_counts = None

    # ------------------------------------------------------------ text
    @property
    def output_dtype(self):
        if self._output_mode is None:
            return "object"
        return "int64" if self._output_mode == INT else config.floatx()

    def _docs(self, inputs, in_place=False):
        """(the documents of `inputs` as a flat list of str, the shape of the
        batch they came from); with in_place, a NumPy str array stays one
        (the C token stream reads it in place)."""
        x = np.asarray(inputs, dtype=object if isinstance(inputs, list) else None)
        if self._split is not None and x.ndim > 1:
            if x.shape[-1] != 1:
                raise ValueError(
                    "When using `TextVectorization` to tokenize strings, the input rank must "
                    "be 1 or the last shape dimension must be 1. Received: "
                    f"inputs.shape={_shape_str(x.shape)} with rank={x.ndim}")
            x = x[..., 0]
        if x.dtype.kind in "iufb":
            raise ValueError(f"Layer {self.name} (TextVectorization) expects string inputs; "
                             f"received dtype {x.dtype}.")
        flat = x.reshape(-1)
        if flat.dtype.kind == "U":
            docs = flat if in_place else flat.tolist()
        else:
            docs = as_text(flat, self._encoding, self.name)
        return docs, x.shape

    def _tokenize(self, docs, shape):
        """The token lists of the documents (one list per document)."""
        k = kernels()
        if callable(self._standardize):
            docs = self._standardize(np.array(docs, dtype=object).reshape(shape))
            docs = as_text(np.asarray(docs, dtype=object).reshape(-1), self._encoding, self.name)
        if callable(self._split):
            if isinstance(self._standardize, str):
                docs = [t[0] for t in k.tokenize(docs, self._table)]
            rows = self._split(np.array(docs, dtype=object))
            tokens = [as_text(list(r), self._encoding, self.name) for r in rows]
        elif isinstance(self._standardize, str):
            tokens = k.tokenize(docs, self._table)
        elif self._split == WHITESPACE:
            tokens = k.tokenize(docs, kernels().token_table(False, False, True))
        else:
            tokens = [[d] for d in docs]
        if self._split == CHARACTER:
            tokens = [list(t[0]) for t in tokens]
        if self._ngrams is not None:
            tokens = [ngrams(t, self._ngrams) for t in tokens]
        return tokens

    def _preprocess(self, inputs):
        docs, shape = self._docs(inputs)
        return self._tokenize(docs, shape), shape

    # ------------------------------------------------------------ adapt
    def update_state(self, data):
        if self._streamed:
            docs, _ = self._docs(data, in_place=True)
            if self._adapt_counts is None:
                if self._lookup_layer._has_input_vocabulary:
                    self._lookup_layer.update_documents([])   # its error
                self._adapt_counts = [kernels().Vocab(), 0]
            counter = self._adapt_counts
            counter[0].count_docs(docs, self._table, self._split == CHARACTER, self._widths)
            counter[1] += len(docs)
            return
        tokens, shape = self._preprocess(data)
        if self._split is None and self._ngrams is None and len(shape) <= 1:
            tokens = [[t for row in tokens for t in row]]   # a rank-1 batch: one document
        self._lookup_layer.update_documents(tokens)

    def finalize_state(self):
        if self._adapt_counts is not None:
            counter, ndocs = self._adapt_counts
            self._adapt_counts = None
            tokens, counts, doc_counts = counter.items()
            self._lookup_layer.update_counts(tokens, counts, doc_counts, ndocs)
        self._lookup_layer.finalize_state()

    def reset_state(self):
        self._adapt_counts = None
        self._lookup_layer.reset_state()

    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary in index order (see `StringLookup.get_vocabulary`)."""
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self):
        """The size of the vocabulary, mask and OOV tokens included."""
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Sets the vocabulary (and, for tf_idf, the idf weights); see
        `StringLookup.set_vocabulary`."""
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights=idf_weights)

    # ------------------------------------------------------------- call
    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self._output_mode == INT:
            if self._split is None:
                if self._output_sequence_length is not None:
                    return input_shape[:-1] + (self._output_sequence_length,)
                return input_shape
            return (input_shape[0] if input_shape else None, self._output_sequence_length)
        if self._output_mode is None:
            return input_shape[:1] + (None,)
        lookup = self._lookup_layer
        depth = lookup.max_tokens if lookup.pad_to_max_tokens else lookup.vocabulary_size()
        return (input_shape[0] if input_shape else None, depth)

    def call(self, inputs):
        lookup = self._lookup_layer
        if self._output_mode not in (INT, None):
            depth = lookup.output_depth()
        if self._streamed and self._output_mode is not None:
            return self._call_streamed(inputs)
        tokens, shape = self._preprocess(inputs)
        if self._output_mode is None:
            if self._split is None:
                return np.array([t[0] for t in tokens], dtype=object).reshape(shape)
            return _pad_rows(tokens, "", object, self._output_sequence_length)
        flat = [t for row in tokens for t in row]
        ids = lookup.lookup_flat(flat)
        if self._split is None:
            ids = ids.reshape(shape)
            if self._output_mode == INT:
                return _fit_last(ids, self._output_sequence_length)
            return encode_categorical(ids, self._output_mode, depth, self.output_dtype,
                                      idf_weights=lookup.idf_weights)
        lengths = [len(t) for t in tokens]
        if self._output_mode == INT:
            return _pad_ids(ids, lengths, 0, self._output_sequence_length)
        rows = _pad_ids(ids, lengths, -1, None)
        return encode_categorical(rows, self._output_mode, depth, self.output_dtype,
                                  idf_weights=lookup.idf_weights)

    def _call_streamed(self, inputs):
        """call() through the C token stream: ids straight from the text."""
        lookup = self._lookup_layer
        k = kernels()
        docs, _ = self._docs(inputs, in_place=True)
        table = lookup.token_table()
        unknown = lookup._oov_start_index()
        chars = self._split == CHARACTER
        if self._output_mode == INT:
            if self._output_sequence_length is not None:
                return table.lookup_docs(docs, self._table, chars, self._widths, unknown,
                                         self._output_sequence_length)
            ids, lengths = table.lookup_docs(docs, self._table, chars, self._widths, unknown,
                                             None)
            return _pad_ids(ids, lengths, 0, None)
        depth = lookup.output_depth()
        ids, lengths = table.lookup_docs(docs, self._table, chars, self._widths, unknown, None)
        dtype = np.dtype(self.output_dtype)
        n = len(lengths)
        if dtype not in (np.float32, np.float64):
            return encode_categorical(_pad_ids(ids, lengths, -1, None), self._output_mode, depth,
                                      dtype, idf_weights=lookup.idf_weights)
        out = np.zeros((n, depth), dtype=dtype)
        k.bag_encode(ids, lengths, self._output_mode == MULTI_HOT, out)
        if self._output_mode == TF_IDF:
            out *= np.asarray(lookup.idf_weights, dtype=dtype)
        return out

    # ----------------------------------------------------------- config
    def get_config(self):
        lookup_config = self._lookup_layer.get_config()
        config_ = super().get_config()
        config_.update({
            "max_tokens": self._lookup_layer.max_tokens,
            "standardize": self._standardize,
            "split": self._split,
            "ngrams": self._ngrams_arg,
            "output_mode": self._output_mode,
            "output_sequence_length": self._output_sequence_length,
            "pad_to_max_tokens": self._lookup_layer.pad_to_max_tokens,
            "sparse": self._lookup_layer.sparse,
            "ragged": self._ragged,
            "vocabulary": lookup_config["vocabulary"],
            "idf_weights": lookup_config["idf_weights"],
            "encoding": self._encoding,
            "vocabulary_size": self.vocabulary_size(),
        })
        for key in ("standardize", "split"):
            if callable(config_[key]):
                config_[key] = serialization.serialize_keras_object(config_[key])
        return config_

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key, builtin in (("standardize", (LOWER_AND_STRIP_PUNCTUATION, LOWER,
                                              STRIP_PUNCTUATION)),
                             ("split", (WHITESPACE, CHARACTER))):
            if config.get(key) is not None and config[key] not in builtin:
                config[key] = serialization.deserialize_keras_object(config[key])
        if isinstance(config.get("ngrams"), list):
            config["ngrams"] = tuple(config["ngrams"])
        return cls(**config)


def _shape_str(shape):
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _pad_ids(ids, lengths, fill, width):
    """Flat ids cut into rows of `lengths`, padded with `fill` to the longest
    row (or cut/padded to `width`)."""
    n = len(lengths)
    longest = max(lengths, default=0)
    w = longest if width is None else width
    out = np.full((n, w), fill, dtype=np.int64)
    lens = np.asarray(lengths, dtype=np.int64)
    if n and longest:
        cols = np.arange(longest)
        keep = cols[None, :] < lens[:, None]
        dense = np.full((n, longest), fill, dtype=np.int64)
        dense[keep] = ids
        m = min(w, longest)
        out[:, :m] = dense[:, :m]
    return out


def _pad_rows(rows, fill, dtype, width):
    longest = max((len(r) for r in rows), default=0)
    w = longest if width is None else width
    out = np.full((len(rows), w), fill, dtype=dtype)
    for i, r in enumerate(rows):
        r = r[:w]
        out[i, :len(r)] = r
    return out


def _fit_last(ids, width):
    """Cut or zero-pad the last axis to `width` (None: unchanged)."""
    if width is None:
        return ids
    ids = ids[..., :width]
    pad = [(0, 0)] * (ids.ndim - 1) + [(0, width - ids.shape[-1])]
    return np.pad(ids, pad)
