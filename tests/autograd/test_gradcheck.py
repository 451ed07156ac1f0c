"""One table-driven float64 gradcheck over every Function of ckeras.autograd.functions.

`test_table_covers_every_function` enumerates the Function subclasses of every
module of the package: a new Function must get a row in CASES (or, if it has
no gradient by nature, an entry with a reason in EXEMPT).
"""
import importlib
import inspect
import pkgutil

import numpy as np
import pytest

import ckeras.autograd.functions as functions_pkg
from ckeras.autograd import Function, Tensor, grad, gradcheck
from ckeras.autograd.functions import attention as ATT
from ckeras.autograd.functions import conv as C
from ckeras.autograd.functions import convlstm as CL
from ckeras.autograd.functions import ctc as CTC
from ckeras.autograd.functions import elementwise as E
from ckeras.autograd.functions import linalg as L
from ckeras.autograd.functions import locally_connected as LC
from ckeras.autograd.functions import math as M
from ckeras.autograd.functions import nn as N
from ckeras.autograd.functions import normalization as NORM
from ckeras.autograd.functions import reduction as R
from ckeras.autograd.functions import rnn as RNN
from ckeras.autograd.functions import sequence as SEQ
from ckeras.autograd.functions import shape as S
from ckeras.layers.locally_connected import connectivity

rng = np.random.default_rng(0)


def r(*shape, lo=-1.0, hi=1.0):
    return rng.uniform(lo, hi, shape)


def pos(*shape):
    return r(*shape, lo=0.2, hi=2.0)


def probs(*shape):
    p = pos(*shape)
    return p / p.sum(-1, keepdims=True)


def distinct(*shape):
    """Values without ties (max/min/argmax gradients are unambiguous)."""
    n = int(np.prod(shape))
    return (rng.permutation(n) / n - 0.5).reshape(shape) + r(*shape) * 1e-3


# (Function class, case id, fn(*inputs) -> Tensor(s), inputs)
# Fixed resampling matrices of the Resize row (not an input of the check).
_RESIZE_MATS = [r(6, 3), r(4, 2)]
# The constant mask and score weights of the attention rows.
_ATT_MASK = rng.random((2, 3, 5)) > 0.3
_ATT_W = r(1, 2, 3, 4)
# The connectivity of a LocallyConnected2D (implementation 3, 'same': border
# windows read the zero slot).
_LC_PATCH, _LC_WMAP = connectivity(
    (4, 3), 2, (3, 2), (2, 1), "same", (2, 3), 2, "channels_last", 3)

