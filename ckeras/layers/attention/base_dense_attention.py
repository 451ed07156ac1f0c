"""BaseDenseAttention: what Attention and AdditiveAttention share (tf-keras'
masking, causal mask, dropout of the weights and return of the scores)."""
import numpy as np

from ckeras import backend as K
from ckeras.autograd.functions.linalg import Einsum
from ckeras.autograd.tensor import Tensor
from ckeras.engine.base_layer import Layer
from ckeras.layers.core import call_seed

# What tf-keras adds to (subtracts from) a masked score before the softmax;
# the attention kernels use the same value (csrc/ck_attention.h).
MASKED_SCORE = -1e9


def _bool(m):
    m = m.value if isinstance(m, Tensor) else np.asarray(m)
    return m.astype(bool) if m.dtype != bool else m


class BaseDenseAttention(Layer):
    """Dot-product-style attention over `[query, value]` or `[query, value, key]`.

    Subclasses give `_calculate_scores(query, key)` -> (B, T, S) scores. The
    value mask (B, S) and the causal mask subtract 1e9 from the scores they
    exclude; the softmax weights (dropped out in training) multiply `value`;
    rows of masked query steps are zeroed.

    Args:
        dropout: dropout rate on the attention weights, in training.
        **kwargs: `causal`, the deprecated form of `use_causal_mask=True`
            (tf-keras), and the base Layer arguments.
    """

    def __init__(self, dropout=0.0, **kwargs):
        self.causal = bool(kwargs.pop("causal", False))
        self.seed = kwargs.pop("seed", None)
        super().__init__(**kwargs)
        self.dropout = dropout
        self.supports_masking = True

    def _calculate_scores(self, query, key):
        raise NotImplementedError

    def _validate_call_args(self, inputs, mask):
        name = type(self).__name__
        if not isinstance(inputs, list):
            raise ValueError(f"{name} layer must be called on a list of inputs, namely "
                             f"[query, value] or [query, value, key]. Received: {inputs}.")
        if len(inputs) < 2 or len(inputs) > 3:
            raise ValueError(f"{name} layer accepts inputs list of length 2 or 3, namely "
                             "[query, value] or [query, value, key]. Received length: "
                             f"{len(inputs)}.")
        if mask is not None and any(m is not None for m in mask):
            if not isinstance(mask, (list, tuple)):
                raise ValueError(f"{name} layer mask must be a list, namely [query_mask, "
                                 f"value_mask]. Received: {mask}.")
            if len(mask) < 2 or len(mask) > len(inputs):
                raise ValueError(f"{name} layer mask must be a list of length 2, namely "
                                 f"[query_mask, value_mask]. Received length: {len(mask)}.")

    def _apply_scores(self, scores, value, scores_mask=None, training=None):
        if scores_mask is not None:
            dtype = scores.dtype
            scores = scores + (~scores_mask).astype(dtype) * np.asarray(MASKED_SCORE, dtype)
        weights = K.softmax(scores, axis=-1)
        dropped = weights
        if training is None:
            training = K.learning_phase()
        if self.dropout > 0 and training:
            dropped = K.dropout(weights, self.dropout, seed=call_seed(self))
        return Einsum.apply(dropped, value, equation="...ts,...sd->...td"), weights

    def call(self, inputs, mask=None, training=None, return_attention_scores=False,
             use_causal_mask=False):
        inputs = list(inputs) if isinstance(inputs, tuple) else inputs
        mask = list(mask) if isinstance(mask, tuple) else mask
        self._validate_call_args(inputs, mask)
        q, v = inputs[0], inputs[1]
        k = inputs[2] if len(inputs) > 2 else v
        q_mask = mask[0] if mask else None
        v_mask = mask[1] if mask else None
        scores = self._calculate_scores(q, k)
        scores_mask = None
        if v_mask is not None:
            scores_mask = np.expand_dims(_bool(v_mask), -2)
        if self.causal or use_causal_mask:
            t, s = scores.shape[-2], scores.shape[-1]
            causal = np.tril(np.ones((t, s), bool))
            scores_mask = causal if scores_mask is None else scores_mask & causal
        result, weights = self._apply_scores(scores, v, scores_mask, training)
        if q_mask is not None:
            result = result * np.expand_dims(_bool(q_mask), -1).astype(result.dtype)
        if return_attention_scores:
            return result, weights
        return result

    def compute_mask(self, inputs, mask=None):
        if mask:
            return mask[0]
        return None

    def compute_output_shape(self, input_shape):
        # The value's feature size (tf-keras answers the query's shape, wrong
        # when the two differ).
        return tuple(input_shape[0])[:-1] + tuple(input_shape[1])[-1:]

    def get_config(self):
        config = super().get_config()
        config["dropout"] = self.dropout
        return config
