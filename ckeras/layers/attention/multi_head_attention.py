"""MultiHeadAttention (Vaswani et al., 2017), with tf-keras' weights and masks."""
import math
import string

import numpy as np

from ckeras import activations, constraints, initializers, regularizers
from ckeras import backend as K
from ckeras.autograd.functions.attention import (
    Buffers,
    PackedSelfAttention,
    ScaledDotProductAttention,
)
from ckeras.autograd.functions.linalg import Einsum
from ckeras.autograd.tensor import Tensor
from ckeras.backend import nn as _nn
from ckeras.engine.base_layer import Layer
from ckeras.layers.attention.base_dense_attention import MASKED_SCORE
from ckeras.layers.core import Dropout
from ckeras.layers.einsum_dense import EinsumDense

_LETTERS = string.ascii_lowercase


def attention_equations(rank, attn_axes):
    """`(dot_product, combine, scores_rank)` einsum equations of attention
    over `attn_axes` of projected tensors of `rank` (batch, ..., heads,
    channels): scores are (batch dims, heads, query attention dims, key
    attention dims)."""
    target = _LETTERS[:rank]
    batch_dims = [i for i in range(rank) if i not in attn_axes and i != rank - 1]
    source, offset = "", rank
    for i in range(rank):
        if i in batch_dims or i == rank - 1:
            source += target[i]
        else:
            source += _LETTERS[offset]
            offset += 1
    product = "".join([target[i] for i in batch_dims] + [target[i] for i in attn_axes]
                      + [source[i] for i in attn_axes])
    return f"{source},{target}->{product}", f"{product},{source}->{target}", len(product)


def projection_equation(free_dims, bound_dims, output_dims):
    """`(equation, bias_axes, output_rank)` of an EinsumDense that keeps
    `free_dims` axes, contracts `bound_dims` and adds `output_dims`."""
    letters = iter(_LETTERS)
    free = "".join(next(letters) for _ in range(free_dims))
    bound = "".join(next(letters) for _ in range(bound_dims))
    out = "".join(next(letters) for _ in range(output_dims))
    return f"{free}{bound},{bound}{out}->{free}{out}", out, free_dims + output_dims


def _shape_of(x):
    if x is None:
        return None
    shape = x.shape if hasattr(x, "shape") else x
    return tuple(None if d is None else int(d) for d in shape)


def _array(m):
    if m is None:
        return None
    return m.value if isinstance(m, Tensor) else np.asarray(m)


def _bool(m):
    m = m.value if isinstance(m, Tensor) else np.asarray(m)
    return m.astype(bool) if m.dtype != bool else m