CASES = [
    (E.Add, "broadcast", lambda a, b: E.Add.apply(a, b), [r(3, 4), r(4)]),
    (E.Sub, "broadcast", lambda a, b: E.Sub.apply(a, b), [r(3, 1), r(3, 4)]),
    (E.Mul, "broadcast", lambda a, b: E.Mul.apply(a, b), [r(2, 3, 4), r(3, 1)]),
    (E.Div, "broadcast", lambda a, b: E.Div.apply(a, b), [r(3, 4), pos(4)]),
    (E.Pow, "both", lambda a, b: E.Pow.apply(a, b), [pos(3, 4), r(3, 4)]),
    (E.Pow, "scalar", lambda a: E.Pow.apply(a, 3), [r(3, 4)]),
    (E.Neg, "", lambda a: E.Neg.apply(a), [r(3, 4)]),
    (E.Abs, "", lambda a: E.Abs.apply(a), [r(3, 4)]),
    (E.Cast, "same dtype", lambda a: E.Cast.apply(a, dtype=a.dtype), [r(3, 4)]),
    (S.Reshape, "", lambda a: S.Reshape.apply(a, shape=(4, -1)), [r(2, 3, 4)]),
    (S.Transpose, "axes", lambda a: S.Transpose.apply(a, axes=(2, 0, 1)), [r(2, 3, 4)]),
    (S.Transpose, "none", lambda a: S.Transpose.apply(a, axes=None), [r(2, 3, 4)]),
    (S.GetItem, "fancy", lambda a: S.GetItem.apply(a, key=(slice(0, 2), [0, 2, 2])),
     [r(3, 4)]),
    (L.MatMul, "batched", lambda a, b: L.MatMul.apply(a, b), [r(2, 3, 4), r(4, 5)]),
    (L.Einsum, "projection", lambda a, b: L.Einsum.apply(a, b, equation="abc,cde->abde"),
     [r(2, 3, 4), r(4, 2, 3)]),
    (L.Einsum, "ellipsis_broadcast",
     lambda a, b: L.Einsum.apply(a, b, equation="...cd,cde->...e"), [r(2, 3, 4, 5), r(4, 5, 3)]),
    (L.Einsum, "summed_alone", lambda a, b: L.Einsum.apply(a, b, equation="abc,cd->ad"),
     [r(2, 3, 4), r(4, 5)]),
    (ATT.ScaledDotProductAttention, "masked",
     lambda q, k, v: ATT.ScaledDotProductAttention.apply(
         q, k, v, scale=0.5, mask=_ATT_MASK), [r(2, 3, 2, 4), r(2, 5, 2, 4), r(2, 5, 2, 3)]),
    (ATT.ScaledDotProductAttention, "scores_used",
     lambda q, k, v: ATT.ScaledDotProductAttention.apply(q, k, v, scale=0.7)[1]
     * _ATT_W.astype(q.dtype),
     [r(1, 3, 2, 2), r(1, 4, 2, 2), r(1, 4, 2, 3)]),
    (ATT.PackedSelfAttention, "masked, value_dim != key_dim",
     lambda qkv: ATT.PackedSelfAttention.apply(
         qkv, heads=2, key_dim=2, value_dim=3, mask=_ATT_MASK[:, :, :3], scale=0.7)[0],
     [r(2, 3, 14)]),
    (ATT.PackedSelfAttention, "scores_used",
     lambda qkv: ATT.PackedSelfAttention.apply(qkv, heads=2, key_dim=2, value_dim=2,
                                               scale=0.5)[1] * _ATT_W[:, :, :3, :3].astype(
                                                   qkv.dtype),
     [r(1, 3, 12)]),
    (NORM.LayerNorm, "3-D, gamma and beta",
     lambda x, g, b: NORM.LayerNorm.apply(x, g, b, epsilon=1e-3),
     [r(2, 3, 5) * 2, r(5), r(5)]),
    (NORM.LayerNorm, "gamma only, odd width",
     lambda x, g: NORM.LayerNorm.apply(x, g, None, epsilon=0.5),
     [r(4, 11), r(11)]),
    (NORM.LayerNorm, "neither",
     lambda x: NORM.LayerNorm.apply(x, None, None, epsilon=1e-6),
     [r(3, 9)]),
    (LC.LocalConv, "same_padding",
     lambda x, k: LC.LocalConv.apply(x, k, patch=_LC_PATCH, wmap=_LC_WMAP,
                                     scatter=LC.scatter_plan(_LC_PATCH)),
     [r(3, 24), r(int((_LC_WMAP >= 0).sum()))]),
    (R.Sum, "axis", lambda a: R.Sum.apply(a, axis=1, keepdims=False), [r(2, 3, 4)]),
    (R.MeanSquaredDifference, "3-D, both inputs",
     lambda a, b: R.MeanSquaredDifference.apply(a, b), [r(2, 3, 5), r(2, 3, 5)]),
    (R.Mean, "axes_keep", lambda a: R.Mean.apply(a, axis=(0, 2), keepdims=True),
     [r(2, 3, 4)]),
    # math
    (M.Square, "", lambda a: M.Square.apply(a), [r(3, 4)]),
    (M.Sqrt, "", lambda a: M.Sqrt.apply(a), [pos(3, 4)]),
    (M.Exp, "", lambda a: M.Exp.apply(a), [r(3, 4)]),
    (M.Log, "", lambda a: M.Log.apply(a), [pos(3, 4)]),
    (M.Log1p, "", lambda a: M.Log1p.apply(a), [pos(3, 4)]),
    (M.Sin, "", lambda a: M.Sin.apply(a), [r(3, 4)]),
    (M.Cos, "", lambda a: M.Cos.apply(a), [r(3, 4)]),
    (M.Round, "zero grad", lambda a: M.Round.apply(a), [r(3, 4, lo=0.1, hi=0.4)]),
    (M.Sign, "zero grad", lambda a: M.Sign.apply(a), [r(3, 4, lo=0.1, hi=1)]),
    (M.Clip, "", lambda a: M.Clip.apply(a, lo=-0.5, hi=0.5), [r(4, 5)]),
    (M.Maximum, "broadcast", lambda a, b: M.Maximum.apply(a, b), [r(3, 4), r(4)]),
    (M.Maximum, "scalar", lambda a: M.Maximum.apply(a, 0.1), [r(3, 4)]),
    (M.Minimum, "broadcast", lambda a, b: M.Minimum.apply(a, b), [r(3, 4), r(3, 1)]),
    (M.Where, "lower-rank cond",
     lambda c, a, b: M.Where.apply(c, a, b), [np.array([True, False, True]), r(3, 4), r(4)]),
    (M.Cumsum, "", lambda a: M.Cumsum.apply(a, axis=1), [r(2, 4, 3)]),
    (M.Cumprod, "", lambda a: M.Cumprod.apply(a, axis=-1), [r(2, 3, 4)]),
    # reductions
    (R.Max, "axis", lambda a: R.Max.apply(a, axis=1, keepdims=False), [distinct(2, 3, 4)]),
    (R.Max, "all", lambda a: R.Max.apply(a, axis=None, keepdims=False), [distinct(3, 4)]),
    (R.Min, "axes_keep", lambda a: R.Min.apply(a, axis=(0, 2), keepdims=True),
     [distinct(2, 3, 4)]),
    (R.Prod, "axes", lambda a: R.Prod.apply(a, axis=(0, 2), keepdims=False), [r(2, 3, 4)]),
    (R.Prod, "all_keep", lambda a: R.Prod.apply(a, axis=None, keepdims=True), [r(2, 3)]),
    (R.Var, "axis", lambda a: R.Var.apply(a, axis=-1, keepdims=False), [r(2, 3, 4)]),
    (R.Std, "axes_keep", lambda a: R.Std.apply(a, axis=(0, 1), keepdims=True), [r(2, 3, 4)]),
    (R.LogSumExp, "axis", lambda a: R.LogSumExp.apply(a, axis=1, keepdims=False),
     [r(2, 3, 4)]),
    # shape
    (S.Concatenate, "", lambda a, b: S.Concatenate.apply(a, b, axis=1), [r(2, 3), r(2, 2)]),
    (S.Stack, "", lambda a, b: S.Stack.apply(a, b, axis=1), [r(2, 3), r(2, 3)]),
    (S.ExpandDims, "", lambda a: S.ExpandDims.apply(a, axis=1), [r(2, 3)]),
    (S.Squeeze, "", lambda a: S.Squeeze.apply(a, axis=1), [r(2, 1, 3)]),
    (S.Flip, "", lambda a: S.Flip.apply(a, axes=(0, 2)), [r(2, 3, 4)]),
    (S.Tile, "", lambda a: S.Tile.apply(a, reps=(2, 1, 3)), [r(2, 3)]),
    (S.RepeatElements, "", lambda a: S.RepeatElements.apply(a, rep=3, axis=1), [r(2, 3)]),
    (S.BatchFlatten, "", lambda a: S.BatchFlatten.apply(a), [r(2, 3, 4)]),
    (S.Gather, "repeated", lambda a, i: S.Gather.apply(a, i),
     [r(5, 3), np.array([[4, 0], [2, 2]])]),
    (S.Gather, "negative.1d", lambda a, i: S.Gather.apply(a, i),
     [r(5), np.array([-1, 0, -1, 3])]),
    (S.PrintTensor, "", lambda a: S.PrintTensor.apply(a, message="gradcheck:"), [r(2)]),
    # linalg
    (L.Dot, "2d", lambda a, b: L.Dot.apply(a, b), [r(2, 3), r(3, 4)]),
    (L.Dot, "2d.3d", lambda a, b: L.Dot.apply(a, b), [r(2, 3), r(4, 3, 5)]),
    (L.Dot, "3d.3d", lambda a, b: L.Dot.apply(a, b), [r(2, 3, 4), r(3, 4, 2)]),
    (L.Dot, "3d.1d", lambda a, b: L.Dot.apply(a, b), [r(2, 3, 4), r(4)]),
    (L.Dot, "1d.2d", lambda a, b: L.Dot.apply(a, b), [r(3), r(3, 4)]),
    (L.Dot, "2d.1d", lambda a, b: L.Dot.apply(a, b), [r(2, 3), r(3)]),
    (L.BatchDot, "axes(1,2)", lambda a, b: L.BatchDot.apply(a, b, axes=(1, 2)),
     [r(3, 4, 2), r(3, 5, 4)]),
    (L.BatchDot, "2d", lambda a, b: L.BatchDot.apply(a, b, axes=(1, 1)), [r(3, 4), r(3, 4)]),
    # nn
    (N.Sigmoid, "", lambda a: N.Sigmoid.apply(a), [r(3, 4, lo=-4, hi=4)]),
    (N.Tanh, "", lambda a: N.Tanh.apply(a), [r(3, 4, lo=-3, hi=3)]),
    (N.HardSigmoid, "", lambda a: N.HardSigmoid.apply(a), [r(3, 4, lo=-2.4, hi=2.4)]),
    (N.Relu, "plain", lambda a: N.Relu.apply(a), [r(3, 4)]),
    (N.Relu, "all args",
     lambda a: N.Relu.apply(a, alpha=0.2, max_value=1.5, threshold=0.3), [r(4, 6, lo=-3, hi=3)]),
    (N.Relu, "negative threshold", lambda a: N.Relu.apply(a, alpha=0.1, threshold=-1.0),
     [r(4, 6, lo=-3, hi=3)]),
    (N.Relu, "relu6", lambda a: N.Relu.apply(a, max_value=6.0), [r(4, 6, lo=-8, hi=8)]),
    (N.Elu, "alpha", lambda a: N.Elu.apply(a, alpha=0.5), [r(3, 4)]),
    (N.Selu, "", lambda a: N.Selu.apply(a), [r(3, 4)]),
    (N.Softplus, "", lambda a: N.Softplus.apply(a), [r(3, 4, lo=-5, hi=5)]),
    (N.Softsign, "", lambda a: N.Softsign.apply(a), [r(3, 4)]),
    (N.Swish, "", lambda a: N.Swish.apply(a), [r(3, 4, lo=-4, hi=4)]),
    (N.Gelu, "exact", lambda a: N.Gelu.apply(a), [r(3, 4, lo=-4, hi=4)]),
    (N.Gelu, "tanh", lambda a: N.Gelu.apply(a, approximate=True), [r(3, 4, lo=-4, hi=4)]),
    (N.Mish, "", lambda a: N.Mish.apply(a), [r(3, 4, lo=-4, hi=4)]),
    (N.Softmax, "last axis (kernel)", lambda a: N.Softmax.apply(a, axis=-1), [r(3, 5)]),
    (N.Softmax, "axis 1 of 3-D", lambda a: N.Softmax.apply(a, axis=1), [r(2, 3, 4)]),
    (N.Softmax, "axes (1,2)", lambda a: N.Softmax.apply(a, axis=(1, 2)), [r(2, 3, 4)]),
    (N.CategoricalCrossentropy, "unnormalised",
     lambda t, o: N.CategoricalCrossentropy.apply(t, o, axis=-1, eps=1e-7),
     [pos(3, 4), pos(3, 4)]),
    (N.CategoricalCrossentropy, "axis 1",
     lambda t, o: N.CategoricalCrossentropy.apply(t, o, axis=1, eps=1e-7),
     [probs(2, 3, 4), pos(2, 3, 4)]),
    (N.SoftmaxCrossentropy, "",
     lambda t, z: N.SoftmaxCrossentropy.apply(t, z, axis=-1), [probs(3, 4), r(3, 4)]),
    (N.SparseCategoricalCrossentropy, "probs",
     lambda t, o: N.SparseCategoricalCrossentropy.apply(t, o, from_logits=False, axis=-1,
                                                          eps=1e-7),
     [np.array([1, 0, 3]), pos(3, 4)]),
    (N.SparseCategoricalCrossentropy, "logits 3-D axis 1",
     lambda t, o: N.SparseCategoricalCrossentropy.apply(t, o, from_logits=True, axis=1,
                                                          eps=1e-7),
     [np.array([[0, 2], [1, 1]]), r(2, 3, 2)]),
    (N.BinaryCrossentropy, "",
     lambda t, o: N.BinaryCrossentropy.apply(t, o, eps=1e-7),
     [r(3, 4, lo=0, hi=1), r(3, 4, lo=0.05, hi=0.95)]),
    (N.SigmoidCrossentropy, "", lambda t, z: N.SigmoidCrossentropy.apply(t, z),
     [r(3, 4, lo=0, hi=1), r(3, 4, lo=-3, hi=3)]),
    (N.L2Normalize, "axis -1", lambda a: N.L2Normalize.apply(a, axis=-1), [r(3, 4)]),
    (N.L2Normalize, "all", lambda a: N.L2Normalize.apply(a, axis=None), [r(3, 4)]),
    (N.Dropout, "seeded", lambda a: N.Dropout.apply(a, rate=0.4, seed=3), [r(4, 5)]),
    (N.Dropout, "noise_shape", lambda a: N.Dropout.apply(a, rate=0.5, seed=1,
                                                         noise_shape=(None, 1, 3)),
     [r(2, 4, 3)]),
    (N.BiasAdd, "channels_last", lambda x, b: N.BiasAdd.apply(x, b), [r(2, 3, 4), r(4)]),
    (N.BiasAdd, "channels_first",
     lambda x, b: N.BiasAdd.apply(x, b, data_format="channels_first"), [r(2, 3, 4, 5), r(3)]),
    (N.BiasAdd, "channels_first full bias",
     lambda x, b: N.BiasAdd.apply(x, b, data_format="channels_first"),
     [r(2, 3, 4, 5), r(4, 5, 3)]),
    # conv / pool
    (C.Conv, "2-D same stride 2",
     lambda x, w: C.Conv.apply(x, w, strides=(2, 1), dilations=(1, 1), padding="same"),
     [r(2, 5, 4, 3), r(3, 2, 3, 2)]),
    (C.Conv, "1-D causal dilated",
     lambda x, w: C.Conv.apply(x, w, strides=(1,), dilations=(2,), padding="causal"),
     [r(2, 6, 3), r(3, 3, 4)]),
    (C.Pool, "max same", lambda x: C.Pool.apply(x, pool_size=(2, 2), strides=(2, 2),
                                                padding="same", mode="max"),
     [distinct(2, 5, 3, 2)]),
    (C.Pool, "avg same", lambda x: C.Pool.apply(x, pool_size=(3, 2), strides=(2, 1),
                                                padding="same", mode="avg"),
     [r(2, 5, 3, 2)]),
    (C.Conv, "2-D bias tanh dilated",
     lambda x, w, b: C.Conv.apply(x, w, b, strides=(1, 2), dilations=(2, 1), padding="same",
                                  code=3),
     [r(2, 6, 5, 3), r(2, 3, 3, 2), r(2)]),
    (C.Conv, "3-D valid sigmoid",
     lambda x, w, b: C.Conv.apply(x, w, b, strides=(1, 2, 1), dilations=(1, 1, 1),
                                  padding="valid", code=2),
     [r(1, 4, 5, 3, 2), r(2, 2, 2, 2, 3), r(3)]),
    (C.Pool, "1-D max valid", lambda x: C.Pool.apply(x, pool_size=(2,), strides=(2,),
                                                     padding="valid", mode="max"),
     [distinct(2, 7, 3)]),
    (C.Pool, "3-D avg same", lambda x: C.Pool.apply(
        x, pool_size=(2, 2, 1), strides=(1, 2, 1), padding="same", mode="avg"),
     [r(1, 3, 4, 2, 2)]),
    (C.Conv, "3-D same dilated relu-free tanh",
     lambda x, w, b: C.Conv.apply(x, w, b, strides=(1, 1, 1), dilations=(2, 1, 2),
                                  padding="same", code=3),
     [r(2, 4, 3, 5, 2), r(2, 2, 2, 2, 3), r(3)]),
    (C.Conv, "3-D same stride 2 no bias",
     lambda x, w: C.Conv.apply(x, w, strides=(2, 1, 2), dilations=(1, 1, 1), padding="same"),
     [r(1, 5, 3, 4, 2), r(3, 2, 2, 2, 2)]),
    (C.Pool, "3-D max valid", lambda x: C.Pool.apply(
        x, pool_size=(2, 2, 2), strides=(1, 2, 1), padding="valid", mode="max"),
     [distinct(2, 3, 4, 3, 2)]),
    (C.Pool, "3-D max same", lambda x: C.Pool.apply(
        x, pool_size=(2, 3, 2), strides=(2, 2, 2), padding="same", mode="max"),
     [distinct(1, 3, 5, 3, 2)]),
    (C.ConvTranspose, "3-D same stride 2 sigmoid",
     lambda x, w, b: C.ConvTranspose.apply(x, w, b, strides=(2, 1, 2), dilations=(1, 1, 1),
                                           padding="same", out_sizes=(4, 3, 6), code=2),
     [r(1, 2, 3, 3, 2), r(2, 2, 3, 3, 2), r(3)]),
    (C.ConvTranspose, "3-D valid output_padding",
     lambda x, w: C.ConvTranspose.apply(x, w, strides=(2, 2, 1), dilations=(1, 1, 1),
                                        padding="valid", out_sizes=(6, 5, 4)),
     [r(1, 2, 2, 3, 2), r(3, 2, 2, 2, 2)]),
    (C.ConvTranspose, "1-D same dilated",
     lambda x, w, b: C.ConvTranspose.apply(x, w, b, strides=(1,), dilations=(2,),
                                           padding="same", out_sizes=(5,)),
     [r(2, 5, 3), r(3, 2, 3), r(2)]),
    (C.DepthwiseConv, "3-D same",
     lambda x, w: C.DepthwiseConv.apply(x, w, strides=(1, 1, 1), dilations=(1, 1, 1),
                                        padding="same"),
     [r(1, 3, 3, 4, 2), r(2, 2, 2, 2, 2)]),
    (C.ConvTranspose, "2-D same stride 2 relu-free sigmoid",
     lambda x, w, b: C.ConvTranspose.apply(x, w, b, strides=(2, 2), dilations=(1, 1),
                                           padding="same", out_sizes=(6, 8), code=2),
     [r(2, 3, 4, 3), r(3, 3, 2, 3), r(2)]),
    (C.ConvTranspose, "1-D valid",
     lambda x, w: C.ConvTranspose.apply(x, w, strides=(2,), dilations=(1,),
                                        padding="valid", out_sizes=(9,)),
     [r(2, 4, 3), r(3, 2, 3)]),
    (C.DepthwiseConv, "2-D same stride 2, multiplier 2",
     lambda x, w: C.DepthwiseConv.apply(x, w, strides=(2, 1), dilations=(1, 1),
                                        padding="same"),
     [r(2, 5, 4, 3), r(3, 2, 3, 2)]),
    (C.DepthwiseConv, "1-D dilated valid",
     lambda x, w: C.DepthwiseConv.apply(x, w, strides=(1,), dilations=(2,),
                                        padding="valid"),
     [r(2, 7, 2), r(3, 2, 1)]),
    (C.Resize, "bilinear 2-D",
     lambda x, m=_RESIZE_MATS: C.Resize.apply(x, axes=(1, 2), mats=m),
     [r(2, 3, 2, 2)]),
    (C.Pad, "2-D", lambda x: C.Pad.apply(x, pads=((0, 0), (1, 2), (0, 1), (0, 0))),
     [r(2, 3, 2, 2)]),
]
for _code, _name in enumerate(["linear", "relu", "sigmoid", "tanh", "softmax",
                               "hard_sigmoid"]):
    CASES.append((N.Dense, _name, lambda x, w, b, c=_code: N.Dense.apply(x, w, b, code=c),
                  [r(3, 4), r(4, 5), r(5)]))
