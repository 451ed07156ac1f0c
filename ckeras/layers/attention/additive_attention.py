"""AdditiveAttention: Bahdanau-style attention."""
from ckeras import backend as K
from ckeras.layers.attention.base_dense_attention import BaseDenseAttention


class AdditiveAttention(BaseDenseAttention):
    """Additive attention layer, a.k.a. Bahdanau-style attention.

    Scores are `sum(scale * tanh(query_t + key_s), axis=-1)`, with a learned
    `scale` vector of the feature size when `use_scale`; their softmax over
    S weights `value`. Inputs, masks and call arguments as `Attention`.

    Args:
        use_scale: learn the per-feature `scale` vector (glorot_uniform).
        **kwargs: `dropout` (the rate on the attention weights, in training)
            and the base Layer arguments.

    Example:
        >>> att = AdditiveAttention()
        >>> att([np.ones((2, 3, 4), "float32"), np.ones((2, 5, 4), "float32")]).shape
        (2, 3, 4)
    """

    def __init__(self, use_scale=True, **kwargs):
        super().__init__(**kwargs)
        self.use_scale = use_scale

    def build(self, input_shape):
        dim = tuple(input_shape[1])[-1]
        self.scale = self.add_weight("scale", shape=(dim,), initializer="glorot_uniform",
                                     dtype=self.dtype) if self.use_scale else None
        self.built = True

    def _calculate_scores(self, query, key):
        t = K.tanh(K.expand_dims(query, -2) + K.expand_dims(key, -3))
        if self.scale is not None:
            t = self.scale * t
        return K.sum(t, axis=-1)

    def get_config(self):
        config = super().get_config()
        config["use_scale"] = self.use_scale
        return config
