"""`ckeras.utils.pad_sequences`: the TF2 alias of
`ckeras.preprocessing.sequence.pad_sequences`, imported on first call so that
`import ckeras` does not load the preprocessing package."""


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre",
                  value=0.0):
    """Pads sequences to the same length.

    Same function as `ckeras.preprocessing.sequence.pad_sequences` (see there
    for every argument, edge case and error).

    Example:
        >>> pad_sequences([[1], [2, 3], [4, 5, 6]], maxlen=2)
        array([[0, 1],
               [2, 3],
               [5, 6]], dtype=int32)
    """
    from ckeras.preprocessing.sequence import pad_sequences as _pad_sequences  # lazy: E6
    return _pad_sequences(sequences, maxlen=maxlen, dtype=dtype, padding=padding,
                          truncating=truncating, value=value)