CASES.append((N.Dense, "3-D input, no bias",
              lambda x, w: N.Dense.apply(x, w, None, code=3), [r(2, 3, 4), r(4, 5)]))

# recurrent: whole-sequence Functions (x, kernel, recurrent_kernel, bias, states)
_RNN_MASK = np.array([[False, True, True, False], [True, True, True, True],
                      [False, False, True, True]])
for _ret, _gb, _mask, _tag in [(False, False, None, "last"),
                               (True, True, _RNN_MASK, "seq, backwards, mask"),
                               (False, False, _RNN_MASK, "last, mask")]:
    _kw = dict(return_sequences=_ret, go_backwards=_gb, mask=_mask)
    CASES.append((RNN.LSTMSequence, _tag,
                  lambda x, w, u, b, h, c, kw=_kw: RNN.LSTMSequence.apply(x, w, u, b, h, c, **kw),
                  [r(3, 4, 2), r(2, 12), r(3, 12), r(12), r(3, 3), r(3, 3)]))
    for _ra in (True, False):
        CASES.append((RNN.GRUSequence, f"{_tag}, reset_after={_ra}",
                      lambda x, w, u, b, h, kw=_kw, ra=_ra: RNN.GRUSequence.apply(
                          x, w, u, b, h, reset_after=ra, **kw),
                      [r(3, 4, 2), r(2, 9), r(3, 9), r(2, 9) if _ra else r(9), r(3, 3)]))
    CASES.append((RNN.SimpleRNNSequence, _tag,
                  lambda x, w, u, b, h, kw=_kw: RNN.SimpleRNNSequence.apply(x, w, u, b, h, **kw),
                  [r(3, 4, 2), r(2, 3), r(3, 3), r(3), r(3, 3)]))
