"""CategoryEncoding, and the one-hot/multi-hot/count/tf-idf encoding the
lookup and hashing layers share."""
import numpy as np

from ckeras._internal import config
from ckeras.engine.base_layer import Layer

INT, ONE_HOT, MULTI_HOT, COUNT, TF_IDF = "int", "one_hot", "multi_hot", "count", "tf_idf"


def validate_string_arg(value, allowed, layer_name, arg_name, allow_none=False,
                        allow_callables=False):
    """Keras' check of a string-valued argument (same message as tf-keras)."""
    if allow_none and value is None:
        return
    if allow_callables and callable(value):
        return
    if isinstance(value, str) and value in allowed:
        return
    allowed_args = "`None`, " if allow_none else ""
    allowed_args += "a `Callable`, " if allow_callables else ""
    allowed_args += f"or one of the following values: {allowed}"
    if allow_callables:
        callable_note = (f"If restoring a model and `{arg_name}` is a custom callable, "
                         "please ensure the callable is registered as a custom object. "
                         "See https://www.tensorflow.org/guide/keras/save_and_serialize"
                         "#registering_the_custom_object for details. ")
    else:
        callable_note = ""
    raise ValueError(f"Unkown value for `{arg_name}` argument of layer {layer_name}. "
                     f"{callable_note}Allowed values are: {allowed_args}. Received: {value}")


def encode_categorical(indices, output_mode, depth, dtype, count_weights=None,
                       idf_weights=None):
    """Encodes integer `indices` as tf-keras' preprocessing layers do.

    'int' casts; 'one_hot' adds a trailing axis unless it is already 1;
    'multi_hot'/'count'/'tf_idf' count each row's indices into `depth` bins
    (indices outside [0, depth) are dropped, as masked tokens must be), a
    rank-1 input being one row; 'tf_idf' scales the counts by `idf_weights`.
    Outputs of rank above 2 are refused.
    """
    indices = np.asarray(indices)
    if output_mode == INT:
        return indices.astype(dtype)
    original_shape = indices.shape
    if indices.ndim == 0:
        indices = indices[None]
    if output_mode == ONE_HOT and indices.shape[-1] != 1:
        indices = indices[..., None]
    if indices.ndim > 2:
        raise ValueError(
            "When output_mode is not `'int'`, maximum supported output rank is 2. "
            f"Received output_mode {output_mode} and input shape "
            f"{_tf_shape(original_shape)}, which would result in output rank "
            f"{indices.ndim}.")
    rows = indices if indices.ndim == 2 else indices[None]
    out = np.zeros((rows.shape[0], depth), dtype=dtype)
    r, c = np.nonzero((rows >= 0) & (rows < depth))
    cols = rows[r, c].astype(np.intp)
    if count_weights is not None:
        w = np.broadcast_to(np.asarray(count_weights), rows.shape)[r, c]
        np.add.at(out, (r, cols), w.astype(dtype))
    else:
        np.add.at(out, (r, cols), 1)
    if output_mode in (ONE_HOT, MULTI_HOT):
        out = (out > 0).astype(dtype) if count_weights is None else out
    if output_mode == TF_IDF:
        out = out * np.asarray(idf_weights, dtype=dtype)
    return out if indices.ndim == 2 else out[0]


def _tf_shape(shape):
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


class CategoryEncoding(Layer):
    """A preprocessing layer which encodes integer features.

    Turns integer indices in `[0, num_tokens)` into a dense one-hot,
    multi-hot or count representation.

    Args:
        num_tokens: the number of tokens; inputs must lie in `[0, num_tokens)`.
        output_mode: "one_hot" (one vector per input index; a trailing axis of
            size 1 is replaced), "multi_hot" (per row, 1 where an index
            occurs) or "count" (per row, how often each index occurs).
            Defaults to "multi_hot".
        sparse: must be False (ckeras has no sparse outputs).

    Call arguments:
        inputs: integer array of rank 1 or 2.
        count_weights: optional weights, one per input, summed instead of
            counting (count mode).

    Example:
    >>> layer = CategoryEncoding(num_tokens=4, output_mode="one_hot")
    >>> layer(np.array([3, 2, 0, 1]))
    array([[0., 0., 0., 1.],
           [0., 0., 1., 0.],
           [1., 0., 0., 0.],
           [0., 1., 0., 0.]], dtype=float32)
    """

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        if "max_tokens" in kwargs:
            num_tokens = kwargs.pop("max_tokens")
        if output_mode == "binary":
            output_mode = MULTI_HOT
        validate_string_arg(output_mode, (COUNT, ONE_HOT, MULTI_HOT), "CategoryEncoding",
                            "output_mode")
        if num_tokens is None:
            raise ValueError("num_tokens must be set to use this layer. If the number of "
                             "tokens is not known beforehand, use the IntegerLookup layer "
                             "instead.")
        if num_tokens < 1:
            raise ValueError(f"`num_tokens` must be >= 1. Received: num_tokens={num_tokens}.")
        if sparse:
            raise ValueError("CategoryEncoding: `sparse=True` is not supported by ckeras "
                             "(NumPy outputs are dense); use sparse=False.")
        kwargs.setdefault("dtype", config.floatx())
        super().__init__(**kwargs)
        self.num_tokens = num_tokens
        self.output_mode = output_mode
        self.sparse = sparse

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if not input_shape:
            return (self.num_tokens,)
        if self.output_mode == ONE_HOT and input_shape[-1] != 1:
            return input_shape + (self.num_tokens,)
        return input_shape[:-1] + (self.num_tokens,)

    def _output_dtype(self, input_dtypes):
        return self.dtype

    def call(self, inputs, count_weights=None):
        x = np.asarray(inputs)
        if x.dtype.kind not in "iub":
            if x.dtype.kind == "f" and np.all(np.mod(x, 1) == 0):
                x = x.astype(np.int64)
            else:
                raise ValueError(f"Layer {self.name} (CategoryEncoding) expects integer "
                                 f"inputs; received dtype {x.dtype}.")
        if count_weights is not None and self.output_mode != COUNT:
            raise ValueError("`count_weights` is not used when `output_mode` is not "
                             f"`'count'`. Received `count_weights={count_weights}`.")
        if x.size and (x.max() >= self.num_tokens or x.min() < 0):
            raise ValueError(
                f"Layer {self.name} (CategoryEncoding): Input values must be in the range "
                f"0 <= values < num_tokens with num_tokens={self.num_tokens}; received "
                f"values from {x.min()} to {x.max()}.")
        return encode_categorical(x, self.output_mode, self.num_tokens, self.dtype,
                                  count_weights=count_weights)

    def get_config(self):
        config_ = super().get_config()
        config_.update({"num_tokens": self.num_tokens, "output_mode": self.output_mode,
                        "sparse": self.sparse})
        return config_
