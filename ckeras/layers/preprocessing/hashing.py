"""Hashing: bins strings and integers by Keras' stable hash."""
import numpy as np

from ckeras._internal import config
from ckeras.engine.base_layer import Layer
from ckeras.kernels import kernels
from ckeras.layers.preprocessing.category_encoding import (
    COUNT,
    INT,
    MULTI_HOT,
    ONE_HOT,
    encode_categorical,
    validate_string_arg,
)


class Hashing(Layer):
    """A preprocessing layer which hashes and bins categorical features.

    Bit-exact with Keras: FarmHash Fingerprint64 by default, SipHash-2-4
    keyed by `salt` when one is given; integers are hashed as their decimal
    strings. The bin is `hash mod num_bins`; with `mask_value` set, bin 0 is
    the mask's and the others take `hash mod (num_bins - 1) + 1`.

    Args:
        num_bins: the number of bins (the mask's bin included).
        mask_value: the value that goes to bin 0 (None: no mask).
        salt: None, an integer (used twice) or a pair of integers: the
            SipHash key.
        output_mode: "int", "one_hot", "multi_hot" or "count".
        sparse: must be False.

    Example:
    >>> layer = Hashing(num_bins=3)
    >>> layer(np.array([["A"], ["B"], ["C"], ["D"], ["E"]]))
    array([[1], [0], [1], [1], [2]])
    """

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False,
                 **kwargs):
        if num_bins is None or num_bins <= 0:
            raise ValueError("The `num_bins` for `Hashing` cannot be `None` or non-positive "
                             f"values. Received: num_bins={num_bins}.")
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == INT else config.floatx()
        elif output_mode == INT and np.dtype(kwargs["dtype"]).kind not in "iu":
            kwargs["dtype"] = "int64"
        super().__init__(**kwargs)
        validate_string_arg(output_mode, (INT, ONE_HOT, MULTI_HOT, COUNT), "Hashing",
                            "output_mode")
        if sparse:
            raise ValueError("Hashing: `sparse=True` is not supported by ckeras (NumPy "
                             "outputs are dense); use sparse=False.")
        self.num_bins = num_bins
        self.mask_value = mask_value
        self.strong_hash = salt is not None
        self.output_mode = output_mode
        self.sparse = sparse
        self.salt = None
        if salt is not None:
            if isinstance(salt, (tuple, list)) and len(salt) == 2:
                self.salt = list(salt)
            elif isinstance(salt, int):
                self.salt = [salt, salt]
            else:
                raise ValueError("The `salt` argument for `Hashing` can only be a tuple of "
                                 f"size 2 integers, or a single integer. Received: salt={salt}.")

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.output_mode == INT:
            return input_shape
        if self.output_mode == ONE_HOT and (not input_shape or input_shape[-1] != 1):
            return input_shape + (self.num_bins,)
        return input_shape[:-1] + (self.num_bins,) if input_shape else (self.num_bins,)

    def _output_dtype(self, input_dtypes):
        return self.dtype

    def call(self, inputs):
        x = np.asarray(inputs, dtype=object if isinstance(inputs, list) else None)
        return encode_categorical(self.hash_values(x), self.output_mode, self.num_bins,
                                  self.dtype)

    def hash_values(self, x):
        """The int64 bin of every value of the array x."""
        bins = self.num_bins
        mask = None
        if self.mask_value is not None and bins > 1:
            bins -= 1
            mask = x == self.mask_value
            mask = np.broadcast_to(mask, x.shape) if np.ndim(mask) else np.zeros(x.shape, bool)
        flat = x.reshape(-1)
        if flat.dtype.kind in "iu":
            tokens = [str(v) for v in flat.tolist()]
        elif flat.dtype.kind in "US" or flat.dtype == object:
            tokens = flat.tolist()
            for t in tokens:
                if not isinstance(t, (str, bytes)):
                    raise ValueError(f"Layer {self.name} (Hashing) expects strings or "
                                     f"integers; received {t!r} of type {type(t).__name__}.")
        else:
            raise ValueError(f"Layer {self.name} (Hashing) expects strings or integers; "
                             f"received dtype {x.dtype}.")
        out = np.empty(len(tokens), dtype=np.int64)
        kernels().hash_buckets(tokens, bins, self.salt, out)
        out = out.reshape(x.shape)
        if mask is not None:
            out = np.where(mask, 0, out + 1)
        return out

    def get_config(self):
        config_ = super().get_config()
        config_.update({"num_bins": self.num_bins, "salt": self.salt,
                        "mask_value": self.mask_value, "output_mode": self.output_mode,
                        "sparse": self.sparse})
        return config_