# dropout: per-gate input and recurrent masks (constants), with mask and go_backwards
_DP = {g: (np.where(rng.random((g, 3, 2)) > 0.4, 2.0, 0.0),
           np.where(rng.random((g, 3, 3)) > 0.4, 2.0, 0.0)) for g in (1, 3, 4)}
_kw = dict(return_sequences=True, go_backwards=True, mask=_RNN_MASK)
CASES.append((RNN.LSTMSequence, "dropout, seq, backwards, mask",
              lambda x, w, u, b, h, c, kw=_kw: RNN.LSTMSequence.apply(
                  x, w, u, b, h, c, dpx=_DP[4][0], dph=_DP[4][1], **kw),
              [r(3, 4, 2), r(2, 12), r(3, 12), r(12), r(3, 3), r(3, 3)]))
for _ra in (True, False):
    CASES.append((RNN.GRUSequence, f"dropout, seq, backwards, mask, reset_after={_ra}",
                  lambda x, w, u, b, h, kw=_kw, ra=_ra: RNN.GRUSequence.apply(
                      x, w, u, b, h, reset_after=ra, dpx=_DP[3][0], dph=_DP[3][1], **kw),
                  [r(3, 4, 2), r(2, 9), r(3, 9), r(2, 9) if _ra else r(9), r(3, 3)]))
