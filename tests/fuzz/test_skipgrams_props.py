"""Property-based tests of `skipgrams` and `make_sampling_table`: invariants of
Keras' definitions (shapes, label values, window bounds)."""
import collections
import random

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from ckeras.preprocessing.sequence import make_sampling_table, skipgrams

FUZZ = settings.get_profile("fuzz-active")

words = st.lists(st.integers(0, 30), max_size=25)


def positive_pairs(seq, window):
    """Every (wi, wj) Keras pairs as positives: both non-zero, |i - j| <= window."""
    pairs = collections.Counter()
    for i, wi in enumerate(seq):
        if not wi:
            continue
        for j in range(max(0, i - window), min(len(seq), i + window + 1)):
            if j != i and seq[j]:
                pairs[(wi, seq[j])] += 1
    return pairs


@FUZZ
@given(seq=words, window=st.integers(0, 8), vocab=st.integers(2, 40),
       negative=st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.7]), categorical=st.booleans(),
       shuffle=st.booleans(), seed=st.integers(0, 2 ** 31))
def test_skipgrams_pairs_labels_and_windows(seq, window, vocab, negative, categorical, shuffle,
                                            seed):
    random.seed(seed)
    pos_label, neg_label = ([0, 1], [1, 0]) if categorical else (1, 0)
    want_pos = positive_pairs(seq, window)
    couples, labels = skipgrams(seq, vocab, window_size=window, negative_samples=negative,
                                shuffle=shuffle, categorical=categorical, seed=seed)
    assert len(couples) == len(labels)
    assert all(lab in (pos_label, neg_label) for lab in labels)
    pos = collections.Counter(tuple(c) for c, lab in zip(couples, labels) if lab == pos_label)
    neg = [tuple(c) for c, lab in zip(couples, labels) if lab == neg_label]
    assert pos == want_pos  # shuffling keeps every couple with its label
    assert len(neg) == int(sum(want_pos.values()) * negative)
    first_words = {p[0] for p in want_pos}
    for wi, wj in neg:
        assert wi in first_words and 1 <= wj <= vocab - 1


@FUZZ
@given(seq=st.lists(st.just(0), max_size=5) | st.lists(st.integers(1, 9), max_size=1),
       vocab=st.integers(2, 10))
def test_skipgrams_without_positives(seq, vocab):
    """No positive pair: no negatives either (their count is a multiple of the
    positives'), so the result is empty."""
    couples, labels = skipgrams(seq, vocab, negative_samples=1.0, seed=1)
    assert couples == [] and labels == []


@FUZZ
@given(seq=st.lists(st.integers(1, 20), min_size=1, max_size=30), window=st.integers(1, 5),
       seed=st.integers(0, 1000))
def test_skipgrams_sampling_table_keeps_subset(seq, window, seed):
    """With a sampling table, the positives are those of a subset of centre
    words (every window intact), and p=1 keeps everything."""
    table = np.ones(21)
    random.seed(seed)
    c_all, _ = skipgrams(seq, 21, window_size=window, negative_samples=0, shuffle=False,
                         sampling_table=table)
    assert collections.Counter(map(tuple, c_all)) == positive_pairs(seq, window)
    table = np.linspace(0.0, 1.0, 21)
    random.seed(seed)
    c_some, _ = skipgrams(seq, 21, window_size=window, negative_samples=0, shuffle=False,
                          sampling_table=table)
    assert not (collections.Counter(map(tuple, c_some)) - positive_pairs(seq, window))


@FUZZ
@given(seq=words, window=st.integers(0, 6), seed=st.integers(0, 2 ** 20))
def test_skipgrams_same_seed_same_output(seq, window, seed):
    def run():
        random.seed(seed)
        return skipgrams(seq, 31, window_size=window, seed=seed)
    if positive_pairs(seq, window):
        assert run() == run()


@FUZZ
@given(size=st.integers(1, 5000), factor=st.floats(1e-9, 1.0))
def test_make_sampling_table_invariants(size, factor):
    table = make_sampling_table(size, factor)
    assert table.shape == (size,) and table.dtype == np.float64
    assert np.all(np.isfinite(table)) and np.all(table > 0) and np.all(table <= 1)
    if size > 1:
        assert table[0] == table[1]
        assert np.all(np.diff(table[1:]) >= 0)  # rarer words are kept more often
    rank = np.arange(1, size, dtype=np.float64)
    inv_fq = rank * (np.log(rank) + 0.577) + 0.5 - 1.0 / (12.0 * rank)
    np.testing.assert_allclose(table[1:], np.minimum(1.0, np.sqrt(factor * inv_fq)),
                               rtol=1e-12)
