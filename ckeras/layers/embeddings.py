"""Embedding: integer ids to dense vectors."""
import numpy as np

from ckeras import backend as K
from ckeras import constraints, initializers, regularizers
from ckeras.engine.base_layer import Layer


class Embedding(Layer):
    """Turns non-negative integer ids into dense vectors of fixed size.

    Args:
        input_dim: vocabulary size (largest id + 1).
        output_dim: size of each vector.
        embeddings_initializer: initializer of the `(input_dim, output_dim)`
            matrix (default uniform in [-0.05, 0.05]).
        embeddings_regularizer: regularizer of the matrix.
        activity_regularizer: regularizer applied to the output.
        embeddings_constraint: constraint of the matrix.
        mask_zero: id 0 is padding and produces a mask (then `input_dim`
            must be vocabulary size + 1).
        input_length: length of the input sequences, when constant.
        sparse: tf-keras returns a SparseTensor when True; ckeras has no
            sparse tensors, so the output is the same values, dense. Like
            tf-keras, it cannot be combined with `mask_zero` and is not part
            of the config.

    Input shape: `(batch, sequence_length)` of integers.
    Output shape: `(batch, sequence_length, output_dim)`.

    Example:
        >>> model = Sequential([Embedding(1000, 64, input_length=10)])
        >>> model.output_shape
        (None, 10, 64)
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, activity_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, input_length=None, sparse=False,
                 **kwargs):
        if "input_shape" not in kwargs and "batch_input_shape" not in kwargs:
            if input_length is not None:
                kwargs["input_shape"] = (input_length,)
        kwargs.setdefault("dtype", K.floatx())
        if int(input_dim) <= 0 or int(output_dim) <= 0:
            raise ValueError(
                "Both `input_dim` and `output_dim` should be positive, received "
                f"input_dim={input_dim} and output_dim={output_dim}")
        if sparse and mask_zero:
            raise ValueError("`mask_zero` cannot be enabled when `tf.keras.layers.Embedding` "
                             "is used with `tf.SparseTensor` input.")
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.sparse = bool(sparse)
        self.input_dim = int(input_dim)
        self.output_dim = int(output_dim)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        self.input_length = input_length

    def build(self, input_shape):
        self.embeddings = self.add_weight(
            "embeddings", (self.input_dim, self.output_dim),
            initializer=self.embeddings_initializer,
            regularizer=self.embeddings_regularizer,
            constraint=self.embeddings_constraint)
        self.built = True

    def _convert_input(self, x):
        # Ids stay integers: the layer dtype applies to the vectors only.
        return np.asarray(getattr(x, "value", x))

    def call(self, inputs):
        ids = np.asarray(getattr(inputs, "value", inputs))
        if ids.dtype.kind == "f":
            ids = ids.astype(np.int64)
        if ids.size and (ids.min() < 0 or ids.max() >= self.input_dim):
            bad = ids[(ids < 0) | (ids >= self.input_dim)].ravel()[0]
            raise ValueError(
                f'Layer "{self.name}": input id {bad} is out of range; expected ids in '
                f"[0, {self.input_dim}).")
        return K.gather(self.embeddings, ids)

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return np.not_equal(np.asarray(getattr(inputs, "value", inputs)), 0)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def _output_dtype(self, input_dtypes):
        return self.dtype

    def get_config(self):
        config = super().get_config()
        config.update({
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
            "input_length": self.input_length,
        })
        return config