CASES.append((RNN.LSTMSequence, "one input mask for every gate, recurrent dropout",
              lambda x, w, u, b, h, c, kw=_kw: RNN.LSTMSequence.apply(
                  x, w, u, b, h, c, dpx=_DP[1][0], dph=_DP[4][1], **kw),
              [r(3, 4, 2), r(2, 12), r(3, 12), r(12), r(3, 3), r(3, 3)]))
CASES.append((RNN.GRUSequence, "one input mask for every gate",
              lambda x, w, u, b, h: RNN.GRUSequence.apply(x, w, u, b, h, dpx=_DP[1][0]),
              [r(3, 4, 2), r(2, 9), r(3, 9), r(2, 9), r(3, 3)]))
CASES.append((RNN.SimpleRNNSequence, "dropout, last",
              lambda x, w, u, b, h: RNN.SimpleRNNSequence.apply(
                  x, w, u, b, h, dpx=_DP[1][0], dph=_DP[1][1]),
              [r(3, 4, 2), r(2, 3), r(3, 3), r(3), r(3, 3)]))
CASES.append((RNN.GRUSequence, "seq, mask, zero_output_for_mask",
              lambda x, w, u, b, h: RNN.GRUSequence.apply(
                  x, w, u, b, h, mask=_RNN_MASK, return_sequences=True,
                  zero_output_for_mask=True),
              [r(3, 4, 2), r(2, 9), r(3, 9), r(2, 9), r(3, 3)]))
