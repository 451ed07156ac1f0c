"""Attention: Luong-style dot-product attention."""
from ckeras import backend as K
from ckeras.autograd.functions.linalg import Einsum
from ckeras.layers.attention.base_dense_attention import BaseDenseAttention


class Attention(BaseDenseAttention):
    """Dot-product attention layer, a.k.a. Luong-style attention.

    Inputs `[query (B, T, dim), value (B, S, dim)]` or with `key (B, S, dim)`
    (default `value`). Scores are `query . key^T` ('dot', times a learned
    scalar `scale` when `use_scale`) or `concat_score_weight *
    sum(tanh(scale * (query_t + key_s)))` ('concat'); their softmax over S
    weights `value`.

    Args:
        use_scale: learn a scalar that multiplies the scores.
        score_mode: 'dot' or 'concat'.
        **kwargs: `dropout` (the rate on the attention weights, in training)
            and the base Layer arguments.

    Call arguments:
        inputs: `[query, value]` or `[query, value, key]`.
        mask: `[query_mask (B, T), value_mask (B, S)]`.
        training, return_attention_scores, use_causal_mask: as Keras.

    Example:
        >>> att = Attention()
        >>> att([np.ones((2, 3, 4), "float32"), np.ones((2, 5, 4), "float32")]).shape
        (2, 3, 4)
    """

    def __init__(self, use_scale=False, score_mode="dot", **kwargs):
        super().__init__(**kwargs)
        self.use_scale = use_scale
        self.score_mode = score_mode
        if score_mode not in ("dot", "concat"):
            raise ValueError(f"Received: score_mode={score_mode}. Acceptable values are: "
                             '["dot", "concat"]')

    def build(self, input_shape):
        self.scale = self.add_weight("scale", shape=(), initializer="ones",
                                     dtype=self.dtype) if self.use_scale else None
        self.concat_score_weight = self.add_weight(
            "concat_score_weight", shape=(), initializer="ones",
            dtype=self.dtype) if self.score_mode == "concat" else None
        self.built = True

    def _calculate_scores(self, query, key):
        if self.score_mode == "dot":
            scores = Einsum.apply(query, key, equation="...td,...sd->...ts")
            if self.scale is not None:
                scores = scores * self.scale
            return scores
        pair = K.expand_dims(query, -2) + K.expand_dims(key, -3)
        if self.scale is not None:
            pair = self.scale * pair
        return self.concat_score_weight * K.sum(K.tanh(pair), axis=-1)

    def get_config(self):
        config = super().get_config()
        config.update({"use_scale": self.use_scale, "score_mode": self.score_mode})
        return config
