"""HashedCrossing: crosses two or more categorical features into hashed bins."""
import numpy as np

from ckeras._internal import config
from ckeras.engine.base_layer import Layer
from ckeras.kernels import kernels
from ckeras.layers.preprocessing.category_encoding import (
    INT,
    ONE_HOT,
    encode_categorical,
    validate_string_arg,
)

# TensorFlow's sparse-cross hash: the seed of the chain, the multiplier of
# FingerprintCat64.
_CROSS_KEY = np.uint64(0xDECAFCAFFE)
_MUL = np.uint64(0xC6A4A7935BD1E995)
_47 = np.uint64(47)


def _shift_mix(v):
    return v ^ (v >> _47)


def _fingerprint_cat(a, b):
    """FingerprintCat64(a, b) elementwise on uint64 arrays (wrapping products)."""
    r = a ^ _MUL
    r ^= _shift_mix(b * _MUL) * _MUL
    r *= _MUL
    return _shift_mix(_shift_mix(r) * _MUL)


def _feature_hash(values, layer_name):
    """Integers hash as their own 64-bit value, strings by Fingerprint64."""
    if values.dtype.kind in "iu":
        return values.astype(np.int64).view(np.uint64)
    if values.dtype.kind in "USO":
        tokens = values.tolist()
        for t in tokens:
            if not isinstance(t, (str, bytes)):
                raise ValueError(f"All `HashedCrossing` inputs should have an integer or string "
                                 f"dtype; layer {layer_name} received {t!r}.")
        out = np.empty(len(tokens), np.uint64)
        kernels().fingerprint64(tokens, out)
        return out
    raise ValueError("All `HashedCrossing` inputs should have an integer or string dtype. "
                     f"Layer {layer_name} received dtype {values.dtype}.")


class HashedCrossing(Layer):
    """A preprocessing layer which crosses features using the "hashing trick".

    Each row's values of the input features are combined into one hash (the
    same 64-bit chain as TensorFlow's `tf.sparse.cross_hashed`, so the bins
    equal tf-keras' bit for bit) and binned modulo `num_bins`.

    Args:
        num_bins: number of hash bins.
        output_mode: "int" (bin indices) or "one_hot".
        sparse: must be False (outputs are dense NumPy arrays).

    Returns:
        The bins, shaped like each input (`[]`, `[batch]` or `[batch, 1]`), or
        their one-hot encoding.

    Example:
        >>> layer = HashedCrossing(num_bins=5)
        >>> layer((np.array([1, 2]), np.array(["A", "B"]))).shape
        (2,)
    """

    def __init__(self, num_bins, output_mode="int", sparse=False, **kwargs):
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == INT else config.floatx()
        super().__init__(**kwargs)
        if output_mode == INT and np.dtype(self.dtype).kind not in "iu":
            raise ValueError("When `output_mode='int'`, `dtype` should be an integer type. "
                             f"Received: dtype={kwargs['dtype']}")
        validate_string_arg(output_mode, (INT, ONE_HOT), "HashedCrossing", "output_mode")
        if sparse:
            raise ValueError("HashedCrossing: `sparse=True` is not supported by ckeras (NumPy "
                             "outputs are dense); use sparse=False.")
        self.num_bins = num_bins
        self.output_mode = output_mode
        self.sparse = sparse

    @staticmethod
    def _check_at_least_two(inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError("`HashedCrossing` should be called on a list or tuple of inputs. "
                             f"Received: inputs={inputs}")
        if len(inputs) < 2:
            raise ValueError("`HashedCrossing` should be called on at least two inputs. "
                             f"Received: inputs={inputs}")

    def call(self, inputs):
        self._check_at_least_two(inputs)
        arrays = [np.asarray(x) for x in inputs]
        shape = arrays[0].shape
        if len(shape) > 2 or (len(shape) == 2 and shape[-1] != 1):
            raise ValueError("All `HashedCrossing` inputs should have shape `[]`, "
                             f"`[batch_size]` or `[batch_size, 1]`. Received shape {shape} "
                             f"in layer {self.name}.")
        if any(a.shape != shape for a in arrays[1:]):
            raise ValueError("All `HashedCrossing` inputs should have equal shape. Received "
                             f"shapes {[a.shape for a in arrays]} in layer {self.name}.")
        h = np.full(int(np.prod(shape)), _CROSS_KEY, np.uint64)
        for a in arrays:
            h = _fingerprint_cat(h, _feature_hash(a.reshape(-1), self.name))
        bins = (h % np.uint64(self.num_bins)).astype(np.int64).reshape(shape)
        return encode_categorical(bins, self.output_mode, self.num_bins, self.dtype)

    def compute_output_shape(self, input_shapes):
        self._check_at_least_two(input_shapes)
        shape = tuple(input_shapes[0])
        if self.output_mode == INT:
            return shape
        if not shape or shape[-1] != 1:
            return shape + (self.num_bins,)
        return shape[:-1] + (self.num_bins,)

    def _output_dtype(self, input_dtypes):
        return self.dtype

    def get_config(self):
        config_ = super().get_config()
        config_.update({"num_bins": self.num_bins, "output_mode": self.output_mode,
                        "sparse": self.sparse})
        return config_
