"""Attention layers: MultiHeadAttention, Attention, AdditiveAttention."""
from ckeras.layers.attention.additive_attention import AdditiveAttention
from ckeras.layers.attention.attention import Attention
from ckeras.layers.attention.base_dense_attention import BaseDenseAttention
from ckeras.layers.attention.multi_head_attention import MultiHeadAttention

__all__ = ["AdditiveAttention", "Attention", "BaseDenseAttention", "MultiHeadAttention"]
