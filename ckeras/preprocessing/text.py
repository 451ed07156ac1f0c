"""Utilities for text input preprocessing (Keras 2 semantics).

Plain ASCII text takes a fast path through the text kernels
(`ckeras.kernels`, family "text"): a byte table lower-cases and splits,
tokens are counted, looked up and MD5-hashed without creating a Python
object per token. Everything else (non-ASCII text, multi-character `split`,
`analyzer`, `char_level`, lists of tokens) takes the general path, Keras'
own code on Python's `str.lower`/`str.translate`/`str.split` (the
`_*_general` functions), so results equal Keras' exactly, Unicode included.
"""
import collections
import hashlib
import json
import operator
import warnings
from operator import itemgetter

import numpy as np

from ckeras.kernels import kernels

__all__ = ["text_to_word_sequence", "one_hot", "hashing_trick", "Tokenizer",
           "tokenizer_from_json"]

DEFAULT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'

_MD5_FAST_LIMIT = 1 << 56   # ck_md5_mod is exact for moduli below 2**56
_HASH_FAST_LIMIT = 1 << 62
_tables = {}


def _table(filters, lower, split):
    """The cached byte table of the ASCII fast path, or None."""
    try:
        key = (filters, bool(lower), split)
        hash(key)
    except TypeError:
        try:
            key = (tuple(filters), bool(lower), split)
        except TypeError:
            return None
    tab = _tables.get(key)
    if tab is None:
        try:
            tab = kernels().make_table(filters, lower, split) or False
        except TypeError:
            tab = False
        if len(_tables) > 64:
            _tables.clear()
        _tables[key] = tab
    return tab or None


def _text_to_word_sequence_general(input_text, filters=DEFAULT_FILTERS, lower=True,
                                   split=" "):
    """text_to_word_sequence for any text: Keras' code on Python's str methods."""
    if lower:
        input_text = input_text.lower()
    translate_map = str.maketrans({c: split for c in filters})
    input_text = input_text.translate(translate_map)
    return [t for t in input_text.split(split) if t]


def text_to_word_sequence(input_text, filters=DEFAULT_FILTERS, lower=True, split=" "):
    """Converts a text to a sequence of words (or tokens).

    The text is lower-cased (if `lower`), every character of `filters` is
    replaced by `split`, the result is split on `split` and empty strings
    are dropped. Note the apostrophe is not in the default filters.

    Example:
        >>> text_to_word_sequence("Hello, World!  It's")
        ['hello', 'world', "it's"]

    Args:
        input_text: Input text (str).
        filters: Characters to filter out (a str, or a sequence of single
            characters). Defaults to all punctuation, plus tabs and line
            breaks, minus the `'` character.
        lower: Whether to convert the input to lowercase (`str.lower`, so
            Unicode rules apply: `'İ'` becomes two code points).
        split: Separator for word splitting.

    Returns:
        A list of words (str).
    """
    tab = _table(filters, lower, split)
    if tab is not None:
        words = kernels().words(input_text, tab)
        if words is not None:
            return words
    return _text_to_word_sequence_general(input_text, filters, lower, split)


class HashingRangeError(ValueError, ZeroDivisionError):
    """`hashing_trick`/`one_hot` with `n < 2`. A ValueError, and also a
    ZeroDivisionError (what Keras raised for n=1)."""


def _md5_int(w):
    # hashlib rather than the md5 kernel: tokens from an analyzer may be any
    # object whose encode() gives any bytes-like value, as in Keras
    return int(hashlib.md5(w.encode()).hexdigest(), 16)


def _hashing_trick_general(text, n, hash_function=None, filters=DEFAULT_FILTERS,
                           lower=True, split=" ", analyzer=None):
    """hashing_trick for any text and hash function: Keras' code (no range
    check)."""
    if hash_function is None:
        hash_function = hash
    elif hash_function == "md5":
        hash_function = _md5_int
    if analyzer is None:
        seq = _text_to_word_sequence_general(text, filters=filters, lower=lower,
                                             split=split)
    else:
        seq = analyzer(text)
    return [(hash_function(w) % (n - 1) + 1) for w in seq]