class MultiHeadAttention(Layer):
    """Multi-head attention: projects query, key and value per head, attends
    with scaled dot products, and projects the concatenated heads back.

    With the default `attention_axes` on (batch, time, features) inputs the
    heads run in one fused C kernel (scaled q k^T, masked softmax, times v).
    Weights, their names and order are tf-keras': `query`, `key`, `value` and
    `attention_output` EinsumDense sublayers, each a kernel then a bias, so
    tf-keras h5 files load.

    Args:
        num_heads: number of attention heads.
        key_dim: size of each head for query and key.
        value_dim: size of each head for value (default `key_dim`).
        dropout: dropout rate on the attention probabilities (in training).
        use_bias: whether the projections have biases.
        output_shape: the output's trailing shape (default: the query's last
            dimension).
        attention_axes: axes attended over (default: every axis but the
            batch, heads and features ones).
        kernel_initializer: initializer of the projections' kernels.
        bias_initializer: initializer of the projections' biases.
        kernel_regularizer: regularizer of the projections' kernels.
        bias_regularizer: regularizer of the projections' biases.
        activity_regularizer: regularizer applied to the output.
        kernel_constraint: constraint of the projections' kernels.
        bias_constraint: constraint of the projections' biases.
        softmax_robust_masking: masked scores are replaced by -1e9 instead of
            getting -1e9 added.

    Call arguments:
        query: (B, T, dim); value: (B, S, dim); key: (B, S, dim), default
        `value`. attention_mask: boolean (B, T, S), broadcast over heads;
        combined (logical and) with the Keras masks of query, value and key
        and with the causal mask. return_attention_scores: also return the
        (B, heads, T, S) probabilities. training: dropout on or off.
        use_causal_mask: mask out future positions.

    Example:
        >>> layer = MultiHeadAttention(num_heads=2, key_dim=2)
        >>> out, scores = layer(np.ones((1, 8, 16), "float32"),
        ...                     np.ones((1, 4, 16), "float32"),
        ...                     return_attention_scores=True)
        >>> out.shape, scores.shape
        ((1, 8, 16), (1, 2, 8, 4))
    """

    # The functional plan hands `value` and `key` with their Keras masks
    # (`_keras_mask`), as an eager call gives them.
    reads_argument_masks = True

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True,
                 output_shape=None, attention_axes=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 softmax_robust_masking=False, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.supports_masking = True
        self._num_heads = int(num_heads)
        self._key_dim = int(key_dim)
        self._value_dim = int(value_dim) if value_dim else self._key_dim
        if self._num_heads <= 0 or self._key_dim <= 0 or self._value_dim <= 0:
            raise ValueError(f'Layer "{self.name}" (MultiHeadAttention): num_heads, key_dim '
                             f"and value_dim must be positive; received num_heads={num_heads}, "
                             f"key_dim={key_dim}, value_dim={value_dim}.")
        self._dropout = float(dropout)
        self._use_bias = bool(use_bias)
        self._output_shape = output_shape
        self._kernel_initializer = initializers.get(kernel_initializer)
        self._bias_initializer = initializers.get(bias_initializer)
        self._kernel_regularizer = regularizers.get(kernel_regularizer)
        self._bias_regularizer = regularizers.get(bias_regularizer)
        self._kernel_constraint = constraints.get(kernel_constraint)
        self._bias_constraint = constraints.get(bias_constraint)
        self._softmax_robust_masking = bool(softmax_robust_masking)
        if attention_axes is not None and not isinstance(attention_axes, (list, tuple)):
            attention_axes = (attention_axes,)
        self._attention_axes = attention_axes
        self._built_from_signature = False
        self._scores_wanted = True
        self._query_shape = self._key_shape = self._value_shape = None
        # the fused kernel's outputs and gradients, kept between calls
        self._attention_buffers = Buffers()

    # -------------------------------------------------------------- building
    def __call__(self, *args, **kwargs):
        args = list(args)
        for i, name in enumerate(("query", "value", "key")):
            if len(args) == i and name in kwargs:
                args.append(kwargs.pop(name))
        if not self._built_from_signature and len(args) >= 2:
            self._build_from_signature(args[0], args[1], args[2] if len(args) > 2 else None)
        return super().__call__(*args, **kwargs)

    def build(self, input_shape):
        # The weights depend on query, value and key: `_build_from_signature`.
        self.built = True

    def _sublayer_kwargs(self):
        return dict(kernel_initializer=initializers.get(initializers.serialize(
                        self._kernel_initializer)),
                    bias_initializer=initializers.get(initializers.serialize(
                        self._bias_initializer)),
                    kernel_regularizer=self._kernel_regularizer,
                    bias_regularizer=self._bias_regularizer,
                    activity_regularizer=self.activity_regularizer,
                    kernel_constraint=self._kernel_constraint,
                    bias_constraint=self._bias_constraint, dtype=self.dtype)

    def _projection(self, shape, bound, out_dims, name):
        equation, bias_axes, rank = projection_equation(len(shape) - bound, bound,
                                                        len(out_dims))
        layer = EinsumDense(equation, output_shape=[None] * (rank - 1 - len(out_dims))
                            + list(out_dims), bias_axes=bias_axes if self._use_bias else None,
                            name=name, **self._sublayer_kwargs())
        layer.build(shape)
        for w in layer.weights:
            w.name = f"{self.name}/{w.name}"
        return layer

    def _build_from_signature(self, query, value, key=None):
        """Creates the four projections for inputs shaped like `query`,
        `value` and `key` (tensors or shapes); `from_config` and the first
        call do this."""
        shapes = {"query": _shape_of(query), "value": _shape_of(value)}
        shapes["key"] = shapes["value"] if key is None else _shape_of(key)
        for what, shape in shapes.items():
            if len(shape) < 3 or shape[-1] is None:
                raise ValueError(f'Layer "{self.name}" (MultiHeadAttention) expects {what} '
                                 "of rank >= 3 (batch, ..., features) with a defined last "
                                 f"dimension; received shape {shape}.")
        self._built_from_signature = True
        self._query_shape, self._value_shape, self._key_shape = (
            shapes["query"], shapes["value"], shapes["key"])
        heads = self._num_heads
        self._query_dense = self._projection(self._query_shape, 1, (heads, self._key_dim),
                                             "query")
        self._key_dense = self._projection(self._key_shape, 1, (heads, self._key_dim), "key")
        self._value_dense = self._projection(self._value_shape, 1, (heads, self._value_dim),
                                             "value")
        rank = len(self._query_shape) + 1
        axes = self._attention_axes
        axes = tuple(range(1, rank - 2)) if axes is None else \
            tuple(int(a) % rank if int(a) < 0 else int(a) for a in axes)
        self._attention_axes = axes
        self._dot_product_equation, self._combine_equation, scores_rank = \
            attention_equations(rank, axes)
        self._norm_axes = tuple(range(scores_rank - len(axes), scores_rank))
        self._fused = rank == 4 and axes == (1,)
        self._dropout_layer = Dropout(rate=self._dropout, dtype=self.dtype)
        out = self._output_shape
        if out:
            out = list(out) if isinstance(out, (list, tuple)) else [out]
        else:
            out = [self._query_shape[-1]]
        self._output_dense = self._projection(
            self._query_shape[:-1] + (heads, self._value_dim), 2, tuple(out),
            "attention_output")

    # ---------------------------------------------------------------- calling
    def call(self, query, value, key=None, attention_mask=None,
             return_attention_scores=False, training=None, use_causal_mask=False, mask=None):
        value_mask = getattr(value, "_keras_mask", None)
        if value_mask is None and value is query:
            # Self-attention in a functional graph: the query's mask arrives
            # as `mask`, and the value is the same tensor.
            value_mask = mask
        key_mask = getattr(key, "_keras_mask", None) if key is not None else None
        if key is None:
            key, key_mask = value, value_mask
        attention_mask = self._attention_mask(query, value, mask, value_mask, key_mask,
                                              attention_mask, use_causal_mask)
        if value is query and key is value:
            packed = self._packed_self_attention(query, attention_mask, training,
                                                 return_attention_scores)
            if packed is not None:
                out, scores = packed
                out = self._output_dense(out)
                return (out, scores) if return_attention_scores else out
        q = self._query_dense(query)
        k = self._key_dense(key)
        v = self._value_dense(value)
        # Kept out of _compute_attention's tf-keras signature, which
        # subclasses override.
        self._scores_wanted = bool(return_attention_scores)
        out, scores = self._compute_attention(q, k, v, attention_mask, training)
        out = self._output_dense(out)
        if return_attention_scores:
            return out, scores
        return out

    def _attention_mask(self, query, value, query_mask, value_mask, key_mask,
                        attention_mask, use_causal_mask):
        """tf-keras' rule: the query mask (B, T, 1), value and key masks
        (B, 1, S) and the causal mask (1, T, S), and-ed, then and-ed with an
        explicit `attention_mask` (which, alone, is used as given)."""
        auto = None
        if query_mask is not None:
            auto = _bool(query_mask)[:, :, None]
        for m in (value_mask, key_mask):
            if m is not None:
                m = _bool(m)[:, None, :]
                auto = m if auto is None else auto & m
        if use_causal_mask:
            t, s = query.shape[1], value.shape[1]
            causal = np.tril(np.ones((1, t, s), bool))
            auto = causal if auto is None else auto & causal
        if auto is None:
            return attention_mask
        if attention_mask is None:
            return auto
        return _bool(attention_mask) & auto

    def _fused_mask(self, attention_mask, training):
        """`(True, mask)` when the fused kernel computes this attention
        (mask as it takes it: (B, T, S) bool or None), else `(False, None)`."""
        dropping = bool(training) and self._dropout > 0
        mask = _array(attention_mask)
        if self._fused and not dropping and not self._softmax_robust_masking and (
                mask is None or (mask.dtype == bool and (
                    mask.ndim <= 3 or (mask.ndim == 4 and mask.shape[1] == 1)))):
            if mask is not None and mask.ndim == 4:   # (B, 1, T, S): one mask for all heads
                mask = mask[:, 0]
            return True, mask
        return False, None

    def _packed_self_attention(self, x, attention_mask, training, return_attention_scores):
        """Self-attention with query, key and value projected by one GEMM into
        one packed array that the kernel reads in place; None where the
        general path is needed (a subclass's own attention, an activity
        regularizer on the projections, another dtype, a mask or dropout the
        kernel does not take)."""
        fused, mask = self._fused_mask(attention_mask, training)
        dense = (self._query_dense, self._key_dense, self._value_dense)
        if not fused or self.activity_regularizer is not None or \
                type(self)._compute_attention is not MultiHeadAttention._compute_attention or \
                len(x.shape) != 3 or x.dtype != self._query_dense.kernel.dtype or \
                any(d._plan is None or (d.bias is not None and not d._plan[2]) for d in dense):
            return None
        width = int(x.shape[-1])
        kernel = K.concatenate([K.reshape(d.kernel, (width, -1)) for d in dense], axis=-1)
        bias = None if self._query_dense.bias is None else \
            K.concatenate([K.reshape(d.bias, (-1,)) for d in dense], axis=-1)
        qkv = _nn.dense(K.reshape(x, (-1, width)), kernel, bias,
                        activations.fused_code(activations.linear))
        qkv = K.reshape(qkv, (int(x.shape[0]), int(x.shape[1]), -1))
        return PackedSelfAttention.apply(
            qkv, heads=self._num_heads, key_dim=self._key_dim, value_dim=self._value_dim,
            mask=mask, scale=1.0 / math.sqrt(float(self._key_dim)),
            keep_probs=bool(return_attention_scores), buffers=self._attention_buffers)

    def _compute_attention(self, query, key, value, attention_mask=None, training=None):
        """`(output, scores)` of dot-product attention on projected tensors
        (the fused path gives None scores when the call did not ask for them
        and nothing is taped)."""
        scale = 1.0 / math.sqrt(float(self._key_dim))
        fused, mask = self._fused_mask(attention_mask, training)
        if fused:
            return ScaledDotProductAttention.apply(query, key, value, mask=mask, scale=scale,
                                                   keep_probs=self._scores_wanted,
                                                   buffers=self._attention_buffers)
        dropping = bool(training) and self._dropout > 0
        mask = _array(attention_mask)
        query = query * np.asarray(scale, dtype=self.dtype)
        scores = Einsum.apply(key, query, equation=self._dot_product_equation)
        scores = self._masked_softmax(scores, mask)
        dropped = self._dropout_layer(scores, training=training) if dropping else scores
        out = Einsum.apply(dropped, value, equation=self._combine_equation)
        return out, scores

    def _masked_softmax(self, scores, mask):
        if mask is not None:
            for _ in range(len(scores.shape) - mask.ndim):
                mask = np.expand_dims(mask, -len(self._attention_axes) * 2 - 1)
            dtype = scores.dtype
            if self._softmax_robust_masking:
                keep = (mask > 0.5) if mask.dtype != bool else mask
                keep = keep.astype(dtype)
                scores = scores * keep + (1 - keep) * np.asarray(MASKED_SCORE, dtype)
            else:
                scores = scores + (1 - mask.astype(dtype)) * np.asarray(MASKED_SCORE, dtype)
        return K.softmax(scores, axis=self._norm_axes if len(self._norm_axes) > 1
                         else self._norm_axes[0])

    def compute_mask(self, inputs, mask=None):
        return mask

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        """The output shape for `query_shape` (value: `value_shape`, default
        the query's; key: `key_shape`, default the value's)."""
        query_shape = tuple(query_shape)
        value_shape = query_shape if value_shape is None else tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        if query_shape[-1] != value_shape[-1]:
            raise ValueError(
                "The last dimension of `query_shape` and `value_shape` must be equal, but "
                f"are {query_shape[-1]}, {value_shape[-1]}. Received: "
                f"query_shape={query_shape}, value_shape={value_shape}")
        if value_shape[1:-1] != key_shape[1:-1]:
            raise ValueError("All dimensions of `value` and `key`, except the last one, must "
                             f"be equal. Received {value_shape} and {key_shape}")
        if self._output_shape:
            out = self._output_shape
            return query_shape[:-1] + (tuple(out) if isinstance(out, (list, tuple))
                                       else (out,))
        return query_shape

    # ------------------------------------------------------------ (de)serializing
    def get_config(self):
        config = super().get_config()
        config.update({
            "num_heads": self._num_heads,
            "key_dim": self._key_dim,
            "value_dim": self._value_dim,
            "dropout": self._dropout,
            "use_bias": self._use_bias,
            "output_shape": self._output_shape,
            "attention_axes": self._attention_axes,
            "kernel_initializer": initializers.serialize(self._kernel_initializer),
            "bias_initializer": initializers.serialize(self._bias_initializer),
            "kernel_regularizer": regularizers.serialize(self._kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self._bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self._kernel_constraint),
            "bias_constraint": constraints.serialize(self._bias_constraint),
            "query_shape": self._query_shape,
            "key_shape": self._key_shape,
            "value_shape": self._value_shape,
            "softmax_robust_masking": self._softmax_robust_masking,
        })
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        shapes = [config.pop(k, None) for k in ("query_shape", "value_shape", "key_shape")]
        layer = cls(**config)
        if None not in shapes:
            layer._build_from_signature(*shapes)
        return layer