CASES.append((RNN.LSTMSequence, "no bias, hard_sigmoid",
              lambda x, w, u, h, c: RNN.LSTMSequence.apply(x, w, u, None, h, c, ract=5),
              [r(2, 3, 2), r(2, 8), r(2, 8), r(2, 2), r(2, 2)]))

_CL_MASK = np.array([[True, False, True], [False, True, True]])
_CL_RMASK = (rng.random((4, 2, 3, 2, 2)) > 0.3) / 0.7

# Bidirectional: time reverse and the merge of the two halves
CASES += [
    (SEQ.ReverseTime, "batch-major", lambda a: SEQ.ReverseTime.apply(a), [r(3, 4, 2)]),
    (SEQ.ReverseTime, "time-major 4-D", lambda a: SEQ.ReverseTime.apply(a, time_axis=0),
     [r(4, 2, 3, 2)]),
    (SEQ.ReverseTime, "T=1", lambda a: SEQ.ReverseTime.apply(a), [r(2, 1, 3)]),
    (SEQ.BidirectionalMerge, "concat 2-D, unequal widths",
     lambda f, b: SEQ.BidirectionalMerge.apply(f, b, mode="concat"), [r(3, 4), r(3, 2)]),
    (SEQ.BidirectionalMerge, "mul time-major reversed",
     lambda f, b: SEQ.BidirectionalMerge.apply(f, b, mode="mul", reverse=True, time_axis=0),
     [r(4, 3, 2), r(4, 3, 2)]),
]
for _mode in ("concat", "sum", "mul", "ave"):
    CASES.append((SEQ.BidirectionalMerge, f"{_mode} seq reversed",
                  lambda f, b, m=_mode: SEQ.BidirectionalMerge.apply(f, b, mode=m, reverse=True),
                  [r(2, 4, 3), r(2, 4, 3)]))