def hashing_trick(text, n, hash_function=None, filters=DEFAULT_FILTERS, lower=True,
                  split=" ", analyzer=None):
    """Converts a text to a sequence of indexes in a fixed-size hashing space.

    Each word `w` becomes `hash_function(w) % (n - 1) + 1`, so indices fall
    in `[1, n - 1]`: 0 is reserved and `n` itself is never produced.
    Different words may collide.

    Example:
        >>> hashing_trick("the cat the dog", 10, hash_function='md5')
        [6, 3, 6, 6]

    Args:
        text: Input text (str).
        n: Dimension of the hashing space; must be at least 2. An integer
            of any type (a NumPy integer counts as `int(n)`, so the indices
            are Python ints); other numbers follow Keras' arithmetic.
        hash_function: `None` (default) uses Python's built-in `hash`, which
            is salted per process (see PYTHONHASHSEED): the indices are
            consistent within one process but NOT reproducible across runs.
            `'md5'` uses `int(md5(w.encode()).hexdigest(), 16)`: stable and
            bit-identical with Keras. Any callable str -> int is accepted.
        filters: Characters to filter out, as in `text_to_word_sequence`.
        lower: Whether to set the text to lowercase.
        split: Separator for word splitting.
        analyzer: Optional callable text -> list of tokens, used instead of
            `text_to_word_sequence`.

    Returns:
        A list of integer word indices.

    Raises:
        HashingRangeError: (a ValueError and a ZeroDivisionError) if `n < 2`.
    """
    if n < 2:
        raise HashingRangeError(
            f"`n` (the size of the hashing space) must be at least 2, got {n}: "
            "indices are hash % (n - 1) + 1.")
    is_int = hasattr(type(n), "__index__")
    if is_int:
        # A NumPy integer n becomes a Python int once, so every path (C or
        # Python, any text) gives Python ints, the values of Keras with int(n).
        n = operator.index(n)
    tab = _table(filters, lower, split) if analyzer is None else None
    k = kernels()
    if is_int and isinstance(hash_function, str) and hash_function == "md5" \
            and n - 1 < _MD5_FAST_LIMIT:
        m = n - 1
        if tab is not None:
            res = k.md5_mod_text(text, tab, m)
            if res is not None:
                return res
        if analyzer is None:
            seq = _text_to_word_sequence_general(text, filters, lower, split)
        else:
            seq = analyzer(text)
        if all(type(w) is str for w in seq):
            return k.md5_mod_tokens(seq, m)
        return [_md5_int(w) % m + 1 for w in seq]
    if is_int and (hash_function is None or hash_function is hash) and tab is not None \
            and n - 1 < _HASH_FAST_LIMIT:
        res = k.hash_mod_text(text, tab, n - 1)
        if res is not None:
            return res
    return _hashing_trick_general(text, n, hash_function, filters, lower, split, analyzer)


def one_hot(input_text, n, filters=DEFAULT_FILTERS, lower=True, split=" ",
            analyzer=None):
    """One-hot encodes a text into a list of word indexes of size `n`.

    A wrapper of `hashing_trick` with Python's built-in `hash`: indices are
    in `[1, n - 1]` and, since `hash` is salted per process, they are not
    reproducible across processes (use `hashing_trick(..., 'md5')` for
    stable ones). Not a one-hot matrix, despite the name.

    Args:
        input_text: Input text (str).
        n: Size of the vocabulary (at least 2).
        filters: Characters to filter out, as in `text_to_word_sequence`.
        lower: Whether to set the text to lowercase.
        split: Separator for word splitting.
        analyzer: Optional callable text -> list of tokens.

    Returns:
        List of integers in `[1, n - 1]`.
    """
    return hashing_trick(input_text, n, hash_function=hash, filters=filters, lower=lower,
                         split=split, analyzer=analyzer)