# CTC loss: labels with a repeat (needs a blank between), an empty label, and a
# row read only up to its input length (the rest gets no gradient).
_CTC_LABELS = np.array([[0, 0, 1], [1, 2, 2], [2, 0, 0]])
CASES += [
    (CTC.CTCLoss, "repeats, lengths",
     lambda z: CTC.CTCLoss.apply(z, _CTC_LABELS, np.array([5, 4, 5]), np.array([3, 2, 0])),
     [r(3, 5, 4, lo=-2, hi=2)]),
    (CTC.CTCLoss, "label fills the input",
     lambda z: CTC.CTCLoss.apply(z, np.array([[0, 1, 2]]), np.array([3]), np.array([3])),
     [r(1, 3, 4, lo=-2, hi=2)]),
]

# ConvLSTM, its input convolution inside the loop: (x, kernel, recurrent_kernel, h0,
# c0[, bias]) over 1, 2 and 3 spatial axes; strides, dilations, padding, masks, input
# and recurrent dropout, go_backwards, the last output or the sequence
_CL_XMASK = (rng.random((4, 2, 3, 3, 2)) > 0.3) / 0.7
_CL_RMASK2 = (rng.random((4, 2, 3, 3, 2)) > 0.3) / 0.7
for _x, _s, _k, _kw, _bias, _tag in [
        ((5,), (2,), (3,), dict(strides=(2,), padding="valid", return_sequences=True), True,
         "1-D stride 2 valid seq"),
        ((3, 3), (3, 3), (3, 2), dict(strides=(1, 1), padding="same", mask=_CL_MASK,
                                      xmask=_CL_XMASK, rmask=_CL_RMASK2,
                                      go_backwards=True), True,
         "2-D same, dropout, mask, backwards"),
        ((5, 4), (1, 3), (3, 2), dict(dilations=(2, 1), padding="valid",
                                      return_sequences=True), False,
         "2-D dilated valid, no bias"),
        ((2, 3, 2), (2, 3, 2), (2, 2, 1), dict(padding="same", act=2, ract=3), True,
         "3-D same, sigmoid/tanh"),
        ((3, 2), (3, 2), (3, 3), dict(padding="same", rmask=_CL_RMASK, mask=_CL_MASK), True,
         "2-D same last, recurrent dropout, mask"),
        ((2, 2, 2), (2, 2, 2), (2, 1, 2), dict(padding="same", return_sequences=True,
                                               go_backwards=True, mask=_CL_MASK), True,
         "3-D same seq, mask, backwards")]:
    _kw = dict(dict(strides=(1,) * len(_x), dilations=(1,) * len(_x)), **_kw)
    _ins = [r(*(2, 3) + _x + (2,)), r(*_k + (2, 8), lo=-0.6, hi=0.6),
            r(*_k + (2, 8), lo=-0.6, hi=0.6), r(*(2,) + _s + (2,)), r(*(2,) + _s + (2,))]
    if _bias:
        _ins.append(r(8))
    CASES.append((CL.ConvLSTMConvSequence, _tag,
                  lambda *a, kw=_kw: CL.ConvLSTMConvSequence.apply(*a, **kw), _ins))

EXEMPT = {
    E.Less: "comparison: boolean output",
    E.LessEqual: "comparison: boolean output",
    E.Greater: "comparison: boolean output",
    E.GreaterEqual: "comparison: boolean output",
    E.Equal: "comparison: boolean output",
    E.NotEqual: "comparison: boolean output",
    R.Any: "logical reduction: boolean output",
    R.All: "logical reduction: boolean output",
    R.ArgMax: "integer indices",
    R.ArgMin: "integer indices",
    R.InTopK: "boolean output",
    CTC.CTCDecode: "integer labellings and their scores",
    S.OneHot: "integer input, constant output",
    S.Shape: "integer shape vector",
    S.FillLike: "constant output (zeros_like/ones_like)",
    S.StopGradient: "blocks the gradient by definition (tested in test_stop_gradient)",
}


def _all_function_classes():
    found = set()
    for info in pkgutil.iter_modules(functions_pkg.__path__):
        mod = importlib.import_module(f"{functions_pkg.__name__}.{info.name}")
        for obj in vars(mod).values():
            if (inspect.isclass(obj) and issubclass(obj, Function)
                    and obj.__module__ == mod.__name__ and not obj.__name__.startswith("_")):
                found.add(obj)
    return found


def test_table_covers_every_function():
    covered = {c[0] for c in CASES} | set(EXEMPT)
    missing = sorted(c.__qualname__ for c in _all_function_classes() - covered)
    assert not missing, f"Functions without a gradcheck row (add to CASES or EXEMPT): {missing}"
    assert not ({c[0] for c in CASES} & set(EXEMPT))


@pytest.fixture(params=["c", "numpy"])
def kernel_mode(request):
    """Runs a test on the C kernels and on the NumPy reference kernels."""
    from ckeras.kernels import use_kernels
    try:
        with use_kernels(request.param):
            yield request.param
    except ImportError:
        pytest.skip("C kernels not built")


@pytest.mark.parametrize("cls, case, fn, inputs", CASES,
                         ids=[f"{c[0].__name__}-{c[1]}" if c[1] else c[0].__name__
                              for c in CASES])
def test_gradcheck(cls, case, fn, inputs, kernel_mode):
    assert gradcheck(fn, inputs)


@pytest.mark.parametrize("cls, case, fn, inputs", CASES,
                         ids=[f"{c[0].__name__}-{c[1]}" if c[1] else c[0].__name__
                              for c in CASES])
def test_float32_preserved(cls, case, fn, inputs, kernel_mode):
    """float32 in -> float32 out (plain and taped), and float32 gradients."""
    ins32 = [x.astype(np.float32) if x.dtype == np.float64 else x for x in inputs]
    before = [x.copy() for x in ins32]
    out = fn(*ins32)
    outs = out if isinstance(out, tuple) else (out,)
    for o in outs:
        assert isinstance(o, np.ndarray) and o.dtype == np.float32, (type(o), o.dtype)
    tens = [Tensor(x, requires_grad=True) if x.dtype == np.float32 else x for x in ins32]
    out = fn(*tens)
    outs = out if isinstance(out, tuple) else (out,)
    wrt = [t for t in tens if isinstance(t, Tensor)]
    gs = grad(list(outs), wrt)
    for o in outs:
        assert isinstance(o, Tensor) and o.dtype == np.float32
    for g, t in zip(gs, wrt):
        assert g.dtype == np.float32 and g.shape == t.shape
    for x, b in zip(ins32, before):   # inputs never modified
        np.testing.assert_array_equal(x, b)


def test_stop_gradient():
    x = Tensor(r(3), requires_grad=True)
    y = E.Mul.apply(S.StopGradient.apply(x), x)
    np.testing.assert_allclose(grad(y, x, grad_outputs=[np.ones(3)]), x.value)