class Tokenizer:
    """Text tokenization utility class.

    Vectorizes a text corpus, turning each text into a sequence of integers
    (each integer being the index of a token in a dictionary) or into a
    vector whose coefficient per token is binary, a count, a frequency or
    tf-idf.

    Indexing follows Keras exactly: after every `fit_on_texts` the index is
    rebuilt from all counts seen so far, sorted by decreasing count with a
    stable sort (ties keep first-occurrence order); indices start at 1, 0 is
    reserved, and `oov_token`, when given, always gets index 1. The whole
    vocabulary is indexed; `num_words` only applies when converting (indices
    `>= num_words` are dropped, or replaced by the OOV index).

    Example:
        >>> tok = Tokenizer(oov_token='<OOV>')
        >>> tok.fit_on_texts(["The cat sat on the mat.", "The dog ate my homework!"])
        >>> tok.texts_to_sequences(["the cat ate a fish"])
        [[2, 4, 8, 1, 1]]

    Args:
        num_words: Maximum number of words to keep, based on word frequency:
            only the `num_words - 1` most common words are kept at conversion.
        filters: Characters filtered out of the texts (default: punctuation,
            tabs and line breaks, minus `'`). Not applied with `char_level`.
        lower: Whether to convert the texts to lowercase.
        split: Separator for word splitting.
        char_level: If True, every character is a token.
        oov_token: If given, added to `word_index` (index 1) and used to
            replace out-of-vocabulary words in `texts_to_sequences`.
        analyzer: Optional callable text -> list of tokens, used instead of
            the default word splitting. Not serialized by `to_json`.
        **kwargs: Legacy `nb_words` (renamed `num_words`, warns) and
            `document_count`.

    Attributes:
        word_counts: OrderedDict word -> count, in first-seen order.
        word_docs: defaultdict(int) word -> number of documents containing it.
        word_index: dict word -> index.
        index_word: dict index -> word.
        index_docs: defaultdict(int) index -> number of documents.
        document_count: Number of documents (texts or sequences) fitted.

    Raises:
        TypeError: Unknown keyword arguments.
    """

    def __init__(self, num_words=None, filters=DEFAULT_FILTERS, lower=True, split=" ",
                 char_level=False, oov_token=None, analyzer=None, **kwargs):
        if "nb_words" in kwargs:
            warnings.warn("The `nb_words` argument in `Tokenizer` has been renamed "
                          "`num_words`.", stacklevel=2)
            num_words = kwargs.pop("nb_words")
        document_count = kwargs.pop("document_count", 0)
        if kwargs:
            raise TypeError("Unrecognized keyword arguments: " + str(kwargs))
        self.word_counts = collections.OrderedDict()
        self.word_docs = collections.defaultdict(int)
        self.filters = filters
        self.split = split
        self.lower = lower
        self.num_words = num_words
        self.document_count = document_count
        self.char_level = char_level
        self.oov_token = oov_token
        self.index_docs = collections.defaultdict(int)
        self.word_index = {}
        self.index_word = {}
        self.analyzer = analyzer

    # ------------------------------------------------------------ tokens
    def _tokens(self, text):
        """Keras' tokenisation of one text (Python path)."""
        if self.char_level or isinstance(text, list):
            if self.lower:
                if isinstance(text, list):
                    text = [t.lower() for t in text]
                else:
                    text = text.lower()
            return text
        if self.analyzer is None:
            return _text_to_word_sequence_general(text, filters=self.filters,
                                                  lower=self.lower, split=self.split)
        return self.analyzer(text)

    def _fast_table(self):
        if self.char_level or self.analyzer is not None:
            return None
        return _table(self.filters, self.lower, self.split)

    def _count_python(self, seq):
        wc = self.word_counts
        for w in seq:
            wc[w] = wc.get(w, 0) + 1
        wd = self.word_docs
        for w in set(seq):
            wd[w] = wd.get(w, 0) + 1

    def _flush(self, vocab):
        """Add the counts gathered in a C vocabulary to the Python dicts."""
        if not len(vocab):
            return
        words, counts, docs = vocab.items()
        wc, wd = self.word_counts, self.word_docs
        if not wc:  # first fit: bulk insert, same order
            wc.update(zip(words, counts))
        else:
            for w, c in zip(words, counts):
                wc[w] = wc.get(w, 0) + c
        if not wd:
            wd.update(zip(words, docs))
        else:
            for w, d in zip(words, docs):
                wd[w] = wd.get(w, 0) + d

    # --------------------------------------------------------------- fit
    def fit_on_texts(self, texts):
        """Updates the internal vocabulary from a list of texts.

        Rebuilds `word_index`, `index_word` and `index_docs` from all counts
        seen so far.

        Args:
            texts: Iterable of str, or of lists of str tokens (taken as they
                are, lower-cased if `lower`), or a generator of those.
        """
        vocab = kernels().Vocab()

        def slow(text):
            seq = self._tokens(text)
            if not vocab.count_tokens(seq):
                self._flush(vocab)
                vocab.clear()
                self._count_python(seq)

        plain = not self.char_level and self.analyzer is None
        tab = self._fast_table() if plain else None
        try:
            vocab.count_texts(texts, tab, slow)
        finally:  # like Keras, keep what was counted if a text raised
            self.document_count += vocab.ntexts
            self._flush(vocab)
        self._rebuild_index()

    def _rebuild_index(self):
        wcounts = list(self.word_counts.items())
        wcounts.sort(key=itemgetter(1), reverse=True)  # stable: ties keep order
        sorted_voc = [] if self.oov_token is None else [self.oov_token]
        sorted_voc.extend(map(itemgetter(0), wcounts))
        self.word_index = word_index = dict(zip(sorted_voc, range(1, len(sorted_voc) + 1)))
        self.index_word = dict(zip(word_index.values(), word_index.keys()))
        word_docs = self.word_docs
        self.index_docs.update(zip(map(word_index.__getitem__, list(word_docs)),
                                   list(word_docs.values())))

    def fit_on_sequences(self, sequences):
        """Updates the document counts from a list of sequences of indices.

        Required before `sequences_to_matrix(..., mode='tfidf')` when
        `fit_on_texts` was never called. Does not change `word_index`.

        Args:
            sequences: A list of sequences (lists of integer word indices).
        """
        self.document_count += len(sequences)
        idocs = self.index_docs
        for seq in sequences:
            for i in set(seq):
                idocs[i] = idocs.get(i, 0) + 1

    # ------------------------------------------------------- conversions
    def texts_to_sequences(self, texts):
        """Transforms each text in `texts` into a sequence of integers.

        Only the top `num_words - 1` words are kept (others become the OOV
        index when `oov_token` is set, else are dropped); words not in the
        vocabulary likewise.

        Args:
            texts: A list of texts (str, or lists of str tokens).

        Returns:
            A list of lists of ints.
        """
        return list(self.texts_to_sequences_generator(texts, _bulk=True))

    def _lookup_vocab(self, oov_index):
        """A C lookup table of word_index with the num_words/OOV rule folded in,
        or None when some entry is not (str -> int)."""
        num_words = self.num_words
        vocab = kernels().Vocab()
        for w, i in self.word_index.items():
            if type(w) is not str or type(i) is not int or i < 0 or i >= (1 << 62):
                return None
            if num_words and i >= num_words:
                vocab.set_value(w, -1 if oov_index is None else oov_index)
            else:
                vocab.set_value(w, i)
        return vocab

    def texts_to_sequences_generator(self, texts, _bulk=False):
        """Transforms each text in `texts` into a sequence of integers.

        Same as `texts_to_sequences`, one text at a time.

        Args:
            texts: A list of texts (str, or lists of str tokens).

        Yields:
            A list of ints per text.
        """
        num_words = self.num_words
        oov_token_index = self.word_index.get(self.oov_token)
        tab = self._fast_table()
        vocab = None
        unknown = -1
        if tab is not None:
            ok_oov = oov_token_index is None or (
                type(oov_token_index) is int and 0 <= oov_token_index < (1 << 62))
            if self.oov_token is not None and oov_token_index is None:
                ok_oov = False  # Keras then emits None for unknown words
            if ok_oov:
                vocab = self._lookup_vocab(oov_token_index)
                if self.oov_token is not None:
                    unknown = oov_token_index
        word_index = self.word_index

        def convert(text):
            vect = []
            for w in self._tokens(text):
                i = word_index.get(w)
                if i is not None:
                    if num_words and i >= num_words:
                        if oov_token_index is not None:
                            vect.append(oov_token_index)
                    else:
                        vect.append(i)
                elif self.oov_token is not None:
                    vect.append(oov_token_index)
            return vect

        if vocab is not None and _bulk:
            yield from vocab.lookup_texts(texts, tab, unknown, convert)
            return
        for text in texts:
            if vocab is not None:
                res = vocab.lookup_text(text, tab, unknown)
                if res is not None:
                    yield res
                    continue
            yield convert(text)

    def sequences_to_texts(self, sequences):
        """Transforms each sequence of indices into a text (space-joined words).

        Indices `>= num_words` and unknown indices (0 included) are dropped,
        or become the OOV word when `oov_token` is set.

        Args:
            sequences: A list of sequences (lists of ints).

        Returns:
            A list of str.
        """
        return list(self.sequences_to_texts_generator(sequences))

    def sequences_to_texts_generator(self, sequences):
        """Transforms each sequence of indices into a text, one at a time.

        Args:
            sequences: A list of sequences (lists of ints).

        Yields:
            A str per sequence.
        """
        num_words = self.num_words
        oov_token_index = self.word_index.get(self.oov_token)
        index_word = self.index_word
        for seq in sequences:
            vect = []
            for num in seq:
                word = index_word.get(num)
                if word is not None:
                    if num_words and num >= num_words:
                        if oov_token_index is not None:
                            vect.append(index_word[oov_token_index])
                    else:
                        vect.append(word)
                elif self.oov_token is not None:
                    vect.append(index_word[oov_token_index])
            yield " ".join(vect)

    def texts_to_matrix(self, texts, mode="binary"):
        """Converts a list of texts to a NumPy matrix.

        Args:
            texts: A list of texts.
            mode: One of "binary", "count", "tfidf", "freq".

        Returns:
            A float64 array of shape `(len(texts), width)`, see
            `sequences_to_matrix`.
        """
        return self.sequences_to_matrix(self.texts_to_sequences(texts), mode=mode)

    def sequences_to_matrix(self, sequences, mode="binary"):
        """Converts a list of sequences into a NumPy matrix.

        The width is `num_words` if set, else `len(word_index) + 1`. Indices
        `>= width` are ignored; column 0 is never set by a fitted index.

        Args:
            sequences: A list of sequences (lists of ints).
            mode: One of "binary" (1 where an index occurs), "count",
                "freq" (count / len(sequence), the length including ignored
                indices) or "tfidf" (`(1 + ln c) * ln(1 + N / (1 + docs))`
                with N = `document_count` and docs from `index_docs`).

        Returns:
            A float64 array of shape `(len(sequences), width)`.

        Raises:
            ValueError: No `num_words` and not fitted; `tfidf` before any fit;
                an unknown `mode` (raised at the first row with a kept index).
        """
        if not self.num_words:
            if self.word_index:
                num_words = len(self.word_index) + 1
            else:
                raise ValueError("Specify a dimension (`num_words` argument), "
                                 "or fit on some text data first.")
        else:
            num_words = self.num_words
        if mode == "tfidf" and not self.document_count:
            raise ValueError("Fit the Tokenizer on some data before using tfidf mode.")
        if mode not in ("binary", "count", "freq", "tfidf"):
            mode_code = None
        else:
            mode_code = mode
        x = np.zeros((len(sequences), num_words))
        index_docs = self.index_docs
        document_count = self.document_count
        for i, seq in enumerate(sequences):
            if not seq:
                continue
            counts = {}
            for j in seq:
                if j >= num_words:
                    continue
                counts[j] = counts.get(j, 0) + 1
            if not counts:
                continue
            row = x[i]
            if mode_code == "binary":
                for j in counts:
                    row[j] = 1
            elif mode_code == "count":
                for j, c in counts.items():
                    row[j] = c
            elif mode_code == "freq":
                n = len(seq)
                for j, c in counts.items():
                    row[j] = c / n
            elif mode_code == "tfidf":
                for j, c in counts.items():
                    tf = 1 + np.log(c)
                    idf = np.log(1 + document_count / (1 + index_docs.get(j, 0)))
                    row[j] = tf * idf
            else:
                raise ValueError("Unknown vectorization mode:", mode)
        return x

    # ------------------------------------------------------ serialization
    def get_config(self):
        """Returns the tokenizer configuration as a Python dict.

        `word_counts`, `word_docs`, `index_docs`, `index_word` and
        `word_index` are JSON strings (so integer keys become strings);
        `analyzer` is not included.
        """
        return {
            "num_words": self.num_words,
            "filters": self.filters,
            "lower": self.lower,
            "split": self.split,
            "char_level": self.char_level,
            "oov_token": self.oov_token,
            "document_count": self.document_count,
            "word_counts": json.dumps(self.word_counts),
            "word_docs": json.dumps(self.word_docs),
            "index_docs": json.dumps(self.index_docs),
            "index_word": json.dumps(self.index_word),
            "word_index": json.dumps(self.word_index),
        }

    def to_json(self, **kwargs):
        """Returns a JSON string with the tokenizer configuration.

        Load it with `tokenizer_from_json`.

        Args:
            **kwargs: Additional keyword arguments passed to `json.dumps`.
        """
        return json.dumps({"class_name": self.__class__.__name__,
                           "config": self.get_config()}, **kwargs)


def tokenizer_from_json(json_string):
    """Parses a JSON tokenizer configuration and returns a Tokenizer instance.

    Args:
        json_string: JSON string from `Tokenizer.to_json()` (ckeras' or
            Keras').

    Returns:
        A Keras-compatible Tokenizer; its dictionaries are plain dicts, with
        int keys restored for `index_docs` and `index_word`.
    """
    tokenizer_config = json.loads(json_string)
    config = tokenizer_config.get("config")
    word_counts = json.loads(config.pop("word_counts"))
    word_docs = json.loads(config.pop("word_docs"))
    index_docs = {int(k): v for k, v in json.loads(config.pop("index_docs")).items()}
    index_word = {int(k): v for k, v in json.loads(config.pop("index_word")).items()}
    word_index = json.loads(config.pop("word_index"))
    tokenizer = Tokenizer(**config)
    tokenizer.word_counts = word_counts
    tokenizer.word_docs = word_docs
    tokenizer.index_docs = index_docs
    tokenizer.word_index = word_index
    tokenizer.index_word = index_word
    return tokenizer
